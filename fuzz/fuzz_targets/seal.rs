//! minisign seal parser and trusted-comment parser: never panic; a parsed
//! signature written back parses to the same value.
#![no_main]
use fieldcase_shared::seal::{Minisig, SealInfo};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(sig) = Minisig::parse(data) {
        let again = Minisig::parse(sig.to_text().as_bytes()).expect("our own text parses");
        assert_eq!(again, sig);
        let _ = SealInfo::parse(&sig.trusted);
    }
    let _ = SealInfo::parse(&String::from_utf8_lossy(data));
});
