package main

// peer client: plays the Go goapptrace client (the traced process).
//
// stdout events, in order of occurrence:
//
//	{"event":"rejected","reason":"..."}             negotiation failed (exit 1)
//	{"event":"connected","hello":<ServerHelloPacket>}
//	{"event":"packet","packet":<packet>}            every packet from the server
//	{"event":"bad-frame","error":"..."}             a frame that does not decode, skipped
//	{"event":"stalled","reason":"Conn Recv error: xtcp.buffer: required space beyond the upper limit"}
//	{"event":"dropped","reason":"..."}              the --big-funclog record
//	{"event":"closed"}                              we sent Shutdown and closed (exit 0)
//	{"event":"disconnected","reason":"..."}         the connection ended first
//
// After "disconnected" the exit status is 0 if all --wait-commands commands
// had arrived, else 1 (and always 1 if the server sent a Symbol or
// RawFuncLog, which makes the client close). The records sent are described
// in peer.go.
//
// After "stalled" (gob generation: the receive buffer stalled on a big
// frame, see peer.go) the client reads nothing more and never closes the
// connection: it goes on sending its records and pings, and then waits
// until --timeout ({"event":"timeout"}, exit 3) or a signal. A stall while
// waiting for the ServerHello ends the negotiation when Go's 10 s wait for
// it runs out ("rejected", exit 1).
//
// With --rate N (N > 0) the --funclogs records are paced by the wall clock:
// record i goes out no earlier than i/N seconds after the funclogs began, so
// a slow moment is caught up afterwards rather than lost (the soak run,
// benches/soak.rs). In the gob generation the client sends what it has
// buffered whenever it is ahead of that pace; the marshal generation keeps
// its 100 ms batches. Without --rate (0) the records go out as fast as
// possible.

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"goapptrace-proto/go-fixtures/protocol"
)

type peerClient struct {
	gen peerGeneration
	out *peerOut
	c   *peerConn

	wantCmds   int
	mu         sync.Mutex
	cmds       int
	fatal      bool          // the reader closed because of a forbidden packet
	cmdsDone   chan struct{} // closed when cmds reaches wantCmds
	readerDone chan struct{} // closed when the reader stops
	closing    atomic.Bool
	stalled    atomic.Bool // the receive loop stalled on a big frame
}

func runPeerClient(args []string) error {
	var common peerCommon
	fs := flag.NewFlagSet("peer client", flag.ContinueOnError)
	connect := fs.String("connect", "", "server address tcp://HOST:PORT (required)")
	app := fs.String("app", "go-fixtures-peer", "ClientHello AppName")
	secret := fs.String("secret", "", "ClientHello ClientSecret")
	symbols := fs.Bool("symbols", false, "send a SymbolPacket first")
	funclogs := fs.Int("funclogs", 0, "number of RawFuncLog records to send")
	rate := fs.Int("rate", 0, "send the --funclogs records at this many a second, paced by the wall clock (0: as fast as possible)")
	packets := fs.String("packets", "", "then send the packets of this file, JSON lines in the generation's form (for the cli_e2e benchmark)")
	big := fs.Bool("big-funclog", false, "then try to send a RawFuncLog too large for the Go peer")
	bigSymbols := fs.Int("big-symbols", 0, "send first, alone, a SymbolPacket of this many functions instead of --symbols' (marshal generation only; 0: none)")
	waitCmds := fs.Int("wait-commands", 0, "wait for this many StartTraceCmd/StopTraceCmd packets before closing")
	pingInterval := fs.Duration("ping-interval", 3*time.Second, "PingPacket interval (0: no pings)")
	version := fs.String("version", "", "ClientHello ProtocolVersion (default: the generation's, \"1\")")
	common.register(fs)
	parsePeerFlags(fs, args)
	gen, err := lookupGeneration(common.generation)
	if err != nil {
		return err
	}
	if *connect == "" {
		fmt.Fprintln(os.Stderr, "peer client: --connect is required")
		os.Exit(2)
	}
	if *bigSymbols < 0 {
		fmt.Fprintln(os.Stderr, "peer client: --big-symbols wants a count >= 0")
		os.Exit(2)
	}
	if *rate < 0 {
		fmt.Fprintln(os.Stderr, "peer client: --rate wants a number of records a second >= 0")
		os.Exit(2)
	}
	if *bigSymbols > 0 && gen.name() != "marshal" {
		// A gob-generation SymbolPacket carries no function table.
		fmt.Fprintln(os.Stderr, "peer client: --big-symbols needs --generation marshal")
		os.Exit(2)
	}
	if !isFlagSet(fs, "version") {
		*version = gen.protocolVersion()
	}

	cl := &peerClient{
		gen:        gen,
		out:        &peerOut{w: os.Stdout},
		wantCmds:   *waitCmds,
		cmdsDone:   make(chan struct{}),
		readerDone: make(chan struct{}),
	}
	common.start("client", cl.out)

	if !strings.HasPrefix(*connect, "tcp://") {
		return fmt.Errorf("invalid protocol in %q (only tcp:// is supported)", *connect)
	}
	nc, err := dialWithRetries(strings.TrimPrefix(*connect, "tcp://"))
	if err != nil {
		return err
	}
	cl.c = newPeerConn(gen, nc)
	logf("peer client (%s generation): connected to %s from %s", gen.name(), nc.RemoteAddr(), nc.LocalAddr())

	if err := cl.negotiate(*app, *secret, *version); err != nil {
		cl.c.close(err.Error())
		cl.out.final(newPeerEvent("rejected").str("reason", err.Error()).String())
		logf("peer client: negotiation failed: %v", err)
		return errReported
	}

	go cl.readLoop()
	stopPing := make(chan struct{})
	defer close(stopPing)
	if *pingInterval > 0 {
		go cl.pingLoop(*pingInterval, stopPing)
	}
	if d := gen.flushInterval(); d > 0 {
		go cl.flushLoop(d, stopPing)
	}

	if err := cl.sendRecords(*symbols, *bigSymbols, *funclogs, *rate, *big); err != nil {
		return cl.disconnected(err)
	}
	if *packets != "" {
		if err := cl.sendFile(*packets); err != nil {
			return cl.disconnected(err)
		}
	}
	logf("peer client: sent %d funclogs", *funclogs)
	if cl.wantCmds > 0 {
		select {
		case <-cl.cmdsDone:
		case <-cl.readerDone:
		}
	}
	select {
	case <-cl.readerDone:
		return cl.disconnected(nil)
	default:
	}
	if cl.stalled.Load() {
		// The Go client's receive loop is gone but its connection is not:
		// keep it open (and pinging) until the timeout or a signal.
		logf("peer client: the receive loop has stalled; keeping the connection open until the timeout")
		<-cl.readerDone // only a close, which nobody makes, ends it
		return cl.disconnected(nil)
	}
	cl.closing.Store(true)
	if err := cl.c.sendFinal(gen.shutdown()); err != nil {
		cl.closing.Store(false)
		return cl.disconnected(err)
	}
	cl.c.close("closed by client")
	cl.out.final(newPeerEvent("closed").String())
	logf("peer client: sent Shutdown and closed")
	return nil
}

func isFlagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) {
		if f.Name == name {
			set = true
		}
	})
	return set
}

// dialWithRetries dials as the Go client does: 10 attempts, waiting 10 ms
// after the first failure and twice as long after each further one.
func dialWithRetries(addr string) (net.Conn, error) {
	wait := 10 * time.Millisecond
	var err error
	for attempt := 1; attempt <= 10; attempt++ {
		var nc net.Conn
		nc, err = net.Dial("tcp", addr)
		if err == nil {
			return nc, nil
		}
		logf("peer client: connect attempt %d: %v", attempt, err)
		if attempt < 10 {
			time.Sleep(wait)
			wait *= 2
		}
	}
	return nil, err
}

// negotiate sends the ClientHello and checks the server's first packet.
// The answer is awaited for Go's default timeout (10 s).
func (cl *peerClient) negotiate(app, secret, version string) error {
	if err := cl.c.write(cl.gen.clientHello(app, secret, version), true, nil); err != nil {
		return fmt.Errorf("sending ClientHello: %w", err)
	}
	deadline := time.Now().Add(goDefaultTimeout)
	cl.c.nc.SetReadDeadline(deadline)
	p, err := cl.c.recv()
	cl.c.nc.SetReadDeadline(time.Time{})
	if errors.Is(err, errRecvStalled) {
		// The Go client's receive loop is gone, so the ServerHello never
		// arrives: it gives up when its wait for it times out.
		cl.reportStall()
		time.Sleep(time.Until(deadline))
		return fmt.Errorf("no ServerHello within %v: %s", goDefaultTimeout, err)
	}
	if err != nil {
		return fmt.Errorf("no ServerHello: %s", readErrorReason(err))
	}
	if cl.gen.kind(p) != protocol.ServerHelloPacketType {
		return fmt.Errorf("first packet is a %s, not a ServerHelloPacket", packetName(p))
	}
	if v := cl.gen.helloVersion(p); !cl.gen.compatibleVersion(v) {
		return fmt.Errorf("incompatible protocol version %q", v)
	}
	cl.out.emit(newPeerEvent("connected").packet("hello", p).String())
	return nil
}

func (cl *peerClient) readLoop() {
	defer close(cl.readerDone)
	for {
		payload, err := cl.c.recvFrame()
		if errors.Is(err, errRecvStalled) {
			// Nothing more is read; the connection stays open.
			cl.reportStall()
			<-cl.c.closed
			return
		}
		if err != nil {
			cl.c.close(readErrorReason(err))
			return
		}
		p, err := cl.gen.decodePayload(payload)
		if err != nil {
			// The Go client logs the unpack error and goes on with the
			// next frame: the length header still frames the stream.
			cl.out.emit(newPeerEvent("bad-frame").str("error", err.Error()).String())
			logf("peer client: Protocol unpack error: %v (skipped a frame of %d bytes)", err, 4+len(payload))
			continue
		}
		cl.out.emit(newPeerEvent("packet").packet("packet", p).String())
		k := cl.gen.kind(p)
		if cl.gen.clientRejects(k) {
			cl.mu.Lock()
			cl.fatal = true
			cl.mu.Unlock()
			cl.c.close("invalid packet: " + packetName(p) + " is not allowed")
			return
		}
		if k == protocol.StartTraceCmdPacketType || k == protocol.StopTraceCmdPacketType {
			cl.mu.Lock()
			cl.cmds++
			if cl.cmds == cl.wantCmds {
				close(cl.cmdsDone)
			}
			cl.mu.Unlock()
		}
	}
}

// reportStall reports that the receive loop stalled on a big frame, as the
// gob-generation Go client's does.
func (cl *peerClient) reportStall() {
	cl.stalled.Store(true)
	cl.out.emit(newPeerEvent("stalled").str("reason", errRecvStalled.Error()).String())
	logf("peer client: %v; reading nothing more", errRecvStalled)
}

func (cl *peerClient) pingLoop(interval time.Duration, stop <-chan struct{}) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			if cl.closing.Load() {
				return
			}
			if err := cl.c.write(cl.gen.ping(), true, nil); err != nil {
				return
			}
		}
	}
}

// flushLoop sends the buffered packets every interval, as the
// marshal-generation Go client sends its batch.
func (cl *peerClient) flushLoop(interval time.Duration, stop <-chan struct{}) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			if cl.closing.Load() {
				return
			}
			if err := cl.c.flush(); err != nil {
				return
			}
		}
	}
}

// sendRecords writes the symbols and funclogs through the buffered writer
// and flushes at the end. A big symbol table (bigSymbols functions) goes
// first, alone and flushed at once, as the Go client's SendLarge sends it.
// With rate > 0 the funclogs are paced (see paceRecord).
func (cl *peerClient) sendRecords(symbols bool, bigSymbols, n, rate int, big bool) error {
	switch {
	case bigSymbols > 0:
		frame, err := cl.c.frame(marshalPeerBigSymbols(bigSymbols))
		if err != nil {
			return err
		}
		if err := cl.c.writeFrame(frame, true, nil); err != nil {
			return err
		}
		logf("peer client: sent a SymbolPacket of %d functions: a frame of %d bytes", bigSymbols, len(frame))
	case symbols:
		if err := cl.c.write(cl.gen.symbols(), false, nil); err != nil {
			return err
		}
	}
	start := time.Now()
	for i := 1; i <= n; i++ {
		if rate > 0 {
			if err := cl.paceRecord(start, i, rate); err != nil {
				return err
			}
		}
		if err := cl.c.write(cl.gen.funcLog(i), false, nil); err != nil {
			return err
		}
	}
	if big {
		err := cl.c.write(cl.gen.bigFuncLog(n+1), false, nil)
		switch {
		case errors.Is(err, cl.gen.packLimitError()):
			cl.out.emit(newPeerEvent("dropped").str("reason", err.Error()).String())
		case err != nil:
			return err
		default:
			logf("peer client: the big funclog was sent (this generation has no 2048-byte limit)")
		}
	}
	return cl.c.flush()
}

// paceRecord waits until record i of a run started at start is due: i/rate
// seconds after start, by the wall clock, so that a late record is sent at
// once and the run catches up. A generation without a batch interval (gob)
// sends what is buffered before it waits, so that every record leaves when
// it is due; the marshal generation's 100 ms batches go on as they are.
func (cl *peerClient) paceRecord(start time.Time, i, rate int) error {
	due := start.Add(time.Duration(int64(i) * int64(time.Second) / int64(rate)))
	wait := time.Until(due)
	if wait <= 0 {
		return nil
	}
	if cl.gen.flushInterval() == 0 {
		if err := cl.c.flush(); err != nil {
			return err
		}
	}
	time.Sleep(wait)
	return nil
}

// sendFile sends the packets of a file of JSON lines through the buffered
// writer, as the Go client sends what its tracer hands it, and flushes at
// the end.
func (cl *peerClient) sendFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 128<<20)
	n := 0
	for sc.Scan() {
		line := sc.Bytes()
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		p, err := packetFromJSON(cl.gen, line)
		if err != nil {
			return fmt.Errorf("%s: line %d: %w", path, n+1, err)
		}
		if err := cl.c.write(p, false, nil); err != nil {
			return err
		}
		n++
	}
	if err := sc.Err(); err != nil {
		return err
	}
	logf("peer client: sent %d packets of %s", n, path)
	return cl.c.flush()
}

// disconnected reports the end of a connection that the client did not
// close itself; writeErr is a failed write, if that is how it was noticed.
func (cl *peerClient) disconnected(writeErr error) error {
	if writeErr != nil {
		// The reader usually sees why; give it a moment.
		select {
		case <-cl.readerDone:
		case <-time.After(2 * time.Second):
		}
		cl.c.close(writeErr.Error())
	}
	reason := cl.c.closeReason()
	cl.out.final(newPeerEvent("disconnected").str("reason", reason).String())
	cl.mu.Lock()
	fatal, cmds := cl.fatal, cl.cmds
	cl.mu.Unlock()
	logf("peer client: disconnected: %s (%d of %d commands arrived)", reason, cmds, cl.wantCmds)
	if fatal || cmds < cl.wantCmds {
		return errReported
	}
	return nil
}
