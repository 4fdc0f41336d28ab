//! Colours and names of threads, shared by every picture and the trace.

use plotters::style::RGBColor;

/// Background of the pictures (the seed's dark navy).
pub(crate) const BACKGROUND: RGBColor = RGBColor(0x1F, 0x26, 0x40);
/// Text and axes.
pub(crate) const FOREGROUND: RGBColor = RGBColor(0xDD, 0xE1, 0xEA);
/// Grid lines.
pub(crate) const GRID: RGBColor = RGBColor(0x3A, 0x43, 0x63);

/// Thread colours: index 0 (the `block_on` thread) is always the seed's
/// blue; the others cycle through muted colours that read on dark navy.
const THREAD_COLORS: [RGBColor; 16] = [
    RGBColor(0x2B, 0x6C, 0xA3),
    RGBColor(0x5F, 0xA3, 0xAE),
    RGBColor(0xB3, 0x8A, 0x6A),
    RGBColor(0xA8, 0x28, 0x3A),
    RGBColor(0x86, 0x8A, 0x2A),
    RGBColor(0xA8, 0x7E, 0xA3),
    RGBColor(0x6E, 0x4C, 0x4C),
    RGBColor(0x8F, 0xB4, 0xC8),
    RGBColor(0xD0, 0x80, 0x30),
    RGBColor(0x5A, 0x9A, 0x5A),
    RGBColor(0x8E, 0x6A, 0xC8),
    RGBColor(0xC8, 0xB8, 0x50),
    RGBColor(0x40, 0x9C, 0xD0),
    RGBColor(0xC8, 0x60, 0x80),
    RGBColor(0x70, 0x70, 0x70),
    RGBColor(0x4A, 0x7A, 0x60),
];

/// The colour of thread `index`, the same in every row and picture of a run.
pub fn thread_color(index: u16) -> RGBColor {
    THREAD_COLORS[usize::from(index) % THREAD_COLORS.len()]
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
