package store

import (
	"encoding/json"
	"time"

	bolt "go.etcd.io/bbolt"
)

// User is a dashboard account. PasswordHash is a bcrypt hash; the password
// itself is never stored.
type User struct {
	Name         string    `json:"name"`
	Role         string    `json:"role"` // owner or auditor
	PasswordHash []byte    `json:"password_hash"`
	CreatedAt    time.Time `json:"created_at"`
}

// User returns an account by name, or ErrNotFound.
func (s *Store) User(name string) (*User, error) {
	var u *User
	err := s.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bUsers).Get([]byte(name))
		if v == nil {
			return ErrNotFound
		}
		u = &User{}
		return json.Unmarshal(v, u)
	})
	return u, err
}

// PutUser creates or replaces an account.
func (s *Store) PutUser(u *User) error {
	b, err := json.Marshal(u)
	if err != nil {
		return err
	}
	return s.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bUsers).Put([]byte(u.Name), b) })
}

// UserCount is the number of accounts.
func (s *Store) UserCount() int {
	n := 0
	s.db.View(func(tx *bolt.Tx) error { n = tx.Bucket(bUsers).Stats().KeyN; return nil })
	return n
}

// Users lists every account in name order, password hashes included: the
// caller decides what leaves the process.
func (s *Store) Users() ([]User, error) {
	var out []User
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bUsers).ForEach(func(_, v []byte) error {
			var u User
			if err := json.Unmarshal(v, &u); err != nil {
				return err
			}
			out = append(out, u)
			return nil
		})
	})
	return out, err
}

// UpdateUser replaces an existing account and, when endSessions is set
// (password or role changed), signs it out everywhere in the same
// transaction. ErrNotFound if the account does not exist.
func (s *Store) UpdateUser(u *User, endSessions bool) error {
	b, err := json.Marshal(u)
	if err != nil {
		return err
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		users := tx.Bucket(bUsers)
		if users.Get([]byte(u.Name)) == nil {
			return ErrNotFound
		}
		if endSessions {
			if err := deleteSessionsOf(tx, u.Name); err != nil {
				return err
			}
		}
		return users.Put([]byte(u.Name), b)
	})
}

// DeleteUser removes an account and its sessions; ErrNotFound if unknown.
func (s *Store) DeleteUser(name string) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		users := tx.Bucket(bUsers)
		if users.Get([]byte(name)) == nil {
			return ErrNotFound
		}
		if err := deleteSessionsOf(tx, name); err != nil {
			return err
		}
		return users.Delete([]byte(name))
	})
}
