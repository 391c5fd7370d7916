package ledger

import (
	"errors"
	"testing"
	"time"
)

func TestRepeatsQuietsTheSameErrorForAMinute(t *testing.T) {
	var r repeats
	t0 := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	rolled, other := errors.New("log rolled back"), errors.New("disk full")
	for _, c := range []struct {
		err  error
		at   time.Duration
		want bool
	}{
		{rolled, 0, true},
		{rolled, 2 * time.Second, false},
		{rolled, 58 * time.Second, false},
		{other, 59 * time.Second, true}, // a new error at once
		{rolled, 60 * time.Second, true},
		{rolled, 62 * time.Second, false},
		{rolled, 2 * time.Minute, true}, // still failing: said again each minute
		{nil, 121 * time.Second, false},
		{rolled, 122 * time.Second, true}, // failing again after a success
	} {
		if got := r.pass(c.err, t0.Add(c.at)); got != c.want {
			t.Errorf("%v at %v: reported %v, want %v", c.err, c.at, got, c.want)
		}
	}
}
