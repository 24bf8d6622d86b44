//! The log store's files of a log `<id>` (`<id>` is 32 hex digits):
//! `<id>.symbol` and `<id>.index` (Go's `storage.SymbolsStore` and
//! `storage.Index`).

use std::io::{Read, Write};

use super::{IndexRecord, StorageError, SymbolsData};
use crate::gob::{Decoder, Encoder};
use crate::protocol::GoEra;

/// Reads a `<id>.symbol` file: a gob stream of symbol tables, of which, as
/// Go's reader does, the last one counts. `None` for a file with none.
pub fn read_symbols(reader: impl Read) -> Result<Option<SymbolsData>, StorageError> {
    let mut decoder = Decoder::new(reader);
    let mut last = None;
    for record in 1.. {
        match decoder.decode::<SymbolsData>() {
            Ok(Some(symbols)) => last = Some(symbols),
            Ok(None) => break,
            Err(source) => {
                return Err(StorageError::Gob {
                    record,
                    what: "symbols",
                    source,
                });
            }
        }
    }
    Ok(last)
}

/// Writes a `<id>.symbol` file as Go's `SymbolsStore.Write` does: one gob
/// stream of `values`, with `era`'s type ids.
pub fn write_symbols(
    mut writer: impl Write,
    era: GoEra,
    values: &[SymbolsData],
) -> Result<(), StorageError> {
    let mut registry = era.registry();
    let mut encoder = Encoder::new(&mut registry);
    let mut out = Vec::new();
    for value in values {
        encoder
            .encode_into(value, &mut out)
            .map_err(|source| StorageError::Encode {
                what: "symbols",
                source,
            })?;
    }
    writer.write_all(&out)?;
    Ok(writer.flush()?)
}

/// Reads a `<id>.index` file: one gob value, the records of the log's data
/// files. An empty file has none (Go's reader takes it so too).
pub fn read_index(reader: impl Read) -> Result<Vec<IndexRecord>, StorageError> {
    let mut decoder = Decoder::new(reader);
    let failed = |source| StorageError::Gob {
        record: 1,
        what: "index",
        source,
    };
    Ok(decoder
        .decode::<Vec<IndexRecord>>()
        .map_err(failed)?
        .unwrap_or_default())
}

/// Writes a `<id>.index` file as Go's `Index.Save` does, with `era`'s type
/// ids.
pub fn write_index(
    mut writer: impl Write,
    era: GoEra,
    records: &[IndexRecord],
) -> Result<(), StorageError> {
    let mut registry = era.registry();
    let mut out = Vec::new();
    Encoder::new(&mut registry)
        .encode_into(&records.to_vec(), &mut out)
        .map_err(|source| StorageError::Encode {
            what: "index",
            source,
        })?;
    writer.write_all(&out)?;
    Ok(writer.flush()?)
}
