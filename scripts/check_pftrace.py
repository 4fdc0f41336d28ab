#!/usr/bin/env python3
# /// script
# requires-python = ">=3.9"
# dependencies = ["perfetto>=0.59.1", "protobuf>=6.31.1"]
# ///
"""Check a result folder's trace.pftrace with Perfetto's own protos.

An independent check of pollscope's hand-written protobuf encoder: the trace
is decoded with the message classes generated from Perfetto's
protos/perfetto/trace/perfetto_trace.proto, as shipped in the `perfetto`
PyPI package (perfetto.protos.perfetto.trace.perfetto_trace_pb2; nothing is
downloaded at run time), and compared with the folder's CSV files. It checks:

* every byte decodes as a Trace whose packets (after inflating
  compressed_packets, each under 512 KiB) carry no field Perfetto's protos
  do not know;
* every packet names its sequence; a sequence's track events come after a
  packet that clears its incremental state and holds a clock snapshot of an
  incremental clock with BOOTTIME, under defaults that use that clock and
  name a track described on the sequence; event names are interned on the
  sequence before their use;
* one process track per run of runs.csv (its name the run id), one thread
  track per row of threads.csv under its run's process (tid
  pid * 100000 + thread + 1, named `<label> (tid <os_thread_id>)`, labels
  `main`, `worker N`, `blocking N`, `pool N`), one `<future> events` track
  per service future with samples, and child tracks only under those;
* slices begin and end balanced and nested on every track, in time order;
* the slices are exactly polls.csv and samples.csv: per run, the multiset of
  (track, name, start_ns, end_ns) equals one slice per poll (named by its
  future, on its thread's track) and one per sample (`<future> step` on its
  thread's track; a service's `<future> event` on its events track), where a
  slice on a child track counts for the track it overlaps on;
* every slice's arguments (debug annotations, names interned on the
  sequence) are its row's: a poll's number, scheduling delay (start_ns -
  woken_ns) and on-CPU time, a
  sample's sequence number, value and on-CPU time;
* the wake flows: each flow id starts once, on a poll, and is terminated
  once, on the same future's next poll, which polls.csv says was woken;
  one flow per such poll.

Prints one line per folder and a summary line; exits 1 on any failure.

Example:
    python3 scripts/check_pftrace.py results/reference
"""

import argparse
import csv
import sys
import zlib
from collections import Counter, defaultdict
from pathlib import Path

from google.protobuf import unknown_fields
from google.protobuf.message import DecodeError
from perfetto.protos.perfetto.trace import perfetto_trace_pb2 as pb

BOOTTIME = pb.BuiltinClock.Value("BUILTIN_CLOCK_BOOTTIME")
CLEARED = pb.TracePacket.SequenceFlags.Value("SEQ_INCREMENTAL_STATE_CLEARED")
NEEDS_STATE = pb.TracePacket.SequenceFlags.Value("SEQ_NEEDS_INCREMENTAL_STATE")
BEGIN = pb.TrackEvent.Type.Value("TYPE_SLICE_BEGIN")
END = pb.TrackEvent.Type.Value("TYPE_SLICE_END")
MAX_CHUNK = 512 * 1024


class Failed(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Failed(message)


def read_csv(path: Path):
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


def unknown(message, where="packet"):
    """Paths of fields in `message` (recursively) that the protos do not define."""
    found = [f"{where}.#{u.field_number}" for u in unknown_fields.UnknownFieldSet(message)]
    for field, value in message.ListFields():
        if field.type != field.TYPE_MESSAGE:
            continue
        repeated = field.is_repeated if hasattr(field, "is_repeated") else field.label == field.LABEL_REPEATED
        values = value if repeated else [value]
        for v in values:
            found += unknown(v, f"{where}.{field.name}")
    return found


def packets(data: bytes):
    """The trace's packets, compressed_packets inflated, in file order."""
    trace = pb.Trace.FromString(data)
    for packet in trace.packet:
        if packet.HasField("compressed_packets"):
            inner = zlib.decompress(packet.compressed_packets)
            check(len(inner) < MAX_CHUNK, f"a compressed_packets of {len(inner)} bytes inflated")
            check(packet.ListFields()[0][0].name == "compressed_packets" and len(packet.ListFields()) == 1,
                  "a compressed_packets packet holds other fields")
            for p in pb.Trace.FromString(inner).packet:
                check(not p.HasField("compressed_packets"), "nested compressed_packets")
                yield p
        else:
            yield packet


def labels(threads):
    """`main`, `worker 1`, `blocking 2`, … by kind, numbered in index order."""
    counts = Counter()
    out = {}
    for t in sorted(threads, key=lambda t: int(t["thread"])):
        counts[t["kind"]] += 1
        first_main = t["kind"] == "main" and counts["main"] == 1
        out[int(t["thread"])] = "main" if first_main else f"{t['kind']} {counts[t['kind']]}"
    return out


class Sequence:
    def __init__(self):
        self.cleared = False
        self.clock = None  # (clock id, value at the run's start)
        self.now = None  # the incremental clock's value
        self.default_track = None
        self.default_clock = None
        self.names = {}
        self.annotations = {}


def check_folder(folder: Path):
    data = (folder / "trace.pftrace").read_bytes()
    runs = [r["run_id"] for r in read_csv(folder / "runs.csv")]
    threads = defaultdict(list)
    for t in read_csv(folder / "threads.csv"):
        threads[t["run_id"]].append(t)
    services = {(f["run_id"], f["future"]) for f in read_csv(folder / "futures.csv")
                if f.get("kind") == "service" and int(f["samples"]) > 0}

    sequences = defaultdict(Sequence)
    tracks = {}  # uuid -> descriptor
    track_sequence = {}  # uuid -> the sequence that described it
    open_slices = defaultdict(list)  # track uuid -> [(name, start, args, flows, terminating)]
    slices = []  # (track uuid, name, start, end, args, flow ids, terminating flow ids)
    count = 0
    for packet in packets(data):
        count += 1
        bad = unknown(packet)
        check(not bad, f"packet {count}: fields Perfetto's protos do not define: {bad}")
        check(packet.trusted_packet_sequence_id > 0, f"packet {count} names no sequence")
        seq_id = packet.trusted_packet_sequence_id
        seq = sequences[seq_id]
        if packet.sequence_flags & CLEARED:
            seq.cleared, seq.names, seq.annotations, seq.clock = True, {}, {}, None
        if packet.HasField("clock_snapshot"):
            clocks = {c.clock_id: c for c in packet.clock_snapshot.clocks}
            check(BOOTTIME in clocks, f"sequence {seq_id}: a clock snapshot without BOOTTIME")
            incremental = [c for c in clocks.values() if c.is_incremental]
            check(len(incremental) == 1 and incremental[0].clock_id >= 64,
                  f"sequence {seq_id}: the snapshot has no sequence-scoped incremental clock")
            # The snapshot is taken at the run's start (time 0).
            seq.clock = (incremental[0].clock_id, incremental[0].timestamp)
            seq.now = incremental[0].timestamp
            check(clocks[BOOTTIME].timestamp == incremental[0].timestamp,
                  f"sequence {seq_id}: the incremental clock is not BOOTTIME at the run's start")
        if packet.HasField("trace_packet_defaults"):
            d = packet.trace_packet_defaults
            seq.default_clock = d.timestamp_clock_id
            seq.default_track = d.track_event_defaults.track_uuid
        if packet.HasField("track_descriptor"):
            d = packet.track_descriptor
            check(d.uuid not in tracks, f"track {d.uuid} described twice")
            tracks[d.uuid] = d
            track_sequence[d.uuid] = seq_id
        if packet.HasField("interned_data"):
            check(seq.cleared, f"sequence {seq_id}: names interned before the state is cleared")
            for name in packet.interned_data.event_names:
                check(seq.names.get(name.iid, name.name) == name.name,
                      f"sequence {seq_id}: iid {name.iid} interned as two names")
                seq.names[name.iid] = name.name
            for name in packet.interned_data.debug_annotation_names:
                seq.annotations[name.iid] = name.name
        if packet.HasField("track_event"):
            e = packet.track_event
            check(seq.cleared and seq.clock is not None,
                  f"sequence {seq_id}: a track event before the state is cleared with a clock snapshot")
            check(packet.sequence_flags & NEEDS_STATE, f"sequence {seq_id}: an event without SEQ_NEEDS_INCREMENTAL_STATE")
            clock = packet.timestamp_clock_id if packet.HasField("timestamp_clock_id") else seq.default_clock
            check(clock == seq.clock[0], f"sequence {seq_id}: an event on clock {clock}, not the sequence's")
            check(packet.HasField("timestamp"), f"sequence {seq_id}: an event without a timestamp")
            seq.now += packet.timestamp
            t = seq.now - seq.clock[1]
            track = e.track_uuid if e.HasField("track_uuid") else seq.default_track
            check(track in tracks and track_sequence[track] == seq_id,
                  f"sequence {seq_id}: an event on track {track}, not described on this sequence")
            if e.type == BEGIN:
                check(e.HasField("name_iid") and e.name_iid in seq.names,
                      f"sequence {seq_id}: a slice whose name is not interned")
                args = {}
                for a in e.debug_annotations:
                    check(a.name_iid in seq.annotations,
                          f"sequence {seq_id}: an argument whose name is not interned")
                    value = a.double_value if a.HasField("double_value") else a.uint_value
                    args[seq.annotations[a.name_iid]] = value
                open_slices[track].append((seq.names[e.name_iid], t, args, list(e.flow_ids),
                                           list(e.terminating_flow_ids)))
            elif e.type == END:
                check(open_slices[track], f"track {track}: an end without a begin at {t} ns")
                name, start, args, flows, terminating = open_slices[track].pop()
                check(start <= t, f"track {track}: {name} ends at {t} before it begins at {start}")
                if open_slices[track]:
                    # Nested: the slice lies inside the one still open.
                    check(open_slices[track][-1][1] <= start, f"track {track}: {name} is not nested")
                slices.append((track, name, start, t, args, flows, terminating))
            else:
                raise Failed(f"sequence {seq_id}: an event of type {pb.TrackEvent.Type.Name(e.type)}")
    unclosed = {k: v for k, v in open_slices.items() if v}
    check(not unclosed, f"slices never ended: {unclosed}")

    # Tracks: processes, threads, service events, overlap lanes.
    processes = {d.uuid: d for d in tracks.values() if d.HasField("process")}
    by_pid = {d.process.pid: d for d in processes.values()}
    check(len(by_pid) == len(processes), "two process tracks share a pid")
    check(sorted(d.process.process_name for d in processes.values()) == sorted(runs),
          "process tracks are not one per run of runs.csv")
    run_of = {d.uuid: d.process.process_name for d in processes.values()}
    owner = {}  # track uuid -> (run, "thread", index) or (run, "events", future)
    thread_tracks = Counter()
    for d in tracks.values():
        if d.HasField("thread"):
            process = by_pid.get(d.thread.pid)
            check(process is not None and d.parent_uuid == process.uuid,
                  f"thread track {d.thread.thread_name!r} is not under its process")
            run = process.process.process_name
            index = d.thread.tid - d.thread.pid * 100_000 - 1
            owner[d.uuid] = (run, "thread", index)
            thread_tracks[run] += 1
    for run in runs:
        rows = threads[run]
        label = labels(rows)
        tids = {}
        for d in tracks.values():
            if d.HasField("thread") and owner[d.uuid][0] == run:
                tids[owner[d.uuid][2]] = d.thread.thread_name
        expected = {int(t["thread"]): f"{label[int(t['thread'])]} (tid {t['os_thread_id']})" for t in rows}
        check(tids == expected, f"{run}: thread tracks {tids} are not threads.csv's {expected}")
    for d in tracks.values():
        if d.uuid in owner or d.uuid in processes:
            continue
        if d.parent_uuid in processes:
            future = d.name.removesuffix(" events")
            run = run_of[d.parent_uuid]
            check(d.name.endswith(" events") and (run, future) in services,
                  f"{run}: track {d.name!r} is not a service future's events")
            owner[d.uuid] = (run, "events", future)
    for d in tracks.values():
        if d.uuid in owner or d.uuid in processes:
            continue
        # An overlap lane: a child of a thread's or events track.
        check(d.parent_uuid in owner, f"track {d.name!r} is under neither a thread nor a service's events")
        parent = tracks[d.parent_uuid]
        base = parent.thread.thread_name if parent.HasField("thread") else parent.name
        check(d.name.startswith(f"{base} · overlapping "), f"lane {d.name!r} is not named after {base!r}")
        owner[d.uuid] = owner[d.parent_uuid]
    events_tracks = {o for o in owner.values() if o[1] == "events"}
    check(events_tracks == {(r, "events", f) for r, f in services},
          "not one events track per service future with samples")

    # The slices are the CSV rows, arguments and all.
    def cell(row, column):
        return int(row[column]) if row.get(column) else None

    def arguments(args):
        value = args.get("value")
        return (args.get("poll"), args.get("sched_delay_ns"), args.get("cpu_ns"), args.get("seq"),
                None if value is None else round(value, 6))

    got = Counter((owner[track], name, start, end, arguments(args))
                  for track, name, start, end, args, _, _ in slices)
    want = Counter()
    polls_csv = read_csv(folder / "polls.csv")
    for p in polls_csv:
        delay = int(p["start_ns"]) - int(p["woken_ns"]) if p["woken_ns"] else None
        args = (int(p["poll"]), max(delay, 0) if delay is not None else None, cell(p, "cpu_ns"), None, None)
        want[((p["run_id"], "thread", int(p["thread"])), p["future"], int(p["start_ns"]), int(p["end_ns"]), args)] += 1
    for s in read_csv(folder / "samples.csv"):
        run, future = s["run_id"], s["future"]
        if (run, future) in services:
            key = ((run, "events", future), f"{future} event")
        else:
            key = ((run, "thread", int(s["thread"])), f"{future} step")
        args = (None, None, cell(s, "cpu_ns"), int(s["seq"]), round(float(s["value"]), 6))
        want[key + (int(s["start_ns"]), int(s["end_ns"]), args)] += 1
    missing, extra = want - got, got - want
    check(not missing and not extra,
          f"slices differ from polls.csv + samples.csv: {sum(missing.values())} missing "
          f"(e.g. {list(missing)[:3]}), {sum(extra.values())} extra (e.g. {list(extra)[:3]})")
    flows = check_flows(slices, owner, polls_csv)
    return (f"{count} packets, {flows} wake flows, {len(processes)} process tracks, {sum(thread_tracks.values())} thread tracks, "
            f"{len(events_tracks)} events tracks, {len(tracks) - len(processes) - sum(thread_tracks.values()) - len(events_tracks)} "
            f"overlap lanes, {len(slices)} slices = polls.csv + samples.csv")


def check_flows(slices, owner, polls_csv):
    """Each flow starts on a poll and ends on its future's next poll, which
    was woken; one flow per woken poll after the first. Returns the count."""
    starts, ends = {}, {}
    for track, name, _, _, args, flows, terminating in slices:
        where = (owner[track][0], name, args.get("poll"))
        for flow in flows:
            check(flow not in starts, f"flow {flow} starts twice")
            check(where[2] is not None, f"flow {flow} starts on a slice that is no poll")
            starts[flow] = where
        for flow in terminating:
            check(flow not in ends, f"flow {flow} ends twice")
            ends[flow] = where
    check(starts.keys() == ends.keys(), "flows that start and never end, or end and never start")
    for flow, (run, future, poll) in ends.items():
        check(starts[flow] == (run, future, poll - 1),
              f"flow {flow} ends on {future} poll {poll} of {run} but starts on {starts[flow]}")
    woken = {(p["run_id"], p["future"], int(p["poll"])) for p in polls_csv
             if p["woken_ns"] and p["poll"] != "0"}
    check(set(ends.values()) == woken, f"{len(ends)} flows for {len(woken)} woken polls")
    return len(ends)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("results", type=Path, nargs="+", help="pollscope result folders holding trace.pftrace")
    args = parser.parse_args()
    failed = 0
    for folder in args.results:
        try:
            print(f"{folder}: ok: {check_folder(folder)}")
        except (Failed, DecodeError, zlib.error, OSError, KeyError, ValueError) as e:
            failed += 1
            print(f"{folder}: FAILED: {type(e).__name__}: {e}")
    print(f"check_pftrace: {len(args.results) - failed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
