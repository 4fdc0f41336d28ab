//! index.html: one self-contained report (inline CSS and SVG, nothing
//! fetched from anywhere) with the runs, the futures, the findings and
//! every plot, in anchored sections.

use std::fmt::Write;

use super::caption::timeline_caption;
use super::svg::{escape, figure};
use super::timeline::TimelineView;
use crate::analysis::RunResult;
use crate::common::duration::{format_duration, human_ns};

const STYLE: &str = r#"
body{margin:0;padding:24px 32px;background:#151a2e;color:#dde1ea;font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif}
h1{font-size:24px;margin:0 0 4px}h2{font-size:19px;margin:32px 0 10px;border-bottom:1px solid #3a4363;padding-bottom:4px}
h3{font-size:16px;margin:24px 0 8px}a{color:#8fb4c8}
table{border-collapse:collapse;margin:8px 0 16px;font-variant-numeric:tabular-nums}
th,td{padding:3px 10px;border-bottom:1px solid #2c3452;text-align:right}th{color:#aab3c8;font-weight:600}
td:first-child,th:first-child{text-align:left}
figure{margin:8px 0 20px}figure svg{width:100%;height:auto;display:block;border-radius:6px}
figcaption{color:#aab3c8;font-size:13px}.muted{color:#8a93a8}
.findings li{margin:2px 0}.findings code{background:#232a45;padding:0 4px;border-radius:3px}
.off{background:#4a2430;border-left:4px solid #ff7a9c;padding:1px 6px}.verdict{color:#ffb3c4}
nav.sections{display:flex;gap:18px;flex-wrap:wrap;font-size:15px;margin:8px 0}
nav.runs{columns:3;font-size:13px}td a,nav.runs a,td:first-child{white-space:nowrap}
details{margin:8px 0}summary{cursor:pointer;color:#aab3c8;font-weight:600}.figures{color:#cfd5e2;margin:0 0 6px}
#about ul.scenarios li{margin:3px 0}.top{font-size:12px;float:right;font-weight:400}
.disturbed{background:#5a2a18;border:2px solid #ff9a5c;border-radius:6px;padding:8px 14px;margin:12px 0}
"#;

/// The report's sections, in reading order: (anchor, heading).
const SECTIONS: [(&str, &str); 7] = [
    ("about", "What this is"),
    ("findings", "Findings"),
    ("across-workers", "Across workers and settings"),
    ("runs-in-detail", "Runs in detail"),
    ("executors", "Executors side by side"),
    ("tables", "Tables and the truth check"),
    ("traces", "Traces"),
];

/// The report for `results`, with `plots` as (file name, SVG) pairs, the
/// findings in Markdown, if any, and the zoom view the zoom plots show
/// (for their captions). It reads top-down: what the runs are and what to
/// look for, the findings, the pictures, the executors side by side, then
/// the tables and the truth check folded, and how to open the traces.
pub(crate) fn index_html(
    results: &[RunResult],
    plots: &[(String, String)],
    findings: Option<&str>,
    zoom: TimelineView,
) -> String {
    let mut h = String::new();
    let _ = write!(
        h,
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">\
         <title>pollscope results</title><style>{STYLE}</style></head><body id=\"top\">\n<h1>pollscope results</h1>\
         <p class=\"muted\">{} run(s) · pollscope {} · traces: <a href=\"trace.pftrace\">trace.pftrace</a>, <a href=\"trace.json\">trace.json</a> (<a href=\"#traces\">how to open them</a>)</p>\n",
        results.len(),
        env!("CARGO_PKG_VERSION")
    );
    disturbed_banner(&mut h, results);
    super::intro::introduction(&mut h, results);
    let summaries: Vec<&(String, String)> = plots
        .iter()
        .filter(|(name, _)| summary_axis(name).is_some())
        .collect();
    let executors = super::side_by_side::executors_side_by_side(results, plots);
    let (findings_html, truth_html) = findings.map(|md| findings_sections(md, results)).unzip();
    navigation(&mut h, results, |anchor| match anchor {
        "findings" => findings_html.is_some(),
        "across-workers" => !summaries.is_empty(),
        "executors" => executors.is_some(),
        _ => true,
    });
    if let Some(body) = &findings_html {
        section(&mut h, 1);
        let _ = writeln!(h, "<div class=\"findings\">{body}</div>");
    }
    if !summaries.is_empty() {
        section(&mut h, 2);
        for plot in summaries {
            let axis = summary_axis(&plot.0).unwrap_or("workers");
            figure(
                &mut h,
                plot,
                &format!(
                    "makespan and light futures' completion against {axis} (medians over repeats; one line per other setting; lines that coincide are drawn slightly apart and named together)"
                ),
            );
        }
    }
    section(&mut h, 3);
    for r in in_journey_order(results) {
        run_detail(&mut h, r, plots, zoom);
    }
    if let Some(table) = executors {
        section(&mut h, 4);
        h.push_str(&table);
    }
    section(&mut h, 5);
    let truth_html = truth_html.filter(|t| !t.is_empty());
    h.push_str("<p><a href=\"#runs\">Runs</a>");
    if truth_html.is_some() {
        h.push_str(" · <a href=\"#truth\">Truth</a>");
    }
    h.push_str(
        "</p><details id=\"runs\"><summary>Runs: every run's settings and figures</summary>",
    );
    runs_table(&mut h, results);
    h.push_str("</details>\n");
    if let Some(truth) = truth_html {
        let _ = writeln!(
            h,
            "<details id=\"truth\"><summary>Truth: the probe's CPU time against the kernel's, per thread</summary><div class=\"findings\">{truth}</div></details>"
        );
    }
    section(&mut h, 6);
    h.push_str(TRACES);
    h.push_str("</body></html>\n");
    h
}

/// How to open the traces, at the end of the report.
const TRACES: &str = "<p>Both traces hold every poll and sample of every run, a track per thread (and per service future), \
with the wake arrows and each slice's poll number, wake time, on-CPU time and sample value:</p><ul>\
<li><a href=\"trace.pftrace\">trace.pftrace</a> (Perfetto's own format, smaller) and <a href=\"trace.json\">trace.json</a> (Chrome trace events) lie beside this report.</li>\
<li>To look at one: open <code>ui.perfetto.dev</code>, choose <em>Open trace file</em> in the left menu and pick the file from this folder \
(or drag it onto the page). Nothing is uploaded: the trace stays in the browser.</li>\
<li>In Perfetto, each run is a process named by its run id; <kbd>W</kbd>/<kbd>S</kbd> zoom, <kbd>A</kbd>/<kbd>D</kbd> pan, a click on a slice shows its arguments and its wake arrow.</li></ul>\
<p class=\"muted\">The CSV files beside this report hold every number.</p>\n";

/// The runs with their scenarios in journey order (stable within one).
fn in_journey_order(results: &[RunResult]) -> Vec<&RunResult> {
    let mut runs: Vec<&RunResult> = results.iter().collect();
    runs.sort_by_key(|r| super::intro::scenario_rank(&r.trace.info.scenario));
    runs
}

/// The banner at the top of the report when the machine disturbed some
/// runs: each with its figures.
fn disturbed_banner(h: &mut String, results: &[RunResult]) {
    let runs: Vec<_> = crate::analysis::noise::disturbed(results).collect();
    if runs.is_empty() {
        return;
    }
    let _ = write!(
        h,
        "<div class=\"disturbed\" role=\"alert\"><strong>The machine was disturbed</strong> during {} of {} run(s): \
         other processes or the hypervisor took CPU the run could have used, so every claim judged on these runs is inconclusive.<ul>",
        runs.len(),
        results.len()
    );
    for (run_id, i) in runs {
        let _ = write!(
            h,
            "<li><a href=\"#{id}\">{id}</a>: {}</li>",
            escape(&i.describe()),
            id = escape(run_id)
        );
    }
    h.push_str("</ul></div>\n");
}

/// The x axis of a summary chart, from its file name
/// (`<scenario>_summary.svg`: workers; `<scenario>_summary_by_<axis>.svg`).
fn summary_axis(name: &str) -> Option<&str> {
    if name.ends_with("_summary.svg") {
        return Some("workers");
    }
    let (_, axis) = name.rsplit_once("_summary_by_")?;
    axis.strip_suffix(".svg")
}

/// The section links, then a link per run.
fn navigation(h: &mut String, results: &[RunResult], present: impl Fn(&str) -> bool) {
    h.push_str("<nav class=\"sections\">");
    for (anchor, title) in SECTIONS.iter().filter(|(a, _)| present(a)) {
        let _ = write!(h, "<a href=\"#{anchor}\">{title}</a>");
    }
    h.push_str("</nav>\n<nav class=\"runs\">");
    for r in in_journey_order(results) {
        let id = escape(&r.trace.info.run_id);
        let _ = write!(h, "<div><a href=\"#{id}\">{id}</a></div>");
    }
    h.push_str("</nav>\n");
}

/// The heading of section `k` of [`SECTIONS`], with a back-to-top link.
fn section(h: &mut String, k: usize) {
    let (anchor, title) = SECTIONS[k];
    let _ = writeln!(
        h,
        "<h2 id=\"{anchor}\">{title}<a class=\"top\" href=\"#top\">back to top ↑</a></h2>"
    );
}

/// findings.md as HTML, split into the claims and the truth section, with
/// run ids linked to their runs and every verdict but `holds` marked.
fn findings_sections(markdown: &str, results: &[RunResult]) -> (String, String) {
    // The section has its own heading: drop the document's title.
    let body = markdown.strip_prefix("# Findings\n").unwrap_or(markdown);
    let (claims, truth) = match body.find("\n## truth") {
        Some(at) => (&body[..at], &body[at..]),
        None => (body, ""),
    };
    let render = |md: &str| {
        let mut html = String::new();
        let parser = pulldown_cmark::Parser::new_ext(md, pulldown_cmark::Options::ENABLE_TABLES);
        pulldown_cmark::html::push_html(&mut html, parser);
        link_runs(&mark_verdicts(&html), results)
    };
    let truth = render(truth).replacen("<h2>truth</h2>", "", 1);
    (
        render(claims)
            .replace("<h2>", "<h3>")
            .replace("</h2>", "</h3>"),
        truth,
    )
}

/// Marks every list item whose verdict is not `holds` (`<li>VERDICT — …`)
/// and every truth cell that does not say `agree`.
fn mark_verdicts(html: &str) -> String {
    let mut out = String::with_capacity(html.len() + 256);
    let mut rest = html;
    while let Some(at) = rest.find("<li>") {
        out.push_str(&rest[..at]);
        rest = &rest[at + 4..];
        match rest.split_once(" — ") {
            Some((verdict, _)) if verdict != "holds" && !verdict.contains('<') => {
                let _ = write!(
                    out,
                    "<li class=\"off\"><strong class=\"verdict\">{verdict}</strong>"
                );
                rest = &rest[verdict.len()..];
            }
            _ => out.push_str("<li>"),
        }
    }
    out.push_str(rest);
    out.replace(
        "<td>not comparable</td>",
        "<td class=\"off\">not comparable</td>",
    )
    .replace(
        "<td><strong>disagree",
        "<td class=\"off\"><strong class=\"verdict\">disagree",
    )
}

/// Turns each `<code>run id</code>` into a link to the run's section.
fn link_runs(html: &str, results: &[RunResult]) -> String {
    let mut html = html.to_string();
    for r in results {
        let id = escape(&r.trace.info.run_id);
        html = html.replace(
            &format!("<code>{id}</code>"),
            &format!("<a href=\"#{id}\"><code>{id}</code></a>"),
        );
    }
    html
}

/// One run's heading, its key figures, its plots, and its futures table
/// folded.
fn run_detail(h: &mut String, r: &RunResult, plots: &[(String, String)], zoom: TimelineView) {
    let id = &r.trace.info.run_id;
    let _ = writeln!(
        h,
        "<h3 id=\"{0}\">{0}<a class=\"top\" href=\"#top\">back to top ↑</a></h3><p class=\"figures\">{1}</p>",
        escape(id),
        key_figures(r)
    );
    let latency = if r.trace.futures.iter().any(|f| f.kind.is_service()) {
        "Per future, the share of values at or below each time, as steps: scheduling delay, poll duration, and the events' values (round trip, lateness, wait)"
    } else {
        "Per future, the share of values at or below each time, as steps: scheduling delay and poll duration"
    };
    for (suffix, caption) in [
        (".svg", timeline_caption(r, TimelineView::Whole)),
        ("_zoom.svg", timeline_caption(r, zoom)),
        ("_latency.svg", latency.to_string()),
    ] {
        let name = format!("{id}{suffix}");
        if let Some(plot) = plots.iter().find(|(n, _)| *n == name) {
            figure(h, plot, &caption);
        }
    }
    h.push_str("<details><summary>futures of this run</summary>");
    futures_table(h, r);
    h.push_str("</details>\n");
}

/// A run's figures in one line: makespan, and its efficiency or, for a
/// service workload, its events' values (p50, p99, max over all its
/// service futures).
fn key_figures(r: &RunResult) -> String {
    let a = &r.analysis;
    let mut line = format!("makespan {}", human_ns(a.makespan_ns));
    if let (Some(e), Some(lb)) = (a.efficiency, a.lower_bound_ns) {
        let _ = write!(line, " · efficiency {e:.2} (lower bound {})", human_ns(lb));
    }
    for f in a.futures.iter().filter(|f| f.value.is_some()) {
        if let Some(v) = f.value {
            let _ = write!(
                line,
                " · {} p50 {} p99 {} max {}",
                escape(&f.name),
                human_ns(v.p50),
                human_ns(v.p99),
                human_ns(v.max)
            );
        }
    }
    line
}

/// Every run's settings and figures; a knob the run's scenario does not
/// use (`two_futures`' heavy cost and task count) is blank, as in runs.csv;
/// `–` marks a figure the run has none of (a library session's settings).
fn runs_table(h: &mut String, results: &[RunResult]) {
    h.push_str(
        "<table><tr><th>run</th><th>scenario</th><th>executor</th><th>flavor</th><th>workers</th><th>tokio knobs</th>\
         <th>cost kind</th><th>light</th><th>heavy</th><th>samples</th><th>tasks</th><th>makespan</th><th>lower bound</th><th>efficiency</th></tr>\n",
    );
    let dash = || "–".to_string();
    for r in results {
        let i = &r.trace.info;
        let c = i.config.as_ref();
        let blank_unused = |v: Option<String>| v.unwrap_or_default();
        let light = blank_unused(c.and_then(|c| c.light_cost).map(format_duration));
        let heavy = blank_unused(c.and_then(|c| c.heavy_cost).map(format_duration));
        let tasks = blank_unused(c.and_then(|c| c.tasks).map(|t| t.to_string()));
        let _ = writeln!(
            h,
            "<tr><td><a href=\"#{id}\">{id}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{light}</td><td>{heavy}</td><td>{}</td><td>{tasks}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&i.scenario),
            c.map_or_else(dash, |c| c.executor.to_string()),
            c.map_or_else(dash, |c| c.flavor.to_string()),
            c.map_or_else(dash, |c| c.workers.to_string()),
            c.map_or_else(dash, tokio_knobs),
            c.map_or_else(dash, |c| c.cost_kind.to_string()),
            c.map_or_else(dash, |c| c.samples.to_string()),
            human_ns(r.analysis.makespan_ns),
            r.analysis.lower_bound_ns.map_or_else(dash, human_ns),
            r.analysis
                .efficiency
                .map_or_else(dash, |e| format!("{e:.2}")),
            id = escape(&i.run_id),
        );
    }
    h.push_str("</table>\n");
}

/// The tokio knobs a run set, e.g. `gqi 7 · ei 31`; `default` when none,
/// `–` on smol.
fn tokio_knobs(c: &crate::trace::RunConfig) -> String {
    if c.executor != crate::scenario::Executor::Tokio {
        return "–".to_string();
    }
    c.tokio.describe()
}

/// A run's futures, with their values' p50/p99/max where any future
/// records service events (futures.csv's `value_*` columns).
fn futures_table(h: &mut String, r: &RunResult) {
    let values = r.analysis.futures.iter().any(|f| f.value.is_some());
    h.push_str(
        "<table><tr><th>future</th><th>placement</th><th>cost</th><th>done</th><th>busy</th><th>polls</th>\
         <th>threads</th><th>poll p50</th><th>poll p99</th><th>sched p50</th><th>sched p99</th>",
    );
    if values {
        h.push_str("<th>value p50</th><th>value p99</th><th>value max</th>");
    }
    h.push_str("</tr>\n");
    let opt = |v: Option<u64>| v.map_or(String::new(), human_ns);
    for f in &r.analysis.futures {
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>",
            escape(&f.name),
            f.kind,
            f.cost.map_or_else(String::new, format_duration),
            opt(f.completed_ns),
            human_ns(f.busy_ns),
            f.polls,
            f.threads,
            opt(f.poll_duration.map(|s| s.p50)),
            opt(f.poll_duration.map(|s| s.p99)),
            opt(f.sched_delay.map(|s| s.p50)),
            opt(f.sched_delay.map(|s| s.p99)),
        );
        if values {
            let _ = write!(
                h,
                "<td>{}</td><td>{}</td><td>{}</td>",
                opt(f.value.map(|s| s.p50)),
                opt(f.value.map(|s| s.p99)),
                opt(f.value.map(|s| s.max)),
            );
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</table>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_verdict_but_holds_stands_out() {
        let html = "<ul>\n<li>holds — a</li>\n<li>does not hold — b</li>\n<li>inconclusive — c</li>\n</ul><td>not comparable</td>";
        let marked = mark_verdicts(html);
        assert!(marked.contains("<li>holds — a"));
        assert!(
            marked
                .contains("<li class=\"off\"><strong class=\"verdict\">does not hold</strong> — b")
        );
        assert!(
            marked
                .contains("<li class=\"off\"><strong class=\"verdict\">inconclusive</strong> — c")
        );
        assert!(marked.contains("<td class=\"off\">not comparable</td>"));
    }
}
