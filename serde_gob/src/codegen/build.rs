//! Building the model from what was read: a declaration per type, named
//! from what type strings tell, with options, boxes and `Ord` where the
//! stream needs them.

use std::collections::{HashMap, HashSet};

use crate::error::{Error, Result};
use crate::types::{self, GobId, Shape, WireType};
use crate::zero::NIL_VARIANT;

use super::gotype::{
    GoType, bare, go_string, is_literal, is_predeclared, parse_go_type, registered_type,
};
use super::naming::{RESERVED, camel_case, go_ident, snake_case, unique, variant_name};
use super::read::{Pos, Scan};
use super::{
    ANY, Decl, DeclKind, FieldDecl, IntW, Options, Sent, StdTy, StreamTypes, Ty, UintW, VariantDecl,
};

pub(super) struct Builder<'a> {
    scan: &'a Scan,
    defs: HashMap<GobId, &'a WireType>,
    /// What composite type names and registrations tell of a defined type.
    hints: HashMap<GobId, GoType>,
    decls: Vec<Decl>,
    by_id: HashMap<GobId, usize>,
    /// Named basic types and interfaces, by Go type string.
    by_name: HashMap<String, usize>,
    inline: HashMap<GobId, Ty>,
    /// The interface enum of each slot of a composite type that holds
    /// interfaces.
    slot_iface: HashMap<(GobId, usize), usize>,
    rust_names: HashSet<String>,
    go_names: HashSet<String>,
    go_fulls: HashSet<String>,
    /// The Go type string of each unnamed composite type, which the codec's
    /// registry keys types by: two types must not share one.
    composite_strings: HashMap<String, GobId>,
    options: Options,
}

impl<'a> Builder<'a> {
    pub(super) fn new(scan: &'a Scan, options: Options) -> Self {
        Builder {
            scan,
            defs: scan.defs.iter().map(|w| (w.id, w)).collect(),
            hints: HashMap::new(),
            decls: Vec::new(),
            by_id: HashMap::new(),
            by_name: HashMap::new(),
            inline: HashMap::new(),
            slot_iface: HashMap::new(),
            rust_names: RESERVED.iter().map(|s| s.to_string()).collect(),
            go_names: HashSet::new(),
            go_fulls: HashSet::new(),
            composite_strings: HashMap::new(),
            options,
        }
    }

    pub(super) fn build(mut self) -> Result<StreamTypes> {
        for w in &self.scan.defs {
            if let Shape::TextMarshaler = w.shape {
                return Err(Error::Custom(format!(
                    "type {} ({}) is a TextMarshaler, which the codec does not write",
                    w.id, w.name
                )));
            }
        }
        // What type names tell: a definition named by a composite type string
        // (a struct field's type), and the names concrete types are
        // registered under.
        for w in &self.scan.defs {
            if is_literal(&w.name)
                && let Some(t) = parse_go_type(&w.name)
            {
                self.hint(&t, w.id);
            }
        }
        for (_, name, concrete) in &self.scan.ifaces {
            if let Some(t) = registered_type(name) {
                self.hint(&t, *concrete);
            }
        }
        for (&id, t) in &self.hints {
            if matches!(t, GoType::Slice(_) | GoType::Array(..) | GoType::Map(..)) {
                self.composite_strings.insert(go_string(t), id);
            }
        }
        // Declarations in the order the values reach them, then whatever
        // else the stream defines.
        let mut values = Vec::with_capacity(self.scan.values.len());
        for &id in &self.scan.values {
            values.push(self.resolve(None, id)?);
        }
        for w in &self.scan.defs {
            self.resolve(None, w.id)?;
        }
        // Interface variants, until no variant brings a new interface (an
        // open interface has none: it takes any concrete type).
        let mut done = if self.options.open_interfaces {
            self.scan.ifaces.len()
        } else {
            0
        };
        while done < self.scan.ifaces.len() {
            let (pos, name, concrete) = self.scan.ifaces[done].clone();
            done += 1;
            self.add_variant(pos, &name, concrete)?;
        }
        for d in &mut self.decls {
            if let DeclKind::Interface(variants) = &mut d.kind {
                variants.push(VariantDecl {
                    registered: NIL_VARIANT.to_string(),
                    rust: "Nil".to_string(),
                    ty: Ty::Bool,
                });
            }
        }
        self.break_enum_cycles();
        self.box_recursion();
        self.mark_keys(&values)?;
        let ids = self.scan.defs.iter().map(|w| w.id).collect();
        let unnamed_opaques = self
            .scan
            .defs
            .iter()
            .filter(|w| w.name.is_empty() && matches!(w.shape, Shape::GobEncoder))
            .count();
        Ok(StreamTypes {
            decls: self.decls,
            values,
            ids,
            unnamed_opaques,
        })
    }

    /// Records what `t` says of the defined type `id` and its elements.
    fn hint(&mut self, t: &GoType, id: GobId) {
        let mut t = t;
        while let GoType::Pointer(inner) = t {
            t = inner;
        }
        let Some(w) = self.defs.get(&id).copied() else {
            return;
        };
        if self.hints.contains_key(&id) {
            return;
        }
        // A named type has its own name on the wire, or none when reached
        // through an unnamed path; a composite literal has its type string
        // or none.
        let unnamed = w.name.is_empty();
        let composite = unnamed || is_literal(&w.name);
        match (t, &w.shape) {
            (GoType::Named(n), _) if !is_predeclared(n) && (unnamed || bare(n) == w.name) => {
                self.hints.insert(id, t.clone());
            }
            (GoType::Literal(s), Shape::Struct { .. })
                if s.starts_with("struct") && (unnamed || *s == w.name) =>
            {
                self.hints.insert(id, t.clone());
            }
            (GoType::Slice(e), Shape::Slice { elem }) if composite => {
                self.hints.insert(id, t.clone());
                self.hint(e, *elem);
            }
            (GoType::Array(n, e), Shape::Array { elem, len }) if composite && n == len => {
                self.hints.insert(id, t.clone());
                self.hint(e, *elem);
            }
            (GoType::Map(k, e), Shape::Map { key, elem }) if composite => {
                self.hints.insert(id, t.clone());
                self.hint(k, *key);
                self.hint(e, *elem);
            }
            _ => {}
        }
    }

    fn wire(&self, id: GobId) -> Result<&'a WireType> {
        self.defs
            .get(&id)
            .copied()
            .ok_or(Error::UnknownTypeId { offset: 0, id })
    }

    /// The Rust type of a value of wire type `id`, at a place that Go type
    /// string `hint` describes.
    fn resolve(&mut self, hint: Option<&GoType>, id: GobId) -> Result<Ty> {
        if let Some(GoType::Pointer(inner)) = hint {
            if matches!(
                self.std_of(id),
                Some(StdTy::BigInt | StdTy::BigRat | StdTy::BigFloat)
            ) {
                // The codec's big numbers stand for the pointer already.
                return self.resolve(None, id);
            }
            let t = self.resolve(Some(inner), id)?;
            return Ok(Ty::Option(Box::new(t)));
        }
        if id < types::FIRST_USER_ID {
            return self.builtin(hint, id);
        }
        if let Some(&d) = self.by_id.get(&id) {
            return Ok(Ty::Decl(d));
        }
        if let Some(t) = self.inline.get(&id) {
            return Ok(t.clone());
        }
        let w = self.wire(id)?;
        let own = self.hints.get(&id).cloned();
        match &w.shape {
            Shape::Struct { fields } => {
                let d = self.declare(
                    Some(id),
                    &w.name,
                    own.as_ref(),
                    "Struct",
                    DeclKind::Struct(vec![]),
                );
                let mut out = Vec::with_capacity(fields.len());
                let mut used = HashSet::new();
                for (i, f) in fields.iter().enumerate() {
                    let mut ty = self.resolve(None, f.id)?;
                    if self.needs_option(id, i, f.id) {
                        ty = Ty::Option(Box::new(ty));
                    }
                    out.push(FieldDecl {
                        go: f.name.clone(),
                        rust: unique(snake_case(&f.name), &mut used),
                        ty,
                        sent: self.sent(f.id),
                    });
                }
                self.decls[d].kind = DeclKind::Struct(out);
                Ok(Ty::Decl(d))
            }
            Shape::GobEncoder if self.std_of(id).is_some() => {
                let std = self.std_of(id).unwrap_or(StdTy::Time);
                let d = self.std_decl(id, std);
                Ok(Ty::Decl(d))
            }
            Shape::GobEncoder | Shape::BinaryMarshaler => {
                let gob_encoder = matches!(w.shape, Shape::GobEncoder);
                let d = self.declare(
                    Some(id),
                    &w.name,
                    own.as_ref(),
                    "Opaque",
                    DeclKind::Opaque { gob_encoder },
                );
                self.decls[d].unnamed_opaque = w.name.is_empty();
                Ok(Ty::Decl(d))
            }
            Shape::TextMarshaler => Err(Error::Custom(format!(
                "type {id} is a TextMarshaler, which the codec does not write"
            ))),
            Shape::Slice { .. } | Shape::Array { .. } | Shape::Map { .. } => {
                let named = !w.name.is_empty() && !is_literal(&w.name)
                    || matches!(&own, Some(GoType::Named(n)) if !is_predeclared(n));
                if named {
                    let d = self.declare(
                        Some(id),
                        &w.name,
                        own.as_ref(),
                        "Named",
                        DeclKind::Newtype(Ty::Bool),
                    );
                    let inner = self.composite(id, w, None)?;
                    self.decls[d].kind = DeclKind::Newtype(inner);
                    return Ok(Ty::Decl(d));
                }
                let mut t = self.composite(id, w, own.as_ref())?;
                if own.is_none() {
                    t = self.distinct(id, t);
                }
                self.composite_strings.insert(self.tracer_string(&t), id);
                self.inline.insert(id, t.clone());
                Ok(t)
            }
        }
    }

    /// `t`, the type of the unnamed composite `id` that no type name
    /// describes, with integer types that set it apart from the other
    /// composites of the stream. Two unnamed composites can look alike on the
    /// wire (`[]int` and `[]int64` are both a slice of gob's int) while Go,
    /// and the codec's registry, keep them apart by their type strings: Go's
    /// `int` and `int64` (or `uint`, `uint64` and `uintptr`) tell them apart
    /// here, and travel alike.
    fn distinct(&self, id: GobId, t: Ty) -> Ty {
        let taken = |t: &Ty| {
            self.composite_strings
                .get(&self.tracer_string(t))
                .is_some_and(|&other| other != id)
        };
        if !taken(&t) {
            return t;
        }
        let mut radix = Vec::new();
        leaf_radix(&t, &mut radix);
        let total: usize = radix.iter().product();
        for n in 1..total.min(4096) {
            let mut digits = Vec::with_capacity(radix.len());
            let mut rest = n;
            for r in &radix {
                digits.push(rest % r);
                rest /= r;
            }
            let candidate = with_leaves(&t, &mut digits.into_iter());
            if !taken(&candidate) {
                return candidate;
            }
        }
        // No spelling sets it apart: the registry will merge the two.
        t
    }

    /// An unnamed slice, array or map.
    fn composite(&mut self, id: GobId, w: &WireType, hint: Option<&GoType>) -> Result<Ty> {
        Ok(match &w.shape {
            Shape::Slice { elem } => {
                let eh = match hint {
                    Some(GoType::Slice(e)) => Some(&**e),
                    _ => None,
                };
                let mut t = self.slot(id, 0, eh, *elem)?;
                // Go names a slice's new element type after the element's
                // own name, empty for a pointer: an unnamed struct element was
                // reached through one.
                if eh.is_none() && self.unnamed_decl(*elem) {
                    t = Ty::Option(Box::new(t));
                }
                Ty::Slice(Box::new(t))
            }
            Shape::Array { elem, len } => {
                let eh = match hint {
                    Some(GoType::Array(_, e)) => Some(&**e),
                    _ => None,
                };
                Ty::Array(*len, Box::new(self.slot(id, 0, eh, *elem)?))
            }
            Shape::Map { key, elem } => {
                let (kh, eh) = match hint {
                    Some(GoType::Map(k, e)) => (Some(&**k), Some(&**e)),
                    _ => (None, None),
                };
                let k = self.slot(id, 0, kh, *key)?;
                let e = self.slot(id, 1, eh, *elem)?;
                Ty::Map(Box::new(k), Box::new(e))
            }
            _ => unreachable!("composite of a non-composite"),
        })
    }

    fn slot(&mut self, id: GobId, slot: usize, hint: Option<&GoType>, elem: GobId) -> Result<Ty> {
        let t = self.resolve(hint, elem)?;
        if elem == types::INTERFACE {
            let mut inner = &t;
            while let Ty::Option(i) = inner {
                inner = i;
            }
            if let Ty::Decl(d) = inner {
                self.slot_iface.insert((id, slot), *d);
            }
        }
        Ok(t)
    }

    /// Whether `id` is a struct or self-marshalling type the stream never
    /// named.
    fn unnamed_decl(&self, id: GobId) -> bool {
        self.defs.get(&id).is_some_and(|w| {
            w.name.is_empty()
                && matches!(
                    w.shape,
                    Shape::Struct { .. } | Shape::GobEncoder | Shape::BinaryMarshaler
                )
        })
    }

    fn builtin(&mut self, hint: Option<&GoType>, id: GobId) -> Result<Ty> {
        let default = match id {
            types::BOOL => Ty::Bool,
            types::INT => Ty::Int(IntW::I64),
            types::UINT => Ty::Uint(UintW::U64),
            types::FLOAT => Ty::Float64,
            types::COMPLEX => Ty::Complex128,
            types::STRING => Ty::String,
            types::BYTES => Ty::Bytes,
            types::INTERFACE if self.options.open_interfaces => return Ok(Ty::Value),
            types::INTERFACE => {
                let key = match hint {
                    Some(GoType::Named(n)) if !is_predeclared(n) => n.clone(),
                    Some(GoType::Literal(s)) if s.starts_with("interface") => s.clone(),
                    _ => ANY.to_string(),
                };
                return Ok(Ty::Decl(
                    self.named_decl(&key, || DeclKind::Interface(Vec::new())),
                ));
            }
            _ => {
                return Err(Error::Custom(format!(
                    "type id {id} is reserved and not a value type"
                )));
            }
        };
        let name = match hint {
            Some(GoType::Named(n)) => n,
            _ => return Ok(default),
        };
        let exact = match (id, name.as_str()) {
            (types::BOOL, "bool") => Ty::Bool,
            (types::INT, "int") => Ty::Int(IntW::Int),
            (types::INT, "int8") => Ty::Int(IntW::I8),
            (types::INT, "int16") => Ty::Int(IntW::I16),
            (types::INT, "int32") => Ty::Int(IntW::I32),
            (types::INT, "int64") => Ty::Int(IntW::I64),
            (types::UINT, "uint") => Ty::Uint(UintW::Uint),
            (types::UINT, "uint8") => Ty::Uint(UintW::U8),
            (types::UINT, "uint16") => Ty::Uint(UintW::U16),
            (types::UINT, "uint32") => Ty::Uint(UintW::U32),
            (types::UINT, "uint64") => Ty::Uint(UintW::U64),
            (types::UINT, "uintptr") => Ty::Uint(UintW::Uintptr),
            (types::FLOAT, "float32") => Ty::Float32,
            (types::FLOAT, "float64") => Ty::Float64,
            (types::COMPLEX, "complex64") => Ty::Complex64,
            (types::COMPLEX, "complex128") => Ty::Complex128,
            (types::STRING, "string") => Ty::String,
            (_, n) if !is_predeclared(n) => {
                let d = self.named_decl(n, || DeclKind::Newtype(default.clone()));
                return Ok(Ty::Decl(d));
            }
            _ => default,
        };
        Ok(exact)
    }

    /// The declaration of a named basic type or an interface, by Go name.
    fn named_decl(&mut self, go_full: &str, kind: impl FnOnce() -> DeclKind) -> usize {
        if let Some(&d) = self.by_name.get(go_full) {
            return d;
        }
        let kind = kind();
        let (rust, go) = if go_full == ANY {
            ("Any".to_string(), "interface{}".to_string())
        } else if go_full.starts_with("interface") {
            ("Interface".to_string(), go_full.to_string())
        } else {
            let b = bare(go_full);
            (camel_case(b), go_ident(b))
        };
        let d = self.push_decl(None, go_full.to_string(), &rust, &go, false, kind);
        self.by_name.insert(go_full.to_string(), d);
        d
    }

    /// Declares the defined type `id`, named `wire_name` on the wire.
    fn declare(
        &mut self,
        id: Option<GobId>,
        wire_name: &str,
        hint: Option<&GoType>,
        what: &str,
        kind: DeclKind,
    ) -> usize {
        let (mut go_full, invented) = match hint {
            Some(GoType::Named(n)) => (n.clone(), false),
            Some(GoType::Literal(s)) => (s.clone(), true),
            _ if wire_name.starts_with("struct") => (wire_name.to_string(), true),
            _ if !wire_name.is_empty() => (format!("main.{wire_name}"), false),
            _ => (format!("main.{what}{}", id.unwrap_or_default()), true),
        };
        // Two types the stream keeps apart must stay apart: another
        // package for a name seen twice.
        let mut n = 2;
        while self.go_fulls.contains(&go_full) && go_full.contains('.') {
            go_full = format!("main{n}.{}", bare(&go_full));
            n += 1;
        }
        let base = if invented {
            format!("{what}{}", id.unwrap_or_default())
        } else {
            bare(&go_full).to_string()
        };
        let (rust, go) = (camel_case(&base), go_ident(&base));
        let d = self.push_decl(id, go_full, &rust, &go, invented, kind);
        if let Some(id) = id {
            self.by_id.insert(id, d);
        }
        d
    }

    fn push_decl(
        &mut self,
        id: Option<GobId>,
        go_full: String,
        rust: &str,
        go: &str,
        invented: bool,
        kind: DeclKind,
    ) -> usize {
        let rust = unique(rust.to_string(), &mut self.rust_names);
        let go = if go == "interface{}" || go.starts_with("interface") {
            go.to_string()
        } else {
            unique(go.to_string(), &mut self.go_names)
        };
        self.go_fulls.insert(go_full.clone());
        self.decls.push(Decl {
            id,
            go_full,
            rust,
            go,
            invented,
            literal: false,
            kind,
            key: false,
            unnamed_opaque: false,
        });
        self.decls.len() - 1
    }

    /// The standard type the self-marshalling type `id` is: every value of
    /// it in the stream is exactly that type's encoding, or, with no
    /// values, a type string names it (`[]*big.Int`).
    fn std_of(&self, id: GobId) -> Option<StdTy> {
        let w = self.defs.get(&id)?;
        if !matches!(w.shape, Shape::GobEncoder) {
            return None;
        }
        match self.scan.std_values.get(&id) {
            Some(seen) if seen.len() == 1 => *seen.iter().next()?,
            Some(_) => None,
            None => match (w.name.as_str(), self.hints.get(&id)) {
                ("Time", _) => Some(StdTy::Time),
                ("", Some(GoType::Pointer(inner))) => big_named(inner),
                ("", Some(named)) => big_named(named),
                _ => None,
            },
        }
    }

    /// The declaration standing for a standard type: the codec's type, so
    /// no declaration is written.
    fn std_decl(&mut self, id: GobId, std: StdTy) -> usize {
        let existing = self
            .decls
            .iter()
            .position(|d| matches!(d.kind, DeclKind::Std(s) if s == std));
        let d = existing.unwrap_or_else(|| {
            self.decls.push(Decl {
                id: Some(id),
                go_full: std.go().to_string(),
                rust: std.rust().to_string(),
                go: std.go().to_string(),
                invented: false,
                literal: false,
                kind: DeclKind::Std(std),
                key: false,
                unnamed_opaque: false,
            });
            self.decls.len() - 1
        });
        self.by_id.insert(id, d);
        d
    }

    fn sent(&self, id: GobId) -> Sent {
        if matches!(
            self.std_of(id),
            Some(StdTy::BigInt | StdTy::BigRat | StdTy::BigFloat)
        ) {
            // Go never leaves a big number out but through a nil pointer.
            return Sent::Always;
        }
        match self.defs.get(&id).map(|w| &w.shape) {
            Some(Shape::Struct { .. } | Shape::Array { .. }) => Sent::Always,
            Some(Shape::Map { .. } | Shape::GobEncoder | Shape::BinaryMarshaler) => Sent::UnlessNil,
            _ => Sent::UnlessZero,
        }
    }

    /// Whether field `i` of struct `id` must be an `Option` to be left out,
    /// or sent empty, as the stream does.
    fn needs_option(&self, id: GobId, i: usize, field_type: GobId) -> bool {
        let seen = self.scan.structs.contains(&id);
        let f = self.scan.fields.get(&(id, i)).copied().unwrap_or_default();
        match self.sent(field_type) {
            Sent::UnlessZero => false,
            Sent::Always => !seen || f.absent > 0,
            Sent::UnlessNil => !seen || f.empty > 0,
        }
    }

    fn add_variant(&mut self, pos: Pos, name: &str, concrete: GobId) -> Result<()> {
        let iface = match pos {
            Pos::Slot(id, slot) => self.slot_iface.get(&(id, slot)).copied(),
            _ => None,
        };
        let iface = match iface {
            Some(d) => d,
            None => self.named_decl(ANY, || DeclKind::Interface(Vec::new())),
        };
        if let DeclKind::Interface(vs) = &self.decls[iface].kind
            && vs.iter().any(|v| v.registered == name)
        {
            return Ok(());
        }
        let hint = registered_type(name).map(|mut t| {
            while let GoType::Pointer(inner) = t {
                t = *inner;
            }
            t
        });
        let ty = self.resolve(hint.as_ref(), concrete)?;
        let DeclKind::Interface(vs) = &mut self.decls[iface].kind else {
            return Ok(());
        };
        let mut taken: HashSet<String> = vs.iter().map(|v| v.rust.clone()).collect();
        taken.insert("Nil".to_string());
        let base = variant_name(name);
        let rust = if taken.contains(&base) && name.starts_with('*') {
            unique(format!("Ptr{base}"), &mut taken)
        } else {
            unique(base, &mut taken)
        };
        vs.push(VariantDecl {
            registered: name.to_string(),
            rust,
            ty,
        });
        Ok(())
    }

    /// An interface whose concrete type is a slice, array or map that holds
    /// the interface again (`[]interface {}` in an `interface {}`) has no
    /// struct or named type in its cycle, and the codec's schema tracer
    /// follows such a cycle without end. Those variants get a newtype named by
    /// the composite's own Go type string, which the tracer stops at and which
    /// describes the very same Go type.
    fn break_enum_cycles(&mut self) {
        let n = self.decls.len();
        let mut edges = vec![Vec::new(); n];
        for (d, decl) in self.decls.iter().enumerate() {
            if let DeclKind::Interface(vs) = &decl.kind {
                for v in vs.iter().filter(|v| is_composite(&v.ty)) {
                    composite_refs(&v.ty, &mut edges[d]);
                }
            }
        }
        let comp = sccs(n, &edges);
        for d in 0..n {
            let DeclKind::Interface(vs) = &self.decls[d].kind else {
                continue;
            };
            let wrap: Vec<(usize, Ty, String)> = vs
                .iter()
                .enumerate()
                .filter(|(_, v)| is_composite(&v.ty))
                .filter(|(_, v)| {
                    let mut refs = Vec::new();
                    composite_refs(&v.ty, &mut refs);
                    refs.iter()
                        .any(|&r| comp[d].is_some() && comp[r] == comp[d])
                })
                .map(|(i, v)| (i, v.ty.clone(), v.rust.clone()))
                .collect();
            for (i, ty, name) in wrap {
                let go_full = self.tracer_string(&ty);
                let w = match self.by_name.get(&go_full) {
                    Some(&w) => w,
                    None => {
                        let w = self.push_decl(
                            None,
                            go_full.clone(),
                            &name,
                            &go_full,
                            false,
                            DeclKind::Newtype(ty),
                        );
                        self.decls[w].literal = true;
                        self.by_name.insert(go_full, w);
                        w
                    }
                };
                if let DeclKind::Interface(vs) = &mut self.decls[d].kind {
                    vs[i].ty = Ty::Decl(w);
                }
            }
        }
    }

    /// Go's type string for `t`, as the codec's schema tracer spells it.
    fn tracer_string(&self, t: &Ty) -> String {
        match t {
            Ty::Bool => "bool".into(),
            Ty::Int(IntW::I8) => "int8".into(),
            Ty::Int(IntW::I16) => "int16".into(),
            Ty::Int(IntW::I32) => "int32".into(),
            Ty::Int(IntW::I64) => "int64".into(),
            Ty::Int(IntW::Int) => "int".into(),
            Ty::Uint(UintW::U8) => "uint8".into(),
            Ty::Uint(UintW::U16) => "uint16".into(),
            Ty::Uint(UintW::U32) => "uint32".into(),
            Ty::Uint(UintW::U64) => "uint64".into(),
            Ty::Uint(UintW::Uint) => "uint".into(),
            Ty::Uint(UintW::Uintptr) => "uintptr".into(),
            Ty::Float32 => "float32".into(),
            Ty::Float64 => "float64".into(),
            Ty::Complex64 => "complex64".into(),
            Ty::Complex128 => "complex128".into(),
            Ty::String => "string".into(),
            Ty::Bytes => "[]uint8".into(),
            Ty::Decl(d) => self.decls[*d].go_full.clone(),
            Ty::Option(i) => format!("*{}", self.tracer_string(i)),
            Ty::Boxed(i) => self.tracer_string(i),
            Ty::Slice(i) => format!("[]{}", self.tracer_string(i)),
            Ty::Array(n, i) => format!("[{n}]{}", self.tracer_string(i)),
            Ty::Map(k, v) => format!("map[{}]{}", self.tracer_string(k), self.tracer_string(v)),
            Ty::Value => ANY.into(),
        }
    }

    /// Boxes the references that make a type contain itself.
    fn box_recursion(&mut self) {
        let n = self.decls.len();
        let edges: Vec<Vec<usize>> = self
            .decls
            .iter()
            .map(|d| {
                let mut out = Vec::new();
                for t in decl_tys(d) {
                    inline_refs(t, &mut out);
                }
                out
            })
            .collect();
        let comp = sccs(n, &edges);
        for d in 0..n {
            let same = |t: usize| comp[d].is_some() && comp[t] == comp[d];
            match &mut self.decls[d].kind {
                DeclKind::Struct(fields) => {
                    for f in fields {
                        let boxed = box_refs(&mut f.ty, &same);
                        if boxed && f.sent == Sent::Always && !matches!(f.ty, Ty::Option(_)) {
                            // Only a nil pointer ends a value of a struct that
                            // contains itself.
                            f.ty = Ty::Option(Box::new(std::mem::replace(&mut f.ty, Ty::Bool)));
                        }
                    }
                }
                DeclKind::Newtype(t) => {
                    box_refs(t, &same);
                }
                DeclKind::Interface(vs) => {
                    for v in vs {
                        box_refs(&mut v.ty, &same);
                    }
                }
                DeclKind::Opaque { .. } | DeclKind::Std(_) => {}
            }
        }
    }

    /// Marks the declarations that map keys reach, which need `Ord`.
    fn mark_keys(&mut self, values: &[Ty]) -> Result<()> {
        let mut keys = Vec::new();
        for t in values {
            key_decls(t, &mut keys)?;
        }
        for d in &self.decls {
            for t in decl_tys(d) {
                key_decls(t, &mut keys)?;
            }
        }
        while let Some(d) = keys.pop() {
            if self.decls[d].key {
                continue;
            }
            self.decls[d].key = true;
            for t in decl_tys(&self.decls[d]) {
                all_refs(t, &mut keys);
                if has_complex(t) {
                    return Err(Error::Custom(format!(
                        "{} is part of a map key and holds a complex number, which the \
                         generated Rust cannot order",
                        self.decls[d].go_full
                    )));
                }
                if has_value(t) {
                    return Err(Error::Custom(format!(
                        "{} is part of a map key and holds an open interface (a Value), \
                         which the generated Rust cannot order",
                        self.decls[d].go_full
                    )));
                }
            }
        }
        Ok(())
    }
}

fn decl_tys(d: &Decl) -> Vec<&Ty> {
    match &d.kind {
        DeclKind::Struct(fields) => fields.iter().map(|f| &f.ty).collect(),
        DeclKind::Newtype(t) => vec![t],
        DeclKind::Interface(vs) => vs
            .iter()
            .filter(|v| v.registered != NIL_VARIANT)
            .map(|v| &v.ty)
            .collect(),
        DeclKind::Opaque { .. } | DeclKind::Std(_) => vec![],
    }
}

/// Declarations held inline (not behind a `Vec` or map).
fn inline_refs(t: &Ty, out: &mut Vec<usize>) {
    match t {
        Ty::Decl(d) => out.push(*d),
        Ty::Option(i) | Ty::Boxed(i) | Ty::Array(_, i) => inline_refs(i, out),
        _ => {}
    }
}

const INT_SPELLINGS: [IntW; 2] = [IntW::I64, IntW::Int];
const UINT_SPELLINGS: [UintW; 3] = [UintW::U64, UintW::Uint, UintW::Uintptr];

/// How many spellings each 64-bit integer leaf of `t` has, outside
/// declarations.
fn leaf_radix(t: &Ty, out: &mut Vec<usize>) {
    match t {
        Ty::Int(IntW::I64) => out.push(INT_SPELLINGS.len()),
        Ty::Uint(UintW::U64) => out.push(UINT_SPELLINGS.len()),
        Ty::Option(i) | Ty::Boxed(i) | Ty::Array(_, i) | Ty::Slice(i) => leaf_radix(i, out),
        Ty::Map(k, v) => {
            leaf_radix(k, out);
            leaf_radix(v, out);
        }
        _ => {}
    }
}

/// `t` with its 64-bit integer leaves spelt as `digits` choose.
fn with_leaves(t: &Ty, digits: &mut impl Iterator<Item = usize>) -> Ty {
    let mut inner = |i: &Ty| Box::new(with_leaves(i, digits));
    match t {
        Ty::Int(IntW::I64) => Ty::Int(INT_SPELLINGS[digits.next().unwrap_or(0)]),
        Ty::Uint(UintW::U64) => Ty::Uint(UINT_SPELLINGS[digits.next().unwrap_or(0)]),
        Ty::Option(i) => Ty::Option(inner(i)),
        Ty::Boxed(i) => Ty::Boxed(inner(i)),
        Ty::Slice(i) => Ty::Slice(inner(i)),
        Ty::Array(n, i) => Ty::Array(*n, inner(i)),
        Ty::Map(k, v) => {
            let k = inner(k);
            let v = inner(v);
            Ty::Map(k, v)
        }
        other => other.clone(),
    }
}

fn is_composite(t: &Ty) -> bool {
    matches!(t, Ty::Slice(_) | Ty::Array(..) | Ty::Map(..))
}

/// The interfaces a composite type holds without a declaration between.
fn composite_refs(t: &Ty, out: &mut Vec<usize>) {
    match t {
        Ty::Decl(d) => out.push(*d),
        Ty::Option(i) | Ty::Boxed(i) | Ty::Array(_, i) | Ty::Slice(i) => composite_refs(i, out),
        Ty::Map(k, v) => {
            composite_refs(k, out);
            composite_refs(v, out);
        }
        _ => {}
    }
}

fn all_refs(t: &Ty, out: &mut Vec<usize>) {
    match t {
        Ty::Decl(d) => out.push(*d),
        Ty::Option(i) | Ty::Boxed(i) | Ty::Array(_, i) | Ty::Slice(i) => all_refs(i, out),
        Ty::Map(k, v) => {
            all_refs(k, out);
            all_refs(v, out);
        }
        _ => {}
    }
}

fn has_complex(t: &Ty) -> bool {
    match t {
        Ty::Complex64 | Ty::Complex128 => true,
        Ty::Option(i) | Ty::Boxed(i) | Ty::Array(_, i) | Ty::Slice(i) => has_complex(i),
        Ty::Map(k, v) => has_complex(k) || has_complex(v),
        _ => false,
    }
}

/// Whether `t` holds an open interface outside declarations.
fn has_value(t: &Ty) -> bool {
    match t {
        Ty::Value => true,
        Ty::Option(i) | Ty::Boxed(i) | Ty::Array(_, i) | Ty::Slice(i) => has_value(i),
        Ty::Map(k, v) => has_value(k) || has_value(v),
        _ => false,
    }
}

/// Collects the declarations reachable from map keys in `t`.
fn key_decls(t: &Ty, out: &mut Vec<usize>) -> Result<()> {
    match t {
        Ty::Option(i) | Ty::Boxed(i) | Ty::Array(_, i) | Ty::Slice(i) => key_decls(i, out),
        Ty::Map(k, v) => {
            if has_complex(k) {
                return Err(Error::Custom(
                    "a map keyed by complex numbers cannot be ordered in Rust".into(),
                ));
            }
            if has_value(k) {
                return Err(Error::Custom(
                    "a map keyed by an interface cannot be ordered in Rust when interfaces \
                     are open (Value has no order)"
                        .into(),
                ));
            }
            all_refs(k, out);
            key_decls(k, out)?;
            key_decls(v, out)
        }
        _ => Ok(()),
    }
}

/// Boxes the inline references to declarations for which `same` holds.
/// Returns whether it boxed any.
fn box_refs(t: &mut Ty, same: &dyn Fn(usize) -> bool) -> bool {
    match t {
        Ty::Decl(d) if same(*d) => {
            *t = Ty::Boxed(Box::new(Ty::Decl(*d)));
            true
        }
        Ty::Option(i) | Ty::Array(_, i) => box_refs(i, same),
        _ => false,
    }
}

/// Tarjan's strongly connected components: the cycle each node is on, if
/// any (a number shared by the nodes of one component).
fn sccs(n: usize, edges: &[Vec<usize>]) -> Vec<Option<usize>> {
    struct T<'e> {
        edges: &'e [Vec<usize>],
        index: Vec<Option<usize>>,
        low: Vec<usize>,
        on_stack: Vec<bool>,
        stack: Vec<usize>,
        comp: Vec<usize>,
        next: usize,
        comps: usize,
    }
    fn visit(t: &mut T<'_>, v: usize) {
        t.index[v] = Some(t.next);
        t.low[v] = t.next;
        t.next += 1;
        t.stack.push(v);
        t.on_stack[v] = true;
        for &w in &t.edges[v] {
            match t.index[w] {
                None => {
                    visit(t, w);
                    t.low[v] = t.low[v].min(t.low[w]);
                }
                Some(i) if t.on_stack[w] => t.low[v] = t.low[v].min(i),
                _ => {}
            }
        }
        if Some(t.low[v]) == t.index[v] {
            while let Some(w) = t.stack.pop() {
                t.on_stack[w] = false;
                t.comp[w] = t.comps;
                if w == v {
                    break;
                }
            }
            t.comps += 1;
        }
    }
    let mut t = T {
        edges,
        index: vec![None; n],
        low: vec![0; n],
        on_stack: vec![false; n],
        stack: Vec::new(),
        comp: vec![0; n],
        next: 0,
        comps: 0,
    };
    for v in 0..n {
        if t.index[v].is_none() {
            visit(&mut t, v);
        }
    }
    // A component of one node is a cycle only through an edge to itself.
    let mut size = vec![0usize; t.comps];
    for &c in &t.comp {
        size[c] += 1;
    }
    (0..n)
        .map(|v| {
            let c = t.comp[v];
            (size[c] > 1 || edges[v].contains(&v)).then_some(c)
        })
        .collect()
}

/// The codec's big number a type string names (`big.Int`), if any.
fn big_named(t: &GoType) -> Option<StdTy> {
    match t {
        GoType::Named(n) if n == "big.Int" => Some(StdTy::BigInt),
        GoType::Named(n) if n == "big.Rat" => Some(StdTy::BigRat),
        GoType::Named(n) if n == "big.Float" => Some(StdTy::BigFloat),
        _ => None,
    }
}
