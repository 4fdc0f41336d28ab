//! `pollscope compare`: verdicts and exit codes on hand-edited copies of
//! small real result folders (never on timing outcomes), `--vary` pairing,
//! the JSON document, bad input and a closed stdout.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::{pollscope, pollscope_ok, run_small};

fn reference() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("results/reference")
}

fn text(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A copy of `from`'s runs.csv and futures.csv (all `compare` reads) in
/// `dir/name`.
fn copy(from: &Path, dir: &Path, name: &str) -> PathBuf {
    let copy = dir.join(name);
    std::fs::create_dir_all(&copy).unwrap();
    for file in ["runs.csv", "futures.csv"] {
        std::fs::copy(from.join(file), copy.join(file)).unwrap();
    }
    copy
}

/// Rewrites the cells of `column` in the CSV file at `path`: `cell(row
/// index, old cell)`.
fn edit(path: &Path, column: &str, cell: impl Fn(usize, &str) -> String) {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let header = reader.headers().unwrap().clone();
    let at = header
        .iter()
        .position(|c| c == column)
        .unwrap_or_else(|| panic!("no column {column} in {}", path.display()));
    let mut writer = csv::Writer::from_path(path.with_extension("tmp")).unwrap();
    writer.write_record(&header).unwrap();
    for (i, record) in reader.records().enumerate() {
        let record = record.unwrap();
        let cells: Vec<String> = record
            .iter()
            .enumerate()
            .map(|(k, old)| {
                if k == at {
                    cell(i, old)
                } else {
                    old.to_string()
                }
            })
            .collect();
        writer.write_record(&cells).unwrap();
    }
    writer.flush().unwrap();
    std::fs::rename(path.with_extension("tmp"), path).unwrap();
}

/// `two_futures` at one worker, 20 samples, 3 repeats: a small real folder,
/// its runs marked undisturbed (this machine may be busy), so that the
/// edited values alone decide the verdicts.
fn repeats(dir: &Path, extra: &[&str]) -> PathBuf {
    let mut args = vec!["two_futures", "--repeat", "3", "--no-plots"];
    args.extend_from_slice(extra);
    let folder = run_small(dir, &args);
    edit(&folder.join("runs.csv"), "disturbed", |_, _| {
        "0".to_string()
    });
    folder
}

/// Gives every run of `folder` (3 repeats of one configuration) a
/// makespan of `ms` (± 1 %), so its row's verdict is known.
fn set_makespans(folder: &Path, ms: f64) {
    edit(&folder.join("runs.csv"), "makespan_us", |i, _| {
        let spread = [1.0, 1.01, 0.99][i % 3];
        format!("{}", (ms * 1e3 * spread).round())
    });
}

fn compare(args: &[&str]) -> Output {
    let mut all = vec!["compare"];
    all.extend_from_slice(args);
    pollscope(&all)
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", text(out)))
}

#[test]
fn exit_codes_follow_the_verdicts() {
    let dir = tempfile::tempdir().unwrap();
    let real = repeats(dir.path(), &["--workers", "1"]);
    let base = copy(&real, dir.path(), "base");
    set_makespans(&base, 10.0);
    let p = |p: &Path| p.to_str().unwrap().to_string();
    let with = |name: &str, ms: f64| {
        let new = copy(&base, dir.path(), name);
        set_makespans(&new, ms);
        new
    };
    // Identical repeats: every row SAME, exit 0.
    let out = compare(&[&p(&base), &p(&with("same", 10.0))]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).ends_with("every row judged\n"), "{}", text(&out));
    // Twice the makespan: REGRESSED, exit 1, named on a `regression:` line.
    let out = compare(&[&p(&base), &p(&with("slower", 20.0))]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(t.contains("1 REGRESSED, 0 IMPROVED"), "{t}");
    assert!(
        t.lines()
            .any(|l| l.starts_with("regression: two_futures w1") && l.ends_with("makespan +100.0%")),
        "{t}"
    );
    // Half: IMPROVED, and every row judged: exit 0.
    let out = compare(&[&p(&base), &p(&with("faster", 5.0))]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).contains("0 REGRESSED, 1 IMPROVED"));
    // +9 % is within the threshold; with --threshold 5 it is a regression.
    let nine = with("nine", 10.9);
    assert_eq!(compare(&[&p(&base), &p(&nine)]).status.code(), Some(0));
    let out = compare(&[&p(&base), &p(&nine), "--threshold", "5"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    // A disturbed run: that configuration's rows are DISTURBED, exit 3.
    let disturbed = with("disturbed", 20.0);
    edit(&disturbed.join("runs.csv"), "disturbed", |i, _| {
        if i == 1 { "1" } else { "0" }.to_string()
    });
    let out = compare(&[&p(&base), &p(&disturbed)]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(3), "{t}");
    assert!(
        t.contains(" DISTURBED") && !t.contains("regression:"),
        "{t}"
    );
    assert!(t.lines().last().unwrap().contains("quieter machine"), "{t}");
    // One repeat on a side: nothing flagged, UNKNOWN, exit 3, and the last
    // line says to repeat.
    let once = run_small(&dir.path().join("once"), &["two_futures", "--no-plots"]);
    edit(&once.join("runs.csv"), "disturbed", |_, _| "0".to_string());
    let out = compare(&[&p(&once), &p(&once)]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(3), "{t}");
    assert!(t.contains("0 REGRESSED, 0 IMPROVED, 0 SAME"), "{t}");
    assert!(t.lines().last().unwrap().contains("--repeat"), "{t}");
}

#[test]
fn a_faster_baseline_makes_each_edited_metric_a_regression() {
    let dir = tempfile::tempdir().unwrap();
    let real = repeats(dir.path(), &["--workers", "1"]);
    let (base, new) = (
        copy(&real, dir.path(), "base"),
        copy(&real, dir.path(), "new"),
    );
    // Each future's completion: 10 ms ± 1 % in base, 15 ms in new.
    let completions = |folder: &Path, ms: f64| {
        edit(&folder.join("futures.csv"), "completed_ns", |i, _| {
            format!("{}", (ms * 1e6 * [1.0, 1.01, 0.99][i % 3]).round())
        });
    };
    completions(&base, 10.0);
    completions(&new, 15.0);
    let out = compare(&[base.to_str().unwrap(), new.to_str().unwrap()]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    let futures = common::Table::read(&real.join("futures.csv"));
    let names: std::collections::BTreeSet<&str> =
        futures.rows.iter().map(|r| r["future"].as_str()).collect();
    let regressions: Vec<&str> = t
        .lines()
        .filter(|l| l.starts_with("regression: "))
        .collect();
    assert_eq!(regressions.len(), names.len(), "{t}");
    for name in names {
        let metric = format!("{name} completion +50.0%");
        assert!(
            regressions.iter().any(|l| l.ends_with(&metric)),
            "{metric}: {t}"
        );
    }
}

#[test]
fn json_holds_the_contracts_keys_and_the_exit_code() {
    let dir = tempfile::tempdir().unwrap();
    let real = repeats(dir.path(), &["--workers", "1"]);
    let base = copy(&real, dir.path(), "base");
    set_makespans(&base, 10.0);
    let new = copy(&base, dir.path(), "new");
    set_makespans(&new, 20.0);
    let out = compare(&[
        base.to_str().unwrap(),
        new.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let doc = json(&out);
    for key in [
        "base",
        "new",
        "threshold_pct",
        "fdr",
        "vary",
        "warnings",
        "rows",
        "counts",
        "exit_code",
    ] {
        assert!(doc.get(key).is_some(), "no {key}: {doc}");
    }
    assert_eq!(doc["exit_code"], 1);
    assert_eq!(doc["threshold_pct"], 10.0);
    assert_eq!(doc["fdr"], 0.05);
    assert_eq!(doc["base"], base.to_str().unwrap());
    let rows = doc["rows"].as_array().unwrap();
    assert!(!rows.is_empty());
    for row in rows {
        for key in [
            "configuration",
            "metric",
            "unit",
            "base_values",
            "new_values",
            "base_median",
            "new_median",
            "change_pct",
            "p_adjusted",
            "verdict",
        ] {
            assert!(row.get(key).is_some(), "no {key}: {row}");
        }
        let config = &row["configuration"];
        assert_eq!(config["scenario"], "two_futures");
        assert_eq!(config["workers"], "1");
        assert_eq!(config["samples"], "12");
        assert_eq!(row["base_values"].as_array().unwrap().len(), 3);
    }
    let makespan = rows.iter().find(|r| r["metric"] == "makespan").unwrap();
    assert_eq!(makespan["verdict"], "regressed");
    assert_eq!(makespan["unit"], "ns");
    assert_eq!(makespan["base_median"], 10e6);
    assert!(makespan["p_adjusted"].as_f64().unwrap() <= 0.05);
    let counts = &doc["counts"];
    let total: u64 = ["regressed", "improved", "same", "unknown", "disturbed"]
        .iter()
        .map(|v| counts[v].as_u64().unwrap())
        .sum();
    assert_eq!(total as usize, rows.len());
    assert_eq!(counts["regressed"], 1);
}

#[test]
fn the_throughput_and_cpu_columns_are_judged_where_runs_csv_has_them() {
    let dir = tempfile::tempdir().unwrap();
    let real = repeats(dir.path(), &["--workers", "1"]);
    let fill = |name: &str, per_s: f64| {
        let folder = copy(&real, dir.path(), name);
        let runs = folder.join("runs.csv");
        let spread = |i: usize| [1.0, 1.01, 0.99][i % 3];
        edit(&runs, "events_per_s", |i, _| {
            format!("{}", per_s * spread(i))
        });
        edit(&runs, "cpu_per_event_ns", |i, _| {
            format!("{}", (50_000.0 * spread(i)).round())
        });
        edit(&runs, "process_cpu_ns", |i, _| {
            format!("{}", (9e6 * spread(i)).round())
        });
        folder
    };
    // Half the throughput: worse, since more events per second is better.
    let (base, new) = (fill("base", 20_000.0), fill("new", 10_000.0));
    let out = compare(&[
        base.to_str().unwrap(),
        new.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let doc = json(&out);
    let row = |metric: &str| {
        doc["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["metric"] == metric)
            .unwrap_or_else(|| panic!("no {metric} row: {doc}"))
            .clone()
    };
    let rate = row("events_per_s");
    assert_eq!(
        (&rate["verdict"], &rate["better"], &rate["unit"]),
        (&"regressed".into(), &"higher".into(), &"events/s".into())
    );
    let per_event = row("cpu_per_event");
    assert_eq!(per_event["verdict"], "same");
    assert_eq!(
        (&per_event["better"], &per_event["unit"]),
        (&"lower".into(), &"ns/event".into())
    );
    assert_eq!(row("process_cpu")["verdict"], "same");
}

#[test]
fn vary_pairs_the_values_of_a_setting_in_one_folder_or_two() {
    let dir = tempfile::tempdir().unwrap();
    let both = repeats(&dir.path().join("both"), &["--workers", "1,2"]);
    // One folder: the base is the first value in run order, or --base.
    let out = compare(&[
        both.to_str().unwrap(),
        "--vary",
        "workers",
        "--format",
        "json",
    ]);
    assert!(
        matches!(out.status.code(), Some(0 | 1 | 3)),
        "{}",
        stderr(&out)
    );
    let doc = json(&out);
    assert_eq!(doc["vary"], serde_json::json!(["workers"]));
    let rows = doc["rows"].as_array().unwrap();
    assert!(rows.iter().any(|r| r["metric"] == "makespan"));
    for row in rows {
        assert_eq!(
            row["vary_values"]["workers"],
            serde_json::json!({"base": "1", "new": "2"})
        );
        assert!(row["configuration"].get("workers").is_none(), "{row}");
        assert_eq!(row["base_values"].as_array().unwrap().len(), 3);
    }
    let out = compare(&[
        both.to_str().unwrap(),
        "--vary",
        "workers",
        "--base",
        "2",
        "--all",
    ]);
    let t = text(&out);
    assert!(t.contains("workers: 2 → 1"), "{t}");
    assert!(
        t.lines().any(|l| l.starts_with("configuration")) && t.contains(" vary "),
        "{t}"
    );
    // Two folders: base runs from BASE, new from NEW.
    let one = repeats(&dir.path().join("one"), &["--workers", "1"]);
    let two = repeats(&dir.path().join("two"), &["--workers", "2"]);
    let (one, two) = (one.to_str().unwrap(), two.to_str().unwrap());
    let out = compare(&[one, two]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("workers: 1 in base, 2 in new"),
        "{}",
        stderr(&out)
    );
    let out = compare(&[one, two, "--vary", "workers", "--all"]);
    let t = text(&out);
    assert!(
        matches!(out.status.code(), Some(0 | 1 | 3)),
        "{}",
        stderr(&out)
    );
    let table: Vec<&str> = t
        .lines()
        .skip_while(|l| !l.starts_with("configuration"))
        .skip(1)
        .take_while(|l| !l.is_empty())
        .collect();
    assert!(!table.is_empty(), "{t}");
    assert!(table.iter().all(|l| l.contains("workers: 1 → 2")), "{t}");
}

#[test]
fn bad_input_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let good = reference();
    let missing_file = copy(&good, dir.path(), "missing_file");
    std::fs::remove_file(missing_file.join("futures.csv")).unwrap();
    let bad_header = copy(&good, dir.path(), "bad_header");
    let runs = std::fs::read_to_string(bad_header.join("runs.csv")).unwrap();
    std::fs::write(
        bad_header.join("runs.csv"),
        runs.replacen("makespan_us", "makespan", 1),
    )
    .unwrap();
    let other = run_small(&dir.path().join("other"), &["no_yield", "--no-plots"]);
    let g = good.to_str().unwrap();
    let nowhere = dir.path().join("nowhere");
    let cases: [(Vec<&str>, &str); 12] = [
        (vec![g, nowhere.to_str().unwrap()], "nowhere"),
        (vec![g, missing_file.to_str().unwrap()], "futures.csv"),
        (vec![g, bad_header.to_str().unwrap()], "runs.csv"),
        (vec![g, other.to_str().unwrap()], "settings that differ"),
        (vec![g], "one folder with --vary"),
        (vec![g, "--vary", "cores"], "unknown setting `cores`"),
        (
            vec![g, "--vary", "workers", "--base", "9"],
            "--base `9` is not a value of workers",
        ),
        (vec![g, g, "--base", "1"], "--base"),
        (vec![g, g, "--threshold", "lots"], "lots"),
        (vec![g, g, "--fdr", "1.5"], "1.5"),
        (vec![g, "--vary", "executor"], "nothing to compare"),
        (vec![g, "--vary", "workers,workers"], "`workers` twice"),
    ];
    for (args, needle) in cases {
        let out = compare(&args);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(needle), "{args:?}: {err}");
        assert!(out.stdout.is_empty(), "{args:?}");
    }
    // An unknown setting lists the known ones.
    let err = stderr(&compare(&[g, "--vary", "cores"]));
    for known in ["workers", "event_interval", "heavy_cost", "executor"] {
        assert!(err.contains(known), "{err}");
    }
}

#[test]
fn markdown_format_prints_a_table_and_the_counts_for_ci_comments() {
    let r = reference();
    let r = r.to_str().unwrap();
    let out = compare(&[r, r, "--format", "markdown", "--threshold", "5%", "--all"]);
    let t = text(&out);
    assert!(
        t.starts_with(
            "| configuration | metric | base | new | change | p adj | repeats | verdict |\n\
             |---|---|---:|---:|---:|---:|---:|---|"
        ),
        "{t}"
    );
    assert!(t.contains("5% threshold"), "{t}");
    // The reference against itself: three repeats a side, every row SAME.
    assert!(
        t.contains("0 REGRESSED, 0 IMPROVED") && t.contains(" SAME, 0 UNKNOWN"),
        "{t}"
    );
    // Nothing moved and no --all: a sentence instead of an empty table.
    let t = text(&compare(&[r, r, "--format", "markdown"]));
    assert!(
        t.starts_with("no metric moved") && !t.contains("|---|"),
        "{t}"
    );
}

#[test]
fn only_rows_that_moved_are_printed_unless_all() {
    let r = reference();
    let r = r.to_str().unwrap();
    let t = text(&compare(&[r, r]));
    assert!(
        t.contains("not shown, their medians within the threshold"),
        "{t}"
    );
    let t = text(&compare(&[r, r, "--all"]));
    let rows: Vec<&str> = t.lines().skip(1).take_while(|l| !l.is_empty()).collect();
    assert!(rows.len() > 10, "{t}");
    for row in rows {
        assert!(row.contains("+0.0%") && row.ends_with("3/3  SAME"), "{row}");
    }
}

#[test]
fn a_closed_stdout_is_not_a_regression() {
    use std::os::fd::{FromRawFd, OwnedFd};
    let mut fds = [0; 2];
    // SAFETY: `fds` has room for the two descriptors pipe() writes.
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
    // SAFETY: both descriptors were just opened and are owned here alone.
    let (read, write) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    drop(read);
    let r = reference();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_pollscope"))
        .args(["compare", r.to_str().unwrap(), r.to_str().unwrap(), "--all"])
        .stdout(std::process::Stdio::from(write))
        .stderr(std::process::Stdio::piped())
        .output()
        .unwrap();
    let err = stderr(&out);
    // The reference against itself: every row SAME, exit 0 as the
    // verdicts say.
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(!err.contains("panicked") && !err.contains("error"), "{err}");
}

#[test]
fn repeats_get_their_ids_and_workers_beyond_the_cores_are_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r");
    let cores = std::thread::available_parallelism().unwrap().get();
    let workers = (cores + 1).to_string();
    let args = [
        "run",
        "two_futures",
        "--repeat",
        "3",
        "--workers",
        &workers,
        "--samples",
        "10",
        "--light-cost",
        "20us",
        "--out",
        out.to_str().unwrap(),
    ];
    let output = pollscope_ok(&args);
    let runs = common::Table::read(&out.join("runs.csv"));
    let ids: Vec<&str> = runs.rows.iter().map(|r| r["run_id"].as_str()).collect();
    let expected: Vec<String> = (0..3)
        .map(|k| format!("two_futures-w{workers}-cpu500us-r{k}"))
        .collect();
    assert_eq!(ids, expected);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!("warning: {workers} workers on {cores} cores")),
        "{stderr}"
    );
}

#[test]
fn no_configuration_in_common_names_the_differing_settings_and_the_matching_run() {
    let dir = tempfile::tempdir().unwrap();
    let other = run_small(dir.path(), &["two_futures", "--no-plots"]);
    let out = compare(&[reference().to_str().unwrap(), other.to_str().unwrap()]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("samples: 100 in base, 12 in new"), "{err}");
    assert!(err.contains("pollscope run"), "{err}");
    assert!(err.contains("--samples 100"), "{err}");
}

/// A run id twice in runs.csv is refused, as `plot` refuses it: the
/// second row would otherwise hide behind the first.
#[test]
fn duplicate_run_ids_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let real = repeats(dir.path(), &["--workers", "1"]);
    let runs = real.join("runs.csv");
    let text = std::fs::read_to_string(&runs).unwrap();
    let second = text.lines().nth(1).unwrap().to_string();
    std::fs::write(&runs, format!("{text}{second}\n")).unwrap();
    let out = compare(&[real.to_str().unwrap(), real.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("appears twice"), "{}", stderr(&out));
    assert_eq!(stderr(&out).lines().count(), 1, "{}", stderr(&out));
}

#[test]
fn a_bad_cell_in_a_crlf_file_is_named_at_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let crlf = copy(&reference(), dir.path(), "crlf");
    let runs = std::fs::read_to_string(crlf.join("runs.csv")).unwrap();
    let mut lines: Vec<String> = runs.lines().map(str::to_string).collect();
    let workers = lines[0].split(',').position(|c| c == "workers").unwrap();
    let mut cells: Vec<&str> = lines[3].split(',').collect();
    cells[workers] = "zz";
    lines[3] = cells.join(",");
    std::fs::write(crlf.join("runs.csv"), lines.join("\r\n") + "\r\n").unwrap();
    let out = compare(&[crlf.to_str().unwrap(), reference().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("runs.csv:4: workers"),
        "{}",
        stderr(&out)
    );
}
