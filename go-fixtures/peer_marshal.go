package main

// The marshal generation of the goapptrace protocol as the Go peers of
// 2018-01-28 to Aug 2018 speak it (see peer.go for the peer modes).

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	mp "goapptrace-proto/go-fixtures/marshalproto"
	"goapptrace-proto/go-fixtures/protocol"
)

// marshalGeneration implements peerGeneration for the marshal generation.
type marshalGeneration struct{}

// The marshal-generation Go peers send and receive frames up to 100 MiB.
const marshalMaxFrame = 100 << 20

// The marshal peer client's fixed ClientHello fields (see peer.go).
const (
	marshalPeerPID  = 4242
	marshalPeerHost = "go-peer-host"
)

// The marshal client's records (see peer.go).
const marshalFuncLogBaseTime int64 = 1533657600000000000

var errMarshalPackLimit = fmt.Errorf("packet too large: a frame of more than %d bytes cannot be sent", marshalMaxFrame)

func (marshalGeneration) name() string                    { return "marshal" }
func (marshalGeneration) maxSendFrame() int               { return marshalMaxFrame }
func (marshalGeneration) packLimitError() error           { return errMarshalPackLimit }
func (marshalGeneration) protocolVersion() string         { return "1" }
func (marshalGeneration) compatibleVersion(v string) bool { return v == "1" }

// newFrameReader: the marshal-generation Go peer receives frames up to
// 100 MiB and drops a connection that sends a bigger one.
func (marshalGeneration) newFrameReader(r io.Reader) frameReader {
	return newBoundedFrameReader(r, marshalMaxFrame)
}

// marshalAloneSendBuffer is the fixed buffer Proto.PackTo of the
// marshal-generation Go server marshals a packet sent alone (every command
// to a client) into; what does not fit is cut off.
const marshalAloneSendBuffer = 1024

func (marshalGeneration) aloneSendBuffer() int { return marshalAloneSendBuffer }

// flushInterval: the Go client batches small packets and sends the batch at
// least every 100 ms.
func (marshalGeneration) flushInterval() time.Duration { return 100 * time.Millisecond }

func asMarshalPacket(p any) (mp.Packet, error) {
	q, ok := p.(mp.Packet)
	if !ok {
		return nil, fmt.Errorf("not a marshal-generation packet: %T", p)
	}
	return q, nil
}

// encodePayload writes the PacketType byte and the body.
func (marshalGeneration) encodePayload(p any) ([]byte, error) {
	q, err := asMarshalPacket(p)
	if err != nil {
		return nil, err
	}
	return mp.AppendPayload(nil, q)
}

// decodePayload reads a payload as the Go peer does: the packet factory
// turns a Shutdown into an empty PingPacket, and bytes after the packet are
// ignored. What the Go peer fails to unpack (a short body, such as that of a
// command cut to 1024 bytes) or would panic on (type 0, LogPacket, an
// unknown type) is an error; the peer skips such a frame.
func (marshalGeneration) decodePayload(payload []byte) (any, error) {
	p, _, err := mp.Decode(payload)
	if err != nil {
		return nil, err
	}
	if _, ok := p.(*mp.ShutdownPacket); ok {
		return &mp.PingPacket{}, nil
	}
	return p, nil
}

// kind maps a packet to the PacketType of the same number in package
// protocol (the numbering is the same in both generations).
func (marshalGeneration) kind(p any) protocol.PacketType {
	q, ok := p.(mp.Packet)
	if !ok {
		return protocol.UnknownPacketType
	}
	return protocol.PacketType(q.Type())
}

func (marshalGeneration) clientHello(app, secret, version string) any {
	return &mp.ClientHelloPacket{
		PID:             marshalPeerPID,
		AppName:         app,
		Host:            marshalPeerHost,
		ClientSecret:    secret,
		ProtocolVersion: version,
	}
}

func (g marshalGeneration) serverHello() any {
	return &mp.ServerHelloPacket{ProtocolVersion: g.protocolVersion()}
}

func (marshalGeneration) helloVersion(p any) string {
	switch p := p.(type) {
	case *mp.ClientHelloPacket:
		return p.ProtocolVersion
	case *mp.ServerHelloPacket:
		return p.ProtocolVersion
	}
	return ""
}

func (marshalGeneration) ping() any     { return &mp.PingPacket{} }
func (marshalGeneration) shutdown() any { return &mp.ShutdownPacket{} }

// marshalPeerSymbols is the SymbolPacket of --symbols (see peer.go).
func marshalPeerSymbols() *mp.SymbolPacket {
	return &mp.SymbolPacket{SymbolsData: mp.SymbolsData{
		Files: []string{"/src/main.go"},
		Mods:  []mp.GoModule{{Name: "main", MinPC: 4096, MaxPC: 8192}},
		Funcs: []mp.GoFunc{{Entry: 4100, Name: "main.main"}},
		Lines: []mp.GoLine{{PC: 4100, FileID: 0, Line: 10}},
	}}
}

// marshalPeerFuncLog is record i of the client's sequence (see peer.go).
func marshalPeerFuncLog(i int) *mp.RawFuncLogPacket {
	return &mp.RawFuncLogPacket{FuncLog: &mp.RawFuncLog{
		ID:        mp.RawFuncLogID(i),
		Tag:       mp.TagName((i + 1) % 2),
		Timestamp: mp.Time(marshalFuncLogBaseTime + int64(i)),
		Frames:    []uintptr{uintptr(i), uintptr(i + 1), uintptr(i + 2)},
		GID:       mp.GID(i % 7),
		TxID:      mp.TxID(i),
	}}
}

// marshalPeerBigSymbols is the SymbolPacket of --big-symbols n (see
// peer.go): n functions, each with one line, in a module that covers them.
func marshalPeerBigSymbols(n int) *mp.SymbolPacket {
	const base, step = 4096, 16
	pad := strings.Repeat("x", 40)
	funcs := make([]mp.GoFunc, n)
	lines := make([]mp.GoLine, n)
	for i := range funcs {
		pc := uintptr(base + step*i)
		funcs[i] = mp.GoFunc{Entry: pc, Name: fmt.Sprintf("main.func%07d_%s", i, pad)}
		lines[i] = mp.GoLine{PC: pc, FileID: 0, Line: uint32(i + 1)}
	}
	return &mp.SymbolPacket{SymbolsData: mp.SymbolsData{
		Files: []string{"/src/main.go"},
		Mods:  []mp.GoModule{{Name: "main", MinPC: base, MaxPC: uintptr(base + step*n)}},
		Funcs: funcs,
		Lines: lines,
	}}
}

func (marshalGeneration) symbols() any      { return marshalPeerSymbols() }
func (marshalGeneration) funcLog(i int) any { return marshalPeerFuncLog(i) }

// bigFuncLog is record i built as in peer.go for --big-funclog; the marshal
// generation can send it (a frame of about 3.2 KB).
func (marshalGeneration) bigFuncLog(i int) any {
	fs := make([]uintptr, bigFuncLogFrames)
	for j := range fs {
		fs[j] = uintptr(bigFuncLogFrameBase + uint64(j))
	}
	return &mp.RawFuncLogPacket{FuncLog: &mp.RawFuncLog{
		ID:        mp.RawFuncLogID(i),
		Tag:       mp.FuncStart,
		Timestamp: mp.Time(marshalFuncLogBaseTime + int64(i)),
		Frames:    fs,
		GID:       mp.GID(i % 7),
		TxID:      mp.TxID(i),
	}}
}

// packetNamed returns a zero packet given its Go type name. LogPacket is
// left out: the Go peer cannot send it.
func (marshalGeneration) packetNamed(name string) (any, error) {
	for t := mp.ClientHelloPacketType; t <= mp.RawFuncLogPacketType; t++ {
		if t == mp.LogPacketType {
			continue
		}
		p, err := mp.NewPacket(t)
		if err != nil {
			return nil, err
		}
		if packetName(p) == name {
			return p, nil
		}
	}
	if name == "LogPacket" {
		return nil, errors.New("LogPacket is not implemented by the marshal-generation Go peer")
	}
	return nil, fmt.Errorf("unknown packet %q", name)
}

// serverRejects: after the negotiation the marshal-generation Go server
// accepts only Ping (Shutdown included, read as Ping), Symbol and
// RawFuncLog, and closes a connection that sends it anything else.
func (marshalGeneration) serverRejects(k protocol.PacketType) bool {
	switch k {
	case protocol.PingPacketType, protocol.SymbolPacketType, protocol.RawFuncLogNewPacketType:
		return false
	}
	return true
}

// clientRejects: the Go client closes a connection that sends it a Symbol or
// RawFuncLog.
func (marshalGeneration) clientRejects(k protocol.PacketType) bool {
	return k == protocol.SymbolPacketType || k == protocol.RawFuncLogNewPacketType
}
