//! `pollscope check DIR`: your own claims (ids `user.…`), judged afresh on
//! a result folder's runs, as a CI gate. Exit codes as `compare`: 0 every
//! claim holds, 1 one does not hold, 2 bad input (no folder, no user
//! claims), 3 none failed but some are inconclusive (a disturbed run) or
//! not applicable (no future matches).

use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::compare::Format;
use crate::error::{Error, Result};
use crate::export::load_results;
use crate::findings::{Finding, Verdict, findings};

/// A folder's user claims, judged.
#[derive(Debug)]
pub(crate) struct Check {
    /// The folder.
    pub dir: PathBuf,
    /// Each user claim on each run that carries it, in run order.
    pub findings: Vec<Finding>,
    /// What the user should know (none yet; kept for the JSON shape).
    pub warnings: Vec<String>,
}

impl Check {
    /// 1 when a claim does not hold, else 3 when one is inconclusive or
    /// not applicable, else 0.
    pub(crate) fn exit_code(&self) -> i32 {
        let any = |v: Verdict| self.findings.iter().any(|f| f.verdict() == v);
        if any(Verdict::DoesNotHold) {
            1
        } else if any(Verdict::Inconclusive) || any(Verdict::NotApplicable) {
            3
        } else {
            0
        }
    }

    /// How many findings have each verdict, every verdict listed.
    fn counts(&self) -> BTreeMap<&'static str, usize> {
        Verdict::ALL
            .iter()
            .map(|&v| {
                let n = self.findings.iter().filter(|f| f.verdict() == v).count();
                (v.as_str(), n)
            })
            .collect()
    }
}

/// Loads `dir` and judges the user claims its runs carry (claims.csv).
pub(crate) fn check(dir: &Path) -> Result<Check> {
    let results = load_results(dir)?;
    let findings: Vec<Finding> = findings(&results)
        .into_iter()
        .filter(|f| f.claim.id.starts_with("user."))
        .collect();
    if findings.is_empty() {
        return Err(Error::bad_input(format!(
            "{}: no user claims to check (declare them with [[claim]] in an experiment, Session::claim or MeasureOptions::claim)",
            crate::error::shown_path(dir)
        )));
    }
    Ok(Check {
        dir: dir.to_path_buf(),
        findings,
        warnings: Vec::new(),
    })
}

/// The check in `format`.
pub(crate) fn render(check: &Check, format: Format) -> String {
    match format {
        Format::Text => text(check),
        Format::Markdown => markdown(check),
        Format::Json => json(check),
    }
}

/// One line per finding: the verdict upper-case, the run, the claim, the
/// deciding number; then the counts.
fn text(check: &Check) -> String {
    let mut out = String::new();
    for f in &check.findings {
        let verdict = f.judgement.verdict.as_str().to_uppercase();
        let _ = writeln!(
            out,
            "{verdict:<15} {}  {}  {}",
            f.run_id,
            f.claim.text,
            why(f)
        );
    }
    let _ = writeln!(out, "{}", counts_line(check));
    out
}

/// What a finding's line says: the evidence where it holds, else the
/// reason.
fn why(f: &Finding) -> &str {
    let j = &f.judgement;
    if j.verdict == Verdict::Holds {
        &j.evidence
    } else {
        &j.reason
    }
}

fn counts_line(check: &Check) -> String {
    check
        .counts()
        .iter()
        .map(|(v, n)| format!("{n} {v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A Markdown table, for a CI comment.
fn markdown(check: &Check) -> String {
    let mut out = String::from("| verdict | run | claim | why |\n|---|---|---|---|\n");
    // Only `|` is escaped: run ids and claims sit in code spans, where an
    // HTML entity would show as written.
    let cell = |s: &str| s.replace('|', "\\|");
    for f in &check.findings {
        let j = &f.judgement;
        let _ = writeln!(
            out,
            "| {} | `{}` | `{}` | {} |",
            j.verdict.as_str(),
            cell(&f.run_id),
            cell(f.claim.text),
            cell(why(f))
        );
    }
    let _ = writeln!(out, "\n{}", counts_line(check));
    out
}

/// The JSON document (results/README.md, "check"): `dir`, `warnings`,
/// `rows`, `counts`, `exit_code`, as `compare`'s.
fn json(check: &Check) -> String {
    #[derive(Serialize)]
    struct Row<'a> {
        run_id: &'a str,
        scenario: &'a str,
        claim: &'a str,
        text: &'a str,
        verdict: &'static str,
        reason: &'a str,
        evidence: &'a str,
    }
    #[derive(Serialize)]
    struct Document<'a> {
        dir: String,
        warnings: &'a [String],
        rows: Vec<Row<'a>>,
        counts: BTreeMap<&'static str, usize>,
        exit_code: i32,
    }
    let document = Document {
        dir: check.dir.display().to_string(),
        warnings: &check.warnings,
        rows: check
            .findings
            .iter()
            .map(|f| Row {
                run_id: &f.run_id,
                scenario: &f.scenario,
                claim: f.claim.id,
                text: f.claim.text,
                verdict: f.verdict().as_str(),
                reason: &f.judgement.reason,
                evidence: &f.judgement.evidence,
            })
            .collect(),
        counts: check.counts(),
        exit_code: check.exit_code(),
    };
    let mut out = serde_json::to_string_pretty(&document).unwrap_or_default();
    out.push('\n');
    out
}
