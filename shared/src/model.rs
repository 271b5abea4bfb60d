//! Domain model v0: officers, the roadside check / case, parties, evidence.
//!
//! These are the bodies of signed records (see [`crate::record`]). Field names
//! are part of the record format: do not rename or reorder them.

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::hash::Digest;
use crate::keys::{DeviceId, PublicKey};
use crate::validate::{self, ValidationError};

/// Longest free-text place description.
pub const MAX_PLACE_CHARS: usize = 200;
/// Longest note.
pub const MAX_NOTE_CHARS: usize = 2000;
/// Longest party name.
pub const MAX_NAME_CHARS: usize = 100;

/// An enforcement officer, identified by 执法证号.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Officer {
    /// 执法证号 (enforcement certificate number).
    pub cert_no: String,
    /// Name, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// The two officers acting together (an enforcement act needs two).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfficerPair(pub [Officer; 2]);

impl OfficerPair {
    /// Validates both certificate numbers and that they differ.
    pub fn new(a: &str, b: &str) -> Result<Self, ValidationError> {
        let a = validate::cert_no(a)?;
        let b = validate::cert_no(b)?;
        if a == b {
            return Err(ValidationError::SameOfficer);
        }
        Ok(OfficerPair([
            Officer {
                cert_no: a,
                name: None,
            },
            Officer {
                cert_no: b,
                name: None,
            },
        ]))
    }

    /// The two certificate numbers, as carried on every record.
    pub fn cert_nos(&self) -> Vec<String> {
        self.0.iter().map(|o| o.cert_no.clone()).collect()
    }
}

/// An enforcement terminal known to the back office.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Device {
    /// Id, derived from the key ([`DeviceId::from_public_key`]).
    pub id: DeviceId,
    /// Its public key.
    pub key: PublicKey,
    /// A name for people, e.g. "执法终端 07 / 一大队".
    pub name: String,
    /// When it was registered.
    pub added_at: DateTime<Utc>,
}

/// The party (当事人): a person or an organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Party {
    /// A natural person, identified by 身份证号 (also the driving-licence number).
    Person {
        /// 身份证号.
        id_number: String,
        /// 姓名 (may be empty in v0 when only the ID was taken).
        #[serde(default)]
        name: String,
    },
    /// An organisation, identified by 统一社会信用代码.
    Organisation {
        /// 统一社会信用代码.
        uscc: String,
        /// 名称.
        #[serde(default)]
        name: String,
    },
}

impl Party {
    /// Reads a typed party id: 18 characters that validate as a 身份证号 give a
    /// person; otherwise a valid 统一社会信用代码 gives an organisation. The
    /// error is the ID-number error unless the input looks like a credit code.
    pub fn from_id(id: &str, name: &str, today: NaiveDate) -> Result<Self, ValidationError> {
        let t = id.trim().to_ascii_uppercase();
        let name = name.trim().to_owned();
        if name.chars().count() > MAX_NAME_CHARS {
            return Err(ValidationError::TooLong {
                field: "party name",
                max: MAX_NAME_CHARS,
            });
        }
        match validate::id_card(&t, today) {
            Ok(info) => Ok(Party::Person {
                id_number: info.number,
                name,
            }),
            Err(id_err) => {
                let looks_like_code =
                    t.chars().count() == 18 && t.chars().take(17).any(|c| c.is_ascii_alphabetic());
                match validate::uscc(&t) {
                    Ok(()) => Ok(Party::Organisation { uscc: t, name }),
                    Err(code_err) if looks_like_code => Err(code_err),
                    Err(_) => Err(id_err),
                }
            }
        }
    }

    /// The name (may be empty).
    pub fn name(&self) -> &str {
        match self {
            Party::Person { name, .. } | Party::Organisation { name, .. } => name,
        }
    }

    /// The identifying number.
    pub fn id(&self) -> &str {
        match self {
            Party::Person { id_number, .. } => id_number,
            Party::Organisation { uscc, .. } => uscc,
        }
    }
}

/// The vehicle checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Vehicle {
    /// Plate, normalised (upper case, no separators).
    pub plate: String,
}

/// A reference to an entry of the violation catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ViolationRef {
    /// Catalogue code.
    pub code: String,
    /// Short title (Chinese).
    pub title: String,
    /// Legal basis, e.g. "《道路运输条例》第六十三条".
    pub basis: String,
}

/// Body of a `case_opened` record: a roadside check (路检路查) begun.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseOpened {
    /// Stable id of the case.
    pub case_id: Uuid,
    /// 案号.
    pub case_no: String,
    /// When the check took place (device clock, with offset).
    pub occurred_at: DateTime<FixedOffset>,
    /// Where (typed place description in v0).
    pub place: String,
    /// The vehicle.
    pub vehicle: Vehicle,
    /// The party.
    pub party: Party,
    /// The violation, if one was found.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub violation: Option<ViolationRef>,
    /// Officers' note.
    #[serde(default)]
    pub note: String,
    /// What the full check form adds (vehicle type and papers, party
    /// contact and qualification, position source); absent on records of
    /// the quick form.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<CheckDetails>,
}

/// Facts of the full check form, in the `case_opened` record.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CheckDetails {
    /// Vehicle type code (`assets/checklists.json`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub vehicle_kind: String,
    /// 道路运输证号 / 车辆营运证号.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub transport_cert: String,
    /// Party's phone.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub phone: String,
    /// Driver's 从业资格证号.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub qualification: String,
    /// Organisation's legal representative.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub legal_rep: String,
    /// Position, its source and accuracy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<crate::check::Location>,
}

/// Body of an `evidence_added` record: one evidence file, by hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvidenceItem {
    /// The case it belongs to.
    pub case_id: Uuid,
    /// SHA-256 of the original bytes.
    pub sha256: Digest,
    /// Size in bytes.
    pub size: u64,
    /// Media type, e.g. `image/jpeg`, `video/mp4`.
    pub media_type: String,
    /// The original file name as captured (any script).
    pub original_name: String,
    /// Capture time if known (camera clock).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub captured_at: Option<DateTime<FixedOffset>>,
    /// 音像记录 category (现场检查, 询问, 扣押…), when given.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub category: String,
    /// What the item shows, when given.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
}

/// Body of a `case_closed` record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseClosed {
    /// The case.
    pub case_id: Uuid,
    /// 案号, repeated for readers of this record alone.
    pub case_no: String,
    /// Number of evidence items the case holds when closed.
    pub evidence_count: u32,
    /// Digests of every earlier record of this case, in seq order: a
    /// record removed from the case later is provably missing.
    pub records: Vec<Digest>,
    /// What the check found (checklist, outcome, decision, statement,
    /// signatures); absent on records of the quick form.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub findings: Option<crate::check::Findings>,
}

/// Body of a `case_sealed` record: the case's archive bundle is sealed.
/// The record's `created_at` is the sealing time every disc of the bundle
/// carries, so rebuilding a disc gives the same bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseSealed {
    /// The case.
    pub case_id: Uuid,
    /// 案号.
    pub case_no: String,
    /// Bundle id (the seal's and the discs' identity).
    pub bundle_id: Uuid,
    /// Digests of every earlier record of the case in the bundle, in seq order.
    pub records: Vec<Digest>,
    /// The documents the bundle carries (`data/documents/`), each rendered
    /// from one of `records`: exactly these, no other, are on its discs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub documents: Vec<SealedDocument>,
    /// The agency name the documents were rendered with (so the same
    /// documents come out again after the setting changes).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub agency: String,
    /// The programs every disc of the bundle carries beside the bag
    /// (`tools/`: the statically linked verifier), named here so the signed
    /// seal says which bytes they are and every later copy of the disc
    /// carries the same ones.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tools: Vec<SealedTool>,
    /// The agency's SM2 public key (SPKI PEM) when the bureau seals with
    /// the 国密 option: every disc then carries SM3 manifests and this
    /// key's SM2 signature of the SM3 tag manifest (docs/disc.md).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub sm2_key: String,
}

/// A program a sealed bundle carries on every disc (docs/disc.md, "The
/// verifier on the disc").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SealedTool {
    /// Its path on the disc (`tools/<name>`).
    pub path: String,
    /// SHA-256 of the file.
    pub sha256: Digest,
    /// Size in bytes.
    pub size: u64,
}

/// One document a sealed bundle carries: a PDF/A rendered from one of
/// its records, named here by its SHA-256 so the signed seal covers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SealedDocument {
    /// The document kind (`penalty_decision`, `interview`, …).
    pub kind: String,
    /// Its title (行政处罚决定书 …).
    pub title: String,
    /// Digest of the record it was filled from.
    pub record: Digest,
    /// SHA-256 of the PDF.
    pub sha256: Digest,
    /// Size of the PDF in bytes.
    pub size: u64,
}

/// One disc image written for a sealed bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiscImage {
    /// Position in the set, from 1.
    pub index: u32,
    /// SHA-256 of the whole image file.
    pub sha256: Digest,
    /// Image size in bytes.
    pub size: u64,
}

/// Body of a `disc_recorded` record: which disc images belong to a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiscRecorded {
    /// The case.
    pub case_id: Uuid,
    /// Bundle id from the `case_sealed` record.
    pub bundle_id: Uuid,
    /// Medium name (`cd`, `dvd`, `dvd-dl`, `bd`, `bd-dl`, or `custom`).
    pub medium: String,
    /// Every image of the set.
    pub discs: Vec<DiscImage>,
}

/// What officers type on the new-check form, before validation.
#[derive(Debug, Clone, Default)]
pub struct CheckInput {
    /// Plate as typed.
    pub plate: String,
    /// Party 身份证号 or 统一社会信用代码.
    pub party_id: String,
    /// Party name (optional in v0).
    pub party_name: String,
    /// Place description.
    pub place: String,
    /// Note (optional).
    pub note: String,
}

/// The new-check form, validated and normalised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidCheck {
    /// The vehicle (plate normalised).
    pub vehicle: Vehicle,
    /// The party.
    pub party: Party,
    /// Place, trimmed.
    pub place: String,
    /// Note, trimmed (may be empty).
    pub note: String,
}

/// A field of the new-check form, for pointing an error at its input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckField {
    /// Plate.
    Plate,
    /// Party id.
    PartyId,
    /// Place.
    Place,
    /// Note.
    Note,
}

impl CheckInput {
    /// Validates every field; returns the normalised values or the first
    /// error per field (all of them, so the form can mark each).
    pub fn validate(
        &self,
        today: NaiveDate,
    ) -> Result<ValidCheck, Vec<(CheckField, ValidationError)>> {
        let mut errs = Vec::new();
        let plate = validate::plate(&self.plate)
            .map(|_| validate::normalise_plate(&self.plate))
            .map_err(|e| errs.push((CheckField::Plate, e)))
            .ok();
        let party = Party::from_id(&self.party_id, &self.party_name, today)
            .map_err(|e| errs.push((CheckField::PartyId, e)))
            .ok();
        let place = validate::text("place", &self.place, MAX_PLACE_CHARS)
            .map_err(|e| errs.push((CheckField::Place, e)))
            .ok();
        let note = self.note.trim().to_owned();
        if note.chars().count() > MAX_NOTE_CHARS {
            errs.push((
                CheckField::Note,
                ValidationError::TooLong {
                    field: "note",
                    max: MAX_NOTE_CHARS,
                },
            ));
        }
        match (plate, party, place) {
            (Some(plate), Some(party), Some(place)) if errs.is_empty() => Ok(ValidCheck {
                vehicle: Vehicle { plate },
                party,
                place,
                note,
            }),
            _ => Err(errs),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 28).unwrap()
    }

    #[test]
    fn party_kinds() {
        assert!(matches!(
            Party::from_id("11010519491231002X", "", today()),
            Ok(Party::Person { .. })
        ));
        assert!(matches!(
            Party::from_id("914403001922038216", "华为", today()),
            Ok(Party::Organisation { .. })
        ));
        // A credit code with a wrong check char reports the credit-code error.
        let e = Party::from_id("91350100M000100Y44", "", today()).unwrap_err();
        assert!(e.to_string().contains("credit code"), "{e}");
        // A mistyped ID number reports the ID error.
        let e = Party::from_id("110105194912310021", "", today()).unwrap_err();
        assert!(e.to_string().contains("ID number"), "{e}");
    }

    #[test]
    fn form_reports_every_bad_field() {
        let input = CheckInput {
            plate: "新A".into(),
            party_id: "123".into(),
            place: " ".into(),
            ..Default::default()
        };
        let errs = input.validate(today()).unwrap_err();
        let fields: Vec<_> = errs.iter().map(|(f, _)| *f).collect();
        assert_eq!(
            fields,
            [CheckField::Plate, CheckField::PartyId, CheckField::Place]
        );
    }

    #[test]
    fn officer_pair_must_differ() {
        assert_eq!(
            OfficerPair::new("65010023", "65010023"),
            Err(ValidationError::SameOfficer)
        );
        assert_eq!(
            OfficerPair::new("65010023", "65010031").unwrap().cert_nos(),
            ["65010023", "65010031"]
        );
    }
}
