package main

// How the Go peers take frames off a connection. The two generations differ:
// the gob generation reads through xtcp's small fixed receive buffer, which
// stalls on a big frame; the marshal generation has room for frames up to
// 100 MiB.

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// frameReader takes whole frames off a connection as the receive loop of a
// Go peer does.
type frameReader interface {
	// next returns the payload of the next frame.
	next() ([]byte, error)
}

// The receive buffer of xtcp as the gob-generation Go peers configure it:
// 4096 bytes, of which 256 must be free before every socket read.
const (
	xtcpRecvBufSize = 4096
	xtcpMinFreeRead = 256
)

// errRecvStalled is what the gob-generation Go peer logs when its receive
// buffer has too little room left for a read. Its receive loop ends there;
// the connection is not closed.
var errRecvStalled = errors.New("Conn Recv error: xtcp.buffer: required space beyond the upper limit")

// xtcpFrameReader emulates xtcp's receive loop: one 4096-byte buffer; before
// every socket read at least 256 bytes of it must be free, and a read reads at
// most the free space; after a read the complete frames are taken out and
// the unfinished rest is moved to the front. So an unfinished frame that
// fills more than 3840 bytes stalls it (errRecvStalled): a frame of up to
// 3841 bytes (length included) always gets through, a bigger one only if TCP
// happens to deliver its last part in the same read, and one over 4096 bytes
// never does.
type xtcpFrameReader struct {
	r          io.Reader
	buf        [xtcpRecvBufSize]byte
	start, end int   // the bytes not taken out yet are buf[start:end]
	err        error // a read error held back until the frames before it are out
}

func newXtcpFrameReader(r io.Reader) *xtcpFrameReader {
	return &xtcpFrameReader{r: r}
}

func (x *xtcpFrameReader) next() ([]byte, error) {
	for {
		if payload, ok := x.takeFrame(); ok {
			return payload, nil
		}
		if x.err != nil {
			return nil, x.err
		}
		x.end = copy(x.buf[:], x.buf[x.start:x.end])
		x.start = 0
		if len(x.buf)-x.end < xtcpMinFreeRead {
			return nil, errRecvStalled
		}
		n, err := x.r.Read(x.buf[x.end:])
		x.end += n
		if err != nil {
			if errors.Is(err, io.EOF) && x.end > x.start {
				err = io.ErrUnexpectedEOF // EOF inside a frame
			}
			x.err = err
		}
	}
}

// takeFrame takes the frame at the front of the buffer out if it is
// complete. The payload is copied: the buffer is reused by the next read.
func (x *xtcpFrameReader) takeFrame() ([]byte, bool) {
	have := x.end - x.start
	if have < 4 {
		return nil, false
	}
	n := int(binary.BigEndian.Uint32(x.buf[x.start:]))
	if n > have-4 {
		return nil, false
	}
	payload := make([]byte, n)
	copy(payload, x.buf[x.start+4:])
	x.start += 4 + n
	return payload, true
}

// recvLimitError is the marshal-generation Go peer's "Conn Recv error" for a
// frame beyond its 100 MiB receive buffer; it drops the connection.
type recvLimitError struct{ size, limit int }

func (e recvLimitError) Error() string {
	return fmt.Sprintf("Conn Recv error: frame of %d bytes is larger than %d", e.size, e.limit)
}

// boundedFrameReader reads frames of up to max bytes (length included)
// through a read buffer; the memory taken per frame is the frame's size.
type boundedFrameReader struct {
	r   *bufio.Reader
	max int
}

func newBoundedFrameReader(r io.Reader, max int) *boundedFrameReader {
	return &boundedFrameReader{r: bufio.NewReaderSize(r, 64<<10), max: max}
}

func (b *boundedFrameReader) next() ([]byte, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(b.r, hdr[:]); err != nil {
		return nil, err
	}
	n := int(binary.BigEndian.Uint32(hdr[:]))
	if 4+n > b.max {
		return nil, recvLimitError{size: 4 + n, limit: b.max}
	}
	payload := make([]byte, n)
	if _, err := io.ReadFull(b.r, payload); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	return payload, nil
}
