//! Interference and throughput: every run records what the rest of the
//! machine did with the CPUs and what the run cost, in runs.csv; `plot`
//! reads them back, and a disturbed run's claims are all inconclusive.
//! Whether a real run is disturbed depends on the machine: only the
//! structure and the rule's direction are asserted.

mod common;

use std::path::{Path, PathBuf};

use common::{Table, num, pollscope, pollscope_ok};

/// A small many_spawn_task run (2 workers, 20 samples) in `dir/r`.
fn small_run(dir: &Path) -> PathBuf {
    let out = dir.join("r");
    pollscope_ok(&[
        "run",
        "many_spawn_task",
        "--workers",
        "2",
        "-n",
        "20",
        "--light-cost",
        "20us",
        "--heavy-cost",
        "60us",
        "--quiet",
        "--no-plots",
        "--out",
        out.to_str().unwrap(),
    ]);
    out
}

fn pct(row: &std::collections::HashMap<String, String>, column: &str) -> f64 {
    let value: f64 = row[column]
        .parse()
        .unwrap_or_else(|_| panic!("{column} = {:?} is not a number", row[column]));
    assert!((0.0..=100.0).contains(&value), "{column} = {value}");
    value
}

#[test]
fn a_run_writes_its_interference_and_throughput() {
    let dir = tempfile::tempdir().unwrap();
    let out = small_run(dir.path());
    let runs = Table::read(&out.join("runs.csv"));
    let samples = Table::read(&out.join("samples.csv"));
    assert_eq!(runs.rows.len(), 1);
    let run = &runs.rows[0];
    let id = &run["run_id"];
    // /proc/stat is readable on the machines the tests run on.
    let other = pct(run, "other_cpu_pct");
    let steal = pct(run, "steal_pct");
    let idle = pct(run, "idle_pct");
    let disturbed = run["disturbed"].as_str();
    assert!(disturbed == "0" || disturbed == "1", "{run:?}");
    // The rule judges each share less the reading's resolution: a
    // disturbed run is one the rule calls disturbed on its figures.
    assert!(
        disturbed == "0" || pollscope::Interference::rule(other, steal, idle),
        "{run:?}"
    );
    // Throughput: the run's samples, per second of makespan.
    let events = num(run, "events");
    assert_eq!(events, samples.for_run(id).count() as u64);
    assert!(events > 0);
    let per_s: f64 = run["events_per_s"].parse().unwrap();
    let makespan_s = num(run, "makespan_us") as f64 / 1e6;
    assert!(
        (per_s * makespan_s - events as f64).abs() <= 0.01 * events as f64,
        "{run:?}"
    );
    // CPU: the process's, per event.
    let cpu = num(run, "process_cpu_ns");
    assert!(cpu > 0);
    let per_event = num(run, "cpu_per_event_ns");
    assert!(per_event.abs_diff(cpu / events) <= 1, "{run:?}");
}

#[test]
fn plot_reads_the_columns_back_and_a_disturbed_run_decides_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = small_run(dir.path());
    // Mark the run disturbed, as a busy machine would have.
    let path = out.join("runs.csv");
    let mut table = csv::Reader::from_path(&path).unwrap();
    let header = table.headers().unwrap().clone();
    let mut row: Vec<String> = table
        .records()
        .next()
        .unwrap()
        .unwrap()
        .iter()
        .map(String::from)
        .collect();
    for (column, value) in [
        ("other_cpu_pct", "41.2"),
        ("steal_pct", "0"),
        ("idle_pct", "0.3"),
        ("disturbed", "1"),
    ] {
        let i = header.iter().position(|h| h == column).unwrap();
        row[i] = value.to_string();
    }
    let mut writer = csv::Writer::from_path(&path).unwrap();
    writer.write_record(&header).unwrap();
    writer.write_record(&row).unwrap();
    writer.flush().unwrap();
    drop(writer);

    pollscope_ok(&["plot", out.to_str().unwrap(), "--quiet"]);
    // runs.csv keeps its columns.
    let runs = Table::read(&path);
    assert_eq!(runs.rows[0]["other_cpu_pct"], "41.2");
    assert!(num(&runs.rows[0], "events") > 0);
    // Every claim re-judged from the folder is inconclusive, naming the
    // figures.
    let findings = Table::read(&out.join("findings.csv"));
    assert!(!findings.rows.is_empty());
    for f in &findings.rows {
        assert_eq!(f["verdict"], "inconclusive", "{f:?}");
        assert_eq!(
            f["reason"],
            "the machine was disturbed: other processes took 41.2 % of the CPU (idle 0.3 %), steal 0.0 %"
        );
    }
    let md = std::fs::read_to_string(out.join("findings.md")).unwrap();
    let top: String = md.lines().take(4).collect::<Vec<_>>().join("\n");
    assert!(top.contains("The machine was disturbed"), "{md}");
    let html = std::fs::read_to_string(out.join("index.html")).unwrap();
    let banner = html.find("class=\"disturbed\"").expect("a banner");
    assert!(
        banner < html.find("id=\"runs\"").unwrap(),
        "the banner comes before the runs"
    );

    // A percentage beyond 100 is bad input, named.
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replace(",41.2,", ",141.2,")).unwrap();
    let output = pollscope(&["plot", out.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("runs.csv:2: other_cpu_pct"), "{stderr}");
}

#[test]
fn a_library_session_measures_its_interval_too() {
    let session = pollscope::Session::start("interference_session").unwrap();
    futures::executor::block_on(session.instrument("work", async {
        for i in 0..5 {
            pollscope::sample(f64::from(i));
        }
    }));
    let result = session.finish().unwrap();
    let info = &result.trace.info;
    assert!(info.process_cpu_ns.is_some());
    // The run stage judges each share less the reading's resolution, so a
    // disturbed session is one the rule calls disturbed on its figures.
    if let Some(i) = info.interference {
        assert!(
            !i.disturbed || pollscope::Interference::rule(i.other_cpu_pct, i.steal_pct, i.idle_pct),
            "{i:?}"
        );
    }
    let throughput = &result.analysis.throughput;
    assert_eq!(throughput.events, 5);
    assert_eq!(throughput.process_cpu_ns, info.process_cpu_ns);
}
