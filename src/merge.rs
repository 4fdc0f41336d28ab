//! `pollscope merge OUT DIR…`: joins shard folders (`pollscope run …
//! --shard K/N`) into one result folder, as if the matrix had run on one
//! machine, so that `compare`, `plot` and `history add` see one folder.
//!
//! The folders must belong together, or nothing is written (bad input):
//! each holds a shard.json; all come from one pollscope version (and one
//! tokio and smol) and one command line apart from `--shard` and `--out`
//! (the same settings id, the same N); no shard and no run is held twice.
//! A shard missing is a warning: the folder holds the runs it has.
//!
//! runs.csv, futures.csv, samples.csv, polls.csv and threads.csv are
//! joined row by row in the matrix's run order; histograms.csv, the
//! findings (judged again on all runs together), the traces, the plots and
//! index.html are written afresh from them, as `pollscope plot` does. OUT
//! must be absent or a folder `merge` wrote (replaced whole).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result, shown_path};
use crate::export::rows::{RunRow, read_rows};
use crate::export::{ResultFolder, ShardFile, load_results};
use crate::publish::{ExportManager, Pictures, Publication, Published};

/// The files joined row by row; every other file is derived from them.
const JOINED: [&str; 5] = [
    "runs.csv",
    "futures.csv",
    "samples.csv",
    "polls.csv",
    "threads.csv",
];

/// One folder to merge.
#[derive(Debug)]
struct Part {
    dir: PathBuf,
    file: ShardFile,
    /// runs.csv's version columns: column → the values it holds.
    versions: BTreeMap<&'static str, BTreeSet<String>>,
}

impl Part {
    fn read(dir: &Path) -> Result<Self> {
        let dir = ResultFolder::check_result(dir)?;
        let file = ShardFile::read(&dir)?.ok_or_else(|| {
            Error::bad_input(format!(
                "{}: not a shard folder (no {}): write shards with `pollscope run … --shard K/N`",
                shown_path(&dir),
                ShardFile::FILE
            ))
        })?;
        let mut versions: BTreeMap<&'static str, BTreeSet<String>> = BTreeMap::new();
        let mut ids = Vec::new();
        for (_, row) in read_rows::<RunRow<'_>>(&dir)? {
            for (column, value) in [
                ("pollscope", &row.pollscope_version),
                ("tokio", &row.tokio_version),
                ("smol", &row.smol_version),
            ] {
                if let Some(value) = value {
                    versions
                        .entry(column)
                        .or_default()
                        .insert(value.to_string());
                }
            }
            ids.push(row.run_id.into_owned());
        }
        if ids != file.runs {
            return Err(Error::bad_input(format!(
                "{}: runs.csv does not hold the runs its {} lists, in its order",
                shown_path(&dir),
                ShardFile::FILE
            )));
        }
        versions
            .entry("pollscope")
            .or_default()
            .insert(file.pollscope_version.clone());
        Ok(Self {
            dir,
            file,
            versions,
        })
    }
}

/// Refuses parts that do not belong together (see the module's notes);
/// returns warnings (shards missing).
fn check_parts(parts: &[Part]) -> Result<Vec<String>> {
    let first = &parts[0];
    let pair = |a: &Part, b: &Part| format!("{} and {}", shown_path(&a.dir), shown_path(&b.dir));
    for part in &parts[1..] {
        for (what, values) in &part.versions {
            let theirs = first.versions.get(what);
            if theirs.is_some_and(|t| t != values) {
                return Err(Error::bad_input(format!(
                    "{} were written by different {what} versions ({} and {}): merge shards of one build",
                    pair(first, part),
                    join(theirs.into_iter().flatten()),
                    join(values.iter())
                )));
            }
        }
        if part.file.of != first.file.of
            || part.file.settings != first.file.settings
            || part.file.matrix != first.file.matrix
        {
            return Err(Error::bad_input(format!(
                "{} come from different settings (`{}` as {} of {}, `{}` as {} of {}): shards must come from one command line apart from --shard and --out",
                pair(first, part),
                first.file.command,
                join(first.file.shards.iter()),
                first.file.of,
                part.file.command,
                join(part.file.shards.iter()),
                part.file.of
            )));
        }
    }
    let mut holder: HashMap<&str, &Part> = HashMap::new();
    let mut shards: BTreeMap<u32, &Part> = BTreeMap::new();
    for part in parts {
        for &k in &part.file.shards {
            if let Some(other) = shards.insert(k, part) {
                return Err(Error::bad_input(format!(
                    "{} both hold shard {k}/{}: merge each shard once",
                    pair(other, part),
                    part.file.of
                )));
            }
        }
        for id in &part.file.runs {
            if let Some(other) = holder.insert(id, part) {
                return Err(Error::bad_input(format!(
                    "{} both hold the run `{id}`: merge each run once",
                    pair(other, part)
                )));
            }
        }
    }
    let missing: Vec<u32> = (1..=first.file.of)
        .filter(|k| !shards.contains_key(k))
        .collect();
    Ok(if missing.is_empty() {
        Vec::new()
    } else {
        vec![format!(
            "shard(s) {} of {} missing: the merged folder holds {} of the matrix's {} runs",
            join(missing.iter()),
            first.file.of,
            holder.len(),
            first.file.matrix.len()
        )]
    })
}

fn join<T: std::fmt::Display>(values: impl IntoIterator<Item = T>) -> String {
    values
        .into_iter()
        .map(|v| v.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Refuses an OUT that exists and that `merge` did not write, or that is
/// one of the folders to merge.
fn check_out(out: &Path, parts: &[Part]) -> Result<()> {
    if !out.exists() && !out.is_symlink() {
        return Ok(());
    }
    let same = |dir: &Path| match (out.canonicalize(), dir.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    if let Some(part) = parts.iter().find(|p| same(&p.dir)) {
        return Err(Error::bad_input(format!(
            "{}: OUT is one of the folders to merge: choose another folder",
            shown_path(&part.dir)
        )));
    }
    let merged = out.is_dir()
        && ResultFolder::check_result(out).is_ok()
        && ShardFile::read(out)
            .ok()
            .flatten()
            .is_some_and(|f| f.made_by == "merge");
    if merged {
        Ok(())
    } else {
        Err(Error::bad_input(format!(
            "{}: exists and `pollscope merge` did not write it (merge replaces only its own folders): choose another folder",
            shown_path(out)
        )))
    }
}

/// Joins `file` of every part into `into`, rows in the order of `order`
/// (run ids); each part's rows must follow its runs' order.
fn join_file(file: &str, parts: &[Part], order: &[(String, usize)], into: &Path) -> Result<()> {
    let mut readers = Vec::with_capacity(parts.len());
    let mut header: Option<csv::ByteRecord> = None;
    for part in parts {
        let path = part.dir.join(file);
        let mut reader =
            csv::Reader::from_path(&path).map_err(|e| Error::csv(&path, None, e.to_string()))?;
        let theirs = reader
            .byte_headers()
            .map_err(|e| Error::csv(&path, Some(1), e.to_string()))?
            .clone();
        match &header {
            Some(h) if *h != theirs => {
                return Err(Error::bad_input(format!(
                    "{} and {} have different {file} columns: merge shards of one build",
                    shown_path(&parts[0].dir),
                    shown_path(&part.dir)
                )));
            }
            _ => header = Some(theirs),
        }
        readers.push((path, reader.into_byte_records().peekable()));
    }
    let out = into.join(file);
    let mut writer =
        csv::Writer::from_path(&out).map_err(|e| Error::csv(&out, None, e.to_string()))?;
    let write_error = |e: csv::Error| Error::csv(&out, None, e.to_string());
    writer
        .write_byte_record(header.as_ref().expect("at least one part"))
        .map_err(write_error)?;
    for (run_id, owner) in order {
        let (path, rows) = &mut readers[*owner];
        while let Some(row) = rows.next_if(|r| {
            r.as_ref()
                .map_or(true, |r| r.get(0) == Some(run_id.as_bytes()))
        }) {
            let row = row.map_err(|e| Error::csv(path.as_path(), None, e.to_string()))?;
            writer.write_byte_record(&row).map_err(write_error)?;
        }
    }
    for (path, rows) in &mut readers {
        if let Some(row) = rows.next() {
            let line = row.ok().and_then(|r| r.position().map(|p| p.line()));
            return Err(Error::csv(
                path.as_path(),
                line,
                "run_id: a row of a run that runs.csv does not hold, or out of run order"
                    .to_string(),
            ));
        }
    }
    writer.flush().map_err(|e| Error::io(&out, e))
}

/// `pollscope merge OUT DIR…` (see the module's notes).
pub(crate) fn merge(out: &Path, dirs: &[PathBuf], pictures: Pictures) -> Result<Published> {
    let parts = dirs
        .iter()
        .map(|d| Part::read(d))
        .collect::<Result<Vec<_>>>()?;
    if parts.is_empty() {
        return Err(Error::bad_input("merge needs at least one shard folder"));
    }
    let warnings = check_parts(&parts)?;
    check_out(out, &parts)?;
    let owner: HashMap<&str, usize> = parts
        .iter()
        .enumerate()
        .flat_map(|(i, p)| p.file.runs.iter().map(move |id| (id.as_str(), i)))
        .collect();
    let order: Vec<(String, usize)> = parts[0]
        .file
        .matrix
        .iter()
        .filter_map(|id| Some((id.clone(), *owner.get(id.as_str())?)))
        .collect();
    let folder = ResultFolder::create(out)?;
    let target = folder.target().to_path_buf();
    let written = |e: Error| e.written_into(&target);
    for file in JOINED {
        join_file(file, &parts, &order, folder.path()).map_err(written)?;
    }
    let mut shards: Vec<u32> = parts.iter().flat_map(|p| p.file.shards.clone()).collect();
    shards.sort_unstable();
    ShardFile {
        made_by: "merge".to_string(),
        shards,
        runs: order.iter().map(|(id, _)| id.clone()).collect(),
        ..parts[0].file.clone()
    }
    .write(folder.path())
    .map_err(written)?;
    let results = load_results(folder.path()).map_err(written)?;
    let publication = Publication::of(&results);
    ExportManager::from_csv(pictures)
        .export_all(folder.path(), &publication)
        .map_err(written)?;
    Ok(Published {
        dir: folder.commit().map_err(written)?,
        findings: publication.findings,
        warnings,
    })
}
