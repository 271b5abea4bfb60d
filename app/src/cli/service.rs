//! `fieldcase serve` and `fieldcase payment`: after the decision, at the
//! roadside.

use std::io::Read;
use std::path::PathBuf;

use fieldcase_documents::Kind;
use fieldcase_shared::check::Witness;
use fieldcase_shared::served::Payment;

use super::admin::sign_in_both;
use crate::core::Terminal;
use crate::service::ReceiptInput;

/// Largest signature file read.
const MAX_SIGNATURE: u64 = 4 << 20;

/// The receipt as given on the command line.
pub enum Given {
    /// A PNG file of the party's signature.
    Signature(PathBuf),
    /// The party refused.
    Refused {
        /// The officers' note.
        note: String,
        /// A witness.
        witness: Option<Witness>,
    },
}

impl From<super::args::ReceiptArgs> for Given {
    fn from(a: super::args::ReceiptArgs) -> Given {
        match (a.signature, a.note) {
            (Some(file), _) => Given::Signature(file),
            (None, note) => Given::Refused {
                note: note.unwrap_or_default(),
                witness: a.witness_name.map(|name| Witness {
                    name,
                    id: a.witness_id.unwrap_or_default(),
                }),
            },
        }
    }
}

impl Given {
    /// The receipt as the controllers take it (the signature file read).
    pub fn read(self) -> anyhow::Result<ReceiptInput> {
        Ok(match self {
            Given::Signature(file) => ReceiptInput::Signature(read_signature(&file)?),
            Given::Refused { note, witness } => ReceiptInput::Refused { note, witness },
        })
    }
}

fn read_signature(file: &PathBuf) -> anyhow::Result<Vec<u8>> {
    let f = std::fs::File::open(file)
        .map_err(|e| anyhow::anyhow!("cannot read the signature {}: {e}", file.display()))?;
    let mut png = Vec::new();
    f.take(MAX_SIGNATURE + 1).read_to_end(&mut png)?;
    if png.len() as u64 > MAX_SIGNATURE {
        anyhow::bail!(
            "the signature {} is over {} MiB: give the PNG of the signature only",
            file.display(),
            MAX_SIGNATURE >> 20
        );
    }
    Ok(png)
}

/// `serve`.
pub fn serve(
    term: &Terminal,
    case: &str,
    kind: Kind,
    given: Given,
    officers: &[String],
) -> anyhow::Result<()> {
    let receipt = given.read()?;
    let pair = sign_in_both(term, officers, "service")?;
    let served = term.service().serve(&pair, case, kind, receipt)?;
    say!(
        "served: record {}, the document handed over is evidence sha256:{}",
        served.seq,
        served.pdf.to_hex()
    );
    if let Some(a) = term
        .service()
        .after_decision(&term.cases().find(case)?.case_id)?
    {
        if let Some(by) = a.file_by {
            say!("file the copy with the agency by {by} (行政处罚法第五十二条第三款): the next sync does");
        }
    }
    Ok(())
}

/// `payment`.
pub fn payment(
    term: &Terminal,
    case: &str,
    payment: Payment,
    party_asked: bool,
    officers: &[String],
) -> anyhow::Result<()> {
    let pair = sign_in_both(term, officers, "payment")?;
    let paid = term.service().pay(&pair, case, payment, party_asked)?;
    say!("payment noted: record {} ({})", paid.seq, paid.basis);
    if let Some(by) = paid.hand_in_by {
        say!("hand the cash in to the agency by {by} (行政处罚法第七十一条)");
    }
    Ok(())
}
