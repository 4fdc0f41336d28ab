//! A knob a built-in scenario does not use (`two_futures`' heavy cost and
//! task count, `timers`' light cost) is blank in runs.csv, and no part of
//! the configuration `compare` and the history match runs on — also in
//! folders written when those cells were filled.

mod common;

use std::path::Path;

use common::{Table, pollscope, pollscope_ok, set_column};

/// `two_futures`, `many_spawn_task` and `timers` at two heavy costs, one
/// repeat, into `out`.
fn small_matrix(out: &Path) {
    pollscope_ok(&[
        "run",
        "two_futures",
        "many_spawn_task",
        "timers",
        "-n",
        "6",
        "-w",
        "1",
        "--light-cost",
        "20us",
        "--heavy-cost",
        "60us,80us",
        "--tasks",
        "2",
        "--quiet",
        "--no-plots",
        "--out",
        out.to_str().unwrap(),
    ]);
}

/// Fills the blank knob cells of `dir`'s runs.csv as a folder written
/// before they were left blank has them.
fn fill_knobs_as_before(dir: &Path) {
    let path = dir.join("runs.csv");
    let table = Table::read(&path);
    let mut writer = csv::Writer::from_path(&path).unwrap();
    writer.write_record(&table.header).unwrap();
    for row in &table.rows {
        let heavy = if row["run_id"].contains("cpu60us") {
            "60"
        } else {
            "80"
        };
        let cell = |column: &str| match (column, row[column].is_empty()) {
            ("light_cost_us", true) => "20".to_string(),
            ("light_cost_ns", true) => "20000".to_string(),
            ("heavy_cost_us", true) => heavy.to_string(),
            ("heavy_cost_ns", true) => format!("{heavy}000"),
            ("tasks", true) => "2".to_string(),
            _ => row[column].clone(),
        };
        let cells: Vec<String> = table.header.iter().map(|c| cell(c)).collect();
        writer.write_record(&cells).unwrap();
    }
    writer.flush().unwrap();
}

fn json(args: &[&str]) -> serde_json::Value {
    let out = pollscope(args);
    assert_ne!(out.status.code(), Some(2), "{out:?}");
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The scenarios of a JSON list of configurations.
fn scenarios(list: &serde_json::Value) -> Vec<String> {
    let mut names: Vec<String> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["scenario"].as_str().unwrap().to_string())
        .collect();
    names.dedup();
    names
}

#[test]
fn runs_csv_leaves_a_knob_blank_where_the_scenario_does_not_use_it() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("m");
    small_matrix(&out);
    let runs = Table::read(&out.join("runs.csv"));
    // The cross product stands: a run per heavy cost, named by it.
    assert_eq!(runs.rows.len(), 6);
    let cells = |scenario: &str, column: &str| -> Vec<&str> {
        runs.rows
            .iter()
            .filter(|r| r["scenario"] == scenario)
            .map(|r| r[column].as_str())
            .collect()
    };
    let ids = cells("two_futures", "run_id");
    assert_eq!(
        ids,
        ["two_futures-w1-cpu60us-r0", "two_futures-w1-cpu80us-r0"]
    );
    for column in ["heavy_cost_us", "heavy_cost_ns", "tasks"] {
        assert_eq!(cells("two_futures", column), ["", ""], "{column}");
    }
    assert_eq!(cells("two_futures", "light_cost_us"), ["20", "20"]);
    assert_eq!(cells("many_spawn_task", "heavy_cost_us"), ["60", "80"]);
    assert_eq!(cells("many_spawn_task", "tasks"), ["2", "2"]);
    assert_eq!(cells("many_spawn_task", "light_cost_us"), ["20", "20"]);
    assert_eq!(cells("timers", "light_cost_us"), ["", ""]);
    assert_eq!(cells("timers", "heavy_cost_us"), ["60", "80"]);
    assert_eq!(cells("timers", "tasks"), ["2", "2"]);
    // `plot` reads the blanks back.
    pollscope_ok(&["plot", out.to_str().unwrap(), "-q"]);
    let page = std::fs::read_to_string(out.join("index.html")).unwrap();
    // The runs table: cost kind, light, heavy, samples, tasks.
    let cells = |run_id: &str| -> Vec<String> {
        let start = page
            .find(&format!("<tr><td><a href=\"#{run_id}\">"))
            .unwrap_or_else(|| panic!("no row for {run_id}"));
        let row = &page[start..start + page[start..].find("</tr>").unwrap()];
        row.split("<td>")
            .skip(7)
            .take(5)
            .map(|c| c.trim_end_matches("</td>").to_string())
            .collect()
    };
    assert_eq!(
        cells("two_futures-w1-cpu60us-r0"),
        ["cpu", "20us", "", "6", ""]
    );
    assert_eq!(cells("timers-w1-cpu80us-r0"), ["cpu", "", "80us", "6", "2"]);
    assert_eq!(
        cells("many_spawn_task-w1-cpu60us-r0"),
        ["cpu", "20us", "60us", "6", "2"]
    );
}

#[test]
fn compare_and_history_match_old_folders_with_the_knobs_filled() {
    let dir = tempfile::tempdir().unwrap();
    let (old, new) = (dir.path().join("old"), dir.path().join("new"));
    small_matrix(&old);
    small_matrix(&new);
    fill_knobs_as_before(&old);
    assert_eq!(
        Table::read(&old.join("runs.csv")).rows[0]["heavy_cost_us"],
        "60"
    );
    let (o, n) = (old.to_str().unwrap(), new.to_str().unwrap());
    // Without --vary every configuration has its partner: two_futures' two
    // heavy costs are one configuration on both sides.
    let c = json(&["compare", o, n, "--format", "json"]);
    assert_eq!(c["only_in_base"], serde_json::json!([]), "{c}");
    assert_eq!(c["only_in_new"], serde_json::json!([]), "{c}");
    let configurations: Vec<String> = c["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["configuration"].to_string())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    assert_eq!(configurations.len(), 5, "{configurations:?}");
    // Within one folder, two_futures has no heavy cost to vary.
    let v = json(&["compare", o, "--vary", "heavy_cost", "--format", "json"]);
    assert_eq!(scenarios(&v["without_varied"]), ["two_futures"], "{v}");
    let varied: Vec<&str> = v["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["configuration"]["scenario"].as_str().unwrap())
        .collect();
    assert!(varied.contains(&"many_spawn_task") && varied.contains(&"timers"));
    assert!(!varied.contains(&"two_futures"));
    let text = pollscope(&["compare", o, "--vary", "heavy_cost"]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("left out, they have no heavy_cost to vary"),
        "{text}"
    );
    // The history keeps the old and the new two_futures runs in one series.
    let db = dir.path().join("h.sqlite");
    let db = db.to_str().unwrap();
    pollscope_ok(&["history", "add", o, "--label", "old", "--db", db]);
    pollscope_ok(&["history", "add", n, "--label", "new", "--db", db]);
    let list = pollscope_ok(&["history", "list", "--db", db]);
    let list = String::from_utf8_lossy(&list.stdout);
    let two: Vec<&str> = list
        .lines()
        .filter(|l| l.contains(" two_futures"))
        .collect();
    assert_eq!(two.len(), 1, "{list}");
    assert!(two[0].ends_with("4 runs"), "{list}");
    assert!(!two[0].contains("heavy"), "{list}");
}

#[test]
fn a_folder_whose_knob_cells_are_damaged_is_still_refused() {
    // Leaving a knob out of the configuration never hides a bad cell.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("m");
    small_matrix(&out);
    set_column(&out.join("runs.csv"), "tasks", "many");
    let compared = pollscope(&["compare", out.to_str().unwrap(), out.to_str().unwrap()]);
    assert_eq!(compared.status.code(), Some(2));
    let err = String::from_utf8_lossy(&compared.stderr);
    assert!(err.contains("tasks"), "{err}");
}
