// Package types holds the record types of goapptrace's tracer/types package
// (final revision, Aug 2018) that its log store writes with encoding/gob:
// the compact logs, the .symbol files. gob sends the name of a type that is
// not a struct with its package qualifier ("[]types.GoModule"), so the
// package is named types, as the Go tracer's is.
//
// The Go tracer's fields carry json tags; gob ignores them, so they are left
// out here.
package types

// RawFuncLogID numbers raw function log records.
type RawFuncLogID int64

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

// GoFunc is a function: its entry point and name.
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

// IsZero reports whether d is the zero value as gob sees it: all four
// slices empty (gob does not tell a nil slice from an empty one).
func (d *SymbolsData) IsZero() bool {
	return len(d.Files) == 0 && len(d.Mods) == 0 && len(d.Funcs) == 0 && len(d.Lines) == 0
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

// IsZero reports whether l is the zero value as gob sees it: every number
// zero and no frames.
func (l *RawFuncLog) IsZero() bool {
	return l.ID == 0 && l.Tag == 0 && l.Timestamp == 0 && len(l.Frames) == 0 && l.GID == 0 && l.TxID == 0
}
