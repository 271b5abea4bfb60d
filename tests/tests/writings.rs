//! The general procedure's writings at the roadside with the real binaries:
//! `fieldcase writing site|interview|preserve|order` signs each with the
//! person's signature or the refusal noted (行政处罚法 art. 55, 56, 28);
//! `fieldcase document` prints each from its record; `pdffonts` shows
//! every font embedded, `pdftotext` gives back what the bag's records say
//! (问/答, times, items, the 7-working-day decision day), the QR code names
//! the writing's own record, `fieldcase-verify --document` matches it; the
//! writings sync to the real server.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure

use std::path::Path;

use fieldcase_e2e::bureau::squash;
use fieldcase_e2e::roadside::{pdffonts_all_embedded, writing};
use fieldcase_e2e::{bag_records, pdf_qr, pdf_text, run, run_ok, seeded_terminal, Server};
use fieldcase_shared::docref::DocRef;
use fieldcase_shared::record::RecordBody;
use serde_json::Value;

const AGENCY: &str = "乌鲁木齐市交通运输综合行政执法支队";

/// Renders `kind` (record `seq`) A4 and checks fonts, QR and the verifier;
/// returns the text.
fn document(
    t: &str,
    case_no: &str,
    kind: &str,
    seq: u64,
    dir: &Path,
    bag: (&Path, &str),
) -> String {
    let pdf = dir.join(format!("{kind}-{seq}.pdf"));
    run_ok(
        "fieldcase",
        &[
            "--data-dir",
            t,
            "document",
            case_no,
            kind,
            "--seq",
            &seq.to_string(),
            "--agency",
            AGENCY,
            "--out",
            &pdf.to_string_lossy(),
        ],
    );
    pdffonts_all_embedded(&pdf);
    let qr = DocRef::parse(&pdf_qr(&pdf, "150", dir)).unwrap();
    assert_eq!((qr.case_no.as_str(), qr.kind.as_str()), (case_no, kind));
    let out = run(
        "fieldcase-verify",
        &[
            &bag.0.to_string_lossy(),
            "--key",
            bag.1,
            "--document",
            &pdf.to_string_lossy(),
        ],
    );
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && said.contains("MATCHES — record"),
        "{said}"
    );
    pdf_text(&pdf)
}

#[test]
fn the_writings_are_signed_printed_from_their_records_and_synced() {
    let dir = tempfile::tempdir().unwrap();
    let term = dir.path().join("term");
    let key = seeded_terminal(&term, 3, 0);
    let t = term.to_string_lossy().into_owned();
    let list: Value = serde_json::from_str(&run_ok(
        "fieldcase",
        &["--data-dir", &t, "case", "list", "--json"],
    ))
    .unwrap();
    let case_no = list[0]["case_no"].as_str().unwrap().to_owned();
    let sig = dir.path().join("signature.png");
    std::fs::write(
        &sig,
        fieldcase_app::evidence::signature_png(&[vec![(10.0, 30.0), (90.0, 5.0), (180.0, 50.0)]]),
    )
    .unwrap();
    let sig = sig.to_string_lossy().into_owned();

    // A question without its answer, and a refusal without a note, are refused.
    let (ok, _, err) = writing(
        &t,
        &[
            "interview",
            &case_no,
            "--started",
            "2026-12-01 10:05",
            "--place",
            "G30",
            "--person",
            "李四",
            "--q",
            "问一",
            "--signature",
            &sig,
        ],
    );
    assert!(!ok && err.contains("--a"), "{err}");
    let (ok, _, err) = writing(
        &t,
        &[
            "order",
            &case_no,
            "--violation",
            "超限运输",
            "--order",
            "卸载",
            "--refused",
        ],
    );
    assert!(!ok && err.contains("--note"), "{err}");

    let (ok, out, err) = writing(
        &t,
        &[
            "interview",
            &case_no,
            "--started",
            "2026-12-01 10:05",
            "--ended",
            "2026-12-01 10:40",
            "--place",
            "G30 K3480 治超站",
            "--person",
            "李四",
            "--id-number",
            "650102198001011234",
            "--relation",
            "witness",
            "--q",
            "我们是执法人员，这是执法证件，你看清楚了吗？",
            "--a",
            "看清楚了。",
            "--q",
            "车上装的是什么货？",
            "--a",
            "钢材，约四十吨。",
            "--signature",
            &sig,
        ],
    );
    assert!(ok, "{out}{err}");
    let (ok, out, err) = writing(
        &t,
        &[
            "site",
            &case_no,
            "--started",
            "2026-12-01 09:50",
            "--ended",
            "2026-12-01 10:00",
            "--place",
            "G30 K3480 治超站",
            "--present",
            "驾驶员王五",
            "--observed",
            "车辆停放于检查区，\n称重结果为 55.2 吨。",
            "--refused",
            "--note",
            "在场人拒绝签名",
            "--witness-name",
            "赵六",
        ],
    );
    assert!(ok, "{out}{err}");
    let (ok, out, err) = writing(
        &t,
        &[
            "preserve",
            &case_no,
            "--item",
            "道路运输证|新A12345|1|本",
            "--item",
            "货物运单||3|张",
            "--kept-at",
            "支队证据保管室",
            "--approved-by",
            "王局长",
            "--signature",
            &sig,
        ],
    );
    assert!(
        ok && out.contains("must decide on the preserved evidence by"),
        "{out}{err}"
    );
    let (ok, out, err) = writing(
        &t,
        &[
            "order",
            &case_no,
            "--violation",
            "车货总质量超过限定标准",
            "--order",
            "卸载超限部分货物",
            "--by",
            "2026-12-10",
            "--signature",
            &sig,
        ],
    );
    assert!(ok, "{out}{err}");

    // What each document says is what its record in the bag says.
    let bag = dir.path().join("bag");
    let records = bag_records(&t, &case_no, &bag);
    let east8 = chrono::FixedOffset::east_opt(8 * 3600).unwrap();
    let time = |t: chrono::DateTime<chrono::FixedOffset>| {
        t.with_timezone(&east8)
            .format("%Y年%m月%d日%H时%M分")
            .to_string()
    };
    let mut seen = 0;
    for (p, _) in &records {
        let b = (bag.as_path(), key.as_str());
        match &p.body {
            RecordBody::InterviewRecorded(w) => {
                let text = document(&t, &case_no, "interview", p.seq, dir.path(), b);
                let mut want = vec![
                    format!("{}至{}", time(w.started_at), time(w.ended_at)),
                    format!("被询问人：{}（证人）", w.person.name),
                    w.person.id_number.clone(),
                    "被询问人已在执法终端签名确认".into(),
                ];
                for e in &w.exchanges {
                    want.push(format!("问：{}答：{}", e.q, e.a));
                }
                for s in want {
                    assert!(text.contains(&squash(&s)), "{s:?} not in:\n{text}");
                }
                seen += 1;
            }
            RecordBody::SiteRecorded(w) => {
                let text = document(&t, &case_no, "site_record", p.seq, dir.path(), b);
                for s in [
                    format!("检查时间：{}至{}", time(w.started_at), time(w.ended_at)),
                    format!("在场人：{}", w.present),
                    format!("现场情况：{}", w.observed),
                    "拒绝签名。执法人员注明：在场人拒绝签名；见证人：赵六".into(),
                ] {
                    assert!(text.contains(&squash(&s)), "{s:?} not in:\n{text}");
                }
                seen += 1;
            }
            RecordBody::EvidenceRegistered(w) => {
                let text = document(&t, &case_no, "evidence_register", p.seq, dir.path(), b);
                for s in [
                    format!("经{}批准", w.approved_by),
                    format!(
                        "本机关将于{}前作出处理决定",
                        w.decide_by.format("%Y年%m月%d日")
                    ),
                    "1.道路运输证，规格：新A12345，数量：1本".into(),
                    "2.货物运单，数量：3张".into(),
                    "第五十六条".into(),
                ] {
                    assert!(text.contains(&squash(&s)), "{s:?} not in:\n{text}");
                }
                seen += 1;
            }
            RecordBody::CorrectionOrdered(_) => {
                let text = document(&t, &case_no, "correction_order", p.seq, dir.path(), b);
                let s = "责令你（单位）于2026年12月10日前改正上述违法行为：卸载超限部分货物";
                assert!(text.contains(s), "{text}");
                seen += 1;
            }
            _ => {}
        }
    }
    assert_eq!(seen, 4);
    // The bag carries the decision and each writing's document, named by
    // the signed seal, and each matches its record on the bag.
    let mut kinds: Vec<String> = std::fs::read_dir(bag.join("data/documents"))
        .expect("the bag's documents")
        .map(|e| {
            let p = e.unwrap().path();
            let out = run(
                "fieldcase-verify",
                &[
                    &bag.to_string_lossy(),
                    "--key",
                    &key,
                    "--document",
                    &p.to_string_lossy(),
                ],
            );
            let said = String::from_utf8_lossy(&out.stdout);
            assert!(
                out.status.success() && said.contains("MATCHES — record"),
                "{said}"
            );
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            name.split('-').nth(1).unwrap().to_owned()
        })
        .collect();
    kinds.sort();
    // The demo case is simple or general by chance: the decision is there
    // exactly when the terminal can make it.
    let simple = run(
        "fieldcase",
        &[
            "--data-dir",
            &t,
            "document",
            &case_no,
            "on_the_spot_decision",
            "--out",
            &dir.path().join("decision.pdf").to_string_lossy(),
        ],
    )
    .status
    .success();
    let mut want = vec![
        "correction_order",
        "evidence_register",
        "interview",
        "site_record",
    ];
    if simple {
        want.insert(3, "on_the_spot_decision");
    }
    assert_eq!(kinds, want);
    // A seq that is not a record of the kind is refused by name.
    let out = run(
        "fieldcase",
        &[
            "--data-dir",
            &t,
            "document",
            &case_no,
            "interview",
            "--seq",
            "1",
            "--out",
            "/tmp/never.pdf",
        ],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("interview_recorded"));

    // Synced: the server holds the four writings.
    let server = Server::start(&dir.path().join("server"));
    server.register(&key, "执法终端 01");
    run_ok(
        "fieldcase",
        &["--data-dir", &t, "sync", "--server", &server.url],
    );
    let kinds: Vec<&str> = fieldcase_e2e::server_bodies(&server, &key)
        .iter()
        .map(|b| b.kind())
        .collect();
    for k in [
        "interview_recorded",
        "site_recorded",
        "evidence_registered",
        "correction_ordered",
    ] {
        assert!(kinds.contains(&k), "{k} on the server");
    }
}
