//! The text Go's `fmt` prints for a decoded value with `%+v`, so that a
//! stream read here can be compared with what a Go program prints.

use std::cmp::Ordering;
use std::fmt::{self, Display, Formatter, Write};

use crate::Value;

/// `%+v` as Go's `fmt` prints the value: structs as `{Name:value ...}`,
/// slices and arrays as `[a b]`, maps as `map[k:v]` with the keys sorted,
/// nil as `<nil>`, an interface as its concrete value, floats in Go's
/// shortest form (`1e+06`, `0.5`). Go prints the address of a pointer; gob
/// sends none, so the value pointed to is printed. A value that marshals
/// itself prints its bytes.
impl Display for Value {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Value::Nil => f.write_str("<nil>"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Uint(u) => write!(f, "{u}"),
            Value::Float(x) => f.write_str(&go_float(*x)),
            Value::Complex(re, im) => {
                let im = go_float(*im);
                let sign = if im.starts_with(['-', '+']) { "" } else { "+" };
                write!(f, "({}{sign}{im}i)", go_float(*re))
            }
            Value::String(s) => f.write_str(s),
            Value::Bytes(bytes) | Value::Opaque { bytes, .. } => {
                list(f, bytes.iter().map(|b| b as &dyn Display))
            }
            Value::Slice(items) | Value::Array(items) => {
                list(f, items.iter().map(|v| v as &dyn Display))
            }
            Value::Map { entries, .. } => {
                let mut sorted: Vec<&(Value, Value)> = entries.iter().collect();
                sorted.sort_by(|(a, _), (b, _)| key_order(a, b));
                f.write_str("map[")?;
                for (i, (k, v)) in sorted.into_iter().enumerate() {
                    if i > 0 {
                        f.write_char(' ')?;
                    }
                    write!(f, "{k}:{v}")?;
                }
                f.write_char(']')
            }
            Value::Struct { fields, .. } => {
                f.write_char('{')?;
                for (i, (name, v)) in fields.iter().enumerate() {
                    if i > 0 {
                        f.write_char(' ')?;
                    }
                    write!(f, "{name}:{v}")?;
                }
                f.write_char('}')
            }
            Value::Interface { value, .. } => value.fmt(f),
        }
    }
}

fn list<'a>(f: &mut Formatter<'_>, items: impl Iterator<Item = &'a dyn Display>) -> fmt::Result {
    f.write_char('[')?;
    for (i, item) in items.enumerate() {
        if i > 0 {
            f.write_char(' ')?;
        }
        item.fmt(f)?;
    }
    f.write_char(']')
}

/// Go's order for printing map keys: numbers by value, strings and bools
/// as Go compares them; keys of other kinds keep the stream's order.
fn key_order(a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => x.cmp(y),
        (Value::Uint(x), Value::Uint(y)) => x.cmp(y),
        (Value::Float(x), Value::Float(y)) => x.total_cmp(y),
        (Value::String(x), Value::String(y)) => x.cmp(y),
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        _ => Ordering::Equal,
    }
}

/// A float64 as Go's `%v` prints it (`strconv.FormatFloat(x, 'g', -1,
/// 64)`): the shortest digits that read back, in the exponent form
/// (`1e+06`, `1.5e-07`) when the decimal exponent is below -4 or 6 and up.
fn go_float(x: f64) -> String {
    if x.is_nan() {
        return "NaN".into();
    }
    if x.is_infinite() {
        return if x > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        };
    }
    // Rust's `{:e}` gives the shortest digits that read back: `1.5e-7`.
    let sci = format!("{x:e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if (-4..6).contains(&exp) {
        // Plain digits: Rust's `{}` is the same shortest form, written out.
        return format!("{x}");
    }
    let sign = if exp < 0 { '-' } else { '+' };
    format!("{mantissa}e{sign}{:02}", exp.unsigned_abs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_print_as_go_prints_them() {
        // What Go 1.26 prints with fmt.Printf("%v", x).
        for (x, go) in [
            (0.0, "0"),
            (-0.0, "-0"),
            (1.0, "1"),
            (0.5, "0.5"),
            (1e6, "1e+06"),
            (123456.0, "123456"),
            (100000.0, "100000"),
            (1234567.0, "1.234567e+06"),
            (1e20, "1e+20"),
            (1e21, "1e+21"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (1.5e-7, "1.5e-07"),
            (std::f64::consts::PI, "3.141592653589793"),
            (f64::MAX, "1.7976931348623157e+308"),
            (5e-324, "5e-324"),
            (12345678901234567890.0, "1.2345678901234567e+19"),
            (f64::NAN, "NaN"),
            (f64::NEG_INFINITY, "-Inf"),
        ] {
            assert_eq!(go_float(x), go, "{x:e}");
        }
    }
}

#[cfg(test)]
mod value_tests {
    use crate::Value;

    #[test]
    fn values_print_as_go_prints_them_with_plus_v() {
        // Go 1.26: fmt.Printf("%+v", P{X: 3, Y: []byte{1, 2}, M:
        // map[string]int{"b": 2, "a": 1}, F: 2.5, C: complex(1, -2), I: nil,
        // S: []string{"x y", ""}}).
        let value = Value::Struct {
            name: "P".into(),
            fields: vec![
                ("X".into(), Value::Int(3)),
                ("Y".into(), Value::Bytes(vec![1, 2])),
                (
                    "M".into(),
                    Value::Map {
                        string_keys: true,
                        entries: vec![
                            (Value::String("b".into()), Value::Int(2)),
                            (Value::String("a".into()), Value::Int(1)),
                        ],
                    },
                ),
                ("F".into(), Value::Float(2.5)),
                ("C".into(), Value::Complex(1.0, -2.0)),
                ("I".into(), Value::Nil),
                (
                    "S".into(),
                    Value::Slice(vec![Value::String("x y".into()), Value::String("".into())]),
                ),
            ],
        };
        assert_eq!(
            value.to_string(),
            "{X:3 Y:[1 2] M:map[a:1 b:2] F:2.5 C:(1-2i) I:<nil> S:[x y ]}"
        );
        assert_eq!(Value::Complex(1.0, 2.0).to_string(), "(1+2i)");
        let interface = Value::Interface {
            name: "int".into(),
            value: Box::new(Value::Int(1)),
        };
        assert_eq!(
            Value::Slice(vec![Value::Nil, interface]).to_string(),
            "[<nil> 1]"
        );
    }
}
