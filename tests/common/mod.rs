//! Helpers shared by the integration tests: run the binary, read CSV files.
#![allow(dead_code)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Runs `pollscope` with `args`.
pub fn pollscope(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pollscope"))
        .args(args)
        .output()
        .expect("the binary runs")
}

/// Runs `pollscope` and asserts it succeeded.
pub fn pollscope_ok(args: &[&str]) -> Output {
    let out = pollscope(args);
    assert!(
        out.status.success(),
        "pollscope {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// A CSV file as its header and rows of column → value.
pub struct Table {
    pub header: Vec<String>,
    pub rows: Vec<HashMap<String, String>>,
}

impl Table {
    pub fn read(path: &Path) -> Table {
        let mut reader =
            csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
        let rows = reader
            .records()
            .map(|r| {
                let r = r.unwrap();
                header
                    .iter()
                    .cloned()
                    .zip(r.iter().map(String::from))
                    .collect()
            })
            .collect();
        Table { header, rows }
    }

    pub fn for_run<'a>(
        &'a self,
        run_id: &'a str,
    ) -> impl Iterator<Item = &'a HashMap<String, String>> + 'a {
        self.rows.iter().filter(move |r| r["run_id"] == run_id)
    }
}

/// Parses a numeric cell.
pub fn num(row: &HashMap<String, String>, column: &str) -> u64 {
    row[column]
        .parse()
        .unwrap_or_else(|_| panic!("{column} = {:?} is not a number", row[column]))
}

/// The small knobs that keep tests fast.
pub const SMALL: &[&str] = &[
    "--samples",
    "12",
    "--light-cost",
    "20us",
    "--heavy-cost",
    "60us",
    "--tasks",
    "3",
    "--quiet",
];

/// Every built-in scenario's name, in `pollscope list` order.
pub fn builtins() -> Vec<&'static str> {
    pollscope::BUILTINS.iter().map(|b| b.name).collect()
}

/// The built-in service workloads: the scenarios with a service future
/// (whose samples are events with a latency, not producer steps).
pub fn services() -> Vec<&'static str> {
    let services: Vec<&'static str> = pollscope::BUILTINS
        .iter()
        .filter(|b| {
            (b.build)(&pollscope::JourneyParams::default())
                .futures
                .iter()
                .any(|f| f.role.is_service())
        })
        .map(|b| b.name)
        .collect();
    assert!(!services.is_empty(), "no built-in service workload");
    services
}

/// The built-in scenarios without a service future.
pub fn producer_builtins() -> Vec<&'static str> {
    let services = services();
    builtins()
        .into_iter()
        .filter(|name| !services.contains(name))
        .collect()
}

/// The small knobs of the service-workload tests (`--samples 20 --tasks 2`).
pub const SERVICES_SMALL: &[&str] = &[
    "--samples",
    "20",
    "--tasks",
    "2",
    "--light-cost",
    "50us",
    "--heavy-cost",
    "200us",
    "--quiet",
    "--no-plots",
];

/// Runs `pollscope run ARGS --out DIR/r` with the [`SMALL`] knobs, asserts
/// it succeeded, and returns `DIR/r`.
pub fn run_small(dir: &Path, args: &[&str]) -> PathBuf {
    let out = dir.join("r");
    let mut all = vec!["run"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--out", out.to_str().unwrap()]);
    all.extend_from_slice(SMALL);
    pollscope_ok(&all);
    out
}

/// The poll bars of a zoom SVG: a bar whose on-CPU time is short of its
/// wall time is drawn as a hatched top (class `off`) above a solid on-CPU
/// part at the same x (absent when it was off the CPU throughout), so a
/// bar is an `off` rect, or a solid rect not right after one at its x.
pub fn poll_bars(doc: &roxmltree::Document<'_>) -> usize {
    let off = |n: &roxmltree::Node<'_, '_>| n.attribute("class").unwrap_or("").ends_with(" off");
    doc.descendants()
        .filter(|n| n.has_tag_name("g") && n.attribute("class") == Some("p"))
        .map(|g| {
            let rects: Vec<_> = g.children().filter(|n| n.has_tag_name("rect")).collect();
            rects
                .iter()
                .enumerate()
                .filter(|(k, n)| {
                    off(n)
                        || *k == 0
                        || !(off(&rects[k - 1]) && rects[k - 1].attribute("x") == n.attribute("x"))
                })
                .count()
        })
        .sum()
}

/// A page's screenshot in a real headless Chromium: its pixels and the
/// bytes per pixel. Fails when Chromium is missing, or the screenshot is
/// (nearly) blank.
pub fn chromium_screenshot(page: &Path, dir: &Path) -> (Vec<u8>, usize) {
    let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .into_iter()
        .find(|p| Path::new(p).exists())
        .expect("chromium is not installed (apt-get install chromium; .ci/run does)");
    let shot = dir.join("shot.png");
    let profile = dir.join("profile");
    let status = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--window-size=1280,1600",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--screenshot={}", shot.display()))
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium runs");
    assert!(
        shot.exists(),
        "no screenshot: {}",
        String::from_utf8_lossy(&status.stderr)
    );
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&shot).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    buf.truncate(info.buffer_size());
    let channels = info.line_size / info.width as usize;
    let colors: std::collections::HashSet<&[u8]> = buf.chunks(channels).take(4_000_000).collect();
    assert!(
        colors.len() > 50,
        "the screenshot is (nearly) blank: {} colours",
        colors.len()
    );
    (buf, channels)
}

/// Sets every cell of `column` in the CSV file at `path` to `value`.
pub fn set_column(path: &Path, column: &str, value: &str) {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let header = reader.headers().unwrap().clone();
    let at = header.iter().position(|c| c == column).unwrap();
    let rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| {
            r.unwrap()
                .iter()
                .enumerate()
                .map(|(k, cell)| if k == at { value } else { cell }.to_string())
                .collect()
        })
        .collect();
    let mut writer = csv::Writer::from_path(path).unwrap();
    writer.write_record(&header).unwrap();
    rows.iter().for_each(|r| writer.write_record(r).unwrap());
    writer.flush().unwrap();
}
