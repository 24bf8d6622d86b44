// Package storage writes and reads the gob files of goapptrace's log store
// (tracer/storage, final revision, Aug 2018), the way the Go tracer does:
//
//   - a compact log: one gob stream from one encoder for the whole file,
//     holding pairs of values, a *types.SymbolsData and then a
//     *types.RawFuncLog, one pair per Write (logger.FileSender writes the
//     symbols with a zero RawFuncLog, and each log with a zero SymbolsData);
//   - <id>.symbol: a types.SymbolsData per value; every Write appends one gob
//     stream (a fresh encoder), and a reader keeps the last value;
//   - <id>.index: the []IndexRecord of the log, one gob value.
//
// gob sends the name of a type that is not a struct with its package
// qualifier ("[]storage.IndexRecord"), so the package is named storage, as the
// Go tracer's is.
package storage

import (
	"bufio"
	"encoding/gob"
	"fmt"
	"io"
	"os"

	"goapptrace-proto/go-fixtures/types"
)

// IndexRecord summarises one chunk of a log: the range of its RawFuncLog IDs
// and of the start and end times of its function calls.
type IndexRecord struct {
	MinID    int64
	MaxID    int64
	MinStart types.Time
	MaxStart types.Time
	MinEnd   types.Time
	MaxEnd   types.Time
}

// CompactLogWriter writes a compact log: one gob.Encoder over the file.
type CompactLogWriter struct {
	f   *os.File
	enc *gob.Encoder
}

// CreateCompactLog creates (or truncates) the file at path and returns a
// writer on it.
func CreateCompactLog(path string) (*CompactLogWriter, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	return &CompactLogWriter{f: f, enc: gob.NewEncoder(f)}, nil
}

// Write appends one record: data, then funclog; a nil one is written as its
// zero value.
func (w *CompactLogWriter) Write(data *types.SymbolsData, funclog *types.RawFuncLog) error {
	if data == nil {
		data = &types.SymbolsData{}
	}
	if funclog == nil {
		funclog = &types.RawFuncLog{}
	}
	if err := w.enc.Encode(data); err != nil {
		return fmt.Errorf("SymbolsData: %w", err)
	}
	if err := w.enc.Encode(funclog); err != nil {
		return fmt.Errorf("RawFuncLog: %w", err)
	}
	return nil
}

// SendSymbols writes data as logger.FileSender does: Write(data, nil).
func (w *CompactLogWriter) SendSymbols(data *types.SymbolsData) error {
	return w.Write(data, nil)
}

// SendLog writes raw as logger.FileSender does: Write(nil, raw).
func (w *CompactLogWriter) SendLog(raw *types.RawFuncLog) error {
	return w.Write(nil, raw)
}

// Close closes the file.
func (w *CompactLogWriter) Close() error {
	return w.f.Close()
}

// CompactLogReader reads a compact log: one gob.Decoder over the stream.
type CompactLogReader struct {
	dec *gob.Decoder
}

// NewCompactLogReader returns a reader of the compact log in r.
func NewCompactLogReader(r io.Reader) *CompactLogReader {
	return &CompactLogReader{dec: gob.NewDecoder(r)}
}

// Read returns the next record, each half decoded into a fresh value. At the
// end of the stream (before a record) it returns io.EOF; a stream that ends
// between the halves of a record is io.ErrUnexpectedEOF.
func (r *CompactLogReader) Read() (*types.SymbolsData, *types.RawFuncLog, error) {
	data := &types.SymbolsData{}
	if err := r.dec.Decode(data); err != nil {
		if err == io.EOF {
			return nil, nil, io.EOF
		}
		return nil, nil, fmt.Errorf("SymbolsData: %w", err)
	}
	funclog := &types.RawFuncLog{}
	if err := r.dec.Decode(funclog); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return data, nil, fmt.Errorf("RawFuncLog: %w", err)
	}
	return data, funclog, nil
}

// WriteSymbols is SymbolsStore.Write: it opens path for appending (creating
// it), and writes values through one gob.Encoder over a bufio.Writer, so
// they form one gob stream.
func WriteSymbols(path string, values ...types.SymbolsData) (err error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	bw := bufio.NewWriter(f)
	enc := gob.NewEncoder(bw)
	for i := range values {
		data := values[i]
		if err := enc.Encode(&data); err != nil {
			return fmt.Errorf("value %d: %w", i, err)
		}
	}
	return bw.Flush()
}

// SymbolsReadError is a failure of ReadSymbols: Value is the index of the
// value that did not decode.
type SymbolsReadError struct {
	Value int
	Err   error
}

func (e *SymbolsReadError) Error() string {
	return fmt.Sprintf("value %d: %v", e.Value, e.Err)
}

func (e *SymbolsReadError) Unwrap() error { return e.Err }

// ReadSymbols is SymbolsStore.Read: it decodes every value of the file with
// one gob.Decoder, each into a fresh SymbolsData, and returns the last one
// (the zero value for an empty file) and how many there were.
func ReadSymbols(path string) (types.SymbolsData, int, error) {
	var last types.SymbolsData
	f, err := os.Open(path)
	if err != nil {
		return last, 0, err
	}
	defer f.Close()
	dec := gob.NewDecoder(f)
	n := 0
	for {
		var data types.SymbolsData
		if err := dec.Decode(&data); err != nil {
			if err == io.EOF {
				return last, n, nil
			}
			return last, n, &SymbolsReadError{Value: n, Err: err}
		}
		last = data
		n++
	}
}

// SaveIndex is Index.Save: it creates (or truncates) path and encodes
// records, the slice itself, with a fresh gob.Encoder.
func SaveIndex(path string, records []IndexRecord) (err error) {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	return gob.NewEncoder(f).Encode(records)
}

// LoadIndex is Index.Load: one Decode into a []IndexRecord. Bytes after the
// value are not read.
func LoadIndex(path string) ([]IndexRecord, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var records []IndexRecord
	if err := gob.NewDecoder(f).Decode(&records); err != nil {
		return nil, err
	}
	return records, nil
}
