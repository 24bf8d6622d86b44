package main

// The packet lists of the marshal-generation frame fixtures.

import (
	"math"
	"strings"

	mp "goapptrace-proto/go-fixtures/marshalproto"
)

// marshalFrameFile is one frames file of the marshal generation.
type marshalFrameFile struct {
	name    string
	desc    string
	packets []mp.Packet
	// lossy marks a file whose packets do not survive a round trip through
	// the manifest's JSON (FuncNames with invalid UTF-8); its manifest
	// entry lists the payloads in hex.
	lossy bool
}

func mpackets(ps ...mp.Packet) []mp.Packet { return ps }

// The timestamp of the first record of the marshal conversation
// (2018-08-07T16:00:00.123456789Z).
const marshalBaseTime mp.Time = 1533657600123456789

func mlog(l mp.RawFuncLog) *mp.RawFuncLogPacket { return &mp.RawFuncLogPacket{FuncLog: &l} }

func pcs(v ...uintptr) []uintptr { return v }

// sixtyFourPCs is a full stack as the Go tracer keeps it (at most 64
// frames), with values spread over the whole uint64 range.
func sixtyFourPCs() []uintptr {
	fs := make([]uintptr, 64)
	for i := range fs {
		fs[i] = uintptr(uint64(1)<<i + uint64(i))
	}
	fs[0] = 0
	fs[63] = math.MaxUint64
	return fs
}

// The demo program of the conversation: two files, one module, five
// functions (entry points), a line record at each entry and one inside.
const (
	pcMain   uintptr = 0x401000
	pcA      uintptr = 0x401100
	pcB      uintptr = 0x401200
	pcC      uintptr = 0x401300
	pcWorker uintptr = 0x401400
)

func demoSymbols() *mp.SymbolPacket {
	return &mp.SymbolPacket{SymbolsData: mp.SymbolsData{
		Files: []string{"/go/src/demo/main.go", "/go/src/demo/worker.go"},
		Mods:  []mp.GoModule{{Name: "", MinPC: 0x400000, MaxPC: 0x4fffff}},
		Funcs: []mp.GoFunc{
			{Entry: pcMain, Name: "main.main"},
			{Entry: pcA, Name: "main.a"},
			{Entry: pcB, Name: "main.b"},
			{Entry: pcC, Name: "main.c"},
			{Entry: pcWorker, Name: "main.worker"},
		},
		Lines: []mp.GoLine{
			{PC: pcMain, FileID: 0, Line: 10},
			{PC: pcMain + 0x24, FileID: 0, Line: 12},
			{PC: pcA, FileID: 0, Line: 20},
			{PC: pcA + 0x18, FileID: 0, Line: 22},
			{PC: pcB, FileID: 0, Line: 30},
			{PC: pcB + 0x30, FileID: 0, Line: 33},
			{PC: pcC, FileID: 0, Line: 40},
			{PC: pcC + 0x0c, FileID: 0, Line: 41},
			{PC: pcWorker, FileID: 1, Line: 5},
			{PC: pcWorker + 0x40, FileID: 1, Line: 9},
		},
	}}
}

// marshalConversationLogs are the 20 records of the client conversation:
// three goroutines with nested calls; every funcStart has a funcEnd with the
// same TxID and frames (program counters inside the demo functions).
func marshalConversationLogs() []mp.Packet {
	type ev struct {
		tag    mp.TagName
		gid    mp.GID
		tx     mp.TxID
		frames []uintptr
	}
	s, e := mp.FuncStart, mp.FuncEnd
	m, a, b, c, w := pcMain+0x24, pcA+0x18, pcB+0x30, pcC+0x0c, pcWorker+0x40
	evs := []ev{
		{s, 1, 1, pcs(m)},
		{s, 1, 2, pcs(a, m)},
		{e, 1, 2, pcs(a, m)},
		{s, 1, 3, pcs(b, m)},
		{s, 1, 4, pcs(c, b, m)},
		{e, 1, 4, pcs(c, b, m)},
		{e, 1, 3, pcs(b, m)},
		{e, 1, 1, pcs(m)},
		{s, 2, 5, pcs(w)},
		{s, 2, 6, pcs(a, w)},
		{e, 2, 6, pcs(a, w)},
		{e, 2, 5, pcs(w)},
		{s, 3, 7, pcs(w)},
		{s, 3, 8, pcs(b, w)},
		{e, 3, 8, pcs(b, w)},
		{s, 3, 9, pcs(c, w)},
		{e, 3, 9, pcs(c, w)},
		{e, 3, 7, pcs(w)},
		{s, 3, 10, pcs(a, w)},
		{e, 3, 10, pcs(a, w)},
	}
	out := make([]mp.Packet, len(evs))
	for i, ev := range evs {
		out[i] = mlog(mp.RawFuncLog{
			ID:        mp.RawFuncLogID(i + 1),
			Tag:       ev.tag,
			Timestamp: marshalBaseTime + mp.Time(i)*1500,
			Frames:    ev.frames,
			GID:       ev.gid,
			TxID:      ev.tx,
		})
	}
	return out
}

func marshalConversationClient() []mp.Packet {
	ps := mpackets(
		&mp.ClientHelloPacket{PID: 4242, AppName: "demo", Host: "go-peer-host", ClientSecret: "s3cret", ProtocolVersion: "1"},
		demoSymbols(),
	)
	for i, l := range marshalConversationLogs() {
		if i > 0 && i%5 == 0 {
			ps = append(ps, &mp.PingPacket{})
		}
		ps = append(ps, l)
	}
	return append(ps, &mp.ShutdownPacket{})
}

// marshalBatch is what a Go client's batch holds: the symbols, then records
// 1..100 of the peer client's sequence (see peer.go), a Ping after record 50.
func marshalBatch() []mp.Packet {
	ps := mpackets(marshalPeerSymbols())
	for i := 1; i <= 100; i++ {
		ps = append(ps, marshalPeerFuncLog(i))
		if i == 50 {
			ps = append(ps, &mp.PingPacket{})
		}
	}
	return ps
}

func startCmd(name string) mp.Packet { return &mp.StartTraceCmdPacket{FuncName: name} }
func stopCmd(name string) mp.Packet  { return &mp.StopTraceCmdPacket{FuncName: name} }

func marshalFrameFiles() []marshalFrameFile {
	long := strings.Repeat("goapptrace/", 30) // 330 bytes
	return []marshalFrameFile{
		{
			name: "client_hello.frames",
			desc: "ClientHelloPacket: zero value, the usual hello, the peer client's hello, PID 2^63 and MaxUint64, an incompatible \"1.0\", unicode, JSON-special characters and 330-byte strings",
			packets: mpackets(
				&mp.ClientHelloPacket{},
				&mp.ClientHelloPacket{PID: 12345, AppName: "demo", Host: "localhost", ClientSecret: "s3cret", ProtocolVersion: "1"},
				&mp.ClientHelloPacket{PID: 4242, AppName: "go-fixtures-peer", Host: "go-peer-host", ClientSecret: "", ProtocolVersion: "1"},
				&mp.ClientHelloPacket{PID: 1 << 63, AppName: "", Host: "", ClientSecret: "", ProtocolVersion: "1"},
				&mp.ClientHelloPacket{PID: math.MaxUint64, AppName: "demo", Host: "h", ClientSecret: "", ProtocolVersion: "1.0"},
				&mp.ClientHelloPacket{PID: 1, AppName: "トレース対象 ✓ 🚀", Host: "хост-é", ClientSecret: "ключ", ProtocolVersion: "1"},
				&mp.ClientHelloPacket{PID: 256, AppName: "a\"b\\c\n<&>\t\x00\x1f\u2028", Host: " ", ClientSecret: "\x7f", ProtocolVersion: "1"},
				&mp.ClientHelloPacket{PID: 0xffffffff, AppName: long, Host: strings.Repeat("h", 300), ClientSecret: strings.Repeat("x", 256), ProtocolVersion: strings.Repeat("9", 255)},
			),
		},
		{
			name: "server_hello.frames",
			desc: "ServerHelloPacket: zero value, \"1\", a \"major.minor\" version, unicode",
			packets: mpackets(
				&mp.ServerHelloPacket{},
				&mp.ServerHelloPacket{ProtocolVersion: "1"},
				&mp.ServerHelloPacket{ProtocolVersion: "1.23"},
				&mp.ServerHelloPacket{ProtocolVersion: "版本①"},
			),
		},
		{
			name:    "ping.frames",
			desc:    "PingPacket three times: each frame is 00000001 04",
			packets: mpackets(&mp.PingPacket{}, &mp.PingPacket{}, &mp.PingPacket{}),
		},
		{
			name:    "shutdown.frames",
			desc:    "ShutdownPacket twice: each frame is 00000001 05 (a Go peer decodes it as a PingPacket)",
			packets: mpackets(&mp.ShutdownPacket{}, &mp.ShutdownPacket{}),
		},
		{
			name: "start_trace_cmd.frames",
			desc: "StartTraceCmdPacket (u64 byte count + encoding/json of the struct): empty and typical names, then names exercising Go's JSON escaping one at a time (< > & as \\u003c \\u003e \\u0026, \" \\ \\n \\r \\t, \\u0000 \\u001f, \\b \\f (Go 1.22+ short forms; Go 1.21 and older wrote \\u0008 \\u000c), DEL and / unescaped, \\u2028 \\u2029), non-ASCII, an emoji, all at once, and a 1000-byte name",
			packets: mpackets(
				startCmd(""),
				startCmd("main.main"),
				startCmd("github.com/yuuki0xff/goapptrace/tracer/protocol.(*Client).Send"),
				startCmd("<"),
				startCmd(">"),
				startCmd("&"),
				startCmd("\""),
				startCmd("\\"),
				startCmd("\n"),
				startCmd("\r"),
				startCmd("\t"),
				startCmd("\x00"),
				startCmd("\x1f"),
				startCmd("\b"),
				startCmd("\f"),
				startCmd("\x7f"),
				startCmd("/"),
				startCmd("\u2028"),
				startCmd("\u2029"),
				startCmd("関数.メイン"),
				startCmd("🚀"),
				startCmd("x<y>&z\"q\\s\nr\rt\tn\x00u\x1fb\bf\f\u2028\u2029é/\x01\x7f"),
				startCmd(strings.Repeat("f", 1000)),
			),
		},
		{
			name: "stop_trace_cmd.frames",
			desc: "StopTraceCmdPacket (same body as StartTraceCmdPacket): empty and typical names, a method name with (*T), escaping of <>&, quotes and control characters, non-ASCII",
			packets: mpackets(
				stopCmd(""),
				stopCmd("main.main"),
				stopCmd("net/http.(*Server).Serve"),
				stopCmd("main.<lambda>&1"),
				stopCmd("\"quoted\"\\path\n\t\x00"),
				stopCmd("日本語/パッケージ.関数"),
			),
		},
		{
			name:  "json_escaping.frames",
			desc:  "FuncNames that are not valid UTF-8, which encoding/json writes as \\ufffd per invalid byte (so the decoded name has U+FFFD there and re-encoding it gives other bytes; payload_hex has the exact payloads). In order: Start \"a\\xffb\"; Start \"\\xe3\\x81\" (a truncated 3-byte sequence: two \\ufffd); Start \"\\xed\\xa0\\x80\" (an encoded surrogate: three \\ufffd); Start \"\\xc0\\xaf\" (overlong: two \\ufffd); Stop \"main.\\xfe<\\x00>\"; and for contrast Start and Stop with a valid U+FFFD, which encoding/json writes raw (ef bf bd)",
			lossy: true,
			packets: mpackets(
				startCmd("a\xffb"),
				startCmd("\xe3\x81"),
				startCmd("\xed\xa0\x80"),
				startCmd("\xc0\xaf"),
				stopCmd("main.\xfe<\x00>"),
				startCmd("\ufffd"),
				stopCmd("a\ufffdb"),
			),
		},
		{
			name: "symbol.frames",
			desc: "SymbolPacket (Files; Mods: Name, MinPC, MaxPC; Funcs: Name then Entry; Lines: PC u64, FileID u32, Line u32): all empty, the peer client's symbols, a demo program (2 files, 1 module, 5 functions, 10 lines), several modules with empty, unicode and long names, extreme values (MaxUint64 PCs, MaxUint32 FileID and Line), empty strings in every string slot",
			packets: mpackets(
				&mp.SymbolPacket{},
				marshalPeerSymbols(),
				demoSymbols(),
				&mp.SymbolPacket{SymbolsData: mp.SymbolsData{
					Files: []string{"/a.go", "/b/ファイル.go", "C:\\src\\c.go", strings.Repeat("d/", 150) + "e.go"},
					Mods: []mp.GoModule{
						{Name: "", MinPC: 0x1000, MaxPC: 0x1fff},
						{Name: "plugin/ü", MinPC: 0x2000, MaxPC: 0x2fff},
						{Name: long, MinPC: 0x7f0000000000, MaxPC: 0x7fffffffffff},
					},
					Funcs: []mp.GoFunc{
						{Entry: 0x1000, Name: "main.main"},
						{Entry: 0x1010, Name: "main.(*T).M"},
						{Entry: 0x2000, Name: "plugin/ü.Init"},
						{Entry: 0x7f0000000000, Name: "runtime.goexit"},
					},
					Lines: []mp.GoLine{
						{PC: 0x1000, FileID: 0, Line: 1},
						{PC: 0x1010, FileID: 1, Line: 100000},
						{PC: 0x2000, FileID: 2, Line: 7},
						{PC: 0x7f0000000000, FileID: 3, Line: 65536},
					},
				}},
				&mp.SymbolPacket{SymbolsData: mp.SymbolsData{
					Files: []string{"/max.go"},
					Mods:  []mp.GoModule{{Name: "max", MinPC: 1 << 63, MaxPC: math.MaxUint64}},
					Funcs: []mp.GoFunc{{Entry: math.MaxUint64, Name: "max.F"}},
					Lines: []mp.GoLine{{PC: math.MaxUint64, FileID: math.MaxUint32, Line: math.MaxUint32}},
				}},
				&mp.SymbolPacket{SymbolsData: mp.SymbolsData{
					Files: []string{""},
					Mods:  []mp.GoModule{{}},
					Funcs: []mp.GoFunc{{}},
					Lines: []mp.GoLine{{}},
				}},
			),
		},
		{
			name: "raw_func_log.frames",
			desc: "RawFuncLogPacket (ID i64, Tag u8, Timestamp i64, Frames u64 each, GID i64, TxID u64): a zero RawFuncLog, funcStart and funcEnd, no frames, extreme integers (MinInt64/MaxInt64/MaxUint64), negative ID, Timestamp and GID, 64 frames",
			packets: mpackets(
				mlog(mp.RawFuncLog{}),
				mlog(mp.RawFuncLog{ID: 1, Tag: mp.FuncStart, Timestamp: marshalBaseTime, Frames: pcs(0x401024, 0x401000), GID: 1, TxID: 1}),
				mlog(mp.RawFuncLog{ID: 2, Tag: mp.FuncEnd, Timestamp: marshalBaseTime + 876543, Frames: pcs(0x401024, 0x401000), GID: 1, TxID: 1}),
				mlog(mp.RawFuncLog{ID: 3, Tag: mp.FuncStart, Timestamp: marshalBaseTime + 1000000, Frames: []uintptr{}, GID: 7, TxID: 2}),
				mlog(mp.RawFuncLog{ID: math.MaxInt64, Tag: mp.FuncStart, Timestamp: math.MinInt64, Frames: pcs(0, math.MaxUint64, 1<<63, 255, 256), GID: math.MaxInt64, TxID: math.MaxUint64}),
				mlog(mp.RawFuncLog{ID: math.MinInt64, Tag: mp.FuncEnd, Timestamp: math.MaxInt64, Frames: pcs(math.MaxUint64), GID: math.MinInt64, TxID: 0}),
				mlog(mp.RawFuncLog{ID: -1, Tag: mp.FuncStart, Timestamp: -1, Frames: pcs(1), GID: -1, TxID: 1 << 32}),
				mlog(mp.RawFuncLog{ID: 100, Tag: mp.FuncStart, Timestamp: marshalBaseTime + 3000000, Frames: sixtyFourPCs(), GID: 12345, TxID: 99}),
				mlog(mp.RawFuncLog{ID: 101, Tag: mp.FuncEnd, Timestamp: marshalBaseTime + 4000000, Frames: sixtyFourPCs(), GID: 12345, TxID: 99}),
			),
		},
		{
			name:    "batch.frames",
			desc:    "what one batched write of a Go client holds: SymbolPacket (the peer client's), then RawFuncLogPacket records 1..100 of the peer client's sequence (formula in peer.go) back to back, with a PingPacket after record 50",
			packets: marshalBatch(),
		},
		{
			name:    "conversation_client.frames",
			desc:    "what a Go client process sends in one connection: ClientHello (PID 4242, Host go-peer-host), Symbol (2 files, 1 module, 5 functions, 10 lines), 20 RawFuncLog records (3 goroutines, nested funcStart/funcEnd pairs, program counters inside the functions) with a Ping between each group of 5, then Shutdown",
			packets: marshalConversationClient(),
		},
		{
			name: "conversation_server.frames",
			desc: "what a Go server process sends in one connection: ServerHello, StartTraceCmd main.main, StopTraceCmd main.main, Shutdown (the Go server sends no pings)",
			packets: mpackets(
				&mp.ServerHelloPacket{ProtocolVersion: "1"},
				startCmd("main.main"),
				stopCmd("main.main"),
				&mp.ShutdownPacket{},
			),
		},
	}
}
