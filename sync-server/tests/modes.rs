//! The server's data folder is private like its key: folders 0700, the
//! SQLite database 0600.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

fn mode(p: &Path) -> u32 {
    fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[test]
fn database_and_evidence_folders_are_private() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("server");
    drop(fieldcase_sync_server::open_state(&dir).unwrap());
    assert_eq!(mode(&dir), 0o700);
    for sub in ["blobs", "uploads"] {
        assert_eq!(mode(&dir.join(sub)), 0o700, "{sub}");
    }
    let db = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "sqlite3" || x == "db"))
        .expect("the SQLite file");
    assert_eq!(mode(&db), 0o600, "{}", db.display());
}
