package main

// Frames of goapptrace's marshal-generation protocol. A frame is a 4-byte
// big-endian payload length, then the payload: one PacketType byte and the
// packet body (see package marshalproto).
//
// goapptrace-marshal writes one frames file per entry of marshalFrameFiles
// and a manifest listing every file's packets in the JSON form the Rust CLI
// prints (the form of goapptrace-verify, with the fields of an embedded
// struct promoted). The codec keeps no process-wide state, so unlike the gob
// generation every file is written by this one process.
//
// The packets in the manifest are the ones decoded from the frames. For the
// file whose FuncNames hold invalid UTF-8 (json_escaping.frames) the JSON
// body is lossy: encoding/json writes each invalid byte as \ufffd, so the
// decoded FuncName has U+FFFD there and re-encoding it gives other bytes
// (a raw U+FFFD). The manifest entry of such a file has an extra member
// "payload_hex": the payload of every frame in lowercase hex.
//
// goapptrace-marshal-verify decodes a frames file written by someone else
// and prints its packets in the same JSON form.

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"goapptrace-proto/go-fixtures/marshalproto"
)

const defaultGoapptraceMarshalDir = "../testdata/goapptrace-marshal"

type marshalManifest struct {
	Files []marshalManifestFile `json:"files"`
}

type marshalManifestFile struct {
	File        string            `json:"file"`
	Description string            `json:"description"`
	Packets     []json.RawMessage `json:"packets"`
	PayloadHex  []string          `json:"payload_hex,omitempty"`
}

// buildMarshalFile encodes the packets of one file and checks each frame
// against a decode: the decoded packet must render as the original, and,
// unless the file is lossy, re-encode to the same payload. It returns the
// file's bytes and its manifest entry.
func buildMarshalFile(ff marshalFrameFile) ([]byte, marshalManifestFile, error) {
	mf := marshalManifestFile{File: ff.name, Description: ff.desc, Packets: []json.RawMessage{}}
	var out []byte
	lossy := false
	for i, p := range ff.packets {
		start := len(out)
		var err error
		out, err = marshalproto.AppendFrame(out, p)
		if err != nil {
			return nil, mf, fmt.Errorf("%s frame %d: %w", ff.name, i, err)
		}
		payload := out[start+4:]
		q, err := marshalproto.DecodeAll(payload)
		if err != nil {
			return nil, mf, fmt.Errorf("%s frame %d: decoding it back: %w", ff.name, i, err)
		}
		orig, got := renderPacket(p), renderPacket(q)
		if orig != got {
			return nil, mf, fmt.Errorf("%s frame %d: decodes to %s, not %s", ff.name, i, got, orig)
		}
		again, err := marshalproto.AppendPayload(nil, q)
		if err != nil {
			return nil, mf, fmt.Errorf("%s frame %d: re-encoding: %w", ff.name, i, err)
		}
		if !bytes.Equal(again, payload) {
			if !ff.lossy {
				return nil, mf, fmt.Errorf("%s frame %d: re-encodes to other bytes", ff.name, i)
			}
			lossy = true
		}
		mf.Packets = append(mf.Packets, json.RawMessage(got))
		if ff.lossy {
			mf.PayloadHex = append(mf.PayloadHex, hex.EncodeToString(payload))
		}
	}
	if ff.lossy && !lossy {
		return nil, mf, fmt.Errorf("%s: marked lossy, but every frame re-encodes to the same bytes", ff.name)
	}
	return out, mf, nil
}

// runGoapptraceMarshal writes every frames file and the manifest.
func runGoapptraceMarshal(args []string) error {
	dir, err := fixtureOutDir("goapptrace-marshal", defaultGoapptraceMarshalDir, args)
	if err != nil {
		return err
	}
	files := marshalFrameFiles()
	sort.Slice(files, func(i, j int) bool { return files[i].name < files[j].name })

	written := map[string]bool{}
	var m marshalManifest
	for _, ff := range files {
		if written[ff.name] {
			return fmt.Errorf("two frames files named %s", ff.name)
		}
		data, mf, err := buildMarshalFile(ff)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, ff.name), data, 0o644); err != nil {
			return err
		}
		written[ff.name] = true
		m.Files = append(m.Files, mf)
	}
	if err := finishFixtureDir(dir, m, written, ".frames"); err != nil {
		return err
	}
	fmt.Printf("goapptrace-marshal: wrote %d frames files and manifest.json to %s\n", len(files), dir)
	return nil
}

// runGoapptraceMarshalVerify decodes every frame of a file and prints its
// packet, one per line; a bad frame ends it with status 1, naming the
// frame's index.
func runGoapptraceMarshalVerify(args []string) error {
	return verifyFrames("goapptrace-marshal-verify", args, func(payload []byte) (any, error) {
		return marshalproto.DecodeAll(payload)
	})
}
