package iamapi

import (
	"fmt"
	"sort"
	"strings"

	"github.com/wardhq/ward/internal/awsquery"
	"github.com/wardhq/ward/internal/store"
)

// page applies Marker/MaxItems to a list and writes IsTruncated/Marker.
func page[T any](c *call, items []T) ([]T, func(), error) {
	start, end, err := c.pageBounds(len(items))
	if err != nil {
		return nil, nil, err
	}
	return items[start:end], func() { c.writePageEnd(end, len(items)) }, nil
}

// listAll reads the entities of a kind whose path starts with the
// PathPrefix parameter, in creation order.
func listAll[T any](c *call, kind string, path func(*T) string) ([]*T, error) {
	prefix := c.p.Get("PathPrefix")
	var out []*T
	err := c.s.view(c.ctx, func(tx store.Tx) error {
		es, err := tx.List(c.who.account, kind, "")
		if err != nil {
			return err
		}
		for _, e := range es {
			v := new(T)
			if err := unmarshal(e.Body, v); err != nil {
				return fmt.Errorf("stored %s %s: %w", kind, e.Name, err)
			}
			if strings.HasPrefix(path(v), prefix) {
				out = append(out, v)
			}
		}
		return nil
	})
	return out, err
}

// writeList writes one page of items as <tag><member>...</member></tag>
// with IsTruncated and Marker.
func writeList[T any](c *call, tag string, items []T, write func(T)) error {
	pageItems, tail, err := page(c, items)
	if err != nil {
		return err
	}
	c.x.Open(tag)
	for _, it := range pageItems {
		c.x.Open("member")
		write(it)
		c.x.Close("member")
	}
	c.x.Close(tag)
	tail()
	return nil
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

func contains(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

func remove(list []string, s string) []string {
	out := list[:0]
	for _, x := range list {
		if !strings.EqualFold(x, s) {
			out = append(out, x)
		}
	}
	return out
}
