//! Runtime configurations: smol beside tokio, tokio's knobs as axes, the
//! versions runs.csv records, and what `compare` says when folders differ
//! in them. Structure only: which executor wins is for the benches.

mod common;

use std::collections::HashMap;

use common::{SERVICES_SMALL, SMALL, Table, num, pollscope, pollscope_ok, run_small, services};
use pollscope::JOURNEY;

fn stderr(args: &[&str]) -> (i32, String) {
    let out = pollscope(args);
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn every_journey_scenario_runs_on_smol_with_exact_samples_and_thread_kinds() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_small(
        dir.path(),
        &["--executor", "smol", "--workers", "2", "--no-plots"],
    );
    let runs = Table::read(&out.join("runs.csv"));
    assert_eq!(runs.rows.len(), JOURNEY.len());
    for (row, scenario) in runs.rows.iter().zip(JOURNEY) {
        assert_eq!(row["run_id"], format!("{scenario}-w2-cpu60us-smol-r0"));
        assert_eq!(row["executor"], "smol");
        assert!(!row["smol_version"].is_empty());
        assert_eq!(
            row["tokio_version"], "",
            "tokio does not schedule a smol run"
        );
        assert_eq!(row["pollscope_version"], env!("CARGO_PKG_VERSION"));
        assert!(!row["kernel"].is_empty());
        assert_eq!(row["global_queue_interval"], "");
    }
    // Every future computed exactly its planned samples.
    let futures = Table::read(&out.join("futures.csv"));
    let samples = Table::read(&out.join("samples.csv"));
    let mut counted: HashMap<(String, String), u64> = HashMap::new();
    for s in &samples.rows {
        *counted
            .entry((s["run_id"].clone(), s["future"].clone()))
            .or_default() += 1;
    }
    for f in &futures.rows {
        let key = (f["run_id"].clone(), f["future"].clone());
        assert_eq!(counted[&key], num(f, "planned_samples"), "{key:?}");
        assert_eq!(num(f, "samples"), num(f, "planned_samples"), "{key:?}");
    }
    // Threads: main first, smol's workers, the `blocking` crate's threads
    // for spawn_blocking steps; no tokio thread.
    let threads = Table::read(&out.join("threads.csv"));
    for t in &threads.rows {
        assert!(!t["name"].starts_with("tokio"), "{t:?}");
        match t["kind"].as_str() {
            "main" => assert_eq!(t["thread"], "0", "{t:?}"),
            "worker" => assert!(t["name"].starts_with("pollscope-smol-"), "{t:?}"),
            "blocking" => assert!(t["run_id"].starts_with("many_spawn_blocking"), "{t:?}"),
            other => panic!("unexpected kind {other}: {t:?}"),
        }
    }
    let kinds = |run: &str| -> Vec<String> {
        threads
            .for_run(run)
            .map(|t| t["kind"].clone())
            .collect::<Vec<_>>()
    };
    assert!(kinds("many_spawn_blocking-w2-cpu60us-smol-r0").contains(&"blocking".to_string()));
    assert!(kinds("many_spawn_task-w2-cpu60us-smol-r0").contains(&"worker".to_string()));
    // The judged claims compare smol runs with smol runs.
    let findings = std::fs::read_to_string(out.join("findings.csv")).unwrap();
    assert!(
        findings.contains("in `cpu_intensive-w2-cpu60us-smol-r0`")
            || !findings.contains("spawn_task.restores,holds"),
        "{findings}"
    );
}

#[test]
fn smol_current_thread_runs_every_task_on_the_block_on_thread() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_small(
        dir.path(),
        &[
            "two_futures",
            "spawn_task",
            "--executor",
            "smol",
            "--flavor",
            "current_thread",
            "--no-plots",
        ],
    );
    let runs = Table::read(&out.join("runs.csv"));
    let ids: Vec<&str> = runs.rows.iter().map(|r| r["run_id"].as_str()).collect();
    assert_eq!(
        ids,
        [
            "two_futures-ct-cpu60us-smol-r0",
            "spawn_task-ct-cpu60us-smol-r0"
        ]
    );
    let threads = Table::read(&out.join("threads.csv"));
    assert!(
        threads.rows.iter().all(|t| t["kind"] == "main"),
        "only the block_on thread runs: {:?}",
        threads.rows
    );
}

#[test]
fn block_in_place_on_smol_is_refused_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r");
    let (code, err) = stderr(&[
        "run",
        "block_in_place",
        "--executor",
        "smol",
        "--samples",
        "5",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("smol has no equivalent"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(!out.exists(), "nothing is written for bad input");
}

#[test]
fn the_service_workloads_run_on_smol_with_its_own_sockets_and_timers() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r");
    let mut args = vec!["run"];
    let services = services();
    args.extend_from_slice(&services);
    args.extend_from_slice(SERVICES_SMALL);
    args.extend_from_slice(&[
        "--executor",
        "smol",
        "--workers",
        "2",
        "--out",
        out.to_str().unwrap(),
    ]);
    pollscope_ok(&args);
    let futures = Table::read(&out.join("futures.csv"));
    let samples = Table::read(&out.join("samples.csv"));
    let runs = Table::read(&out.join("runs.csv"));
    assert_eq!(runs.rows.len(), services.len());
    for run in &runs.rows {
        assert!(run["run_id"].ends_with("-smol-r0"), "{run:?}");
        for f in futures.for_run(&run["run_id"]) {
            if f["kind"] != "service" {
                continue;
            }
            let events: Vec<_> = samples
                .for_run(&run["run_id"])
                .filter(|s| s["future"] == f["future"])
                .collect();
            // Servers, handlers, sources, stages, senders and the
            // receiver record no events of their own; every other service
            // future records exactly one per request, tick, item, message
            // or acquisition (fan_in's sink one per message of its 2
            // senders).
            let role_records = ["client", "timer", "sink", "locker", "ticker"]
                .iter()
                .any(|p| f["future"].starts_with(p));
            let expected = if run["scenario"] == "fan_in" { 40 } else { 20 };
            if role_records {
                assert_eq!(events.len(), expected, "{}: {}", run["run_id"], f["future"]);
            }
            for e in events {
                assert!(e["value"].parse::<f64>().unwrap() >= 0.0, "{e:?}");
            }
        }
    }
    let findings = Table::read(&out.join("findings.csv"));
    // timers.lateness is about tokio's 1 ms tick: not judged on smol.
    assert!(
        findings
            .rows
            .iter()
            .all(|f| f["claim"] != "timers.lateness")
    );
    for claim in [
        "tcp_echo.round_trips",
        "channel_pipeline.in_order",
        "fan_in.throughput",
        "mutex_contention.waits",
        "starvation.ticker_starved",
    ] {
        assert!(
            findings.rows.iter().any(|f| f["claim"] == claim),
            "{claim} is judged on smol"
        );
    }
}

#[test]
fn tokio_knobs_are_axes_with_run_ids_and_columns() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_small(
        dir.path(),
        &[
            "two_futures",
            "--workers",
            "2",
            "--global-queue-interval",
            "default,7",
            "--event-interval",
            "31",
            "--thread-keep-alive",
            "50ms",
            "--executor",
            "tokio,smol",
            "--no-plots",
        ],
    );
    let runs = Table::read(&out.join("runs.csv"));
    let ids: Vec<&str> = runs.rows.iter().map(|r| r["run_id"].as_str()).collect();
    // tokio's knobs do not apply to smol: its run is made once, bare.
    assert_eq!(
        ids,
        [
            "two_futures-w2-cpu60us-ei31-ka50ms-r0",
            "two_futures-w2-cpu60us-gqi7-ei31-ka50ms-r0",
            "two_futures-w2-cpu60us-smol-r0",
        ]
    );
    let cells = |row: &HashMap<String, String>| {
        [
            "executor",
            "global_queue_interval",
            "event_interval",
            "thread_keep_alive_us",
        ]
        .map(|c| row[c].clone())
    };
    assert_eq!(cells(&runs.rows[0]), ["tokio", "", "31", "50000"]);
    assert_eq!(cells(&runs.rows[1]), ["tokio", "7", "31", "50000"]);
    assert_eq!(cells(&runs.rows[2]), ["smol", "", "", ""]);
    assert_eq!(runs.rows[0]["tokio_version"].split('.').count(), 3);
    // The folder reads back (plot re-renders from the CSV files).
    pollscope_ok(&["plot", out.to_str().unwrap()]);
}

#[test]
fn bad_knob_values_are_refused_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r");
    let out = out.to_str().unwrap();
    for (flag, value, needle) in [
        ("--global-queue-interval", "0", "at least 1"),
        ("--event-interval", "-3", "negative"),
        ("--executor", "async-std", "unknown executor"),
        ("--flavor", "multi_thread,nope", "unknown flavor"),
        ("--thread-keep-alive", "1500ns", "microseconds"),
        ("--workers", "default,0", "at least 1"),
        ("--thread-keep-alive", "50ms,1s", "one duration"),
    ] {
        let (code, err) = stderr(&["run", "two_futures", flag, value, "--out", out]);
        assert_eq!(code, 2, "{flag} {value}: {err}");
        assert!(err.contains(needle), "{flag} {value}: {err}");
    }
}

#[test]
fn toml_runtime_takes_the_executor_and_knobs() {
    let dir = tempfile::tempdir().unwrap();
    let write = |text: &str| {
        let path = dir.path().join("e.toml");
        std::fs::write(&path, text).unwrap();
        path
    };
    let body = "[[future]]\nname = \"f\"\nplacement = \"spawn\"\ncost = \"20us\"\n";
    let ok = write(&format!(
        "name = \"tuned\"\n[runtime]\nworkers = 2\nglobal_queue_interval = 5\nevent_interval = 9\nthread_keep_alive = \"2s\"\n{body}"
    ));
    let out = dir.path().join("r");
    pollscope_ok(&[
        "run",
        "--config",
        ok.to_str().unwrap(),
        "--samples",
        "5",
        "--quiet",
        "--no-plots",
        "--out",
        out.to_str().unwrap(),
    ]);
    let runs = Table::read(&out.join("runs.csv"));
    assert_eq!(
        runs.rows[0]["run_id"],
        "tuned-w2-cpu20us-gqi5-ei9-ka2000ms-r0"
    );
    let smol_with_knob = write(&format!(
        "name = \"x\"\n[runtime]\nexecutor = \"smol\"\nevent_interval = 9\n{body}"
    ));
    let (code, err) = stderr(&[
        "run",
        "--config",
        smol_with_knob.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("runtime.event_interval"), "{err}");
    assert!(err.contains("smol"), "{err}");
}

#[test]
fn compare_names_the_executor_and_warns_about_versions() {
    let dir = tempfile::tempdir().unwrap();
    let folder = |name: &str, executor: &str| {
        let out = dir.path().join(name);
        let mut args = vec![
            "run",
            "two_futures",
            "--workers",
            "1",
            "--executor",
            executor,
            "--no-plots",
            "--out",
            out.to_str().unwrap(),
        ];
        args.extend_from_slice(SMALL);
        pollscope_ok(&args);
        out
    };
    let tokio = folder("tokio", "tokio");
    let smol = folder("smol", "smol");
    let (code, err) = stderr(&["compare", tokio.to_str().unwrap(), smol.to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("executor: tokio in base, smol in new"),
        "{err}"
    );
    // The same configuration recorded under another kernel: compared, with
    // a warning naming the difference.
    let other = dir.path().join("other");
    std::fs::create_dir(&other).unwrap();
    for entry in std::fs::read_dir(&tokio).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_file() {
            std::fs::copy(entry.path(), other.join(entry.file_name())).unwrap();
        }
    }
    let runs = Table::read(&tokio.join("runs.csv"));
    let kernel = &runs.rows[0]["kernel"];
    let text = std::fs::read_to_string(other.join("runs.csv")).unwrap();
    std::fs::write(
        other.join("runs.csv"),
        text.replace(kernel.as_str(), "9.9.9-other"),
    )
    .unwrap();
    let out = pollscope(&["compare", tokio.to_str().unwrap(), other.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&out.stderr);
    // One repeat per side: compared, but not judged (exit 3).
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(err.contains("warning: the kernel differs"), "{err}");
    assert!(err.contains("9.9.9-other"), "{err}");
}

#[test]
fn summary_charts_take_any_axis_and_the_report_sets_executors_side_by_side() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_small(
        dir.path(),
        &[
            "spawn_task",
            "many_spawn_task",
            "--executor",
            "tokio,smol",
            "--workers",
            "1,2",
            "--global-queue-interval",
            "default,7",
        ],
    );
    // The default axis is workers; runs on two executors add an executor chart.
    for scenario in ["spawn_task", "many_spawn_task"] {
        for name in [
            format!("{scenario}_summary.svg"),
            format!("{scenario}_summary_by_executor.svg"),
        ] {
            let svg = std::fs::read_to_string(out.join("plots").join(&name)).unwrap();
            roxmltree::Document::parse(&svg).unwrap_or_else(|e| panic!("{name}: {e}"));
        }
    }
    let html = std::fs::read_to_string(out.join("index.html")).unwrap();
    let side = &html[html.find("id=\"executors\"").expect("an executors section")..];
    assert!(side.contains("smol makespan") && side.contains("tokio makespan"));
    assert!(side.contains("href=\"#many_spawn_task-w2-cpu60us-smol-r0\""));
    // Another axis on demand, one line per other setting.
    pollscope_ok(&[
        "plot",
        out.to_str().unwrap(),
        "--x",
        "global_queue_interval",
    ]);
    let svg = std::fs::read_to_string(
        out.join("plots/many_spawn_task_summary_by_global_queue_interval.svg"),
    )
    .unwrap();
    assert!(svg.contains("vs global_queue_interval"));
    assert!(
        svg.contains(">default<") && svg.contains(">7<"),
        "both values are categories"
    );
    let (code, err) = stderr(&["plot", out.to_str().unwrap(), "--x", "cores"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("unknown axis"), "{err}");
}

#[test]
fn the_scenarios_past_the_post_run_on_smol_too() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_small(
        dir.path(),
        &[
            "bounded_blocking",
            "rayon_pool",
            "no_yield",
            "--executor",
            "smol",
            "--workers",
            "2",
            "--no-plots",
        ],
    );
    let runs = Table::read(&out.join("runs.csv"));
    assert_eq!(runs.rows.len(), 3);
    let futures = Table::read(&out.join("futures.csv"));
    for f in &futures.rows {
        assert_eq!(num(f, "samples"), num(f, "planned_samples"), "{f:?}");
    }
    let threads = Table::read(&out.join("threads.csv"));
    let kinds = |run: &str| -> Vec<String> {
        threads
            .for_run(run)
            .map(|t| t["kind"].clone())
            .collect::<Vec<_>>()
    };
    assert!(kinds("bounded_blocking-w2-cpu60us-smol-r0").contains(&"blocking".to_string()));
    assert!(kinds("rayon_pool-w2-cpu60us-smol-r0").contains(&"pool".to_string()));
}

#[test]
fn tokio_knobs_without_a_tokio_run_are_refused_and_block_in_place_stays_on_tokio() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r");
    for flag in [
        ["--global-queue-interval", "7"],
        ["--max-blocking-threads", "4"],
    ] {
        let (code, err) = stderr(&[
            "run",
            "two_futures",
            "--executor",
            "smol",
            flag[0],
            flag[1],
            "--out",
            out.to_str().unwrap(),
        ]);
        assert_eq!(code, 2, "{flag:?}: {err}");
        assert!(err.contains("smol only"), "{flag:?}: {err}");
        assert!(!out.exists());
    }
    // In a matrix of both executors, block_in_place runs on tokio alone.
    let out = run_small(
        dir.path(),
        &[
            "block_in_place",
            "--executor",
            "tokio,smol",
            "--workers",
            "2",
            "--no-plots",
        ],
    );
    let runs = Table::read(&out.join("runs.csv"));
    let ids: Vec<&str> = runs.rows.iter().map(|r| r["run_id"].as_str()).collect();
    assert_eq!(ids, ["block_in_place-w2-cpu60us-r0"]);
}

#[test]
fn plot_says_when_an_axis_does_not_vary() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_small(
        dir.path(),
        &["many_spawn_task", "--workers", "1,2", "--no-plots"],
    );
    let (code, err) = stderr(&["plot", out.to_str().unwrap(), "--x", "event_interval", "-q"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("warning: --x event_interval"), "{err}");
}
