//! trace.pftrace: the trace in Perfetto's own protobuf format, a few bytes
//! per event (trace.json stays beside it for other tools).
//!
//! Layout: a process track per run (pid `run + 1`) and a thread track per
//! thread (tid `(run + 1) · 100000 + index + 1`, named like trace.json's,
//! with the kernel thread id in the name). Each thread track is its own
//! packet sequence (`trusted_packet_sequence_id`), which opens with a
//! packet that clears the incremental state and holds a clock snapshot of
//! a sequence-scoped incremental clock (id 64, equal to BOOTTIME at the
//! run's start), then a packet with the track's descriptor, the
//! [`TracePacketDefaults`] (that clock, that track). Every poll and sample
//! is then a `TYPE_SLICE_BEGIN` packet (its name by interned id: the
//! future's name for a poll, `<future> step` for a sample; a name is
//! interned in the packet of its first use in the sequence) and a
//! `TYPE_SLICE_END` packet, whose timestamps are deltas from the sequence's
//! previous packet. A begin carries the slice's arguments as debug
//! annotations, as trace.json's `args` (a poll's number, its scheduling
//! delay — trace.json's wake time, as the delay to the poll — and on-CPU
//! time; a sample's sequence number, value, on-CPU time and, for a
//! service's event, the thread that completed it; names interned per
//! sequence), and the wake flows: a poll whose next poll was woken starts
//! flow `id` (`flow_ids`), the woken poll ends it (`terminating_flow_ids`),
//! with the ids trace.json gives its arrows. A service future's events (samples that span awaits,
//! not work of the thread that completed them) go to a track of their own,
//! `<future> events`, under the process. Spans of one track that overlap
//! without nesting go to extra child tracks of it, each a sequence of its
//! own. The packets are
//! deflated (zlib) in `compressed_packets` of under 512 KiB each.
//!
//! Field numbers are those of Perfetto's protos
//! (`protos/perfetto/trace/trace_packet.proto` and its imports).
//! `scripts/check_pftrace.py` (run by `.ci/run`) decodes the file with the
//! classes generated from those protos, independently of this encoder, and
//! checks this layout against the folder's CSV files.
//!
//! [`TracePacketDefaults`]: https://perfetto.dev/docs/reference/trace-packet-proto

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use flate2::Compression;
use flate2::write::ZlibEncoder;

use super::tracks::{Event, Kind, track_events, wake_origin};
use crate::analysis::RunResult;
use crate::error::{Error, Result};
use crate::trace::{RunTrace, thread_labels};

/// Protobuf field numbers used here.
mod field {
    // Trace
    pub(super) const PACKET: u32 = 1;
    // TracePacket
    pub(super) const TIMESTAMP: u32 = 8;
    pub(super) const TRUSTED_PACKET_SEQUENCE_ID: u32 = 10;
    pub(super) const TRACK_EVENT: u32 = 11;
    pub(super) const INTERNED_DATA: u32 = 12;
    pub(super) const SEQUENCE_FLAGS: u32 = 13;
    pub(super) const CLOCK_SNAPSHOT: u32 = 6;
    pub(super) const COMPRESSED_PACKETS: u32 = 50;
    pub(super) const TRACE_PACKET_DEFAULTS: u32 = 59;
    pub(super) const TRACK_DESCRIPTOR: u32 = 60;
    // TracePacketDefaults
    pub(super) const DEFAULTS_TIMESTAMP_CLOCK_ID: u32 = 58;
    pub(super) const DEFAULTS_TRACK_EVENT: u32 = 11;
    // TrackEventDefaults / TrackEvent
    pub(super) const TRACK_UUID: u32 = 11;
    pub(super) const EVENT_TYPE: u32 = 9;
    pub(super) const NAME_IID: u32 = 10;
    pub(super) const DEBUG_ANNOTATIONS: u32 = 4;
    pub(super) const FLOW_IDS: u32 = 47;
    pub(super) const TERMINATING_FLOW_IDS: u32 = 48;
    // DebugAnnotation
    pub(super) const ANNOTATION_NAME_IID: u32 = 1;
    pub(super) const UINT_VALUE: u32 = 3;
    pub(super) const DOUBLE_VALUE: u32 = 5;
    // ClockSnapshot, ClockSnapshot.Clock
    pub(super) const CLOCKS: u32 = 1;
    pub(super) const CLOCK_ID: u32 = 1;
    pub(super) const CLOCK_TIMESTAMP: u32 = 2;
    pub(super) const CLOCK_IS_INCREMENTAL: u32 = 3;
    // InternedData, EventName
    pub(super) const EVENT_NAMES: u32 = 2;
    pub(super) const DEBUG_ANNOTATION_NAMES: u32 = 3;
    pub(super) const IID: u32 = 1;
    pub(super) const NAME: u32 = 2;
    // TrackDescriptor
    pub(super) const UUID: u32 = 1;
    pub(super) const TRACK_NAME: u32 = 2;
    pub(super) const PROCESS: u32 = 3;
    pub(super) const THREAD: u32 = 4;
    pub(super) const PARENT_UUID: u32 = 5;
    // ProcessDescriptor
    pub(super) const PID: u32 = 1;
    pub(super) const PROCESS_NAME: u32 = 6;
    // ThreadDescriptor
    pub(super) const THREAD_PID: u32 = 1;
    pub(super) const TID: u32 = 2;
    pub(super) const THREAD_NAME: u32 = 5;
}

const SEQ_INCREMENTAL_STATE_CLEARED: u64 = 1;
const SEQ_NEEDS_INCREMENTAL_STATE: u64 = 2;
const TYPE_SLICE_BEGIN: u64 = 1;
const TYPE_SLICE_END: u64 = 2;
const BOOTTIME: u64 = 6;
const INCREMENTAL_CLOCK: u64 = 64;
/// Where time 0 of every run lies on the trace clock.
const TRACE_START_NS: u64 = 1_000_000;
/// Uncompressed bytes per `compressed_packets`: deflated, well under the
/// 512 KiB Perfetto allows.
const CHUNK: usize = 256 * 1024;

/// A protobuf message being built.
#[derive(Default)]
struct Message(Vec<u8>);

impl Message {
    fn varint(&mut self, mut v: u64) {
        while v >= 0x80 {
            self.0.push((v as u8) | 0x80);
            v >>= 7;
        }
        self.0.push(v as u8);
    }

    fn tag(&mut self, field: u32, wire: u64) {
        self.varint((u64::from(field) << 3) | wire);
    }

    fn uint(&mut self, field: u32, v: u64) -> &mut Self {
        self.tag(field, 0);
        self.varint(v);
        self
    }

    fn fixed64(&mut self, field: u32, v: u64) -> &mut Self {
        self.tag(field, 1);
        self.0.extend_from_slice(&v.to_le_bytes());
        self
    }

    fn double(&mut self, field: u32, v: f64) -> &mut Self {
        self.fixed64(field, v.to_bits())
    }

    fn bytes(&mut self, field: u32, bytes: &[u8]) -> &mut Self {
        self.tag(field, 2);
        self.varint(bytes.len() as u64);
        self.0.extend_from_slice(bytes);
        self
    }

    fn message(&mut self, field: u32, m: &Message) -> &mut Self {
        self.bytes(field, &m.0)
    }

    fn with(field: u32, build: impl FnOnce(&mut Message)) -> (u32, Message) {
        let mut m = Message::default();
        build(&mut m);
        (field, m)
    }
}

/// The file: packets framed as `Trace.packet`, deflated per chunk.
struct Writer<W: Write> {
    out: W,
    chunk: Vec<u8>,
}

impl<W: Write> Writer<W> {
    fn packet(&mut self, packet: &Message) -> std::io::Result<()> {
        let mut framed = Message(std::mem::take(&mut self.chunk));
        framed.message(field::PACKET, packet);
        self.chunk = framed.0;
        if self.chunk.len() >= CHUNK {
            self.flush_chunk()?;
        }
        Ok(())
    }

    fn flush_chunk(&mut self) -> std::io::Result<()> {
        if self.chunk.is_empty() {
            return Ok(());
        }
        let mut z = ZlibEncoder::new(Vec::new(), Compression::default());
        z.write_all(&self.chunk)?;
        let mut outer = Message::default();
        outer.bytes(field::COMPRESSED_PACKETS, &z.finish()?);
        let mut framed = Message::default();
        framed.message(field::PACKET, &outer);
        self.chunk.clear();
        self.out.write_all(&framed.0)
    }
}

/// Writes `results` as a Perfetto protobuf trace at `path` (see the module
/// documentation for its layout). Runs are written one thread at a time, so
/// memory stays bounded by a chunk, whatever the trace's size.
pub fn write_pftrace(path: &Path, results: &[RunResult]) -> Result<()> {
    let file = File::create(path).map_err(|e| Error::io(path, e))?;
    let mut w = Writer {
        out: BufWriter::with_capacity(1 << 20, file),
        chunk: Vec::with_capacity(CHUNK + 4096),
    };
    let mut sequences = Sequences { next: 1 };
    let mut flow_base = 0u64;
    let written = results
        .iter()
        .enumerate()
        .try_for_each(|(run, r)| {
            let first_poll = first_polls(&r.trace, &mut flow_base);
            let run = Run {
                trace: &r.trace,
                pid: run as u64 + 1,
                first_poll: &first_poll,
            };
            write_run(&mut w, &mut sequences, &run)
        })
        .and_then(|()| w.flush_chunk())
        .and_then(|()| w.out.flush());
    written.map_err(|e| Error::io(path, e))
}

/// Hands out sequence ids and track uuids (one per sequence).
struct Sequences {
    next: u64,
}

impl Sequences {
    fn take(&mut self) -> u64 {
        self.next += 1;
        self.next - 1
    }
}

/// Each future's first poll's flow id (its position among all the file's
/// polls, as in trace.json); advances `next` past the run's polls.
fn first_polls(trace: &RunTrace, next: &mut u64) -> Vec<u64> {
    trace
        .futures
        .iter()
        .map(|f| {
            let first = *next;
            *next += f.polls.len() as u64;
            first
        })
        .collect()
}

/// One run being written: its trace, its process id, and each future's
/// first flow id.
struct Run<'a> {
    trace: &'a RunTrace,
    pid: u64,
    first_poll: &'a [u64],
}

/// A slice of a track: its span, its name's interned id and the record it
/// shows (`kind` `Poll` or `Sample` of `future`'s `index`).
#[derive(Clone, Copy)]
struct Slice {
    start: u64,
    end: u64,
    iid: u64,
    kind: Kind,
    future: usize,
    index: usize,
}

impl Slice {
    fn of(e: &Event) -> Self {
        Slice {
            start: e.start,
            end: e.end,
            iid: iid(e),
            kind: e.kind,
            future: e.future,
            index: e.index,
        }
    }
}

/// The debug annotations' names, interned in every sequence: id `k + 1`
/// for entry `k`.
const ANNOTATIONS: [&str; 6] = ["poll", "sched_delay_ns", "cpu_ns", "seq", "value", "thread"];

/// Every annotation name, interned as [`ANNOTATIONS`] numbers them.
fn annotation_names() -> Message {
    let mut names = Message::default();
    for (k, name) in ANNOTATIONS.iter().enumerate() {
        let mut entry = Message::default();
        entry
            .uint(field::IID, k as u64 + 1)
            .bytes(field::NAME, name.as_bytes());
        names.message(field::DEBUG_ANNOTATION_NAMES, &entry);
    }
    names
}

/// The interned id of annotation `name`.
fn annotation(name: &str) -> u64 {
    ANNOTATIONS
        .iter()
        .position(|&a| a == name)
        .map_or(0, |k| k as u64 + 1)
}

/// The TrackEvent fields a slice's begin carries besides its name: its
/// arguments, and the wake flows it starts or ends.
fn slice_details(run: &Run<'_>, slice: &Slice) -> Message {
    let mut m = Message::default();
    let mut arg = |name: &str, value: Result<u64, f64>| {
        let mut a = Message::default();
        a.uint(field::ANNOTATION_NAME_IID, annotation(name));
        match value {
            Ok(v) => a.uint(field::UINT_VALUE, v),
            Err(v) => a.double(field::DOUBLE_VALUE, v),
        };
        m.message(field::DEBUG_ANNOTATIONS, &a);
    };
    let future = &run.trace.futures[slice.future];
    match slice.kind {
        Kind::Poll => {
            let poll = &future.polls[slice.index];
            arg("poll", Ok(slice.index as u64));
            // The wake as the delay to this poll: small numbers pack well.
            if let Some(w) = poll.woken_ns() {
                arg("sched_delay_ns", Ok(poll.start_ns.saturating_sub(w)));
            }
            if let Some(cpu) = poll.cpu_ns() {
                arg("cpu_ns", Ok(cpu));
            }
        }
        _ => {
            let sample = &future.samples[slice.index];
            arg("seq", Ok(u64::from(sample.seq)));
            arg(
                "value",
                Err(if sample.value.is_finite() {
                    sample.value
                } else {
                    0.0
                }),
            );
            if let Some(cpu) = sample.cpu_ns() {
                arg("cpu_ns", Ok(cpu));
            }
            if future.kind.is_service() {
                arg("thread", Ok(u64::from(sample.thread)));
            }
        }
    }
    if slice.kind == Kind::Poll {
        let polls = &future.polls;
        let id = |i: usize| run.first_poll[slice.future] + i as u64;
        let next = slice.index + 1;
        if next < polls.len() && wake_origin(polls, next).is_some() {
            m.fixed64(field::FLOW_IDS, id(next));
        }
        if wake_origin(polls, slice.index).is_some() {
            m.fixed64(field::TERMINATING_FLOW_IDS, id(slice.index));
        }
    }
    m
}

fn write_run<W: Write>(
    w: &mut Writer<W>,
    sequences: &mut Sequences,
    run: &Run<'_>,
) -> std::io::Result<()> {
    let (trace, pid) = (run.trace, run.pid);
    let process_uuid = pid << 32;
    let seq = sequences.take();
    let (f, process) = Message::with(field::PROCESS, |m| {
        m.uint(field::PID, pid)
            .bytes(field::PROCESS_NAME, trace.info.run_id.as_bytes());
    });
    let mut descriptor = Message::default();
    descriptor
        .uint(field::UUID, process_uuid)
        .message(f, &process);
    let mut packet = Message::default();
    packet
        .uint(field::TRUSTED_PACKET_SEQUENCE_ID, seq)
        .message(field::TRACK_DESCRIPTOR, &descriptor);
    w.packet(&packet)?;
    let labels = thread_labels(&trace.threads);
    let is_event = |e: &Event| e.kind == Kind::Sample && trace.futures[e.future].kind.is_service();
    for (thread, label) in trace.threads.iter().zip(&labels) {
        let track = Track {
            pid,
            thread: Some(pid * 100_000 + u64::from(thread.index) + 1),
            name: format!("{label} (tid {})", thread.os_thread_id),
            process_uuid,
        };
        // A service's events span awaits: they are not the thread's work,
        // and go to the future's own track below.
        let slices = track_events(trace, thread.index, false)
            .filter(|e| !is_event(e))
            .map(|e| Slice::of(&e));
        write_track(w, sequences, run, slices, &track)?;
    }
    for (f, future) in trace.futures.iter().enumerate() {
        if !future.kind.is_service() || future.samples.is_empty() {
            continue;
        }
        let track = Track {
            pid,
            thread: None,
            name: format!("{} events", future.name),
            process_uuid,
        };
        let mut slices: Vec<Slice> = future
            .samples
            .iter()
            .enumerate()
            .map(|(index, s)| Slice {
                start: s.start_ns,
                end: s.end_ns,
                iid: 2 * f as u64 + 2,
                kind: Kind::Sample,
                future: f,
                index,
            })
            .collect();
        slices.sort_by_key(|s| (s.start, std::cmp::Reverse(s.end)));
        write_track(w, sequences, run, slices.into_iter(), &track)?;
    }
    Ok(())
}

/// The interned name id of an event: `2f + 1` for future `f`'s polls,
/// `2f + 2` for its samples.
fn iid(e: &Event) -> u64 {
    2 * e.future as u64 + if e.kind == Kind::Poll { 1 } else { 2 }
}

/// The name of interned id `iid`: the future's name for its polls,
/// `<name> step` (producers) or `<name> event` (services) for its samples.
fn interned_name(trace: &RunTrace, iid: u64) -> String {
    let future = &trace.futures[((iid - 1) / 2) as usize];
    match (iid % 2 == 1, future.kind.is_service()) {
        (true, _) => future.name.clone(),
        (false, false) => format!("{} step", future.name),
        (false, true) => format!("{} event", future.name),
    }
}

/// A track's identity in the trace: a thread's (with its tid), or a
/// service future's events (a plain track of the process).
struct Track {
    pid: u64,
    thread: Option<u64>,
    name: String,
    process_uuid: u64,
}

/// One sequence: a track or an overflow lane of it, with its open slices'
/// ends, its clock and the names interned in it so far.
struct Lane {
    seq: u64,
    open: Vec<u64>,
    last_ts: u64,
    interned: std::collections::HashSet<u64>,
}

/// Writes `slices` (start, end, name iid; in start order, containers
/// first) on `track`, opening an overflow lane for a slice that overlaps
/// an open one without nesting in it.
fn write_track<W: Write>(
    w: &mut Writer<W>,
    sequences: &mut Sequences,
    run: &Run<'_>,
    slices: impl Iterator<Item = Slice>,
    track: &Track,
) -> std::io::Result<()> {
    let mut lanes: Vec<Lane> = Vec::new();
    let mut track_uuid = 0;
    for slice in slices {
        let (start, end, iid) = (slice.start, slice.end, slice.iid);
        for lane in &mut lanes {
            close_until(w, lane, start)?;
        }
        let fits = |l: &Lane| l.open.last().is_none_or(|&open| end <= open);
        let k = match lanes.iter().position(fits) {
            Some(k) => k,
            None => {
                let lane = open_lane(w, sequences, track, lanes.len(), track_uuid)?;
                if lanes.is_empty() {
                    track_uuid = lane.seq;
                }
                lanes.push(lane);
                lanes.len() - 1
            }
        };
        let lane = &mut lanes[k];
        // Names are interned in a sequence on first use: a lane carries
        // only the names it shows.
        let name = lane
            .interned
            .insert(iid)
            .then(|| interned_name(run.trace, iid));
        slice_begin(
            w,
            lane,
            start,
            iid,
            name.as_deref(),
            &slice_details(run, &slice),
        )?;
        lane.open.push(end);
    }
    for lane in &mut lanes {
        close_until(w, lane, u64::MAX)?;
    }
    if lanes.is_empty() && track.thread.is_some() {
        // Every thread has its track, even one whose only records were a
        // service's events (shown on the future's track).
        open_lane(w, sequences, track, 0, 0)?;
    }
    Ok(())
}

/// Ends the lane's open slices that end at or before `t`.
fn close_until<W: Write>(w: &mut Writer<W>, lane: &mut Lane, t: u64) -> std::io::Result<()> {
    while let Some(&end) = lane.open.last().filter(|&&end| end <= t) {
        lane.open.pop();
        slice_event(w, lane, end, TYPE_SLICE_END, None, None, None)?;
    }
    Ok(())
}

/// A slice's begin packet at `ts` (ns since the run's start), named by
/// `iid`; `new_name` interns that name in the packet (its first use in the
/// sequence).
fn slice_begin<W: Write>(
    w: &mut Writer<W>,
    lane: &mut Lane,
    ts: u64,
    iid: u64,
    new_name: Option<&str>,
    details: &Message,
) -> std::io::Result<()> {
    let interned = new_name.map(|name| {
        let mut entry = Message::default();
        entry
            .uint(field::IID, iid)
            .bytes(field::NAME, name.as_bytes());
        let mut names = Message::default();
        names.message(field::EVENT_NAMES, &entry);
        names
    });
    slice_event(
        w,
        lane,
        ts,
        TYPE_SLICE_BEGIN,
        Some(iid),
        interned.as_ref(),
        Some(details),
    )
}

/// A begin or end packet at `ts` (ns since the run's start).
fn slice_event<W: Write>(
    w: &mut Writer<W>,
    lane: &mut Lane,
    ts: u64,
    kind: u64,
    name: Option<u64>,
    interned: Option<&Message>,
    details: Option<&Message>,
) -> std::io::Result<()> {
    let mut event = Message::default();
    event.uint(field::EVENT_TYPE, kind);
    if let Some(iid) = name {
        event.uint(field::NAME_IID, iid);
    }
    if let Some(details) = details {
        event.0.extend_from_slice(&details.0);
    }
    let mut packet = Message::default();
    packet
        .uint(field::TIMESTAMP, ts.saturating_sub(lane.last_ts))
        .uint(field::TRUSTED_PACKET_SEQUENCE_ID, lane.seq)
        .uint(field::SEQUENCE_FLAGS, SEQ_NEEDS_INCREMENTAL_STATE);
    if let Some(interned) = interned {
        packet.message(field::INTERNED_DATA, interned);
    }
    packet.message(field::TRACK_EVENT, &event);
    lane.last_ts = lane.last_ts.max(ts);
    w.packet(&packet)
}

/// Starts a sequence for lane `index` of a track: lane 0 is the track
/// itself, later lanes child tracks of `track_uuid` for spans that overlap
/// without nesting. The track's uuid is its sequence id.
fn open_lane<W: Write>(
    w: &mut Writer<W>,
    sequences: &mut Sequences,
    track: &Track,
    index: usize,
    track_uuid: u64,
) -> std::io::Result<Lane> {
    let seq = sequences.take();
    let (f, snapshot) = Message::with(field::CLOCK_SNAPSHOT, |m| {
        for (id, incremental) in [(INCREMENTAL_CLOCK, true), (BOOTTIME, false)] {
            let mut clock = Message::default();
            clock
                .uint(field::CLOCK_ID, id)
                .uint(field::CLOCK_TIMESTAMP, TRACE_START_NS);
            if incremental {
                clock.uint(field::CLOCK_IS_INCREMENTAL, 1);
            }
            m.message(field::CLOCKS, &clock);
        }
    });
    let mut first = Message::default();
    first
        .uint(field::TRUSTED_PACKET_SEQUENCE_ID, seq)
        .uint(field::SEQUENCE_FLAGS, SEQ_INCREMENTAL_STATE_CLEARED)
        .message(f, &snapshot);
    w.packet(&first)?;

    let mut descriptor = Message::default();
    descriptor.uint(field::UUID, seq);
    match (index, track.thread) {
        (0, Some(tid)) => {
            let (f, thread) = Message::with(field::THREAD, |m| {
                m.uint(field::THREAD_PID, track.pid)
                    .uint(field::TID, tid)
                    .bytes(field::THREAD_NAME, track.name.as_bytes());
            });
            descriptor
                .uint(field::PARENT_UUID, track.process_uuid)
                .message(f, &thread);
        }
        (0, None) => {
            descriptor
                .uint(field::PARENT_UUID, track.process_uuid)
                .bytes(field::TRACK_NAME, track.name.as_bytes());
        }
        _ => {
            let name = format!("{} · overlapping {index}", track.name);
            descriptor
                .uint(field::PARENT_UUID, track_uuid)
                .bytes(field::TRACK_NAME, name.as_bytes());
        }
    }
    let (f, defaults) = Message::with(field::TRACE_PACKET_DEFAULTS, |m| {
        let mut track_defaults = Message::default();
        track_defaults.uint(field::TRACK_UUID, seq);
        m.uint(field::DEFAULTS_TIMESTAMP_CLOCK_ID, INCREMENTAL_CLOCK)
            .message(field::DEFAULTS_TRACK_EVENT, &track_defaults);
    });
    let mut second = Message::default();
    second
        .uint(field::TRUSTED_PACKET_SEQUENCE_ID, seq)
        .uint(field::SEQUENCE_FLAGS, SEQ_NEEDS_INCREMENTAL_STATE)
        .message(f, &defaults)
        .message(field::TRACK_DESCRIPTOR, &descriptor)
        .message(field::INTERNED_DATA, &annotation_names());
    w.packet(&second)?;
    Ok(Lane {
        seq,
        open: Vec::new(),
        last_ts: 0,
        interned: std::collections::HashSet::new(),
    })
}
