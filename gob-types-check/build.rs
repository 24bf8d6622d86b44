//! Generates Rust types from every stream of the gob corpus and of the
//! gob-std set (Go's standard self-marshalling types), one module per
//! stream, and tables of `(stream, unordered maps, roundtrip)` in
//! `$OUT_DIR/corpus.rs`, which `tests/corpus.rs` includes.
//!
//! A stream the generator cannot handle still gets a module: its roundtrip
//! fails with the generator's error, so that the test names every failure.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

#[path = "src/lib.rs"]
mod codec;

use codec::serde_gob;

/// How the generated code names the codec: the one alias of `src/lib.rs`.
const CODEC_PATH: &str = "gob_types_check::serde_gob";

fn main() {
    // Another directory of streams (and optional manifest.json) can stand in
    // for the corpus: GOB_TYPES_CORPUS=DIR.
    println!("cargo::rerun-if-env-changed=GOB_TYPES_CORPUS");
    let corpus = match std::env::var_os("GOB_TYPES_CORPUS") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/gob"),
    };
    // The streams of Go's standard self-marshalling types (time.Time,
    // math/big), which the generator names by the codec's own types.
    let std_set = Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/gob-std");
    println!("cargo::rustc-env=GOB_TYPES_CORPUS_DIR={}", corpus.display());
    println!("cargo::rustc-env=GOB_TYPES_STD_DIR={}", std_set.display());
    println!("cargo::rerun-if-changed={}", corpus.display());
    println!("cargo::rerun-if-changed={}", std_set.display());
    println!("cargo::rerun-if-changed=src/lib.rs");
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR"));
    let types_dir = out_dir.join("types");
    std::fs::create_dir_all(&types_dir).expect("create OUT_DIR/types");

    let mut modules = String::new();
    let mut tables = String::from(
        "/// Decodes a stream into its generated types and encodes the values again.\n\
         pub type Roundtrip = fn(&[u8]) -> Result<Vec<u8>, String>;\n\n",
    );
    tables.push_str(&streams_table(
        &corpus,
        "",
        "STREAMS",
        "Every stream of the corpus",
        &types_dir,
        &mut modules,
    ));
    tables.push_str(&streams_table(
        &std_set,
        "std_",
        "STD_STREAMS",
        "Every stream of the gob-std set",
        &types_dir,
        &mut modules,
    ));
    let corpus_rs = out_dir.join("corpus.rs");
    std::fs::write(&corpus_rs, modules + &tables)
        .unwrap_or_else(|e| panic!("{}: {e}", corpus_rs.display()));
    open_interfaces(&out_dir, &types_dir);
}

/// The modules of the streams of `dir` (appended to `modules`, each named
/// with `prefix`), and the table `name` of them.
fn streams_table(
    dir: &Path,
    prefix: &str,
    name: &str,
    what: &str,
    types_dir: &Path,
    modules: &mut String,
) -> String {
    let unordered = unordered_streams(&dir.join("manifest.json"));
    let mut streams: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|name| name.ends_with(".gob"))
        .collect();
    streams.sort();

    let mut table = format!(
        "/// {what}: file name, whether Go's map order makes its\n\
         /// bytes vary, and the roundtrip through its generated types.\n\
         pub const {name}: &[(&str, bool, Roundtrip)] = &[\n",
    );
    for file in &streams {
        let path = dir.join(file);
        println!("cargo::rerun-if-changed={}", path.display());
        let module = format!("{prefix}{}", module_name(file));
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let body = match serde_gob::StreamTypes::read(&bytes) {
            Ok(types) => {
                let source = types.rust_with_codec(CODEC_PATH);
                let types_file = types_dir.join(format!("{module}.rs"));
                std::fs::write(&types_file, &source)
                    .unwrap_or_else(|e| panic!("{}: {e}", types_file.display()));
                roundtrip_module(&module, &types)
            }
            Err(e) => format!(
                "    pub fn roundtrip(_: &[u8]) -> Result<Vec<u8>, String> {{\n\
                 \x20       Err({:?}.to_string())\n\
                 \x20   }}\n",
                format!("the generator failed: {e}")
            ),
        };
        let _ = writeln!(modules, "pub mod {module} {{\n{body}}}\n");
        let _ = writeln!(
            table,
            "    ({file:?}, {}, {module}::roundtrip),",
            unordered.contains(file)
        );
    }
    table.push_str("];\n\n");
    table
}

/// The stream of the open-interfaces check: each value's interface holds
/// another concrete type.
const OPEN_SAMPLE: &str = "interface_composite_concretes.gob";

/// Types generated from the first value of [`OPEN_SAMPLE`] alone, once with
/// open interfaces (`serde_gob::Value`) and once with the default enums, in
/// `$OUT_DIR/open.rs` for `tests/open_interfaces.rs`: the open ones must read
/// the later values, whose concrete types the first value lacks.
fn open_interfaces(out_dir: &Path, types_dir: &Path) {
    // The workspace's own corpus, whatever GOB_TYPES_CORPUS says.
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../testdata/gob")
        .join(OPEN_SAMPLE);
    println!("cargo::rerun-if-changed={}", path.display());
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut decoder = serde_gob::ValueDecoder::new(&bytes[..]);
    match decoder.next_value() {
        Ok(Some(_)) => {}
        other => panic!("{}: no first value: {other:?}", path.display()),
    }
    // The messages up to the end of the first value.
    let sample = &bytes[..decoder.offset() as usize];
    let mut options = serde_gob::codegen::Options::default();
    options.open_interfaces = true;
    let mut module = format!(
        "pub const STREAM: &str = {:?};\n",
        path.display().to_string()
    );
    let kinds = [
        ("open", serde_gob::StreamTypes::read_with(sample, options)),
        ("closed", serde_gob::StreamTypes::read(sample)),
    ];
    for (name, types) in kinds {
        let types = types.unwrap_or_else(|e| panic!("{OPEN_SAMPLE} ({name}): {e}"));
        let file = types_dir.join(format!("{name}.rs"));
        std::fs::write(&file, types.rust_with_codec(CODEC_PATH))
            .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let first = &types.value_types()[0];
        let _ = writeln!(
            module,
            "pub mod {name} {{\n\
             \x20   include!(concat!(env!(\"OUT_DIR\"), \"/types/{name}.rs\"));\n\
             \x20   /// The type of the sample's first value.\n\
             \x20   pub type First = {first};\n\
             }}"
        );
    }
    let open_rs = out_dir.join("open.rs");
    std::fs::write(&open_rs, module).unwrap_or_else(|e| panic!("{}: {e}", open_rs.display()));
}

/// The streams of the cases the manifest marks `unordered_maps` (none
/// without a manifest).
fn unordered_streams(manifest: &Path) -> Vec<String> {
    let Ok(text) = std::fs::read_to_string(manifest) else {
        return Vec::new();
    };
    let json: serde_json::Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", manifest.display()));
    let mut out = Vec::new();
    for case in json["cases"].as_array().into_iter().flatten() {
        if case["unordered_maps"].as_bool() == Some(true) {
            for s in case["streams"].as_array().into_iter().flatten() {
                out.extend(s.as_str().map(str::to_string));
            }
        }
    }
    out
}

/// `shared_registry.1.gob` is module `shared_registry_1`.
fn module_name(file: &str) -> String {
    file.trim_end_matches(".gob")
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

/// The generated types, and a roundtrip that decodes each top-level value
/// into the type the generator names for it and encodes it again, with one
/// encoder and a registry whose ids start where the stream's do.
fn roundtrip_module(module: &str, types: &serde_gob::StreamTypes) -> String {
    let first = types.first_id().unwrap_or(64);
    let mut steps = String::new();
    for (i, t) in types.value_types().iter().enumerate() {
        let _ = writeln!(
            steps,
            "            crate::step::<{t}>(&mut decoder, &mut encoder, &mut out, {i})?;"
        );
    }
    format!(
        "    include!(concat!(env!(\"OUT_DIR\"), \"/types/{module}.rs\"));

    pub fn roundtrip(stream: &[u8]) -> Result<Vec<u8>, String> {{
        check::roundtrip(stream)
    }}

    #[allow(unused_imports)]
    mod check {{
        use super::*;
        use std::collections::BTreeMap;
        use {CODEC_PATH}::{{self as serde_gob, Complex64, Complex128, Int, Uint, Uintptr}};

        pub fn roundtrip(stream: &[u8]) -> Result<Vec<u8>, String> {{
            let mut registry = serde_gob::Registry::with_first_id({first});
            let mut encoder = serde_gob::Encoder::new(&mut registry);
            let mut decoder = serde_gob::Decoder::new(stream);
            let mut out = Vec::new();
{steps}            crate::finish(&mut decoder)?;
            Ok(out)
        }}
    }}
"
    )
}
