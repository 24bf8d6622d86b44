//! Compact logs: what a Go tracer writes when it cannot reach a log server
//! (Go's `storage.CompactLogWriter`, used by `logger.FileSender`).
//!
//! The file is one gob stream, written by one encoder, of records: a
//! [`SymbolsData`] value then a [`RawFuncLog`] value. The tracer writes its
//! symbol table as a record with an empty funclog, and each funclog as a
//! record with empty symbols; an empty value is Go's zero value. The Go
//! original has no tool to read it back; [`Record::packets`] gives the
//! marshal generation's packets it stands for.

use std::io::{Read, Write};

use super::{RawFuncLog, StorageError, SymbolsData};
use crate::gob::{Decoder, StreamEncoder};
use crate::protocol::{AnyPacket, GoEra, marshal as m};

/// One record of a compact log: a symbol table and a funclog, either of
/// which may be the empty placeholder.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Record {
    /// The symbol table, or an empty one.
    pub symbols: SymbolsData,
    /// The funclog, or an empty one.
    pub funclog: RawFuncLog,
}

impl Record {
    /// The packets the record stands for, in order: a SymbolPacket if the
    /// symbols are not empty, then a RawFuncLogPacket if the funclog is not.
    pub fn packets(self) -> impl Iterator<Item = AnyPacket> {
        let symbols = (!self.symbols.is_empty())
            .then(|| AnyPacket::from(m::Packet::Symbol(self.symbols.into())));
        let funclog = (!self.funclog.is_empty()).then(|| {
            AnyPacket::from(m::Packet::RawFuncLog(m::RawFuncLogPacket {
                func_log: self.funclog.into(),
            }))
        });
        symbols.into_iter().chain(funclog)
    }
}

/// Decodes record number `record` (from 1); `None` at a clean end.
fn decode_record<R: Read>(
    decoder: &mut Decoder<R>,
    record: u64,
) -> Result<Option<Record>, StorageError> {
    let failed = |what| {
        move |source| StorageError::Gob {
            record,
            what,
            source,
        }
    };
    let Some(symbols) = decoder.decode::<SymbolsData>().map_err(failed("symbols"))? else {
        return Ok(None);
    };
    let Some(funclog) = decoder.decode::<RawFuncLog>().map_err(failed("funclog"))? else {
        return Err(StorageError::HalfRecord {
            record,
            offset: decoder.offset(),
        });
    };
    Ok(Some(Record { symbols, funclog }))
}

/// How far a reader got: the records handed out, and whether it failed
/// (after which it hands out nothing more).
#[derive(Default)]
struct Progress {
    records: u64,
    failed: bool,
}

/// The next record for a reader at `progress`; `None` at a clean end.
fn next_record<R: Read>(
    decoder: &mut Decoder<R>,
    progress: &mut Progress,
) -> Result<Option<Record>, StorageError> {
    if progress.failed {
        return Ok(None);
    }
    let next = decode_record(decoder, progress.records + 1);
    match &next {
        Ok(Some(_)) => progress.records += 1,
        Ok(None) => {}
        Err(_) => progress.failed = true,
    }
    next
}

/// Reads a compact log record by record, from any reader (Go's
/// `storage.CompactLogReader`). A fault ends it with an error naming the
/// record and the byte offset; every record before it was handed out.
pub struct CompactLogReader<R> {
    decoder: Decoder<R>,
    progress: Progress,
}

impl<R: Read> CompactLogReader<R> {
    /// A reader of the compact log read from `reader`.
    pub fn new(reader: R) -> Self {
        CompactLogReader {
            decoder: Decoder::new(reader),
            progress: Progress::default(),
        }
    }

    /// The next record; `None` at the end of the file.
    pub fn next_record(&mut self) -> Result<Option<Record>, StorageError> {
        next_record(&mut self.decoder, &mut self.progress)
    }

    /// How many records were read.
    pub fn records(&self) -> u64 {
        self.progress.records
    }

    /// The byte offset read up to.
    pub fn offset(&self) -> u64 {
        self.decoder.offset()
    }
}

impl<R: Read> Iterator for CompactLogReader<R> {
    type Item = Result<Record, StorageError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_record().transpose()
    }
}

/// Writes a compact log as Go's `storage.CompactLogWriter` does, byte for
/// byte: one gob stream, type ids numbered as the era's Go numbers them in
/// a process that encodes nothing else first.
pub struct CompactLogWriter<W: Write> {
    writer: W,
    encoder: StreamEncoder,
    buf: Vec<u8>,
    records: u64,
}

impl<W: Write> CompactLogWriter<W> {
    /// A writer of a new compact log to `writer`, with `era`'s type ids.
    pub fn new(writer: W, era: GoEra) -> Self {
        CompactLogWriter {
            writer,
            encoder: StreamEncoder::new(era.registry()),
            buf: Vec::new(),
            records: 0,
        }
    }

    /// Writes one record (Go's `Write(data, funclog)`): a missing value is
    /// written as the empty placeholder.
    pub fn write(
        &mut self,
        symbols: Option<&SymbolsData>,
        funclog: Option<&RawFuncLog>,
    ) -> Result<(), StorageError> {
        let (no_symbols, no_funclog) = (SymbolsData::default(), RawFuncLog::default());
        self.buf.clear();
        let failed = |what| move |source| StorageError::Encode { what, source };
        // The placeholders leave gaps (empty slices) that only the types'
        // declarations fill: once, before the first record.
        if self.records == 0 {
            crate::gob::declare::<SymbolsData>().map_err(failed("symbols"))?;
            crate::gob::declare::<RawFuncLog>().map_err(failed("funclog"))?;
        }
        self.encoder
            .encode_into(symbols.unwrap_or(&no_symbols), &mut self.buf)
            .map_err(failed("symbols"))?;
        self.encoder
            .encode_into(funclog.unwrap_or(&no_funclog), &mut self.buf)
            .map_err(failed("funclog"))?;
        self.writer.write_all(&self.buf)?;
        self.records += 1;
        Ok(())
    }

    /// Writes a symbol table as the Go tracer does (`FileSender.SendSymbols`).
    pub fn write_symbols(&mut self, symbols: &SymbolsData) -> Result<(), StorageError> {
        self.write(Some(symbols), None)
    }

    /// Writes a funclog as the Go tracer does (`FileSender.SendLog`).
    pub fn write_funclog(&mut self, funclog: &RawFuncLog) -> Result<(), StorageError> {
        self.write(None, Some(funclog))
    }

    /// Writes a SymbolPacket or RawFuncLogPacket of the marshal generation
    /// as the tracer would have; any other packet is an error, and nothing
    /// of it is written.
    pub fn write_packet(&mut self, packet: &AnyPacket) -> Result<(), StorageError> {
        match packet {
            AnyPacket::Marshal(m::Packet::Symbol(symbols)) => {
                self.write_symbols(&symbols.clone().into())
            }
            AnyPacket::Marshal(m::Packet::RawFuncLog(log)) => {
                self.write_funclog(&log.func_log.clone().into())
            }
            other => Err(StorageError::NotStored(other.go_name())),
        }
    }

    /// How many records were written.
    pub fn records(&self) -> u64 {
        self.records
    }

    /// Flushes the writer.
    pub fn flush(&mut self) -> Result<(), StorageError> {
        Ok(self.writer.flush()?)
    }

    /// The writer, flushed.
    pub fn into_inner(mut self) -> Result<W, StorageError> {
        self.flush()?;
        Ok(self.writer)
    }
}

#[cfg(feature = "net")]
pub use async_reader::AsyncCompactLogReader;

#[cfg(feature = "net")]
mod async_reader {
    use std::io::Read;

    use tokio::io::{AsyncRead, AsyncReadExt};

    use super::{Progress, Record, StorageError, next_record};
    use crate::gob::{Decoder, Limits, wire::Cursor};

    /// The bytes read so far and not yet decoded, which the decoder reads
    /// from.
    #[derive(Default)]
    struct Feed {
        bytes: Vec<u8>,
        pos: usize,
    }

    impl Read for Feed {
        fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
            let rest = &self.bytes[self.pos..];
            let n = rest.len().min(out.len());
            out[..n].copy_from_slice(&rest[..n]);
            self.pos += n;
            Ok(n)
        }
    }

    impl Feed {
        /// Whether the bytes not yet decoded hold a whole record: its
        /// messages up to the second value. A message over the decoder's
        /// limit counts as whole, so that the decoder refuses it at once
        /// rather than after it was read.
        fn has_record(&self, max_message: u64) -> bool {
            let mut rest = &self.bytes[self.pos..];
            let mut values = 0;
            while values < 2 {
                let mut cursor = Cursor::new(rest, 0);
                let Ok(len) = cursor.get_uint() else {
                    return false;
                };
                if len > max_message {
                    return true;
                }
                let head = cursor.consumed();
                let Some(body) = rest.get(head..head + len as usize) else {
                    return false;
                };
                // A value message starts with its type's id; a definition
                // with the negated id of the type it defines.
                let mut id = Cursor::new(body, 0);
                match id.get_int() {
                    Ok(id) if id > 0 => values += 1,
                    Ok(_) => {}
                    // Malformed: the decoder says how.
                    Err(_) => return true,
                }
                rest = &rest[head + len as usize..];
            }
            true
        }

        /// Drops what the decoder has read.
        fn compact(&mut self) {
            self.bytes.drain(..self.pos);
            self.pos = 0;
        }
    }

    /// Reads a compact log from an async reader (a socket, a pipe, a file
    /// being written), record by record; memory grows only as bytes arrive.
    pub struct AsyncCompactLogReader<R> {
        reader: R,
        decoder: Decoder<Feed>,
        max_message: u64,
        progress: Progress,
        at_end: bool,
    }

    impl<R: AsyncRead + Unpin> AsyncCompactLogReader<R> {
        /// A reader of the compact log read from `reader`.
        pub fn new(reader: R) -> Self {
            let limits = Limits::default();
            AsyncCompactLogReader {
                reader,
                max_message: limits.max_message,
                decoder: Decoder::with_limits(Feed::default(), limits),
                progress: Progress::default(),
                at_end: false,
            }
        }

        /// The next record; `None` at the end of the input.
        pub async fn next_record(&mut self) -> Result<Option<Record>, StorageError> {
            if self.progress.failed {
                return Ok(None);
            }
            loop {
                let feed = self.decoder.reader_mut();
                // At the end of the input the decoder reads what is left
                // and says what is wrong with it, if anything.
                if self.at_end || feed.has_record(self.max_message) {
                    let next = next_record(&mut self.decoder, &mut self.progress);
                    self.decoder.reader_mut().compact();
                    return next;
                }
                feed.bytes.reserve(64 * 1024);
                if self.reader.read_buf(&mut feed.bytes).await? == 0 {
                    self.at_end = true;
                }
            }
        }

        /// How many records were read.
        pub fn records(&self) -> u64 {
            self.progress.records
        }
    }
}
