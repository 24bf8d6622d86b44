package main

// Go's net/rpc, the peer of the gob-rpc crate's live tests and benchmark:
//
//	rpc-server ADDR [--http]
//	rpc-client ADDR [--http] [--slow MS]
//	rpc-bench ADDR [--http] --inflight K --seconds S
//
// ADDR is tcp://HOST:PORT or unix:///PATH (tcp port 0 picks a free port).
//
// rpc-server serves the Arith service of Go's net/rpc documentation and a
// Test service, with rpc.ServeConn on each connection, or through
// rpc.HandleHTTP with --http. Once it accepts connections it prints
// {"event":"listening","address":"ADDR"} on stdout; it runs until its
// standard input ends or a signal ends it.
//
//	Arith.Multiply(Args{A, B}) -> A*B
//	Arith.Divide(Args{A, B}) -> Quotient{A/B, A%B}, or "divide by zero"
//	Test.Sleep(ms int) -> ms, after sleeping ms milliseconds
//	Test.Echo(RPCRecord) -> the record, with Name upper-cased
//	Test.Fail(text string) -> the error text
//
// rpc-client calls a server with rpc.Dial (rpc.DialHTTP with --http) and
// prints one JSON line per call: {"method":M,"reply":R} or
// {"method":M,"error":E}. The calls: Arith.Multiply 7 8, Arith.Divide 7 8,
// Arith.Divide 9 0, Nope.Multiply, Arith.Nope, NoDot; then 64 goroutines
// calling Arith.Multiply 50 times each on the one connection, summed up as
// {"concurrent":3200,"wrong":0,"failed":0}; then Arith.Multiply 6 7 again.
// With --slow MS it only prints {"event":"calling"} and calls Test.Sleep MS
// (for a test to kill it mid-call), then prints that call's line.
//
// rpc-bench calls Arith.Multiply from K goroutines at once on one
// connection for S seconds and prints
// {"inflight":K,"calls":N,"seconds":T,"calls_per_sec":R}.

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"net/rpc"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Args is the arguments of Arith's methods.
type Args struct {
	A, B int
}

// Quotient is the reply of Arith.Divide.
type Quotient struct {
	Quo, Rem int
}

// Arith is the service of net/rpc's documentation.
type Arith int

func (t *Arith) Multiply(args *Args, reply *int) error {
	*reply = args.A * args.B
	return nil
}

func (t *Arith) Divide(args *Args, quo *Quotient) error {
	if args.B == 0 {
		return errors.New("divide by zero")
	}
	quo.Quo = args.A / args.B
	quo.Rem = args.A % args.B
	return nil
}

// RPCRecord is a richer value for Test.Echo.
type RPCRecord struct {
	Name   string
	Values []int64
	Labels map[string]int
	Score  float64
	Next   *RPCRecord
}

// RPCTest holds the methods the tests need beyond Arith.
type RPCTest int

func (t *RPCTest) Sleep(ms int, reply *int) error {
	time.Sleep(time.Duration(ms) * time.Millisecond)
	*reply = ms
	return nil
}

func (t *RPCTest) Echo(in RPCRecord, out *RPCRecord) error {
	*out = in
	out.Name = strings.ToUpper(in.Name)
	return nil
}

func (t *RPCTest) Fail(text string, reply *int) error {
	return errors.New(text)
}

// rpcNetwork splits tcp://HOST:PORT or unix:///PATH into what net.Dial and
// net.Listen take.
func rpcNetwork(addr string) (network, address string, err error) {
	if rest, ok := strings.CutPrefix(addr, "tcp://"); ok {
		return "tcp", rest, nil
	}
	if rest, ok := strings.CutPrefix(addr, "unix://"); ok && strings.HasPrefix(rest, "/") {
		return "unix", rest, nil
	}
	return "", "", fmt.Errorf("bad address %q: expected tcp://HOST:PORT or unix:///PATH", addr)
}

// rpcFlags takes ADDR, the first argument, then parses the flags after it.
func rpcFlags(fs *flag.FlagSet, args []string) (string, error) {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return "", errors.New("missing ADDR (the first argument)")
	}
	if err := fs.Parse(args[1:]); err != nil {
		return "", err
	}
	if fs.NArg() > 0 {
		return "", fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	return args[0], nil
}

func runRPCServer(args []string) error {
	fs := flag.NewFlagSet("rpc-server", flag.ContinueOnError)
	useHTTP := fs.Bool("http", false, "serve through rpc.HandleHTTP")
	addr, err := rpcFlags(fs, args)
	if err != nil {
		return err
	}
	network, address, err := rpcNetwork(addr)
	if err != nil {
		return err
	}
	server := rpc.NewServer()
	if err := server.Register(new(Arith)); err != nil {
		return err
	}
	if err := server.RegisterName("Test", new(RPCTest)); err != nil {
		return err
	}
	listener, err := net.Listen(network, address)
	if err != nil {
		return err
	}
	defer listener.Close()
	shown := addr
	if network == "tcp" {
		shown = "tcp://" + listener.Addr().String()
	}
	fmt.Printf("{\"event\":\"listening\",\"address\":%q}\n", shown)
	// The end of standard input ends the server: a test that dies
	// leaves no server behind.
	go func() {
		buf := make([]byte, 64)
		for {
			if _, err := os.Stdin.Read(buf); err != nil {
				listener.Close()
				os.Exit(0)
			}
		}
	}()
	if *useHTTP {
		mux := http.NewServeMux()
		mux.Handle(rpc.DefaultRPCPath, server)
		return http.Serve(listener, mux)
	}
	for {
		conn, err := listener.Accept()
		if err != nil {
			return err
		}
		go server.ServeConn(conn)
	}
}

func dialRPC(addr string, useHTTP bool) (*rpc.Client, error) {
	network, address, err := rpcNetwork(addr)
	if err != nil {
		return nil, err
	}
	if useHTTP {
		return rpc.DialHTTP(network, address)
	}
	return rpc.Dial(network, address)
}

// printCall prints one call's line.
func printCall(method string, reply any, err error) {
	if err != nil {
		fmt.Printf("{\"method\":%q,\"error\":%q}\n", method, err.Error())
		return
	}
	switch r := reply.(type) {
	case *int:
		fmt.Printf("{\"method\":%q,\"reply\":%d}\n", method, *r)
	case *Quotient:
		fmt.Printf("{\"method\":%q,\"reply\":{\"Quo\":%d,\"Rem\":%d}}\n", method, r.Quo, r.Rem)
	default:
		fmt.Printf("{\"method\":%q,\"reply\":%q}\n", method, fmt.Sprint(reply))
	}
}

func runRPCClient(args []string) error {
	fs := flag.NewFlagSet("rpc-client", flag.ContinueOnError)
	useHTTP := fs.Bool("http", false, "connect with rpc.DialHTTP")
	slow := fs.Int("slow", 0, "only call Test.Sleep with this many milliseconds")
	addr, err := rpcFlags(fs, args)
	if err != nil {
		return err
	}
	client, err := dialRPC(addr, *useHTTP)
	if err != nil {
		return err
	}
	defer client.Close()
	if *slow > 0 {
		fmt.Println(`{"event":"calling"}`)
		var reply int
		err := client.Call("Test.Sleep", *slow, &reply)
		printCall("Test.Sleep", &reply, err)
		return nil
	}
	multiply := func(a, b int) {
		var product int
		err := client.Call("Arith.Multiply", &Args{a, b}, &product)
		printCall("Arith.Multiply", &product, err)
	}
	divide := func(a, b int) {
		var quo Quotient
		err := client.Call("Arith.Divide", &Args{a, b}, &quo)
		printCall("Arith.Divide", &quo, err)
	}
	multiply(7, 8)
	divide(7, 8)
	divide(9, 0)
	for _, method := range []string{"Nope.Multiply", "Arith.Nope", "NoDot"} {
		var product int
		err := client.Call(method, &Args{1, 2}, &product)
		printCall(method, &product, err)
	}
	var wrong, failed atomic.Int64
	var wg sync.WaitGroup
	const workers, each = 64, 50
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < each; i++ {
				var product int
				if err := client.Call("Arith.Multiply", &Args{w, i}, &product); err != nil {
					failed.Add(1)
				} else if product != w*i {
					wrong.Add(1)
				}
			}
		}(w)
	}
	wg.Wait()
	fmt.Printf("{\"concurrent\":%d,\"wrong\":%d,\"failed\":%d}\n", workers*each, wrong.Load(), failed.Load())
	multiply(6, 7)
	return nil
}

func runRPCBench(args []string) error {
	fs := flag.NewFlagSet("rpc-bench", flag.ContinueOnError)
	useHTTP := fs.Bool("http", false, "connect with rpc.DialHTTP")
	inflight := fs.Int("inflight", 1, "calls in flight at once")
	seconds := fs.Float64("seconds", 2, "how long to call")
	addr, err := rpcFlags(fs, args)
	if err != nil {
		return err
	}
	client, err := dialRPC(addr, *useHTTP)
	if err != nil {
		return err
	}
	defer client.Close()
	var calls atomic.Int64
	var firstErr atomic.Value
	deadline := time.Now().Add(time.Duration(*seconds * float64(time.Second)))
	start := time.Now()
	var wg sync.WaitGroup
	for w := 0; w < *inflight; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; time.Now().Before(deadline); i++ {
				var product int
				if err := client.Call("Arith.Multiply", &Args{w, i}, &product); err != nil {
					firstErr.CompareAndSwap(nil, err.Error())
					return
				}
				if product != w*i {
					firstErr.CompareAndSwap(nil, fmt.Sprintf("%d*%d gave %d", w, i, product))
					return
				}
				calls.Add(1)
			}
		}(w)
	}
	wg.Wait()
	elapsed := time.Since(start).Seconds()
	if e := firstErr.Load(); e != nil {
		return fmt.Errorf("a call failed: %v", e)
	}
	n := calls.Load()
	fmt.Printf("{\"inflight\":%d,\"calls\":%d,\"seconds\":%.3f,\"calls_per_sec\":%.0f}\n", *inflight, n, elapsed, float64(n)/elapsed)
	return nil
}
