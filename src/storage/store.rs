//! The log store's files of a log `<id>` (`<id>` is 32 hex digits):
//! `<id>.symbol` and `<id>.index` (Go's `storage.SymbolsStore` and
//! `storage.Index`).

use std::io::{Read, Write};

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{IndexRecord, StorageError, SymbolsData};
use crate::gob::{Decoder, StreamEncoder};
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
    writer: impl Write,
    era: GoEra,
    values: &[SymbolsData],
) -> Result<(), StorageError> {
    write_stream(writer, era, "symbols", values)
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
    writer: impl Write,
    era: GoEra,
    records: &[IndexRecord],
) -> Result<(), StorageError> {
    write_stream(writer, era, "index", &[records.to_vec()])
}

/// Writes `values` as one gob stream from a fresh encoder of a fresh Go
/// process of `era`.
fn write_stream<T>(
    mut writer: impl Write,
    era: GoEra,
    what: &'static str,
    values: &[T],
) -> Result<(), StorageError>
where
    T: Serialize + DeserializeOwned + 'static,
{
    // An empty value leaves gaps that only the type's declaration fills.
    crate::gob::declare::<T>().map_err(|source| StorageError::Encode { what, source })?;
    let mut encoder = StreamEncoder::new(era.registry());
    let mut out = Vec::new();
    for value in values {
        encoder
            .encode_into(value, &mut out)
            .map_err(|source| StorageError::Encode { what, source })?;
    }
    writer.write_all(&out)?;
    Ok(writer.flush()?)
}
