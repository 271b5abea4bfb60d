//! The evidence step (finding files, importing them as the evidence
//! controller's background job) and the signature pad of the check screen.

use std::path::PathBuf;

use slint::{ComponentHandle, SharedString};

use super::wizard::{deliver, save, show, status, Finished, Inbox};
use super::{activity, MainWindow, Shared, WizardAdapter};
use crate::check::Signer;
use crate::core::AppError;
use crate::evidence::{self, Import};

pub(super) fn connect(window: &MainWindow, state: &Shared, inbox: &Inbox) {
    let a = window.global::<WizardAdapter>();
    let (weak, st) = (window.as_weak(), state.clone());
    a.on_scan(move || {
        let Some(w) = weak.upgrade() else { return };
        activity(&w, &st);
        let a = w.global::<WizardAdapter>();
        let lang = st.borrow().lang;
        let folder = a.get_folder();
        if folder.trim().is_empty() {
            st.borrow_mut().found.clear();
            return status(
                &a,
                false,
                lang.t(
                    "未发现执法记录仪或U盘：请插入后再点“查找文件”，或填写文件夹",
                    "No body camera or USB stick found: plug one in and tap “Find files”, or type a folder",
                ),
            );
        }
        match evidence::scan(&PathBuf::from(folder.as_str())) {
            Ok(found) => {
                a.set_found_text(evidence::found_summary(&found).get(lang).into());
                st.borrow_mut().found = found;
            }
            Err(e) => {
                st.borrow_mut().found.clear();
                a.set_found_text(SharedString::new());
                status(
                    &a,
                    false,
                    lang.t(
                        format!("无法读取该文件夹，请检查是否已插入设备：{e}"),
                        format!("Cannot read that folder; is the device plugged in? {e}"),
                    ),
                );
            }
        }
    });
    let (weak, st, ib) = (window.as_weak(), state.clone(), inbox.clone());
    a.on_import_all(move || {
        let Some(w) = weak.upgrade() else { return };
        activity(&w, &st);
        import_all(&w, &st, &ib);
    });
}

fn import_all(w: &MainWindow, st: &Shared, inbox: &Inbox) {
    let a = w.global::<WizardAdapter>();
    let lang = st.borrow().lang;
    let job = {
        let s = st.borrow();
        match (
            s.data_dir.clone(),
            s.officers.clone(),
            s.draft.as_ref().and_then(|d| d.case_id),
        ) {
            (Some(data_dir), Some(officers), Some(case)) => Import {
                data_dir,
                officers,
                case,
                files: s.found.clone(),
                category: a.get_category().into(),
                description: a.get_description().into(),
            },
            _ => {
                return status(
                    &a,
                    false,
                    lang.t(
                        "案件尚未立号，或本机数据不可用",
                        "The case is not opened, or local data is unavailable",
                    ),
                )
            }
        }
    };
    if job.files.is_empty() {
        return status(
            &a,
            false,
            lang.t("请先点“查找文件”", "Tap “Find files” first"),
        );
    }
    a.set_importing(true);
    a.set_progress(0.0);
    let weak = w.as_weak();
    let deliver = deliver(w, inbox);
    evidence::spawn_import(
        job,
        move |fraction| {
            let _ = weak
                .upgrade_in_event_loop(move |w| w.global::<WizardAdapter>().set_progress(fraction));
        },
        move |done| deliver(Finished::Imported(done)),
    );
}

pub(super) fn connect_signature(window: &MainWindow, state: &Shared) {
    let a = window.global::<WizardAdapter>();
    let (weak, st) = (window.as_weak(), state.clone());
    a.on_pen(move |kind, x, y| {
        let Some(w) = weak.upgrade() else { return };
        let p = (x.clamp(0.0, evidence::PAD.0), y.clamp(0.0, evidence::PAD.1));
        {
            let mut s = st.borrow_mut();
            match kind.as_str() {
                "down" => s.ink.push(vec![p]),
                "move" => match s.ink.last_mut() {
                    Some(stroke) => stroke.push(p),
                    None => s.ink.push(vec![p]),
                },
                _ => {}
            }
        }
        w.global::<WizardAdapter>()
            .set_ink(evidence::strokes_path(&st.borrow().ink).into());
    });
    let (weak, st) = (window.as_weak(), state.clone());
    a.on_sign_clear(move || {
        let Some(w) = weak.upgrade() else { return };
        st.borrow_mut().ink.clear();
        w.global::<WizardAdapter>().set_ink(SharedString::new());
    });
    let (weak, st) = (window.as_weak(), state.clone());
    a.on_sign_save(move || {
        let Some(w) = weak.upgrade() else { return };
        activity(&w, &st);
        sign_save(&w, &st);
        show(&w, &st);
    });
}

fn sign_save(w: &MainWindow, st: &Shared) {
    let a = w.global::<WizardAdapter>();
    let lang = st.borrow().lang;
    let Some(who) = Signer::parse(&a.get_signing()) else {
        return;
    };
    let (officers, case, ink) = {
        let s = st.borrow();
        (
            s.officers.clone(),
            s.draft.as_ref().and_then(|d| d.case_id),
            s.ink.clone(),
        )
    };
    let (Some(officers), Some(case)) = (officers, case) else {
        return;
    };
    let r = st
        .borrow()
        .term
        .evidence()
        .add_signature(&officers, &case, who, &ink);
    match r {
        Ok(sha) => {
            {
                let mut s = st.borrow_mut();
                s.ink.clear();
                if let Some(d) = s.draft.as_mut() {
                    d.signatures.insert(who, sha);
                }
            }
            save(st);
            a.set_signing(SharedString::new());
            status(
                &a,
                true,
                lang.t(
                    "签名已保存为证据并签名",
                    "Signature saved as evidence and signed",
                ),
            );
        }
        Err(AppError::Refused { zh, en }) => status(&a, false, lang.t(zh, en)),
        Err(e) => status(
            &a,
            false,
            lang.t(
                format!("签名未保存：{e}"),
                format!("Signature not saved: {e}"),
            ),
        ),
    }
}
