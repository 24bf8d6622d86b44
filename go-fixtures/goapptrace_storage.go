package main

// The gob files of goapptrace's log store (see package storage): compact
// logs, <id>.symbol and <id>.index files.
//
// goapptrace-storage writes every entry of storageFiles once per gob era
// (original: the type ids of the Go of 2017-2018, from 65; current: this Go's,
// from 64), each file from a fresh child process (goapptrace-storage-file),
// since gob type ids are process-wide and assigned at first use. It then
// reads every file back with the Go readers and lists what they return in
// manifest.json:
//
//	compactlog: "records", one {"symbols", "funclog"} per Read, and
//	            "packets", the marshal-generation packets a converter prints
//	            for them (a SymbolPacket for a non-zero symbols half, then a
//	            RawFuncLogPacket for a non-zero funclog half);
//	symbol:     "values", how many SymbolsData the file holds, and "last",
//	            the one the reader keeps;
//	index:      "records", the IndexRecords.
//
// Values are in the JSON form of the goapptrace-marshal manifest (Go field
// names in declaration order, numbers as JSON numbers, empty slices as []).
//
// goapptrace-storage-verify reads a file written by someone else with the Go
// readers and prints the same JSON; goapptrace-storage-bench times the
// CompactLogReader on a compact log.

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"time"

	"goapptrace-proto/go-fixtures/storage"
	"goapptrace-proto/go-fixtures/types"
)

const defaultGoapptraceStorageDir = "../testdata/goapptrace-storage"

// renderPlainJSON renders a value (struct, slice, pointer) in the one-line JSON
// form of renderPacket, without the "packet" member.
func renderPlainJSON(v any) string {
	var r renderer
	renderPlain(&r, reflect.ValueOf(v))
	return r.String()
}

// writeStorageFile writes sf at path.
func writeStorageFile(sf storageFile, path string) error {
	// The .symbol writer appends: start from nothing.
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	switch sf.kind {
	case "compactlog":
		w, err := storage.CreateCompactLog(path)
		if err != nil {
			return err
		}
		for i, cw := range sf.compact {
			if err := w.Write(cw.data, cw.funclog); err != nil {
				w.Close()
				return fmt.Errorf("write %d: %w", i, err)
			}
		}
		return w.Close()
	case "symbol":
		return storage.WriteSymbols(path, sf.symbols...)
	case "index":
		return storage.SaveIndex(path, sf.index)
	}
	return fmt.Errorf("unknown kind %q", sf.kind)
}

// runGoapptraceStorageFile writes one file of the set in an era; it must run
// in a process that has not used gob yet.
func runGoapptraceStorageFile(args []string) error {
	if len(args) != 4 || args[2] != "--era" {
		return errors.New("usage: goapptrace-storage-file KEY OUTDIR --era original|current")
	}
	era := gobEra(args[3])
	if err := era.enter(); err != nil {
		return err
	}
	sf, ok := findStorageFile(args[0])
	if !ok {
		return fmt.Errorf("no storage file %q", args[0])
	}
	name := sf.fileName(era)
	if err := writeStorageFile(sf, filepath.Join(args[1], name)); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

type storageManifest struct {
	Files []any `json:"files"`
}

type compactLogManifestFile struct {
	File        string                 `json:"file"`
	Kind        string                 `json:"kind"`
	Era         string                 `json:"era"`
	Description string                 `json:"description"`
	Records     []compactManifestEntry `json:"records"`
	Packets     []json.RawMessage      `json:"packets"`
}

type compactManifestEntry struct {
	Symbols json.RawMessage `json:"symbols"`
	Funclog json.RawMessage `json:"funclog"`
}

type symbolManifestFile struct {
	File        string          `json:"file"`
	Kind        string          `json:"kind"`
	Era         string          `json:"era"`
	Description string          `json:"description"`
	Values      int             `json:"values"`
	Last        json.RawMessage `json:"last"`
}

type indexManifestFile struct {
	File        string          `json:"file"`
	Kind        string          `json:"kind"`
	Era         string          `json:"era"`
	Description string          `json:"description"`
	Records     json.RawMessage `json:"records"`
}

// compactRecord is one Read of a compact log.
type compactRecord struct {
	data    *types.SymbolsData
	funclog *types.RawFuncLog
}

// readCompactLog reads every record of a compact log from r. On a failure it
// returns the records before it and an error naming the record's index.
func readCompactLog(r io.Reader) ([]compactRecord, error) {
	cr := storage.NewCompactLogReader(r)
	var out []compactRecord
	for {
		d, l, err := cr.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, fmt.Errorf("record %d: %w", len(out), err)
		}
		out = append(out, compactRecord{d, l})
	}
}

func compactPackets(recs []compactRecord) []string {
	var out []string
	for _, rec := range recs {
		for _, p := range storage.RecordPackets(rec.data, rec.funclog) {
			out = append(out, renderPacket(p))
		}
	}
	return out
}

// storageManifestEntry reads the file at path (sf, written in era) back with
// the Go readers, checks that it holds what was written and returns its
// manifest entry.
func storageManifestEntry(sf storageFile, era gobEra, path string) (any, error) {
	name := sf.fileName(era)
	switch sf.kind {
	case "compactlog":
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		recs, err := readCompactLog(f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if len(recs) != len(sf.compact) {
			return nil, fmt.Errorf("%s: %d records read, %d written", name, len(recs), len(sf.compact))
		}
		mf := compactLogManifestFile{File: name, Kind: sf.kind, Era: string(era), Description: sf.desc,
			Records: []compactManifestEntry{}, Packets: []json.RawMessage{}}
		for i, rec := range recs {
			want := sf.compact[i]
			if want.data == nil {
				want.data = &types.SymbolsData{}
			}
			if want.funclog == nil {
				want.funclog = &types.RawFuncLog{}
			}
			gotS, gotL := renderPlainJSON(rec.data), renderPlainJSON(rec.funclog)
			if wantS, wantL := renderPlainJSON(want.data), renderPlainJSON(want.funclog); gotS != wantS || gotL != wantL {
				return nil, fmt.Errorf("%s record %d: read %s %s, wrote %s %s", name, i, gotS, gotL, wantS, wantL)
			}
			mf.Records = append(mf.Records, compactManifestEntry{json.RawMessage(gotS), json.RawMessage(gotL)})
		}
		for _, p := range compactPackets(recs) {
			mf.Packets = append(mf.Packets, json.RawMessage(p))
		}
		return mf, nil
	case "symbol":
		last, n, err := storage.ReadSymbols(path)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if n != len(sf.symbols) {
			return nil, fmt.Errorf("%s: %d values read, %d written", name, n, len(sf.symbols))
		}
		got := renderPlainJSON(last)
		if want := renderPlainJSON(sf.symbols[n-1]); got != want {
			return nil, fmt.Errorf("%s: last value read %s, written %s", name, got, want)
		}
		return symbolManifestFile{File: name, Kind: sf.kind, Era: string(era), Description: sf.desc,
			Values: n, Last: json.RawMessage(got)}, nil
	case "index":
		recs, err := storage.LoadIndex(path)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		got := renderPlainJSON(recs)
		if want := renderPlainJSON(sf.index); got != want {
			return nil, fmt.Errorf("%s: read %s, written %s", name, got, want)
		}
		return indexManifestFile{File: name, Kind: sf.kind, Era: string(era), Description: sf.desc,
			Records: json.RawMessage(got)}, nil
	}
	return nil, fmt.Errorf("%s: unknown kind %q", name, sf.kind)
}

// runGoapptraceStorage writes every file in both eras (a child process each)
// and the manifest.
func runGoapptraceStorage(args []string) error {
	dir, err := fixtureOutDir("goapptrace-storage", defaultGoapptraceStorageDir, args)
	if err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	type job struct {
		sf  storageFile
		era gobEra
	}
	var jobs []job
	for _, sf := range storageFiles() {
		for _, era := range []gobEra{eraOriginal, eraCurrent} {
			jobs = append(jobs, job{sf, era})
		}
	}
	sort.Slice(jobs, func(i, j int) bool { return jobs[i].sf.fileName(jobs[i].era) < jobs[j].sf.fileName(jobs[j].era) })

	written := map[string]bool{}
	m := storageManifest{Files: []any{}}
	for _, j := range jobs {
		name := j.sf.fileName(j.era)
		if written[name] {
			return fmt.Errorf("two storage files named %s", name)
		}
		child := exec.Command(self, "goapptrace-storage-file", j.sf.key(), dir, "--era", string(j.era))
		child.Stdout, child.Stderr = os.Stdout, os.Stderr
		if err := child.Run(); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		written[name] = true
		entry, err := storageManifestEntry(j.sf, j.era, filepath.Join(dir, name))
		if err != nil {
			return err
		}
		m.Files = append(m.Files, entry)
	}
	if err := finishFixtureDir(dir, m, written, ".gob", ".symbol", ".index"); err != nil {
		return err
	}
	fmt.Printf("goapptrace-storage: wrote %d files and manifest.json to %s\n", len(jobs), dir)
	return nil
}

// runGoapptraceStorageVerify reads a file with the Go readers and prints what
// they return: a compact log's packets one per line, a .symbol file's last
// SymbolsData, an .index file's records. A read error is reported on stderr
// (status 1) after what was read before it.
func runGoapptraceStorageVerify(args []string) error {
	const cmd = "goapptrace-storage-verify"
	if len(args) != 2 {
		return fmt.Errorf("usage: %s compactlog|symbol|index FILE", cmd)
	}
	kind, path := args[0], args[1]
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	fail := func(err error) error {
		out.Flush()
		fmt.Fprintf(os.Stderr, "%s: %s: %v\n", cmd, path, err)
		return errReported
	}
	switch kind {
	case "compactlog":
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		recs, readErr := readCompactLog(f)
		for _, p := range compactPackets(recs) {
			fmt.Fprintln(out, p)
		}
		if readErr != nil {
			return fail(readErr)
		}
	case "symbol":
		last, _, err := storage.ReadSymbols(path)
		if err != nil {
			return fail(err)
		}
		fmt.Fprintln(out, renderPlainJSON(last))
	case "index":
		recs, err := storage.LoadIndex(path)
		if err != nil {
			return fail(fmt.Errorf("record 0 (the []IndexRecord value): %w", err))
		}
		fmt.Fprintln(out, renderPlainJSON(recs))
	default:
		return fmt.Errorf("unknown KIND %q (known: compactlog, symbol, index)", kind)
	}
	return nil
}

// runGoapptraceStorageBench reads a compact log (from memory, with a fresh
// CompactLogReader over a bytes.Reader per run) again and again for SECONDS
// and prints the rate as one JSON line.
func runGoapptraceStorageBench(args []string) error {
	if len(args) < 1 || len(args) > 2 {
		return errors.New("usage: goapptrace-storage-bench FILE [SECONDS]")
	}
	seconds := 3.0
	if len(args) == 2 {
		s, err := strconv.ParseFloat(args[1], 64)
		if err != nil || s <= 0 {
			return fmt.Errorf("SECONDS: want a positive number, got %q", args[1])
		}
		seconds = s
	}
	data, err := os.ReadFile(args[0])
	if err != nil {
		return err
	}
	readAll := func() (int, error) {
		cr := storage.NewCompactLogReader(bytes.NewReader(data))
		n := 0
		for {
			_, _, err := cr.Read()
			if err == io.EOF {
				return n, nil
			}
			if err != nil {
				return n, fmt.Errorf("%s: record %d: %w", args[0], n, err)
			}
			n++
		}
	}
	records, err := readAll()
	if err != nil {
		return err
	}
	budget := time.Duration(seconds * float64(time.Second))
	runs := 0
	start := time.Now()
	var elapsed time.Duration
	for runs == 0 || elapsed < budget {
		if _, err := readAll(); err != nil {
			return err
		}
		runs++
		elapsed = time.Since(start)
	}
	perRun := float64(elapsed.Nanoseconds()) / float64(runs)
	result := struct {
		Records     int     `json:"records"`
		Bytes       int     `json:"bytes"`
		Runs        int     `json:"runs"`
		NsPerRun    float64 `json:"ns_per_run"`
		RecordsPerS float64 `json:"records_per_s"`
		MBPerS      float64 `json:"mb_per_s"`
	}{
		Records:     records,
		Bytes:       len(data),
		Runs:        runs,
		NsPerRun:    perRun,
		RecordsPerS: float64(records) / perRun * 1e9,
		MBPerS:      float64(len(data)) / perRun * 1e9 / 1e6,
	}
	return json.NewEncoder(os.Stdout).Encode(result)
}
