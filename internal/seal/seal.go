// Package seal encrypts the secrets ward stores (access key secrets,
// session secrets, MFA seeds) with a key kept apart from the database:
// AES-256-GCM, each value bound to the record it belongs to. A sealed
// value copied onto another record (another key's secret, another
// device's seed) does not open, so write access to the database alone
// cannot move a known secret to where it would be trusted.
package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
)

// KeySize is the length of a sealing key: AES-256.
const KeySize = 32

// version starts every value Seal writes. Values without it were written
// before values were bound to their records; only OpenUnbound reads them.
const version = 1

// Sealer seals and opens secrets with one key.
type Sealer struct{ aead cipher.AEAD }

// New makes a Sealer from a KeySize-byte key.
func New(key []byte) (*Sealer, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("a sealing key is %d bytes, not %d", KeySize, len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Sealer{aead: aead}, nil
}

// Seal encrypts a secret bound to boundTo, a name of the record that
// holds it (its key ID, its serial number).
func (s *Sealer) Seal(plain, boundTo string) []byte {
	n := s.aead.NonceSize()
	out := make([]byte, 1+n, 1+n+len(plain)+s.aead.Overhead())
	out[0] = version
	rand.Read(out[1:]) // never fails (crypto/rand)
	return s.aead.Seal(out, out[1:1+n], []byte(plain), []byte(boundTo))
}

// ErrOpen is the error of a value that does not open: damaged, sealed
// with another key, or bound to another record.
var ErrOpen = errors.New("the sealed secret does not open with this key for this record")

// Open decrypts a secret Seal bound to boundTo.
func (s *Sealer) Open(sealed []byte, boundTo string) (string, error) {
	n := s.aead.NonceSize()
	if len(sealed) < 1+n+s.aead.Overhead() || sealed[0] != version {
		return "", ErrOpen
	}
	plain, err := s.aead.Open(nil, sealed[1:1+n], sealed[1+n:], []byte(boundTo))
	if err != nil {
		return "", ErrOpen
	}
	return string(plain), nil
}

// OpenUnbound decrypts a value written before values were bound to their
// records (nonce and ciphertext, no version), to seal it again bound.
func (s *Sealer) OpenUnbound(sealed []byte) (string, error) {
	n := s.aead.NonceSize()
	if len(sealed) < n+s.aead.Overhead() {
		return "", ErrOpen
	}
	plain, err := s.aead.Open(nil, sealed[:n], sealed[n:], nil)
	if err != nil {
		return "", ErrOpen
	}
	return string(plain), nil
}
