//! The QR text printed on every document: the case, the kind, the record
//! the document was filled from and its signer —
//! `fieldcase-doc:v1?case=<案号>&kind=<kind>&record=<64 hex>&signer=<32 hex>`,
//! the 案号 percent-encoded (UTF-8). A reader checks it against the
//! disc: the record with that digest, signed by that device, in that case.

use crate::fill::Filled;

/// The scheme and version prefix.
pub const PREFIX: &str = "fieldcase-doc:v1?";

/// The QR text of a filled document.
pub fn payload(f: &Filled) -> String {
    let mut s = String::from(PREFIX);
    s.push_str("case=");
    for b in f.case_no.as_bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(b) {
            s.push(*b as char);
        } else {
            s.push_str(&format!("%{b:02X}"));
        }
    }
    s.push_str(&format!(
        "&kind={}&record={}&signer={}",
        f.kind.tag(),
        f.record.to_hex(),
        f.signer
    ));
    s
}
