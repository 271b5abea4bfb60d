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
use super::{CheckItem, EvidenceRow, Line, OptionItem as Opt};
use crate::casework;
use crate::check::{step, Draft, FieldError, StepError, EVIDENCE_CATEGORIES, SIGNERS, STEPS};
use crate::core::{EvidenceMeta, Terminal};

fn model<T: Clone + 'static>(v: Vec<T>) -> ModelRc<T> {
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

fn status(a: &WizardAdapter, ok: bool, text: String) {
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
        a.set_summary(model(summary(&d, &assets, lang, rows.len())));
    }
}

fn thumb_image(path: &std::path::Path) -> Option<Image> {
    let jpeg = crate::archive::thumbnail(path)?;
    let img = image::load_from_memory(&jpeg).ok()?.to_rgba8();
    let (w, h) = img.dimensions();
    let buf = SharedPixelBuffer::<Rgba8Pixel>::clone_from_slice(img.as_raw(), w, h);
    Some(Image::from_rgba8(buf))
}

fn summary(d: &Draft, assets: &crate::check::Assets, lang: Lang, evidence: usize) -> Vec<Line> {
    let line = |zh: &str, en: &str, v: String| Line {
        label: lang.t(zh, en).into(),
        value: v.into(),
    };
    let kind = assets
        .checklists
        .get(&d.vehicle_kind)
        .map(|k| lang.t(k.zh.clone(), k.en.clone()))
        .unwrap_or_default();
    let problems = d.checklist.values().filter(|v| *v == "problem").count();
    let party = if d.organisation() {
        format!("{}（{}），{}", d.name, d.uscc, d.legal_rep)
    } else {
        format!("{}（{}）", d.name, d.id_number)
    };
    let mut out = vec![
        line("案号", "Case number", d.case_no.clone().unwrap_or_default()),
        line(
            "车辆",
            "Vehicle",
            format!(
                "{} {} {}",
                validate::normalise_plate(&d.plate),
                kind,
                d.transport_cert
            ),
        ),
        line("当事人", "Party", party),
        line(
            "时间地点",
            "Time and place",
            format!(
                "{} {}",
                d.place,
                d.location
                    .as_ref()
                    .map(crate::gps::describe)
                    .unwrap_or_default()
            ),
        ),
        line(
            "检查项目",
            "Checklist",
            lang.t(
                format!("{} 项，其中不合格 {} 项", d.checklist.len(), problems),
                format!("{} items, {} with problems", d.checklist.len(), problems),
            ),
        ),
    ];
    let outcome = match d.outcome.as_str() {
        "violation" => lang.t("发现违法行为", "Violation found"),
        _ => lang.t("未发现违法行为", "No violation"),
    };
    out.push(line("检查结论", "Outcome", outcome));
    if d.outcome == "violation" {
        let f = d.findings(assets);
        if let Some(dec) = f.decision {
            out.push(line(
                "违法行为",
                "Violation",
                format!("{}；{}", dec.title, dec.basis),
            ));
            let penalty = match dec.penalty.as_str() {
                "none" => lang.t("不予处罚（免罚清单）", "No penalty (no-penalty list)"),
                "warning" => lang.t(
                    format!("{} 档：警告", dec.grade),
                    format!("Tier {}: warning", dec.grade),
                ),
                _ => lang.t(
                    format!("{} 档：罚款 {} 元", dec.grade, dec.amount_yuan),
                    format!("Tier {}: fine {} yuan", dec.grade, dec.amount_yuan),
                ),
            };
            out.push(line("处罚", "Penalty", penalty));
            let proc = if dec.procedure == "general" {
                lang.t("一般程序", "General procedure")
            } else {
                lang.t("简易程序（当场）", "Simple procedure (on the spot)")
            };
            out.push(line("程序", "Procedure", proc));
        }
    }
    out.push(line("证据", "Evidence", evidence.to_string()));
    out.push(line("陈述申辩", "Statement", d.statement.clone()));
    let sigs = SIGNERS
        .iter()
        .map(|(role, zh, en)| {
            let ok = if *role == "party" && d.party_refused {
                lang.t(
                    format!("拒签（见证人 {}）", d.witness_name),
                    format!("refused (witness {})", d.witness_name),
                )
            } else if d.signatures.contains_key(*role) {
                lang.t("已签", "signed")
            } else {
                lang.t("未签", "missing")
            };
            format!("{} {ok}", lang.t(*zh, *en))
        })
        .collect::<Vec<_>>()
        .join("；");
    out.push(line("签名", "Signatures", sigs));
    out
}

fn save(st: &Shared) {
    let s = st.borrow();
    if let Some(d) = &s.draft {
        if let Err(e) = s.term.save_draft(d) {
            eprintln!("draft not saved: {e}");
        }
    }
}

/// Applies one edit to the draft and saves it.
fn apply(d: &mut Draft, field: &str, value: &str) {
    let v = value.to_owned();
    match field {
        "plate" => d.plate = v,
        "vehicle_kind" => d.vehicle_kind = v,
        "transport_cert" => d.transport_cert = v,
        "party_kind" => d.party_kind = v,
        "id_number" => d.id_number = v,
        "name" => d.name = v,
        "phone" => d.phone = v,
        "qualification" => d.qualification = v,
        "uscc" => d.uscc = v,
        "legal_rep" => d.legal_rep = v,
        "place" => d.place = v,
        "outcome" => d.outcome = v,
        "violation" => {
            if d.violation != v {
                d.grade.clear();
                d.amount.clear();
                d.no_penalty.clear();
                d.penalty = "fine".into();
            }
            d.violation = v;
        }
        "grade" => d.grade = v,
        "penalty" => d.penalty = v,
        "amount" => d.amount = v,
        "statement" => d.statement = v,
        "party_refused" => d.party_refused = v == "yes",
        "witness_name" => d.witness_name = v,
        "witness_id" => d.witness_id = v,
        f if f.starts_with("check:") => {
            d.checklist.insert(f["check:".len()..].to_owned(), v);
        }
        f if f.starts_with("np:") => {
            if let Ok(i) = f["np:".len()..].parse::<usize>() {
                if d.no_penalty.len() <= i {
                    d.no_penalty.resize(i + 1, String::new());
                }
                d.no_penalty[i] = v;
            }
        }
        _ => {}
    }
}

fn move_to(d: &mut Draft, forward: bool) {
    let mut s = d.step as i64;
    loop {
        s += if forward { 1 } else { -1 };
        if s < 0 || s >= STEPS.len() as i64 {
            return;
        }
        if d.step_applies(s as usize) {
            d.step = s as usize;
            return;
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
                    apply(d, f, &value);
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
        move_to(&mut d, true);
        st.borrow_mut().draft = Some(d);
        save(&st);
        show(&w, &st);
    });

    let (weak, st) = (window.as_weak(), state.clone());
    a.on_back(move || {
        let Some(w) = weak.upgrade() else { return };
        activity(&w, &st);
        if let Some(d) = st.borrow_mut().draft.as_mut() {
            move_to(d, false);
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

    connect_evidence(window, &state);
    connect_signature(window, &state);

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

fn connect_evidence(window: &MainWindow, state: &Shared) {
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

fn connect_signature(window: &MainWindow, state: &Shared) {
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
