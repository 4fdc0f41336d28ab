//! The database file: checked before anything writes to it, created on
//! first use, migrated forward from an older schema in one transaction.
//!
//! A file is pollscope's when SQLite reads it, its `application_id` is
//! [`APPLICATION_ID`] and its `meta` table says so. Anything else — a text
//! file, another program's database, a damaged file, a newer schema — is
//! refused before a single byte is written: the checks run on a read-only
//! connection.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, OptionalExtension};

use super::series_key::SeriesKey;
use crate::compare::ConfigKey;
use crate::error::{Error, Result};
use crate::scenario::builtins::unused_knobs;

/// `PRAGMA application_id` of a pollscope history: "POLL" in ASCII.
pub(crate) const APPLICATION_ID: i32 = 0x504F_4C4C;

/// The schema this pollscope writes (`PRAGMA user_version`).
pub(crate) const SCHEMA_VERSION: i32 = 3;

/// How long a writer waits for another process's transaction.
const BUSY_TIMEOUT: Duration = Duration::from_secs(60);

/// The tables, created in one transaction on first use.
const SCHEMA: &str = "
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE series (
    series_id TEXT PRIMARY KEY,
    scenario TEXT NOT NULL,
    configuration TEXT NOT NULL,
    cpu_model TEXT NOT NULL,
    cores INTEGER NOT NULL,
    kernel TEXT NOT NULL,
    description TEXT NOT NULL
);
CREATE TABLE runs (
    run_key INTEGER PRIMARY KEY,
    content_id TEXT NOT NULL UNIQUE,
    series_id TEXT NOT NULL REFERENCES series(series_id),
    label TEXT NOT NULL,
    commit_sha TEXT NOT NULL,
    added_at TEXT NOT NULL,
    source TEXT NOT NULL,
    run_id TEXT NOT NULL,
    scenario TEXT NOT NULL,
    repeat INTEGER,
    tokio_version TEXT,
    smol_version TEXT,
    pollscope_version TEXT,
    kernel TEXT,
    cpu_model TEXT,
    cores INTEGER NOT NULL,
    calibration REAL,
    makespan_us INTEGER NOT NULL,
    lower_bound_us INTEGER,
    efficiency REAL,
    other_cpu_pct REAL,
    steal_pct REAL,
    idle_pct REAL,
    disturbed INTEGER,
    events INTEGER,
    events_per_s REAL,
    process_cpu_ns INTEGER,
    cpu_per_event_ns INTEGER,
    started_at TEXT
);
CREATE INDEX runs_by_series ON runs(series_id);
CREATE INDEX runs_by_label ON runs(label);
CREATE TABLE settings (
    run_key INTEGER NOT NULL REFERENCES runs(run_key),
    setting TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (run_key, setting)
) WITHOUT ROWID;
CREATE TABLE metrics (
    run_key INTEGER NOT NULL REFERENCES runs(run_key),
    metric TEXT NOT NULL,
    unit TEXT NOT NULL,
    better TEXT NOT NULL,
    value REAL NOT NULL,
    PRIMARY KEY (run_key, metric)
) WITHOUT ROWID;
CREATE TABLE histograms (
    run_key INTEGER NOT NULL REFERENCES runs(run_key),
    future TEXT NOT NULL,
    metric TEXT NOT NULL,
    points TEXT NOT NULL,
    PRIMARY KEY (run_key, future, metric)
) WITHOUT ROWID;
CREATE TABLE findings (
    run_key INTEGER NOT NULL REFERENCES runs(run_key),
    claim TEXT NOT NULL,
    verdict TEXT NOT NULL,
    reason TEXT NOT NULL,
    evidence TEXT NOT NULL
);
CREATE INDEX findings_by_run ON findings(run_key);
";

/// Opens the history at `path` for reading and writing, creating it (and
/// its folder) when absent or empty; refuses a file that is not a
/// pollscope history of this schema or an older one, leaving it as it was.
pub(crate) fn open(path: &Path) -> Result<Connection> {
    if check_before_writing(path)?
        && let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
    {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    }
    let mut conn = Connection::open(path).map_err(|e| sqlite(path, &e))?;
    conn.busy_timeout(BUSY_TIMEOUT)
        .map_err(|e| sqlite(path, &e))?;
    let tx = conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(|e| sqlite(path, &e))?;
    // Another process may have created it between the checks and the lock.
    match identity(&tx).map_err(|e| sqlite(path, &e))? {
        (0, 0, 0) => {
            tx.execute_batch(&schema_script())
                .map_err(|e| sqlite(path, &e))?;
        }
        (APPLICATION_ID, version, _) if version < SCHEMA_VERSION => {
            migrate(&tx, version).map_err(|e| sqlite(path, &e))?;
        }
        (APPLICATION_ID, SCHEMA_VERSION, _) => {}
        _ => return Err(refuse(path, "not a pollscope history database")),
    }
    tx.commit().map_err(|e| sqlite(path, &e))?;
    Ok(conn)
}

/// 2: a histogram is one row, its points a JSON array of
/// [percentile, value_ns, count] (about a third of the size of a row per
/// point); runs gain runs.csv's `started_at`.
const TO_2: &str = "
CREATE TABLE histograms_v2 (
    run_key INTEGER NOT NULL REFERENCES runs(run_key),
    future TEXT NOT NULL,
    metric TEXT NOT NULL,
    points TEXT NOT NULL,
    PRIMARY KEY (run_key, future, metric)
) WITHOUT ROWID;
INSERT INTO histograms_v2 (run_key, future, metric, points)
    SELECT run_key, future, metric, json_group_array(json_array(percentile, value_ns, count))
    FROM (SELECT * FROM histograms ORDER BY run_key, future, metric, rowid)
    GROUP BY run_key, future, metric;
DROP INDEX histograms_by_run;
DROP TABLE histograms;
ALTER TABLE histograms_v2 RENAME TO histograms;
ALTER TABLE runs ADD COLUMN started_at TEXT;
";

/// Migrates a history of schema `from` to [`SCHEMA_VERSION`] inside the
/// caller's transaction: all steps land, or none.
fn migrate(tx: &rusqlite::Transaction<'_>, from: i32) -> rusqlite::Result<()> {
    for version in from + 1..=SCHEMA_VERSION {
        match version {
            2 => tx.execute_batch(TO_2)?,
            3 => drop_unused_knobs(tx)?,
            _ => unreachable!("no step to schema {version}"),
        }
    }
    tx.execute(
        "UPDATE meta SET value = ?1 WHERE key = 'schema_version'",
        [SCHEMA_VERSION.to_string()],
    )?;
    tx.execute_batch(&format!("PRAGMA user_version = {SCHEMA_VERSION};"))
}

/// 3: a knob a built-in scenario does not use (`two_futures`' heavy cost
/// and task count) is no part of its configuration: its series lose it,
/// its runs lose the setting, and series that differed only in it become
/// one.
fn drop_unused_knobs(tx: &rusqlite::Transaction<'_>) -> rusqlite::Result<()> {
    type Stored = (String, String, String, String, u64, String);
    let series: Vec<Stored> = tx
        .prepare("SELECT series_id, scenario, configuration, cpu_model, cores, kernel FROM series")?
        .query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
            ))
        })?
        .collect::<rusqlite::Result<_>>()?;
    for (id, scenario, configuration, cpu_model, cores, kernel) in series {
        let unused: Vec<&str> = unused_knobs(&scenario)
            .iter()
            .map(|s| s.spec().name)
            .collect();
        let Ok(settings) = serde_json::from_str::<BTreeMap<String, String>>(&configuration) else {
            continue;
        };
        if !settings.keys().any(|k| unused.contains(&k.as_str())) {
            continue;
        }
        let spelled = settings.iter().map(|(k, v)| (k.as_str(), v.as_str()));
        let Some(key) = ConfigKey::from_spelled(&scenario, spelled) else {
            continue;
        };
        let s = SeriesKey::new(&key, &cpu_model, cores, &kernel);
        s.store(tx)?;
        tx.execute(
            "UPDATE runs SET series_id = ?1 WHERE series_id = ?2",
            [&s.id, &id],
        )?;
        for name in &unused {
            tx.execute(
                "DELETE FROM settings WHERE setting = ?1 AND run_key IN \
                 (SELECT run_key FROM runs WHERE series_id = ?2)",
                [name, &s.id.as_str()],
            )?;
        }
        tx.execute("DELETE FROM series WHERE series_id = ?1", [&id])?;
    }
    Ok(())
}

/// The checks [`open`] makes before writing, without writing: whether
/// the history is yet to be created (absent or empty), or an error where
/// [`open`] would refuse it.
pub(crate) fn check_before_writing(path: &Path) -> Result<bool> {
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_file() && meta.len() == 0 => Ok(true),
        Ok(meta) if meta.is_file() => check_existing(path).map(|()| false),
        Ok(_) => Err(refuse(path, "not a regular file")),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(true),
        Err(e) => Err(Error::io(path, e)),
    }
}

/// Opens an existing history read-only (for `list` and `show`), after the
/// same checks as [`open`].
pub(crate) fn open_read_only(path: &Path) -> Result<Connection> {
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_file() && meta.len() > 0 => {}
        Ok(meta) if meta.is_file() => return Err(refuse(path, "an empty history (nothing added)")),
        Ok(_) => return Err(refuse(path, "not a regular file")),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(Error::bad_input(format!(
                "{}: no history yet: add result folders with `pollscope history add DIR` or `pollscope run … --record`",
                crate::error::shown_path(path)
            )));
        }
        Err(e) => return Err(Error::io(path, e)),
    }
    check_existing(path)?;
    let conn = read_only(path)?;
    conn.busy_timeout(BUSY_TIMEOUT)
        .map_err(|e| sqlite(path, &e))?;
    Ok(conn)
}

fn read_only(path: &Path) -> Result<Connection> {
    Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| refuse(path, &format!("not a pollscope history database ({e})")))
}

/// The checks of a file that exists, on a read-only connection: SQLite's
/// header, the application id, the schema version, the `meta` table and
/// SQLite's own consistency check.
fn check_existing(path: &Path) -> Result<()> {
    let mut head = [0u8; 100];
    let header_ok = std::fs::File::open(path)
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut head))
        .is_ok()
        && &head[..16] == b"SQLite format 3\0";
    if !header_ok {
        return Err(refuse(
            path,
            "not a pollscope history database (not SQLite)",
        ));
    }
    roll_back_interrupted(path, &head)?;
    let conn = read_only(path)?;
    conn.busy_timeout(BUSY_TIMEOUT)
        .map_err(|e| sqlite(path, &e))?;
    let damaged = |e: rusqlite::Error| refuse(path, &format!("damaged ({e})"));
    let (app, version, _) = identity(&conn).map_err(damaged)?;
    if app != APPLICATION_ID {
        return Err(refuse(path, "not a pollscope history database"));
    }
    if version > SCHEMA_VERSION {
        return Err(refuse(
            path,
            &format!(
                "schema version {version} is newer than this pollscope's ({SCHEMA_VERSION}): \
                 use a newer pollscope"
            ),
        ));
    }
    let check: String = conn
        .query_row("PRAGMA quick_check", [], |r| r.get(0))
        .map_err(damaged)?;
    if check != "ok" {
        return Err(refuse(path, &format!("damaged ({check})")));
    }
    let format: Option<String> = conn
        .query_row("SELECT value FROM meta WHERE key = 'format'", [], |r| {
            r.get(0)
        })
        .optional()
        .map_err(damaged)?;
    if format.as_deref() != Some(FORMAT) {
        return Err(refuse(path, "not a pollscope history database"));
    }
    Ok(())
}

/// Rolls back the transaction of a writer that was interrupted (killed,
/// Ctrl-C) and left its rollback journal: a read-only connection cannot,
/// and would call the file damaged. Only a file whose header already says
/// it is a pollscope history of this schema or an older one is touched,
/// and only by SQLite's own recovery (which restores it as it was before
/// that transaction); a journal of a transaction still running is left to
/// its writer (SQLite rolls back only journals no writer holds).
fn roll_back_interrupted(path: &Path, head: &[u8; 100]) -> Result<()> {
    let mut journal = path.as_os_str().to_owned();
    journal.push("-journal");
    let has_journal = std::fs::metadata(&journal).is_ok_and(|m| m.len() > 0);
    let word = |at: usize| i32::from_be_bytes([head[at], head[at + 1], head[at + 2], head[at + 3]]);
    let (version, app) = (word(60), word(68));
    if !has_journal || app != APPLICATION_ID || version > SCHEMA_VERSION {
        return Ok(());
    }
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE)
        .map_err(|e| sqlite(path, &e))?;
    conn.busy_timeout(BUSY_TIMEOUT)
        .map_err(|e| sqlite(path, &e))?;
    conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    })
    .map_err(|e| refuse(path, &format!("damaged ({e})")))?;
    Ok(())
}

/// What `meta` says the file is.
const FORMAT: &str = "pollscope history";

/// The schema, the `meta` rows and the pragmas that mark the file.
fn schema_script() -> String {
    format!(
        "{SCHEMA}
INSERT INTO meta (key, value) VALUES ('format', '{FORMAT}');
INSERT INTO meta (key, value) VALUES ('schema_version', '{SCHEMA_VERSION}');
PRAGMA application_id = {APPLICATION_ID};
PRAGMA user_version = {SCHEMA_VERSION};"
    )
}

/// The file's schema version (`PRAGMA user_version`).
pub(crate) fn schema_version(conn: &Connection) -> rusqlite::Result<i32> {
    conn.query_row("PRAGMA user_version", [], |r| r.get(0))
}

/// (application_id, user_version, tables in the schema).
fn identity(conn: &Connection) -> rusqlite::Result<(i32, i32, i64)> {
    let app = conn.query_row("PRAGMA application_id", [], |r| r.get(0))?;
    let version = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let tables = conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))?;
    Ok((app, version, tables))
}

/// The one-line refusal naming the file (SQLite's several lines joined).
fn refuse(path: &Path, why: &str) -> Error {
    let why = why
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("; ");
    Error::bad_input(format!(
        "{}: {why}; left as it was",
        crate::error::shown_path(path)
    ))
}

/// An SQLite error on the file, as one line naming it.
pub(crate) fn sqlite(path: &Path, e: &rusqlite::Error) -> Error {
    Error::bad_input(format!("{}: {e}", crate::error::shown_path(path)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A history of schema 1 with one run and one histogram of two
    /// points: the tables `migrate` reads and changes.
    fn version_1(path: &Path) {
        let conn = Connection::open(path).unwrap();
        conn.execute_batch(&format!(
            "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
             INSERT INTO meta VALUES ('format', '{FORMAT}'), ('schema_version', '1');
             CREATE TABLE series (series_id TEXT PRIMARY KEY, scenario TEXT NOT NULL,
                 configuration TEXT NOT NULL, cpu_model TEXT NOT NULL, cores INTEGER NOT NULL,
                 kernel TEXT NOT NULL, description TEXT NOT NULL);
             CREATE TABLE runs (run_key INTEGER PRIMARY KEY, run_id TEXT NOT NULL,
                 series_id TEXT NOT NULL);
             INSERT INTO runs VALUES (1, 'a-r0', 's');
             CREATE TABLE settings (run_key INTEGER NOT NULL, setting TEXT NOT NULL,
                 value TEXT NOT NULL, PRIMARY KEY (run_key, setting)) WITHOUT ROWID;
             CREATE TABLE histograms (run_key INTEGER NOT NULL, future TEXT NOT NULL,
                 metric TEXT NOT NULL, percentile REAL NOT NULL, value_ns INTEGER NOT NULL,
                 count INTEGER NOT NULL);
             CREATE INDEX histograms_by_run ON histograms(run_key);
             INSERT INTO histograms VALUES (1, 'fut0', 'poll_duration', 0.0, 80, 1),
                 (1, 'fut0', 'poll_duration', 99.9, 1500, 20);
             PRAGMA application_id = {APPLICATION_ID};
             PRAGMA user_version = 1;"
        ))
        .unwrap();
    }

    #[test]
    fn a_version_1_history_migrates_forward_in_one_step() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("history.sqlite");
        version_1(&path);
        let conn = open(&path).unwrap();
        let version: i32 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(version, SCHEMA_VERSION);
        let points: String = conn
            .query_row(
                "SELECT points FROM histograms WHERE future = 'fut0'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(points, "[[0.0,80,1],[99.9,1500,20]]");
        let started: Option<String> = conn
            .query_row("SELECT started_at FROM runs", [], |r| r.get(0))
            .unwrap();
        assert_eq!(started, None);
        let recorded: String = conn
            .query_row(
                "SELECT value FROM meta WHERE key = 'schema_version'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(recorded, SCHEMA_VERSION.to_string());
        // A second open finds nothing to do.
        drop(conn);
        open(&path).unwrap();
    }

    /// A history of schema 2: two series of `two_futures` that differ
    /// only in the heavy cost it does not use, and one of
    /// `many_spawn_task`, which uses it; a run in each.
    fn version_2(path: &Path) -> [String; 3] {
        let conn = Connection::open(path).unwrap();
        conn.execute_batch(&schema_script()).unwrap();
        conn.execute_batch(
            "UPDATE meta SET value = '2' WHERE key = 'schema_version'; PRAGMA user_version = 2;",
        )
        .unwrap();
        let configs = [
            ("two_futures", "100us"),
            ("two_futures", "500us"),
            ("many_spawn_task", "500us"),
        ];
        configs.map(|(scenario, heavy)| {
            let spelled = [
                ("executor", "tokio"),
                ("workers", "2"),
                ("heavy_cost", heavy),
                ("tasks", "6"),
            ];
            let config: BTreeMap<&str, &str> = spelled.into_iter().collect();
            let configuration = serde_json::to_string(&config).unwrap();
            let id = format!("{scenario}-{heavy}");
            conn.execute(
                "INSERT INTO series VALUES (?1, ?2, ?3, 'cpu', 2, 'linux', 'old')",
                [&id, scenario, &configuration],
            )
            .unwrap();
            conn.execute(
                "INSERT INTO runs (content_id, series_id, label, commit_sha, added_at, source, \
                 run_id, scenario, cores, makespan_us) \
                 VALUES (?1, ?1, 'a', 'a', '2026-12-04T00:00:00Z', 'f', ?2, ?3, 2, 1000)",
                [&id, &format!("{scenario}-w2-cpu{heavy}-r0"), scenario],
            )
            .unwrap();
            let run_key = conn.last_insert_rowid();
            conn.execute(
                "INSERT INTO metrics VALUES (?1, 'makespan', 'ns', 'lower', 1e6)",
                [run_key],
            )
            .unwrap();
            for (setting, value) in spelled {
                conn.execute(
                    "INSERT INTO settings VALUES (?1, ?2, ?3)",
                    rusqlite::params![run_key, setting, value],
                )
                .unwrap();
            }
            id
        })
    }

    #[test]
    fn a_version_2_history_reads_as_migrated_without_being_written() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("history.sqlite");
        version_2(&path);
        let before = std::fs::read(&path).unwrap();
        let conn = open_read_only(&path).unwrap();
        let history = super::super::load::history(&conn, &path).unwrap();
        let shown: Vec<(String, usize)> = history
            .series
            .iter()
            .map(|s| (s.config.to_string(), s.points[0].runs.len()))
            .collect();
        assert_eq!(
            shown,
            [
                ("many_spawn_task w2 heavy=500us T=6".to_string(), 1),
                ("two_futures w2".to_string(), 2)
            ]
        );
        assert_eq!(history.series[1].info.runs, 2);
        assert_eq!(history.series[1].info.description, "two_futures w2");
        drop(conn);
        // `list` shows the series as stored, and says a write migrates them.
        let list = super::super::list(&path).unwrap();
        assert_eq!(list.matches("  two_futures-").count(), 2, "{list}");
        assert!(
            list.contains("schema 2: the next `history add` migrates it to 3"),
            "{list}"
        );
        assert_eq!(std::fs::read(&path).unwrap(), before);
    }

    #[test]
    fn a_version_2_history_drops_the_knobs_a_scenario_does_not_use() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("history.sqlite");
        let [old_100, old_500, spawn] = version_2(&path);
        let conn = open(&path).unwrap();
        let series_of = |content_id: &str| -> String {
            conn.query_row(
                "SELECT series_id FROM runs WHERE content_id = ?1",
                [content_id],
                |r| r.get(0),
            )
            .unwrap()
        };
        // The two two_futures series are one now, as a run added today
        // would key it; many_spawn_task keeps its own.
        let merged = series_of(&old_100);
        assert_eq!(merged, series_of(&old_500));
        let key = ConfigKey::from_spelled("two_futures", [("executor", "tokio"), ("workers", "2")])
            .unwrap();
        assert_eq!(merged, SeriesKey::new(&key, "cpu", 2, "linux").id);
        assert_eq!(series_of(&spawn), spawn);
        let (configuration, description): (String, String) = conn
            .query_row(
                "SELECT configuration, description FROM series WHERE series_id = ?1",
                [&merged],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!(
            configuration,
            r#"{"event_interval":"default","executor":"tokio","global_queue_interval":"default","thread_keep_alive":"default","workers":"2"}"#
        );
        assert_eq!(description, "two_futures w2");
        let series: i64 = conn
            .query_row("SELECT count(*) FROM series", [], |r| r.get(0))
            .unwrap();
        assert_eq!(series, 2);
        let settings = |scenario: &str| -> Vec<String> {
            conn.prepare(
                "SELECT DISTINCT setting FROM settings JOIN runs USING (run_key) \
                 WHERE runs.scenario = ?1 ORDER BY setting",
            )
            .unwrap()
            .query_map([scenario], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
        };
        assert_eq!(settings("two_futures"), ["executor", "workers"]);
        assert_eq!(
            settings("many_spawn_task"),
            ["executor", "heavy_cost", "tasks", "workers"]
        );
    }
}
