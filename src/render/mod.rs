//! Pictures of a result folder: seed-style timelines, latency CDFs,
//! per-scenario summary charts (SVG, drawn with plotters), and the
//! self-contained HTML report.

mod html;
mod latency;
mod palette;
mod summary_chart;
mod svg;
mod timeline;

pub use html::index_html;
pub use latency::latency_svg;
pub use palette::thread_color;
pub use summary_chart::{scenario_summaries, summary_svg};
pub use svg::escape;
pub use timeline::{TimelineView, ZOOM_FRACTION, timeline_svg};

use std::path::Path;

use crate::error::{Error, Result};
use crate::export::RunResult;

/// Every plot of `results`, as (file name under `plots/`, SVG text).
pub fn all_plots(results: &[RunResult]) -> Vec<(String, String)> {
    let mut plots = Vec::new();
    for result in results {
        let id = &result.trace.info.run_id;
        plots.push((
            format!("{id}.svg"),
            timeline_svg(result, TimelineView::Whole),
        ));
        plots.push((
            format!("{id}_zoom.svg"),
            timeline_svg(result, TimelineView::Zoom),
        ));
        plots.push((format!("{id}_latency.svg"), latency_svg(result)));
    }
    for summary in scenario_summaries(results) {
        plots.push((
            format!("{}_summary.svg", summary.scenario),
            summary_svg(&summary),
        ));
    }
    plots
}

/// Writes `plots/*.svg` and `index.html` into `dir`; the report includes
/// `findings` (Markdown) when given.
pub fn write_pictures(dir: &Path, results: &[RunResult], findings: Option<&str>) -> Result<()> {
    let plots_dir = dir.join("plots");
    std::fs::create_dir_all(&plots_dir).map_err(|e| Error::io(&plots_dir, e))?;
    let plots = all_plots(results);
    for (name, svg) in &plots {
        let path = plots_dir.join(name);
        std::fs::write(&path, svg).map_err(|e| Error::io(&path, e))?;
    }
    let path = dir.join("index.html");
    std::fs::write(&path, index_html(results, &plots, findings)).map_err(|e| Error::io(&path, e))
}
