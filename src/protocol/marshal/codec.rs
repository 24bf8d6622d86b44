//! The marshal generation's payload codec: Go's hand-written big-endian
//! encoding (`Packet.Marshal()` / `Unmarshal()`).

use serde::Deserialize;

use super::*;
use crate::protocol::era::GoEra;
use crate::protocol::error::ProtocolError;

impl Packet {
    /// Appends the payload (type byte and body) of this packet, with the
    /// JSON escapes of `era`'s Go.
    pub fn encode_payload(&self, out: &mut Vec<u8>, era: GoEra) {
        out.push(self.type_code());
        match self {
            Packet::ClientHello(p) => {
                out.extend_from_slice(&p.pid.to_be_bytes());
                put_str(out, &p.app_name);
                put_str(out, &p.host);
                put_str(out, &p.client_secret);
                put_str(out, &p.protocol_version);
            }
            Packet::ServerHello(p) => put_str(out, &p.protocol_version),
            Packet::Ping(_) | Packet::Shutdown(_) => {}
            Packet::StartTraceCmd(StartTraceCmdPacket { func_name })
            | Packet::StopTraceCmd(StopTraceCmdPacket { func_name }) => {
                let mut json = Vec::with_capacity(func_name.len() + 16);
                json.extend_from_slice(b"{\"FuncName\":");
                go_json_string(&mut json, func_name, era);
                json.push(b'}');
                put_u64(out, json.len() as u64);
                out.extend_from_slice(&json);
            }
            Packet::Symbol(p) => {
                put_u64(out, p.files.len() as u64);
                for f in &p.files {
                    put_str(out, f);
                }
                put_u64(out, p.mods.len() as u64);
                for m in &p.mods {
                    put_str(out, &m.name);
                    put_u64(out, m.min_pc);
                    put_u64(out, m.max_pc);
                }
                put_u64(out, p.funcs.len() as u64);
                for f in &p.funcs {
                    put_str(out, &f.name);
                    put_u64(out, f.entry);
                }
                put_u64(out, p.lines.len() as u64);
                for l in &p.lines {
                    put_u64(out, l.pc);
                    out.extend_from_slice(&l.file_id.to_be_bytes());
                    out.extend_from_slice(&l.line.to_be_bytes());
                }
            }
            Packet::RawFuncLog(RawFuncLogPacket { func_log: l }) => {
                put_u64(out, l.id as u64);
                out.push(l.tag);
                put_u64(out, l.timestamp as u64);
                put_u64(out, l.frames.len() as u64);
                for f in &l.frames {
                    put_u64(out, *f);
                }
                put_u64(out, l.gid as u64);
                put_u64(out, l.tx_id);
            }
        }
    }

    /// Decodes one payload that starts `offset` bytes into the stream (the
    /// frame's length prefix).
    pub fn decode_payload(payload: &[u8], offset: u64) -> Result<Packet, ProtocolError> {
        let mut r = Reader {
            bytes: payload,
            pos: 0,
            frame: offset,
        };
        let code = r.u8()?;
        let packet = match code {
            CLIENT_HELLO => Packet::ClientHello(ClientHelloPacket {
                pid: r.u64()?,
                app_name: r.string()?,
                host: r.string()?,
                client_secret: r.string()?,
                protocol_version: r.string()?,
            }),
            SERVER_HELLO => Packet::ServerHello(ServerHelloPacket {
                protocol_version: r.string()?,
            }),
            PING => Packet::Ping(PingPacket {}),
            SHUTDOWN => Packet::Shutdown(ShutdownPacket {}),
            START_TRACE_CMD => Packet::StartTraceCmd(StartTraceCmdPacket {
                func_name: r.func_name_json()?,
            }),
            STOP_TRACE_CMD => Packet::StopTraceCmd(StopTraceCmdPacket {
                func_name: r.func_name_json()?,
            }),
            SYMBOL => {
                let files = r.list(8, |r| r.string())?;
                let mods = r.list(24, |r| {
                    Ok(GoModule {
                        name: r.string()?,
                        min_pc: r.u64()?,
                        max_pc: r.u64()?,
                    })
                })?;
                let funcs = r.list(16, |r| {
                    let name = r.string()?;
                    Ok(GoFunc {
                        entry: r.u64()?,
                        name,
                    })
                })?;
                let lines = r.list(16, |r| {
                    Ok(GoLine {
                        pc: r.u64()?,
                        file_id: r.u32()?,
                        line: r.u32()?,
                    })
                })?;
                Packet::Symbol(SymbolPacket {
                    files,
                    mods,
                    funcs,
                    lines,
                })
            }
            RAW_FUNC_LOG => Packet::RawFuncLog(RawFuncLogPacket {
                func_log: RawFuncLog {
                    id: r.u64()? as i64,
                    tag: r.u8()?,
                    timestamp: r.u64()? as i64,
                    frames: r.list(8, |r| r.u64())?,
                    gid: r.u64()? as i64,
                    tx_id: r.u64()?,
                },
            }),
            LOG => {
                return Err(ProtocolError::Invalid {
                    offset,
                    message: "LogPacket is not implemented in the marshal generation".into(),
                });
            }
            code => {
                return Err(ProtocolError::UnknownPacketType {
                    offset,
                    code: code.into(),
                });
            }
        };
        if r.pos < payload.len() {
            return Err(ProtocolError::TrailingBytes {
                offset,
                extra: (payload.len() - r.pos) as u64,
            });
        }
        Ok(packet)
    }
}

fn put_u64(out: &mut Vec<u8>, v: u64) {
    out.extend_from_slice(&v.to_be_bytes());
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    put_u64(out, s.len() as u64);
    out.extend_from_slice(s.as_bytes());
}

/// Writes `s` as `era`'s Go `encoding/json` does (with its default HTML
/// escaping): Go 1.22 began to write U+0008 and U+000C as `\b` and `\f`.
pub fn go_json_string(out: &mut Vec<u8>, s: &str, era: GoEra) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let short_escapes = era == GoEra::Current;
    out.push(b'"');
    for c in s.chars() {
        match c {
            '"' => out.extend_from_slice(b"\\\""),
            '\\' => out.extend_from_slice(b"\\\\"),
            '\u{8}' if short_escapes => out.extend_from_slice(b"\\b"),
            '\u{c}' if short_escapes => out.extend_from_slice(b"\\f"),
            '\n' => out.extend_from_slice(b"\\n"),
            '\r' => out.extend_from_slice(b"\\r"),
            '\t' => out.extend_from_slice(b"\\t"),
            '\u{2028}' => out.extend_from_slice(b"\\u2028"),
            '\u{2029}' => out.extend_from_slice(b"\\u2029"),
            c if (c as u32) < 0x20 || c == '<' || c == '>' || c == '&' => {
                let b = c as u8;
                out.extend_from_slice(b"\\u00");
                out.push(HEX[(b >> 4) as usize]);
                out.push(HEX[(b & 0xf) as usize]);
            }
            c => {
                let mut buf = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
        }
    }
    out.push(b'"');
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
    /// Stream offset of the frame, for errors.
    frame: u64,
}

impl<'a> Reader<'a> {
    fn invalid(&self, message: String) -> ProtocolError {
        ProtocolError::Invalid {
            offset: self.frame,
            message,
        }
    }

    fn remaining(&self) -> usize {
        self.bytes.len() - self.pos
    }

    fn fixed<const N: usize>(&mut self, what: &str) -> Result<[u8; N], ProtocolError> {
        let Some(bytes) = self.bytes[self.pos..].first_chunk::<N>() else {
            return Err(self.invalid(format!(
                "the {}-byte payload ends inside {what} at byte {}",
                self.bytes.len(),
                self.pos
            )));
        };
        self.pos += N;
        Ok(*bytes)
    }

    fn u8(&mut self) -> Result<u8, ProtocolError> {
        Ok(self.fixed::<1>("a byte")?[0])
    }

    fn u32(&mut self) -> Result<u32, ProtocolError> {
        Ok(u32::from_be_bytes(self.fixed("a 32-bit integer")?))
    }

    fn u64(&mut self) -> Result<u64, ProtocolError> {
        Ok(u64::from_be_bytes(self.fixed("a 64-bit integer")?))
    }

    /// A u64 count of `unit`-byte items (`what` names the count) that must
    /// fit in what remains of the payload; checked before any allocation.
    fn count(&mut self, what: &str, unit: u64) -> Result<u64, ProtocolError> {
        let at = self.pos;
        let n = self.u64()?;
        if n.saturating_mul(unit) > self.remaining() as u64 {
            return Err(self.invalid(format!(
                "{what} {n} runs past the end of the {}-byte payload (the count is at payload \
                 byte {at})",
                self.bytes.len()
            )));
        }
        Ok(n)
    }

    /// A u64 byte count (`what` names it), then that many bytes.
    fn counted_bytes(&mut self, what: &str) -> Result<&'a [u8], ProtocolError> {
        let n = self.count(what, 1)? as usize;
        let start = self.pos;
        self.pos += n;
        Ok(&self.bytes[start..self.pos])
    }

    fn string(&mut self) -> Result<String, ProtocolError> {
        let at = self.pos;
        let bytes = self.counted_bytes("string length")?;
        String::from_utf8(bytes.to_vec())
            .map_err(|_| self.invalid(format!("the string at payload byte {at} is not UTF-8")))
    }

    /// A u64 count, then that many items of at least `min_size` bytes each:
    /// the count is checked against what remains before anything is allocated.
    fn list<T>(
        &mut self,
        min_size: u64,
        mut item: impl FnMut(&mut Self) -> Result<T, ProtocolError>,
    ) -> Result<Vec<T>, ProtocolError> {
        let n = self.count("element count", min_size)?;
        let mut items = Vec::with_capacity(n as usize);
        for _ in 0..n {
            items.push(item(self)?);
        }
        Ok(items)
    }

    fn func_name_json(&mut self) -> Result<String, ProtocolError> {
        let json = self.counted_bytes("JSON byte count")?;
        #[derive(Deserialize)]
        struct Body {
            #[serde(rename = "FuncName", default)]
            func_name: String,
        }
        let body: Body = serde_json::from_slice(json).map_err(|e| ProtocolError::Invalid {
            offset: self.frame,
            message: format!("bad JSON command body: {e}"),
        })?;
        Ok(body.func_name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(s: &str) -> String {
        let mut out = Vec::new();
        go_json_string(&mut out, s, GoEra::Current);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn strings_are_escaped_as_go_does() {
        assert_eq!(json("main.main"), r#""main.main""#);
        assert_eq!(json("a<b>&\"\\"), r#""a\u003cb\u003e\u0026\"\\""#);
        assert_eq!(
            json("\n\t\r\u{8}\u{c}\u{0}\u{1f}\u{7f}"),
            "\"\\n\\t\\r\\b\\f\\u0000\\u001f\u{7f}\""
        );
        assert_eq!(json("\u{2028}\u{2029}é"), "\"\\u2028\\u2029é\"");
    }

    /// Go before 1.22 (the spec, "JSON escapes depend on the Go release")
    /// wrote U+0008 and U+000C as `\u0008` and `\u000c`; nothing else
    /// differs. Go 1.26 cannot write these bytes, so they are spelled out.
    #[test]
    fn the_original_era_writes_the_old_escapes() {
        let packet = Packet::StartTraceCmd(StartTraceCmdPacket {
            func_name: "a\u{8}b\u{c}c<\u{1}".into(),
        });
        let mut payload = Vec::new();
        packet.encode_payload(&mut payload, GoEra::Original);
        let body = br#"{"FuncName":"a\u0008b\u000cc\u003c\u0001"}"#;
        let mut expected = vec![START_TRACE_CMD];
        expected.extend_from_slice(&(body.len() as u64).to_be_bytes());
        expected.extend_from_slice(body);
        assert_eq!(payload, expected);
        assert_eq!(Packet::decode_payload(&payload, 0).unwrap(), packet);

        let mut current = Vec::new();
        packet.encode_payload(&mut current, GoEra::Current);
        assert!(current.ends_with(br#""a\bb\fc\u003c\u0001"}"#));
    }

    /// A frame the marshal Go server cut to 1024 bytes still states the full
    /// JSON byte count; the error says so in those words.
    #[test]
    fn a_count_past_the_end_says_so() {
        let packet = Packet::StartTraceCmd(StartTraceCmdPacket {
            func_name: "f".repeat(2000),
        });
        let mut payload = Vec::new();
        packet.encode_payload(&mut payload, GoEra::Current);
        let err = Packet::decode_payload(&payload[..1020], 14).unwrap_err();
        assert_eq!(
            err.to_string(),
            "frame at byte 14: JSON byte count 2015 runs past the end of the 1020-byte \
             payload (the count is at payload byte 1)"
        );
    }

    #[test]
    fn every_packet_round_trips() {
        let packets = vec![
            Packet::ClientHello(ClientHelloPacket {
                pid: 4242,
                app_name: "app".into(),
                host: "h".into(),
                client_secret: String::new(),
                protocol_version: "1".into(),
            }),
            Packet::ServerHello(ServerHelloPacket {
                protocol_version: "1".into(),
            }),
            Packet::Ping(PingPacket {}),
            Packet::Shutdown(ShutdownPacket {}),
            Packet::StartTraceCmd(StartTraceCmdPacket {
                func_name: "a<\"b\">".into(),
            }),
            Packet::StopTraceCmd(StopTraceCmdPacket {
                func_name: String::new(),
            }),
            Packet::Symbol(SymbolPacket {
                files: vec!["/a.go".into()],
                mods: vec![GoModule {
                    name: String::new(),
                    min_pc: 4096,
                    max_pc: 8192,
                }],
                funcs: vec![GoFunc {
                    entry: 4100,
                    name: "main.main".into(),
                }],
                lines: vec![GoLine {
                    pc: 4100,
                    file_id: 0,
                    line: 10,
                }],
            }),
            Packet::RawFuncLog(RawFuncLogPacket {
                func_log: RawFuncLog {
                    id: -7,
                    tag: 1,
                    timestamp: i64::MIN,
                    frames: vec![u64::MAX, 0],
                    gid: -1,
                    tx_id: u64::MAX,
                },
            }),
        ];
        for p in packets {
            let mut payload = Vec::new();
            p.encode_payload(&mut payload, GoEra::Original);
            assert_eq!(Packet::decode_payload(&payload, 0).unwrap(), p);
            for cut in 0..payload.len() {
                assert!(Packet::decode_payload(&payload[..cut], 0).is_err());
            }
            let back = Packet::from_json(&p.to_json()).unwrap();
            assert_eq!(back, p);
        }
    }

    #[test]
    fn the_json_form_matches_the_issue() {
        let p = Packet::from_json(r#"{"packet":"SymbolPacket","Files":["/a.go"],"Mods":[{"Name":"","MinPC":4096,"MaxPC":8192}],"Funcs":[{"Entry":4100,"Name":"main.main"}],"Lines":[{"PC":4100,"FileID":0,"Line":10}]}"#).unwrap();
        assert_eq!(
            p.to_json(),
            r#"{"packet":"SymbolPacket","Files":["/a.go"],"Mods":[{"Name":"","MinPC":4096,"MaxPC":8192}],"Funcs":[{"Entry":4100,"Name":"main.main"}],"Lines":[{"PC":4100,"FileID":0,"Line":10}]}"#
        );
    }

    #[test]
    fn huge_counts_fail_before_allocating() {
        let mut payload = vec![SYMBOL];
        payload.extend_from_slice(&u64::MAX.to_be_bytes());
        assert!(Packet::decode_payload(&payload, 0).is_err());
    }
}
