package seal_test

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"testing"

	"github.com/wardhq/ward/internal/seal"
)

func sealer(t *testing.T, b byte) *seal.Sealer {
	t.Helper()
	s, err := seal.New(bytes.Repeat([]byte{b}, seal.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSealOpen(t *testing.T) {
	s := sealer(t, 7)
	v := s.Seal("wJalrXUtnFEMI/K7MDENG", "key:AKIAEXAMPLE")
	if got, err := s.Open(v, "key:AKIAEXAMPLE"); err != nil || got != "wJalrXUtnFEMI/K7MDENG" {
		t.Fatalf("Open: %q %v", got, err)
	}
	if bytes.Equal(v, s.Seal("wJalrXUtnFEMI/K7MDENG", "key:AKIAEXAMPLE")) {
		t.Error("two seals of one secret are equal: the nonce is not fresh")
	}
	if got, err := s.Open(s.Seal("", "r"), "r"); err != nil || got != "" {
		t.Errorf("an empty secret: %q %v", got, err)
	}
}

// TestAttackSealedValueMoved: a sealed secret copied onto another record,
// opened with another key, cut short, flipped or given without its
// version does not open.
func TestAttackSealedValueMoved(t *testing.T) {
	s := sealer(t, 7)
	v := s.Seal("secret", "key:AKIAONE")
	flipped := append([]byte{}, v...)
	flipped[len(flipped)-1] ^= 1
	cases := map[string]func() (string, error){
		"another record":                 func() (string, error) { return s.Open(v, "key:AKIATWO") },
		"another key":                    func() (string, error) { return sealer(t, 8).Open(v, "key:AKIAONE") },
		"cut short":                      func() (string, error) { return s.Open(v[:len(v)-1], "key:AKIAONE") },
		"flipped":                        func() (string, error) { return s.Open(flipped, "key:AKIAONE") },
		"no version":                     func() (string, error) { return s.Open(v[1:], "key:AKIAONE") },
		"empty":                          func() (string, error) { return s.Open(nil, "key:AKIAONE") },
		"an unbound value read as bound": func() (string, error) { return s.Open(append([]byte{1}, unbound(t, "secret")...), "key:AKIAONE") },
	}
	for name, open := range cases {
		if got, err := open(); !errors.Is(err, seal.ErrOpen) || got != "" {
			t.Errorf("%s: %q %v, want ErrOpen", name, got, err)
		}
	}
}

// unbound is a value as ward sealed secrets before binding them: nonce
// and AES-GCM ciphertext without associated data, under key 7s.
func unbound(t *testing.T, plain string) []byte {
	t.Helper()
	block, _ := aes.NewCipher(bytes.Repeat([]byte{7}, seal.KeySize))
	aead, _ := cipher.NewGCM(block)
	nonce := make([]byte, aead.NonceSize())
	rand.Read(nonce)
	return aead.Seal(nonce, nonce, []byte(plain), nil)
}

func TestOpenUnbound(t *testing.T) {
	s := sealer(t, 7)
	if got, err := s.OpenUnbound(unbound(t, "old secret")); err != nil || got != "old secret" {
		t.Errorf("OpenUnbound: %q %v", got, err)
	}
	if _, err := s.OpenUnbound(s.Seal("new", "r")); err == nil {
		t.Error("a bound value opened unbound")
	}
}

func TestNewRefusesShortKeys(t *testing.T) {
	for _, n := range []int{0, 16, 24, 31, 33} {
		if _, err := seal.New(make([]byte, n)); err == nil {
			t.Errorf("a %d-byte key was accepted", n)
		}
	}
}
