//! Position from gpsd (the Linux GNSS daemon) over its JSON protocol on
//! TCP (`localhost:2947` by default): `?WATCH={"enable":true,"json":true}`,
//! then the first `TPV` report with a 2D or 3D fix. No fix in time, or no
//! gpsd at all, is not an error for the officer: the place is typed and the
//! device clock is used, and the record says so.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

use chrono::DateTime;
use fieldcase_shared::check::{Location, LocationSource};
use serde::Deserialize;

/// Where gpsd listens unless set otherwise (setting `gpsd`, env `FIELDCASE_GPSD`).
pub const DEFAULT_GPSD: &str = "127.0.0.1:2947";

/// Why no position was obtained.
#[derive(Debug, thiserror::Error)]
pub enum GpsError {
    /// gpsd does not answer.
    #[error("gpsd at {addr} is not reachable: {source}")]
    Unreachable {
        /// Address tried.
        addr: String,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
    /// gpsd answered but had no fix in time.
    #[error("gpsd gave no position fix within {0} s")]
    NoFix(u64),
}

impl GpsError {
    /// The message in Chinese.
    pub fn zh(&self) -> String {
        match self {
            GpsError::Unreachable { .. } => "未连接到定位服务（gpsd），请手动填写地点".into(),
            GpsError::NoFix(s) => format!("{s} 秒内未获得卫星定位，请到开阔处重试或手动填写地点"),
        }
    }
}

#[derive(Deserialize)]
struct Report {
    class: String,
    #[serde(default)]
    mode: u8,
    #[serde(default)]
    time: Option<String>,
    #[serde(default)]
    lat: Option<f64>,
    #[serde(default)]
    lon: Option<f64>,
    #[serde(default)]
    eph: Option<f64>,
    #[serde(default)]
    epx: Option<f64>,
    #[serde(default)]
    epy: Option<f64>,
    #[serde(default)]
    hdop: Option<f64>,
}

/// Typical user equivalent range error (m): with no error estimate from
/// gpsd, horizontal accuracy is taken as HDOP × this.
pub const UERE_M: f64 = 5.0;

/// The gpsd address to use.
pub fn address(setting: Option<String>) -> String {
    std::env::var("FIELDCASE_GPSD")
        .ok()
        .or(setting)
        .unwrap_or_else(|| DEFAULT_GPSD.to_owned())
}

/// Asks gpsd at `addr` for a fix, waiting at most `wait`.
pub fn fix(addr: &str, wait: Duration) -> Result<Location, GpsError> {
    let unreachable = |source| GpsError::Unreachable {
        addr: addr.to_owned(),
        source,
    };
    let sock = addr
        .to_socket_addrs()
        .map_err(unreachable)?
        .next()
        .ok_or_else(|| unreachable(std::io::ErrorKind::NotFound.into()))?;
    let mut stream =
        TcpStream::connect_timeout(&sock, Duration::from_secs(2)).map_err(unreachable)?;
    stream
        .write_all(b"?WATCH={\"enable\":true,\"json\":true};\n")
        .map_err(unreachable)?;
    let deadline = Instant::now() + wait;
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    let mut hdop = None;
    // A fix without an error estimate waits (briefly) for the SKY report
    // whose HDOP gives one.
    let mut pending: Option<Location> = None;
    let mut deadline = deadline;
    while Instant::now() < deadline {
        let left = deadline.saturating_duration_since(Instant::now());
        reader
            .get_ref()
            .set_read_timeout(Some(left.max(Duration::from_millis(10))))
            .map_err(unreachable)?;
        line.clear();
        match reader.read_line(&mut line) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                break
            }
            Err(e) => return Err(unreachable(e)),
        }
        // Lines longer than a report are not gpsd's; skip anything unparsable.
        let Ok(r) = serde_json::from_str::<Report>(line.trim()) else {
            continue;
        };
        if r.class == "SKY" && r.hdop.is_some() {
            hdop = r.hdop;
            if let Some(mut l) = pending.take() {
                l.accuracy_m = hdop.map(|h| h * UERE_M);
                return Ok(l);
            }
        }
        if r.class != "TPV" || r.mode < 2 {
            continue;
        }
        let (Some(lat), Some(lon)) = (r.lat, r.lon) else {
            continue;
        };
        if !(-90.0..=90.0).contains(&lat) || !(-180.0..=180.0).contains(&lon) {
            continue;
        }
        let accuracy = r
            .eph
            .or(match (r.epx, r.epy) {
                (Some(x), Some(y)) => Some(x.max(y)),
                (x, y) => x.or(y),
            })
            .or(hdop.map(|h| h * UERE_M));
        let loc = Location {
            source: LocationSource::Gpsd,
            lat: Some(lat),
            lon: Some(lon),
            accuracy_m: accuracy,
            fix_time: r
                .time
                .as_deref()
                .and_then(|t| DateTime::parse_from_rfc3339(t).ok()),
        };
        if loc.accuracy_m.is_some() {
            return Ok(loc);
        }
        if pending.is_none() {
            deadline = deadline.min(Instant::now() + Duration::from_secs(3));
        }
        pending = Some(loc);
    }
    pending.ok_or(GpsError::NoFix(wait.as_secs()))
}

/// A position for people: `43.82345°N 87.61234°E ±8 m`.
pub fn describe(l: &Location) -> String {
    match (l.lat, l.lon) {
        (Some(lat), Some(lon)) => {
            let ns = if lat >= 0.0 { 'N' } else { 'S' };
            let ew = if lon >= 0.0 { 'E' } else { 'W' };
            let acc = l
                .accuracy_m
                .map(|a| format!(" ±{a:.0} m"))
                .unwrap_or_default();
            format!("{:.5}°{ns} {:.5}°{ew}{acc}", lat.abs(), lon.abs())
        }
        _ => String::new(),
    }
}

/// Asks gpsd for a fix on a worker thread (up to `wait`); the outcome goes
/// to `done` on the worker, its error in both languages.
pub fn spawn_fix(
    addr: String,
    wait: Duration,
    done: impl FnOnce(Result<Location, crate::core::Text2>) + Send + 'static,
) {
    std::thread::spawn(move || {
        done(fix(&addr, wait).map_err(|e| crate::core::Text2::new(e.zh(), e.to_string())))
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    /// A gpsd speaking its protocol from a script of report lines.
    fn fake_gpsd(lines: &'static [&'static str]) -> String {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = l.local_addr().unwrap().to_string();
        std::thread::spawn(move || {
            let (mut s, _) = l.accept().unwrap();
            let mut buf = [0u8; 64];
            let _ = std::io::Read::read(&mut s, &mut buf);
            for line in lines {
                let _ = s.write_all(line.as_bytes());
                let _ = s.write_all(b"\n");
            }
            std::thread::sleep(Duration::from_millis(300));
        });
        addr
    }

    #[test]
    fn takes_the_first_fix_and_skips_other_reports() {
        let addr = fake_gpsd(&[
            r#"{"class":"VERSION","release":"3.22"}"#,
            r#"{"class":"TPV","mode":1}"#,
            "garbage",
            r#"{"class":"TPV","mode":3,"time":"2026-11-29T03:10:00.000Z","lat":43.82345,"lon":87.61234,"eph":7.6}"#,
        ]);
        let l = fix(&addr, Duration::from_secs(3)).unwrap();
        assert_eq!(l.source, LocationSource::Gpsd);
        assert_eq!(describe(&l), "43.82345°N 87.61234°E ±8 m");
        assert!(l.fix_time.is_some());
    }

    #[test]
    fn no_fix_and_no_gpsd_are_clear() {
        let addr = fake_gpsd(&[r#"{"class":"TPV","mode":1}"#]);
        let e = fix(&addr, Duration::from_millis(500)).unwrap_err();
        assert!(matches!(e, GpsError::NoFix(_)), "{e}");
        let free = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        let e = fix(&free.to_string(), Duration::from_secs(1)).unwrap_err();
        assert!(e.zh().contains("手动填写"), "{e}");
    }
}
