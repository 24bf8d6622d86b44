package main

// The gob generation of the goapptrace protocol as the Go peers of Sept 2017
// to Jan 2018 speak it (see peer.go for the peer modes themselves).

import (
	"bytes"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"reflect"
	"time"

	"goapptrace-proto/go-fixtures/logutil"
	"goapptrace-proto/go-fixtures/protocol"
)

// gobGeneration implements peerGeneration for the gob generation.
type gobGeneration struct{}

// errGobPackLimit is the error xtcp's packer gives the gob-generation Go peer
// for a frame beyond its 2048-byte send buffer.
var errGobPackLimit = errors.New("Protocol pack error: xtcp.buffer: required space beyond the upper limit")

func (gobGeneration) name() string      { return "gob" }
func (gobGeneration) maxSendFrame() int { return maxGoFrame } // 2048
func (gobGeneration) packLimitError() error {
	return errGobPackLimit
}

// newFrameReader: the gob-generation Go peer receives through xtcp's
// 4096-byte buffer, which stalls on a big frame (see xtcpFrameReader).
func (gobGeneration) newFrameReader(r io.Reader) frameReader { return newXtcpFrameReader(r) }

// aloneSendBuffer: the gob-generation Go server packs a command like any
// other packet, into the 2048-byte send buffer (maxSendFrame).
func (gobGeneration) aloneSendBuffer() int { return 0 }

func (gobGeneration) protocolVersion() string { return "1" }

// flushInterval: the gob-generation peer flushes its records when all are
// written.
func (gobGeneration) flushInterval() time.Duration { return 0 }

// compatibleVersion is the Go peers' isCompatibleVersion: only "1" passes.
func (gobGeneration) compatibleVersion(v string) bool { return v == "1" }

// encodePayload writes a fresh gob stream: the HeaderPacket, then *p.
func (gobGeneration) encodePayload(p any) ([]byte, error) {
	frame, err := encodeFrame(p)
	if err != nil {
		return nil, err
	}
	return frame[4:], nil
}

// goPacketFactory is the Go tracer's createPacket: a Shutdown is decoded
// into an empty PingPacket.
func goPacketFactory(t protocol.PacketType) (any, error) {
	if t == protocol.ShutdownPacketType {
		return &protocol.PingPacket{}, nil
	}
	return newPacket(t)
}

// decodePayload reads a frame payload as the Go peer does: a fresh decoder
// reads the HeaderPacket, the factory picks the packet, the decoder fills it.
// Bytes after the packet are ignored, as the Go peer ignores them.
func (gobGeneration) decodePayload(payload []byte) (any, error) {
	dec := gob.NewDecoder(bytes.NewReader(payload))
	var hp protocol.HeaderPacket
	if err := dec.Decode(&hp); err != nil {
		return nil, fmt.Errorf("HeaderPacket: %w", err)
	}
	p, err := goPacketFactory(hp.PacketType)
	if err != nil {
		return nil, err
	}
	if err := dec.Decode(p); err != nil {
		return nil, fmt.Errorf("%s (PacketType %d): %w", reflect.TypeOf(p).Elem().Name(), int64(hp.PacketType), err)
	}
	return p, nil
}

func (gobGeneration) kind(p any) protocol.PacketType {
	t, err := packetTypeOf(p)
	if err != nil {
		return protocol.UnknownPacketType
	}
	return t
}

func (gobGeneration) clientHello(app, secret, version string) any {
	return &protocol.ClientHelloPacket{AppName: app, ClientSecret: secret, ProtocolVersion: version}
}

func (g gobGeneration) serverHello() any {
	return &protocol.ServerHelloPacket{ProtocolVersion: g.protocolVersion()}
}

func (gobGeneration) helloVersion(p any) string {
	switch p := p.(type) {
	case *protocol.ClientHelloPacket:
		return p.ProtocolVersion
	case *protocol.ServerHelloPacket:
		return p.ProtocolVersion
	}
	return ""
}

func (gobGeneration) ping() any     { return &protocol.PingPacket{} }
func (gobGeneration) shutdown() any { return &protocol.ShutdownPacket{} }

func (gobGeneration) symbols() any {
	return &protocol.SymbolPacket{Symbols: &logutil.Symbols{Writable: true, KeepID: false}}
}

// funcLog is record i of the client's deterministic sequence (formula in
// peer.go).
func (gobGeneration) funcLog(i int) any {
	tag := logutil.FuncEnd
	if i%2 == 1 {
		tag = logutil.FuncStart
	}
	id := logutil.FuncStatusID(i)
	return &protocol.RawFuncLogNewPacket{FuncLog: &logutil.RawFuncLog{
		ID:        logutil.RawFuncLogID(i),
		Tag:       tag,
		Timestamp: logutil.Time(funcLogBaseTime + int64(i)),
		Frames:    []logutil.FuncStatusID{id, id + 1, id + 2},
		GID:       logutil.GID(i % 7),
		TxID:      logutil.TxID(i),
	}}
}

// bigFuncLog is a record too large for the Go peer to send (formula in
// peer.go).
func (gobGeneration) bigFuncLog(i int) any {
	fs := make([]logutil.FuncStatusID, bigFuncLogFrames)
	for j := range fs {
		fs[j] = logutil.FuncStatusID(bigFuncLogFrameBase + uint64(j))
	}
	return &protocol.RawFuncLogNewPacket{FuncLog: &logutil.RawFuncLog{
		ID:        logutil.RawFuncLogID(i),
		Tag:       logutil.FuncStart,
		Timestamp: logutil.Time(funcLogBaseTime + int64(i)),
		Frames:    fs,
		GID:       logutil.GID(i % 7),
		TxID:      logutil.TxID(i),
	}}
}

// packetNamed returns a pointer to a zero packet given its Go type name.
func (gobGeneration) packetNamed(name string) (any, error) {
	for t := protocol.ClientHelloPacketType; t <= protocol.RawFuncLogNewPacketType; t++ {
		p, err := newPacket(t)
		if err != nil {
			return nil, err
		}
		if reflect.TypeOf(p).Elem().Name() == name {
			return p, nil
		}
	}
	return nil, fmt.Errorf("unknown packet %q", name)
}

// serverRejects: the gob-generation Go server closes a connection that sends
// it a StartTraceCmd or StopTraceCmd.
func (gobGeneration) serverRejects(k protocol.PacketType) bool {
	return k == protocol.StartTraceCmdPacketType || k == protocol.StopTraceCmdPacketType
}

// clientRejects: the Go client closes a connection that sends it a Symbol or
// RawFuncLog.
func (gobGeneration) clientRejects(k protocol.PacketType) bool {
	return k == protocol.SymbolPacketType || k == protocol.RawFuncLogNewPacketType
}
