//! Result folders: pollscope's alone, written whole or not at all.
//!
//! Every result folder carries a manifest ([`MANIFEST`]) listing the files
//! pollscope generated in it. pollscope writes only into a folder that is
//! absent, empty, or a result (a manifest, or — for folders written before
//! the manifest existed — nothing but files pollscope generates); anything
//! else is refused before a run starts, with nothing touched.
//!
//! * A run ([`ResultFolder::create`]) writes into a temporary sibling
//!   (`.<name>.tmp-<pid>`) and swaps it with the previous folder in one
//!   atomic `renameat2(RENAME_EXCHANGE)` (two renames where the file system
//!   lacks it), then deletes the previous folder. A previous result that
//!   holds files pollscope did not write is refused rather than deleted.
//! * `pollscope plot` ([`ResultFolder::update`]) writes into a temporary
//!   sibling too, then moves each generated file into the folder, replacing
//!   only pollscope's files and keeping every other file.
//! * Temporary siblings are registered so that Ctrl-C and SIGTERM (see
//!   [`remove_temporaries`]) remove them; siblings left by dead processes
//!   are removed, or put back where a moved-aside result never returned, by
//!   the next write to the same folder.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::error::{Error, Result};

/// The manifest file of a result folder: a first line naming the format,
/// then one generated file per line, relative to the folder.
pub(crate) const MANIFEST: &str = ".pollscope-manifest";

const MANIFEST_HEADER: &str = "pollscope result folder v1";

/// Top-level files pollscope generates in a result folder.
const GENERATED: [&str; 14] = [
    "runs.csv",
    "claims.csv",
    "futures.csv",
    "samples.csv",
    "polls.csv",
    "threads.csv",
    "histograms.csv",
    "findings.csv",
    "findings.md",
    "trace.json",
    "trace.pftrace",
    "index.html",
    "shard.json",
    MANIFEST,
];

/// Temporary folders of this process, removed on Ctrl-C or SIGTERM.
static TEMPORARIES: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// Removes every temporary folder this process is writing. Called by the
/// command line's signal handler and panic hook; `wait` is false where the
/// registry may be held by the caller's own thread (a panic).
#[doc(hidden)]
pub(crate) fn remove_temporaries(wait: bool) {
    let guard = if wait {
        Some(TEMPORARIES.lock().unwrap_or_else(|e| e.into_inner()))
    } else {
        TEMPORARIES.try_lock().ok()
    };
    if let Some(mut temporaries) = guard {
        for temp in temporaries.drain(..) {
            discard(&temp);
        }
    }
}

/// Removes the temporary folder `temp` while another thread may still be
/// writing into it: first renamed aside (`.<name>.dead-<pid>`), so that
/// no new path through `temp` resolves, then removed, again while files
/// created just before the rename still appear. A sibling left by a
/// process killed in between is removed by the next write.
fn discard(temp: &Path) {
    let dead = temp
        .file_name()
        .map(|n| temp.with_file_name(n.to_string_lossy().replacen(".tmp-", ".dead-", 1)));
    let doomed = match dead {
        Some(dead) if fs::rename(temp, &dead).is_ok() => dead,
        _ => temp.to_path_buf(),
    };
    for _ in 0..200 {
        match fs::remove_dir_all(&doomed) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                std::thread::sleep(std::time::Duration::from_millis(1));
            }
            _ => return,
        }
    }
}

/// Set once Ctrl-C or SIGTERM arrived: writers are stopped (their
/// temporary folder is gone) and only the signal handler speaks.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Stops this process's writing for an exit on a signal: marks it
/// interrupted (so that a writer's failure, now expected, is not
/// reported), then removes its temporary folders, waiting for a folder
/// being moved into place.
pub(crate) fn interrupt() {
    INTERRUPTED.store(true, Ordering::SeqCst);
    remove_temporaries(true);
}

/// After [`interrupt`], the caller (a writer whose folder vanished, a
/// panicking thread) waits for the signal handler to exit the process with
/// 130, printing nothing; at most a few seconds, then it exits with 130
/// itself. Returns at once when there was no signal.
pub(crate) fn wait_if_interrupted() {
    if INTERRUPTED.load(Ordering::SeqCst) {
        std::thread::sleep(std::time::Duration::from_secs(10));
        std::process::exit(130);
    }
}

fn register(temp: &Path) {
    TEMPORARIES
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(temp.to_path_buf());
}

fn unregister(temp: &Path) {
    TEMPORARIES
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .retain(|t| t != temp);
}

/// Whether `relative` (a path inside a result folder) names a file
/// pollscope generates.
fn is_generated(relative: &str) -> bool {
    match relative.split_once('/') {
        None => GENERATED.contains(&relative),
        Some(("plots", file)) => !file.contains('/') && file.ends_with(".svg"),
        Some(_) => false,
    }
}

/// What a folder holds, as far as pollscope is concerned.
#[derive(Debug)]
struct Contents {
    /// The files its manifest lists, if it has one.
    manifest: Option<Vec<String>>,
    /// Every file (and foreign folder), relative, `plots/x.svg` style.
    files: Vec<String>,
    /// The entries of `files` that are not regular files (folders, links,
    /// sockets…): never pollscope's, whatever their names, so never
    /// adopted, replaced, followed or deleted.
    not_files: Vec<String>,
    /// Whether it holds a runs.csv whose header is pollscope's (a result
    /// written before manifests existed).
    old_result: bool,
}

impl Contents {
    fn read(dir: &Path) -> Result<Self> {
        let (mut files, mut not_files) = (Vec::new(), Vec::new());
        list_entries(dir, "", &mut files, &mut not_files)?;
        let linked = |name: &str| not_files.iter().any(|n| n == name);
        let manifest = match fs::read_to_string(dir.join(MANIFEST)) {
            Ok(text) if !linked(MANIFEST) && text.lines().next() == Some(MANIFEST_HEADER) => {
                Some(text.lines().skip(1).map(String::from).collect())
            }
            _ => None,
        };
        let old_result = !linked("runs.csv")
            && fs::read_to_string(dir.join("runs.csv"))
                .is_ok_and(|text| text.starts_with("run_id,scenario,"));
        Ok(Self {
            manifest,
            files,
            not_files,
            old_result,
        })
    }

    /// Files pollscope did not write: with a manifest, every file it does
    /// not list; without one, every file of a name pollscope never
    /// generates; and always every entry that is not a regular file (a
    /// folder or a link named like a generated file is still foreign).
    fn foreign(&self) -> Vec<&str> {
        self.files
            .iter()
            .map(String::as_str)
            .filter(|f| {
                self.not_files.iter().any(|n| n == f)
                    || match &self.manifest {
                        Some(listed) => *f != MANIFEST && !listed.iter().any(|g| g == f),
                        None => !is_generated(f),
                    }
            })
            .collect()
    }

    /// The files that keep it from being a result: the foreign ones, or
    /// (a folder of pollscope's names without its manifest or runs.csv)
    /// all of them.
    fn unexplained(&self) -> Vec<&str> {
        let foreign = self.foreign();
        if foreign.is_empty() {
            self.files.iter().map(String::as_str).collect()
        } else {
            foreign
        }
    }

    /// A pollscope result: a manifest; or, written before manifests
    /// existed, a pollscope runs.csv beside nothing but files of the names
    /// pollscope generates.
    fn is_result(&self) -> bool {
        self.manifest.is_some() || (self.old_result && self.foreign().is_empty())
    }
}

/// Lists `dir` recursively into `out` as `prefix/name`; a non-`plots`
/// folder is listed as itself (it cannot be generated).
fn list(dir: &Path, prefix: &str, out: &mut Vec<String>) -> Result<()> {
    list_entries(dir, prefix, out, &mut Vec::new())
}

/// [`list`], also noting in `not_files` every entry listed that is not a
/// regular file. Links are never followed (a `plots` link is listed as
/// itself, not entered); only a real `plots` folder is.
fn list_entries(
    dir: &Path,
    prefix: &str,
    out: &mut Vec<String>,
    not_files: &mut Vec<String>,
) -> Result<()> {
    let entries = fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let relative = format!("{prefix}{name}");
        // `file_type` does not follow links.
        let kind = entry.file_type().map_err(|e| Error::io(dir, e))?;
        if kind.is_dir() && prefix.is_empty() && name == "plots" {
            list_entries(&entry.path(), "plots/", out, not_files)?;
        } else {
            if !kind.is_file() {
                not_files.push(relative.clone());
            }
            out.push(relative);
        }
    }
    out.sort();
    Ok(())
}

/// Bad input: entries of `dir` that pollscope did not create stand where
/// it would write.
fn in_the_way(dir: &Path, entries: &[&str]) -> Error {
    Error::bad_input(format!(
        "{}: {} was not written by pollscope (or is a folder or a link), and pollscope writes only over its own files: move it or choose another folder",
        crate::error::shown_path(dir),
        sample(entries)
    ))
}

fn sample(files: &[&str]) -> String {
    let shown: Vec<&str> = files.iter().take(3).copied().collect();
    let more = files.len().saturating_sub(shown.len());
    if more > 0 {
        format!("{} and {more} more", shown.join(", "))
    } else {
        shown.join(", ")
    }
}

/// How a [`ResultFolder`] ends up in place.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    /// Replaces the whole folder (a run).
    Replace,
    /// Moves its files into the existing folder (`plot`).
    Update,
}

/// A result folder being written: files go into a temporary sibling
/// (`.<name>.tmp-<pid>`) until [`ResultFolder::commit`] puts them in place.
/// Dropping an uncommitted folder deletes the temporary one.
///
/// ```
/// use pollscope::ResultFolder;
///
/// let dir = tempfile::tempdir().unwrap();
/// let target = dir.path().join("results");
/// let folder = ResultFolder::create(&target).unwrap();
/// std::fs::write(folder.path().join("runs.csv"), "new").unwrap();
/// assert!(!target.exists());
/// folder.commit().unwrap();
/// assert_eq!(std::fs::read_to_string(target.join("runs.csv")).unwrap(), "new");
///
/// // A folder holding someone else's files is never replaced.
/// let theirs = dir.path().join("theirs");
/// std::fs::create_dir(&theirs).unwrap();
/// std::fs::write(theirs.join("notes.txt"), "mine").unwrap();
/// let refused = ResultFolder::create(&theirs).unwrap_err().to_string();
/// assert!(refused.contains("notes.txt"), "{refused}");
/// assert!(theirs.join("notes.txt").exists());
/// ```
#[derive(Debug)]
pub struct ResultFolder {
    target: PathBuf,
    temp: PathBuf,
    mode: Mode,
    committed: bool,
}

impl ResultFolder {
    /// Prepares to write `target` whole: it must be absent, empty, or a
    /// result holding only pollscope's files. Creates its parent folders and
    /// an empty temporary sibling. Fails (before anything is run) with bad
    /// input when the place is not pollscope's or cannot be written.
    pub fn create(target: impl AsRef<Path>) -> Result<Self> {
        let target = resolve_link(target.as_ref())?;
        check_ancestors(&target)?;
        if target.exists() {
            if !target.is_dir() {
                return Err(Error::bad_input(format!(
                    "{}: is a file, not a folder",
                    crate::error::shown_path(&target)
                )));
            }
            let contents = Contents::read(&target)?;
            let foreign = contents.foreign();
            if !contents.files.is_empty() && !contents.is_result() {
                return Err(Error::bad_input(format!(
                    "{}: not a pollscope result folder (it holds {}); pollscope replaces only folders it wrote: choose another folder",
                    crate::error::shown_path(&target),
                    sample(&contents.unexplained())
                )));
            }
            if !foreign.is_empty() {
                return Err(Error::bad_input(format!(
                    "{}: holds files pollscope did not write ({}), which replacing it would delete: move them or choose another folder",
                    crate::error::shown_path(&target),
                    sample(&foreign)
                )));
            }
        }
        Self::prepare(target, Mode::Replace)
    }

    /// Prepares to rewrite pollscope's files in the existing result folder
    /// `dir` (what `pollscope plot` does), keeping every other file.
    pub fn update(dir: impl AsRef<Path>) -> Result<Self> {
        let dir = Self::check_result(dir)?;
        let contents = Contents::read(&dir)?;
        let foreign = contents.foreign();
        let blocking: Vec<&str> = foreign
            .iter()
            .copied()
            .filter(|f| *f == "plots" || GENERATED.contains(f))
            .collect();
        if !blocking.is_empty() {
            return Err(in_the_way(&dir, &blocking));
        }
        Self::prepare(dir, Mode::Update)
    }

    /// Checks, touching nothing, that `dir` is a pollscope result folder
    /// ([`ResultFolder::update`] may write there); returns its path with
    /// links resolved.
    pub fn check_result(dir: impl AsRef<Path>) -> Result<PathBuf> {
        let dir = resolve_link(dir.as_ref())?;
        if !dir.is_dir() {
            return Err(Error::bad_input(format!(
                "{}: not a result folder ({})",
                crate::error::shown_path(&dir),
                if dir.exists() {
                    "not a folder"
                } else {
                    "no such folder"
                }
            )));
        }
        let contents = Contents::read(&dir)?;
        if !contents.is_result() {
            return Err(Error::bad_input(format!(
                "{}: not a pollscope result folder (no {MANIFEST}, and it holds {})",
                crate::error::shown_path(&dir),
                sample(&contents.unexplained())
            )));
        }
        Ok(dir)
    }

    fn prepare(target: PathBuf, mode: Mode) -> Result<Self> {
        let name = target
            .file_name()
            .ok_or_else(|| {
                Error::bad_input(format!(
                    "{}: not a folder name",
                    crate::error::shown_path(&target)
                ))
            })?
            .to_string_lossy()
            .into_owned();
        if let Some(problem) = out_path_problem(&target, &name) {
            return Err(Error::bad_input(format!(
                "{}: {problem}",
                crate::error::shown_path(&target)
            )));
        }
        let parent = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        fs::create_dir_all(&parent).map_err(|e| {
            Error::bad_input(format!(
                "cannot create the folder {}: {e}",
                crate::error::shown_path(&parent)
            ))
        })?;
        recover_stale_siblings(&parent, &name, &target);
        let temp = parent.join(format!(".{name}.tmp-{}", std::process::id()));
        if temp.exists() {
            fs::remove_dir_all(&temp).map_err(|e| Error::io(&temp, e))?;
        }
        fs::create_dir(&temp).map_err(|e| {
            Error::bad_input(format!(
                "cannot write the result folder {}: {e}",
                crate::error::shown_path(&target)
            ))
        })?;
        register(&temp);
        Ok(Self {
            target,
            temp,
            mode,
            committed: false,
        })
    }

    /// Where to write the files now.
    pub fn path(&self) -> &Path {
        &self.temp
    }

    /// The folder the files will end up in.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Writes the manifest and puts the files in place: the whole folder
    /// for a run, file by file for `plot`.
    pub fn commit(mut self) -> Result<PathBuf> {
        let mut generated = Vec::new();
        list(&self.temp, "", &mut generated)?;
        // Signals wait while the folder moves.
        let _registry = TEMPORARIES.lock().unwrap_or_else(|e| e.into_inner());
        match self.mode {
            Mode::Replace => {
                write_manifest(&self.temp, &generated)?;
                self.swap_into_place()?;
            }
            Mode::Update => self.move_files_in(&generated)?,
        }
        self.committed = true;
        drop(_registry);
        unregister(&self.temp);
        Ok(self.target.clone())
    }

    fn swap_into_place(&self) -> Result<()> {
        if !self.target.exists() {
            return fs::rename(&self.temp, &self.target).map_err(|e| Error::io(&self.target, e));
        }
        // The previous folder is checked again: files may have appeared
        // since the run started.
        let contents = Contents::read(&self.target)?;
        let foreign = contents.foreign();
        if !foreign.is_empty() {
            return Err(Error::bad_input(format!(
                "{}: files pollscope did not write appeared during the run ({}); the new result was not written",
                crate::error::shown_path(&self.target),
                sample(&foreign)
            )));
        }
        if exchange(&self.temp, &self.target).is_ok() {
            // The temporary path now holds the previous result.
            return fs::remove_dir_all(&self.temp).map_err(|e| Error::io(&self.temp, e));
        }
        let old = self.sibling("old");
        if old.exists() {
            fs::remove_dir_all(&old).map_err(|e| Error::io(&old, e))?;
        }
        fs::rename(&self.target, &old).map_err(|e| Error::io(&self.target, e))?;
        if let Err(e) = fs::rename(&self.temp, &self.target) {
            let _ = fs::rename(&old, &self.target);
            return Err(Error::io(&self.target, e));
        }
        fs::remove_dir_all(&old).map_err(|e| Error::io(&old, e))
    }

    fn move_files_in(&self, generated: &[String]) -> Result<()> {
        let previous = Contents::read(&self.target)?;
        let foreign = previous.foreign();
        // Nothing is written through a link or over an entry pollscope did
        // not create: checked for every file before any moves.
        let blocking: Vec<&str> = generated
            .iter()
            .map(String::as_str)
            .filter(|f| {
                foreign
                    .iter()
                    .any(|x| x == f || f.strip_prefix(x).is_some_and(|r| r.starts_with('/')))
            })
            .collect();
        if !blocking.is_empty() {
            return Err(in_the_way(&self.target, &blocking));
        }
        for file in generated {
            let (from, to) = (self.temp.join(file), self.target.join(file));
            if let Some(parent) = to.parent() {
                fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
            }
            fs::rename(&from, &to).map_err(|e| Error::io(&to, e))?;
        }
        // Keep listing what pollscope wrote before and is still there.
        let mut listed: Vec<String> = previous
            .files
            .iter()
            .filter(|f| !foreign.contains(&f.as_str()))
            .cloned()
            .collect();
        listed.extend(generated.iter().cloned());
        listed.sort();
        listed.dedup();
        write_manifest(&self.target, &listed)?;
        fs::remove_dir_all(&self.temp).map_err(|e| Error::io(&self.temp, e))
    }

    fn sibling(&self, tag: &str) -> PathBuf {
        let name = self
            .target
            .file_name()
            .unwrap_or_default()
            .to_string_lossy();
        self.temp
            .with_file_name(format!(".{name}.{tag}-{}", std::process::id()))
    }
}

impl Drop for ResultFolder {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.temp);
            unregister(&self.temp);
        }
    }
}

fn write_manifest(dir: &Path, files: &[String]) -> Result<()> {
    let mut text = format!("{MANIFEST_HEADER}\n");
    for file in files.iter().filter(|f| *f != MANIFEST) {
        text.push_str(file);
        text.push('\n');
    }
    let path = dir.join(MANIFEST);
    fs::write(&path, text).map_err(|e| Error::io(&path, e))
}

/// The folder a symbolic link points to (written through, so the link
/// stays a link), else the path itself.
fn resolve_link(path: &Path) -> Result<PathBuf> {
    // `dir/`, `dir/.` and `dir` are one folder: without the trailing `/`
    // or `.`, a rename of the folder itself works (the OS refuses to
    // rename `dir/.`, and `link/` through its link).
    let path: PathBuf = path.components().collect();
    let path = path.as_path();
    if path.is_symlink() {
        fs::canonicalize(path).map_err(|e| {
            Error::bad_input(format!(
                "{}: a link that leads nowhere ({e})",
                crate::error::shown_path(path)
            ))
        })
    } else {
        Ok(path.to_path_buf())
    }
}

/// A path whose ancestor is a regular file cannot become a folder: say
/// which ancestor, instead of the OS's "File exists".
fn check_ancestors(target: &Path) -> Result<()> {
    for ancestor in target.ancestors().skip(1) {
        if ancestor.as_os_str().is_empty() {
            break;
        }
        if ancestor.exists() {
            if !ancestor.is_dir() {
                return Err(Error::bad_input(format!(
                    "cannot create {}: {} is a file, not a folder",
                    crate::error::shown_path(target),
                    crate::error::shown_path(ancestor)
                )));
            }
            break;
        }
    }
    Ok(())
}

/// Swaps two paths atomically (Linux `renameat2` with `RENAME_EXCHANGE`).
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let a = CString::new(a.as_os_str().as_bytes())?;
    let b = CString::new(b.as_os_str().as_bytes())?;
    // SAFETY: both are valid NUL-terminated paths for the call's duration.
    let rc = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> std::io::Result<()> {
    Err(std::io::Error::from(std::io::ErrorKind::Unsupported))
}

/// Whether process `pid` is gone (known only where /proc exists).
fn is_dead(pid: u32) -> bool {
    pid != std::process::id()
        && Path::new("/proc/self").exists()
        && !Path::new(&format!("/proc/{pid}")).exists()
}

/// Cleans up after processes that no longer exist (a run killed mid-way):
/// their temporary folders are deleted, and a previous folder they had
/// moved aside is put back if nothing took its place. Only siblings that
/// hold nothing but pollscope's files are touched.
fn recover_stale_siblings(parent: &Path, name: &str, target: &Path) {
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let file_name = entry.file_name().to_string_lossy().into_owned();
        let stale = ["tmp", "old", "dead"].into_iter().find(|tag| {
            file_name
                .strip_prefix(&format!(".{name}.{tag}-"))
                .and_then(|pid| pid.parse::<u32>().ok())
                .is_some_and(is_dead)
        });
        let Some(tag) = stale else { continue };
        // Only a real folder is a sibling pollscope made: never a link.
        if !entry.file_type().is_ok_and(|t| t.is_dir()) {
            continue;
        }
        let ours = Contents::read(&entry.path())
            .is_ok_and(|c| c.files.is_empty() || c.foreign().is_empty());
        if !ours {
            continue;
        }
        if tag == "old" && !target.exists() {
            let _ = fs::rename(entry.path(), target);
        } else {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}

/// Why `target` (whose last component is `name`) cannot be an output
/// folder: `-`, which reads as standard output, or a control character
/// (a newline, a tab) anywhere in the path, which would break the CSV
/// files, links and terminal lines that name the folder.
fn out_path_problem(target: &Path, name: &str) -> Option<&'static str> {
    if name == "-" {
        return Some(
            "pollscope writes a result folder, not to standard output: name a folder (e.g. ./results/mine)",
        );
    }
    target
        .to_string_lossy()
        .chars()
        .any(char::is_control)
        .then_some("a folder path with a control character (a newline, a tab) is not accepted")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_names_are_the_result_files_only() {
        for name in [
            "runs.csv",
            "plots/a-w1-cpu1us-r0.svg",
            "index.html",
            MANIFEST,
        ] {
            assert!(is_generated(name), "{name}");
        }
        for name in [
            "notes.txt",
            "plots/x.png",
            "plots/sub/a.svg",
            "reference",
            ".git",
        ] {
            assert!(!is_generated(name), "{name}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn links_and_folders_of_generated_names_are_never_pollscope_s() {
        let dir = tempfile::tempdir().unwrap();
        // A pre-manifest folder whose generated names are folders.
        let old = dir.path().join("old");
        fs::create_dir_all(old.join("plots/archive.svg")).unwrap();
        fs::write(old.join("plots/archive.svg/notes.txt"), "mine").unwrap();
        fs::create_dir(old.join("trace.json")).unwrap();
        fs::write(old.join("runs.csv"), "run_id,scenario,\n").unwrap();
        let refused = ResultFolder::create(&old).unwrap_err();
        assert!(
            refused.to_string().contains("plots/archive.svg"),
            "{refused}"
        );
        assert!(old.join("plots/archive.svg/notes.txt").exists());
        // A result whose plots folder became a link elsewhere: plot refuses.
        let elsewhere = dir.path().join("elsewhere");
        fs::create_dir(&elsewhere).unwrap();
        fs::write(elsewhere.join("x.svg"), "theirs").unwrap();
        let target = dir.path().join("r");
        let folder = ResultFolder::create(&target).unwrap();
        fs::create_dir(folder.path().join("plots")).unwrap();
        fs::write(folder.path().join("plots/x.svg"), "ours").unwrap();
        folder.commit().unwrap();
        fs::remove_dir_all(target.join("plots")).unwrap();
        std::os::unix::fs::symlink(&elsewhere, target.join("plots")).unwrap();
        let refused = ResultFolder::update(&target).unwrap_err().to_string();
        assert!(refused.contains("plots"), "{refused}");
        assert!(ResultFolder::create(&target).is_err());
        assert_eq!(
            fs::read_to_string(elsewhere.join("x.svg")).unwrap(),
            "theirs"
        );
    }

    #[test]
    fn a_result_is_replaced_and_a_stale_temporary_removed() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("r");
        for content in ["one", "two"] {
            let folder = ResultFolder::create(&target).unwrap();
            fs::write(folder.path().join("runs.csv"), content).unwrap();
            folder.commit().unwrap();
        }
        assert_eq!(fs::read_to_string(target.join("runs.csv")).unwrap(), "two");
        // A temporary sibling of a process that cannot exist.
        let stale = dir.path().join(format!(".r.tmp-{}", u32::MAX));
        fs::create_dir(&stale).unwrap();
        fs::write(stale.join("runs.csv"), "half").unwrap();
        drop(ResultFolder::create(&target).unwrap());
        assert!(!stale.exists());
        let names: Vec<_> = fs::read_dir(dir.path()).unwrap().flatten().collect();
        assert_eq!(names.len(), 1, "{names:?}");
    }

    #[test]
    fn update_keeps_foreign_files_and_replaces_generated_ones() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("r");
        let folder = ResultFolder::create(&target).unwrap();
        fs::write(folder.path().join("runs.csv"), "csv").unwrap();
        fs::write(folder.path().join("index.html"), "old").unwrap();
        folder.commit().unwrap();
        fs::write(target.join("notes.txt"), "mine").unwrap();
        let update = ResultFolder::update(&target).unwrap();
        fs::write(update.path().join("index.html"), "new").unwrap();
        update.commit().unwrap();
        assert_eq!(
            fs::read_to_string(target.join("notes.txt")).unwrap(),
            "mine"
        );
        assert_eq!(
            fs::read_to_string(target.join("index.html")).unwrap(),
            "new"
        );
        assert_eq!(fs::read_to_string(target.join("runs.csv")).unwrap(), "csv");
        // With a foreign file, the folder can no longer be replaced whole.
        assert!(ResultFolder::create(&target).is_err());
    }
}
