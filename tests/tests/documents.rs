//! The 当场行政处罚决定书 end to end with the real binary and standard
//! readers: `fieldcase document` renders it from a demo terminal's signed
//! records (A4 and the 80 mm roll); `pdffonts` shows every font embedded as
//! a subset; `pdftotext` gives back every filled field (案号, party, facts,
//! basis, penalty, remedies with 60 days and 6 months, dates), checked
//! against the records read from the case's exported bag, not from the
//! renderer; `pdftoppm` + `zbarimg` decode the QR code to the case, the
//! closing record's digest and its signer. A general-procedure case is
//! refused (行政处罚法 art. 51).
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure

use std::path::Path;
use std::process::Command;

use chrono::FixedOffset;
use fieldcase_e2e::{bag_records, pdf_qr, run, run_ok, seeded_terminal};
use fieldcase_shared::docref::DocRef;
use fieldcase_shared::model::Party;
use fieldcase_shared::record::{RecordBody, RecordPayload};
use serde_json::Value;

const AGENCY: &str = "乌鲁木齐市交通运输综合行政执法支队";

fn squash(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

fn tool(program: &str, args: &[&str]) -> String {
    let out = Command::new(program).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{program} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn the_on_the_spot_decision_carries_every_field_and_a_qr_code_that_names_its_record() {
    let dir = tempfile::tempdir().unwrap();
    let term = dir.path().join("term");
    // Twelve demo cases: the demo draws its violations; one must be simple.
    let key = seeded_terminal(&term, 12, 0);
    let t = term.to_string_lossy().into_owned();
    let list: Value = serde_json::from_str(&run_ok(
        "fieldcase",
        &["--data-dir", &t, "case", "list", "--json"],
    ))
    .unwrap();
    let mut made = 0;
    let mut refused = 0;
    for (i, case) in list.as_array().unwrap().iter().enumerate() {
        let case_no = case["case_no"].as_str().unwrap();
        let a4 = dir.path().join(format!("a4-{i}.pdf"));
        let mut args = vec![
            "--data-dir",
            &t,
            "document",
            case_no,
            "on_the_spot_decision",
        ];
        let a4s = a4.to_string_lossy().into_owned();
        args.extend(["--out", &a4s]);
        if made == 0 && refused == 0 {
            args.extend(["--agency", AGENCY]);
        }
        let out = run("fieldcase", &args);
        if !out.status.success() {
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(
                err.contains("art. 51") || err.contains("no penalty decision"),
                "{case_no}: {err}"
            );
            assert!(!a4.exists(), "a refused document leaves no file");
            refused += 1;
            continue;
        }
        made += 1;
        let bag = dir.path().join(format!("bag-{i}"));
        let records = bag_records(&t, case_no, &bag);
        let qr = check_a4(&a4, case_no, &records, dir.path());
        check_against_the_bag(&bag, &key, &a4, &qr);
        // The same records give the same bytes.
        let again = dir.path().join(format!("again-{i}.pdf"));
        run_ok(
            "fieldcase",
            &[
                "--data-dir",
                &t,
                "document",
                case_no,
                "on_the_spot_decision",
                "--out",
                &again.to_string_lossy(),
            ],
        );
        assert_eq!(std::fs::read(&a4).unwrap(), std::fs::read(&again).unwrap());
        // The 80 mm roll: the same text, one page, the QR code readable at the printer's 203 dpi.
        let roll = dir.path().join(format!("roll-{i}.pdf"));
        run_ok(
            "fieldcase",
            &[
                "--data-dir",
                &t,
                "document",
                case_no,
                "on_the_spot_decision",
                "--paper",
                "roll80",
                "--out",
                &roll.to_string_lossy(),
            ],
        );
        let info = tool("pdfinfo", &[&roll.to_string_lossy()]);
        assert!(info.contains("Pages:           1"), "{info}");
        assert!(info.contains("226.77 x"), "80 mm wide: {info}");
        let qr = pdf_qr(&roll, "203", dir.path());
        assert!(qr.starts_with("fieldcase-doc:v1?case="), "{qr}");
        let text = squash(&tool("pdftotext", &[&roll.to_string_lossy(), "-"]));
        assert!(text.contains(&squash(case_no)));
    }
    assert!(made >= 1 && refused >= 1, "made {made}, refused {refused}");
    let out = run(
        "fieldcase",
        &[
            "--data-dir",
            &t,
            "document",
            "乌交执〔1999〕99999号",
            "on_the_spot_decision",
            "--out",
            "/tmp/never.pdf",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
}

/// Checks the A4 document; returns its decoded QR text.
fn check_a4(pdf: &Path, case_no: &str, records: &[(RecordPayload, String)], dir: &Path) -> String {
    let fonts = tool("pdffonts", &[&pdf.to_string_lossy()]);
    let rows: Vec<&str> = fonts.lines().skip(2).collect();
    assert!(!rows.is_empty(), "{fonts}");
    for row in &rows {
        let cols: Vec<&str> = row.split_whitespace().collect();
        let n = cols.len();
        // name type... encoding emb sub uni object-id gen
        assert_eq!(
            &cols[n - 5..n - 2],
            ["yes", "yes", "yes"],
            "not embedded as a subset: {row}"
        );
    }
    let text = squash(&tool("pdftotext", &[&pdf.to_string_lossy(), "-"]));
    let opened = records
        .iter()
        .find_map(|(p, _)| match &p.body {
            RecordBody::CaseOpened(o) => Some(o.clone()),
            _ => None,
        })
        .unwrap();
    let (closing, digest, decision) = records
        .iter()
        .rev()
        .find_map(|(p, d)| match &p.body {
            RecordBody::CaseClosed(c) => c
                .findings
                .as_ref()
                .and_then(|f| f.decision.clone())
                .map(|dec| (p.clone(), d.clone(), dec)),
            _ => None,
        })
        .unwrap();
    let bj = FixedOffset::east_opt(8 * 3600).unwrap();
    let (party_name, party_id) = match &opened.party {
        Party::Person { id_number, name } => (name.clone(), id_number.clone()),
        Party::Organisation { uscc, name } => (name.clone(), uscc.clone()),
    };
    let penalty = if decision.penalty == "warning" {
        "决定给予警告的行政处罚".to_owned()
    } else {
        format!("决定给予罚款人民币{}元的行政处罚", decision.amount_yuan)
    };
    let must = [
        "当场行政处罚决定书".to_owned(),
        case_no.to_owned(),
        format!("当事人：{party_name}"),
        party_id,
        opened.vehicle.plate.clone(),
        opened.place.clone(),
        opened
            .occurred_at
            .with_timezone(&bj)
            .format("%Y年%m月%d日%H时%M分")
            .to_string(),
        decision.title.clone(),
        format!("依据{}的规定", decision.basis),
        penalty,
        "六十日内依法申请行政复议".to_owned(),
        "六个月内依法向人民法院提起行政诉讼".to_owned(),
        format!(
            "决定日期：{}",
            closing.created_at.with_timezone(&bj).format("%Y年%m月%d日")
        ),
        AGENCY.to_owned(),
    ];
    for m in must {
        assert!(
            text.contains(&squash(&m)),
            "{case_no}: {m:?} missing from\n{text}"
        );
    }
    for officer in &closing.officers {
        assert!(text.contains(officer.as_str()), "officer {officer}");
    }
    let qr = pdf_qr(pdf, "150", dir);
    let r = DocRef::parse(&qr).unwrap();
    assert_eq!(r.case_no, case_no);
    assert_eq!(r.kind, "on_the_spot_decision");
    assert_eq!(r.record.to_hex(), digest);
    assert_eq!(r.signer, closing.device);
    qr
}

/// `fieldcase-verify --document`: the PDF and its QR text match the bag;
/// a changed record digest, or the bag verified with the wrong key, does not.
fn check_against_the_bag(bag: &Path, key: &str, pdf: &Path, qr: &str) {
    let b = bag.to_string_lossy();
    let p = pdf.to_string_lossy();
    for doc in [p.as_ref(), qr] {
        let out = run("fieldcase-verify", &[&b, "--key", key, "--document", doc]);
        let text = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{text}");
        assert!(text.contains("MATCHES — record"), "{text}");
    }
    let mut forged = DocRef::parse(qr).unwrap();
    forged.record.0[0] ^= 1;
    let out = run(
        "fieldcase-verify",
        &[&b, "--key", key, "--document", &forged.to_text()],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("DOES NOT MATCH"));
    let mut other = DocRef::parse(qr).unwrap();
    other.case_no = "乌交执〔2026〕99999号".into();
    let out = run(
        "fieldcase-verify",
        &[&b, "--key", key, "--document", &other.to_text()],
    );
    assert_eq!(out.status.code(), Some(1));
    let out = run(
        "fieldcase-verify",
        &[&b, "--key", key, "--document", "not a reference"],
    );
    assert_eq!(out.status.code(), Some(2));
}
