//! `fieldcase screenshots`: every screen rendered headless (no display) to
//! PNG at 360×720, with demo data, in Chinese or English — for review of
//! the layout and the wording. The screens are reached the way an officer
//! reaches them: through the window's own callbacks.

use std::path::{Path, PathBuf};
use std::rc::Rc;

use slint::platform::software_renderer::{MinimalSoftwareWindow, RepaintBufferType};
use slint::platform::{Platform, WindowAdapter};
use slint::{ComponentHandle, PhysicalSize, Rgb8Pixel};

use crate::core::{EvidenceMeta, Terminal};
use crate::demo::DEMO_OFFICERS;
use crate::ui::{self, CasesAdapter, HomeAdapter, Lang, MainWindow, SignInAdapter, WizardAdapter};

/// Screen size in pixels.
pub const SIZE: (u32, u32) = (360, 720);

struct Headless {
    window: Rc<MinimalSoftwareWindow>,
}

impl Platform for Headless {
    fn create_window_adapter(&self) -> Result<Rc<dyn WindowAdapter>, slint::PlatformError> {
        Ok(self.window.clone())
    }
}

struct Shooter {
    window: Rc<MinimalSoftwareWindow>,
    out: PathBuf,
    made: Vec<PathBuf>,
}

impl Shooter {
    fn shoot(&mut self, name: &str) -> anyhow::Result<()> {
        slint::platform::update_timers_and_animations();
        self.window.request_redraw();
        let (w, h) = SIZE;
        let mut buf = vec![Rgb8Pixel::new(0, 0, 0); (w * h) as usize];
        self.window.draw_if_needed(|r| {
            r.render(&mut buf, w as usize);
        });
        let bytes: Vec<u8> = buf.iter().flat_map(|p| [p.r, p.g, p.b]).collect();
        let img = image::RgbImage::from_raw(w, h, bytes)
            .ok_or_else(|| anyhow::anyhow!("frame buffer size mismatch"))?;
        let path = self
            .out
            .join(format!("{:02}-{name}.png", self.made.len() + 1));
        img.save(&path)
            .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        self.made.push(path);
        Ok(())
    }
}

/// Renders every screen into `out` (created if missing); returns the files.
/// Uses a fresh demo terminal in `work`.
pub fn run(out: &Path, lang: Lang, work: &Path) -> anyhow::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(out).map_err(|e| anyhow::anyhow!("{}: {e}", out.display()))?;
    let window = MinimalSoftwareWindow::new(RepaintBufferType::NewBuffer);
    window.set_size(PhysicalSize::new(SIZE.0, SIZE.1));
    slint::platform::set_platform(Box::new(Headless {
        window: window.clone(),
    }))
    .map_err(|e| anyhow::anyhow!("headless platform: {e}"))?;

    // Demo data: officers, a few closed cases, a message.
    let data = work.join("terminal");
    let mut term = Terminal::open(&data)?;
    term.store.set_setting(ui::LANGUAGE, lang.code())?;
    crate::demo::seed(&mut term, &data, 3, 64 * 1024, |_, _| {})?;
    term.store
        .store_messages(&[fieldcase_shared::wire::Message {
            id: 1,
            kind: "case_returned".into(),
            case_no: term.store.cases(1)?.first().map(|c| c.case_no.clone()),
            text: lang.t(
                "当事人住址未填写，请补充后重新提交。",
                "The party's address is missing: add it and submit again.",
            ),
            created_at: chrono::Utc::now(),
        }])?;
    let photo = work.join("现场照片.jpg");
    crate::demo::write_demo_photo(&photo)?;

    let w: MainWindow = ui::build(term, Some(data.clone()), None)?;
    w.show()?;
    let mut s = Shooter {
        window,
        out: out.to_owned(),
        made: Vec::new(),
    };
    s.shoot("sign-in")?;
    let a = w.global::<SignInAdapter>();
    a.set_officer_a(DEMO_OFFICERS[0].0.into());
    a.set_pin_a(DEMO_OFFICERS[0].2.into());
    a.set_officer_b(DEMO_OFFICERS[1].0.into());
    a.set_pin_b(DEMO_OFFICERS[1].2.into());
    a.invoke_sign_in();
    s.shoot("home")?;

    // The check, step by step.
    w.global::<HomeAdapter>().invoke_new_check();
    let c = w.global::<WizardAdapter>();
    let set = |f: &str, v: &str| c.invoke_changed(f.into(), v.into());
    set("plate", "新A12345");
    set("vehicle_kind", "freight");
    set("transport_cert", "650102012345");
    s.shoot("check-1-vehicle")?;
    c.invoke_next();
    set("id_number", "11010519491231002X");
    set("name", "张三");
    set("phone", "13912345678");
    s.shoot("check-2-party")?;
    c.invoke_next();
    set("place", "G30 连霍高速 乌鲁木齐东收费站");
    s.shoot("check-3-place")?;
    c.invoke_next();
    for (i, item) in [
        "transport_cert",
        "driver_qualification",
        "operating_licence",
        "load_limits",
    ]
    .iter()
    .enumerate()
    {
        set(
            &format!("check:{item}"),
            if i == 3 { "problem" } else { "ok" },
        );
    }
    s.shoot("check-4-checklist")?;
    for item in ["no_passengers", "load_secured"] {
        set(&format!("check:{item}"), "ok");
    }
    c.invoke_next();
    set("outcome", "violation");
    s.shoot("check-5-outcome")?;
    c.invoke_next();
    c.set_search("cx".into());
    set("search", "cx");
    set("violation", "GLAQ-64-C");
    set("grade", "一般");
    set("amount", "500");
    s.shoot("check-6-violation")?;
    c.invoke_next();
    // Evidence imported as the worker would (no event loop here).
    {
        let case_no = c.get_case_no().to_string();
        let officers =
            fieldcase_shared::model::OfficerPair::new(DEMO_OFFICERS[0].0, DEMO_OFFICERS[1].0)?;
        let mut t = Terminal::open(&data)?;
        t.add_evidence(
            &officers,
            &case_no,
            &photo,
            EvidenceMeta {
                media_type: "image/jpeg".into(),
                original_name: "现场照片.jpg".into(),
                captured_at: Some(Terminal::now()),
                category: "现场检查".into(),
                description: lang.t("车辆右侧及货物", "right side of the vehicle and load"),
            },
            |_| {},
        )?;
    }
    c.invoke_back();
    c.invoke_next();
    s.shoot("check-7-evidence")?;
    c.invoke_next();
    set("statement", "对检查结果无异议。");
    set("signing", "party");
    for (i, (x, y)) in [
        (30.0, 100.0),
        (80.0, 40.0),
        (120.0, 110.0),
        (170.0, 50.0),
        (240.0, 95.0),
    ]
    .into_iter()
    .enumerate()
    {
        c.invoke_pen(if i == 0 { "down" } else { "move" }.into(), x, y);
    }
    s.shoot("check-8-statement")?;
    c.invoke_sign_save();
    for role in ["officer_a", "officer_b"] {
        set("signing", role);
        c.invoke_pen("down".into(), 40.0, 80.0);
        c.invoke_pen("move".into(), 200.0, 60.0);
        c.invoke_sign_save();
    }
    c.invoke_next();
    s.shoot("check-9-review")?;
    c.invoke_close_case();
    s.shoot("home-after-close")?;

    let h = w.global::<HomeAdapter>();
    h.invoke_open_cases();
    s.shoot("cases")?;
    let first = w.global::<CasesAdapter>().get_records();
    let case = slint::Model::row_data(&first, 0)
        .map(|r| r.case_no.to_string())
        .unwrap_or_default();
    w.global::<CasesAdapter>().invoke_open(case.into());
    s.shoot("case-detail")?;
    w.global::<CasesAdapter>().invoke_back();
    w.global::<CasesAdapter>().invoke_back();
    h.invoke_open_settings();
    s.shoot("settings")?;
    w.global::<ui::SettingsAdapter>().invoke_back();
    h.invoke_open_messages();
    s.shoot("messages")?;
    w.global::<ui::SettingsAdapter>().invoke_back();
    h.invoke_sign_out();
    Ok(s.made)
}
