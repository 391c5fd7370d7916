package store

import (
	"encoding/json"
	"errors"
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

// ErrExists is CreateUser's answer for a name that is taken.
var ErrExists = errors.New("store: already exists")

// ErrLastOwner refuses a change that would leave no account with the role
// "owner": nobody could manage accounts or sites afterwards.
var ErrLastOwner = errors.New("store: the last owner")

const roleOwner = "owner"

// CreateUser adds an account; ErrExists if the name is taken, checked in the
// same transaction so two concurrent creations cannot overwrite each other.
func (s *Store) CreateUser(u *User) error {
	b, err := json.Marshal(u)
	if err != nil {
		return err
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		users := tx.Bucket(bUsers)
		if users.Get([]byte(u.Name)) != nil {
			return ErrExists
		}
		return users.Put([]byte(u.Name), b)
	})
}

// UpdateUser applies change to the account as stored now and signs it out
// everywhere, all in one transaction: a change made meanwhile by someone
// else (a demotion racing a password reset) is built on, not overwritten,
// and two owners demoting each other cannot both succeed. It returns the
// account as written; ErrNotFound, ErrLastOwner.
func (s *Store) UpdateUser(name string, change func(*User)) (*User, error) {
	var u User
	err := s.db.Update(func(tx *bolt.Tx) error {
		users := tx.Bucket(bUsers)
		v := users.Get([]byte(name))
		if v == nil {
			return ErrNotFound
		}
		if err := json.Unmarshal(v, &u); err != nil {
			return err
		}
		was := u.Role
		change(&u)
		if was == roleOwner && u.Role != roleOwner && !otherOwner(users, name) {
			return ErrLastOwner
		}
		b, err := json.Marshal(&u)
		if err != nil {
			return err
		}
		if err := deleteSessionsOf(tx, name); err != nil {
			return err
		}
		return users.Put([]byte(name), b)
	})
	return &u, err
}

// DeleteUser removes an account with its sessions and the API tokens made
// on its rights, which would otherwise come back to life for the next
// account given the same name. ErrNotFound, ErrLastOwner.
func (s *Store) DeleteUser(name string) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		users := tx.Bucket(bUsers)
		v := users.Get([]byte(name))
		if v == nil {
			return ErrNotFound
		}
		var u User
		if err := json.Unmarshal(v, &u); err != nil {
			return err
		}
		if u.Role == roleOwner && !otherOwner(users, name) {
			return ErrLastOwner
		}
		if err := deleteSessionsOf(tx, name); err != nil {
			return err
		}
		if err := deleteTokensOf(tx, name); err != nil {
			return err
		}
		return users.Delete([]byte(name))
	})
}

func otherOwner(users *bolt.Bucket, name string) bool {
	found := false
	users.ForEach(func(k, v []byte) error {
		var u User
		if !found && string(k) != name && json.Unmarshal(v, &u) == nil && u.Role == roleOwner {
			found = true
		}
		return nil
	})
	return found
}
