package iamapi

// boundedMap is a map that holds at most max entries. When it is full, an
// entry chosen by Go's map iteration order (effectively at random) makes
// room: that bounds the memory a cache keyed by what callers send can
// take, without tracking ages on the request path.
type boundedMap[K comparable, V any] struct {
	m   map[K]V
	max int
}

func (b *boundedMap[K, V]) get(k K) (V, bool) {
	v, ok := b.m[k]
	return v, ok
}

func (b *boundedMap[K, V]) put(k K, v V) {
	if b.m == nil {
		b.m = make(map[K]V)
	}
	if _, ok := b.m[k]; !ok && len(b.m) >= b.max {
		for old := range b.m {
			delete(b.m, old)
			break
		}
	}
	b.m[k] = v
}

func (b *boundedMap[K, V]) remove(k K) { delete(b.m, k) }

func (b *boundedMap[K, V]) len() int { return len(b.m) }

// Cache sizes. A compiled policy set is a few kilobytes, a caller less:
// at these sizes the caches stay within some tens of megabytes whatever
// is sent, and hold the working set of any ordinary deployment.
const (
	maxCachedSets       = 8192
	maxCachedCallers    = 16384
	maxCachedPrincipals = 4096
	maxKeyUses          = 65536
)
