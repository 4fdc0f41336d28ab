//! Colours of a many-threaded run, chosen zoom windows, and the Perfetto
//! protobuf trace, checked through the library.

mod common;

use std::collections::{HashMap, HashSet};
use std::io::Read;

use common::{Table, run_small};
use pollscope::ThreadKind;
use pollscope::internals::write_pftrace;
use pollscope::{JourneyParams, builtin};
use pollscope::{PictureOptions, TimelineView, timeline_svg, write_pictures_with};
use pollscope::{RunResult, load_results};

/// A real many_spawn_blocking run whose steps are spread over 1 main, 2
/// worker and 25 blocking threads.
fn run_of_28_threads() -> RunResult {
    let params = JourneyParams {
        samples: 40,
        ..Default::default()
    };
    let mut trace = pollscope::run(&builtin("many_spawn_blocking", &params).unwrap(), 0).unwrap();
    let template = trace.threads[0].clone();
    trace.threads = (0..28u16)
        .map(|i| {
            let mut t = template.clone();
            t.index = i;
            t.os_thread_id = 1000 + u64::from(i);
            t.kind = match i {
                0 => ThreadKind::Main,
                1 | 2 => ThreadKind::Worker,
                _ => ThreadKind::Blocking,
            };
            t
        })
        .collect();
    let mut next = 0u16;
    for f in &mut trace.futures {
        for (i, p) in f.polls.iter_mut().enumerate() {
            p.thread = if f.name == "fut0" {
                0
            } else {
                1 + (i % 2) as u16
            };
        }
        for s in &mut f.samples {
            if f.name != "fut0" {
                s.thread = 3 + next % 25;
                next += 1;
            } else {
                s.thread = 0;
            }
        }
    }
    RunResult::new(trace)
}

#[test]
fn every_thread_of_a_28_thread_run_has_its_own_fill_and_legend_entry() {
    let result = run_of_28_threads();
    // The whole run in full detail: every bar drawn (the whole view bins
    // bars narrower than a pixel by their dominant thread).
    let view = TimelineView::Window {
        from_ns: 0,
        to_ns: result.analysis.makespan_ns,
    };
    let svg = timeline_svg(&result, view);
    let doc = roxmltree::Document::parse(&svg).unwrap();
    // Thread class → fill, from the picture's own style rules.
    let style: String = doc
        .descendants()
        .filter(|n| n.has_tag_name("style"))
        .filter_map(|n| n.text())
        .collect();
    let mut fills: HashMap<String, String> = HashMap::new();
    for rule in style.split('}') {
        if let Some((selector, body)) = rule.split_once('{')
            && let Some(class) = selector.split_whitespace().last()
            && let Some(color) = body.strip_prefix("fill:")
        {
            fills.insert(class.trim_start_matches('.').to_string(), color.to_string());
        }
    }
    // A bar's class is its thread's (`t<index>`), plus ` off` on the faded
    // off-CPU extent of a preempted or blocked step.
    let used: HashSet<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("rect"))
        .filter_map(|n| n.attribute("class"))
        .map(|c| c.trim_end_matches(" off"))
        .collect();
    assert_eq!(used.len(), 28, "bars of every thread: {used:?}");
    let distinct: HashSet<&String> = used.iter().map(|c| &fills[*c]).collect();
    assert_eq!(distinct.len(), 28, "a fill per thread");
    let legend = doc
        .descendants()
        .find(|n| n.attribute("class") == Some("legend"))
        .unwrap();
    let entries = legend
        .descendants()
        .filter(|n| n.has_tag_name("text") && n.text().is_some_and(|t| t.contains("· tid")))
        .count();
    assert_eq!(entries, 28, "a complete legend");
    let legend_fills: HashSet<&str> = legend
        .children()
        .filter(|n| n.has_tag_name("rect"))
        .filter_map(|n| n.attribute("fill"))
        .collect();
    assert!(legend_fills.len() >= 28);
    assert!(!svg.contains("more"), "no '+N more'");
}

#[test]
fn a_chosen_zoom_window_is_drawn_and_other_runs_are_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_small(dir.path(), &["two_futures", "spawn_task"]);
    let results = load_results(&out).unwrap();
    let ids: Vec<String> = results
        .iter()
        .map(|r| r.trace.info.run_id.clone())
        .collect();
    let untouched = out.join(format!("plots/{}_zoom.svg", ids[1]));
    let before = std::fs::read_to_string(&untouched).unwrap();
    let (from, to) = pollscope::parse_zoom("100us..300us").unwrap();
    let options = PictureOptions {
        zoom: Some((from.as_nanos() as u64, to.as_nanos() as u64)),
        runs: Some(vec![ids[0].clone()]),
        ..PictureOptions::default()
    };
    write_pictures_with(&out, &results, None, &options).unwrap();
    let zoom = std::fs::read_to_string(out.join(format!("plots/{}_zoom.svg", ids[0]))).unwrap();
    assert!(zoom.contains(r#"data-from-ns="100000" data-to-ns="300000""#));
    let polls = Table::read(&out.join("polls.csv"));
    let expected = polls
        .for_run(&ids[0])
        .filter(|p| {
            p["start_ns"].parse::<u64>().unwrap() <= 300_000
                && p["end_ns"].parse::<u64>().unwrap() >= 100_000
        })
        .count();
    let doc = roxmltree::Document::parse(&zoom).unwrap();
    assert_eq!(common::poll_bars(&doc), expected);
    assert_eq!(std::fs::read_to_string(&untouched).unwrap(), before);
    let html = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(html.contains(&format!("plots/{}_zoom.svg", ids[1])));
}

/// A protobuf message's fields: (number, varint or fixed64 value, or bytes).
fn fields(mut buf: &[u8]) -> Vec<(u64, Result<u64, &[u8]>)> {
    fn varint(buf: &mut &[u8]) -> u64 {
        let mut v = 0;
        for shift in (0..64).step_by(7) {
            let b = buf[0];
            *buf = &buf[1..];
            v |= u64::from(b & 0x7f) << shift;
            if b < 0x80 {
                break;
            }
        }
        v
    }
    let mut out = Vec::new();
    while !buf.is_empty() {
        let key = varint(&mut buf);
        match key & 7 {
            0 => out.push((key >> 3, Ok(varint(&mut buf)))),
            1 => {
                let (bytes, rest) = buf.split_at(8);
                out.push((key >> 3, Ok(u64::from_le_bytes(bytes.try_into().unwrap()))));
                buf = rest;
            }
            2 => {
                let len = varint(&mut buf) as usize;
                out.push((key >> 3, Err(&buf[..len])));
                buf = &buf[len..];
            }
            wire => panic!("unexpected wire type {wire}"),
        }
    }
    out
}

/// Every packet of a trace file, compressed ones unpacked.
fn packets(file: &[u8]) -> Vec<Vec<u8>> {
    let mut all = Vec::new();
    for (number, value) in fields(file) {
        assert_eq!(number, 1, "Trace holds packets only");
        let packet = value.unwrap_err();
        match fields(packet).iter().find(|f| f.0 == 50) {
            Some((_, compressed)) => {
                let mut inner = Vec::new();
                flate2::read::ZlibDecoder::new(compressed.unwrap_err())
                    .read_to_end(&mut inner)
                    .unwrap();
                all.extend(packets(&inner));
            }
            None => all.push(packet.to_vec()),
        }
    }
    all
}

/// Decoded by hand, with the field numbers of the encoder; the independent
/// check, with Perfetto's own generated protos against the CSV files, is
/// `scripts/check_pftrace.py`, run by `.ci/run`.
#[test]
fn pftrace_holds_a_slice_per_poll_and_sample_in_a_few_bytes_each() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_small(
        dir.path(),
        &[
            "two_futures",
            "spawn_task",
            "many_spawn_blocking",
            "tcp_echo",
        ],
    );
    let results = load_results(&out).unwrap();
    let path = dir.path().join("trace.pftrace");
    write_pftrace(&path, &results).unwrap();
    let file = std::fs::read(&path).unwrap();
    let events: usize = results.iter().map(|r| r.trace.events()).sum();

    let (mut begins, mut ends, mut threads) = (0, 0, 0);
    let mut cleared: HashSet<u64> = HashSet::new();
    let mut open: HashMap<u64, i64> = HashMap::new();
    // Names interned per sequence: every name is interned before its use.
    let mut interned: HashMap<u64, HashSet<u64>> = HashMap::new();
    let mut event_tracks = 0;
    for packet in packets(&file) {
        let f = fields(&packet);
        let get = |n: u64| f.iter().find(|x| x.0 == n).map(|x| &x.1);
        let seq = get(10).expect("every packet names its sequence").unwrap();
        if get(13) == Some(&Ok(1)) {
            cleared.insert(seq);
        } else {
            assert!(
                cleared.contains(&seq) || get(60).is_some(),
                "sequence {seq} used before it is cleared"
            );
        }
        if let Some(Err(descriptor)) = get(60) {
            let d = fields(descriptor);
            threads += usize::from(d.iter().any(|x| x.0 == 4));
            // A service future's own track: named `<future> events`.
            event_tracks += usize::from(
                d.iter()
                    .any(|x| x.0 == 2 && matches!(&x.1, Err(n) if n.ends_with(b" events"))),
            );
        }
        if let Some(Err(data)) = get(12) {
            for entry in fields(data).iter().filter(|x| x.0 == 2) {
                let Err(entry) = &entry.1 else {
                    panic!("an event name is a message")
                };
                let iid = fields(entry).iter().find(|x| x.0 == 1).unwrap().1.unwrap();
                interned.entry(seq).or_default().insert(iid);
            }
        }
        if let Some(Err(event)) = get(11) {
            let e = fields(event);
            if let Some(iid) = e.iter().find(|x| x.0 == 10) {
                let iid = iid.1.unwrap();
                assert!(
                    interned.get(&seq).is_some_and(|names| names.contains(&iid)),
                    "sequence {seq} uses name {iid} before interning it"
                );
            }
            let ty = e.iter().find(|x| x.0 == 9).unwrap().1.unwrap();
            let depth = open.entry(seq).or_default();
            match ty {
                1 => {
                    begins += 1;
                    *depth += 1;
                }
                2 => {
                    ends += 1;
                    *depth -= 1;
                    assert!(*depth >= 0, "end without begin on sequence {seq}");
                }
                _ => panic!("slice events only"),
            }
        }
    }
    assert_eq!(begins, events, "a begin per poll and sample");
    assert_eq!(ends, events, "an end per poll and sample");
    assert!(open.values().all(|&d| d == 0));
    let expected_threads: usize = results.iter().map(|r| r.trace.threads.len()).sum();
    assert_eq!(threads, expected_threads, "a thread track per thread");
    let service_futures: usize = results
        .iter()
        .flat_map(|r| &r.trace.futures)
        .filter(|f| f.kind.is_service() && !f.samples.is_empty())
        .count();
    assert!(service_futures > 0);
    assert_eq!(
        event_tracks, service_futures,
        "a track per service future's events"
    );
    let json = std::fs::metadata(out.join("trace.json")).unwrap().len();
    println!(
        "trace.pftrace: {} bytes for {events} events = {:.1} bytes/event (trace.json {:.1} bytes/event)",
        file.len(),
        file.len() as f64 / events as f64,
        json as f64 / events as f64
    );
}
