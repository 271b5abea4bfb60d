//! The bureau's procedure from the command line, for the tests: a server
//! that names its agency, handed-over demo cases, `fieldcase-server act`
//! with a staff password, and `fieldcase-server document` read back with
//! the standard tools.

use std::path::Path;

use serde_json::Value;

use crate::{pdf_qr, pdf_text, run, run_input, run_ok, Server};
use fieldcase_shared::docref::DocRef;

/// The agency the test servers name on their documents.
pub const AGENCY: &str = "乌鲁木齐市交通运输综合行政执法支队";
/// Every test staff account's password.
pub const PASSWORD: &str = "correct horse battery staple";

/// A server on `dir` whose config names [`AGENCY`].
pub fn agency_server(dir: &Path) -> Server {
    let config = dir.with_extension("toml");
    std::fs::write(&config, format!("agency_name = \"{AGENCY}\"\n")).expect("write the config");
    Server::start_with(dir, &["--config", &config.to_string_lossy()])
}

/// The demo cases the roadside handed over (their on-the-spot decision
/// is refused: the penalty needs the general procedure, art. 51).
pub fn handed_over_cases(t: &str, dir: &Path) -> Vec<String> {
    let list: Value = serde_json::from_str(&run_ok(
        "fieldcase",
        &["--data-dir", t, "case", "list", "--json"],
    ))
    .expect("case list JSON");
    let out = dir.join("probe.pdf").to_string_lossy().into_owned();
    list.as_array()
        .expect("a list")
        .iter()
        .filter_map(|c| c["case_no"].as_str())
        .filter(|c| {
            let o = run(
                "fieldcase",
                &[
                    "--data-dir",
                    t,
                    "document",
                    c,
                    "on_the_spot_decision",
                    "--agency",
                    AGENCY,
                    "--out",
                    &out,
                ],
            );
            String::from_utf8_lossy(&o.stderr).contains("art. 51")
        })
        .map(str::to_owned)
        .collect()
}

/// `fieldcase-server act CASE --user USER --file F` with the password:
/// (success, stdout, stderr).
pub fn act(
    server: &Server,
    case: &str,
    user: &str,
    step: &Value,
    dir: &Path,
) -> (bool, String, String) {
    let file = dir.join("act.json");
    std::fs::write(&file, serde_json::to_vec(step).expect("JSON")).expect("write the act");
    // The server's own configuration (the agency a published entry names).
    let config = server.dir.with_extension("toml");
    let config = if config.exists() {
        config.to_string_lossy().into_owned()
    } else {
        "/dev/null".to_owned()
    };
    let out = run_input(
        "fieldcase-server",
        &[
            "--config",
            &config,
            "--data-dir",
            &server.dir.to_string_lossy(),
            "act",
            case,
            "--user",
            user,
            "--file",
            &file.to_string_lossy(),
        ],
        &format!("{PASSWORD}\n"),
    );
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// [`act`] that must be signed; the signed act's digest.
pub fn act_ok(server: &Server, case: &str, user: &str, step: &Value, dir: &Path) -> String {
    let (ok, out, err) = act(server, case, user, step, dir);
    assert!(ok, "{step}: {err}");
    out.trim().to_owned()
}

/// `fieldcase-server document CASE KIND`: the PDF's text, after checking
/// with `pdffonts` that every font is embedded as a subset, and its QR
/// code decoded from a `pdftoppm` raster.
pub fn document(server: &Server, case: &str, kind: &str, dir: &Path) -> (String, DocRef) {
    let pdf = dir.join(format!("{kind}.pdf"));
    run_ok(
        "fieldcase-server",
        &[
            "--data-dir",
            &server.dir.to_string_lossy(),
            "document",
            case,
            kind,
            "--agency",
            AGENCY,
            "--out",
            &pdf.to_string_lossy(),
        ],
    );
    crate::roadside::pdffonts_all_embedded(&pdf);
    let qr = DocRef::parse(&pdf_qr(&pdf, "150", dir)).expect("the QR names a record");
    (pdf_text(&pdf), qr)
}

/// Text without whitespace (PDF line breaks fall anywhere).
pub fn squash(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// The aspects of the legal review list, in its order.
pub const ASPECTS: [&str; 7] = [
    "subject",
    "authority",
    "facts",
    "evidence",
    "basis",
    "procedure",
    "discretion",
];

/// A legal review act with an opinion on every aspect of the review list;
/// `disagree` names the aspects not agreed (the review then fails).
pub fn legal_review(disagree: &[&str]) -> Value {
    let points: Vec<Value> = ASPECTS
        .iter()
        .map(|a| {
            let agreed = !disagree.contains(a);
            serde_json::json!({"aspect": a, "agreed": agreed,
            "reason": if agreed { "符合规定" } else { "裁量偏重，建议集体讨论" }})
        })
        .collect();
    serde_json::json!({
        "step": {"step": "legal_reviewed", "passed": disagree.is_empty()},
        "paper": {"form": "legal_opinion", "points": points,
                  "conclusion": if disagree.is_empty() { "同意作出处罚决定" } else { "不同意" },
                  "qualification": "typed, replaced by the account's"}
    })
}

/// The bureau's service of the decision in person today (Beijing).
pub fn served_in_person() -> Value {
    let now = chrono::Utc::now()
        .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).expect("UTC+8"))
        .format("%Y-%m-%dT%H:%M:%S+08:00")
        .to_string();
    serde_json::json!({
        "step": {"step": "served"},
        "paper": {"form": "service_receipt", "document": "行政处罚决定书", "method": "direct",
                  "recipient": "当事人", "served_at": now, "place": "执法支队接待室",
                  "detail": "受送达人当场签收"}
    })
}

impl Server {
    /// Records `name`'s 法律职业资格证书编号 with `fieldcase-server user
    /// qualify`.
    pub fn qualify(&self, name: &str, number: &str) {
        run_ok(
            "fieldcase-server",
            &[
                "--data-dir",
                &self.dir.to_string_lossy(),
                "user",
                "qualify",
                name,
                "--legal-qualification",
                number,
            ],
        );
    }
}
