//! Records which versions of the executors pollscope is built against, so
//! that runs.csv can say what decided the scheduling (`tokio_version`,
//! `smol_version`). They come from the Cargo.lock that resolved this build:
//! the nearest one at or above this package (a clone, or the workspace that
//! depends on pollscope). Where none is found the columns stay empty.

use std::path::{Path, PathBuf};

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let lock = manifest
        .ancestors()
        .map(|dir| dir.join("Cargo.lock"))
        .find(|path| path.is_file());
    let text = lock.as_deref().map(read).unwrap_or_default();
    for (package, variable) in [
        ("tokio", "POLLSCOPE_TOKIO_VERSION"),
        ("smol", "POLLSCOPE_SMOL_VERSION"),
    ] {
        println!(
            "cargo:rustc-env={variable}={}",
            locked_version(&text, package).unwrap_or_default()
        );
    }
    match lock {
        Some(path) => println!("cargo:rerun-if-changed={}", path.display()),
        None => println!("cargo:rerun-if-changed=Cargo.toml"),
    }
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

/// The version of the first `[[package]]` named `name` (where a lock holds
/// two versions of a package, the older one).
fn locked_version(lock: &str, name: &str) -> Option<String> {
    let wanted = format!("name = \"{name}\"");
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == wanted {
            let version = lines.next()?.trim();
            return version
                .strip_prefix("version = \"")
                .and_then(|v| v.strip_suffix('"'))
                .map(str::to_string);
        }
    }
    None
}
