//! Record payload header parser and whole-log verification on arbitrary
//! envelopes: never panic.
#![no_main]
use fieldcase_shared::envelope::Envelope;
use fieldcase_shared::keys::DeviceKey;
use fieldcase_shared::record;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = record::parse_header(data);
    let key = DeviceKey::from_seed([7; 32]).public();
    let envs: Vec<Envelope> = data
        .split(|b| *b == b'\n')
        .filter_map(|line| Envelope::from_json(line).ok())
        .collect();
    let _ = record::verify_log(&key, &envs);
});
