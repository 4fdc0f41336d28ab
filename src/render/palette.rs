//! Colours and names of threads, shared by every picture.
//!
//! Every thread of a run gets its own colour, by its index: the kind a
//! thread played is in its label and the legend's grouping, not in its hue.
//! The first 24 colours are at least 17 apart in CIEDE2000 from each other
//! (about 2 is a just noticeable difference), each at least 10 from the text
//! colour and of contrast ≥ 3:1 (WCAG 2) on both backgrounds; a run of more
//! threads reuses them (the 33rd thread takes the 1st thread's colour), and
//! their labels tell them apart.

use plotters::style::RGBColor;

use crate::probe::ThreadInfo;

/// Background of the pictures (the seed's dark navy).
pub(crate) const BACKGROUND: RGBColor = RGBColor(0x1F, 0x26, 0x40);
/// Background of the HTML report around them.
#[cfg(test)]
const PAGE: RGBColor = RGBColor(0x15, 0x1A, 0x2E);
/// Text and axes.
pub(crate) const FOREGROUND: RGBColor = RGBColor(0xDD, 0xE1, 0xEA);
/// Grid lines.
pub(crate) const GRID: RGBColor = RGBColor(0x3A, 0x43, 0x63);

/// The threads' colours, by thread index: chosen one after another, each
/// the sRGB colour (on a grid of 9 steps per channel, chroma ≥ 30,
/// lightness ≤ 88) farthest in CIEDE2000 from those before it, starting
/// from main's blue, among the colours of contrast ≥ 3:1 on both
/// backgrounds and at least 10 from the text colour.
const THREAD_COLORS: [RGBColor; 32] = [
    RGBColor(0x6C, 0xB6, 0xFF),
    RGBColor(0xEA, 0xE1, 0x00),
    RGBColor(0xE1, 0x09, 0x00),
    RGBColor(0xFC, 0x2D, 0xFC),
    RGBColor(0x2D, 0x7E, 0x5A),
    RGBColor(0x00, 0xF3, 0xD8),
    RGBColor(0xFC, 0xB4, 0xA2),
    RGBColor(0xA2, 0x75, 0x00),
    RGBColor(0x6C, 0x6C, 0xA2),
    RGBColor(0x00, 0xC6, 0x12),
    RGBColor(0xE1, 0xC6, 0xFC),
    RGBColor(0xB4, 0x5A, 0x75),
    RGBColor(0x00, 0x90, 0xA2),
    RGBColor(0xFC, 0x75, 0x00),
    RGBColor(0x6C, 0x87, 0x00),
    RGBColor(0xBD, 0xD8, 0xA2),
    RGBColor(0xFC, 0xBD, 0x63),
    RGBColor(0xFC, 0x90, 0xBD),
    RGBColor(0x2D, 0xD8, 0xF3),
    RGBColor(0x99, 0x63, 0x48),
    RGBColor(0x00, 0x7E, 0xCF),
    RGBColor(0x90, 0x3F, 0xFC),
    RGBColor(0xA2, 0x90, 0xFC),
    RGBColor(0xFC, 0x63, 0x63),
    RGBColor(0x48, 0xB4, 0x87),
    RGBColor(0xAB, 0xA2, 0x63),
    RGBColor(0xAB, 0x75, 0xB4),
    RGBColor(0x00, 0xFC, 0x90),
    RGBColor(0xA2, 0xF3, 0x09),
    RGBColor(0xCF, 0x12, 0xA2),
    RGBColor(0xC6, 0x90, 0x63),
    RGBColor(0x00, 0x99, 0x36),
];

/// The colour of thread `index` of a run.
///
pub(crate) fn thread_color(index: usize) -> RGBColor {
    THREAD_COLORS[index % THREAD_COLORS.len()]
}

/// The colour of every thread of a run, by thread index.
pub(crate) fn run_colors(threads: &[ThreadInfo]) -> Vec<RGBColor> {
    threads
        .iter()
        .map(|t| thread_color(usize::from(t.index)))
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
    fn the_first_24_thread_colours_are_ciede2000_17_apart() {
        let mut closest = f64::INFINITY;
        for i in 0..24 {
            for j in 0..i {
                closest = closest.min(ciede2000(thread_color(i), thread_color(j)));
            }
        }
        assert!(closest >= 17.0, "closest pair: ΔE00 {closest:.1}");
    }

    #[test]
    fn every_thread_colour_reads_on_both_backgrounds_and_apart_from_text() {
        for (i, &color) in THREAD_COLORS.iter().enumerate() {
            for background in [BACKGROUND, PAGE] {
                let ratio = contrast(color, background);
                assert!(ratio >= 3.0, "{i} {}: {ratio:.2}:1", hex(color));
            }
            let text = ciede2000(color, FOREGROUND);
            assert!(
                text >= 10.0,
                "{i} {}: ΔE00 {text:.1} from the text",
                hex(color)
            );
        }
        let mut distinct: Vec<String> = THREAD_COLORS.iter().map(|&c| hex(c)).collect();
        distinct.sort();
        distinct.dedup();
        assert_eq!(distinct.len(), THREAD_COLORS.len());
    }
}

#[cfg(test)]
mod doc_examples {
    #[test]
    fn palette_thread_color() {
        use crate::render::palette::thread_color;
        use plotters::style::RGBColor;
        assert_eq!(thread_color(0), RGBColor(0x6C, 0xB6, 0xFF)); // main's blue
        assert_eq!(thread_color(32), thread_color(0));
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
