//! `pollscope history`: add, list and show on small real runs; adding
//! twice changes nothing; two processes adding at once both land; a file
//! that is not a pollscope history (another file, another database, a
//! damaged one, a newer schema) is refused with exit 2 and left
//! byte-identical; bad folders are one line and exit 2.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::{Table, pollscope, pollscope_ok};

/// A small `two_futures` run (2 repeats) into `dir/name`.
fn small_run(dir: &Path, name: &str) -> PathBuf {
    let out = dir.join(name);
    pollscope_ok(&[
        "run",
        "two_futures",
        "-n",
        "20",
        "--repeat",
        "2",
        "--light-cost",
        "50us",
        "--heavy-cost",
        "200us",
        "--quiet",
        "--no-plots",
        "--out",
        out.to_str().unwrap(),
    ]);
    out
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn add(db: &Path, folder: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "history",
        "add",
        folder.to_str().unwrap(),
        "--db",
        db.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    pollscope(&args)
}

/// Row counts of every table.
fn counts(db: &Path) -> Vec<(String, i64)> {
    let conn = rusqlite::Connection::open(db).unwrap();
    [
        "series",
        "runs",
        "settings",
        "metrics",
        "histograms",
        "findings",
    ]
    .iter()
    .map(|t| {
        let n = conn
            .query_row(&format!("SELECT count(*) FROM {t}"), [], |r| r.get(0))
            .unwrap();
        (t.to_string(), n)
    })
    .collect()
}

/// The series ids `history list` prints.
fn series_ids(db: &Path) -> Vec<String> {
    let out = pollscope_ok(&["history", "list", "--db", db.to_str().unwrap()]);
    stdout(&out)
        .lines()
        .skip_while(|l| !l.starts_with("series ("))
        .skip(1)
        .map(|l| l.split_whitespace().next().unwrap().to_string())
        .collect()
}

#[test]
fn add_then_list_and_show_give_back_runs_csv() {
    let dir = tempfile::tempdir().unwrap();
    let run = small_run(dir.path(), "r");
    let db = dir.path().join("h.sqlite");
    let out = add(&db, &run, &["--label", "v1", "--commit", "abc123"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("2 runs added, 0 already present"),
        "{}",
        stdout(&out)
    );
    let list = stdout(&pollscope_ok(&[
        "history",
        "list",
        "--db",
        db.to_str().unwrap(),
    ]));
    assert!(list.contains("v1") && list.contains("abc123"), "{list}");
    let ids = series_ids(&db);
    assert_eq!(ids.len(), 1, "{list}");
    let shown = pollscope_ok(&[
        "history",
        "show",
        &ids[0],
        "makespan",
        "--format",
        "json",
        "--db",
        db.to_str().unwrap(),
    ]);
    let doc: serde_json::Value = serde_json::from_slice(&shown.stdout).unwrap();
    let runs = Table::read(&run.join("runs.csv"));
    let expected: Vec<f64> = runs
        .rows
        .iter()
        .map(|r| r["makespan_us"].parse::<f64>().unwrap() * 1e3)
        .collect();
    let got: Vec<f64> = doc["labels"][0]["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    assert_eq!(got, expected, "the repeats, in runs.csv's order");
    assert_eq!(doc["labels"][0]["label"], "v1");
    assert_eq!(doc["labels"][0]["commit"], "abc123");
    assert_eq!(doc["series"]["configuration"]["samples"], "20");
    let csv = stdout(&pollscope_ok(&[
        "history",
        "show",
        &ids[0],
        "makespan",
        "--format",
        "csv",
        "--db",
        db.to_str().unwrap(),
    ]));
    assert!(csv.starts_with("label,commit,added_at,repeats,median,values\nv1,abc123,"));
    let text = stdout(&pollscope_ok(&[
        "history",
        "show",
        &ids[0][..6],
        "makespan",
        "--db",
        db.to_str().unwrap(),
    ]));
    assert!(
        text.contains("metric makespan (ns, lower is better)"),
        "{text}"
    );
    // Histograms and findings come along.
    let conn = rusqlite::Connection::open(&db).unwrap();
    let rows = |file: &str| Table::read(&run.join(file)).rows.len() as i64;
    let count = |t: &str| -> i64 {
        conn.query_row(&format!("SELECT count(*) FROM {t}"), [], |r| r.get(0))
            .unwrap()
    };
    // One row per histogram, its points a JSON array: as many points as
    // histograms.csv has rows.
    let points: i64 = conn
        .query_row(
            "SELECT sum(json_array_length(points)) FROM histograms",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(points, rows("histograms.csv"));
    assert_eq!(count("findings"), rows("findings.csv"));
    // An unknown metric names the ones there are.
    let bad = pollscope(&[
        "history",
        "show",
        &ids[0],
        "nope",
        "--db",
        db.to_str().unwrap(),
    ]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("makespan"), "{}", stderr(&bad));
}

#[test]
fn adding_twice_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let run = small_run(dir.path(), "r");
    let db = dir.path().join("h.sqlite");
    assert!(add(&db, &run, &["--commit", "c1"]).status.success());
    let before = counts(&db);
    let again = add(&db, &run, &["--label", "other", "--commit", "c2"]);
    assert!(again.status.success(), "{}", stderr(&again));
    assert!(
        stdout(&again).contains("0 runs added, 2 already present"),
        "{}",
        stdout(&again)
    );
    // A copy elsewhere is the same content.
    let copy = dir.path().join("copy");
    std::fs::create_dir(&copy).unwrap();
    for file in std::fs::read_dir(&run).unwrap() {
        let file = file.unwrap().path();
        if file.is_file() {
            std::fs::copy(&file, copy.join(file.file_name().unwrap())).unwrap();
        }
    }
    assert!(
        stdout(&add(&db, &copy, &[])).contains("0 runs added"),
        "a copy is added again"
    );
    assert_eq!(counts(&db), before);
}

#[test]
fn two_processes_adding_at_once_both_land() {
    let dir = tempfile::tempdir().unwrap();
    let a = small_run(dir.path(), "a");
    let b = small_run(dir.path(), "b");
    let db = dir.path().join("h.sqlite");
    let spawn = |folder: &Path, label: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_pollscope"))
            .args(["history", "add", folder.to_str().unwrap(), "--label", label])
            .args(["--commit", "x", "--db", db.to_str().unwrap()])
            .output()
    };
    let (ra, rb) = std::thread::scope(|s| {
        let ha = s.spawn(|| spawn(&a, "a").unwrap());
        let hb = s.spawn(|| spawn(&b, "b").unwrap());
        (ha.join().unwrap(), hb.join().unwrap())
    });
    assert!(ra.status.success(), "{}", stderr(&ra));
    assert!(rb.status.success(), "{}", stderr(&rb));
    let runs = counts(&db)
        .into_iter()
        .find(|(t, _)| t == "runs")
        .unwrap()
        .1;
    assert_eq!(runs, 4);
}

fn refs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

/// Asserts that `history add` and `history list` refuse `db` with exit 2
/// and one line naming it, leaving its bytes as they were.
fn assert_refused(db: &Path, run: &Path, why: &str) {
    let bytes = std::fs::read(db).unwrap();
    for out in [
        add(db, run, &[]),
        pollscope(&["history", "list", "--db", db.to_str().unwrap()]),
    ] {
        assert_eq!(out.status.code(), Some(2), "{why}: {}", stderr(&out));
        let err = stderr(&out);
        assert_eq!(err.lines().count(), 1, "{why}: {err}");
        assert!(err.contains(db.to_str().unwrap()), "{why}: {err}");
        assert_eq!(std::fs::read(db).unwrap(), bytes, "{why}: the file changed");
    }
}

#[test]
fn foreign_damaged_and_newer_files_are_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let run = small_run(dir.path(), "r");
    let text = dir.path().join("text.sqlite");
    std::fs::write(&text, "not a database\n").unwrap();
    assert_refused(&text, &run, "a text file");
    let other = dir.path().join("other.sqlite");
    rusqlite::Connection::open(&other)
        .unwrap()
        .execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1);")
        .unwrap();
    assert_refused(&other, &run, "another database");
    let newer = dir.path().join("newer.sqlite");
    assert!(add(&newer, &run, &[]).status.success());
    rusqlite::Connection::open(&newer)
        .unwrap()
        .execute_batch("PRAGMA user_version = 99;")
        .unwrap();
    assert_refused(&newer, &run, "a newer schema");
    let damaged = dir.path().join("damaged.sqlite");
    assert!(add(&damaged, &run, &[]).status.success());
    let mut bytes = std::fs::read(&damaged).unwrap();
    let page = 4096;
    assert!(bytes.len() > 3 * page);
    for b in &mut bytes[page..3 * page] {
        *b = 0xA5;
    }
    std::fs::write(&damaged, &bytes).unwrap();
    assert_refused(&damaged, &run, "a damaged file");
}

#[test]
fn bad_folders_are_one_line_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("h.sqlite");
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    // A folder holding runs.csv alone is no result folder either.
    let runs_only = dir.path().join("runs_only");
    std::fs::create_dir(&runs_only).unwrap();
    std::fs::write(runs_only.join("runs.csv"), "run_id\n").unwrap();
    for folder in [dir.path().join("missing"), empty, runs_only] {
        let out = add(&db, &folder, &[]);
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert_eq!(stderr(&out).lines().count(), 1, "{}", stderr(&out));
        assert!(stderr(&out).contains(folder.to_str().unwrap()));
        assert!(
            stderr(&out).contains("not a result folder"),
            "{}",
            stderr(&out)
        );
        assert!(!db.exists(), "bad input created the database");
        let compared = pollscope(&[
            "compare",
            folder.to_str().unwrap(),
            folder.to_str().unwrap(),
        ]);
        assert_eq!(compared.status.code(), Some(2));
        assert_eq!(String::from_utf8_lossy(&compared.stderr).lines().count(), 1);
    }
    let missing_db = pollscope(&["history", "list", "--db", db.to_str().unwrap()]);
    assert_eq!(missing_db.status.code(), Some(2));
}

#[test]
fn run_record_writes_the_folder_then_adds_it() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("h.sqlite");
    let out = dir.path().join("r");
    let args = |out: &Path, db: &Path| {
        vec![
            "run".to_string(),
            "two_futures".into(),
            "-n".into(),
            "20".into(),
            "--no-plots".into(),
            "--out".into(),
            out.display().to_string(),
            "--record".into(),
            "--label".into(),
            "base".into(),
            "--commit".into(),
            "c0ffee".into(),
            "--db".into(),
            db.display().to_string(),
        ]
    };
    let ran = pollscope_ok(&refs(&args(&out, &db)));
    assert!(
        stdout(&ran).contains("1 run added, 0 already present (label base)"),
        "{}",
        stdout(&ran)
    );
    assert!(out.join("runs.csv").is_file());
    let list = stdout(&pollscope_ok(&[
        "history",
        "list",
        "--db",
        db.to_str().unwrap(),
    ]));
    assert!(list.contains("base") && list.contains("c0ffee"), "{list}");
    // A database `history add` would refuse is refused before the run.
    let text = dir.path().join("text.sqlite");
    std::fs::write(&text, "notes\n").unwrap();
    let out2 = dir.path().join("r2");
    let refused = pollscope(&refs(&args(&out2, &text)));
    assert_eq!(refused.status.code(), Some(2), "{}", stderr(&refused));
    assert!(!out2.exists(), "the run went ahead");
    assert_eq!(std::fs::read(&text).unwrap(), b"notes\n");
    // The history's options without --record are bad input.
    let bare = pollscope(&["run", "two_futures", "--label", "x"]);
    assert_eq!(bare.status.code(), Some(2));
    assert!(stderr(&bare).contains("--record"), "{}", stderr(&bare));
}

#[test]
fn a_writer_interrupted_mid_transaction_is_rolled_back_not_refused() {
    let dir = tempfile::tempdir().unwrap();
    let run = small_run(dir.path(), "r");
    let db = dir.path().join("h.sqlite");
    assert!(add(&db, &run, &[]).status.success());
    let before = std::fs::read(&db).unwrap();
    // A crash's leftovers: the file and its journal copied while a writer
    // that has spilled changes into the file holds its transaction.
    let crashed = dir.path().join("crashed.sqlite");
    {
        let mut conn = rusqlite::Connection::open(&db).unwrap();
        conn.execute_batch("PRAGMA cache_size = 1").unwrap();
        let tx = conn.transaction().unwrap();
        tx.execute_batch("UPDATE histograms SET points = '[]'; DELETE FROM findings;")
            .unwrap();
        std::fs::copy(&db, &crashed).unwrap();
        let journal = |p: &Path| PathBuf::from(format!("{}-journal", p.display()));
        std::fs::copy(journal(&db), journal(&crashed)).unwrap();
    }
    assert_ne!(std::fs::read(&crashed).unwrap(), before, "nothing spilled");
    let out = pollscope(&["history", "list", "--db", crashed.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(std::fs::read(&crashed).unwrap(), before);
}

#[test]
fn a_series_is_the_machine_runs_csv_names() {
    let dir = tempfile::tempdir().unwrap();
    let run = small_run(dir.path(), "r");
    let runs = Table::read(&run.join("runs.csv"));
    assert!(runs.header.iter().any(|c| c == "cpu_model"));
    // The same folder as if another CPU had run it.
    let other = dir.path().join("other");
    std::fs::create_dir(&other).unwrap();
    for file in ["futures.csv", "histograms.csv", "findings.csv"] {
        std::fs::copy(run.join(file), other.join(file)).unwrap();
    }
    let mut reader = csv::Reader::from_path(run.join("runs.csv")).unwrap();
    let header = reader.headers().unwrap().clone();
    let at = header.iter().position(|c| c == "cpu_model").unwrap();
    let mut writer = csv::Writer::from_path(other.join("runs.csv")).unwrap();
    writer.write_record(&header).unwrap();
    for record in reader.records() {
        let mut cells: Vec<String> = record.unwrap().iter().map(String::from).collect();
        cells[at] = "Test CPU, 9 GHz".to_string();
        writer.write_record(&cells).unwrap();
    }
    writer.flush().unwrap();
    let db = dir.path().join("h.sqlite");
    for folder in [&run, &other] {
        let out = add(&db, folder, &[]);
        assert!(stdout(&out).contains("2 runs added"), "{}", stderr(&out));
    }
    let conn = rusqlite::Connection::open(&db).unwrap();
    let mut models: Vec<String> = conn
        .prepare("SELECT cpu_model FROM series ORDER BY cpu_model")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let here = match runs.rows[0]["cpu_model"].as_str() {
        "" => "unknown".to_string(),
        model => model.to_string(),
    };
    let mut expected = vec![here, "Test CPU, 9 GHz".to_string()];
    expected.sort();
    models.sort();
    assert_eq!(models, expected);
}

#[test]
fn an_empty_label_or_one_with_a_newline_is_refused_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let run = small_run(dir.path(), "r");
    let db = dir.path().join("h.sqlite");
    for extra in [["--label", ""], ["--label", "a\nb"], ["--commit", "\t"]] {
        let out = add(&db, &run, &extra);
        assert_eq!(out.status.code(), Some(2), "{extra:?}: {}", stderr(&out));
        assert_eq!(stderr(&out).lines().count(), 1, "{}", stderr(&out));
        assert!(!db.exists(), "{extra:?}");
    }
    let out = add(&db, &run, &["--label", "v1"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("a new history database"), "{said}");
}
