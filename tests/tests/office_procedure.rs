//! The general procedure in a real headless Chromium (Debian `chromium`
//! through `chromedriver`): a real terminal hands a case over and syncs;
//! staff made with `fieldcase-server user add` take every step in the
//! browser's forms — 立案 by the head, the 违法行为通知书, 陈述申辩, the
//! hearing waived where it was offered, a negative 法制审核 opinion along
//! the review list and the 集体讨论 it then needs, the decision, its 送达
//! with a method from the code list, payment, 结案. The refusals of the
//! procedure model show in the page with their article, and the form keeps
//! what was typed. Every act's document opens as a PDF; the case is then
//! reviewed, archived, and its disc verified with `fieldcase-verify --ca`,
//! its documents read back with `pdftotext`.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure

use std::path::{Path, PathBuf};

use fantoccini::{Client, Locator};
use fieldcase_e2e::browser::{
    browser, click, click_and_load, driver, log_out_from, login, shot, Engine,
};
use fieldcase_e2e::bureau::{agency_server, handed_over_cases, PASSWORD};
use fieldcase_e2e::office::archive_disc;
use fieldcase_e2e::{free_port, office_login, run, run_ok, seeded_terminal, server_bodies, Server};
use fieldcase_shared::record::RecordBody;

/// Sets a form field's value as a person's typing would leave it (dates
/// and times in the ISO form the browser's own inputs submit).
async fn put(c: &Client, id: &str, value: &str) {
    c.execute(
        "const e = document.getElementById(arguments[0]);
         if (!e) { throw new Error('no #' + arguments[0]); }
         e.value = arguments[1];",
        vec![serde_json::json!(id), serde_json::json!(value)],
    )
    .await
    .unwrap_or_else(|e| panic!("#{id}: {e}"));
}

/// Logs out, logs `name` in and opens the case page.
async fn switch_to(c: &Client, base: &str, case_url: &str, name: &str) {
    log_out_from(c, case_url).await;
    login(c, base, name, PASSWORD).await;
    c.wait()
        .for_element(Locator::Css("table.cases"))
        .await
        .unwrap();
    c.goto(case_url).await.unwrap();
}

/// Scrolls `#id` to the top of the window (for the screenshots).
async fn scroll_to(c: &Client, id: &str) {
    c.execute(
        "document.getElementById(arguments[0]).scrollIntoView();",
        vec![serde_json::json!(id)],
    )
    .await
    .unwrap_or_else(|e| panic!("#{id}: {e}"));
}

/// Opens the step's form (its `<details>`).
async fn open(c: &Client, key: &str) {
    c.execute(
        "const d = document.getElementById('act-' + arguments[0]);
         if (!d) { throw new Error('no form ' + arguments[0]); }
         d.open = true;",
        vec![serde_json::json!(key)],
    )
    .await
    .unwrap_or_else(|e| panic!("form {key}: {e}"));
}

/// Signs the step's form and waits for the next page; returns its text.
async fn sign(c: &Client, key: &str) -> String {
    click_and_load(c, &format!("act-{key}-sign")).await;
    c.wait()
        .for_element(Locator::Id("procedure-h"))
        .await
        .unwrap();
    c.find(Locator::Css("main"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// Signs the step and expects it taken: it is listed among the steps.
async fn taken(c: &Client, key: &str, listed: &str) {
    let page = sign(c, key).await;
    let steps = c
        .find(Locator::Css("table.steps"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        steps.contains(listed),
        "{key}: {listed:?} not among the steps:\n{steps}\n---\n{page}"
    );
    assert!(
        c.find(Locator::Css(".act-error")).await.is_err(),
        "{key} was refused: {page}"
    );
}

/// Signs the step and expects the refusal, with `article`, shown at the
/// form, which stays open with what was typed.
async fn refused(c: &Client, key: &str, article: &str) -> String {
    sign(c, key).await;
    let e = c
        .find(Locator::Id(&format!("act-{key}-error")))
        .await
        .unwrap_or_else(|_| panic!("{key}: no refusal shown"));
    let text = e.text().await.unwrap();
    assert!(text.contains(article), "{key}: {text}");
    let open: bool = c
        .execute(
            "return document.getElementById('act-' + arguments[0]).open;",
            vec![serde_json::json!(key)],
        )
        .await
        .unwrap()
        .as_bool()
        .unwrap();
    assert!(open, "{key}: the refused form stays open");
    text
}

/// The value of a field as the page now holds it.
async fn value(c: &Client, id: &str) -> String {
    c.find(Locator::Id(id))
        .await
        .unwrap_or_else(|_| panic!("no #{id}"))
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default()
}

/// A handed-over demo case whose decision needs the legal review (every
/// hearing case does), and what its closing record says.
fn a_case_needing_legal_review(
    dir: &Path,
) -> (Server, String, String, fieldcase_shared::check::Decision) {
    for round in 0..4 {
        let term = dir.join(format!("term{round}"));
        let key = seeded_terminal(&term, 16, 0);
        let t = term.to_string_lossy().into_owned();
        let handed = handed_over_cases(&t, dir);
        let server = agency_server(&dir.join(format!("server{round}")));
        server.register(&key, "执法终端 01");
        run_ok(
            "fieldcase",
            &["--data-dir", &t, "sync", "--server", &server.url],
        );
        let found = server_bodies(&server, &key)
            .into_iter()
            .find_map(|b| match b {
                RecordBody::CaseClosed(c) if handed.contains(&c.case_no) => c
                    .findings
                    .and_then(|f| f.decision)
                    .filter(|d| d.legal_review)
                    .map(|d| (c.case_no.clone(), d)),
                _ => None,
            });
        if let Some((case_no, decision)) = found {
            return (server, t, case_no, decision);
        }
    }
    panic!("no demo case needing the legal review in 64 cases");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_general_procedure_case_goes_through_every_step_in_a_real_chromium() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let shots: PathBuf = std::env::var_os("OFFICE_SCREENSHOTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| d.join("shots"))
        .join("procedure");
    std::fs::create_dir_all(&shots).unwrap();
    let (server, _term, case_no, decision) = a_case_needing_legal_review(d);
    server.add_staff("chengban", "case_officer", "承办人甲", PASSWORD);
    server.add_staff("wangju", "head", "王局长", PASSWORD);
    server.add_staff("fazhi", "legal_reviewer", "法制审核员乙", PASSWORD);
    server.add_staff("shen", "reviewer", "审核员丙", PASSWORD);
    server.add_staff("dang", "archivist", "档案员丁", PASSWORD);
    let base = server.url.clone();
    let port = free_port();
    let _driver = driver(Engine::Chromium, port);
    let c = browser(Engine::Chromium, port, &d.join("profile")).await;

    // The case officer finds the case; 立案 is the head's, so it is not
    // offered; the notice is offered but the law does not allow it before
    // filing, and says so with the article.
    login(&c, &base, "chengban", PASSWORD).await;
    c.wait()
        .for_element(Locator::Css("table.cases"))
        .await
        .unwrap();
    c.goto(&format!("{base}/office/cases?q={}", urlencode(&case_no)))
        .await
        .unwrap();
    let link = c
        .find(Locator::Css("table.cases a"))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    let case_url = format!("{base}{link}");
    c.goto(&case_url).await.unwrap();
    assert!(
        c.find(Locator::Id("act-filed")).await.is_err(),
        "立案 is the head's"
    );
    let note = c
        .find(Locator::Css("#act-notice_served .act-no"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(note.contains("第五十四条"), "{note}");
    scroll_to(&c, "act-notice_served").await;
    shot(&c, &shots, "acts-before-filing").await;
    // Sent anyway: refused with the article, the typed facts kept.
    open(&c, "notice_served").await;
    let facts = "当事人驾驶车辆从事道路运输经营，未取得道路运输经营许可";
    c.find(Locator::Id("act-notice_served-facts"))
        .await
        .unwrap()
        .clear()
        .await
        .unwrap();
    c.find(Locator::Id("act-notice_served-facts"))
        .await
        .unwrap()
        .send_keys(facts)
        .await
        .unwrap();
    fill_notice(&c, &decision).await;
    refused(&c, "notice_served", "第五十四条").await;
    assert_eq!(value(&c, "act-notice_served-facts").await, facts);

    // The head files it: the 立案登记表 names the head as approver.
    switch_to(&c, &base, &case_url, "wangju").await;
    open(&c, "filed").await;
    put(
        &c,
        "act-filed-facts",
        "当事人未取得道路运输经营许可，擅自从事道路运输经营",
    )
    .await;
    put(&c, "act-filed-opinion", "建议立案调查").await;
    put(&c, "act-filed-approval", "同意立案").await;
    taken(&c, "filed", "立案").await;

    // The case officer serves the notice, hears the statement, and the
    // hearing offered is waived; a decision before the statement is heard
    // is refused (art. 62).
    switch_to(&c, &base, &case_url, "chengban").await;
    open(&c, "notice_served").await;
    fill_notice(&c, &decision).await;
    taken(&c, "notice_served", "送达违法行为通知书").await;
    // The notice's response period runs: the deadlines page lists it
    // for the case officer, and the inbox counts it.
    c.goto(&format!("{base}/office/deadlines")).await.unwrap();
    let table = c
        .find(Locator::Css("table.deadlines-all"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        table.contains(&case_no) && table.contains("陈述、申辩期限"),
        "{table}"
    );
    shot(&c, &shots, "deadlines").await;
    c.goto(&format!("{base}/office/cases")).await.unwrap();
    let counts = c
        .find(Locator::Id("due-counts"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(counts.contains("正在计算"), "{counts}");
    c.goto(&case_url).await.unwrap();
    open(&c, "decided").await;
    fill_decision(&c, &decision).await;
    refused(&c, "decided", "第六十二条").await;
    open(&c, "statement_heard").await;
    click(&c, "act-statement_heard-closed").await;
    taken(&c, "statement_heard", "陈述申辩").await;
    if decision.hearing_right {
        open(&c, "hearing_waived").await;
        taken(&c, "hearing_waived", "放弃听证").await;
    }
    // No legal review yet: refused with art. 58.
    open(&c, "decided").await;
    fill_decision(&c, &decision).await;
    refused(&c, "decided", "第五十八条").await;

    // The legal reviewer: refused without the qualification on the
    // account (art. 58 para. 2); then a negative opinion on 裁量.
    switch_to(&c, &base, &case_url, "fazhi").await;
    assert!(
        c.find(Locator::Id("act-notice_served")).await.is_err(),
        "a legal reviewer sees only the review"
    );
    open(&c, "legal_reviewed").await;
    review_opinion(&c, &["discretion"]).await;
    refused(&c, "legal_reviewed", "第五十八条第二款").await;
    // The reasons typed are still there.
    assert_eq!(
        value(&c, "act-legal_reviewed-aspects-discretion-reason").await,
        "罚款数额接近上限，建议集体讨论"
    );
    run_ok(
        "fieldcase-server",
        &[
            "--data-dir",
            &server.dir.to_string_lossy(),
            "user",
            "qualify",
            "fazhi",
            "--legal-qualification",
            "A20221100000789",
        ],
    );
    c.goto(&case_url).await.unwrap();
    open(&c, "legal_reviewed").await;
    review_opinion(&c, &["discretion"]).await;
    open(&c, "legal_reviewed").await;
    scroll_to(&c, "act-legal_reviewed").await;
    shot(&c, &shots, "legal-review-form").await;
    taken(&c, "legal_reviewed", "法制审核").await;
    scroll_to(&c, "procedure-h").await;
    shot(&c, &shots, "legal-review").await;

    // Against a negative opinion the decision is refused until the head's
    // 集体讨论 (art. 58, 57 para. 2).
    switch_to(&c, &base, &case_url, "wangju").await;
    open(&c, "decided").await;
    fill_decision(&c, &decision).await;
    let why = refused(&c, "decided", "第五十八条").await;
    assert!(why.contains("法制审核未通过"), "{why}");
    open(&c, "collectively_discussed").await;
    taken(&c, "collectively_discussed", "集体讨论").await;
    open(&c, "decided").await;
    fill_decision(&c, &decision).await;
    taken(&c, "decided", "作出决定").await;

    // Service: electronic without the consent named is refused (art. 61
    // para. 2); in person it is recorded. Then payment and 结案.
    open(&c, "served").await;
    set_select(&c, "act-served-method", "electronic").await;
    put(&c, "act-served-served_at", &now_local()).await;
    put(&c, "act-served-place", "执法支队接待室").await;
    put(&c, "act-served-detail", "").await;
    c.execute(
        "document.getElementById('act-served-detail').removeAttribute('required');",
        vec![],
    )
    .await
    .unwrap();
    refused(&c, "served", "第六十一条第二款").await;
    scroll_to(&c, "act-served").await;
    shot(&c, &shots, "service-refused").await;
    assert_eq!(value(&c, "act-served-place").await, "执法支队接待室");
    set_select(&c, "act-served-method", "direct").await;
    put(&c, "act-served-detail", "受送达人当场签收").await;
    taken(&c, "served", "送达决定书").await;
    open(&c, "paid").await;
    taken(&c, "paid", "缴纳").await;
    open(&c, "closed").await;
    put(&c, "act-closed-outcome", "罚款已缴纳").await;
    put(&c, "act-closed-execution", "当事人已履行完毕").await;
    taken(&c, "closed", "结案").await;
    // After 结案 only the decision's publication is offered (art. 48).
    for gone in ["paid", "closed", "served", "decided"] {
        assert!(
            c.find(Locator::Id(&format!("act-{gone}"))).await.is_err(),
            "after 结案 {gone} is not offered"
        );
    }
    scroll_to(&c, "procedure-h").await;
    shot(&c, &shots, "case-closed").await;
    publish(&c, &base, &case_no, &shots).await;
    c.goto(&case_url).await.unwrap();
    file_review(&c, &base, &case_url, &case_no, &shots).await;

    // Every act's document opens as a PDF in the browser.
    let docs: Vec<String> = {
        let mut v = Vec::new();
        for a in c.find_all(Locator::Css("a.document")).await.unwrap() {
            v.push(a.attr("href").await.unwrap().unwrap());
        }
        v
    };
    // 立案登记表, 违法行为通知书, 法制审核意见书, 决定书, 送达回证, 结案报告
    // (and any writing of the roadside).
    assert!(docs.len() >= 6, "{docs:?}");
    let steps = c
        .find(Locator::Css("table.steps"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(steps.matches("法制审核").count(), 1, "signed once: {steps}");
    for url in &docs {
        let head = c
            .execute(
                "return fetch(arguments[0]).then(r => r.arrayBuffer())
                   .then(b => String.fromCharCode(...new Uint8Array(b.slice(0, 5))));",
                vec![serde_json::json!(url)],
            )
            .await
            .unwrap();
        assert_eq!(head.as_str().unwrap(), "%PDF-", "{url}");
    }
    drop(c);

    // Reviewed and archived; the disc verifies with the agency key alone
    // and carries the opinion and the proof of service.
    let reviewer = office_login(&base, "shen", PASSWORD);
    let archivist = office_login(&base, "dang", PASSWORD);
    let case_id = link.rsplit('/').next().unwrap().to_owned();
    let iso = d.join("case.iso");
    archive_disc(&base, &reviewer, &archivist, &case_id, &iso);
    let agency = fieldcase_e2e::office::get_info(&base)["server_key"]
        .as_str()
        .unwrap()
        .to_owned();
    let out = run(
        "fieldcase-verify",
        &[&iso.to_string_lossy(), "--ca", &agency],
    );
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{said}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let x = d.join("x");
    std::fs::create_dir_all(&x).unwrap();
    let o = fieldcase_e2e::tool(
        "osirrox",
        &[
            "-indev",
            &iso.to_string_lossy(),
            "-extract",
            "/",
            &x.to_string_lossy(),
        ],
        d,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let listed: Vec<String> = std::fs::read_dir(x.join("data/documents"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let opinion = listed
        .iter()
        .find(|n| n.contains("legal_opinion"))
        .unwrap_or_else(|| panic!("{listed:?}"));
    let text = fieldcase_e2e::bureau::squash(&fieldcase_e2e::pdf_text(
        &x.join("data/documents").join(opinion),
    ));
    assert!(text.contains("裁量：不同意"), "{text}");
    assert!(text.contains("A20221100000789"), "{text}");
    assert!(
        listed.iter().any(|n| n.contains("service_receipt")),
        "{listed:?}"
    );
}

/// 双公示 in the browser: the entry previewed masked, a withdrawal before
/// any overturning refused with its article, the decision published, the
/// publication page listing it and its export holding it, masked.
async fn publish(c: &Client, base: &str, case_no: &str, shots: &Path) {
    let text = |id: &'static str| async move {
        c.find(Locator::Id(id))
            .await
            .unwrap_or_else(|_| panic!("no #{id}"))
            .text()
            .await
            .unwrap()
    };
    assert_eq!(text("publication-status").await, "待公示");
    let preview = text("publication-entry").await;
    assert!(preview.contains("行政相对人名称"), "{preview}");
    assert!(preview.contains(case_no), "{preview}");
    assert!(
        preview.contains("罚款") && preview.contains("公示截止期"),
        "{preview}"
    );
    let id_row = c
        .execute(
            "for (const r of document.querySelectorAll('#publication-entry tr')) {
               if (r.cells[0].textContent === '证件号码') { return r.cells[1].textContent; }
             }
             return '';",
            vec![],
        )
        .await
        .unwrap();
    let id = id_row.as_str().unwrap();
    assert!(
        id.is_empty() || id.contains("**********"),
        "a person's ID number is masked: {id}"
    );
    scroll_to(c, "publication-h").await;
    shot(c, shots, "publication-preview").await;
    open(c, "publication_withdrawn").await;
    put(c, "act-publication_withdrawn-reason", "测试").await;
    refused(c, "publication_withdrawn", "第四十八条第二款").await;
    open(c, "published").await;
    taken(c, "published", "公示").await;
    assert_eq!(text("publication-status").await, "公示中");
    c.goto(&format!("{base}/office/publication")).await.unwrap();
    let table = text("pub-published-table").await;
    assert!(table.contains(case_no), "{table}");
    shot(c, shots, "publication").await;
    fieldcase_e2e::browser::assert_fits(c, "the publication page").await;
    for (link, first) in [
        ("csv", "行政相对人名称"),
        ("json", "fieldcase-publication-export/1"),
    ] {
        let url = format!("/office/publication/export.{link}");
        let body = c
            .execute(
                "return fetch(arguments[0]).then(r => r.text());",
                vec![serde_json::json!(url)],
            )
            .await
            .unwrap();
        let body = body.as_str().unwrap();
        assert!(body.contains(first), "{link}: {body}");
        assert!(body.contains(case_no), "{link}: {body}");
        assert!(body.contains("公示中"), "{link}: {body}");
    }
}

/// 案卷评查: the case page's findings are the ones the bureau-wide report
/// lists for the case (the stored table agrees with the live check), and
/// the report names every rule.
async fn file_review(c: &Client, base: &str, case_url: &str, case_no: &str, shots: &Path) {
    c.find(Locator::Id("file-review-h"))
        .await
        .expect("the pre-review section");
    let on_page = c
        .find_all(Locator::Css("#file-review-findings li"))
        .await
        .unwrap()
        .len();
    switch_to(c, base, case_url, "fazhi").await;
    c.goto(&format!("{base}/office/file-review")).await.unwrap();
    let rules = c
        .find(Locator::Id("file-review-rules"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for want in [
        "文书缺失",
        "期限已过",
        "签名无效",
        "证据未上传",
        "处罚超出裁量基准",
        "第三十四条",
    ] {
        assert!(rules.contains(want), "{want}: {rules}");
    }
    let listed = c
        .execute(
            "return [...document.querySelectorAll('#file-review-list tbody tr')]
               .filter(r => r.cells[0].textContent === arguments[0]).length;",
            vec![serde_json::json!(case_no)],
        )
        .await
        .unwrap()
        .as_u64()
        .unwrap();
    assert_eq!(
        listed as usize, on_page,
        "the report and the case page agree"
    );
    shot(c, shots, "file-review").await;
    fieldcase_e2e::browser::assert_fits(c, "the pre-review report").await;
    c.goto(case_url).await.unwrap();
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn bj_today() -> chrono::NaiveDate {
    chrono::Utc::now()
        .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).unwrap())
        .date_naive()
}

fn now_local() -> String {
    chrono::Utc::now()
        .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).unwrap())
        .format("%Y-%m-%dT%H:%M")
        .to_string()
}

async fn set_select(c: &Client, id: &str, v: &str) {
    c.find(Locator::Css(&format!("#{id} option[value={v}]")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

async fn fill_notice(c: &Client, decision: &fieldcase_shared::check::Decision) {
    if value(c, "act-notice_served-facts").await.is_empty() {
        put(
            c,
            "act-notice_served-facts",
            "当事人未取得道路运输经营许可，擅自从事道路运输经营",
        )
        .await;
    }
    put(c, "act-notice_served-basis", &decision.basis).await;
    put(c, "act-notice_served-proposed", "罚款人民币伍仟元").await;
    put(
        c,
        "act-notice_served-respond_by",
        &(bj_today() + chrono::Days::new(5)).to_string(),
    )
    .await;
    let hearing_by = if decision.hearing_right {
        (bj_today() + chrono::Days::new(5)).to_string()
    } else {
        String::new()
    };
    put(c, "act-notice_served-hearing_by", &hearing_by).await;
    put(c, "act-notice_served-contact", "0991-1234567").await;
}

async fn fill_decision(c: &Client, decision: &fieldcase_shared::check::Decision) {
    put(c, "act-decided-address", "乌鲁木齐市天山区解放北路1号").await;
    put(c, "act-decided-facts", "当事人存在违法行为，事实清楚").await;
    put(
        c,
        "act-decided-evidence",
        "现场检查记录\n现场照片\n执法记录仪音像记录",
    )
    .await;
    put(c, "act-decided-basis", &decision.basis).await;
    put(c, "act-decided-penalty", "罚款人民币伍仟元").await;
    put(c, "act-decided-fine_yuan", "5000").await;
    put(
        c,
        "act-decided-performance",
        "自收到本决定书之日起十五日内缴纳罚款",
    )
    .await;
}

async fn review_opinion(c: &Client, disagree: &[&str]) {
    for a in fieldcase_e2e::bureau::ASPECTS {
        let no = disagree.contains(&a);
        click(
            c,
            &format!(
                "act-legal_reviewed-aspects-{a}-{}",
                if no { "no" } else { "yes" }
            ),
        )
        .await;
        let reason = if no {
            "罚款数额接近上限，建议集体讨论"
        } else {
            "符合规定"
        };
        put(c, &format!("act-legal_reviewed-aspects-{a}-reason"), reason).await;
    }
    put(
        c,
        "act-legal_reviewed-conclusion",
        "裁量不当，不同意按拟定数额处罚",
    )
    .await;
}
