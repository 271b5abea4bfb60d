//! The app's log: `tracing` events written to `logs/` in the data folder,
//! one file a day, the last [`KEEP_DAYS`] kept. Nothing secret is logged
//! (keys and PINs never reach a log call); as a second guard every line is
//! passed through [`redact`], which masks anything shaped like a 身份证号.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use tracing_appender::rolling::{RollingFileAppender, Rotation};
use tracing_subscriber::EnvFilter;

/// Daily files kept.
pub const KEEP_DAYS: usize = 14;
/// Log file name prefix inside `logs/`.
pub const FILE_PREFIX: &str = "fieldcase.log";

/// The log folder of a data folder.
pub fn log_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("logs")
}

/// Masks every run of characters shaped like a resident ID number (15
/// digits, or 17 digits and a digit or X) except its last four.
pub fn redact(line: &str) -> String {
    let chars: Vec<char> = line.chars().collect();
    let mut out = String::with_capacity(line.len());
    let mut i = 0;
    while i < chars.len() {
        let digits = chars[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        let starts_run = i == 0 || !chars[i - 1].is_ascii_alphanumeric();
        if digits == 0 || !starts_run {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let mut len = digits;
        if digits == 17 && chars.get(i + 17).is_some_and(|c| matches!(c, 'X' | 'x')) {
            len = 18;
        }
        let ends_run = !chars
            .get(i + len)
            .is_some_and(|c| c.is_ascii_alphanumeric());
        if (len == 15 || len == 18) && ends_run {
            out.extend(std::iter::repeat_n('*', len - 4));
            out.extend(&chars[i + len - 4..i + len]);
        } else {
            out.extend(&chars[i..i + len]);
        }
        i += len;
    }
    out
}

/// A writer that redacts each formatted event before it reaches the file.
struct Redacting<W>(W);

impl<W: Write> Write for Redacting<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        self.0.write_all(redact(&text).as_bytes())?;
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

/// Starts logging into `data_dir/logs/` (level from `FIELDCASE_LOG`,
/// `info` by default). Keep the guard for the life of the program: when it
/// drops, what is buffered is written. None when the folder cannot be made
/// (the app still runs; it says so on standard error).
pub fn init(data_dir: &Path) -> Option<tracing_appender::non_blocking::WorkerGuard> {
    let dir = log_dir(data_dir);
    if let Err(e) = fieldcase_shared::private::private_dir(&dir) {
        eprintln!("fieldcase: no log file in {}: {e}", dir.display());
        return None;
    }
    let appender = RollingFileAppender::builder()
        .rotation(Rotation::DAILY)
        .filename_prefix(FILE_PREFIX)
        .max_log_files(KEEP_DAYS)
        .build(&dir);
    let appender = match appender {
        Ok(a) => a,
        Err(e) => {
            eprintln!("fieldcase: no log file in {}: {e}", dir.display());
            return None;
        }
    };
    let (writer, guard) = tracing_appender::non_blocking(Redacting(appender));
    let filter =
        EnvFilter::try_from_env("FIELDCASE_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let ok = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(writer)
        .try_init()
        .is_ok();
    ok.then_some(guard)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_numbers_are_masked_and_other_numbers_kept() {
        assert_eq!(
            redact("party 11010519491231002X name 张三"),
            "party **************002X name 张三"
        );
        assert_eq!(redact("id=110105491231002."), "id=***********1002.");
        // Case numbers, seqs, 20-digit runs and hex digests are not IDs.
        let kept = "seq 42 乌交执〔2026〕00001号 12345678901234567890 sha 11010519491231002Xab";
        assert_eq!(redact(kept), kept);
    }

    #[test]
    fn the_log_file_lives_in_the_data_folder_and_is_redacted() {
        let d = tempfile::tempdir().unwrap();
        let appender = RollingFileAppender::builder()
            .rotation(Rotation::DAILY)
            .filename_prefix(FILE_PREFIX)
            .max_log_files(KEEP_DAYS)
            .build(log_dir(d.path()))
            .unwrap();
        let mut w = Redacting(appender);
        w.write_all(b"opened case for 11010519491231002X\n")
            .unwrap();
        w.flush().unwrap();
        let files: Vec<_> = std::fs::read_dir(log_dir(d.path()))
            .unwrap()
            .flatten()
            .collect();
        assert_eq!(files.len(), 1);
        let text = std::fs::read_to_string(files[0].path()).unwrap();
        assert!(
            text.contains("**************002X") && !text.contains("110105"),
            "{text}"
        );
    }
}
