//! Keeping the deadlines page's table (and the publication table, from
//! the same replay) true: a case's running deadlines
//! are its verified records replayed through the shared state machine and
//! counted on the working-day calendar, stored again whenever the case's
//! procedure changes (records arrive from a terminal, an act is signed)
//! and for every case by `fieldcase-server deadlines refresh` (after an
//! upgrade brings a new year's calendar).
//!
//! Whose work each deadline is — the page shows an account the deadlines
//! of its roles — is the office's organisation, not the law, so it lives
//! here: the head answers for a measure's approval and release and a
//! detention's extension; the case officers for every step of the case;
//! the decision's 90 days concern the head (who extends them, art. 60)
//! and the legal reviewer (whose review comes before the decision) too.

use fieldcase_shared::calendar::{Calendar, Region};
use fieldcase_shared::procedure::{self, Deadlines};
use fieldcase_shared::staff::Role;
use uuid::Uuid;

use super::acts::split_records;
use crate::store::due::{role_mask, DueRow};
use crate::store::findings::FindingRow;
use crate::store::publication::PubRow;
use crate::store::{Store, StoreError};

/// The roles whose work a deadline is.
pub fn roles_of(deadline: &str) -> &'static [Role] {
    match deadline {
        "measure_approval" | "measure_release" => &[Role::Head],
        "seizure" => &[Role::Head, Role::CaseOfficer],
        "decision" => &[Role::CaseOfficer, Role::Head, Role::LegalReviewer],
        "publication" | "publication_withdrawal" => {
            &[Role::CaseOfficer, Role::Head, Role::LegalReviewer]
        }
        _ => &[Role::CaseOfficer],
    }
}

/// What a case's replay gives the stored tables: its running deadlines,
/// its publication's state and the pre-review's findings.
pub struct Derived {
    /// Running deadlines.
    pub deadlines: Vec<DueRow>,
    /// The publication's state.
    pub publication: Option<PubRow>,
    /// The pre-review's findings.
    pub findings: Vec<FindingRow>,
}

/// The case's running deadlines, its publication's state and its
/// findings, replayed from its verified records.
pub fn running(store: &dyn Store, case_id: &Uuid, region: Region) -> Result<Derived, StoreError> {
    let mut out = Derived {
        deadlines: Vec::new(),
        publication: None,
        findings: Vec::new(),
    };
    let Some(row) = store.case_row(case_id)? else {
        return Ok(out);
    };
    let (held, unverified) = split_records(store, case_id)?;
    let refs: Vec<_> = held.iter().map(|(d, p)| (*d, p)).collect();
    let deadlines = Deadlines::shipped().map_err(|e| StoreError::Other(Box::new(e)))?;
    let calendar = Calendar::builtin();
    let replayed = procedure::replay(&refs, calendar, &deadlines, region);
    let found = super::file_review::findings(
        store,
        (&held, unverified),
        &replayed,
        region,
        super::file_review::today(),
    )?;
    out.findings = super::file_review::rows(&row, &found);
    let Some(p) = replayed.procedure else {
        return Ok(out);
    };
    out.deadlines = match p.deadlines(calendar, &deadlines, region) {
        Ok(list) => list
            .into_iter()
            .map(|d| DueRow {
                case_id: *case_id,
                case_no: row.case_no.clone(),
                roles: role_mask(roles_of(&d.id)),
                deadline: d.id,
                name: d.name,
                due: d.due,
                problem: d.problem.unwrap_or_default(),
                basis: d.basis.text(),
            })
            .collect(),
        // The calendar cannot count at all: one row says why.
        Err(e) => vec![DueRow {
            case_id: *case_id,
            case_no: row.case_no.clone(),
            deadline: "calendar".into(),
            name: "期限无法计算".into(),
            due: None,
            problem: e.to_string(),
            basis: String::new(),
            roles: role_mask(&[Role::CaseOfficer, Role::Head]),
        }],
    };
    out.publication = super::publication::row(&row, &held, &p, &out.deadlines);
    Ok(out)
}

/// Stores the case's running deadlines, its publication's state and its
/// findings again.
pub fn refresh(store: &dyn Store, case_id: &Uuid, region: Region) -> Result<usize, StoreError> {
    let d = running(store, case_id, region)?;
    store.set_deadlines(case_id, &d.deadlines)?;
    store.set_publication(case_id, d.publication.as_ref())?;
    store.set_findings(case_id, &d.findings)?;
    Ok(d.deadlines.len())
}

/// Refreshes every case; returns (cases, deadlines running).
pub fn refresh_all(
    store: &dyn Store,
    region: Region,
    mut progress: impl FnMut(u64, u64),
) -> Result<(u64, u64), StoreError> {
    let mut offset = 0u32;
    let (mut cases, mut running) = (0u64, 0u64);
    loop {
        let (rows, total) = store.cases(&crate::store::office::CaseQuery {
            limit: 500,
            offset,
            ..Default::default()
        })?;
        if rows.is_empty() {
            break;
        }
        for r in &rows {
            running += refresh(store, &r.case_id, region)? as u64;
            cases += 1;
        }
        progress(cases, total);
        offset += rows.len() as u32;
    }
    Ok((cases, running))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shipped_deadline_is_somebodys_work() {
        let d = Deadlines::shipped().unwrap();
        for x in d.all() {
            assert!(!roles_of(&x.id).is_empty(), "{}", x.id);
        }
        assert_eq!(roles_of("measure_approval"), &[Role::Head]);
    }
}
