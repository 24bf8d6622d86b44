package main

// The contents of the log-store fixtures (goapptrace-storage): the compact
// logs, the .symbol and the .index files.

import (
	"math"

	"goapptrace-proto/go-fixtures/storage"
	"goapptrace-proto/go-fixtures/types"
)

// compactWrite is one CompactLogWriter.Write call; a nil half is what
// FileSender passes (SendSymbols: funclog nil; SendLog: data nil).
type compactWrite struct {
	data    *types.SymbolsData
	funclog *types.RawFuncLog
}

func sendSymbols(d types.SymbolsData) compactWrite { return compactWrite{data: &d} }
func sendLog(l types.RawFuncLog) compactWrite      { return compactWrite{funclog: &l} }

// The traced program of the tracer case: three files, two modules, five
// functions, six line records; everything sorted as the tracer sorts it.
const (
	stPcMain    uintptr = 0x401000
	stPcWorker  uintptr = 0x401200
	stPcCompute uintptr = 0x401400
	stPcHandle  uintptr = 0x401600
	stPcGoexit  uintptr = 0x45c000
)

// The timestamp of the first record of the tracer case
// (2018-08-07T16:00:00Z).
const storageBaseTime types.Time = 1533657600000000000

func tracerSymbols() types.SymbolsData {
	return types.SymbolsData{
		Files: []string{"/src/app/main.go", "/src/app/worker.go", "/usr/local/go/src/runtime/asm_amd64.s"},
		Mods: []types.GoModule{
			{Name: "/src/app/app", MinPC: 0x400000, MaxPC: 0x4fffff},
			{Name: "/src/app/plugin.so", MinPC: 0x7f3a00000000, MaxPC: 0x7f3a000fffff},
		},
		Funcs: []types.GoFunc{
			{Entry: stPcMain, Name: "main.main"},
			{Entry: stPcWorker, Name: "main.worker"},
			{Entry: stPcCompute, Name: "main.compute"},
			{Entry: stPcHandle, Name: "main.(*Server).Handle"},
			{Entry: stPcGoexit, Name: "runtime.goexit"},
		},
		Lines: []types.GoLine{
			{PC: stPcMain, FileID: 0, Line: 10},
			{PC: stPcMain + 0x24, FileID: 0, Line: 12},
			{PC: stPcWorker + 0x10, FileID: 1, Line: 5},
			{PC: stPcCompute + 0x10, FileID: 1, Line: 20},
			{PC: stPcHandle + 0x20, FileID: 0, Line: 40},
			{PC: stPcGoexit + 0x1, FileID: 2, Line: 2361},
		},
	}
}

// tracerLogs: five calls on two goroutines, a funcStart and a funcEnd each,
// in the order a tracer sees them. main.main (TxID 1, GID 1) calls
// (*Server).Handle (4) and compute (5); worker (2, GID 2) calls compute (3).
func tracerLogs() []types.RawFuncLog {
	mainFrames := []uintptr{stPcMain + 0x24, stPcGoexit + 0x1}
	workerFrames := []uintptr{stPcWorker + 0x10, stPcGoexit + 0x1}
	computeInWorker := []uintptr{stPcCompute + 0x10, stPcWorker + 0x10, stPcGoexit + 0x1}
	handleFrames := []uintptr{stPcHandle + 0x20, stPcCompute + 0x10, stPcMain + 0x24, stPcGoexit + 0x1}
	computeInMain := []uintptr{stPcCompute + 0x10}
	steps := []struct {
		tag    types.TagName
		tx     types.TxID
		gid    types.GID
		frames []uintptr
	}{
		{types.FuncStart, 1, 1, mainFrames},
		{types.FuncStart, 2, 2, workerFrames},
		{types.FuncStart, 3, 2, computeInWorker},
		{types.FuncEnd, 3, 2, computeInWorker},
		{types.FuncStart, 4, 1, handleFrames},
		{types.FuncEnd, 4, 1, handleFrames},
		{types.FuncEnd, 2, 2, workerFrames},
		{types.FuncStart, 5, 1, computeInMain},
		{types.FuncEnd, 5, 1, computeInMain},
		{types.FuncEnd, 1, 1, mainFrames},
	}
	logs := make([]types.RawFuncLog, len(steps))
	for i, s := range steps {
		logs[i] = types.RawFuncLog{
			ID:        types.RawFuncLogID(i + 1),
			Tag:       s.tag,
			Timestamp: storageBaseTime + types.Time(i)*1000,
			Frames:    append([]uintptr(nil), s.frames...),
			GID:       s.gid,
			TxID:      s.tx,
		}
	}
	return logs
}

func tracerWrites() []compactWrite {
	ws := []compactWrite{sendSymbols(tracerSymbols())}
	for _, l := range tracerLogs() {
		ws = append(ws, sendLog(l))
	}
	return ws
}

func edgeWrites() []compactWrite {
	frames64 := make([]uintptr, 64)
	for i := range frames64 {
		frames64[i] = 0x401000 + uintptr(i)*0x10
	}
	both := compactWrite{
		data: &types.SymbolsData{
			Files: []string{""},
			Mods:  []types.GoModule{{Name: "", MinPC: 0, MaxPC: 0}},
			Funcs: []types.GoFunc{{Entry: 0, Name: ""}},
			Lines: []types.GoLine{{PC: 0, FileID: 0, Line: 0}},
		},
		funclog: &types.RawFuncLog{ID: 5, Tag: types.FuncEnd, Timestamp: storageBaseTime + 5000,
			Frames: []uintptr{0x401010}, GID: 3, TxID: 4},
	}
	return []compactWrite{
		sendSymbols(types.SymbolsData{
			Files: []string{"/src/edge/main.go"},
			Mods:  []types.GoModule{{Name: "", MinPC: 0x400000, MaxPC: math.MaxUint64}},
			Funcs: []types.GoFunc{{Entry: 0x401000, Name: "main.main"}, {Entry: math.MaxUint64, Name: ""}},
			Lines: []types.GoLine{{PC: 0x401000, FileID: 0, Line: 1}, {PC: math.MaxUint64, FileID: math.MaxUint32, Line: math.MaxUint32}},
		}),
		// Every number zero, but one frame: not the zero value.
		sendLog(types.RawFuncLog{Frames: []uintptr{0x401000}}),
		sendLog(types.RawFuncLog{ID: 1, Tag: types.FuncStart, Timestamp: storageBaseTime, GID: 1, TxID: 1}),
		sendLog(types.RawFuncLog{ID: 2, Tag: types.FuncStart, Timestamp: storageBaseTime + 1000,
			Frames: frames64, GID: 1, TxID: 2}),
		sendLog(types.RawFuncLog{ID: 3, Tag: types.FuncEnd, Timestamp: -storageBaseTime,
			Frames: []uintptr{math.MaxUint64, 0x401000}, GID: -1, TxID: math.MaxUint64}),
		sendSymbols(types.SymbolsData{
			Files: []string{"/src/edge/plugin/p.go", "/src/edge/plugin/q.go"},
			Mods:  []types.GoModule{{Name: "/src/edge/plugin.so", MinPC: 0x7f0000000000, MaxPC: 0x7f00000fffff}},
			Funcs: []types.GoFunc{{Entry: 0x7f0000001000, Name: "plugin/edge.Init"}},
			Lines: []types.GoLine{{PC: 0x7f0000001000, FileID: 1, Line: 7}},
		}),
		sendSymbols(types.SymbolsData{Files: []string{"/src/edge/only_files.go"}}),
		both,
		sendLog(types.RawFuncLog{ID: math.MaxInt64, Tag: types.FuncStart, Timestamp: math.MinInt64,
			Frames: []uintptr{0}, GID: math.MinInt64, TxID: 0}),
		sendLog(types.RawFuncLog{ID: -1, Tag: types.FuncEnd, Timestamp: math.MaxInt64,
			Frames: []uintptr{1, 2, 3}, GID: math.MaxInt64, TxID: 1 << 32}),
	}
}

// storageFile is one file of the goapptrace-storage set, written once per
// era as <base>_<era><ext>.
type storageFile struct {
	base, ext string
	kind      string // "compactlog", "symbol" or "index"
	desc      string
	compact   []compactWrite      // kind compactlog
	symbols   []types.SymbolsData // kind symbol: the values of the one Write
	index     []storage.IndexRecord
}

func (sf storageFile) key() string { return sf.base + sf.ext }

func (sf storageFile) fileName(era gobEra) string { return sf.base + "_" + string(era) + sf.ext }

const (
	storageLogID1 = "00112233445566778899aabbccddeeff"
	storageLogID2 = "ffeeddccbbaa99887766554433221100"
)

func storageFiles() []storageFile {
	secondSymbols := types.SymbolsData{
		Files: []string{"/src/app/main.go", "/src/app/worker.go", "/src/app/server.go"},
		Mods:  []types.GoModule{{Name: "/src/app/app", MinPC: 0x400000, MaxPC: 0x5fffff}},
		Funcs: []types.GoFunc{
			{Entry: stPcMain, Name: "main.main"},
			{Entry: 0x501000, Name: "main.serve"},
		},
		Lines: []types.GoLine{
			{PC: stPcMain, FileID: 0, Line: 10},
			{PC: 0x501000, FileID: 2, Line: 3},
			{PC: 0x501040, FileID: 2, Line: 8},
		},
	}
	const sec = types.Time(1e9)
	return []storageFile{
		{
			base: "compactlog_tracer", ext: ".gob", kind: "compactlog",
			desc: "what a tracer's logger.FileSender writes: SendSymbols (3 files, 2 modules, 5 functions, 6 lines), " +
				"then SendLog of 10 RawFuncLogs (funcStart and funcEnd of 5 calls on goroutines 1 and 2, " +
				"1 to 4 frames, Timestamp 1533657600000000000 + i*1000); each Write is a SymbolsData and a RawFuncLog",
			compact: tracerWrites(),
		},
		{
			base: "compactlog_edge", ext: ".gob", kind: "compactlog",
			desc: "a SymbolsData with empty Names and MaxUint64 PCs; a funclog whose numbers are all zero but with one frame; " +
				"one with no frames; one with 64 frames; negative Timestamp and GID with TxID MaxUint64 and a MaxUint64 frame; " +
				"a second SymbolsData in the middle; a SymbolsData with only Files; one Write with both halves set " +
				"(empty strings in every string slot); MinInt64/MaxInt64 and a negative ID",
			compact: edgeWrites(),
		},
		{
			base: "compactlog_symbols_only", ext: ".gob", kind: "compactlog",
			desc:    "SendSymbols once (the tracer case's symbols), no logs",
			compact: []compactWrite{sendSymbols(tracerSymbols())},
		},
		{
			base: "compactlog_empty", ext: ".gob", kind: "compactlog",
			desc:    "the writer opened and closed with no Write: a zero-length file",
			compact: []compactWrite{},
		},
		{
			base: storageLogID1, ext: ".symbol", kind: "symbol",
			desc:    "SymbolsStore.Write of one SymbolsData (the tracer case's symbols)",
			symbols: []types.SymbolsData{tracerSymbols()},
		},
		{
			base: storageLogID2, ext: ".symbol", kind: "symbol",
			desc: "one Write encoding two SymbolsData values in the same gob stream (the tracer case's symbols, " +
				"then another with all four slices non-empty); the reader keeps the last",
			symbols: []types.SymbolsData{tracerSymbols(), secondSymbols},
		},
		{
			base: storageLogID1, ext: ".index", kind: "index",
			desc: "Index.Save of 3 IndexRecords (IDs 0-9999, 10000-19999, 20000-24999, one second of calls each)",
			index: []storage.IndexRecord{
				{MinID: 0, MaxID: 9999, MinStart: storageBaseTime, MaxStart: storageBaseTime + sec - 2000,
					MinEnd: storageBaseTime + 1000, MaxEnd: storageBaseTime + sec - 1000},
				{MinID: 10000, MaxID: 19999, MinStart: storageBaseTime + sec, MaxStart: storageBaseTime + 2*sec - 2000,
					MinEnd: storageBaseTime + sec + 1000, MaxEnd: storageBaseTime + 2*sec - 1000},
				{MinID: 20000, MaxID: 24999, MinStart: storageBaseTime + 2*sec, MaxStart: storageBaseTime + 3*sec - 5000,
					MinEnd: storageBaseTime + 2*sec + 3000, MaxEnd: storageBaseTime + 3*sec + 250000000},
			},
		},
		{
			base: storageLogID2, ext: ".index", kind: "index",
			desc:  "Index.Save of an empty records slice ([]IndexRecord{})",
			index: []storage.IndexRecord{},
		},
	}
}

func findStorageFile(key string) (storageFile, bool) {
	for _, sf := range storageFiles() {
		if sf.key() == key {
			return sf, true
		}
	}
	return storageFile{}, false
}
