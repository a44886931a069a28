// Runs collector-config/otel-collector.yaml's generated redaction rules with Go's regexp (RE2, the
// engine the collector uses) over corpus texts, the way the two processors apply them:
//   - redaction: every blocked_values pattern in turn, each match masked as "****" (attribute values);
//   - transform/scrub: the OTTL replace_pattern alternation, matches replaced by "[REDACTED]"
//     (status messages, span event attributes).
// Reads the config path and corpus paths from the arguments; writes, per corpus, one
// {"attribute": …, "event": …} pair per entry as JSON on stdout.
//
// With -matches RULES.json (a list of {id, re2}) instead of a config, it writes every match of
// every rule on every corpus text ({id: [[entry index, matched text], …]}), for comparison with
// the JavaScript translations.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"
)

type config struct {
	Processors map[string]yaml.Node `yaml:"processors"`
}

type entry struct {
	Text string `json:"text"`
}

type result struct {
	Attribute string `json:"attribute"`
	Event     string `json:"event"`
}

// unescapeDollar undoes the collector config's $$ escape.
func unescapeDollar(s string) string { return strings.ReplaceAll(s, "$$", "$") }

// ottlString reads the OTTL string literal starting at s[0] == '"'.
func ottlString(s string) (string, string) {
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
			b.WriteByte(s[i])
		case '"':
			return b.String(), s[i+1:]
		default:
			b.WriteByte(s[i])
		}
	}
	panic("unterminated OTTL string")
}

func main() {
	if os.Args[1] == "-matches" {
		matches(os.Args[2], os.Args[3:])
		return
	}
	raw, err := os.ReadFile(os.Args[1])
	check(err)
	var cfg config
	check(yaml.Unmarshal(raw, &cfg))

	var red struct {
		BlockedValues []string `yaml:"blocked_values"`
	}
	n := cfg.Processors["redaction"]
	check(n.Decode(&red))
	var blocked []*regexp.Regexp
	for _, v := range red.BlockedValues {
		re, err := regexp.Compile(unescapeDollar(v))
		check(err)
		blocked = append(blocked, re)
	}

	var tr struct {
		TraceStatements []struct {
			Context    string   `yaml:"context"`
			Statements []string `yaml:"statements"`
		} `yaml:"trace_statements"`
	}
	n = cfg.Processors["transform/scrub"]
	check(n.Decode(&tr))
	var event *regexp.Regexp
	for _, g := range tr.TraceStatements {
		for _, s := range g.Statements {
			const fn = `replace_all_patterns(spanevent.attributes, "value", `
			if strings.HasPrefix(s, fn) {
				pattern, rest := ottlString(s[len(fn):])
				if !strings.HasPrefix(rest, `, "[REDACTED]")`) {
					panic("unexpected statement: " + s)
				}
				event, err = regexp.Compile(unescapeDollar(pattern))
				check(err)
			}
		}
	}
	if event == nil {
		panic("no replace_all_patterns on span event attributes")
	}

	out := map[string][]result{}
	for _, path := range os.Args[2:] {
		raw, err := os.ReadFile(path)
		check(err)
		var entries []entry
		check(json.Unmarshal(raw, &entries))
		rs := make([]result, len(entries))
		for i, e := range entries {
			v := e.Text
			for _, re := range blocked {
				v = re.ReplaceAllString(v, "****")
			}
			rs[i] = result{Attribute: v, Event: event.ReplaceAllString(e.Text, "[REDACTED]")}
		}
		out[path] = rs
	}
	check(json.NewEncoder(os.Stdout).Encode(out))
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func matches(rulesPath string, corpora []string) {
	raw, err := os.ReadFile(rulesPath)
	check(err)
	var rules []struct {
		ID  string `json:"id"`
		RE2 string `json:"re2"`
	}
	check(json.Unmarshal(raw, &rules))
	var texts []string
	for _, path := range corpora {
		raw, err := os.ReadFile(path)
		check(err)
		var entries []entry
		check(json.Unmarshal(raw, &entries))
		for _, e := range entries {
			texts = append(texts, e.Text)
		}
	}
	out := map[string][][2]any{}
	for _, r := range rules {
		re, err := regexp.Compile(r.RE2)
		check(err)
		found := [][2]any{}
		for i, t := range texts {
			for _, m := range re.FindAllString(t, -1) {
				found = append(found, [2]any{i, m})
			}
		}
		out[r.ID] = found
	}
	check(json.NewEncoder(os.Stdout).Encode(out))
}
