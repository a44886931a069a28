// Runs the generated redaction rules with Go's regexp (RE2, the engine the collector's processors
// use) over the corpus texts: with -matches RULES.json (a list of {id, re2}) and corpus paths, it
// writes every match of every rule on every corpus text ({id: [[entry index, matched text], …]}),
// for comparison with the JavaScript translations. (What the collector config does with the rules —
// patterns in the redaction processor, checked rules in OTTL — is measured with the real collector.)
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
)

type entry struct {
	Text string `json:"text"`
}

func main() {
	if len(os.Args) < 3 || os.Args[1] != "-matches" {
		fmt.Fprintln(os.Stderr, "usage: redaction-eval -matches RULES.json CORPUS.json…")
		os.Exit(2)
	}
	matches(os.Args[2], os.Args[3:])
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
