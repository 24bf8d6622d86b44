//! The `goapptrace-proto` command line.

fn main() -> std::process::ExitCode {
    goapptrace_proto::cli::main()
}
