package export

import (
	"archive/zip"
	"bufio"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/assent/assent/internal/ledger"
	"github.com/assent/assent/internal/retention"
	"github.com/assent/assent/internal/store"
	"golang.org/x/mod/sumdb/tlog"
)

// File names inside an evidence pack.
const (
	fileReadme     = "README.txt"
	fileManifest   = "manifest.jws"
	fileReceipts   = "receipts.ndjson"
	fileProofs     = "proofs.ndjson"
	fileKeyEvents  = "key-activations.ndjson"
	fileTombstones = "tombstones.ndjson"
	fileCheckpoint = "checkpoint.txt"
	fileJWKS       = "jwks.json"
	fileLogKey     = "log-key.txt"
	dirConfigs     = "configs/"
)

// Source is what an evidence pack is made from.
type Source struct {
	Issuer     string
	Site       string
	Query      map[string]string // what was asked for: from/to or visitor
	Each       func(fn func(*store.Receipt) error) error
	Checkpoint []byte // signed; every proof is against it
	Tree       ledger.Checkpoint
	Prove      func(index, size int64) (tlog.RecordProof, error)
	JWKS       []byte
	LogKey     string
	Config     func(version string) ([]byte, error) // canonical bytes of a published config
	Sign       func(claims any) string              // signs the manifest
	// KeyActivations are the log's key_activated events, in log order:
	// which receipt key signed from which log index on.
	KeyActivations []store.Event
	// Tombstones returns the site's tombstones that removed receipts
	// issued in the pack's range, in log order (nil for a visitor's
	// pack). It is called once the receipts are read, so that a receipt
	// removed before then is either in the pack or under a tombstone
	// (see WritePack).
	Tombstones func() ([]retention.Within, error)
	Now        time.Time
}

// Manifest lists what a pack holds, signed, so that a receipt dropped from
// a pack is noticed, not just an altered one.
type Manifest struct {
	Iss            string            `json:"iss"`
	Site           string            `json:"site"`
	Iat            int64             `json:"iat"`
	Query          map[string]string `json:"query"`
	CheckpointSize int64             `json:"checkpoint_size"`
	Receipts       []ManifestEntry   `json:"receipts"`
	// KeyActivations lists the key_activated events in the pack; absent
	// in packs made before they were included.
	KeyActivations []ManifestEntry `json:"key_activations"`
	// Tombstones lists the tombstones in the pack; absent in packs made
	// before they were included.
	Tombstones []ManifestEntry `json:"tombstones"`
}

// ManifestEntry names one receipt of the pack.
type ManifestEntry struct {
	ID       string `json:"id"`
	Log      uint64 `json:"log"`
	LeafHash string `json:"leaf_hash"`
}

// eventLine is one line of key-activations.ndjson or tombstones.ndjson:
// the event (a JWS, typ assent-event+jwt) and its inclusion proof against
// the checkpoint.
type eventLine struct {
	ID       string   `json:"id"`
	Log      uint64   `json:"log"`
	Event    string   `json:"event"`
	LeafHash string   `json:"leaf_hash"`
	Proof    []string `json:"proof"`
}

type proofLine struct {
	ID       string   `json:"id"`
	Index    int64    `json:"index"`
	LeafHash string   `json:"leaf_hash"`
	Proof    []string `json:"proof"`
}

// WritePack writes an evidence pack (a zip) to w. Receipts are read twice
// (receipts, then proofs) so memory stays small for large ranges.
func WritePack(w io.Writer, src Source) (n int, err error) {
	z := zip.NewWriter(w)
	man := Manifest{Iss: src.Issuer, Site: src.Site, Iat: src.Now.Unix(), Query: src.Query, CheckpointSize: src.Tree.Size}
	configs := map[string]bool{}
	f, err := z.Create(fileReceipts)
	if err != nil {
		return 0, err
	}
	nd := NewNDJSON(f)
	err = src.Each(func(r *store.Receipt) error {
		if int64(r.Log) >= src.Tree.Size {
			return nil // newer than the checkpoint: the next pack has it
		}
		configs[r.Config] = true
		man.Receipts = append(man.Receipts, ManifestEntry{ID: r.ID.String(), Log: r.Log, LeafHash: b64(ledger.LeafHash([]byte(r.JWS)))})
		return nd.Write(r)
	})
	if err == nil {
		err = nd.Flush()
	}
	if err != nil {
		return 0, err
	}
	if err := writeProofs(z, src, &man); err != nil {
		return 0, err
	}
	if man.KeyActivations, err = writeEvents(z, src, fileKeyEvents, src.KeyActivations); err != nil {
		return 0, err
	}
	tombs, err := src.tombstones(man.Receipts)
	if err != nil {
		return 0, err
	}
	if man.Tombstones, err = writeEvents(z, src, fileTombstones, tombs); err != nil {
		return 0, err
	}
	for v := range configs {
		raw, err := src.Config(v)
		if err != nil {
			return 0, fmt.Errorf("config %s: %w", v, err)
		}
		if err := put(z, dirConfigs+strings.TrimPrefix(v, "sha256:")+".json", raw); err != nil {
			return 0, err
		}
	}
	for name, b := range map[string][]byte{fileCheckpoint: src.Checkpoint, fileJWKS: src.JWKS,
		fileLogKey: []byte(src.LogKey + "\n"), fileManifest: []byte(src.Sign(&man)), fileReadme: []byte(readme)} {
		if err := put(z, name, b); err != nil {
			return 0, err
		}
	}
	return len(man.Receipts), z.Close()
}

// ErrRemovedMeanwhile is WritePack's error when a receipt of the pack's
// range that its checkpoint holds was removed while the pack was written,
// before it was read: the pack would lack it, and the tombstone saying so
// is newer than the checkpoint. Asked again, the pack has the tombstone.
var ErrRemovedMeanwhile = errors.New("a receipt of the range was removed while the pack was written; ask for the pack again")

// tombstones returns the tombstones the pack must hold: those its
// checkpoint holds. A newer one may only have removed receipts that are
// newer than the checkpoint too, or that are in the pack (read before
// they were removed); any other is ErrRemovedMeanwhile.
func (src Source) tombstones(packed []ManifestEntry) ([]store.Event, error) {
	if src.Tombstones == nil {
		return nil, nil
	}
	found, err := src.Tombstones()
	if err != nil {
		return nil, err
	}
	var out []store.Event
	var in map[string]bool // built only when a tombstone is newer
	for _, t := range found {
		if int64(t.Log) < src.Tree.Size {
			out = append(out, t.Event)
			continue
		}
		for _, r := range t.Removed {
			if int64(r.Log) >= src.Tree.Size {
				continue
			}
			if in == nil {
				in = make(map[string]bool, len(packed))
				for _, e := range packed {
					in[e.ID] = true
				}
			}
			if !in[r.ID] {
				return nil, fmt.Errorf("%w (%s, under tombstone %s)", ErrRemovedMeanwhile, r.ID, t.ID)
			}
		}
	}
	return out, nil
}

func writeProofs(z *zip.Writer, src Source, man *Manifest) error {
	f, err := z.Create(fileProofs)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(f, 256<<10)
	enc := json.NewEncoder(bw)
	for _, e := range man.Receipts {
		p, err := src.Prove(int64(e.Log), src.Tree.Size)
		if err != nil {
			return fmt.Errorf("proof for %s: %w", e.ID, err)
		}
		line := proofLine{ID: e.ID, Index: int64(e.Log), LeafHash: e.LeafHash, Proof: make([]string, len(p))}
		for i, h := range p {
			line.Proof[i] = b64(h)
		}
		if err := enc.Encode(&line); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// writeEvents writes the events in the checkpoint, each with its
// inclusion proof, to the file name, and returns their manifest entries.
func writeEvents(z *zip.Writer, src Source, name string, events []store.Event) ([]ManifestEntry, error) {
	f, err := z.Create(name)
	if err != nil {
		return nil, err
	}
	enc := json.NewEncoder(f)
	listed := []ManifestEntry{}
	for _, ev := range events {
		if int64(ev.Log) >= src.Tree.Size {
			continue
		}
		p, err := src.Prove(int64(ev.Log), src.Tree.Size)
		if err != nil {
			return nil, fmt.Errorf("proof for event %s: %w", ev.ID, err)
		}
		line := eventLine{ID: ev.ID.String(), Log: ev.Log, Event: ev.JWS, LeafHash: b64(ledger.LeafHash([]byte(ev.JWS))), Proof: make([]string, len(p))}
		for i, h := range p {
			line.Proof[i] = b64(h)
		}
		listed = append(listed, ManifestEntry{ID: line.ID, Log: ev.Log, LeafHash: line.LeafHash})
		if err := enc.Encode(&line); err != nil {
			return nil, err
		}
	}
	return listed, nil
}

func put(z *zip.Writer, name string, b []byte) error {
	f, err := z.Create(name)
	if err != nil {
		return err
	}
	_, err = f.Write(b)
	return err
}

func b64(h tlog.Hash) string { return base64.StdEncoding.EncodeToString(h[:]) }

const readme = `Assent evidence pack
====================

This archive proves which consent decisions were recorded, exactly what each
visitor was shown, that none was altered since, that each is in the log
whose checkpoint the server signed, and which receipts retention or an
erasure removed. It does not prove that it holds every receipt of its range:
the log is shared by all sites, and its entries do not name their site.
Checking it needs no access to the server that made it.

Files
  receipts.ndjson   one receipt per line; "receipt" is a JWS (EdDSA/Ed25519).
                    The line's other fields (site, visitor, issued_at, action,
                    config, log) are unsigned copies of the receipt's claims
                    (sub, iat, ...), for reading; the check fails a line whose
                    copies differ from its claims.
  jwks.json         the public keys that signed the receipts (RFC 7517)
  configs/H.json    each banner config a receipt names; H is its SHA-256
  checkpoint.txt    a signed checkpoint of the log (C2SP tlog-checkpoint)
  log-key.txt       the checkpoint's verifier key (name+hash+base64, Go note format)
  proofs.ndjson     for each receipt, an RFC 6962 inclusion proof against the checkpoint
  key-activations.ndjson
                    each key_activated event of the log ("event", a JWS with
                    typ assent-event+jwt and claims jti, iat, event, kid,
                    previous_kid, log) with its inclusion proof: which key
                    signed receipts from which log index on
  tombstones.ndjson each tombstone of the site that removed receipts issued
                    in the pack's range, by retention or an erasure ("event",
                    a JWS with typ assent-event+jwt and claims jti, iat,
                    event, reason, site, log and removed: each receipt's id,
                    log index, leaf hash and issued_at; no visitor id), with
                    its inclusion proof. A receipt of the range that is not
                    in the pack is either named in one of these, or missing.
                    (Tombstones made before they named each receipt's time
                    are not placed in a range: GET
                    /api/v1/admin/sites/SITE/events lists every one.)
  manifest.jws      the list of receipts, key activations and tombstones in
                    this pack, signed like a receipt (claims iss, site, iat,
                    query, checkpoint_size, receipts, key_activations and
                    tombstones, each entry id, log and leaf_hash). query is
                    what the pack was made of: {"from", "to"}, a range in
                    whole seconds (RFC 3339, from included, to not), or
                    {"visitor"}, one visitor's receipts.

Each line of key-activations.ndjson and tombstones.ndjson is a JSON object:
id (the event's jti), log (its index), event (the JWS), leaf_hash and proof
(base64 hashes), as in proofs.ndjson.

Times: iat claims are seconds since 1970 (UTC); issued_at, in receipt
lines and in a tombstone's removed entries, is RFC 3339 to the millisecond.
The second of a receipt's issued_at is its iat.

Whose keys
  The pack carries its keys, so checked against them it shows only that it is
  whole and unaltered: anyone can sign a pack with keys of their own. Compare
  jwks.json and log-key.txt with the server's /.well-known/jwks.json and
  /api/v1/log/key (or copies you keep), or let the check use those:

Automatic check
  assent verify --jwks JWKS.json --log-key LOG-KEY.txt PACK.zip
  (or: go run ./server verify ...; without the two files it uses the pack's own)

By hand, for each receipt
  1. Verify the JWS with the key in jwks.json whose "kid" is in its header;
     the header's alg must be EdDSA and typ consent-receipt+jwt.
  2. sha256(configs/H.json) must equal the receipt's "config" claim (sha256:H):
     that file is the exact banner config and texts the visitor saw.
  3. leaf = SHA-256(0x00 || the JWS string's bytes). It must equal the proof's
     leaf_hash, and the proof's index must equal the receipt's "log" claim.
  4. Hash up the proof (RFC 6962, section 2.1.1) from that leaf to the root;
     it must equal the root hash (third line) of checkpoint.txt, whose second
     line is the log's size: the tree the proof is for.
  5. Verify checkpoint.txt's signature line with log-key.txt (C2SP signed
     note, as Go's golang.org/x/mod/sumdb/note): log-key.txt is
     NAME+HASH+KEY (split at the first two "+"; KEY is base64 of the byte
     0x01 then the 32-byte Ed25519 public key, HASH is hex of the first 4
     bytes of SHA-256(NAME || "\n" || those 33 bytes)). The signed text is
     everything up to and including the newline before the blank line; the
     signature line is "— NAME " then base64 of the 4 key-hash bytes and the
     64-byte signature.
  6. manifest.jws (verified like a receipt, typ assent-evidence+jwt) must list
     exactly the receipts, key activations and tombstones in this pack: a
     missing one fails the pack, and so does one it does not list. Its
     checkpoint_size must be checkpoint.txt's. Every receipt must be of its
     site, and of its query: from <= iat <= to (the receipts were read from
     from up to to, excluded, to the millisecond: iat, in seconds, may be
     the second to names), or sub the visitor.
  7. Verify each key activation as in 1, 3 and 4 (its claims' log is its
     index). A receipt must be signed by the key of the last activation
     before its index.
  8. Verify each tombstone likewise; its site must be the pack's. No receipt
     in the pack may be among those a tombstone removed, by id or by log
     index. A receipt two tombstones name counts as removed once.
`
