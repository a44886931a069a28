// Command grafana-plugin drives Grafana's ClickHouse datasource query path without Grafana: the
// datasource built from flightrec's provisioning file, its health check, and every query the
// dashboards, variables, alert rules, schema browser and trace view send, through the plugin's
// own driver (clickhouse-go at the version plugin 4.20.0 pins, HTTP protocol) and the plugin
// SDK's frame conversion. It reads a request (JSON file named by the first argument) and writes
// the result as JSON to stdout; the interop test asserts on it.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"time"
)

type request struct {
	Provisioning   string            `json:"provisioning"`
	DatasourceUID  string            `json:"datasourceUid"`
	Env            map[string]string `json:"env"`
	HostVar        string            `json:"hostVar"`
	PortVar        string            `json:"portVar"`
	GrafanaVersion string            `json:"grafanaVersion"`
	PluginVersion  string            `json:"pluginVersion"`
	GrafanaUser    string            `json:"grafanaUser"`
	Queries        []queryRequest    `json:"queries"`
}

type healthResult struct {
	Status  string        `json:"status"`
	Message string        `json:"message"`
	Wire    []wireRequest `json:"wire"`
}

type result struct {
	Settings pluginSettings `json:"settings"`
	Health   healthResult   `json:"health"`
	Queries  []queryResult  `json:"queries"`
}

func run(reqPath string) (*result, error) {
	raw, err := os.ReadFile(reqPath)
	if err != nil {
		return nil, err
	}
	var req request
	if err := json.Unmarshal(raw, &req); err != nil {
		return nil, fmt.Errorf("%s: %w", reqPath, err)
	}
	// The provisioning file reads host and port from the environment; point them at the recorder,
	// which forwards to the server they named.
	upstream := fmt.Sprintf("http://%s:%s", req.Env[req.HostVar], req.Env[req.PortVar])
	rec, err := startRecorder(upstream)
	if err != nil {
		return nil, err
	}
	defer rec.close()
	env := map[string]string{}
	for k, v := range req.Env {
		env[k] = v
	}
	env[req.HostVar] = "127.0.0.1"
	env[req.PortVar] = strconv.Itoa(rec.port())

	cfg, _, err := loadInstanceSettings(req.Provisioning, req.DatasourceUID, env)
	if err != nil {
		return nil, err
	}
	st, err := loadSettings(cfg)
	if err != nil {
		return nil, err
	}
	out := &result{Settings: st} // the password is never serialised (json:"-")

	ctx := context.Background()
	db, err := openDB(ctx, st, req.GrafanaVersion, req.PluginVersion)
	out.Health.Wire = rec.take()
	if err != nil {
		// sqlds' health check: the connect error is the message.
		out.Health = healthResult{Status: "ERROR", Message: err.Error(), Wire: out.Health.Wire}
		return out, nil
	}
	defer db.Close()
	out.Health.Status, out.Health.Message = "OK", "Data source is working"

	for _, q := range req.Queries {
		started := time.Now()
		frames, err := runQuery(ctx, db, st, q, req.GrafanaUser)
		r := queryResult{ID: q.ID, Frames: frames, DurationMs: float64(time.Since(started).Microseconds()) / 1000}
		if err != nil {
			r.Error = err.Error()
		}
		r.Wire = rec.take()
		out.Queries = append(out.Queries, r)
	}
	return out, nil
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: grafana-plugin request.json")
		os.Exit(2)
	}
	out, err := run(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "grafana-plugin:", err)
		os.Exit(1)
	}
	os.Stdout.Write(mustJSON(out))
	os.Stdout.Write([]byte("\n"))
}
