//! Names: Rust and Go names for the declarations, fields and variants, clear
//! of keywords, of what generated code uses, and of each other.

use std::collections::HashSet;

use super::gotype::{GoType, bare, parse_go_type};

/// Rust names that generated declarations must not take: the prelude, what
/// the generated code imports, and its helpers.
pub(super) const RESERVED: &[&str] = &[
    "Time",
    "BigInt",
    "BigRat",
    "BigFloat",
    "Int",
    "Uint",
    "Uintptr",
    "Complex64",
    "Complex128",
    "BTreeMap",
    "Serialize",
    "Deserialize",
    "Vec",
    "Option",
    "Some",
    "None",
    "Box",
    "String",
    "Result",
    "Ok",
    "Err",
    "Self",
    "F64Key",
    "F32Key",
    "GoArray",
    "Clone",
    "Copy",
    "Debug",
    "Default",
    "Eq",
    "PartialEq",
    "Ord",
    "PartialOrd",
    "Hash",
    "Send",
    "Sync",
    "Sized",
    "Drop",
    "Fn",
    "FnMut",
    "FnOnce",
    "Iterator",
    "IntoIterator",
    "Extend",
    "From",
    "Into",
    "TryFrom",
    "TryInto",
    "ToString",
    "ToOwned",
    "AsRef",
    "AsMut",
    "Unpin",
    "DoubleEndedIterator",
    "ExactSizeIterator",
    "FromIterator",
];

/// Splits a Go identifier into words: `TxID` is `Tx` `ID`, `IDList` is `ID`
/// `List`, `IDs` is one word.
fn words(s: &str) -> Vec<String> {
    let chars: Vec<char> = s.chars().collect();
    let mut words = Vec::new();
    let mut cur = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_alphanumeric() {
            if !cur.is_empty() {
                words.push(std::mem::take(&mut cur));
            }
            continue;
        }
        if c.is_uppercase() && !cur.is_empty() {
            let prev = chars[i - 1];
            let next = chars.get(i + 1).copied();
            let next_lower = next.is_some_and(char::is_lowercase);
            // `IDs`, `URLs`: a plural of an initialism.
            let plural = next == Some('s') && chars.get(i + 2).is_none_or(|c| !c.is_lowercase());
            let boundary = prev.is_lowercase()
                || ((prev.is_uppercase() || prev.is_numeric()) && next_lower && !plural);
            if boundary {
                words.push(std::mem::take(&mut cur));
            }
        }
        cur.push(c);
    }
    if !cur.is_empty() {
        words.push(cur);
    }
    words
}

pub(super) fn camel_case(s: &str) -> String {
    let mut out = String::new();
    for w in words(s) {
        let mut cs = w.chars();
        if let Some(first) = cs.next() {
            out.extend(first.to_uppercase());
            for c in cs {
                out.extend(c.to_lowercase());
            }
        }
    }
    if out.is_empty() || out.starts_with(|c: char| c.is_numeric()) {
        out.insert(0, 'T');
    }
    if is_keyword(&out) {
        out.push('_');
    }
    out
}

pub(super) fn snake_case(s: &str) -> String {
    let mut out = words(s)
        .iter()
        .map(|w| w.to_lowercase())
        .collect::<Vec<_>>()
        .join("_");
    if out.is_empty() || out.starts_with(|c: char| c.is_numeric()) {
        out.insert(0, 'f');
    }
    match out.as_str() {
        "self" | "super" | "crate" => out.push('_'),
        _ if is_keyword(&out) => out.insert_str(0, "r#"),
        _ => {}
    }
    out
}

fn is_keyword(s: &str) -> bool {
    matches!(
        s,
        "as" | "break"
            | "const"
            | "continue"
            | "crate"
            | "else"
            | "enum"
            | "extern"
            | "false"
            | "fn"
            | "for"
            | "if"
            | "impl"
            | "in"
            | "let"
            | "loop"
            | "match"
            | "mod"
            | "move"
            | "mut"
            | "pub"
            | "ref"
            | "return"
            | "self"
            | "Self"
            | "static"
            | "struct"
            | "super"
            | "trait"
            | "true"
            | "type"
            | "unsafe"
            | "use"
            | "where"
            | "while"
            | "async"
            | "await"
            | "dyn"
            | "abstract"
            | "become"
            | "box"
            | "do"
            | "final"
            | "macro"
            | "override"
            | "priv"
            | "typeof"
            | "unsized"
            | "virtual"
            | "yield"
            | "try"
            | "gen"
    )
}

fn is_identifier(name: &str) -> bool {
    !name.is_empty()
        && name.starts_with(|c: char| c.is_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_alphanumeric() || c == '_')
}

/// A Go identifier for a declaration of a bare name (`Box[int]` is no
/// identifier).
pub(super) fn go_ident(s: &str) -> String {
    if is_identifier(s) {
        return s.to_string();
    }
    camel_case(s)
}

/// `base`, or `base2`, `base3`… whichever `taken` does not hold yet.
pub(super) fn unique(base: String, taken: &mut HashSet<String>) -> String {
    let mut name = base.clone();
    let mut n = 2;
    while taken.contains(&name) {
        name = match base.strip_prefix("r#") {
            Some(raw) => format!("{raw}_{n}"),
            None if base.ends_with(|c: char| c.is_numeric()) => format!("{base}_{n}"),
            None => format!("{base}{n}"),
        };
        n += 1;
    }
    taken.insert(name.clone());
    name
}

/// A variant name for a registered name: `main.Circle` is `Circle`, `[]int`
/// is `IntSlice`, `map[string]int` is `MapStringInt`.
pub(super) fn variant_name(registered: &str) -> String {
    fn go(t: &GoType) -> String {
        match t {
            GoType::Named(n) => camel_case(bare(n)),
            GoType::Pointer(i) => go(i),
            GoType::Slice(i) => format!("{}Slice", go(i)),
            GoType::Array(n, i) => format!("{}Array{n}", go(i)),
            GoType::Map(k, v) => format!("Map{}{}", go(k), go(v)),
            GoType::Literal(s) if s.starts_with("struct") => "Struct".into(),
            GoType::Literal(_) => "Interface".into(),
        }
    }
    let name = match parse_go_type(registered) {
        Some(t) => go(&t),
        None => camel_case(registered),
    };
    if is_keyword(&name) {
        format!("{name}_")
    } else {
        name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_rust_names() {
        assert_eq!(camel_case("IDList"), "IdList");
        assert_eq!(camel_case("TxID"), "TxId");
        assert_eq!(camel_case("IP4"), "Ip4");
        assert_eq!(camel_case("Über"), "Über");
        assert_eq!(snake_case("IDs"), "ids");
        assert_eq!(snake_case("ByName"), "by_name");
        assert_eq!(snake_case("Type"), "r#type");
        assert_eq!(snake_case("F01"), "f01");
        assert_eq!(variant_name("*main.Triangle"), "Triangle");
        assert_eq!(variant_name("map[string]int"), "MapStringInt");
        assert_eq!(variant_name("[]main.Inner"), "InnerSlice");
    }
}
