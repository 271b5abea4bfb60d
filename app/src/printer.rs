//! The portable printer, spoken to over IPP (IPP Everywhere: PDF accepted
//! as is, no driver): its state, and sending a document. The queue that
//! keeps a document until the printer accepts it is in [`crate::papers`].

use std::time::Duration;

use ipp::prelude::*;

/// The setting holding the printer's URI (`ipp://host:631/ipp/print`).
pub const PRINTER_SETTING: &str = "printer_uri";

/// What the printer says of itself.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PrinterStatus {
    /// `idle`, `processing` or `stopped` (RFC 8011 printer-state).
    pub state: String,
    /// printer-state-reasons other than `none` (`media-empty`, …).
    pub reasons: Vec<String>,
    /// printer-make-and-model.
    pub model: String,
    /// The printer takes PDF.
    pub pdf: bool,
}

impl PrinterStatus {
    /// The state in Chinese, for the officer.
    pub fn zh(&self) -> String {
        let state = match self.state.as_str() {
            "idle" => "就绪",
            "processing" => "正在打印",
            "stopped" => "已停止",
            _ => "状态未知",
        };
        if self.reasons.is_empty() {
            state.to_owned()
        } else {
            format!("{state}（{}）", self.reasons.join("、"))
        }
    }
}

/// Why the printer could not be used.
#[derive(Debug, thiserror::Error)]
pub enum PrintError {
    /// No printer set.
    #[error("no printer is set: `fieldcase printer set ipp://HOST:PORT/ipp/print`")]
    NotSet,
    /// Not an IPP URI.
    #[error("{0:?} is not a printer address (ipp://host:port/path)")]
    BadUri(String),
    /// Unreachable or failed.
    #[error("the printer did not answer: {0}")]
    Unreachable(String),
    /// The printer refused the request.
    #[error("the printer refused: {0}")]
    Refused(String),
    /// The printer is busy with another job.
    #[error("the printer is busy")]
    Busy,
    /// The printer does not take PDF.
    #[error("the printer does not accept PDF (IPP Everywhere printers do)")]
    NoPdf,
}

impl PrintError {
    /// The message in Chinese, for the officer.
    pub fn zh(&self) -> String {
        match self {
            PrintError::NotSet => "尚未设置打印机".into(),
            PrintError::BadUri(u) => format!("打印机地址无效：{u}"),
            PrintError::Unreachable(e) => {
                format!("打印机无响应（{e}）：请检查电源与连接，文书已留在打印队列")
            }
            PrintError::Refused(e) => format!("打印机拒绝打印（{e}）：文书已留在打印队列"),
            PrintError::Busy => "打印机正忙：文书已留在打印队列".into(),
            PrintError::NoPdf => "打印机不支持 PDF".into(),
        }
    }
}

/// Parses a printer URI (`ipp://` or `http://`).
pub fn parse_uri(text: &str) -> Result<Uri, PrintError> {
    let t = text.trim();
    let ok = t.starts_with("ipp://") || t.starts_with("http://");
    let uri: Uri = t.parse().map_err(|_| PrintError::BadUri(t.to_owned()))?;
    if !ok || uri.host().is_none() {
        return Err(PrintError::BadUri(t.to_owned()));
    }
    Ok(uri)
}

fn client(uri: &Uri) -> IppClient {
    IppClient::builder(uri.clone())
        .request_timeout(Duration::from_secs(20))
        .build()
}

fn text_of(v: &IppValue) -> String {
    match v {
        IppValue::Array(items) => items.iter().map(text_of).collect::<Vec<_>>().join(","),
        other => other.to_string(),
    }
}

/// Asks the printer for its state.
pub fn status(uri: &Uri) -> Result<PrinterStatus, PrintError> {
    let op = IppOperationBuilder::get_printer_attributes(uri.clone())
        .attributes([
            "printer-state",
            "printer-state-reasons",
            "printer-make-and-model",
            "document-format-supported",
        ])
        .build()
        .map_err(|e| PrintError::Refused(e.to_string()))?;
    let resp = client(uri)
        .send(op)
        .map_err(|e| PrintError::Unreachable(e.to_string()))?;
    if !resp.header().status_code().is_success() {
        return Err(PrintError::Refused(format!(
            "{:?}",
            resp.header().status_code()
        )));
    }
    let mut st = PrinterStatus {
        state: String::new(),
        reasons: Vec::new(),
        model: String::new(),
        pdf: false,
    };
    for group in resp.attributes().groups_of(DelimiterTag::PrinterAttributes) {
        for a in group.attributes() {
            match a.name().as_ref() {
                "printer-state" => {
                    st.state = match a.value() {
                        IppValue::Enum(3) => "idle",
                        IppValue::Enum(4) => "processing",
                        IppValue::Enum(5) => "stopped",
                        _ => "unknown",
                    }
                    .into()
                }
                "printer-state-reasons" => {
                    st.reasons = text_of(a.value())
                        .split(',')
                        .filter(|r| !r.is_empty() && *r != "none")
                        .map(str::to_owned)
                        .collect()
                }
                "printer-make-and-model" => st.model = text_of(a.value()),
                "document-format-supported" => {
                    st.pdf = text_of(a.value())
                        .split(',')
                        .any(|f| f == "application/pdf")
                }
                _ => {}
            }
        }
    }
    Ok(st)
}

/// How long a busy printer is waited for before the print stays queued.
const BUSY_WAIT: Duration = Duration::from_secs(30);

/// Sends a PDF as a Print-Job; returns the printer's job id. A printer
/// busy with an earlier job (a portable printer takes one at a time) is
/// asked again every second for up to 30 s.
pub fn send(uri: &Uri, pdf: Vec<u8>, title: &str, user: &str) -> Result<i64, PrintError> {
    let started = std::time::Instant::now();
    loop {
        match send_once(uri, pdf.clone(), title, user) {
            Err(PrintError::Busy) if started.elapsed() < BUSY_WAIT => {
                std::thread::sleep(Duration::from_secs(1));
            }
            Err(PrintError::Busy) => {
                return Err(PrintError::Refused("busy for 30 s".into()));
            }
            other => return other,
        }
    }
}

fn send_once(uri: &Uri, pdf: Vec<u8>, title: &str, user: &str) -> Result<i64, PrintError> {
    let payload = IppPayload::new(std::io::Cursor::new(pdf));
    let op = IppOperationBuilder::print_job(uri.clone(), payload)
        .user_name(user)
        .job_title(title)
        .document_format("application/pdf")
        .build()
        .map_err(|e| PrintError::Refused(e.to_string()))?;
    let resp = client(uri)
        .send(op)
        .map_err(|e| PrintError::Unreachable(e.to_string()))?;
    let code = resp.header().status_code();
    if code == StatusCode::ServerErrorBusy {
        return Err(PrintError::Busy);
    }
    if !code.is_success() {
        return Err(PrintError::Refused(format!("{code:?}")));
    }
    let job = resp
        .attributes()
        .groups_of(DelimiterTag::JobAttributes)
        .flat_map(|g| g.attributes())
        .find(|a| a.name().as_ref() == "job-id")
        .and_then(|a| match a.value() {
            IppValue::Integer(n) => Some(i64::from(*n)),
            _ => None,
        })
        .ok_or_else(|| PrintError::Refused("no job-id in the answer".into()));
    job
}
