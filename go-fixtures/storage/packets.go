package storage

import "goapptrace-proto/go-fixtures/types"

// SymbolPacket and RawFuncLogPacket are the marshal-generation packets that
// carry a compact log's records (Go: tracer/protocol, where SymbolPacket
// embeds a types.SymbolsData). They are never gob-encoded; their names and
// fields name the packets and members of the JSON form shared with the Rust
// side.
type SymbolPacket struct {
	types.SymbolsData
}

// RawFuncLogPacket carries one function start or end record.
type RawFuncLogPacket struct {
	FuncLog *types.RawFuncLog
}

// RecordPackets returns the packets a converter of a compact log prints for
// one record: a SymbolPacket unless data is the zero value, then a
// RawFuncLogPacket unless funclog is. A nil half counts as the zero value.
func RecordPackets(data *types.SymbolsData, funclog *types.RawFuncLog) []any {
	var ps []any
	if data != nil && !data.IsZero() {
		ps = append(ps, &SymbolPacket{SymbolsData: *data})
	}
	if funclog != nil && !funclog.IsZero() {
		ps = append(ps, &RawFuncLogPacket{FuncLog: funclog})
	}
	return ps
}
