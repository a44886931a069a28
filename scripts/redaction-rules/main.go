// Generates instrumentation/redaction/rules/rules.generated.ts, the one rule source of flightrec's
// redaction, from
//   - gitleaks' default rule set, read through its own config package at the version pinned in
//     go.mod (not copied: bump the version there and run this again), and
//   - flightrec's own rules (instrumentation/redaction/rules/flightrec-rules.json: personal data,
//     connection strings, private-key blocks), written in RE2 syntax.
//
// Every rule keeps its RE2 source (what the collector runs) and gets a JavaScript translation made
// from Go's own parse tree (jsregex.go), so both engines run the same pattern. Rules that cannot be
// translated, or that only filter file paths, are listed as excluded with the reason.
//
//	cd scripts/redaction-rules && go run . ../..
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp/syntax"
	"runtime/debug"
	"sort"
	"strings"

	"github.com/spf13/viper"
	"github.com/zricethezav/gitleaks/v8/config"
)

type ownRule struct {
	ID          string   `json:"id"`
	Category    string   `json:"category"`
	Description string   `json:"description"`
	Regex       string   `json:"regex"`
	Keywords    []string `json:"keywords"`
	SecretGroup int      `json:"secretGroup,omitempty"`
	Validator   string   `json:"validator,omitempty"`
	Collector   *bool    `json:"collector,omitempty"`
	Why         string   `json:"collectorExcludedBecause,omitempty"`
	// CollectorRegex, when set, is what the collector runs instead of Regex (the SDK merges
	// overlapping findings; the collector's redaction processor masks one rule after another).
	CollectorRegex string  `json:"collectorRegex,omitempty"`
	Order          string  `json:"order"`
	Anchor         *anchor `json:"anchor,omitempty"`
	Digits         *digits `json:"digits,omitempty"`
}

// digits: the rule's trigger instead of keywords — every match holds Count digits within Within
// characters (numbers such as cards, IBANs, ids, phone numbers), so it runs only around such a run.
type digits struct {
	Count  int `json:"count"`
	Within int `json:"within"`
}

// anchor: a hint for the backtracking engine only — every match contains one of the rule's
// keywords, preceded by at most Max characters of class Left; the SDK starts the pattern there
// instead of at every position.
type anchor struct {
	Left string `json:"left"`
	Max  int    `json:"max"`
}

type ownFile struct {
	Rules             []ownRule         `json:"rules"`
	CollectorExcluded map[string]string `json:"collectorExcludedGitleaksRules"`
	// gitleaks rules whose every match starts at one of their keywords (once the leading repetition
	// is trimmed): the SDK starts them only there.
	SDKAnchored map[string]*anchor `json:"sdkAnchoredGitleaksRules"`
	// gitleaks rules given one of flightrec's validators in the SDK (a check RE2 cannot make).
	SDKValidated map[string]string `json:"sdkValidatedGitleaksRules"`
	// gitleaks rules the collector runs with gitleaks' checks (keywords in the value, entropy, allow
	// lists) in OTTL rather than as a bare pattern, with the reason.
	CollectorChecked map[string]string `json:"collectorCheckedGitleaksRules"`
}

type allow struct {
	Target    string   `json:"target"`
	Regexes   []string `json:"regexes"`
	StopWords []string `json:"stopWords"`
	Condition string   `json:"condition"`
	RE2       []string `json:"re2"`
}

type outRule struct {
	ID          string   `json:"id"`
	Source      string   `json:"source"`
	Category    string   `json:"category"`
	Description string   `json:"description"`
	RE2         string   `json:"re2"`
	JS          string   `json:"js"`
	Keywords    []string `json:"keywords"`
	SecretGroup int      `json:"secretGroup"`
	Entropy     float64  `json:"entropy,omitempty"`
	MaxLen      int      `json:"maxLen"`
	// CollectorRE2, when set, is what the collector runs instead of RE2 (see add()).
	CollectorRE2 string  `json:"collectorRe2,omitempty"`
	Validator    string  `json:"validator,omitempty"`
	Allow        []allow `json:"allow,omitempty"`
	Collector    bool    `json:"collector"`
	CollectorWhy string  `json:"collectorExcludedBecause,omitempty"`
	// CollectorChecked: why the collector runs this gitleaks rule with its checks (see ownFile).
	CollectorChecked string  `json:"collectorChecked,omitempty"`
	Anchor           *anchor `json:"anchor,omitempty"`
	Digits           *digits `json:"digits,omitempty"`
}

type excluded struct {
	ID     string `json:"id"`
	Reason string `json:"reason"`
}

func main() {
	root := "../.."
	if len(os.Args) > 1 {
		root = os.Args[1]
	}
	rulesDir := filepath.Join(root, "instrumentation", "redaction", "rules")
	var own ownFile
	raw, err := os.ReadFile(filepath.Join(rulesDir, "flightrec-rules.json"))
	must(err)
	must(json.Unmarshal(raw, &own))

	viper.SetConfigType("toml")
	must(viper.ReadConfig(strings.NewReader(config.DefaultConfig)))
	var vc config.ViperConfig
	must(viper.Unmarshal(&vc))
	cfg, err := vc.Translate()
	must(err)

	var out []outRule
	var skipped []excluded
	add := func(r outRule) {
		trimmed, err := trimLeft(r.RE2)
		if err != nil {
			skipped = append(skipped, excluded{r.ID, "not RE2: " + err.Error()})
			return
		}
		// gitleaks ends a secret at a quote, space, ; or an escaped line break (\n, \r); inside JSON
		// text a closing quote is escaped too (\"): accept that ending as well, in both engines.
		r.RE2 = strings.ReplaceAll(trimmed, `\\[nr]|$)`, `\\[nr"]|$)`)
		// A token right after a JSON-escaped line break ("…\nghp_…") has no word boundary before it:
		// a pattern that starts at \b may also start right after \n, \r or \t (the escape is then
		// part of the match, so a whole-match mask takes it along and leaves valid JSON).
		// The SDK reads such escapes as spaces (rule-engine.ts) and keeps the \b form, which a
		// backtracking engine searches much faster than an alternation.
		if r.Source == "flightrec" && r.CollectorRE2 != "" {
			if _, err := syntax.Parse(r.CollectorRE2, syntax.Perl); err != nil {
				skipped = append(skipped, excluded{r.ID, "collector pattern is not RE2: " + err.Error()})
				return
			}
		} else if r.Source == "gitleaks" && strings.HasPrefix(r.RE2, `\b`) {
			r.CollectorRE2 = `(?:\b|\\[nrt])` + r.RE2[2:]
		} else if r.Source == "gitleaks" && strings.HasPrefix(r.RE2, `(?i)\b`) {
			r.CollectorRE2 = `(?i)(?:\b|\\[nrt])` + r.RE2[6:]
		}
		js, err := toJS(r.RE2)
		if err != nil {
			skipped = append(skipped, excluded{r.ID, "no exact JavaScript form: " + err.Error()})
			return
		}
		n, _ := maxLen16(r.RE2)
		r.JS, r.MaxLen = js, n
		for i := range r.Allow {
			for _, a := range r.Allow[i].RE2 {
				j, err := toJS(a)
				if err != nil {
					skipped = append(skipped, excluded{r.ID, "allow-list pattern has no exact JavaScript form: " + err.Error()})
					return
				}
				r.Allow[i].Regexes = append(r.Allow[i].Regexes, j)
			}
		}
		if r.Keywords == nil {
			r.Keywords = []string{}
		}
		out = append(out, r)
	}
	addOwn := func(order string) {
		for _, r := range own.Rules {
			if r.Order != order {
				continue
			}
			collector := r.Collector == nil || *r.Collector
			add(outRule{ID: r.ID, Source: "flightrec", Category: r.Category, Description: r.Description, RE2: r.Regex, Keywords: r.Keywords,
				SecretGroup: r.SecretGroup, Validator: r.Validator, Collector: collector, CollectorWhy: r.Why, CollectorRE2: r.CollectorRegex, Anchor: r.Anchor, Digits: r.Digits})
		}
	}

	// Structural rules (whole key blocks, connection strings) first: they take the longest spans.
	addOwn("first")
	ids := make([]string, 0, len(cfg.Rules))
	for id := range cfg.Rules {
		ids = append(ids, id)
	}
	// gitleaks' catch-all last, so a finding another rule also makes is named after the provider.
	sort.Slice(ids, func(i, j int) bool {
		gi, gj := ids[i] == "generic-api-key", ids[j] == "generic-api-key"
		if gi != gj {
			return gj
		}
		return ids[i] < ids[j]
	})
	for _, id := range ids {
		r := cfg.Rules[id]
		if r.Regex == nil {
			skipped = append(skipped, excluded{id, "matches file paths only"})
			continue
		}
		if len(r.RequiredRules) > 0 {
			skipped = append(skipped, excluded{id, "composite rule (needs another rule's finding nearby)"})
			continue
		}
		keywords := append([]string(nil), r.Keywords...)
		sort.Strings(keywords)
		o := outRule{ID: id, Source: "gitleaks", Category: "provider_token", Description: r.Description, RE2: r.Regex.String(),
			Keywords: keywords, SecretGroup: r.SecretGroup, Entropy: r.Entropy, Collector: true}
		o.Anchor = own.SDKAnchored[id]
		o.Validator = own.SDKValidated[id]
		o.CollectorChecked = own.CollectorChecked[id]
		if why, ok := own.CollectorExcluded[id]; ok {
			o.Collector, o.CollectorWhy = false, why
		}
		for _, a := range r.Allowlists {
			if len(a.Paths) > 0 && len(a.Regexes) == 0 && len(a.StopWords) == 0 {
				continue // file paths only
			}
			var re2 []string
			for _, x := range a.Regexes {
				re2 = append(re2, x.String())
			}
			// gitleaks keeps stop words in a set: sorted, so the output is the same on every run.
			stop := append([]string(nil), a.StopWords...)
			sort.Strings(stop)
			o.Allow = append(o.Allow, allow{Target: a.RegexTarget, StopWords: stop, Condition: a.MatchCondition.String(), RE2: re2})
		}
		add(o)
	}
	addOwn("last")

	var global []string
	var globalRE2 []string
	if cfg.Allowlists != nil {
		for _, a := range cfg.Allowlists {
			for _, x := range a.Regexes {
				j, err := toJS(x.String())
				if err == nil {
					global = append(global, j)
					globalRE2 = append(globalRE2, x.String())
				}
			}
		}
	}

	version := "unknown"
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == "github.com/zricethezav/gitleaks/v8" {
				version = d.Version
			}
		}
	}
	js, err := json.MarshalIndent(out, "", "  ")
	must(err)
	sk, err := json.MarshalIndent(skipped, "", "  ")
	must(err)
	gl, err := json.Marshal(global)
	must(err)
	var b strings.Builder
	b.WriteString("// Generated by scripts/redaction-rules (go run . ../..) from gitleaks " + version + "'s default rules and\n")
	b.WriteString("// instrumentation/redaction/rules/flightrec-rules.json. Do not edit: change the sources and run it again.\n")
	b.WriteString("// gitleaks: Copyright (c) 2019 Zachary Rice, MIT License.\n")
	b.WriteString("import type { GeneratedRule, ExcludedRule } from './rule-types.ts';\n\n")
	fmt.Fprintf(&b, "export const GITLEAKS_VERSION = %q;\n\n", version)
	b.WriteString("/** Patterns every gitleaks finding is checked against (templates, placeholders): a match is not a secret. */\n")
	fmt.Fprintf(&b, "export const GLOBAL_ALLOW: readonly string[] = %s;\n\n", gl)
	fmt.Fprintf(&b, "export const RULES: readonly GeneratedRule[] = %s;\n\n", js)
	fmt.Fprintf(&b, "export const EXCLUDED: readonly ExcludedRule[] = %s;\n", sk)
	must(os.WriteFile(filepath.Join(rulesDir, "rules.generated.ts"), []byte(b.String()), 0o644))
	fmt.Fprintf(os.Stderr, "%d rules (%d from gitleaks %s), %d excluded\n", len(out), len(out)-len(own.Rules), version, len(skipped))
	// The tuning corpus's provider tokens: three per gitleaks rule, drawn from the rule itself.
	samples(out, globalRE2, 3, 20261207, filepath.Join(root, "test", "fixtures", "redaction-provider-samples.json"))
}

func must(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
