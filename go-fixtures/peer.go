package main

// peer plays the Go goapptrace peers (server or client) over TCP, for live
// interop tests driven by the Rust tests over loopback.
//
//	peer server [--listen HOST:PORT] [--generation gob|marshal] [--timeout DUR]
//	            [--quiet] [--expect N] [--summary]
//	peer client --connect tcp://HOST:PORT [--app NAME] [--secret S] [--symbols]
//	            [--big-symbols N] [--funclogs N] [--rate N] [--big-funclog]
//	            [--packets FILE] [--wait-commands K] [--ping-interval DUR]
//	            [--version V] [--generation gob|marshal] [--timeout DUR]
//
// Machine-readable output goes to stdout, one JSON object per line (flushed
// at once); packets appear in the packet JSON form of goapptrace-verify and
// the goapptrace manifest: {"packet":"<GoTypeName>", <Go fields...>}. Human
// logs go to stderr. After --timeout (default 60s) the process prints
// {"event":"timeout"} and exits with status 3; SIGINT/SIGTERM end it at once
// (status 130/143).
//
// Receiving is done as the Go peers of the generation do it (peer_recv.go):
//
//   - Gob generation: through xtcp's 4096-byte receive buffer, which needs
//     256 free bytes before every socket read. A frame of up to 3841 bytes
//     (length included) always gets through; a bigger one only if its last
//     part arrives in the same read as the rest that fits, one over 4096
//     bytes never. When the buffer stalls, the peer logs "Conn Recv error:
//     xtcp.buffer: required space beyond the upper limit", prints a
//     "stalled" event and reads nothing more from that connection, without
//     closing it: the socket stays open until the connection is closed
//     otherwise (stdin command or end, timeout, signal).
//   - Marshal generation: frames up to 100 MiB (length included); a bigger
//     one makes the peer drop the connection.
//
// In both generations a complete frame whose payload does not decode is
// skipped, as the Go peers skip it: the error is logged, a "bad-frame" event
// printed, and the next frame read (the length header still frames the
// stream). Only the hello that opens a connection must decode; a bad one
// rejects the connection.
//
// Sending: the gob-generation peer cannot send a frame over 2048 bytes (it is
// dropped with "Protocol pack error: ..."). The marshal-generation server
// packs every command it sends from stdin into a fixed 1024-byte buffer, as
// the Go server's Proto.PackTo does: a longer frame goes out cut to its
// first 1024 bytes with the length header rewritten to 1020, while the byte
// count inside the payload still states the full length. The server prints
// its "sent" event all the same (the Go server does not notice) and logs the
// truncation on stderr.
//
// The client's records, gob generation (--generation gob, the default).
// With --symbols the client first sends
//
//	SymbolPacket{Symbols: &Symbols{Writable: true, KeepID: false}}
//
// then, for i = 1..N (--funclogs N), RawFuncLogNewPacket{FuncLog: &RawFuncLog{
//
//	ID:        i,
//	Tag:       "funcStart" if i is odd, else "funcEnd",
//	Timestamp: 1511136000000000000 + i,
//	Frames:    [i, i+1, i+2],
//	GID:       i % 7,
//	TxID:      i,
//
// }}, as fast as possible; with --rate R (R > 0, both generations) record i
// goes out no earlier than i/R seconds after the funclogs began, by the wall
// clock (peer_client.go). With --big-funclog it then tries to send record
// i = N+1 built the same way except Tag "funcStart" and Frames [2^32,
// 2^32+1, ..., 2^32+399] (400 frames, a gob frame of about 2.7 KB), which
// the gob-generation Go peer cannot send: it is dropped with the log line
// "Protocol pack error: xtcp.buffer: required space beyond the upper
// limit".
//
// The client's records, marshal generation (--generation marshal). The
// ClientHello carries PID 4242 and Host "go-peer-host". With --symbols the
// client first sends
//
//	SymbolPacket{SymbolsData{
//		Files: ["/src/main.go"],
//		Mods:  [{Name: "main", MinPC: 4096, MaxPC: 8192}],
//		Funcs: [{Entry: 4100, Name: "main.main"}],
//		Lines: [{PC: 4100, FileID: 0, Line: 10}],
//	}}
//
// With --big-symbols N (N > 0; marshal generation only, with gob it is a
// usage error) the client sends instead, first, alone and flushed at once
// (as the Go client's SendLarge sends its symbol table), before the
// funclogs,
//
//	SymbolPacket{SymbolsData{
//		Files: ["/src/main.go"],
//		Mods:  [{Name: "main", MinPC: 4096, MaxPC: 4096 + 16*N}],
//		Funcs: for i = 0..N-1: {Entry: 4096 + 16*i,
//		        Name: fmt.Sprintf("main.func%07d_%s", i, strings.Repeat("x", 40))},
//		Lines: for i = 0..N-1: {PC: 4096 + 16*i, FileID: 0, Line: i + 1},
//	}}
//
// (89 bytes per function: about 235 000 functions make a 20 MiB frame).
//
// then, for i = 1..N (--funclogs N), RawFuncLogPacket{FuncLog: &RawFuncLog{
//
//	ID:        i,
//	Tag:       (i+1) % 2 (0 funcStart if i is odd, 1 funcEnd if even),
//	Timestamp: 1533657600000000000 + i,
//	Frames:    [i, i+1, i+2],
//	GID:       i % 7,
//	TxID:      i,
//
// }}. --big-funclog builds record N+1 as the gob generation does (Tag 0,
// 400 frames from 2^32); this generation sends it (about 3.2 KB). Records
// are batched as the Go client batches them: buffered, and flushed at least
// every 100 ms and when all are written. The marshal server closes a
// connection that sends it anything but Ping, Shutdown (read as Ping),
// Symbol or RawFuncLog after the hello; the client closes on Symbol or
// RawFuncLog. Packets on the server's stdin are given in this generation's
// JSON form (goapptrace-marshal-verify's).
//
// With --packets FILE (both generations) the client then sends the packets
// of FILE, JSON lines in the generation's form (as the server's stdin takes
// them), through its buffered writer, and flushes at the end: the Go side
// of the cli_e2e benchmark.
//
// A protocol generation is a peerGeneration: the frame payload codec plus the
// packets and rules that differ between generations: "gob" (peer_gob.go) and
// "marshal" (peer_marshal.go), chosen with --generation.

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"reflect"
	"strconv"
	"sync"
	"syscall"
	"time"

	"goapptrace-proto/go-fixtures/protocol"
)

// The client's deterministic records (see the comment above).
const (
	funcLogBaseTime     int64 = 1511136000000000000
	bigFuncLogFrames          = 400
	bigFuncLogFrameBase       = uint64(1) << 32
)

// Go's DefaultTimeout of the tracer protocol (10 s). The client waits this
// long for the ServerHello; everything else is bounded by --timeout.
const goDefaultTimeout = 10 * time.Second

// frameCodec turns one packet into a frame payload and back. The frame around
// it (4-byte big-endian length, then the payload) is the same in every
// generation.
type frameCodec interface {
	// encodePayload encodes p, a pointer to a packet.
	encodePayload(p any) ([]byte, error)
	// decodePayload decodes a payload as the receiving Go peer does,
	// including the packet factory's quirks; it returns a packet pointer.
	decodePayload(payload []byte) (any, error)
}

// peerGeneration is one protocol generation as the Go peers speak it.
type peerGeneration interface {
	frameCodec
	name() string
	// maxSendFrame is the largest frame (length included) the Go peer can
	// send; a larger one is dropped with packLimitError.
	maxSendFrame() int
	packLimitError() error
	// newFrameReader returns the Go peer's receive loop over r.
	newFrameReader(r io.Reader) frameReader
	// aloneSendBuffer is the size of the fixed buffer the Go server packs a
	// packet sent alone (a command) into; a larger frame goes out cut to
	// it. 0: no such buffer.
	aloneSendBuffer() int
	protocolVersion() string
	compatibleVersion(v string) bool
	// flushInterval is how often the Go client sends its batch of buffered
	// packets; 0: records are flushed only when all are written.
	flushInterval() time.Duration
	// kind returns the PacketType a decoded packet is handled as.
	kind(p any) protocol.PacketType
	clientHello(app, secret, version string) any
	serverHello() any
	// helloVersion returns the ProtocolVersion of a Client/ServerHello.
	helloVersion(p any) string
	ping() any
	shutdown() any
	symbols() any
	funcLog(i int) any
	bigFuncLog(i int) any
	// packetNamed returns a pointer to a zero packet of a Go type name.
	packetNamed(name string) (any, error)
	// serverRejects and clientRejects say which received packets make the
	// Go server or client close the connection.
	serverRejects(k protocol.PacketType) bool
	clientRejects(k protocol.PacketType) bool
}

func lookupGeneration(name string) (peerGeneration, error) {
	switch name {
	case "gob":
		return gobGeneration{}, nil
	case "marshal":
		return marshalGeneration{}, nil
	}
	return nil, fmt.Errorf("unknown generation %q (known: gob, marshal)", name)
}

// runPeer is the peer subcommand.
func runPeer(args []string) error {
	if len(args) < 1 {
		return errors.New("usage: peer server|client [flags] (see -h)")
	}
	switch args[0] {
	case "server":
		return runPeerServer(args[1:])
	case "client":
		return runPeerClient(args[1:])
	}
	return fmt.Errorf("unknown peer mode %q (want server or client)", args[0])
}

// peerCommon holds the flags every mode has.
type peerCommon struct {
	timeout    time.Duration
	generation string
}

func (c *peerCommon) register(fs *flag.FlagSet) {
	fs.DurationVar(&c.timeout, "timeout", 60*time.Second, "exit with status 3 after this long")
	fs.StringVar(&c.generation, "generation", "gob", "protocol generation (gob|marshal)")
}

// parsePeerFlags parses args; a usage error exits with status 2.
func parsePeerFlags(fs *flag.FlagSet, args []string) {
	fs.SetOutput(os.Stderr)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		os.Exit(2)
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "%s: unexpected arguments %q\n", fs.Name(), fs.Args())
		os.Exit(2)
	}
}

// start installs the watchdog and the signal handler.
func (c *peerCommon) start(mode string, out *peerOut) {
	if c.timeout > 0 {
		time.AfterFunc(c.timeout, func() {
			out.final(newPeerEvent("timeout").String())
			fmt.Fprintf(os.Stderr, "peer %s: timeout: still running after %v, exiting\n", mode, c.timeout)
			os.Exit(3)
		})
	}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		s := <-sigs
		out.final("")
		fmt.Fprintf(os.Stderr, "peer %s: %v, exiting\n", mode, s)
		code := 128 + int(syscall.SIGTERM)
		if s == syscall.SIGINT {
			code = 128 + int(syscall.SIGINT)
		}
		os.Exit(code)
	}()
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
}

// peerOut writes JSON lines to stdout, one write per line.
type peerOut struct {
	mu   sync.Mutex
	w    io.Writer
	done bool
}

func (o *peerOut) emit(line string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if !o.done {
		io.WriteString(o.w, line+"\n")
	}
}

// final writes line (unless empty) and suppresses every later line.
func (o *peerOut) final(line string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if !o.done && line != "" {
		io.WriteString(o.w, line+"\n")
	}
	o.done = true
}

// peerEvent builds one JSON output line, members in the order added.
type peerEvent struct {
	r renderer
}

func newPeerEvent(name string) *peerEvent {
	e := &peerEvent{}
	e.r.WriteString(`{"event":`)
	e.r.str(name)
	return e
}

func (e *peerEvent) key(k string) {
	e.r.WriteByte(',')
	e.r.str(k)
	e.r.WriteByte(':')
}

func (e *peerEvent) num(k string, v int) *peerEvent {
	e.key(k)
	e.r.WriteString(strconv.Itoa(v))
	return e
}

func (e *peerEvent) str(k, v string) *peerEvent {
	e.key(k)
	e.r.str(v)
	return e
}

// packet adds a packet in its manifest JSON form.
func (e *peerEvent) packet(k string, p any) *peerEvent {
	e.key(k)
	e.r.WriteString(renderPacket(p))
	return e
}

func (e *peerEvent) String() string { return e.r.String() + "}" }

// peerConn is one connection: frames out through a buffered writer (under a
// lock, so the pinger and the main flow can share it) and frames in.
type peerConn struct {
	gen peerGeneration
	nc  net.Conn
	r   frameReader

	wmu  sync.Mutex
	w    *bufio.Writer
	dead bool // no more writes; guarded by wmu

	closeOnce sync.Once
	closed    chan struct{} // closed by close
	reasonMu  sync.Mutex
	reason    string
}

func newPeerConn(gen peerGeneration, nc net.Conn) *peerConn {
	return &peerConn{
		gen:    gen,
		nc:     nc,
		r:      gen.newFrameReader(nc),
		w:      bufio.NewWriterSize(nc, 64<<10),
		closed: make(chan struct{}),
	}
}

var errConnClosed = errors.New("connection closed")

// frame encodes p into a whole frame, or fails with the generation's pack
// error (after logging it) when the Go peer could not send it.
func (c *peerConn) frame(p any) ([]byte, error) {
	payload, err := c.gen.encodePayload(p)
	if err != nil {
		return nil, err
	}
	if max := c.gen.maxSendFrame(); max > 0 && 4+len(payload) > max {
		err := c.gen.packLimitError()
		logf("%v", err)
		return nil, err
	}
	frame := make([]byte, 4+len(payload))
	binary.BigEndian.PutUint32(frame, uint32(len(payload)))
	copy(frame[4:], payload)
	return frame, nil
}

// write buffers one packet; flush sends it. then, if not nil, runs under the
// write lock after a successful write (and flush), so that an event it
// prints comes before the disconnect event of the connection.
func (c *peerConn) write(p any, flush bool, then func()) error {
	frame, err := c.frame(p)
	if err != nil {
		return err
	}
	return c.writeFrame(frame, flush, then)
}

// writeFrame buffers a whole frame; see write.
func (c *peerConn) writeFrame(frame []byte, flush bool, then func()) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.dead {
		return errConnClosed
	}
	if _, err := c.w.Write(frame); err != nil {
		return err
	}
	if flush {
		if err := c.w.Flush(); err != nil {
			return err
		}
	}
	if then != nil {
		then()
	}
	return nil
}

func (c *peerConn) flush() error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.dead {
		return errConnClosed
	}
	return c.w.Flush()
}

// sendFinal sends a packet with a short write deadline (used for the
// Shutdown before a close, so a peer that does not read cannot block it).
func (c *peerConn) sendFinal(p any) error {
	c.nc.SetWriteDeadline(time.Now().Add(2 * time.Second))
	return c.write(p, true, nil)
}

// recvFrame reads the payload of the next frame through the generation's
// receive loop.
func (c *peerConn) recvFrame() ([]byte, error) {
	return c.r.next()
}

// recv reads one frame and decodes it; a payload that does not decode is an
// error (used for the hellos, where the Go peers reject such a frame).
func (c *peerConn) recv() (any, error) {
	payload, err := c.recvFrame()
	if err != nil {
		return nil, err
	}
	p, err := c.gen.decodePayload(payload)
	if err != nil {
		return nil, fmt.Errorf("decode error: %w", err)
	}
	return p, nil
}

// close closes the connection; the first reason given sticks.
func (c *peerConn) close(reason string) {
	c.reasonMu.Lock()
	if c.reason == "" {
		c.reason = reason
	}
	c.reasonMu.Unlock()
	c.closeOnce.Do(func() {
		c.nc.Close()
		close(c.closed)
	})
	c.wmu.Lock()
	c.dead = true
	c.wmu.Unlock()
}

func (c *peerConn) closeReason() string {
	c.reasonMu.Lock()
	defer c.reasonMu.Unlock()
	return c.reason
}

// readErrorReason words a receive error as a disconnect reason.
func readErrorReason(err error) string {
	if errors.Is(err, io.EOF) {
		return "EOF"
	}
	return err.Error()
}

// packetName is the Go type name of a packet pointer.
func packetName(p any) string {
	t := reflect.TypeOf(p)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.Name()
}

// packetFromJSON builds a packet from its manifest JSON form. Fields left out
// are zero; unknown fields are an error. Integers may also be given as
// decimal strings.
func packetFromJSON(gen peerGeneration, data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var x any
	if err := dec.Decode(&x); err != nil {
		return nil, err
	}
	m, ok := x.(map[string]any)
	if !ok {
		return nil, errors.New("packet: not a JSON object")
	}
	name, ok := m["packet"].(string)
	if !ok {
		return nil, errors.New(`packet: no "packet" name`)
	}
	p, err := gen.packetNamed(name)
	if err != nil {
		return nil, err
	}
	delete(m, "packet")
	if err := fillStruct(reflect.ValueOf(p).Elem(), m); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return p, nil
}

func fillStruct(v reflect.Value, m map[string]any) error {
	for k, x := range m {
		// Fields of an embedded struct are given promoted, as rendered;
		// the embedded field itself is not a member.
		f, ok := v.Type().FieldByName(k)
		if !ok || !f.IsExported() || f.Anonymous {
			return fmt.Errorf("unknown field %q", k)
		}
		if err := fillValue(v.FieldByIndex(f.Index), x); err != nil {
			return fmt.Errorf("%s: %w", k, err)
		}
	}
	return nil
}

func fillValue(v reflect.Value, x any) error {
	if x == nil {
		v.SetZero()
		return nil
	}
	switch v.Kind() {
	case reflect.Pointer:
		n := reflect.New(v.Type().Elem())
		if err := fillValue(n.Elem(), x); err != nil {
			return err
		}
		v.Set(n)
	case reflect.Struct:
		m, ok := x.(map[string]any)
		if !ok {
			return fmt.Errorf("want an object for %s", v.Type())
		}
		return fillStruct(v, m)
	case reflect.Slice:
		a, ok := x.([]any)
		if !ok {
			return fmt.Errorf("want an array for %s", v.Type())
		}
		s := reflect.MakeSlice(v.Type(), len(a), len(a))
		for i, e := range a {
			if err := fillValue(s.Index(i), e); err != nil {
				return fmt.Errorf("[%d]: %w", i, err)
			}
		}
		v.Set(s)
	case reflect.Bool:
		b, ok := x.(bool)
		if !ok {
			return fmt.Errorf("want a bool for %s", v.Type())
		}
		v.SetBool(b)
	case reflect.String:
		s, ok := x.(string)
		if !ok {
			return fmt.Errorf("want a string for %s", v.Type())
		}
		v.SetString(s)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, err := strconv.ParseInt(numberText(x), 10, 64)
		if err != nil || v.OverflowInt(n) {
			return fmt.Errorf("bad %s %v", v.Type(), x)
		}
		v.SetInt(n)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		n, err := strconv.ParseUint(numberText(x), 10, 64)
		if err != nil || v.OverflowUint(n) {
			return fmt.Errorf("bad %s %v", v.Type(), x)
		}
		v.SetUint(n)
	default:
		return fmt.Errorf("unsupported field type %s", v.Type())
	}
	return nil
}

func numberText(x any) string {
	switch x := x.(type) {
	case json.Number:
		return string(x)
	case string:
		return x
	}
	return fmt.Sprint(x) // not a number: fails to parse
}
