//! The drafting controller: drafts saved as typed, the case opened when the
//! officers leave the time-and-place step and closed with its findings —
//! both through the case archive ([`crate::cases`]), the one way a case is
//! opened and closed.

use chrono::{DateTime, FixedOffset, NaiveDate};
use fieldcase_shared::check::{Location, LocationSource};
use fieldcase_shared::model::{CheckDetails, OfficerPair, Vehicle};
use fieldcase_shared::validate;

use super::{step, Assets, Draft, Field, FieldError, STEPS};
use crate::cases::{CaseStatus, OpenCase};
use crate::core::{AppError, Terminal};

/// Drafts of one terminal.
pub struct Drafts<'t> {
    term: &'t Terminal,
}

impl Terminal {
    /// The drafting controller.
    pub fn drafts(&self) -> Drafts<'_> {
        Drafts { term: self }
    }
}

impl Drafts<'_> {
    /// Saves a draft as it stands (called on every change).
    pub fn save(&self, d: &Draft) -> Result<(), AppError> {
        let body = serde_json::to_string(d)
            .map_err(|e| crate::store::StoreError::Corrupt(format!("draft: {e}")))?;
        self.term.store.save_draft(
            &d.id.to_string(),
            &d.officers.join("/"),
            &d.started_at.to_rfc3339(),
            d.case_id.map(|c| c.to_string()).as_deref(),
            &body,
        )?;
        Ok(())
    }

    /// Drafts in progress (a draft whose case is already closed is removed:
    /// the closing was committed, only the clean-up was lost). A draft that
    /// does not parse at all is kept in the store and reported in the log.
    pub fn list(&self) -> Result<Vec<Draft>, AppError> {
        let mut out = Vec::new();
        for row in self.term.store.drafts()? {
            let d = match serde_json::from_str::<Draft>(&row.body) {
                Ok(d) => d,
                Err(e) => {
                    tracing::warn!(draft = %row.id, error = %e, "a saved draft does not parse; kept as it is");
                    continue;
                }
            };
            if let Some(case) = &d.case_id {
                if self
                    .term
                    .cases()
                    .get(case)
                    .is_ok_and(|c| c.status == CaseStatus::Closed)
                {
                    self.term.store.delete_draft(&d.id.to_string())?;
                    continue;
                }
            }
            out.push(d);
        }
        Ok(out)
    }

    /// The draft `id`, when it is in progress.
    pub fn get(&self, id: &uuid::Uuid) -> Result<Option<Draft>, AppError> {
        Ok(self.list()?.into_iter().find(|d| d.id == *id))
    }

    /// Discards a draft whose case was not opened yet.
    pub fn discard(&self, d: &Draft) -> Result<(), AppError> {
        if let Some(no) = &d.case_no {
            return Err(AppError::refused(
                format!("{no} 已立号签名，不能删除，请完成检查并结案"),
                format!("{no} is opened and signed: it cannot be discarded; finish and close it"),
            ));
        }
        self.term.store.delete_draft(&d.id.to_string())?;
        Ok(())
    }

    /// Opens the case of a draft: validates the first three steps and signs
    /// a `case_opened` record with a new 案号. The time of the check signed
    /// is the one the officers were shown: when the draft was started.
    pub fn open(
        &self,
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
            errs: vec![FieldError::from_validation(Field::IdNumber, &e)],
        })?;
        let saved = self.term.cases().open(
            officers,
            OpenCase {
                occurred_at: d.started_at,
                place: d.place.trim().to_owned(),
                vehicle: Vehicle {
                    plate: validate::normalise_plate(&d.plate),
                },
                party,
                details: details(d),
            },
            now,
        )?;
        d.case_no = Some(saved.case_no);
        d.case_id = Some(saved.case_id);
        self.save(d)?;
        Ok(())
    }

    /// Closes the draft's case: every step must be complete; signs a
    /// `case_closed` record with the findings and removes the draft.
    pub fn close(
        &self,
        officers: &OfficerPair,
        d: &Draft,
        today: NaiveDate,
        assets: &Assets,
    ) -> Result<u64, StepError> {
        if let Some((step, errs)) = first_incomplete(d, today, assets) {
            return Err(StepError::Invalid { step, errs });
        }
        let Some(case_id) = d.case_id else {
            return Err(StepError::Invalid {
                step: step::PLACE,
                errs: vec![FieldError::new(
                    Field::Place,
                    "案件尚未立号",
                    "The case has not been opened",
                )],
            });
        };
        let seq = self
            .term
            .cases()
            .close(officers, &case_id, d.findings(assets))?;
        self.term.store.delete_draft(&d.id.to_string())?;
        Ok(seq)
    }
}

/// The first step of the check that is not complete, with its errors.
fn first_incomplete(
    d: &Draft,
    today: NaiveDate,
    assets: &Assets,
) -> Option<(usize, Vec<FieldError>)> {
    (0..STEPS.len())
        .filter(|s| d.step_applies(*s))
        .map(|s| (s, d.errors(s, today, assets)))
        .find(|(_, errs)| !errs.is_empty())
}

fn details(d: &Draft) -> CheckDetails {
    CheckDetails {
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
