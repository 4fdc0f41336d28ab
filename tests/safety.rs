//! pollscope is safe with the user's files, names and memory: it writes
//! only into folders it owns, turns no name into a path unchecked, refuses
//! what cannot fit, and never leaves half a result behind.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{SMALL, pollscope, pollscope_ok, run_small};

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Exit code 2 and an `error: …` line naming the problem (clap adds a
/// hint line to its own errors); no panic, no backtrace.
fn assert_bad_input(out: &std::process::Output, needle: &str) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(2), "stderr: {err}");
    let first = err.lines().next().unwrap_or("");
    assert!(first.starts_with("error: "), "{err}");
    assert!(first.contains(needle), "{needle:?} not in: {err}");
    assert!(err.trim().lines().count() <= 3, "{err}");
    assert!(
        !err.contains("panicked") && !err.contains("backtrace"),
        "{err}"
    );
}

/// Entries of `dir`, by name.
fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn run_args<'a>(out: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec!["run", "--out", out];
    args.extend_from_slice(extra);
    args.extend_from_slice(SMALL);
    args
}

#[test]
fn a_folder_with_someone_elses_files_is_refused_and_left_intact() {
    let dir = tempfile::tempdir().unwrap();
    let theirs = dir.path().join("theirs");
    fs::create_dir(&theirs).unwrap();
    fs::write(theirs.join("notes.txt"), "mine").unwrap();
    let out = pollscope(&run_args(theirs.to_str().unwrap(), &["two_futures"]));
    assert_bad_input(&out, "notes.txt");
    assert_eq!(
        fs::read_to_string(theirs.join("notes.txt")).unwrap(),
        "mine"
    );
    assert_eq!(entries(&theirs), ["notes.txt"]);
    assert_eq!(entries(dir.path()), ["theirs"], "no sibling left");

    // `--out results` where results holds a reference folder and a README.
    let results = dir.path().join("results");
    fs::create_dir_all(results.join("reference")).unwrap();
    fs::write(results.join("README.md"), "docs").unwrap();
    let out = pollscope(&run_args(results.to_str().unwrap(), &["two_futures"]));
    assert_bad_input(&out, "not a pollscope result folder");
    assert_eq!(entries(&results), ["README.md", "reference"]);

    // Files of names pollscope also writes are still someone else's.
    let site = dir.path().join("site");
    fs::create_dir(&site).unwrap();
    fs::write(site.join("index.html"), "<h1>my homepage</h1>").unwrap();
    let out = pollscope(&run_args(site.to_str().unwrap(), &["two_futures"]));
    assert_bad_input(&out, "not a pollscope result folder");
    assert_eq!(
        fs::read_to_string(site.join("index.html")).unwrap(),
        "<h1>my homepage</h1>"
    );
    let art = dir.path().join("art");
    fs::create_dir_all(art.join("plots")).unwrap();
    fs::write(art.join("plots/logo.svg"), "<svg/>").unwrap();
    assert_bad_input(
        &pollscope(&run_args(art.to_str().unwrap(), &["two_futures"])),
        "not a pollscope result folder",
    );
    assert!(art.join("plots/logo.svg").exists());

    // A pollscope result with a file added by hand is not replaced either,
    // whatever its name.
    let result = run_small(dir.path(), &["two_futures"]);
    fs::write(result.join("plots/mine.svg"), "<svg/>").unwrap();
    let out = pollscope(&run_args(result.to_str().unwrap(), &["two_futures"]));
    assert_bad_input(&out, "plots/mine.svg");
    fs::remove_file(result.join("plots/mine.svg")).unwrap();
    let result = run_small(dir.path(), &["two_futures"]);
    fs::write(result.join("notes.txt"), "added").unwrap();
    let out = pollscope(&run_args(result.to_str().unwrap(), &["two_futures"]));
    assert_bad_input(&out, "notes.txt");
    assert!(result.join("notes.txt").exists());
}

#[test]
fn an_old_result_without_a_manifest_is_adopted_and_plot_keeps_foreign_files() {
    let dir = tempfile::tempdir().unwrap();
    let result = run_small(dir.path(), &["two_futures"]);
    // As written before manifests existed.
    fs::remove_file(result.join(".pollscope-manifest")).unwrap();
    let again = pollscope(&run_args(result.to_str().unwrap(), &["two_futures"]));
    assert!(again.status.success(), "{}", stderr(&again));
    assert!(result.join(".pollscope-manifest").exists());

    fs::write(result.join("notes.txt"), "mine").unwrap();
    fs::write(result.join("plots").join("mine.png"), "png").unwrap();
    pollscope_ok(&["plot", result.to_str().unwrap()]);
    assert_eq!(
        fs::read_to_string(result.join("notes.txt")).unwrap(),
        "mine"
    );
    assert!(result.join("plots/mine.png").exists());
    assert!(result.join("index.html").exists());
    assert_eq!(entries(dir.path()), ["r"], "no sibling left by plot");

    // plot refuses a folder that is not a result.
    let theirs = dir.path().join("theirs");
    fs::create_dir(&theirs).unwrap();
    fs::write(theirs.join("runs.csv"), "x").unwrap();
    fs::write(theirs.join("notes.txt"), "mine").unwrap();
    assert_bad_input(
        &pollscope(&["plot", theirs.to_str().unwrap()]),
        "not a pollscope result folder",
    );
    assert_eq!(entries(&theirs), ["notes.txt", "runs.csv"]);
}

fn experiment(dir: &Path, name: &str, future: &str) -> PathBuf {
    let path = dir.join(format!("e{}.toml", name.len() + future.len()));
    let toml = format!(
        "name = {name:?}\n[runtime]\nworkers = 1\n[[future]]\nname = {future:?}\nplacement = \"inline\"\ncost = \"10us\"\n"
    );
    fs::write(&path, toml).unwrap();
    path
}

#[test]
fn unsafe_names_are_refused_before_anything_runs() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("out");
    let long = "x".repeat(65);
    let cases: [(&str, &str); 8] = [
        ("../../somewhere/x", "f"),
        ("/abs/x", "f"),
        ("a/b", "f"),
        (".hidden", "f"),
        (&long, "f"),
        ("ok", "../f"),
        ("ok", "a b"),
        ("ok", ""),
    ];
    for (name, future) in cases {
        let config = experiment(dir.path(), name, future);
        let started = Instant::now();
        let out = pollscope(&[
            "run",
            "--config",
            config.to_str().unwrap(),
            "--out",
            out_dir.to_str().unwrap(),
            "--quiet",
        ]);
        assert_bad_input(&out, "name");
        assert!(started.elapsed() < Duration::from_secs(5));
        assert!(!out_dir.exists(), "{name:?}/{future:?} wrote something");
    }
    assert!(!dir.path().join("somewhere").exists());
}

#[test]
fn an_experiment_named_like_a_built_in_is_refused_naming_both() {
    let dir = tempfile::tempdir().unwrap();
    let config = experiment(dir.path(), "two_futures", "f");
    let out_dir = dir.path().join("out");
    let out = pollscope(&[
        "run",
        "two_futures",
        "--workers",
        "1",
        "--heavy-cost",
        "10us",
        "--cost-kind",
        "cpu",
        "--config",
        config.to_str().unwrap(),
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert_bad_input(&out, "two_futures-w1-cpu10us-r0");
    let err = stderr(&out);
    assert!(
        err.contains("built-in scenario") && err.contains("experiment"),
        "{err}"
    );
    assert!(!out_dir.exists());
}

#[test]
fn what_cannot_fit_is_refused_with_the_estimate() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("out");
    let out_str = out_dir.to_str().unwrap();
    let out = pollscope(&[
        "run",
        "two_futures",
        "--samples",
        "4294967295",
        "--out",
        out_str,
    ]);
    assert_bad_input(&out, "GB");
    let out = pollscope(&[
        "run",
        "many_spawn_blocking",
        "--tasks",
        "4000000",
        "--out",
        out_str,
    ]);
    assert_bad_input(&out, "GB");
    let out = pollscope(&[
        "run",
        "two_futures",
        "--workers",
        "100000",
        "--out",
        out_str,
    ]);
    assert_bad_input(&out, "threads");
    assert!(!out_dir.exists());
}

#[test]
fn misleading_values_get_messages_that_say_what_is_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("out");
    let out_str = out_dir.to_str().unwrap();
    let cases: [(&[&str], &str); 6] = [
        (&["--light-cost", "-5us"], "negative"),
        (&["--heavy-cost", "100us,-1ms"], "negative"),
        (&["--light-cost", "9999999s"], "too large"),
        (&["--samples", "-3"], "negative"),
        (&["--workers", "99999999999999999999999"], "too large"),
        (
            &["--flavor", "current_thread", "--workers", "4"],
            "current_thread",
        ),
    ];
    for (args, needle) in cases {
        let mut all = vec!["run", "two_futures", "--out", out_str];
        all.extend_from_slice(args);
        assert_bad_input(&pollscope(&all), needle);
    }
    // --out below a regular file.
    let file = dir.path().join("file");
    fs::write(&file, "x").unwrap();
    let below = file.join("r");
    assert_bad_input(
        &pollscope(&run_args(below.to_str().unwrap(), &["two_futures"])),
        "is a file",
    );
    assert!(!out_dir.exists());
}

/// Rewrites one cell of `file`: the column `column` of data row `row`.
fn poke(file: &Path, row: usize, column: &str, value: &str) {
    let mut reader = csv::Reader::from_path(file).unwrap();
    let header = reader.headers().unwrap().clone();
    let at = header.iter().position(|h| h == column).unwrap();
    let mut records: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    let mut cells: Vec<String> = records[row].iter().map(String::from).collect();
    cells[at] = value.to_string();
    records[row] = csv::StringRecord::from(cells);
    let mut writer = csv::Writer::from_path(file).unwrap();
    writer.write_record(&header).unwrap();
    for r in &records {
        writer.write_record(r).unwrap();
    }
    writer.flush().unwrap();
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_file() {
            fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
        }
    }
}

#[test]
fn corrupted_values_are_refused_by_compare_and_plot_naming_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let good = run_small(dir.path(), &["two_futures", "--workers", "1"]);
    // (file, data row, column, value); data row r is on line r + 2.
    let cases: [(&str, usize, &str, &str); 18] = [
        ("runs.csv", 0, "flavor", "weird"),
        ("runs.csv", 0, "workers", "0"),
        ("runs.csv", 0, "calibration", "-1"),
        ("futures.csv", 1, "completed_ns", "1"),
        ("futures.csv", 1, "poll_p99_ns", "999999999999"),
        ("polls.csv", 1, "poll", "0"),
        ("polls.csv", 1, "end_ns", "18446744073709551615"),
        ("samples.csv", 1, "seq", "0"),
        ("runs.csv", 0, "efficiency", "NaN"),
        ("runs.csv", 0, "efficiency", "inf"),
        ("runs.csv", 0, "makespan_us", "-5"),
        ("runs.csv", 0, "makespan_us", "1e308"),
        ("runs.csv", 0, "run_id", "../../x"),
        ("futures.csv", 1, "completed_ns", "-1"),
        ("futures.csv", 1, "future", "a/b"),
        // The second poll starts after 0, so it cannot end at 0.
        ("polls.csv", 1, "end_ns", "0"),
        ("polls.csv", 1, "thread", "9"),
        ("samples.csv", 1, "value", "NaN"),
    ];
    for (i, (file, row, column, value)) in cases.into_iter().enumerate() {
        let bad = dir.path().join(format!("bad{i}"));
        copy_dir(&good, &bad);
        poke(&bad.join(file), row, column, value);
        let needle = format!("{file}:{}: {column}", row + 2);
        let plot = pollscope(&["plot", bad.to_str().unwrap()]);
        assert_bad_input(&plot, &needle);
        if matches!(file, "runs.csv" | "futures.csv") {
            let compare = pollscope(&["compare", good.to_str().unwrap(), bad.to_str().unwrap()]);
            assert_bad_input(&compare, &needle);
        }
    }
}

/// Starts a long run into `out`, waits until its temporary sibling exists,
/// and returns the child.
fn start_long_run(out: &Path) -> std::process::Child {
    let child = Command::new(env!("CARGO_BIN_EXE_pollscope"))
        .args([
            "run",
            "two_futures",
            "--cost-kind",
            "sleep",
            "--samples",
            "5000",
            "--light-cost",
            "200us",
            "--quiet",
            "--out",
            out.to_str().unwrap(),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let parent = out.parent().unwrap();
    let started = Instant::now();
    while !entries(parent).iter().any(|n| n.contains(".tmp-")) {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "no temporary folder"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(200));
    child
}

#[test]
fn a_killed_run_keeps_the_previous_result_and_leaves_no_sibling() {
    let dir = tempfile::tempdir().unwrap();
    let previous = run_small(dir.path(), &["two_futures"]);
    let runs_before = fs::read(previous.join("runs.csv")).unwrap();

    // SIGINT: the temporary folder is removed at once.
    let mut child = start_long_run(&previous);
    // SAFETY: sending a signal to our own child process.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130));
    assert_eq!(entries(dir.path()), ["r"]);
    assert_eq!(fs::read(previous.join("runs.csv")).unwrap(), runs_before);

    // SIGKILL: the sibling stays until the next write to the folder.
    let mut child = start_long_run(&previous);
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(fs::read(previous.join("runs.csv")).unwrap(), runs_before);
    run_small(dir.path(), &["two_futures"]);
    assert_eq!(entries(dir.path()), ["r"], "the next run cleaned up");
}

#[test]
fn workers_whose_stacks_cannot_fit_the_address_space_are_refused_up_front() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("out");
    // A 1 GB address space cannot hold 3000 thread stacks of 2 MiB: once
    // they were created part-way, any allocation anywhere could fail (and
    // glibc abort the process), so the run is refused before it starts.
    let script = format!(
        "ulimit -v 1000000 && exec {} run two_futures --workers 3000 --samples 5 --quiet --out {}",
        env!("CARGO_BIN_EXE_pollscope"),
        out_dir.display()
    );
    let started = Instant::now();
    let out = Command::new("sh").args(["-c", &script]).output().unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.starts_with("error: ") && err.contains("ulimit -v"),
        "{err}"
    );
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(started.elapsed() < Duration::from_secs(30));
    assert_eq!(
        entries(dir.path()),
        Vec::<String>::new(),
        "no temporary folder"
    );
}

#[test]
fn extreme_values_from_files_never_crash_the_debug_build() {
    let dir = tempfile::tempdir().unwrap();
    let good = run_small(
        dir.path(),
        &["spawn_task", "cpu_intensive", "--workers", "2"],
    );
    let max = u64::MAX.to_string();
    let pokes: [(&str, usize, &str); 9] = [
        ("runs.csv", 0, "light_cost_ns"),
        ("runs.csv", 0, "heavy_cost_ns"),
        ("runs.csv", 0, "samples"),
        ("futures.csv", 2, "cost_ns"),
        ("futures.csv", 2, "planned_samples"),
        ("futures.csv", 2, "completed_ns"),
        ("polls.csv", 3, "end_ns"),
        ("samples.csv", 3, "end_ns"),
        ("threads.csv", 0, "cpu_time_ns"),
    ];
    let bad = dir.path().join("extreme");
    copy_dir(&good, &bad);
    for (file, row, column) in pokes {
        poke(&bad.join(file), row, column, &max);
    }
    let out = pollscope(&["plot", bad.to_str().unwrap()]);
    let err = stderr(&out);
    assert!(
        !err.contains("panicked") && !err.contains("overflow"),
        "{err}"
    );
    assert!(matches!(out.status.code(), Some(0) | Some(2)), "{err}");
    let out = pollscope(&["compare", good.to_str().unwrap(), bad.to_str().unwrap()]);
    let err = stderr(&out);
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn a_result_reached_through_a_link_is_written_through_it() {
    let dir = tempfile::tempdir().unwrap();
    let real = run_small(dir.path(), &["two_futures"]);
    let link = dir.path().join("link");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    pollscope_ok(&run_args(link.to_str().unwrap(), &["cpu_intensive"]));
    assert!(link.is_symlink(), "the link stays a link");
    let runs = fs::read_to_string(real.join("runs.csv")).unwrap();
    assert!(
        runs.contains("cpu_intensive-"),
        "the result went where the link points"
    );
}

#[test]
fn a_short_row_is_named_by_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let good = run_small(dir.path(), &["two_futures", "--workers", "1"]);
    let polls = fs::read_to_string(good.join("polls.csv")).unwrap();
    let mut lines: Vec<&str> = polls.lines().collect();
    lines[2] = "two_futures-w1-cpu60us-r0,fut0";
    fs::write(good.join("polls.csv"), lines.join("\n")).unwrap();
    assert_bad_input(
        &pollscope(&["plot", good.to_str().unwrap()]),
        "polls.csv:3: the row has 2 fields",
    );
}

/// `dir/`, `dir/.` and a link with a trailing `/` name the folder itself.
#[test]
fn a_trailing_slash_or_dot_names_the_folder_itself() {
    let dir = tempfile::tempdir().unwrap();
    let real = dir.path().join("real");
    std::os::unix::fs::symlink(&real, dir.path().join("link")).unwrap();
    for (out, folder) in [
        ("new/.", "new"),
        ("real/", "real"),
        ("link/", "real"),
        ("link/.", "real"),
    ] {
        let out = dir.path().join(out);
        pollscope_ok(&run_args(out.to_str().unwrap(), &["--no-plots"]));
        assert!(
            dir.path().join(folder).join("runs.csv").is_file(),
            "{}",
            out.display()
        );
    }
    assert!(
        dir.path().join("link").is_symlink(),
        "the link stays a link"
    );
}
