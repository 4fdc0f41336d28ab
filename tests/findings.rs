//! Findings: every claim gets a verdict and numbers; missing companions are
//! `not applicable`; the truth columns are present. Timing verdicts are not
//! asserted (a busy machine may flip them).

mod common;

use std::path::{Path, PathBuf};

use common::{SMALL, Table, num, pollscope_ok, producer_builtins};

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

/// A finding's verdict (as findings.md spells it) and reason on the run's
/// numbers alone: on a run the machine disturbed, every claim is
/// inconclusive and its evidence keeps what the numbers said.
fn alone(f: &std::collections::HashMap<String, String>) -> (String, String) {
    if f["verdict"] == "inconclusive" && f["reason"].starts_with("the machine was disturbed: ") {
        let said = f["evidence"]
            .strip_prefix("on its numbers alone: ")
            .unwrap_or_else(|| panic!("{f:?}"));
        let verdict = [
            "not applicable here",
            "does not hold",
            "inconclusive",
            "holds",
        ]
        .into_iter()
        .find(|v| said.starts_with(v))
        .unwrap_or_else(|| panic!("{f:?}"));
        return (verdict.to_string(), said[verdict.len()..].to_string());
    }
    (
        f["verdict"]
            .replace('_', " ")
            .replace("not applicable", "not applicable here"),
        f["reason"].clone(),
    )
}

const VERDICTS: [&str; 4] = ["holds", "does_not_hold", "inconclusive", "not_applicable"];

/// The rows of findings.csv for `run_id`.
fn findings_of(out: &Path, run_id: &str) -> Vec<std::collections::HashMap<String, String>> {
    Table::read(&out.join("findings.csv"))
        .for_run(run_id)
        .cloned()
        .collect()
}

#[test]
fn every_claim_of_every_run_gets_a_verdict_and_every_non_holding_one_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    // The service workloads' claims are judged in tests/services.rs.
    let all = producer_builtins();
    let (out, stdout) = run(dir.path(), &all, &["--workers", "2"]);
    let table = Table::read(&out.join("findings.csv"));
    assert_eq!(
        table.header,
        ["run_id", "claim", "verdict", "reason", "evidence"]
    );
    let runs = Table::read(&out.join("runs.csv"));
    assert_eq!(runs.rows.len(), all.len());
    for run in &runs.rows {
        let id = &run["run_id"];
        let rows = findings_of(&out, id);
        assert!(!rows.is_empty(), "{id} has no finding");
        for f in &rows {
            assert!(VERDICTS.contains(&f["verdict"].as_str()), "{f:?}");
            assert!(
                f["claim"].starts_with(&format!("{}.", run["scenario"])),
                "{id}: claim {} is not its scenario's",
                f["claim"]
            );
            assert_eq!(f["verdict"] == "holds", f["reason"].is_empty(), "{f:?}");
            if f["verdict"] != "not_applicable" {
                assert!(!f["evidence"].is_empty(), "{f:?}");
            }
            // The terminal shows each non-holding verdict's reason; the
            // claims of disturbed runs collapse into one line (`--verbose`
            // lists them).
            if run["disturbed"] == "1" {
                assert!(stdout.contains("disturbed run(s):"), "{stdout}");
            } else if f["verdict"] != "holds" {
                assert!(stdout.contains(&f["reason"]), "{f:?} not in {stdout}");
            }
        }
        assert!(stdout.contains(id.as_str()), "terminal summary lacks {id}");
    }
    // many_spawn_task makes three claims.
    let claims: Vec<String> = findings_of(&out, "many_spawn_task-w2-cpu60us-r0")
        .iter()
        .map(|f| f["claim"].clone())
        .collect();
    assert_eq!(
        claims,
        [
            "many_spawn_task.tasks_wait",
            "many_spawn_task.migrate",
            "many_spawn_task.fut0_not_slowed"
        ]
    );
    let md = std::fs::read_to_string(out.join("findings.md")).unwrap();
    assert!(md.contains("## truth"));
    let html = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(html.contains("Findings") && html.contains("spawn_task-w2-cpu60us-r0"));
}

#[test]
fn a_claim_missing_its_companion_run_is_not_applicable_and_says_what_to_add() {
    let dir = tempfile::tempdir().unwrap();
    let (out, _) = run(dir.path(), &["spawn_task"], &["--workers", "2"]);
    let rows = findings_of(&out, "spawn_task-w2-cpu60us-r0");
    let restores = rows
        .iter()
        .find(|f| f["claim"] == "spawn_task.restores")
        .unwrap();
    // A run the machine disturbed is inconclusive, its own verdict kept in
    // the evidence.
    let (verdict, why) = alone(restores);
    assert_eq!(verdict, "not applicable here", "{restores:?}");
    assert!(why.contains("cpu_intensive"), "{restores:?}");
}

#[test]
fn current_thread_runs_are_judged_by_the_claims_about_current_thread() {
    let dir = tempfile::tempdir().unwrap();
    let (out, _) = run(
        dir.path(),
        &["spawn_task", "cpu_intensive", "many_spawn_task"],
        &["--flavor", "current_thread"],
    );
    for id in [
        "spawn_task-ct-cpu60us-r0",
        "cpu_intensive-ct-cpu60us-r0",
        "many_spawn_task-ct-cpu60us-r0",
    ] {
        let rows = findings_of(&out, id);
        // Every poll on the block_on thread: what current_thread is.
        let one = rows
            .iter()
            .find(|f| f["claim"] == "current_thread.one_thread")
            .unwrap_or_else(|| panic!("{id}: {rows:?}"));
        assert_eq!(alone(one).0, "holds", "{one:?}");
        // Claims about worker threads are not made on one thread.
        assert!(
            rows.iter()
                .all(|f| f["claim"] != "spawn_task.restores"
                    && f["claim"] != "many_spawn_task.migrate"),
            "{id}: {rows:?}"
        );
    }
}

#[test]
fn an_experiment_named_like_a_built_in_is_not_judged_by_the_posts_claims() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("e.toml");
    std::fs::write(
        &config,
        "name = \"two_futures\"\n[runtime]\nworkers = 1\n[[future]]\nname = \"fut\"\nplacement = \"inline\"\ncost = \"10us\"\ncount = 2\n",
    )
    .unwrap();
    let out = dir.path().join("r");
    pollscope_ok(&[
        "run",
        "--config",
        config.to_str().unwrap(),
        "--samples",
        "5",
        "--quiet",
        "--no-plots",
        "--out",
        out.to_str().unwrap(),
    ]);
    let runs = Table::read(&out.join("runs.csv"));
    assert_eq!(runs.rows[0]["origin"], "file");
    assert_eq!(runs.rows[0]["light_cost_us"], "", "no invented knobs");
    assert!(Table::read(&out.join("findings.csv")).rows.is_empty());
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
            let kind = kind(&run_id, num(s, "thread"));
            assert!(
                kind.split('+').any(|k| k == thread_kind),
                "{run_id} {}: {kind}",
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
