//! `pollscope history`: result folders kept in one SQLite database
//! (default `results/history.sqlite`), one series per configuration and
//! machine, so that a metric can be followed over labels (commits).
//!
//! The database holds per run its configuration, environment,
//! calibration, interference, metrics (what `compare` judges, read by
//! compare's own functions), histograms and findings — not raw polls or
//! samples. Its schema is documented in results/README.md.

mod change_points;
mod check;
mod check_render;
mod db;
mod folder;
mod load;
mod query;
mod report;
mod series_key;
mod store;
mod trend_chart;

use std::path::{Path, PathBuf};

pub(crate) use query::ShowFormat;
pub(crate) use report::DEFAULT_OUT as DEFAULT_REPORT;

use crate::error::Result;

/// The default database.
pub(crate) const DEFAULT_DB: &str = "results/history.sqlite";

/// What `history add` is told.
pub(crate) struct AddOptions<'a> {
    /// The database.
    pub db: &'a Path,
    /// The result folders.
    pub folders: &'a [PathBuf],
    /// The label (default: the commit).
    pub label: Option<String>,
    /// The commit (default: `git rev-parse HEAD`, else `unknown`).
    pub commit: Option<String>,
}

/// `history add`: reads each folder whole, then stores it in one
/// transaction; returns one line per folder (runs added, already present).
/// Every folder is read before the database is opened, so bad input
/// changes nothing.
pub(crate) fn add(options: &AddOptions<'_>) -> Result<Vec<String>> {
    check_stamp(options.label.as_deref(), options.commit.as_deref())?;
    let created = !options.db.exists();
    let folders = options
        .folders
        .iter()
        .map(|dir| Ok((dir, folder::read(dir)?)))
        .collect::<Result<Vec<_>>>()?;
    let commit = options.commit.clone().unwrap_or_else(current_commit);
    let stamp = store::Stamp {
        label: options.label.clone().unwrap_or_else(|| commit.clone()),
        commit,
        added_at: now_rfc3339(),
    };
    let mut conn = db::open(options.db)?;
    let mut lines = Vec::new();
    if created {
        lines.push(format!("{}: a new history database", options.db.display()));
    }
    for (dir, records) in folders {
        // Stored absolute, so the report's links hold wherever it is run.
        let source = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
        let (added, present) = store::add(&mut conn, options.db, &source, &records, &stamp)?;
        lines.push(format!(
            "{}: {added} run{} added, {present} already present (label {})",
            dir.display(),
            if added == 1 { "" } else { "s" },
            stamp.label
        ));
    }
    Ok(lines)
}

/// Checks a label and a commit given on the command line: not empty, no
/// control character (a newline would split the tables that print them),
/// at most 200 characters.
pub(crate) fn check_stamp(label: Option<&str>, commit: Option<&str>) -> Result<()> {
    for (what, text) in [("--label", label), ("--commit", commit)] {
        let Some(text) = text else { continue };
        let problem = if text.trim().is_empty() {
            format!("{what} is empty: leave it out for the default")
        } else if text.chars().any(char::is_control) {
            format!(
                "{what} {} holds a control character (a newline, a tab)",
                crate::error::shown(text)
            )
        } else if text.chars().count() > 200 {
            format!("{what} is longer than 200 characters")
        } else {
            continue;
        };
        return Err(crate::error::Error::bad_input(problem));
    }
    Ok(())
}

/// Checks, without writing, that `history add` would accept the database
/// `db` (for `run --record`, before the run).
pub(crate) fn check_db(db: &Path) -> Result<()> {
    db::check_before_writing(db).map(|_| ())
}

/// `history list`.
pub(crate) fn list(db: &Path) -> Result<String> {
    let conn = db::open_read_only(db)?;
    let mut out = query::list(&conn, db)?;
    let version = db::schema_version(&conn).map_err(|e| db::sqlite(db, &e))?;
    if version < db::SCHEMA_VERSION {
        out.push_str(&format!(
            "schema {version}: the next `history add` migrates it to {} (series that differ only in a knob their scenario does not use, such as two_futures' heavy_cost, become one; `check` and `report` read them as one already)\n",
            db::SCHEMA_VERSION
        ));
    }
    Ok(out)
}

/// `history show SERIES METRIC`.
pub(crate) fn show(db: &Path, series: &str, metric: &str, format: ShowFormat) -> Result<String> {
    let conn = db::open_read_only(db)?;
    query::show(&conn, db, series, metric, format)
}

/// What `history check` is told.
pub(crate) struct CheckOptions<'a> {
    /// The database.
    pub db: &'a Path,
    /// The label to judge (default: the newest).
    pub label: Option<&'a str>,
    /// The output format.
    pub format: crate::compare::Format,
    /// Every row in text and Markdown, not only those that moved.
    pub all: bool,
    /// `compare`'s threshold, %.
    pub threshold_pct: f64,
    /// `compare`'s false-discovery rate.
    pub fdr: f64,
}

/// `history check`: the output and the exit code (as `compare`'s: 0, 1
/// regressed, 3 unknown, disturbed or nothing to judge).
pub(crate) fn check(options: &CheckOptions<'_>) -> Result<(String, i32)> {
    let conn = db::open_read_only(options.db)?;
    let history = load::history(&conn, options.db)?;
    let rules = crate::compare::Rules {
        threshold_pct: options.threshold_pct,
        fdr: options.fdr,
    };
    let checked = check::check(&history, options.label, rules, options.db)?;
    let text = check_render::render(&checked, &history, options.db, options.format, options.all);
    Ok((text, checked.exit_code()))
}

/// `history report`: writes the page into `out`; returns its path.
pub(crate) fn report(db: &Path, out: &Path) -> Result<PathBuf> {
    let conn = db::open_read_only(db)?;
    let history = load::history(&conn, db)?;
    report::write(&history, db, out)
}

/// `git rev-parse HEAD` in the current folder, `unknown` outside a git
/// work tree (or without git).
pub(crate) fn current_commit() -> String {
    std::process::Command::new("git")
        .args(["rev-parse", "HEAD"])
        .stderr(std::process::Stdio::null())
        .output()
        .ok()
        .filter(|out| out.status.success())
        .and_then(|out| String::from_utf8(out.stdout).ok())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "unknown".to_string())
}

/// Now, RFC 3339 in UTC to the second (`2026-12-04T15:20:00Z`).
fn now_rfc3339() -> String {
    crate::common::time::rfc3339(std::time::SystemTime::now())
}
