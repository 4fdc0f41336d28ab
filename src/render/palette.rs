//! Colours and names of threads, shared by every picture.
//!
//! Every thread of a run gets its own colour. Kinds are hue families
//! (main blue, workers green–teal, blocking orange–amber, pool
//! magenta–pink), apart from each other by a CIEDE2000 difference of at least
//! 10; threads of one kind are shades of their family. Every colour has a
//! contrast of at least 3:1 (WCAG 2) against [`BACKGROUND`].

use plotters::style::RGBColor;

use crate::probe::{ThreadInfo, ThreadKind};

/// Background of the pictures (the seed's dark navy).
pub(crate) const BACKGROUND: RGBColor = RGBColor(0x1F, 0x26, 0x40);
/// Text and axes.
pub(crate) const FOREGROUND: RGBColor = RGBColor(0xDD, 0xE1, 0xEA);
/// Grid lines.
pub(crate) const GRID: RGBColor = RGBColor(0x3A, 0x43, 0x63);

/// A kind's family in CIE LCh: hue range (degrees) and lightness range.
struct Family {
    hue: (f64, f64),
    lightness: (f64, f64),
    chroma: f64,
}

fn family(kind: ThreadKind) -> Family {
    match kind {
        ThreadKind::Main => Family {
            hue: (262.0, 282.0),
            lightness: (60.0, 78.0),
            chroma: 45.0,
        },
        ThreadKind::Worker => Family {
            hue: (150.0, 195.0),
            lightness: (58.0, 86.0),
            chroma: 45.0,
        },
        ThreadKind::Blocking => Family {
            hue: (48.0, 88.0),
            lightness: (58.0, 86.0),
            chroma: 55.0,
        },
        ThreadKind::Pool => Family {
            hue: (318.0, 350.0),
            lightness: (58.0, 82.0),
            chroma: 50.0,
        },
    }
}

/// The colour of the `index`-th thread (from 0) of `count` threads of
/// `kind`. Lightness grows with `index` across the family's range, the hue
/// steps by the golden ratio inside the family's range, so neighbours
/// differ in both; a lone thread gets the family's middle shade.
pub(crate) fn thread_color(kind: ThreadKind, index: usize, count: usize) -> RGBColor {
    let f = family(kind);
    let count = count.max(index + 1);
    let (l, h) = if count == 1 {
        (
            (f.lightness.0 + f.lightness.1) / 2.0,
            (f.hue.0 + f.hue.1) / 2.0,
        )
    } else {
        let t = index as f64 / (count - 1) as f64;
        let spread = (index as f64 * 0.618_034 + 0.5).fract();
        (
            f.lightness.0 + (f.lightness.1 - f.lightness.0) * t,
            f.hue.0 + (f.hue.1 - f.hue.0) * spread,
        )
    };
    lch_to_rgb(l, f.chroma, h)
}

/// The colour of every thread of a run, by thread index: each thread's
/// [`thread_color`] from its kind, its rank among the threads of that kind
/// (in index order) and their count.
pub(crate) fn run_colors(threads: &[ThreadInfo]) -> Vec<RGBColor> {
    let count = |kind| threads.iter().filter(|t| t.kind == kind).count();
    let mut seen = [0usize; 4];
    threads
        .iter()
        .map(|t| {
            let rank = seen[t.kind as usize];
            seen[t.kind as usize] += 1;
            thread_color(t.kind, rank, count(t.kind))
        })
        .collect()
}

/// Colours of plotted series (futures, summary lines): ten hues of
/// contrast ≥ 3:1 on the background; series past ten repeat a colour and
/// are told apart by a dash pattern ([`series_dash`]).
pub(crate) fn series_color(index: usize) -> RGBColor {
    const SERIES: [RGBColor; 10] = [
        RGBColor(0x6C, 0xB6, 0xFF),
        RGBColor(0xFF, 0xA6, 0x4D),
        RGBColor(0x5F, 0xD3, 0x8D),
        RGBColor(0xFF, 0x7A, 0x9C),
        RGBColor(0xC9, 0x9B, 0xFF),
        RGBColor(0xE8, 0xD4, 0x4D),
        RGBColor(0x4D, 0xD9, 0xD9),
        RGBColor(0xFF, 0x8F, 0x66),
        RGBColor(0xA8, 0xC8, 0x6E),
        RGBColor(0xE0, 0xA0, 0xD0),
    ];
    SERIES[index % SERIES.len()]
}

/// The SVG `stroke-dasharray` of series `index`: solid for the first ten,
/// then dashed, dotted, dash-dotted per further round of colours.
pub(crate) fn series_dash(index: usize) -> &'static str {
    ["", "6 3", "2 3", "8 3 2 3"][(index / 10) % 4]
}

/// `#rrggbb` of a colour.
pub(crate) fn hex(color: RGBColor) -> String {
    format!("#{:02x}{:02x}{:02x}", color.0, color.1, color.2)
}

/// An axis tick without trailing zeros: `100`, `2.5`, `0.25`.
pub(crate) fn tick(value: &f64) -> String {
    let text = format!("{value:.3}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// CIE L*C*h° (D65) to sRGB; chroma is reduced until the colour fits the
/// sRGB gamut, so lightness and hue are kept.
fn lch_to_rgb(l: f64, mut c: f64, h: f64) -> RGBColor {
    loop {
        let (a, b) = (c * h.to_radians().cos(), c * h.to_radians().sin());
        if let Some(rgb) = lab_to_rgb(l, a, b) {
            return rgb;
        }
        c *= 0.95;
    }
}

fn lab_to_rgb(l: f64, a: f64, b: f64) -> Option<RGBColor> {
    let fy = (l + 16.0) / 116.0;
    let inv = |t: f64| {
        if t > 6.0 / 29.0 {
            t * t * t
        } else {
            3.0 * (6.0f64 / 29.0).powi(2) * (t - 4.0 / 29.0)
        }
    };
    let (x, y, z) = (
        0.950_47 * inv(fy + a / 500.0),
        inv(fy),
        1.088_83 * inv(fy - b / 200.0),
    );
    let linear = [
        3.240_454_2 * x - 1.537_138_5 * y - 0.498_531_4 * z,
        -0.969_266 * x + 1.876_010_8 * y + 0.041_556 * z,
        0.055_643_4 * x - 0.204_025_9 * y + 1.057_225_2 * z,
    ];
    if linear.iter().any(|&v| !(-1e-9..=1.0 + 1e-9).contains(&v)) {
        return None;
    }
    let encode = |v: f64| {
        let v = v.clamp(0.0, 1.0);
        let s = if v <= 0.003_130_8 {
            12.92 * v
        } else {
            1.055 * v.powf(1.0 / 2.4) - 0.055
        };
        (s * 255.0).round() as u8
    };
    Some(RGBColor(
        encode(linear[0]),
        encode(linear[1]),
        encode(linear[2]),
    ))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    fn linear(c: u8) -> f64 {
        let s = f64::from(c) / 255.0;
        if s <= 0.040_45 {
            s / 12.92
        } else {
            ((s + 0.055) / 1.055).powf(2.4)
        }
    }

    /// WCAG 2 relative luminance.
    fn luminance(c: RGBColor) -> f64 {
        0.2126 * linear(c.0) + 0.7152 * linear(c.1) + 0.0722 * linear(c.2)
    }

    /// WCAG 2 contrast ratio.
    pub(crate) fn contrast(a: RGBColor, b: RGBColor) -> f64 {
        let (la, lb) = (luminance(a), luminance(b));
        (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
    }

    fn lab(c: RGBColor) -> (f64, f64, f64) {
        let (r, g, b) = (linear(c.0), linear(c.1), linear(c.2));
        let x = (0.412_456_4 * r + 0.357_576_1 * g + 0.180_437_5 * b) / 0.950_47;
        let y = 0.212_672_9 * r + 0.715_152_2 * g + 0.072_175 * b;
        let z = (0.019_333_9 * r + 0.119_192 * g + 0.950_304_1 * b) / 1.088_83;
        let f = |t: f64| {
            if t > (6.0f64 / 29.0).powi(3) {
                t.cbrt()
            } else {
                t / (3.0 * (6.0f64 / 29.0).powi(2)) + 4.0 / 29.0
            }
        };
        (
            116.0 * f(y) - 16.0,
            500.0 * (f(x) - f(y)),
            200.0 * (f(y) - f(z)),
        )
    }

    /// CIEDE2000 colour difference (Sharma, Wu, Dalal 2005).
    pub(crate) fn ciede2000(c1: RGBColor, c2: RGBColor) -> f64 {
        ciede2000_lab(lab(c1), lab(c2))
    }

    fn ciede2000_lab((l1, a1, b1): (f64, f64, f64), (l2, a2, b2): (f64, f64, f64)) -> f64 {
        let cbar = ((a1 * a1 + b1 * b1).sqrt() + (a2 * a2 + b2 * b2).sqrt()) / 2.0;
        let g = 0.5 * (1.0 - (cbar.powi(7) / (cbar.powi(7) + 25f64.powi(7))).sqrt());
        let (a1p, a2p) = ((1.0 + g) * a1, (1.0 + g) * a2);
        let (c1p, c2p) = ((a1p * a1p + b1 * b1).sqrt(), (a2p * a2p + b2 * b2).sqrt());
        let hue = |b: f64, a: f64| {
            if a == 0.0 && b == 0.0 {
                0.0
            } else {
                b.atan2(a).to_degrees().rem_euclid(360.0)
            }
        };
        let (h1p, h2p) = (hue(b1, a1p), hue(b2, a2p));
        let dl = l2 - l1;
        let dc = c2p - c1p;
        let mut dh = h2p - h1p;
        if c1p * c2p != 0.0 {
            if dh > 180.0 {
                dh -= 360.0;
            } else if dh < -180.0 {
                dh += 360.0;
            }
        } else {
            dh = 0.0;
        }
        let dhh = 2.0 * (c1p * c2p).sqrt() * (dh.to_radians() / 2.0).sin();
        let lbar = (l1 + l2) / 2.0;
        let cbarp = (c1p + c2p) / 2.0;
        let hbarp = if c1p * c2p == 0.0 {
            h1p + h2p
        } else if (h1p - h2p).abs() <= 180.0 {
            (h1p + h2p) / 2.0
        } else if h1p + h2p < 360.0 {
            (h1p + h2p + 360.0) / 2.0
        } else {
            (h1p + h2p - 360.0) / 2.0
        };
        let t = 1.0 - 0.17 * (hbarp - 30.0).to_radians().cos()
            + 0.24 * (2.0 * hbarp).to_radians().cos()
            + 0.32 * (3.0 * hbarp + 6.0).to_radians().cos()
            - 0.20 * (4.0 * hbarp - 63.0).to_radians().cos();
        let dtheta = 30.0 * (-((hbarp - 275.0) / 25.0).powi(2)).exp();
        let rc = 2.0 * (cbarp.powi(7) / (cbarp.powi(7) + 25f64.powi(7))).sqrt();
        let sl = 1.0 + 0.015 * (lbar - 50.0).powi(2) / (20.0 + (lbar - 50.0).powi(2)).sqrt();
        let sc = 1.0 + 0.045 * cbarp;
        let sh = 1.0 + 0.015 * cbarp * t;
        let rt = -(2.0 * dtheta).to_radians().sin() * rc;
        ((dl / sl).powi(2) + (dc / sc).powi(2) + (dhh / sh).powi(2) + rt * (dc / sc) * (dhh / sh))
            .sqrt()
    }

    const KINDS: [ThreadKind; 4] = [
        ThreadKind::Main,
        ThreadKind::Worker,
        ThreadKind::Blocking,
        ThreadKind::Pool,
    ];

    /// Every colour of runs with up to 64 threads of a kind.
    fn all_colors() -> Vec<(ThreadKind, usize, usize, RGBColor)> {
        let mut all = Vec::new();
        for kind in KINDS {
            for count in 1..=64 {
                for i in 0..count {
                    all.push((kind, i, count, thread_color(kind, i, count)));
                }
            }
        }
        all
    }

    #[test]
    fn ciede2000_matches_the_published_test_pairs() {
        // Pairs 1, 7 and 17 of Sharma, Wu and Dalal's test data.
        for (a, b, expected) in [
            ((50.0, 2.6772, -79.7751), (50.0, 0.0, -82.7485), 2.0425),
            ((50.0, 0.0, 0.0), (50.0, -1.0, 2.0), 2.3669),
            (
                (22.7233, 20.0904, -46.694),
                (23.0331, 14.973, -42.5619),
                2.0373,
            ),
        ] {
            let d = ciede2000_lab(a, b);
            assert!((d - expected).abs() < 1e-4, "{a:?} {b:?}: {d}");
        }
        let c = RGBColor(0x80, 0x40, 0x20);
        assert!(ciede2000(c, c) < 1e-9);
        assert!(ciede2000(RGBColor(0, 0, 0), RGBColor(255, 255, 255)) > 99.0);
        assert!(
            (ciede2000(c, RGBColor(0x20, 0x40, 0x80)) - ciede2000(RGBColor(0x20, 0x40, 0x80), c))
                .abs()
                < 1e-9
        );
    }

    #[test]
    fn every_bar_colour_contrasts_3_to_1_with_the_background() {
        let mut worst = f64::MAX;
        for (kind, i, n, c) in all_colors() {
            let ratio = contrast(c, BACKGROUND);
            worst = worst.min(ratio);
            assert!(ratio >= 3.0, "{kind:?} {i}/{n} {} is {ratio:.2}:1", hex(c));
        }
        for i in 0..10 {
            assert!(contrast(series_color(i), BACKGROUND) >= 3.0, "series {i}");
        }
        println!("worst thread colour contrast {worst:.2}:1");
    }

    /// A colour of the palette in CIELAB, with its chroma and hue (degrees)
    /// and what drew it (kind, index, count), for messages.
    #[derive(Clone, Copy)]
    struct Point {
        lab: (f64, f64, f64),
        chroma: f64,
        hue: f64,
        color: RGBColor,
        what: (ThreadKind, usize, usize),
    }

    impl Point {
        fn new(what: (ThreadKind, usize, usize), color: RGBColor) -> Point {
            let lab = lab(color);
            Point {
                lab,
                chroma: lab.1.hypot(lab.2),
                hue: lab.2.atan2(lab.1).to_degrees().rem_euclid(360.0),
                color,
                what,
            }
        }
    }

    /// `d` degrees folded into (−180, 180].
    fn wrap(d: f64) -> f64 {
        let d = d.rem_euclid(360.0);
        if d > 180.0 { d - 360.0 } else { d }
    }

    /// Nearby colours and the ranges that hold them: lightness, a, b,
    /// chroma, and hue as a centre ± half-width.
    struct Cluster {
        points: Vec<Point>,
        l: (f64, f64),
        a: (f64, f64),
        b: (f64, f64),
        c: (f64, f64),
        hue: f64,
        hue_width: f64,
    }

    impl Cluster {
        fn new(points: Vec<Point>) -> Cluster {
            let range = |f: fn(&Point) -> f64| {
                points
                    .iter()
                    .map(f)
                    .fold((f64::MAX, f64::MIN), |(lo, hi), v| (lo.min(v), hi.max(v)))
            };
            let hue = points[0].hue;
            Cluster {
                l: range(|p| p.lab.0),
                a: range(|p| p.lab.1),
                b: range(|p| p.lab.2),
                c: range(|p| p.chroma),
                hue,
                hue_width: points
                    .iter()
                    .map(|p| wrap(p.hue - hue).abs())
                    .fold(0.0, f64::max),
                points,
            }
        }
    }

    /// The distinct colours of `points` in clusters of Lab cells `cell` wide.
    fn clusters(points: &[Point], cell: f64) -> Vec<Cluster> {
        let mut seen = std::collections::HashSet::new();
        let mut cells: std::collections::BTreeMap<(i64, i64, i64), Vec<Point>> = Default::default();
        for p in points {
            if seen.insert((p.color.0, p.color.1, p.color.2)) {
                let key = |v: f64| (v / cell).floor() as i64;
                cells
                    .entry((key(p.lab.0), key(p.lab.1), key(p.lab.2)))
                    .or_default()
                    .push(*p);
            }
        }
        cells.into_values().map(Cluster::new).collect()
    }

    /// A lower bound of ΔE00 between any colour of `p` and any of `q`: the
    /// formula's terms taken at their worst over the two clusters' ranges.
    /// With x = ΔC'/SC and y = ΔH'/SH,
    ///
    /// ΔE00² = (ΔL'/SL)² + x² + y² + RT·x·y ≥ (ΔL'/SL)² + (1 − |RT|/2)·(x² + y²),
    ///
    /// and, as SH ≤ SC (T ≤ 1.93 < 3) and ΔC'² + ΔH'² is the squared
    /// distance of (a', b), with a' = (1 + G)·a stretched from a,
    /// x² + y² ≥ (Δa² + Δb²) / SC². SL grows with |L̄' − 50|, SC with C̄',
    /// G falls with C̄; |RT| = RC·sin(2Δθ) ≤ 2·sin(2Δθ), and Δθ falls with
    /// the distance of h̄' from 275°, where h' is a's hue moved by at most
    /// atan(G / (2√(1 + G))) towards the a axis.
    fn lower_bound(p: &Cluster, q: &Cluster) -> f64 {
        let gap =
            |(lo1, hi1): (f64, f64), (lo2, hi2): (f64, f64)| 0.0f64.max(lo2 - hi1).max(lo1 - hi2);
        let dl = gap(p.l, q.l);
        let far = ((p.l.0 + q.l.0) / 2.0 - 50.0)
            .abs()
            .max(((p.l.1 + q.l.1) / 2.0 - 50.0).abs());
        let sl = 1.0 + 0.015 * far * far / (20.0 + far * far).sqrt();
        let dab = gap(p.a, q.a).hypot(gap(p.b, q.b));
        let cbar = (p.c.0 + q.c.0) / 2.0;
        let g = 0.5 * (1.0 - (cbar.powi(7) / (cbar.powi(7) + 25f64.powi(7))).sqrt());
        let sc = 1.0 + 0.045 * (1.0 + g) * (p.c.1 + q.c.1) / 2.0;
        let shift = (g / (2.0 * (1.0 + g).sqrt())).atan().to_degrees();
        let d = wrap(q.hue - p.hue);
        let slack = p.hue_width + q.hue_width + 2.0 * shift;
        let rt = if p.c.0 > 0.0 && q.c.0 > 0.0 && d.abs() + slack < 180.0 {
            // Every pair's h̄' is the middle of its shorter arc, within
            // slack / 2 of this one's.
            let mid = p.hue + d / 2.0;
            let off = (wrap(mid - 275.0).abs() - slack / 2.0).max(0.0);
            let dtheta = 30.0 * (-(off / 25.0).powi(2)).exp();
            2.0 * (2.0 * dtheta).to_radians().sin()
        } else {
            2.0 * 60f64.to_radians().sin()
        };
        ((dl / sl).powi(2) + (1.0 - rt / 2.0) * (dab / sc).powi(2)).sqrt()
    }

    /// The closest pair of colours, one of `p` and one of `q`, with its
    /// ΔE00, when that is under `limit`; `None` when every pair is at least
    /// `limit` apart. Exact: pairs are computed unless their clusters'
    /// [`lower_bound`] is `limit` or more. Also returns how many pairs it
    /// computed.
    fn closest_under(
        p: &[Cluster],
        q: &[Cluster],
        limit: f64,
    ) -> (Option<(f64, Point, Point)>, usize) {
        let mut best: Option<(f64, Point, Point)> = None;
        let mut computed = 0;
        for cp in p {
            for cq in q {
                if lower_bound(cp, cq) >= limit {
                    continue;
                }
                for x in &cp.points {
                    for y in &cq.points {
                        computed += 1;
                        let d = ciede2000_lab(x.lab, y.lab);
                        if d < limit && best.is_none_or(|(b, _, _)| d < b) {
                            best = Some((d, *x, *y));
                        }
                    }
                }
            }
        }
        (best, computed)
    }

    fn points(kind: ThreadKind, max_count: usize) -> Vec<Point> {
        (1..=max_count)
            .flat_map(|count| {
                (0..count).map(move |i| Point::new((kind, i, count), thread_color(kind, i, count)))
            })
            .collect()
    }

    /// Every pair of colours of different kinds, for runs with up to 64
    /// threads of a kind (26 M pairs), is at least ΔE00 10 apart. Pairs are
    /// ruled out a cluster pair at a time by [`lower_bound`]; the rest are
    /// computed.
    #[test]
    fn kinds_are_ciede2000_10_apart() {
        let families: Vec<Vec<Cluster>> = KINDS
            .iter()
            .map(|&k| clusters(&points(k, 64), 6.0))
            .collect();
        let mut computed = 0;
        for (i, p) in families.iter().enumerate() {
            for q in &families[i + 1..] {
                let (closest, n) = closest_under(p, q, 10.0);
                computed += n;
                if let Some((d, x, y)) = closest {
                    panic!(
                        "{:?} {}/{} {} vs {:?} {}/{} {}: ΔE00 {d:.1}",
                        x.what.0,
                        x.what.1,
                        x.what.2,
                        hex(x.color),
                        y.what.0,
                        y.what.1,
                        y.what.2,
                        hex(y.color)
                    );
                }
            }
        }
        println!("kinds at least ΔE00 10 apart; {computed} pairs computed");
    }

    /// The search behind [`kinds_are_ciede2000_10_apart`] finds what a
    /// brute-force search finds, at several limits: on the colours of up to
    /// 8 threads of each kind against those of 9 to 12 threads of each kind
    /// (pairs of one kind are close, so limits are crossed; pairs near blue
    /// have a large RT). Its bound is below every pair's ΔE00 there.
    #[test]
    fn the_clustered_search_agrees_with_brute_force() {
        let few = |kind| points(kind, 8);
        let more = |kind| {
            let mut p = points(kind, 12);
            p.drain(..points(kind, 8).len());
            p
        };
        for &k1 in &KINDS {
            for &k2 in &KINDS {
                let (p, q) = (few(k1), more(k2));
                let mut brute = f64::MAX;
                for x in &p {
                    for y in &q {
                        let exact = ciede2000_lab(x.lab, y.lab);
                        brute = brute.min(exact);
                        let bound = lower_bound(&Cluster::new(vec![*x]), &Cluster::new(vec![*y]));
                        assert!(
                            bound <= exact + 1e-9,
                            "{} vs {}: bound {bound} over ΔE00 {exact}",
                            hex(x.color),
                            hex(y.color)
                        );
                    }
                }
                let (cp, cq) = (clusters(&p, 4.0), clusters(&q, 4.0));
                for limit in [0.5, 2.0, 10.0, 20.0, 40.0, 80.0] {
                    let found = closest_under(&cp, &cq, limit).0.map(|(d, _, _)| d);
                    assert_eq!(
                        found,
                        (brute < limit).then_some(brute),
                        "{k1:?} vs {k2:?} under {limit}"
                    );
                }
            }
        }
    }

    #[test]
    fn shades_within_a_kind_are_distinct() {
        for kind in KINDS {
            for count in 1..=64 {
                let mut colors: Vec<String> = (0..count)
                    .map(|i| hex(thread_color(kind, i, count)))
                    .collect();
                colors.sort();
                colors.dedup();
                assert_eq!(colors.len(), count, "{kind:?} × {count}");
            }
        }
    }
}

#[cfg(test)]
mod doc_examples {
    #[test]
    fn palette_thread_color() {
        use crate::probe::ThreadKind;
        use crate::render::palette::thread_color;
        let a = thread_color(ThreadKind::Blocking, 0, 25);
        let b = thread_color(ThreadKind::Blocking, 24, 25);
        assert_ne!(a, b);
    }
}

/// The house style of every chart's axes: grid-coloured axes and bold
/// lines, no light lines (they would only draw in the background colour),
/// 12 px tick labels and 13 px axis titles in the foreground colour.
pub(crate) fn house_style<'m, 'a, 'b, X, Y, DB>(
    mesh: &'m mut plotters::chart::MeshStyle<'a, 'b, X, Y, DB>,
) -> &'m mut plotters::chart::MeshStyle<'a, 'b, X, Y, DB>
where
    X: plotters::coord::ranged1d::Ranged<ValueType: std::fmt::Debug>,
    Y: plotters::coord::ranged1d::Ranged<ValueType: std::fmt::Debug>,
    DB: plotters::prelude::DrawingBackend,
{
    use plotters::style::IntoFont;
    mesh.max_light_lines(0)
        .axis_style(GRID)
        .bold_line_style(GRID)
        .label_style(("sans-serif", 12).into_font().color(&FOREGROUND))
        .axis_desc_style(("sans-serif", 13).into_font().color(&FOREGROUND))
}
