//! `fieldcase-verify`: checks a case bag offline, trusting only the keys
//! given on the command line. Prints `VALID`, `INVALID (n problems)` or
//! `UNVERIFIABLE (reason)`, then one line per problem
//! (`path: CATEGORY: expected=… found=…`), then who signed it.
//! Exit 0 valid, 1 invalid, 2 could not verify.
#![forbid(unsafe_code)]

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use fieldcase_shared::casebag;
use fieldcase_shared::keys::PublicKey;

/// Verify a fieldcase case bag (one case, one disc) without any server.
#[derive(Debug, Parser)]
#[command(
    name = "fieldcase-verify",
    version,
    about,
    after_help = "Exit status: 0 VALID, 1 INVALID, 2 UNVERIFIABLE (not a bag, unreadable, bad arguments)."
)]
struct Args {
    /// The bag: the folder that holds bagit.txt.
    path: PathBuf,
    /// A trusted device public key (`ed25519:<hex>` as printed by
    /// `fieldcase key show`, or a file holding it). Repeat for several.
    /// Keys found inside the bag are never trusted.
    #[arg(long = "key", required = true, value_name = "PUBKEY")]
    keys: Vec<String>,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
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

/// A byte progress bar on stderr, sized from the bag's `Payload-Oxum`;
/// indicatif hides it when stderr is not a terminal.
fn progress_bar(bag: &std::path::Path) -> indicatif::ProgressBar {
    let total = std::fs::read_to_string(bag.join("bag-info.txt"))
        .ok()
        .and_then(|info| {
            info.lines()
                .find_map(|l| l.strip_prefix("Payload-Oxum: "))
                .and_then(|v| v.split('.').next()?.trim().parse::<u64>().ok())
        })
        .unwrap_or(0);
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
    let args = match Args::try_parse() {
        Ok(a) => a,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    let mut keys = Vec::new();
    for k in &args.keys {
        match parse_key(k) {
            Ok(k) => keys.push(k),
            Err(e) => return unverifiable(args.json, &e),
        }
    }
    let bar = progress_bar(&args.path);
    let report = casebag::verify(&args.path, &keys, |n| bar.inc(n));
    bar.finish_and_clear();
    let report = match report {
        Ok(r) => r,
        Err(e) => return unverifiable(args.json, &e.to_string()),
    };
    let valid = report.is_valid();
    let mut out = String::new();
    if args.json {
        let v = serde_json::json!({
            "result": if valid { "VALID" } else { "INVALID" },
            "report": report,
        });
        out = serde_json::to_string_pretty(&v).unwrap_or_default();
        out.push('\n');
    } else {
        if valid {
            out.push_str("VALID\n");
        } else {
            out.push_str(&format!("INVALID ({} problems)\n", report.problems.len()));
            for p in &report.problems {
                out.push_str(&format!("{p}\n"));
            }
        }
        if let Some(no) = &report.case_no {
            out.push_str(&format!("case: {no}\n"));
        }
        for s in &report.signers {
            out.push_str(&format!(
                "signed by device {} (key {}): {} records, seq {}–{}, last signed {}\n",
                s.device,
                s.key,
                s.records,
                s.first_seq,
                s.last_seq,
                s.last_signed_at.map(|t| t.to_rfc3339()).unwrap_or_default()
            ));
        }
        out.push_str(&format!(
            "checked {} payload files, {} bytes\n",
            report.files_checked, report.bytes_checked
        ));
    }
    // A closed pipe (`| head`) is not an error worth a panic.
    let _ = std::io::stdout().lock().write_all(out.as_bytes());
    ExitCode::from(if valid { 0 } else { 1 })
}
