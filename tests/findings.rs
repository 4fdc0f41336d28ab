//! Findings: every claim gets a verdict and numbers; missing companions are
//! `not applicable`; the truth columns are present. Timing verdicts are not
//! asserted (a busy machine may flip them).

mod common;

use std::path::{Path, PathBuf};

use common::{SMALL, Table, num, pollscope_ok};

const ALL: [&str; 9] = [
    "two_futures",
    "cpu_intensive",
    "spawn_task",
    "many_spawn_task",
    "many_spawn_blocking",
    "block_in_place",
    "bounded_blocking",
    "rayon_pool",
    "no_yield",
];

fn run(dir: &Path, scenarios: &[&str], extra: &[&str]) -> (PathBuf, String) {
    let out = dir.join("r");
    let mut args = vec!["run"];
    args.extend_from_slice(scenarios);
    args.extend_from_slice(&["--out", out.to_str().unwrap()]);
    // Not quiet: the terminal summary is checked too.
    args.extend(SMALL.iter().filter(|a| **a != "--quiet"));
    args.extend_from_slice(extra);
    let stdout = String::from_utf8(pollscope_ok(&args).stdout).unwrap();
    (out, stdout)
}

/// The finding lines of `findings.md` for `run_id`.
fn lines_for<'a>(md: &'a str, run_id: &str) -> Vec<&'a str> {
    md.lines()
        .filter(|l| l.starts_with("- ") && l.contains(&format!(" — `{run_id}`:")))
        .collect()
}

fn verdict_of(line: &str) -> &str {
    ["holds", "does not hold", "not applicable here"]
        .into_iter()
        .find(|v| line.starts_with(&format!("- {v} — ")))
        .unwrap_or_else(|| panic!("no verdict in {line:?}"))
}

#[test]
fn every_scenario_gets_a_verdict_with_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let (out, stdout) = run(dir.path(), &ALL, &["--workers", "2"]);
    let md = std::fs::read_to_string(out.join("findings.md")).unwrap();
    let runs = Table::read(&out.join("runs.csv"));
    for run in &runs.rows {
        let id = &run["run_id"];
        let lines = lines_for(&md, id);
        assert_eq!(lines.len(), 1, "{id}: {lines:?}");
        verdict_of(lines[0]);
        assert!(
            lines[0].chars().any(|c| c.is_ascii_digit()),
            "{id}: no numbers in {}",
            lines[0]
        );
        assert!(stdout.contains(id.as_str()), "terminal summary lacks {id}");
    }
    assert!(stdout.contains("findings: "), "{stdout}");
    // spawn_task has its cpu_intensive companion here, so with two cores
    // it is decided.
    if std::thread::available_parallelism().unwrap().get() >= 2 {
        let spawn = lines_for(&md, "spawn_task-w2-cpu60us-r0");
        assert_ne!(verdict_of(spawn[0]), "not applicable here", "{}", spawn[0]);
    }
    assert!(md.contains("## truth"));
    // The report carries the findings too.
    let html = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(html.contains("Findings") && html.contains("spawn_task-w2-cpu60us-r0"));
}

#[test]
fn a_claim_missing_its_companion_run_is_not_applicable_and_says_what_to_add() {
    let dir = tempfile::tempdir().unwrap();
    let (out, _) = run(dir.path(), &["spawn_task"], &["--workers", "2"]);
    let md = std::fs::read_to_string(out.join("findings.md")).unwrap();
    let lines = lines_for(&md, "spawn_task-w2-cpu60us-r0");
    assert_eq!(verdict_of(lines[0]), "not applicable here");
    assert!(lines[0].contains("cpu_intensive"), "{}", lines[0]);
}

#[test]
fn current_thread_runs_say_what_changes() {
    let dir = tempfile::tempdir().unwrap();
    let (out, _) = run(
        dir.path(),
        &["spawn_task", "cpu_intensive", "many_spawn_task"],
        &["--flavor", "current_thread"],
    );
    let md = std::fs::read_to_string(out.join("findings.md")).unwrap();
    for id in [
        "spawn_task-ct-cpu60us-r0",
        "cpu_intensive-ct-cpu60us-r0",
        "many_spawn_task-ct-cpu60us-r0",
    ] {
        let lines = lines_for(&md, id);
        assert!(
            lines.iter().any(|l| l.contains("polls ran off thread 0")),
            "{id}: {lines:?}"
        );
    }
    // Parallelism and worker claims cannot be decided on one thread.
    for id in ["spawn_task-ct-cpu60us-r0", "many_spawn_task-ct-cpu60us-r0"] {
        assert!(
            lines_for(&md, id)
                .iter()
                .any(|l| verdict_of(l) == "not applicable here"),
            "{id}"
        );
    }
}

#[test]
fn scenarios_past_the_post_use_the_expected_threads_and_kernel_times_are_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let (out, _) = run(
        dir.path(),
        &[
            "block_in_place",
            "bounded_blocking",
            "rayon_pool",
            "no_yield",
        ],
        &["--workers", "2"],
    );
    let threads = Table::read(&out.join("threads.csv"));
    let samples = Table::read(&out.join("samples.csv"));
    let futures = Table::read(&out.join("futures.csv"));
    assert!(threads.header.contains(&"cpu_time_ns".to_string()));
    for t in &threads.rows {
        assert!(
            !t["cpu_time_ns"].is_empty(),
            "kernel CPU time missing: {t:?}"
        );
        let _: u64 = t["cpu_time_ns"].parse().expect("a non-negative integer");
    }
    let kind = |run_id: &str, thread: u64| {
        threads
            .for_run(run_id)
            .find(|t| num(t, "thread") == thread)
            .map(|t| t["kind"].clone())
            .unwrap()
    };
    let expected = [
        ("block_in_place", "block_in_place", "worker"),
        ("bounded_blocking", "spawn_blocking", "blocking"),
        ("rayon_pool", "pool", "pool"),
    ];
    for (scenario, placement, thread_kind) in expected {
        let run_id = format!("{scenario}-w2-cpu60us-r0");
        let heavy: Vec<String> = futures
            .for_run(&run_id)
            .filter(|f| f["placement"] == placement)
            .map(|f| f["future"].clone())
            .collect();
        assert_eq!(heavy.len(), 3, "{run_id}");
        for s in samples
            .for_run(&run_id)
            .filter(|s| heavy.contains(&s["future"]))
        {
            assert_eq!(
                kind(&run_id, num(s, "thread")),
                thread_kind,
                "{run_id} {}",
                s["future"]
            );
        }
    }
    // no_yield: the hog never yields, so it completes in a single poll.
    let hog = futures
        .for_run("no_yield-w2-cpu60us-r0")
        .find(|f| f["future"] == "hog")
        .unwrap();
    assert_eq!(num(hog, "polls"), 1);
    // tokio's metrics are recorded per worker.
    let runs = Table::read(&out.join("runs.csv"));
    for r in &runs.rows {
        assert_eq!(
            r["tokio_worker_busy_ns"].split(';').count(),
            2,
            "{}",
            r["run_id"]
        );
        assert_eq!(
            r["tokio_worker_parks"].split(';').count(),
            2,
            "{}",
            r["run_id"]
        );
    }
}

#[test]
fn plot_rewrites_findings_from_the_csv_files() {
    let dir = tempfile::tempdir().unwrap();
    let (out, _) = run(dir.path(), &["two_futures"], &["--no-plots"]);
    let before = std::fs::read_to_string(out.join("findings.md")).unwrap();
    std::fs::remove_file(out.join("findings.md")).unwrap();
    pollscope_ok(&["plot", out.to_str().unwrap()]);
    let after = std::fs::read_to_string(out.join("findings.md")).unwrap();
    assert_eq!(before, after);
}
