//! `run --shard K/N` and `merge`: two real small shards merge into the
//! runs of the unsharded run (ids, order and row counts, not timings), and
//! merge refuses what does not belong together with exit code 2, writing
//! nothing.

mod common;

use std::path::{Path, PathBuf};

use common::{SMALL, Table, pollscope, pollscope_ok};

const MATRIX: &[&str] = &[
    "two_futures",
    "spawn_task",
    "cpu_intensive",
    "--workers",
    "1,2",
    "--repeat",
    "2",
    "--no-plots",
];

/// `pollscope run MATRIX EXTRA --out DIR/NAME` with the small knobs.
fn run(dir: &Path, name: &str, extra: &[&str]) -> PathBuf {
    let out = dir.join(name);
    let mut args = vec!["run"];
    args.extend_from_slice(MATRIX);
    args.extend_from_slice(SMALL);
    args.extend_from_slice(extra);
    args.extend_from_slice(&["--out", out.to_str().unwrap()]);
    pollscope_ok(&args);
    out
}

fn ids(dir: &Path) -> Vec<String> {
    Table::read(&dir.join("runs.csv"))
        .rows
        .iter()
        .map(|r| r["run_id"].clone())
        .collect()
}

/// Rows per run of a CSV file, in run order.
fn rows_per_run(dir: &Path, file: &str) -> Vec<(String, usize)> {
    let table = Table::read(&dir.join(file));
    ids(dir)
        .into_iter()
        .map(|id| {
            let n = table.for_run(&id).count();
            (id, n)
        })
        .collect()
}

/// The (run, claim) pairs of findings.csv, sorted.
fn claims(dir: &Path) -> Vec<(String, String)> {
    let mut claims: Vec<(String, String)> = Table::read(&dir.join("findings.csv"))
        .rows
        .iter()
        .map(|r| (r["run_id"].clone(), r["claim"].clone()))
        .collect();
    claims.sort();
    claims
}

/// Asserts `pollscope ARGS` refuses with exit 2 and one line on stderr
/// containing `needle`; returns that line.
fn refused(args: &[&str], needle: &str) -> String {
    let out = pollscope(args);
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
    let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error")).collect();
    assert_eq!(errors.len(), 1, "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(errors[0].contains(needle), "{args:?}: {stderr}");
    errors[0].to_string()
}

#[test]
fn two_shards_merge_into_the_unsharded_run() {
    let dir = tempfile::tempdir().unwrap();
    let whole = run(dir.path(), "whole", &[]);
    let s1 = run(dir.path(), "s1", &["--shard", "1/2"]);
    let s2 = run(dir.path(), "s2", &["--shard", "2/2"]);
    let (a, b) = (ids(&s1), ids(&s2));
    assert!(!a.is_empty() && !b.is_empty());
    assert!(a.iter().all(|id| !b.contains(id)), "{a:?} {b:?}");
    // A configuration's repeats stay in one shard.
    for id in &a {
        let other = match id.strip_suffix("-r0") {
            Some(base) => format!("{base}-r1"),
            None => id.replace("-r1", "-r0"),
        };
        assert!(!b.contains(&other), "{id} split");
    }
    let merged = dir.path().join("merged");
    let m = merged.to_str().unwrap();
    pollscope_ok(&["merge", m, s2.to_str().unwrap(), s1.to_str().unwrap(), "-q"]);
    assert_eq!(
        ids(&merged),
        ids(&whole),
        "the unsharded run's runs, in its order"
    );
    for file in ["futures.csv", "samples.csv"] {
        assert_eq!(
            rows_per_run(&merged, file),
            rows_per_run(&whole, file),
            "{file}"
        );
    }
    assert_eq!(claims(&merged), claims(&whole), "the same claims judged");
    let histograms = Table::read(&merged.join("histograms.csv"));
    assert!(
        ids(&whole)
            .iter()
            .all(|id| histograms.for_run(id).count() > 0)
    );
    let runs = Table::read(&merged.join("runs.csv"));
    assert!(runs.rows.iter().all(|r| r["started_at"].ends_with('Z')));
    assert!(
        runs.rows
            .iter()
            .all(|r| r["label"].is_empty() && r["commit"].is_empty())
    );
    let shard: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(merged.join("shard.json")).unwrap()).unwrap();
    assert_eq!(shard["made_by"], "merge");
    assert_eq!(shard["shards"], serde_json::json!([1, 2]));
    // The merged folder is an ordinary result folder.
    let compared = pollscope(&["compare", whole.to_str().unwrap(), m]);
    assert_ne!(compared.status.code(), Some(2), "{compared:?}");
    pollscope_ok(&["plot", m, "-q"]);
    assert!(merged.join("index.html").exists());
    // A merge's own folder may be merged over again.
    pollscope_ok(&[
        "merge",
        m,
        s1.to_str().unwrap(),
        s2.to_str().unwrap(),
        "-q",
        "--no-plots",
    ]);
    // One shard alone merges with a warning naming the missing one.
    let alone = dir.path().join("alone");
    let out = pollscope_ok(&["merge", alone.to_str().unwrap(), s1.to_str().unwrap(), "-q"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("shard(s) 2 of 2 missing"), "{stderr}");
    assert_eq!(ids(&alone), a);

    refusals(dir.path(), &whole, &s1, &s2);
}

/// Each refusal: exit 2, one line, OUT not written.
fn refusals(dir: &Path, whole: &Path, s1: &Path, s2: &Path) {
    let out = dir.join("refused");
    let o = out.to_str().unwrap();
    let (p1, p2) = (s1.to_str().unwrap(), s2.to_str().unwrap());
    refused(&["merge", o, p1, p1], "both hold shard 1/2");
    // Overlapping runs: a copy of shard 1 that claims to be shard 2.
    let copy = dir.join("copy");
    copy_folder(s1, &copy);
    edit_shard(&copy, |s| s["shards"] = serde_json::json!([2]));
    refused(
        &["merge", o, p1, copy.to_str().unwrap()],
        "both hold the run",
    );
    // Another pollscope version.
    let other = dir.join("other");
    copy_folder(s2, &other);
    edit_shard(&other, |s| s["pollscope_version"] = "9.9.9".into());
    refused(
        &["merge", o, p1, other.to_str().unwrap()],
        "different pollscope versions",
    );
    // Other settings: the same shard, measuring polls' CPU time too.
    let more = run(dir, "more", &["--shard", "2/2", "--poll-cpu-time"]);
    refused(
        &["merge", o, p1, more.to_str().unwrap()],
        "different settings",
    );
    // Not a shard.
    refused(
        &["merge", o, p1, whole.to_str().unwrap()],
        "not a shard folder",
    );
    // An OUT merge did not write: a result of `run`, a folder of the user's.
    refused(
        &["merge", whole.to_str().unwrap(), p1, p2],
        "did not write it",
    );
    let mine = dir.join("mine");
    std::fs::create_dir(&mine).unwrap();
    std::fs::write(mine.join("notes.txt"), "mine").unwrap();
    refused(
        &["merge", mine.to_str().unwrap(), p1, p2],
        "did not write it",
    );
    assert_eq!(
        std::fs::read_to_string(mine.join("notes.txt")).unwrap(),
        "mine"
    );
    refused(&["merge", p1, p1, p2], "one of the folders to merge");
    assert!(!out.exists(), "a refused merge wrote its OUT");
    assert!(whole.join("runs.csv").exists());
}

fn copy_folder(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_file() {
            std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
        }
    }
}

fn edit_shard(dir: &Path, edit: impl FnOnce(&mut serde_json::Value)) {
    let path = dir.join("shard.json");
    let mut value: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    edit(&mut value);
    std::fs::write(&path, value.to_string()).unwrap();
}

#[test]
fn bad_shards_are_refused_before_anything_runs() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r");
    let o = out.to_str().unwrap();
    for bad in ["0/2", "3/2", "1/0", "x", "1/", "2"] {
        refused(&["run", "two_futures", "--shard", bad, "--out", o], "K/N");
    }
    // More shards than configurations: some would run nothing.
    refused(
        &[
            "run",
            "two_futures",
            "-w",
            "1",
            "--repeat",
            "3",
            "--shard",
            "1/2",
            "--out",
            o,
        ],
        "at most 1 shards",
    );
    assert!(!out.exists());
}
