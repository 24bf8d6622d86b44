//go:build !linux

package main

// limitOracleMemory has no portable implementation outside Linux; there the
// oracle worker runs without a memory cap.
func limitOracleMemory(limit uint64) {}
