//! docs/ci.md's GitHub Actions workflow, run locally: the `run:` steps of
//! its `measure` job (two shards) and `merge` job, as written, on a small
//! matrix, with the test's binary as `bin/pollscope`. The `uses:` steps
//! (downloads, cache) are stood in for by the folder layout they produce.

use std::collections::HashMap;
use std::path::Path;
use std::process::{Command, Output};

/// One step of a job.
#[derive(Debug, Default)]
struct Step {
    job: String,
    name: String,
    id: Option<String>,
    condition: Option<String>,
    env: Vec<(String, String)>,
    run: Option<String>,
}

/// The workflow: its top-level `env:` and its steps, in order.
#[derive(Debug, Default)]
struct Workflow {
    env: Vec<(String, String)>,
    steps: Vec<Step>,
}

fn indent(line: &str) -> usize {
    line.len() - line.trim_start().len()
}

fn key_value(text: &str) -> (String, String) {
    let (key, value) = text.split_once(':').unwrap_or((text, ""));
    (key.trim().to_string(), value.trim().to_string())
}

/// The fenced `yaml` block of docs/ci.md that holds `jobs:`.
fn workflow_text() -> String {
    let doc = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/ci.md"))
        .expect("docs/ci.md exists");
    doc.split("```yaml\n")
        .skip(1)
        .map(|block| block.split("\n```").next().unwrap_or(""))
        .find(|block| block.lines().any(|l| l == "jobs:"))
        .expect("docs/ci.md holds a yaml block with jobs:")
        .to_string()
}

/// What a nested block of lines (under a step's key) is for.
enum Nested {
    None,
    Run(usize),
    Env(usize),
    Skip(usize),
}

/// Parses the subset of YAML the workflow uses: top-level `env:`, jobs,
/// their steps with `name`, `id`, `if`, `env` and `run` (one line or a `|`
/// block); every other key is read past.
fn parse(text: &str) -> Workflow {
    let mut workflow = Workflow::default();
    let (mut section, mut job) = (String::new(), String::new());
    let mut nested = Nested::None;
    let mut step_indent: Option<usize> = None;
    for line in text.lines() {
        let at = indent(line);
        match nested {
            Nested::Run(base) if line.trim().is_empty() || at > base => {
                let step = workflow.steps.last_mut().unwrap();
                let run = step.run.get_or_insert_with(String::new);
                run.push_str(line.get(base + 2..).unwrap_or(""));
                run.push('\n');
                continue;
            }
            Nested::Env(base) if at > base && !line.trim().is_empty() => {
                let pair = key_value(line);
                workflow.steps.last_mut().unwrap().env.push(pair);
                continue;
            }
            Nested::Skip(base) if line.trim().is_empty() || at > base => continue,
            _ => nested = Nested::None,
        }
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        if at == 0 {
            section = key_value(line).0;
            continue;
        }
        if section == "env" && at == 2 {
            workflow.env.push(key_value(line));
            continue;
        }
        if section != "jobs" {
            continue;
        }
        if at == 2 {
            job = key_value(line).0;
            step_indent = None;
            continue;
        }
        let mut text = line.trim_start();
        let mut key_indent = at;
        // Every list item under a job is a step: the jobs' other lists
        // (`needs`, the matrix) are written inline.
        if let Some(rest) = text.strip_prefix("- ")
            && step_indent.is_none_or(|s| s == at)
        {
            step_indent = Some(at);
            workflow.steps.push(Step {
                job: job.clone(),
                ..Step::default()
            });
            text = rest;
            key_indent = at + 2;
        }
        let Some(s) = step_indent else { continue };
        if key_indent != s + 2 {
            continue;
        }
        let (key, value) = key_value(text);
        let step = workflow.steps.last_mut().unwrap();
        match key.as_str() {
            "name" => step.name = value,
            "id" => step.id = Some(value),
            "if" => step.condition = Some(value),
            "run" if value == "|" => nested = Nested::Run(key_indent),
            "run" => step.run = Some(value + "\n"),
            "env" => nested = Nested::Env(key_indent),
            _ if value.is_empty() => nested = Nested::Skip(key_indent),
            _ => {}
        }
    }
    workflow
}

/// Replaces each `${{ expr }}` of `value` by its local stand-in.
fn expand(value: &str, locals: &HashMap<String, String>) -> Option<String> {
    let mut out = String::new();
    let mut rest = value;
    while let Some(start) = rest.find("${{") {
        out.push_str(&rest[..start]);
        let end = rest[start..].find("}}").expect("a closed ${{ }}") + start;
        let expr = rest[start + 3..end].trim();
        out.push_str(locals.get(expr)?);
        rest = &rest[end + 2..];
    }
    out.push_str(rest);
    Some(out)
}

/// The small matrix the test cuts into two shards.
const MATRIX: &str =
    "--samples 20 --workers 1 --light-cost 20us --heavy-cost 60us --quiet --no-plots";
/// The commit the test stands in for.
const SHA: &str = "0123456789abcdef0123456789abcdef01234567";

struct Scratch {
    dir: tempfile::TempDir,
    workflow: Workflow,
}

impl Scratch {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("bin")).unwrap();
        std::os::unix::fs::symlink(
            env!("CARGO_BIN_EXE_pollscope"),
            dir.path().join("bin/pollscope"),
        )
        .unwrap();
        Self {
            dir,
            workflow: parse(&workflow_text()),
        }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Runs `step` as GitHub does (`bash -eo pipefail`), with the
    /// workflow's env (MATRIX the small one), the step's env expanded by
    /// `locals`; returns its output and what it wrote to `$GITHUB_OUTPUT`.
    fn run(
        &self,
        step: &Step,
        locals: &HashMap<String, String>,
    ) -> (Output, Vec<(String, String)>) {
        let script = step.run.as_ref().expect("a run step");
        let output_file = self.path().join(".github_output");
        std::fs::write(&output_file, "").unwrap();
        let mut command = Command::new("bash");
        command
            .args(["--noprofile", "--norc", "-eo", "pipefail", "-c", script])
            .current_dir(self.path())
            .env("GITHUB_STEP_SUMMARY", self.path().join(".summary.md"))
            .env("GITHUB_OUTPUT", &output_file);
        for (key, value) in &self.workflow.env {
            command.env(key, if key == "MATRIX" { MATRIX } else { value });
        }
        for (key, value) in &step.env {
            let value = expand(value, locals).unwrap_or_else(|| {
                panic!(
                    "step `{}` uses {value}: give tests/ci_recipe.rs its local value",
                    step.name
                )
            });
            command.env(key, value);
        }
        let out = command.output().unwrap();
        let outputs = std::fs::read_to_string(&output_file)
            .unwrap()
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        (out, outputs)
    }

    /// Runs every `run:` step of `job` in order, each expected to succeed;
    /// returns the steps' outputs by `steps.ID.outputs.KEY`.
    fn job(&self, job: &str, mut locals: HashMap<String, String>) -> HashMap<String, String> {
        let steps: Vec<&Step> = self
            .workflow
            .steps
            .iter()
            .filter(|s| s.job == job)
            .collect();
        assert!(!steps.is_empty(), "docs/ci.md has no job `{job}`");
        for step in steps {
            if step.run.is_none() {
                continue;
            }
            assert!(
                step.condition.is_none(),
                "run step `{}` has an `if:` the test cannot decide",
                step.name
            );
            let (out, outputs) = self.run(step, &locals);
            assert!(
                out.status.success(),
                "step `{}` of job `{job}` failed ({}): {}{}",
                step.name,
                out.status,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            if let Some(id) = &step.id {
                for (key, value) in outputs {
                    locals.insert(format!("steps.{id}.outputs.{key}"), value);
                }
            }
        }
        locals
    }
}

fn locals(shard: u32, shards: u32) -> HashMap<String, String> {
    HashMap::from([
        ("matrix.shard".to_string(), shard.to_string()),
        ("strategy.job-total".to_string(), shards.to_string()),
        ("github.sha".to_string(), SHA.to_string()),
    ])
}

fn run_ids(dir: &Path) -> Vec<String> {
    let mut reader = csv::Reader::from_path(dir.join("runs.csv")).unwrap();
    reader
        .records()
        .map(|r| r.unwrap().get(0).unwrap().to_string())
        .collect()
}

#[test]
fn the_recipe_parses_into_its_jobs_and_steps() {
    let workflow = parse(&workflow_text());
    assert!(workflow.env.iter().any(|(k, _)| k == "MATRIX"));
    let named = |job: &str, part: &str| {
        workflow
            .steps
            .iter()
            .find(|s| s.job == job && s.run.as_deref().is_some_and(|r| r.contains(part)))
            .unwrap_or_else(|| panic!("no `{part}` step in job `{job}`: {workflow:#?}"))
    };
    assert!(
        named("measure", "--shard")
            .env
            .iter()
            .any(|(k, _)| k == "SHARD")
    );
    named("merge", "pollscope merge");
    named("merge", "history add");
    let check = named("merge", "history check");
    assert_eq!(check.id.as_deref(), Some("check"));
    assert!(check.run.as_deref().unwrap().contains("--format markdown"));
    assert!(
        check
            .run
            .as_deref()
            .unwrap()
            .contains("GITHUB_STEP_SUMMARY")
    );
    named("merge", "case");
    // Every `uses:` step was read past, not taken for a run step.
    assert!(
        workflow
            .steps
            .iter()
            .all(|s| s.run.as_deref() != Some("\n"))
    );
}

#[test]
fn the_recipe_runs_two_shards_merges_records_and_gates() {
    let scratch = Scratch::new();
    for shard in 1..=2 {
        scratch.job("measure", locals(shard, 2));
    }
    let shards = scratch.path().join("shards");
    let (a, b) = (
        run_ids(&shards.join("shard-1")),
        run_ids(&shards.join("shard-2")),
    );
    assert!(!a.is_empty() && !b.is_empty() && a.iter().all(|id| !b.contains(id)));
    let outputs = scratch.job("merge", locals(0, 2));
    let merged = scratch.path().join("merged");
    let shard: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(merged.join("shard.json")).unwrap()).unwrap();
    let matrix: Vec<String> = serde_json::from_value(shard["matrix"].clone()).unwrap();
    assert_eq!(matrix.len(), 5, "the journey's five at one worker count");
    assert_eq!(
        run_ids(&merged),
        matrix,
        "every run of the matrix, in its order"
    );
    let db = rusqlite::Connection::open(scratch.path().join("history.sqlite")).unwrap();
    let stored: i64 = db
        .query_row(
            "SELECT COUNT(*) FROM runs WHERE commit_sha = ?1",
            [SHA],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(stored as usize, matrix.len());
    let code = &outputs["steps.check.outputs.code"];
    assert!(
        ["0", "1", "3"].contains(&code.as_str()),
        "check exited {code}"
    );
    let summary = std::fs::read_to_string(scratch.path().join(".summary.md")).unwrap();
    assert!(!summary.trim().is_empty(), "the check wrote no summary");
}

#[test]
fn the_gate_fails_on_a_regression_or_bad_input_and_warns_on_unknown_rows() {
    let scratch = Scratch::new();
    let gate = scratch
        .workflow
        .steps
        .iter()
        .find(|s| {
            s.job == "merge"
                && s.env
                    .iter()
                    .any(|(_, v)| v.contains("steps.check.outputs.code"))
        })
        .expect("a step reads the check's exit code");
    for (code, exit, says) in [
        ("0", 0, "no regression"),
        ("1", 1, "::error::"),
        ("2", 2, "::error::"),
        ("3", 0, "::warning::"),
    ] {
        let mut locals = locals(0, 2);
        locals.insert("steps.check.outputs.code".to_string(), code.to_string());
        let (out, _) = scratch.run(gate, &locals);
        assert_eq!(out.status.code(), Some(exit), "check exit {code}: {out:?}");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(stdout.contains(says), "check exit {code}: {stdout}");
    }
}
