//! DSSE envelope parser: never panics; whatever parses re-serializes to
//! bytes that parse to the same envelope.
#![no_main]
use fieldcase_shared::envelope::Envelope;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(env) = Envelope::from_json(data) {
        let again = Envelope::from_json(&env.to_json()).expect("own output parses");
        assert_eq!(again, env);
    }
});
