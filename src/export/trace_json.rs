//! trace.json: Chrome trace event JSON that opens in Perfetto and
//! chrome://tracing. One process per run, one track per thread, a complete
//! event (`"ph":"X"`) per poll and per producer step, and a flow arrow
//! (`"ph":"s"` → `"ph":"f"`) from each wake to the poll it led to. A
//! service's event (a round trip, a tick's lateness, an item's end-to-end
//! latency, a lock wait) spans awaits, so it is no thread's work: it goes
//! on its future's own track, `<future> events` (with a lane more,
//! `<future> events (2)`, … wherever events overlap), as in
//! trace.pftrace. Events of a track are written in time order, streaming
//! for the threads: nothing but the current event is held in memory.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use super::tracks::{Kind, track_events};
use crate::analysis::RunResult;
use crate::error::{Error, Result};
use crate::probe::ThreadKind;
use crate::trace::{RunTrace, thread_labels};

/// Microseconds with three decimals, exact for integer nanoseconds.
struct Micros(u64);

impl std::fmt::Display for Micros {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{:03}", self.0 / 1_000, self.0 % 1_000)
    }
}

fn json_string(text: &str) -> String {
    serde_json::to_string(text).expect("strings serialize")
}

/// Tracks sort main, workers, blocking, pool; by index within a kind.
pub(crate) fn sort_index(kind: ThreadKind, index: u16) -> u32 {
    let rank = match kind {
        ThreadKind::Main => 0,
        ThreadKind::Worker => 1,
        ThreadKind::Blocking => 2,
        ThreadKind::Pool => 3,
    };
    rank * 100_000 + u32::from(index)
}

/// Writes `results` as `path`. Run `i` is process `i + 1`; thread index `t`
/// is track `t + 1`, named after its kind and kernel thread id.
///
/// Flows: a poll with a wake (`woken_ns`) after the future's first poll
/// gets an arrow named `wake` whose id is unique in the file. It starts on
/// the track of the future's previous poll, at the wake time clamped into
/// that poll (the waker's thread is not recorded, and tokio defers
/// `yield_now` wakes to the end of the poll), and ends at the poll's start
/// (`"bp":"e"`: bound to the poll's slice). The poll's `woken_us` argument
/// keeps the exact wake time.
pub(crate) fn write_trace_json(path: &Path, results: &[RunResult]) -> Result<()> {
    let file = File::create(path).map_err(|e| Error::io(path, e))?;
    let mut out = BufWriter::with_capacity(1 << 20, file);
    write_events(&mut out, results)
        .and_then(|()| out.flush())
        .map_err(|e| Error::io(path, e))
}

fn write_events(out: &mut impl Write, results: &[RunResult]) -> std::io::Result<()> {
    out.write_all(b"{\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n")?;
    let mut flow_base = 0u64;
    for (run, result) in results.iter().enumerate() {
        let trace = &result.trace;
        if run > 0 {
            out.write_all(b",\n")?;
        }
        write_metadata(out, trace, run + 1)?;
        for thread in &trace.threads {
            write_track(out, trace, run + 1, thread.index, flow_base)?;
        }
        write_service_events(out, trace, run + 1)?;
        flow_base += trace
            .futures
            .iter()
            .map(|f| f.polls.len() as u64)
            .sum::<u64>();
    }
    out.write_all(b"\n]}\n")
}

/// Process and thread names and sort indexes.
fn write_metadata(out: &mut impl Write, trace: &RunTrace, pid: usize) -> std::io::Result<()> {
    write!(
        out,
        r#"{{"ph":"M","name":"process_name","pid":{pid},"args":{{"name":{}}}}},"#,
        json_string(&trace.info.run_id)
    )?;
    write!(
        out,
        "\n{{\"ph\":\"M\",\"name\":\"process_sort_index\",\"pid\":{pid},\"args\":{{\"sort_index\":{}}}}}",
        pid - 1
    )?;
    let labels = thread_labels(&trace.threads);
    for (thread, label) in trace.threads.iter().zip(&labels) {
        let tid = u32::from(thread.index) + 1;
        let name = format!("{label} (tid {})", thread.os_thread_id);
        write!(
            out,
            ",\n{{\"ph\":\"M\",\"name\":\"thread_name\",\"pid\":{pid},\"tid\":{tid},\"args\":{{\"name\":{}}}}}",
            json_string(&name)
        )?;
        write!(
            out,
            ",\n{{\"ph\":\"M\",\"name\":\"thread_sort_index\",\"pid\":{pid},\"tid\":{tid},\"args\":{{\"sort_index\":{}}}}}",
            sort_index(thread.kind, thread.index)
        )?;
    }
    Ok(())
}

/// Every event of one thread's track, in time order. Flow ids are
/// `flow_base` plus the poll's position among all the run's polls.
fn write_track(
    out: &mut impl Write,
    trace: &RunTrace,
    pid: usize,
    thread: u16,
    flow_base: u64,
) -> std::io::Result<()> {
    let tid = u32::from(thread) + 1;
    let names: Vec<String> = trace.futures.iter().map(|f| json_string(&f.name)).collect();
    let first_poll: Vec<u64> = trace
        .futures
        .iter()
        .scan(flow_base, |next, f| {
            let first = *next;
            *next += f.polls.len() as u64;
            Some(first)
        })
        .collect();
    let service = |f: usize| trace.futures[f].kind.is_service();
    for e in track_events(trace, thread, true) {
        if e.kind == Kind::Sample && service(e.future) {
            continue;
        }
        let name = &names[e.future];
        let future = &trace.futures[e.future];
        let flow_id = first_poll[e.future] + e.index as u64;
        out.write_all(b",\n")?;
        match e.kind {
            Kind::Poll => {
                let p = &future.polls[e.index];
                write!(
                    out,
                    r#"{{"ph":"X","cat":"poll","name":{name},"pid":{pid},"tid":{tid},"ts":{},"dur":{},"args":{{"poll":{},"ready":{}"#,
                    Micros(p.start_ns),
                    Micros(p.duration_ns()),
                    e.index,
                    p.ready
                )?;
                if let Some(w) = p.woken_ns() {
                    write!(out, r#","woken_us":{}"#, Micros(w))?;
                }
                if let Some(cpu) = p.cpu_ns() {
                    write!(out, r#","cpu_ns":{cpu}"#)?;
                }
                out.write_all(b"}}")?;
            }
            Kind::Sample => {
                let s = &future.samples[e.index];
                write!(
                    out,
                    r#"{{"ph":"X","cat":"sample","name":{name},"pid":{pid},"tid":{tid},"ts":{},"dur":{},"args":{{"seq":{},"value":{}"#,
                    Micros(s.start_ns),
                    Micros(s.duration_ns()),
                    s.seq,
                    if s.value.is_finite() { s.value } else { 0.0 },
                )?;
                if let Some(cpu) = s.cpu_ns() {
                    write!(out, r#","cpu_ns":{cpu}"#)?;
                }
                out.write_all(b"}}")?;
            }
            Kind::WakeFrom => write!(
                out,
                r#"{{"ph":"s","cat":"wake","name":"wake","id":{flow_id},"pid":{pid},"tid":{tid},"ts":{}}}"#,
                Micros(e.start)
            )?,
            Kind::WakeTo => write!(
                out,
                r#"{{"ph":"f","bp":"e","cat":"wake","name":"wake","id":{flow_id},"pid":{pid},"tid":{tid},"ts":{}}}"#,
                Micros(e.start)
            )?,
        }
    }
    Ok(())
}

/// The first track id of service futures' event tracks: above any
/// thread's (`index + 1` ≤ 65,536).
const EVENT_TRACKS: u64 = 1 << 20;

/// Every service future's events on its own track, as complete events
/// named `<future> event`; an event that overlaps one still open goes to
/// the next lane that is free (a track `<future> events (k)`), so no two
/// slices of a track overlap.
fn write_service_events(out: &mut impl Write, trace: &RunTrace, pid: usize) -> std::io::Result<()> {
    for (f, future) in trace.futures.iter().enumerate() {
        if !future.kind.is_service() || future.samples.is_empty() {
            continue;
        }
        let name = json_string(&format!("{} event", future.name));
        let mut order: Vec<usize> = (0..future.samples.len()).collect();
        order.sort_by_key(|&i| (future.samples[i].start_ns, future.samples[i].end_ns));
        // Each lane's last end.
        let mut lanes: Vec<u64> = Vec::new();
        let track = |lane: usize| EVENT_TRACKS + (f as u64) * 1_000 + lane as u64;
        for i in order {
            let s = &future.samples[i];
            let lane = match lanes.iter().position(|&end| end <= s.start_ns) {
                Some(lane) => lane,
                None => {
                    lanes.push(0);
                    let lane = lanes.len() - 1;
                    let label = match lane {
                        0 => format!("{} events", future.name),
                        k => format!("{} events ({})", future.name, k + 1),
                    };
                    write!(
                        out,
                        ",\n{{\"ph\":\"M\",\"name\":\"thread_name\",\"pid\":{pid},\"tid\":{},\"args\":{{\"name\":{}}}}}",
                        track(lane),
                        json_string(&label)
                    )?;
                    lane
                }
            };
            lanes[lane] = s.end_ns;
            write!(
                out,
                ",\n{{\"ph\":\"X\",\"cat\":\"sample\",\"name\":{name},\"pid\":{pid},\"tid\":{},\"ts\":{},\"dur\":{},\"args\":{{\"seq\":{},\"value\":{},\"thread\":{}}}}}",
                track(lane),
                Micros(s.start_ns),
                Micros(s.duration_ns()),
                s.seq,
                if s.value.is_finite() { s.value } else { 0.0 },
                s.thread,
            )?;
        }
    }
    Ok(())
}
