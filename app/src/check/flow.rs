//! The check's signed moments: saving drafts, opening the case (numbered
//! and signed), closing it with its findings.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate};
use fieldcase_shared::check::{Location, LocationSource};
use fieldcase_shared::model::{CaseClosed, CaseOpened, CheckDetails, OfficerPair, Vehicle};
use fieldcase_shared::record::RecordBody;
use fieldcase_shared::validate;
use uuid::Uuid;

use super::{step, Assets, Draft, FieldError, STEPS};
use crate::core::{AppError, Terminal};

impl Terminal {
    /// Saves a draft as it stands (called on every change).
    pub fn save_draft(&self, d: &Draft) -> Result<(), AppError> {
        let body = serde_json::to_string(d)
            .map_err(|e| crate::store::StoreError::Corrupt(format!("draft: {e}")))?;
        self.store.save_draft(
            &d.id,
            &d.officers.join("/"),
            &d.started_at,
            d.case_id.as_deref(),
            &body,
        )?;
        Ok(())
    }

    /// Drafts in progress (a draft whose case is already closed is removed:
    /// the closing was committed, only the clean-up was lost).
    pub fn drafts(&self) -> Result<Vec<Draft>, AppError> {
        let mut out = Vec::new();
        for row in self.store.drafts()? {
            let Ok(d) = serde_json::from_str::<Draft>(&row.body) else {
                continue;
            };
            if let Some(case) = &d.case_id {
                if self
                    .store
                    .find_case(case)?
                    .is_some_and(|c| c.status == "closed")
                {
                    self.store.delete_draft(&d.id)?;
                    continue;
                }
            }
            out.push(d);
        }
        Ok(out)
    }

    /// Discards a draft whose case was not opened yet.
    pub fn discard_draft(&self, d: &Draft) -> Result<(), AppError> {
        if let Some(no) = &d.case_no {
            return Err(AppError::refused(
                format!("{no} 已立号签名，不能删除，请完成检查并结案"),
                format!("{no} is opened and signed: it cannot be discarded; finish and close it"),
            ));
        }
        self.store.delete_draft(&d.id)?;
        Ok(())
    }

    /// Opens the case of a draft: validates the first three steps and signs
    /// a `case_opened` record with a new 案号.
    pub fn open_draft(
        &mut self,
        officers: &OfficerPair,
        d: &mut Draft,
        now: DateTime<FixedOffset>,
        assets: &Assets,
    ) -> Result<(), StepError> {
        if d.opened() {
            return Ok(());
        }
        let today = now.date_naive();
        for s in [step::VEHICLE, step::PARTY, step::PLACE] {
            let errs = d.errors(s, today, assets);
            if !errs.is_empty() {
                return Err(StepError::Invalid { step: s, errs });
            }
        }
        let party = d.party(today).map_err(|e| StepError::Invalid {
            step: step::PARTY,
            errs: vec![FieldError::from_validation("id_number", &e)],
        })?;
        let case_id = Uuid::now_v7();
        let details = CheckDetails {
            vehicle_kind: d.vehicle_kind.clone(),
            transport_cert: d.transport_cert.trim().to_owned(),
            phone: d.phone.trim().to_owned(),
            qualification: d.qualification.trim().to_owned(),
            legal_rep: d.legal_rep.trim().to_owned(),
            location: Some(d.location.clone().unwrap_or(Location {
                source: LocationSource::Typed,
                lat: None,
                lon: None,
                accuracy_m: None,
                fix_time: None,
            })),
        };
        let (payload, _) = self
            .store
            .append(&self.key, officers.cert_nos(), now, |alloc| {
                let case_no = alloc.case_number(now.year(), &case_id.to_string())?;
                Ok(RecordBody::CaseOpened(CaseOpened {
                    case_id,
                    case_no,
                    occurred_at: now,
                    place: d.place.trim().to_owned(),
                    vehicle: Vehicle {
                        plate: validate::normalise_plate(&d.plate),
                    },
                    party,
                    violation: None,
                    note: String::new(),
                    details: Some(details),
                }))
            })?;
        if let RecordBody::CaseOpened(c) = &payload.body {
            d.case_no = Some(c.case_no.clone());
        }
        d.case_id = Some(case_id.to_string());
        self.save_draft(d)?;
        Ok(())
    }

    /// Closes the draft's case: every step must be complete; signs a
    /// `case_closed` record with the findings and removes the draft.
    pub fn close_draft(
        &mut self,
        officers: &OfficerPair,
        d: &Draft,
        today: NaiveDate,
        assets: &Assets,
    ) -> Result<u64, StepError> {
        for s in 0..STEPS.len() {
            if !d.step_applies(s) {
                continue;
            }
            let errs = d.errors(s, today, assets);
            if !errs.is_empty() {
                return Err(StepError::Invalid { step: s, errs });
            }
        }
        let Some(case_id) = d.case_id.clone() else {
            return Err(StepError::Invalid {
                step: step::PLACE,
                errs: vec![FieldError::new(
                    "place",
                    "案件尚未立号",
                    "The case has not been opened",
                )],
            });
        };
        let row = self
            .store
            .find_case(&case_id)?
            .ok_or_else(|| AppError::NoCase(case_id.clone()))?;
        if row.status == "closed" {
            return Err(AppError::Closed(row.case_no).into());
        }
        let records = self
            .store
            .case_records(&row.case_id)?
            .iter()
            .map(|r| r.digest)
            .collect();
        let findings = d.findings(assets);
        let id: Uuid = case_id
            .parse()
            .map_err(|_| AppError::NoCase(case_id.clone()))?;
        let (p, _) = self
            .store
            .append(&self.key, officers.cert_nos(), Self::now(), |_| {
                Ok(RecordBody::CaseClosed(CaseClosed {
                    case_id: id,
                    case_no: row.case_no.clone(),
                    evidence_count: row.evidence,
                    records,
                    findings: Some(findings),
                }))
            })?;
        self.store.delete_draft(&d.id)?;
        Ok(p.seq)
    }
}

/// Why a step cannot be left or a case cannot be opened or closed.
#[derive(Debug, thiserror::Error)]
pub enum StepError {
    /// Fields to correct, on a step.
    #[error("step {}: {}", .step + 1, .errs.iter().map(|e| e.en.clone()).collect::<Vec<_>>().join("; "))]
    Invalid {
        /// Step with the errors.
        step: usize,
        /// The errors.
        errs: Vec<FieldError>,
    },
    /// Anything else.
    #[error(transparent)]
    App(#[from] AppError),
}

impl From<crate::store::StoreError> for StepError {
    fn from(e: crate::store::StoreError) -> Self {
        StepError::App(e.into())
    }
}
