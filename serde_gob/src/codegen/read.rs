//! Reading the stream: its type definitions, and what its values show of
//! them (interface contents, struct fields left out).

use std::collections::{HashMap, HashSet};
use std::io::Read;

use crate::error::{Error, Result};
use crate::gostd::Time;
use crate::stream::{Limits, Stream};
use crate::types::{self, GobId, Shape, WireType};

use super::StdTy;

/// Where a value sits, for interface values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum Pos {
    Top,
    Field(GobId, usize),
    /// Element (0) of a slice or array, key (0) or element (1) of a map.
    Slot(GobId, usize),
}

#[derive(Debug, Default, Clone, Copy)]
pub(super) struct FieldSeen {
    pub(super) absent: u64,
    /// Sent with no elements or bytes (an empty map or marshalled value).
    pub(super) empty: u64,
}

#[derive(Default)]
pub(super) struct Scan {
    pub(super) defs: Vec<WireType>,
    pub(super) values: Vec<GobId>,
    /// Per struct type and field index.
    pub(super) fields: HashMap<(GobId, usize), FieldSeen>,
    /// Struct types of which the stream holds a value.
    pub(super) structs: HashSet<GobId>,
    /// Interface values: where, the registered name, the concrete type id.
    pub(super) ifaces: Vec<(Pos, String, GobId)>,
    /// Per self-marshalling type: the standard type each of its values is
    /// exactly (`None` for a value that is none).
    pub(super) std_values: HashMap<GobId, HashSet<Option<StdTy>>>,
}

impl Scan {
    pub(super) fn read<R: Read>(reader: R) -> Result<Scan> {
        let mut st = Stream::new(reader, Limits::default());
        let mut scan = Scan::default();
        while let Some(id) = st.type_sequence(false)? {
            st.singleton_marker(id)?;
            scan.walk(&mut st, id, Pos::Top)?;
            st.end_value();
            scan.values.push(id);
        }
        scan.defs = st.types().iter().map(|(_, w)| (**w).clone()).collect();
        Ok(scan)
    }

    /// Reads one value of type `id`; true when it is empty (no bytes, no
    /// elements, a nil interface).
    fn walk<R: Read>(&mut self, st: &mut Stream<R>, id: GobId, pos: Pos) -> Result<bool> {
        match id {
            types::BOOL | types::INT | types::UINT | types::FLOAT => Ok(st.get_uint()? == 0),
            types::COMPLEX => {
                let re = st.get_uint()?;
                Ok(st.get_uint()? == 0 && re == 0)
            }
            types::BYTES | types::STRING => Ok(st.get_bytes("reading bytes")?.is_empty()),
            types::INTERFACE => match st.interface_header()? {
                None => Ok(true),
                Some((name, concrete)) => {
                    if !self
                        .ifaces
                        .iter()
                        .any(|(p, n, c)| *p == pos && *n == name && *c == concrete)
                    {
                        self.ifaces.push((pos, name, concrete));
                    }
                    st.enter()?;
                    st.singleton_marker(concrete)?;
                    self.walk(st, concrete, Pos::Top)?;
                    st.leave();
                    Ok(false)
                }
            },
            _ => {
                let wire = st.wire(id)?;
                st.enter()?;
                let empty = match &wire.shape {
                    Shape::Struct { fields } => {
                        self.structs.insert(id);
                        let mut sent = vec![None; fields.len()];
                        let mut field: i64 = -1;
                        loop {
                            let at = st.offset();
                            let delta = st.get_uint()?;
                            if delta == 0 {
                                break;
                            }
                            field = field.saturating_add(delta.min(i64::MAX as u64) as i64);
                            let Some(f) = fields.get(field as usize) else {
                                return Err(Error::malformed(
                                    at,
                                    format!(
                                        "field number {field} is out of range for {}",
                                        wire.name
                                    ),
                                ));
                            };
                            sent[field as usize] =
                                Some(self.walk(st, f.id, Pos::Field(id, field as usize))?);
                        }
                        for (i, s) in sent.into_iter().enumerate() {
                            let seen = self.fields.entry((id, i)).or_default();
                            match s {
                                None => seen.absent += 1,
                                Some(true) => seen.empty += 1,
                                Some(false) => {}
                            }
                        }
                        false
                    }
                    Shape::Slice { elem } | Shape::Array { elem, .. } => {
                        let (n, _) = st.get_count()?;
                        for _ in 0..n {
                            self.walk(st, *elem, Pos::Slot(id, 0))?;
                        }
                        n == 0
                    }
                    Shape::Map { key, elem } => {
                        let (n, _) = st.get_count()?;
                        for _ in 0..n {
                            self.walk(st, *key, Pos::Slot(id, 0))?;
                            self.walk(st, *elem, Pos::Slot(id, 1))?;
                        }
                        n == 0
                    }
                    Shape::GobEncoder => {
                        let name = wire.name.clone();
                        let range = st.get_bytes("reading marshalled bytes")?;
                        let bytes = st.bytes(range);
                        let std = StdTy::of_value(&name, bytes);
                        // A zero time is empty too: the codec leaves it out.
                        let empty = bytes.is_empty()
                            || std == Some(StdTy::Time)
                                && Time::from_gob_bytes(bytes).is_ok_and(|t| t.is_go_zero());
                        self.std_values.entry(id).or_default().insert(std);
                        empty
                    }
                    Shape::BinaryMarshaler | Shape::TextMarshaler => {
                        st.get_bytes("reading marshalled bytes")?.is_empty()
                    }
                };
                st.leave();
                Ok(empty)
            }
        }
    }
}
