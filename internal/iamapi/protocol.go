package iamapi

import (
	"sort"

	"github.com/wardhq/ward/internal/awsquery"
)

// IAM's errors, as the operations raise them.

func apiErr(status int, code, format string, args ...any) *awsquery.Error {
	return awsquery.Errorf(status, code, format, args...)
}

func noSuchEntity(format string, args ...any) *awsquery.Error {
	return apiErr(404, "NoSuchEntity", format, args...)
}

func invalidInput(format string, args ...any) *awsquery.Error {
	return apiErr(400, "InvalidInput", format, args...)
}

// tagsParam reads a Tags list: name.member.N.Key and .Value.
func tagsParam(p awsquery.Params, name string) []Tag {
	pairs := p.Pairs(name, "Key", "Value")
	if pairs == nil {
		return nil
	}
	out := make([]Tag, len(pairs))
	for i, kv := range pairs {
		out[i] = Tag{Key: kv[0], Value: kv[1]}
	}
	return out
}

// writeTags writes a Tags list, nothing when there are none.
func writeTags(x *awsquery.Writer, tags []Tag) {
	if len(tags) == 0 {
		return
	}
	x.Open("Tags")
	for _, t := range tags {
		x.Open("member")
		x.Elem("Key", t.Key)
		x.Elem("Value", t.Value)
		x.Close("member")
	}
	x.Close("Tags")
}

// boundPage reads MaxItems (default 100, at most 1,000 by the parameter
// table) and Marker for a list of total items that the request's own
// parameters define, such as the simulator's actions × resources, and
// returns the page's range and a function that writes IsTruncated and the
// next page's Marker.
//
// The Marker is bound to the request's other parameters (awsquery's
// Marker). One that does not decode, that another request wrote (other
// actions, resources, policies or principal), or whose start is not
// inside the list is InvalidInput, "Invalid Marker.", the answer IAM
// gives a Marker it did not write for the call.
func (c *call) boundPage(total int) (start, end int, tail func(), err error) {
	max, err := c.p.IntOr("MaxItems", 100)
	if err != nil {
		return 0, 0, nil, err
	}
	bound := c.p.DigestExcept("Marker", "MaxItems")
	if m := c.p.Get("Marker"); m != "" {
		var ok bool
		if start, ok = awsquery.ReadMarker(m, bound, total); !ok {
			return 0, 0, nil, invalidInput("Invalid Marker.")
		}
	}
	end = start + min(max, total-start)
	return start, end, func() {
		if end < total {
			c.x.Elem("IsTruncated", "true")
			c.x.Elem("Marker", awsquery.Marker(end, bound))
			return
		}
		c.x.Elem("IsTruncated", "false")
	}, nil
}

// sortedKeys returns a map's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
