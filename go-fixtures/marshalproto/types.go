// Package marshalproto holds the packets of goapptrace's marshal-generation
// tracing protocol (Go package tracer/protocol from the commit "impl faster
// marshaler/unmarshaler", 2018-01-28, to the final revision, Aug 2018), with
// a hand-written big-endian codec for them.
//
// A frame payload is one byte PacketType, then the packet body. Integers are
// big-endian and fixed-width; a string is a uint64 byte count and the bytes;
// a slice is a uint64 element count and the elements; signed values travel as
// their two's-complement uint64. Type and field names do not reach the wire
// in this generation, but they name the packets and fields of the JSON form
// shared with the Rust side, so they are the Go tracer's.
//
// The record types (RawFuncLog, SymbolsData and their parts) live in the Go
// tracer's package tracer/types; they are declared here, in one package.
package marshalproto

// PacketType is the first byte of every payload.
type PacketType uint8

// The PacketType values. 0 is the Go tracer's fakePacket, used only by its
// tests; 3 (LogPacket) is defined but not implemented (its Marshal and
// Unmarshal panic).
const (
	FakePacketType PacketType = iota
	ClientHelloPacketType
	ServerHelloPacketType
	LogPacketType
	PingPacketType
	ShutdownPacketType
	StartTraceCmdPacketType
	StopTraceCmdPacketType
	SymbolPacketType
	RawFuncLogPacketType
)

// RawFuncLogID numbers raw function log records (Go: int, 64 bits on the
// platforms the tracer runs on; an int64 on the wire).
type RawFuncLogID int

// TagName says whether a RawFuncLog records a function start or end.
type TagName uint8

// The tags the Go tracer writes.
const (
	FuncStart TagName = iota
	FuncEnd
)

// Time is a timestamp in Unix nanoseconds.
type Time int64

// GID is a goroutine id.
type GID int64

// TxID pairs the start and end records of one function call.
type TxID uint64

// FileID is an index into SymbolsData.Files.
type FileID uint32

// GoModule is a module of the traced program: a range of program counters.
type GoModule struct {
	Name  string
	MinPC uintptr
	MaxPC uintptr
}

// GoFunc is a function: its entry point and name. On the wire the name comes
// first.
type GoFunc struct {
	Entry uintptr
	Name  string
}

// GoLine maps a program counter to a source position.
type GoLine struct {
	PC     uintptr
	FileID FileID
	Line   uint32
}

// SymbolsData is the symbol table of a traced process.
type SymbolsData struct {
	Files []string
	Mods  []GoModule
	Funcs []GoFunc
	Lines []GoLine
}

// RawFuncLog is one function start or end record. Frames[0] is the current
// frame, Frames[1] its caller, and so on (the tracer keeps at most 64).
type RawFuncLog struct {
	ID        RawFuncLogID
	Tag       TagName
	Timestamp Time
	Frames    []uintptr
	GID       GID
	TxID      TxID
}

// ClientHelloPacket is the first packet a client sends.
type ClientHelloPacket struct {
	PID             uint64
	AppName         string
	Host            string
	ClientSecret    string
	ProtocolVersion string
}

// ServerHelloPacket is the server's answer to an acceptable ClientHello.
type ServerHelloPacket struct {
	ProtocolVersion string
}

// LogPacket is defined by the Go tracer but not implemented: encoding or
// decoding one panics there, and is an error here.
type LogPacket struct{}

// PingPacket is the client's keep-alive.
type PingPacket struct{}

// ShutdownPacket announces that the sender is about to close. (The Go
// packet factory decodes it as a PingPacket.)
type ShutdownPacket struct{}

// StartTraceCmdPacket asks a client to start tracing a function. Its body is
// the JSON that encoding/json writes for the struct, behind a byte count.
type StartTraceCmdPacket struct {
	FuncName string
}

// StopTraceCmdPacket asks a client to stop tracing a function; encoded as
// StartTraceCmdPacket.
type StopTraceCmdPacket struct {
	FuncName string
}

// SymbolPacket carries a symbol table; the fields of SymbolsData are
// promoted.
type SymbolPacket struct {
	SymbolsData
}

// RawFuncLogPacket carries one function start or end record.
type RawFuncLogPacket struct {
	FuncLog *RawFuncLog
}
