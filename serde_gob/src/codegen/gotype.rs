//! Go type strings, as reflect spells them (and gob.Register names them).

#[derive(Debug, Clone, PartialEq)]
pub(super) enum GoType {
    /// A named type: predeclared (`int`) or qualified (`main.Point`).
    Named(String),
    Pointer(Box<GoType>),
    Slice(Box<GoType>),
    Array(i64, Box<GoType>),
    Map(Box<GoType>, Box<GoType>),
    /// `interface {...}` or `struct {...}`, verbatim.
    Literal(String),
}

const PREDECLARED: &[&str] = &[
    "bool",
    "int",
    "int8",
    "int16",
    "int32",
    "int64",
    "uint",
    "uint8",
    "uint16",
    "uint32",
    "uint64",
    "uintptr",
    "float32",
    "float64",
    "complex64",
    "complex128",
    "string",
];

pub(super) fn is_predeclared(name: &str) -> bool {
    PREDECLARED.contains(&name)
}

/// Parses a Go type string; `None` for anything else (such as a name given
/// to `gob.RegisterName` that is no Go type).
pub(super) fn parse_go_type(s: &str) -> Option<GoType> {
    let mut p = GoParser { s, pos: 0 };
    let t = p.parse()?;
    (p.pos == s.len()).then_some(t)
}

struct GoParser<'a> {
    s: &'a str,
    pos: usize,
}

impl GoParser<'_> {
    fn rest(&self) -> &str {
        &self.s[self.pos..]
    }

    fn eat(&mut self, prefix: &str) -> bool {
        if self.rest().starts_with(prefix) {
            self.pos += prefix.len();
            true
        } else {
            false
        }
    }

    fn parse(&mut self) -> Option<GoType> {
        if self.eat("*") {
            return Some(GoType::Pointer(Box::new(self.parse()?)));
        }
        if self.eat("[]") {
            return Some(GoType::Slice(Box::new(self.parse()?)));
        }
        if self.eat("map[") {
            let key = self.parse()?;
            if !self.eat("]") {
                return None;
            }
            return Some(GoType::Map(Box::new(key), Box::new(self.parse()?)));
        }
        if self.eat("[") {
            let digits: String = self
                .rest()
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            self.pos += digits.len();
            let len = digits.parse().ok()?;
            if !self.eat("]") {
                return None;
            }
            return Some(GoType::Array(len, Box::new(self.parse()?)));
        }
        for literal in ["interface {", "struct {"] {
            if self.rest().starts_with(literal) {
                let start = self.pos;
                let mut depth = 0usize;
                for (i, c) in self.rest().char_indices() {
                    match c {
                        '{' => depth += 1,
                        '}' => {
                            depth -= 1;
                            if depth == 0 {
                                self.pos += i + 1;
                                return Some(GoType::Literal(self.s[start..self.pos].to_string()));
                            }
                        }
                        _ => {}
                    }
                }
                return None;
            }
        }
        // A name, possibly with type arguments.
        let start = self.pos;
        let mut end = self.s.len();
        let mut depth = 0usize;
        for (i, c) in self.rest().char_indices() {
            match c {
                '[' => depth += 1,
                ']' if depth == 0 => {
                    end = start + i;
                    break;
                }
                ']' => depth -= 1,
                ' ' | '(' | ')' | '{' | '}' | '*' | ';' if depth == 0 => return None,
                _ => {}
            }
        }
        self.pos = end;
        let name = &self.s[start..self.pos];
        if name.is_empty() || !name.starts_with(|c: char| c.is_alphabetic() || c == '_') {
            return None;
        }
        if name == "func" || name == "chan" {
            return None;
        }
        Some(GoType::Named(qualified(name)))
    }
}

/// The Go type a name given to `gob.Register` spells, if it spells one:
/// `gob.RegisterName` takes any string (`circle`), which says nothing.
pub(super) fn registered_type(name: &str) -> Option<GoType> {
    let t = parse_go_type(name)?;
    let mut base = &t;
    while let GoType::Pointer(inner) = base {
        base = inner;
    }
    match base {
        GoType::Named(n) if !is_predeclared(n) && !n.contains('.') => None,
        _ => Some(t),
    }
}

/// A named type as reflect's `String()` spells it: `path/to/pkg.Name`
/// (as `gob.Register` names types) becomes `pkg.Name`.
fn qualified(name: &str) -> String {
    let (head, args) = match name.find('[') {
        Some(i) => name.split_at(i),
        None => (name, ""),
    };
    let head = match head.rfind('/') {
        Some(i) => &head[i + 1..],
        None => head,
    };
    format!("{head}{args}")
}

/// Go's `Name()` of a named type string: the part after the package.
pub(super) fn bare(name: &str) -> &str {
    let head_end = name.find('[').unwrap_or(name.len());
    match name[..head_end].rfind('.') {
        Some(i) => &name[i + 1..],
        None => name,
    }
}

/// Whether a wire name is a type literal (`[]int`, `map[string]int`,
/// `*T`): the name Go gives an unnamed type that a struct field reaches.
pub(super) fn is_literal(name: &str) -> bool {
    name.starts_with('[') || name.starts_with("map[") || name.starts_with('*')
}

/// Go's type string of a parsed type.
pub(super) fn go_string(t: &GoType) -> String {
    match t {
        GoType::Named(n) | GoType::Literal(n) => n.clone(),
        GoType::Pointer(i) => format!("*{}", go_string(i)),
        GoType::Slice(i) => format!("[]{}", go_string(i)),
        GoType::Array(n, i) => format!("[{n}]{}", go_string(i)),
        GoType::Map(k, v) => format!("map[{}]{}", go_string(k), go_string(v)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_type_strings_parse() {
        assert_eq!(
            parse_go_type("map[main.Point]*github.com/x/logutil.ID"),
            Some(GoType::Map(
                Box::new(GoType::Named("main.Point".into())),
                Box::new(GoType::Pointer(Box::new(GoType::Named(
                    "logutil.ID".into()
                ))))
            ))
        );
        assert_eq!(
            parse_go_type("[2][]interface {}"),
            Some(GoType::Array(
                2,
                Box::new(GoType::Slice(Box::new(GoType::Literal(
                    "interface {}".into()
                ))))
            ))
        );
        assert_eq!(parse_go_type("func()"), None);
        assert_eq!(parse_go_type("my circle"), None);
    }
}
