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

    end_ns = max((int(f["completed_ns"] or 0) for f in futures), default=1) * args.zoom
    palette = plt.get_cmap("tab10").colors
    color = {t: palette[int(t) % len(palette)] for t in threads}
    seen = {}

    fig, ax = plt.subplots(figsize=(12, 0.9 * len(futures) + 1.5))
    fig.patch.set_facecolor("#1f2640")
    ax.set_facecolor("#1f2640")
    for row, f in enumerate(futures):
        y = len(futures) - 1 - row
        bars = samples[f["future"]] if f["placement"] in OFF_TASK else polls[f["future"]]
        for b in bars:
            start, end = int(b["start_ns"]), int(b["end_ns"])
            if start > end_ns:
                continue
            t = b["thread"]
            label = f"{threads[t]['kind']} (thread {t})" if t not in seen else None
            seen[t] = True
            ax.broken_barh([(start / 1e3, max(end - start, 1) / 1e3)], (y + 0.1, 0.8), color=color.get(t), label=label)
        xs = [(int(s["start_ns"]) + int(s["end_ns"])) / 2e3 for s in samples[f["future"]] if int(s["start_ns"]) <= end_ns]
        ys = [y + 0.5 + 0.3 * float(s["value"]) for s in samples[f["future"]] if int(s["start_ns"]) <= end_ns]
        ax.scatter(xs, ys, s=4, color="white", zorder=3)
    ax.set_yticks([len(futures) - 0.5 - i for i in range(len(futures))], [f["future"] for f in futures], color="white")
    ax.set_xlim(0, end_ns / 1e3)
    ax.set_xlabel("time since the run's start (µs)", color="white")
    ax.tick_params(colors="white")
    ax.set_title(run_id, color="white")
    ax.legend(loc="upper right", fontsize=7)
    fig.tight_layout()
    fig.savefig(args.output, dpi=120)
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
