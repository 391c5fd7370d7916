package api_test

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	"github.com/assent/assent/internal/ledger"
	"github.com/google/uuid"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
)

func decodeB64s(t *testing.T, ss []string) [][]byte {
	out := make([][]byte, len(ss))
	for i, s := range ss {
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = b
	}
	return out
}

func TestLogEndpointsProveInclusionAndConsistency(t *testing.T) {
	e := newEnv(t, 0)
	var receipts []map[string]any
	post := func(n int) {
		for range n {
			receipts = append(receipts, e.do("POST", "/api/v1/consents", e.decision(uuid.NewString(), "custom", mixed)).json(t))
		}
	}
	post(5)
	first := e.do("GET", "/api/v1/log/checkpoint", "")
	vkey := strings.TrimSpace(string(e.do("GET", "/api/v1/log/key", "").body))
	cp1, err := ledger.OpenCheckpoint(first.body, vkey)
	if first.status != 200 || err != nil || cp1.Size != 5 {
		t.Fatalf("checkpoint: %d %v size %d\n%s", first.status, err, cp1.Size, first.body)
	}
	post(8)
	if _, _, err := e.ledger.Sign(); err != nil {
		t.Fatal(err)
	}
	cp2, err := ledger.OpenCheckpoint(e.do("GET", "/api/v1/log/checkpoint", "").body, vkey)
	if err != nil || cp2.Size != 13 {
		t.Fatalf("second checkpoint: %v size %d", err, cp2.Size)
	}
	for i, r := range receipts {
		var p struct {
			Index, Size int64
			LeafHash    string `json:"leaf_hash"`
			Proof       []string
		}
		res := e.do("GET", "/api/v1/log/proof/inclusion?id="+r["id"].(string), "")
		json.Unmarshal(res.body, &p)
		leaf := rfc6962.DefaultHasher.HashLeaf([]byte(r["receipt"].(string)))
		if p.Index != int64(i) || p.Size != 13 || p.LeafHash != base64.StdEncoding.EncodeToString(leaf) {
			t.Fatalf("receipt %d: %s", i, res.body)
		}
		if err := proof.VerifyInclusion(rfc6962.DefaultHasher, uint64(i), 13, leaf, decodeB64s(t, p.Proof), cp2.Root[:]); err != nil {
			t.Errorf("receipt %d inclusion: %v", i, err)
		}
	}
	var c struct{ Proof []string }
	json.Unmarshal(e.do("GET", "/api/v1/log/proof/consistency?from=5&to=13", "").body, &c)
	if err := proof.VerifyConsistency(rfc6962.DefaultHasher, 5, 13, decodeB64s(t, c.Proof), cp1.Root[:], cp2.Root[:]); err != nil {
		t.Errorf("consistency 5→13: %v", err)
	}
	for _, bad := range []string{
		"/api/v1/log/proof/inclusion?id=x", "/api/v1/log/proof/inclusion?id=" + receipts[12]["id"].(string) + "&size=12",
		"/api/v1/log/proof/inclusion?id=" + receipts[0]["id"].(string) + "&size=99", "/api/v1/log/proof/consistency?from=0&to=3",
		"/api/v1/log/proof/consistency?from=9&to=5", "/api/v1/log/proof/consistency?from=a",
	} {
		if r := e.do("GET", bad, ""); r.status != 400 {
			t.Errorf("%s: %d, want 400", bad, r.status)
		}
	}
}
