package main

// peer server: plays the Go goapptrace server.
//
// stdout events, in order of occurrence:
//
//	{"event":"listening","address":"tcp://127.0.0.1:PORT"}
//	{"event":"rejected","client":N,"reason":"..."}
//	{"event":"connected","client":N,"hello":<ClientHelloPacket>}
//	{"event":"packet","client":N,"packet":<packet>}
//	{"event":"symbols","client":N,"files":F,"mods":M,"funcs":K,"lines":L,
//	 "first_func":"...","last_func":"..."}       a SymbolPacket, with --summary
//	{"event":"bad-frame","client":N,"error":"..."}  a frame that does not decode, skipped
//	{"event":"stalled","client":N,"reason":"Conn Recv error: xtcp.buffer: required space beyond the upper limit"}
//	{"event":"sent","client":N,"packet":<packet>}
//	{"event":"send-error","client":N,"packet":<packet>,"error":"..."}
//	{"event":"command-error","line":"...","error":"..."}
//	{"event":"disconnected","client":N,"reason":"..."}
//	{"event":"stopped"}
//
// "stalled" (gob generation) means the receive buffer stalled on a big frame
// (see peer.go): nothing more is read from client N, but its connection
// stays open, and commands can still be sent to it, until a close command
// or the end of stdin closes it ("disconnected"). A stall before the
// ClientHello was read ends, at the end of stdin, in "rejected". A "sent" packet of the marshal generation may
// have gone out truncated to 1024 bytes (see peer.go; logged on stderr).
//
// stdin commands, one JSON object per line:
//
//	{"client":N,"packet":<packet>}   send a packet to client N
//	{"close":N}                      send ShutdownPacket to client N, then close
//
// EOF on stdin sends Shutdown to every client, closes them all, prints
// stopped and exits 0.
//
// For the ingest benchmark, --quiet prints no packet events and --expect N
// prints {"event":"received","total":N} once N funclogs have arrived in
// all (counted as they are decoded).
//
// --summary (marshal generation only; with gob it is a usage error) prints
// a received SymbolPacket as a "symbols" event instead of a "packet" event:
// the number of Files, Mods, Funcs and Lines, and the Name of the first and
// the last of Funcs ("" when there are none), so that a test of a symbol
// table of many MiB need not read it back in full. Every other packet is
// printed as without it.

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	mp "goapptrace-proto/go-fixtures/marshalproto"
	"goapptrace-proto/go-fixtures/protocol"
)

type peerServer struct {
	gen peerGeneration
	out *peerOut

	quiet    bool
	summary  bool
	expect   int64
	funclogs atomic.Int64

	mu       sync.Mutex
	nextID   int
	conns    map[int]*peerConn // every open connection, negotiated or not
	ready    map[int]bool      // negotiated connections
	stopping bool
	wg       sync.WaitGroup // connection goroutines
}

func runPeerServer(args []string) error {
	var common peerCommon
	fs := flag.NewFlagSet("peer server", flag.ContinueOnError)
	listen := fs.String("listen", "127.0.0.1:0", "address to listen on (HOST:PORT or tcp://HOST:PORT)")
	quiet := fs.Bool("quiet", false, "print no packet events (for benchmarks)")
	expect := fs.Int64("expect", 0, `print {"event":"received","total":N} once N funclogs have arrived`)
	summary := fs.Bool("summary", false, `print a SymbolPacket as {"event":"symbols",...} counts, not in full (marshal generation only)`)
	common.register(fs)
	parsePeerFlags(fs, args)
	gen, err := lookupGeneration(common.generation)
	if err != nil {
		return err
	}
	if *summary && gen.name() != "marshal" {
		// A gob-generation SymbolPacket carries no tables to count.
		fmt.Fprintln(os.Stderr, "peer server: --summary needs --generation marshal")
		os.Exit(2)
	}

	s := &peerServer{gen: gen, out: &peerOut{w: os.Stdout}, conns: map[int]*peerConn{}, ready: map[int]bool{},
		quiet: *quiet, summary: *summary, expect: *expect}
	common.start("server", s.out)

	addr := *listen
	if strings.Contains(addr, "://") {
		if !strings.HasPrefix(addr, "tcp://") {
			return fmt.Errorf("invalid protocol in %q (only tcp:// is supported)", addr)
		}
		addr = strings.TrimPrefix(addr, "tcp://")
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	s.out.emit(newPeerEvent("listening").str("address", "tcp://"+ln.Addr().String()).String())
	logf("peer server (%s generation): listening on %s", gen.name(), ln.Addr())

	go s.acceptLoop(ln)
	s.commandLoop()

	// stdin is at its end: stop.
	ln.Close()
	s.mu.Lock()
	s.stopping = true
	ids := make([]int, 0, len(s.conns))
	for id := range s.conns {
		ids = append(ids, id)
	}
	s.mu.Unlock()
	sort.Ints(ids)
	for _, id := range ids {
		s.closeClient(id, "server stopped")
	}
	s.wg.Wait()
	s.out.final(newPeerEvent("stopped").String())
	logf("peer server: stopped")
	return nil
}

func (s *peerServer) acceptLoop(ln net.Listener) {
	for {
		nc, err := ln.Accept()
		if err != nil {
			if !errors.Is(err, net.ErrClosed) {
				logf("peer server: accept: %v", err)
			}
			return
		}
		s.mu.Lock()
		if s.stopping {
			s.mu.Unlock()
			nc.Close()
			continue
		}
		s.nextID++
		id := s.nextID
		c := newPeerConn(s.gen, nc)
		s.conns[id] = c
		s.wg.Add(1)
		s.mu.Unlock()
		logf("peer server: client %d: accepted %s", id, nc.RemoteAddr())
		go s.serve(id, c)
	}
}

// serve negotiates, then reads packets until the connection ends.
func (s *peerServer) serve(id int, c *peerConn) {
	defer s.wg.Done()
	defer func() {
		s.mu.Lock()
		delete(s.conns, id)
		delete(s.ready, id)
		s.mu.Unlock()
	}()

	reject := func(reason string) {
		c.close(reason)
		s.out.emit(newPeerEvent("rejected").num("client", id).str("reason", c.closeReason()).String())
		logf("peer server: client %d: rejected: %s", id, c.closeReason())
	}
	p, err := c.recv()
	if errors.Is(err, errRecvStalled) {
		s.stalled(id, c)
		reject("no ClientHello: " + err.Error())
		return
	}
	if err != nil {
		reject("no ClientHello: " + readErrorReason(err))
		return
	}
	if s.gen.kind(p) != protocol.ClientHelloPacketType {
		reject("first packet is a " + packetName(p) + ", not a ClientHelloPacket")
		return
	}
	if v := s.gen.helloVersion(p); !s.gen.compatibleVersion(v) {
		reject(fmt.Sprintf("incompatible protocol version %q", v))
		return
	}
	err = c.write(s.gen.serverHello(), true, func() {
		s.mu.Lock()
		s.ready[id] = true
		s.mu.Unlock()
		s.out.emit(newPeerEvent("connected").num("client", id).packet("hello", p).String())
	})
	if err != nil {
		c.close("sending ServerHello: " + err.Error())
	} else {
		s.receive(id, c)
	}

	s.mu.Lock()
	wasReady := s.ready[id]
	s.mu.Unlock()
	if wasReady {
		s.out.emit(newPeerEvent("disconnected").num("client", id).str("reason", c.closeReason()).String())
		logf("peer server: client %d: disconnected: %s", id, c.closeReason())
	} else {
		s.out.emit(newPeerEvent("rejected").num("client", id).str("reason", c.closeReason()).String())
	}
}

// receive handles the packets of a negotiated client until the connection
// is closed (by either side, or for a forbidden packet).
func (s *peerServer) receive(id int, c *peerConn) {
	for {
		payload, err := c.recvFrame()
		if errors.Is(err, errRecvStalled) {
			s.stalled(id, c)
			return
		}
		if err != nil {
			c.close(readErrorReason(err))
			return
		}
		p, err := s.gen.decodePayload(payload)
		if err != nil {
			// The Go server logs the unpack error and goes on with the
			// next frame: the length header still frames the stream.
			s.out.emit(newPeerEvent("bad-frame").num("client", id).str("error", err.Error()).String())
			logf("peer server: client %d: Protocol unpack error: %v (skipped a frame of %d bytes)", id, err, 4+len(payload))
			continue
		}
		if !s.quiet {
			s.out.emit(s.packetEvent(id, p))
		}
		if s.expect > 0 && s.gen.kind(p) == protocol.RawFuncLogNewPacketType && s.funclogs.Add(1) == s.expect {
			s.out.emit(newPeerEvent("received").num("total", int(s.expect)).String())
		}
		if s.gen.serverRejects(s.gen.kind(p)) {
			c.close("invalid packet: " + packetName(p) + " is not allowed")
			return
		}
	}
}

// packetEvent is the event for a received packet: the packet in full, or,
// with --summary, a SymbolPacket's counts.
func (s *peerServer) packetEvent(id int, p any) string {
	if sp, ok := p.(*mp.SymbolPacket); ok && s.summary {
		first, last := "", ""
		if n := len(sp.Funcs); n > 0 {
			first, last = sp.Funcs[0].Name, sp.Funcs[n-1].Name
		}
		return newPeerEvent("symbols").num("client", id).
			num("files", len(sp.Files)).num("mods", len(sp.Mods)).
			num("funcs", len(sp.Funcs)).num("lines", len(sp.Lines)).
			str("first_func", first).str("last_func", last).String()
	}
	return newPeerEvent("packet").num("client", id).packet("packet", p).String()
}

// stalled reports that the receive loop of client id has stalled, as the
// gob-generation Go server's does on a big frame, and then waits, reading
// nothing more, until the connection is closed by a command or at the end
// of stdin. The socket stays open: the client sees no error.
func (s *peerServer) stalled(id int, c *peerConn) {
	s.out.emit(newPeerEvent("stalled").num("client", id).str("reason", errRecvStalled.Error()).String())
	logf("peer server: client %d: %v; reading nothing more from it", id, errRecvStalled)
	<-c.closed
}

// client returns negotiated client id.
func (s *peerServer) client(id int) *peerConn {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.ready[id] {
		return nil
	}
	return s.conns[id]
}

// closeClient sends a Shutdown (if negotiated) and closes.
func (s *peerServer) closeClient(id int, reason string) {
	s.mu.Lock()
	c, ready := s.conns[id], s.ready[id]
	s.mu.Unlock()
	if c == nil {
		return
	}
	if ready {
		if err := c.sendFinal(s.gen.shutdown()); err != nil {
			logf("peer server: client %d: sending Shutdown: %v", id, err)
		}
	}
	c.close(reason)
}

func (s *peerServer) commandLoop() {
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		if err := s.command(line); err != nil {
			s.out.emit(newPeerEvent("command-error").str("line", line).str("error", err.Error()).String())
			logf("peer server: command %s: %v", line, err)
		}
	}
	if err := sc.Err(); err != nil {
		logf("peer server: reading stdin: %v", err)
	}
}

func (s *peerServer) command(line string) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(line), &m); err != nil {
		return err
	}
	if raw, ok := m["close"]; ok {
		if len(m) != 1 {
			return errors.New(`"close" takes no other members`)
		}
		var id int
		if err := json.Unmarshal(raw, &id); err != nil {
			return fmt.Errorf("close: %w", err)
		}
		if s.client(id) == nil {
			return fmt.Errorf("close: no connected client %d", id)
		}
		s.closeClient(id, "closed by command")
		return nil
	}
	rawID, ok1 := m["client"]
	rawPacket, ok2 := m["packet"]
	if !ok1 || !ok2 || len(m) != 2 {
		return errors.New(`want {"client":N,"packet":{...}} or {"close":N}`)
	}
	var id int
	if err := json.Unmarshal(rawID, &id); err != nil {
		return fmt.Errorf("client: %w", err)
	}
	p, err := packetFromJSON(s.gen, rawPacket)
	if err != nil {
		return err
	}
	sendError := func(err error) {
		s.out.emit(newPeerEvent("send-error").num("client", id).packet("packet", p).str("error", err.Error()).String())
		logf("peer server: client %d: send %s: %v", id, packetName(p), err)
	}
	c := s.client(id)
	if c == nil {
		sendError(fmt.Errorf("no connected client %d", id))
		return nil
	}
	frame, err := c.frame(p)
	if err == nil {
		err = c.writeFrame(s.packAlone(id, p, frame), true, func() {
			s.out.emit(newPeerEvent("sent").num("client", id).packet("packet", p).String())
		})
	}
	if err != nil {
		sendError(err)
	}
	return nil
}

// packAlone returns the frame of a command as the Go server sends it: packed
// into the generation's fixed buffer for packets sent alone. In the marshal
// generation a frame over 1024 bytes goes out cut to 1024 bytes with the
// length header 1020, while the byte count inside the body still states the
// full length, so the client cannot decode it. The Go server does not
// notice; we log it.
func (s *peerServer) packAlone(id int, p any, frame []byte) []byte {
	max := s.gen.aloneSendBuffer()
	if max == 0 || len(frame) <= max {
		return frame
	}
	logf("peer server: client %d: %s: a frame of %d bytes packed into the %d-byte buffer of a packet sent alone goes out truncated to %d bytes (length header %d)",
		id, packetName(p), len(frame), max, max, max-4)
	frame = frame[:max]
	binary.BigEndian.PutUint32(frame, uint32(max-4))
	return frame
}
