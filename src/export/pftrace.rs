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
//! [`TracePacketDefaults`] (that clock, that track) and the interned event
//! names. Every poll and sample is then a `TYPE_SLICE_BEGIN` packet (its
//! name by interned id: the future's name for a poll, `<future> step` for
//! a sample) and a `TYPE_SLICE_END` packet, whose timestamps are deltas
//! from the sequence's previous packet. Spans on one thread that overlap
//! without nesting (service samples that span awaits) go to extra child
//! tracks of the thread, each a sequence of its own. The packets are
//! deflated (zlib) in `compressed_packets` of under 512 KiB each.
//!
//! Field numbers are those of Perfetto's protos
//! (`protos/perfetto/trace/trace_packet.proto` and its imports).
//!
//! [`TracePacketDefaults`]: https://perfetto.dev/docs/reference/trace-packet-proto

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use flate2::Compression;
use flate2::write::ZlibEncoder;

use super::RunResult;
use super::tracks::{Kind, track_events};
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
    // ClockSnapshot, ClockSnapshot.Clock
    pub(super) const CLOCKS: u32 = 1;
    pub(super) const CLOCK_ID: u32 = 1;
    pub(super) const CLOCK_TIMESTAMP: u32 = 2;
    pub(super) const CLOCK_IS_INCREMENTAL: u32 = 3;
    // InternedData, EventName
    pub(super) const EVENT_NAMES: u32 = 2;
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
    let written = results
        .iter()
        .enumerate()
        .try_for_each(|(run, r)| write_run(&mut w, &mut sequences, &r.trace, run as u64 + 1))
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

fn write_run<W: Write>(
    w: &mut Writer<W>,
    sequences: &mut Sequences,
    trace: &RunTrace,
    pid: u64,
) -> std::io::Result<()> {
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
    let names = interned_names(trace);
    let labels = thread_labels(&trace.threads);
    for (thread, label) in trace.threads.iter().zip(&labels) {
        let track = Track {
            pid,
            tid: pid * 100_000 + u64::from(thread.index) + 1,
            name: format!("{label} (tid {})", thread.os_thread_id),
            process_uuid,
        };
        write_thread(w, sequences, trace, thread.index, &track, &names)?;
    }
    Ok(())
}

/// The interned event names of a run: iid `2f + 1` is future `f`'s polls,
/// `2f + 2` its samples (`<name> step`).
fn interned_names(trace: &RunTrace) -> Message {
    let mut names = Message::default();
    for (f, future) in trace.futures.iter().enumerate() {
        for (iid, name) in [
            (2 * f as u64 + 1, future.name.clone()),
            (2 * f as u64 + 2, format!("{} step", future.name)),
        ] {
            let mut entry = Message::default();
            entry
                .uint(field::IID, iid)
                .bytes(field::NAME, name.as_bytes());
            names.message(field::EVENT_NAMES, &entry);
        }
    }
    names
}

/// A thread's identity in the trace.
struct Track {
    pid: u64,
    tid: u64,
    name: String,
    process_uuid: u64,
}

/// One sequence: a thread track or an overflow lane of it, with its open
/// slices' ends and its clock.
struct Lane {
    seq: u64,
    open: Vec<u64>,
    last_ts: u64,
}

fn write_thread<W: Write>(
    w: &mut Writer<W>,
    sequences: &mut Sequences,
    trace: &RunTrace,
    thread: u16,
    track: &Track,
    names: &Message,
) -> std::io::Result<()> {
    let mut lanes: Vec<Lane> = Vec::new();
    let mut thread_uuid = 0;
    for e in track_events(trace, thread, false) {
        let iid = 2 * e.future as u64 + if e.kind == Kind::Poll { 1 } else { 2 };
        for lane in &mut lanes {
            close_until(w, lane, e.start)?;
        }
        let fits = |l: &Lane| l.open.last().is_none_or(|&end| e.end <= end);
        let k = match lanes.iter().position(fits) {
            Some(k) => k,
            None => {
                let lane = open_lane(w, sequences, track, names, lanes.len(), thread_uuid)?;
                if lanes.is_empty() {
                    thread_uuid = lane.seq;
                }
                lanes.push(lane);
                lanes.len() - 1
            }
        };
        let lane = &mut lanes[k];
        slice_event(w, lane, e.start, TYPE_SLICE_BEGIN, Some(iid))?;
        lane.open.push(e.end);
    }
    for lane in &mut lanes {
        close_until(w, lane, u64::MAX)?;
    }
    Ok(())
}

/// Ends the lane's open slices that end at or before `t`.
fn close_until<W: Write>(w: &mut Writer<W>, lane: &mut Lane, t: u64) -> std::io::Result<()> {
    while let Some(&end) = lane.open.last().filter(|&&end| end <= t) {
        lane.open.pop();
        slice_event(w, lane, end, TYPE_SLICE_END, None)?;
    }
    Ok(())
}

/// A begin or end packet at `ts` (ns since the run's start).
fn slice_event<W: Write>(
    w: &mut Writer<W>,
    lane: &mut Lane,
    ts: u64,
    kind: u64,
    name: Option<u64>,
) -> std::io::Result<()> {
    let mut event = Message::default();
    event.uint(field::EVENT_TYPE, kind);
    if let Some(iid) = name {
        event.uint(field::NAME_IID, iid);
    }
    let mut packet = Message::default();
    packet
        .uint(field::TIMESTAMP, ts.saturating_sub(lane.last_ts))
        .uint(field::TRUSTED_PACKET_SEQUENCE_ID, lane.seq)
        .uint(field::SEQUENCE_FLAGS, SEQ_NEEDS_INCREMENTAL_STATE)
        .message(field::TRACK_EVENT, &event);
    lane.last_ts = lane.last_ts.max(ts);
    w.packet(&packet)
}

/// Starts a sequence for lane `index` of a thread: lane 0 is the thread
/// track, later lanes child tracks of `thread_uuid` for spans that overlap
/// without nesting. The track's uuid is its sequence id.
fn open_lane<W: Write>(
    w: &mut Writer<W>,
    sequences: &mut Sequences,
    track: &Track,
    names: &Message,
    index: usize,
    thread_uuid: u64,
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
    if index == 0 {
        let (f, thread) = Message::with(field::THREAD, |m| {
            m.uint(field::THREAD_PID, track.pid)
                .uint(field::TID, track.tid)
                .bytes(field::THREAD_NAME, track.name.as_bytes());
        });
        descriptor
            .uint(field::PARENT_UUID, track.process_uuid)
            .message(f, &thread);
    } else {
        let name = format!("{} · overlapping {index}", track.name);
        descriptor
            .uint(field::PARENT_UUID, thread_uuid)
            .bytes(field::TRACK_NAME, name.as_bytes());
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
        .message(field::INTERNED_DATA, names)
        .message(field::TRACK_DESCRIPTOR, &descriptor);
    w.packet(&second)?;
    Ok(Lane {
        seq,
        open: Vec::new(),
        last_ts: 0,
    })
}
