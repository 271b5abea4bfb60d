//! Identity validators on arbitrary text: never panic.
#![no_main]
use fieldcase_shared::validate;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 28).unwrap_or_default();
    let _ = validate::id_card(&s, today);
    let _ = validate::plate(&s);
    let _ = validate::uscc(&s);
    let _ = validate::cert_no(&s);
});
