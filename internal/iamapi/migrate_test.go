package iamapi

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"net/url"
	"strings"
	"testing"

	"github.com/wardhq/ward/internal/seal"
	"github.com/wardhq/ward/internal/store"
)

// TestMigrateLegacyAccount: data stored before use counts and unique-ID
// bindings were kept is brought up to date at start: keys and MFA
// devices are bound to their user's ID (an orphan key, left by a user
// deleted since, is removed instead of passing to the next user of the
// name), trust principals are bound (one naming nothing to an ID no
// entity has), and policy use is counted.
func TestMigrateLegacyAccount(t *testing.T) {
	ts := newTestService(t)
	root := func(form url.Values) { ts.do(t, ts.id, ts.secret, "", "iam", form, nil) }
	root(url.Values{"Action": {"CreateUser"}, "UserName": {"ann"}})
	root(url.Values{"Action": {"CreatePolicy"}, "PolicyName": {"p"}, "PolicyDocument": {`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetUser","Resource":"*"}]}`}})
	root(url.Values{"Action": {"AttachUserPolicy"}, "UserName": {"ann"}, "PolicyArn": {"arn:aws:iam::123456789012:policy/p"}})
	root(url.Values{"Action": {"PutUserPermissionsBoundary"}, "UserName": {"ann"}, "PermissionsBoundary": {"arn:aws:iam::123456789012:policy/p"}})
	root(url.Values{"Action": {"CreateRole"}, "RoleName": {"r"}, "AssumeRolePolicyDocument": {
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:user/ann"},"Action":"sts:AssumeRole"}]}`}})
	var key struct {
		ID string `xml:"CreateAccessKeyResult>AccessKey>AccessKeyId"`
	}
	ts.do(t, ts.id, ts.secret, "", "iam", url.Values{"Action": {"CreateAccessKey"}, "UserName": {"ann"}}, &key)

	// Make the account look as an earlier ward stored it.
	ctx := context.Background()
	err := ts.s.Store.Update(ctx, func(tx store.Tx) error {
		acct, err := tx.Get("123456789012", kindAccount, "123456789012")
		if err != nil {
			return err
		}
		acct.Body = []byte(`{}`)
		if err := tx.Put(acct); err != nil {
			return err
		}
		e, err := tx.Get("123456789012", kindKey, key.ID)
		if err != nil {
			return err
		}
		var k AccessKey
		unmarshal(e.Body, &k)
		k.UserID = ""
		e.Body = marshal(k)
		if err := tx.Put(e); err != nil {
			return err
		}
		orphan := &AccessKey{ID: "AKIAORPHANORPHAN0001", UserName: "gone", Status: "Active", Secret: ts.s.Sealer.Seal("x", keyBinding("AKIAORPHANORPHAN0001"))}
		if err := tx.Create(&store.Entity{Account: "123456789012", Kind: kindKey, Name: orphan.ID, ID: orphan.ID, Body: marshal(orphan)}); err != nil {
			return err
		}
		re, err := tx.Get("123456789012", kindRole, "r")
		if err != nil {
			return err
		}
		var r Role
		unmarshal(re.Body, &r)
		r.TrustBindings = nil
		r.AssumeRolePolicy = strings.Replace(r.AssumeRolePolicy, `"arn:aws:iam::123456789012:user/ann"`, `["arn:aws:iam::123456789012:user/ann","arn:aws:iam::123456789012:user/gone"]`, 1)
		re.Body = marshal(r)
		if err := tx.Put(re); err != nil {
			return err
		}
		pe, err := tx.Get("123456789012", kindPolicy, "p")
		if err != nil {
			return err
		}
		var mp ManagedPolicy
		unmarshal(pe.Body, &mp)
		mp.Use = PolicyUse{}
		pe.Body = marshal(mp)
		return tx.Put(pe)
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, created, err := ts.s.Bootstrap("123456789012", "", ""); err != nil || created {
		t.Fatalf("Bootstrap of an existing account: created %v, %v", created, err)
	}
	err = ts.s.Store.View(ctx, func(tx store.Tx) error {
		u, err := loadUser(tx, "123456789012", "ann")
		if err != nil {
			return err
		}
		_, k, err := loadKey(tx, "123456789012", key.ID, u.ID)
		if err != nil {
			t.Errorf("ann's key after migration: %v", err)
		} else if k.UserID != u.ID {
			t.Errorf("ann's key bound to %q, want %q", k.UserID, u.ID)
		}
		if _, err := tx.Get("123456789012", kindKey, "AKIAORPHANORPHAN0001"); err == nil {
			t.Error("the orphan key survived the migration")
		}
		r, err := loadRole(tx, "123456789012", "r")
		if err != nil {
			return err
		}
		if len(r.TrustBindings) != 2 || r.TrustBindings[0].ID != u.ID || r.TrustBindings[1].ID == "" {
			t.Errorf("trust bindings: %+v", r.TrustBindings)
		}
		if strings.Contains(r.AssumeRolePolicy, "user/gone") || !strings.Contains(r.AssumeRolePolicy, "user/ann") {
			t.Errorf("effective trust policy: %s", r.AssumeRolePolicy)
		}
		mp, err := ts.s.loadPolicy(tx, "123456789012", "arn:aws:iam::123456789012:policy/p")
		if err != nil {
			return err
		}
		if mp.Use != (PolicyUse{Attachments: 1, Boundaries: 1}) {
			t.Errorf("policy use after migration: %+v", mp.Use)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// unboundSeal is a secret as ward sealed it before secrets were bound to
// their records: AES-GCM under the test's data key, no associated data.
func unboundSeal(t *testing.T, plain string) []byte {
	t.Helper()
	block, err := aes.NewCipher(bytes.Repeat([]byte{7}, seal.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		t.Fatal(err)
	}
	nonce := make([]byte, aead.NonceSize())
	rand.Read(nonce)
	return aead.Seal(nonce, nonce, []byte(plain), nil)
}

// TestMigrateSealsSecretsToRecords: secrets stored unbound are sealed
// again, bound to their records, once at start; the key keeps working,
// and its sealed secret copied onto another key's record no longer opens.
func TestMigrateSealsSecretsToRecords(t *testing.T) {
	ts := newTestService(t)
	ts.do(t, ts.id, ts.secret, "", "iam", url.Values{"Action": {"CreateUser"}, "UserName": {"ann"}}, nil)
	var key struct {
		ID     string `xml:"CreateAccessKeyResult>AccessKey>AccessKeyId"`
		Secret string `xml:"CreateAccessKeyResult>AccessKey>SecretAccessKey"`
	}
	ts.do(t, ts.id, ts.secret, "", "iam", url.Values{"Action": {"CreateAccessKey"}, "UserName": {"ann"}}, &key)
	ctx := context.Background()
	setSecret := func(tx store.Tx, id string, sealed []byte) error {
		e, err := tx.Get("123456789012", kindKey, id)
		if err != nil {
			return err
		}
		var k AccessKey
		unmarshal(e.Body, &k)
		k.Secret = sealed
		e.Body = marshal(k)
		return tx.Put(e)
	}
	err := ts.s.Store.Update(ctx, func(tx store.Tx) error {
		acct, err := tx.Get("123456789012", kindAccount, "123456789012")
		if err != nil {
			return err
		}
		acct.Body = []byte(`{"schema":3}`)
		if err := tx.Put(acct); err != nil {
			return err
		}
		return setSecret(tx, key.ID, unboundSeal(t, key.Secret))
	})
	if err != nil {
		t.Fatal(err)
	}
	ts.s.Invalidate()
	if _, _, _, err := ts.s.Bootstrap("123456789012", "", ""); err != nil {
		t.Fatal(err)
	}
	// ann's key signs as before.
	ts.do(t, key.ID, key.Secret, "", "sts", url.Values{"Action": {"GetCallerIdentity"}}, nil)

	// ann's sealed secret put on the root key's record does not open:
	// the root key stops working rather than taking ann's secret.
	err = ts.s.Store.Update(ctx, func(tx store.Tx) error {
		e, err := tx.Get("123456789012", kindKey, key.ID)
		if err != nil {
			return err
		}
		var k AccessKey
		unmarshal(e.Body, &k)
		return setSecret(tx, ts.id, k.Secret)
	})
	if err != nil {
		t.Fatal(err)
	}
	ts.s.Invalidate()
	if _, err := ts.s.secretOf(ts.id); err == nil {
		t.Error("a sealed secret moved onto another key's record opened")
	}
}
