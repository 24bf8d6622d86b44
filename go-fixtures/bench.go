package main

// bench: the Go side of scripts/bench-vs-go. The same cases and the same data
// as the Rust benchmarks in benches/codec.rs, timed with testing.Benchmark.
// Prints one JSON object {"case": nanoseconds, ...} on stdout: per op for
// the frame and stream cases, per record for the single cases (see below).
//
// The data: sampleLog(i) is RawFuncLog{ID: i, Tag: "funcStart" for odd i else
// "funcEnd", Timestamp: 1511136000123456789 + i, Frames: 8 program counters
// 0x4a0000 + f*0x40 + i for f = 0..7, GID: 7, TxID: i}.
//   frame_encode:  RawFuncLogNewPacket{&sampleLog(1)} to one frame, a fresh
//                  gob.Encoder per frame, as the Go tracer does.
//   frame_decode:  that frame back to a packet, a fresh gob.Decoder per frame.
//   stream_encode: sampleLog(1..10000) through one long-lived encoder (per op:
//                  all 10 000).
//   stream_decode: that stream back (per op: all 10 000).
//   single_encode: each of sampleLog(1..10000) as its own stream, a fresh
//                  gob.Encoder per record (so the type definitions are sent in
//                  every stream), into one reused buffer. Printed in ns per
//                  record (an op is all 10 000; the time is divided by 10 000).
//   single_decode: each of those single streams back, a fresh gob.Decoder per
//                  record. Printed in ns per record.
// serde_gob/benches/codec.rs times the same stream and single cases in Rust
// (serde_gob, and bincode and gobwire as references).

import (
	"bytes"
	"encoding/gob"
	"encoding/json"
	"fmt"
	"os"
	"testing"

	"goapptrace-proto/go-fixtures/logutil"
	"goapptrace-proto/go-fixtures/protocol"
)

func sampleLog(i int) *logutil.RawFuncLog {
	tag := logutil.TagName("funcEnd")
	if i%2 == 1 {
		tag = "funcStart"
	}
	frames := make([]logutil.FuncStatusID, 8)
	for f := range frames {
		frames[f] = logutil.FuncStatusID(0x4a0000 + f*0x40 + i)
	}
	return &logutil.RawFuncLog{
		ID:        logutil.RawFuncLogID(i),
		Tag:       tag,
		Timestamp: logutil.Time(1511136000123456789 + int64(i)),
		Frames:    frames,
		GID:       7,
		TxID:      logutil.TxID(i),
	}
}

func runBench(args []string) error {
	if len(args) != 0 {
		return fmt.Errorf("usage: bench")
	}
	packet := &protocol.RawFuncLogNewPacket{FuncLog: sampleLog(1)}
	frame, err := encodeFrame(packet)
	if err != nil {
		return err
	}
	logs := make([]*logutil.RawFuncLog, 10000)
	for i := range logs {
		logs[i] = sampleLog(i + 1)
	}
	var stream bytes.Buffer
	enc := gob.NewEncoder(&stream)
	for _, l := range logs {
		if err := enc.Encode(l); err != nil {
			return err
		}
	}

	singles := make([][]byte, len(logs))
	for i, l := range logs {
		var one bytes.Buffer
		if err := gob.NewEncoder(&one).Encode(l); err != nil {
			return err
		}
		singles[i] = one.Bytes()
	}

	results := map[string]float64{}
	var failure error
	fail := func(err error) {
		if failure == nil {
			failure = err
		}
	}
	measure := func(name string, f func(b *testing.B)) {
		r := testing.Benchmark(f)
		results[name] = float64(r.T.Nanoseconds()) / float64(r.N)
		fmt.Fprintf(os.Stderr, "go %-14s %12.0f ns/op (%d runs)\n", name, results[name], r.N)
	}
	// An op covers all the records; the result is per record.
	measurePerRecord := func(name string, f func(b *testing.B)) {
		r := testing.Benchmark(f)
		results[name] = float64(r.T.Nanoseconds()) / float64(r.N) / float64(len(logs))
		fmt.Fprintf(os.Stderr, "go %-14s %12.1f ns/record (%d runs of %d records)\n",
			name, results[name], r.N, len(logs))
	}
	measure("frame_encode", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, err := encodeFrame(packet); err != nil {
				fail(err)
			}
		}
	})
	measure("frame_decode", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, err := decodeFrame(frame[4:]); err != nil {
				fail(err)
			}
		}
	})
	measure("stream_encode", func(b *testing.B) {
		var out bytes.Buffer
		for i := 0; i < b.N; i++ {
			out.Reset()
			enc := gob.NewEncoder(&out)
			for _, l := range logs {
				if err := enc.Encode(l); err != nil {
					fail(err)
				}
			}
		}
	})
	measure("stream_decode", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			dec := gob.NewDecoder(bytes.NewReader(stream.Bytes()))
			for range logs {
				var l logutil.RawFuncLog
				if err := dec.Decode(&l); err != nil {
					fail(err)
				}
			}
		}
	})
	measurePerRecord("single_encode", func(b *testing.B) {
		var out bytes.Buffer
		for i := 0; i < b.N; i++ {
			for _, l := range logs {
				out.Reset()
				if err := gob.NewEncoder(&out).Encode(l); err != nil {
					fail(err)
				}
			}
		}
	})
	measurePerRecord("single_decode", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			for _, s := range singles {
				var l logutil.RawFuncLog
				if err := gob.NewDecoder(bytes.NewReader(s)).Decode(&l); err != nil {
					fail(err)
				}
			}
		}
	})
	if failure != nil {
		return failure
	}
	return json.NewEncoder(os.Stdout).Encode(results)
}
