package marshalproto

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
)

// Packet is a marshal-generation packet, always handled as a pointer
// (*ClientHelloPacket, ...).
type Packet interface {
	// Type is the PacketType written before the body.
	Type() PacketType
	// Marshal appends the body (without the PacketType byte) to buf. Like
	// the Go tracer's, it panics on LogPacket and on a RawFuncLogPacket
	// with a nil FuncLog; AppendPayload reports those as errors instead.
	Marshal(buf []byte) []byte
	// Unmarshal decodes a body from the start of buf, replacing the
	// packet's contents, and returns the number of bytes it used. Input
	// that ends too early is an error naming the offset in buf.
	Unmarshal(buf []byte) (int, error)

	decode(r *reader)
}

// ErrNotImplemented is the error for a LogPacket, which the Go tracer cannot
// encode or decode (it panics).
var ErrNotImplemented = errors.New("LogPacket is not implemented by the Go tracer (its Marshal and Unmarshal panic)")

// ErrNilFuncLog is the error for a RawFuncLogPacket without a FuncLog, which
// the Go tracer's Marshal dereferences (it panics).
var ErrNilFuncLog = errors.New("RawFuncLogPacket with a nil FuncLog: the Go tracer's Marshal dereferences it and panics")

func (*ClientHelloPacket) Type() PacketType   { return ClientHelloPacketType }
func (*ServerHelloPacket) Type() PacketType   { return ServerHelloPacketType }
func (*LogPacket) Type() PacketType           { return LogPacketType }
func (*PingPacket) Type() PacketType          { return PingPacketType }
func (*ShutdownPacket) Type() PacketType      { return ShutdownPacketType }
func (*StartTraceCmdPacket) Type() PacketType { return StartTraceCmdPacketType }
func (*StopTraceCmdPacket) Type() PacketType  { return StopTraceCmdPacketType }
func (*SymbolPacket) Type() PacketType        { return SymbolPacketType }
func (*RawFuncLogPacket) Type() PacketType    { return RawFuncLogPacketType }

// NewPacket returns a zero packet of type t. Unlike the Go tracer's packet
// factory, it keeps a Shutdown a ShutdownPacket (the Go factory returns a
// PingPacket), and it refuses the test-only type 0.
func NewPacket(t PacketType) (Packet, error) {
	switch t {
	case FakePacketType:
		return nil, errors.New("PacketType 0 is the Go tracer's test-only fakePacket")
	case ClientHelloPacketType:
		return &ClientHelloPacket{}, nil
	case ServerHelloPacketType:
		return &ServerHelloPacket{}, nil
	case LogPacketType:
		return &LogPacket{}, nil
	case PingPacketType:
		return &PingPacket{}, nil
	case ShutdownPacketType:
		return &ShutdownPacket{}, nil
	case StartTraceCmdPacketType:
		return &StartTraceCmdPacket{}, nil
	case StopTraceCmdPacketType:
		return &StopTraceCmdPacket{}, nil
	case SymbolPacketType:
		return &SymbolPacket{}, nil
	case RawFuncLogPacketType:
		return &RawFuncLogPacket{}, nil
	}
	return nil, fmt.Errorf("unknown PacketType %d (0x%02x)", uint8(t), uint8(t))
}

// AppendPayload appends the payload of p (its PacketType byte, then its
// body) to buf. It fails where the Go tracer would panic.
func AppendPayload(buf []byte, p Packet) ([]byte, error) {
	switch p := p.(type) {
	case nil:
		return buf, errors.New("nil packet")
	case *LogPacket:
		return buf, ErrNotImplemented
	case *RawFuncLogPacket:
		if p.FuncLog == nil {
			return buf, ErrNilFuncLog
		}
	}
	return p.Marshal(append(buf, byte(p.Type()))), nil
}

// AppendFrame appends a whole frame for p: a 4-byte big-endian payload
// length, then the payload.
func AppendFrame(buf []byte, p Packet) ([]byte, error) {
	start := len(buf)
	buf = append(buf, 0, 0, 0, 0)
	buf, err := AppendPayload(buf, p)
	if err != nil {
		return buf[:start], err
	}
	n := len(buf) - start - 4
	if uint64(n) > 0xffffffff {
		return buf[:start], fmt.Errorf("payload of %d bytes does not fit a 4-byte length", n)
	}
	binary.BigEndian.PutUint32(buf[start:], uint32(n))
	return buf, nil
}

// Decode decodes the packet at the start of payload and returns it with the
// number of payload bytes it used (the PacketType byte included). Errors
// name the offset in payload. A Shutdown stays a ShutdownPacket.
func Decode(payload []byte) (Packet, int, error) {
	if len(payload) == 0 {
		return nil, 0, &DecodeError{Offset: 0, Field: "PacketType", Msg: "empty payload"}
	}
	p, err := NewPacket(PacketType(payload[0]))
	if err != nil {
		return nil, 0, &DecodeError{Offset: 0, Field: "PacketType", Msg: err.Error()}
	}
	if _, ok := p.(*LogPacket); ok {
		return nil, 0, &DecodeError{Offset: 0, Field: "PacketType", Msg: ErrNotImplemented.Error()}
	}
	r := &reader{buf: payload, off: 1}
	p.decode(r)
	if r.err != nil {
		return nil, r.off, r.err
	}
	return p, r.off, nil
}

// DecodeAll decodes a whole payload; bytes after the packet are an error.
func DecodeAll(payload []byte) (Packet, error) {
	p, n, err := Decode(payload)
	if err != nil {
		return nil, err
	}
	if n < len(payload) {
		return nil, &DecodeError{Offset: n, Msg: fmt.Sprintf("%d bytes after the %s", len(payload)-n, typeName(p))}
	}
	return p, nil
}

func typeName(p Packet) string {
	switch p.(type) {
	case *ClientHelloPacket:
		return "ClientHelloPacket"
	case *ServerHelloPacket:
		return "ServerHelloPacket"
	case *LogPacket:
		return "LogPacket"
	case *PingPacket:
		return "PingPacket"
	case *ShutdownPacket:
		return "ShutdownPacket"
	case *StartTraceCmdPacket:
		return "StartTraceCmdPacket"
	case *StopTraceCmdPacket:
		return "StopTraceCmdPacket"
	case *SymbolPacket:
		return "SymbolPacket"
	case *RawFuncLogPacket:
		return "RawFuncLogPacket"
	}
	return fmt.Sprintf("%T", p)
}

// DecodeError is a decoding failure at a byte offset.
type DecodeError struct {
	Offset int    // offset in the buffer given to Decode or Unmarshal
	Field  string // the field being read, if any
	Msg    string
}

func (e *DecodeError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("offset %d: %s", e.Offset, e.Msg)
	}
	return fmt.Sprintf("offset %d: %s: %s", e.Offset, e.Field, e.Msg)
}

// ---- encoding helpers

func appendU64(b []byte, v uint64) []byte { return binary.BigEndian.AppendUint64(b, v) }
func appendU32(b []byte, v uint32) []byte { return binary.BigEndian.AppendUint32(b, v) }

func appendString(b []byte, s string) []byte {
	return append(appendU64(b, uint64(len(s))), s...)
}

// ---- decoding: a reader with a sticky error

type reader struct {
	buf []byte
	off int
	err error
}

func (r *reader) fail(off int, field, format string, args ...any) {
	if r.err == nil {
		r.err = &DecodeError{Offset: off, Field: field, Msg: fmt.Sprintf(format, args...)}
	}
}

func (r *reader) left() int { return len(r.buf) - r.off }

// take returns the next n bytes, or nil after recording an error.
func (r *reader) take(n uint64, field string) []byte {
	if r.err != nil {
		return nil
	}
	if n > uint64(r.left()) {
		r.fail(r.off, field, "need %d bytes, only %d left", n, r.left())
		return nil
	}
	b := r.buf[r.off : r.off+int(n)]
	r.off += int(n)
	return b
}

func (r *reader) u8(field string) uint8 {
	b := r.take(1, field)
	if b == nil {
		return 0
	}
	return b[0]
}

func (r *reader) u32(field string) uint32 {
	b := r.take(4, field)
	if b == nil {
		return 0
	}
	return binary.BigEndian.Uint32(b)
}

func (r *reader) u64(field string) uint64 {
	b := r.take(8, field)
	if b == nil {
		return 0
	}
	return binary.BigEndian.Uint64(b)
}

func (r *reader) str(field string) string {
	at := r.off
	n := r.u64(field + " length")
	if r.err != nil {
		return ""
	}
	if n > uint64(r.left()) {
		r.fail(at, field, "length %d, but only %d bytes follow", n, r.left())
		return ""
	}
	return string(r.take(n, field))
}

// count reads a slice length and checks that the elements, each at least
// minSize bytes, can fit in what is left.
func (r *reader) count(field string, minSize int) int {
	at := r.off
	n := r.u64(field + " count")
	if r.err != nil {
		return 0
	}
	if n > uint64(r.left())/uint64(minSize) {
		r.fail(at, field, "count %d needs at least %d bytes per element, only %d bytes follow", n, minSize, r.left())
		return 0
	}
	return int(n)
}

func (r *reader) done() bool { return r.err != nil }

func unmarshalWith(p Packet, buf []byte) (int, error) {
	r := &reader{buf: buf}
	p.decode(r)
	return r.off, r.err
}

// ---- ClientHelloPacket

func (p *ClientHelloPacket) Marshal(b []byte) []byte {
	b = appendU64(b, p.PID)
	b = appendString(b, p.AppName)
	b = appendString(b, p.Host)
	b = appendString(b, p.ClientSecret)
	return appendString(b, p.ProtocolVersion)
}

func (p *ClientHelloPacket) Unmarshal(b []byte) (int, error) { return unmarshalWith(p, b) }

func (p *ClientHelloPacket) decode(r *reader) {
	*p = ClientHelloPacket{
		PID:             r.u64("PID"),
		AppName:         r.str("AppName"),
		Host:            r.str("Host"),
		ClientSecret:    r.str("ClientSecret"),
		ProtocolVersion: r.str("ProtocolVersion"),
	}
}

// ---- ServerHelloPacket

func (p *ServerHelloPacket) Marshal(b []byte) []byte { return appendString(b, p.ProtocolVersion) }

func (p *ServerHelloPacket) Unmarshal(b []byte) (int, error) { return unmarshalWith(p, b) }

func (p *ServerHelloPacket) decode(r *reader) {
	*p = ServerHelloPacket{ProtocolVersion: r.str("ProtocolVersion")}
}

// ---- LogPacket, PingPacket, ShutdownPacket

func (p *LogPacket) Marshal(b []byte) []byte { panic("marshalproto: " + ErrNotImplemented.Error()) }

func (p *LogPacket) Unmarshal(b []byte) (int, error) { return 0, ErrNotImplemented }

func (p *LogPacket) decode(r *reader) { r.fail(r.off, "", "%v", ErrNotImplemented) }

func (p *PingPacket) Marshal(b []byte) []byte         { return b }
func (p *PingPacket) Unmarshal(b []byte) (int, error) { return 0, nil }
func (p *PingPacket) decode(r *reader)                {}

func (p *ShutdownPacket) Marshal(b []byte) []byte         { return b }
func (p *ShutdownPacket) Unmarshal(b []byte) (int, error) { return 0, nil }
func (p *ShutdownPacket) decode(r *reader)                {}

// ---- StartTraceCmdPacket, StopTraceCmdPacket: a byte count and JSON

// appendJSON appends the byte count and the encoding/json form of v (a
// struct pointer that json.Marshal cannot fail on).
func appendJSON(b []byte, v any) []byte {
	js, err := json.Marshal(v)
	if err != nil {
		panic("marshalproto: " + err.Error())
	}
	return append(appendU64(b, uint64(len(js))), js...)
}

// decodeJSON reads the byte count and the JSON into v, as the Go tracer
// does with json.Unmarshal (unknown members are ignored, missing ones stay
// zero).
func decodeJSON(r *reader, v any) {
	at := r.off
	n := r.u64("JSON length")
	if r.err != nil {
		return
	}
	if n > uint64(r.left()) {
		r.fail(at, "JSON", "length %d, but only %d bytes follow", n, r.left())
		return
	}
	at = r.off
	js := r.take(n, "JSON")
	if err := json.Unmarshal(js, v); err != nil {
		r.fail(at, "JSON", "%v (JSON %s)", err, clip(js))
	}
}

// clip quotes the start of b for an error message.
func clip(b []byte) string {
	const max = 64
	if len(b) <= max {
		return fmt.Sprintf("%q", b)
	}
	return fmt.Sprintf("%q...", b[:max])
}

func (p *StartTraceCmdPacket) Marshal(b []byte) []byte { return appendJSON(b, p) }

func (p *StartTraceCmdPacket) Unmarshal(b []byte) (int, error) { return unmarshalWith(p, b) }

func (p *StartTraceCmdPacket) decode(r *reader) {
	*p = StartTraceCmdPacket{}
	decodeJSON(r, p)
}

func (p *StopTraceCmdPacket) Marshal(b []byte) []byte { return appendJSON(b, p) }

func (p *StopTraceCmdPacket) Unmarshal(b []byte) (int, error) { return unmarshalWith(p, b) }

func (p *StopTraceCmdPacket) decode(r *reader) {
	*p = StopTraceCmdPacket{}
	decodeJSON(r, p)
}

// ---- SymbolPacket

// The smallest encoded size of one element of each SymbolsData slice.
const (
	minFileSize   = 8         // an empty string
	minModuleSize = 8 + 8 + 8 // Name (empty), MinPC, MaxPC
	minFuncSize   = 8 + 8     // Name (empty), Entry
	lineSize      = 8 + 4 + 4 // PC, FileID, Line
)

func (p *SymbolPacket) Marshal(b []byte) []byte {
	b = appendU64(b, uint64(len(p.Files)))
	for _, f := range p.Files {
		b = appendString(b, f)
	}
	b = appendU64(b, uint64(len(p.Mods)))
	for _, m := range p.Mods {
		b = appendString(b, m.Name)
		b = appendU64(b, uint64(m.MinPC))
		b = appendU64(b, uint64(m.MaxPC))
	}
	b = appendU64(b, uint64(len(p.Funcs)))
	for _, f := range p.Funcs {
		b = appendString(b, f.Name) // the name comes first on the wire
		b = appendU64(b, uint64(f.Entry))
	}
	b = appendU64(b, uint64(len(p.Lines)))
	for _, l := range p.Lines {
		b = appendU64(b, uint64(l.PC))
		b = appendU32(b, uint32(l.FileID))
		b = appendU32(b, l.Line)
	}
	return b
}

func (p *SymbolPacket) Unmarshal(b []byte) (int, error) { return unmarshalWith(p, b) }

func (p *SymbolPacket) decode(r *reader) {
	*p = SymbolPacket{}
	var d SymbolsData
	n := r.count("Files", minFileSize)
	d.Files = make([]string, n)
	for i := range d.Files {
		d.Files[i] = r.str(fmt.Sprintf("Files[%d]", i))
	}
	if r.done() {
		return
	}
	n = r.count("Mods", minModuleSize)
	d.Mods = make([]GoModule, n)
	for i := range d.Mods {
		d.Mods[i].Name = r.str(fmt.Sprintf("Mods[%d].Name", i))
		d.Mods[i].MinPC = uintptr(r.u64(fmt.Sprintf("Mods[%d].MinPC", i)))
		d.Mods[i].MaxPC = uintptr(r.u64(fmt.Sprintf("Mods[%d].MaxPC", i)))
	}
	if r.done() {
		return
	}
	n = r.count("Funcs", minFuncSize)
	d.Funcs = make([]GoFunc, n)
	for i := range d.Funcs {
		d.Funcs[i].Name = r.str(fmt.Sprintf("Funcs[%d].Name", i))
		d.Funcs[i].Entry = uintptr(r.u64(fmt.Sprintf("Funcs[%d].Entry", i)))
	}
	if r.done() {
		return
	}
	n = r.count("Lines", lineSize)
	d.Lines = make([]GoLine, n)
	for i := range d.Lines {
		d.Lines[i].PC = uintptr(r.u64(fmt.Sprintf("Lines[%d].PC", i)))
		d.Lines[i].FileID = FileID(r.u32(fmt.Sprintf("Lines[%d].FileID", i)))
		d.Lines[i].Line = r.u32(fmt.Sprintf("Lines[%d].Line", i))
	}
	if r.done() {
		return
	}
	p.SymbolsData = d
}

// ---- RawFuncLogPacket

func (p *RawFuncLogPacket) Marshal(b []byte) []byte {
	l := p.FuncLog // nil panics, as in the Go tracer
	b = appendU64(b, uint64(l.ID))
	b = append(b, byte(l.Tag))
	b = appendU64(b, uint64(l.Timestamp))
	b = appendU64(b, uint64(len(l.Frames)))
	for _, pc := range l.Frames {
		b = appendU64(b, uint64(pc))
	}
	b = appendU64(b, uint64(l.GID))
	return appendU64(b, uint64(l.TxID))
}

func (p *RawFuncLogPacket) Unmarshal(b []byte) (int, error) { return unmarshalWith(p, b) }

func (p *RawFuncLogPacket) decode(r *reader) {
	*p = RawFuncLogPacket{}
	l := &RawFuncLog{}
	l.ID = RawFuncLogID(int64(r.u64("FuncLog.ID")))
	l.Tag = TagName(r.u8("FuncLog.Tag"))
	l.Timestamp = Time(int64(r.u64("FuncLog.Timestamp")))
	n := r.count("FuncLog.Frames", 8)
	l.Frames = make([]uintptr, n)
	for i := range l.Frames {
		l.Frames[i] = uintptr(r.u64(fmt.Sprintf("FuncLog.Frames[%d]", i)))
	}
	l.GID = GID(int64(r.u64("FuncLog.GID")))
	l.TxID = TxID(r.u64("FuncLog.TxID"))
	if r.done() {
		return
	}
	p.FuncLog = l
}
