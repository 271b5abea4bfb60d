//! `fieldcase-verify`: checks a case bundle offline — a disc image file, a
//! block device, a folder (mounted or copied disc), or every disc of a set
//! — trusting only the keys given on the command line. Prints `VALID`,
//! `INVALID (n problems)` or `UNVERIFIABLE (reason)`, then one line per
//! problem (`path: CATEGORY: expected=… found=…`), then who sealed and
//! signed it. Exit 0 valid, 1 invalid, 2 could not verify.
#![forbid(unsafe_code)]

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use fieldcase_shared::casebag;
use fieldcase_shared::docref::DocRef;
use fieldcase_shared::keys::{DeviceKey, PublicKey};

mod draw;
mod report;

/// Verify a fieldcase case bundle (one case, one disc) without any server.
#[derive(Debug, Parser)]
#[command(
    name = "fieldcase-verify",
    version,
    about,
    after_help = "Exit status: 0 VALID (and every --document matches), 1 INVALID or a document that does not match, 2 UNVERIFIABLE (not a bag, unreadable, bad arguments).\n\nAlso: fieldcase-verify draw FILE --ca AGENCY_KEY re-runs a published random-inspection draw (双随机) and says whether its result matches (fieldcase-verify draw --help)."
)]
struct Args {
    /// The bundle: a disc image (.iso) or block device (read directly, no
    /// mount needed), or the folder that holds bagit.txt. For a set of
    /// discs give every disc.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// A trusted device public key (`ed25519:<hex>` as printed by
    /// `fieldcase key show`, or a file holding it). Repeat for several.
    /// Keys found inside the bag are never trusted.
    #[arg(
        long = "key",
        value_name = "PUBKEY",
        required_unless_present = "agencies"
    )]
    keys: Vec<String>,
    /// A trusted agency key (the sync server's key, as printed by
    /// `fieldcase-server key show`, or a file holding it). A disc built at
    /// the bureau must be sealed by it, and every signer of its records
    /// (terminals and staff) must hold a certificate on the disc that it
    /// signed. Repeat for several.
    #[arg(long = "ca", value_name = "AGENCY_KEY")]
    agencies: Vec<String>,
    /// A printed document to check against the bundle: the text of its QR
    /// code (`fieldcase-doc:v1?…`) or its PDF file. It matches when the
    /// bundle is VALID and holds the record the document names, signed by
    /// the signer it names, in the case it names. Repeat for several.
    #[arg(long = "document", value_name = "QR_TEXT|FILE.pdf")]
    documents: Vec<String>,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
    /// Also write the 四性检测 report (DA/T 70: authenticity, integrity,
    /// usability, security) of what was verified to this PDF/A file, with
    /// its minisign signature beside it (FILE.minisig).
    #[arg(long, value_name = "FILE.pdf", requires = "report_key")]
    report: Option<PathBuf>,
    /// The key that signs the report: a 32-byte Ed25519 key file (mode
    /// 0600), made if missing; its public key is printed.
    #[arg(long, value_name = "KEYFILE")]
    report_key: Option<PathBuf>,
    /// The CJK font of the report (default: fonts-noto-cjk's Noto Sans
    /// Mono CJK SC).
    #[arg(long, value_name = "FONT", default_value = fieldcase_documents::pdf::DEFAULT_FONT)]
    font: PathBuf,
    /// The face of --font in a collection (.ttc).
    #[arg(long, default_value_t = fieldcase_documents::pdf::DEFAULT_FONT_INDEX)]
    font_index: u32,
}

/// The largest document file read.
const MAX_DOCUMENT_BYTES: u64 = 64 << 20;

fn doc_ref(arg: &str) -> Result<DocRef, String> {
    if arg
        .trim_start()
        .starts_with(fieldcase_shared::docref::PREFIX)
    {
        return DocRef::parse(arg).map_err(|e| e.to_string());
    }
    let meta = std::fs::metadata(arg).map_err(|e| {
        format!("--document {arg:?} is neither a fieldcase-doc QR text nor a readable file: {e}")
    })?;
    if meta.len() > MAX_DOCUMENT_BYTES {
        return Err(format!(
            "--document {arg}: larger than any document ({} bytes)",
            meta.len()
        ));
    }
    let bytes = std::fs::read(arg).map_err(|e| format!("--document {arg}: {e}"))?;
    DocRef::find_in(&bytes).map_err(|e| format!("--document {arg}: {e}"))
}

/// What a document's reference says against the bundle.
#[derive(serde::Serialize)]
struct DocumentCheck {
    document: String,
    case_no: String,
    kind: String,
    record: String,
    signer: String,
    matches: bool,
    detail: String,
}

fn check_document(arg: &str, r: &DocRef, report: &casebag::Report) -> DocumentCheck {
    let found = report
        .records
        .iter()
        .find(|x| x.digest == r.record && x.device == r.signer);
    let (matches, detail) = if !report.is_valid() {
        (
            false,
            "the bundle is not VALID: nothing in it can confirm the document".to_owned(),
        )
    } else if report.case_no.as_deref() != Some(r.case_no.as_str()) {
        (
            false,
            format!(
                "the document names case {}, the bundle holds {}",
                r.case_no,
                report.case_no.as_deref().unwrap_or("no case")
            ),
        )
    } else {
        match found {
            Some(x) => (
                true,
                format!(
                    "record {} ({}, seq {}) signed by device {}",
                    x.digest, x.kind, x.seq, x.device
                ),
            ),
            None => (
                false,
                "the bundle holds no record with that digest from that signer".to_owned(),
            ),
        }
    };
    DocumentCheck {
        document: arg.chars().take(200).collect(),
        case_no: r.case_no.clone(),
        kind: r.kind.clone(),
        record: r.record.to_hex(),
        signer: r.signer.to_string(),
        matches,
        detail,
    }
}

fn parse_key(arg: &str) -> Result<PublicKey, String> {
    if let Ok(k) = arg.parse::<PublicKey>() {
        return Ok(k);
    }
    let text = std::fs::read_to_string(arg).map_err(|_| {
        format!("--key {arg:?} is neither a public key (ed25519:<64 hex>) nor a readable file")
    })?;
    text.parse::<PublicKey>()
        .map_err(|e| format!("--key file {arg}: {e}"))
}

/// A byte progress bar on stderr; indicatif hides it when stderr is not a
/// terminal.
fn progress_bar(total: u64) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(total);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "verifying [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} {eta}",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

fn unverifiable(json: bool, reason: &str) -> ExitCode {
    let line = if json {
        serde_json::json!({ "result": "UNVERIFIABLE", "reason": reason }).to_string()
    } else {
        format!("UNVERIFIABLE ({reason})")
    };
    let _ = writeln!(std::io::stdout().lock(), "{line}");
    ExitCode::from(2)
}

fn main() -> ExitCode {
    // `fieldcase-verify draw FILE …` re-runs a random-inspection draw; any
    // other first argument is a bundle path (a folder named `draw` is
    // given as `./draw`).
    if std::env::args().nth(1).as_deref() == Some("draw") {
        return draw::main(std::env::args().skip(2));
    }
    let args = match Args::try_parse() {
        Ok(a) => a,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    let mut trust = casebag::Trust::default();
    for (list, given) in [
        (&mut trust.keys, &args.keys),
        (&mut trust.agencies, &args.agencies),
    ] {
        for k in given {
            match parse_key(k) {
                Ok(k) => list.push(k),
                Err(e) => return unverifiable(args.json, &e),
            }
        }
    }
    let mut refs = Vec::new();
    for d in &args.documents {
        match doc_ref(d) {
            Ok(r) => refs.push((d.clone(), r)),
            Err(e) => return unverifiable(args.json, &e),
        }
    }
    // The report's key and font are checked before the long read.
    let report_with = match (&args.report, &args.report_key) {
        (Some(out), Some(k)) => {
            let dir = out.parent().filter(|d| !d.as_os_str().is_empty());
            if dir.is_some_and(|d| !d.is_dir()) {
                return unverifiable(
                    args.json,
                    &format!("--report: {} is not a folder", dir.unwrap_or(out).display()),
                );
            }
            let key = match DeviceKey::load_or_create(k) {
                Ok(key) => key,
                Err(e) => return unverifiable(args.json, &format!("--report-key: {e}")),
            };
            let font = match fieldcase_documents::ReportFont::load(&args.font, args.font_index) {
                Ok(f) => f,
                Err(e) => return unverifiable(args.json, &format!("--font: {e}")),
            };
            Some((out.clone(), key, font))
        }
        _ => None,
    };
    let paths: Vec<&std::path::Path> = args.paths.iter().map(|p| p.as_path()).collect();
    let sources = match casebag::open_all(&paths) {
        Ok(s) => s,
        Err(e) => return unverifiable(args.json, &e.to_string()),
    };
    let bar = progress_bar(casebag::total_bytes(&sources));
    let report = casebag::verify_sources(sources, &trust, |n| bar.inc(n));
    bar.finish_and_clear();
    let valid = report.is_valid();
    let checks: Vec<DocumentCheck> = refs
        .iter()
        .map(|(arg, r)| check_document(arg, r, &report))
        .collect();
    let documents_ok = checks.iter().all(|c| c.matches);
    let mut report_line = String::new();
    let mut report_json = serde_json::Value::Null;
    if let Some((path, key, font)) = &report_with {
        let labels: Vec<String> = report.discs.iter().map(|d| d.label.clone()).collect();
        match report::write(&report, &trust, &labels, (path, key, font)) {
            Ok(sha) => {
                report_json = serde_json::json!({
                    "file": path.display().to_string(),
                    "sha256": sha,
                    "signer": key.public().to_string(),
                });
                report_line = format!(
                    "report: {} (SHA-256 {sha}), signed by {} — check: minisign -Vm {} -P {}\n",
                    path.display(),
                    key.public(),
                    path.display(),
                    fieldcase_shared::seal::minisign_public_key(&key.public())
                )
            }
            Err(e) => return unverifiable(args.json, &format!("--report: {e}")),
        }
    }
    let mut out = String::new();
    if args.json {
        let v = serde_json::json!({
            "result": if valid { "VALID" } else { "INVALID" },
            "report": report,
            "documents": checks,
            "four_properties_report": report_json,
        });
        out = serde_json::to_string_pretty(&v).unwrap_or_default();
        out.push('\n');
    } else {
        if valid {
            out.push_str("VALID\n");
        } else {
            out.push_str(&format!("INVALID ({} problems)\n", report.problem_count));
            for p in &report.problems {
                out.push_str(&format!("{p}\n"));
            }
            for (category, n) in &report.not_listed {
                out.push_str(&format!("… {n} more {category} problems not listed\n"));
            }
        }
        if let Some(no) = &report.case_no {
            out.push_str(&format!("case: {no}\n"));
        }
        match &report.sealed {
            Some(s) => {
                let by = match report.sealed_by {
                    Some(k) if trust.agencies.contains(&k) => format!("agency key {k}"),
                    _ => format!("device {}", s.signer),
                };
                out.push_str(&format!(
                    "sealed by {by} at {} (bundle {})\n",
                    s.sealed_at.to_rfc3339(),
                    s.bundle
                ))
            }
            None => out.push_str("seal: not verified\n"),
        }
        if report.sm2_cosigned {
            out.push_str("国密: SM3 manifests match and the agency's SM2 co-signature verifies\n");
        }
        for d in &report.discs {
            if d.count > 1 {
                out.push_str(&format!(
                    "disc {} of {}: {} ({})\n",
                    d.index, d.count, d.label, d.kind
                ));
            }
        }
        for s in &report.signers {
            let who = match &s.certified {
                Some(c) if !c.roles.is_empty() => format!(
                    "staff {} ({}, {}; certified)",
                    c.name,
                    c.officer,
                    fieldcase_shared::staff::roles_to_text(&c.roles)
                ),
                Some(c) => format!("device {} ({}; certified)", s.device, c.officer),
                None => format!("device {}", s.device),
            };
            out.push_str(&format!(
                "signed by {who} (key {}): {} records, seq {}–{}, last signed {}\n",
                s.key,
                s.records,
                s.first_seq,
                s.last_seq,
                s.last_signed_at.map(|t| t.to_rfc3339()).unwrap_or_default()
            ));
        }
        out.push_str(&format!(
            "checked {} files, {} bytes\n",
            report.files_checked, report.bytes_checked
        ));
        out.push_str(&report_line);
        for c in &checks {
            out.push_str(&format!(
                "document {} of {}: {} — {}\n",
                c.kind,
                c.case_no,
                if c.matches {
                    "MATCHES"
                } else {
                    "DOES NOT MATCH"
                },
                c.detail
            ));
        }
    }
    // A closed pipe (`| head`) is not an error worth a panic.
    let _ = std::io::stdout().lock().write_all(out.as_bytes());
    ExitCode::from(if valid && documents_ok { 0 } else { 1 })
}
