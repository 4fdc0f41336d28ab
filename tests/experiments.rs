//! Custom experiments from TOML: the example file, overrides, bad files.

mod common;

use std::path::{Path, PathBuf};

use common::{Table, num, pollscope, pollscope_ok};

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/every_placement.toml")
}

#[test]
fn the_example_experiment_runs_every_placement_it_declares() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r");
    let config = example();
    pollscope_ok(&[
        "run",
        "--config",
        config.to_str().unwrap(),
        "--samples",
        "10",
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ]);
    let runs = Table::read(&out.join("runs.csv"));
    assert_eq!(runs.rows.len(), 1);
    assert_eq!(runs.rows[0]["run_id"], "every_placement-w2-cpu500us-r0");
    let futures = Table::read(&out.join("futures.csv"));
    let declared: Vec<(String, String)> = futures
        .rows
        .iter()
        .map(|f| (f["future"].clone(), f["placement"].clone()))
        .collect();
    let expected = [
        ("ticker", "inline"),
        ("crunch1", "spawn"),
        ("crunch2", "spawn"),
        ("offload", "spawn_blocking"),
        ("in_place", "block_in_place"),
        ("pooled", "pool"),
    ];
    assert_eq!(
        declared,
        expected.map(|(a, b)| (a.to_string(), b.to_string()))
    );
    // --samples overrides the file's samples, including pooled's own.
    for f in &futures.rows {
        assert_eq!(num(f, "samples"), 10, "{}", f["future"]);
    }
    let samples = Table::read(&out.join("samples.csv"));
    assert_eq!(samples.rows.len(), 6 * 10);
    // An experiment has none of the built-in knobs: blank, and the report's
    // introduction names no cost.
    for knob in ["light_cost_us", "heavy_cost_us", "tasks"] {
        assert_eq!(runs.rows[0][knob], "", "{knob}");
    }
    let page = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(
        page.contains("(2 worker(s), cpu cost, 10 samples per future)"),
        "{}",
        &page[page.find("What this is").unwrap()..][..300]
    );
}

#[test]
fn flags_override_the_file_and_still_form_a_matrix() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r");
    let config = example();
    pollscope_ok(&[
        "run",
        "--config",
        config.to_str().unwrap(),
        "--workers",
        "1,2",
        "--cost-kind",
        "spin",
        "--samples",
        "5",
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ]);
    let runs = Table::read(&out.join("runs.csv"));
    let ids: Vec<&str> = runs.rows.iter().map(|r| r["run_id"].as_str()).collect();
    assert_eq!(
        ids,
        [
            "every_placement-w1-spin500us-r0",
            "every_placement-w2-spin500us-r0"
        ]
    );
    let futures = Table::read(&out.join("futures.csv"));
    assert!(futures.rows.iter().all(|f| f["cost_kind"] == "spin"));
}

#[test]
fn a_config_runs_beside_builtin_scenarios() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r");
    let config = example();
    pollscope_ok(&[
        "run",
        "two_futures",
        "--config",
        config.to_str().unwrap(),
        "--samples",
        "5",
        "--light-cost",
        "20us",
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ]);
    let runs = Table::read(&out.join("runs.csv"));
    let scenarios: Vec<&str> = runs.rows.iter().map(|r| r["scenario"].as_str()).collect();
    assert_eq!(scenarios, ["two_futures", "every_placement"]);
}

const GOOD: &str = r#"name = "x"
[runtime]
workers = 2
[defaults]
samples = 5
[[future]]
name = "a"
placement = "inline"
cost = "20us"
"#;

/// Each bad file exits 2 with one line naming the file, the key and (where
/// the parser knows it) the line, and writes nothing.
#[test]
fn bad_files_exit_2_naming_the_file_key_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r");
    let cases: Vec<(&str, String, &[&str])> = vec![
        (
            "unknown top-level key",
            format!("{GOOD}speed = 3\n"),
            &["speed", ":10:"],
        ),
        (
            "unknown runtime key",
            GOOD.replace("workers = 2", "wrokers = 2"),
            &["wrokers", ":3:"],
        ),
        (
            "unknown future key",
            format!("{GOOD}colour = \"red\"\n"),
            &["colour", ":10:"],
        ),
        (
            "unknown placement",
            GOOD.replace("\"inline\"", "\"gpu\""),
            &["placement", "gpu", ":8:"],
        ),
        (
            "malformed cost",
            GOOD.replace("\"20us\"", "\"fast\""),
            &["cost", "fast", ":9:"],
        ),
        (
            "zero cost",
            GOOD.replace("\"20us\"", "\"0us\""),
            &["cost", ":9:"],
        ),
        (
            "zero samples",
            GOOD.replace("samples = 5", "samples = 0"),
            &["samples", ":5:"],
        ),
        (
            "zero count",
            format!("{GOOD}count = 0\n"),
            &["count", ":10:"],
        ),
        (
            "zero workers",
            GOOD.replace("workers = 2", "workers = 0"),
            &["workers", ":3:"],
        ),
        (
            "unknown flavor",
            GOOD.replace("workers = 2", "flavor = \"fast\""),
            &["flavor", "fast", ":3:"],
        ),
        (
            "duplicate names",
            format!(
                "{GOOD}count = 2\n[[future]]\nname = \"a1\"\nplacement = \"spawn\"\ncost = \"1ms\"\n"
            ),
            &["a1", "twice"],
        ),
        (
            "empty future list",
            "name = \"x\"\n".to_string(),
            &["future"],
        ),
        ("malformed TOML", "name = \"x\n".to_string(), &[":1:"]),
        (
            "wrong type",
            GOOD.replace("workers = 2", "workers = \"two\""),
            &["workers", ":3:"],
        ),
    ];
    for (case, text, needles) in cases {
        let file = dir.path().join("bad.toml");
        std::fs::write(&file, &text).unwrap();
        let output = pollscope(&[
            "run",
            "--config",
            file.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{case}: {stderr}");
        assert_eq!(
            stderr.trim().lines().count(),
            1,
            "{case}: one line expected: {stderr}"
        );
        assert!(stderr.contains("bad.toml"), "{case}: {stderr}");
        for needle in needles {
            assert!(
                stderr.contains(needle),
                "{case}: {needle:?} missing from {stderr}"
            );
        }
        assert!(!stderr.contains("panicked"), "{case}: {stderr}");
        assert!(!out.exists(), "{case} wrote {}", out.display());
    }
    let missing = pollscope(&[
        "run",
        "--config",
        "no/such/file.toml",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no/such/file.toml"));
}

/// A `--config` that is not a regular file (a folder, a FIFO nobody
/// writes to) is refused at once with exit 2, never read (a FIFO would
/// block forever).
#[test]
fn a_config_that_is_not_a_regular_file_is_refused_without_blocking() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("folder.toml");
    std::fs::create_dir(&folder).unwrap();
    let fifo = dir.path().join("fifo.toml");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .is_ok_and(|s| s.success());
    let mut configs = vec![folder];
    if made {
        configs.push(fifo);
    }
    for config in configs {
        let out_dir = dir.path().join("r");
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_pollscope"))
            .args(["run", "--config", config.to_str().unwrap(), "-q", "-o"])
            .arg(&out_dir)
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if std::time::Instant::now() > deadline {
                child.kill().unwrap();
                panic!("{}: pollscope blocked on it", config.display());
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        };
        let mut stderr = String::new();
        std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
        assert_eq!(status.code(), Some(2), "{}: {stderr}", config.display());
        assert!(stderr.contains("not a regular file"), "{stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(!out_dir.exists());
    }
}
