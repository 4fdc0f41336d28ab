#!/usr/bin/env python3
# /// script
# requires-python = ">=3.9"
# dependencies = ["matplotlib>=3.5"]
# ///
"""Draw the blog post's timeline picture from a pollscope result folder.

One row per future: a bar per poll coloured by the thread that ran it (steps
of spawn_blocking and pool futures as bars on their own threads), and a dot
per sample at its sine value. Reads samples.csv, polls.csv, futures.csv,
threads.csv and runs.csv; restyle it freely.

Example:
    python3 scripts/plot_timeline.py results/latest --run spawn_task-w2-cpu500us-r0 --zoom 0.05 -o spawn.png
"""

import argparse
import csv
import sys
from collections import defaultdict
from pathlib import Path

OFF_TASK = {"spawn_blocking", "pool", "span"}

# Hue families per thread kind in CIE LCh, as pollscope's SVGs draw them:
# (hue range in degrees, lightness range, chroma).
FAMILIES = {
    "main": ((262, 282), (60, 78), 45),
    "worker": ((150, 195), (58, 86), 45),
    "blocking": ((48, 88), (58, 86), 55),
    "pool": ((318, 350), (58, 82), 50),
}


def lab_to_rgb(l, a, b):
    """CIE L*a*b* (D65) to sRGB in 0..1, or None outside the gamut."""
    fy = (l + 16) / 116

    def inv(t):
        return t ** 3 if t > 6 / 29 else 3 * (6 / 29) ** 2 * (t - 4 / 29)

    x, y, z = 0.95047 * inv(fy + a / 500), inv(fy), 1.08883 * inv(fy - b / 200)
    lin = (
        3.2404542 * x - 1.5371385 * y - 0.4985314 * z,
        -0.9692660 * x + 1.8760108 * y + 0.0415560 * z,
        0.0556434 * x - 0.2040259 * y + 1.0572252 * z,
    )
    if any(v < -1e-9 or v > 1 + 1e-9 for v in lin):
        return None
    enc = lambda v: 12.92 * v if v <= 0.0031308 else 1.055 * v ** (1 / 2.4) - 0.055
    return tuple(round(enc(min(max(v, 0.0), 1.0)) * 255) / 255 for v in lin)


def thread_color(kind, index, count):
    """The colour of the index-th of count threads of a kind: shades of the kind's hue family."""
    import math

    (h0, h1), (l0, l1), chroma = FAMILIES.get(kind, FAMILIES["worker"])
    if count <= 1:
        l, h = (l0 + l1) / 2, (h0 + h1) / 2
    else:
        l = l0 + (l1 - l0) * index / (count - 1)
        h = h0 + (h1 - h0) * ((index * 0.618034 + 0.5) % 1)
    while True:
        rgb = lab_to_rgb(l, chroma * math.cos(math.radians(h)), chroma * math.sin(math.radians(h)))
        if rgb is not None:
            return rgb
        chroma *= 0.95


def run_colors(threads):
    """Thread index -> colour: every thread of the run its own."""
    kind = {t: threads[t]["kind"].split("+")[0] for t in threads}
    counts = defaultdict(int)
    for t in threads:
        counts[kind[t]] += 1
    seen, colors = defaultdict(int), {}
    for t in sorted(threads, key=int):
        colors[t] = thread_color(kind[t], seen[kind[t]], counts[kind[t]])
        seen[kind[t]] += 1
    return colors


UNITS = {"ns": 1, "us": 1e3, "µs": 1e3, "ms": 1e6, "s": 1e9}


def parse_window(text: str):
    """FROM..TO durations (e.g. 5ms..10ms) as (start_ns, end_ns)."""
    import re

    def ns(part):
        m = re.fullmatch(r"\s*([0-9.]+)\s*(ns|us|µs|ms|s)?\s*", part)
        if not m or (m.group(2) is None and float(m.group(1)) != 0):
            sys.exit(f"error: --window {text!r}: {part!r} is not a duration (e.g. 5ms)")
        return float(m.group(1)) * UNITS.get(m.group(2) or "ns", 1)

    if ".." not in text:
        sys.exit(f"error: --window {text!r} is not FROM..TO (e.g. 5ms..10ms)")
    start, end = (ns(p) for p in text.split("..", 1))
    if end <= start:
        sys.exit(f"error: --window {text!r} is empty or reversed")
    return start, end


def read(folder: Path, name: str):
    path = folder / name
    try:
        with path.open(newline="") as f:
            return list(csv.DictReader(f))
    except OSError as e:
        sys.exit(f"error: {path}: {e.strerror}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("results", type=Path, help="a pollscope result folder")
    parser.add_argument("--run", help="run id to draw (default: the first in runs.csv)")
    parser.add_argument("--zoom", type=float, default=1.0, help="share of the run to show, from its start (default 1.0)")
    parser.add_argument("--window", help="time window FROM..TO since the run's start, e.g. 5ms..10ms (overrides --zoom)")
    parser.add_argument("-o", "--output", type=Path, default=Path("timeline.png"), help="image to write (default timeline.png)")
    args = parser.parse_args()

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    runs = read(args.results, "runs.csv")
    if not runs:
        sys.exit(f"error: {args.results}/runs.csv has no runs")
    run_id = args.run or runs[0]["run_id"]
    if run_id not in {r["run_id"] for r in runs}:
        sys.exit(f"error: no run {run_id!r} in {args.results}/runs.csv")
    if not 0 < args.zoom <= 1:
        sys.exit(f"error: --zoom {args.zoom} must be in (0, 1]")

    futures = [f for f in read(args.results, "futures.csv") if f["run_id"] == run_id]
    threads = {t["thread"]: t for t in read(args.results, "threads.csv") if t["run_id"] == run_id}
    polls, samples = defaultdict(list), defaultdict(list)
    for p in read(args.results, "polls.csv"):
        if p["run_id"] == run_id:
            polls[p["future"]].append(p)
    for s in read(args.results, "samples.csv"):
        if s["run_id"] == run_id:
            samples[s["future"]].append(s)

    start_ns, end_ns = 0, max((int(f["completed_ns"] or 0) for f in futures), default=1) * args.zoom
    if args.window:
        start_ns, end_ns = parse_window(args.window)
    color = run_colors(threads)
    labels = {}
    per_kind = defaultdict(int)
    for t in sorted(threads, key=int):
        k = threads[t]["kind"]
        per_kind[k] += 1
        labels[t] = f"{k} {per_kind[k]} · tid {threads[t].get('os_thread_id', '?')}"

    legend_rows = (len(threads) + 5) // 6
    fig, ax = plt.subplots(figsize=(12, 0.9 * len(futures) + 1.5 + 0.25 * legend_rows))
    fig.patch.set_facecolor("#1f2640")
    ax.set_facecolor("#1f2640")
    for row, f in enumerate(futures):
        y = len(futures) - 1 - row
        bars = samples[f["future"]] if f["placement"] in OFF_TASK else polls[f["future"]]
        for b in bars:
            start, end = int(b["start_ns"]), int(b["end_ns"])
            if start > end_ns or end < start_ns:
                continue
            t = b["thread"]
            ax.broken_barh([(start / 1e3, max(end - start, 1) / 1e3)], (y + 0.1, 0.8), color=color.get(t))
        xs = [(int(s["start_ns"]) + int(s["end_ns"])) / 2e3 for s in samples[f["future"]] if start_ns <= int(s["start_ns"]) <= end_ns]
        ys = [y + 0.5 + 0.3 * float(s["value"]) for s in samples[f["future"]] if start_ns <= int(s["start_ns"]) <= end_ns]
        ax.scatter(xs, ys, s=6, color="white", edgecolors="#101426", linewidths=0.5, zorder=3)
    ax.set_yticks([len(futures) - 0.5 - i for i in range(len(futures))], [f["future"] for f in futures], color="white")
    ax.set_xlim(start_ns / 1e3, end_ns / 1e3)
    ax.set_xlabel("time since the run's start (µs)", color="white")
    ax.tick_params(colors="white")
    ax.set_title(run_id, color="white")
    # A complete legend: every thread of the run, in thread order, in as many columns as it needs.
    from matplotlib.patches import Patch

    order = sorted(threads, key=int)
    handles = [Patch(color=color[t], label=labels[t]) for t in order]
    ncol = max(1, min(6, (len(handles) + 5) // 6))
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.15), ncol=ncol, fontsize=7, frameon=False, labelcolor="white")
    fig.tight_layout()
    fig.savefig(args.output, dpi=120)
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
