//! A simple-procedure case from the roadside to a printed, signed, synced
//! decision, with the real binaries: the 当场行政处罚决定书 printed on a
//! real IPP printer (`ippeveprinter`), signed for by the party on the
//! terminal (refused before it is printed, and twice: 行政处罚法 art. 52),
//! the fine's payment noted (cash only where art. 68 allows it), then
//! synced to the real server, which holds the signed service record and
//! the very PDF the printer received.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure

use std::time::Duration;

use fieldcase_app::core::Terminal;
use fieldcase_e2e::ipp::{printer, spooled};
use fieldcase_e2e::roadside::{signed, OFFICERS};
use fieldcase_e2e::{
    ensure_avahi, free_port, run_input, run_ok, seeded_terminal, wait_for, Server,
};
use fieldcase_shared::hash::{sha256, Digest};
use fieldcase_shared::record::RecordBody;
use fieldcase_shared::served::Receipt;
use fieldcase_sync_server::store::{SqliteStore, Store};

/// A demo case decided on the spot with a fine (the demo draws its
/// violations, so some are warnings or general procedure): 案号, id, fine.
fn fined_simple_case(term: &std::path::Path) -> (String, uuid::Uuid, u64) {
    let terminal = Terminal::open(term).unwrap();
    for row in terminal.cases().list("", 100).unwrap() {
        if let Some(after) = terminal.service().after_decision(&row.case_id).unwrap() {
            if after.fine_yuan > 0 {
                assert!(after.file_by.is_some() && !after.served && !after.filed);
                return (row.case_no, row.case_id, after.fine_yuan);
            }
        }
    }
    panic!("no demo case with an on-the-spot fine");
}

#[test]
fn a_simple_case_is_printed_signed_for_paid_and_synced() {
    ensure_avahi();
    let dir = tempfile::tempdir().unwrap();
    let term = dir.path().join("term");
    // Twenty demo cases: the demo draws its violations, and one must be
    // decided on the spot with a fine.
    let key = seeded_terminal(&term, 20, 0);
    let t = term.to_string_lossy().into_owned();
    let (case_no, case_id, fine) = fined_simple_case(&term);
    let signature = dir.path().join("signature.png");
    let ink = [vec![
        (12.0, 40.0),
        (60.0, 10.0),
        (140.0, 60.0),
        (200.0, 30.0),
    ]];
    std::fs::write(&signature, fieldcase_app::evidence::signature_png(&ink)).unwrap();
    let sig = signature.to_string_lossy().into_owned();
    let serve = [
        "serve",
        &case_no,
        "on_the_spot_decision",
        "--signature",
        &sig,
    ];

    // Not printed: not handed over, so nothing to sign for.
    let (ok, _, err) = signed(&t, &serve);
    assert!(!ok && err.contains("尚未打印"), "{err}");

    let port = free_port();
    let spool = dir.path().join("spool");
    let _printer = printer(port, &spool);
    let uri = format!("ipp://localhost:{port}/ipp/print");
    run_ok("fieldcase", &["--data-dir", &t, "printer", "set", &uri]);
    let out = run_ok(
        "fieldcase",
        &["--data-dir", &t, "print", &case_no, "on_the_spot_decision"],
    );
    assert!(out.contains("sent, printer job"), "{out}");
    wait_for("the spooled job", Duration::from_secs(20), || {
        spooled(&spool).len() == 1
    });
    let printed = sha256(&spooled(&spool)[0]);

    // A wrong PIN signs nothing.
    let mut wrong = vec!["--data-dir", t.as_str()];
    wrong.extend_from_slice(&serve);
    wrong.extend_from_slice(&OFFICERS);
    let out = run_input("fieldcase", &wrong, "000000\n135790\n");
    assert!(!out.status.success());

    let (ok, out, err) = signed(&t, &serve);
    assert!(ok, "{out}{err}");
    assert!(
        out.contains(&format!("sha256:{}", printed.to_hex())),
        "the evidence is the printer's job: {out}"
    );
    assert!(out.contains("第五十二条第三款"), "{out}");
    let (ok, _, err) = signed(&t, &serve);
    assert!(!ok && err.contains("已送达"), "{err}");

    // The 送达回证 is printed from the service record: the
    // document served, its PDF's SHA-256 (the printer's job), the party's
    // signature, the officers and the provision the service record signed
    // (art. 52 para 1 at the roadside).
    let proof = dir.path().join("service_receipt.pdf");
    run_ok(
        "fieldcase",
        &[
            "--data-dir",
            &t,
            "document",
            &case_no,
            "service_receipt",
            "--out",
            &proof.to_string_lossy(),
        ],
    );
    let text = fieldcase_e2e::pdf_text(&proof);
    let qr =
        fieldcase_shared::docref::DocRef::parse(&fieldcase_e2e::pdf_qr(&proof, "150", dir.path()))
            .unwrap();
    assert_eq!(
        (qr.kind.as_str(), qr.case_no.as_str()),
        ("service_receipt", case_no.as_str())
    );
    for want in [
        "送达回证".to_owned(),
        "送达文书：当场行政处罚决定书".to_owned(),
        printed.to_hex(),
        "直接送达，受送达人当场签收".to_owned(),
        "受送达人已在执法终端签名确认".to_owned(),
        "执法证号65010023、执法证号65010031".to_owned(),
        "第五十二条第一款".to_owned(),
    ] {
        assert!(
            text.contains(&want),
            "{want:?} not in the 送达回证:\n{text}"
        );
    }

    // Cash only for 100 yuan or less (art. 68 item 1); otherwise the
    // party's electronic payment.
    let cash = [
        "payment",
        &case_no,
        "--cash",
        "small_fine",
        "--receipt-no",
        "0012345",
    ];
    let (ok, out, err) = signed(&t, &cash);
    if fine <= 100 {
        assert!(ok && out.contains("第六十八条第（一）项"), "{out}{err}");
        assert!(out.contains("hand the cash in"), "{out}");
    } else {
        assert!(!ok && err.contains("第六十八条"), "{err}");
        let e = ["payment", &case_no, "--electronic", "E20261202000123"];
        let (ok, out, err) = signed(&t, &e);
        assert!(ok && out.contains("第六十七条第三款"), "{out}{err}");
    }

    // Synced: the server holds the service record, the PDF and the payment.
    let server = Server::start(&dir.path().join("server"));
    server.register(&key, "执法终端 01");
    run_ok(
        "fieldcase",
        &["--data-dir", &t, "sync", "--server", &server.url],
    );
    let store = SqliteStore::open(&server.dir.join(fieldcase_sync_server::DB_FILE)).unwrap();
    let bodies: Vec<RecordBody> = fieldcase_e2e::server_bodies(&server, &key)
        .into_iter()
        .filter(|b| b.case_id() == case_id)
        .collect();
    let served = bodies
        .iter()
        .find_map(|b| match b {
            RecordBody::DocumentServed(d) => Some(d),
            _ => None,
        })
        .expect("the document_served record reached the server");
    assert_eq!(served.pdf, printed);
    let Receipt::Signed { signature } = served.receipt else {
        panic!("{:?}", served.receipt)
    };
    let blobs: [Digest; 2] = [printed, signature];
    for b in blobs {
        assert!(store.blob(&b).unwrap().is_some(), "blob {b} on the server");
    }
    assert!(bodies
        .iter()
        .any(|b| matches!(b, RecordBody::PaymentNoted(p) if p.amount_yuan == fine)));
    let terminal = Terminal::open(&term).unwrap();
    let after = terminal
        .service()
        .after_decision(&case_id)
        .unwrap()
        .unwrap();
    assert!(after.served && after.paid && after.filed, "{after:?}");
}
