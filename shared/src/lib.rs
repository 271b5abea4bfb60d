//! The fieldcase domain model and every format the project writes or reads.
//!
//! Nothing here does network I/O, touches a database or draws a screen: the
//! app, the sync server and the verifier all build on these types so that a
//! record means the same thing everywhere. The normative description of each
//! format is in `docs/` at the repository root; the golden vectors under
//! `shared/testdata/` pin the exact bytes.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod bag;
pub mod calendar;
pub mod casebag;
pub mod catalog;
pub mod cert;
pub mod chain;
pub mod check;
pub mod datafile;
pub mod docref;
pub mod draw;
pub mod envelope;
pub mod file_review;
pub mod guomi;
pub mod hash;
pub mod httpsig;
pub mod investigation;
pub mod iso;
pub mod keys;
pub mod model;
pub mod private;
pub mod procedure;
pub mod publication;
pub mod receipt;
pub mod record;
pub mod review;
pub mod seal;
pub mod served;
pub mod staff;
pub mod tlog;
pub mod validate;
pub mod wire;
