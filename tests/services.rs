//! The service workloads, run small: exact event counts per future,
//! latencies ≥ 0, a `value` histogram, every claim judged — on both
//! flavors. Timing verdicts are not asserted (a busy machine may flip them).

mod common;

use common::{SERVICES_SMALL, Table, num, pollscope_ok, services};

fn run(flavor: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r");
    let mut args = vec!["run"];
    let services = services();
    args.extend_from_slice(&services);
    args.extend_from_slice(SERVICES_SMALL);
    args.extend_from_slice(&["--flavor", flavor, "--out", out.to_str().unwrap()]);
    pollscope_ok(&args);
    (dir, out)
}

#[test]
fn every_workload_records_one_sample_per_event_and_is_judged() {
    for flavor in ["multi_thread", "current_thread"] {
        let (_dir, out) = run(flavor);
        let futures = Table::read(&out.join("futures.csv"));
        let samples = Table::read(&out.join("samples.csv"));
        let findings = Table::read(&out.join("findings.csv"));
        let histograms = Table::read(&out.join("histograms.csv"));
        let runs = Table::read(&out.join("runs.csv"));
        assert_eq!(runs.rows.len(), services().len());
        for run in &runs.rows {
            let id = &run["run_id"];
            // Events per future: a request, wake, item or acquisition each.
            let expected = |name: &str| match name {
                "server" | "source" | "receiver" => 0,
                "sink" if id.starts_with("fan_in") => 40,
                n if n.starts_with("sender") => 0,
                n if n.starts_with("handler") || n.starts_with("stage") => 0,
                n if n.starts_with("hog") => num(
                    futures.for_run(id).find(|f| f["future"] == n).unwrap(),
                    "planned_samples",
                ),
                _ => 20,
            };
            for f in futures.for_run(id) {
                let name = f["future"].as_str();
                let count = samples.for_run(id).filter(|s| s["future"] == name).count() as u64;
                assert_eq!(count, expected(name), "{id} {name}");
                assert_eq!(
                    f["kind"],
                    if name.starts_with("hog") {
                        "producer"
                    } else {
                        "service"
                    },
                    "{id} {name}"
                );
            }
            let verdicts: Vec<&String> = findings.for_run(id).map(|f| &f["verdict"]).collect();
            assert_eq!(verdicts.len(), 1, "{id}: one claim each");
            assert!(
                histograms
                    .for_run(id)
                    .any(|h| h["metric"] == "value" && h["future"] == "*"),
                "{id}"
            );
        }
        // Each client, timer, sink, locker and ticker records its latency
        // (the hogs are producers: their values are the sine).
        for s in samples
            .rows
            .iter()
            .filter(|s| !s["future"].starts_with("hog"))
        {
            assert!(s["value"].parse::<f64>().unwrap() >= 0.0, "{s:?}");
            assert!(s["cpu_ns"].is_empty(), "{s:?}");
        }
    }
}

#[test]
fn the_tasks_knob_sets_clients_timers_stages_lockers_and_senders() {
    let (_dir, out) = run("multi_thread");
    let futures = Table::read(&out.join("futures.csv"));
    let names =
        |run: &str| -> Vec<String> { futures.for_run(run).map(|f| f["future"].clone()).collect() };
    assert_eq!(
        names("tcp_echo-w2-cpu200us-r0").len(),
        // server, 2 clients, 2 handlers
        5
    );
    assert_eq!(
        names("channel_pipeline-w2-cpu200us-r0"),
        ["source", "stage1", "stage2", "sink"]
    );
    assert_eq!(
        names("mutex_contention-w2-cpu200us-r0"),
        ["locker1", "locker2"]
    );
    assert_eq!(
        names("fan_in-w2-cpu200us-r0"),
        ["sender1", "sender2", "receiver", "sink"]
    );
}
