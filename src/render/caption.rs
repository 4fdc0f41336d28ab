//! The figure captions of the timelines in the report: what the picture
//! shows, from the run's futures' placements.

use super::timeline::TimelineView;
use crate::analysis::RunResult;
use crate::common::duration::human_ns;
use crate::scenario::Placement;

/// A sentence on what the timeline of `result` shows, from its futures'
/// placements: the figure caption in the report.
pub(crate) fn timeline_caption(result: &RunResult, view: TimelineView) -> String {
    let futures = &result.trace.futures;
    let names = |placement: Placement| -> Vec<&str> {
        futures
            .iter()
            .filter(|f| f.placement() == Some(placement) && !f.kind.is_service())
            .map(|f| f.name.as_str())
            .collect()
    };
    let mut parts = Vec::new();
    let list = |names: &[&str]| match names.len() {
        0..=3 => names.join(", "),
        n => format!("{}, … ({n} futures)", names[..2].join(", ")),
    };
    let inline = names(Placement::Inline);
    if !inline.is_empty() {
        parts.push(if inline.len() == 1 {
            format!("{} runs inline in the main task", list(&inline))
        } else {
            format!(
                "{} run inline in the main task: their polls take turns on one thread",
                list(&inline)
            )
        });
    }
    let spawned = names(Placement::Spawn);
    if !spawned.is_empty() {
        parts.push(format!(
            "{} are tokio tasks: a bar's colour is the worker that polled it",
            list(&spawned)
        ));
    }
    let off: Vec<&str> = futures
        .iter()
        .filter(|f| f.kind.steps_off_task())
        .map(|f| f.name.as_str())
        .collect();
    if !off.is_empty() {
        parts.push(format!(
            "{} run each step off the task (tall bars on the thread that ran it; the thin strip below is the async side's polls)",
            list(&off)
        ));
    }
    let in_place = names(Placement::BlockInPlace);
    if !in_place.is_empty() {
        parts.push(format!("{} block their worker in place", list(&in_place)));
    }
    let services: Vec<&str> = futures
        .iter()
        .filter(|f| f.kind.is_service())
        .map(|f| f.name.as_str())
        .collect();
    if !services.is_empty() {
        parts.push(format!(
            "{}: each event is a dot when it completed, its line reaching back over the latency it measured (to a tick's deadline, to a request's start), at its value's height on the row's scale at right",
            list(&services)
        ));
    }
    let view_note = match view {
        TimelineView::Whole => {
            "Whole run; a pixel holding several polls is shaded by how busy it was".to_string()
        }
        _ => {
            let (from, to) = view.window(result);
            format!(
                "{} – {} in full detail (hover a bar for its poll)",
                human_ns(from),
                human_ns(to)
            )
        }
    };
    let off_note = "a bar's hatched top is its off-CPU share (preempted or blocked; where in the step is unknown), a wide bar carries its thread's number";
    format!("{view_note}; {off_note}. {}.", parts.join("; "))
}
