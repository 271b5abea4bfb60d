//! Service and payment on the case screen (glue only: the rules are in
//! [`crate::service`]): the party signs for the printed decision on the
//! pad or the refusal is noted; the payment is noted; the 备案 date shown.

use slint::{ComponentHandle, SharedString};

use super::{activity, CasesAdapter, MainWindow, Shared};
use crate::core::{AppError, Lang};
use crate::evidence::{signature_png, strokes_path, PAD};
use crate::service::{AfterDecision, ReceiptInput};
use fieldcase_documents::Kind;
use fieldcase_shared::served::{CashGround, Payment};

fn note(a: &AfterDecision, lang: Lang) -> String {
    let mut parts = vec![if a.served {
        lang.t("决定书已送达", "The decision was served")
    } else {
        lang.t("决定书尚未送达", "The decision is not served yet")
    }];
    if a.fine_yuan > 0 {
        parts.push(if a.paid {
            lang.t("罚款已缴纳", "the fine is paid")
        } else {
            lang.t(
                format!("罚款 {} 元未缴纳", a.fine_yuan),
                format!("the fine of {} yuan is unpaid", a.fine_yuan),
            )
        });
    }
    if let Some(by) = a.file_by {
        parts.push(if a.filed {
            lang.t("已同步，报所属机关备案", "synced: filed with the agency")
        } else {
            lang.t(
                format!("须于 {by} 前报所属机关备案（同步即完成）"),
                format!("to be filed with the agency by {by} (the next sync does it)"),
            )
        });
    }
    parts.join(lang.t("；", "; ").as_str())
}

/// Sets the section for the case shown.
pub(super) fn offer(w: &MainWindow, st: &Shared) {
    let c = w.global::<CasesAdapter>();
    let s = st.borrow();
    let after = s
        .case
        .and_then(|id| s.term.service().after_decision(&id).ok().flatten());
    c.set_decided(after.is_some());
    if let Some(a) = after {
        c.set_served(a.served);
        c.set_to_pay(!a.paid);
        c.set_after_note(note(&a, s.lang).into());
    }
}

fn message(e: AppError, lang: Lang) -> String {
    match e {
        AppError::Refused { zh, en } => lang.t(zh, en),
        other => other.to_string(),
    }
}

fn ground(code: &str) -> Option<CashGround> {
    match code {
        "small_fine" => Some(CashGround::SmallFine),
        "hard_to_collect" => Some(CashGround::HardToCollect),
        "remote_area" => Some(CashGround::RemoteArea),
        _ => None,
    }
}

/// Signs the receipt (`refused`: the refusal as noted), then shows the result.
fn serve(w: &MainWindow, st: &Shared, refused: bool) {
    let c = w.global::<CasesAdapter>();
    let lang = st.borrow().lang;
    let Some(officers) = st.borrow().officers.clone() else {
        return;
    };
    let receipt = if refused {
        ReceiptInput::Refused {
            note: c.get_refusal().into(),
            witness: None,
        }
    } else {
        if st.borrow().receipt_ink.iter().map(Vec::len).sum::<usize>() < 2 {
            c.set_status_ok(false);
            c.set_status(
                lang.t(
                    "签名为空，请当事人在签名框内书写",
                    "The signature is empty: have the party sign in the box",
                )
                .into(),
            );
            return;
        }
        ReceiptInput::Signature(signature_png(&st.borrow().receipt_ink))
    };
    let r = st.borrow().term.service().serve(
        &officers,
        &c.get_case_no(),
        Kind::OnTheSpotDecision,
        receipt,
    );
    let (ok, text) = match r {
        Ok(s) => {
            st.borrow_mut().receipt_ink.clear();
            c.set_ink(SharedString::new());
            c.set_refusal(SharedString::new());
            (
                true,
                lang.t(
                    format!("送达已签名（记录 #{}）", s.seq),
                    format!("Service signed (record #{})", s.seq),
                ),
            )
        }
        Err(e) => (false, message(e, lang)),
    };
    c.set_status_ok(ok);
    c.set_status(text.into());
    super::cases::detail(w, st);
}

fn pay(w: &MainWindow, st: &Shared) {
    let c = w.global::<CasesAdapter>();
    let lang = st.borrow().lang;
    let Some(officers) = st.borrow().officers.clone() else {
        return;
    };
    let reference: String = c.get_pay_ref().into();
    let payment = match ground(&c.get_pay_method()) {
        Some(ground) => Payment::Cash {
            ground,
            receipt_no: reference,
            reason: c.get_pay_reason().into(),
        },
        None => Payment::Electronic { reference },
    };
    let r =
        st.borrow()
            .term
            .service()
            .pay(&officers, &c.get_case_no(), payment, c.get_party_asked());
    let (ok, text) = match r {
        Ok(p) => {
            c.set_pay_ref(SharedString::new());
            c.set_pay_reason(SharedString::new());
            let hand_in = p
                .hand_in_by
                .map(|d| {
                    lang.t(
                        format!("；现金须于 {d} 前交至行政机关"),
                        format!("; hand the cash in by {d}"),
                    )
                })
                .unwrap_or_default();
            (
                true,
                lang.t(
                    format!("缴款已签名（记录 #{}）{hand_in}", p.seq),
                    format!("Payment signed (record #{}){hand_in}", p.seq),
                ),
            )
        }
        Err(e) => (false, message(e, lang)),
    };
    c.set_status_ok(ok);
    c.set_status(text.into());
    super::cases::detail(w, st);
}

pub(super) fn connect(window: &MainWindow, state: Shared) {
    let c = window.global::<CasesAdapter>();
    let (weak, st) = (window.as_weak(), state.clone());
    c.on_pen(move |kind, x, y| {
        let Some(w) = weak.upgrade() else { return };
        let p = (x.clamp(0.0, PAD.0), y.clamp(0.0, PAD.1));
        {
            let mut s = st.borrow_mut();
            match kind.as_str() {
                "down" => s.receipt_ink.push(vec![p]),
                "move" => match s.receipt_ink.last_mut() {
                    Some(stroke) => stroke.push(p),
                    None => s.receipt_ink.push(vec![p]),
                },
                _ => {}
            }
        }
        w.global::<CasesAdapter>()
            .set_ink(strokes_path(&st.borrow().receipt_ink).into());
    });
    let (weak, st) = (window.as_weak(), state.clone());
    c.on_sign_clear(move || {
        let Some(w) = weak.upgrade() else { return };
        st.borrow_mut().receipt_ink.clear();
        w.global::<CasesAdapter>().set_ink(SharedString::new());
    });
    let (weak, st) = (window.as_weak(), state.clone());
    c.on_sign_receipt(move || {
        let Some(w) = weak.upgrade() else { return };
        activity(&w, &st);
        serve(&w, &st, false);
    });
    let (weak, st) = (window.as_weak(), state.clone());
    c.on_refuse_receipt(move || {
        let Some(w) = weak.upgrade() else { return };
        activity(&w, &st);
        serve(&w, &st, true);
    });
    let (weak, st) = (window.as_weak(), state);
    c.on_pay(move || {
        let Some(w) = weak.upgrade() else { return };
        activity(&w, &st);
        pay(&w, &st);
    });
}
