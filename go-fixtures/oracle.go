package main

// oracle serves encoding/gob's own decoder and encoder to a differential test
// harness over stdin/stdout:
//
//	go-fixtures oracle            (or: go run . oracle)
//	go-fixtures oracle --worker   (same protocol, one process, no restarts)
//
// Framing: every request (stdin) and every answer (stdout) is a 4-byte
// big-endian length N followed by N bytes of UTF-8 JSON holding one object.
// Each request gets exactly one answer, written and flushed before the next
// request is read; requests may be pipelined. At end of input on a message
// boundary the process exits with status 0; input that ends inside a
// message gets an error answer and exit status 1. A request over 256 MiB is
// skipped and gets an error answer. Unknown request keys are an error.
//
// Requests and answers ("<T>" is a type name from the "types" answer; base64
// is standard base64 with padding; <value> is a JSON value):
//
//	{"op":"types"}
//	  -> {"types":["<T>",...]}
//
//	{"op":"decode","type":"<T>","stream":"<base64>"}
//	{"op":"decode","types":["<T1>","<T2>",...],"stream":"<base64>"}
//	  -> {"accepted":true,"values":[<value>,...],"reencoded":"<base64>"}
//	  -> {"accepted":false,"error":"<Go's error text>"}
//	  -> {"accepted":false,"error":"EOF","eof_in_message":true,"values_before":<K>}
//	  -> {"accepted":false,"error":"oracle: the Go process crashed: <why>","crashed":true}
//	  -> {"accepted":true,"error":"<text>"}   (decoded, but rendering or
//	                                             re-encoding failed)
//
//	{"op":"random","type":"<T>","seed":<uint64>,"count":<N>}
//	  -> {"stream":"<base64>","values":[<value>,...]}
//
//	{"op":"remarshal","type":"<T>","data":"<base64>"}
//	  -> {"ok":true,"data":"<base64>","zero":<bool>,"zero_data":"<base64>"}
//	  -> {"ok":false,"error":"<the method's error>","zero_data":"<base64>"}
//
//	any malformed request (bad JSON, unknown op, unknown type, bad base64,
//	missing or extra keys, count out of range)
//	  -> {"error":"<text>"}
//
// decode: a fresh gob.NewDecoder over the stream decodes values, each into a
// fresh zero value of its type (reflect.New), until io.EOF. With "type"
// every value has that type and the stream may hold any number of values (0
// bytes: accepted, no values, empty re-encoding). With "types" value i has
// type types[i]; the stream must hold exactly len(types) values (fewer or
// more is a rejection whose text starts with "oracle: "). A decode error, or
// a panic (text "panic: ..."), anywhere rejects the whole stream. The
// values are rendered as the corpus's .json files have them (render.go, the
// README's "JSON rendering of gob values"; maps in the order of their keys'
// gob encoding, or of their JSON rendering for struct and array keys);
// "reencoded" is the encoding of exactly those values, in order, by one
// fresh gob.Encoder, each as an addressable value (so that pointer-receiver
// GobEncoders work), not through a pointer: Encode(&t) of a GobEncoder type
// at its first use in the process defines it under the pointer type's empty
// name and a second id (gob's userType of *T), where Encode(t) writes the
// type's own name, as serde_gob does.
//
// eof_in_message: gob's Decode returns io.EOF not only at the clean end of
// the stream but also when a value message ends before its value does. A
// Go loop "until io.EOF" would stop there and keep the K values decoded
// before; the oracle reports it as a rejection with Go's text "EOF" and
// this flag (it tells the two apart by whether the failing Decode consumed
// input).
//
// crashed: requests run in a worker process ("oracle --worker", started
// on the first request) whose address space is capped at 3 GiB. Go's
// decoder pre-sizes a map from the entry count in the stream
// (reflect.MakeMapWithSize), so a corrupt count can make it allocate
// gigabytes or more; the Go runtime then dies ("fatal error: ... out of
// memory", which no recover catches). So does a request that takes
// longer than 5 s (gob loops over a corrupt count of empty structs without
// reading input); its answer also has "timeout":true. The request it died
// on gets a "crashed" answer (an error answer for other ops), the reason
// is logged on stderr and the next request starts a new worker. "oracle --worker" serves
// the same protocol directly (about twice as fast; it exits with status 2
// on such a stream).
//
// remarshal: T must marshal itself (GobEncoder or BinaryMarshaler). A fresh
// *T is given data through the method gob's decoder calls (GobDecode, else
// UnmarshalBinary); "data" is what the method gob's encoder calls then
// writes for it, "zero" whether the value is zero (gob leaves a zero
// value-receiver marshaler out of a struct), and "zero_data" what T's zero
// value writes. A decoder that carries the bytes as they are differs from
// Go's exactly where these differ from data.
//
// random: math/rand seeded with seed makes count (0..10000) values of T;
// one fresh gob.Encoder encodes them, in order, into "stream", and "values"
// renders each. The values are a deterministic function of (T, seed, count);
// the stream bytes are too, except for the order of the entries of a map
// with several entries (Go randomizes map iteration) and the type ids.
//
// Type ids: encoding/gob assigns the ids of Go types process-wide, at their
// first use by any encoder, so the ids in "reencoded" and "stream" follow
// the order in which the worker process first encoded each type (over all
// its earlier requests; a new worker starts afresh), not the order a fresh
// process would use. Compare such streams by decoding them, not byte for
// byte.
//
// fresh: any request may carry "fresh":true. The supervisor then runs it in
// a worker that has encoded nothing yet: it ends the current worker (unless
// that one has not been sent a request yet) and starts a new one. In that
// worker, the first encode of a type gives it and every type reachable
// from it ids from 64 on in Go's first-use order, as a fresh Go process
// (and serde_gob's Registry::new()) would; later requests without "fresh"
// continue that worker's numbering. "oracle --worker" cannot restart
// itself: there "fresh" is an error once the process has encoded. A
// restart costs a few milliseconds; batch requests between them.
//
// Type names are Go's type strings written as in package main: "Person",
// "[]int", "[]uint8", "map[string]any", "[]*Inner", "[3]string",
// "logutil.RawFuncLog", "time.Time", "Shape" (an interface: a top-level
// interface value, as encoded by Encode(&shape)). Also accepted: the same
// with "main." qualifiers and "interface {}" (reflect's spelling), "[]byte",
// and "*" + any accepted name (a pointer; gob flattens it, so it decodes the
// same values). The known types are every top-level type of the gob corpus
// cases (gobcases.go), every named type reachable from them, the concrete
// types registered for interfaces (gobtypes.go's init), and "any".
//
// Random values cover each type generically through reflection: integers
// of every width at 0, ±1, small, power-of-two boundaries, min, max and
// random; floats at 0, -0, NaN, ±Inf, subnormals, max and random bits;
// strings empty, ASCII, non-ASCII, with control characters, long; byte
// slices nil, empty, short and long; slices and maps nil, empty or with a
// few elements; pointer fields nil or not; recursive types bounded to depth
// 4; interfaces nil or holding one of the corpus's registered concrete
// types or of gob's pre-registered basic types that implement them;
// time.Time zero, in UTC, and with zone offsets of whole minutes or not;
// GobEncoder/BinaryMarshaler types from random field values. Unexported,
// func and chan fields stay zero, and so does about a quarter of the other
// struct fields, since gob omits zero fields.

import (
	"bufio"
	"bytes"
	"encoding"
	"encoding/base64"
	"encoding/binary"
	"encoding/gob"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand"
	"os"
	"os/exec"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"sync/atomic"
	"time"
)

const (
	oracleMaxRequest   = 256 << 20
	oracleMaxRandCount = 10000
	oracleWorkerMemory = 3 << 30 // address space of the worker process
	oracleTimeout      = 5 * time.Second
)

type oracleRequest struct {
	Op     string   `json:"op"`
	Type   string   `json:"type"`
	Types  []string `json:"types"`
	Stream *string  `json:"stream"`
	Seed   *uint64  `json:"seed"`
	Count  *int     `json:"count"`
	Fresh  bool     `json:"fresh"`
	Data   *string  `json:"data"`
}

// oracle holds the type table, built once.
type oracle struct {
	byName     map[string]reflect.Type // canonical names and aliases
	names      []string                // canonical names, sorted
	typesReply []byte
	concretes  [2][]reflect.Type // candidates for interface values (see implementations)
	implCache  map[reflect.Type][2][]reflect.Type
}

// oracleEncoded records whether this process has encoded anything, and so
// has assigned gob type ids.
var oracleEncoded bool

var mainQualifier = regexp.MustCompile(`\bmain\.`)

// oracleTypeName is t's name in the protocol: reflect's type string without
// "main." qualifiers and with "any" for the empty interface.
func oracleTypeName(t reflect.Type) string {
	s := mainQualifier.ReplaceAllString(t.String(), "")
	return strings.ReplaceAll(s, "interface {}", "any")
}

func newOracle() *oracle {
	o := &oracle{byName: map[string]reflect.Type{}, implCache: map[reflect.Type][2][]reflect.Type{}}
	add := func(t reflect.Type) {
		name := oracleTypeName(t)
		if _, ok := o.byName[name]; ok {
			return
		}
		o.byName[name] = t
		o.names = append(o.names, name)
		o.byName[t.String()] = t
	}
	seen := map[reflect.Type]bool{}
	var walk func(t reflect.Type, top bool)
	walk = func(t reflect.Type, top bool) {
		switch t.Kind() {
		case reflect.Func, reflect.Chan, reflect.UnsafePointer:
			return
		}
		if t.Kind() != reflect.Pointer && (top || t.Name() != "") {
			add(t)
		}
		if seen[t] {
			return
		}
		seen[t] = true
		if t == timeType {
			return // its fields are unexported
		}
		switch t.Kind() {
		case reflect.Pointer, reflect.Slice, reflect.Array:
			walk(t.Elem(), false)
		case reflect.Map:
			walk(t.Key(), false)
			walk(t.Elem(), false)
		case reflect.Struct:
			for i := 0; i < t.NumField(); i++ {
				if f := t.Field(i); isSentField(f) {
					walk(f.Type, false)
				}
			}
		}
	}
	for _, c := range gobCases() {
		for _, s := range c.streams {
			for _, v := range s {
				walk(baseType(reflect.TypeOf(v)), true)
			}
		}
	}
	// Interface candidates: the concrete types the corpus registers, in
	// their registered form (*Triangle was registered through a pointer),
	// and some of gob's pre-registered basic types; each group by name.
	byRegName := func(types map[string]reflect.Type) []reflect.Type {
		var names []string
		for name := range types {
			names = append(names, name)
		}
		sort.Strings(names)
		var out []reflect.Type
		for _, name := range names {
			out = append(out, types[name])
		}
		return out
	}
	registered := map[string]reflect.Type{}
	for base, name := range concreteNames {
		t := base
		if strings.HasPrefix(name, "*") {
			t = reflect.PointerTo(base)
		}
		registered[name] = t
		walk(base, true)
	}
	o.concretes[0] = byRegName(registered)
	basics := map[string]reflect.Type{}
	for _, v := range []any{
		int(0), int8(0), int16(0), int32(0), int64(0),
		uint(0), uint8(0), uint16(0), uint32(0), uint64(0), uintptr(0),
		float32(0), float64(0), complex64(0), complex128(0), false, "",
		[]byte(nil), []int(nil), []int8(nil), []uint64(nil), []float64(nil), []bool(nil), []string(nil),
	} {
		t := reflect.TypeOf(v)
		basics[registeredName(t)] = t
	}
	o.concretes[1] = byRegName(basics)

	walk(reflect.TypeOf((*any)(nil)).Elem(), true)
	o.byName["[]byte"] = reflect.TypeOf([]byte(nil))
	sort.Strings(o.names)

	var b bytes.Buffer
	b.WriteString(`{"types":[`)
	for i, n := range o.names {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(oracleJSONString(n))
	}
	b.WriteString("]}")
	o.typesReply = b.Bytes()
	return o
}

// lookup resolves a protocol type name.
func (o *oracle) lookup(name string) (reflect.Type, error) {
	if t, ok := o.byName[name]; ok {
		return t, nil
	}
	if strings.HasPrefix(name, "*") {
		t, err := o.lookup(name[1:])
		if err != nil {
			return nil, err
		}
		return reflect.PointerTo(t), nil
	}
	return nil, fmt.Errorf("unknown type %q", name)
}

// implementations returns the interface candidates that implement iface:
// the corpus's registered types and gob's basic ones.
func (o *oracle) implementations(iface reflect.Type) [2][]reflect.Type {
	if c, ok := o.implCache[iface]; ok {
		return c
	}
	var c [2][]reflect.Type
	for i, group := range o.concretes {
		for _, t := range group {
			if t.Implements(iface) {
				c[i] = append(c[i], t)
			}
		}
	}
	o.implCache[iface] = c
	return c
}

func runOracle(args []string) error {
	renderStdTypes = false
	switch {
	case len(args) == 0:
		p := &oracleProxy{}
		err := serveOracleFrames(os.Stdin, os.Stdout, p.forward)
		if serr := p.stop(); err == nil {
			err = serr
		}
		return err
	case len(args) == 1 && args[0] == "--worker":
		limitOracleMemory(oracleWorkerMemory)
		return serveOracleFrames(os.Stdin, os.Stdout, newOracle().handle)
	default:
		return errors.New("usage: oracle (requests on stdin, answers on stdout)")
	}
}

// serveOracleFrames answers the framed requests read from r on w, one at a
// time, until end of input.
func serveOracleFrames(r io.Reader, w io.Writer, handle func([]byte) []byte) error {
	in := bufio.NewReaderSize(r, 64<<10)
	out := bufio.NewWriterSize(w, 64<<10)
	var buf []byte
	answer := func(a []byte) error {
		if err := writeOracleFrame(out, a); err != nil {
			return err
		}
		return out.Flush()
	}
	for {
		var hdr [4]byte
		if _, err := io.ReadFull(in, hdr[:]); err != nil {
			if err == io.EOF {
				return nil
			}
			return truncatedRequest(answer, err)
		}
		n := binary.BigEndian.Uint32(hdr[:])
		if n > oracleMaxRequest {
			if _, err := io.CopyN(io.Discard, in, int64(n)); err != nil {
				return truncatedRequest(answer, err)
			}
			if err := answer(oracleError(fmt.Sprintf("request of %d bytes is over the limit of %d", n, oracleMaxRequest))); err != nil {
				return err
			}
			continue
		}
		if cap(buf) < int(n) {
			buf = make([]byte, n)
		}
		buf = buf[:n]
		if _, err := io.ReadFull(in, buf); err != nil {
			return truncatedRequest(answer, err)
		}
		if err := answer(handle(buf)); err != nil {
			return err
		}
	}
}

func writeOracleFrame(w io.Writer, msg []byte) error {
	var hdr [4]byte
	binary.BigEndian.PutUint32(hdr[:], uint32(len(msg)))
	if _, err := w.Write(hdr[:]); err != nil {
		return err
	}
	_, err := w.Write(msg)
	return err
}

func truncatedRequest(answer func([]byte) error, err error) error {
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	if aerr := answer(oracleError("truncated request: " + err.Error())); aerr != nil {
		return aerr
	}
	return fmt.Errorf("truncated request: %w", err)
}

// oracleProxy runs the requests in a worker process ("oracle --worker")
// whose address space is limited: encoding/gob pre-sizes a map from the
// entry count in the stream (reflect.MakeMapWithSize), so a corrupt count
// can make it allocate gigabytes or more. When the worker dies, the request
// gets a "crashed" answer and the next one starts a new worker.
type oracleProxy struct {
	cmd    *exec.Cmd
	in     *bufio.Writer
	stdin  io.Closer
	out    *bufio.Reader
	stderr chan string // the worker's first stderr bytes, sent at its end
	buf    []byte
	served int // requests sent to the current worker
}

func (p *oracleProxy) start() error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	cmd := exec.Command(self, "oracle", "--worker")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	p.stderr = make(chan string, 1)
	go func(ch chan<- string) {
		head, _ := io.ReadAll(io.LimitReader(stderr, 4096))
		_, _ = io.Copy(io.Discard, stderr)
		ch <- string(head)
	}(p.stderr)
	p.cmd, p.stdin, p.served = cmd, stdin, 0
	p.in = bufio.NewWriterSize(stdin, 64<<10)
	p.out = bufio.NewReaderSize(stdout, 64<<10)
	return nil
}

// forward sends one request to the worker and returns its answer. A
// request with "fresh":true goes to a worker that has served nothing yet.
func (p *oracleProxy) forward(req []byte) []byte {
	if p.cmd != nil && p.served > 0 && wantsFresh(req) {
		if err := p.stop(); err != nil {
			fmt.Fprintf(os.Stderr, "oracle: the worker ended badly before a fresh one: %v\n", err)
		}
	}
	if p.cmd == nil {
		if err := p.start(); err != nil {
			return oracleError("oracle: cannot start the worker: " + err.Error())
		}
	}
	p.served++
	// A worker that takes too long (gob loops over a count from the stream
	// without reading input when a struct is empty) is ended; the request
	// gets a "crashed" answer that says so.
	var timedOut atomic.Bool
	cmd := p.cmd
	timer := time.AfterFunc(oracleTimeout, func() {
		timedOut.Store(true)
		_ = cmd.Process.Kill()
	})
	defer timer.Stop()
	err := writeOracleFrame(p.in, req)
	if err == nil {
		err = p.in.Flush()
	}
	if err == nil {
		var hdr [4]byte
		if _, err = io.ReadFull(p.out, hdr[:]); err == nil {
			n := binary.BigEndian.Uint32(hdr[:])
			if cap(p.buf) < int(n) {
				p.buf = make([]byte, n)
			}
			p.buf = p.buf[:n]
			if _, err = io.ReadFull(p.out, p.buf); err == nil {
				return p.buf
			}
		}
	}
	timer.Stop()
	return p.crashed(req, timedOut.Load())
}

// crashed reaps a dead worker and makes the answer to the request it died
// on.
func (p *oracleProxy) crashed(req []byte, timedOut bool) []byte {
	_ = p.cmd.Process.Kill() // in case it is alive but broke the framing
	stderr := <-p.stderr     // before Wait, which closes the pipe
	waitErr := p.cmd.Wait()
	p.cmd = nil
	why := ""
	for _, line := range strings.Split(stderr, "\n") {
		if strings.HasPrefix(line, "fatal error:") || strings.HasPrefix(line, "runtime:") || strings.HasPrefix(line, "panic:") {
			why = line
			break
		}
	}
	if timedOut {
		why = fmt.Sprintf("no answer within %v", oracleTimeout)
	}
	if why == "" {
		why = fmt.Sprint(waitErr)
	}
	fmt.Fprintf(os.Stderr, "oracle: the worker died (%s: %s); starting a new one\n", waitErr, why)
	text := "oracle: the Go process crashed: " + why
	var op struct {
		Op string `json:"op"`
	}
	if json.Unmarshal(req, &op) == nil && op.Op == "decode" {
		var b bytes.Buffer
		b.WriteString(`{"accepted":false,"error":`)
		b.Write(oracleJSONString(text))
		b.WriteString(`,"crashed":true`)
		if timedOut {
			b.WriteString(`,"timeout":true`)
		}
		b.WriteByte('}')
		return b.Bytes()
	}
	return oracleError(text)
}

// wantsFresh reports whether a request carries "fresh":true (it is parsed
// only when the key appears at all).
func wantsFresh(req []byte) bool {
	if !bytes.Contains(req, []byte(`"fresh"`)) {
		return false
	}
	var r struct {
		Fresh bool `json:"fresh"`
	}
	return json.Unmarshal(req, &r) == nil && r.Fresh
}

// stop ends the worker (at the end of input, or before a fresh one).
func (p *oracleProxy) stop() error {
	if p.cmd == nil {
		return nil
	}
	_ = p.stdin.Close()
	<-p.stderr
	err := p.cmd.Wait()
	p.cmd = nil
	return err
}

// handle answers one request; it never panics.
func (o *oracle) handle(msg []byte) (answer []byte) {
	defer func() {
		if r := recover(); r != nil {
			answer = oracleError(fmt.Sprintf("panic: %v", r))
		}
	}()
	var req oracleRequest
	dec := json.NewDecoder(bytes.NewReader(msg))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return oracleError("bad request JSON: " + err.Error())
	}
	if dec.More() {
		return oracleError("bad request JSON: data after the object")
	}
	if req.Fresh && oracleEncoded {
		return oracleError(`"fresh": this process has encoded already (run "oracle", which restarts its worker)`)
	}
	switch req.Op {
	case "types":
		if req.Type != "" || req.Types != nil || req.Stream != nil || req.Seed != nil || req.Count != nil || req.Data != nil {
			return oracleError(`op "types" takes no other keys`)
		}
		return o.typesReply
	case "decode":
		return o.decode(&req)
	case "random":
		return o.random(&req)
	case "remarshal":
		return o.remarshal(&req)
	case "":
		return oracleError(`missing "op"`)
	default:
		return oracleError(fmt.Sprintf("unknown op %q", req.Op))
	}
}

func (o *oracle) decode(req *oracleRequest) []byte {
	if req.Stream == nil {
		return oracleError(`decode: missing "stream"`)
	}
	if req.Seed != nil || req.Count != nil || req.Data != nil {
		return oracleError(`decode: unexpected "seed", "count" or "data"`)
	}
	var types []reflect.Type
	fixed := req.Types != nil
	switch {
	case req.Type != "" && fixed:
		return oracleError(`decode: give "type" or "types", not both`)
	case req.Type != "":
		t, err := o.lookup(req.Type)
		if err != nil {
			return oracleError("decode: " + err.Error())
		}
		types = []reflect.Type{t}
	case fixed:
		for _, name := range req.Types {
			t, err := o.lookup(name)
			if err != nil {
				return oracleError("decode: " + err.Error())
			}
			types = append(types, t)
		}
	default:
		return oracleError(`decode: missing "type"`)
	}
	stream, err := base64.StdEncoding.DecodeString(*req.Stream)
	if err != nil {
		return oracleError("decode: bad base64 stream: " + err.Error())
	}

	values, err := decodeValues(stream, types, fixed)
	if err != nil {
		var b bytes.Buffer
		b.WriteString(`{"accepted":false,"error":`)
		b.Write(oracleJSONString(err.Error()))
		if e, ok := err.(errEOFInMessage); ok {
			fmt.Fprintf(&b, `,"eof_in_message":true,"values_before":%d`, e.before)
		}
		b.WriteByte('}')
		return b.Bytes()
	}
	rendered, reencoded, err := renderAndEncode(values)
	if err != nil {
		var b bytes.Buffer
		b.WriteString(`{"accepted":true,"error":`)
		b.Write(oracleJSONString(err.Error()))
		b.WriteByte('}')
		return b.Bytes()
	}
	var b bytes.Buffer
	b.WriteString(`{"accepted":true,"values":`)
	b.Write(rendered)
	b.WriteString(`,"reencoded":"`)
	b.WriteString(base64.StdEncoding.EncodeToString(reencoded))
	b.WriteString(`"}`)
	return b.Bytes()
}

// errEOFInMessage is Decode's io.EOF for a value message that ended early
// (gob reports reading past the end of a message as io.EOF, the same as the
// clean end of the stream).
type errEOFInMessage struct{ before int }

func (e errEOFInMessage) Error() string { return io.EOF.Error() }

// decodeValues decodes stream into pointers to fresh values: with fixed
// set, exactly one value per entry of types; otherwise values of types[0]
// until io.EOF.
func decodeValues(stream []byte, types []reflect.Type, fixed bool) (values []reflect.Value, err error) {
	defer func() {
		if r := recover(); r != nil {
			values, err = nil, fmt.Errorf("panic: %v", r)
		}
	}()
	r := bytes.NewReader(stream) // an io.ByteReader: gob reads it unbuffered
	dec := gob.NewDecoder(r)
	for i := 0; !fixed || i < len(types); i++ {
		t := types[0]
		if fixed {
			t = types[i]
		}
		p := reflect.New(t)
		left := r.Len()
		if err := dec.DecodeValue(p); err != nil {
			if err == io.EOF {
				if r.Len() < left {
					return nil, errEOFInMessage{before: i}
				}
				if !fixed {
					return values, nil
				}
				return nil, fmt.Errorf("oracle: stream ended after %d values, want %d", i, len(types))
			}
			return nil, err
		}
		values = append(values, p)
	}
	left := r.Len()
	if err := dec.DecodeValue(reflect.Value{}); err != io.EOF || r.Len() < left { // discards
		return nil, fmt.Errorf("oracle: stream holds more than %d values", len(types))
	}
	return values, nil
}

// renderAndEncode renders values (pointers) as a JSON array and encodes
// them with one fresh encoder.
func renderAndEncode(values []reflect.Value) (rendered, encoded []byte, err error) {
	stage := "render"
	defer func() {
		if r := recover(); r != nil {
			rendered, encoded, err = nil, nil, fmt.Errorf("%s: panic: %v", stage, r)
		}
	}()
	var b bytes.Buffer
	b.WriteByte('[')
	for i, p := range values {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(renderValueJSON(p.Elem()))
	}
	b.WriteByte(']')
	stage = "encode"
	oracleEncoded = true
	var out bytes.Buffer
	enc := gob.NewEncoder(&out)
	for i, p := range values {
		if err := enc.EncodeValue(p.Elem()); err != nil {
			return nil, nil, fmt.Errorf("encode: value %d: %w", i, err)
		}
	}
	return b.Bytes(), out.Bytes(), nil
}

func (o *oracle) random(req *oracleRequest) []byte {
	if req.Stream != nil || req.Types != nil || req.Data != nil {
		return oracleError(`random: unexpected "stream", "types" or "data"`)
	}
	if req.Type == "" {
		return oracleError(`random: missing "type"`)
	}
	if req.Seed == nil {
		return oracleError(`random: missing "seed"`)
	}
	if req.Count == nil {
		return oracleError(`random: missing "count"`)
	}
	if *req.Count < 0 || *req.Count > oracleMaxRandCount {
		return oracleError(fmt.Sprintf("random: count %d out of range 0..%d", *req.Count, oracleMaxRandCount))
	}
	t, err := o.lookup(req.Type)
	if err != nil {
		return oracleError("random: " + err.Error())
	}
	g := &oracleRand{o: o, r: rand.New(rand.NewSource(int64(*req.Seed)))}
	values := make([]reflect.Value, *req.Count)
	for i := range values {
		p := reflect.New(t)
		g.fill(p.Elem(), 0)
		values[i] = p
	}
	rendered, stream, err := renderAndEncode(values)
	if err != nil {
		return oracleError("random: " + err.Error())
	}
	var b bytes.Buffer
	b.WriteString(`{"stream":"`)
	b.WriteString(base64.StdEncoding.EncodeToString(stream))
	b.WriteString(`","values":`)
	b.Write(rendered)
	b.WriteByte('}')
	return b.Bytes()
}

var (
	gobDecoderType        = reflect.TypeOf((*gob.GobDecoder)(nil)).Elem()
	binaryUnmarshalerType = reflect.TypeOf((*encoding.BinaryUnmarshaler)(nil)).Elem()
)

func (o *oracle) remarshal(req *oracleRequest) []byte {
	if req.Stream != nil || req.Types != nil || req.Seed != nil || req.Count != nil {
		return oracleError(`remarshal: give "type" and "data" only`)
	}
	if req.Data == nil {
		return oracleError(`remarshal: missing "data"`)
	}
	t, err := o.lookup(req.Type)
	if err != nil {
		return oracleError("remarshal: " + err.Error())
	}
	iface, indir, ok := marshaler(t)
	if !ok {
		return oracleError(fmt.Sprintf("remarshal: %s does not marshal itself", t))
	}
	data, err := base64.StdEncoding.DecodeString(*req.Data)
	if err != nil {
		return oracleError("remarshal: bad base64 data: " + err.Error())
	}
	var b bytes.Buffer
	answer := func(ok bool, text string, out []byte, zero bool) []byte {
		zp := reflect.New(t)
		b.WriteString(`{"ok":`)
		b.WriteString(fmt.Sprint(ok))
		if ok {
			fmt.Fprintf(&b, `,"data":"%s","zero":%v`, base64.StdEncoding.EncodeToString(out), zero)
		} else {
			b.WriteString(`,"error":`)
			b.Write(oracleJSONString(text))
		}
		fmt.Fprintf(&b, `,"zero_data":"%s"}`, base64.StdEncoding.EncodeToString(marshal(zp.Elem(), iface, indir)))
		return b.Bytes()
	}
	// marshal panics when the method fails: a value the method reads but
	// cannot write back is reported as its error.
	remarshalled := func(v reflect.Value) (out []byte, err error) {
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("%v", r)
			}
		}()
		return marshal(v, iface, indir), nil
	}
	p := reflect.New(t)
	if p.Type().Implements(gobDecoderType) {
		err = p.Interface().(gob.GobDecoder).GobDecode(data)
	} else if p.Type().Implements(binaryUnmarshalerType) {
		err = p.Interface().(encoding.BinaryUnmarshaler).UnmarshalBinary(data)
	} else {
		return oracleError(fmt.Sprintf("remarshal: *%s has no GobDecode or UnmarshalBinary", t))
	}
	if err != nil {
		return answer(false, err.Error(), nil, false)
	}
	out, err := remarshalled(p.Elem())
	if err != nil {
		return answer(false, "remarshal: "+err.Error(), nil, false)
	}
	return answer(true, "", out, p.Elem().IsZero())
}

func oracleError(text string) []byte {
	var b bytes.Buffer
	b.WriteString(`{"error":`)
	b.Write(oracleJSONString(text))
	b.WriteByte('}')
	return b.Bytes()
}

// oracleJSONString is s as a JSON string (invalid UTF-8 becomes U+FFFD).
func oracleJSONString(s string) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		return []byte(`""`)
	}
	return bytes.TrimSuffix(b.Bytes(), []byte{'\n'})
}
