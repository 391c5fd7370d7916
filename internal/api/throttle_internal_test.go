package api

import (
	"fmt"
	"testing"
	"time"
)

// TestThrottleStaysBounded: keys from ever new addresses cannot grow the
// throttle past maxTracked; expired keys are swept to make room.
func TestThrottleStaysBounded(t *testing.T) {
	th := newThrottle()
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	for i := range maxTracked + 500 {
		th.begin(now, limited{fmt.Sprintf("ip:10.%d.%d.%d", i>>16&255, i>>8&255, i&255), maxIPFailures})
	}
	if n := len(th.fails); n > maxTracked {
		t.Fatalf("%d keys held, want at most %d", n, maxTracked)
	}
	if d := th.begin(now, limited{"ip:192.0.2.1", maxIPFailures}); d == 0 {
		t.Error("a new key was admitted while the throttle is full of live keys")
	}
	later := now.Add(failWindow)
	if d := th.begin(later, limited{"ip:192.0.2.1", maxIPFailures}); d != 0 {
		t.Errorf("a new key waits %v once the old ones expired, want 0", d)
	}
	if n := len(th.fails); n != 1 {
		t.Errorf("%d keys held after the sweep, want 1", n)
	}
}

func TestClientKeyGroupsIPv6By64(t *testing.T) {
	for _, tc := range []struct{ ip, want string }{
		{"203.0.113.7", "ip:203.0.113.7"},
		{"::ffff:203.0.113.7", "ip:203.0.113.7"},
		{"2001:db8:1:2:aaaa::1", "ip:2001:db8:1:2::/64"},
		{"2001:db8:1:2:bbbb::9", "ip:2001:db8:1:2::/64"},
	} {
		if got := clientKey(tc.ip); got != tc.want {
			t.Errorf("clientKey(%s) = %s, want %s", tc.ip, got, tc.want)
		}
	}
}
