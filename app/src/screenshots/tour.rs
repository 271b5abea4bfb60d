//! The screens, in the order an officer meets them: signing in, home, the
//! nine steps of a check, the cases, one case, settings, messages.

use std::path::Path;

use slint::ComponentHandle;

use super::Shooter;
use crate::core::{Lang, Terminal};
use crate::demo::DEMO_OFFICERS;
use crate::evidence::EvidenceMeta;
use crate::ui::{
    CasesAdapter, HomeAdapter, MainWindow, SettingsAdapter, SignInAdapter, WizardAdapter,
    WritingsAdapter,
};

pub(super) fn all(
    w: &MainWindow,
    s: &mut Shooter<'_>,
    dir: &Path,
    work: &Path,
    lang: Lang,
) -> anyhow::Result<()> {
    sign_in(w, s)?;
    w.global::<HomeAdapter>().invoke_new_check();
    first_steps(w, s)?;
    decision_steps(w, s)?;
    evidence_step(w, s, dir, work, lang)?;
    closing_steps(w, s)?;
    archive_screens(w, s, lang)
}

fn sign_in(w: &MainWindow, s: &mut Shooter<'_>) -> anyhow::Result<()> {
    s.shoot(w, "sign-in")?;
    let a = w.global::<SignInAdapter>();
    a.set_officer_a(DEMO_OFFICERS[0].0.into());
    a.set_pin_a(DEMO_OFFICERS[0].2.into());
    a.set_officer_b(DEMO_OFFICERS[1].0.into());
    a.set_pin_b(DEMO_OFFICERS[1].2.into());
    a.invoke_sign_in();
    s.shoot(w, "home")
}

fn set(w: &MainWindow, f: &str, v: &str) {
    w.global::<WizardAdapter>()
        .invoke_changed(f.into(), v.into());
}

fn first_steps(w: &MainWindow, s: &mut Shooter<'_>) -> anyhow::Result<()> {
    let c = w.global::<WizardAdapter>();
    set(w, "plate", "新A12345");
    set(w, "vehicle_kind", "freight");
    set(w, "transport_cert", "650102012345");
    s.shoot(w, "check-1-vehicle")?;
    c.invoke_next();
    set(w, "id_number", "11010519491231002X");
    set(w, "name", "张三");
    set(w, "phone", "13912345678");
    s.shoot(w, "check-2-party")?;
    c.invoke_next();
    set(w, "place", "G30 连霍高速 乌鲁木齐东收费站");
    s.shoot(w, "check-3-place")?;
    c.invoke_next();
    let items = [
        "transport_cert",
        "driver_qualification",
        "operating_licence",
        "load_limits",
    ];
    for (i, item) in items.iter().enumerate() {
        set(
            w,
            &format!("check:{item}"),
            if i == 3 { "problem" } else { "ok" },
        );
    }
    // Two items left unanswered: next shows them marked beside the item.
    c.invoke_next();
    s.shoot(w, "check-4-checklist")?;
    for item in ["no_passengers", "load_secured"] {
        set(w, &format!("check:{item}"), "ok");
    }
    c.invoke_next();
    Ok(())
}

fn decision_steps(w: &MainWindow, s: &mut Shooter<'_>) -> anyhow::Result<()> {
    let c = w.global::<WizardAdapter>();
    set(w, "outcome", "violation");
    s.shoot(w, "check-5-outcome")?;
    c.invoke_next();
    // Overweight by 800 kg: a warning (超限运输车辆行驶公路管理规定 art. 43(2)),
    // decided on the spot, so the case's decision can be printed.
    c.set_search("cx".into());
    set(w, "search", "cx");
    set(w, "violation", "GLAQ-64-W");
    set(w, "excess_kg", "800");
    set(w, "grade", "轻微");
    set(w, "penalty", "warning");
    s.shoot(w, "check-6-violation")?;
    c.invoke_next();
    Ok(())
}

fn evidence_step(
    w: &MainWindow,
    s: &mut Shooter<'_>,
    dir: &Path,
    work: &Path,
    lang: Lang,
) -> anyhow::Result<()> {
    let c = w.global::<WizardAdapter>();
    // Evidence imported as the import job would (no event loop here).
    let photo = work.join("现场照片.jpg");
    crate::demo::write_demo_photo(&photo)?;
    let officers =
        fieldcase_shared::model::OfficerPair::new(DEMO_OFFICERS[0].0, DEMO_OFFICERS[1].0)?;
    let t = Terminal::open(dir)?;
    let case = t.cases().find(&c.get_case_no())?.case_id;
    let meta = EvidenceMeta {
        media_type: "image/jpeg".into(),
        original_name: "现场照片.jpg".into(),
        captured_at: Some(Terminal::now()),
        category: "现场检查".into(),
        description: lang.t("车辆右侧及货物", "right side of the vehicle and load"),
    };
    t.evidence()
        .add_file(&officers, &case, &photo, meta, |_| {})?;
    c.invoke_back();
    c.invoke_next();
    s.shoot(w, "check-7-evidence")?;
    c.invoke_next();
    Ok(())
}

fn pen(w: &MainWindow, points: &[(f32, f32)]) {
    let c = w.global::<WizardAdapter>();
    for (i, (x, y)) in points.iter().enumerate() {
        c.invoke_pen(if i == 0 { "down" } else { "move" }.into(), *x, *y);
    }
}

fn closing_steps(w: &MainWindow, s: &mut Shooter<'_>) -> anyhow::Result<()> {
    let c = w.global::<WizardAdapter>();
    set(w, "statement", "对检查结果无异议。");
    for item in ["credentials", "facts", "rights"] {
        set(w, &format!("told:{item}"), "yes");
    }
    set(w, "signing", "party");
    pen(
        w,
        &[
            (30.0, 100.0),
            (80.0, 40.0),
            (120.0, 110.0),
            (170.0, 50.0),
            (240.0, 95.0),
        ],
    );
    s.shoot(w, "check-8-statement")?;
    c.invoke_sign_save();
    for role in ["officer_a", "officer_b"] {
        set(w, "signing", role);
        let y = if role == "officer_a" { 60.0 } else { 100.0 };
        pen(w, &[(40.0, 80.0), (200.0, y)]);
        c.invoke_sign_save();
    }
    s.shoot(w, "check-8-signed")?;
    c.invoke_next();
    s.shoot(w, "check-9-review")?;
    c.invoke_close_case();
    s.shoot(w, "home-after-close")
}

/// The cases handed over, if the terminal has some: the 询问笔录 being
/// written, then the 行政强制措施决定书 of a vehicle detained (always in
/// this order, whichever case comes first in the list).
fn writing_screen(w: &MainWindow, s: &mut Shooter<'_>, lang: Lang) -> anyhow::Result<()> {
    let c = w.global::<CasesAdapter>();
    let a = w.global::<WritingsAdapter>();
    if open_first(w, |_| c.get_handed_over()) {
        a.invoke_choose("interview".into());
        a.set_person_name(lang.t("张三", "Zhang San").into());
        a.set_question(
            lang.t("你驾驶的车辆从哪里出发？", "Where did you drive from?")
                .into(),
        );
        a.set_answer(lang.t("从乌鲁木齐市出发。", "From Urumqi.").into());
        a.invoke_add_exchange();
        s.shoot(w, "case-writing")?;
        c.invoke_back();
    }
    if open_first(w, |a| c.get_handed_over() && a.get_measured()) {
        a.invoke_choose("measure".into());
        a.set_address(
            lang.t(
                "乌鲁木齐市天山区解放南路1号",
                "1 Jiefang South Road, Urumqi",
            )
            .into(),
        );
        a.set_reason(
            lang.t(
                "拒不接受超限检测，强行驶离检测站",
                "Drove off to evade the weigh station",
            )
            .into(),
        );
        a.set_item_name(lang.t("货车 新A12345", "Lorry 新A12345").into());
        a.set_item_unit(lang.t("辆", "vehicle").into());
        a.invoke_add_item();
        a.set_kept_at(lang.t("超限检测站停车场", "Weigh station car park").into());
        s.shoot(w, "case-measure")?;
        c.invoke_back();
    }
    Ok(())
}

/// Opens the first listed case for which `fits` holds (asked once it is
/// open); false, back on the list, when none does.
fn open_first(w: &MainWindow, fits: impl Fn(&WritingsAdapter<'_>) -> bool) -> bool {
    let c = w.global::<CasesAdapter>();
    let rows = c.get_records();
    let numbers: Vec<String> = (0..slint::Model::row_count(&rows))
        .filter_map(|i| slint::Model::row_data(&rows, i))
        .map(|r| r.case_no.to_string())
        .collect();
    for no in numbers {
        c.invoke_open(no.into());
        if fits(&w.global::<WritingsAdapter>()) {
            return true;
        }
        c.invoke_back();
    }
    false
}

fn archive_screens(w: &MainWindow, s: &mut Shooter<'_>, lang: Lang) -> anyhow::Result<()> {
    let h = w.global::<HomeAdapter>();
    h.invoke_open_cases();
    s.shoot(w, "cases")?;
    let first = w.global::<CasesAdapter>().get_records();
    let case = slint::Model::row_data(&first, 0)
        .map(|r| r.case_no.to_string())
        .unwrap_or_default();
    w.global::<CasesAdapter>().invoke_open(case.clone().into());
    s.shoot(w, "case-detail")?;
    w.global::<CasesAdapter>().invoke_show_preview();
    s.shoot(w, "case-document")?;
    // Opened again (the preview folded): the receipt pad and the payment.
    w.global::<CasesAdapter>().invoke_open(case.clone().into());
    s.shoot(w, "case-service")?;
    w.global::<CasesAdapter>().invoke_back();
    writing_screen(w, s, lang)?;
    w.global::<CasesAdapter>().invoke_back();
    h.invoke_open_settings();
    s.shoot(w, "settings")?;
    w.global::<SettingsAdapter>().invoke_back();
    h.invoke_open_messages();
    s.shoot(w, "messages")?;
    w.global::<SettingsAdapter>().invoke_back();
    h.invoke_sign_out();
    Ok(())
}
