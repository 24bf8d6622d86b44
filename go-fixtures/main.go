// Command go-fixtures generates and checks test fixtures that the Rust side of
// goapptrace-proto compares itself against. Run it as
//
//	go run . <subcommand> [args]
package main

import (
	"errors"
	"fmt"
	"os"
)

// errReported is returned by a subcommand that has already printed why it
// failed; main then only sets the exit status.
var errReported = errors.New("failure already reported")

// subcommand is one entry of the dispatch table.
type subcommand struct {
	name   string
	args   string
	help   string
	hidden bool // internal helpers are not listed in the usage message
	run    func(args []string) error
}

var subcommands = []subcommand{
	{
		name: "bench",
		args: "",
		help: "time the codec cases of scripts/bench-vs-go and print ns per op as JSON",
		run:  runBench,
	},
	{
		name: "gob",
		args: "[OUTDIR]",
		help: "write the encoding/gob corpus (default OUTDIR " + defaultGobDir + ")",
		run:  runGob,
	},
	{
		name: "gob-verify",
		args: "DIR",
		help: "decode the gob streams in DIR with Go and compare them with the corpus",
		run:  runGobVerify,
	},
	{
		name:   "gob-case",
		args:   "NAME OUTDIR",
		help:   "write one corpus case (used by gob, in a fresh process per case)",
		hidden: true,
		run:    runGobCase,
	},
	{
		name: "gob-std",
		args: "[OUTDIR]",
		help: "write the streams of Go's standard self-marshalling types: time.Time, big.Int, big.Rat, big.Float (default OUTDIR " + defaultGobStdDir + ")",
		run:  runGobStd,
	},
	{
		name: "gob-std-verify",
		args: "DIR",
		help: "decode the gob-std streams in DIR with Go and compare their values with the cases",
		run:  runGobStdVerify,
	},
	{
		name:   "gob-std-case",
		args:   "NAME OUTDIR",
		help:   "write one gob-std case (used by gob-std, in a fresh process per case)",
		hidden: true,
		run:    runGobStdCase,
	},
	{
		name: "goapptrace",
		args: "[OUTDIR]",
		help: "write the goapptrace frame fixtures (default OUTDIR " + defaultGoapptraceDir + ")",
		run:  runGoapptrace,
	},
	{
		name: "goapptrace-verify",
		args: "FILE",
		help: "decode a goapptrace frames file and print its packets as JSON, one per line",
		run:  runGoapptraceVerify,
	},
	{
		name: "goapptrace-original",
		args: "[OUTDIR]",
		help: "write the goapptrace frame fixtures with the gob type ids of the Go of 2017-2018 (default OUTDIR " + defaultGoapptraceOriginalDir + ")",
		run:  runGoapptraceOriginal,
	},
	{
		name:   "goapptrace-file",
		args:   "NAME OUTDIR [--era original|current]",
		help:   "write one goapptrace frames file (used by goapptrace and goapptrace-original, in a fresh process per file)",
		hidden: true,
		run:    runGoapptraceFile,
	},
	{
		name: "goapptrace-marshal",
		args: "[OUTDIR]",
		help: "write the marshal-generation frame fixtures (default OUTDIR " + defaultGoapptraceMarshalDir + ")",
		run:  runGoapptraceMarshal,
	},
	{
		name: "goapptrace-marshal-verify",
		args: "FILE",
		help: "decode a marshal-generation frames file and print its packets as JSON, one per line",
		run:  runGoapptraceMarshalVerify,
	},
	{
		name: "goapptrace-storage",
		args: "[OUTDIR]",
		help: "write the log store's gob files (compact logs, .symbol, .index) in both gob eras (default OUTDIR " + defaultGoapptraceStorageDir + ")",
		run:  runGoapptraceStorage,
	},
	{
		name:   "goapptrace-storage-file",
		args:   "KEY OUTDIR --era original|current",
		help:   "write one log store file (used by goapptrace-storage, in a fresh process per file)",
		hidden: true,
		run:    runGoapptraceStorageFile,
	},
	{
		name: "goapptrace-storage-verify",
		args: "KIND FILE",
		help: "KIND compactlog|symbol|index: read a log store file with the Go readers and print it as JSON",
		run:  runGoapptraceStorageVerify,
	},
	{
		name: "goapptrace-storage-bench",
		args: "FILE [SECONDS]",
		help: "time reading a compact log with the Go reader for SECONDS (default 3) and print the rate as JSON",
		run:  runGoapptraceStorageBench,
	},
	{
		name: "oracle",
		args: "",
		help: "serve encoding/gob as a decode/encode oracle: length-prefixed JSON requests on stdin, answers on stdout (see oracle.go)",
		run:  runOracle,
	},
	{
		name: "rpc-server",
		args: "ADDR [--http]",
		help: "serve Go's net/rpc Arith and Test services on ADDR (tcp://HOST:PORT or unix:///PATH; see rpc.go)",
		run:  runRPCServer,
	},
	{
		name: "rpc-client",
		args: "ADDR [--http] [--slow MS]",
		help: "call a net/rpc server's Arith service with Go's client and print each call as JSON",
		run:  runRPCClient,
	},
	{
		name: "rpc-bench",
		args: "ADDR [--http] --inflight K --seconds S",
		help: "time Go's net/rpc client calling Arith.Multiply with K calls in flight on one connection",
		run:  runRPCBench,
	},
	{
		name: "peer",
		args: "MODE [flags]",
		help: "MODE server|client: play a Go goapptrace peer over TCP (JSON events on stdout)",
		run:  runPeer,
	},
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: go run . <subcommand> [args]")
	fmt.Fprintln(os.Stderr, "subcommands:")
	for _, c := range subcommands {
		if !c.hidden {
			fmt.Fprintf(os.Stderr, "  %-25s %-12s %s\n", c.name, c.args, c.help)
		}
	}
}

func main() {
	if len(os.Args) < 2 {
		usage()
		os.Exit(2)
	}
	name := os.Args[1]
	for _, c := range subcommands {
		if c.name == name {
			if err := c.run(os.Args[2:]); err != nil {
				if !errors.Is(err, errReported) {
					fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
				}
				os.Exit(1)
			}
			return
		}
	}
	fmt.Fprintf(os.Stderr, "unknown subcommand %q\n", name)
	usage()
	os.Exit(2)
}
