#!/usr/bin/env python3
# /// script
# requires-python = ">=3.9"
# dependencies = ["matplotlib>=3.5"]
# ///
"""Compare latency distributions across result folders and runs on one chart.

Draws the exact empirical CDF (a step function, log time axis) of a metric —
scheduling delay by default — for every run of every folder given (filter
with --run), one line per (folder, run). Values come from polls.csv
(sched_delay = start_ns - woken_ns of each woken poll; poll_duration =
end_ns - start_ns) and samples.csv (sample_gap = start_ns of a sample minus
end_ns of the previous sample of the same future), not from histograms.csv,
so nothing is interpolated. Use it to compare configurations or commits.

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


def read(path: Path):
    try:
        with path.open(newline="") as f:
            return list(csv.DictReader(f))
    except OSError as e:
        sys.exit(f"error: {path}: {e.strerror}")


def metric_values(folder: Path, metric: str, future: str):
    """(run_id, value in ns) of every value of the metric; future '*' takes all futures."""
    pick = lambda r: future == "*" or r["future"] == future
    if metric == "sample_gap":
        previous = {}
        for s in read(folder / "samples.csv"):
            key = (s["run_id"], s["future"])
            if key in previous and pick(s):
                yield s["run_id"], max(int(s["start_ns"]) - previous[key], 0)
            previous[key] = int(s["end_ns"])
        return
    for p in read(folder / "polls.csv"):
        if not pick(p):
            continue
        if metric == "poll_duration":
            yield p["run_id"], int(p["end_ns"]) - int(p["start_ns"])
        elif p["woken_ns"]:
            yield p["run_id"], max(int(p["start_ns"]) - int(p["woken_ns"]), 0)


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
        for run_id, value in metric_values(folder, args.metric, args.future):
            if pattern.search(run_id):
                key = run_id if len(args.results) == 1 else f"{folder.name}: {run_id}"
                lines[key].append(value)
    if not lines:
        sys.exit(f"error: no {args.metric} values for future {args.future!r} matching --run {args.run!r}")

    fig, ax = plt.subplots(figsize=(10, 6))
    for label, values in sorted(lines.items()):
        values.sort()
        n = len(values)
        xs = [max(v, 1) / 1e3 for v in values]
        ys = [100 * (i + 1) / n for i in range(n)]
        ax.step([xs[0]] + xs, [0] + ys, where="post", label=label, linewidth=1.5)
    ax.set_xscale("log")
    ax.set_xlabel(f"{args.metric} (µs, log scale)")
    ax.set_ylabel("% of values ≤ time")
    ax.set_ylim(0, 100)
    ax.grid(True, alpha=0.3)
    ax.set_title(f"{args.metric} of {args.future} — CDF")
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(args.output, dpi=120)
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
