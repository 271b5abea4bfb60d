//! Background sync: a worker thread that syncs whenever there is something
//! to send, waits with exponential backoff after a failure (the network at
//! the roadside comes and goes), can be woken at once (the sync button),
//! and reports progress per case and per evidence file. Interrupted
//! uploads resume from what the server holds, also after the app was killed.

use std::path::PathBuf;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::time::Duration;

use crate::core::Terminal;
use crate::sync::{SyncProgress, SyncReport};

/// Delays after consecutive failures: `base · 2^(n-1)`, at most `max`.
#[derive(Debug, Clone)]
pub struct Backoff {
    base: Duration,
    max: Duration,
    failures: u32,
}

impl Backoff {
    /// A backoff starting at `base`, capped at `max`.
    pub fn new(base: Duration, max: Duration) -> Self {
        Backoff {
            base,
            max,
            failures: 0,
        }
    }

    /// The delay after one more failure.
    pub fn fail(&mut self) -> Duration {
        self.failures = self.failures.saturating_add(1);
        let factor = 1u32 << (self.failures - 1).min(20);
        self.base.saturating_mul(factor).min(self.max)
    }

    /// Back to the start after a success.
    pub fn reset(&mut self) {
        self.failures = 0;
    }
}

/// What the worker tells the screen.
#[derive(Debug, Clone)]
pub enum SyncEvent {
    /// A sync started.
    Started,
    /// Progress, as a line for officers (Chinese).
    Progress(String),
    /// A sync ended.
    Done(Result<SyncReport, String>),
    /// Next attempt in this long (unless woken).
    Waiting(Duration),
}

/// Timing of the worker.
#[derive(Debug, Clone)]
pub struct Schedule {
    /// Wait after a successful sync before looking again.
    pub idle: Duration,
    /// First wait after a failure.
    pub retry: Duration,
    /// Longest wait after failures.
    pub max_retry: Duration,
}

impl Default for Schedule {
    fn default() -> Self {
        Schedule {
            idle: Duration::from_secs(60),
            retry: Duration::from_secs(5),
            max_retry: Duration::from_secs(15 * 60),
        }
    }
}

/// The progress line officers see.
pub fn progress_line(p: &SyncProgress) -> String {
    match p {
        SyncProgress::Records { sent, total } => format!("正在发送记录 {sent}/{total}"),
        SyncProgress::Blob {
            case_no,
            done,
            size,
            ..
        } => {
            let pct = if *size == 0 { 100 } else { done * 100 / size };
            format!("正在上传证据：{case_no} {pct}%")
        }
    }
}

/// Starts the worker. It stops when `wake`'s sender is dropped.
pub fn spawn(
    data_dir: PathBuf,
    server: String,
    schedule: Schedule,
    wake: Receiver<()>,
    events: impl Fn(SyncEvent) + Send + 'static,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let mut backoff = Backoff::new(schedule.retry, schedule.max_retry);
        loop {
            events(SyncEvent::Started);
            let mut last = String::new();
            let outcome = match Terminal::open(&data_dir) {
                Ok(mut t) => crate::sync::sync_with(&mut t, &server, &mut |p| {
                    let line = progress_line(p);
                    if line != last {
                        last.clone_from(&line);
                        events(SyncEvent::Progress(line));
                    }
                })
                .map_err(|e| e.zh()),
                Err(e) => Err(format!("无法打开本机数据：{e}")),
            };
            let delay = match &outcome {
                Ok(_) => {
                    backoff.reset();
                    schedule.idle
                }
                Err(_) => backoff.fail(),
            };
            events(SyncEvent::Done(outcome));
            events(SyncEvent::Waiting(delay));
            match wake.recv_timeout(delay) {
                Ok(()) | Err(RecvTimeoutError::Timeout) => {
                    // Several wake-ups while syncing count as one.
                    while wake.try_recv().is_ok() {}
                }
                Err(RecvTimeoutError::Disconnected) => break,
            }
        }
    })
}

/// A handle the screen keeps: `wake()` asks for a sync now.
#[derive(Debug, Clone)]
pub struct Waker(pub Sender<()>);

impl Waker {
    /// Asks the worker to sync now.
    pub fn wake(&self) {
        let _ = self.0.send(());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_to_its_cap_and_resets() {
        let mut b = Backoff::new(Duration::from_secs(5), Duration::from_secs(60));
        let got: Vec<u64> = (0..6).map(|_| b.fail().as_secs()).collect();
        assert_eq!(got, [5, 10, 20, 40, 60, 60]);
        b.reset();
        assert_eq!(b.fail().as_secs(), 5);
        let mut b = Backoff::new(Duration::from_secs(5), Duration::from_secs(900));
        for _ in 0..100 {
            assert!(b.fail() <= Duration::from_secs(900));
        }
    }

    #[test]
    fn progress_lines() {
        assert_eq!(
            progress_line(&SyncProgress::Records { sent: 3, total: 10 }),
            "正在发送记录 3/10"
        );
        let p = SyncProgress::Blob {
            case_no: "乌交执〔2026〕00001号".into(),
            sha256: fieldcase_shared::hash::sha256(b"x"),
            done: 50,
            size: 200,
        };
        assert_eq!(progress_line(&p), "正在上传证据：乌交执〔2026〕00001号 25%");
    }
}
