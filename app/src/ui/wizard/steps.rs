//! Drawing the check screen from the draft, a function per step.

use fieldcase_shared::catalog::{MeasureKind, Procedure};
use fieldcase_shared::validate;
use slint::{
    ComponentHandle, Image, ModelRc, Rgba8Pixel, SharedPixelBuffer, SharedString, VecModel,
};

use super::{error_of, still_wrong, MainWindow, Shared, WizardAdapter};
use crate::check::{step, Assets, Draft, Field, FieldError, PartyKind, PenaltyKind, Signer, STEPS};
use crate::core::{Lang, Terminal};
use crate::ui::{human_size, CheckItem, EvidenceRow, OptionItem as Opt, State};

pub(in crate::ui) fn model<T: Clone + 'static>(v: Vec<T>) -> ModelRc<T> {
    ModelRc::new(VecModel::from(v))
}

fn opt(code: &str, text: impl Into<SharedString>, detail: impl Into<SharedString>) -> Opt {
    Opt {
        code: code.into(),
        text: text.into(),
        detail: detail.into(),
    }
}

/// Redraws the check screen from the draft.
pub(in crate::ui) fn show(w: &MainWindow, st: &Shared) {
    let a = w.global::<WizardAdapter>();
    let lang = st.borrow().lang;
    let errs = still_wrong(st);
    let had_errors = !st.borrow().shown.is_empty();
    st.borrow_mut().shown = errs.clone();
    if had_errors && errs.is_empty() && !a.get_status_ok() {
        // Every field in red was fixed: the banner asking for it goes too.
        a.set_status(SharedString::new());
    }
    let mut s = st.borrow_mut();
    let assets = s.assets.clone();
    let Some(d) = s.draft.clone() else { return };
    header(&a, &d, lang);
    vehicle(&a, &d, &assets, lang);
    party(&a, &d, lang);
    place(&a, &d, lang);
    checklist(&a, &d, &assets, &errs, lang);
    violation(&a, &d, &assets, lang);
    let evidence = evidence(&a, &d, &mut s, lang);
    statement(&a, &d, &s, lang);
    if d.step == step::REVIEW {
        a.set_summary(model(crate::ui::summary::summary(
            &d, &assets, lang, evidence,
        )));
    }
    set_errors(&a, &errs, lang);
}

fn set_errors(a: &WizardAdapter, errs: &[FieldError], lang: Lang) {
    let e = |f| error_of(errs, f, lang);
    a.set_e_plate(e(Field::Plate));
    a.set_e_vehicle_kind(e(Field::VehicleKind));
    a.set_e_transport_cert(e(Field::TransportCert));
    a.set_e_id_number(e(Field::IdNumber));
    a.set_e_name(e(Field::Name));
    a.set_e_phone(e(Field::Phone));
    a.set_e_qualification(e(Field::Qualification));
    a.set_e_uscc(e(Field::Uscc));
    a.set_e_legal_rep(e(Field::LegalRep));
    a.set_e_place(e(Field::Place));
    a.set_e_checklist(e(Field::Checklist));
    a.set_e_outcome(e(Field::Outcome));
    a.set_e_violation(e(Field::Violation));
    a.set_e_grade(e(Field::Grade));
    a.set_e_amount(e(Field::Amount));
    a.set_e_gains(e(Field::Gains));
    a.set_e_excess_kg(e(Field::ExcessKg));
    a.set_e_no_penalty(e(Field::NoPenalty));
    a.set_e_signatures(e(Field::Signatures));
    a.set_e_witness(e(Field::Witness));
    a.set_e_told(e(Field::Told));
    a.set_e_violation_ended(e(Field::ViolationEnded));
}

fn header(a: &WizardAdapter, d: &Draft, lang: Lang) {
    if a.get_step() != d.step as i32 {
        a.set_form_y(0.0);
    }
    a.set_step(d.step as i32);
    a.set_steps(STEPS.len() as i32);
    let (zh, en) = STEPS[d.step.min(STEPS.len() - 1)];
    a.set_step_title(lang.t(zh, en).into());
    a.set_step_count(
        lang.t(
            format!("第 {}/{} 步", d.step + 1, STEPS.len()),
            format!("Step {} of {}", d.step + 1, STEPS.len()),
        )
        .into(),
    );
    a.set_case_no(d.case_no.clone().unwrap_or_default().into());
    a.set_opened(d.opened());
    a.set_last_step(d.step == step::REVIEW);
}

fn vehicle(a: &WizardAdapter, d: &Draft, assets: &Assets, lang: Lang) {
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
}

fn party(a: &WizardAdapter, d: &Draft, lang: Lang) {
    a.set_party_kind(
        match d.party_kind {
            PartyKind::Person => "person",
            PartyKind::Organisation => "organisation",
        }
        .into(),
    );
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
                let (zh, en) = if i.male {
                    ("男", "male")
                } else {
                    ("女", "female")
                };
                lang.t(
                    format!("出生日期 {}，{zh}", i.birth_date),
                    format!("Born {}, {en}", i.birth_date),
                )
            })
            .unwrap_or_default()
            .into(),
    );
}

/// The time of the check as officers read it (device clock).
pub(in crate::ui) fn check_time(d: &Draft) -> String {
    d.started_at.format("%Y-%m-%d %H:%M").to_string()
}

fn place(a: &WizardAdapter, d: &Draft, lang: Lang) {
    let started = check_time(d);
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
}

fn checklist(a: &WizardAdapter, d: &Draft, assets: &Assets, errs: &[FieldError], lang: Lang) {
    let flagged = errs.iter().any(|e| e.field == Field::Checklist);
    let items = assets
        .checklists
        .get(&d.vehicle_kind)
        .map(|k| {
            k.items
                .iter()
                .map(|i| {
                    let result = d.checklist.get(&i.id);
                    CheckItem {
                        id: i.id.clone().into(),
                        text: lang.t(i.zh.clone(), i.en.clone()).into(),
                        basis: i.basis.clone().into(),
                        result: result.map(|r| r.as_str()).unwrap_or_default().into(),
                        missing: flagged && result.is_none(),
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    a.set_items(model(items));
    a.set_outcome(d.outcome.map(|o| o.as_str()).unwrap_or_default().into());
}

fn violation(a: &WizardAdapter, d: &Draft, assets: &Assets, lang: Lang) {
    let en = lang == Lang::En;
    let results: Vec<Opt> = assets
        .catalog
        .search(&a.get_search())
        .into_iter()
        .take(12)
        .map(|e| {
            opt(
                &e.code,
                format!("{}（{}）", e.short_in(en), e.code),
                e.basis_text(),
            )
        })
        .collect();
    a.set_results(model(results));
    let entry = d.entry(assets);
    a.set_violation(d.violation.clone().into());
    a.set_violation_title(
        entry
            .map(|e| e.title_in(en).to_owned())
            .unwrap_or_default()
            .into(),
    );
    a.set_violation_basis(
        entry
            .map(|e| violation_basis(e, d, assets, lang))
            .unwrap_or_default()
            .into(),
    );
    a.set_show_gains(entry.is_some_and(|e| e.gains.is_some()));
    a.set_show_excess(entry.is_some_and(|e| e.per_excess.is_some()));
    a.set_gains(d.gains.clone().into());
    a.set_excess_kg(d.excess_kg.clone().into());
    a.set_tiers(model(entry.map(|e| tiers(e, lang)).unwrap_or_default()));
    a.set_grade(d.grade.clone().into());
    let conditions: Vec<SharedString> = entry
        .and_then(|e| e.no_penalty.as_ref())
        .map(|np| {
            let list = if en {
                &np.conditions_en
            } else {
                &np.conditions
            };
            list.iter().map(|c| c.into()).collect()
        })
        .unwrap_or_default();
    let answers: Vec<SharedString> = (0..conditions.len())
        .map(|i| match d.no_penalty.get(i).copied().flatten() {
            Some(true) => "yes".into(),
            Some(false) => "no".into(),
            None => SharedString::new(),
        })
        .collect();
    a.set_conditions(model(conditions));
    a.set_answers(model(answers));
    a.set_warning_allowed(
        entry
            .and_then(|e| e.tier(&d.grade))
            .is_some_and(|t| t.warning),
    );
    a.set_penalty(
        match d.penalty {
            PenaltyKind::Fine => "fine",
            PenaltyKind::Warning => "warning",
        }
        .into(),
    );
    a.set_amount(d.amount.clone().into());
    a.set_violation_ended(d.violation_ended.clone().into());
    a.set_life_or_health(d.life_or_health);
    let allowed = entry.map(|e| e.measures.as_slice()).unwrap_or_default();
    a.set_measures(model(
        allowed
            .iter()
            .map(|m| {
                let code = match m.kind {
                    MeasureKind::TowAway => "tow_away",
                    MeasureKind::DetainVehicle => "detain_vehicle",
                };
                let text = lang.t(
                    format!(
                        "{}（{}；行政强制法第十八条、第二十四条）",
                        m.kind.zh(),
                        m.basis.text()
                    ),
                    format!(
                        "{} ({}; Administrative Coercion Law art. 18, 24)",
                        m.kind.en(),
                        m.basis.text_en()
                    ),
                );
                opt(code, text, "")
            })
            .collect(),
    ));
    a.set_measures_on(model(
        allowed
            .iter()
            .map(|m| d.measures.contains(&m.kind))
            .collect(),
    ));
    let no_penalty = d.no_penalty_applies(assets);
    a.set_no_penalty(no_penalty);
    let procedure = procedure_text(entry.is_some(), no_penalty, d.procedure(assets), lang);
    a.set_procedure_text(procedure.into());
}

/// The basis, the lawful fine for the facts typed so far, the other
/// sanctions and orders, and a warning when the entry is not checked
/// against a text we hold.
fn violation_basis(
    e: &fieldcase_shared::catalog::Entry,
    d: &Draft,
    assets: &Assets,
    lang: Lang,
) -> String {
    use fieldcase_shared::catalog::LawfulFine;
    let lawful = assets.catalog.lawful(e, &d.facts()).ok();
    let fine = lawful.as_ref().map_or(
        LawfulFine::Range {
            range: e.fine,
            serious: false,
        },
        |l| l.fine,
    );
    let mut zh = vec![format!("依据：{}", e.basis_text()), fine.zh()];
    let mut en = vec![
        format!(
            "Basis: {}",
            e.basis
                .iter()
                .map(|c| c.text_en())
                .collect::<Vec<_>>()
                .join("; ")
        ),
        fine.en(),
    ];
    if let Some(s) = e
        .serious
        .filter(|_| !matches!(fine, LawfulFine::Gains { .. }))
    {
        zh.push(format!("情节严重的 {}–{} 元", s.min, s.max));
        en.push(format!("serious circumstances {}–{} yuan", s.min, s.max));
    }
    for s in lawful.iter().flat_map(|l| &l.sanctions) {
        zh.push(format!("并处{}", s.zh()));
        en.push(format!("with {}", s.en()));
    }
    for o in &e.orders {
        zh.push(o.zh().to_owned());
        en.push(o.en().to_owned());
    }
    for m in &e.measures {
        zh.push(format!("可以{}（{}）", m.kind.zh(), m.basis.provision()));
        en.push(format!("may use {} ({})", m.kind.en(), m.basis.text_en()));
    }
    if let Some(why) = &e.uncertain {
        zh.push(format!("⚠ 依据未经核对：{why}"));
        en.push("⚠ basis not checked against a text we hold".to_owned());
    }
    lang.t(zh.join("；"), en.join("; "))
}

/// The tiers of an entry as the officer chooses between them.
fn tiers(e: &fieldcase_shared::catalog::Entry, lang: Lang) -> Vec<Opt> {
    let en = lang == Lang::En;
    e.tiers
        .iter()
        .map(|t| {
            let range = match t.warning {
                true => lang.t("警告", "warning"),
                false => lang.t(
                    format!("{}–{} 元", t.min, t.max),
                    format!("{}–{} yuan", t.min, t.max),
                ),
            };
            let name = lang.t(format!("{}档", t.grade), t.grade_en.clone());
            opt(&t.grade, format!("{name} {range}"), t.when_in(en))
        })
        .collect()
}

/// What the decision means for the procedure.
fn procedure_text(picked: bool, no_penalty: bool, p: Option<Procedure>, lang: Lang) -> String {
    match (picked, p) {
        (false, _) => String::new(),
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
    }
}

/// The evidence step; returns how many items the case holds.
fn evidence(a: &WizardAdapter, d: &Draft, s: &mut State, lang: Lang) -> usize {
    a.set_categories(model(
        crate::evidence::CATEGORIES
            .iter()
            .filter(|(zh, _)| *zh != "签名")
            .map(|(zh, en)| opt(zh, lang.t(*zh, *en), ""))
            .collect(),
    ));
    let rows = d
        .case_id
        .and_then(|c| s.term.evidence().list(&c).ok())
        .unwrap_or_default();
    let mut ev = Vec::new();
    for r in &rows {
        let thumb = if r.media_type.starts_with("image/") {
            let term = &s.term;
            s.thumbs
                .entry(r.sha256)
                .or_insert_with(|| {
                    term.evidence()
                        .thumbnail(&r.sha256)
                        .and_then(|j| thumb_image(&j))
                })
                .clone()
        } else {
            None
        };
        let time = r
            .captured_at
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
            hash: r.sha256.short(16).into(),
            has_thumb: thumb.is_some(),
            thumb: thumb.unwrap_or_default(),
        });
    }
    a.set_evidence(model(ev));
    rows.len()
}

fn statement(a: &WizardAdapter, d: &Draft, s: &State, lang: Lang) {
    a.set_told(model(
        d.told_required(&s.assets)
            .into_iter()
            .map(|i| {
                let done = if d.told.contains(&i.id) { "yes" } else { "no" };
                opt(&i.id, lang.t(i.text.clone(), i.text_en.clone()), done)
            })
            .collect(),
    ));
    a.set_statement(d.statement.clone().into());
    a.set_signers(model(
        Signer::ALL
            .iter()
            .map(|who| {
                let state = if *who == Signer::Party && d.party_refused {
                    lang.t("拒绝签字", "refused")
                } else if d.signatures.contains_key(who) {
                    lang.t("已签名", "signed")
                } else {
                    lang.t("点此签名", "tap to sign")
                };
                opt(who.role(), lang.t(who.zh(), who.en()), state)
            })
            .collect(),
    ));
    a.set_ink(crate::evidence::strokes_path(&s.ink).into());
    a.set_party_refused(d.party_refused);
    a.set_statement_signed(d.signatures.contains_key(&Signer::Party));
    a.set_signing_title(
        Signer::parse(&a.get_signing())
            .map(|who| {
                lang.t(
                    format!("{}签名", who.zh()),
                    format!("{}: sign below", who.en()),
                )
            })
            .unwrap_or_default()
            .into(),
    );
    a.set_witness_name(d.witness_name.clone().into());
    a.set_witness_id(d.witness_id.clone().into());
}

fn thumb_image(jpeg: &[u8]) -> Option<Image> {
    let img = image::load_from_memory(jpeg).ok()?.to_rgba8();
    let (w, h) = img.dimensions();
    let buf = SharedPixelBuffer::<Rgba8Pixel>::clone_from_slice(img.as_raw(), w, h);
    Some(Image::from_rgba8(buf))
}
