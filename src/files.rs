//! Writing generated files so that readers never see a partly written one.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::{Error, Result};

/// Runs `write` on `<path>.<process id>-<number>.part`, then renames that file to `path`
/// when `write` succeeds and removes it otherwise.
///
/// The rename replaces `path` in one step, so a reader sees the old file or the new one,
/// never a partly written file. The process id and a per-process number give every write
/// its own temporary file, so two kernels or threads writing the same file do not mix data.
pub(crate) fn write_then_rename(
    path: &Path,
    write: impl FnOnce(&Path) -> Result<()>,
) -> Result<()> {
    if let Some(parent) = path
        .parent()
        .filter(|parent| !parent.as_os_str().is_empty())
    {
        std::fs::create_dir_all(parent)
            .map_err(|source| Error::io("creating folder", parent, source))?;
    }
    let mut partial_name = path.file_name().unwrap_or_default().to_os_string();
    static WRITES: AtomicU64 = AtomicU64::new(0);
    let number = WRITES.fetch_add(1, Ordering::Relaxed);
    partial_name.push(format!(".{}-{number}.part", std::process::id()));
    let partial = path.with_file_name(partial_name);
    if let Err(error) = write(&partial) {
        let _ = std::fs::remove_file(&partial);
        return Err(error);
    }
    std::fs::rename(&partial, path).map_err(|source| Error::io("renaming", &partial, source))
}
