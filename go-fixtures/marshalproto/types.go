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
// tracer's package tracer/types, as they do here (package types).
package marshalproto

import "goapptrace-proto/go-fixtures/types"

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

// The record types live in the Go tracer's package tracer/types, which the
// log store's gob files need by that name (see package types); the packets
// here use them as they are.
type (
	RawFuncLogID = types.RawFuncLogID
	TagName      = types.TagName
	Time         = types.Time
	GID          = types.GID
	TxID         = types.TxID
	FileID       = types.FileID
	GoModule     = types.GoModule
	GoFunc       = types.GoFunc
	GoLine       = types.GoLine
	SymbolsData  = types.SymbolsData
	RawFuncLog   = types.RawFuncLog
)

// The tags the Go tracer writes.
const (
	FuncStart = types.FuncStart
	FuncEnd   = types.FuncEnd
)

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
