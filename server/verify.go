package main

import (
	"cmp"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/assent/assent/internal/export"
	"github.com/assent/assent/internal/receipt"
)

// verifyPack is `assent verify [--jwks FILE --log-key FILE] PACK.zip`: the
// offline check of an evidence pack. It needs no network and no database,
// prints a verdict per receipt and a summary, and fails unless everything
// verifies. With the server's JWKS and log key (saved from
// /.well-known/jwks.json and /api/v1/log/key) it checks the pack against
// those; without, against the keys the pack carries, which shows the pack
// whole but not whose it is, and says so.
func verifyPack(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	fs.SetOutput(out)
	jwksFile := fs.String("jwks", "", "the server's JWKS, saved from /.well-known/jwks.json")
	logKeyFile := fs.String("log-key", "", "the server's log key, saved from /api/v1/log/key")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 || (*jwksFile == "") != (*logKeyFile == "") {
		return fmt.Errorf("usage: assent verify [--jwks FILE --log-key FILE] PACK.zip")
	}
	var trust *export.Trust
	if *jwksFile != "" {
		b, err := os.ReadFile(*jwksFile)
		if err != nil {
			return err
		}
		keys, err := receipt.ParseJWKS(b)
		if err != nil {
			return fmt.Errorf("%s: %w", *jwksFile, err)
		}
		key, err := os.ReadFile(*logKeyFile)
		if err != nil {
			return err
		}
		trust = &export.Trust{Keys: keys, LogKey: strings.TrimSpace(string(key))}
	}
	f, err := os.Open(fs.Arg(0))
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	rep, err := export.VerifyPack(f, fi.Size(), trust)
	if err != nil {
		return err
	}
	for _, v := range rep.Receipts {
		log := "log ?"
		if v.Log != nil {
			log = fmt.Sprintf("log %d", *v.Log)
		}
		if v.OK {
			fmt.Fprintf(out, "ok    %s  %s  %s  %s\n", v.ID, log, v.Site, v.Action)
		} else {
			fmt.Fprintf(out, "FAIL  %s  %s: %s\n", v.ID, log, strings.Join(v.Problems, "; "))
		}
	}
	for _, p := range rep.Problems {
		fmt.Fprintf(out, "FAIL  pack: %s\n", p)
	}
	fmt.Fprintf(out, "\n%d receipts, %d verified, %d failed; checkpoint %s size %d\n",
		len(rep.Receipts), len(rep.Receipts)-rep.Failed, rep.Failed, rep.Checkpoint.Origin, rep.Checkpoint.Size)
	if rep.Keys.Pinned {
		fmt.Fprintf(out, "keys: the trusted ones given (%s; log key %s)\n", strings.Join(rep.Keys.Kids, ", "), rep.Keys.LogKey)
	} else {
		fmt.Fprintf(out, "keys: those the pack carries (%s; log key %s). That shows the pack whole and unaltered, not\n"+
			"that your server made it: compare them with its /.well-known/jwks.json and /api/v1/log/key, or pass\n"+
			"--jwks and --log-key with copies of those.\n", strings.Join(rep.Keys.Kids, ", "), rep.Keys.LogKey)
	}
	if rep.Keys.Activations == nil {
		fmt.Fprintln(out, "key activations: not in this pack (made before packs held them), so receipts were not checked against them")
	} else {
		var acts []string
		for _, a := range rep.Keys.Activations {
			acts = append(acts, fmt.Sprintf("%s from log index %d", a.Kid, a.Log))
		}
		fmt.Fprintf(out, "key activations in the log: %s\n", cmp.Or(strings.Join(acts, ", "), "none"))
	}
	if rep.Query["visitor"] != "" {
		fmt.Fprintln(out, "removed receipts: a visitor's pack holds no tombstones (they name no visitor); GET .../events lists them")
	} else if rep.Removals == nil {
		fmt.Fprintln(out, "removed receipts: the pack holds no tombstones (made before packs held them)")
	} else {
		n := 0
		var by []string
		for _, r := range rep.Removals {
			n += len(r.Receipts)
			by = append(by, fmt.Sprintf("%d by %s on %s (tombstone %s, log index %d)", len(r.Receipts), r.Reason, r.At, r.ID, r.Log))
		}
		list := ""
		if len(by) > 0 {
			list = ": " + strings.Join(by, "; ")
		}
		fmt.Fprintf(out, "receipts of this range removed under signed tombstones: %d%s\n", n, list)
	}
	if !rep.OK {
		return fmt.Errorf("the pack does NOT verify")
	}
	fmt.Fprintln(out, "the pack verifies: every signature, inclusion proof, config text and the checkpoint")
	return nil
}
