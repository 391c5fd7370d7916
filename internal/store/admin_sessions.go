package store

import (
	"bytes"
	"encoding/json"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Dashboard sessions and API tokens are looked up by the SHA-256 of the
// secret the client holds, so a copy of the database grants no access.
// Their buckets are created by the first write, which is why readers treat
// a missing bucket as empty.
var (
	bSessions = []byte("sessions") // sha256(session secret) → Session JSON
	bTokens   = []byte("tokens")   // sha256(token) → APIToken JSON
)

// Session is a signed-in dashboard user.
type Session struct {
	User      string    `json:"user"`
	CSRF      string    `json:"csrf"` // sent back in X-CSRF-Token on every state-changing request
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
}

// PutSession stores a session under the hash of its secret, and drops
// sessions that have expired by now. password is the hash the sign-in was
// checked against: if the account's password was changed (or the account
// removed) since, which signed it out everywhere, the session is refused
// with ErrNotFound rather than outliving that.
func (s *Store) PutSession(hash []byte, sess *Session, now time.Time, password []byte) error {
	v, err := json.Marshal(sess)
	if err != nil {
		return err
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		var u User
		if v := tx.Bucket(bUsers).Get([]byte(sess.User)); v == nil || json.Unmarshal(v, &u) != nil || !bytes.Equal(u.PasswordHash, password) {
			return ErrNotFound
		}
		b, err := tx.CreateBucketIfNotExists(bSessions)
		if err != nil {
			return err
		}
		if err := deleteSessionsWhere(b, func(x *Session) bool { return !now.Before(x.ExpiresAt) }); err != nil {
			return err
		}
		return b.Put(hash, v)
	})
}

// Session returns the session stored under hash, or ErrNotFound. Expiry is
// the caller's check: it owns the clock.
func (s *Store) Session(hash []byte) (*Session, error) {
	var sess *Session
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bSessions)
		if b == nil {
			return ErrNotFound
		}
		v := b.Get(hash)
		if v == nil {
			return ErrNotFound
		}
		sess = &Session{}
		return json.Unmarshal(v, sess)
	})
	return sess, err
}

// DeleteSession ends one session (logout). Unknown hashes are not an error.
func (s *Store) DeleteSession(hash []byte) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		if b := tx.Bucket(bSessions); b != nil {
			return b.Delete(hash)
		}
		return nil
	})
}

func deleteSessionsOf(tx *bolt.Tx, user string) error {
	b := tx.Bucket(bSessions)
	if b == nil {
		return nil
	}
	return deleteSessionsWhere(b, func(x *Session) bool { return x.User == user })
}

func deleteSessionsWhere(b *bolt.Bucket, match func(*Session) bool) error {
	return deleteWhere(b, func(v []byte) bool {
		var x Session
		return json.Unmarshal(v, &x) != nil || match(&x)
	})
}

// deleteWhere deletes the entries of b whose value matches. It collects
// keys first: deleting while iterating a bbolt cursor skips entries.
func deleteWhere(b *bolt.Bucket, match func(v []byte) bool) error {
	var drop [][]byte
	err := b.ForEach(func(k, v []byte) error {
		if match(v) {
			drop = append(drop, clone(k))
		}
		return nil
	})
	for _, k := range drop {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	return err
}
