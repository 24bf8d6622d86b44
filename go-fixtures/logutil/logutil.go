// Package logutil holds the types of goapptrace's tracer/logutil package that
// reach the wire (and the gob fixture corpus). They live outside package main
// so that their wire names carry the package qualifier "logutil".
package logutil

import "strconv"

// FuncID identifies a function symbol.
type FuncID uint64

// FuncStatusID identifies a function status record (a program counter
// inside a function).
type FuncStatusID uint64

// RawFuncLogID numbers raw function log records.
type RawFuncLogID int

// TagName says whether a RawFuncLog records a function start or end.
type TagName string

// The tags the Go tracer writes.
const (
	FuncStart TagName = "funcStart"
	FuncEnd   TagName = "funcEnd"
)

// GID is a goroutine id.
type GID int64

// TxID pairs the start and end records of one function call.
type TxID uint64

// Time is a timestamp in Unix nanoseconds. MarshalText makes it a decimal
// string in JSON; gob ignores TextMarshaler, so it travels as a plain int.
type Time int64

func (t Time) MarshalText() ([]byte, error) {
	return strconv.AppendInt(nil, int64(t), 10), nil
}

func (t *Time) UnmarshalText(text []byte) error {
	n, err := strconv.ParseInt(string(text), 10, 64)
	if err != nil {
		return err
	}
	*t = Time(n)
	return nil
}

// RawFuncLog mirrors goapptrace's raw function log record. Frames[0] is the
// current frame, Frames[1] its caller, and so on.
type RawFuncLog struct {
	ID        RawFuncLogID
	Tag       TagName
	Timestamp Time
	Frames    []FuncStatusID
	GID       GID
	TxID      TxID
}

// FuncSymbol describes one function.
type FuncSymbol struct {
	ID    FuncID
	Name  string
	File  string
	Entry uintptr
}

// FuncStatus describes one position inside a function.
type FuncStatus struct {
	ID   FuncStatusID
	Func FuncID
	Line uint64
	PC   uintptr
}

// Symbols is goapptrace's symbol table. Its tables are unexported, so gob
// sends only Writable and KeepID.
type Symbols struct {
	Writable bool
	KeepID   bool

	funcs      []*FuncSymbol // index: FuncID
	funcStatus []*FuncStatus // index: FuncStatusID
}

// Load replaces the tables.
func (s *Symbols) Load(funcs []*FuncSymbol, funcStatus []*FuncStatus) {
	s.funcs = append([]*FuncSymbol(nil), funcs...)
	s.funcStatus = append([]*FuncStatus(nil), funcStatus...)
}

// Len returns the sizes of the tables.
func (s *Symbols) Len() (funcs, funcStatus int) {
	return len(s.funcs), len(s.funcStatus)
}
