package main

// The connection the plugin opens for a datasource instance, as plugin 4.20.0's Connect builds it
// (pkg/plugin/driver.go): clickhouse-go's database/sql driver, HTTP protocol with gzip (the plugin
// asks for LZ4 only on the native protocol), dial timeout, the query timeout as the HTTP read
// timeout, the custom settings as query settings, the default database, the pool sizes, then
// PingContext within the dial timeout. The plugin's health check is exactly this connect
// (sqlds' HealthChecker calls Connect and reports its error).

import (
	"context"
	"crypto/tls"
	"database/sql"
	"fmt"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
)

// clientProducts is what the plugin puts in clickhouse-go's client info: Grafana's version (from
// the request's user agent) and the plugin's build version.
func clientProducts(grafanaVersion, pluginVersion string) []struct{ Name, Version string } {
	return []struct{ Name, Version string }{
		{Name: "grafana", Version: grafanaVersion},
		{Name: "clickhouse-datasource", Version: pluginVersion},
	}
}

func openDB(ctx context.Context, s pluginSettings, grafanaVersion, pluginVersion string) (*sql.DB, error) {
	protocol := clickhouse.Native
	compression := clickhouse.CompressionLZ4
	if s.Protocol == "http" {
		protocol = clickhouse.HTTP
		compression = clickhouse.CompressionGZIP
	}
	var tlsConfig *tls.Config
	if s.Secure {
		tlsConfig = &tls.Config{}
	}
	custom := clickhouse.Settings{}
	for _, c := range s.CustomSettings {
		custom[c.Setting] = c.Value
	}
	opts := &clickhouse.Options{
		Addr:        []string{fmt.Sprintf("%s:%d", s.Host, s.Port)},
		Auth:        clickhouse.Auth{Database: s.DefaultDatabase, Username: s.Username, Password: s.Password},
		ClientInfo:  clickhouse.ClientInfo{Products: clientProducts(grafanaVersion, pluginVersion)},
		Compression: &clickhouse.Compression{Method: compression},
		DialTimeout: time.Duration(s.DialTimeout) * time.Second,
		HttpUrlPath: s.Path,
		Protocol:    protocol,
		ReadTimeout: time.Duration(s.QueryTimeout) * time.Second,
		Settings:    custom,
		TLS:         tlsConfig,
	}
	db := clickhouse.OpenDB(opts)
	db.SetConnMaxLifetime(time.Duration(s.ConnMaxLifetime) * time.Minute)
	db.SetMaxIdleConns(s.MaxIdleConns)
	db.SetMaxOpenConns(s.MaxOpenConns)
	pingCtx, cancel := context.WithTimeout(ctx, time.Duration(s.DialTimeout)*time.Second)
	defer cancel()
	if err := db.PingContext(pingCtx); err != nil {
		_ = db.Close()
		return nil, err
	}
	return db, nil
}
