//! Sync and enrolment as background work for the window: each runs on a
//! worker thread with its own connection to the store and hands its
//! outcome to the caller's callback (on the worker).

use std::path::PathBuf;

use crate::core::{Terminal, Text2};

use super::SyncReport;

/// One sync now, on a worker. The error is for the officers (Chinese).
pub fn spawn_sync(
    data_dir: PathBuf,
    server: String,
    done: impl FnOnce(Result<SyncReport, String>) + Send + 'static,
) {
    std::thread::spawn(move || {
        let outcome = match Terminal::open(&data_dir) {
            Ok(mut t) => super::sync(&mut t, &server).map_err(|e| e.zh()),
            Err(e) => Err(format!("无法打开本机数据：{e}")),
        };
        if let Err(e) = &outcome {
            tracing::warn!(error = %e, "sync failed");
        }
        done(outcome);
    });
}

/// An enrolment that worked: who the terminal is now, and its server.
#[derive(Debug, Clone)]
pub struct Enrolled {
    /// What to tell the officer.
    pub message: Text2,
    /// The server remembered.
    pub server: String,
}

/// Redeems an enrolment code (or scanned QR payload) on a worker, so a slow
/// network never blocks the screen.
pub fn spawn_enrol(
    data_dir: PathBuf,
    code: String,
    server: String,
    done: impl FnOnce(Result<Enrolled, Text2>) + Send + 'static,
) {
    std::thread::spawn(move || {
        let outcome = Terminal::open(&data_dir)
            .map_err(|e| Text2::new(format!("本机存储无法打开：{e}"), e.to_string()))
            .and_then(|mut t| {
                super::enrol_input(&mut t, &code, Some(&server), None)
                    .map_err(|e| Text2::new(e.zh(), e.to_string()))
            })
            .map(|(cert, server)| Enrolled {
                message: Text2::new(
                    format!(
                        "登记成功：本终端为“{}”（执法证号 {}），服务器密钥已固定",
                        cert.name, cert.officer
                    ),
                    format!(
                        "Enrolled as \"{}\" (officer {}); the server key is pinned",
                        cert.name, cert.officer
                    ),
                ),
                server,
            });
        match &outcome {
            Ok(e) => tracing::info!(server = %e.server, "enrolled"),
            Err(e) => tracing::warn!(error = %e.en, "enrolment failed"),
        }
        done(outcome);
    });
}
