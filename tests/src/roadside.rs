//! The roadside's writings from the command line, for the tests: the two
//! demo officers sign `fieldcase writing …` with their PINs, and a PDF's
//! fonts are checked with `pdffonts`.

use std::path::Path;

use crate::run_input;

/// The demo officers' PINs, one a line, in the order of [`OFFICERS`].
pub const PINS: &str = "246810\n135790\n";
/// The two demo officers, as `--officer` arguments.
pub const OFFICERS: [&str; 4] = ["--officer", "65010023", "--officer", "65010031"];

/// `fieldcase --data-dir term ARGS --officer … --officer …` with the two
/// PINs on standard input: (success, stdout, stderr).
pub fn signed(term: &str, args: &[&str]) -> (bool, String, String) {
    let mut all = vec!["--data-dir", term];
    all.extend_from_slice(args);
    all.extend_from_slice(&OFFICERS);
    let out = run_input("fieldcase", &all, PINS);
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// [`signed`] `writing ARGS`.
pub fn writing(term: &str, args: &[&str]) -> (bool, String, String) {
    let mut all = vec!["writing"];
    all.extend_from_slice(args);
    signed(term, &all)
}

/// `pdffonts` shows every font of `pdf` embedded, as a subset, with a
/// Unicode map.
pub fn pdffonts_all_embedded(pdf: &Path) {
    let out = std::process::Command::new("pdffonts")
        .arg(pdf)
        .output()
        .expect("pdffonts (scripts/test installs poppler-utils)");
    let text = String::from_utf8_lossy(&out.stdout);
    let rows: Vec<&str> = text.lines().skip(2).collect();
    assert!(!rows.is_empty(), "{text}");
    for row in rows {
        // name type encoding emb sub uni object ID
        let cols: Vec<&str> = row.split_whitespace().collect();
        let n = cols.len();
        assert_eq!(&cols[n - 5..n - 2], ["yes", "yes", "yes"], "{row}");
    }
}
