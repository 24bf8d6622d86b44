//! How Go and Rust compare on one mutated stream: they agree, or they
//! differ in one of the ways the README lists under "Differences from Go's
//! decoder" (each recognised here by what exactly shows it), or the
//! difference is unexplained: a finding.

use serde::de::IgnoredAny;
use serde_gob::schema::{Kind, NodeId, Schema};
use serde_gob::types::{GobId, Shape};
use serde_gob::{self as gob};
use serde_json::Value as Json;

use crate::common;
use crate::corpus_types::Step;
use crate::mutate::read_uint;

pub const AGREE_ACCEPT: &str = "agree: both accept, same values";
pub const AGREE_REJECT: &str = "agree: both reject";
pub const EOF_IN_MESSAGE: &str = "differ: Go's io.EOF inside a message (Rust rejects)";
pub const GO_OUT_OF_MEMORY: &str = "differ: Go runs out of memory (Rust rejects)";
pub const NOT_UTF8: &str = "differ: a string that is not UTF-8";
pub const DUPLICATE_FIELD: &str = "differ: a struct type naming a field twice";
pub const SEVERAL_KINDS: &str = "differ: a type definition of several kinds";
pub const EMPTY_DEFINITION: &str = "differ: a type definition of no kind";
pub const LIMITS: &str = "differ: the project's limits (Rust rejects)";
pub const BOOTSTRAP_TYPES: &str = "differ: Go's own types as type ids 16 to 23";
pub const DYNAMIC_READS_ALL: &str = "differ: the dynamic decoder reads what Go skips";
pub const GO_NO_END: &str = "differ: Go loops without end (Rust rejects)";
pub const NIL_INTERFACE_SKIPPED: &str = "differ: Go skips a nil interface as if it held a value";
pub const WHOLE_TYPE_CHECK: &str = "differ: Go checks parts of the type no value sends";
pub const FIELD_DECODER_CACHE: &str = "differ: Go's decoder cache by local type";
pub const OPAQUE_REJECTED: &str = "differ: Go's unmarshal method rejects the bytes";
pub const OPAQUE_REWRITTEN: &str = "differ: Go's marshal methods rewrite the bytes";

/// Rust's two readings of a stream.
pub struct RustSide {
    pub typed: Result<Vec<Json>, String>,
    pub dynamic: Result<Vec<Json>, String>,
}

/// A self-marshalling value met in a stream, to ask Go's own methods about.
#[derive(Clone, Debug)]
pub struct Leaf {
    /// Its Go type (`main.Version`, `time.Time`).
    pub go_type: String,
    /// Its bytes as Rust holds them (base64; empty when absent).
    pub rust: String,
    /// Its bytes as Go renders them, where the two renderings differ.
    pub go: Option<String>,
}

pub enum Verdict {
    Class(&'static str),
    Unexplained(String),
    /// Explained if Go's own marshalling methods account for it.
    Opaque {
        leaves: Vec<Leaf>,
        /// Go's error, when Go rejects what Rust accepts.
        go_error: Option<String>,
        why: String,
    },
}

/// What Go's methods make of one self-marshalled value (the oracle's
/// "remarshal").
pub struct Remarshal {
    pub ok: bool,
    pub error: String,
    pub data: String,
    pub zero: bool,
    pub zero_data: String,
}

pub fn classify(
    go: &Json,
    rust: &RustSide,
    steps: &[Step],
    fixed: bool,
    bytes: &[u8],
    source: &[u8],
) -> Verdict {
    let go_accepted = go.get("accepted") == Some(&Json::Bool(true));
    let go_error = go.get("error").and_then(Json::as_str).unwrap_or("");
    if go_accepted && go.get("error").is_some() {
        return Verdict::Unexplained(format!(
            "Go decoded but could not render or re-encode: {go}"
        ));
    }
    let mut go_values: Vec<Json> = go
        .get("values")
        .and_then(Json::as_array)
        .cloned()
        .unwrap_or_default();
    let verdict = match (go_accepted, &rust.typed) {
        (true, Ok(values)) => match common::json_diff(
            &blank_nan_keys(values.clone()),
            &blank_nan_keys(std::mem::take(&mut go_values)),
            true,
        ) {
            None => Verdict::Class(AGREE_ACCEPT),
            Some(d) => {
                let why = format!("both accept, values differ:\n  {d}");
                let go_values: Vec<Json> = go
                    .get("values")
                    .and_then(Json::as_array)
                    .cloned()
                    .unwrap_or_default();
                match opaque_differences(steps, fixed, values, &go_values) {
                    Some(leaves) => Verdict::Opaque {
                        leaves,
                        go_error: None,
                        why,
                    },
                    None => Verdict::Unexplained(why),
                }
            }
        },
        (false, Err(_)) => {
            if go.get("timeout") == Some(&Json::Bool(true)) {
                Verdict::Class(GO_NO_END)
            } else if go.get("crashed") == Some(&Json::Bool(true)) {
                Verdict::Class(GO_OUT_OF_MEMORY)
            } else if go.get("eof_in_message") == Some(&Json::Bool(true)) {
                Verdict::Class(EOF_IN_MESSAGE)
            } else {
                Verdict::Class(AGREE_REJECT)
            }
        }
        (true, Err(e)) => {
            let dynamic_fine = match &rust.dynamic {
                Ok(_) => true,
                Err(d) => deliberate_rejection(d, bytes).is_some(),
            };
            if e.contains("string is not valid UTF-8") && dynamic_fine {
                Verdict::Class(NOT_UTF8)
            } else if let Some(class) = deliberate_rejection(e, bytes) {
                Verdict::Class(class)
            } else {
                Verdict::Unexplained(format!("Go accepts, Rust rejects: {e}"))
            }
        }
        (false, Ok(values)) => {
            let why = format!("Go rejects ({go_error}), Rust accepts");
            if is_whole_type_check(go_error) {
                Verdict::Class(WHOLE_TYPE_CHECK)
            } else {
                let mut leaves = Vec::new();
                for (i, v) in values.iter().enumerate() {
                    let step = if fixed { &steps[i] } else { &steps[0] };
                    let schema = (step.schema)();
                    let v = common::normalize(v.clone(), true);
                    walk(schema, schema.root, &v, None, &mut leaves);
                }
                if leaves.is_empty() {
                    Verdict::Unexplained(why)
                } else {
                    Verdict::Opaque {
                        leaves,
                        go_error: Some(go_error.to_string()),
                        why,
                    }
                }
            }
        }
    };
    // Go accepts only well-formed streams, which the dynamic decoder takes
    // whatever their types.
    let verdict = match &rust.dynamic {
        Err(e) if go_accepted && deliberate_rejection(e, bytes).is_none() => {
            if rust.typed.is_ok()
                && (has_skipped_field(steps, bytes) || e.starts_with("unknown type id "))
            {
                Verdict::Class(DYNAMIC_READS_ALL)
            } else {
                Verdict::Unexplained(format!("Go accepts, Rust's dynamic decoding rejects: {e}"))
            }
        }
        _ => verdict,
    };
    match verdict {
        Verdict::Unexplained(_) if field_decoder_cache_applies(steps, bytes) => {
            Verdict::Class(FIELD_DECODER_CACHE)
        }
        Verdict::Unexplained(_)
            if skips_nil_interface(steps, fixed, &rust.dynamic)
                || rust.dynamic.is_err()
                    && ignores_interfaces(steps, bytes)
                    && dynamic_holds_nil_element(source) =>
        {
            Verdict::Class(NIL_INTERFACE_SKIPPED)
        }
        v => v,
    }
}

/// Go's decoder skips a field it has no place for with ignore operations,
/// and decode.go's ignoreInterface reads a type id and a byte count even
/// after the empty name of a nil interface, which has neither: what
/// follows is misread. Whether the stream (as the dynamic decoder reads it)
/// has a field that no local struct of the mirror types has, holding a nil
/// interface in a slice, array or map.
fn skips_nil_interface(steps: &[Step], fixed: bool, dynamic: &Result<Vec<Json>, String>) -> bool {
    let Ok(values) = dynamic else { return false };
    values.iter().enumerate().any(|(i, v)| {
        let step = if fixed { steps.get(i) } else { steps.first() };
        step.is_some_and(|step| {
            let schema = (step.schema)();
            ignored_nil(schema, schema.root, v)
        })
    })
}

fn ignored_nil(schema: &Schema, node: NodeId, v: &Json) -> bool {
    match (&schema.node(schema.base(node)).kind, v) {
        (Kind::Struct { fields }, Json::Object(o)) => {
            o.iter()
                .any(|(k, fv)| match fields.iter().find(|f| f.name == k) {
                    Some(f) => ignored_nil(schema, f.node, fv),
                    None => holds_nil_element(fv),
                })
        }
        (Kind::Slice(e) | Kind::Array(e, _), Json::Array(a)) => {
            a.iter().any(|x| ignored_nil(schema, *e, x))
        }
        (Kind::Map(_, e), Json::Object(o)) => o.values().any(|x| ignored_nil(schema, *e, x)),
        (Kind::Map(_, e), Json::Array(a)) => a
            .iter()
            .filter_map(|p| p.as_array().and_then(|p| p.get(1)))
            .any(|x| ignored_nil(schema, *e, x)),
        (Kind::Interface { variants }, Json::Object(o)) => {
            let name = o.get("type").and_then(Json::as_str).unwrap_or_default();
            match (
                variants.iter().flatten().find(|v| v.name == name),
                o.get("value"),
            ) {
                (Some(var), Some(value)) => ignored_nil(schema, var.node, value),
                _ => false,
            }
        }
        _ => false,
    }
}

/// When the dynamic decoder cannot read the stream: whether it defines a
/// struct with a field that can hold interfaces (directly, or as elements)
/// and that no local struct of the mirror types has, so that Go skips it.
fn ignores_interfaces(steps: &[Step], bytes: &[u8]) -> bool {
    let defs = definitions(bytes);
    let holds_interfaces = |id: GobId| {
        id == gob::types::INTERFACE
            || defs.iter().any(|(d, shape)| {
                *d == id
                    && matches!(shape, Shape::Slice { elem } | Shape::Array { elem, .. } | Shape::Map { elem, .. } if *elem == gob::types::INTERFACE)
            })
    };
    skipped_fields(steps, &defs).any(holds_interfaces)
}

/// Whether the stream defines a struct with a field that no local struct
/// of the mirror types has: Go's typed decoding skips it (by byte counts
/// for interface values), the dynamic decoder reads it.
fn has_skipped_field(steps: &[Step], bytes: &[u8]) -> bool {
    let defs = definitions(bytes);
    skipped_fields(steps, &defs).next().is_some()
}

/// The type ids of the struct fields in `defs` that no local struct of the
/// mirror types names.
fn skipped_fields<'a>(
    steps: &'a [Step],
    defs: &'a [(GobId, Shape)],
) -> impl Iterator<Item = GobId> + 'a {
    let local_names = move |name: &str| {
        steps.iter().any(|step| {
            let schema = (step.schema)();
            schema.nodes.iter().any(|n| match &n.kind {
                Kind::Struct { fields } => fields.iter().any(|f| f.name == name),
                _ => false,
            })
        })
    };
    defs.iter()
        .filter_map(|(_, shape)| match shape {
            Shape::Struct { fields } => Some(fields),
            _ => None,
        })
        .flatten()
        .filter(move |f| !local_names(&f.name))
        .map(|f| f.id)
}

/// Whether the stream a mutation started from holds a nil interface as an
/// element.
fn dynamic_holds_nil_element(source: &[u8]) -> bool {
    gob::decode_values(source)
        .map(|values| values.iter().any(|v| holds_nil_element(&v.to_json())))
        .unwrap_or(false)
}

/// Whether a rendering holds a null (a nil interface) as an element.
fn holds_nil_element(v: &Json) -> bool {
    match v {
        Json::Array(a) => a.iter().any(|x| x.is_null() || holds_nil_element(x)),
        Json::Object(o) => o.values().any(holds_nil_element),
        _ => false,
    }
}

/// A stream the project refuses on purpose where Go's decoder goes on: the
/// class, recognised by Rust's error and the stream.
fn deliberate_rejection(rust_error: &str, bytes: &[u8]) -> Option<&'static str> {
    if rust_error.contains("limit exceeded at byte") {
        Some(LIMITS)
    } else if bootstrap_id(rust_error) || uses_bootstrap_value(bytes) {
        Some(BOOTSTRAP_TYPES)
    } else if rust_error.contains("type definition sets more than one kind") {
        Some(SEVERAL_KINDS)
    } else if rust_error.contains("empty type definition") {
        Some(EMPTY_DEFINITION)
    } else if rust_error.contains("duplicate field `") && has_duplicate_field(bytes) {
        Some(DUPLICATE_FIELD)
    } else {
        None
    }
}

/// Whether an error is "unknown type id N" for an id below 64 other than
/// gob's basic types: Go's decoder knows its own types there (wireType,
/// CommonType, structType, fieldType and the rest, ids 16 to 23).
fn bootstrap_id(rust_error: &str) -> bool {
    rust_error
        .strip_prefix("unknown type id ")
        .and_then(|rest| rest.split(' ').next())
        .and_then(|id| id.parse::<i64>().ok())
        .is_some_and(|id| (9..64).contains(&id))
}

/// The oracle renders a map entry by looking its key up, and a NaN key
/// finds nothing (Go renders the value null): the values of NaN keys are
/// left out of the comparison, on both sides.
fn blank_nan_keys(values: Vec<Json>) -> Vec<Json> {
    fn blank(v: &mut Json) {
        match v {
            Json::Array(items) => {
                for item in items.iter_mut() {
                    if let Json::Array(pair) = item
                        && pair.len() == 2
                        && pair[0] == Json::String("NaN".into())
                    {
                        pair[1] = Json::Null;
                    }
                    blank(item);
                }
            }
            Json::Object(map) => map.values_mut().for_each(blank),
            _ => {}
        }
    }
    let mut values = values;
    values.iter_mut().for_each(blank);
    values
}

/// Whether a value message of the stream has the type of one of Go's own
/// type definition types (ids 16 to 23).
fn uses_bootstrap_value(bytes: &[u8]) -> bool {
    let mut at = 0;
    while let Some((len, n)) = read_uint(bytes, at) {
        let body = at + n;
        if let Some((u, _)) = read_uint(bytes, body)
            && u & 1 == 0
            && (16..=23).contains(&(u >> 1))
        {
            return true;
        }
        match body.checked_add(len as usize) {
            Some(end) if end <= bytes.len() && len > 0 => at = end,
            _ => break,
        }
    }
    false
}

/// Errors of Go's decoder compiler (decode.go's compileDec, compileSingle,
/// compatibleType), which checks the sender's type against the local type
/// as a whole before the first value.
fn is_whole_type_check(go_error: &str) -> bool {
    const PREFIXES: &[&str] = &[
        "gob: wrong type (",
        "gob: type mismatch: no fields matched compiling decoder for ",
        "gob: decoding into local type ",
        "gob: type mismatch in decoder: want struct type ",
        "gob: empty name for remote field of type ",
        "gob: unknown type id or corrupted data",
        "gob: local interface type ",
        "gob: bad data: undefined type ",
    ];
    PREFIXES.iter().any(|p| go_error.starts_with(p))
}

/// Resolves an [`Verdict::Opaque`] with Go's answers for its leaves.
pub fn resolve_opaque(
    leaves: &[Leaf],
    go_error: Option<&str>,
    answer: impl Fn(&Leaf) -> Remarshal,
) -> Option<&'static str> {
    match go_error {
        Some(e) => leaves
            .iter()
            .any(|l| {
                let r = answer(l);
                !r.ok && r.error == e
            })
            .then_some(OPAQUE_REJECTED),
        None => leaves
            .iter()
            .all(|l| {
                let Some(go) = &l.go else { return true };
                let r = answer(l);
                if l.rust.is_empty() {
                    // Left out of the stream: Go holds its zero value.
                    return *go == r.zero_data || go.is_empty();
                }
                r.ok && (*go == r.data || r.zero && go.is_empty())
            })
            .then_some(OPAQUE_REWRITTEN),
    }
}

/// The self-marshalled values where two renderings of one stream differ,
/// or `None` when they differ elsewhere too.
fn opaque_differences(
    steps: &[Step],
    fixed: bool,
    rust: &[Json],
    go: &[Json],
) -> Option<Vec<Leaf>> {
    if rust.len() != go.len() {
        return None;
    }
    let mut leaves = Vec::new();
    for (i, (r, g)) in rust.iter().zip(go).enumerate() {
        let step = if fixed { steps.get(i)? } else { &steps[0] };
        let schema = (step.schema)();
        let (r, g) = (
            common::normalize(r.clone(), true),
            common::normalize(g.clone(), true),
        );
        if !walk(schema, schema.root, &r, Some(&g), &mut leaves) {
            return None;
        }
    }
    Some(leaves)
}

/// Walks a rendering (and, with `go`, a second one beside it) along the
/// schema. Collects the self-marshalled values (only those that differ,
/// with `go`); returns whether everything else is equal.
fn walk(
    schema: &Schema,
    node: NodeId,
    rust: &Json,
    go: Option<&Json>,
    leaves: &mut Vec<Leaf>,
) -> bool {
    let n = schema.node(node);
    if let Kind::Opaque(_) = n.kind {
        let r = rust.as_str().unwrap_or_default().to_string();
        match go {
            None => leaves.push(Leaf {
                go_type: n.go_string.clone(),
                rust: r,
                go: None,
            }),
            Some(g) => {
                let Some(g) = g.as_str() else { return false };
                if g != r {
                    leaves.push(Leaf {
                        go_type: n.go_string.clone(),
                        rust: r,
                        go: Some(g.to_string()),
                    });
                }
            }
        }
        return true;
    }
    let same_shape = |g: Option<&Json>| -> bool {
        g.is_none_or(|g| std::mem::discriminant(g) == std::mem::discriminant(rust))
    };
    if !same_shape(go) {
        return false;
    }
    match (&n.kind, rust) {
        (Kind::Pointer(inner), _) if !rust.is_null() => walk(schema, *inner, rust, go, leaves),
        (Kind::Struct { fields }, Json::Object(r)) => {
            let g = go.and_then(Json::as_object);
            if g.is_some_and(|g| g.len() != r.len()) {
                return false;
            }
            fields.iter().all(|f| match r.get(f.name) {
                Some(rv) => walk(
                    schema,
                    f.node,
                    rv,
                    g.map(|g| g.get(f.name).unwrap_or(&Json::Null)),
                    leaves,
                ),
                None => g.is_none_or(|g| !g.contains_key(f.name)),
            })
        }
        (Kind::Slice(elem) | Kind::Array(elem, _), Json::Array(r)) => {
            let g = go.and_then(Json::as_array);
            if g.is_some_and(|g| g.len() != r.len()) {
                return false;
            }
            r.iter()
                .enumerate()
                .all(|(i, rv)| walk(schema, *elem, rv, g.map(|g| &g[i]), leaves))
        }
        (Kind::Map(_, elem), Json::Object(r)) => {
            let g = go.and_then(Json::as_object);
            if g.is_some_and(|g| g.len() != r.len() || !r.keys().all(|k| g.contains_key(k))) {
                return false;
            }
            r.iter()
                .all(|(k, rv)| walk(schema, *elem, rv, g.map(|g| &g[k]), leaves))
        }
        (Kind::Map(key, elem), Json::Array(r)) => {
            let g = go.and_then(Json::as_array);
            if g.is_some_and(|g| g.len() != r.len()) {
                return false;
            }
            r.iter().enumerate().all(|(i, pair)| {
                let gp = g.map(|g| &g[i]);
                match (pair.as_array(), gp.map(|p| p.as_array())) {
                    (Some(rp), Some(Some(gp))) if rp.len() == 2 && gp.len() == 2 => {
                        walk(schema, *key, &rp[0], Some(&gp[0]), leaves)
                            && walk(schema, *elem, &rp[1], Some(&gp[1]), leaves)
                    }
                    (Some(rp), None) if rp.len() == 2 => {
                        walk(schema, *key, &rp[0], None, leaves)
                            && walk(schema, *elem, &rp[1], None, leaves)
                    }
                    _ => false,
                }
            })
        }
        (Kind::Interface { variants }, Json::Object(r)) => {
            let name = r.get("type").and_then(Json::as_str).unwrap_or_default();
            let g = go.and_then(Json::as_object);
            if g.is_some_and(|g| g.get("type").and_then(Json::as_str) != Some(name)) {
                return false;
            }
            let value = r.get("value").unwrap_or(&Json::Null);
            let gv = g.map(|g| g.get("value").unwrap_or(&Json::Null));
            match variants.iter().flatten().find(|v| v.name == name) {
                Some(v) => walk(schema, v.node, value, gv, leaves),
                None => gv.is_none_or(|gv| gv == value),
            }
        }
        _ => go.is_none_or(|g| g == rust),
    }
}

/// Whether a stream defines a struct with two fields of one name.
fn has_duplicate_field(bytes: &[u8]) -> bool {
    definitions(bytes).iter().any(|(_, shape)| match shape {
        Shape::Struct { fields } => fields
            .iter()
            .enumerate()
            .any(|(i, f)| fields[..i].iter().any(|g| g.name == f.name)),
        _ => false,
    })
}

/// The type definitions of a stream, as far as Rust reads it.
fn definitions(bytes: &[u8]) -> Vec<(GobId, Shape)> {
    let mut dec = gob::Decoder::new(bytes);
    while let Ok(Some(_)) = dec.decode::<IgnoredAny>() {}
    dec.types()
        .iter()
        .map(|(id, w)| (*id, w.shape.clone()))
        .collect()
}

/// Go's decoder compiles a struct's field decoders keeping one per local
/// type (decode.go's decOpFor and its inProgress map): when two fields (or
/// elements inside them) of one composite local type arrive with different
/// types in the stream, every one of them is read as the first. Whether
/// some struct of the stream does that to a local struct (of the same name,
/// if the name is one of the mirror types').
fn field_decoder_cache_applies(steps: &[Step], bytes: &[u8]) -> bool {
    let defs = definitions(bytes);
    let shape_of = |id: GobId| defs.iter().find(|(d, _)| *d == id).map(|(_, s)| s);
    let mut names = std::collections::HashMap::new();
    {
        let mut dec = gob::Decoder::new(bytes);
        while let Ok(Some(_)) = dec.decode::<IgnoredAny>() {}
        for (id, w) in dec.types() {
            names.insert(*id, w.name.clone());
        }
    }
    for step in steps {
        let schema = (step.schema)();
        for local in &schema.nodes {
            let Kind::Struct {
                fields: local_fields,
            } = &local.kind
            else {
                continue;
            };
            for (id, shape) in &defs {
                let Shape::Struct { fields } = shape else {
                    continue;
                };
                // By name, or any struct when the name is not one of ours
                // (a mutation may change it; Go matches fields, not names).
                let name = names.get(id).map(String::as_str).unwrap_or_default();
                let ours = schema.nodes.iter().any(|n| n.go_name == name);
                if ours && name != local.go_name {
                    continue;
                }
                let mut seen: Vec<(NodeId, GobId)> = Vec::new();
                let mut clash = false;
                let mut note = |node: NodeId, wire: GobId, seen: &mut Vec<(NodeId, GobId)>| {
                    let cached = matches!(
                        schema.node(schema.base(node)).kind,
                        Kind::Struct { .. } | Kind::Slice(_) | Kind::Array(..) | Kind::Map(..)
                    );
                    if !cached {
                        return;
                    }
                    match seen.iter().find(|(n, _)| *n == node) {
                        Some((_, w)) if *w != wire => clash = true,
                        Some(_) => {}
                        None => seen.push((node, wire)),
                    }
                };
                for f in fields {
                    let Some(lf) = local_fields.iter().find(|l| l.name == f.name) else {
                        continue;
                    };
                    note(lf.node, f.id, &mut seen);
                    // One level down: the elements of a slice, array or map.
                    let base = schema.base(lf.node);
                    match (&schema.node(base).kind, shape_of(f.id)) {
                        (
                            Kind::Slice(e) | Kind::Array(e, _),
                            Some(Shape::Slice { elem } | Shape::Array { elem, .. }),
                        ) => note(*e, *elem, &mut seen),
                        (Kind::Map(k, v), Some(Shape::Map { key, elem })) => {
                            note(*k, *key, &mut seen);
                            note(*v, *elem, &mut seen);
                        }
                        _ => {}
                    }
                }
                if clash {
                    return true;
                }
            }
        }
    }
    false
}
