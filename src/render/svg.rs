//! Small helpers for the SVG that plotters does not draw: the data layers
//! (bars with classes and tooltips, dots), and inlining into HTML.

use std::fmt::Write;

use plotters::style::RGBColor;

use super::palette::{BACKGROUND, hex};

/// Escapes text for SVG and HTML content and attribute values.
pub(crate) fn escape(text: &str) -> String {
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
/// namespace declaration (so the report holds no URL at all), scaled to the
/// page: its root keeps the viewBox but takes `width="100%"` and no height.
pub(crate) fn for_inline_html(svg: &str) -> String {
    let svg = svg.replacen(" xmlns=\"http://www.w3.org/2000/svg\"", "", 1);
    let Some(open_end) = svg.find('>') else {
        return svg;
    };
    let (root, rest) = svg.split_at(open_end);
    let scaled: Vec<&str> = root
        .split(' ')
        .filter(|a| !a.starts_with("width=") && !a.starts_with("height="))
        .collect();
    format!("{} width=\"100%\"{rest}", scaled.join(" "))
}

/// A CSS class unique to a run (`r` and a hash of its id), under which a
/// picture's thread rules are scoped, so pictures of several runs inlined
/// into one page keep their own colours.
pub(crate) fn scope_class(run_id: &str) -> String {
    let hash = run_id.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    format!("r{hash:016x}")
}

/// A bar whose fill comes from its thread's class (`t<index>`, scoped by
/// [`scope_class`]), with a tooltip when given.
pub(crate) fn bar(
    out: &mut String,
    (thread, class): (u16, &str),
    (x, y, w, h): (f64, f64, f64, f64),
    title: Option<&str>,
) {
    let _ = write!(
        out,
        r#"<rect class="t{thread}{class}" x="{x:.1}" y="{y:.0}" width="{w:.2}" height="{h:.0}""#
    );
    match title {
        Some(t) => {
            let _ = write!(out, "><title>{}</title></rect>", escape(t));
        }
        None => out.push_str("/>"),
    }
}

/// The hatch patterns of a picture's threads and the CSS rules that use
/// them: `<defs>` with a pattern per colour (id `<scope><view>h<t>`:
/// stripes of thread `t`'s colour at 45° over the background), and a rule
/// filling every `t<t> off` shape under `.<scope>.<view>` with it. Off-CPU
/// time is drawn this way in every view.
pub(crate) fn hatches(colors: &[RGBColor], scope: &str, view: &str) -> (String, String) {
    let (mut defs, mut rules) = (String::from("<defs>"), String::new());
    for (t, &c) in colors.iter().enumerate() {
        let id = format!("{scope}{view}h{t}");
        let _ = write!(
            defs,
            r#"<pattern id="{id}" patternUnits="userSpaceOnUse" width="5" height="5" patternTransform="rotate(45)"><rect width="5" height="5" fill="{bg}"/><rect width="2" height="5" fill="{fg}"/></pattern>"#,
            bg = hex(BACKGROUND),
            fg = hex(c)
        );
        let _ = write!(rules, ".{scope}.{view} .t{t}.off{{fill:url(#{id})}}");
    }
    defs.push_str("</defs>");
    (defs, rules)
}

/// A thread's number on a bar at least [`NUMBER_MIN_WIDTH`] px wide,
/// centred at `x`, just above the bar's `bottom` (clear of the sample dots,
/// which keep to the middle of a row).
pub(crate) fn thread_number(out: &mut String, thread: u16, x: f64, bottom: f64) {
    let _ = write!(
        out,
        r#"<text class="n" x="{x:.1}" y="{:.1}">{thread}</text>"#,
        bottom - 3.0
    );
}

/// The narrowest bar that carries its thread's number, px.
pub(crate) const NUMBER_MIN_WIDTH: f64 = 16.0;

/// The style of thread numbers: white with a dark outline, readable on any
/// colour and on hatching.
pub(crate) const NUMBER_STYLE: &str = ".n{fill:#ffffff;stroke:#101426;stroke-width:2.5px;paint-order:stroke;font:bold 10px sans-serif;text-anchor:middle;pointer-events:none}";

/// A dot.
pub(crate) fn dot(out: &mut String, x: f64, y: f64, r: f64) {
    let _ = write!(out, r#"<circle cx="{x:.1}" cy="{y:.1}" r="{r}"/>"#);
}

/// A plot inline in the report, with its caption and a link to its file.
pub(super) fn figure(h: &mut String, (name, svg): &(String, String), caption: &str) {
    let name = escape(name);
    let _ = writeln!(
        h,
        "<figure>{}<figcaption>{} · <a href=\"plots/{name}\">plots/{name}</a></figcaption></figure>",
        for_inline_html(svg),
        escape(caption)
    );
}

#[cfg(test)]
mod doc_examples {
    #[test]
    fn svg_escape() {
        assert_eq!(
            crate::render::svg::escape("a<b & \"c\""),
            "a&lt;b &amp; &quot;c&quot;"
        );
    }
}
