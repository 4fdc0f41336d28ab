//! The pictures, the report and the Perfetto trace: structure, not pixels.

mod common;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use common::{Table, num, pollscope, pollscope_ok, run_small};

fn small_run(dir: &Path) -> PathBuf {
    run_small(
        dir,
        &[
            "two_futures",
            "spawn_task",
            "many_spawn_blocking",
            "--workers",
            "1,2",
        ],
    )
}

fn parse_svg(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    roxmltree::Document::parse(&text)
        .unwrap_or_else(|e| panic!("{} is not XML: {e}", path.display()));
    text
}

#[test]
fn plots_exist_parse_and_show_every_poll_and_future() {
    let dir = tempfile::tempdir().unwrap();
    let out = small_run(dir.path());
    let runs = Table::read(&out.join("runs.csv"));
    let futures = Table::read(&out.join("futures.csv"));
    let polls = Table::read(&out.join("polls.csv"));
    for run in &runs.rows {
        let id = &run["run_id"];
        for suffix in ["", "_zoom", "_latency"] {
            parse_svg(&out.join(format!("plots/{id}{suffix}.svg")));
        }
        let zoom = parse_svg(&out.join(format!("plots/{id}_zoom.svg")));
        let doc = roxmltree::Document::parse(&zoom).unwrap();
        // The zoom view shows its window in full detail: one bar per poll
        // that reaches into it.
        let data = doc
            .descendants()
            .find(|n| n.attribute("data-from-ns").is_some())
            .expect("the data layer names its window");
        let window = |a: &str| data.attribute(a).unwrap().parse::<u64>().unwrap();
        let (from, to) = (window("data-from-ns"), window("data-to-ns"));
        let makespan = futures
            .for_run(id)
            .map(|f| num(f, "completed_ns"))
            .max()
            .unwrap();
        assert!(
            from == 0 && to >= makespan / 100 && to <= makespan.max(1),
            "{id}: {from}..{to}"
        );
        let expected = polls
            .for_run(id)
            .filter(|p| num(p, "start_ns") <= to && num(p, "end_ns") >= from)
            .count();
        assert_eq!(
            common::poll_bars(&doc),
            expected,
            "{id}: poll bars in the zoom view"
        );
        for view in [String::new(), "_zoom".to_string()] {
            let svg = std::fs::read_to_string(out.join(format!("plots/{id}{view}.svg"))).unwrap();
            let doc = roxmltree::Document::parse(&svg).unwrap();
            for f in futures.for_run(id) {
                let labels = doc
                    .descendants()
                    .filter(|n| {
                        n.has_tag_name("text")
                            && n.text().map(str::trim) == Some(f["future"].as_str())
                    })
                    .count();
                assert_eq!(labels, 1, "{id}{view}: label of {}", f["future"]);
            }
        }
    }
    // Several worker counts of one scenario: a summary chart per scenario
    // that uses workers; two_futures runs on main alone and gets none.
    for scenario in ["spawn_task", "many_spawn_blocking"] {
        let svg = parse_svg(&out.join(format!("plots/{scenario}_summary.svg")));
        let doc = roxmltree::Document::parse(&svg).unwrap();
        let ticks: Vec<&str> = doc
            .descendants()
            .filter(|n| n.attribute("class") == Some("xticks"))
            .flat_map(|g| g.children().filter_map(|t| t.text()))
            .collect();
        assert_eq!(
            ticks,
            ["1", "2"],
            "{scenario}: one tick per measured worker count"
        );
    }
    assert!(!out.join("plots/two_futures_summary.svg").exists());
}

/// The (command, numbers) pairs of an SVG path's `d`.
fn path_commands(d: &str) -> Vec<(char, Vec<f64>)> {
    let mut commands: Vec<(char, Vec<f64>)> = Vec::new();
    let mut number = String::new();
    let flush = |number: &mut String, commands: &mut Vec<(char, Vec<f64>)>| {
        if !number.is_empty() {
            commands.last_mut().unwrap().1.push(number.parse().unwrap());
            number.clear();
        }
    };
    for c in d.chars() {
        if c.is_ascii_alphabetic() {
            flush(&mut number, &mut commands);
            commands.push((c, Vec::new()));
        } else if c == ' ' || c == ',' {
            flush(&mut number, &mut commands);
        } else {
            number.push(c);
        }
    }
    flush(&mut number, &mut commands);
    commands
}

#[test]
fn latency_cdfs_are_steps() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_small(dir.path(), &["cpu_intensive", "spawn_task"]);
    let runs = Table::read(&out.join("runs.csv"));
    for run in &runs.rows {
        let id = &run["run_id"];
        let svg = parse_svg(&out.join(format!("plots/{id}_latency.svg")));
        let doc = roxmltree::Document::parse(&svg).unwrap();
        let paths: Vec<&str> = doc
            .descendants()
            .filter(|n| n.has_tag_name("path") && n.attribute("class") == Some("cdf"))
            .map(|n| n.attribute("d").unwrap())
            .collect();
        assert!(!paths.is_empty(), "{id}: no CDF");
        for d in paths {
            let commands = path_commands(d);
            assert_eq!(commands[0].0, 'M', "{d}");
            assert!(
                commands[1..]
                    .iter()
                    .all(|(c, args)| matches!(c, 'H' | 'V') && args.len() == 1),
                "{id}: every segment is horizontal or vertical: {d}"
            );
            // A CDF only rises (y decreases on screen) and moves right.
            let ys: Vec<f64> = commands
                .iter()
                .filter(|c| c.0 == 'V')
                .map(|c| c.1[0])
                .collect();
            assert!(ys.windows(2).all(|w| w[1] <= w[0]), "{d}");
        }
        let ticks: Vec<String> = doc
            .descendants()
            .filter(|n| n.attribute("class") == Some("xticks"))
            .flat_map(|g| g.children().filter_map(|t| t.text().map(String::from)))
            .collect();
        assert!(
            ticks.iter().all(|t| t.starts_with("1")),
            "{id}: decade ticks only: {ticks:?}"
        );
    }
}

#[test]
fn index_html_is_self_contained_and_references_every_plot() {
    let dir = tempfile::tempdir().unwrap();
    let out = small_run(dir.path());
    let html = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(
        !html.contains("http"),
        "index.html must not reference any URL"
    );
    assert!(!html.contains("<script"), "no script");
    for entry in std::fs::read_dir(out.join("plots")).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        assert!(
            html.contains(&format!("plots/{name}")),
            "{name} not referenced"
        );
    }
    let runs = Table::read(&out.join("runs.csv"));
    for run in &runs.rows {
        assert!(html.contains(&format!("id=\"{}\"", run["run_id"])));
    }
    // Every in-page link lands on an anchor; the sections are linked.
    let ids: Vec<&str> = html
        .split("id=\"")
        .skip(1)
        .map(|s| &s[..s.find('"').unwrap()])
        .collect();
    let links: Vec<&str> = html
        .split("href=\"#")
        .skip(1)
        .map(|s| &s[..s.find('"').unwrap()])
        .collect();
    for link in &links {
        assert!(ids.contains(link), "#{link} has no anchor");
    }
    for section in [
        "about",
        "findings",
        "across-workers",
        "runs-in-detail",
        "tables",
        "traces",
        "top",
    ] {
        assert!(links.contains(&section), "no link to #{section}");
        assert!(ids.contains(&section), "no section #{section}");
    }
    // The report reads top-down: the introduction, the findings, the
    // pictures, then the tables and the truth check, folded.
    let at = |s: &str| html.find(s).unwrap_or_else(|| panic!("no {s}"));
    assert!(at("id=\"about\"") < at("id=\"findings\""));
    assert!(at("id=\"findings\"") < at("id=\"runs-in-detail\""));
    assert!(at("id=\"runs-in-detail\"") < at("<details id=\"runs\""));
    assert!(at("<details id=\"runs\"") < at("<details id=\"truth\""));
    assert!(html.contains("Look for:"));
    assert!(html.contains("href=\"trace.json\"") && html.contains("href=\"trace.pftrace\""));
    // Run ids in the findings link to their runs.
    let findings = &html[html.find("id=\"findings\"").unwrap()..html.find("id=\"truth\"").unwrap()];
    for run in &runs.rows {
        let id = &run["run_id"];
        if findings.contains(id.as_str()) {
            assert!(
                findings.contains(&format!("<a href=\"#{id}\"><code>{id}</code></a>")),
                "{id}"
            );
        }
    }
    assert!(html.contains("<th>samples</th><th>tasks</th>"));
    // No invisible grid lines: nothing is drawn in the background colour.
    assert!(!html.to_lowercase().contains("stroke=\"#1f2640\""));
}

#[test]
fn trace_json_has_a_track_per_thread_and_an_event_per_poll_and_sample() {
    let dir = tempfile::tempdir().unwrap();
    check_trace_json(&small_run(dir.path()), true);
}

/// The service workloads' events span awaits: on their futures' own
/// tracks, none of them overlaps another slice of its track unnested.
#[test]
fn trace_json_puts_service_events_on_their_futures_tracks() {
    let dir = tempfile::tempdir().unwrap();
    let mut args: Vec<&str> = common::services();
    args.extend(["--workers", "2"]);
    check_trace_json(&run_small(dir.path(), &args), false);
}

/// trace.json against the CSV files: a process per run, a named track per
/// thread, an event per poll and per sample, flows that pair up, and on
/// every thread track no two slices that overlap unless one holds the other;
/// with `wakes`, every run has woken polls (producers that yield do).
fn check_trace_json(out: &Path, wakes: bool) {
    let trace: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("trace.json")).unwrap()).unwrap();
    let events = trace["traceEvents"].as_array().unwrap();
    let runs = Table::read(&out.join("runs.csv"));
    let threads = Table::read(&out.join("threads.csv"));
    let polls = Table::read(&out.join("polls.csv"));
    let samples = Table::read(&out.join("samples.csv"));

    let mut process_names: HashMap<u64, String> = HashMap::new();
    for e in events
        .iter()
        .filter(|e| e["ph"] == "M" && e["name"] == "process_name")
    {
        process_names.insert(
            e["pid"].as_u64().unwrap(),
            e["args"]["name"].as_str().unwrap().to_string(),
        );
    }
    assert_eq!(process_names.len(), runs.rows.len());
    for (pid, run_id) in &process_names {
        let on = |e: &&serde_json::Value| e["pid"].as_u64() == Some(*pid);
        // A named track per thread, and per service future's events.
        let (event_tracks, thread_tracks): (Vec<&serde_json::Value>, Vec<&serde_json::Value>) =
            events
                .iter()
                .filter(on)
                .filter(|e| e["ph"] == "M" && e["name"] == "thread_name")
                .partition(|e| e["args"]["name"].as_str().unwrap().contains(" events"));
        assert_eq!(
            thread_tracks.len(),
            threads.for_run(run_id).count(),
            "{run_id}"
        );
        let thread_tids: Vec<u64> = thread_tracks
            .iter()
            .map(|e| e["tid"].as_u64().unwrap())
            .collect();
        assert!(
            event_tracks
                .iter()
                .all(|e| !thread_tids.contains(&e["tid"].as_u64().unwrap()))
        );
        let x: Vec<&serde_json::Value> = events
            .iter()
            .filter(on)
            .filter(|e| e["ph"] == "X")
            .collect();
        let poll_events = x.iter().filter(|e| e["cat"] == "poll").count();
        let sample_events = x.iter().filter(|e| e["cat"] == "sample").count();
        assert_eq!(poll_events, polls.for_run(run_id).count(), "{run_id}");
        assert_eq!(sample_events, samples.for_run(run_id).count(), "{run_id}");

        // Events of a track are in time order; every wake flow starts once
        // and ends once, on a poll, no earlier than it started.
        let mut last_ts: HashMap<u64, f64> = HashMap::new();
        let mut starts: HashMap<u64, f64> = HashMap::new();
        let mut ends: HashMap<u64, f64> = HashMap::new();
        for e in events.iter().filter(on).filter(|e| e["ph"] != "M") {
            let (tid, ts) = (e["tid"].as_u64().unwrap(), e["ts"].as_f64().unwrap());
            let last = last_ts.insert(tid, ts).unwrap_or(0.0);
            assert!(ts >= last, "{run_id} track {tid}: {ts} after {last}");
            let id = e["id"].as_u64();
            if e["ph"] == "s" {
                assert!(starts.insert(id.unwrap(), ts).is_none(), "flow id reused");
            } else if e["ph"] == "f" {
                assert_eq!(e["bp"], "e");
                assert!(ends.insert(id.unwrap(), ts).is_none(), "flow id reused");
            }
        }
        assert_eq!(
            starts.len(),
            ends.len(),
            "{run_id}: flow starts and ends pair up"
        );
        for (id, start) in &starts {
            assert!(
                ends.get(id).is_some_and(|end| end >= start),
                "{run_id}: flow {id}"
            );
        }
        let woken = polls
            .for_run(run_id)
            .filter(|p| !p["woken_ns"].is_empty() && p["poll"] != "0")
            .count();
        assert_eq!(ends.len(), woken, "{run_id}: a flow per woken poll");
        assert!(woken > 0 || !wakes, "{run_id}: no wakes");

        // No two X events on one track overlap unless one contains the other.
        let micros_to_ns = |v: &serde_json::Value| (v.as_f64().unwrap() * 1000.0).round() as i64;
        let mut tracks: BTreeMap<u64, Vec<(i64, i64)>> = BTreeMap::new();
        for e in &x {
            let start = micros_to_ns(&e["ts"]);
            tracks
                .entry(e["tid"].as_u64().unwrap())
                .or_default()
                .push((start, start + micros_to_ns(&e["dur"])));
        }
        for (tid, mut spans) in tracks {
            // Longest first at equal starts, so a container precedes its contents.
            spans.sort_by_key(|&(s, e)| (s, -e));
            let mut open: Vec<(i64, i64)> = Vec::new();
            for (s, e) in spans {
                while open.last().is_some_and(|&(_, oe)| oe <= s) {
                    open.pop();
                }
                if let Some(&(os, oe)) = open.last() {
                    assert!(
                        os <= s && e <= oe,
                        "{run_id} track {tid}: ({s},{e}) overlaps ({os},{oe})"
                    );
                }
                open.push((s, e));
            }
        }
    }
}

#[test]
fn plot_regenerates_pictures_from_the_csv_files() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_small(dir.path(), &["two_futures", "--no-plots"]);
    assert!(
        !out.join("index.html").exists()
            && !out.join("plots").exists()
            && !out.join("trace.json").exists()
    );
    pollscope_ok(&["plot", out.to_str().unwrap()]);
    assert!(out.join("index.html").exists() && out.join("trace.json").exists());
    let runs = Table::read(&out.join("runs.csv"));
    let id = &runs.rows[0]["run_id"];
    parse_svg(&out.join(format!("plots/{id}.svg")));
    parse_svg(&out.join(format!("plots/{id}_zoom.svg")));
}

#[test]
fn plot_of_a_missing_or_malformed_csv_exits_2_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_small(dir.path(), &["two_futures", "--no-plots"]);

    let missing = pollscope(&["plot", dir.path().join("nothing_here").to_str().unwrap()]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("nothing_here"));

    let polls = std::fs::read_to_string(out.join("polls.csv")).unwrap();
    let mut lines: Vec<String> = polls.lines().map(String::from).collect();
    let mut cells: Vec<&str> = lines[1].split(',').collect();
    cells[3] = "soon"; // start_ns
    lines[1] = cells.join(",");
    std::fs::write(out.join("polls.csv"), lines.join("\n")).unwrap();
    let malformed = pollscope(&["plot", out.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&malformed.stderr);
    assert_eq!(malformed.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("polls.csv") && !stderr.contains("panicked"),
        "{stderr}"
    );

    std::fs::write(out.join("polls.csv"), polls).unwrap();
    std::fs::remove_file(out.join("threads.csv")).unwrap();
    let gone = pollscope(&["plot", out.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&gone.stderr);
    assert_eq!(gone.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("threads.csv"), "{stderr}");
}

/// Loads index.html from disk in a real headless Chromium and checks the
/// screenshot is not blank. Ignored by a plain `cargo test`, as it needs
/// Chromium; `.ci/run` installs Chromium and runs it with `--ignored`.
/// Run this way, it fails when Chromium is missing.
#[test]
#[ignore = "needs chromium; .ci/run runs it"]
fn index_html_renders_in_headless_chromium() {
    let dir = tempfile::tempdir().unwrap();
    let out = small_run(dir.path());
    common::chromium_screenshot(&out.join("index.html"), dir.path());
}

/// Whether the picture's style fills `class` (`t<N> off`) with a pattern.
fn style_has_hatch(svg: &str, class: &str) -> bool {
    let thread = class.split_whitespace().next().unwrap();
    svg.contains(&format!(" .{thread}.off{{fill:url(#"))
}

#[test]
fn bars_show_their_off_cpu_part_and_traces_carry_cpu_ns() {
    let dir = tempfile::tempdir().unwrap();
    // sleep steps spend nearly all their wall time off the CPU.
    let out = run_small(
        dir.path(),
        &["two_futures", "--workers", "1", "--cost-kind", "sleep"],
    );
    let zoom =
        std::fs::read_to_string(out.join("plots/two_futures-w1-sleep60us-r0_zoom.svg")).unwrap();
    let doc = roxmltree::Document::parse(&zoom).unwrap();
    let faded: Vec<_> = doc
        .descendants()
        .filter(|n| {
            n.has_tag_name("rect") && n.attribute("class").is_some_and(|c| c.ends_with(" off"))
        })
        .collect();
    assert!(!faded.is_empty(), "no off-CPU extent drawn");
    let number =
        |n: roxmltree::Node<'_, '_>, a: &str| n.attribute(a).unwrap().parse::<f64>().unwrap();
    for rect in &faded {
        // Hatched by its thread's pattern: the share is split by height,
        // never by time, so a solid on-CPU part (if any) lies under the
        // hatched top at the same x and width.
        assert!(style_has_hatch(&zoom, rect.attribute("class").unwrap()));
        if let Some(solid) = rect.next_sibling_element().filter(|n| {
            n.has_tag_name("rect")
                && !n.attribute("class").unwrap().ends_with(" off")
                && n.attribute("x") == rect.attribute("x")
        }) {
            assert_eq!(solid.attribute("width"), rect.attribute("width"));
            let bottom = number(*rect, "y") + number(*rect, "height");
            assert!((number(solid, "y") - bottom).abs() <= 1.0);
        }
        let title = rect.descendants().find(|n| n.has_tag_name("title"));
        if let Some(title) = title {
            let text = title.text().unwrap();
            assert!(
                text.contains("on CPU") && text.contains("off CPU"),
                "{text}"
            );
        }
    }
    let trace = std::fs::read_to_string(out.join("trace.json")).unwrap();
    let json: serde_json::Value = serde_json::from_str(&trace).unwrap();
    let samples: Vec<&serde_json::Value> = json["traceEvents"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["cat"] == "sample")
        .collect();
    assert!(!samples.is_empty());
    assert!(samples.iter().all(|e| e["args"]["cpu_ns"].is_u64()));
}
