//! The check, step by step. Every edit goes to the draft and is saved at
//! once; the screen is redrawn from the draft.

use std::path::PathBuf;
use std::time::Duration;

use chrono::DateTime;
use fieldcase_shared::catalog::Procedure;
use fieldcase_shared::validate;
use slint::{
    ComponentHandle, Image, ModelRc, Rgba8Pixel, SharedPixelBuffer, SharedString, VecModel,
};

use super::{activity, go, human_size, screen, Lang, MainWindow, Shared, WizardAdapter};
use super::{CheckItem, EvidenceRow, OptionItem as Opt};
use crate::casework;
use crate::check::{step, Draft, FieldError, StepError, EVIDENCE_CATEGORIES, SIGNERS, STEPS};
use crate::core::Terminal;

pub(super) fn model<T: Clone + 'static>(v: Vec<T>) -> ModelRc<T> {
    ModelRc::new(VecModel::from(v))
}

fn opt(code: &str, text: impl Into<SharedString>, detail: impl Into<SharedString>) -> Opt {
    Opt {
        code: code.into(),
        text: text.into(),
        detail: detail.into(),
    }
}

/// Opens the check screen on a new draft, or on the draft `id`.
pub(super) fn start(w: &MainWindow, st: &Shared, id: Option<String>) {
    let draft = {
        let s = st.borrow();
        let Some(officers) = s.officers.clone() else {
            return;
        };
        match id {
            Some(id) => s
                .term
                .drafts()
                .ok()
                .and_then(|ds| ds.into_iter().find(|d| d.id == id)),
            None => Some(Draft::new(&officers, Terminal::now())),
        }
    };
    let Some(d) = draft else { return };
    let folder = casework::removable_roots()
        .into_iter()
        .next()
        .unwrap_or_else(|| PathBuf::from("/media"));
    w.global::<WizardAdapter>()
        .set_folder(folder.to_string_lossy().to_string().into());
    let _ = st.borrow().term.save_draft(&d);
    {
        let mut s = st.borrow_mut();
        s.draft = Some(d);
        s.ink.clear();
        s.found.clear();
    }
    let a = w.global::<WizardAdapter>();
    a.set_status(SharedString::new());
    a.set_signing(SharedString::new());
    a.set_search(SharedString::new());
    a.set_step(-1);
    clear_errors(&a);
    show(w, st);
    go(w, st, screen::CHECK);
}

fn clear_errors(a: &WizardAdapter) {
    set_errors(a, &[], Lang::Zh);
}

fn set_errors(a: &WizardAdapter, errs: &[FieldError], lang: Lang) {
    let get = |f: &str| -> SharedString {
        errs.iter()
            .filter(|e| e.field == f)
            .map(|e| lang.t(e.zh.clone(), e.en.clone()))
            .collect::<Vec<_>>()
            .join("；")
            .into()
    };
    a.set_e_plate(get("plate"));
    a.set_e_vehicle_kind(get("vehicle_kind"));
    a.set_e_transport_cert(get("transport_cert"));
    a.set_e_id_number(get("id_number"));
    a.set_e_name(get("name"));
    a.set_e_phone(get("phone"));
    a.set_e_qualification(get("qualification"));
    a.set_e_uscc(get("uscc"));
    a.set_e_legal_rep(get("legal_rep"));
    a.set_e_place(get("place"));
    a.set_e_checklist(get("checklist"));
    a.set_e_outcome(get("outcome"));
    a.set_e_violation(get("violation"));
    a.set_e_grade(get("grade"));
    a.set_e_amount(get("amount"));
    a.set_e_no_penalty(get("no_penalty"));
    a.set_e_signatures(get("signatures"));
    a.set_e_witness(get("witness"));
}

pub(super) fn status(a: &WizardAdapter, ok: bool, text: String) {
    a.set_status_ok(ok);
    a.set_status(text.into());
}

/// Redraws the check screen from the draft.
pub(super) fn show(w: &MainWindow, st: &Shared) {
    let a = w.global::<WizardAdapter>();
    let mut s = st.borrow_mut();
    let lang = s.lang;
    let assets = s.assets.clone();
    let Some(d) = s.draft.clone() else { return };
    if a.get_step() != d.step as i32 {
        a.set_form_y(0.0);
    }
    a.set_step(d.step as i32);
    a.set_steps(STEPS.len() as i32);
    let (zh, en) = STEPS[d.step.min(STEPS.len() - 1)];
    a.set_step_title(
        lang.t(
            format!("第 {}/{} 步 {zh}", d.step + 1, STEPS.len()),
            format!("Step {}/{}: {en}", d.step + 1, STEPS.len()),
        )
        .into(),
    );
    a.set_case_no(d.case_no.clone().unwrap_or_default().into());
    a.set_opened(d.opened());
    a.set_last_step(d.step == step::REVIEW);
    // vehicle
    a.set_plate(d.plate.clone().into());
    a.set_vehicle_kind(d.vehicle_kind.clone().into());
    a.set_vehicle_kinds(model(
        assets
            .checklists
            .vehicle_types
            .iter()
            .map(|t| opt(&t.code, lang.t(t.zh.clone(), t.en.clone()), ""))
            .collect(),
    ));
    let kind = assets.checklists.get(&d.vehicle_kind);
    a.set_needs_cert(kind.is_some_and(|k| k.transport_cert));
    a.set_transport_cert(d.transport_cert.clone().into());
    // party
    a.set_party_kind(d.party_kind.clone().into());
    a.set_id_number(d.id_number.clone().into());
    a.set_name(d.name.clone().into());
    a.set_phone(d.phone.clone().into());
    a.set_qualification(d.qualification.clone().into());
    a.set_uscc(d.uscc.clone().into());
    a.set_legal_rep(d.legal_rep.clone().into());
    let today = Terminal::now().date_naive();
    a.set_id_info(
        validate::id_card(d.id_number.trim(), today)
            .map(|i| {
                lang.t(
                    format!(
                        "出生日期 {}，{}",
                        i.birth_date,
                        if i.male { "男" } else { "女" }
                    ),
                    format!(
                        "Born {}, {}",
                        i.birth_date,
                        if i.male { "male" } else { "female" }
                    ),
                )
            })
            .unwrap_or_default()
            .into(),
    );
    // place and time
    let started = DateTime::parse_from_rfc3339(&d.started_at)
        .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default();
    a.set_time_text(
        lang.t(
            format!("检查时间（本机时钟）：{started}"),
            format!("Time (device clock): {started}"),
        )
        .into(),
    );
    a.set_location_text(
        match &d.location {
            Some(l) => lang.t(
                format!("卫星定位：{}", crate::gps::describe(l)),
                format!("GNSS position: {}", crate::gps::describe(l)),
            ),
            None => lang.t(
                "未获取卫星定位，请填写地点",
                "No GNSS position: type the place",
            ),
        }
        .into(),
    );
    a.set_place(d.place.clone().into());
    // checklist
    a.set_items(model(
        kind.map(|k| {
            k.items
                .iter()
                .map(|i| CheckItem {
                    id: i.id.clone().into(),
                    text: lang.t(i.zh.clone(), i.en.clone()).into(),
                    basis: i.basis.clone().into(),
                    result: d.checklist.get(&i.id).cloned().unwrap_or_default().into(),
                })
                .collect()
        })
        .unwrap_or_default(),
    ));
    a.set_outcome(d.outcome.clone().into());
    // violation
    let results: Vec<Opt> = assets
        .catalog
        .search(&a.get_search())
        .into_iter()
        .take(12)
        .map(|e| {
            opt(
                &e.code,
                format!("{}（{}）", e.short, e.code),
                e.basis.clone(),
            )
        })
        .collect();
    a.set_results(model(results));
    let entry = d.entry(&assets);
    a.set_violation(d.violation.clone().into());
    a.set_violation_title(entry.map(|e| e.title.clone()).unwrap_or_default().into());
    a.set_violation_basis(
        entry
            .map(|e| {
                lang.t(
                    format!(
                        "依据：{}；法定幅度 {}–{} 元",
                        e.basis, e.statutory.min, e.statutory.max
                    ),
                    format!(
                        "Basis: {}; statutory range {}–{} yuan",
                        e.basis, e.statutory.min, e.statutory.max
                    ),
                )
            })
            .unwrap_or_default()
            .into(),
    );
    a.set_tiers(model(
        entry
            .map(|e| {
                e.tiers
                    .iter()
                    .map(|t| {
                        let range = if t.warning {
                            lang.t("警告", "warning")
                        } else {
                            lang.t(
                                format!("{}–{} 元", t.min, t.max),
                                format!("{}–{} yuan", t.min, t.max),
                            )
                        };
                        opt(&t.grade, format!("{} {range}", t.grade), t.when.clone())
                    })
                    .collect()
            })
            .unwrap_or_default(),
    ));
    a.set_grade(d.grade.clone().into());
    let conditions: Vec<SharedString> = entry
        .and_then(|e| e.no_penalty.as_ref())
        .map(|np| np.conditions.iter().map(|c| c.into()).collect())
        .unwrap_or_default();
    let answers: Vec<SharedString> = (0..conditions.len())
        .map(|i| d.no_penalty.get(i).cloned().unwrap_or_default().into())
        .collect();
    a.set_conditions(model(conditions));
    a.set_answers(model(answers));
    a.set_warning_allowed(
        entry
            .and_then(|e| e.tier(&d.grade))
            .is_some_and(|t| t.warning),
    );
    a.set_penalty(d.penalty.clone().into());
    a.set_amount(d.amount.clone().into());
    let no_penalty = d.no_penalty_applies(&assets);
    a.set_no_penalty(no_penalty);
    let procedure = match (entry, d.procedure(&assets)) {
        (None, _) => String::new(),
        _ if no_penalty => lang.t(
            "符合免罚条件：不予处罚，制作不予处罚决定",
            "No-penalty conditions met: no penalty is imposed",
        ),
        (_, Some(Procedure::Simple)) => lang.t(
            "可当场处罚（简易程序）",
            "On-the-spot penalty allowed (simple procedure)",
        ),
        (_, Some(Procedure::General)) => lang.t(
            "超过当场处罚限额：须按一般程序立案",
            "Above the on-the-spot limit: open a general-procedure case",
        ),
        (_, None) => lang.t(
            "选择档次并填写金额后显示适用程序",
            "Choose a tier and amount to see the procedure",
        ),
    };
    a.set_procedure_text(procedure.into());
    // evidence
    a.set_categories(model(
        EVIDENCE_CATEGORIES
            .iter()
            .filter(|(zh, _)| *zh != "签名")
            .map(|(zh, en)| opt(zh, lang.t(*zh, *en), ""))
            .collect(),
    ));
    let rows = d
        .case_id
        .as_deref()
        .and_then(|c| s.term.store.evidence_of(c).ok())
        .unwrap_or_default();
    let mut ev = Vec::new();
    for r in &rows {
        let thumb = if r.media_type.starts_with("image/") {
            let path = r
                .sha256
                .parse()
                .ok()
                .and_then(|h| s.term.store.blob_path(&h));
            s.thumbs
                .entry(r.sha256.clone())
                .or_insert_with(|| path.as_deref().and_then(thumb_image))
                .clone()
        } else {
            None
        };
        let time = r
            .captured_at
            .as_deref()
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            .map(|t| t.format("%m-%d %H:%M:%S").to_string())
            .unwrap_or_else(|| "—".into());
        ev.push(EvidenceRow {
            title: format!("{} {}", r.category, r.original_name).into(),
            detail: format!(
                "{} · {} · {} · {}",
                r.media_type,
                human_size(r.size),
                time,
                r.description
            )
            .into(),
            hash: r.sha256.chars().take(16).collect::<String>().into(),
            has_thumb: thumb.is_some(),
            thumb: thumb.unwrap_or_default(),
        });
    }
    a.set_evidence(model(ev));
    // statement and signatures
    a.set_statement(d.statement.clone().into());
    a.set_signers(model(
        SIGNERS
            .iter()
            .map(|(role, zh, en)| {
                let state = if *role == "party" && d.party_refused {
                    lang.t("拒绝签字", "refused")
                } else if d.signatures.contains_key(*role) {
                    lang.t("已签名", "signed")
                } else {
                    lang.t("点此签名", "tap to sign")
                };
                opt(role, lang.t(*zh, *en), state)
            })
            .collect(),
    ));
    a.set_ink(casework::strokes_path(&s.ink).into());
    a.set_party_refused(d.party_refused);
    a.set_witness_name(d.witness_name.clone().into());
    a.set_witness_id(d.witness_id.clone().into());
    // review
    if d.step == step::REVIEW {
        a.set_summary(model(super::summary::summary(
            &d,
            &assets,
            lang,
            rows.len(),
        )));
    }
}

fn thumb_image(path: &std::path::Path) -> Option<Image> {
    let jpeg = crate::archive::thumbnail(path)?;
    let img = image::load_from_memory(&jpeg).ok()?.to_rgba8();
    let (w, h) = img.dimensions();
    let buf = SharedPixelBuffer::<Rgba8Pixel>::clone_from_slice(img.as_raw(), w, h);
    Some(Image::from_rgba8(buf))
}

pub(super) fn save(st: &Shared) {
    let s = st.borrow();
    if let Some(d) = &s.draft {
        if let Err(e) = s.term.save_draft(d) {
            eprintln!("draft not saved: {e}");
        }
    }
}

pub(super) fn connect(window: &MainWindow, state: Shared) {
    let a = window.global::<WizardAdapter>();

    let (weak, st) = (window.as_weak(), state.clone());
    a.on_changed(move |field, value| {
        let Some(w) = weak.upgrade() else { return };
        activity(&w, &st);
        let a = w.global::<WizardAdapter>();
        match field.as_str() {
            "search" => {}
            "folder" => return,
            "category" => a.set_category(value.clone()),
            "signing" => {
                let mut s = st.borrow_mut();
                s.ink.clear();
                let same = a.get_signing() == value;
                drop(s);
                a.set_signing(if same { SharedString::new() } else { value });
            }
            f => {
                let mut s = st.borrow_mut();
                if let Some(d) = s.draft.as_mut() {
                    d.set(f, &value);
                }
                drop(s);
                save(&st);
            }
        }
        show(&w, &st);
    });

    let (weak, st) = (window.as_weak(), state.clone());
    a.on_next(move || {
        let Some(w) = weak.upgrade() else { return };
        activity(&w, &st);
        let a = w.global::<WizardAdapter>();
        let (lang, assets) = {
            let s = st.borrow();
            (s.lang, s.assets.clone())
        };
        let Some(mut d) = st.borrow().draft.clone() else {
            return;
        };
        let errs = d.errors(d.step, Terminal::now().date_naive(), &assets);
        set_errors(&a, &errs, lang);
        if !errs.is_empty() {
            status(
                &a,
                false,
                lang.t(
                    "请按红字提示更正后再继续",
                    "Correct the fields in red, then continue",
                ),
            );
            return;
        }
        if d.step == step::PLACE && !d.opened() {
            let officers = st.borrow().officers.clone();
            let Some(officers) = officers else { return };
            let r = st
                .borrow_mut()
                .term
                .open_draft(&officers, &mut d, Terminal::now(), &assets);
            match r {
                Ok(()) => status(
                    &a,
                    true,
                    lang.t(
                        format!("已立号并签名：{}", d.case_no.clone().unwrap_or_default()),
                        format!(
                            "Case opened and signed: {}",
                            d.case_no.clone().unwrap_or_default()
                        ),
                    ),
                ),
                Err(StepError::Invalid { step, errs }) => {
                    d.step = step;
                    set_errors(&a, &errs, lang);
                    status(
                        &a,
                        false,
                        lang.t("请按红字提示更正", "Correct the fields in red"),
                    );
                    st.borrow_mut().draft = Some(d);
                    save(&st);
                    show(&w, &st);
                    return;
                }
                Err(e) => {
                    status(
                        &a,
                        false,
                        lang.t(
                            format!("立号失败，草稿已保存：{e}"),
                            format!("Could not open the case; the draft is saved: {e}"),
                        ),
                    );
                    return;
                }
            }
        } else {
            a.set_status(SharedString::new());
        }
        d.move_step(true);
        st.borrow_mut().draft = Some(d);
        save(&st);
        show(&w, &st);
    });

    let (weak, st) = (window.as_weak(), state.clone());
    a.on_back(move || {
        let Some(w) = weak.upgrade() else { return };
        activity(&w, &st);
        if let Some(d) = st.borrow_mut().draft.as_mut() {
            d.move_step(false);
        }
        save(&st);
        clear_errors(&w.global::<WizardAdapter>());
        w.global::<WizardAdapter>().set_status(SharedString::new());
        show(&w, &st);
    });

    let (weak, st) = (window.as_weak(), state.clone());
    a.on_leave(move || {
        let Some(w) = weak.upgrade() else { return };
        activity(&w, &st);
        save(&st);
        st.borrow_mut().draft = None;
        go(&w, &st, screen::HOME);
    });

    let (weak, st) = (window.as_weak(), state.clone());
    a.on_locate(move || {
        let Some(w) = weak.upgrade() else { return };
        activity(&w, &st);
        let a = w.global::<WizardAdapter>();
        a.set_locating(true);
        let addr = crate::gps::address(st.borrow().term.store.setting("gpsd").ok().flatten());
        let weak = w.as_weak();
        std::thread::spawn(move || {
            let (ok, payload) = match crate::gps::fix(&addr, Duration::from_secs(10)) {
                Ok(loc) => (true, serde_json::to_string(&loc).unwrap_or_default()),
                Err(e) => (
                    false,
                    serde_json::json!({"zh": e.zh(), "en": e.to_string()}).to_string(),
                ),
            };
            let _ = weak.upgrade_in_event_loop(move |w| {
                w.global::<WizardAdapter>()
                    .invoke_done("locate".into(), ok, payload.into())
            });
        });
    });

    let (weak, st) = (window.as_weak(), state.clone());
    a.on_done(move |kind, ok, payload| {
        let Some(w) = weak.upgrade() else { return };
        let a = w.global::<WizardAdapter>();
        let lang = st.borrow().lang;
        let msg: serde_json::Value = serde_json::from_str(&payload).unwrap_or_default();
        let text = |v: &serde_json::Value| {
            lang.t(
                v["zh"].as_str().unwrap_or(""),
                v["en"].as_str().unwrap_or(""),
            )
        };
        match (kind.as_str(), ok) {
            ("locate", true) => {
                a.set_locating(false);
                if let Ok(loc) = serde_json::from_value(msg) {
                    if let Some(d) = st.borrow_mut().draft.as_mut() {
                        d.location = Some(loc);
                    }
                    save(&st);
                    status(&a, true, lang.t("已获取卫星定位", "GNSS position taken"));
                }
            }
            ("locate", false) => {
                a.set_locating(false);
                status(&a, false, text(&msg));
            }
            ("import", ok) => {
                a.set_importing(false);
                status(&a, ok, text(&msg));
                if ok {
                    st.borrow_mut().found.clear();
                    a.set_found_text(SharedString::new());
                }
            }
            _ => {}
        }
        show(&w, &st);
    });

    super::evidence::connect(window, &state);
    super::evidence::connect_signature(window, &state);

    let (weak, st) = (window.as_weak(), state);
    a.on_close_case(move || {
        let Some(w) = weak.upgrade() else { return };
        activity(&w, &st);
        let a = w.global::<WizardAdapter>();
        let (lang, assets) = {
            let s = st.borrow();
            (s.lang, s.assets.clone())
        };
        let (Some(d), Some(officers)) = (st.borrow().draft.clone(), st.borrow().officers.clone())
        else {
            return;
        };
        let r =
            st.borrow_mut()
                .term
                .close_draft(&officers, &d, Terminal::now().date_naive(), &assets);
        match r {
            Ok(_) => {
                let no = d.case_no.clone().unwrap_or_default();
                st.borrow_mut().draft = None;
                go(&w, &st, screen::HOME);
                let h = w.global::<super::HomeAdapter>();
                h.set_status_ok(true);
                h.set_status(
                    lang.t(
                        format!("已结案并签名：{no}"),
                        format!("Case closed and signed: {no}"),
                    )
                    .into(),
                );
            }
            Err(StepError::Invalid { step, errs }) => {
                if let Some(d) = st.borrow_mut().draft.as_mut() {
                    d.step = step;
                }
                save(&st);
                show(&w, &st);
                set_errors(&a, &errs, lang);
                let (zh, en) = STEPS[step];
                status(
                    &a,
                    false,
                    lang.t(
                        format!("“{zh}”一步尚未完成，请按红字提示补充"),
                        format!("Step “{en}” is not complete: see the fields in red"),
                    ),
                );
            }
            Err(e) => status(
                &a,
                false,
                lang.t(
                    format!("结案失败，草稿已保存：{e}"),
                    format!("Could not close; the draft is saved: {e}"),
                ),
            ),
        }
    });
}
