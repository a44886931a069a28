package main

// Mechanical translation of a Go (RE2) regular expression into a JavaScript one with the same
// matches: the pattern is parsed by Go's own parser (regexp/syntax), and the tree is printed in
// JavaScript syntax (flag "u"), with every construct whose meaning differs between the two engines
// spelled out: case-insensitive literals become explicit classes, \s and . become the classes RE2
// means, (?m) anchors become lookarounds, named groups become plain groups (same numbering).
// Anything the printer does not know is an error, so a rule is either translated exactly or
// excluded with the reason.

import (
	"fmt"
	"math"
	"regexp/syntax"
	"strings"
	"unicode"
)

const unbounded = math.MaxInt32

// trimLeft drops optional repetitions at the very start of a pattern (gitleaks' `[\w.-]{0,50}?`
// before a variable name): they only widen a match to the left, never decide whether or where a
// secret matches, and in a backtracking engine they multiply the work at every position. The
// result is printed back in RE2 syntax, so both engines run the trimmed pattern.
func trimLeft(pattern string) (string, error) {
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return "", err
	}
	changed := false
	for re.Op == syntax.OpConcat && len(re.Sub) > 1 {
		first := re.Sub[0]
		optional := first.Op == syntax.OpStar || first.Op == syntax.OpQuest || (first.Op == syntax.OpRepeat && first.Min == 0)
		if !optional {
			break
		}
		re.Sub = re.Sub[1:]
		changed = true
	}
	if !changed {
		return pattern, nil
	}
	return re.String(), nil
}

// toJS returns the JavaScript source (for flags "u") of an RE2 pattern.
func toJS(pattern string) (string, error) {
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	if err := printJS(&b, re); err != nil {
		return "", err
	}
	return b.String(), nil
}

// maxLen16 is the longest match of an RE2 pattern in UTF-16 code units, JavaScript's string
// positions (unbounded for * and +): a character above U+FFFF counts two.
func maxLen16(pattern string) (int, error) {
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return 0, err
	}
	return lenOf(re), nil
}

func units(r rune) int {
	if r > 0xFFFF {
		return 2
	}
	return 1
}

func lenOf(re *syntax.Regexp) int {
	switch re.Op {
	case syntax.OpLiteral:
		n := 0
		for _, r := range re.Rune {
			if re.Flags&syntax.FoldCase != 0 {
				for _, f := range foldOrbit(r) {
					n = max(n, units(f)-units(r))
				}
			}
			n += units(r)
		}
		return n
	case syntax.OpCharClass:
		if len(re.Rune) > 0 && re.Rune[len(re.Rune)-1] > 0xFFFF {
			return 2
		}
		return 1
	case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		return 2
	case syntax.OpCapture, syntax.OpQuest:
		return lenOf(re.Sub[0])
	case syntax.OpStar, syntax.OpPlus:
		if lenOf(re.Sub[0]) == 0 {
			return 0
		}
		return unbounded
	case syntax.OpRepeat:
		n := lenOf(re.Sub[0])
		if n == 0 {
			return 0
		}
		if re.Max < 0 || n == unbounded {
			return unbounded
		}
		return sat(n * re.Max)
	case syntax.OpConcat:
		t := 0
		for _, s := range re.Sub {
			t = sat(t + lenOf(s))
		}
		return t
	case syntax.OpAlternate:
		m := 0
		for _, s := range re.Sub {
			m = max(m, lenOf(s))
		}
		return m
	}
	return 0
}

func sat(n int) int {
	if n < 0 || n > unbounded {
		return unbounded
	}
	return n
}

func printJS(b *strings.Builder, re *syntax.Regexp) error {
	switch re.Op {
	case syntax.OpNoMatch:
		b.WriteString("[^\\s\\S]")
	case syntax.OpEmptyMatch:
		b.WriteString("(?:)")
	case syntax.OpLiteral:
		for _, r := range re.Rune {
			if re.Flags&syntax.FoldCase != 0 && hasFold(r) {
				b.WriteString("[")
				for _, f := range foldOrbit(r) {
					b.WriteString(classRune(f))
				}
				b.WriteString("]")
			} else {
				b.WriteString(literalRune(r))
			}
		}
	case syntax.OpCharClass:
		b.WriteString(class(re.Rune))
	case syntax.OpAnyCharNotNL:
		b.WriteString("[^\\n]")
	case syntax.OpAnyChar:
		b.WriteString("[\\s\\S]")
	case syntax.OpBeginLine:
		b.WriteString("(?<![^\\n])")
	case syntax.OpEndLine:
		b.WriteString("(?![^\\n])")
	case syntax.OpBeginText:
		b.WriteString("^")
	case syntax.OpEndText:
		b.WriteString("$")
	case syntax.OpWordBoundary:
		b.WriteString("\\b")
	case syntax.OpNoWordBoundary:
		b.WriteString("\\B")
	case syntax.OpCapture:
		b.WriteString("(")
		if err := printJS(b, re.Sub[0]); err != nil {
			return err
		}
		b.WriteString(")")
	case syntax.OpStar, syntax.OpPlus, syntax.OpQuest, syntax.OpRepeat:
		if err := atom(b, re.Sub[0]); err != nil {
			return err
		}
		switch re.Op {
		case syntax.OpStar:
			b.WriteString("*")
		case syntax.OpPlus:
			b.WriteString("+")
		case syntax.OpQuest:
			b.WriteString("?")
		default:
			switch {
			case re.Max == -1:
				fmt.Fprintf(b, "{%d,}", re.Min)
			case re.Min == re.Max:
				fmt.Fprintf(b, "{%d}", re.Min)
			default:
				fmt.Fprintf(b, "{%d,%d}", re.Min, re.Max)
			}
		}
		if re.Flags&syntax.NonGreedy != 0 {
			b.WriteString("?")
		}
	case syntax.OpConcat:
		for _, s := range re.Sub {
			if s.Op == syntax.OpAlternate {
				b.WriteString("(?:")
				if err := printJS(b, s); err != nil {
					return err
				}
				b.WriteString(")")
			} else if err := printJS(b, s); err != nil {
				return err
			}
		}
	case syntax.OpAlternate:
		for i, s := range re.Sub {
			if i > 0 {
				b.WriteString("|")
			}
			if err := printJS(b, s); err != nil {
				return err
			}
		}
	default:
		return fmt.Errorf("no JavaScript form for %v", re.Op)
	}
	return nil
}

// atom prints a sub-expression so that a following quantifier applies to all of it.
func atom(b *strings.Builder, re *syntax.Regexp) error {
	single := re.Op == syntax.OpCharClass || re.Op == syntax.OpAnyChar || re.Op == syntax.OpAnyCharNotNL || re.Op == syntax.OpCapture ||
		(re.Op == syntax.OpLiteral && len(re.Rune) == 1)
	if single {
		return printJS(b, re)
	}
	b.WriteString("(?:")
	if err := printJS(b, re); err != nil {
		return err
	}
	b.WriteString(")")
	return nil
}

func hasFold(r rune) bool { return unicode.SimpleFold(r) != r }

func foldOrbit(r rune) []rune {
	out := []rune{r}
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		out = append(out, f)
	}
	return out
}

func literalRune(r rune) string {
	if strings.ContainsRune(`\^$.|?*+()[]{}/`, r) {
		return "\\" + string(r)
	}
	return escapeNonPrintable(r)
}

func classRune(r rune) string {
	if strings.ContainsRune(`\]-[^/`, r) {
		return "\\" + string(r)
	}
	return escapeNonPrintable(r)
}

func escapeNonPrintable(r rune) string {
	if r >= 0x20 && r < 0x7f {
		return string(r)
	}
	switch r {
	case '\n':
		return "\\n"
	case '\r':
		return "\\r"
	case '\t':
		return "\\t"
	}
	return fmt.Sprintf("\\u{%X}", r)
}

// class prints RE2's class (pairs of inclusive ranges, already case-folded by the parser).
func class(ranges []rune) string {
	// The complement of a small class reads better and is what the author wrote; print it so when
	// the class covers the whole top of the code space.
	if len(ranges) >= 2 && ranges[len(ranges)-1] == unicode.MaxRune && ranges[0] == 0 {
		var neg []rune
		for i := 1; i+1 < len(ranges); i += 2 {
			neg = append(neg, ranges[i]+1, ranges[i+1]-1)
		}
		if len(neg) == 0 {
			return "[\\s\\S]"
		}
		return "[^" + rangesText(neg) + "]"
	}
	if len(ranges) == 0 {
		return "[^\\s\\S]"
	}
	return "[" + rangesText(ranges) + "]"
}

func rangesText(ranges []rune) string {
	var b strings.Builder
	for i := 0; i+1 < len(ranges); i += 2 {
		lo, hi := ranges[i], ranges[i+1]
		b.WriteString(classRune(lo))
		if hi > lo {
			if hi > lo+1 {
				b.WriteString("-")
			}
			b.WriteString(classRune(hi))
		}
	}
	return b.String()
}
