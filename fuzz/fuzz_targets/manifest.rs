//! BagIt manifest parser: never panics; parsed entries written back in our
//! form parse to the same entries.
#![no_main]
use fieldcase_shared::bag::{parse_manifest, Problems, MANIFEST};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut problems = Problems::default();
    let parsed = parse_manifest(MANIFEST, &text, &mut problems);
    let mut again = String::new();
    for (path, d) in &parsed {
        again.push_str(&format!("{d}  {path}\n"));
    }
    let mut p2 = Problems::default();
    let reparsed = parse_manifest(MANIFEST, &again, &mut p2);
    assert_eq!(reparsed, parsed);
});
