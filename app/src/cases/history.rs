//! One case's signed history as typed events (what the case screen and
//! `case show` list), decoded once here instead of in each front end.

use chrono::{DateTime, FixedOffset};
use fieldcase_shared::check::{CaseCorrected, Findings};
use fieldcase_shared::investigation::Writing;
use fieldcase_shared::model::{CaseOpened, DiscRecorded, EvidenceItem};
use fieldcase_shared::record::{RecordBody, RecordPayload};
use fieldcase_shared::served::{DocumentServed, PaymentNoted};

use super::CaseRow;

/// A case and its history.
#[derive(Debug, Clone)]
pub struct CaseDetail {
    /// The case as listed.
    pub row: CaseRow,
    /// Its records, in order.
    pub events: Vec<CaseEvent>,
    /// What the bureau did with the case after it was handed over
    /// (`case_progress` messages, each naming the signed act), oldest first.
    pub bureau: Vec<fieldcase_shared::wire::Message>,
}

/// One signed record of a case.
#[derive(Debug, Clone)]
pub struct CaseEvent {
    /// Seq in the device log.
    pub seq: u64,
    /// When it was signed.
    pub at: DateTime<FixedOffset>,
    /// Officers who signed it.
    pub officers: Vec<String>,
    /// What it records.
    pub what: Event,
}

/// What a record of a case says.
#[derive(Debug, Clone)]
pub enum Event {
    /// The case was opened.
    Opened(Box<CaseOpened>),
    /// Evidence was added.
    Evidence(Box<EvidenceItem>),
    /// The case was closed (with findings, when recorded).
    Closed(Option<Box<Findings>>),
    /// A field was corrected.
    Corrected(Box<CaseCorrected>),
    /// The case was sealed for archiving.
    Sealed,
    /// Disc images were recorded.
    Disc(Box<DiscRecorded>),
    /// A back-office review step (not signed on a terminal; shown if a
    /// case file carries one).
    Review(Box<fieldcase_shared::review::ReviewRecorded>),
    /// A document was handed to the party (with its receipt).
    Served(Box<DocumentServed>),
    /// The fine's payment was noted.
    Paid(Box<PaymentNoted>),
    /// A writing of the general procedure (笔录, 清单, 通知书).
    Writing(Box<Writing>),
    /// A step of the procedure signed at the bureau (not signed on a
    /// terminal; shown if a case file carries one).
    Act(Box<fieldcase_shared::procedure::ProcedureAct>),
}

impl From<RecordPayload> for CaseEvent {
    fn from(p: RecordPayload) -> Self {
        let what = match p.body {
            RecordBody::CaseOpened(o) => Event::Opened(Box::new(o)),
            RecordBody::EvidenceAdded(e) => Event::Evidence(Box::new(e)),
            RecordBody::CaseClosed(c) => Event::Closed(c.findings.map(Box::new)),
            RecordBody::CaseCorrected(c) => Event::Corrected(Box::new(c)),
            RecordBody::CaseSealed(_) => Event::Sealed,
            RecordBody::DiscRecorded(d) => Event::Disc(Box::new(d)),
            RecordBody::ReviewRecorded(r) => Event::Review(Box::new(r)),
            RecordBody::DocumentServed(d) => Event::Served(Box::new(d)),
            RecordBody::PaymentNoted(p) => Event::Paid(Box::new(p)),
            RecordBody::SiteRecorded(w) => Event::Writing(Box::new(Writing::Site(w))),
            RecordBody::InterviewRecorded(w) => Event::Writing(Box::new(Writing::Interview(w))),
            RecordBody::EvidenceRegistered(w) => Event::Writing(Box::new(Writing::Register(w))),
            RecordBody::CorrectionOrdered(w) => Event::Writing(Box::new(Writing::Order(w))),
            RecordBody::MeasureDecided(w) => Event::Writing(Box::new(Writing::Measure(w))),
            RecordBody::ProcedureAct(a) => Event::Act(Box::new(a)),
        };
        CaseEvent {
            seq: p.seq,
            at: p.created_at,
            officers: p.officers,
            what,
        }
    }
}

impl CaseDetail {
    /// The findings the case was closed with, when it was.
    pub fn findings(&self) -> Option<&Findings> {
        self.events.iter().rev().find_map(|e| match &e.what {
            Event::Closed(f) => f.as_deref(),
            _ => None,
        })
    }

    /// The case goes on in the general procedure at the bureau: the
    /// roadside found a violation whose penalty the simple procedure does
    /// not allow (行政处罚法 art. 51), so the terminal hands it over (移交)
    /// rather than deciding it.
    pub fn handed_over(&self) -> bool {
        self.findings()
            .and_then(|f| f.decision.as_ref())
            .is_some_and(|d| d.penalty != "none" && d.procedure == "general")
    }

    /// The documents handed over, in order.
    pub fn served(&self) -> impl Iterator<Item = &DocumentServed> {
        self.events.iter().filter_map(|e| match &e.what {
            Event::Served(d) => Some(d.as_ref()),
            _ => None,
        })
    }

    /// The payment noted, when one was.
    pub fn payment(&self) -> Option<&PaymentNoted> {
        self.events.iter().find_map(|e| match &e.what {
            Event::Paid(p) => Some(p.as_ref()),
            _ => None,
        })
    }

    /// Corrections, in order.
    pub fn corrections(&self) -> impl Iterator<Item = &CaseCorrected> {
        self.events.iter().filter_map(|e| match &e.what {
            Event::Corrected(c) => Some(c.as_ref()),
            _ => None,
        })
    }
}
