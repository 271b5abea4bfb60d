//! Importing the files found as background work: a worker thread with its
//! own connection to the store, so hashing a 2 GB video never blocks the
//! screen; progress and the outcome are handed to the caller's callbacks.

use std::path::PathBuf;

use fieldcase_shared::model::OfficerPair;
use uuid::Uuid;

use super::Candidate;
use crate::core::{Terminal, Text2};

/// What to import.
#[derive(Debug, Clone)]
pub struct Import {
    /// The terminal's data folder (the worker opens its own connection).
    pub data_dir: PathBuf,
    /// Officers signing the records.
    pub officers: OfficerPair,
    /// The case.
    pub case: Uuid,
    /// Files found.
    pub files: Vec<Candidate>,
    /// 音像记录 category.
    pub category: String,
    /// Description.
    pub description: String,
}

/// How an import ended.
#[derive(Debug, Clone)]
pub struct ImportDone {
    /// Files imported (all, unless `ok` is false).
    pub imported: usize,
    /// True when every file was imported.
    pub ok: bool,
    /// What to tell the officer.
    pub message: Text2,
}

/// Progress updates reach the caller at most this many times per import.
const STEPS: u64 = 200;

/// Runs the import on a worker thread. `progress` gets the fraction done
/// (0–1), `done` the outcome; both are called on the worker.
pub fn spawn_import(
    job: Import,
    progress: impl Fn(f32) + Send + 'static,
    done: impl FnOnce(ImportDone) + Send + 'static,
) {
    std::thread::spawn(move || done(run(&job, &progress)));
}

fn run(job: &Import, progress: &dyn Fn(f32)) -> ImportDone {
    let total: u64 = job.files.iter().map(|c| c.size).sum::<u64>().max(1);
    let mut imported = 0;
    let result = Terminal::open(&job.data_dir)
        .map_err(|e| e.to_string())
        .and_then(|t| {
            let (mut done, mut shown) = (0u64, 0u64);
            for c in &job.files {
                t.evidence()
                    .add_found(
                        &job.officers,
                        &job.case,
                        c,
                        &job.category,
                        &job.description,
                        |n| {
                            done += n;
                            let step = done.saturating_mul(STEPS) / total;
                            if step != shown {
                                shown = step;
                                progress(step as f32 / STEPS as f32);
                            }
                        },
                    )
                    .map_err(|e| format!("{}: {e}", c.path.display()))?;
                imported += 1;
            }
            Ok(())
        });
    match result {
        Ok(()) => ImportDone {
            imported,
            ok: true,
            message: Text2::new(
                format!("已导入 {imported} 个文件，已计算 SHA-256 并签名"),
                format!("Imported {imported} files, SHA-256 computed and signed"),
            ),
        },
        Err(e) => {
            tracing::warn!(imported, error = %e, "evidence import stopped");
            ImportDone {
                imported,
                ok: false,
                message: Text2::new(
                    format!("导入中断（已导入的 {imported} 个文件已保存）：{e}"),
                    format!("Import stopped ({imported} files imported so far are kept): {e}"),
                ),
            }
        }
    }
}
