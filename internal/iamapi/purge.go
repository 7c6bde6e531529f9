package iamapi

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/wardhq/ward/internal/store"
)

// Every account is also listed under the empty account, so that work
// over all accounts (purging expired sessions) can find them.
const directoryAccount = ""

// registerAccount lists account in the directory, once.
func registerAccount(tx store.Tx, account string) error {
	_, err := tx.Get(directoryAccount, kindAccount, account)
	if errors.Is(err, store.ErrNotFound) {
		return tx.Create(&store.Entity{Account: directoryAccount, Kind: kindAccount, Name: account, Body: []byte(`{}`)})
	}
	return err
}

// purgeBatch is how many expired sessions one transaction deletes, so
// that a purge never holds the database for long.
const purgeBatch = 500

// PurgeExpired deletes the sessions whose credentials have expired, in
// every account, and returns how many it deleted. Expired credentials are
// refused whether or not they are purged; purging keeps the store from
// growing with every session ever issued.
func (s *Service) PurgeExpired(ctx context.Context) (int, error) {
	var accounts []string
	err := s.Store.View(ctx, func(tx store.Tx) error {
		es, err := tx.List(directoryAccount, kindAccount, "")
		for _, e := range es {
			accounts = append(accounts, e.Name)
		}
		return err
	})
	if err != nil {
		return 0, err
	}
	now := s.now()
	purged := 0
	for _, account := range accounts {
		for {
			n := 0
			err := s.Store.Update(ctx, func(tx store.Tx) error {
				n = 0
				es, sessions, err := listAs[Session](tx, account, kindSession)
				if err != nil {
					return err
				}
				for i, ss := range sessions {
					if now.Before(ss.Expires) {
						continue
					}
					if err := tx.Delete(account, kindSession, es[i].Name); err != nil {
						return err
					}
					if n++; n == purgeBatch {
						break
					}
				}
				return nil
			})
			if err != nil {
				return purged, err
			}
			purged += n
			if n < purgeBatch {
				break
			}
		}
	}
	if purged > 0 {
		s.Invalidate()
	}
	return purged, nil
}

// PurgeEvery runs PurgeExpired now and then every interval until the
// returned stop is called; errors go to report (nil to ignore them).
func (s *Service) PurgeEvery(interval time.Duration, report func(error)) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			if _, err := s.PurgeExpired(ctx); err != nil && report != nil && ctx.Err() == nil {
				report(err)
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return func() { cancel(); wg.Wait() }
}
