package export

import (
	"archive/zip"
	"bufio"
	"bytes"
	"cmp"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/assent/assent/internal/ledger"
	"github.com/assent/assent/internal/receipt"
	voi "github.com/oasisprotocol/curve25519-voi/primitives/ed25519"
	"golang.org/x/mod/sumdb/tlog"
)

// Verdict is the outcome for one receipt.
type Verdict struct {
	ID       string   `json:"id"`
	Log      *uint64  `json:"log,omitempty"` // unset when the claims could not be read
	Site     string   `json:"site,omitempty"`
	Action   string   `json:"action,omitempty"`
	OK       bool     `json:"ok"`
	Problems []string `json:"problems,omitempty"`
}

// Report is the outcome for a pack. OK only if every check passed.
type Report struct {
	OK         bool      `json:"ok"`
	Problems   []string  `json:"problems,omitempty"` // about the pack as a whole
	Receipts   []Verdict `json:"receipts"`
	Failed     int       `json:"failed"`
	Checkpoint struct {
		Origin string `json:"origin"`
		Size   int64  `json:"size"`
	} `json:"checkpoint"`
	// Keys are those the pack was checked against: the trusted keys given
	// (Pinned), else the pack's own, to be compared with the server's.
	Keys struct {
		Pinned bool     `json:"pinned"`
		Kids   []string `json:"kids"`
		LogKey string   `json:"log_key"`
		// Activations are the log's key_activated events the pack proves:
		// which key signed receipts from which log index on. Nil for a
		// pack made before packs held them.
		Activations []Activation `json:"activations,omitempty"`
	} `json:"keys"`
	// Removals account for receipts of the range that are gone. Nil
	// (null) for a pack made before packs held tombstones.
	Removals []Removal `json:"removals"`
	// Query is what the signed manifest says the pack was made for.
	Query map[string]string `json:"query,omitempty"`
}

// Activation is a receipt signing key's activation, a leaf of the log.
type Activation struct {
	Kid string `json:"kid"`
	Log uint64 `json:"log"`
}

// Removal is a tombstone the pack proves: receipts of its range removed by
// retention or an erasure, under a signed record that is a leaf of the log.
type Removal struct {
	ID     string `json:"id"`
	Log    uint64 `json:"log"`
	Reason string `json:"reason"`
	At     string `json:"at"` // when they were removed (RFC 3339)
	// Receipts are the removed receipts issued in the pack's range.
	Receipts []string `json:"receipts"`
}

// MaxReceipts is the most receipts one evidence pack holds: about a
// gigabyte of them, as much as one file of a pack may expand to.
const MaxReceipts = 1 << 20

// Trust is what a pack must be signed with: the server's receipt keys (its
// JWKS) and its log's key, got from the server or a copy kept, never from
// the pack. Checked against the keys it carries, a pack is shown whole and
// unaltered, but not whose it is: anyone can sign a pack with keys of
// their own.
type Trust struct {
	Keys   receipt.KeySet
	LogKey string
}

// Limits against a pack made to exhaust memory (a zip bomb): what one file
// may expand to; the lines of receipts.ndjson and of proofs.ndjson (each
// line is held, and a receipt's with its verdict: a few hundred bytes even
// for an empty line, so a few kilobytes of zip could ask for gigabytes);
// and the config texts, which are a few kilobytes each. An export larger
// than this is split by time range.
//
// Beyond that, no file may expand to more than maxRatio times its
// compressed size (or 1 MiB, whichever is more): receipts, proofs and ids
// are base64 and hex, which deflate shrinks five or six times in a pack of
// 1,500 receipts (proofs of a larger log share more hashes, and shrink
// more), while a bomb of repeated bytes shrinks a thousand times. So memory stays
// proportionate to the upload, and the small files (keys, checkpoint) have
// small limits of their own.
const (
	maxEntry    = 1 << 30
	maxLines    = MaxReceipts
	maxConfig   = 1 << 20
	maxConfigs  = 10_000
	maxRatio    = 100
	maxSmall    = 1 << 20   // jwks.json, log-key.txt, checkpoint.txt
	maxManifest = 256 << 20 // manifest.jws: an entry of ~100 bytes per receipt
)

var configEntry = regexp.MustCompile(`^configs/[0-9a-f]{64}\.json$`)

// checkNames refuses, before anything is read, a pack with a file no pack
// holds, or one file twice. Names must be exactly those a pack's writer
// gives: a person reading the unzipped pack must see the files that were
// verified (some systems' unzip tools write "RECEIPTS.NDJSON" or
// "configs\x.json" over the real ones), and each file must be the one its
// limits were measured on (entryLimit finds "receipts.ndjson"; zip's Open
// finds "./receipts.ndjson" too).
func checkNames(z *zip.Reader) error {
	seen := map[string]bool{}
	for _, f := range z.File {
		n := f.Name
		switch {
		case n == fileReadme, n == fileManifest, n == fileReceipts, n == fileProofs, n == fileKeyEvents,
			n == fileTombstones, n == fileCheckpoint, n == fileJWKS, n == fileLogKey, configEntry.MatchString(n):
		default:
			return fmt.Errorf("%q is not a file an evidence pack holds: the pack was altered", n)
		}
		if seen[n] {
			return fmt.Errorf("%q appears twice in the pack: the pack was altered", n)
		}
		seen[n] = true
	}
	return nil
}

// entryLimit is what the pack's file name may expand to, at most limit.
func entryLimit(z *zip.Reader, name string, limit int64) int64 {
	for _, f := range z.File {
		if f.Name == name {
			return min(limit, max(1<<20, maxRatio*int64(f.CompressedSize64)))
		}
	}
	return limit
}

type receiptClaims struct {
	JTI    string `json:"jti"`
	Sub    string `json:"sub"`
	Site   string `json:"site"`
	Iat    int64  `json:"iat"`
	Action string `json:"action"`
	Config string `json:"config"`
	Log    uint64 `json:"log"`
}

// plainCopy is what a line of receipts.ndjson says beside the JWS, for
// readers of the file (jq, a spreadsheet), as readLine finds it. None of
// it is signed, so each field present must say what the receipt's claims
// say: a pack that verifies must not show anyone other values.
type plainCopy struct {
	Site, Visitor, IssuedAt, Action, Config *string
	Log                                     *uint64
}

type packFiles struct {
	keys     receipt.KeySet
	verifier *receipt.Verifier
	cp       ledger.Checkpoint
	cpOK     bool
	configs  map[string]bool       // sha256:hex → text matches its hash
	proofs   [][]byte              // lines of proofs.ndjson, normally in receipt order
	byID     map[string]*proofLine // built only if a pack's order differs
	byIDOnce sync.Once
	// expandedKeys caches keys for batch verification: string(pub) →
	// *voi.ExpandedPublicKey.
	expandedKeys sync.Map
	manifest     map[string]ManifestEntry
	// manifestKeys are the key activations the manifest lists (nil in a
	// pack from before they were included).
	manifestKeys []ManifestEntry
	// manifestTombs are the tombstones it lists (nil likewise).
	manifestTombs []ManifestEntry
	site          string            // the manifest's
	query         map[string]string // the manifest's: from and to, or visitor
	keysAre       string            // where the keys come from, for messages
	// active are the proven key activations in log order; each receipt
	// must be signed by the key active at its index. Nil: not checked.
	active []Activation
	// removed maps each receipt a proven tombstone removed to that
	// tombstone, and removedAt each log index it names: none may be in
	// the pack.
	removed   map[string]string
	removedAt map[uint64]string
	// from and to are the manifest's range, when it names one.
	from, to time.Time
	ranged   bool
}

// VerifyPack checks an evidence pack offline: every receipt signature,
// every inclusion proof against the checkpoint, the checkpoint's signature,
// every config text against its hash, and the signed manifest against the
// receipts present; against the trusted keys if given (see Trust). An
// error means the pack could not be read at all.
func VerifyPack(r io.ReaderAt, size int64, trust *Trust) (*Report, error) {
	z, err := zip.NewReader(r, size)
	if err != nil {
		return nil, fmt.Errorf("not a zip archive: %w", err)
	}
	rep := &Report{Receipts: []Verdict{}}
	if err := checkNames(z); err != nil {
		rep.Problems = append(rep.Problems, err.Error())
		return rep, nil
	}
	var lines [][]byte
	var linesErr error
	read := make(chan struct{}) // inflate receipts while the rest is read
	go func() { lines, linesErr = readLines(z, fileReceipts, maxLines); close(read) }()
	pf := readPackFiles(z, rep, trust)
	<-read
	if linesErr != nil {
		rep.Problems = append(rep.Problems, linesErr.Error())
	}
	rep.Receipts = make([]Verdict, len(lines))
	const batch = 64
	parallel((len(lines)+batch-1)/batch, func(b int) {
		pf.checkAll(lines, b*batch, min((b+1)*batch, len(lines)), rep.Receipts)
	})
	seen := map[string]bool{}
	for i := range rep.Receipts {
		v := &rep.Receipts[i]
		if seen[v.ID] {
			v.Problems = append(v.Problems, "appears twice in the pack")
		}
		seen[v.ID] = true
		v.OK = len(v.Problems) == 0
		if !v.OK {
			rep.Failed++
		}
	}
	for i := range rep.Receipts {
		v := &rep.Receipts[i]
		problem := ""
		if t, ok := pf.removed[v.ID]; ok {
			problem = "tombstone " + t + " says this receipt was removed"
		} else if v.Log == nil {
			continue // unreadable, failed already
		} else if t, ok := pf.removedAt[*v.Log]; ok {
			problem = fmt.Sprintf("tombstone %s says the log entry at index %d, this receipt's, was removed", t, *v.Log)
		}
		if problem != "" {
			v.Problems = append(v.Problems, problem)
			if v.OK {
				v.OK = false
				rep.Failed++
			}
		}
	}
	for id := range pf.manifest {
		if !seen[id] {
			rep.Problems = append(rep.Problems, "receipt "+id+" is listed in the manifest but missing from the pack")
		}
	}
	rep.OK = len(rep.Problems) == 0 && rep.Failed == 0 && len(rep.Receipts) > 0
	if len(rep.Receipts) == 0 {
		rep.Problems = append(rep.Problems, "the pack holds no receipts")
	}
	return rep, nil
}

func readPackFiles(z *zip.Reader, rep *Report, trust *Trust) *packFiles {
	pf := &packFiles{configs: map[string]bool{}, keysAre: "jwks.json"}
	problem := func(format string, a ...any) { rep.Problems = append(rep.Problems, fmt.Sprintf(format, a...)) }
	if b, err := readFile(z, fileJWKS, maxSmall); err != nil {
		problem("%v", err)
	} else if pf.keys, err = receipt.ParseJWKS(b); err != nil {
		problem("jwks.json: %v", err)
	}
	logKey, err := readFile(z, fileLogKey, maxSmall)
	if err != nil {
		problem("%v", err)
	}
	key, keyIs := strings.TrimSpace(string(logKey)), "the log key in log-key.txt"
	if trust != nil {
		// The pack's own keys must be among the trusted ones; either way
		// only the trusted ones are used.
		for kid := range pf.keys {
			if _, ok := trust.Keys[kid]; !ok {
				problem("jwks.json holds key %s, which is not a trusted key: the pack was not signed by this server", kid)
			}
		}
		if logKey != nil && key != trust.LogKey {
			problem("log-key.txt is not the trusted log key: the pack's log is not this server's")
		}
		pf.keys, pf.keysAre, key, keyIs = trust.Keys, "the trusted keys", trust.LogKey, "the trusted log key"
	}
	if pf.keys != nil {
		pf.verifier = receipt.NewVerifier(pf.keys)
	}
	rep.Keys.Pinned, rep.Keys.Kids, rep.Keys.LogKey = trust != nil, slices.Sorted(maps.Keys(pf.keys)), key
	if b, err := readFile(z, fileCheckpoint, maxSmall); err != nil {
		problem("%v", err)
	} else if pf.cp, err = ledger.OpenCheckpoint(b, key); err != nil {
		problem("checkpoint.txt is not signed by %s (forged or altered)", keyIs)
	} else {
		pf.cpOK = true
		rep.Checkpoint.Origin, rep.Checkpoint.Size = pf.cp.Origin, pf.cp.Size
	}
	pf.readManifest(z, problem)
	pf.readKeyActivations(z, problem)
	rep.Keys.Activations = pf.active
	rep.Removals = pf.readTombstones(z, problem)
	rep.Query = pf.query
	configs := 0
	for _, f := range z.File {
		if name, ok := strings.CutPrefix(f.Name, dirConfigs); ok && strings.HasSuffix(name, ".json") {
			if configs++; configs > maxConfigs {
				problem("more than %d config texts", maxConfigs)
				break
			}
			b, err := readZip(f, min(maxConfig, max(64<<10, maxRatio*int64(f.CompressedSize64))))
			sum := sha256.Sum256(b)
			hash := strings.TrimSuffix(name, ".json")
			pf.configs["sha256:"+hash] = err == nil && hex.EncodeToString(sum[:]) == hash
			if !pf.configs["sha256:"+hash] {
				problem("%s: the config text does not match its hash (altered)", f.Name)
			}
		}
	}
	if pf.proofs, err = readLines(z, fileProofs, maxLines); err != nil {
		problem("%v", err)
	}
	return pf
}

// proof finds the inclusion proof of receipt i with the given id: the line
// at the same position (how Assent writes packs), else by search.
func (pf *packFiles) proof(i int, id string) *proofLine {
	if i < len(pf.proofs) {
		var p proofLine
		if json.Unmarshal(pf.proofs[i], &p) == nil && p.ID == id {
			return &p
		}
	}
	pf.byIDOnce.Do(func() {
		pf.byID = map[string]*proofLine{}
		for _, l := range pf.proofs {
			var p proofLine
			if json.Unmarshal(l, &p) == nil {
				pf.byID[p.ID] = &p
			}
		}
	})
	return pf.byID[id]
}

func (pf *packFiles) readManifest(z *zip.Reader, problem func(string, ...any)) {
	b, err := readFile(z, fileManifest, maxManifest)
	if err != nil {
		problem("%v", err)
		return
	}
	var m Manifest
	if pf.verifier == nil {
		return
	}
	if _, err := pf.verifier.VerifyClaims(string(bytes.TrimSpace(b)), receipt.TypEvidence, &m); err != nil {
		problem("manifest.jws does not verify: %v", err)
		return
	}
	if m.CheckpointSize != pf.cp.Size && pf.cpOK {
		problem("manifest names a checkpoint of size %d, the pack holds one of size %d", m.CheckpointSize, pf.cp.Size)
	}
	pf.manifest = make(map[string]ManifestEntry, len(m.Receipts))
	for _, e := range m.Receipts {
		pf.manifest[e.ID] = e
	}
	pf.manifestKeys, pf.manifestTombs, pf.site, pf.query = m.KeyActivations, m.Tombstones, m.Site, m.Query
	if m.Query["from"] != "" || m.Query["to"] != "" {
		var errFrom, errTo error
		pf.from, errFrom = time.Parse(time.RFC3339, m.Query["from"])
		pf.to, errTo = time.Parse(time.RFC3339, m.Query["to"])
		if pf.ranged = errFrom == nil && errTo == nil; !pf.ranged {
			problem("the manifest's range (from %q to %q) is not two RFC 3339 times", m.Query["from"], m.Query["to"])
		}
	}
}

// eventClaims are the claims of a log event: jti, iat, event and log, and
// those of its kind (a key activation's kid; a tombstone's site, reason
// and removed receipts).
type eventClaims struct {
	JTI     string `json:"jti"`
	Iat     int64  `json:"iat"`
	Event   string `json:"event"`
	Log     uint64 `json:"log"`
	Kid     string `json:"kid"`
	Site    string `json:"site"`
	Reason  string `json:"reason"`
	Removed []struct {
		ID       string  `json:"id"`
		Log      *uint64 `json:"log"`
		IssuedAt string  `json:"issued_at"`
	} `json:"removed"`
}

// readEvents checks the events of a kind the manifest lists: each signed,
// the one listed, in the log at its index, and in the file name. It calls
// use with the claims of each that holds.
func (pf *packFiles) readEvents(z *zip.Reader, name, kind, what string, listed []ManifestEntry, problem func(string, ...any), use func(c *eventClaims)) {
	lines, err := readLines(z, name, maxLines)
	if err != nil {
		problem("%v", err)
		return
	}
	byID := map[string]eventLine{}
	isListed := map[string]bool{}
	for _, e := range listed {
		isListed[e.ID] = true
	}
	for _, b := range lines {
		var l eventLine
		if json.Unmarshal(b, &l) != nil || !isListed[l.ID] {
			// The manifest lists exactly the file's events.
			problem("%s holds a line the manifest does not list", name)
			continue
		}
		if _, twice := byID[l.ID]; twice {
			problem("%s %s appears twice in %s", what, l.ID, name)
		}
		byID[l.ID] = l
	}
	for _, e := range listed {
		l, ok := byID[e.ID]
		if !ok {
			problem("%s %s is listed in the manifest but missing from the pack", what, e.ID)
			continue
		}
		var c eventClaims
		if _, err := pf.verifier.VerifyClaims(l.Event, receipt.TypEvent, &c); err != nil {
			problem("%s %s: %s", what, e.ID, sigProblem(err, pf.keysAre))
			continue
		}
		bad := false
		fail := func(format string, a ...any) {
			bad = true
			problem("%s %s: "+format, append([]any{what, e.ID}, a...)...)
		}
		if c.JTI != e.ID || c.Event != kind || c.Log != e.Log || l.Log != e.Log {
			fail("its claims are not those of the one the manifest lists")
			continue
		}
		leaf := ledger.LeafHash([]byte(l.Event))
		if b64(leaf) != e.LeafHash {
			fail("differs from the one the manifest lists")
			continue
		}
		pf.checkProof(&proofLine{ID: l.ID, Index: int64(l.Log), LeafHash: l.LeafHash, Proof: l.Proof}, c.Log, leaf, fail)
		if !bad {
			use(&c)
		}
	}
}

// readTombstones checks the tombstones the manifest lists, as
// readEvents does, and that each is the site's. It returns what they
// removed from the pack's range; nil for a pack from before tombstones
// were included.
func (pf *packFiles) readTombstones(z *zip.Reader, problem func(string, ...any)) []Removal {
	if pf.manifestTombs == nil || pf.verifier == nil {
		return nil
	}
	out := []Removal{}
	pf.removed, pf.removedAt = map[string]string{}, map[uint64]string{}
	pf.readEvents(z, fileTombstones, "tombstone", "tombstone", pf.manifestTombs, problem, func(c *eventClaims) {
		if c.Site != pf.site {
			problem("tombstone %s: it is site %q's, the pack site %q's", c.JTI, c.Site, pf.site)
			return
		}
		r := Removal{ID: c.JTI, Log: c.Log, Reason: c.Reason, At: time.Unix(c.Iat, 0).UTC().Format(time.RFC3339), Receipts: []string{}}
		for _, x := range c.Removed {
			if _, twice := pf.removed[x.ID]; twice {
				continue // named again (two removals at once): counted once
			}
			pf.removed[x.ID] = c.JTI
			if x.Log != nil {
				pf.removedAt[*x.Log] = c.JTI
			}
			// A receipt of the range, or one whose time the tombstone
			// does not say (made before tombstones said it).
			t, err := time.Parse(time.RFC3339Nano, x.IssuedAt)
			if x.IssuedAt == "" || !pf.ranged || err == nil && !t.Before(pf.from) && t.Before(pf.to) {
				r.Receipts = append(r.Receipts, x.ID)
			}
		}
		out = append(out, r)
	})
	slices.SortFunc(out, func(a, b Removal) int { return cmp.Compare(a.Log, b.Log) })
	return out
}

// readKeyActivations checks the key_activated events the manifest lists
// (see readEvents). A pack from before they were included lists none
// (nil), and its receipts are not checked against them.
func (pf *packFiles) readKeyActivations(z *zip.Reader, problem func(string, ...any)) {
	if pf.manifestKeys == nil || pf.verifier == nil {
		return
	}
	pf.active = []Activation{}
	pf.readEvents(z, fileKeyEvents, "key_activated", "key activation", pf.manifestKeys, problem, func(c *eventClaims) {
		pf.active = append(pf.active, Activation{Kid: c.Kid, Log: c.Log})
	})
	slices.SortFunc(pf.active, func(a, b Activation) int { return cmp.Compare(a.Log, b.Log) })
}

// activeAt returns the key active at log index i: the last activated
// before it, or "" if none was (or activations are not checked).
func (pf *packFiles) activeAt(i uint64) string {
	kid := ""
	for _, a := range pf.active {
		if a.Log >= i {
			break
		}
		kid = a.Kid
	}
	return kid
}

// item is one line of receipts.ndjson on its way through the checks.
type item struct {
	id, jws string
	plain   plainCopy
	p       *receipt.Prepared
	v       Verdict
}

// checkAll verifies lines[lo:hi]: every check but the signatures first, then
// the signatures as one batch (about twice as fast as one by one), and one
// by one only if the batch fails, to name the receipts that did.
func (pf *packFiles) checkAll(lines [][]byte, lo, hi int, out []Verdict) {
	items := make([]item, hi-lo)
	bv := voi.NewBatchVerifierWithCapacity(hi - lo)
	for i := range items {
		it := &items[i]
		pf.prepare(lines[lo+i], it)
		if it.p != nil && it.p.Pub != nil {
			bv.AddExpanded(pf.expanded(it.p.Pub), it.p.Msg, it.p.Sig)
		}
	}
	batchOK := bv.VerifyBatchOnly(nil)
	for i := range items {
		it := &items[i]
		if it.p != nil && it.p.Pub != nil && !batchOK && !ed25519.Verify(it.p.Pub, it.p.Msg, it.p.Sig) {
			it.v.Problems = append(it.v.Problems, sigProblem(receipt.ErrSignature, pf.keysAre))
			it.p = nil
		}
		if it.p != nil {
			pf.finish(lo+i, it)
		}
		out[lo+i] = it.v
	}
}

// expanded is a key ready for batch verification, made once per key:
// making it (decompressing the point) cost a tenth of each signature's check.
func (pf *packFiles) expanded(pub ed25519.PublicKey) *voi.ExpandedPublicKey {
	if v, ok := pf.expandedKeys.Load(string(pub)); ok {
		return v.(*voi.ExpandedPublicKey)
	}
	// A key that does not decompress is nil here: the batch then fails,
	// and the one-by-one check names the receipts it signed.
	x, _ := voi.NewExpandedPublicKey(voi.PublicKey(pub))
	pf.expandedKeys.Store(string(pub), x)
	return x
}

func (pf *packFiles) prepare(line []byte, it *item) {
	id, jws, plain, err := readLine(line)
	if err != nil {
		it.v = Verdict{ID: cmp.Or(id, "?"), Problems: []string{"unreadable line in receipts.ndjson: " + err.Error()}}
		return
	}
	it.id, it.jws, it.plain, it.v.ID = id, jws, plain, id
	if pf.verifier == nil {
		it.v.Problems = append(it.v.Problems, "no keys to verify against")
		return
	}
	p, err := pf.verifier.Prepare(jws, receipt.TypReceipt)
	if err != nil {
		it.v.Problems = append(it.v.Problems, sigProblem(err, pf.keysAre))
		return
	}
	it.p = p
}

// finish checks a receipt whose signature verified.
func (pf *packFiles) finish(i int, it *item) {
	v := &it.v
	fail := func(format string, a ...any) { v.Problems = append(v.Problems, fmt.Sprintf(format, a...)) }
	var c receiptClaims
	if err := json.Unmarshal(it.p.Payload, &c); err != nil {
		fail("claims are not JSON")
		return
	}
	v.Log, v.Site, v.Action = &c.Log, c.Site, c.Action
	if c.JTI != it.id {
		fail("the receipt's jti %q is not the id it is listed under", c.JTI)
	}
	// The manifest says what the pack was made of: its site, and its
	// range or visitor. A receipt from elsewhere was not asked for.
	if pf.manifest != nil && c.Site != pf.site {
		fail("a receipt of site %q, in a pack of site %q", c.Site, pf.site)
	}
	// Up to the second to names, included: packs made before ranges were
	// whole seconds named a range given to the millisecond (the
	// dashboard's ends at 23:59:59.999) by its second, and hold receipts
	// of that last second.
	if at := time.Unix(c.Iat, 0); pf.ranged && (at.Before(pf.from) || at.After(pf.to)) {
		fail("issued at %s, outside the pack's range (%s to %s)", at.UTC().Format(time.RFC3339), pf.query["from"], pf.query["to"])
	}
	if v := pf.query["visitor"]; v != "" && !strings.EqualFold(c.Sub, v) {
		fail("a receipt of visitor %s, in a pack of visitor %s", c.Sub, v)
	}
	// Before the first activation (a database from before they were
	// recorded) there is nothing to compare with.
	if kid := pf.activeAt(c.Log); kid != "" && kid != it.p.Kid {
		fail("signed with key %s, but the key the log had activated for index %d is %s", it.p.Kid, c.Log, kid)
	}
	if f := it.plain.differs(&c); f != "" {
		fail("its line in receipts.ndjson says another %s than the signed receipt", f)
	}
	if ok, present := pf.configs[c.Config]; !present {
		fail("the config it names (%s) is not in the pack", c.Config)
	} else if !ok {
		fail("the config it names was altered")
	}
	leaf := ledger.LeafHash([]byte(it.jws))
	pf.checkProof(pf.proof(i, it.id), c.Log, leaf, fail)
	if pf.manifest != nil {
		if e, ok := pf.manifest[it.id]; !ok {
			fail("not listed in the signed manifest")
		} else if e.LeafHash != b64(leaf) || e.Log != c.Log {
			fail("differs from the receipt the manifest lists")
		}
	}
}

// readLine reads a line of receipts.ndjson strictly: each field once, by
// its exact name, of its type. encoding/json alone would match "ACTION" to
// action and keep the last of two "action"s, while jq or a spreadsheet
// shows another one: a line could then say one thing to its readers and
// another to this check.
func readLine(line []byte) (id, jws string, p plainCopy, err error) {
	// A line as NDJSON.Write makes it is read in one Unmarshal: written
	// back the same way it gives the same bytes, so it has no duplicate,
	// unknown or mistyped field. Anything else is read key by key below,
	// which names what is wrong (and costs twice the time of a signature
	// check).
	var f lineFields
	if json.Unmarshal(line, &f) == nil && f.ID != "" && f.Receipt != "" && bytes.Equal(bytes.TrimRight(line, "\r\n"), f.appendTo(nil)) {
		p = plainCopy{Site: &f.Site, Visitor: &f.Visitor, IssuedAt: &f.IssuedAt, Action: &f.Action, Config: &f.Config, Log: &f.Log}
		return f.ID, f.Receipt, p, nil
	}
	d := json.NewDecoder(bytes.NewReader(line))
	if t, err := d.Token(); err != nil || t != json.Delim('{') {
		return "", "", p, errors.New("not a JSON object")
	}
	seen := map[string]bool{}
	for d.More() {
		t, err := d.Token()
		if err != nil {
			return id, "", p, err
		}
		k := t.(string) // object keys are strings
		if seen[k] {
			return id, "", p, fmt.Errorf("field %q appears twice", k)
		}
		seen[k] = true
		var raw json.RawMessage
		if err := d.Decode(&raw); err != nil {
			return id, "", p, err
		}
		if k == "log" {
			var n uint64
			if raw[0] < '0' || raw[0] > '9' || json.Unmarshal(raw, &n) != nil {
				return id, "", p, errors.New("log is not an index")
			}
			p.Log = &n
			continue
		}
		var v string
		if raw[0] != '"' || json.Unmarshal(raw, &v) != nil {
			return id, "", p, fmt.Errorf("%q is not a string", k)
		}
		switch k {
		case "id":
			id = v
		case "receipt":
			jws = v
		case "site":
			p.Site = &v
		case "visitor":
			p.Visitor = &v
		case "issued_at":
			p.IssuedAt = &v
		case "action":
			p.Action = &v
		case "config":
			p.Config = &v
		default:
			return id, "", p, fmt.Errorf("unknown field %q", k)
		}
	}
	if _, err := d.Token(); err != nil {
		return id, "", p, err
	}
	if _, err := d.Token(); err != io.EOF {
		return id, "", p, errors.New("more after the object")
	}
	if id == "" || jws == "" {
		return id, "", p, errors.New("no id or no receipt")
	}
	return id, jws, p, nil
}

// lineFields are a receipts.ndjson line's fields, in the order NDJSON.Write
// writes them.
type lineFields struct {
	ID       string `json:"id"`
	Site     string `json:"site"`
	Visitor  string `json:"visitor"`
	IssuedAt string `json:"issued_at"`
	Action   string `json:"action"`
	Config   string `json:"config"`
	Log      uint64 `json:"log"`
	Receipt  string `json:"receipt"`
}

// appendTo writes f as NDJSON.Write does (see appendLine).
func (f *lineFields) appendTo(b []byte) []byte {
	return appendLine(b, f.ID, f.Site, f.Visitor, f.IssuedAt, f.Action, f.Config, f.Log, f.Receipt)
}

// differs names the first field of the plain copy that is present and
// disagrees with the claims, or returns "".
func (p *plainCopy) differs(c *receiptClaims) string {
	str := func(v *string, want string) bool { return v != nil && *v != want }
	switch {
	case str(p.Site, c.Site):
		return "site"
	case str(p.Visitor, c.Sub):
		return "visitor"
	case str(p.Action, c.Action):
		return "action"
	case str(p.Config, c.Config):
		return "config"
	case p.Log != nil && *p.Log != c.Log:
		return "log index"
	}
	if p.IssuedAt != nil {
		// The copy has milliseconds, the claim whole seconds.
		t, err := time.Parse(time.RFC3339Nano, *p.IssuedAt)
		if err != nil || t.Unix() != c.Iat {
			return "issued_at"
		}
	}
	return ""
}

func (pf *packFiles) checkProof(p *proofLine, index uint64, leaf tlog.Hash, fail func(string, ...any)) {
	switch {
	case p == nil:
		fail("no inclusion proof")
		return
	case p.Index != int64(index):
		fail("the proof is for log index %d, the receipt says %d", p.Index, index)
		return
	case p.LeafHash != b64(leaf):
		fail("the receipt's leaf hash differs from the proof's (receipt altered)")
		return
	case !pf.cpOK:
		fail("no valid checkpoint to prove inclusion against")
		return
	}
	proof := make(tlog.RecordProof, len(p.Proof))
	for i, s := range p.Proof {
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil || len(b) != tlog.HashSize {
			fail("malformed inclusion proof")
			return
		}
		copy(proof[i][:], b)
	}
	if err := tlog.CheckRecord(proof, pf.cp.Size, pf.cp.Root, int64(index), leaf); err != nil {
		fail("not included in the checkpoint's tree: %v", err)
	}
}

func readFile(z *zip.Reader, name string, limit int64) ([]byte, error) {
	f, err := z.Open(name)
	if err != nil {
		return nil, fmt.Errorf("%s is missing from the pack", name)
	}
	defer f.Close()
	limit = entryLimit(z, name, limit)
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s expands to more than %d bytes: not a pack this server made", name, limit)
	}
	if err != nil {
		return nil, fmt.Errorf("%s cannot be read", name)
	}
	return b, nil
}

func readZip(f *zip.File, limit int64) ([]byte, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, limit+1))
	if int64(len(b)) > limit {
		return nil, errors.New("too large")
	}
	return b, err
}

// readLines reads the non-empty lines of a file; past limit of them,
// none (the pack is refused whole rather than checked in part).
func readLines(z *zip.Reader, name string, limit int) ([][]byte, error) {
	f, err := z.Open(name)
	if err != nil {
		return nil, fmt.Errorf("%s is missing from the pack", name)
	}
	defer f.Close()
	var out [][]byte
	limit64 := entryLimit(z, name, maxEntry)
	lr := &io.LimitedReader{R: f, N: limit64 + 1}
	sc := bufio.NewScanner(lr)
	// A line is a receipt of a few hundred bytes, or an event: a tombstone
	// names every receipt it removed (about 200 bytes each; an erasure of
	// a 100,000-receipt chain is one tombstone).
	sc.Buffer(make([]byte, 64<<10), 64<<20)
	for sc.Scan() {
		if len(bytes.TrimSpace(sc.Bytes())) > 0 {
			if len(out) == limit {
				return nil, fmt.Errorf("%s holds more than %d lines: export shorter time ranges", name, limit)
			}
			out = append(out, bytes.Clone(sc.Bytes()))
		}
	}
	if err := sc.Err(); err != nil {
		return out, fmt.Errorf("%s: %v", name, err)
	}
	if lr.N <= 0 {
		return nil, fmt.Errorf("%s expands to more than %d bytes: not a pack this server made", name, limit64)
	}
	return out, nil
}

// parallel runs f(0..n-1) on every core.
func parallel(n int, f func(i int)) {
	workers := runtime.GOMAXPROCS(0)
	var wg sync.WaitGroup
	next := make(chan int, 1024)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				f(i)
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
}

// sigProblem says in plain words why a receipt's signature failed; keys
// says where the keys came from.
func sigProblem(err error, keys string) string {
	switch {
	case errors.Is(err, receipt.ErrSignature):
		return "signature does not verify: the receipt was altered or not signed by a key in " + keys
	case errors.Is(err, receipt.ErrUnknownKey):
		return "signature: signed by a key that is not in " + keys
	case errors.Is(err, receipt.ErrAlgorithm):
		return "signature: not EdDSA (Ed25519)"
	case errors.Is(err, receipt.ErrType):
		return "signature: not a consent receipt (wrong typ)"
	}
	return "signature: the JWS is malformed"
}
