//! What a printed document says of itself in its QR code (and in its PDF
//! metadata): the case, the kind of document, the record it was filled
//! from and that record's signer —
//! `fieldcase-doc:v1?case=<案号, UTF-8 percent-encoded>&kind=<kind>&record=<64 hex>&signer=<32 hex>`.
//! A reader finds that record in the case's bag and checks it.

use crate::hash::Digest;
use crate::keys::DeviceId;

/// The scheme and version prefix.
pub const PREFIX: &str = "fieldcase-doc:v1?";
/// The longest text accepted (a QR code holds less).
pub const MAX_LEN: usize = 1024;

/// A document's reference to its signed record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocRef {
    /// 案号.
    pub case_no: String,
    /// The kind tag (`on_the_spot_decision`, …).
    pub kind: String,
    /// The record digest.
    pub record: Digest,
    /// The record's signer.
    pub signer: DeviceId,
}

/// Why a text is not a document reference.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a fieldcase document reference: {0}")]
pub struct DocRefError(pub String);

impl DocRef {
    /// The text printed in the QR code.
    pub fn to_text(&self) -> String {
        let case: String = form_urlencoded::byte_serialize(self.case_no.as_bytes()).collect();
        format!(
            "{PREFIX}case={case}&kind={}&record={}&signer={}",
            self.kind,
            self.record.to_hex(),
            self.signer
        )
    }

    /// Parses the QR text; every field must be present once, nothing else.
    pub fn parse(text: &str) -> Result<DocRef, DocRefError> {
        let bad = |m: &str| DocRefError(m.to_owned());
        let text = text.trim();
        if text.len() > MAX_LEN {
            return Err(bad("longer than any document's code"));
        }
        let query = text
            .strip_prefix(PREFIX)
            .ok_or_else(|| bad("it does not start with fieldcase-doc:v1?"))?;
        let (mut case, mut kind, mut record, mut signer) = (None, None, None, None);
        for (k, v) in form_urlencoded::parse(query.as_bytes()) {
            let slot = match k.as_ref() {
                "case" => &mut case,
                "kind" => &mut kind,
                "record" => &mut record,
                "signer" => &mut signer,
                other => return Err(DocRefError(format!("unknown field {other:?}"))),
            };
            if slot.replace(v.into_owned()).is_some() {
                return Err(DocRefError(format!("field {k} given twice")));
            }
        }
        let case_no = case
            .filter(|c| !c.is_empty())
            .ok_or_else(|| bad("no case"))?;
        let kind = kind
            .filter(|k| !k.is_empty() && k.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'))
            .ok_or_else(|| bad("no kind, or not a kind tag"))?;
        let record = record
            .as_deref()
            .and_then(|r| r.parse::<Digest>().ok())
            .ok_or_else(|| bad("record is not 64 hex digits"))?;
        let signer = signer
            .as_deref()
            .and_then(|s| s.parse::<DeviceId>().ok())
            .ok_or_else(|| bad("signer is not a device id (32 hex digits)"))?;
        Ok(DocRef {
            case_no,
            kind,
            record,
            signer,
        })
    }

    /// Finds the reference inside a file's bytes (a PDF carries it in its
    /// metadata as a keyword, in the document information as a PDF string
    /// and in the XMP packet with `&` written `&amp;`).
    pub fn find_in(bytes: &[u8]) -> Result<DocRef, DocRefError> {
        let mut last = DocRefError("the file carries no fieldcase-doc reference".into());
        let mut from = 0;
        while let Some(at) = bytes[from..]
            .windows(PREFIX.len())
            .position(|w| w == PREFIX.as_bytes())
        {
            let start = from + at;
            let rest = &bytes[start..bytes.len().min(start + MAX_LEN)];
            let end = rest
                .iter()
                .position(|b| !b.is_ascii_graphic() || b"<>\"'()\\".contains(b))
                .unwrap_or(rest.len());
            let text = String::from_utf8_lossy(&rest[..end]).replace("&amp;", "&");
            match DocRef::parse(&text) {
                Ok(r) => return Ok(r),
                Err(e) => last = e,
            }
            from = start + PREFIX.len();
        }
        Err(last)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn sample() -> DocRef {
        DocRef {
            case_no: "乌交执〔2026〕00004号".into(),
            kind: "on_the_spot_decision".into(),
            record: Digest([7; 32]),
            signer: "ddf07172f71024391d72debbc2c7065f".parse().unwrap(),
        }
    }

    #[test]
    fn round_trips_and_finds_itself_in_a_file() {
        let r = sample();
        let text = r.to_text();
        assert!(text.is_ascii());
        assert_eq!(DocRef::parse(&text).unwrap(), r);
        let file = format!("<x:keywords>{text}</x:keywords> more").into_bytes();
        assert_eq!(DocRef::find_in(&file).unwrap(), r);
        let info = format!("/Keywords({text})/Producer(fieldcase)").into_bytes();
        assert_eq!(DocRef::find_in(&info).unwrap(), r);
        let xmp = format!(
            "<pdf:Keywords>{}</pdf:Keywords>",
            text.replace('&', "&amp;")
        );
        assert_eq!(DocRef::find_in(xmp.as_bytes()).unwrap(), r);
    }

    #[test]
    fn hostile_texts_are_refused() {
        let t = sample().to_text();
        for bad in [
            t.replacen("fieldcase-doc:v1?", "fieldcase-doc:v2?", 1),
            format!("{t}&case=x"),
            format!("{t}&extra=1"),
            t.replacen("record=0707", "record=zz07", 1),
            t.replacen("&signer=", "&signer=0", 1),
            "x".repeat(5000),
        ] {
            assert!(DocRef::parse(&bad).is_err(), "{bad}");
        }
        assert!(DocRef::find_in(b"%PDF-1.7 nothing").is_err());
    }
}
