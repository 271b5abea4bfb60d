//! `officer` and `case range` / `case numbers`: terminal administration: officers and their PINs,
//! the 案号 range.

use std::io::BufRead;

use chrono::{Datelike, Local};
use clap::Subcommand;

use crate::core::Terminal;

/// `officer` subcommands.
#[derive(Debug, Subcommand)]
pub enum OfficerCommand {
    /// Register an officer (or give a registered one a new PIN). The PIN
    /// (at least 6 digits) is read from standard input, one line; it is
    /// stored only as an Argon2id hash.
    Add {
        /// 执法证号.
        cert_no: String,
        /// Name.
        #[arg(long)]
        name: String,
    },
    /// Officers registered on this terminal.
    List,
}

/// Runs an `officer` subcommand.
pub fn officer(term: &Terminal, cmd: OfficerCommand) -> anyhow::Result<()> {
    match cmd {
        OfficerCommand::Add { cert_no, name } => {
            let cert_no = fieldcase_shared::validate::cert_no(&cert_no)?;
            eprintln!("PIN for {cert_no} (at least 6 digits), then Enter:");
            let mut pin = String::new();
            std::io::stdin().lock().read_line(&mut pin)?;
            let cert_no = term.officers().add(&cert_no, &name, &pin)?;
            eprintln!("officer {cert_no} {name} registered");
        }
        OfficerCommand::List => {
            let officers = term.officers().list()?;
            if officers.is_empty() {
                eprintln!("no officers registered; add one with `fieldcase officer add CERT_NO --name NAME`");
            }
            for (c, n) in officers {
                say!("{c}\t{n}");
            }
        }
    }
    Ok(())
}

/// The two officers (执法证号) who sign `what` sign in, their PINs read
/// from standard input, one per line.
pub(super) fn sign_in_both(
    term: &Terminal,
    officers: &[String],
    what: &str,
) -> anyhow::Result<fieldcase_shared::model::OfficerPair> {
    let [a, b] = officers else {
        anyhow::bail!("give --officer twice: the two officers who sign the {what}");
    };
    eprintln!("PIN of {a}, then of {b}, one per line:");
    let mut pins = std::io::stdin().lock().lines();
    let mut pin = || pins.next().transpose().map(Option::unwrap_or_default);
    let (pin_a, pin_b) = (pin()?, pin()?);
    term.officers()
        .sign_in([(a, pin_a.trim()), (b, pin_b.trim())], chrono::Utc::now())
        .map_err(|e| {
            let t = e.other.or(e.first).or(e.second).unwrap_or_default();
            anyhow::anyhow!("{}", t.en)
        })
}

/// `case correct`: both officers sign in with the PINs on standard input.
pub fn case_correct(
    term: &Terminal,
    case: &str,
    officers: &[String],
    correction: crate::cases::Correction,
) -> anyhow::Result<()> {
    let row = term.cases().find(case)?;
    let pair = sign_in_both(term, officers, "correction")?;
    let answers = row.returned.as_ref().map(|r| r.reason.clone());
    let seq = term.cases().correct(&pair, &row.case_id, &correction)?;
    match answers {
        Some(reason) => eprintln!(
            "correction signed as record {seq}; it answers the return ({reason}) and goes to the back office on the next sync"
        ),
        None => eprintln!("correction signed as record {seq}; it goes to the back office on the next sync"),
    }
    Ok(())
}

/// `case range`.
pub fn case_range(
    term: &Terminal,
    start: u64,
    end: u64,
    year: Option<i32>,
    prefix: Option<String>,
) -> anyhow::Result<()> {
    let year = year.unwrap_or_else(|| Local::now().year());
    if let Some(p) = prefix {
        let p = p.trim();
        if p.is_empty() || p.chars().count() > 12 {
            anyhow::bail!("the prefix must be 1–12 characters, e.g. 乌交执");
        }
        term.store.set_setting("case_prefix", p)?;
    }
    term.store.set_case_range(year, start, end)?;
    case_numbers(term, Some(year), false)
}

/// `case numbers`.
pub fn case_numbers(term: &Terminal, year: Option<i32>, json: bool) -> anyhow::Result<()> {
    let n = term
        .store
        .case_numbers(year.unwrap_or_else(|| Local::now().year()))?;
    if json {
        say!("{}", serde_json::to_string_pretty(&n)?);
        return Ok(());
    }
    say!("prefix\t{}〔{}〕", n.prefix, n.year);
    say!("range\t{:05}–{:05}", n.range.0, n.range.1);
    say!("used\t{}", n.used);
    say!("left\t{}", n.remaining);
    if n.gaps.is_empty() {
        say!("gaps\tnone");
    }
    for g in &n.gaps {
        say!("gap\t{:05}–{:05}", g.from, g.to);
    }
    Ok(())
}
