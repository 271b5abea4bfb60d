//! Who is asking: the page language, the client address and the logged-in
//! account, read from each request; role checks, CSRF checks and the
//! cookies the office sets.

use axum::extract::connect_info::ConnectInfo;
use axum::extract::FromRequestParts;
use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use cookie::{Cookie, SameSite};
use fieldcase_shared::staff::Role;

use super::i18n::Lang;
use super::pages::error_page;
use crate::api::AppState;
use crate::store::office::{AuditAction, StaffSession, StaffUser};

/// The session cookie: the token whose hash names the stored session.
pub const SESSION_COOKIE: &str = "fieldcase_session";
/// The login form's double-submit token (before there is a session).
pub const LOGIN_COOKIE: &str = "fieldcase_login";
/// The language cookie.
pub const LANG_COOKIE: &str = "fieldcase_lang";

/// A request to the office.
#[derive(Debug, Clone)]
pub struct Visit {
    /// Page language.
    pub lang: Lang,
    /// Client address.
    pub addr: String,
    /// The logged-in account, when there is one.
    pub who: Option<(StaffSession, StaffUser)>,
    /// The session cookie's token (it opens the session's signing key).
    token: Option<String>,
    /// False when the browser reaches the office over plain HTTP from
    /// another machine: it will not keep the `Secure` cookies, so login
    /// cannot work there.
    pub cookies_kept: bool,
    cookies: Vec<(String, String)>,
}

impl Visit {
    /// A cookie's value.
    pub fn cookie(&self, name: &str) -> Option<&str> {
        self.cookies
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The account, if it holds one of `roles`; otherwise the login page
    /// (not logged in) or a refusal (logged in, no such role), audited.
    pub async fn require(&self, state: &AppState, roles: &[Role]) -> Result<Staff, PageError> {
        let Some((session, user)) = self.who.clone() else {
            return Err(PageError::Login);
        };
        if roles.iter().any(|r| user.has(*r)) {
            return Ok(Staff {
                session,
                user,
                lang: self.lang,
                addr: self.addr.clone(),
                token: self.token.clone().unwrap_or_default(),
            });
        }
        let store = state.store().clone();
        let (name, addr) = (user.name.clone(), self.addr.clone());
        let needed = roles
            .iter()
            .map(|r| r.as_str())
            .collect::<Vec<_>>()
            .join(",");
        store_call(self.lang, move || {
            super::accounts::audit(
                &*store,
                Utc::now(),
                &name,
                AuditAction::Refused,
                &needed,
                &addr,
            )
        })
        .await?;
        Err(PageError::Refused(self.lang, roles.to_vec()))
    }
}

/// A logged-in account allowed on the page.
#[derive(Debug, Clone)]
pub struct Staff {
    /// Its session.
    pub session: StaffSession,
    /// The account.
    pub user: StaffUser,
    /// Page language.
    pub lang: Lang,
    /// Client address.
    pub addr: String,
    token: String,
}

impl Staff {
    /// The staff member's signing key, opened with this session's token.
    pub fn signing_key(&self) -> Result<fieldcase_shared::keys::DeviceKey, PageError> {
        let sealed = self.session.sealed_key.as_deref().ok_or(PageError::Login)?;
        super::staffkeys::open_for_session(sealed, &self.user.name, &self.token)
            .map_err(|e| PageError::internal(self.lang, e))
    }

    /// Refuses a form whose CSRF token is not this session's.
    pub fn check_csrf(&self, sent: &str) -> Result<(), PageError> {
        if constant_time_eq(sent.as_bytes(), self.session.csrf.as_bytes()) {
            Ok(())
        } else {
            Err(PageError::BadForm(self.lang))
        }
    }
}

/// Equal bytes, compared without an early exit.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn cookies_of(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| Cookie::split_parse(v.to_owned()))
        .filter_map(Result::ok)
        .map(|c| (c.name().to_owned(), c.value().to_owned()))
        .collect()
}

impl FromRequestParts<AppState> for Visit {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, PageError> {
        let cookies = cookies_of(&parts.headers);
        let find = |n: &str| cookies.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone());
        let lang = Lang::from_cookie(&find(LANG_COOKIE).unwrap_or_default());
        let addr = parts
            .extensions
            .get::<ConnectInfo<std::net::SocketAddr>>()
            .map(|c| c.0.ip().to_string())
            .unwrap_or_default();
        let token = find(SESSION_COOKIE);
        let who = match token.clone() {
            None => None,
            Some(token) => {
                let store = state.store().clone();
                store_call(lang, move || {
                    super::accounts::session_of(&*store, &token, Utc::now())
                })
                .await?
            }
        };
        Ok(Visit {
            lang,
            addr,
            who,
            token,
            cookies,
            cookies_kept: cookies_kept(parts),
        })
    }
}

/// Whether a browser keeps the office's `Secure` cookies for this request:
/// over TLS (ours, or a proxy's that says `X-Forwarded-Proto: https`), or
/// when it talks to the same machine (browsers treat localhost as secure).
fn cookies_kept(parts: &Parts) -> bool {
    let tls = parts
        .extensions
        .get::<crate::serve::Encrypted>()
        .is_none_or(|e| e.0);
    let https_proxy = parts
        .headers
        .get("x-forwarded-proto")
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"https"));
    let host = parts
        .headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default();
    let local = ["localhost", "127.0.0.1", "[::1]"]
        .iter()
        .any(|l| host == *l || host.starts_with(&format!("{l}:")));
    tls || https_proxy || local
}

/// A `Set-Cookie` value: HttpOnly, Secure, SameSite=Strict, for `/office`.
pub fn set_cookie(name: &'static str, value: String, max_age_secs: i64) -> HeaderValue {
    let c = Cookie::build((name, value))
        .path("/office")
        .http_only(true)
        .secure(true)
        .same_site(SameSite::Strict)
        .max_age(cookie::time::Duration::seconds(max_age_secs))
        .build();
    HeaderValue::from_str(&c.to_string()).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// A response with cookies set.
pub fn with_cookies(resp: impl IntoResponse, cookies: Vec<HeaderValue>) -> Response {
    let mut resp = resp.into_response();
    for c in cookies {
        resp.headers_mut().append(SET_COOKIE, c);
    }
    resp
}

/// Why a page is not shown.
#[derive(Debug)]
pub enum PageError {
    /// Not logged in: to the login page.
    Login,
    /// Logged in without a role the page needs.
    Refused(Lang, Vec<Role>),
    /// No such case (or record).
    NotFound(Lang),
    /// A form without this session's CSRF token.
    BadForm(Lang),
    /// The server failed.
    Internal(Lang),
}

impl PageError {
    /// A server failure, logged.
    pub fn internal(lang: Lang, e: impl std::fmt::Display) -> Self {
        tracing::error!(error = %e, "office page failed");
        PageError::Internal(lang)
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let (status, lang, message) = match &self {
            PageError::Login => return Redirect::to("/office/login").into_response(),
            PageError::Refused(lang, roles) => (
                StatusCode::FORBIDDEN,
                *lang,
                format!(
                    "{} {}",
                    lang.texts().refused_role,
                    roles
                        .iter()
                        .map(|r| lang.role(*r))
                        .collect::<Vec<_>>()
                        .join("、")
                ),
            ),
            PageError::NotFound(lang) => (
                StatusCode::NOT_FOUND,
                *lang,
                lang.texts().not_found.to_owned(),
            ),
            PageError::BadForm(lang) => (
                StatusCode::FORBIDDEN,
                *lang,
                lang.texts().bad_form.to_owned(),
            ),
            PageError::Internal(lang) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                *lang,
                lang.texts().server_error.to_owned(),
            ),
        };
        (status, error_page(lang, status, &message)).into_response()
    }
}

/// Runs a store call off the async threads; a failure is a logged 500.
pub async fn store_call<T, E>(
    lang: Lang,
    f: impl FnOnce() -> Result<T, E> + Send + 'static,
) -> Result<T, PageError>
where
    T: Send + 'static,
    E: std::fmt::Display + Send + 'static,
{
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| PageError::internal(lang, e))?
        .map_err(|e| PageError::internal(lang, e))
}
