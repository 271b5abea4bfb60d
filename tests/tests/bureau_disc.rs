//! One case, one disc, built at the bureau: a real terminal syncs its case
//! and prunes its evidence; the reviewer passes the case and the archivist
//! builds and downloads its disc from the real server over HTTP; the real
//! `fieldcase-verify --ca AGENCY_KEY` finds it VALID (and `--key` of the
//! terminal alone does not), and the stock tools agree on the extracted
//! disc: `sha256sum -c`, `bagit.py --validate`, `minisign -V` with the
//! agency key. The disc carries the case's documents, rendered at the
//! bureau and named by the archivist's signed seal.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure

use std::path::Path;

use fieldcase_e2e::office::{archive_disc, curl, get_info};
use fieldcase_e2e::roadside::writing;
use fieldcase_e2e::{office_login, run, run_ok, seeded_terminal, tool, Server};
use fieldcase_shared::keys::PublicKey;

const PW: &str = "a long password 1";
const AGENCY: &str = "乌鲁木齐市交通运输综合行政执法支队";

fn s(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

#[test]
fn the_bureau_builds_a_disc_the_custodian_verifies_after_the_terminal_pruned() {
    let tmp = tempfile::tempdir().unwrap();
    let config = tmp.path().join("server.toml");
    std::fs::write(&config, format!("agency_name = \"{AGENCY}\"\n")).unwrap();
    let server = Server::start_with(&tmp.path().join("server"), &["--config", &s(&config)]);
    let term = tmp.path().join("term");
    let key = seeded_terminal(&term, 1, 256);
    server.register(&key, "执法终端 01");
    let d = s(&term);
    // A 现场笔录 of the handed-over case: its document goes on the disc.
    let list: serde_json::Value = serde_json::from_str(&run_ok(
        "fieldcase",
        &["--data-dir", &d, "case", "list", "--json"],
    ))
    .unwrap();
    let case_no = list[0]["case_no"].as_str().unwrap().to_owned();
    let (ok, _, err) = writing(
        &d,
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
            "称重结果为 55.2 吨。",
            "--refused",
            "--note",
            "在场人拒绝签名",
            "--witness-name",
            "赵六",
        ],
    );
    assert!(ok, "{err}");
    run_ok(
        "fieldcase",
        &["--data-dir", &d, "sync", "--server", &server.url],
    );
    // The terminal frees its evidence: the bureau needs none of it.
    let pruned = run_ok(
        "fieldcase",
        &["--data-dir", &d, "evidence", "prune", "--keep-days", "0"],
    );
    assert!(!pruned.contains("freed 0 "), "{pruned}");

    server.add_staff("shen", "reviewer", "审核员甲", PW);
    server.add_staff("dang", "archivist", "档案员丙", PW);
    let base = server.url.clone();
    let reviewer = office_login(&base, "shen", PW);
    let archivist = office_login(&base, "dang", PW);
    let inbox = curl(&["-H", &reviewer, &format!("{base}/office/cases")]);
    let case = fieldcase_e2e::office::link_after(&inbox, "/office/cases/")
        .trim_start_matches("/office/cases/")
        .to_owned();
    let iso = tmp.path().join("disc.iso");
    archive_disc(&base, &reviewer, &archivist, &case, &iso);

    let agency = get_info(&base)["server_key"].as_str().unwrap().to_owned();
    let out = run("fieldcase-verify", &[&s(&iso), "--ca", &agency]);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.starts_with("VALID\n"), "{text}");
    assert!(
        text.contains(&format!("sealed by agency key {agency}")),
        "{text}"
    );
    assert!(
        text.contains("staff 审核员甲 (shen, reviewer; certified)"),
        "{text}"
    );
    assert!(
        text.contains("staff 档案员丙 (dang, archivist; certified)"),
        "{text}"
    );

    // The terminal's key alone vouches for its own records only.
    let out = run("fieldcase-verify", &[&s(&iso), "--key", &key]);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("UNKNOWN_KEY"), "{text}");

    // Stock tools on the extracted disc.
    let ext = tmp.path().join("ext");
    let o = tool(
        "osirrox",
        &["-indev", &s(&iso), "-extract", "/", &s(&ext)],
        tmp.path(),
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for m in ["manifest-sha256.txt", "tagmanifest-sha256.txt"] {
        let o = tool("sha256sum", &["-c", "--strict", m], &ext);
        assert!(
            o.status.success(),
            "{m}: {}",
            String::from_utf8_lossy(&o.stdout)
        );
    }
    let o = tool("bagit.py", &["--validate", "."], &ext);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let agency_key: PublicKey = agency.parse().unwrap();
    let mkey = fieldcase_shared::seal::minisign_public_key(&agency_key);
    let o = tool(
        "minisign",
        &["-Vm", "tagmanifest-sha256.txt", "-P", &mkey],
        &ext,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // The documents the records produce, named by the signed seal,
    // rendered at the bureau with its name.
    let case_json = std::fs::read_to_string(ext.join("data/case.json")).unwrap();
    let docs: Vec<_> = std::fs::read_dir(ext.join("data/documents"))
        .expect("the disc carries the case's documents")
        .map(|e| e.unwrap().path())
        .collect();
    assert!(
        docs.iter().any(|p| s(p).contains("-site_record-")),
        "{docs:?}"
    );
    for p in &docs {
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            case_json.contains(&format!("data/documents/{name}")),
            "{name}"
        );
        let o = tool("pdftotext", &[&s(p), "-"], tmp.path());
        let text = String::from_utf8_lossy(&o.stdout);
        assert!(
            o.status.success() && text.contains(AGENCY),
            "{name}: {text}"
        );
        assert!(
            text.contains(&case_no) && (!name.contains("-site_record-") || text.contains("赵六")),
            "{name}: {text}"
        );
    }
    // The 卷宗: one PDF/A in the archive order, every page numbered, the
    // contents' page numbers true, staff by name and login, the evidence
    // by SHA-256.
    let file = docs
        .iter()
        .find(|p| s(p).contains("-case_file-"))
        .expect("the case file (卷宗) on the disc");
    let o = tool("pdftotext", &["-layout", &s(file), "-"], tmp.path());
    let text = String::from_utf8_lossy(&o.stdout).into_owned();
    let order = [
        "行政处罚案卷",
        "卷内文件目录",
        "现场笔录",
        "证据目录",
        "保管与操作记录",
        "卷内备考表",
    ];
    let mut at = 0;
    for part in order {
        let found = text[at..]
            .find(part)
            .unwrap_or_else(|| panic!("{part} after byte {at} of the case file: {text}"));
        at += found + part.len();
    }
    for part in [
        "审核员甲（审核人员，shen）",
        "档案员丙（dang）",
        "（北京时间）",
        "SHA-256 ",
    ] {
        assert!(text.contains(part), "{part}: {text}");
    }
    let info = tool("pdfinfo", &[&s(file)], tmp.path());
    let info = String::from_utf8_lossy(&info.stdout).into_owned();
    let pages: usize = info
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .unwrap();
    assert!(
        text.contains(&format!("，{pages} 页")),
        "the cover says {pages} pages: {text}"
    );
    assert!(
        text.contains(&format!("第 {pages} 页")),
        "the last page is numbered"
    );
    // The 目录 names the page the 卷内备考表 starts on: the last.
    let contents_line = text
        .lines()
        .find(|l| l.contains("卷内备考表") && l.trim_end().ends_with(&pages.to_string()))
        .unwrap_or_else(|| panic!("the contents give page {pages} for the 卷内备考表: {text}"));
    assert!(!contents_line.is_empty());
    let fonts = tool("pdffonts", &[&s(file)], tmp.path());
    let fonts = String::from_utf8_lossy(&fonts.stdout).into_owned();
    assert!(
        fonts.lines().skip(2).all(|l| l.contains(" yes ")),
        "{fonts}"
    );
    let readme = std::fs::read_to_string(ext.join("README.TXT")).unwrap();
    assert!(readme.contains(&format!("--ca {agency}")), "{readme}");
    // The folder verifies as the image does.
    let out = run("fieldcase-verify", &[&s(&ext), "--ca", &agency]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}
