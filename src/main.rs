//! The `pollscope` binary: a thin caller of [`pollscope::cli`].

fn main() {
    std::process::exit(pollscope::cli::main());
}
