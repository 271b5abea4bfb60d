//! Logging in and out, and the language switch.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use chrono::Utc;
use serde::Deserialize;

use super::{render, Bar};
use crate::api::AppState;
use crate::office::accounts::{self, LoginError, SESSION_HOURS};
use crate::office::i18n::{beijing, Lang, Texts};
use crate::office::session::{
    constant_time_eq, set_cookie, store_call, with_cookies, PageError, Visit, LANG_COOKIE,
    LOGIN_COOKIE, SESSION_COOKIE,
};
use crate::office::staffkeys;
use crate::store::office::AuditAction;

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    t: &'static Texts,
    bar: Option<Bar>,
    csrf: String,
    username: String,
    message: String,
    https_needed: bool,
}

/// The login form, with a fresh double-submit token in a cookie.
fn login_form(visit: &Visit, status: StatusCode, username: &str, message: String) -> Response {
    let lang = visit.lang;
    let csrf = accounts::random_token();
    let page = render(&LoginPage {
        t: lang.texts(),
        bar: None,
        csrf: csrf.clone(),
        username: username.to_owned(),
        message,
        https_needed: !visit.cookies_kept,
    });
    with_cookies((status, page), vec![set_cookie(LOGIN_COOKIE, csrf, 3600)])
}

/// `GET /office/login`.
pub async fn show(visit: Visit) -> Response {
    if visit.who.is_some() {
        return Redirect::to("/office/").into_response();
    }
    login_form(&visit, StatusCode::OK, "", String::new())
}

/// `GET /office/`: the first page the account may see.
pub async fn home(visit: Visit) -> Redirect {
    let may = |roles: &[fieldcase_shared::staff::Role], u: &crate::store::office::StaffUser| {
        roles.iter().any(|r| u.has(*r))
    };
    Redirect::to(match &visit.who {
        None => "/office/login",
        Some((_, u)) if !may(super::CASE_ROLES, u) && may(super::AUDIT_ROLES, u) => "/office/audit",
        Some(_) => "/office/cases",
    })
}

/// The login form's fields.
#[derive(Debug, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
}

/// `POST /office/login`.
pub async fn submit(
    State(state): State<AppState>,
    visit: Visit,
    Form(form): Form<LoginForm>,
) -> Result<Response, PageError> {
    let t = visit.lang.texts();
    let expected = visit.cookie(LOGIN_COOKIE).unwrap_or_default();
    if expected.is_empty() || !constant_time_eq(expected.as_bytes(), form.csrf.as_bytes()) {
        return Ok(login_form(
            &visit,
            StatusCode::FORBIDDEN,
            &form.username,
            t.login_expired.into(),
        ));
    }
    let ip = visit.addr.parse().ok();
    if let Err(wait) = state.login_limits.attempt(ip, std::time::Instant::now()) {
        let msg = format!("{} {wait}", t.login_limited);
        return Ok(login_form(
            &visit,
            StatusCode::TOO_MANY_REQUESTS,
            &form.username,
            msg,
        ));
    }
    let store = state.store().clone();
    let agency = state.agency_key();
    let (name, addr) = (form.username.trim().to_owned(), visit.addr.clone());
    let outcome = store_call(visit.lang, move || {
        let now = Utc::now();
        match accounts::authenticate(&*store, &name, &form.password, &addr, now) {
            Ok(user) => {
                // The password opens the signing key (made at the first login).
                let key = staffkeys::ensure(&*store, &agency, &user, &form.password, now)
                    .map_err(|e| e.to_string())?;
                accounts::start_session(&*store, &user, &key, &addr, now)
                    .map(Ok)
                    .map_err(|e| e.to_string())
            }
            Err(LoginError::Store(e)) => Err(e.to_string()),
            Err(other) => Ok(Err(other)),
        }
    })
    .await?;
    match outcome {
        Ok(token) => Ok(with_cookies(
            Redirect::to("/office/"),
            vec![
                set_cookie(SESSION_COOKIE, token, SESSION_HOURS * 3600),
                set_cookie(LOGIN_COOKIE, String::new(), 0),
            ],
        )),
        Err(e) => {
            state.login_limits.failed(std::time::Instant::now());
            let (status, msg) = match e {
                LoginError::Locked(until) => (
                    StatusCode::FORBIDDEN,
                    format!("{} {}", t.login_locked, beijing(until)),
                ),
                _ => (StatusCode::UNAUTHORIZED, t.login_failed.to_owned()),
            };
            Ok(login_form(&visit, status, &form.username, msg))
        }
    }
}

/// The logout form's field.
#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

/// `POST /office/logout`.
pub async fn logout(
    State(state): State<AppState>,
    visit: Visit,
    Form(form): Form<CsrfForm>,
) -> Result<Response, PageError> {
    let Some((session, user)) = visit.who.clone() else {
        return Ok(Redirect::to("/office/login").into_response());
    };
    if !constant_time_eq(form.csrf.as_bytes(), session.csrf.as_bytes()) {
        return Err(PageError::BadForm(visit.lang));
    }
    let store = state.store().clone();
    let addr = visit.addr.clone();
    store_call(visit.lang, move || {
        store.end_session(&session.token_hash)?;
        accounts::audit(
            &*store,
            Utc::now(),
            &user.name,
            AuditAction::Logout,
            &user.name,
            &addr,
        )
    })
    .await?;
    Ok(with_cookies(
        Redirect::to("/office/login"),
        vec![set_cookie(SESSION_COOKIE, String::new(), 0)],
    ))
}

/// `GET /office/lang/{zh|en}`: keeps the choice in a cookie.
pub async fn set_lang(Path(code): Path<String>) -> Response {
    let lang = if Lang::from_cookie(&code) == Lang::En {
        "en"
    } else {
        "zh"
    };
    with_cookies(
        Redirect::to("/office/"),
        vec![set_cookie(LANG_COOKIE, lang.to_owned(), 365 * 24 * 3600)],
    )
}
