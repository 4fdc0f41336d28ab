//! The README's recipes, run as written in a scratch folder that stands in
//! for the checkout: see scheduling, compare configurations, compare this
//! machine with the committed reference results.

use std::path::Path;
use std::process::Command;

/// The commands of the fenced block after `<!-- recipe: NAME`, as argument
/// lists for the `pollscope` binary (`cargo run --release --` stripped).
fn recipe(name: &str) -> Vec<Vec<String>> {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let start = readme
        .find(&format!("<!-- recipe: {name}"))
        .unwrap_or_else(|| panic!("README has no recipe {name}"));
    let block = &readme[start..];
    let body = block
        .split("```sh\n")
        .nth(1)
        .unwrap()
        .split("```")
        .next()
        .unwrap();
    body.lines()
        .map(|line| line.split('#').next().unwrap().trim())
        .filter(|line| !line.is_empty())
        .map(|line| {
            let rest = line
                .strip_prefix("cargo run --release --")
                .unwrap_or_else(|| panic!("not a pollscope command: {line}"));
            rest.split_whitespace().map(String::from).collect()
        })
        .collect()
}

#[test]
fn the_compare_recipe_works_on_a_fresh_checkout() {
    // A copy of the repository's reference results, in a scratch folder
    // that stands in for the checkout.
    let checkout = tempfile::tempdir().unwrap();
    let reference = Path::new(env!("CARGO_MANIFEST_DIR")).join("results/reference");
    let copy = checkout.path().join("results/reference");
    std::fs::create_dir_all(&copy).unwrap();
    for entry in std::fs::read_dir(&reference).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_file() {
            std::fs::copy(entry.path(), copy.join(entry.file_name())).unwrap();
        }
    }
    let steps = recipe("compare-with-reference");
    assert_eq!(steps.len(), 2);
    for (i, args) in steps.iter().enumerate() {
        let out = Command::new(env!("CARGO_BIN_EXE_pollscope"))
            .args(args)
            .current_dir(checkout.path())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        let stdout = String::from_utf8_lossy(&out.stdout);
        if i + 1 < steps.len() {
            assert!(out.status.success(), "{args:?}: {stderr}");
        } else {
            // compare: 0 (nothing regressed, all judged), 1 (something
            // regressed) or 3 (rows not judged: one repeat per side), never 2.
            assert!(
                matches!(out.status.code(), Some(0 | 1 | 3)),
                "{args:?}: {stderr}"
            );
            assert!(stdout.contains("10 configuration(s)"), "{stdout}");
        }
    }
}

/// Runs a recipe's steps in `checkout`: every step but the last must
/// succeed; returns the last step's output.
fn run_steps(name: &str, checkout: &Path) -> std::process::Output {
    let steps = recipe(name);
    let (last, before) = steps.split_last().unwrap();
    for args in before {
        let out = Command::new(env!("CARGO_BIN_EXE_pollscope"))
            .args(args)
            .current_dir(checkout)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{args:?}: {stderr}");
    }
    Command::new(env!("CARGO_BIN_EXE_pollscope"))
        .args(last)
        .current_dir(checkout)
        .output()
        .unwrap()
}

#[test]
fn the_see_scheduling_recipe_draws_the_zoom() {
    let checkout = tempfile::tempdir().unwrap();
    let out = run_steps("see-scheduling", checkout.path());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let plots = checkout.path().join("results/see/plots");
    for run in [
        "many_spawn_task-w2-cpu500us-r0",
        "starvation-w2-cpu500us-r0",
    ] {
        for suffix in ["", "_zoom", "_latency"] {
            let file = plots.join(format!("{run}{suffix}.svg"));
            assert!(file.is_file(), "{}", file.display());
        }
    }
    assert!(checkout.path().join("results/see/index.html").is_file());
}

#[test]
fn the_compare_configurations_recipe_pairs_the_event_intervals() {
    let checkout = tempfile::tempdir().unwrap();
    let out = run_steps("compare-configurations", checkout.path());
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    // Three repeats per side: judged (0 or 1), or rows not judged on a
    // busy machine (3); never bad input.
    assert!(matches!(out.status.code(), Some(0 | 1 | 3)), "{stderr}");
    assert!(stdout.contains("event_interval: default → 1"), "{stdout}");
}
