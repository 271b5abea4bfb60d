//! The documents the procedure produces, as the law requires them to be
//! handed over (行政处罚法 art. 52, 59, 61): templates under
//! `assets/documents/` (law as data, validated at load), filled only from
//! a case's signed records ([`fill`]), rendered as PDF/A with the CJK face
//! embedded as a subset ([`pdf`]), A4 for the office or an 80 mm roll for
//! the portable printer, each with a QR code naming the case, the record
//! it was filled from and its signer ([`qr`]), so a party or a court can
//! check it against the disc offline.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod dossier;
pub mod fill;
pub mod pdf;
pub mod qr;
pub mod set;
pub mod template;

pub use fill::{FillError, Filled};
pub use pdf::{Paper, PdfError, ReportFont};
pub use template::{Kind, Template, TemplateError};
