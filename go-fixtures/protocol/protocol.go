// Package protocol holds the packet types of goapptrace's gob-generation
// tracing protocol (Go package tracer/protocol, Sept 2017 to Jan 2018). The
// package name and the type and field names reach the wire, so they match the
// Go tracer's; only the xtcp plumbing around them is left out.
package protocol

import "goapptrace-proto/go-fixtures/logutil"

// PacketType tells which packet follows a HeaderPacket in a frame.
type PacketType int64

const (
	UnknownPacketType PacketType = iota
	ClientHelloPacketType
	ServerHelloPacketType
	LogPacketType
	PingPacketType
	ShutdownPacketType
	StartTraceCmdPacketType
	StopTraceCmdPacketType
	SymbolPacketType
	RawFuncLogNewPacketType
)

// HeaderPacket is the first value of every frame's gob stream.
type HeaderPacket struct {
	PacketType PacketType
}

// ClientHelloPacket is the first packet a client sends.
type ClientHelloPacket struct {
	AppName         string
	ClientSecret    string
	ProtocolVersion string
}

// ServerHelloPacket is the server's answer to an acceptable ClientHello.
type ServerHelloPacket struct {
	ProtocolVersion string
}

// LogPacket is defined but carries nothing.
type LogPacket struct{}

// PingPacket is the client's keep-alive.
type PingPacket struct{}

// ShutdownPacket announces that the sender is about to close. (A Go peer
// decodes it as a PingPacket.)
type ShutdownPacket struct{}

// StartTraceCmdPacket asks a client to start tracing a function.
type StartTraceCmdPacket struct {
	FuncID     logutil.FuncID
	ModuleName string
}

// StopTraceCmdPacket asks a client to stop tracing a function.
type StopTraceCmdPacket struct {
	FuncID     logutil.FuncID
	ModuleName string
}

// SymbolPacket carries a symbol table; only its exported fields travel.
type SymbolPacket struct {
	Symbols *logutil.Symbols
}

// RawFuncLogNewPacket carries one function start or end record.
type RawFuncLogNewPacket struct {
	FuncLog *logutil.RawFuncLog
}
