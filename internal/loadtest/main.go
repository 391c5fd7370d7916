// Command loadtest measures Assent's durable receipt throughput and consent
// check throughput against baselines measured in the same run, on the same
// cores, and prints the figures and ratios. It starts the server in-process
// on 127.0.0.1 with a fresh database in a temporary directory. The load comes
// from a second process (this binary with -client), as wrk would send it, so
// the load generator does not share the server's Go scheduler.
//
//	go run ./internal/loadtest [-d 5s]
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"runtime/debug"
	"runtime/pprof"
)

func main() {
	d := flag.Duration("d", 0, "duration of each measured phase (default 5s)")
	prof := flag.String("cpuprofile", "", "write a CPU profile of the server side to this file")
	client := flag.String("client", "", "internal: run this JSON job as the load generator and print the result")
	inproc := flag.Bool("inprocess", false, "generate load from the server's own process")
	flag.Parse()
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(300) // as the server binary does (server/main.go)
	}
	if *client != "" {
		runClient(*client)
		return
	}
	if *prof != "" {
		f, err := os.Create(*prof)
		if err != nil {
			fmt.Fprintln(os.Stderr, "loadtest:", err)
			os.Exit(1)
		}
		pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}
	o := defaultOptions()
	if *d > 0 {
		o.Phase = *d
	}
	if !*inproc {
		o.Load = clientProcess
	}
	res, err := Run(o, os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		os.Exit(1)
	}
	res.Print(os.Stdout)
}

func runClient(spec string) {
	var j Job
	if err := json.Unmarshal([]byte(spec), &j); err != nil {
		fmt.Fprintln(os.Stderr, "loadtest -client:", err)
		os.Exit(2)
	}
	json.NewEncoder(os.Stdout).Encode(Hammer(j))
}

// clientProcess runs a job in a child process and reads back its result.
func clientProcess(j Job) Phase {
	spec, _ := json.Marshal(j)
	out, err := exec.Command(os.Args[0], "-client", string(spec)).Output()
	var p Phase
	if err != nil || json.Unmarshal(out, &p) != nil {
		fmt.Fprintln(os.Stderr, "loadtest: client process failed:", err)
		p.Errors = 1
	}
	return p
}
