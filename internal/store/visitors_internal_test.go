package store

import (
	"bytes"
	"testing"
	"time"

	"github.com/google/uuid"
)

// TestVisitorStateKeepsItsOldLayout: values written before decision ids
// (ending after the choices) still decode, and a state without a decision
// id is written in that same layout.
func TestVisitorStateKeepsItsOldLayout(t *testing.T) {
	now := time.UnixMilli(1795341660000).UTC()
	st := &VisitorState{ReceiptID: uuid.New(), IssuedAt: now, ExpiresAt: now.Add(time.Hour), Action: "custom", Choices: []byte(`{"a":true}`)}
	old := encodeState(st)
	if want := 32 + 1 + len(st.Action) + 1 + len(st.Choices); len(old) != want {
		t.Fatalf("a state without a decision id takes %d bytes, want the old %d", len(old), want)
	}
	st.Decision = uuid.New()
	for _, b := range [][]byte{old, encodeState(st)} {
		got, ok := decodeState(b)
		if !ok || got.ReceiptID != st.ReceiptID || !got.IssuedAt.Equal(now) || got.Action != "custom" || !bytes.Equal(got.Choices, st.Choices) {
			t.Fatalf("decoded %+v (ok %v), want %+v", got, ok, st)
		}
		if want := map[bool]uuid.UUID{true: uuid.Nil, false: st.Decision}[len(b) == len(old)]; got.Decision != want {
			t.Errorf("decision %v, want %v", got.Decision, want)
		}
	}
	if _, ok := decodeState(append(old, 1, 2, 3)); ok {
		t.Error("a value with 3 stray bytes decoded")
	}
}
