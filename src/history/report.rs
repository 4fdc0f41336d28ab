//! `history report`: one self-contained HTML page (inline SVG, no
//! scripts, no external resources) with a trend chart per configuration
//! and metric worth showing.
//!
//! A chart is a configuration's metric over the labels, on every machine
//! that ran it (a change of machine is a break in the chart). It is shown
//! when the metric has values at two labels or more and either a change
//! point, or label medians that span more than the metric's floor and
//! more than [`FLAT_PCT`] % of their median; the others (flat, or a
//! single label) are counted on the page, not drawn.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Component, Path, PathBuf};

use super::change_points::{ALPHA, change_points};
use super::load::{History, Series};
use super::trend_chart::{Dots, Line, Tick, Trend};
use crate::error::{Error, Result};
use crate::render::escape;

/// The default folder.
pub(crate) const DEFAULT_OUT: &str = "results/history";

/// Label medians spanning at most this share of their median (and no
/// change point) make a flat chart, not drawn: `compare`'s default
/// threshold, so a chart is drawn when two labels could differ by what
/// `compare` and `history check` would call a change.
pub(crate) const FLAT_PCT: f64 = 10.0;

/// One chart with what the page says around it.
struct Chart {
    configuration: String,
    metric: String,
    trend: Trend,
    change_points: usize,
}

/// What the page counts.
#[derive(Default)]
struct Counts {
    shown: usize,
    flat: usize,
    single: usize,
}

/// Writes the report of `history` into `out` (a folder pollscope writes
/// whole, as `run --out`: absent, empty or its own); returns the page.
pub(crate) fn write(history: &History, db: &Path, out: &Path) -> Result<PathBuf> {
    if out.join("runs.csv").exists() {
        return Err(Error::bad_input(format!(
            "{}: a run's result folder; the history report needs a folder of its own \
             (--out DIR, default {DEFAULT_OUT})",
            crate::error::shown_path(out)
        )));
    }
    let folder = crate::export::ResultFolder::create(out)?;
    let page_dir = absolute(folder.target());
    let ticks = ticks(history, &page_dir);
    let (charts, counts) = charts(history, &ticks);
    let html = page(history, db, &charts, &counts, &page_dir);
    let path = folder.path().join("index.html");
    std::fs::write(&path, html).map_err(|e| Error::io(&path, e))?;
    Ok(folder.commit()?.join("index.html"))
}

/// Every chart worth showing, by configuration then metric.
fn charts(history: &History, ticks: &[Tick]) -> (Vec<Chart>, Counts) {
    let mut groups: BTreeMap<&crate::compare::ConfigKey, Vec<&Series>> = BTreeMap::new();
    for s in &history.series {
        groups.entry(&s.config).or_default().push(s);
    }
    let mut counts = Counts::default();
    let mut out = Vec::new();
    for group in groups.values() {
        let mut metrics: Vec<&str> = Vec::new();
        for s in group {
            for m in &s.metrics {
                if !metrics.contains(&m.name.as_str()) {
                    metrics.push(&m.name);
                }
            }
        }
        for metric in metrics {
            match chart(group, metric, ticks) {
                Some(c) if c.change_points > 0 || !flat(&c.trend) => {
                    counts.shown += 1;
                    out.push(c);
                }
                Some(_) => counts.flat += 1,
                None => counts.single += 1,
            }
        }
    }
    (out, counts)
}

/// Every label, linked to the first of its result folders that still
/// exists.
fn ticks(history: &History, page_dir: &Path) -> Vec<Tick> {
    history
        .labels
        .iter()
        .map(|l| Tick {
            name: l.name.clone(),
            href: l.sources.iter().find_map(|s| link(s, page_dir)),
        })
        .collect()
}

/// The labels in order: commit, and each result folder (a link where it
/// still exists).
fn label_table(out: &mut String, history: &History, page_dir: &Path) {
    let rows: Vec<String> = history
        .labels
        .iter()
        .map(|l| {
            let folders: Vec<String> = l
                .sources
                .iter()
                .map(|s| match link(s, page_dir) {
                    Some(href) => format!("<a href=\"{}\">{}</a>", escape(&href), escape(s)),
                    None => format!("{} <span class=\"muted\">(gone)</span>", escape(s)),
                })
                .collect();
            format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(&l.name),
                escape(&l.commit),
                folders.join(", ")
            )
        })
        .collect();
    let _ = writeln!(
        out,
        "<details><summary>Labels ({}), in the order they were first added</summary><table>\
         <tr><th>label</th><th>commit</th><th>result folders</th></tr>{}</table></details>",
        rows.len(),
        rows.join("")
    );
}

/// Whether the label medians of every line span at most the floor or
/// [`FLAT_PCT`] % of their median.
fn flat(trend: &Trend) -> bool {
    trend.lines.iter().all(|line| {
        let mut medians: Vec<f64> = line
            .points
            .iter()
            .map(|d| d.median)
            .filter(|m| m.is_finite())
            .collect();
        let mid = crate::common::stats::median_f64(&mut medians).unwrap_or(0.0);
        let (lo, hi) = (
            medians.first().copied().unwrap_or(0.0),
            medians.last().copied().unwrap_or(0.0),
        );
        let span = hi - lo;
        span <= trend.unit.floor() || span <= mid.abs() * FLAT_PCT / 100.0
    })
}

/// The chart of `metric` over the series of one configuration; `None`
/// where it has values at fewer than two labels.
fn chart(group: &[&Series], metric: &str, all_ticks: &[Tick]) -> Option<Chart> {
    let mut labels: Vec<usize> = Vec::new();
    let mut unit = None;
    for s in group {
        let Some(m) = s.metrics.iter().position(|x| x.name == metric) else {
            continue;
        };
        unit = Some(s.metrics[m].unit);
        for p in &s.points {
            if !p.values(m, true).is_empty() {
                labels.push(p.label);
            }
        }
    }
    labels.sort_unstable();
    labels.dedup();
    let unit = unit?;
    if labels.len() < 2 {
        return None;
    }
    let x_of = |label: usize| labels.binary_search(&label).unwrap_or(0);
    let mut lines = Vec::new();
    let mut machines: Vec<Vec<usize>> = vec![Vec::new(); labels.len()];
    for (k, s) in group.iter().enumerate() {
        let Some(m) = s.metrics.iter().position(|x| x.name == metric) else {
            continue;
        };
        let line = line(s, m, &x_of);
        for d in &line.points {
            machines[d.x].push(k);
        }
        lines.push(line);
    }
    let breaks = (1..labels.len())
        .filter(|&i| !machines[i].is_empty() && machines[i] != machines[i - 1])
        .collect();
    let change_points = lines.iter().map(|l| l.change_points.len()).sum();
    Some(Chart {
        configuration: group[0].info.description.clone(),
        metric: metric.to_string(),
        trend: Trend {
            ticks: labels
                .iter()
                .map(|&l| Tick {
                    name: all_ticks[l].name.clone(),
                    href: all_ticks[l].href.clone(),
                })
                .collect(),
            unit,
            lines,
            breaks,
        },
        change_points,
    })
}

/// One series' points and change points, at x indices.
fn line(s: &Series, m: usize, x_of: &dyn Fn(usize) -> usize) -> Line {
    let floor = s.metrics[m].unit.floor();
    let mut points = Vec::new();
    let mut judged: Vec<(usize, Vec<f64>)> = Vec::new();
    for p in &s.points {
        let runs: Vec<(f64, bool)> = p
            .runs
            .iter()
            .filter_map(|r| Some((r.values.get(m).copied().flatten()?, r.disturbed)))
            .collect();
        if runs.is_empty() {
            continue;
        }
        let mut clean = p.values(m, false);
        let median = crate::common::stats::median_f64(&mut clean.clone()).unwrap_or(f64::NAN);
        if !clean.is_empty() {
            judged.push((x_of(p.label), std::mem::take(&mut clean)));
        }
        points.push(Dots {
            x: x_of(p.label),
            runs,
            median,
        });
    }
    let values: Vec<Vec<f64>> = judged.iter().map(|(_, v)| v.clone()).collect();
    let change_points = change_points(&values, floor)
        .into_iter()
        .map(|c| (judged[c.at].0, c))
        .collect();
    Line {
        machine: format!(
            "{} · {} cores · {}",
            s.info.cpu_model, s.info.cores, s.info.kernel
        ),
        points,
        change_points,
    }
}

/// A label's result folder `source` (as given to `add`; relative to the
/// current folder), as a link from `page_dir` to its index.html (or the
/// folder), when it still holds a runs.csv.
fn link(source: &str, page_dir: &Path) -> Option<String> {
    let folder = absolute(Path::new(source));
    if !folder.join("runs.csv").is_file() {
        return None;
    }
    let target = if folder.join("index.html").is_file() {
        folder.join("index.html")
    } else {
        folder
    };
    Some(relative(&target, page_dir).display().to_string())
}

/// `path` made absolute against the current folder, `.` and `..` folded.
fn absolute(path: &Path) -> PathBuf {
    let joined = std::env::current_dir().unwrap_or_default().join(path);
    let mut out = PathBuf::new();
    for c in joined.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            c => out.push(c),
        }
    }
    out
}

/// `target` relative to the folder `from` (both absolute).
fn relative(target: &Path, from: &Path) -> PathBuf {
    let (t, f): (Vec<_>, Vec<_>) = (target.components().collect(), from.components().collect());
    let common = t.iter().zip(&f).take_while(|(a, b)| a == b).count();
    let mut out = PathBuf::new();
    for _ in common..f.len() {
        out.push("..");
    }
    for c in &t[common..] {
        out.push(c);
    }
    out
}

const STYLE: &str = r#"
body{margin:0;padding:24px 32px;background:#151a2e;color:#dde1ea;font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif}
h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:30px 0 8px;border-bottom:1px solid #3a4363;padding-bottom:4px}
h3{font-size:15px;margin:16px 0 4px;font-weight:600}a{color:#8fb4c8}.muted{color:#8a93a8}
table{border-collapse:collapse;margin:8px 0 16px;font-variant-numeric:tabular-nums}
th,td{padding:3px 10px;border-bottom:1px solid #2c3452;text-align:left}th{color:#aab3c8;font-weight:600}
figure{margin:6px 0 18px}figure svg{width:100%;height:auto;display:block;border-radius:6px}
"#;

/// The page.
fn page(
    history: &History,
    db: &Path,
    charts: &[Chart],
    counts: &Counts,
    page_dir: &Path,
) -> String {
    let mut out = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>pollscope history</title><style>{STYLE}</style></head><body>\n\
         <h1>pollscope history</h1>\n<p class=\"muted\">{} · {} label(s) · {} series · \
         {} chart(s) shown; {} flat (label medians within the metric's floor or {FLAT_PCT} % \
         of their median, no change point) and {} with fewer than two labels not drawn. \
         Dots: each label's repeats (hollow: disturbed); line: their median (undisturbed); \
         red: a change point with its size and confidence (E-Divisive means, Student's \
         t-test, Bonferroni-adjusted p ≤ {ALPHA}); dashed: the machine changed. Label names \
         link to their result folders where these still exist.</p>\n",
        escape(&db.display().to_string()),
        history.labels.len(),
        history.series.len(),
        counts.shown,
        counts.flat,
        counts.single
    );
    change_point_table(&mut out, charts);
    label_table(&mut out, history, page_dir);
    let mut last = "";
    for (i, c) in charts.iter().enumerate() {
        if c.configuration != last {
            let _ = writeln!(out, "<h2>{}</h2>", escape(&c.configuration));
            last = &c.configuration;
        }
        let _ = writeln!(
            out,
            "<figure id=\"chart{i}\"><h3>{}</h3>{}</figure>",
            escape(&c.metric),
            c.trend.svg()
        );
    }
    out.push_str("</body></html>\n");
    out
}

/// Every change point, linked to its chart.
fn change_point_table(out: &mut String, charts: &[Chart]) {
    let rows: Vec<String> = charts
        .iter()
        .enumerate()
        .flat_map(|(i, c)| {
            c.trend.lines.iter().flat_map(move |l| {
                l.change_points.iter().map(move |(x, p)| {
                    format!(
                        "<tr><td><a href=\"#chart{i}\">{}</a></td><td>{}</td><td>{}</td>\
                         <td>{:+.1} %</td><td>{}</td></tr>",
                        escape(&c.configuration),
                        escape(&c.metric),
                        escape(&c.trend.ticks[*x].name),
                        p.change_pct,
                        p.confidence_text()
                    )
                })
            })
        })
        .collect();
    if rows.is_empty() {
        out.push_str("<p>No change points.</p>\n");
        return;
    }
    let _ = writeln!(
        out,
        "<h2>Change points ({})</h2><table><tr><th>configuration</th><th>metric</th>\
         <th>first label after</th><th>change</th><th>confidence</th></tr>{}</table>",
        rows.len(),
        rows.join("")
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_relative_to_the_page() {
        let page = Path::new("/work/results/history");
        assert_eq!(
            relative(Path::new("/work/results/latest/index.html"), page),
            Path::new("../latest/index.html")
        );
        assert_eq!(
            relative(Path::new("/tmp/run"), page),
            Path::new("../../../tmp/run")
        );
        assert_eq!(absolute(Path::new("/a/./b/../c")), Path::new("/a/c"));
    }
}
