package main

// The packet lists of the goapptrace frame fixtures. Each file is written by
// a fresh process that encodes its packets in the order listed here, one
// frame (and one fresh gob.Encoder) per packet, as the gob-generation Go
// tracer does.

import (
	"math"
	"strings"

	"goapptrace-proto/go-fixtures/logutil"
	"goapptrace-proto/go-fixtures/protocol"
)

// frameFile is one frames file: its packets are pointers to protocol
// packets, passed to Encoder.Encode as the Go tracer passes them.
type frameFile struct {
	name    string
	desc    string
	packets []any
}

func findFrameFile(name string) (frameFile, bool) {
	for _, f := range frameFiles() {
		if f.name == name {
			return f, true
		}
	}
	return frameFile{}, false
}

// The timestamp of the first record of the conversation
// (2017-11-20T00:00:00.123456789Z).
const baseTime logutil.Time = 1511136000123456789

func packets(ps ...any) []any { return ps }

func rawLog(l logutil.RawFuncLog) *protocol.RawFuncLogNewPacket {
	return &protocol.RawFuncLogNewPacket{FuncLog: &l}
}

func frames(ids ...logutil.FuncStatusID) []logutil.FuncStatusID { return ids }

// sixtyFourFrames is a full stack as the Go tracer keeps it (at most 64
// frames): values on both sides of every gob uint length boundary.
func sixtyFourFrames() []logutil.FuncStatusID {
	fs := make([]logutil.FuncStatusID, 64)
	for i := range fs {
		fs[i] = logutil.FuncStatusID(uint64(1)<<i - 1 + uint64(i%3))
	}
	return fs
}

// filledSymbols has its unexported tables filled; they are never sent.
func filledSymbols() *logutil.Symbols {
	s := &logutil.Symbols{Writable: true, KeepID: true}
	s.Load(
		[]*logutil.FuncSymbol{{ID: 0, Name: "main.main", File: "/go/src/demo/main.go", Entry: 0x401000}},
		[]*logutil.FuncStatus{{ID: 0, Func: 0, Line: 12, PC: 0x401020}},
	)
	return s
}

// conversationLogs are the 20 records of the client conversation: three
// goroutines, each with nested calls; every funcStart has a funcEnd with the
// same TxID and frames. Function status ids: 1 main.main, 2 main.a,
// 3 main.b, 4 main.c, 5 main.worker.
func conversationLogs() []*protocol.RawFuncLogNewPacket {
	type ev struct {
		tag    logutil.TagName
		gid    logutil.GID
		tx     logutil.TxID
		frames []logutil.FuncStatusID
	}
	s, e := logutil.FuncStart, logutil.FuncEnd
	evs := []ev{
		{s, 1, 1, frames(1)},
		{s, 1, 2, frames(2, 1)},
		{e, 1, 2, frames(2, 1)},
		{s, 1, 3, frames(3, 1)},
		{s, 1, 4, frames(4, 3, 1)},
		{e, 1, 4, frames(4, 3, 1)},
		{e, 1, 3, frames(3, 1)},
		{e, 1, 1, frames(1)},
		{s, 2, 5, frames(5)},
		{s, 2, 6, frames(2, 5)},
		{e, 2, 6, frames(2, 5)},
		{e, 2, 5, frames(5)},
		{s, 3, 7, frames(5)},
		{s, 3, 8, frames(3, 5)},
		{e, 3, 8, frames(3, 5)},
		{s, 3, 9, frames(4, 5)},
		{e, 3, 9, frames(4, 5)},
		{e, 3, 7, frames(5)},
		{s, 3, 10, frames(2, 5)},
		{e, 3, 10, frames(2, 5)},
	}
	out := make([]*protocol.RawFuncLogNewPacket, len(evs))
	for i, ev := range evs {
		out[i] = rawLog(logutil.RawFuncLog{
			ID:        logutil.RawFuncLogID(i + 1),
			Tag:       ev.tag,
			Timestamp: baseTime + logutil.Time(i)*1500,
			Frames:    ev.frames,
			GID:       ev.gid,
			TxID:      ev.tx,
		})
	}
	return out
}

func conversationClient() []any {
	ps := packets(
		&protocol.ClientHelloPacket{AppName: "demo", ClientSecret: "s3cret", ProtocolVersion: "1"},
		&protocol.SymbolPacket{Symbols: &logutil.Symbols{Writable: false, KeepID: true}},
	)
	for i, l := range conversationLogs() {
		if i > 0 && i%5 == 0 {
			ps = append(ps, &protocol.PingPacket{})
		}
		ps = append(ps, l)
	}
	return append(ps, &protocol.ShutdownPacket{})
}

func frameFiles() []frameFile {
	long := strings.Repeat("goapptrace/", 20) // 220 bytes: a 2-byte gob length
	return []frameFile{
		{
			name: "client_hello.frames",
			desc: "ClientHelloPacket: zero value, the usual hello, only a version, an incompatible \"1.0\", unicode, JSON-special characters and a 220-byte name",
			packets: packets(
				&protocol.ClientHelloPacket{},
				&protocol.ClientHelloPacket{AppName: "demo", ClientSecret: "s3cret", ProtocolVersion: "1"},
				&protocol.ClientHelloPacket{ProtocolVersion: "1"},
				&protocol.ClientHelloPacket{AppName: "demo", ClientSecret: "", ProtocolVersion: "1.0"},
				&protocol.ClientHelloPacket{AppName: "トレース対象 ✓ 🚀", ClientSecret: "ключ-é", ProtocolVersion: "1"},
				&protocol.ClientHelloPacket{AppName: "a\"b\\c\n<&>\t\x00\x1f", ClientSecret: " ", ProtocolVersion: "1"},
				&protocol.ClientHelloPacket{AppName: long, ClientSecret: strings.Repeat("x", 127), ProtocolVersion: strings.Repeat("9", 128)},
			),
		},
		{
			name: "server_hello.frames",
			desc: "ServerHelloPacket: zero value, \"1\", a \"major.minor\" version, unicode",
			packets: packets(
				&protocol.ServerHelloPacket{},
				&protocol.ServerHelloPacket{ProtocolVersion: "1"},
				&protocol.ServerHelloPacket{ProtocolVersion: "1.23"},
				&protocol.ServerHelloPacket{ProtocolVersion: "版本①"},
			),
		},
		{
			name:    "log.frames",
			desc:    "LogPacket (no fields) twice: every frame repeats the type definitions",
			packets: packets(&protocol.LogPacket{}, &protocol.LogPacket{}),
		},
		{
			name:    "ping.frames",
			desc:    "PingPacket (no fields) three times; with Go 1.26 ids (HeaderPacket 64, PingPacket 65) the first frame is the spec's worked example with those ids: 78 bytes, length 0x4a",
			packets: packets(&protocol.PingPacket{}, &protocol.PingPacket{}, &protocol.PingPacket{}),
		},
		{
			name:    "shutdown.frames",
			desc:    "ShutdownPacket (no fields) twice",
			packets: packets(&protocol.ShutdownPacket{}, &protocol.ShutdownPacket{}),
		},
		{
			name: "start_trace_cmd.frames",
			desc: "StartTraceCmdPacket: zero value, typical, FuncID at the gob uint boundaries 127/128/255/256/2^32 and MaxUint64, empty and unicode module names",
			packets: packets(
				&protocol.StartTraceCmdPacket{},
				&protocol.StartTraceCmdPacket{FuncID: 3, ModuleName: "main"},
				&protocol.StartTraceCmdPacket{FuncID: 127, ModuleName: "github.com/yuuki0xff/goapptrace"},
				&protocol.StartTraceCmdPacket{FuncID: 128, ModuleName: ""},
				&protocol.StartTraceCmdPacket{FuncID: 255, ModuleName: "モジュール"},
				&protocol.StartTraceCmdPacket{FuncID: 256, ModuleName: "m"},
				&protocol.StartTraceCmdPacket{FuncID: 1 << 32, ModuleName: "main"},
				&protocol.StartTraceCmdPacket{FuncID: math.MaxUint64, ModuleName: "main"},
			),
		},
		{
			name: "stop_trace_cmd.frames",
			desc: "StopTraceCmdPacket: zero value, typical, FuncID 1<<63 and MaxUint64 with an empty module name, unicode",
			packets: packets(
				&protocol.StopTraceCmdPacket{},
				&protocol.StopTraceCmdPacket{FuncID: 3, ModuleName: "main"},
				&protocol.StopTraceCmdPacket{FuncID: 1 << 63, ModuleName: "net/http"},
				&protocol.StopTraceCmdPacket{FuncID: math.MaxUint64},
				&protocol.StopTraceCmdPacket{FuncID: 42, ModuleName: "日本語/パッケージ"},
			),
		},
		{
			name: "symbol.frames",
			desc: "SymbolPacket: nil Symbols (the Symbols type is still defined), a zero Symbols (an empty struct is sent), each flag, both flags, and a Symbols with filled unexported tables (still only two bools)",
			packets: packets(
				&protocol.SymbolPacket{},
				&protocol.SymbolPacket{Symbols: &logutil.Symbols{}},
				&protocol.SymbolPacket{Symbols: &logutil.Symbols{Writable: true}},
				&protocol.SymbolPacket{Symbols: &logutil.Symbols{KeepID: true}},
				&protocol.SymbolPacket{Symbols: &logutil.Symbols{Writable: true, KeepID: true}},
				&protocol.SymbolPacket{Symbols: filledSymbols()},
			),
		},
		{
			name: "raw_func_log_new.frames",
			desc: "RawFuncLogNewPacket: nil FuncLog, a zero RawFuncLog, funcStart and funcEnd, empty vs nil Frames, extreme integers (MinInt64/MaxInt64/MaxUint64), negative values, 64 Frames, an empty and a unicode Tag",
			packets: packets(
				&protocol.RawFuncLogNewPacket{},
				rawLog(logutil.RawFuncLog{}),
				rawLog(logutil.RawFuncLog{ID: 1, Tag: logutil.FuncStart, Timestamp: baseTime, Frames: frames(3, 2, 1), GID: 1, TxID: 1}),
				rawLog(logutil.RawFuncLog{ID: 2, Tag: logutil.FuncEnd, Timestamp: baseTime + 876543, Frames: frames(3, 2, 1), GID: 1, TxID: 1}),
				rawLog(logutil.RawFuncLog{ID: 3, Tag: logutil.FuncStart, Timestamp: baseTime + 1000000, Frames: []logutil.FuncStatusID{}, GID: 7, TxID: 2}),
				rawLog(logutil.RawFuncLog{ID: 4, Tag: logutil.FuncEnd, Timestamp: baseTime + 2000000, Frames: nil, GID: 7, TxID: 2}),
				rawLog(logutil.RawFuncLog{ID: math.MaxInt, Tag: logutil.FuncStart, Timestamp: math.MinInt64, Frames: frames(0, math.MaxUint64, 1<<63, 127, 128), GID: math.MaxInt64, TxID: math.MaxUint64}),
				rawLog(logutil.RawFuncLog{ID: math.MinInt, Tag: logutil.FuncEnd, Timestamp: math.MaxInt64, Frames: frames(math.MaxUint64), GID: math.MinInt64, TxID: 0}),
				rawLog(logutil.RawFuncLog{ID: -1, Tag: logutil.FuncStart, Timestamp: -1, Frames: frames(1), GID: -1, TxID: 1 << 32}),
				rawLog(logutil.RawFuncLog{ID: 100, Tag: logutil.FuncStart, Timestamp: baseTime + 3000000, Frames: sixtyFourFrames(), GID: 12345, TxID: 99}),
				rawLog(logutil.RawFuncLog{ID: 101, Tag: "", Timestamp: 0, Frames: frames(1), GID: 0, TxID: 3}),
				rawLog(logutil.RawFuncLog{ID: 102, Tag: "関数開始 ✓", Timestamp: 1, Frames: frames(2), GID: 1, TxID: 4}),
			),
		},
		{
			name: "mixed.frames",
			desc: "one packet of each type in reverse PacketType order (RawFuncLogNew, Symbol, StopTraceCmd, StartTraceCmd, Shutdown, Ping, Log, ServerHello, ClientHello), then RawFuncLogNew and Ping again: type ids follow first use",
			packets: packets(
				rawLog(logutil.RawFuncLog{ID: 1, Tag: logutil.FuncStart, Timestamp: baseTime, Frames: frames(3, 2, 1), GID: 1, TxID: 1}),
				&protocol.SymbolPacket{Symbols: &logutil.Symbols{Writable: true}},
				&protocol.StopTraceCmdPacket{FuncID: 3, ModuleName: "main"},
				&protocol.StartTraceCmdPacket{FuncID: 3, ModuleName: "main"},
				&protocol.ShutdownPacket{},
				&protocol.PingPacket{},
				&protocol.LogPacket{},
				&protocol.ServerHelloPacket{ProtocolVersion: "1"},
				&protocol.ClientHelloPacket{AppName: "demo", ClientSecret: "s3cret", ProtocolVersion: "1"},
				rawLog(logutil.RawFuncLog{ID: 2, Tag: logutil.FuncEnd, Timestamp: baseTime + 1500, Frames: frames(3, 2, 1), GID: 1, TxID: 1}),
				&protocol.PingPacket{},
			),
		},
		{
			name:    "conversation_client.frames",
			desc:    "what a Go client process sends in one connection: ClientHello, Symbol, 20 RawFuncLogNew records (3 goroutines, nested funcStart/funcEnd pairs) with a Ping between each group of 5 records, then Shutdown",
			packets: conversationClient(),
		},
		{
			name: "conversation_server.frames",
			desc: "what a Go server process sends in one connection: ServerHello, StartTraceCmd, StopTraceCmd, Shutdown (the Go server sends no pings)",
			packets: packets(
				&protocol.ServerHelloPacket{ProtocolVersion: "1"},
				&protocol.StartTraceCmdPacket{FuncID: 3, ModuleName: "main"},
				&protocol.StopTraceCmdPacket{FuncID: 3, ModuleName: "main"},
				&protocol.ShutdownPacket{},
			),
		},
	}
}
