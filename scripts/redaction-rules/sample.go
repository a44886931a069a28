package main

// Samples for the tuning corpus: for every gitleaks rule kept, strings drawn at random from the
// rule's own RE2 parse tree (seeded), kept only when gitleaks itself would report them — the
// pattern matches, the secret group is non-empty, the entropy is reached, no allow list applies.
// They test that each provider format survives translation and windowing in both engines; they say
// nothing about formats a rule does not know (that is what the held-out corpus is for).

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"regexp/syntax"
	"strings"
	"unicode"
)

type sample struct {
	Rule   string `json:"rule"`
	Match  string `json:"match"`
	Secret string `json:"secret"`
}

func draw(r *rand.Rand, re *syntax.Regexp, b *strings.Builder) {
	switch re.Op {
	case syntax.OpLiteral:
		for _, c := range re.Rune {
			if re.Flags&syntax.FoldCase != 0 && c < 128 && r.IntN(2) == 0 {
				if unicode.IsUpper(c) {
					c = unicode.ToLower(c)
				} else {
					c = unicode.ToUpper(c)
				}
			}
			b.WriteRune(c)
		}
	case syntax.OpCharClass:
		var ascii []rune
		for i := 0; i+1 < len(re.Rune); i += 2 {
			for c := max(re.Rune[i], 0x21); c <= min(re.Rune[i+1], 0x7e); c++ {
				ascii = append(ascii, c)
			}
			if re.Rune[i] <= ' ' && re.Rune[i+1] >= ' ' {
				ascii = append(ascii, ' ')
			}
		}
		if len(ascii) == 0 {
			b.WriteRune(re.Rune[0])
			return
		}
		b.WriteRune(ascii[r.IntN(len(ascii))])
	case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		const alnum = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
		b.WriteByte(alnum[r.IntN(len(alnum))])
	case syntax.OpCapture:
		draw(r, re.Sub[0], b)
	case syntax.OpStar, syntax.OpPlus, syntax.OpQuest, syntax.OpRepeat:
		lo, hi := 0, 3
		switch re.Op {
		case syntax.OpPlus:
			lo, hi = 1, 4
		case syntax.OpQuest:
			lo, hi = 0, 1
		case syntax.OpRepeat:
			lo = re.Min
			hi = re.Max
			if hi < 0 || hi > lo+8 {
				hi = lo + 8
			}
		}
		n := lo + r.IntN(hi-lo+1)
		for i := 0; i < n; i++ {
			draw(r, re.Sub[0], b)
		}
	case syntax.OpConcat:
		for _, s := range re.Sub {
			draw(r, s, b)
		}
	case syntax.OpAlternate:
		draw(r, re.Sub[r.IntN(len(re.Sub))], b)
	}
}

func shannon(s string) float64 {
	counts := map[rune]int{}
	n := 0
	for _, c := range s {
		counts[c]++
		n++
	}
	h := 0.0
	for _, k := range counts {
		p := float64(k) / float64(n)
		h -= p * math.Log2(p)
	}
	return h
}

// samples draws up to `per` accepted samples for each gitleaks rule in `rules`.
func samples(rules []outRule, global []string, per int, seed uint64, path string) {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	var globalRe []*regexp.Regexp
	for _, g := range global {
		globalRe = append(globalRe, regexp.MustCompile(g))
	}
	var out []sample
	for _, rule := range rules {
		if rule.Source != "gitleaks" {
			continue
		}
		tree, _ := syntax.Parse(rule.RE2, syntax.Perl)
		full := regexp.MustCompile(rule.RE2)
		got := 0
		for try := 0; try < 400 && got < per; try++ {
			var b strings.Builder
			draw(r, tree, &b)
			s := b.String()
			if strings.ContainsAny(s, "\r\n") {
				continue
			}
			m := full.FindStringSubmatch(s)
			if m == nil || m[0] != s || !hasKeyword(rule.Keywords, s) {
				continue
			}
			secret := m[0]
			if len(m) > 1 {
				if rule.SecretGroup > 0 {
					secret = m[rule.SecretGroup]
				} else {
					for _, g := range m[1:] {
						if g != "" {
							secret = g
							break
						}
					}
				}
			}
			if len(secret) < 8 || shannon(secret) < rule.Entropy || allowed(rule, globalRe, s, secret) {
				continue
			}
			out = append(out, sample{rule.ID, s, secret})
			got++
		}
	}
	js, _ := json.MarshalIndent(out, "", " ")
	must(os.WriteFile(filepath.Clean(path), append(js, '\n'), 0o644))
}

func allowed(rule outRule, global []*regexp.Regexp, match, secret string) bool {
	for _, g := range global {
		if g.MatchString(secret) {
			return true
		}
	}
	for _, a := range rule.Allow {
		target := secret
		if a.Target == "match" || a.Target == "line" {
			target = match
		}
		var checks []bool
		if len(a.RE2) > 0 {
			hit := false
			for _, x := range a.RE2 {
				if regexp.MustCompile(x).MatchString(target) {
					hit = true
				}
			}
			checks = append(checks, hit)
		}
		if len(a.StopWords) > 0 {
			hit := false
			for _, w := range a.StopWords {
				if strings.Contains(strings.ToLower(secret), w) {
					hit = true
				}
			}
			checks = append(checks, hit)
		}
		if len(checks) == 0 {
			continue
		}
		all, anyHit := true, false
		for _, c := range checks {
			all = all && c
			anyHit = anyHit || c
		}
		if (a.Condition == "AND" && all) || (a.Condition != "AND" && anyHit) {
			return true
		}
	}
	return false
}

// gitleaks runs a rule only where one of its keywords occurs.
func hasKeyword(keywords []string, s string) bool {
	if len(keywords) == 0 {
		return true
	}
	lower := strings.ToLower(s)
	for _, k := range keywords {
		if strings.Contains(lower, strings.ToLower(k)) {
			return true
		}
	}
	return false
}
