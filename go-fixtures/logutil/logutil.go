// Package logutil holds gob fixture types that live outside package main, so
// that their wire names carry a package qualifier.
package logutil

// FuncStatusID identifies a function status record.
type FuncStatusID uint64

// RawFuncLog mirrors the shape of goapptrace's raw function log record.
type RawFuncLog struct {
	ID        int
	Tag       string
	Timestamp int64
	Frames    []FuncStatusID
	GID       int64
	TxID      uint64
}
