//! The command line's contract: subcommands, flags, exit codes, messages.

mod common;

use common::{Table, pollscope, pollscope_ok, run_small};

const CONTRACT_COLUMNS: [(&str, &str); 7] = [
    (
        "runs.csv",
        "run_id,scenario,flavor,workers,max_blocking_threads,cost_kind,light_cost_us,heavy_cost_us,samples,tasks,repeat,cores,calibration,makespan_us,lower_bound_us,efficiency,origin,poll_cpu_time",
    ),
    ("findings.csv", "run_id,claim,verdict,reason,evidence"),
    (
        "futures.csv",
        "run_id,future,placement,cost_us,samples,first_poll_ns,completed_ns,polls,busy_ns,threads,poll_p50_ns,poll_p99_ns,poll_max_ns,sched_delay_p50_ns,sched_delay_p99_ns,sched_delay_max_ns",
    ),
    (
        "samples.csv",
        "run_id,future,seq,value,start_ns,end_ns,thread,cpu_ns",
    ),
    (
        "polls.csv",
        "run_id,future,poll,start_ns,end_ns,thread,woken_ns,ready,cpu_ns",
    ),
    (
        "threads.csv",
        "run_id,thread,os_thread_id,name,kind,polls,busy_ns,cpu_time_ns",
    ),
    (
        "histograms.csv",
        "run_id,future,metric,percentile,value_ns,count",
    ),
];

#[test]
fn list_names_every_builtin_scenario_with_its_description() {
    let out = pollscope_ok(&["list"]);
    let text = String::from_utf8(out.stdout).unwrap();
    for builtin in pollscope::BUILTINS {
        let name = builtin.name;
        let line = text
            .lines()
            .find(|l| l.trim_start_matches(['*', ' ']).split_whitespace().next() == Some(name));
        let line = line.unwrap_or_else(|| panic!("{name} missing from:\n{text}"));
        assert!(
            line.split_whitespace().count() > 3 && line.contains(builtin.description),
            "{name} has not its description: {line}"
        );
    }
}

#[test]
fn csv_headers_start_with_the_contract_columns() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_small(dir.path(), &["two_futures", "--workers", "1"]);
    for (file, columns) in CONTRACT_COLUMNS {
        let table = Table::read(&out.join(file));
        let expected: Vec<&str> = columns.split(',').collect();
        assert_eq!(&table.header[..expected.len()], &expected[..], "{file}");
        assert!(!table.rows.is_empty(), "{file} has no rows");
    }
}

#[test]
fn list_flags_form_the_cross_product_with_contract_run_ids() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_small(
        dir.path(),
        &[
            "two_futures",
            "spawn_task",
            "--workers",
            "1,2",
            "--repeat",
            "2",
            "--heavy-cost",
            "60us,0.1ms",
        ],
    );
    let runs = Table::read(&out.join("runs.csv"));
    let ids: Vec<&str> = runs.rows.iter().map(|r| r["run_id"].as_str()).collect();
    assert_eq!(ids.len(), 2 * 2 * 2 * 2);
    assert!(ids.contains(&"two_futures-w1-cpu60us-r0"), "{ids:?}");
    assert!(ids.contains(&"spawn_task-w2-cpu100us-r1"), "{ids:?}");
}

#[test]
fn current_thread_runs_are_named_ct_with_one_worker() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_small(
        dir.path(),
        &[
            "two_futures",
            "--flavor",
            "current_thread",
            "--cost-kind",
            "sleep",
        ],
    );
    let runs = Table::read(&out.join("runs.csv"));
    assert_eq!(runs.rows.len(), 1);
    assert_eq!(runs.rows[0]["run_id"], "two_futures-ct-sleep60us-r0");
    assert_eq!(runs.rows[0]["workers"], "1");
    assert_eq!(runs.rows[0]["flavor"], "current_thread");
}

#[test]
fn summary_names_each_run_and_the_folder_unless_quiet() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r");
    let args = [
        "run",
        "spawn_task",
        "--samples",
        "10",
        "--light-cost",
        "20us",
        "--heavy-cost",
        "40us",
        "--out",
        out.to_str().unwrap(),
    ];
    let text = String::from_utf8(pollscope_ok(&args).stdout).unwrap();
    assert!(text.contains("spawn_task-w"), "{text}");
    assert!(
        text.contains("makespan") && !text.contains("sched p99"),
        "a line per run: {text}"
    );
    // Findings that hold are counted, not listed; the claims of disturbed
    // runs share one line.
    assert!(
        !text.lines().any(|l| l.trim_start().starts_with("holds ")),
        "{text}"
    );
    assert!(
        text.lines()
            .filter(|l| l.contains("the machine was disturbed"))
            .count()
            == 0,
        "{text}"
    );
    let mut verbose = args.to_vec();
    verbose.push("--verbose");
    let text = String::from_utf8(pollscope_ok(&verbose).stdout).unwrap();
    assert!(
        text.contains("spawned") && text.contains("sched p99"),
        "a line per future with --verbose: {text}"
    );
    assert!(text.contains(out.to_str().unwrap()), "{text}");
    let mut quiet = args.to_vec();
    quiet.push("--quiet");
    let output = pollscope_ok(&quiet);
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.lines().all(|l| l.starts_with("warning: ")),
        "warnings only, no progress bar off a terminal: {stderr}"
    );
}

/// Each bad input exits 2 with one line naming the bad value, without a
/// panic, and writes nothing.
#[test]
fn bad_input_exits_2_naming_the_value_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r");
    let out_arg = out.to_str().unwrap();
    let blocker = dir.path().join("file");
    std::fs::write(&blocker, "not a folder").unwrap();
    let under_file = blocker.join("sub");
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["run", "no_such_scenario"], "no_such_scenario"),
        (vec!["run", "--light-cost", "fast"], "fast"),
        (vec!["run", "--light-cost", "0us"], "--light-cost 0"),
        (vec!["run", "--heavy-cost", "100us,12parsecs"], "12parsecs"),
        (vec!["run", "--workers", "0"], "0"),
        (vec!["run", "--workers", "2,x"], "x"),
        (vec!["run", "--samples", "0"], "0"),
        (vec!["run", "--cost-kind", "gpu"], "gpu"),
        (vec!["run", "--flavor", "single"], "single"),
        (vec!["run", "--max-blocking-threads", "0"], "0"),
        (
            vec![
                "run",
                "--out",
                under_file.to_str().unwrap(),
                "--samples",
                "2",
            ],
            "sub",
        ),
        (vec!["frobnicate"], "frobnicate"),
    ];
    for (mut args, needle) in cases {
        if !args.contains(&"--out") {
            args.extend_from_slice(&["--out", out_arg]);
        }
        let output = pollscope(&args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
        assert!(stderr.contains("error"), "{args:?}: {stderr}");
        assert!(
            !stderr.contains("panicked") && !stderr.contains("RUST_BACKTRACE"),
            "{args:?}: {stderr}"
        );
        assert!(!out.exists(), "{args:?} wrote {}", out.display());
    }
}

#[test]
fn block_in_place_on_current_thread_is_bad_input() {
    let output = pollscope(&[
        "run",
        "block_in_place",
        "--flavor",
        "current_thread",
        "--samples",
        "2",
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("block_in_place") && stderr.contains("current_thread"),
        "{stderr}"
    );
}

#[test]
fn a_new_result_replaces_the_old_folder_whole() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_small(dir.path(), &["two_futures", "cpu_intensive"]);
    run_small(dir.path(), &["two_futures"]);
    let runs = Table::read(&out.join("runs.csv"));
    assert_eq!(runs.rows.len(), 1, "the second run replaced the first");
    assert!(out.join(".pollscope-manifest").exists());
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n != "r")
        .collect();
    assert!(
        leftovers.is_empty(),
        "temporary folders left: {leftovers:?}"
    );
}

#[test]
fn list_marks_the_journey_that_a_bare_run_runs() {
    let text = String::from_utf8(pollscope_ok(&["list"]).stdout).unwrap();
    let marked: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("* "))
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert_eq!(marked, pollscope::JOURNEY);
}

#[test]
fn plot_zoom_and_run_choose_the_window_and_the_runs() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_small(
        dir.path(),
        &["two_futures", "cpu_intensive", "--workers", "1"],
    );
    let zoom_of =
        |id: &str| std::fs::read_to_string(out.join(format!("plots/{id}_zoom.svg"))).unwrap();
    let cpu_before = zoom_of("cpu_intensive-w1-cpu60us-r0");
    pollscope_ok(&[
        "plot",
        out.to_str().unwrap(),
        "--zoom",
        "100us..300us",
        "--run",
        "^two_",
    ]);
    let two = zoom_of("two_futures-w1-cpu60us-r0");
    assert!(
        two.contains(r#"data-from-ns="100000""#) && two.contains(r#"data-to-ns="300000""#),
        "{}",
        &two[..400.min(two.len())]
    );
    assert_eq!(
        zoom_of("cpu_intensive-w1-cpu60us-r0"),
        cpu_before,
        "--run left other runs alone"
    );
    for (args, needle) in [
        (["--zoom", "3ms..1ms"], "zoom"),
        (["--zoom", "soon"], "zoom"),
        (["--run", "(unclosed"], "regular expression"),
        (["--run", "^nothing$"], "matches none"),
    ] {
        let mut all = vec!["plot", out.to_str().unwrap()];
        all.extend_from_slice(&args);
        let o = pollscope(&all);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(needle), "{args:?}: {err}");
    }
}

#[test]
fn quiet_keeps_warnings_on_stderr() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r");
    let workers = (std::thread::available_parallelism().unwrap().get() + 1).to_string();
    let output = pollscope_ok(&[
        "run",
        "two_futures",
        "--samples",
        "5",
        "--light-cost",
        "10us",
        "--workers",
        &workers,
        "--quiet",
        "--no-plots",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("warning: ") && stderr.contains("cores"),
        "{stderr}"
    );
}
