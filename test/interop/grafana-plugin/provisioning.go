package main

// What Grafana hands a datasource plugin: the provisioned datasource's jsonData as JSON and its
// secureJsonData decrypted, after Grafana has expanded the environment variables in the file.

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"go.yaml.in/yaml/v3"
)

type provisionedFile struct {
	APIVersion  int                     `yaml:"apiVersion"`
	Datasources []provisionedDatasource `yaml:"datasources"`
}

type provisionedDatasource struct {
	Name           string            `yaml:"name"`
	UID            string            `yaml:"uid"`
	Type           string            `yaml:"type"`
	JSONData       map[string]any    `yaml:"jsonData"`
	SecureJSONData map[string]string `yaml:"secureJsonData"`
}

// expandEnv is Grafana's provisioning rule for string values: `$NAME` and `${NAME}` are replaced by
// the environment variable (empty when unset), and `$$` stands for a literal `$`.
func expandEnv(s string, env map[string]string) string {
	const dollar = "\x00dollar\x00"
	s = strings.ReplaceAll(s, "$$", dollar)
	s = os.Expand(s, func(name string) string { return env[name] })
	return strings.ReplaceAll(s, dollar, "$")
}

func expandValue(v any, env map[string]string) any {
	switch x := v.(type) {
	case string:
		return expandEnv(x, env)
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = expandValue(e, env)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = expandValue(e, env)
		}
		return out
	default:
		return v
	}
}

// loadInstanceSettings reads the provisioning file and returns the settings of the datasource with
// that uid, in the form the plugin SDK gives a plugin instance.
func loadInstanceSettings(path, uid string, env map[string]string) (backend.DataSourceInstanceSettings, provisionedDatasource, error) {
	var none backend.DataSourceInstanceSettings
	raw, err := os.ReadFile(path)
	if err != nil {
		return none, provisionedDatasource{}, err
	}
	var file provisionedFile
	if err := yaml.Unmarshal(raw, &file); err != nil {
		return none, provisionedDatasource{}, fmt.Errorf("%s: %w", path, err)
	}
	for _, ds := range file.Datasources {
		if ds.UID != uid {
			continue
		}
		jsonData, err := json.Marshal(expandValue(ds.JSONData, env))
		if err != nil {
			return none, ds, err
		}
		secure := make(map[string]string, len(ds.SecureJSONData))
		for k, v := range ds.SecureJSONData {
			secure[k] = expandEnv(v, env)
		}
		return backend.DataSourceInstanceSettings{
			UID:                     ds.UID,
			Name:                    ds.Name,
			Type:                    ds.Type,
			JSONData:                jsonData,
			DecryptedSecureJSONData: secure,
		}, ds, nil
	}
	return none, provisionedDatasource{}, fmt.Errorf("%s: no datasource with uid %q", path, uid)
}
