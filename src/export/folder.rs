//! A folder written whole or not at all.

use std::fs;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// A result folder being written: files go into a temporary sibling
/// (`.<name>.tmp-<pid>`), and [`ResultFolder::commit`] moves the previous
/// folder aside, renames the new one into place, then deletes the old one.
/// An interrupted run never leaves half a result and never loses the
/// previous one; dropping an uncommitted folder deletes the temporary one.
///
/// ```
/// use pollscope::export::ResultFolder;
///
/// let dir = tempfile::tempdir().unwrap();
/// let target = dir.path().join("results");
/// let folder = ResultFolder::create(&target).unwrap();
/// std::fs::write(folder.path().join("a.txt"), "new").unwrap();
/// assert!(!target.exists());
/// folder.commit().unwrap();
/// assert_eq!(std::fs::read_to_string(target.join("a.txt")).unwrap(), "new");
/// ```
#[derive(Debug)]
pub struct ResultFolder {
    target: PathBuf,
    temp: PathBuf,
    committed: bool,
}

impl ResultFolder {
    /// Prepares to write `target`: creates its parent folders and an empty
    /// temporary sibling. Fails (before anything is run) when the place
    /// cannot be written.
    pub fn create(target: impl AsRef<Path>) -> Result<Self> {
        let target = target.as_ref().to_path_buf();
        Self::prepare(target.clone()).map_err(|e| {
            Error::bad_input(format!(
                "cannot write the result folder {}: {e}",
                target.display()
            ))
        })
    }

    fn prepare(target: PathBuf) -> Result<Self> {
        let name = target
            .file_name()
            .ok_or_else(|| Error::bad_input(format!("{}: not a folder name", target.display())))?
            .to_string_lossy()
            .into_owned();
        if target.is_file() {
            return Err(Error::bad_input(format!(
                "{}: is a file, not a folder",
                target.display()
            )));
        }
        let parent = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        fs::create_dir_all(&parent).map_err(|e| Error::io(&parent, e))?;
        recover_stale_siblings(&parent, &name, &target);
        let temp = parent.join(format!(".{name}.tmp-{}", std::process::id()));
        if temp.exists() {
            fs::remove_dir_all(&temp).map_err(|e| Error::io(&temp, e))?;
        }
        fs::create_dir(&temp).map_err(|e| Error::io(&temp, e))?;
        Ok(Self {
            target,
            temp,
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

    /// Moves the new folder into place, replacing the previous one.
    pub fn commit(mut self) -> Result<PathBuf> {
        let old = self.temp.with_file_name(format!(
            ".{}.old-{}",
            self.target
                .file_name()
                .unwrap_or_default()
                .to_string_lossy(),
            std::process::id()
        ));
        let had_previous = self.target.exists();
        if had_previous {
            if old.exists() {
                fs::remove_dir_all(&old).map_err(|e| Error::io(&old, e))?;
            }
            fs::rename(&self.target, &old).map_err(|e| Error::io(&self.target, e))?;
        }
        if let Err(e) = fs::rename(&self.temp, &self.target) {
            if had_previous {
                let _ = fs::rename(&old, &self.target);
            }
            return Err(Error::io(&self.target, e));
        }
        self.committed = true;
        if had_previous {
            fs::remove_dir_all(&old).map_err(|e| Error::io(&old, e))?;
        }
        Ok(self.target.clone())
    }
}

impl Drop for ResultFolder {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.temp);
        }
    }
}

/// Cleans up after processes that no longer exist (a run killed mid-way):
/// their temporary folders are deleted, and a previous folder they had moved
/// aside is put back if nothing took its place.
fn recover_stale_siblings(parent: &Path, name: &str, target: &Path) {
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let file_name = entry.file_name().to_string_lossy().into_owned();
        let stale = [".tmp-", ".old-"].into_iter().find(|tag| {
            file_name
                .strip_prefix(&format!(".{name}{tag}"))
                .and_then(|pid| pid.parse::<u32>().ok())
                .is_some_and(|pid| {
                    pid != std::process::id()
                        && Path::new("/proc/self").exists()
                        && !Path::new(&format!("/proc/{pid}")).exists()
                })
        });
        match stale {
            Some(".old-") if !target.exists() => {
                let _ = fs::rename(entry.path(), target);
            }
            Some(_) => {
                let _ = fs::remove_dir_all(entry.path());
            }
            None => {}
        }
    }
}
