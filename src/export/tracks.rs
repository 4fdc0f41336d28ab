//! One thread's events in time order, merged lazily from the futures'
//! polls and samples: what trace.json and trace.pftrace write per track.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use crate::trace::{Poll, RunTrace};

/// What a track event is; `future` indexes the run's futures, `index` its
/// polls or samples.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Kind {
    /// A poll.
    Poll,
    /// A sample (a producer's step).
    Sample,
    /// Where the wake of poll `index` starts its flow arrow.
    WakeFrom,
    /// Poll `index`, where that arrow ends.
    WakeTo,
}

/// One event of a track: `[start, end]` in ns since the run's start.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Event {
    pub(crate) start: u64,
    pub(crate) end: u64,
    pub(crate) kind: Kind,
    pub(crate) future: usize,
    pub(crate) index: usize,
}

impl Event {
    /// Time order; at equal starts the longer span first (a container
    /// before its contents), flow marks after the spans.
    fn key(&self) -> (u64, bool, Reverse<u64>, Kind, usize, usize) {
        let mark = matches!(self.kind, Kind::WakeFrom | Kind::WakeTo);
        (
            self.start,
            mark,
            Reverse(self.end),
            self.kind,
            self.future,
            self.index,
        )
    }
}

/// Where the flow of a wake of `polls[i]` starts: the future's previous
/// poll's thread, at the wake time, or at that poll's end when the wake
/// came after it (tokio defers `yield_now` wakes until the task is back
/// in its scheduler; the waker's own thread is not recorded). `None` for
/// polls without a wake.
pub(crate) fn wake_origin(polls: &[Poll], i: usize) -> Option<(u16, u64)> {
    let woken = polls[i].woken_ns()?;
    let previous = polls.get(i.checked_sub(1)?)?;
    Some((
        previous.thread,
        woken.min(previous.end_ns).max(previous.start_ns),
    ))
}

type Source<'a> = Box<dyn Iterator<Item = Event> + 'a>;

/// The events of `thread` in `trace`, by [`Event::key`]; with `flows`, the
/// wake flow marks too.
pub(crate) fn track_events(
    trace: &RunTrace,
    thread: u16,
    flows: bool,
) -> impl Iterator<Item = Event> + '_ {
    let mut sources: Vec<Source<'_>> = Vec::new();
    for (f, future) in trace.futures.iter().enumerate() {
        let polls = &future.polls;
        let event = move |kind, index, start, end| Event {
            start,
            end,
            kind,
            future: f,
            index,
        };
        let spans = polls.iter().map(|p| (p.start_ns, p.end_ns, p.thread));
        sources.push(sorted(spans, thread, move |i, s, e| {
            event(Kind::Poll, i, s, e)
        }));
        let steps = future
            .samples
            .iter()
            .map(|s| (s.start_ns, s.end_ns, s.thread));
        sources.push(sorted(steps, thread, move |i, s, e| {
            event(Kind::Sample, i, s, e)
        }));
        if flows {
            sources.push(Box::new((0..polls.len()).filter_map(move |i| {
                let (t, at) = wake_origin(polls, i)?;
                (t == thread).then(|| event(Kind::WakeFrom, i, at, at))
            })));
            sources.push(Box::new((0..polls.len()).filter_map(move |i| {
                let p = &polls[i];
                (p.thread == thread && wake_origin(polls, i).is_some())
                    .then(|| event(Kind::WakeTo, i, p.start_ns, p.start_ns))
            })));
        }
    }
    merge(sources)
}

/// The spans of `thread` among `spans` as events, in start order: lazily
/// when `spans` are already ordered by start, else through a sorted index.
fn sorted<'a, I>(
    spans: I,
    thread: u16,
    event: impl Fn(usize, u64, u64) -> Event + Copy + 'a,
) -> Source<'a>
where
    I: Iterator<Item = (u64, u64, u16)> + Clone + 'a,
{
    let ordered = spans.clone().map(|s| s.0).is_sorted();
    let mine =
        move |(i, (s, e, t)): (usize, (u64, u64, u16))| (t == thread).then(|| event(i, s, e));
    if ordered {
        Box::new(spans.enumerate().filter_map(mine))
    } else {
        let mut events: Vec<Event> = spans.enumerate().filter_map(mine).collect();
        events.sort_by_key(Event::key);
        Box::new(events.into_iter())
    }
}

/// A k-way merge of ordered sources.
fn merge(mut sources: Vec<Source<'_>>) -> impl Iterator<Item = Event> + '_ {
    let mut heap = BinaryHeap::new();
    for (k, source) in sources.iter_mut().enumerate() {
        if let Some(e) = source.next() {
            heap.push(Reverse((e.key(), k, e)));
        }
    }
    std::iter::from_fn(move || {
        let Reverse((_, k, event)) = heap.pop()?;
        if let Some(next) = sources[k].next() {
            heap.push(Reverse((next.key(), k, next)));
        }
        Some(event)
    })
}
