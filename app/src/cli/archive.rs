//! `bag export`, `disc build`, `evidence prune`.

use std::path::Path;

use fieldcase_shared::casebag::Medium;

use super::byte_bar;
use crate::core::Terminal;

pub(super) fn bag_export(term: &Terminal, case: &str, out_dir: &Path) -> anyhow::Result<()> {
    let cases = term.cases();
    let total = cases.find(case).map_or(0, |c| c.evidence_bytes);
    let bar = byte_bar("export", total);
    let disc = cases.export_bag(case, out_dir, |n| bar.inc(n))?;
    bar.finish_and_clear();
    eprintln!(
        "sealed bag of {} written to {}: {} files, {} bytes",
        disc.seal.case_no,
        out_dir.display(),
        disc.files.len(),
        disc.bytes()
    );
    eprintln!(
        "verify with: fieldcase-verify {} --key {}",
        out_dir.display(),
        term.public_key()
    );
    Ok(())
}

pub(super) fn disc_build(
    term: &Terminal,
    case: &str,
    medium: Medium,
    out: &Path,
) -> anyhow::Result<()> {
    let cases = term.cases();
    let total = cases.find(case).map_or(0, |c| c.evidence_bytes);
    let bar = byte_bar("disc", total);
    let written = cases.build_discs(case, medium, out, |n| bar.inc(n))?;
    bar.finish_and_clear();
    for w in &written {
        say!("{}  {}", w.sha256, w.path.display());
    }
    let paths: Vec<String> = written
        .iter()
        .map(|w| w.path.display().to_string())
        .collect();
    eprintln!(
        "{} disc image(s) for the {} medium written to {}; verify with: fieldcase-verify {} --key {}",
        written.len(),
        medium.name(),
        out.display(),
        paths.join(" "),
        term.public_key()
    );
    eprintln!(
        "print on the disc label — key fingerprint (the disc's index.html asks for it): {}",
        term.public_key().fingerprint()
    );
    Ok(())
}

pub(super) fn prune(term: &Terminal, keep_days: u32) -> anyhow::Result<()> {
    let (n, bytes) = term.store.prune_confirmed(
        chrono::Duration::days(i64::from(keep_days)),
        chrono::Utc::now(),
    )?;
    eprintln!(
        "freed {n} evidence files ({bytes} bytes) confirmed by the server more than {keep_days} days ago; {} files have no receipt yet and were kept",
        term.store.unconfirmed_blob_count()?
    );
    Ok(())
}
