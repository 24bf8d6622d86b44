//! The example `read_go_file`, run on a file of the Go-written corpus.

#[path = "../../tests/common/mod.rs"]
mod common;

#[test]
fn read_go_file_reads_what_go_wrote_and_writes_the_same_bytes() {
    let exe = std::env::current_exe().expect("the test's path");
    let example = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("target/<profile>")
        .join("examples/read_go_file");
    assert!(example.exists(), "{} was not built", example.display());
    let file = common::repo_path("testdata/gob/multi_values_same_type.gob");
    let out = std::process::Command::new(example)
        .arg(file)
        .output()
        .expect("running read_go_file");
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{said}");
    assert_eq!(
        said,
        "Alice (age 30, alice@example.com): score 97.5, active true, tags [\"admin\", \"dev\"]\n\
         Bob (age 41, ): score 0, active false, tags []\n\
         Carol (age 0, ): score -1, active false, tags [\"x\"]\n\
         3 values; written again: the same bytes\n"
    );
}
