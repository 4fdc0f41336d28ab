//! runs.csv's `started_at`, `label` and `commit`: written by every run
//! (label and commit only with `--record`), and folders written before
//! runs.csv had them still load in `plot`, `compare` and `history add`.

mod common;

use std::path::Path;

use common::{Table, pollscope, pollscope_ok};

fn small_run(out: &Path, extra: &[&str]) {
    let mut args = vec![
        "run",
        "two_futures",
        "-n",
        "12",
        "-w",
        "1",
        "--light-cost",
        "20us",
        "--heavy-cost",
        "60us",
        "--quiet",
        "--no-plots",
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    pollscope_ok(&args);
}

/// Rewrites `dir`'s runs.csv without `columns`.
fn drop_columns(dir: &Path, columns: &[&str]) {
    let path = dir.join("runs.csv");
    let table = Table::read(&path);
    let mut writer = csv::Writer::from_path(&path).unwrap();
    let kept: Vec<&String> = table
        .header
        .iter()
        .filter(|c| !columns.contains(&c.as_str()))
        .collect();
    writer.write_record(&kept).unwrap();
    for row in &table.rows {
        writer
            .write_record(kept.iter().map(|c| row[c.as_str()].as_str()))
            .unwrap();
    }
    writer.flush().unwrap();
}

#[test]
fn every_run_says_when_it_started_and_a_recorded_one_its_label_and_commit() {
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("plain");
    small_run(&plain, &[]);
    let row = &Table::read(&plain.join("runs.csv")).rows[0];
    let started = &row["started_at"];
    assert_eq!(started.len(), 20, "{started}");
    assert!(
        started.starts_with("20") && started.ends_with('Z'),
        "{started}"
    );
    assert!(row["label"].is_empty() && row["commit"].is_empty());
    let recorded = dir.path().join("recorded");
    let db = dir.path().join("h.sqlite");
    small_run(
        &recorded,
        &[
            "--record",
            "--label",
            "L1",
            "--commit",
            "abc123",
            "--db",
            db.to_str().unwrap(),
        ],
    );
    let row = &Table::read(&recorded.join("runs.csv")).rows[0];
    assert_eq!(
        (row["label"].as_str(), row["commit"].as_str()),
        ("L1", "abc123")
    );
}

#[test]
fn folders_without_the_columns_still_load() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    small_run(&a, &[]);
    small_run(&b, &[]);
    for folder in [&a, &b] {
        drop_columns(folder, &["started_at", "label", "commit"]);
        assert!(
            !Table::read(&folder.join("runs.csv"))
                .header
                .contains(&"label".to_string())
        );
    }
    pollscope_ok(&["plot", a.to_str().unwrap(), "-q"]);
    let compared = pollscope(&["compare", a.to_str().unwrap(), b.to_str().unwrap()]);
    assert_ne!(compared.status.code(), Some(2), "{compared:?}");
    let db = dir.path().join("h.sqlite");
    pollscope_ok(&[
        "history",
        "add",
        a.to_str().unwrap(),
        "--db",
        db.to_str().unwrap(),
    ]);
    // A bad time is named by file, line and column.
    let path = a.join("runs.csv");
    let mut table = Table::read(&path);
    table.rows[0].insert("started_at".into(), "yesterday".into());
    let mut writer = csv::Writer::from_path(&path).unwrap();
    let mut header = table.header.clone();
    header.push("started_at".into());
    writer.write_record(&header).unwrap();
    for row in &table.rows {
        writer
            .write_record(header.iter().map(|c| row[c.as_str()].as_str()))
            .unwrap();
    }
    writer.flush().unwrap();
    let out = pollscope(&["plot", a.to_str().unwrap(), "-q"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("runs.csv:2") && stderr.contains("started_at"),
        "{stderr}"
    );
}
