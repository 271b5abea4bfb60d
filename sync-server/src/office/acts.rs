//! Signing a step of the procedure at the bureau (`procedure_act`): the
//! case's verified records are replayed through the shared state machine,
//! the new step is checked against it and refused with the reason and the
//! article when the law does not allow it, and only then signed with the
//! staff member's own key. The terminal that handed the case over hears of
//! it on its next sync (a `case_progress` message naming the record).

use chrono::{DateTime, Utc};
use fieldcase_shared::envelope::Envelope;
use fieldcase_shared::hash::Digest;
use fieldcase_shared::keys::DeviceKey;
use fieldcase_shared::procedure::{self, Deadlines, Paper, ProcedureAct, Refusal, Step, Taken};
use fieldcase_shared::record::{self, RecordBody, RecordPayload, VerifiedRecord};
use fieldcase_shared::staff::Role;
use fieldcase_shared::wire::Message;
use serde::Deserialize;
use uuid::Uuid;

use crate::store::office::{CaseQuery, CaseRecord, CaseRow, StaffUser};
use crate::store::{Store, StoreError};

/// A step as the bureau writes it down (a file, or a form later).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActInput {
    /// The step (`{"step": "filed", "approved_by": "…"}`).
    pub step: Step,
    /// Its day (Beijing); empty: today.
    #[serde(default)]
    pub on: Option<chrono::NaiveDate>,
    /// 执法证号 of the officers who did it; empty: the case's officers.
    #[serde(default)]
    pub by: Vec<String>,
    /// The document the step produces.
    #[serde(default)]
    pub paper: Option<Paper>,
}

/// Why an act was not signed.
#[derive(Debug, thiserror::Error)]
pub enum ActError {
    /// No such case on the server.
    #[error("no case {0} on this server (give the case id or the exact 案号)")]
    NoCase(String),
    /// The roadside has not handed the case over or decided it yet.
    #[error("案件尚未在现场结案或移交，不能办理程序步骤 / the roadside has not closed or handed over case {0} yet")]
    NotOpen(String),
    /// The account may not take this step.
    #[error(
        "{user} 没有办理“{step}”的角色（需要：{needs}） / {user} lacks the role for this step"
    )]
    Role {
        /// Account.
        user: String,
        /// The step.
        step: &'static str,
        /// The roles that may.
        needs: String,
    },
    /// The act as written is incomplete.
    #[error(transparent)]
    Invalid(#[from] fieldcase_shared::investigation::Invalid),
    /// The law does not allow the step now.
    #[error("{} / {}", .0, .0.text_en())]
    Refused(Refusal),
    /// Signing or storing failed.
    #[error(transparent)]
    Key(#[from] super::staffkeys::KeyError),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A record the server holds, verified with its signer's registered key,
/// and the signer's name.
pub fn open_held(store: &dyn Store, r: &CaseRecord) -> Result<(VerifiedRecord, String), String> {
    let device = store
        .device(&r.device)
        .map_err(|e| e.to_string())?
        .ok_or_else(|| "unknown device".to_owned())?;
    let env = Envelope::from_json(&r.envelope).map_err(|e| e.to_string())?;
    let v = record::open(env, &device.key).map_err(|e| e.to_string())?;
    Ok((v, device.name))
}

/// The case's records whose signature verifies, with their digests.
pub fn verified_records(
    store: &dyn Store,
    case_id: &Uuid,
) -> Result<Vec<(Digest, RecordPayload)>, StoreError> {
    Ok(split_records(store, case_id)?.0)
}

/// A case's verified records (digest and payload).
pub type Held = Vec<(Digest, RecordPayload)>;

/// The case's records in one pass: those whose signature verifies (with
/// their digests), and a line for each that does not (signer, seq, why).
pub fn split_records(store: &dyn Store, case_id: &Uuid) -> Result<(Held, Vec<String>), StoreError> {
    let mut held = Vec::new();
    let mut failed = Vec::new();
    for r in store.case_records(case_id)?.iter() {
        match open_held(store, r) {
            Ok((v, _)) => {
                if let Ok(p) = serde_json::from_slice::<RecordPayload>(&v.envelope.payload) {
                    held.push((v.digest, p));
                }
            }
            Err(e) => failed.push(format!("{} #{}: {e}", r.device, r.seq)),
        }
    }
    Ok((held, failed))
}

/// The case a command names: its id, or its exact 案号.
pub fn find_case(store: &dyn Store, case: &str) -> Result<CaseRow, ActError> {
    if let Ok(id) = case.trim().parse::<Uuid>() {
        return store
            .case_row(&id)?
            .ok_or_else(|| ActError::NoCase(case.to_owned()));
    }
    let (rows, _) = store.cases(&CaseQuery {
        text: case.trim().to_owned(),
        limit: 50,
        ..CaseQuery::default()
    })?;
    rows.into_iter()
        .find(|r| r.case_no == case.trim())
        .ok_or_else(|| ActError::NoCase(case.to_owned()))
}

/// Who may take a step: the legal review is a 法制审核人员's; the steps
/// the law leaves to the agency's head — 立案 on approval (行政处罚法
/// art. 54 para. 2), 集体讨论 (art. 57 para. 2), extending the period
/// (art. 60), approving a deferred or instalment payment (art. 66
/// para. 2), approving a measure taken at the scene (行政强制法 art. 19)
/// and extending a detention (art. 25) — are the 负责人's, whose
/// signature on the act is the approval; the rest the case officers' or
/// the head's.
pub fn roles_for(step: &Step) -> &'static [Role] {
    match step {
        Step::LegalReviewed { .. } => &[Role::LegalReviewer],
        Step::Filed { .. }
        | Step::CollectivelyDiscussed
        | Step::Extended { .. }
        | Step::MeasureApproved { .. }
        | Step::MeasureExtended { .. }
        | Step::PaymentDeferred { .. }
        | Step::PublicationWithheld => &[Role::Head],
        Step::Published | Step::Overturned | Step::PublicationWithdrawn => {
            &[Role::CaseOfficer, Role::Head, Role::LegalReviewer]
        }
        _ => &[Role::CaseOfficer, Role::Head],
    }
}

/// A legal review is signed by a reviewer holding the 法律职业资格
/// (行政处罚法 art. 58 para. 2), recorded on the account: the opinion
/// carries that number and the act names the reviewer, whatever the form
/// said.
fn legal_reviewer(user: &StaffUser, input: &mut ActInput) -> Result<(), ActError> {
    if user.qualification.trim().is_empty() {
        return Err(ActError::Refused(Refusal {
            zh: format!(
                "{} 的账户未登记法律职业资格证书编号，不能签署法制审核意见（先由管理员执行 fieldcase-server user qualify）",
                user.name
            ),
            en: format!(
                "{}'s account records no legal qualification: no legal review opinion can be signed (an administrator runs fieldcase-server user qualify first)",
                user.name
            ),
            basis: fieldcase_shared::catalog::Citation {
                law: procedure::machine::XZCFF.into(),
                article: 58,
                paragraph: Some(2),
                item: None,
            },
        }));
    }
    if let Some(Paper::LegalOpinion(o)) = &mut input.paper {
        o.qualification.clone_from(&user.qualification);
    }
    input.by = vec![user.name.clone()];
    Ok(())
}

/// What the bureau's configuration gives an act: whose working days count,
/// and the agency a published entry names.
#[derive(Debug, Clone)]
pub struct Bureau {
    /// The calendar's region.
    pub region: fieldcase_shared::calendar::Region,
    /// The agency's name (empty: not configured).
    pub agency: String,
    /// Its 统一社会信用代码 (may be empty).
    pub agency_uscc: String,
}

/// The entry a `published` act signs, built by the server from the case
/// file — never typed — and the check of a withholding's reason.
fn publication_paper(
    input: &mut ActInput,
    held: &[(Digest, RecordPayload)],
    track: procedure::Track,
    bureau: &Bureau,
) -> Result<(), ActError> {
    let agency = super::publication::Agency {
        name: &bureau.agency,
        uscc: &bureau.agency_uscc,
    };
    match (&input.step, &input.paper) {
        (Step::Published, _) => {
            if bureau.agency.is_empty() {
                return Err(ActError::Refused(Refusal {
                    zh: "未配置处罚机关名称（服务器配置 agency_name），不能公示".into(),
                    en: "the agency's name is not configured (agency_name): nothing can be published".into(),
                    basis: step_basis(&input.step),
                }));
            }
            let entry =
                super::publication::entry(held, track, agency).map_err(ActError::Refused)?;
            input.paper = Some(Paper::Publication(Box::new(entry)));
        }
        (Step::PublicationWithheld, Some(Paper::Withholding(w))) => {
            super::publication::check_withholding(held, track, w.reason, agency)
                .map_err(ActError::Refused)?;
        }
        _ => {}
    }
    Ok(())
}

fn step_basis(step: &Step) -> fieldcase_shared::catalog::Citation {
    step.basis(procedure::Track::General)
}

/// Checks `input` against the case and the law, then signs it with
/// `user`'s key and tells the terminal. Returns the signed act's digest.
pub fn sign(
    store: &dyn Store,
    key: &DeviceKey,
    user: &StaffUser,
    row: &CaseRow,
    input: ActInput,
    bureau: &Bureau,
    now: DateTime<Utc>,
) -> Result<Digest, ActError> {
    let region = bureau.region;
    let needs = roles_for(&input.step);
    if !user.roles.iter().any(|r| needs.contains(r)) {
        return Err(ActError::Role {
            user: user.name.clone(),
            step: input.step.name().0,
            needs: needs.iter().map(|r| r.zh()).collect::<Vec<_>>().join("、"),
        });
    }
    let mut input = input;
    if let Step::Filed { approved_by } = &mut input.step {
        // The approver is the head who signs, not a name typed in.
        approved_by.clone_from(&user.display_name);
    }
    if let Step::LegalReviewed { .. } = input.step {
        legal_reviewer(user, &mut input)?;
    }
    if input.step.is_publication() {
        // The bureau's own act: the person who signs it did it.
        input.by = vec![user.name.clone()];
    }
    let bj = chrono::FixedOffset::east_opt(8 * 3600).expect("UTC+8");
    let today = now.with_timezone(&bj).date_naive();
    let by = if input.by.is_empty() {
        row.officers
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    } else {
        std::mem::take(&mut input.by)
    };
    let held = verified_records(store, &row.case_id)?;
    let refs: Vec<_> = held.iter().map(|(d, p)| (*d, p)).collect();
    let deadlines = Deadlines::shipped().map_err(|e| StoreError::Other(Box::new(e)))?;
    let calendar = fieldcase_shared::calendar::Calendar::builtin();
    let mut proc = procedure::replay(&refs, calendar, &deadlines, region)
        .procedure
        .ok_or_else(|| ActError::NotOpen(row.case_no.clone()))?;
    publication_paper(&mut input, &held, proc.track, bureau)?;
    let act = ProcedureAct {
        case_id: row.case_id,
        case_no: row.case_no.clone(),
        basis: input.step.basis(proc.track),
        taken: Taken {
            step: input.step,
            on: input.on.unwrap_or(today),
            by,
            at: Some(now.with_timezone(&bj)),
        },
        paper: input.paper,
    };
    act.check()?;
    if act.taken.on > today {
        return Err(ActError::Refused(Refusal {
            zh: format!("步骤日期 {} 晚于今日，不能预先签署", act.taken.on),
            en: format!(
                "the step is dated {}, after today: no signing ahead",
                act.taken.on
            ),
            basis: fieldcase_shared::catalog::Citation {
                law: procedure::machine::XZCFF.into(),
                article: 47,
                paragraph: None,
                item: None,
            },
        }));
    }
    proc.apply(act.taken.clone(), calendar, &deadlines, region)
        .map_err(ActError::Refused)?;
    let text = progress_text(&act);
    let signed = super::staffkeys::sign_act(store, key, RecordBody::ProcedureAct(act), now)?;
    tracing::info!(case = %row.case_no, staff = %user.name, "procedure act signed");
    if let Err(e) = super::deadlines::refresh(store, &row.case_id, region) {
        tracing::warn!(case = %row.case_no, error = %e, "deadlines not counted again");
    }
    store.add_message(
        &row.device,
        &Message {
            id: 0,
            kind: "case_progress".into(),
            case_no: Some(row.case_no.clone()),
            text,
            created_at: now,
            case_id: Some(row.case_id),
            record: Some(signed.digest),
        },
    )?;
    Ok(signed.digest)
}

/// What the officers read on the terminal: the step, its day, and the
/// document it produced.
fn progress_text(a: &ProcedureAct) -> String {
    let mut s = format!("{}（{}）", a.taken.step.name().0, a.taken.on);
    if let Step::PaymentDeferred { until, instalments } = &a.taken.step {
        s.push_str(&format!("：至 {until}，共 {instalments} 期"));
    }
    if let Some(p) = &a.paper {
        s.push_str(&format!("：{}", p.zh()));
        if let Paper::Decision(d) = p {
            s.push_str(&format!("，{}", d.penalty));
        }
    }
    s
}

/// Why a staff member could not sign from the command line.
#[derive(Debug, thiserror::Error)]
pub enum SignAsError {
    /// Wrong name or password, locked, disabled.
    #[error(transparent)]
    Login(#[from] super::accounts::LoginError),
    /// The act.
    #[error(transparent)]
    Act(#[from] ActError),
}

/// Signs `input` on `case` as staff member `name`, authenticated with
/// `password` like a login (failures counted, audited, locked out), with
/// the staff member's own key.
pub fn sign_as(
    state: &crate::api::AppState,
    name: &str,
    password: &str,
    case: &str,
    input: ActInput,
    now: DateTime<Utc>,
) -> Result<Digest, SignAsError> {
    let store = state.store().as_ref();
    let user = super::accounts::authenticate(store, name, password, "command line", now)?;
    let row = find_case(store, case)?;
    let key = super::staffkeys::ensure(store, &state.agency_key(), &user, password, now)
        .map_err(ActError::Key)?;
    Ok(sign(store, &key, &user, &row, input, &state.bureau(), now)?)
}
