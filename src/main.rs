//! The `pollscope` binary: a thin caller of the library's command line.

fn main() {
    std::process::exit(pollscope::internals::cli_main());
}
