//! `case list`, `chain verify`, `messages`, `key show`.

use std::process::ExitCode;

use crate::core::Terminal;

pub(super) fn case_list(term: &Terminal, search: Option<&str>, json: bool) -> anyhow::Result<()> {
    let cases = term.cases().list(search.unwrap_or(""), usize::MAX >> 1)?;
    if json {
        say!("{}", serde_json::to_string_pretty(&cases)?);
        return Ok(());
    }
    if cases.is_empty() {
        eprintln!("no cases on this terminal yet (try `fieldcase demo --cases 3`)");
        return Ok(());
    }
    say!(
        "{:<22}\t{:<9}\t{:<6}\t{:>3}\t{:<8}\topened",
        "case",
        "plate",
        "status",
        "ev",
        "sync"
    );
    for c in cases {
        say!(
            "{}\t{}\t{}\t{:>3}\t{}\t{}",
            c.case_no,
            c.plate,
            c.status.as_str(),
            c.evidence,
            if c.unsynced == 0 { "synced" } else { "pending" },
            c.opened_at.format("%Y-%m-%d %H:%M %:z")
        );
    }
    Ok(())
}

pub(super) fn chain_verify(term: &Terminal) -> anyhow::Result<ExitCode> {
    let check = term.verify_chain()?;
    if check.problems.is_empty() {
        say!(
            "VALID: {} records, head seq {} chain {}",
            check.good,
            check.head.seq,
            check.head.chain
        );
        return Ok(ExitCode::SUCCESS);
    }
    say!("INVALID ({} problems)", check.problems.len());
    for (i, p) in &check.problems {
        say!("record #{}: {}: {p}", i + 1, p.outcome());
    }
    Ok(ExitCode::from(1))
}

pub(super) fn messages(term: &Terminal, json: bool) -> anyhow::Result<()> {
    let list = term.store.messages()?;
    if json {
        say!("{}", serde_json::to_string_pretty(&list)?);
        return Ok(());
    }
    if list.is_empty() {
        eprintln!("no messages from the back office (they arrive with `fieldcase sync`)");
    }
    for m in list {
        let kind = match m.kind.as_str() {
            "case_returned" => "退回案件",
            "task" => "任务",
            _ => "通知",
        };
        say!(
            "{}\t{kind}\t{}\t{}",
            m.created_at
                .with_timezone(&chrono::Local)
                .format("%Y-%m-%d %H:%M"),
            m.case_no.unwrap_or_default(),
            m.text
        );
    }
    Ok(())
}

pub(super) fn key_show(term: &Terminal, minisign: bool) {
    let cert = term
        .store
        .setting(crate::sync::DEVICE_CERT)
        .ok()
        .flatten()
        .and_then(|c| fieldcase_shared::envelope::Envelope::from_json(c.as_bytes()).ok())
        .and_then(|e| {
            serde_json::from_slice::<fieldcase_shared::cert::DeviceCert>(&e.payload).ok()
        });
    match cert {
        Some(c) => eprintln!(
            "enrolled as \"{}\" for officer {} on {} (server key {})",
            c.name,
            c.officer,
            c.issued_at.to_rfc3339(),
            c.issuer
        ),
        None => eprintln!(
            "not enrolled: `fieldcase --server URL enrol CODE` with a code from the back office"
        ),
    }
    if minisign {
        say!(
            "{}",
            fieldcase_shared::seal::minisign_public_key_file(&term.public_key()).trim_end()
        );
    } else {
        say!("{}", term.public_key());
    }
}
