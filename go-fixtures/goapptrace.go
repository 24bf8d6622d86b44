package main

// Frames of goapptrace's gob-generation protocol. A frame is a 4-byte
// big-endian payload length, then the payload: one gob stream written by a
// fresh gob.Encoder holding a HeaderPacket and then the packet it names.
//
// goapptrace writes one frames file per entry of frameFiles, each from a
// fresh child process (gob type ids are process-wide and assigned at first
// use), plus a manifest listing every file's packets in the JSON form the
// Rust CLI prints. goapptrace-verify decodes a frames file written by someone
// else and prints its packets in that same form.
//
// goapptrace-original writes the same files and manifest with the type ids of
// the Go releases the original goapptrace was built with (2017–2018), which
// hand out user type ids from 65 where current Go starts at 64: each child
// first spends id 64 on a throwaway type (see gobEra).

import (
	"bytes"
	"encoding/binary"
	"encoding/gob"
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

	"goapptrace-proto/go-fixtures/protocol"
)

const (
	defaultGoapptraceDir         = "../testdata/goapptrace"
	defaultGoapptraceOriginalDir = "../testdata/goapptrace-original"
)

// gobEra is the Go release whose gob type numbering a frames file has.
type gobEra string

const (
	// eraCurrent: the Go running this program (Go 1.26 numbers user types
	// from 64).
	eraCurrent gobEra = "current"
	// eraOriginal: the Go of 2017–2018, which numbered user types from 65.
	eraOriginal gobEra = "original"
)

// enter makes this process number gob types as the era did. It must run
// before anything else uses gob. For eraOriginal it encodes one throwaway
// type with a single basic field, which takes id 64 and nothing else, so
// every later type gets the id the old releases gave it.
func (e gobEra) enter() error {
	switch e {
	case eraCurrent:
		return nil
	case eraOriginal:
		return gob.NewEncoder(io.Discard).Encode(struct{ X int }{})
	}
	return fmt.Errorf("unknown era %q (known: %s, %s)", string(e), eraCurrent, eraOriginal)
}

// maxGoFrame is the largest frame (length prefix included) the
// gob-generation Go peer can send; every fixture frame stays within it.
const maxGoFrame = 2048

// packetTypeOf returns the PacketType of a packet given as a pointer, as
// the Go tracer's detectPacketType does.
func packetTypeOf(p any) (protocol.PacketType, error) {
	switch p.(type) {
	case *protocol.ClientHelloPacket:
		return protocol.ClientHelloPacketType, nil
	case *protocol.ServerHelloPacket:
		return protocol.ServerHelloPacketType, nil
	case *protocol.LogPacket:
		return protocol.LogPacketType, nil
	case *protocol.PingPacket:
		return protocol.PingPacketType, nil
	case *protocol.ShutdownPacket:
		return protocol.ShutdownPacketType, nil
	case *protocol.StartTraceCmdPacket:
		return protocol.StartTraceCmdPacketType, nil
	case *protocol.StopTraceCmdPacket:
		return protocol.StopTraceCmdPacketType, nil
	case *protocol.SymbolPacket:
		return protocol.SymbolPacketType, nil
	case *protocol.RawFuncLogNewPacket:
		return protocol.RawFuncLogNewPacketType, nil
	}
	return protocol.UnknownPacketType, fmt.Errorf("not a packet pointer: %T", p)
}

// newPacket returns a pointer to a zero packet of type t. Unlike the Go
// tracer's createPacket, a Shutdown stays a ShutdownPacket, so that the
// printed form says what was sent.
func newPacket(t protocol.PacketType) (any, error) {
	switch t {
	case protocol.ClientHelloPacketType:
		return &protocol.ClientHelloPacket{}, nil
	case protocol.ServerHelloPacketType:
		return &protocol.ServerHelloPacket{}, nil
	case protocol.LogPacketType:
		return &protocol.LogPacket{}, nil
	case protocol.PingPacketType:
		return &protocol.PingPacket{}, nil
	case protocol.ShutdownPacketType:
		return &protocol.ShutdownPacket{}, nil
	case protocol.StartTraceCmdPacketType:
		return &protocol.StartTraceCmdPacket{}, nil
	case protocol.StopTraceCmdPacketType:
		return &protocol.StopTraceCmdPacket{}, nil
	case protocol.SymbolPacketType:
		return &protocol.SymbolPacket{}, nil
	case protocol.RawFuncLogNewPacketType:
		return &protocol.RawFuncLogNewPacket{}, nil
	}
	return nil, fmt.Errorf("invalid PacketType %d", int64(t))
}

// encodeFrame builds one frame for p (a pointer to a packet).
func encodeFrame(p any) ([]byte, error) {
	t, err := packetTypeOf(p)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	buf.Write([]byte{0, 0, 0, 0}) // room for the length
	enc := gob.NewEncoder(&buf)
	if err := enc.Encode(&protocol.HeaderPacket{PacketType: t}); err != nil {
		return nil, fmt.Errorf("header: %w", err)
	}
	if err := enc.Encode(p); err != nil {
		return nil, fmt.Errorf("%T: %w", p, err)
	}
	b := buf.Bytes()
	binary.BigEndian.PutUint32(b, uint32(len(b)-4))
	return b, nil
}

// decodeFrame decodes one frame payload with a fresh decoder.
func decodeFrame(payload []byte) (any, error) {
	r := bytes.NewReader(payload) // an io.ByteReader: gob reads no further than it needs
	dec := gob.NewDecoder(r)
	var hp protocol.HeaderPacket
	if err := dec.Decode(&hp); err != nil {
		return nil, fmt.Errorf("HeaderPacket: %w", err)
	}
	p, err := newPacket(hp.PacketType)
	if err != nil {
		return nil, fmt.Errorf("HeaderPacket: %w", err)
	}
	if err := dec.Decode(p); err != nil {
		return nil, fmt.Errorf("%s (PacketType %d): %w", reflect.TypeOf(p).Elem().Name(), int64(hp.PacketType), err)
	}
	if n := r.Len(); n > 0 {
		return nil, fmt.Errorf("%d bytes after the %s", n, reflect.TypeOf(p).Elem().Name())
	}
	return p, nil
}

// splitFrames cuts data into frame payloads; it fails on a truncated frame,
// naming its index.
func splitFrames(data []byte) ([][]byte, error) {
	var out [][]byte
	for off := 0; off < len(data); {
		if len(data)-off < 4 {
			return out, fmt.Errorf("frame %d (offset %d): %d bytes left, too few for a length", len(out), off, len(data)-off)
		}
		n := int(binary.BigEndian.Uint32(data[off:]))
		if len(data)-off-4 < n {
			return out, fmt.Errorf("frame %d (offset %d): length %d, but only %d bytes follow", len(out), off, n, len(data)-off-4)
		}
		out = append(out, data[off+4:off+4+n])
		off += 4 + n
	}
	return out, nil
}

// renderPacket renders a packet (a pointer or a value) in the one-line JSON
// form shared with the Rust CLI: "packet" is the Go type name, then every
// exported field in declaration order, zero values included; a nil pointer
// is null and a nil or empty slice is [].
func renderPacket(p any) string {
	v := reflect.ValueOf(p)
	for v.Kind() == reflect.Pointer {
		v = v.Elem()
	}
	var r renderer
	r.WriteString(`{"packet":`)
	r.str(v.Type().Name())
	renderFields(&r, v, false)
	r.WriteByte('}')
	return r.String()
}

// renderFields writes the exported fields of struct v as JSON members, each
// preceded by a comma unless first is set and it is the first one. The
// fields of an embedded struct are promoted (written in its place, as
// members of v). It returns whether nothing was written and first was set.
func renderFields(r *renderer, v reflect.Value, first bool) bool {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if f.Anonymous && f.Type.Kind() == reflect.Struct {
			first = renderFields(r, v.Field(i), first)
			continue
		}
		if !f.IsExported() {
			continue
		}
		if !first {
			r.WriteByte(',')
		}
		first = false
		r.str(f.Name)
		r.WriteByte(':')
		renderPlain(r, v.Field(i))
	}
	return first
}

func renderPlain(r *renderer, v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			r.WriteString("null")
			return
		}
		renderPlain(r, v.Elem())
	case reflect.Struct:
		r.WriteByte('{')
		renderFields(r, v, true)
		r.WriteByte('}')
	case reflect.Slice:
		r.WriteByte('[')
		for i := 0; i < v.Len(); i++ {
			if i > 0 {
				r.WriteByte(',')
			}
			renderPlain(r, v.Index(i))
		}
		r.WriteByte(']')
	case reflect.Bool:
		r.WriteString(strconv.FormatBool(v.Bool()))
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		r.WriteString(strconv.FormatInt(v.Int(), 10))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		r.WriteString(strconv.FormatUint(v.Uint(), 10))
	case reflect.String:
		r.str(v.String())
	default:
		panic(fmt.Sprintf("renderPacket: unexpected %s", v.Type()))
	}
}

// runGoapptraceFile writes one frames file with the type ids of an era
// (default current); it must run in a process that has not used gob yet.
func runGoapptraceFile(args []string) error {
	era := eraCurrent
	switch {
	case len(args) == 4 && args[2] == "--era":
		era = gobEra(args[3])
	case len(args) != 2:
		return errors.New("usage: goapptrace-file NAME OUTDIR [--era original|current]")
	}
	if err := era.enter(); err != nil {
		return err
	}
	ff, ok := findFrameFile(args[0])
	if !ok {
		return fmt.Errorf("no frames file %q", args[0])
	}
	var out []byte
	for i, p := range ff.packets {
		frame, err := encodeFrame(p)
		if err != nil {
			return fmt.Errorf("%s frame %d: %w", ff.name, i, err)
		}
		if len(frame) > maxGoFrame {
			return fmt.Errorf("%s frame %d: %d bytes, more than a Go peer can send (%d)", ff.name, i, len(frame), maxGoFrame)
		}
		out = append(out, frame...)
	}
	return os.WriteFile(filepath.Join(args[1], ff.name), out, 0o644)
}

type frameManifest struct {
	Files []frameManifestFile `json:"files"`
}

type frameManifestFile struct {
	File        string            `json:"file"`
	Description string            `json:"description"`
	Packets     []json.RawMessage `json:"packets"`
}

// runGoapptrace writes every frames file with current Go's type ids.
func runGoapptrace(args []string) error {
	return writeGoapptraceSet("goapptrace", defaultGoapptraceDir, eraCurrent, args)
}

// runGoapptraceOriginal writes every frames file with the type ids of the Go
// releases of the original goapptrace.
func runGoapptraceOriginal(args []string) error {
	return writeGoapptraceSet("goapptrace-original", defaultGoapptraceOriginalDir, eraOriginal, args)
}

// writeGoapptraceSet writes every frames file (one child process each, in
// era) and the manifest, into args[0] or else defaultDir. The manifest does
// not depend on the era: it lists the packets, not their bytes. cmd names
// the subcommand in messages.
func writeGoapptraceSet(cmd, defaultDir string, era gobEra, args []string) error {
	dir, err := fixtureOutDir(cmd, defaultDir, args)
	if err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	files := frameFiles()
	sort.Slice(files, func(i, j int) bool { return files[i].name < files[j].name })

	written := map[string]bool{}
	var m frameManifest
	for _, ff := range files {
		child := exec.Command(self, "goapptrace-file", ff.name, dir, "--era", string(era))
		child.Stdout, child.Stderr = os.Stdout, os.Stderr
		if err := child.Run(); err != nil {
			return fmt.Errorf("%s: %w", ff.name, err)
		}
		written[ff.name] = true
		mf := frameManifestFile{File: ff.name, Description: ff.desc, Packets: []json.RawMessage{}}
		for _, p := range ff.packets {
			mf.Packets = append(mf.Packets, json.RawMessage(renderPacket(p)))
		}
		m.Files = append(m.Files, mf)
	}
	if err := finishFixtureDir(dir, m, written, ".frames"); err != nil {
		return err
	}
	fmt.Printf("%s: wrote %d frames files and manifest.json to %s\n", cmd, len(files), dir)
	return nil
}

// runGoapptraceVerify decodes every frame of a file and prints its packet,
// one per line.
func runGoapptraceVerify(args []string) error {
	return verifyFrames("goapptrace-verify", args, decodeFrame)
}
