//! `fieldcase print` and `fieldcase printer`: the portable printer.

use std::process::ExitCode;

use super::args::PrinterCommand;
use super::document::{font, Request};
use crate::core::Terminal;
use crate::papers::{self, Printed};
use crate::printer::{self, PRINTER_SETTING};

/// Exit status when the document stays queued.
const QUEUED: u8 = 3;

fn report(p: &Printed) -> bool {
    match p {
        Printed::Sent { id, job } => {
            say!("queued print {id}: sent, printer job {job}");
            true
        }
        Printed::Queued { id, zh, en } => {
            say!("queued print {id}: not printed — {en}");
            eprintln!("{zh}");
            false
        }
    }
}

/// Renders, queues and sends a document.
pub fn print(term: &Terminal, r: &Request<'_>) -> anyhow::Result<ExitCode> {
    let agency = papers::agency(term, r.agency)?;
    let paper = if r.roll {
        fieldcase_documents::Paper::Roll80
    } else {
        fieldcase_documents::Paper::A4
    };
    let printed = papers::print(term, r.case, (r.kind, r.pick), paper, &agency, &font(r)?)?;
    Ok(if report(&printed) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(QUEUED)
    })
}

/// `printer set`, `printer status`, `printer retry`.
pub fn printer(term: &Terminal, command: PrinterCommand) -> anyhow::Result<ExitCode> {
    match command {
        PrinterCommand::Set { uri } => {
            let parsed = printer::parse_uri(&uri)?;
            term.store.set_setting(PRINTER_SETTING, uri.trim())?;
            say!("printer set to {}", uri.trim());
            match printer::status(&parsed) {
                Ok(s) => say!(
                    "{}: {} ({}){}",
                    s.model,
                    s.zh(),
                    s.state,
                    if s.pdf {
                        ""
                    } else {
                        "; it does not accept PDF"
                    }
                ),
                Err(e) => say!("the printer does not answer yet: {e}"),
            }
        }
        PrinterCommand::Status { json } => {
            let uri = term.store.setting(PRINTER_SETTING)?;
            let state = uri
                .as_deref()
                .map(|u| printer::parse_uri(u).and_then(|u| printer::status(&u)));
            let queued = term.store.queued_prints()?;
            if json {
                let v = serde_json::json!({
                    "printer": uri,
                    "status": state.as_ref().and_then(|s| s.as_ref().ok()),
                    "error": state.as_ref().and_then(|s| s.as_ref().err()).map(ToString::to_string),
                    "queued": queued,
                });
                say!("{}", serde_json::to_string_pretty(&v)?);
            } else {
                match (&uri, &state) {
                    (None, _) => say!("no printer set"),
                    (Some(u), Some(Ok(s))) => say!("{u}: {} — {}", s.model, s.zh()),
                    (Some(u), Some(Err(e))) => say!("{u}: {e}"),
                    (Some(u), None) => say!("{u}"),
                }
                for j in &queued {
                    say!(
                        "queued {}: {} {} ({} attempts) {}",
                        j.id,
                        j.case_no,
                        j.title,
                        j.attempts,
                        j.message
                    );
                }
            }
        }
        PrinterCommand::Retry => {
            let all = papers::retry_prints(term)?;
            if all.is_empty() {
                say!("nothing queued");
            }
            if !all.iter().all(report) {
                return Ok(ExitCode::from(QUEUED));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
