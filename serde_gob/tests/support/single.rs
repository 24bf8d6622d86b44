//! One value as a gob stream of its own, shared by the tests that need it.

use serde::Serialize;
use serde_gob as gob;

/// `value` as a stream of its own: a fresh encoder over `registry`, as a
/// Go process that keeps its type ids makes a fresh `gob.Encoder`.
pub fn single<T: Serialize>(registry: &mut gob::Registry, value: &T) -> Vec<u8> {
    let mut out = Vec::new();
    gob::Encoder::new(registry)
        .encode_into(value, &mut out)
        .unwrap();
    out
}
