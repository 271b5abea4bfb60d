//! A case page: its facts and every record of it, each with its signer and
//! whether its signature verifies with the signer's registered key. Each
//! view is an audit event.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Html;
use chrono::Utc;
use fieldcase_shared::hash::Digest;
use fieldcase_shared::record::{RecordBody, RecordPayload};
use uuid::Uuid;

use super::{render, Bar, CASE_ROLES};
use crate::api::AppState;
use crate::office::accounts;
use crate::office::i18n::{beijing, beijing_text, Lang, Texts};
use crate::office::session::{store_call, PageError, Staff, Visit};
use crate::store::office::{AuditAction, CaseRecord, CaseRow, CaseState};
use crate::store::Store;
use fieldcase_shared::review::ReviewStep;

/// A record as shown.
struct Shown {
    /// When it was signed, for the page's order (terminal and staff
    /// records interleaved in time).
    at: Option<chrono::DateTime<Utc>>,
    seq: u64,
    kind: &'static str,
    signer: String,
    made_at: String,
    received_at: String,
    valid: bool,
    problem: String,
    lines: Vec<String>,
    media: Option<Media>,
    /// The document the record produces, as PDF.
    document: Option<String>,
}

/// An evidence item in the page.
struct Media {
    /// Where the bytes are served.
    url: String,
    /// `img`, `video`, `audio` or `` (download only).
    element: &'static str,
    /// Stored on the server (else it is still to be uploaded).
    stored: bool,
}

fn media_of(store: &dyn Store, case_id: &Uuid, e: &fieldcase_shared::model::EvidenceItem) -> Media {
    let t = super::evidence::safe_media_type(&e.media_type);
    Media {
        url: format!("/office/cases/{case_id}/evidence/{}", e.sha256.to_hex()),
        element: match t.split('/').next() {
            Some("image") => "img",
            Some("video") => "video",
            Some("audio") => "audio",
            _ => "",
        },
        stored: matches!(store.blob(&e.sha256), Ok(Some(_))),
    }
}

struct Facts {
    case_id: String,
    case_no: String,
    occurred_at: String,
    place: String,
    plate: String,
    party: String,
    violation: String,
    officers: String,
    state: &'static str,
}

#[derive(Template)]
#[template(path = "case.html")]
struct CasePage {
    t: &'static Texts,
    bar: Option<Bar>,
    row: Facts,
    records: Vec<Shown>,
    /// The review forms, for a reviewer.
    review: Option<Review>,
    /// The archive section, for an archivist.
    archive: Option<Archive>,
    /// The procedure the records tell.
    procedure: Option<super::procedure::ProcedureView>,
    /// The forms of the steps the account may take.
    acts: Option<super::act::ActsView>,
    /// The decision's publication (双公示).
    publication: Option<super::publication::Preview>,
    /// The 案卷评查 pre-review's findings.
    file_review: Option<Vec<super::file_review::FindingShown>>,
    /// Why the step just sent was not signed (also at its form, when the
    /// page shows it).
    refused: Option<String>,
}

/// An archive disc as listed.
struct DiscRow {
    url: String,
    label: String,
    medium: String,
    sha256: String,
    size: String,
    at: String,
}

/// What an archivist sees: the discs built, and the build form when the
/// case's review passed.
struct Archive {
    csrf: String,
    /// The agency key's fingerprint, for the disc label (the disc's page
    /// asks for it: docs/disc.md).
    fingerprint: String,
    can_build: bool,
    media: &'static [(&'static str, &'static str)],
    discs: Vec<DiscRow>,
}

fn archive_of(
    staff: &Staff,
    agency_key: &fieldcase_shared::keys::PublicKey,
    case_id: &Uuid,
    state: CaseState,
    discs: Vec<crate::office::archive::BuiltDisc>,
) -> Option<Archive> {
    if !super::disc::ARCHIVE_ROLES
        .iter()
        .any(|r| staff.user.has(*r))
    {
        return None;
    }
    let t = staff.lang.texts();
    Some(Archive {
        csrf: staff.session.csrf.clone(),
        fingerprint: agency_key.fingerprint(),
        can_build: state == CaseState::Approved,
        media: super::disc::MEDIA,
        discs: discs
            .into_iter()
            .map(|d| DiscRow {
                url: format!("/office/cases/{case_id}/discs/{}/{}", d.bundle_id, d.index),
                label: format!(
                    "{} {}/{} · {}",
                    t.archive_disc, d.index, d.count, d.bundle_id
                ),
                medium: d.medium,
                sha256: d.sha256.to_hex(),
                size: fieldcase_shared::casebag::human_size(d.size),
                at: beijing(d.at),
            })
            .collect(),
    })
}

/// What a reviewer may do now.
struct Review {
    csrf: String,
    /// (step, button text) of the steps taken without a reason.
    plain: Vec<(&'static str, &'static str)>,
    /// A return is allowed now.
    can_return: bool,
}

fn review_of(staff: &Staff, state: CaseState) -> Option<Review> {
    if !super::review::REVIEW_ROLES
        .iter()
        .any(|r| staff.user.has(*r))
    {
        return None;
    }
    let steps = state.steps();
    Some(Review {
        csrf: staff.session.csrf.clone(),
        plain: steps
            .iter()
            .filter(|s| **s != ReviewStep::Return)
            .map(|s| (s.as_str(), staff.lang.step(*s)))
            .collect(),
        can_return: steps.contains(&ReviewStep::Return),
    })
}

fn kind_name(lang: Lang, body: &RecordBody) -> &'static str {
    let zh = lang == Lang::Zh;
    match body {
        RecordBody::CaseOpened(_) => {
            if zh {
                "立案（现场检查）"
            } else {
                "Case opened"
            }
        }
        RecordBody::EvidenceAdded(_) => {
            if zh {
                "证据"
            } else {
                "Evidence"
            }
        }
        RecordBody::CaseClosed(_) => {
            if zh {
                "结案（终端）"
            } else {
                "Case closed"
            }
        }
        RecordBody::CaseSealed(_) => {
            if zh {
                "封存"
            } else {
                "Sealed"
            }
        }
        RecordBody::DiscRecorded(_) => {
            if zh {
                "刻录光盘"
            } else {
                "Disc written"
            }
        }
        RecordBody::CaseCorrected(_) => {
            if zh {
                "更正"
            } else {
                "Correction"
            }
        }
        RecordBody::ReviewRecorded(r) => lang.step(r.step),
        RecordBody::DocumentServed(_) => {
            if zh {
                "送达（当场）"
            } else {
                "Document served"
            }
        }
        RecordBody::PaymentNoted(_) => {
            if zh {
                "缴纳罚款"
            } else {
                "Fine paid"
            }
        }
        RecordBody::SiteRecorded(_) => {
            if zh {
                "现场笔录"
            } else {
                "Site record"
            }
        }
        RecordBody::InterviewRecorded(_) => {
            if zh {
                "询问笔录"
            } else {
                "Interview record"
            }
        }
        RecordBody::EvidenceRegistered(_) => {
            if zh {
                "证据登记保存清单"
            } else {
                "Evidence preserved"
            }
        }
        RecordBody::CorrectionOrdered(_) => {
            if zh {
                "责令改正"
            } else {
                "Order to correct"
            }
        }
        RecordBody::MeasureDecided(_) => {
            if zh {
                "行政强制措施决定书及清单"
            } else {
                "Compulsory measure decision"
            }
        }
        RecordBody::ProcedureAct(a) => {
            let (zh_name, en_name) = a.taken.step.name();
            if zh {
                zh_name
            } else {
                en_name
            }
        }
    }
}

/// What a record says, a line per fact.
fn lines(lang: Lang, body: &RecordBody) -> Vec<String> {
    let t = lang.texts();
    match body {
        RecordBody::CaseOpened(c) => {
            let mut v = vec![format!("{}: {} {}", t.party, c.party.name(), c.party.id())];
            if let Some(viol) = &c.violation {
                v.push(format!("{}: {} — {}", t.violation, viol.title, viol.basis));
            }
            v
        }
        RecordBody::EvidenceAdded(e) => vec![
            format!(
                "{}: {} · {}: {} B",
                t.media_type, e.media_type, t.size, e.size
            ),
            format!("{}: {}", t.sha256, e.sha256.to_hex()),
            format!("{}: {} {}", t.category, e.category, e.description),
        ],
        RecordBody::CaseClosed(c) => {
            let mut v = vec![format!("{}: {}", t.evidence, c.evidence_count)];
            if let Some(d) = c.findings.as_ref().and_then(|f| f.decision.as_ref()) {
                v.push(format!(
                    "{} {} {} {} 元 ({})",
                    d.title, d.grade, d.penalty, d.amount_yuan, d.procedure
                ));
                if !d.measures.is_empty() {
                    let m: Vec<&str> = d.measures.iter().map(|m| m.zh()).collect();
                    v.push(format!("行政强制措施：{}", m.join("、")));
                }
            }
            v
        }
        RecordBody::CaseCorrected(c) => {
            let mut v = vec![format!(
                "{} #{} {}: {} → {} · {}: {}",
                t.corrected_field, c.supersedes_seq, c.field, c.old, c.new, t.reason, c.reason
            )];
            if let Some(d) = c.in_reply_to {
                v.push(format!("{} {}", t.answers_return, d.to_hex()));
            }
            v
        }
        RecordBody::ReviewRecorded(r) => {
            let to = r.from.after(r.step).map(|s| lang.state(s)).unwrap_or("?");
            let mut v = vec![format!("{} → {}", lang.state(r.from), to)];
            if !r.reason.is_empty() {
                v.push(format!("{}: {}", t.reason, r.reason));
            }
            v
        }
        RecordBody::CaseSealed(s) => vec![s.bundle_id.to_string()],
        RecordBody::DiscRecorded(d) => vec![format!("{} × {}", d.medium, d.discs.len())],
        RecordBody::DocumentServed(d) => served_lines(lang, d),
        RecordBody::PaymentNoted(p) => paid_lines(lang, p),
        RecordBody::SiteRecorded(w) => vec![
            span(w.started_at, w.ended_at, &w.place),
            w.observed.clone(),
            receipt_line(lang, &w.receipt),
        ],
        RecordBody::InterviewRecorded(w) => vec![
            span(w.started_at, w.ended_at, &w.place),
            format!(
                "{} ({}) · {} × 问/答",
                w.person.name,
                w.person.relation.zh(),
                w.exchanges.len()
            ),
            receipt_line(lang, &w.receipt),
        ],
        RecordBody::EvidenceRegistered(w) => {
            let mut v: Vec<String> = w
                .items
                .iter()
                .map(|i| format!("{} {} {}{}", i.name, i.spec, i.quantity, i.unit))
                .collect();
            v.push(format!(
                "{} · {} · {}",
                w.kept_at, w.approved_by, w.decide_by
            ));
            v.push(receipt_line(lang, &w.receipt));
            v
        }
        RecordBody::CorrectionOrdered(w) => vec![
            w.order.clone(),
            w.correct_by.map(|d| d.to_string()).unwrap_or_default(),
            receipt_line(lang, &w.receipt),
        ],
        RecordBody::MeasureDecided(w) => {
            let m: Vec<&str> = w.measures.iter().map(|m| m.zh()).collect();
            let mut v = vec![format!("{} · {}", m.join("、"), w.reason)];
            v.extend(
                w.items
                    .iter()
                    .map(|i| format!("{} {} {}{}", i.name, i.spec, i.quantity, i.unit)),
            );
            if let Some(until) = w.until {
                v.push(format!("{} · {until}", w.kept_at));
            }
            v.push(receipt_line(lang, &w.receipt));
            v
        }
        RecordBody::ProcedureAct(a) => super::procedure::act_lines(lang, a),
    }
}

/// A signer id as the page shows it: its first 8 hex digits (the records
/// page of the disc and `fieldcase-verify` give the whole id).
fn short_id(id: &fieldcase_shared::keys::DeviceId) -> String {
    let s = id.to_string();
    format!("{}…", &s[..s.len().min(8)])
}

/// Verifies and describes one held record.
fn shown(
    store: &dyn Store,
    lang: Lang,
    (case_id, r): (&Uuid, &CaseRecord),
) -> (Shown, Option<(Digest, RecordPayload)>) {
    let mut out = Shown {
        at: None,
        seq: r.seq,
        kind: "?",
        signer: r.device.to_string(),
        made_at: String::new(),
        received_at: beijing(r.received_at),
        valid: false,
        problem: String::new(),
        lines: Vec::new(),
        media: None,
        document: None,
    };
    let mut verified = None;
    match crate::office::acts::open_held(store, r) {
        Ok((v, signer_name)) => {
            out.valid = true;
            if let Ok(p) = serde_json::from_slice::<RecordPayload>(&v.envelope.payload) {
                out.kind = kind_name(lang, &p.body);
                // A terminal names its officers; a staff key is its person.
                out.signer = if p.officers.is_empty() {
                    format!("{signer_name} · {}", short_id(&r.device))
                } else {
                    format!("{} · {}", p.officers.join("、"), short_id(&r.device))
                };
                out.at = Some(p.created_at.with_timezone(&Utc));
                out.made_at = beijing(p.created_at.with_timezone(&Utc));
                out.lines = lines(lang, &p.body);
                if fieldcase_documents::set::kind_of(&p.body).is_some() {
                    out.document = Some(super::document::url(case_id, &v.digest));
                }
                if let RecordBody::EvidenceAdded(e) = &p.body {
                    out.media = Some(media_of(store, &e.case_id, e));
                }
                verified = Some((v.digest, p));
            }
        }
        Err(e) => out.problem = e,
    }
    (out, verified)
}

fn facts(lang: Lang, r: CaseRow) -> Facts {
    let t = lang.texts();
    Facts {
        case_id: r.case_id.to_string(),
        case_no: r.case_no,
        occurred_at: beijing_text(&r.occurred_at),
        place: r.place,
        plate: r.plate,
        party: r.party,
        violation: super::violation_text(t, r.violation),
        officers: super::officers_text(&r.officers),
        state: lang.state(r.state),
    }
}

/// `GET /office/cases/{case_id}`.
pub async fn show(
    State(state): State<AppState>,
    visit: Visit,
    Path(id): Path<String>,
) -> Result<Html<String>, PageError> {
    let staff = visit.require(&state, CASE_ROLES).await?;
    let Ok(case_id) = id.parse::<Uuid>() else {
        return Err(PageError::NotFound(staff.lang));
    };
    page(&state, &staff, case_id, None).await
}

/// The case page for `staff`; `attempt` is a step's form just refused,
/// shown open with its values and the reason.
pub async fn page(
    state: &AppState,
    staff: &Staff,
    case_id: Uuid,
    attempt: Option<super::act::Attempt>,
) -> Result<Html<String>, PageError> {
    let lang = staff.lang;
    let store = state.store().clone();
    let (who, addr) = (staff.user.name.clone(), staff.addr.clone());
    let region = state.region;
    let (agency, agency_uscc) = (state.agency_name.clone(), state.agency_uscc.clone());
    let found = store_call(lang, move || {
        let Some(row) = store.case_row(&case_id)? else {
            return Ok(None);
        };
        let records = store.case_records(&case_id)?;
        let discs = crate::office::archive::discs(&*store, &case_id)
            .map_err(|e| crate::store::StoreError::Other(Box::new(e)))?;
        let (mut shown, verified): (Vec<Shown>, Vec<_>) = records
            .iter()
            .map(|r| shown(&*store, lang, (&case_id, r)))
            .unzip();
        let verified: Vec<_> = verified.into_iter().flatten().collect();
        // What the pre-review says of records whose signature fails.
        let unverified: Vec<String> = shown
            .iter()
            .filter(|s| !s.valid)
            .map(|s| format!("{} #{}: {}", s.signer, s.seq, s.problem))
            .collect();
        let procedure = super::procedure::view(lang, &verified, region);
        let refs: Vec<_> = verified.iter().map(|(d, p)| (*d, p)).collect();
        let full = fieldcase_shared::procedure::Deadlines::shipped()
            .ok()
            .map(|d| {
                fieldcase_shared::procedure::replay(
                    &refs,
                    fieldcase_shared::calendar::Calendar::builtin(),
                    &d,
                    region,
                )
            });
        let file_review = match &full {
            Some(f) => Some(crate::office::file_review::findings(
                &*store,
                (&verified, unverified),
                f,
                region,
                crate::office::file_review::today(),
            )?),
            None => None,
        };
        let replayed = full.and_then(|f| f.procedure);
        let publication = replayed.as_ref().and_then(|p| {
            let agency = crate::office::publication::Agency {
                name: &agency,
                uscc: &agency_uscc,
            };
            super::publication::preview(lang, &verified, p, agency)
        });
        // Stable: within one signer the chain order stays.
        shown.sort_by_key(|s| s.at);
        accounts::audit(
            &*store,
            Utc::now(),
            &who,
            AuditAction::CaseViewed,
            &case_id.to_string(),
            &addr,
        )?;
        Ok::<_, crate::store::StoreError>(Some((
            row,
            shown,
            discs,
            (procedure, replayed, publication, file_review),
        )))
    })
    .await?;
    let Some((row, records, discs, (procedure, replayed, publication, file_review))) = found else {
        return Err(PageError::NotFound(lang));
    };
    let acts = super::act::view(staff, &row, replayed.as_ref(), region, attempt.as_ref());
    let refused = attempt.map(|a| a.message);
    Ok(render(&CasePage {
        t: lang.texts(),
        bar: Some(Bar::of(staff)),
        review: review_of(staff, row.state),
        archive: archive_of(staff, &state.server_key(), &case_id, row.state, discs),
        acts,
        publication,
        file_review: file_review.map(|f| super::file_review::shown(lang, &f)),
        refused,
        row: facts(lang, row),
        records,
        procedure,
    }))
}

/// What a `document_served` record says.
fn served_lines(lang: Lang, d: &fieldcase_shared::served::DocumentServed) -> Vec<String> {
    vec![
        format!("{} · {}", d.title, d.basis),
        format!("PDF: {}", d.pdf.to_hex()),
        receipt_line(lang, &d.receipt),
    ]
}

/// A writing's sitting: from, to (Beijing time) and where.
fn span(
    from: chrono::DateTime<chrono::FixedOffset>,
    to: chrono::DateTime<chrono::FixedOffset>,
    place: &str,
) -> String {
    let utc = |t: chrono::DateTime<chrono::FixedOffset>| t.with_timezone(&chrono::Utc);
    format!("{} – {} · {place}", beijing(utc(from)), beijing(utc(to)))
}

/// How the person acknowledged a document or a writing.
fn receipt_line(lang: Lang, r: &fieldcase_shared::served::Receipt) -> String {
    use fieldcase_shared::served::Receipt;
    let zh = lang == Lang::Zh;
    match r {
        Receipt::Signed { signature } => {
            let w = if zh {
                "当事人签收"
            } else {
                "signed by the party"
            };
            format!("{w}: {}", signature.to_hex())
        }
        Receipt::Refused { note, witness } => {
            let w = if zh {
                "拒绝签收"
            } else {
                "refused to sign"
            };
            let by = witness
                .as_ref()
                .map(|w| format!(" · {}", w.name))
                .unwrap_or_default();
            format!("{w}: {note}{by}")
        }
    }
}

/// What a `payment_noted` record says.
fn paid_lines(lang: Lang, p: &fieldcase_shared::served::PaymentNoted) -> Vec<String> {
    use fieldcase_shared::served::Payment;
    let zh = lang == Lang::Zh;
    let how = match &p.payment {
        Payment::Cash {
            receipt_no, reason, ..
        } => {
            let w = if zh {
                "当场收缴，收据"
            } else {
                "cash, receipt"
            };
            format!("{w} {receipt_no} {reason}")
        }
        Payment::Electronic { reference } => {
            let w = if zh { "电子支付" } else { "electronic" };
            format!("{w} {reference}")
        }
    };
    vec![format!("{} 元 · {how}", p.amount_yuan), p.basis.clone()]
}
