package engine

import "github.com/wardhq/ward/internal/glob"

// A request may name its resource with wildcards ("may alice read anything
// under bucket/logs/*?"). The engine then relates its compiled patterns to
// the request's with the glob algebra, after resolving their variables.

// units flattens a pattern, resolving variables. ok is false when a
// variable cannot be resolved, in which case the pattern matches nothing.
func (p *pattern) units(r resolver) ([]glob.Unit, bool) {
	var out []glob.Unit
	for i := range p.toks {
		t := &p.toks[i]
		switch t.kind {
		case tokStar:
			out = append(out, glob.Unit{Kind: glob.Star})
		case tokOne:
			out = append(out, glob.Unit{Kind: glob.One})
		default:
			text, ok := piece(t, r)
			if !ok {
				return nil, false
			}
			out = glob.AppendLiteral(out, text)
		}
	}
	return out, true
}

// flatten returns the pattern as units over the whole string, joining ARN
// segments with ':' (a '*' may then run across segments: a slight
// over-approximation, used only when the pattern's shape does not allow a
// segment-by-segment comparison).
func (p *arnPattern) flatten(r resolver) ([]glob.Unit, bool) {
	switch {
	case p.all:
		return []glob.Unit{{Kind: glob.Star}}, true
	case !p.isARN:
		return p.whole.units(r)
	}
	var out []glob.Unit
	for i := 0; i < p.n; i++ {
		if i > 0 {
			out = append(out, glob.Unit{Kind: glob.Lit, Char: ':'})
		}
		u, ok := p.segs[i].units(r)
		if !ok {
			return nil, false
		}
		out = append(out, u...)
	}
	return out, true
}

// wildRequest is a request resource written with wildcards.
type wildRequest struct {
	whole []glob.Unit
	segs  [6][]glob.Unit
	split arnSplit
}

func newWildRequest(s string) *wildRequest {
	w := &wildRequest{whole: glob.Units(s), split: splitARN(s)}
	for i := 0; i < w.split.n; i++ {
		w.segs[i] = glob.Units(w.split.parts[i])
	}
	return w
}

// relate applies op segment by segment when both sides are full ARNs, and
// over the whole strings otherwise.
func (p *arnPattern) relate(w *wildRequest, r resolver, op func(a, b []glob.Unit) bool) bool {
	if p.isARN && !p.tail && p.n == 6 && w.split.isARN() {
		for i := 0; i < 6; i++ {
			u, ok := p.segs[i].units(r)
			if !ok || !op(u, w.segs[i]) {
				return false
			}
		}
		return true
	}
	u, ok := p.flatten(r)
	return ok && op(u, w.whole)
}
