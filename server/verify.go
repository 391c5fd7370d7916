package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/assent/assent/internal/export"
)

// verifyPack is `assent verify PACK.zip`: the offline check of an evidence
// pack. It needs no network and no database, prints a verdict per receipt
// and a summary, and fails unless everything verifies.
func verifyPack(args []string, out io.Writer) error {
	if len(args) != 1 {
		return fmt.Errorf("usage: assent verify PACK.zip")
	}
	f, err := os.Open(args[0])
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	rep, err := export.VerifyPack(f, fi.Size())
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
	if !rep.OK {
		return fmt.Errorf("the pack does NOT verify")
	}
	fmt.Fprintln(out, "the pack verifies: every signature, inclusion proof, config text and the checkpoint")
	return nil
}
