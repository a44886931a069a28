package main

// The plugin's datasource settings, read from the instance settings the way plugin 4.20.0's
// LoadSettings reads them (pkg/plugin/settings.go): numbers and booleans may arrive as JSON
// numbers/booleans or as strings (provisioning with environment variables gives strings), and
// unset timeouts and pool sizes take the plugin's defaults. Only the fields that decide what goes
// over the wire are read; TLS client certificates, the secure SOCKS proxy and custom headers are
// not used by flightrec's provisioning and are refused here rather than ignored.

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
)

type pluginSettings struct {
	Host            string          `json:"host"`
	Port            int64           `json:"port"`
	Protocol        string          `json:"protocol"`
	Secure          bool            `json:"secure"`
	Path            string          `json:"path"`
	Username        string          `json:"username"`
	Password        string          `json:"-"`
	DefaultDatabase string          `json:"defaultDatabase"`
	DialTimeout     int             `json:"dialTimeoutSeconds"`
	QueryTimeout    int             `json:"queryTimeoutSeconds"`
	ConnMaxLifetime int             `json:"connMaxLifetimeMinutes"`
	MaxIdleConns    int             `json:"maxIdleConns"`
	MaxOpenConns    int             `json:"maxOpenConns"`
	CustomSettings  []customSetting `json:"customSettings"`
	Traces          map[string]any  `json:"traces"`
	Version         string          `json:"version"`
}

type customSetting struct {
	Setting string `json:"setting"`
	Value   string `json:"value"`
}

func asString(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return strings.TrimSpace(x), true
	case float64:
		return strconv.FormatInt(int64(x), 10), true
	case bool:
		return strconv.FormatBool(x), true
	}
	return "", false
}

func intSetting(j map[string]any, key string, def int) (int, error) {
	v, ok := j[key]
	if !ok || v == nil {
		return def, nil
	}
	s, _ := asString(v)
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("invalid %s: %q", key, s)
	}
	return n, nil
}

func boolSetting(j map[string]any, key string) (bool, error) {
	v, ok := j[key]
	if !ok || v == nil {
		return false, nil
	}
	s, _ := asString(v)
	b, err := strconv.ParseBool(s)
	if err != nil {
		return false, fmt.Errorf("could not parse %s value: %q", key, s)
	}
	return b, nil
}

// Settings flightrec's provisioning does not use and this harness does not reproduce.
var unsupportedKeys = []string{"tlsAuth", "tlsAuthWithCACert", "tlsSkipVerify", "enableSecureSocksProxy", "httpHeaders", "forwardGrafanaHeaders", "enableRowLimit", "server"}

func loadSettings(cfg backend.DataSourceInstanceSettings) (pluginSettings, error) {
	var s pluginSettings
	var j map[string]any
	if err := json.Unmarshal(cfg.JSONData, &j); err != nil {
		return s, fmt.Errorf("invalid jsonData: %w", err)
	}
	for _, k := range unsupportedKeys {
		if v, ok := j[k]; ok && v != nil && v != false && v != "false" {
			return s, fmt.Errorf("jsonData.%s is set; the harness does not reproduce it", k)
		}
	}
	var err error
	s.Host, _ = asString(j["host"])
	if p, ok := asString(j["port"]); ok {
		if s.Port, err = strconv.ParseInt(p, 0, 64); err != nil {
			return s, fmt.Errorf("could not parse port value: %w", err)
		}
	}
	s.Protocol, _ = asString(j["protocol"])
	if s.Secure, err = boolSetting(j, "secure"); err != nil {
		return s, err
	}
	s.Path, _ = j["path"].(string)
	s.Username, _ = j["username"].(string)
	s.DefaultDatabase, _ = j["defaultDatabase"].(string)
	s.Version, _ = j["version"].(string)
	// The plugin reads the dial timeout from "dialTimeout" (or v3's "timeout").
	if s.DialTimeout, err = intSetting(j, "dialTimeout", 10); err != nil {
		return s, err
	}
	if s.QueryTimeout, err = intSetting(j, "queryTimeout", 60); err != nil {
		return s, err
	}
	if s.ConnMaxLifetime, err = intSetting(j, "connMaxLifetime", 5); err != nil {
		return s, err
	}
	if s.MaxIdleConns, err = intSetting(j, "maxIdleConns", 25); err != nil {
		return s, err
	}
	if s.MaxOpenConns, err = intSetting(j, "maxOpenConns", 50); err != nil {
		return s, err
	}
	if raw, ok := j["customSettings"].([]any); ok {
		for _, r := range raw {
			m, _ := r.(map[string]any)
			name, _ := m["setting"].(string)
			value, _ := m["value"].(string)
			s.CustomSettings = append(s.CustomSettings, customSetting{name, value})
		}
	}
	s.Traces, _ = j["traces"].(map[string]any)
	s.Password = cfg.DecryptedSecureJSONData["password"]
	// The plugin's isValid(): a host and a port are required.
	if s.Host == "" {
		return s, fmt.Errorf("invalid server host. Either empty or not set")
	}
	if s.Port == 0 {
		return s, fmt.Errorf("invalid port")
	}
	return s, nil
}
