package engine

import (
	"strings"
	"unicode/utf8"
)

// A pattern is a compiled string with IAM wildcards and policy variables.
// Compiling splits the text once into literal runs, '*', '?' and ${...}
// references, so matching never re-parses, never builds strings and never
// allocates: a variable is looked up and compared in place.

type tokKind uint8

const (
	tokLit  tokKind = iota
	tokStar         // '*': any run of characters, including none
	tokOne          // '?': exactly one character
	tokVar          // ${key} or ${key, 'default'}
)

type token struct {
	kind   tokKind
	text   string // tokLit: the literal; tokVar: the lower-cased key
	def    string // tokVar: the default value
	hasDef bool
}

type pattern struct {
	toks []token
	// lit is set when the pattern is one literal with no wildcard or
	// variable, the common case, compared with a single string comparison.
	lit    string
	isLit  bool
	hasVar bool
}

// compilePattern splits s into tokens. wildcards says whether '*' and '?'
// are wildcards (Like operators, resources, actions) or plain characters
// (Equals operators). vars says whether ${...} is a policy variable, which
// it is only in 2012-10-17 policies.
func compilePattern(s string, wildcards, vars bool) pattern {
	var toks []token
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			toks = append(toks, token{kind: tokLit, text: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case wildcards && c == '*':
			flush()
			// Consecutive stars mean the same as one.
			if len(toks) == 0 || toks[len(toks)-1].kind != tokStar {
				toks = append(toks, token{kind: tokStar})
			}
		case wildcards && c == '?':
			flush()
			toks = append(toks, token{kind: tokOne})
		case vars && c == '$' && i+1 < len(s) && s[i+1] == '{':
			end := strings.IndexByte(s[i+2:], '}')
			if end < 0 {
				lit.WriteByte(c)
				continue
			}
			body := s[i+2 : i+2+end]
			switch body {
			case "*", "?", "$":
				// ${*} ${?} ${$} stand for the literal character.
				lit.WriteString(body)
			default:
				tok, ok := parseVariable(body)
				if !ok {
					lit.WriteString(s[i : i+3+end])
				} else {
					flush()
					toks = append(toks, tok)
				}
			}
			i += 2 + end
		default:
			lit.WriteByte(c)
		}
	}
	flush()
	p := pattern{toks: toks}
	switch {
	case len(toks) == 0:
		p.isLit = true
	case len(toks) == 1 && toks[0].kind == tokLit:
		p.isLit, p.lit = true, toks[0].text
	}
	for _, t := range toks {
		if t.kind == tokVar {
			p.hasVar = true
		}
	}
	return p
}

// parseVariable reads "key" or "key, 'default'". AWS documents the default
// after a comma and a space; ward also takes other spacing.
func parseVariable(body string) (token, bool) {
	key, def, hasDef := body, "", false
	if i := strings.IndexByte(body, ','); i >= 0 {
		key = strings.TrimSpace(body[:i])
		d := strings.TrimSpace(body[i+1:])
		if len(d) < 2 || d[0] != '\'' || d[len(d)-1] != '\'' {
			return token{}, false
		}
		def, hasDef = d[1:len(d)-1], true
	}
	key = strings.TrimSpace(key)
	if key == "" || strings.ContainsAny(key, " \t'${}") {
		return token{}, false
	}
	return token{kind: tokVar, text: strings.ToLower(key), def: def, hasDef: hasDef}, true
}

// resolver supplies policy variable values for one decision.
type resolver interface {
	// variable returns the single value of a request context key, given in
	// lower case, or false when the key is absent or multivalued.
	variable(key string) (string, bool)
}

// piece returns the literal text of token t, resolving a variable.
func piece(t *token, r resolver) (string, bool) {
	if t.kind == tokLit {
		return t.text, true
	}
	if r != nil {
		if v, ok := r.variable(t.text); ok {
			return v, true
		}
	}
	if t.hasDef {
		return t.def, true
	}
	return "", false
}

// resolves reports whether every variable in the pattern has a value in
// this request or a default.
func (p *pattern) resolves(r resolver) bool {
	if !p.hasVar {
		return true
	}
	for i := range p.toks {
		if p.toks[i].kind == tokVar {
			if _, ok := piece(&p.toks[i], r); !ok {
				return false
			}
		}
	}
	return true
}

// match reports whether s matches the pattern. fold compares ASCII letters
// case-insensitively. A variable that cannot be resolved makes the match
// fail and unresolved true, so negated operators can tell it apart.
func (p *pattern) match(s string, r resolver, fold bool) (matched, unresolved bool) {
	if p.isLit {
		if fold {
			return strings.EqualFold(p.lit, s), false
		}
		return p.lit == s, false
	}
	toks := p.toks
	ti, si := 0, 0
	starTi, starSi := -1, 0
	for {
		if ti < len(toks) {
			t := &toks[ti]
			switch t.kind {
			case tokStar:
				starTi, starSi = ti, si
				ti++
				continue
			case tokOne:
				if si < len(s) {
					_, n := utf8.DecodeRuneInString(s[si:])
					si += n
					ti++
					continue
				}
			default:
				text, ok := piece(t, r)
				if !ok {
					return false, true
				}
				if hasPrefix(s[si:], text, fold) {
					si += len(text)
					ti++
					continue
				}
			}
		} else if si == len(s) {
			return true, false
		}
		// Mismatch: let the last star swallow one more character.
		if starTi < 0 || starSi >= len(s) {
			return false, false
		}
		starSi++
		si = starSi
		ti = starTi + 1
	}
}

func hasPrefix(s, prefix string, fold bool) bool {
	if len(s) < len(prefix) {
		return false
	}
	if fold {
		return strings.EqualFold(s[:len(prefix)], prefix)
	}
	return s[:len(prefix)] == prefix
}
