//! `enrol` and `sync`.

use std::path::PathBuf;

use super::byte_bar;
use crate::core::Terminal;

pub(super) fn enrol(
    term: &mut Terminal,
    code: &str,
    server: Option<&str>,
    ca: Option<PathBuf>,
) -> anyhow::Result<()> {
    let ca = ca
        .map(|p| {
            std::fs::read_to_string(&p).map_err(|e| anyhow::anyhow!("--ca {}: {e}", p.display()))
        })
        .transpose()?;
    let (cert, server) = crate::sync::enrol_input(term, code, server, ca.as_deref())?;
    eprintln!(
        "enrolled: device {} is \"{}\" for officer {}; server key {} pinned; server {server} remembered",
        cert.device, cert.name, cert.officer, cert.issuer
    );
    Ok(())
}

pub(super) fn sync(term: &mut Terminal, server: Option<String>) -> anyhow::Result<()> {
    let remembered = term.store.setting(crate::sync::SYNC_SERVER)?;
    let Some(server) = server.or(remembered) else {
        anyhow::bail!(
            "no server given: use `fieldcase sync --server URL` (or set FIELDCASE_SERVER), or enrol this terminal first"
        );
    };
    let before = term.store.unsynced_count()?;
    let bar = byte_bar("evidence", 0);
    let r = crate::sync::sync_with(term, &server, &mut |p| {
        if let crate::sync::SyncProgress::Blob {
            case_no,
            done,
            size,
            ..
        } = p
        {
            bar.set_length(*size);
            bar.set_position(*done);
            bar.set_message(case_no.clone());
        }
    });
    bar.finish_and_clear();
    let r = r?;
    eprintln!(
        "sync: {} of {} unsynced records sent; server stored {} new, already held {}; {} receipts kept",
        r.sent, before, r.new, r.already_held, r.receipts
    );
    if r.messages > 0 {
        eprintln!(
            "{} new messages from the back office: `fieldcase messages` shows them",
            r.messages
        );
    }
    for f in &r.clock_flags {
        eprintln!(
            "warning: the server flagged record seq {} ({}): {}. Check this terminal's clock.",
            f.seq, f.kind, f.detail
        );
    }
    eprintln!(
        "evidence: {} files uploaded ({} bytes sent), {} already held by the server; {} files still without a receipt",
        r.blobs_uploaded,
        r.blob_bytes_sent,
        r.blobs_already_held,
        term.store.unconfirmed_blob_count()?
    );
    Ok(())
}
