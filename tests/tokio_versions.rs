//! scripts/tokio_versions.sh's argument handling, cheaply: bad input is one
//! line on stderr and exit 2 before anything is built or written, and a run
//! phase without built binaries is exit 1. No tokio version is built here
//! (docs/tokio-versions.md has the real run).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/tokio_versions.sh")
}

/// Runs the script with `args`, its cache and output under `dir`.
fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new("bash")
        .arg(script())
        .arg("--cache")
        .arg(dir.join("cache"))
        .arg("--out")
        .arg(dir.join("out"))
        .args(args)
        .output()
        .expect("bash runs")
}

#[test]
fn bad_input_is_one_line_and_exit_2_with_nothing_written() {
    let cases: &[(&[&str], &str)] = &[
        (&[], "no tokio version given"),
        (&["banana"], "`banana` is not a tokio 1.x release"),
        (&["1.45"], "`1.45` is not a tokio 1.x release"),
        (&["2.0.0"], "`2.0.0` is not a tokio 1.x release"),
        (&["1.45.0", "1.x.0"], "`1.x.0` is not a tokio 1.x release"),
        (&["--frobnicate", "1.45.0"], "unknown option `--frobnicate`"),
        (
            &["--build-only", "--run-only", "1.45.0"],
            "exclude each other",
        ),
        (&["1.45.0", "--db"], "--db needs a value"),
        (
            &["1.45.0", "--", "--out", "x"],
            "`--out` is the script's to set",
        ),
        (
            &["1.45.0", "--", "fan_in", "--record"],
            "`--record` is the script's",
        ),
    ];
    for (args, expected) in cases {
        let dir = tempfile::tempdir().unwrap();
        let out = run(dir.path(), args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        assert!(
            stderr.starts_with("tokio_versions.sh: "),
            "{args:?}: {stderr}"
        );
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
        assert!(out.stdout.is_empty(), "{args:?}");
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert!(left.is_empty(), "{args:?} wrote {left:?}");
    }
}

#[test]
fn help_exits_0_and_names_every_option() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(dir.path(), &["--help"]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    for option in [
        "--build-only",
        "--run-only",
        "--prune",
        "--cache",
        "--db",
        "--out",
        "RUN-ARGS",
    ] {
        assert!(
            text.contains(option),
            "{option} missing from --help:\n{text}"
        );
    }
}

#[test]
fn run_only_without_built_binaries_skips_each_version_and_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(dir.path(), &["--run-only", "1.45.0", "1.9.0"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let skipped: Vec<_> = stderr
        .lines()
        .filter(|l| l.contains("skipped, not built"))
        .collect();
    // In version order (1.9 before 1.45): history orders labels by when
    // they were added.
    assert_eq!(skipped.len(), 2, "{stderr}");
    assert!(skipped[0].starts_with("tokio 1.9.0:"), "{stderr}");
    assert!(stderr.contains("no version ran"), "{stderr}");
    assert!(!dir.path().join("cache").exists());
    assert!(!dir.path().join("out").exists());
}

#[test]
fn a_cache_folder_the_script_did_not_make_is_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let theirs = dir.path().join("cache/tokio-1.54.1/src");
    std::fs::create_dir_all(&theirs).unwrap();
    std::fs::write(theirs.join("notes.txt"), "mine").unwrap();
    let out = run(dir.path(), &["--build-only", "--prune", "1.54.1"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("was not made by tokio_versions.sh"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read_to_string(theirs.join("notes.txt")).unwrap(),
        "mine"
    );
    assert_eq!(std::fs::read_dir(&theirs).unwrap().count(), 1);
}
