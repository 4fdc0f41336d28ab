//! Invariants that hold for every run, whatever the machine's load: checked
//! on the CSV files the binary writes for every built-in scenario.

mod common;

use std::collections::{BTreeMap, HashMap};

use common::{Table, builtins, num, run_small};

struct Results {
    runs: Table,
    futures: Table,
    samples: Table,
    polls: Table,
    threads: Table,
    histograms: Table,
}

/// Runs `pollscope run ARGS` with the small knobs and reads its CSV files.
fn run(args: &[&str]) -> (tempfile::TempDir, Results) {
    let dir = tempfile::tempdir().unwrap();
    let out = run_small(dir.path(), args);
    let read = |f: &str| Table::read(&out.join(f));
    let results = Results {
        runs: read("runs.csv"),
        futures: read("futures.csv"),
        samples: read("samples.csv"),
        polls: read("polls.csv"),
        threads: read("threads.csv"),
        histograms: read("histograms.csv"),
    };
    (dir, results)
}

type Row = HashMap<String, String>;
/// (future, metric) → rows of (percentile, value_ns, count).
type HistogramGroups = BTreeMap<(String, String), Vec<(f64, u64, u64)>>;

fn thread_kinds(r: &Results, run_id: &str) -> HashMap<u64, String> {
    r.threads
        .for_run(run_id)
        .map(|t| (num(t, "thread"), t["kind"].clone()))
        .collect()
}

fn check_run(r: &Results, run: &Row) {
    let run_id = run["run_id"].as_str();
    let samples_per_future = num(run, "samples");
    let futures: Vec<&Row> = r.futures.for_run(run_id).collect();
    let polls: Vec<&Row> = r.polls.for_run(run_id).collect();
    let samples: Vec<&Row> = r.samples.for_run(run_id).collect();
    let kinds = thread_kinds(r, run_id);
    assert!(!futures.is_empty(), "{run_id}: no futures");

    // Nothing lost: every producer has all its samples (services count
    // their events: see tests/services.rs), in order, and every future
    // completes exactly once, in its last poll.
    for f in futures.iter().filter(|f| f["kind"] == "producer") {
        let count = samples
            .iter()
            .filter(|s| s["future"] == f["future"])
            .count() as u64;
        assert_eq!(count, num(f, "planned_samples"), "{run_id} {}", f["future"]);
        assert!(num(f, "planned_samples") <= samples_per_future, "{run_id}");
    }
    for f in &futures {
        let name = &f["future"];
        let seqs: Vec<u64> = samples
            .iter()
            .filter(|s| &s["future"] == name)
            .map(|s| num(s, "seq"))
            .collect();
        assert_eq!(
            seqs,
            (0..seqs.len() as u64).collect::<Vec<_>>(),
            "{run_id} {name}: seq 0, 1, 2, …"
        );
        let fp: Vec<&&Row> = polls.iter().filter(|p| &p["future"] == name).collect();
        assert_eq!(fp.len() as u64, num(f, "polls"), "{run_id} {name}");
        let ready: Vec<bool> = fp.iter().map(|p| p["ready"] == "1").collect();
        assert_eq!(ready.iter().filter(|&&x| x).count(), 1, "{run_id} {name}");
        assert!(
            *ready.last().unwrap(),
            "{run_id} {name}: Ready is the last poll"
        );
        assert_eq!(num(f, "completed_ns"), num(fp.last().unwrap(), "end_ns"));
    }

    // Every thread that appears is listed, with a known kind; thread 0 is main.
    assert_eq!(kinds.get(&0).map(String::as_str), Some("main"), "{run_id}");
    for row in polls.iter().chain(samples.iter()) {
        let kind = kinds
            .get(&num(row, "thread"))
            .unwrap_or_else(|| panic!("{run_id}: unlisted thread"));
        assert!(
            kind.split('+')
                .all(|k| ["main", "worker", "blocking", "pool"].contains(&k)),
            "{run_id}: kind {kind}"
        );
    }

    // Polls: end ≥ start, and no two polls overlap on one thread. A wake
    // read after its poll's start (cross-core clock skew) is clamped by the
    // probe and counted: such clamps stay rare.
    let mut by_thread: BTreeMap<u64, Vec<(u64, u64)>> = BTreeMap::new();
    let clamps: u64 = futures.iter().map(|f| num(f, "wake_clamps")).sum();
    assert!(
        clamps * 100 <= polls.len() as u64,
        "{run_id}: {clamps} of {} wakes came after their poll's start",
        polls.len()
    );
    for p in &polls {
        let (start, end) = (num(p, "start_ns"), num(p, "end_ns"));
        assert!(end >= start, "{run_id}: poll ends before it starts");
        on_cpu_within_wall(run_id, "poll", p, start, end);
        by_thread
            .entry(num(p, "thread"))
            .or_default()
            .push((start, end));
    }
    for (thread, mut spans) in by_thread {
        spans.sort();
        for w in spans.windows(2) {
            assert!(
                w[0].1 <= w[1].0,
                "{run_id}: polls overlap on thread {thread}: {w:?}"
            );
        }
    }

    // Samples: inline and spawned steps lie inside a poll of their future on
    // the same thread; spawn_blocking steps on blocking threads, pool steps
    // on pool threads.
    for f in &futures {
        let name = &f["future"];
        let placement = f["placement"].as_str();
        // A service's samples are events spanning awaits (the invariant
        // covers producer steps only); their values are latencies ≥ 0.
        if f["kind"] == "service" {
            for s in samples.iter().filter(|s| &s["future"] == name) {
                assert!(s["value"].parse::<f64>().unwrap() >= 0.0, "{run_id} {name}");
                assert!(
                    s["cpu_ns"].is_empty(),
                    "{run_id} {name}: an event has no on-CPU time"
                );
            }
            continue;
        }
        let fp: Vec<(u64, u64, u64)> = polls
            .iter()
            .filter(|p| &p["future"] == name)
            .map(|p| (num(p, "start_ns"), num(p, "end_ns"), num(p, "thread")))
            .collect();
        for s in samples.iter().filter(|s| &s["future"] == name) {
            let (start, end, thread) = (num(s, "start_ns"), num(s, "end_ns"), num(s, "thread"));
            assert!(end >= start);
            on_cpu_within_wall(run_id, "sample", s, start, end);
            match placement {
                "spawn_blocking" => {
                    assert!(has_role(&kinds[&thread], "blocking"), "{run_id} {name}")
                }
                "pool" => assert!(has_role(&kinds[&thread], "pool"), "{run_id} {name}"),
                _ => assert!(
                    fp.iter()
                        .any(|&(ps, pe, pt)| pt == thread && ps <= start && end <= pe),
                    "{run_id} {name}: sample {} outside its polls",
                    s["seq"]
                ),
            }
            if placement == "block_in_place" {
                assert!(has_role(&kinds[&thread], "worker"), "{run_id} {name}");
            }
        }
        if placement == "inline" {
            assert!(
                fp.iter().all(|&(_, _, t)| t == 0),
                "{run_id} {name}: inline polls off thread 0"
            );
        }
    }

    // Runs: the makespan is the last completion; no schedule beats the
    // lower bound (costs never end early: cpu costs are bounded by the
    // thread's CPU clock, spin and sleep by the wall clock), so it is at
    // most the makespan (1 µs of rounding aside).
    let makespan_us = num(run, "makespan_us");
    let last_done = futures
        .iter()
        .map(|f| num(f, "completed_ns"))
        .max()
        .unwrap();
    assert_eq!(makespan_us, (last_done + 500) / 1000, "{run_id}");
    // A service workload's time goes to waits: it has no bound.
    let services = futures.iter().any(|f| f["kind"] == "service");
    assert_eq!(run["lower_bound_us"].is_empty(), services, "{run_id}");
    assert_eq!(run["efficiency"].is_empty(), services, "{run_id}");
    if !services {
        assert!(
            num(run, "lower_bound_us") <= makespan_us + 1,
            "{run_id}: lower bound {} above the makespan {makespan_us}",
            num(run, "lower_bound_us")
        );
    }
    // futures.csv's poll statistics are the nearest-rank quantiles of the
    // future's polls in polls.csv.
    for f in &futures {
        let mut durations: Vec<u64> = polls
            .iter()
            .filter(|p| p["future"] == f["future"])
            .map(|p| num(p, "end_ns") - num(p, "start_ns"))
            .collect();
        durations.sort_unstable();
        let rank = |q: f64| durations[((q * durations.len() as f64).ceil() as usize).max(1) - 1];
        assert_eq!(num(f, "poll_p50_ns"), rank(0.5), "{run_id} {}", f["future"]);
        assert_eq!(
            num(f, "poll_p99_ns"),
            rank(0.99),
            "{run_id} {}",
            f["future"]
        );
        assert_eq!(num(f, "poll_max_ns"), *durations.last().unwrap());
    }

    // Histograms: each metric's rows are cumulative and end at 100 %.
    let mut groups = HistogramGroups::new();
    for h in r.histograms.for_run(run_id) {
        groups
            .entry((h["future"].clone(), h["metric"].clone()))
            .or_default()
            .push((
                h["percentile"].parse().unwrap(),
                num(h, "value_ns"),
                num(h, "count"),
            ));
    }
    assert!(
        groups.contains_key(&("*".to_string(), "poll_duration".to_string())),
        "{run_id}"
    );
    assert!(
        groups.contains_key(&("*".to_string(), "sample_gap".to_string())),
        "{run_id}"
    );
    for ((future, metric), rows) in &groups {
        assert!(["poll_duration", "sched_delay", "sample_gap", "value"].contains(&metric.as_str()));
        for w in rows.windows(2) {
            assert!(
                w[0].0 <= w[1].0 && w[0].1 <= w[1].1 && w[0].2 <= w[1].2,
                "{run_id} {future} {metric}"
            );
        }
        assert_eq!(rows.last().unwrap().0, 100.0, "{run_id} {future} {metric}");
    }
    let total_polls = rows_total(&groups, "*", "poll_duration");
    assert_eq!(total_polls, polls.len() as u64, "{run_id}");
}

fn rows_total(groups: &HistogramGroups, future: &str, metric: &str) -> u64 {
    groups[&(future.to_string(), metric.to_string())]
        .last()
        .unwrap()
        .2
}

#[test]
fn every_builtin_scenario_keeps_the_invariants_multi_thread() {
    let all = builtins();
    let mut args = all.clone();
    args.extend_from_slice(&["--workers", "2", "--poll-cpu-time"]);
    let (_dir, r) = run(&args);
    assert_eq!(r.runs.rows.len(), all.len());
    for run in &r.runs.rows {
        check_run(&r, run);
    }
    // With polls measured, the probe's CPU of each thread and the runtime's
    // between its recorded work never exceed the kernel's (1 ms or 2 % of
    // clock granularity aside).
    for t in &r.threads.rows {
        let kernel = num(t, "cpu_time_ns");
        let accounted = num(t, "probe_cpu_ns") + num(t, "runtime_cpu_ns");
        assert!(accounted <= kernel + (kernel / 50).max(1_000_000), "{t:?}");
    }
    // two_futures: only thread 0 ever runs anything.
    let two = r
        .runs
        .rows
        .iter()
        .find(|r| r["scenario"] == "two_futures")
        .unwrap();
    assert!(r.polls.for_run(&two["run_id"]).all(|p| p["thread"] == "0"));
    assert!(
        r.samples
            .for_run(&two["run_id"])
            .all(|p| p["thread"] == "0")
    );
    // rayon_pool: pool threads are named and of kind pool.
    let rayon = r
        .runs
        .rows
        .iter()
        .find(|r| r["scenario"] == "rayon_pool")
        .unwrap();
    assert!(
        r.threads
            .for_run(&rayon["run_id"])
            .any(|t| t["kind"] == "pool" && t["name"].starts_with("pollscope-pool"))
    );
}

#[test]
fn every_builtin_scenario_keeps_the_invariants_current_thread() {
    // block_in_place needs worker threads, so it is left out here.
    let mut args: Vec<&str> = builtins()
        .into_iter()
        .filter(|s| *s != "block_in_place")
        .collect();
    let count = args.len();
    args.extend_from_slice(&["--flavor", "current_thread"]);
    let (_dir, r) = run(&args);
    assert_eq!(r.runs.rows.len(), count);
    for run in &r.runs.rows {
        check_run(&r, run);
        // Everything async runs on thread 0.
        assert!(
            r.polls.for_run(&run["run_id"]).all(|p| p["thread"] == "0"),
            "{}",
            run["run_id"]
        );
    }
}

/// A poll's or step's on-CPU time (when measured) fits inside its wall
/// time: the CPU clock is read inside the wall interval. The slack covers
/// the two clocks' conversions (50 ns plus 0.1 %); a clock read's own cost
/// (about 250 ns) would not fit in it.
fn on_cpu_within_wall(run_id: &str, what: &str, row: &Row, start: u64, end: u64) {
    if row["cpu_ns"].is_empty() {
        return;
    }
    let (cpu, wall) = (num(row, "cpu_ns"), end - start);
    assert!(
        cpu <= wall + 50 + wall / 1_000,
        "{run_id} {}: {what} on CPU {cpu} ns for {wall} ns of wall time",
        row["future"]
    );
}

/// Whether a threads.csv `kind` (roles joined by `+`) includes `role`.
fn has_role(kind: &str, role: &str) -> bool {
    kind.split('+').any(|k| k == role)
}
