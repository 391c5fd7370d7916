package store_test

import (
	"errors"
	"testing"
	"time"

	"github.com/assent/assent/internal/store"
	"github.com/assent/assent/internal/store/storetest"
)

// A sign-in checks the password, then stores its session. A password
// change landing in between signs the account out everywhere, so the
// session checked against the old hash must not be stored after it.
func TestSessionRefusedAfterThePasswordChanged(t *testing.T) {
	db := storetest.Open(t)
	now := time.Now()
	old, changed := []byte("hash-1"), []byte("hash-2")
	if err := db.CreateUser(&store.User{Name: "mallory", Role: "owner", PasswordHash: old}); err != nil {
		t.Fatal(err)
	}
	sess := &store.Session{User: "mallory", ExpiresAt: now.Add(time.Hour)}
	if err := db.PutSession([]byte("s1"), sess, now, old); err != nil {
		t.Fatalf("a session on the current password: %v", err)
	}
	if _, err := db.UpdateUser("mallory", func(u *store.User) { u.PasswordHash = changed }); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Session([]byte("s1")); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the session from before the change: %v, want it ended", err)
	}
	if err := db.PutSession([]byte("s2"), sess, now, old); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a session checked against the old password, stored after the change: %v, want ErrNotFound", err)
	}
	if err := db.PutSession([]byte("s3"), &store.Session{User: "nobody", ExpiresAt: now.Add(time.Hour)}, now, old); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a session for a removed account: %v, want ErrNotFound", err)
	}
	if err := db.CreateUser(&store.User{Name: "mallory", Role: "auditor"}); !errors.Is(err, store.ErrExists) {
		t.Errorf("creating a taken name: %v, want ErrExists", err)
	}
}
