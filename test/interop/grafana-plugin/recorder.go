package main

// A loopback HTTP recorder between the driver and the server: it forwards every request unchanged
// and keeps what went over the wire (method, path, query parameters, header names, encodings,
// user agent, the SQL), so the test can hold the server's allow-list against what the plugin's
// driver really sends. The password header's value is never kept.

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sort"
	"sync"
)

type wireRequest struct {
	Method         string              `json:"method"`
	Path           string              `json:"path"`
	Params         map[string][]string `json:"params"`
	Headers        []string            `json:"headers"`
	UserAgent      string              `json:"userAgent"`
	AcceptEncoding string              `json:"acceptEncoding"`
	ContentEnc     string              `json:"contentEncoding"`
	Body           string              `json:"body"`
	Status         int                 `json:"status"`
	ResponseFormat string              `json:"responseFormat"`
	ResponseEnc    string              `json:"responseEncoding"`
}

type recorder struct {
	mu       sync.Mutex
	requests []*wireRequest
	listener net.Listener
	server   *http.Server
}

func startRecorder(upstream string) (*recorder, error) {
	target, err := url.Parse(upstream)
	if err != nil {
		return nil, err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	r := &recorder{listener: l}
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.Transport = &http.Transport{DisableCompression: true}
	r.server = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		req.Body = io.NopCloser(bytes.NewReader(body))
		names := make([]string, 0, len(req.Header))
		for k := range req.Header {
			names = append(names, http.CanonicalHeaderKey(k))
		}
		sort.Strings(names)
		params := map[string][]string{}
		for k, v := range req.URL.Query() {
			if k == "password" {
				v = []string{"(hidden)"}
			}
			params[k] = v
		}
		// Recorded before forwarding, and the response fields set as the header is written: the
		// driver may have read the whole response before this handler returns.
		rec := &wireRequest{
			Method: req.Method, Path: req.URL.Path, Params: params, Headers: names,
			UserAgent: req.UserAgent(), AcceptEncoding: req.Header.Get("Accept-Encoding"),
			ContentEnc: req.Header.Get("Content-Encoding"), Body: string(body),
		}
		r.mu.Lock()
		r.requests = append(r.requests, rec)
		r.mu.Unlock()
		proxy.ServeHTTP(&statusWriter{ResponseWriter: w, rec: rec, mu: &r.mu}, req)
	})}
	go func() { _ = r.server.Serve(l) }()
	return r, nil
}

func (r *recorder) port() int { return r.listener.Addr().(*net.TCPAddr).Port }

// take returns what was recorded since the last take (an empty list, never null).
func (r *recorder) take() []wireRequest {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]wireRequest, len(r.requests))
	for i, w := range r.requests {
		out[i] = *w
	}
	r.requests = nil
	return out
}

func (r *recorder) close() { _ = r.server.Close() }

type statusWriter struct {
	http.ResponseWriter
	rec     *wireRequest
	mu      *sync.Mutex
	written bool
}

func (s *statusWriter) WriteHeader(code int) {
	if !s.written {
		s.written = true
		s.mu.Lock()
		s.rec.Status = code
		s.rec.ResponseFormat = s.Header().Get("X-ClickHouse-Format")
		s.rec.ResponseEnc = s.Header().Get("Content-Encoding")
		s.mu.Unlock()
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	if !s.written {
		s.WriteHeader(http.StatusOK)
	}
	return s.ResponseWriter.Write(b)
}

func (s *statusWriter) Flush() {
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}
