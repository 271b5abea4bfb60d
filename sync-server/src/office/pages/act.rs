//! The bureau's steps in the browser: the case page offers the forms of
//! the steps the account's roles may take, each marked with whether the
//! law allows it now (the state machine asked with the case's records) or
//! why not, with the article; `POST /office/cases/{case_id}/acts` signs
//! one with the staff member's own key through `office::acts::sign`, or
//! shows the page again with the refusal and every value as typed.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form as Posted;
use chrono::Utc;
use fieldcase_shared::procedure::acts::OverturnKind;
use fieldcase_shared::procedure::{Aspect, CaseProcedure, ReviewList, ServiceMethod, Step, Taken};
use fieldcase_shared::publication::WithholdReason;
use fieldcase_shared::staff::Role;
use uuid::Uuid;

use super::act_forms::{self, FormError, Input, Values, FORMS};
use crate::api::AppState;
use crate::office::acts::{self, ActError};
use crate::office::i18n::Lang;
use crate::office::session::{store_call, PageError, Staff, Visit};
use crate::store::office::CaseRow;

/// Roles that may take a step of the procedure.
pub const ACT_ROLES: &[Role] = &[Role::CaseOfficer, Role::Head, Role::LegalReviewer];

/// A form sent and not signed: which, what was typed, and why.
#[derive(Debug, Clone)]
pub struct Attempt {
    /// The form's key.
    pub key: String,
    /// The values as sent.
    pub values: Values,
    /// Why it was not signed.
    pub message: String,
}

/// An aspect of the legal review in the form.
pub struct AspectView {
    pub id: &'static str,
    pub name: &'static str,
    pub question: String,
    pub yes: bool,
    pub no: bool,
    pub reason: String,
}

/// A field as shown.
pub struct FieldView {
    pub id: String,
    pub name: &'static str,
    pub label: &'static str,
    /// `text`, `area`, `date`, `moment`, `number`, `check`, `method`,
    /// `aspects`.
    pub input: &'static str,
    pub required: bool,
    pub value: String,
    pub checked: bool,
    /// (code, label, selected) of a choice.
    pub options: Vec<(&'static str, String, bool)>,
    pub aspects: Vec<AspectView>,
}

/// A step's form as shown.
pub struct FormView {
    pub key: &'static str,
    pub title: String,
    pub allowed: bool,
    /// Why the law does not allow it now, with the article.
    pub not_now: String,
    /// Open (the one just refused).
    pub open: bool,
    /// Why the one just sent was not signed.
    pub error: String,
    pub on: String,
    pub by: String,
    /// The officers are asked (a legal review is signed by its reviewer,
    /// named instead).
    pub by_asked: bool,
    pub fields: Vec<FieldView>,
}

/// The section.
pub struct ActsView {
    pub case_id: String,
    /// Who signs (display name and login).
    pub who: String,
    pub csrf: String,
    pub forms: Vec<FormView>,
}

/// What the form starts with, from the case.
fn initial(name: &str, row: &CaseRow) -> String {
    match name {
        "source" => "路检路查".into(),
        "facts" => row.violation.clone(),
        "recipient" => row.party.clone(),
        "document" => "行政处罚决定书".into(),
        "fine_yuan" => "0".into(),
        "instalments" => "1".into(),
        _ => String::new(),
    }
}

fn pick(lang: Lang, (zh, en): (&'static str, &'static str)) -> &'static str {
    if lang == Lang::Zh {
        zh
    } else {
        en
    }
}

fn field_view(
    lang: Lang,
    key: &str,
    f: &act_forms::Field,
    value: &dyn Fn(&str) -> String,
    list: Option<&ReviewList>,
) -> FieldView {
    let v = value(f.name);
    FieldView {
        id: format!("act-{key}-{}", f.name),
        name: f.name,
        label: pick(lang, f.label),
        input: match f.input {
            Input::Text => "text",
            Input::Area => "area",
            Input::Date => "date",
            Input::Moment => "moment",
            Input::Yuan | Input::Count => "number",
            Input::Check => "check",
            Input::Method | Input::Withhold | Input::Overturn => "select",
            Input::Aspects => "aspects",
        },
        required: f.required,
        checked: matches!(v.as_str(), "on" | "yes" | "true"),
        options: match f.input {
            Input::Method => ServiceMethod::ALL
                .iter()
                .map(|m| (m.code(), pick(lang, m.name()).to_owned(), v == m.code()))
                .collect(),
            Input::Withhold => WithholdReason::ALL
                .iter()
                .map(|r| {
                    let w = crate::office::publication::rules().reason(*r);
                    let name = if lang == Lang::Zh {
                        &w.name
                    } else {
                        &w.name_en
                    };
                    (r.id(), name.clone(), v == r.id())
                })
                .collect(),
            Input::Overturn => OverturnKind::ALL
                .iter()
                .map(|k| (k.id(), pick(lang, k.name()).to_owned(), v == k.id()))
                .collect(),
            _ => Vec::new(),
        },
        aspects: match f.input {
            Input::Aspects => Aspect::ALL
                .iter()
                .map(|a| {
                    let agree = value(&format!("agree_{}", a.id()));
                    AspectView {
                        id: a.id(),
                        name: pick(lang, a.name()),
                        question: list
                            .and_then(|l| l.get(*a))
                            .map(|l| {
                                let q = if lang == Lang::Zh {
                                    &l.text
                                } else {
                                    &l.text_en
                                };
                                let b = if lang == Lang::Zh {
                                    l.basis.text()
                                } else {
                                    l.basis.text_en()
                                };
                                format!("{q}（{b}）")
                            })
                            .unwrap_or_default(),
                        yes: agree == "yes",
                        no: agree == "no",
                        reason: value(&format!("reason_{}", a.id())),
                    }
                })
                .collect(),
            _ => Vec::new(),
        },
        value: v,
    }
}

/// The forms `staff` may use on the case, each asked of the state machine
/// (`proc`: the case's procedure as its records tell it; None while the
/// roadside has not closed or handed it over: then no form is offered).
pub fn view(
    staff: &Staff,
    row: &CaseRow,
    proc: Option<&CaseProcedure>,
    region: fieldcase_shared::calendar::Region,
    attempt: Option<&Attempt>,
) -> Option<ActsView> {
    let proc = proc?;
    if !ACT_ROLES.iter().any(|r| staff.user.has(*r)) {
        return None;
    }
    // After 结案 nothing more is taken (art. 57) but the decision's
    // publication; that only once a decision is made.
    let has = |s: Step| proc.steps.iter().any(|t| t.step == s);
    let closed = has(Step::Closed);
    let decided = has(Step::Decided);
    let lang = staff.lang;
    let bj = chrono::FixedOffset::east_opt(8 * 3600).expect("UTC+8");
    let now = Utc::now().with_timezone(&bj);
    let today = now.date_naive();
    let deadlines = fieldcase_shared::procedure::Deadlines::shipped().ok()?;
    let calendar = fieldcase_shared::calendar::Calendar::builtin();
    let officers = row.officers.replace(',', "，");
    let list = ReviewList::shipped().ok();
    let mut forms: Vec<FormView> = FORMS
        .iter()
        .filter_map(|form| {
            let publication = act_forms::is_publication(form.key);
            if (closed && !publication) || (publication && !decided) {
                return None;
            }
            let mut step = act_forms::probe(form.key, today)?;
            if let fieldcase_shared::procedure::Step::Filed { approved_by } = &mut step {
                // The head who signs is the approver.
                approved_by.clone_from(&staff.user.display_name);
            }
            if !acts::roles_for(&step).iter().any(|r| staff.user.has(*r)) {
                return None;
            }
            let tried = attempt.filter(|a| a.key == form.key);
            let value = |name: &str| match tried {
                Some(a) => a.values.get(name).cloned().unwrap_or_default(),
                None => initial(name, row),
            };
            let verdict = proc.clone().apply(
                Taken {
                    step,
                    on: today,
                    by: vec!["1".into(), "2".into()],
                    at: Some(now),
                },
                calendar,
                &deadlines,
                region,
            );
            let not_now = match verdict {
                Ok(()) => String::new(),
                // A measure's or a preservation's steps only where there is
                // one to act on.
                Err(_) if act_forms::only_when_allowed(form.key) => return None,
                Err(r) => refusal_text(lang, &r),
            };
            Some(FormView {
                key: form.key,
                title: act_forms::title(form.key, lang),
                allowed: not_now.is_empty(),
                not_now,
                open: tried.is_some(),
                error: tried.map(|a| a.message.clone()).unwrap_or_default(),
                on: tried
                    .map(|a| a.values.get("on").cloned().unwrap_or_default())
                    .unwrap_or_else(|| today.to_string()),
                by: tried
                    .map(|a| a.values.get("by").cloned().unwrap_or_default())
                    .unwrap_or_else(|| officers.clone()),
                by_asked: form.key != "legal_reviewed" && !publication,
                fields: form
                    .fields
                    .iter()
                    .map(|f| field_view(lang, form.key, f, &value, list.as_ref()))
                    .collect(),
            })
        })
        .collect();
    // The steps the law allows now first, in the procedure's order.
    forms.sort_by_key(|f| !f.allowed);
    Some(ActsView {
        case_id: row.case_id.to_string(),
        who: format!("{}（{}）", staff.user.display_name, staff.user.name),
        csrf: staff.session.csrf.clone(),
        forms,
    })
}

fn refusal_text(lang: Lang, r: &fieldcase_shared::procedure::Refusal) -> String {
    match lang {
        Lang::Zh => r.to_string(),
        Lang::En => r.text_en(),
    }
}

/// `POST /office/cases/{case_id}/acts`: `csrf`, `form` (the form's key),
/// `on`, `by` and the form's fields.
pub async fn act(
    State(state): State<AppState>,
    visit: Visit,
    Path(id): Path<String>,
    Posted(sent): Posted<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let staff = visit.require(&state, ACT_ROLES).await?;
    let values: Values = sent.into_iter().collect();
    staff.check_csrf(values.get("csrf").map(String::as_str).unwrap_or(""))?;
    let lang = staff.lang;
    let Ok(case_id) = id.parse::<Uuid>() else {
        return Err(PageError::NotFound(lang));
    };
    let key = values.get("form").cloned().unwrap_or_default();
    let Some(form) = act_forms::form(&key) else {
        return Err(PageError::BadForm(lang));
    };
    let refused = |status: StatusCode, message: String, values: Values| {
        let attempt = Attempt {
            key: key.clone(),
            values,
            message,
        };
        (status, attempt)
    };
    let input = match act_forms::input(form, &values) {
        Ok(i) => i,
        Err(FormError { zh, en }) => {
            let message = if lang == Lang::Zh { zh } else { en };
            let (status, attempt) = refused(StatusCode::UNPROCESSABLE_ENTITY, message, values);
            return again(&state, &staff, case_id, attempt, status).await;
        }
    };
    let key_pair = staff.signing_key()?;
    let store = state.store().clone();
    let user = staff.user.clone();
    let bureau = state.bureau();
    let outcome = store_call(lang, move || {
        let Some(row) = store.case_row(&case_id)? else {
            return Ok(None);
        };
        Ok::<_, crate::store::StoreError>(Some(acts::sign(
            &*store,
            &key_pair,
            &user,
            &row,
            input,
            &bureau,
            Utc::now(),
        )))
    })
    .await?;
    match outcome {
        None => Err(PageError::NotFound(lang)),
        Some(Ok(_)) => {
            Ok(Redirect::to(&format!("/office/cases/{case_id}#procedure-h")).into_response())
        }
        Some(Err(ActError::Store(e))) => Err(PageError::internal(lang, e)),
        Some(Err(ActError::Key(e))) => Err(PageError::internal(lang, e)),
        Some(Err(e)) => {
            let message = match (&e, lang) {
                (ActError::Refused(r), _) => refusal_text(lang, r),
                (ActError::Invalid(i), Lang::Zh) => i.zh.clone(),
                (ActError::Invalid(i), Lang::En) => i.en.clone(),
                (other, _) => other.to_string(),
            };
            let (status, attempt) = refused(StatusCode::CONFLICT, message, values);
            again(&state, &staff, case_id, attempt, status).await
        }
    }
}

/// The case page again, the refused form open with its values and why.
async fn again(
    state: &AppState,
    staff: &Staff,
    case_id: Uuid,
    attempt: Attempt,
    status: StatusCode,
) -> Result<Response, PageError> {
    let page = super::case::page(state, staff, case_id, Some(attempt)).await?;
    Ok((status, page).into_response())
}
