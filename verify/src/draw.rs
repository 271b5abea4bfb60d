//! `fieldcase-verify draw FILE --ca AGENCY_KEY`: re-runs a published
//! random-inspection draw (双随机) and says whether the published result
//! matches: the signatures by the agency-certified signer, the seed
//! against the commitment made before the draw, the lists' order, and the
//! result (`docs/inspections.md`). Exit 0 MATCHES, 1 DOES NOT MATCH, 2
//! could not read.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use fieldcase_shared::draw::{verify, DrawFile};

/// Re-run a published random-inspection draw and compare its result.
#[derive(Debug, Parser)]
#[command(
    name = "fieldcase-verify draw",
    about = "Re-run a published random-inspection draw (双随机) and say whether the published result matches: signatures, the seed against its commitment, the lists, the result (docs/inspections.md).",
    after_help = "Exit status: 0 MATCHES, 1 DOES NOT MATCH, 2 the file could not be read or bad arguments."
)]
struct DrawArgs {
    /// The draw file the bureau published (draw-….json).
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// A trusted agency key (as printed by `fieldcase-server key show`, or
    /// a file holding it): the signer's certificate must be signed by it.
    /// Repeat for several.
    #[arg(long = "ca", value_name = "AGENCY_KEY")]
    agencies: Vec<String>,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
}

/// Largest draw file read.
const MAX_FILE: u64 = 256 << 20;

fn say(text: &str) {
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}

/// Runs the subcommand on `args` (after `draw`).
pub fn main(args: impl Iterator<Item = String>) -> ExitCode {
    let args = match DrawArgs::try_parse_from(
        std::iter::once("fieldcase-verify draw".to_owned()).chain(args),
    ) {
        Ok(a) => a,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    let unreadable = |why: String| {
        say(&format!("UNVERIFIABLE ({why})\n"));
        ExitCode::from(2)
    };
    let mut keys = Vec::new();
    for k in &args.agencies {
        match super::parse_key(k) {
            Ok(k) => keys.push(k),
            Err(e) => return unreadable(e),
        }
    }
    let size = std::fs::metadata(&args.file).map(|m| m.len()).unwrap_or(0);
    if size > MAX_FILE {
        return unreadable(format!(
            "{}: larger than {MAX_FILE} bytes",
            args.file.display()
        ));
    }
    let text = match std::fs::read(&args.file) {
        Ok(t) => t,
        Err(e) => return unreadable(format!("{}: {e}", args.file.display())),
    };
    let file: DrawFile = match serde_json::from_slice(&text) {
        Ok(f) => f,
        Err(e) => return unreadable(format!("{}: not a draw file: {e}", args.file.display())),
    };
    let report = verify(&file, &keys);
    if args.json {
        say(&format!(
            "{}\n",
            serde_json::to_string_pretty(&report).unwrap_or_default()
        ));
    } else {
        let mut out = String::new();
        if report.matches {
            out.push_str("MATCHES\n");
        } else {
            out.push_str(&format!(
                "DOES NOT MATCH ({} problems)\n",
                report.problems.len()
            ));
            for p in &report.problems {
                out.push_str(&format!("{p}\n"));
            }
        }
        if let Some(d) = &report.draw {
            out.push_str(&format!(
                "task: {} ({})\ndrawn {} by {}: {} of {} firms, {} per firm from {} inspectors\n",
                d.task,
                d.task_id,
                d.drawn_at.to_rfc3339(),
                report.signer.clone().unwrap_or_else(|| d.by.clone()),
                d.firm_count,
                d.firms.len(),
                d.per_firm,
                d.inspectors.len()
            ));
            if !d.public.is_empty() {
                out.push_str(&format!("public value: {}\n", d.public));
            }
        }
        if let Some(picks) = &report.rerun {
            for (i, p) in picks.iter().enumerate() {
                out.push_str(&format!(
                    "{}. {} — {}\n",
                    i + 1,
                    p.firm,
                    p.inspectors.join(", ")
                ));
            }
        }
        say(&out);
    }
    ExitCode::from(if report.matches { 0 } else { 1 })
}
