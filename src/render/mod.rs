//! Pictures of a result folder: seed-style timelines, latency CDFs,
//! per-scenario summary charts (SVG, drawn with plotters), and the
//! self-contained HTML report.

mod binned;
mod caption;
mod frame;
mod html;
mod intro;
mod latency;
mod palette;
mod side_by_side;
mod summary_chart;
mod svg;
mod timeline;
mod values;
mod zoom;

pub(crate) use html::index_html;
pub(crate) use latency::latency_svg;
pub use summary_chart::SummaryAxis;
pub(crate) use summary_chart::{scenario_summaries, summary_svg};
pub(crate) use svg::escape;
pub use timeline::{TimelineView, timeline_svg};
pub use zoom::parse_zoom;

use std::path::Path;

use crate::analysis::RunResult;
use crate::error::{Error, Result};

/// What [`write_pictures_with`] draws.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PictureOptions {
    /// The zoom view's window `(from_ns, to_ns)` since each run's start
    /// (`plot --zoom`); `None`: each run's default window (from 0 to the end
    /// of the 60th poll of its busiest future, at least 1 % of the run).
    pub zoom: Option<(u64, u64)>,
    /// Run ids to draw (`plot --run`, resolved by the caller); `None`: all.
    /// The plots of other runs are left as they are on disk, and the
    /// report inlines them from there.
    pub runs: Option<Vec<String>>,
    /// Where the plots of runs not drawn are read from (the result folder
    /// being re-rendered); `None`: the folder written to.
    pub existing: Option<std::path::PathBuf>,
    /// The setting on the summary charts' x axis (`plot --x`).
    pub summary_axis: SummaryAxis,
}

impl PictureOptions {
    fn zoom_view(&self) -> TimelineView {
        match self.zoom {
            Some((from_ns, to_ns)) => TimelineView::Window { from_ns, to_ns },
            None => TimelineView::Zoom,
        }
    }

    fn draws(&self, run_id: &str) -> bool {
        self.runs
            .as_ref()
            .is_none_or(|ids| ids.iter().any(|id| id == run_id))
    }
}

/// The plots of one run: (file name under `plots/`, SVG text) of its whole
/// timeline, zoom timeline and latency CDFs.
fn run_plots(result: &RunResult, zoom: TimelineView) -> [(String, String); 3] {
    let id = &result.trace.info.run_id;
    [
        (
            format!("{id}.svg"),
            timeline_svg(result, TimelineView::Whole),
        ),
        (format!("{id}_zoom.svg"), timeline_svg(result, zoom)),
        (format!("{id}_latency.svg"), latency_svg(result)),
    ]
}

/// Every plot of the runs `options` selects, and the summary charts (of
/// all runs), as (file name under `plots/`, SVG text).
pub(crate) fn all_plots(results: &[RunResult], options: &PictureOptions) -> Vec<(String, String)> {
    let mut plots = Vec::new();
    for result in results
        .iter()
        .filter(|r| options.draws(&r.trace.info.run_id))
    {
        plots.extend(run_plots(result, options.zoom_view()));
    }
    plots.extend(side_by_side::side_plots(results, |id| options.draws(id)));
    // The chosen axis, and the executors as well wherever runs span two.
    let mut axes = vec![options.summary_axis];
    if options.summary_axis != SummaryAxis::Executor {
        axes.push(SummaryAxis::Executor);
    }
    for axis in axes {
        for summary in scenario_summaries(results, axis) {
            plots.push((
                summary.axis.file_name(&summary.scenario),
                summary_svg(&summary),
            ));
        }
    }
    plots
}

/// Writes `plots/*.svg` and `index.html` into `dir` as `options` say. The
/// report inlines the plots of runs not drawn this time from `dir/plots`
/// when they are there.
pub fn write_pictures_with(
    dir: &Path,
    results: &[RunResult],
    findings: Option<&str>,
    options: &PictureOptions,
) -> Result<()> {
    let plots_dir = dir.join("plots");
    // Not `create_dir_all`: a folder removed under the writer (Ctrl-C)
    // is never made again.
    match std::fs::create_dir(&plots_dir) {
        Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => {
            return Err(Error::io(&plots_dir, e));
        }
        _ => {}
    }
    let mut plots = all_plots(results, options);
    for (name, svg) in &plots {
        let path = plots_dir.join(name);
        std::fs::write(&path, svg).map_err(|e| Error::io(&path, e))?;
    }
    for result in results
        .iter()
        .filter(|r| !options.draws(&r.trace.info.run_id))
    {
        let id = &result.trace.info.run_id;
        for suffix in [".svg", "_zoom.svg", "_latency.svg", "_side.svg"] {
            let name = format!("{id}{suffix}");
            let from = options
                .existing
                .as_deref()
                .map_or(plots_dir.clone(), |d| d.join("plots"));
            if let Ok(svg) = std::fs::read_to_string(from.join(&name)) {
                plots.push((name, svg));
            }
        }
    }
    let path = dir.join("index.html");
    let html = index_html(results, &plots, findings, options.zoom_view());
    std::fs::write(&path, html).map_err(|e| Error::io(&path, e))
}
