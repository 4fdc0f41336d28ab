#!/usr/bin/env python3
# /// script
# requires-python = ">=3.9"
# dependencies = []
# ///
"""Draw one history metric over labels as a small SVG, standard library only.

Asks `pollscope history show SERIES METRIC --format json` for each series
given and draws, per series, every repeat as a dot and the labels' medians
joined by a line, labels (e.g. tokio-1.45.0 ... tokio-1.54.1) along x in the
database's order. Made for scripts/tokio_versions.sh's database
(docs/tokio-versions.md); works on any history database.

Example:
    python3 scripts/plot_history_svg.py --db results/tokio-versions/history.sqlite \\
        --metric events_per_s SERIES_ID SERIES_ID -o tokio-versions.svg
"""

import argparse
import json
import math
import os
import subprocess
import sys
from xml.sax.saxutils import escape

COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf"]
WIDTH, PLOT_HEIGHT = 640, 240
LEFT, RIGHT, TOP = 70, 20, 40

UNIT_SCALE = {  # stored unit -> (divisor, shown unit)
    "ns": (1e3, "µs"),
    "ns/event": (1.0, "ns CPU per event"),
    "events/s": (1e3, "thousand events/s"),
}


def show(pollscope, db, series, metric):
    """The parsed `history show` answer for one series."""
    command = [pollscope, "history", "show", series, metric, "--format", "json", "--db", db]
    try:
        done = subprocess.run(command, capture_output=True, text=True)
    except OSError as e:
        sys.exit(f"plot_history_svg.py: cannot run {pollscope}: {e.strerror} (--pollscope BIN)")
    if done.returncode != 0:
        sys.exit(f"plot_history_svg.py: {done.stderr.strip() or 'pollscope failed'}")
    return json.loads(done.stdout)


def repeats(shown):
    """How many repeats each label has: `12`, or `3–12` where they differ."""
    counts = sorted(len(e["values"]) for e in shown["labels"])
    return str(counts[0]) if counts[0] == counts[-1] else f"{counts[0]}–{counts[-1]}"


def nice_top(value):
    """A round axis maximum at or above value, in quarters that read well."""
    if value <= 0:
        return 1.0
    magnitude = 10 ** math.floor(math.log10(value))
    return next(c * magnitude for c in (1, 2, 4, 6, 8, 10) if c * magnitude >= value)


def draw(shown, title):
    """The SVG text for a list of `history show` answers (same metric)."""
    labels = []
    for s in shown:
        for entry in s["labels"]:
            if entry["label"] not in labels:
                labels.append(entry["label"])
    divisor, unit = UNIT_SCALE.get(shown[0]["unit"], (1.0, shown[0]["unit"]))
    peak = max(v / divisor for s in shown for e in s["labels"] for v in e["values"])
    top = nice_top(peak * 1.05)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, PLOT_HEIGHT
    height = TOP + plot_h + 36 + 16 * len(shown)

    def x(i):
        return LEFT + plot_w * (i + 0.5) / len(labels)

    def y(v):
        return TOP + plot_h * (1 - v / top)

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" font-family="sans-serif" font-size="11">',
        f'<rect width="{WIDTH}" height="{height}" fill="white"/>',
        f'<text x="{WIDTH / 2}" y="18" text-anchor="middle" font-size="13">{escape(title)}</text>',
    ]
    for k in range(5):
        v = top * k / 4
        out.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="#ddd"/>'
            f'<text x="{LEFT - 6}" y="{y(v) + 4:.1f}" text-anchor="end">{v:g}</text>'
        )
    out.append(
        f'<text transform="translate(14 {TOP + plot_h / 2}) rotate(-90)" '
        f'text-anchor="middle">{escape(shown[0]["metric"])} ({escape(unit)})</text>'
    )
    for i, label in enumerate(labels):
        out.append(
            f'<text x="{x(i):.1f}" y="{TOP + plot_h + 16}" text-anchor="middle">{escape(label)}</text>'
        )
    for n, s in enumerate(shown):
        colour = COLOURS[n % len(COLOURS)]
        medians = []
        for e in s["labels"]:
            i = labels.index(e["label"])
            for v in e["values"]:
                out.append(
                    f'<circle cx="{x(i):.1f}" cy="{y(v / divisor):.1f}" r="2.5" '
                    f'fill="{colour}" fill-opacity="0.45"/>'
                )
            medians.append(f"{x(i):.1f},{y(e['median'] / divisor):.1f}")
        out.append(
            f'<polyline points="{" ".join(medians)}" fill="none" stroke="{colour}" stroke-width="2"/>'
        )
        legend_y = TOP + plot_h + 40 + 16 * n
        legend_x = LEFT
        out.append(
            f'<line x1="{legend_x}" x2="{legend_x + 18}" y1="{legend_y - 4}" y2="{legend_y - 4}" '
            f'stroke="{colour}" stroke-width="2"/><text x="{legend_x + 24}" y="{legend_y}">'
            f'{escape(s["series"]["description"])}: median, {repeats(s)} repeats (dots)</text>'
        )
    out.append("</svg>")
    return "\n".join(out) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("series", nargs="+", help="series ids (or unique prefixes), from `pollscope history list`")
    parser.add_argument("--metric", required=True, help="e.g. events_per_s, cpu_per_event, makespan")
    parser.add_argument("--db", default="results/history.sqlite", help="the history database")
    parser.add_argument(
        "--pollscope",
        default=os.environ.get("POLLSCOPE_BIN", "target/release/pollscope"),
        help="the pollscope binary [default: $POLLSCOPE_BIN, else target/release/pollscope]",
    )
    parser.add_argument("--title", help="the chart's title [default: the metric and the machine]")
    parser.add_argument("-o", "--output", required=True, help="the SVG file to write")
    args = parser.parse_args()
    shown = [show(args.pollscope, args.db, s, args.metric) for s in args.series]
    machine = shown[0]["series"]
    title = args.title or f"{args.metric} on {machine['cpu_model']} ({machine['cores']} cores)"
    with open(args.output, "w", encoding="utf-8") as f:
        f.write(draw(shown, title))


if __name__ == "__main__":
    main()
