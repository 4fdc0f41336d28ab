#!/usr/bin/env python3
# /// script
# requires-python = ">=3.9"
# dependencies = ["matplotlib>=3.5"]
# ///
"""Compare latency distributions across result folders and runs on one chart.

Draws the CDF (log time axis) of a metric from histograms.csv — scheduling
delay by default — for every run of every folder given (filter with --run),
one line per (folder, run). Use it to compare configurations or commits.

Example:
    python3 scripts/plot_latency.py results/reference results/latest --run many_spawn_task -o sched.png
"""

import argparse
import csv
import re
import sys
from collections import defaultdict
from pathlib import Path

METRICS = ("sched_delay", "poll_duration", "sample_gap")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("results", type=Path, nargs="+", help="one or more pollscope result folders")
    parser.add_argument("--metric", choices=METRICS, default="sched_delay", help="which distribution (default sched_delay)")
    parser.add_argument("--future", default="*", help="which future, or * for all of a run's (default *)")
    parser.add_argument("--run", default="", help="regular expression the run ids must match (default: all runs)")
    parser.add_argument("-o", "--output", type=Path, default=Path("latency.png"), help="image to write (default latency.png)")
    args = parser.parse_args()

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    try:
        pattern = re.compile(args.run)
    except re.error as e:
        sys.exit(f"error: --run {args.run!r}: {e}")
    lines = defaultdict(list)
    for folder in args.results:
        path = folder / "histograms.csv"
        try:
            with path.open(newline="") as f:
                rows = list(csv.DictReader(f))
        except OSError as e:
            sys.exit(f"error: {path}: {e.strerror}")
        for r in rows:
            if r["metric"] == args.metric and r["future"] == args.future and pattern.search(r["run_id"]):
                key = r["run_id"] if len(args.results) == 1 else f"{folder.name}: {r['run_id']}"
                lines[key].append((max(int(r["value_ns"]), 1) / 1e3, float(r["percentile"])))
    if not lines:
        sys.exit(f"error: no {args.metric} rows for future {args.future!r} matching --run {args.run!r}")

    fig, ax = plt.subplots(figsize=(10, 6))
    for label, points in sorted(lines.items()):
        points.sort()
        ax.plot([p[0] for p in points], [p[1] for p in points], label=label, linewidth=1.5)
    ax.set_xscale("log")
    ax.set_xlabel(f"{args.metric} (µs, log scale)")
    ax.set_ylabel("percentile")
    ax.set_ylim(0, 100)
    ax.grid(True, alpha=0.3)
    ax.set_title(f"{args.metric} of {args.future} — CDF")
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(args.output, dpi=120)
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
