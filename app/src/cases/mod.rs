//! The case archive: the one way a case is opened, closed and corrected
//! (the window's check, the demo, the benches and the tests all come here),
//! the list and search, one case's history as typed events, and archiving
//! (sealing, bags, disc images).

use chrono::{DateTime, Datelike, FixedOffset};
use fieldcase_shared::check::{CaseCorrected, Findings};
use fieldcase_shared::hash::Digest;
use fieldcase_shared::model::{CaseClosed, CaseOpened, CheckDetails, OfficerPair, Party, Vehicle};
use fieldcase_shared::record::{RecordBody, RecordPayload};
use uuid::Uuid;

use crate::core::{AppError, Terminal};
use crate::store::StoredRecord;
pub use crate::store::{CaseRow, CaseStatus, EvidenceRow};

mod archive;
mod history;

pub use archive::WrittenDisc;
pub use history::{CaseDetail, CaseEvent, Event};

/// What a case is opened with (the first three steps of a check).
#[derive(Debug, Clone)]
pub struct OpenCase {
    /// When the check took place.
    pub occurred_at: DateTime<FixedOffset>,
    /// Place as typed.
    pub place: String,
    /// The vehicle.
    pub vehicle: Vehicle,
    /// The party.
    pub party: Party,
    /// Vehicle type, certificates, contact, position.
    pub details: CheckDetails,
}

/// A case just opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseSaved {
    /// Case id.
    pub case_id: Uuid,
    /// 案号 allocated.
    pub case_no: String,
    /// Seq of the record.
    pub seq: u64,
}

/// A correction of a closed (or open) case.
#[derive(Debug, Clone, Default)]
pub struct Correction {
    /// What is corrected (e.g. `party.name`).
    pub field: String,
    /// The value it had, when known.
    pub old: String,
    /// The value it should have.
    pub new: String,
    /// Why.
    pub reason: String,
}

/// The case archive of one terminal.
pub struct Cases<'t> {
    term: &'t Terminal,
}

impl Terminal {
    /// The case archive controller.
    pub fn cases(&self) -> Cases<'_> {
        Cases { term: self }
    }
}

/// The body of a stored record (None when it does not parse).
pub(crate) fn body(r: &StoredRecord) -> Option<RecordBody> {
    payload(r).map(|p| p.body)
}

/// The payload of a stored record (None when it does not parse).
pub(crate) fn payload(r: &StoredRecord) -> Option<RecordPayload> {
    serde_json::from_slice::<RecordPayload>(&r.envelope.payload).ok()
}

impl Cases<'_> {
    /// Cases whose 案号, plate or party contains `query` (all when empty),
    /// newest first, at most `limit`.
    pub fn list(&self, query: &str, limit: usize) -> Result<Vec<CaseRow>, AppError> {
        Ok(self.term.store.cases_matching(query, limit)?)
    }

    /// A case by 案号 or case id, as typed by someone.
    pub fn find(&self, key: &str) -> Result<CaseRow, AppError> {
        self.term
            .store
            .find_case(key)?
            .ok_or_else(|| AppError::NoCase(key.to_owned()))
    }

    /// A case by id.
    pub fn get(&self, id: &Uuid) -> Result<CaseRow, AppError> {
        self.find(&id.to_string())
    }

    /// The case, refused when it is already closed.
    pub fn require_open(&self, id: &Uuid) -> Result<CaseRow, AppError> {
        let row = self.get(id)?;
        match row.status {
            CaseStatus::Open => Ok(row),
            CaseStatus::Closed | CaseStatus::Returned => Err(AppError::Closed(row.case_no)),
        }
    }

    /// The evidence of a case, in the order it was added.
    pub fn evidence(&self, id: &Uuid) -> Result<Vec<EvidenceRow>, AppError> {
        Ok(self.term.store.evidence_of(id)?)
    }

    /// Opens a case: a signed `case_opened` record with a new 案号, taken in
    /// the same transaction (a number is never used twice).
    /// `now` is when it is signed; the number is of the year of the check.
    pub fn open(
        &self,
        officers: &OfficerPair,
        c: OpenCase,
        now: DateTime<FixedOffset>,
    ) -> Result<CaseSaved, AppError> {
        let case_id = Uuid::now_v7();
        let at = c.occurred_at;
        let (payload, _) =
            self.term
                .store
                .append(&self.term.key, officers.cert_nos(), now, |alloc| {
                    let case_no = alloc.case_number(at.year(), &case_id.to_string())?;
                    Ok(RecordBody::CaseOpened(CaseOpened {
                        case_id,
                        case_no,
                        occurred_at: at,
                        place: c.place,
                        vehicle: c.vehicle,
                        party: c.party,
                        violation: None,
                        note: String::new(),
                        details: Some(c.details),
                    }))
                })?;
        let case_no = match &payload.body {
            RecordBody::CaseOpened(o) => o.case_no.clone(),
            _ => String::new(),
        };
        tracing::info!(case = %case_no, seq = payload.seq, "case opened and signed");
        Ok(CaseSaved {
            case_id,
            case_no,
            seq: payload.seq,
        })
    }

    /// Closes a case with its findings: a `case_closed` record naming every
    /// earlier record of the case. After this the case is read-only.
    pub fn close(
        &self,
        officers: &OfficerPair,
        id: &Uuid,
        findings: Findings,
    ) -> Result<u64, AppError> {
        let row = self.require_open(id)?;
        let records: Vec<Digest> = self
            .term
            .store
            .case_records(id)?
            .iter()
            .map(|r| r.digest)
            .collect();
        let (p, _) =
            self.term
                .store
                .append(&self.term.key, officers.cert_nos(), Terminal::now(), |_| {
                    Ok(RecordBody::CaseClosed(CaseClosed {
                        case_id: *id,
                        case_no: row.case_no.clone(),
                        evidence_count: row.evidence,
                        records,
                        findings: Some(findings),
                    }))
                })?;
        tracing::info!(case = %row.case_no, seq = p.seq, evidence = row.evidence, "case closed and signed");
        Ok(p.seq)
    }

    /// Corrects one field of a case: a `case_corrected` record superseding
    /// the field of the case's opening record. Nothing signed earlier changes.
    pub fn correct(
        &self,
        officers: &OfficerPair,
        id: &Uuid,
        c: &Correction,
    ) -> Result<u64, AppError> {
        let row = self.get(id)?;
        let (field, new, reason) = (c.field.trim(), c.new.trim(), c.reason.trim());
        if reason.is_empty() || field.is_empty() || new.is_empty() {
            return Err(AppError::refused(
                "更正须填写更正项目、更正后的内容和更正理由",
                "A correction needs the field, the new value and the reason",
            ));
        }
        let records = self.term.store.case_records(id)?;
        let first = records
            .first()
            .ok_or_else(|| AppError::NoCase(row.case_no.clone()))?;
        let (p, _) =
            self.term
                .store
                .append(&self.term.key, officers.cert_nos(), Terminal::now(), |_| {
                    Ok(RecordBody::CaseCorrected(CaseCorrected {
                        case_id: *id,
                        case_no: row.case_no.clone(),
                        supersedes_seq: first.seq,
                        supersedes: first.digest,
                        field: field.to_owned(),
                        old: c.old.trim().to_owned(),
                        new: new.to_owned(),
                        reason: reason.to_owned(),
                        in_reply_to: row.returned.as_ref().map(|r| r.record),
                    }))
                })?;
        // The values themselves may be personal data: only what was corrected.
        tracing::info!(case = %row.case_no, seq = p.seq, field, "correction signed");
        Ok(p.seq)
    }

    /// One case and its signed history, decoded.
    pub fn detail(&self, id: &Uuid) -> Result<CaseDetail, AppError> {
        let row = self.get(id)?;
        let events = self
            .term
            .store
            .case_records(id)?
            .iter()
            .filter_map(payload)
            .map(CaseEvent::from)
            .collect();
        let mut bureau: Vec<_> = self
            .term
            .store
            .messages()?
            .into_iter()
            .filter(|m| m.kind == "case_progress" && m.case_id == Some(*id))
            .collect();
        bureau.reverse();
        Ok(CaseDetail {
            row,
            events,
            bureau,
        })
    }
}

#[cfg(test)]
mod tests;
