//! A closed case's data package for the ministry (`fieldcase-ministry-
//! package/1`, JSON): the case, the party, the violation, the procedure's
//! steps with their provisions, the decision, and the SHA-256 of every
//! signed record, built from the verified records only. The same case
//! state always gives the same bytes.

use serde::Serialize;

use crate::office::acts::verified_records;
use crate::store::office::CaseRow;
use crate::store::{Store, StoreError};
use fieldcase_shared::calendar::{Calendar, Region};
use fieldcase_shared::hash::Digest;
use fieldcase_shared::model::Party;
use fieldcase_shared::procedure::{self, Deadlines, Paper, Step, Track};
use fieldcase_shared::record::RecordBody;

/// `format` of a package.
pub const PACKAGE_FORMAT: &str = "fieldcase-ministry-package/1";

#[derive(Serialize)]
struct StepOut {
    step: &'static str,
    on: String,
    by: Vec<String>,
    basis: String,
}

#[derive(Serialize)]
struct PackageOut<'a> {
    format: &'static str,
    case_id: String,
    case_no: &'a str,
    agency: &'a str,
    agency_uscc: &'a str,
    track: &'static str,
    occurred_at: String,
    place: String,
    officers: Vec<String>,
    party_kind: &'static str,
    party_name: String,
    party_id: String,
    violation_code: String,
    violation: String,
    basis: String,
    penalty: String,
    fine_yuan: u64,
    decided_on: String,
    steps: Vec<StepOut>,
    records: Vec<String>,
}

/// A package ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Package {
    /// 案号.
    pub case_no: String,
    /// The remote file name: `fieldcase-<case id>-<first 16 hex of the
    /// content's SHA-256>.json`.
    pub name: String,
    /// The bytes.
    pub bytes: Vec<u8>,
    /// Their SHA-256.
    pub sha256: Digest,
}

/// The package of `row` when the case is closed (a general-procedure case
/// at 结案, an on-the-spot decision once made); `None` otherwise.
pub fn package(
    store: &dyn Store,
    row: &CaseRow,
    agency: (&str, &str),
    region: Region,
) -> Result<Option<Package>, StoreError> {
    let held = verified_records(store, &row.case_id)?;
    let refs: Vec<_> = held.iter().map(|(d, p)| (*d, p)).collect();
    let deadlines = Deadlines::shipped().map_err(|e| StoreError::Other(Box::new(e)))?;
    let Some(p) = procedure::replay(&refs, Calendar::builtin(), &deadlines, region).procedure
    else {
        return Ok(None);
    };
    let has = |s: &Step| p.steps.iter().any(|t| t.step == *s);
    let closed = match p.track {
        Track::General => has(&Step::Closed),
        Track::Simple => has(&Step::Decided),
    };
    if !closed {
        return Ok(None);
    }
    let mut sorted: Vec<_> = held.iter().collect();
    sorted.sort_by_key(|(_, r)| (r.created_at, r.seq));
    let opened = sorted.iter().find_map(|(_, r)| match &r.body {
        RecordBody::CaseOpened(o) => Some(o),
        _ => None,
    });
    let roadside = sorted.iter().find_map(|(_, r)| match &r.body {
        RecordBody::CaseClosed(c) => c.findings.as_ref()?.decision.clone(),
        _ => None,
    });
    let bureau = sorted.iter().rev().find_map(|(_, r)| match &r.body {
        RecordBody::ProcedureAct(a) => match &a.paper {
            Some(Paper::Decision(d)) => Some((d.penalty.clone(), d.fine_yuan, d.basis.clone())),
            Some(Paper::NoPenalty(n)) => Some(("不予行政处罚".to_owned(), 0, n.basis.clone())),
            _ => None,
        },
        _ => None,
    });
    let (penalty, fine_yuan, basis) = match (&bureau, &roadside) {
        (Some(b), _) => b.clone(),
        (None, Some(d)) => (d.penalty.clone(), d.amount_yuan, d.basis.clone()),
        (None, None) => (String::new(), 0, String::new()),
    };
    let (party_kind, party_name, party_id) = match opened.map(|o| &o.party) {
        Some(Party::Person { id_number, name }) => ("person", name.clone(), id_number.clone()),
        Some(Party::Organisation { uscc, name }) => ("organisation", name.clone(), uscc.clone()),
        None => ("", String::new(), String::new()),
    };
    let out = PackageOut {
        format: PACKAGE_FORMAT,
        case_id: row.case_id.to_string(),
        case_no: &row.case_no,
        agency: agency.0,
        agency_uscc: agency.1,
        track: match p.track {
            Track::General => "general",
            Track::Simple => "simple",
        },
        occurred_at: opened
            .map(|o| o.occurred_at.to_rfc3339())
            .unwrap_or_default(),
        place: opened.map(|o| o.place.clone()).unwrap_or_default(),
        officers: row
            .officers
            .split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        party_kind,
        party_name,
        party_id,
        violation_code: roadside
            .as_ref()
            .map(|d| d.code.clone())
            .unwrap_or_default(),
        violation: roadside
            .as_ref()
            .map(|d| d.title.clone())
            .unwrap_or_default(),
        basis,
        penalty,
        fine_yuan,
        decided_on: p
            .steps
            .iter()
            .find(|t| t.step == Step::Decided)
            .map(|t| t.on.to_string())
            .unwrap_or_default(),
        steps: p
            .steps
            .iter()
            .map(|t| StepOut {
                step: t.step.name().0,
                on: t.on.to_string(),
                by: t.by.clone(),
                basis: t.step.basis(p.track).text(),
            })
            .collect(),
        records: sorted.iter().map(|(d, _)| d.to_hex()).collect(),
    };
    let mut bytes = serde_json::to_vec_pretty(&out).map_err(|e| StoreError::Other(Box::new(e)))?;
    bytes.push(b'\n');
    let sha256 = fieldcase_shared::hash::sha256(&bytes);
    Ok(Some(Package {
        case_no: row.case_no.clone(),
        name: format!("fieldcase-{}-{}.json", row.case_id, &sha256.to_hex()[..16]),
        bytes,
        sha256,
    }))
}
