//! The case's document on the detail screen: offered when the case has a
//! simple-procedure penalty decision; previewed as it will print, then
//! printed on the portable printer (queued first: a failed print stays
//! queued with the reason shown). The print call waits for the printer
//! (a local printer answers at once; an unreachable one within seconds).

use slint::{ComponentHandle, ModelRc, SharedString, VecModel};

use super::{activity, CasesAdapter, MainWindow, Shared};
use crate::core::{AppError, Lang};
use crate::papers::{self, Printed};
use fieldcase_documents::fill::Pick;
use fieldcase_documents::{Kind, Paper};

const KIND: Kind = Kind::OnTheSpotDecision;

fn agency(st: &Shared) -> Option<String> {
    papers::kept_agency(&st.borrow().term)
}

/// Sets what the document section offers for the case shown.
pub(super) fn offer(w: &MainWindow, st: &Shared, case_no: &str) {
    let c = w.global::<CasesAdapter>();
    c.set_preview(ModelRc::new(VecModel::from(Vec::<SharedString>::new())));
    let lang = st.borrow().lang;
    let Some(agency) = agency(st) else {
        c.set_can_print(false);
        return;
    };
    let ok = papers::preview(&st.borrow().term, case_no, KIND, &agency).is_ok();
    c.set_can_print(ok);
    let printer = papers::kept_printer(&st.borrow().term);
    c.set_print_note(
        match printer {
            Some(p) => lang.t(format!("打印机：{p}"), format!("Printer: {p}")),
            None => lang.t(
                "尚未设置打印机（fieldcase printer set）",
                "No printer set (fieldcase printer set)",
            ),
        }
        .into(),
    );
}

fn message(e: AppError, lang: Lang) -> String {
    match e {
        AppError::Refused { zh, en } => lang.t(zh, en),
        other => other.to_string(),
    }
}

pub(super) fn connect(window: &MainWindow, state: Shared) {
    let c = window.global::<CasesAdapter>();
    let (weak, st) = (window.as_weak(), state.clone());
    c.on_show_preview(move || {
        let Some(w) = weak.upgrade() else { return };
        activity(&w, &st);
        let c = w.global::<CasesAdapter>();
        let lang = st.borrow().lang;
        let Some(agency) = agency(&st) else { return };
        match papers::preview(&st.borrow().term, &c.get_case_no(), KIND, &agency) {
            Ok(lines) => {
                let lines: Vec<SharedString> = lines.into_iter().map(Into::into).collect();
                c.set_preview(ModelRc::new(VecModel::from(lines)));
            }
            Err(e) => {
                c.set_status_ok(false);
                c.set_status(message(e, lang).into());
            }
        }
    });
    let (weak, st) = (window.as_weak(), state);
    c.on_print(move || {
        let Some(w) = weak.upgrade() else { return };
        activity(&w, &st);
        let c = w.global::<CasesAdapter>();
        let lang = st.borrow().lang;
        let Some(agency) = agency(&st) else { return };
        let result = papers::default_font().and_then(|font| {
            papers::print(
                &st.borrow().term,
                &c.get_case_no(),
                (KIND, Pick::Latest),
                Paper::Roll80,
                &agency,
                &font,
            )
        });
        let (ok, text) = match result {
            Ok(Printed::Sent { job, .. }) => (
                true,
                lang.t(
                    format!("已发送到打印机（作业 {job}）：请当事人核对后签收"),
                    format!("Sent to the printer (job {job}): have the party check and sign"),
                ),
            ),
            Ok(Printed::Queued { zh, en, .. }) => (false, lang.t(zh, en)),
            Err(e) => (false, message(e, lang)),
        };
        c.set_status_ok(ok);
        c.set_status(text.into());
    });
}
