//! `pollscope compare` on the committed reference results, and repeats with
//! their noise warnings.

mod common;

use std::path::{Path, PathBuf};

use common::{pollscope, pollscope_ok, run_small};

fn reference() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("results/reference")
}

/// A copy of the reference folder's CSV files in `dir/name`.
fn copy_reference(dir: &Path, name: &str) -> PathBuf {
    let copy = dir.join(name);
    std::fs::create_dir_all(&copy).unwrap();
    for file in ["runs.csv", "futures.csv"] {
        std::fs::copy(reference().join(file), copy.join(file)).unwrap();
    }
    copy
}

/// Multiplies the numeric cells of `columns` in `file` by `factor`.
fn scale(path: &Path, columns: &[&str], factor: f64) {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let header = reader.headers().unwrap().clone();
    let mut writer = csv::Writer::from_path(path.with_extension("tmp")).unwrap();
    writer.write_record(&header).unwrap();
    for record in reader.records() {
        let record = record.unwrap();
        let cells: Vec<String> = header
            .iter()
            .zip(record.iter())
            .map(
                |(column, cell)| match (columns.contains(&column), cell.parse::<f64>()) {
                    (true, Ok(v)) => format!("{}", (v * factor).round() as u64),
                    _ => cell.to_string(),
                },
            )
            .collect();
        writer.write_record(&cells).unwrap();
    }
    writer.flush().unwrap();
    std::fs::rename(path.with_extension("tmp"), path).unwrap();
}

#[test]
fn a_folder_compared_with_itself_has_no_change() {
    let out = pollscope_ok(&[
        "compare",
        reference().to_str().unwrap(),
        reference().to_str().unwrap(),
    ]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("0 regressed, 0 improved"), "{text}");
    let all = pollscope_ok(&[
        "compare",
        reference().to_str().unwrap(),
        reference().to_str().unwrap(),
        "--all",
    ]);
    let all = String::from_utf8(all.stdout).unwrap();
    // Every table row (header and total aside) is unchanged.
    let rows: Vec<&str> = all.lines().skip(1).take_while(|l| !l.is_empty()).collect();
    for row in rows {
        assert!(row.ends_with(" ok") && row.contains("+0.0%"), "{row}");
    }
}

#[test]
fn a_faster_baseline_makes_each_edited_metric_a_regression() {
    let dir = tempfile::tempdir().unwrap();
    let base = copy_reference(dir.path(), "base");
    // The baseline was 50 % faster in makespan and every future's completion.
    scale(&base.join("runs.csv"), &["makespan_us"], 0.5);
    scale(&base.join("futures.csv"), &["completed_ns"], 0.5);
    let output = pollscope(&[
        "compare",
        base.to_str().unwrap(),
        reference().to_str().unwrap(),
    ]);
    let text = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{text}");
    let runs = common::Table::read(&reference().join("runs.csv"));
    let futures = common::Table::read(&reference().join("futures.csv"));
    let regressions: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("regression: "))
        .collect();
    // One per configuration's makespan and per future's completion.
    assert_eq!(
        regressions.len(),
        runs.rows.len() + futures.rows.len(),
        "{text}"
    );
    assert_eq!(
        regressions
            .iter()
            .filter(|l| l.contains(": makespan +100"))
            .count(),
        runs.rows.len(),
        "{text}"
    );
    for f in &futures.rows {
        let metric = format!("{} completion +", f["future"]);
        assert!(
            regressions.iter().any(|l| l.contains(&metric)),
            "{metric} not named in {text}"
        );
    }
}

#[test]
fn markdown_format_prints_a_table_for_ci_comments() {
    let out = pollscope_ok(&[
        "compare",
        reference().to_str().unwrap(),
        reference().to_str().unwrap(),
        "--format",
        "markdown",
        "--threshold",
        "5%",
        "--all",
    ]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.starts_with("| configuration | metric | base | new | change | verdict |"),
        "{text}"
    );
    assert!(text.contains("|---|"));
    assert!(text.contains("5% threshold"));
    // Nothing changed and no --all: a sentence instead of an empty table.
    let out = pollscope_ok(&[
        "compare",
        reference().to_str().unwrap(),
        reference().to_str().unwrap(),
        "--format",
        "markdown",
    ]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.starts_with("no metric changed") && !text.contains("|---|"),
        "{text}"
    );
}

#[test]
fn bad_input_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let good = reference();
    let missing_file = copy_reference(dir.path(), "missing_file");
    std::fs::remove_file(missing_file.join("futures.csv")).unwrap();
    let bad_header = copy_reference(dir.path(), "bad_header");
    let runs = std::fs::read_to_string(bad_header.join("runs.csv")).unwrap();
    std::fs::write(
        bad_header.join("runs.csv"),
        runs.replacen("makespan_us", "makespan", 1),
    )
    .unwrap();
    let other = run_small(&dir.path().join("other"), &["no_yield", "--no-plots"]);
    let cases: [(&Path, &str); 4] = [
        (&dir.path().join("nowhere"), "nowhere"),
        (&missing_file, "futures.csv"),
        (&bad_header, "runs.csv"),
        (&other, "settings that differ"),
    ];
    for (new, needle) in cases {
        let output = pollscope(&["compare", good.to_str().unwrap(), new.to_str().unwrap()]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{needle}: {stderr}");
        assert!(stderr.contains(needle), "{needle}: {stderr}");
    }
    let output = pollscope(&[
        "compare",
        good.to_str().unwrap(),
        good.to_str().unwrap(),
        "--threshold",
        "lots",
    ]);
    assert_eq!(output.status.code(), Some(2));
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
    let out = pollscope(&[
        "compare",
        reference().to_str().unwrap(),
        other.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("samples: 100 in base, 12 in new"),
        "{stderr}"
    );
    assert!(stderr.contains("pollscope run"), "{stderr}");
    assert!(stderr.contains("--samples 100"), "{stderr}");
}

#[test]
fn only_changed_rows_are_printed_unless_all() {
    let out = pollscope_ok(&[
        "compare",
        reference().to_str().unwrap(),
        reference().to_str().unwrap(),
    ]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("unchanged row(s) not shown"), "{text}");
    assert!(!text.contains(" ok\n"), "{text}");
    let out = pollscope_ok(&[
        "compare",
        reference().to_str().unwrap(),
        reference().to_str().unwrap(),
        "--all",
    ]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.lines().filter(|l| l.ends_with(" ok")).count() > 10,
        "{text}"
    );
}
