//! The position step against a real gpsd: `gpsfake` (Debian `gpsd-clients`,
//! which runs the real `gpsd`) replays a recorded NMEA log on a loopback
//! port, and the terminal's gpsd client takes the fix from it.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure

use std::process::{Command, Stdio};
use std::time::Duration;

use fieldcase_app::gps;
use fieldcase_shared::check::LocationSource;

#[test]
fn a_fix_comes_from_gpsd_replaying_an_nmea_log() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let log = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/urumqi.nmea");
    let mut fake = Command::new("gpsfake")
        .args(["-q", "-c", "0.2", "-P", &port.to_string()])
        .arg(&log)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("gpsfake (Debian package gpsd-clients; scripts/test installs it)");
    let addr = format!("127.0.0.1:{port}");
    let mut last = None;
    for _ in 0..20 {
        match gps::fix(&addr, Duration::from_secs(8)) {
            Ok(l) => {
                last = Some(l);
                break;
            }
            Err(e) => {
                last = None;
                eprintln!("waiting for gpsfake: {e}");
                std::thread::sleep(Duration::from_millis(500));
            }
        }
    }
    let _ = fake.kill();
    let _ = fake.wait();
    let l = last.expect("a fix from gpsd");
    assert_eq!(l.source, LocationSource::Gpsd);
    assert!((l.lat.unwrap() - 43.825633).abs() < 1e-5, "{l:?}");
    assert!((l.lon.unwrap() - 87.61234).abs() < 1e-5, "{l:?}");
    assert!(l.accuracy_m.is_some_and(|a| a > 0.0 && a < 100.0), "{l:?}");
    assert!(
        gps::describe(&l).starts_with("43.82563°N 87.61234°E"),
        "{}",
        gps::describe(&l)
    );
}
