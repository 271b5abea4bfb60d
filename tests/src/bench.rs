//! What the office benchmarks share: a real server over a given store on
//! loopback, a logged-in session for `ureq`, and percentiles.

use std::sync::Arc;
use std::time::Duration;

use fieldcase_shared::keys::DeviceKey;
use fieldcase_sync_server::blobs::FsBlobStore;
use fieldcase_sync_server::store::Store;
use fieldcase_sync_server::{serve, AppState};

/// The `p` percentile of `v`, in milliseconds.
pub fn pct(mut v: Vec<Duration>, p: f64) -> f64 {
    v.sort();
    v[((v.len() as f64 - 1.0) * p).round() as usize].as_secs_f64() * 1000.0
}

/// The real server over `store` on a loopback port, its blobs in `dir`:
/// the runtime serving it and its base URL.
pub fn office_server(
    store: Arc<dyn Store>,
    dir: &std::path::Path,
) -> (tokio::runtime::Runtime, String) {
    let blobs = Arc::new(FsBlobStore::open(dir).expect("blob directory"));
    let state = AppState::new(store, blobs, DeviceKey::generate()).expect("server state");
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("a loopback port");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    rt.spawn(serve(listener, state, std::future::pending()));
    (rt, base)
}

/// An agent that shows redirects and error statuses instead of following
/// or failing on them.
pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .max_redirects(0)
        .http_status_as_error(false)
        .build()
        .into()
}

/// Logs `name` in; returns the session's `Cookie` value.
pub fn office_session(base: &str, agent: &ureq::Agent, name: &str, password: &str) -> String {
    let cookie = |r: &ureq::http::Response<ureq::Body>, name: &str| {
        r.headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with(&format!("{name}=")))
            .map(|v| v.split(';').next().unwrap_or_default().to_owned())
            .unwrap_or_else(|| panic!("no {name} cookie"))
    };
    let mut form = agent
        .get(format!("{base}/office/login"))
        .call()
        .expect("the login page");
    let login = cookie(&form, "fieldcase_login");
    let _ = form.body_mut().read_to_string();
    let token = login
        .split_once('=')
        .map(|(_, t)| t.to_owned())
        .unwrap_or_default();
    let body =
        serde_urlencoded_pairs(&[("csrf", &token), ("username", name), ("password", password)]);
    let resp = agent
        .post(format!("{base}/office/login"))
        .header("cookie", &login)
        .header("content-type", "application/x-www-form-urlencoded")
        .send(body)
        .expect("the login");
    assert_eq!(resp.status().as_u16(), 303, "login of {name}");
    cookie(&resp, "fieldcase_session")
}

fn serde_urlencoded_pairs(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| {
            let enc: String = v
                .bytes()
                .map(|b| {
                    if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                        (b as char).to_string()
                    } else {
                        format!("%{b:02X}")
                    }
                })
                .collect();
            format!("{k}={enc}")
        })
        .collect::<Vec<_>>()
        .join("&")
}
