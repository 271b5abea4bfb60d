//! The data folder: private file modes, and no second chain from a lost
//! database (a 0-byte file, or a key without its database, is refused).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use fieldcase_app::core::{Terminal, KEY_FILE};
use fieldcase_app::store::DB_FILE;

fn mode(p: &Path) -> u32 {
    fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[test]
fn the_data_folder_is_private() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("terminal");
    drop(Terminal::open(&dir).unwrap());
    assert_eq!(mode(&dir), 0o700);
    assert_eq!(mode(&dir.join("blobs")), 0o700);
    assert_eq!(mode(&dir.join("tmp")), 0o700);
    assert_eq!(mode(&dir.join(DB_FILE)), 0o600);
    assert_eq!(mode(&dir.join(KEY_FILE)), 0o600);
}

#[test]
fn an_empty_or_missing_database_beside_a_key_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("terminal");
    drop(Terminal::open(&dir).unwrap());
    let db = dir.join(DB_FILE);
    let _ = fs::remove_file(dir.join(format!("{DB_FILE}-wal")));
    let _ = fs::remove_file(dir.join(format!("{DB_FILE}-shm")));
    fs::File::create(&db).unwrap(); // truncated to 0 bytes
    let Err(e) = Terminal::open(&dir) else {
        panic!("a 0-byte database must be refused")
    };
    let text = e.to_string();
    assert!(
        text.contains("empty (0 bytes)") && text.contains(DB_FILE),
        "{text}"
    );
    assert!(text.contains("fork") && text.contains("backup"), "{text}");
    assert_eq!(fs::metadata(&db).unwrap().len(), 0, "nothing written");

    fs::remove_file(&db).unwrap();
    let Err(e) = Terminal::open(&dir) else {
        panic!("a key without its database must be refused")
    };
    let text = e.to_string();
    assert!(text.contains("is missing"), "{text}");
    assert!(!db.exists(), "no new database made");
}

#[test]
fn a_first_start_cut_short_starts_cleanly_and_a_lost_key_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("terminal");
    // Killed while SQLite had only created the file: no key yet, so nothing
    // was ever signed; the next start sets the terminal up.
    fs::create_dir_all(&dir).unwrap();
    fs::File::create(dir.join(DB_FILE)).unwrap();
    let t = Terminal::open(&dir).unwrap();
    fieldcase_app::demo::opened_case(&t).unwrap();
    drop(t);
    // Records without the key that signed them: never a second key.
    fs::remove_file(dir.join(KEY_FILE)).unwrap();
    let Err(e) = Terminal::open(&dir) else {
        panic!("records without their key must be refused")
    };
    assert!(e.to_string().contains("holds records it signed"), "{e}");
    assert!(!dir.join(KEY_FILE).exists(), "no new key made");
}
