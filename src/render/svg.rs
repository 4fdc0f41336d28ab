//! Small helpers for the SVG that plotters does not draw: the data layers
//! (bars with classes and tooltips, dots), and inlining into HTML.

use std::fmt::Write;

/// Escapes text for SVG and HTML content and attribute values.
///
/// ```
/// assert_eq!(pollscope::render::escape("a<b & \"c\""), "a&lt;b &amp; &quot;c&quot;");
/// ```
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Inserts `layer` (SVG elements) just before the closing `</svg>`.
pub(crate) fn append_layer(svg: &mut String, layer: &str) {
    match svg.rfind("</svg>") {
        Some(end) => svg.insert_str(end, layer),
        None => svg.push_str(layer),
    }
}

/// An SVG document ready to be inlined into HTML5, which needs no
/// namespace declaration (so the report holds no URL at all).
pub(crate) fn for_inline_html(svg: &str) -> String {
    svg.replacen(" xmlns=\"http://www.w3.org/2000/svg\"", "", 1)
}

/// A bar whose fill comes from its thread's class (`t<index>`, see
/// [`thread_styles`]), with a tooltip when given.
pub(crate) fn bar(
    out: &mut String,
    thread: u16,
    x: f64,
    y: f64,
    w: f64,
    h: f64,
    title: Option<&str>,
) {
    let _ = write!(
        out,
        r#"<rect class="t{thread}" x="{x:.1}" y="{y:.0}" width="{w:.2}" height="{h:.0}""#
    );
    match title {
        Some(t) => {
            let _ = write!(out, "><title>{}</title></rect>", escape(t));
        }
        None => out.push_str("/>"),
    }
}

/// A dot.
pub(crate) fn dot(out: &mut String, x: f64, y: f64, r: f64) {
    let _ = write!(out, r#"<circle cx="{x:.1}" cy="{y:.1}" r="{r}"/>"#);
}

/// A `<style>` giving each thread class `t<index>` its colour. Colours
/// depend on the index alone, so the rules agree across every picture
/// inlined into one page.
pub(crate) fn thread_styles(threads: impl IntoIterator<Item = u16>) -> String {
    let mut style = String::from("<style>");
    for t in threads {
        let _ = write!(
            style,
            ".t{t}{{fill:{}}}",
            super::palette::hex(super::palette::thread_color(t))
        );
    }
    style.push_str("</style>");
    style
}
