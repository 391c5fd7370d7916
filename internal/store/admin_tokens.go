package store

import (
	"encoding/json"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// APIToken is a bearer token for automation. Only the hash of its secret is
// kept; the secret is shown once, when it is created.
type APIToken struct {
	ID        string    `json:"id"` // public handle, used to revoke
	Name      string    `json:"name"`
	Role      string    `json:"role"`
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
	// Account is the person whose rights bound the token's (whoever made it,
	// or made the token that made it); "env:" and a fingerprint of
	// ASSENT_ADMIN_TOKEN when that did (empty in tokens it made before).
	Account string `json:"account,omitempty"`
}

// Person is the account whose rights bound the token: Account, or for tokens
// from before it was recorded, their maker if that was a person.
func (t *APIToken) Person() string {
	if t.Account == "" && t.CreatedBy != "env-token" && !strings.HasPrefix(t.CreatedBy, "token:") {
		return t.CreatedBy
	}
	return t.Account
}

func deleteTokensOf(tx *bolt.Tx, name string) error {
	b := tx.Bucket(bTokens)
	if b == nil {
		return nil
	}
	return deleteWhere(b, func(v []byte) bool {
		var t APIToken
		return json.Unmarshal(v, &t) == nil && t.Person() == name
	})
}

// PutToken stores a new token under the hash of its secret; ErrNotFound if
// its account was removed meanwhile (DeleteUser took that account's tokens).
func (s *Store) PutToken(hash []byte, t *APIToken) error {
	v, err := json.Marshal(t)
	if err != nil {
		return err
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		if a := t.Person(); a != "" && !strings.HasPrefix(a, "env:") && tx.Bucket(bUsers).Get([]byte(a)) == nil {
			return ErrNotFound
		}
		b, err := tx.CreateBucketIfNotExists(bTokens)
		if err != nil {
			return err
		}
		return b.Put(hash, v)
	})
}

// TokenByHash returns the token whose secret hashes to hash, or ErrNotFound.
func (s *Store) TokenByHash(hash []byte) (*APIToken, error) {
	var t *APIToken
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bTokens)
		if b == nil {
			return ErrNotFound
		}
		v := b.Get(hash)
		if v == nil {
			return ErrNotFound
		}
		t = &APIToken{}
		return json.Unmarshal(v, t)
	})
	return t, err
}

// Tokens lists every token, oldest first.
func (s *Store) Tokens() ([]APIToken, error) {
	var out []APIToken
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bTokens)
		if b == nil {
			return nil
		}
		return b.ForEach(func(_, v []byte) error {
			var t APIToken
			if err := json.Unmarshal(v, &t); err != nil {
				return err
			}
			out = append(out, t)
			return nil
		})
	})
	slices.SortFunc(out, func(a, b APIToken) int { return a.CreatedAt.Compare(b.CreatedAt) })
	return out, err
}

// DeleteToken revokes a token by its ID; ErrNotFound if there is none. The
// table is small (a handful of automation tokens), so a scan is fine.
func (s *Store) DeleteToken(id string) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bTokens)
		if b == nil {
			return ErrNotFound
		}
		var key []byte
		b.ForEach(func(k, v []byte) error {
			var t APIToken
			if key == nil && json.Unmarshal(v, &t) == nil && t.ID == id {
				key = clone(k)
			}
			return nil
		})
		if key == nil {
			return ErrNotFound
		}
		return b.Delete(key)
	})
}
