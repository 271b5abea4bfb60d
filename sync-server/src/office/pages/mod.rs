//! One module per page; each handler checks the role, makes one store call
//! and renders its template.

use askama::Template;
use axum::http::StatusCode;
use axum::response::Html;
use fieldcase_shared::staff::Role;

use super::i18n::{Lang, Texts};
use super::session::Staff;

pub mod act;
pub mod act_forms;
pub mod audit;
pub mod audit_report;
pub mod case;
pub mod cases;
pub mod deadlines;
pub mod disc;
pub mod document;
pub mod evidence;
pub mod file_review;
pub mod inspections;
pub mod login;
pub mod procedure;
pub mod publication;
pub mod review;

/// Roles that may see cases and their evidence.
pub const CASE_ROLES: &[Role] = &[
    Role::CaseOfficer,
    Role::Reviewer,
    Role::LegalReviewer,
    Role::Head,
    Role::Archivist,
];

/// Roles that may read the access log.
pub const AUDIT_ROLES: &[Role] = &[Role::Admin];

/// The header's account bar.
#[derive(Debug, Clone)]
pub struct Bar {
    /// Name shown.
    pub display_name: String,
    /// Roles, in the page language.
    pub roles: String,
    /// The session's CSRF token (the logout form).
    pub csrf: String,
    /// Show the cases link.
    pub cases: bool,
    /// Show the access-log link.
    pub audit: bool,
    /// Show the deadlines link.
    pub deadlines: bool,
    /// Show the publication link.
    pub publication: bool,
    /// Show the random-inspection link.
    pub inspections: bool,
    /// Show the case-file pre-review link.
    pub file_review: bool,
}

impl Bar {
    /// The bar of a logged-in account.
    pub fn of(staff: &Staff) -> Bar {
        let u = &staff.user;
        Bar {
            display_name: u.display_name.clone(),
            roles: u
                .roles
                .iter()
                .map(|r| staff.lang.role(*r))
                .collect::<Vec<_>>()
                .join("、"),
            csrf: staff.session.csrf.clone(),
            cases: CASE_ROLES.iter().any(|r| u.has(*r)),
            audit: AUDIT_ROLES.iter().any(|r| u.has(*r)),
            deadlines: deadlines::DUE_ROLES.iter().any(|r| u.has(*r)),
            publication: publication::PUBLICATION_ROLES.iter().any(|r| u.has(*r)),
            inspections: inspections::INSPECTION_ROLES.iter().any(|r| u.has(*r)),
            file_review: file_review::FILE_REVIEW_ROLES.iter().any(|r| u.has(*r)),
        }
    }
}

/// A violation title, or "none".
pub fn violation_text(t: &Texts, violation: String) -> String {
    if violation.is_empty() {
        t.none.to_owned()
    } else {
        violation
    }
}

/// The stored officer list as the page shows it.
pub fn officers_text(officers: &str) -> String {
    officers.replace(',', "、")
}

/// A rendered template, or the plain error text when rendering fails.
pub fn render(t: &impl Template) -> Html<String> {
    Html(t.render().unwrap_or_else(|e| {
        tracing::error!(error = %e, "office template failed");
        "template error; the server log says why".to_owned()
    }))
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    t: &'static Texts,
    bar: Option<Bar>,
    status: String,
    message: String,
}

/// The page of an error.
pub fn error_page(lang: Lang, status: StatusCode, message: &str) -> Html<String> {
    render(&ErrorPage {
        t: lang.texts(),
        bar: None,
        status: status.to_string(),
        message: message.to_owned(),
    })
}
