//! Every kind of chart keeps its text on its canvas: timelines (whole and
//! zoom, producers and services), latency CDFs (with the value panel) and
//! summary charts (by workers and by executor).

mod common;

use std::path::Path;

use common::run_small;

/// A generous estimate of a sans-serif glyph's width, in em (DejaVu Sans'
/// digits are 0.64 em, its average lower-case letter about 0.6).
const EM_PER_CHAR: f64 = 0.62;

/// The nearest ancestor-or-self value of `attribute`.
fn inherited<'a>(node: roxmltree::Node<'a, '_>, attribute: &str) -> Option<&'a str> {
    node.ancestors().find_map(|n| n.attribute(attribute))
}

/// The text of `svg` that leaves its canvas: (text, left, right, top,
/// bottom) of each such element, estimated from its anchor, font size and
/// character count.
fn clipped(svg: &str) -> Vec<String> {
    let doc = roxmltree::Document::parse(svg).unwrap();
    let root = doc.root_element();
    let size = |a: &str| root.attribute(a).unwrap().parse::<f64>().unwrap();
    let (width, height) = (size("width"), size("height"));
    let mut out = Vec::new();
    for t in doc.descendants().filter(|n| n.has_tag_name("text")) {
        let Some(text) = t.text().map(str::trim).filter(|s| !s.is_empty()) else {
            continue;
        };
        if inherited(t, "transform").is_some() {
            continue; // rotated axis titles: plotters centres them
        }
        let number = |a: &str| {
            t.attribute(a)
                .and_then(|v| v.trim_end_matches("px").parse::<f64>().ok())
        };
        let font = inherited(t, "font-size")
            .and_then(|v| v.trim_end_matches("px").parse::<f64>().ok())
            .or_else(|| {
                // the thread numbers' style: 10 px
                (t.attribute("class") == Some("n")).then_some(10.0)
            })
            .unwrap_or(12.0);
        let (x, y) = (number("x").unwrap_or(0.0), number("y").unwrap_or(0.0));
        let dy = t
            .attribute("dy")
            .and_then(|v| v.strip_suffix("em"))
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0);
        let w = EM_PER_CHAR * font * text.chars().count() as f64;
        let anchor = inherited(t, "text-anchor").unwrap_or(if t.attribute("class") == Some("n") {
            "middle"
        } else {
            "start"
        });
        let left = match anchor {
            "middle" => x - w / 2.0,
            "end" => x - w,
            _ => x,
        };
        let baseline = y + dy * font;
        let (top, bottom) = (baseline - 0.8 * font, baseline + 0.25 * font);
        if left < -0.5 || left + w > width + 0.5 || top < -0.5 || bottom > height + 0.5 {
            out.push(format!(
                "{text:?}: x {left:.0}..{:.0} of {width}, y {top:.0}..{bottom:.0} of {height}",
                left + w
            ));
        }
    }
    out
}

fn check_folder(out: &Path) -> usize {
    let mut seen = 0;
    for entry in std::fs::read_dir(out.join("plots")).unwrap() {
        let path = entry.unwrap().path();
        let svg = std::fs::read_to_string(&path).unwrap();
        let bad = clipped(&svg);
        assert!(bad.is_empty(), "{}: {bad:#?}", path.display());
        seen += 1;
    }
    seen
}

#[test]
fn every_chart_kind_keeps_its_text_on_the_canvas() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_small(
        dir.path(),
        &[
            "two_futures",
            "many_spawn_blocking",
            "timers",
            "--workers",
            "1,2",
            "--executor",
            "tokio,smol",
        ],
    );
    let names: Vec<String> = std::fs::read_dir(out.join("plots"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    for kind in [
        "_zoom.svg",
        "_latency.svg",
        "_summary.svg",
        "_summary_by_executor.svg",
    ] {
        assert!(
            names.iter().any(|n| n.ends_with(kind)),
            "no {kind} in {names:?}"
        );
    }
    assert!(check_folder(&out) >= 12 * 3);
    service_events_are_drawn_true(&out.join("plots/timers-w2-cpu60us-r0_zoom.svg"));
    let latency =
        std::fs::read_to_string(out.join("plots/timers-w2-cpu60us-r0_latency.svg")).unwrap();
    assert!(latency.contains("event value"), "a value panel");
    let html = std::fs::read_to_string(out.join("index.html")).unwrap();
    // A configuration on both executors: both timelines over one window,
    // stacked in the executors section.
    let window = |name: &str| {
        let svg = std::fs::read_to_string(out.join("plots").join(name)).unwrap();
        let at = svg.find("data-from-ns=").expect("a data layer");
        svg[at..at + 60].split('>').next().unwrap().to_string()
    };
    let (tokio, smol) = (
        "two_futures-w2-cpu60us-r0_side.svg",
        "two_futures-w2-cpu60us-smol-r0_side.svg",
    );
    assert_eq!(window(tokio), window(smol));
    let executors = &html[html.find("id=\"executors\"").unwrap()..];
    assert!(
        executors.contains(&format!("plots/{tokio}"))
            && executors.contains(&format!("plots/{smol}"))
    );
    assert!(html.contains("<th>value p50</th><th>value p99</th><th>value max</th>"));
    // two_futures has no heavy future and no task count: blank, not 60us / 3.
    let row = html
        .split("<tr>")
        .find(|r| {
            r.contains(">two_futures-w2-cpu60us-r0</a>") && r.contains("<td>two_futures</td>")
        })
        .expect("a runs row");
    assert!(
        row.contains("<td>cpu</td><td>20us</td><td></td><td>12</td><td></td>"),
        "{row}"
    );
}

/// Every event of a service row is a dot at its end with, where it spans a
/// pixel or more, a line ending at the dot; each service row has its scale.
fn service_events_are_drawn_true(path: &Path) {
    let svg = std::fs::read_to_string(path).unwrap();
    let doc = roxmltree::Document::parse(&svg).unwrap();
    let scales = doc
        .descendants()
        .filter(|n| n.attribute("class") == Some("vscale"))
        .count();
    assert!(scales >= 1, "a value scale per service row");
    let mut lines = 0;
    for g in doc
        .descendants()
        .filter(|n| n.has_tag_name("g") && n.attribute("class") == Some("s"))
    {
        let kids: Vec<_> = g.children().filter(|n| n.is_element()).collect();
        for (k, line) in kids.iter().enumerate() {
            if line.attribute("class") != Some("w") {
                continue;
            }
            lines += 1;
            let x2 = line.attribute("x2").unwrap();
            let x1: f64 = line.attribute("x1").unwrap().parse().unwrap();
            assert!(x1 < x2.parse::<f64>().unwrap(), "back in time");
            if let Some(dot) = kids.get(k + 1).filter(|n| n.has_tag_name("circle")) {
                assert_eq!(dot.attribute("cx"), Some(x2), "the dot at the line's end");
                assert_eq!(dot.attribute("cy"), line.attribute("y1"));
            }
        }
    }
    assert!(lines >= 1, "some event spans a pixel: {}", path.display());
}

#[test]
fn a_label_past_the_edge_is_caught() {
    let svg = r#"<svg xmlns="http://www.w3.org/2000/svg" width="100" height="50"><text x="90" y="20" font-size="12">10000</text><text x="50" y="20" font-size="12" text-anchor="middle">ok</text></svg>"#;
    let bad = clipped(svg);
    assert_eq!(bad.len(), 1, "{bad:?}");
    assert!(bad[0].starts_with("\"10000\""));
}
