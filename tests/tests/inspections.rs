//! 双随机 in a real Chromium and with the verifier: a head commits a task
//! (only the seed's SHA-256 shows), pastes the lists of 380 firms and 12
//! inspectors, is refused a count larger than the list with every value
//! kept, draws 41 firms with a public value; the draw file downloaded
//! from the page is re-run by `fieldcase-verify draw --ca` (MATCHES), by
//! an independent Python implementation of the documented function (the
//! same result), and a changed result, a changed seed, another agency
//! key and no key at all are each told apart (DOES NOT MATCH).
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure

use std::fmt::Write as _;

use fantoccini::{Client, Locator};
use fieldcase_e2e::browser::{
    assert_fits, browser, click_and_load, driver, login, mark_page, shot, wait_for_new_page,
    wait_for_url, Engine,
};
use fieldcase_e2e::bureau::PASSWORD;
use fieldcase_e2e::{free_port, run, Server};

fn lists() -> (String, String) {
    let mut firms = String::new();
    // Unsorted and with blank lines, as pasted from a spreadsheet.
    for i in (0..380).rev() {
        writeln!(firms, "91650100MA{i:08}，乌鲁木齐运输有限公司{i}").unwrap();
        if i % 100 == 0 {
            firms.push('\n');
        }
    }
    let inspectors: String = (0..12)
        .map(|i| format!("650100{i:02}\t执法员{i}\n"))
        .collect();
    (firms, inspectors)
}

async fn put(c: &Client, id: &str, text: &str) {
    // Long lists go in by script (typing 380 lines key by key is slow).
    c.execute(
        "document.getElementById(arguments[0]).value = arguments[1];",
        vec![serde_json::json!(id), serde_json::json!(text)],
    )
    .await
    .unwrap();
}

/// The independent re-implementation of docs/inspections.md.
const PYTHON: &str = r#"
import base64, hashlib, json, sys
f = json.load(open(sys.argv[1]))
d = json.loads(base64.b64decode(f["draw"]["payload"]))
seed = bytes.fromhex(d["seed"])
key = hashlib.sha256(b"fieldcase-draw/1" + b"\0" + seed + b"\0" + d["public"].encode()).digest()
state = {"i": 0, "buf": []}
def nxt():
    if not state["buf"]:
        b = hashlib.sha256(key + state["i"].to_bytes(8, "big")).digest()
        state["i"] += 1
        state["buf"] = [int.from_bytes(b[j:j + 8], "big") for j in range(0, 32, 8)]
    return state["buf"].pop(0)
def below(n):
    m = 2**64 - 1
    zone = m - (m % n)
    while True:
        x = nxt()
        if x < zone:
            return x % n
def prefix(n, k):
    v = list(range(n))
    for j in range(k):
        r = j + below(n - j)
        v[j], v[r] = v[r], v[j]
    return v[:k]
firms = sorted(x["code"] for x in d["firms"])
insp = sorted(x["cert_no"] for x in d["inspectors"])
out = [{"firm": firms[i], "inspectors": [insp[j] for j in prefix(len(insp), d["per_firm"])]}
       for i in prefix(len(firms), d["firm_count"])]
print(json.dumps(out == d["picks"]), hashlib.sha256(seed).hexdigest())
"#;

fn verify(file: &std::path::Path, args: &[&str]) -> (i32, String) {
    let mut a = vec!["draw", file.to_str().unwrap()];
    a.extend_from_slice(args);
    let out = run("fieldcase-verify", &a);
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn a_head_commits_and_draws_and_anyone_re_runs_the_draw() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let shots = std::env::var_os("OFFICE_SCREENSHOTS")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| d.join("shots"))
        .join("inspections");
    std::fs::create_dir_all(&shots).unwrap();
    let server = Server::start(&d.join("server"));
    server.add_staff("wangju", "head", "王局长", PASSWORD);
    server.add_staff("chengban", "case_officer", "承办人甲", PASSWORD);
    let base = server.url.clone();
    let port = free_port();
    let _driver = driver(Engine::Chromium, port);
    let c = browser(Engine::Chromium, port, &d.join("profile")).await;

    // A case officer does not draw.
    // No case yet: the inbox has no table; its URL says the login went through.
    login(&c, &base, "chengban", PASSWORD).await;
    wait_for_url(&c, "/office/cases").await;
    assert!(c.find(Locator::Id("nav-inspections")).await.is_err());
    c.goto(&format!("{base}/office/inspections")).await.unwrap();
    let body = c
        .find(Locator::Css("body"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!body.contains("建立任务"), "{body}");
    c.goto(&format!("{base}/office/")).await.unwrap();
    fieldcase_e2e::browser::log_out_from(&c, &format!("{base}/office/cases")).await;

    login(&c, &base, "wangju", PASSWORD).await;
    wait_for_url(&c, "/office/cases").await;
    click_and_load(&c, "nav-inspections").await;
    c.find(Locator::Id("task"))
        .await
        .unwrap()
        .send_keys("2027年第一季度道路货运企业双随机抽查")
        .await
        .unwrap();
    click_and_load(&c, "task-commit").await;
    let section = c.find(Locator::Css("section.task")).await.unwrap();
    let id = section.attr("id").await.unwrap().unwrap();
    let commitment = c
        .find(Locator::Css("section.task code.commitment"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(commitment.len(), 64, "{commitment}");

    // Too many firms: refused, with the lists kept as pasted.
    let (firms, inspectors) = lists();
    put(&c, &format!("{id}-firms"), &firms).await;
    put(&c, &format!("{id}-inspectors"), &inspectors).await;
    put(&c, &format!("{id}-count"), "381").await;
    click_and_load(&c, &format!("{id}-draw")).await;
    let error = c
        .find(Locator::Id(&format!("{id}-error")))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(error.contains("381"), "{error}");
    let kept: String = c
        .execute(
            "return document.getElementById(arguments[0]).value;",
            vec![serde_json::json!(format!("{id}-firms"))],
        )
        .await
        .unwrap()
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(kept.trim(), firms.trim());
    put(&c, &format!("{id}-count"), "41").await;
    put(
        &c,
        &format!("{id}-public"),
        "中国体育彩票超级大乐透 第27001期 开奖号码 03 11 19 24 33 + 05 09",
    )
    .await;
    mark_page(&c).await;
    c.find(Locator::Id(&format!("{id}-draw")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_new_page(&c).await;
    let picks = c
        .find_all(Locator::Css("table.picks tbody tr"))
        .await
        .unwrap();
    assert_eq!(picks.len(), 41);
    shot(&c, &shots, "drawn").await;
    assert_fits(&c, "the drawn task").await;
    // The same page in English fits too.
    c.goto(&format!("{base}/office/lang/en")).await.unwrap();
    c.goto(&format!("{base}/office/inspections")).await.unwrap();
    let h1 = c
        .find(Locator::Css("h1"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(h1, "Random inspections");
    let sizes = c
        .find(Locator::Css("section.task p"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(sizes.contains("Committed"), "{sizes}");
    assert_fits(&c, "the drawn task in English").await;
    shot(&c, &shots, "drawn-en").await;
    c.goto(&format!("{base}/office/lang/zh")).await.unwrap();
    c.goto(&format!("{base}/office/inspections")).await.unwrap();
    let href = c
        .find(Locator::Css("a.draw-file"))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    let text = c
        .execute(
            "return fetch(arguments[0]).then(r => r.text());",
            vec![serde_json::json!(href)],
        )
        .await
        .unwrap();
    let file = d.join("draw.json");
    std::fs::write(&file, text.as_str().unwrap()).unwrap();
    drop(c);

    let agency = fieldcase_e2e::office::get_info(&base)["server_key"]
        .as_str()
        .unwrap()
        .to_owned();
    let (code, out) = verify(&file, &["--ca", &agency]);
    assert_eq!(code, 0, "{out}");
    assert!(out.starts_with("MATCHES"), "{out}");
    assert!(out.contains("41 of 380 firms"), "{out}");
    assert!(out.contains("王局长"), "{out}");

    // Anyone with the documented function gets the same result.
    let py = std::process::Command::new("python3")
        .args(["-c", PYTHON, file.to_str().unwrap()])
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&py.stdout);
    assert!(
        py.status.success(),
        "{}",
        String::from_utf8_lossy(&py.stderr)
    );
    assert_eq!(said.trim(), format!("true {commitment}"));

    // No key, another agency's key: not trusted.
    let (code, out) = verify(&file, &[]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("--ca"), "{out}");
    let other = fieldcase_shared::keys::DeviceKey::generate()
        .public()
        .to_string();
    let (code, _) = verify(&file, &["--ca", &other]);
    assert_eq!(code, 1);
    // The published result changed (two firms swapped), or the seed: the
    // signatures break, and the re-run says so too.
    let original: serde_json::Value = serde_json::from_str(text.as_str().unwrap()).unwrap();
    for change in ["picks", "seed"] {
        let mut f = original.clone();
        let payload = f["draw"]["payload"].as_str().unwrap().to_owned();
        let mut draw: serde_json::Value = serde_json::from_slice(&base64_decode(&payload)).unwrap();
        if change == "picks" {
            let p = draw["picks"].as_array_mut().unwrap();
            p.swap(0, 1);
        } else {
            draw["seed"] = serde_json::json!("00".repeat(32));
        }
        f["draw"]["payload"] =
            serde_json::json!(base64_encode(&serde_json::to_vec(&draw).unwrap()));
        let bad = d.join(format!("bad-{change}.json"));
        std::fs::write(&bad, serde_json::to_vec(&f).unwrap()).unwrap();
        let (code, out) = verify(&bad, &["--ca", &agency]);
        assert_eq!(code, 1, "{change}: {out}");
        assert!(out.contains("signature"), "{change}: {out}");
        let want = if change == "picks" {
            "result"
        } else {
            "SHA-256"
        };
        assert!(out.contains(want), "{change}: {out}");
    }
    // Not a draw file at all.
    std::fs::write(d.join("x.json"), b"{\"format\": 1}").unwrap();
    let (code, out) = verify(&d.join("x.json"), &["--ca", &agency]);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("not a draw file"), "{out}");
}

fn base64_decode(s: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.decode(s).unwrap()
}

fn base64_encode(b: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(b)
}
