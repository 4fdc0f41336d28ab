//! trace.json: Chrome trace event JSON that opens in Perfetto and
//! chrome://tracing. One process per run, one track per thread, a complete
//! event (`"ph":"X"`) per poll and per sample.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use super::RunResult;
use crate::error::{Error, Result};
use crate::probe::ThreadKind;
use crate::trace::thread_labels;

/// Microseconds with three decimals, exact for integer nanoseconds.
fn micros(ns: u64) -> String {
    format!("{}.{:03}", ns / 1_000, ns % 1_000)
}

fn json_string(text: &str) -> String {
    serde_json::to_string(text).expect("strings serialize")
}

/// Tracks sort main, workers, blocking, pool; by index within a kind.
fn sort_index(kind: ThreadKind, index: u16) -> u32 {
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
pub fn write_trace_json(path: &Path, results: &[RunResult]) -> Result<()> {
    let file = File::create(path).map_err(|e| Error::io(path, e))?;
    let mut out = BufWriter::with_capacity(1 << 20, file);
    write_events(&mut out, results)
        .and_then(|()| out.flush())
        .map_err(|e| Error::io(path, e))
}

fn write_events(out: &mut impl Write, results: &[RunResult]) -> std::io::Result<()> {
    out.write_all(b"{\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n")?;
    let mut first = true;
    let mut event = |out: &mut dyn Write, text: String| -> std::io::Result<()> {
        if !first {
            out.write_all(b",\n")?;
        }
        first = false;
        out.write_all(text.as_bytes())
    };
    for (run, result) in results.iter().enumerate() {
        let pid = run + 1;
        let trace = &result.trace;
        event(
            out,
            format!(
                r#"{{"ph":"M","name":"process_name","pid":{pid},"args":{{"name":{}}}}}"#,
                json_string(&trace.info.run_id)
            ),
        )?;
        event(
            out,
            format!(
                r#"{{"ph":"M","name":"process_sort_index","pid":{pid},"args":{{"sort_index":{run}}}}}"#
            ),
        )?;
        let labels = thread_labels(&trace.threads);
        for (thread, label) in trace.threads.iter().zip(&labels) {
            let tid = u32::from(thread.index) + 1;
            let name = format!("{label} (tid {})", thread.os_thread_id);
            event(
                out,
                format!(
                    r#"{{"ph":"M","name":"thread_name","pid":{pid},"tid":{tid},"args":{{"name":{}}}}}"#,
                    json_string(&name)
                ),
            )?;
            event(
                out,
                format!(
                    r#"{{"ph":"M","name":"thread_sort_index","pid":{pid},"tid":{tid},"args":{{"sort_index":{}}}}}"#,
                    sort_index(thread.kind, thread.index)
                ),
            )?;
        }
        for future in &trace.futures {
            let name = json_string(&future.name);
            for (i, p) in future.polls.iter().enumerate() {
                let woken = p
                    .woken_ns()
                    .map_or(String::new(), |w| format!(r#","woken_us":{}"#, micros(w)));
                event(
                    out,
                    format!(
                        r#"{{"ph":"X","cat":"poll","name":{name},"pid":{pid},"tid":{},"ts":{},"dur":{},"args":{{"future":{name},"poll":{i},"ready":{}{woken}}}}}"#,
                        u32::from(p.thread) + 1,
                        micros(p.start_ns),
                        micros(p.duration_ns()),
                        p.ready,
                    ),
                )?;
            }
            for s in &future.samples {
                event(
                    out,
                    format!(
                        r#"{{"ph":"X","cat":"sample","name":{name},"pid":{pid},"tid":{},"ts":{},"dur":{},"args":{{"future":{name},"seq":{},"value":{}}}}}"#,
                        u32::from(s.thread) + 1,
                        micros(s.start_ns),
                        micros(s.duration_ns()),
                        s.seq,
                        if s.value.is_finite() { s.value } else { 0.0 },
                    ),
                )?;
            }
        }
    }
    out.write_all(b"\n]}\n")
}
