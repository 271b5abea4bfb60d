//! What the controllers' unit tests share: a terminal in a fresh folder
//! with one case opened and closed, the officers, a drawn signature.
#![allow(clippy::unwrap_used)]

use fieldcase_shared::check::{Decision, Findings};
use fieldcase_shared::model::{CheckDetails, OfficerPair, Party, Vehicle};

use crate::cases::{CaseRow, OpenCase};
use crate::core::{AppError, Terminal};
use crate::evidence::signature_png;

pub fn officers() -> OfficerPair {
    OfficerPair::new("65010023", "65010031").unwrap()
}

pub fn decision(amount_yuan: u64, procedure: &str) -> Decision {
    Decision {
        ended_on: None,
        life_or_health: false,
        code: "T-1".into(),
        title: "未随车携带道路运输证".into(),
        basis: "《中华人民共和国道路运输条例》第六十八条".into(),
        grade: "一般".into(),
        penalty: if amount_yuan == 0 { "warning" } else { "fine" }.into(),
        amount_yuan,
        procedure: procedure.into(),
        no_penalty_answers: vec![],
        gains_yuan: None,
        excess_kg: None,
        sanctions: vec![],
        orders: vec![],
        measures: vec![],
        hearing_right: false,
        legal_review: false,
    }
}

/// A terminal in a fresh folder (blobs need one) with one case decided
/// with `d` (None: no violation).
pub fn decided(d: Option<Decision>) -> (tempfile::TempDir, Terminal, CaseRow) {
    let dir = tempfile::tempdir().unwrap();
    let t = Terminal::open(dir.path()).unwrap();
    let saved = t
        .cases()
        .open(
            &officers(),
            OpenCase {
                occurred_at: Terminal::now(),
                place: "G30 K3480".into(),
                vehicle: Vehicle {
                    plate: "新A12345".into(),
                },
                party: Party::Person {
                    id_number: "11010519491231002X".into(),
                    name: "张三".into(),
                },
                details: CheckDetails::default(),
            },
            Terminal::now(),
        )
        .unwrap();
    let outcome = if d.is_some() {
        "violation"
    } else {
        "no_violation"
    };
    t.cases()
        .close(
            &officers(),
            &saved.case_id,
            Findings {
                told: vec![],
                vehicle_kind: "freight".into(),
                checklist: vec![],
                outcome: outcome.into(),
                decision: d,
                statement: String::new(),
                signatures: vec![],
            },
        )
        .unwrap();
    let row = t.cases().get(&saved.case_id).unwrap();
    (dir, t, row)
}

pub fn ink() -> Vec<u8> {
    signature_png(&[vec![(10.0, 10.0), (80.0, 40.0), (150.0, 20.0)]])
}

pub fn refused_text(e: AppError) -> String {
    match e {
        AppError::Refused { zh, .. } => zh,
        other => panic!("not a refusal: {other:?}"),
    }
}
