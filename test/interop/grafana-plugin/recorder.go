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
	requests []wireRequest
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
		rec := wireRequest{
			Method: req.Method, Path: req.URL.Path, Params: params, Headers: names,
			UserAgent: req.UserAgent(), AcceptEncoding: req.Header.Get("Accept-Encoding"),
			ContentEnc: req.Header.Get("Content-Encoding"), Body: string(body),
		}
		sw := &statusWriter{ResponseWriter: w}
		proxy.ServeHTTP(sw, req)
		rec.Status = sw.status
		rec.ResponseFormat = sw.Header().Get("X-ClickHouse-Format")
		rec.ResponseEnc = sw.Header().Get("Content-Encoding")
		r.mu.Lock()
		r.requests = append(r.requests, rec)
		r.mu.Unlock()
	})}
	go func() { _ = r.server.Serve(l) }()
	return r, nil
}

func (r *recorder) port() int { return r.listener.Addr().(*net.TCPAddr).Port }

func (r *recorder) take() []wireRequest {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.requests
	r.requests = nil
	return out
}

func (r *recorder) close() { _ = r.server.Close() }

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

func (s *statusWriter) Flush() {
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}
