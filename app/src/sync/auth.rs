//! Signing the terminal's requests with its device key (HTTP Message
//! Signatures, RFC 9421, with the body's Content-Digest, RFC 9530; see
//! `shared::httpsig` and docs/sync.md). The signature's time is the
//! server's clock as its `Date` header gave it, so a terminal whose clock
//! is off still syncs.

use fieldcase_shared::hash::Digest;
use fieldcase_shared::httpsig;
use fieldcase_shared::keys::DeviceKey;
use ureq::http::Response;
use ureq::Body;

/// Signs requests for one sync.
pub(crate) struct Signer<'a> {
    pub(crate) key: &'a DeviceKey,
    /// Server clock minus ours, in seconds.
    pub(crate) skew: i64,
}

/// (path, query without `?`) of a URL.
fn path_query(url: &str) -> (String, String) {
    match url.parse::<ureq::http::Uri>() {
        Ok(u) => (u.path().to_owned(), u.query().unwrap_or("").to_owned()),
        Err(_) => (url.to_owned(), String::new()),
    }
}

impl Signer<'_> {
    fn headers(
        &self,
        method: &str,
        url: &str,
        body: Option<&Digest>,
    ) -> Vec<(&'static str, String)> {
        let (path, query) = path_query(url);
        let created = chrono::Utc::now().timestamp() + self.skew;
        httpsig::sign(
            self.key,
            method,
            &path,
            &query,
            body,
            created,
            &httpsig::new_nonce(),
        )
    }

    /// A signed GET.
    pub(crate) fn get(
        &self,
        agent: &ureq::Agent,
        url: &str,
    ) -> Result<Response<Body>, ureq::Error> {
        let mut req = agent.get(url);
        for (k, v) in self.headers("GET", url, None) {
            req = req.header(k, v);
        }
        req.call()
    }

    /// A signed POST or PUT of `body`, whose SHA-256 is `digest`.
    pub(crate) fn send(
        &self,
        agent: &ureq::Agent,
        method: &str,
        url: &str,
        content_type: &str,
        body: &[u8],
        digest: &Digest,
    ) -> Result<Response<Body>, ureq::Error> {
        let mut req = if method == "PUT" {
            agent.put(url)
        } else {
            agent.post(url)
        };
        req = req.header("content-type", content_type);
        for (k, v) in self.headers(method, url, Some(digest)) {
            req = req.header(k, v);
        }
        req.send(body)
    }
}

/// Server clock minus ours, from an answer's `Date` header (0 if absent).
pub(crate) fn skew_from(resp: &Response<Body>) -> i64 {
    resp.headers()
        .get("date")
        .and_then(|v| v.to_str().ok())
        .and_then(|d| chrono::DateTime::parse_from_rfc2822(d).ok())
        .map(|t| t.timestamp() - chrono::Utc::now().timestamp())
        .unwrap_or(0)
}
