//go:build linux

package main

import "syscall"

// limitOracleMemory caps the address space of the oracle worker, so that a
// stream that makes encoding/gob allocate without bound kills the worker
// (and not the machine).
func limitOracleMemory(limit uint64) {
	var cur syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_AS, &cur); err == nil && cur.Cur < limit {
		return
	}
	_ = syscall.Setrlimit(syscall.RLIMIT_AS, &syscall.Rlimit{Cur: limit, Max: limit})
}
