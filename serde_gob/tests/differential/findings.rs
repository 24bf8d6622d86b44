//! The disagreements the differential test found, one small stream each,
//! checked against Go's decoder on every run: where the codec was fixed to
//! do as Go does, both sides must agree; where it differs on purpose, the
//! stream must fall into its class of "Differences from Go's decoder". The
//! streams are ones Go never writes, so they cannot join the Go-written
//! corpus: each is a stream Rust writes, changed where the finding lies.

use serde::Serialize;
use serde_gob::{self as gob, Complex64, Complex128, Int};

use crate::classify::{self, AGREE_ACCEPT, AGREE_REJECT};
use crate::corpus_types::*;
use crate::mutate::{encode_int, encode_uint, read_uint};

pub struct Finding {
    pub name: &'static str,
    pub step: Step,
    pub bytes: Vec<u8>,
    /// The class the comparison must give.
    pub class: &'static str,
}

/// The message bodies of a stream.
fn split(bytes: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        let (len, n) = read_uint(bytes, at).expect("a message length");
        out.push(bytes[at + n..at + n + len as usize].to_vec());
        at += n + len as usize;
    }
    out
}

fn join(bodies: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::new();
    for b in bodies {
        out.extend(encode_uint(b.len() as u64));
        out.extend_from_slice(b);
    }
    out
}

fn encoded<T: Serialize + serde::de::DeserializeOwned + 'static>(value: &T) -> Vec<Vec<u8>> {
    split(&gob::to_vec(value).expect("encoding"))
}

/// Replaces the first `from` in `body` after `skip` bytes.
fn replace(body: &mut Vec<u8>, skip: usize, from: &[u8], to: &[u8]) {
    let at = skip
        + body[skip..]
            .windows(from.len())
            .position(|w| w == from)
            .unwrap_or_else(|| panic!("{from:02x?} not in {body:02x?}"));
    body.splice(at..at + from.len(), to.iter().copied());
}

fn inner() -> Inner {
    Inner {
        a: Int(1),
        b: "x".into(),
    }
}

fn float(f: f64) -> Vec<u8> {
    encode_uint(gob::wire::float_to_wire(f))
}

pub fn findings() -> Vec<Finding> {
    let mut out = Vec::new();
    let mut add = |name, step, bytes, class| {
        out.push(Finding {
            name,
            step,
            bytes,
            class,
        })
    };

    // Fixed: a bool sent as 2 is true.
    let mut m = encoded(&Flags { a: true, b: false });
    let last = m.len() - 1;
    replace(&mut m[last], 1, &[0x01, 0x01, 0x00], &[0x01, 0x02, 0x00]);
    add("bool sent as 2", v::<Flags>(), join(&m), AGREE_ACCEPT);

    // Fixed: bytes left over after a top-level value are dropped.
    let mut m = encoded(&Int(5));
    m.last_mut().expect("a value").push(0x07);
    add(
        "bytes left over after a value",
        v::<Int>(),
        join(&m),
        AGREE_ACCEPT,
    );

    // Fixed: a struct value ends where its message ends.
    let mut m = encoded(&inner());
    m.last_mut().expect("a value").pop();
    add(
        "a struct without its end marker",
        v::<Inner>(),
        join(&m),
        AGREE_ACCEPT,
    );

    // Fixed: so does a type definition.
    let mut m = encoded(&inner());
    while m[0].last() == Some(&0) {
        m[0].pop();
    }
    add(
        "a type definition without its end markers",
        v::<Inner>(),
        join(&m),
        AGREE_ACCEPT,
    );

    // Fixed: a second definition of an id, even the same one, is refused.
    let mut m = encoded(&inner());
    m.insert(0, m[0].clone());
    add("a type defined twice", v::<Inner>(), join(&m), AGREE_REJECT);

    // Fixed: the id inside a definition is ignored.
    let mut m = encoded(&inner());
    let id = encode_int(64);
    replace(&mut m[0], 1, &id, &encode_int(65));
    add(
        "a definition naming another id",
        v::<Inner>(),
        join(&m),
        AGREE_ACCEPT,
    );

    // Fixed: a name in a type definition need not be UTF-8.
    let mut m = encoded(&inner());
    replace(&mut m[0], 0, b"Inner", b"\xffnner");
    add(
        "a type name that is not UTF-8",
        v::<Inner>(),
        join(&m),
        AGREE_ACCEPT,
    );

    // Fixed: a type id in a definition must fit Go's int32 (even for a
    // field no value sends).
    let mut m = encoded(&Inner {
        a: Int(0),
        b: "x".into(),
    });
    replace(
        &mut m[0],
        0,
        b"A\x01\x04",
        &[b"A\x01".as_slice(), &encode_int(1 << 33)].concat(),
    );
    add(
        "a field type id beyond int32",
        v::<Inner>(),
        join(&m),
        AGREE_REJECT,
    );

    // Fixed: elements may not start past the end of their message.
    let zero = || Inner {
        a: Int(0),
        b: String::new(),
    };
    let mut m = encoded(&vec![zero(), zero()]);
    let last = m.len() - 1;
    replace(&mut m[last], 1, &[0x02, 0x00, 0x00], &[0x03, 0x00, 0x00]);
    add(
        "a slice longer than its message",
        v::<Vec<Inner>>(),
        join(&m),
        AGREE_REJECT,
    );

    // Fixed: a Rust array takes exactly its length.
    let mut m = encoded(&["a".to_string(), "b".to_string(), "c".to_string()]);
    let last = m.len() - 1;
    replace(
        &mut m[last],
        1,
        b"\x03\x01a\x01b\x01c",
        b"\x04\x01a\x01b\x01c\x01d",
    );
    add(
        "an array count over its length",
        v::<[String; 3]>(),
        join(&m),
        AGREE_REJECT,
    );

    // Fixed: a complex64 part out of float32's range overflows.
    let mut m = encoded(&Cplx {
        c64: Complex64 { re: 1.0, im: 0.0 },
        c128: Complex128 { re: 0.0, im: 0.0 },
    });
    let last = m.len() - 1;
    replace(&mut m[last], 1, &float(1.0), &float(1e300));
    add(
        "a complex64 part out of range",
        v::<Cplx>(),
        join(&m),
        AGREE_REJECT,
    );

    // Fixed: an interface value that is skipped is skipped by its byte
    // count (here one more than its value: the struct's end marker).
    let mut m = encoded(&Holder {
        v: Any::Int(Int(5)),
    });
    let last = m.len() - 1;
    replace(
        &mut m[last],
        1,
        &[0x04, 0x02, 0x00, 0x0a],
        &[0x04, 0x03, 0x00, 0x0a, 0x00],
    );
    add(
        "a skipped interface value",
        v::<Empty>(),
        join(&m),
        AGREE_ACCEPT,
    );

    // Fixed: typed decoding takes only what Go's decoder takes for the
    // type: no struct for a map, no slice for an array or array for a
    // slice, no string for a []byte, no []byte for a type that marshals
    // itself.
    let point = gob::to_vec(&Point {
        x: Int(1),
        y: Int(2),
    })
    .expect("encoding");
    add(
        "a struct for a map",
        v::<std::collections::BTreeMap<String, Int>>(),
        point,
        AGREE_REJECT,
    );
    let three = ["a".to_string(), "b".to_string(), "c".to_string()];
    let slice = gob::to_vec(&three.to_vec()).expect("encoding");
    add(
        "a slice for an array",
        v::<[String; 3]>(),
        slice,
        AGREE_REJECT,
    );
    let array = gob::to_vec(&three).expect("encoding");
    add(
        "an array for a slice",
        v::<Vec<String>>(),
        array,
        AGREE_REJECT,
    );
    let string = gob::to_vec(&"abc".to_string()).expect("encoding");
    add(
        "a string for a []byte",
        v::<Vec<u8>>(),
        string,
        AGREE_REJECT,
    );
    let bytes = gob::to_vec(&vec![1u8; 15]).expect("encoding");
    add(
        "a []byte for a GobEncoder",
        v::<Time>(),
        bytes,
        AGREE_REJECT,
    );

    // Fixed: an interface's concrete type name need not be UTF-8 (here in
    // a field Go skips, which the dynamic decoder reads).
    let mut m = encoded(&Holder {
        v: Any::Int(Int(5)),
    });
    let last = m.len() - 1;
    replace(&mut m[last], 1, b"\x03int", b"\x03i\xfft");
    add(
        "an interface name that is not UTF-8",
        v::<Empty>(),
        join(&m),
        AGREE_ACCEPT,
    );

    // Explained: Go skips a nil interface as if it held a value.
    let bytes = gob::to_vec(&Bag {
        items: vec![Any::Nil, Any::String("main.Circle".into())],
    })
    .expect("encoding");
    add(
        "a nil interface in a skipped field",
        v::<Empty>(),
        bytes,
        classify::NIL_INTERFACE_SKIPPED,
    );

    // Explained: Go's decoder cache by local type (Q read as P's type).
    let mut m = encoded(&Outer {
        id: Int(1),
        inner: inner(),
        p: Some(inner()),
        q: None,
    });
    replace(&mut m[0], 0, b"Q\x01\xff\x82", b"Q\x01\xff\x80");
    let last = m.len() - 1;
    m[last].pop(); // the end of Outer
    // Q as Go reads it (as an Inner: A 1, B "y"), which as the Outer of the
    // stream is ID 1 and an In whose A is -61.
    m[last].extend([0x01, 0x01, 0x02, 0x01, 0x01, 0x79, 0x00, 0x00]);
    add(
        "two fields of one Go type, two wire types",
        v::<Outer>(),
        join(&m),
        classify::FIELD_DECODER_CACHE,
    );

    out
}

/// What Rust and the oracle must agree on for one finding.
pub fn check(
    finding: &Finding,
    go: &serde_json::Value,
    rust: &classify::RustSide,
) -> Result<(), String> {
    let verdict = classify::classify(
        go,
        rust,
        &[finding.step],
        false,
        &finding.bytes,
        &finding.bytes,
    );
    let class = match verdict {
        classify::Verdict::Class(c) => c,
        classify::Verdict::Unexplained(why) => {
            return Err(format!("{}: unexplained: {why}", finding.name));
        }
        classify::Verdict::Opaque { why, .. } => return Err(format!("{}: {why}", finding.name)),
    };
    if class != finding.class {
        return Err(format!(
            "{}: {class}, expected {}\n  Go: {go}\n  Rust: {:?}",
            finding.name, finding.class, rust.typed
        ));
    }
    Ok(())
}
