package awsquery

import (
	"encoding/base64"
	"encoding/binary"
)

// A page Marker is opaque, as IAM's are: the start of the next page and
// a digest binding it to the request it was written for (Params'
// DigestExcept of all but Marker and MaxItems), base64url-encoded.

// markerVersion starts every Marker, so that a later form can be told
// apart.
const markerVersion = 1

// Marker writes the Marker of the page starting at start of the list the
// digest bound describes.
func Marker(start int, bound [16]byte) string {
	var raw [1 + 8 + 16]byte
	raw[0] = markerVersion
	binary.BigEndian.PutUint64(raw[1:9], uint64(start))
	copy(raw[9:], bound[:])
	return base64.RawURLEncoding.EncodeToString(raw[:])
}

// ReadMarker reads a Marker written for the same list: its start,
// strictly inside a list of total items.
func ReadMarker(m string, bound [16]byte, total int) (int, bool) {
	var raw [1 + 8 + 16]byte
	if base64.RawURLEncoding.EncodedLen(len(raw)) != len(m) {
		return 0, false
	}
	if n, err := base64.RawURLEncoding.Decode(raw[:], []byte(m)); err != nil || n != len(raw) || raw[0] != markerVersion {
		return 0, false
	}
	if [16]byte(raw[9:]) != bound {
		return 0, false
	}
	start := binary.BigEndian.Uint64(raw[1:9])
	if start == 0 || start >= uint64(total) {
		return 0, false
	}
	return int(start), true
}
