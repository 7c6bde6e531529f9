package iamapi

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/wardhq/ward/internal/awsquery"
	"github.com/wardhq/ward/internal/seal"
	"github.com/wardhq/ward/internal/store"
)

// update runs a write transaction and makes cached policy sets stale.
func (s *Service) update(ctx context.Context, fn func(store.Tx) error) error {
	err := s.Store.Update(ctx, fn)
	s.Invalidate()
	return mapStoreError(err)
}

func (s *Service) view(ctx context.Context, fn func(store.Tx) error) error {
	return mapStoreError(s.Store.View(ctx, fn))
}

// mapStoreError turns storage errors that reached the API into AWS codes.
// createNew stores a new entity, answering exists when its name is taken.
// Names are unique case-insensitively; the store's unique index decides,
// so two concurrent creations cannot both succeed.
func createNew(tx store.Tx, e *store.Entity, exists *awsquery.Error) error {
	err := tx.Create(e)
	if errors.Is(err, store.ErrExists) {
		return exists
	}
	return err
}

func mapStoreError(err error) error {
	var ae *awsquery.Error
	switch {
	case err == nil || errors.As(err, &ae):
		return err
	case errors.Is(err, store.ErrExists):
		return apiErr(409, "EntityAlreadyExists", "%v", err)
	case errors.Is(err, store.ErrNotFound):
		return noSuchEntity("%v", err)
	}
	return err
}

// loadAs reads the entity of a kind with a name into a T; when there is
// none, NoSuchEntity with IAM's words for it (missing, with %s for the
// name).
func loadAs[T any](tx store.Tx, account, kind, name, missing string) (*T, error) {
	e, err := tx.Get(account, kind, name)
	if err != nil {
		return nil, noSuchEntity(missing, name)
	}
	var v T
	if err := unmarshal(e.Body, &v); err != nil {
		return nil, err
	}
	return &v, nil
}

// listAs reads every entity of a kind in account into a T each, in
// creation order; a body that does not decode is an error naming it.
func listAs[T any](tx store.Tx, account, kind string) ([]*store.Entity, []*T, error) {
	es, err := tx.List(account, kind, "")
	if err != nil {
		return nil, nil, err
	}
	out := make([]*T, len(es))
	for i, e := range es {
		out[i] = new(T)
		if err := decode(e, out[i]); err != nil {
			return nil, nil, err
		}
	}
	return es, out, nil
}

func unmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

// decode reads a stored entity's body into v, saying which entity could
// not be read.
func decode(e *store.Entity, v any) error {
	if err := json.Unmarshal(e.Body, v); err != nil {
		return fmt.Errorf("stored %s %s: %w", e.Kind, e.Name, err)
	}
	return nil
}

func marshal(v any) []byte {
	b, _ := json.Marshal(v) // model types always marshal
	return b
}

// newID makes a unique ID with an IAM prefix: AIDA user, AROA role, AGPA
// group, ANPA policy, AKIA access key, ASIA session key. IDs are 20
// characters of upper-case letters and digits, as IAM's are.
func newID(prefix string) string {
	var b [10]byte
	rand.Read(b[:])
	s := base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:])
	s = strings.NewReplacer("0", "A", "1", "B").Replace(s)
	return prefix + s[:20-len(prefix)]
}

func newSecret() string {
	var b [30]byte
	rand.Read(b[:])
	s := base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:])
	return s[:40]
}

func arnOf(account, kind, path, name string) string {
	return fmt.Sprintf("arn:aws:iam::%s:%s%s%s", account, kind, path, name)
}

func fmtTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

// What each sealed secret is bound to (internal/seal): an access key's or
// a session's secret to its key ID, an MFA device's seed to its serial
// number. A secret moved onto another record does not open.
func keyBinding(keyID string) string  { return "key:" + keyID }
func mfaBinding(serial string) string { return "mfa:" + serial }

// resealSecrets seals again, bound to their records, the secrets of an
// account stored before secrets were bound: its access keys, sessions and
// MFA devices. Only the sealed field of each body changes.
func resealSecrets(tx store.Tx, account string, sealer *seal.Sealer) error {
	for _, kind := range []string{kindKey, kindSession, kindMFA} {
		es, err := tx.List(account, kind, "")
		if err != nil {
			return err
		}
		for _, e := range es {
			var body map[string]json.RawMessage
			if err := decode(e, &body); err != nil {
				return err
			}
			field, binding := "secret", keyBinding(e.Name)
			if kind == kindMFA {
				var serial string
				if err := json.Unmarshal(body["serial"], &serial); err != nil {
					return fmt.Errorf("stored MFA device %s: %w", e.Name, err)
				}
				field, binding = "seed", mfaBinding(serial)
			}
			var sealed []byte
			if err := json.Unmarshal(body[field], &sealed); err != nil || len(sealed) == 0 {
				continue // nothing sealed here
			}
			if _, err := sealer.Open(sealed, binding); err == nil {
				continue // already bound
			}
			plain, err := sealer.OpenUnbound(sealed)
			if err != nil {
				return fmt.Errorf("stored %s %s: its secret does not open with this data key", kind, e.Name)
			}
			body[field] = marshal(sealer.Seal(plain, binding))
			e.Body = marshal(body)
			if err := tx.Put(e); err != nil {
				return err
			}
		}
	}
	return nil
}
