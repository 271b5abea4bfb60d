//! The evidence step (finding and importing files on a worker) and the
//! signature pad of the check screen.

use std::path::PathBuf;

use slint::{ComponentHandle, SharedString};

use super::wizard::{save, show, status};
use super::{activity, human_size, MainWindow, Shared, WizardAdapter};
use crate::casework;
use crate::core::{EvidenceMeta, Terminal};

pub(super) fn connect(window: &MainWindow, state: &Shared) {
    let a = window.global::<WizardAdapter>();
    let (weak, st) = (window.as_weak(), state.clone());
    a.on_scan(move || {
        let Some(w) = weak.upgrade() else { return };
        activity(&w, &st);
        let a = w.global::<WizardAdapter>();
        let lang = st.borrow().lang;
        let dir = PathBuf::from(a.get_folder().as_str());
        match casework::scan(&dir) {
            Ok(found) => {
                let bytes: u64 = found.iter().map(|c| c.size).sum();
                a.set_found_text(
                    lang.t(
                        format!(
                            "找到 {} 个照片/视频文件，共 {}",
                            found.len(),
                            human_size(bytes)
                        ),
                        format!(
                            "Found {} photo/video files, {} in all",
                            found.len(),
                            human_size(bytes)
                        ),
                    )
                    .into(),
                );
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

    let (weak, st) = (window.as_weak(), state.clone());
    a.on_import_all(move || {
        let Some(w) = weak.upgrade() else { return };
        activity(&w, &st);
        let a = w.global::<WizardAdapter>();
        let lang = st.borrow().lang;
        let (found, dir, officers, case_no) = {
            let s = st.borrow();
            (
                s.found.clone(),
                s.data_dir.clone(),
                s.officers.clone(),
                s.draft.as_ref().and_then(|d| d.case_no.clone()),
            )
        };
        let (Some(dir), Some(officers), Some(case_no)) = (dir, officers, case_no) else {
            return status(
                &a,
                false,
                lang.t(
                    "案件尚未立号，或本机数据不可用",
                    "The case is not opened, or local data is unavailable",
                ),
            );
        };
        if found.is_empty() {
            return status(
                &a,
                false,
                lang.t("请先点“查找文件”", "Tap “Find files” first"),
            );
        }
        let category = a.get_category().to_string();
        let description = a.get_description().to_string();
        let total: u64 = found.iter().map(|c| c.size).sum::<u64>().max(1);
        a.set_importing(true);
        a.set_progress(0.0);
        let weak = w.as_weak();
        // The import runs on a worker with its own connection to the store:
        // hashing a 2 GB video never blocks the screen.
        std::thread::spawn(move || {
            let mut shown = 0u32;
            let result = (|| -> Result<usize, String> {
                let mut t = Terminal::open(&dir).map_err(|e| e.to_string())?;
                let mut done = 0u64;
                for (n, c) in found.iter().enumerate() {
                    let name = c
                        .path
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default();
                    t.add_evidence(
                        &officers,
                        &case_no,
                        &c.path,
                        EvidenceMeta {
                            media_type: c.media_type.into(),
                            original_name: name,
                            captured_at: c.modified,
                            category: category.clone(),
                            description: description.clone(),
                        },
                        |chunk| {
                            done += chunk;
                            // At most 200 updates per import reach the screen.
                            let permille = (done.saturating_mul(200) / total) as u32;
                            if permille != shown {
                                shown = permille;
                                let weak = weak.clone();
                                let _ = weak.upgrade_in_event_loop(move |w| {
                                    w.global::<WizardAdapter>()
                                        .set_progress(permille as f32 / 200.0)
                                });
                            }
                        },
                    )
                    .map_err(|e| format!("{}: {e}", c.path.display()))?;
                    let _ = n;
                }
                Ok(found.len())
            })();
            let (ok, msg) = match result {
                Ok(n) => (
                    true,
                    serde_json::json!({
                    "zh": format!("已导入 {n} 个文件，已计算 SHA-256 并签名"),
                    "en": format!("Imported {n} files, SHA-256 computed and signed")}),
                ),
                Err(e) => (
                    false,
                    serde_json::json!({
                    "zh": format!("导入中断（已导入的文件已保存）：{e}"),
                    "en": format!("Import stopped (files imported so far are kept): {e}")}),
                ),
            };
            let _ = weak.upgrade_in_event_loop(move |w| {
                w.global::<WizardAdapter>()
                    .invoke_done("import".into(), ok, msg.to_string().into())
            });
        });
    });
}

pub(super) fn connect_signature(window: &MainWindow, state: &Shared) {
    let a = window.global::<WizardAdapter>();
    let (weak, st) = (window.as_weak(), state.clone());
    a.on_pen(move |kind, x, y| {
        let Some(w) = weak.upgrade() else { return };
        let p = (x.clamp(0.0, casework::PAD.0), y.clamp(0.0, casework::PAD.1));
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
            .set_ink(casework::strokes_path(&st.borrow().ink).into());
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
        let a = w.global::<WizardAdapter>();
        let role = a.get_signing().to_string();
        let lang = st.borrow().lang;
        let (officers, case_no, ink) = {
            let s = st.borrow();
            (
                s.officers.clone(),
                s.draft.as_ref().and_then(|d| d.case_no.clone()),
                s.ink.clone(),
            )
        };
        let (Some(officers), Some(case_no)) = (officers, case_no) else {
            return;
        };
        let r = st
            .borrow_mut()
            .term
            .add_signature(&officers, &case_no, &role, &ink);
        match r {
            Ok(sha) => {
                {
                    let mut s = st.borrow_mut();
                    s.ink.clear();
                    if let Some(d) = s.draft.as_mut() {
                        d.signatures.insert(role.clone(), sha.to_hex());
                    }
                }
                save(&st);
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
            Err(crate::core::AppError::Refused { zh, en }) => status(&a, false, lang.t(zh, en)),
            Err(e) => status(
                &a,
                false,
                lang.t(
                    format!("签名未保存：{e}"),
                    format!("Signature not saved: {e}"),
                ),
            ),
        }
        show(&w, &st);
    });
}
