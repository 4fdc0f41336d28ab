//! The progress bar of a long matrix: on a terminal only.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A bar over `runs` runs, hidden for `--quiet`, single runs and when
/// stderr is not a terminal.
pub(crate) fn bar(runs: usize, quiet: bool) -> ProgressBar {
    if quiet || runs < 2 || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(runs as u64), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template(
        "{bar:30} {pos}/{len} runs  {elapsed} elapsed, {eta} left  {msg}",
    ) {
        bar.set_style(style);
    }
    bar
}
