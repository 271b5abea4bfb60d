//! What happens after a simple-procedure decision at the roadside, as
//! signed records: the document handed to the party (送达, with the party's
//! receipt signature or the refusal noted — 行政处罚法 art. 52) and the
//! fine's payment noted by the officers (art. 67–70).

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::check::Witness;
use crate::hash::Digest;

/// How the party acknowledged the document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "by", rename_all = "snake_case")]
pub enum Receipt {
    /// The party signed on the terminal's screen after the document was
    /// printed and handed over.
    Signed {
        /// SHA-256 of the signature PNG (an evidence item of the case).
        signature: Digest,
    },
    /// The party refused to sign; the refusal is noted (on the paper by
    /// the officer, and here), with the witness when there is one.
    Refused {
        /// What happened, as the officers noted it.
        note: String,
        /// Someone present who saw it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        witness: Option<Witness>,
    },
}

/// Body of a `document_served` record: a document of the case handed to
/// the party on the spot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocumentServed {
    /// The case.
    pub case_id: Uuid,
    /// 案号.
    pub case_no: String,
    /// Which document (`on_the_spot_decision`, …).
    pub document: String,
    /// Its title as printed.
    pub title: String,
    /// Digest of the record the document was filled from (the decision).
    pub decision: Digest,
    /// SHA-256 of the PDF printed and handed over (an evidence item of
    /// the case, category 送达).
    pub pdf: Digest,
    /// The printer's job id, when it was printed on the portable printer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub printer_job: Option<i64>,
    /// The party's acknowledgement.
    pub receipt: Receipt,
    /// The provision applied (行政处罚法第五十二条第一款).
    pub basis: String,
}

impl DocumentServed {
    /// The evidence blobs this record refers to.
    pub fn blobs(&self) -> Vec<Digest> {
        let mut v = vec![self.pdf];
        if let Receipt::Signed { signature } = &self.receipt {
            v.push(*signature);
        }
        v
    }
}

/// The grounds on which officers may collect a fine in cash on the spot
/// (`assets/procedure/payment.json`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CashGround {
    /// 依法给予一百元以下罚款 (art. 68 item 1).
    SmallFine,
    /// 不当场收缴事后难以执行 (art. 68 item 2).
    HardToCollect,
    /// 边远、水上、交通不便地区，经当事人提出 (art. 69).
    RemoteArea,
}

/// How the fine was paid at the roadside.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "how", rename_all = "snake_case")]
pub enum Payment {
    /// Collected in cash by the officers, against the finance receipt.
    Cash {
        /// Why cash was allowed.
        ground: CashGround,
        /// Number of the finance department's receipt (art. 70).
        receipt_no: String,
        /// The circumstances, for the grounds that need them.
        #[serde(default, skip_serializing_if = "String::is_empty")]
        reason: String,
    },
    /// Paid by the party through the electronic payment system.
    Electronic {
        /// The payment's reference.
        reference: String,
    },
}

/// Body of a `payment_noted` record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PaymentNoted {
    /// The case.
    pub case_id: Uuid,
    /// 案号.
    pub case_no: String,
    /// Digest of the decision record the fine is of.
    pub decision: Digest,
    /// The amount paid, in yuan (the whole fine).
    pub amount_yuan: u64,
    /// How.
    pub payment: Payment,
    /// The provisions applied.
    pub basis: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::RecordBody;

    fn served(receipt: Receipt) -> RecordBody {
        RecordBody::DocumentServed(DocumentServed {
            case_id: Uuid::nil(),
            case_no: "新交执简〔2026〕1号".into(),
            document: "on_the_spot_decision".into(),
            title: "当场行政处罚决定书".into(),
            decision: Digest([1; 32]),
            pdf: Digest([2; 32]),
            printer_job: Some(7),
            receipt,
            basis: "《中华人民共和国行政处罚法》第五十二条第一款".into(),
        })
    }

    #[test]
    fn a_served_document_names_the_pdf_and_the_signature_as_its_blobs() {
        let signed = served(Receipt::Signed {
            signature: Digest([3; 32]),
        });
        assert_eq!(signed.blobs(), vec![Digest([2; 32]), Digest([3; 32])]);
        let refused = served(Receipt::Refused {
            note: "当事人拒绝签名".into(),
            witness: None,
        });
        assert_eq!(refused.blobs(), vec![Digest([2; 32])]);
        assert_eq!(refused.kind(), "document_served");
    }

    #[test]
    fn served_and_paid_records_round_trip_and_refuse_unknown_fields() {
        let body = served(Receipt::Refused {
            note: "拒签".into(),
            witness: Some(Witness {
                name: "李四".into(),
                id: "110101199003078515".into(),
            }),
        });
        let json = serde_json::to_string(&body).unwrap();
        assert_eq!(serde_json::from_str::<RecordBody>(&json).unwrap(), body);
        let paid = RecordBody::PaymentNoted(PaymentNoted {
            case_id: Uuid::nil(),
            case_no: "x".into(),
            decision: Digest([1; 32]),
            amount_yuan: 50,
            payment: Payment::Cash {
                ground: CashGround::SmallFine,
                receipt_no: "0012".into(),
                reason: String::new(),
            },
            basis: "b".into(),
        });
        let json = serde_json::to_string(&paid).unwrap();
        assert!(json.contains("\"how\":\"cash\""), "{json}");
        assert!(json.contains("\"ground\":\"small_fine\""), "{json}");
        assert_eq!(serde_json::from_str::<RecordBody>(&json).unwrap(), paid);
        let extra = json.replacen("\"case_no\"", "\"sneaky\":1,\"case_no\"", 1);
        assert!(serde_json::from_str::<RecordBody>(&extra).is_err());
    }
}
