//! The data the screenshots show: a copy of the officer's terminal when
//! one is given (the original is never touched), else demo data.

use std::fs;
use std::path::{Path, PathBuf};

use crate::core::{Lang, Terminal};
use crate::demo::DEMO_OFFICERS;

/// Copies a folder tree (files and folders only; no links followed).
fn copy_tree(from: &Path, to: &Path) -> anyhow::Result<()> {
    fs::create_dir_all(to)?;
    for e in fs::read_dir(from)? {
        let e = e?;
        let t = e.file_type()?;
        let dest = to.join(e.file_name());
        if t.is_dir() && e.file_name() != "logs" {
            copy_tree(&e.path(), &dest)?;
        } else if t.is_file() {
            fs::copy(e.path(), &dest)?;
        }
    }
    Ok(())
}

/// The terminal folder to show, ready: its language set, the demo
/// officers registered (on the copy), cases and a message present.
pub(super) fn prepare(work: &Path, source: Option<&Path>, lang: Lang) -> anyhow::Result<PathBuf> {
    let dir = work.join("terminal");
    if let Some(src) = source {
        copy_tree(src, &dir)?;
    }
    let term = Terminal::open(&dir)?;
    term.settings().set_language(lang)?;
    let has_cases = !term.cases().list("", 1)?.is_empty();
    if !has_cases {
        // One handed over (移交) and one whose vehicle was detained, for
        // the writings' screens; the newer
        // three come after it (the newest is the one returned below).
        crate::demo::handed_over_case(&term)?;
        crate::demo::detained_case(&term)?;
        crate::demo::seed(&term, &dir, 3, 64 * 1024, |_, _| {})?;
    }
    // The tour signs in as the demo officers (on a copy, a registered
    // officer of the same number gets the demo PIN there only).
    for (cert, name, pin) in DEMO_OFFICERS {
        term.officers().add(cert, name, pin)?;
    }
    if term.store.messages()?.is_empty() {
        // The newest case comes back from the review: the tour shows it
        // returned, with the reason, in the list and on its screen.
        let newest = term.cases().list("", 1)?.into_iter().next();
        term.store
            .store_messages(&[fieldcase_shared::wire::Message {
                id: 1,
                kind: "case_returned".into(),
                case_no: newest.as_ref().map(|c| c.case_no.clone()),
                text: lang.t(
                    "当事人住址未填写，请补充后重新提交。",
                    "The party's address is missing: add it and submit again.",
                ),
                created_at: chrono::Utc::now(),
                case_id: newest.as_ref().map(|c| c.case_id),
                record: Some(fieldcase_shared::hash::sha256(
                    b"the reviewer's signed return",
                )),
            }])?;
    }
    Ok(dir)
}
