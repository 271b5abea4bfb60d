//! File modes of data nobody but the program's user may read: the data
//! folders 0700, the databases 0600 (SQLite gives its journal and WAL
//! files the database's mode), like the device and server keys.

use std::fs;
use std::io;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::Path;

/// Creates `dir` (and its parents) if needed and sets it to 0700.
pub fn private_dir(dir: &Path) -> io::Result<()> {
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)?;
    fs::set_permissions(dir, fs::Permissions::from_mode(0o700))
}

/// Sets an existing file to 0600.
pub fn private_file(path: &Path) -> io::Result<()> {
    fs::set_permissions(path, fs::Permissions::from_mode(0o600))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_and_files_become_private() {
        let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let d = tmp.path().join("a/b");
        private_dir(&d).unwrap_or_else(|e| panic!("{e}"));
        let mode = |p: &Path| fs::metadata(p).map(|m| m.permissions().mode() & 0o777).ok();
        assert_eq!(mode(&d), Some(0o700));
        let f = d.join("x");
        fs::write(&f, b"x").unwrap_or_else(|e| panic!("{e}"));
        private_file(&f).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(mode(&f), Some(0o600));
    }
}
