//! The back office in a real headless Chromium (Debian `chromium` driven
//! through `chromedriver` over WebDriver) and, the same way, a real
//! headless Firefox (Debian `firefox-esr` through `geckodriver`): a real terminal syncs its cases
//! to the real server; staff made with `fieldcase-server user add` log in
//! (a wrong password refused), find the cases, open one and see each record
//! verified; the administrator sees that view in the access log and is
//! refused the case. Each page is saved as PNG (to `$OFFICE_SCREENSHOTS`
//! when set) and checked to be a real rendering.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, Locator};
use fieldcase_e2e::browser::{
    browser, click, driver, log_out_from, login, mark_page, shot, wait_for_new_page, wait_for_url,
    Engine,
};
use fieldcase_e2e::{bin, free_port, run_ok, seeded_terminal, Server};

const PW: &str = "office password 1";

/// Waits (the form's answer is a new page) until the case page shows `want`.
async fn wait_state(c: &Client, want: &str) {
    let mut seen = String::new();
    for _ in 0..100 {
        if let Ok(e) = c.find(Locator::Css("dd.state")).await {
            if let Ok(t) = e.text().await {
                if t == want {
                    return;
                }
                seen = t;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the case page shows {seen:?}, never {want:?}");
}

/// The reviewer takes the case up and returns it with a reason; the real
/// terminal's next sync reopens the case with that reason; the officers'
/// signed correction comes back and shows; the reviewer passes the case.
/// Every step shows as a record signed by the reviewer's own key.
/// The archivist builds the approved case's disc and the browser downloads
/// it: its bytes hash (WebCrypto) to the SHA-256 the page lists.
async fn archive_in_the_browser(c: &Client, shots: &Path, base: &str, case_url: &str) {
    log_out_from(c, &format!("{base}/office/")).await;
    login(c, base, "dang", PW).await;
    c.wait()
        .for_element(Locator::Css("table.cases"))
        .await
        .unwrap();
    c.goto(case_url).await.unwrap();
    c.find(Locator::Css("#medium option[value=cd]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    click(c, "archive-build").await;
    let table = c
        .wait()
        .for_element(Locator::Css("table.discs"))
        .await
        .unwrap();
    let listed = c
        .find(Locator::Css("table.discs td.hash"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(table.text().await.unwrap().contains("光盘 1/1"));
    shot(c, shots, "case-archive").await;
    let link = c
        .find(Locator::Css("table.discs a.download"))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    let got = c
        .execute(
            "return fetch(arguments[0]).then(r => r.arrayBuffer()).then(b => crypto.subtle.digest('SHA-256', b))
               .then(d => [...new Uint8Array(d)].map(x => x.toString(16).padStart(2, '0')).join(''));",
            vec![serde_json::json!(link)],
        )
        .await
        .unwrap();
    assert_eq!(
        got.as_str().unwrap(),
        listed.trim(),
        "the downloaded image is the recorded one"
    );
}

async fn review_and_return(c: &Client, shots: &Path, (term, url): (&str, &str), case_no: &str) {
    wait_state(c, "待审核").await;
    // A return needs a reason: the browser will not send the form empty.
    click(c, "review-start").await;
    wait_state(c, "审核中").await;
    let reason = "当事人姓名与身份证件不符，请核实后更正";
    c.find(Locator::Id("reason"))
        .await
        .unwrap()
        .send_keys(reason)
        .await
        .unwrap();
    click(c, "review-return").await;
    wait_state(c, "退回补正").await;
    let page = c.source().await.unwrap();
    assert!(page.contains(reason), "the reason is on the case page");
    assert!(
        page.contains("审核员甲（shen）"),
        "the reviewer signs as themself"
    );
    for v in c.find_all(Locator::Css("td.verdict")).await.unwrap() {
        assert!(v.text().await.unwrap().contains("签名有效"));
    }
    shot(c, shots, "case-returned").await;

    // The terminal's next sync reopens the case, with the reason.
    let sync = || run_ok("fieldcase", &["--data-dir", term, "sync", "--server", url]);
    sync();
    let row = terminal_case(term, case_no);
    assert_eq!(row["status"], "returned", "{row}");
    assert_eq!(row["returned"]["reason"], reason, "{row}");
    let mut child = Command::new(bin("fieldcase"))
        .args(["--data-dir", term, "case", "correct", case_no])
        .args(["--field", "party.name", "--old", "王某", "--new", "王某某"])
        .args(["--reason", "核对身份证后更正姓名"])
        .args(["--officer", "65010023", "--officer", "65010031"])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    writeln!(child.stdin.take().unwrap(), "246810\n135790").unwrap();
    let out = child.wait_with_output().unwrap();
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && said.contains("answers the return"),
        "{said}"
    );
    assert_eq!(terminal_case(term, case_no)["status"], "closed");
    sync();

    // The correction shows in the browser, answering the return.
    c.refresh().await.unwrap();
    wait_state(c, "已补正").await;
    let page = c.source().await.unwrap();
    assert!(
        page.contains("王某某") && page.contains("答复退回"),
        "correction shown"
    );
    shot(c, shots, "case-corrected").await;
    click(c, "review-start").await;
    wait_state(c, "审核中").await;
    click(c, "review-approve").await;
    wait_state(c, "审核通过").await;
    assert!(
        c.find(Locator::Id("review-start")).await.is_err(),
        "no step after a pass"
    );
}

fn terminal_case(term: &str, case_no: &str) -> serde_json::Value {
    let list: serde_json::Value = serde_json::from_str(&run_ok(
        "fieldcase",
        &["--data-dir", term, "case", "list", "--json"],
    ))
    .unwrap();
    list.as_array()
        .unwrap()
        .iter()
        .find(|c| c["case_no"] == case_no)
        .cloned()
        .unwrap_or_else(|| panic!("{case_no} not on the terminal: {list}"))
}

/// One browser at a time: two engines and two servers at once would
/// crowd the machine's two cores past the pages' waits.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

#[tokio::test(flavor = "multi_thread")]
async fn staff_work_the_synced_cases_in_a_real_chromium() {
    let _one = ONE_AT_A_TIME.lock().await;
    staff_work(Engine::Chromium).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn staff_work_the_synced_cases_in_a_real_firefox() {
    let _one = ONE_AT_A_TIME.lock().await;
    staff_work(Engine::Firefox).await;
}

async fn staff_work(engine: Engine) {
    let tmp = tempfile::tempdir().unwrap();
    let shots: PathBuf = std::env::var_os("OFFICE_SCREENSHOTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| tmp.path().join("shots"))
        .join(engine.name());
    std::fs::create_dir_all(&shots).unwrap();
    let server = Server::start(&tmp.path().join("server"));
    let term = tmp.path().join("term");
    let key = seeded_terminal(&term, 2, 64);
    server.register(&key, "执法终端 01");
    let d = term.to_string_lossy().into_owned();
    run_ok(
        "fieldcase",
        &["--data-dir", &d, "sync", "--server", &server.url],
    );
    let cases: serde_json::Value = serde_json::from_str(&run_ok(
        "fieldcase",
        &["--data-dir", &d, "case", "list", "--json"],
    ))
    .unwrap();
    let case_nos: Vec<String> = cases
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["case_no"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(case_nos.len(), 2, "{cases}");
    server.add_staff("shen", "reviewer", "审核员甲", PW);
    server.add_staff("root", "系统管理员", "管理员", PW);
    server.add_staff("dang", "archivist", "档案员丙", PW);

    let port = free_port();
    let _driver = driver(engine, port);
    let c = browser(engine, port, &tmp.path().join("profile")).await;
    let base = server.url.clone();

    // A wrong password is refused, in Chinese, and no session starts.
    login(&c, &base, "shen", "not the password").await;
    let err = c
        .wait()
        .for_element(Locator::Id("login-error"))
        .await
        .unwrap();
    assert!(err.text().await.unwrap().contains("用户名或密码不正确"));
    shot(&c, &shots, "login-refused").await;
    c.goto(&format!("{base}/office/cases")).await.unwrap();
    assert!(c
        .current_url()
        .await
        .unwrap()
        .path()
        .ends_with("/office/login"));

    // The right one opens the inbox with both synced cases.
    login(&c, &base, "shen", PW).await;
    c.wait()
        .for_element(Locator::Css("table.cases"))
        .await
        .unwrap();
    assert!(c
        .current_url()
        .await
        .unwrap()
        .path()
        .ends_with("/office/cases"));
    let page = c.source().await.unwrap();
    for no in &case_nos {
        assert!(page.contains(no.as_str()), "{no} not in the inbox");
    }
    shot(&c, &shots, "cases").await;

    // Search narrows to one case; the keyboard submits the form.
    let q = c.find(Locator::Css("input[name=q]")).await.unwrap();
    q.send_keys(&case_nos[0]).await.unwrap();
    mark_page(&c).await;
    q.send_keys("\u{E007}").await.unwrap(); // Enter
    wait_for_new_page(&c).await;
    wait_for_url(&c, "q=").await;
    let links = c
        .find_all(Locator::Css("table.cases tbody a"))
        .await
        .unwrap();
    assert_eq!(links.len(), 1);
    mark_page(&c).await;
    links[0].click().await.unwrap();
    wait_for_new_page(&c).await;
    let h1 = c.wait().for_element(Locator::Css("h1")).await.unwrap();
    assert_eq!(h1.text().await.unwrap(), case_nos[0]);
    let verdicts = c.find_all(Locator::Css("td.verdict")).await.unwrap();
    assert!(verdicts.len() >= 3, "opened, evidence and closed records");
    for v in &verdicts {
        assert!(v.text().await.unwrap().contains("签名有效"));
    }
    // The procedure the records tell: a roadside decision, or 移交.
    let procedure = c
        .find(Locator::Css("section.procedure"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        procedure.contains("办案程序")
            && (procedure.contains("作出决定") || procedure.contains("已移交机关办理")),
        "{procedure}"
    );
    // The photos are shown, the video gets a player that reads by ranges.
    // The page loads photos lazily; Firefox rejects decode() of an image
    // not yet requested, so each is asked for eagerly first.
    let loaded = c
        .execute(
            "return Promise.all([...document.images].filter(i => i.classList.contains('evidence'))
               .map(i => { i.loading = 'eager'; return i.decode().then(() => i.naturalWidth,
                 e => i.src + ': ' + e); }));",
            vec![],
        )
        .await
        .unwrap();
    let widths: Vec<u64> = serde_json::from_value(loaded.clone())
        .unwrap_or_else(|_| panic!("an evidence image does not decode: {loaded}"));
    assert!(
        !widths.is_empty() && widths.iter().all(|w| *w > 0),
        "{widths:?}"
    );
    let video = c.find(Locator::Css("video.evidence")).await.unwrap();
    let src = video.attr("src").await.unwrap().unwrap();
    let ranged = c
        .execute(
            "return fetch(arguments[0], {headers: {Range: 'bytes=100-199'}})
               .then(r => r.arrayBuffer().then(b => [r.status, r.headers.get('content-range'), b.byteLength]));",
            vec![serde_json::json!(src)],
        )
        .await
        .unwrap();
    assert_eq!(ranged[0], 206, "{ranged}");
    assert!(
        ranged[1].as_str().unwrap().starts_with("bytes 100-199/"),
        "{ranged}"
    );
    assert_eq!(ranged[2], 100, "{ranged}");
    shot(&c, &shots, "case").await;
    let case_url = c.current_url().await.unwrap();

    review_and_return(&c, &shots, (&d, &server.url), &case_nos[0]).await;

    // The access log is not the reviewer's.
    c.goto(&format!("{base}/office/audit")).await.unwrap();
    assert!(c.source().await.unwrap().contains("需要以下角色"));
    shot(&c, &shots, "refused").await;

    // Log out with the form; the administrator sees the view and the refusal.
    log_out_from(&c, &format!("{base}/office/cases")).await;
    login(&c, &base, "root", PW).await;
    if c.wait()
        .for_element(Locator::Css("table.audit"))
        .await
        .is_err()
    {
        panic!(
            "the administrator lands on {} and not the access log: {}",
            c.current_url().await.unwrap(),
            c.source().await.unwrap()
        );
    }
    c.goto(&format!("{base}/office/audit")).await.unwrap();
    let rows = c
        .find(Locator::Css("table.audit tbody"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        rows.contains("case_viewed") && rows.contains("shen"),
        "{rows}"
    );
    assert!(
        rows.contains("login_failed") && rows.contains("refused"),
        "{rows}"
    );
    shot(&c, &shots, "audit").await;
    c.goto(case_url.as_str()).await.unwrap();
    assert!(
        c.source().await.unwrap().contains("需要以下角色"),
        "the administrator reads no case"
    );

    // English.
    c.find(Locator::Css("a[lang=en]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.goto(&format!("{base}/office/audit")).await.unwrap();
    assert!(c
        .find(Locator::Css("h1"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
        .contains("Access log"));
    shot(&c, &shots, "audit-en").await;
    c.find(Locator::Css("a[lang=zh]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    archive_in_the_browser(&c, &shots, &base, case_url.as_str()).await;
    c.close().await.unwrap();
}
