//! Rendering the 当场行政处罚决定书 on the terminal: from the tap (the
//! case's records read from the store) to a preview image — our PDF/A
//! render (font loaded once at start-up, as the app does), then the page
//! rasterised by poppler's `pdftoppm` at the printer's 203 dpi, the
//! reference tool measured in the same run. Prints the median of 20 runs
//! of each and the peak memory the renders add.
//!
//! Then a 询问笔录 of about 20 A4 pages, rendered the same way.
//!
//! `cargo run --release -p fieldcase-app --example document_bench`
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;
use std::time::Instant;

use fieldcase_app::core::Terminal;
use fieldcase_documents::fill::Pick;
use fieldcase_documents::{Kind, Paper, ReportFont};

fn vm_hwm_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("terminal");
    let term = Terminal::open(&dir).unwrap();
    let made = fieldcase_app::demo::seed(&term, &dir, 12, 0, |_, _| {})
        .unwrap()
        .cases;
    let font = ReportFont::load(
        std::path::Path::new(fieldcase_documents::pdf::DEFAULT_FONT),
        fieldcase_documents::pdf::DEFAULT_FONT_INDEX,
    )
    .unwrap();
    let agency = "乌鲁木齐市交通运输综合行政执法支队";
    let case = made
        .iter()
        .find(|c| {
            fieldcase_app::papers::render(
                &term,
                c,
                (Kind::OnTheSpotDecision, Pick::Latest),
                Paper::Roll80,
                agency,
                &font,
            )
            .is_ok()
        })
        .expect("a simple-procedure demo case");
    let before = vm_hwm_kib();
    for paper in [Paper::Roll80, Paper::A4] {
        let mut ours = Vec::new();
        let mut raster = Vec::new();
        let mut bytes = 0;
        for i in 0..20 {
            let t = Instant::now();
            let doc = fieldcase_app::papers::render(
                &term,
                case,
                (Kind::OnTheSpotDecision, Pick::Latest),
                paper,
                agency,
                &font,
            )
            .unwrap();
            ours.push(t.elapsed().as_secs_f64() * 1000.0);
            bytes = doc.pdf.len();
            let pdf = tmp.path().join(format!("d{i}.pdf"));
            std::fs::write(&pdf, &doc.pdf).unwrap();
            let t = Instant::now();
            let st = Command::new("pdftoppm")
                .args(["-r", "203", "-png", "-singlefile"])
                .arg(&pdf)
                .arg(tmp.path().join(format!("p{i}")))
                .status()
                .unwrap();
            assert!(st.success());
            raster.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        let (o, r) = (median(ours), median(raster));
        println!(
            "{paper:?}: render {o:.1} ms, pdftoppm -r 203 {r:.1} ms, tap to preview {:.1} ms (target < 300); ours / pdftoppm = {:.2}; {bytes} bytes",
            o + r,
            o / r
        );
    }
    let added = vm_hwm_kib().saturating_sub(before);
    println!(
        "peak memory added by the renders: {:.1} MiB (target < 50)",
        added as f64 / 1024.0
    );
    window_tap(&dir, case, agency, &font, tmp.path());
    long_interview(&term, case, agency, &font, tmp.path());
}

/// What the window does on the tap: the case screen's 预览 button filled
/// from the records into the preview shown (Slint's testing backend: the
/// callback and the model set, not the paint), against `pdftotext` reading
/// the same document's text from its PDF, in the same run.
fn window_tap(
    dir: &std::path::Path,
    case: &str,
    agency: &str,
    font: &ReportFont,
    tmp: &std::path::Path,
) {
    use fieldcase_app::demo::DEMO_OFFICERS;
    use fieldcase_app::ui::{CasesAdapter, SignInAdapter};
    use slint::{ComponentHandle, Model};
    i_slint_backend_testing::init_no_event_loop();
    let term = Terminal::open(dir).unwrap();
    term.store
        .set_setting(fieldcase_app::papers::AGENCY_SETTING, agency)
        .unwrap();
    let doc = fieldcase_app::papers::render(
        &term,
        case,
        (Kind::OnTheSpotDecision, Pick::Latest),
        Paper::Roll80,
        agency,
        font,
    )
    .unwrap();
    let pdf = tmp.join("tap.pdf");
    std::fs::write(&pdf, &doc.pdf).unwrap();
    let w = fieldcase_app::ui::build(term, None, None).unwrap();
    let a = w.global::<SignInAdapter>();
    a.set_officer_a(DEMO_OFFICERS[0].0.into());
    a.set_pin_a(DEMO_OFFICERS[0].2.into());
    a.set_officer_b(DEMO_OFFICERS[1].0.into());
    a.set_pin_b(DEMO_OFFICERS[1].2.into());
    a.invoke_sign_in();
    let c = w.global::<CasesAdapter>();
    let (mut ours, mut reference) = (Vec::new(), Vec::new());
    for _ in 0..20 {
        c.invoke_open(case.into());
        assert_eq!(c.get_preview().row_count(), 0);
        let t = Instant::now();
        c.invoke_show_preview();
        ours.push(t.elapsed().as_secs_f64() * 1000.0);
        assert!(c.get_preview().row_count() > 5, "{}", c.get_status());
        let t = Instant::now();
        let st = Command::new("pdftotext")
            .arg(&pdf)
            .arg(tmp.join("tap.txt"))
            .status()
            .unwrap();
        assert!(st.success());
        reference.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let (o, r) = (median(ours), median(reference));
    println!(
        "window tap to preview: {o:.1} ms (target < 300), pdftotext of the same PDF {r:.1} ms; ours / pdftotext = {:.2}",
        o / r
    );
}

/// A 询问笔录 of about 20 A4 pages (270 questions and answers): our render
/// against `pdftoppm` rasterising the same pages at 150 dpi.
fn long_interview(
    term: &Terminal,
    case: &str,
    agency: &str,
    font: &ReportFont,
    dir: &std::path::Path,
) {
    use fieldcase_app::service::ReceiptInput;
    use fieldcase_app::writings::{Draft, Sitting};
    use fieldcase_shared::investigation::{Exchange, Interviewee, Relation};
    let exchanges = (1..=270)
        .map(|i| Exchange {
            q: format!("第{i}问：请你说明当日车辆的装载情况、出发地点、目的地以及货物的来源和收货人的联系方式。"),
            a: format!("第{i}答：当日从乌鲁木齐市米东区出发，装载钢材约四十吨，送往昌吉市某建材市场，收货人姓王，电话我手机里有，货物是老板联系的，我只负责开车，其他情况我不清楚。"),
        })
        .collect();
    let now = Terminal::now();
    let officers = fieldcase_shared::model::OfficerPair::new("65010023", "65010031").unwrap();
    let w = term
        .writings()
        .record(
            &officers,
            case,
            Draft::Interview {
                sitting: Sitting {
                    started_at: now - chrono::Duration::hours(2),
                    ended_at: now,
                    place: "G30 K3480 治超站".into(),
                },
                person: Interviewee {
                    name: "李四".into(),
                    id_number: String::new(),
                    relation: Relation::Party,
                },
                exchanges,
            },
            ReceiptInput::Refused {
                note: "当事人拒绝签名".into(),
                witness: None,
            },
        )
        .unwrap();
    let which = (Kind::Interview, Pick::Seq(w.seq));
    let mut ours = Vec::new();
    let mut raster = Vec::new();
    let mut pages = String::new();
    for i in 0..5 {
        let t = Instant::now();
        let doc =
            fieldcase_app::papers::render(term, case, which, Paper::A4, agency, font).unwrap();
        ours.push(t.elapsed().as_secs_f64() * 1000.0);
        let pdf = dir.join(format!("interview{i}.pdf"));
        std::fs::write(&pdf, &doc.pdf).unwrap();
        let info = Command::new("pdfinfo").arg(&pdf).output().unwrap();
        pages = String::from_utf8_lossy(&info.stdout)
            .lines()
            .find_map(|l| l.strip_prefix("Pages:"))
            .unwrap_or("?")
            .trim()
            .to_owned();
        let t = Instant::now();
        let st = Command::new("pdftoppm")
            .args(["-r", "150", "-png"])
            .arg(&pdf)
            .arg(dir.join(format!("i{i}")))
            .status()
            .unwrap();
        assert!(st.success());
        raster.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let (o, r) = (median(ours), median(raster));
    println!(
        "询问笔录 of {pages} A4 pages: render {o:.1} ms (target < 2000), pdftoppm -r 150 {r:.1} ms; ours / pdftoppm = {:.2}",
        o / r
    );
}
