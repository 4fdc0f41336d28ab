//! index.html: one self-contained report (inline CSS and SVG, nothing
//! fetched from anywhere) with the runs, the futures, the findings and
//! every plot.

use std::fmt::Write;

use super::svg::{escape, for_inline_html};
use crate::duration::{format_duration, human_ns};
use crate::export::RunResult;

const STYLE: &str = r#"
body{margin:0;padding:24px 32px;background:#151a2e;color:#dde1ea;font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif}
h1{font-size:24px;margin:0 0 4px}h2{font-size:19px;margin:32px 0 10px;border-bottom:1px solid #3a4363;padding-bottom:4px}
h3{font-size:16px;margin:24px 0 8px}a{color:#8fb4c8}
table{border-collapse:collapse;margin:8px 0 16px;font-variant-numeric:tabular-nums}
th,td{padding:3px 10px;border-bottom:1px solid #2c3452;text-align:right}th{color:#aab3c8;font-weight:600}
td:first-child,th:first-child{text-align:left}
figure{margin:8px 0 20px}figure svg{max-width:100%;height:auto;display:block;border-radius:6px}
figcaption{color:#aab3c8;font-size:12px}.muted{color:#8a93a8}
.findings li{margin:2px 0}.findings code{background:#232a45;padding:0 4px;border-radius:3px}
nav{columns:3;font-size:13px}
"#;

/// The report for `results`, with `plots` as (file name, SVG) pairs and the
/// findings in Markdown, if any.
pub fn index_html(
    results: &[RunResult],
    plots: &[(String, String)],
    findings: Option<&str>,
) -> String {
    let mut h = String::new();
    let _ = write!(
        h,
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">\
         <title>pollscope results</title><style>{STYLE}</style></head><body>\n<h1>pollscope results</h1>\
         <p class=\"muted\">{} run(s) · pollscope {}</p>\n",
        results.len(),
        env!("CARGO_PKG_VERSION")
    );
    h.push_str("<nav>");
    for r in results {
        let id = escape(&r.trace.info.run_id);
        let _ = write!(h, "<div><a href=\"#{id}\">{id}</a></div>");
    }
    h.push_str("</nav>\n");
    runs_table(&mut h, results);
    if let Some(markdown) = findings {
        h.push_str("<h2>Findings</h2><div class=\"findings\">");
        // The section has its own heading: drop the document's title.
        let body = markdown.strip_prefix("# Findings\n").unwrap_or(markdown);
        let parser = pulldown_cmark::Parser::new_ext(body, pulldown_cmark::Options::ENABLE_TABLES);
        pulldown_cmark::html::push_html(&mut h, parser);
        h.push_str("</div>\n");
    }
    let summaries: Vec<&(String, String)> = plots
        .iter()
        .filter(|(name, _)| name.ends_with("_summary.svg"))
        .collect();
    if !summaries.is_empty() {
        h.push_str("<h2>Across workers</h2>\n");
        for plot in summaries {
            figure(
                &mut h,
                plot,
                "makespan and light futures' completion against workers",
            );
        }
    }
    h.push_str("<h2>Runs in detail</h2>\n");
    for r in results {
        let id = &r.trace.info.run_id;
        let _ = writeln!(h, "<h3 id=\"{0}\">{0}</h3>", escape(id));
        futures_table(&mut h, r);
        for (suffix, caption) in [
            (
                ".svg",
                "whole run: a bar per poll coloured by thread, a dot per sample",
            ),
            (
                "_zoom.svg",
                "first 5% of the run in full detail (hover a bar for its poll)",
            ),
            (
                "_latency.svg",
                "scheduling delay and poll duration, per future",
            ),
        ] {
            let name = format!("{id}{suffix}");
            if let Some(plot) = plots.iter().find(|(n, _)| *n == name) {
                figure(&mut h, plot, caption);
            }
        }
    }
    h.push_str("<p class=\"muted\">The CSV files beside this report hold every number; <code>trace.json</code> opens in Perfetto.</p>\n</body></html>\n");
    h
}

fn figure(h: &mut String, (name, svg): &(String, String), caption: &str) {
    let name = escape(name);
    let _ = writeln!(
        h,
        "<figure>{}<figcaption>{caption} · <a href=\"plots/{name}\">plots/{name}</a></figcaption></figure>",
        for_inline_html(svg)
    );
}

fn runs_table(h: &mut String, results: &[RunResult]) {
    h.push_str(
        "<h2>Runs</h2><table><tr><th>run</th><th>scenario</th><th>flavor</th><th>workers</th><th>cost</th>\
         <th>makespan</th><th>lower bound</th><th>efficiency</th></tr>\n",
    );
    for r in results {
        let i = &r.trace.info;
        let _ = writeln!(
            h,
            "<tr><td><a href=\"#{id}\">{id}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{} {} / {}</td><td>{}</td><td>{}</td><td>{:.2}</td></tr>",
            escape(&i.scenario),
            i.flavor,
            i.workers,
            i.cost_kind,
            format_duration(i.light_cost),
            format_duration(i.heavy_cost),
            human_ns(r.analysis.makespan_ns),
            human_ns(r.analysis.lower_bound_ns),
            r.analysis.efficiency,
            id = escape(&i.run_id),
        );
    }
    h.push_str("</table>\n");
}

fn futures_table(h: &mut String, r: &RunResult) {
    h.push_str(
        "<table><tr><th>future</th><th>placement</th><th>cost</th><th>done</th><th>busy</th><th>polls</th>\
         <th>threads</th><th>poll p50</th><th>poll p99</th><th>sched p50</th><th>sched p99</th></tr>\n",
    );
    let opt = |v: Option<u64>| v.map_or("–".to_string(), human_ns);
    for f in &r.analysis.futures {
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&f.name),
            f.placement,
            format_duration(f.cost),
            opt(f.completed_ns),
            human_ns(f.busy_ns),
            f.polls,
            f.threads,
            opt(f.poll_duration.map(|s| s.p50)),
            opt(f.poll_duration.map(|s| s.p99)),
            opt(f.sched_delay.map(|s| s.p50)),
            opt(f.sched_delay.map(|s| s.p99)),
        );
    }
    h.push_str("</table>\n");
}
