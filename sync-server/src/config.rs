//! Server configuration: defaults, then a TOML file (`--config`), then
//! environment variables and command-line flags (the binary applies those).
//! `fieldcase-server.example.toml` in this crate is the documented example
//! and is parsed by a test.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// Everything the server reads at start-up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Folder for the server key and the embedded database.
    pub data_dir: PathBuf,
    /// Address to listen on (port 0: the OS picks one; the chosen address is printed).
    pub listen: SocketAddr,
    /// Log filter in `tracing` syntax, e.g. `info` or `fieldcase_sync_server=debug`.
    pub log: String,
    /// PostgreSQL connection (`postgres://user@host:port/db` or
    /// `host=… port=… user=… dbname=…`); empty: the embedded SQLite file in
    /// `data_dir`. The server key and evidence files stay in `data_dir`.
    pub database: String,
    /// PEM certificate chain for HTTPS (with `tls_key`); empty: plain HTTP
    /// (behind a TLS-terminating proxy, or on a trusted network only).
    pub tls_cert: String,
    /// PEM private key for HTTPS.
    pub tls_key: String,
    /// S3 bucket for evidence blobs (credentials from `AWS_ACCESS_KEY_ID`
    /// and `AWS_SECRET_ACCESS_KEY`); empty: files in `data_dir`.
    pub s3_bucket: String,
    /// Endpoint of an S3-compatible service (empty: AWS).
    pub s3_endpoint: String,
    /// S3 region (empty: us-east-1).
    pub s3_region: String,
    /// Font file of the PDF exports (a monospaced CJK face; empty: Debian's
    /// fonts-noto-cjk Noto Sans Mono CJK SC).
    pub pdf_font: String,
    /// Face of `pdf_font` in a font collection (.ttc).
    pub pdf_font_index: u32,
    /// Working-day calendar of the procedure's deadlines: empty for the
    /// State Council's table, `65` to add the Xinjiang region's days.
    pub calendar_region: String,
    /// The agency's name as its documents print it (作出决定的行政机关名称,
    /// 行政处罚法 art. 59 item 6).
    pub agency_name: String,
    /// The agency's 统一社会信用代码, named in published decisions (双公示;
    /// empty: the column is left empty).
    pub agency_uscc: String,
    /// The ministry's SFTP front-end machine (docs/ministry.md): host…
    pub ministry_host: String,
    /// …port (22)…
    pub ministry_port: u16,
    /// …login…
    pub ministry_user: String,
    /// …remote directory (absolute)…
    pub ministry_dir: String,
    /// …private key file (OpenSSH, no passphrase)…
    pub ministry_key: String,
    /// …and the known_hosts file with its host key.
    pub ministry_known_hosts: String,
    /// The statically linked x86-64 `fieldcase-verify` every archive disc
    /// carries in `tools/` (docs/disc.md; empty: discs carry none and
    /// README.TXT says where to get one). Checked at start.
    pub disc_verifier: String,
    /// 国密 option: archive discs also carry SM3 manifests and the
    /// agency's SM2 signature (key `agency-sm2.key` in `data_dir`, made on
    /// first start; docs/disc.md).
    pub guomi: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            data_dir: PathBuf::from("fieldcase-server-data"),
            listen: SocketAddr::from(([127, 0, 0, 1], 8470)),
            log: "info".into(),
            database: String::new(),
            tls_cert: String::new(),
            tls_key: String::new(),
            s3_bucket: String::new(),
            s3_endpoint: String::new(),
            s3_region: String::new(),
            pdf_font: String::new(),
            pdf_font_index: crate::office::pdf::DEFAULT_FONT_INDEX,
            calendar_region: String::new(),
            agency_name: String::new(),
            agency_uscc: String::new(),
            ministry_host: String::new(),
            ministry_port: 22,
            ministry_user: String::new(),
            ministry_dir: String::new(),
            ministry_key: String::new(),
            ministry_known_hosts: String::new(),
            disc_verifier: String::new(),
            guomi: false,
        }
    }
}

/// A configuration file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// Unreadable file.
    #[error("cannot read config file {path}: {source}")]
    Read {
        /// File.
        path: PathBuf,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
    /// Not valid TOML for this struct (unknown keys are refused).
    #[error("config file {path} is not valid: {message}")]
    Invalid {
        /// File.
        path: PathBuf,
        /// What is wrong, with line and column.
        message: String,
    },
}

impl Config {
    /// Defaults, overlaid by the TOML file at `path` when given.
    pub fn load(path: Option<&Path>) -> Result<Config, ConfigError> {
        let Some(path) = path else {
            return Ok(Config::default());
        };
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        Self::parse(&text).map_err(|message| ConfigError::Invalid {
            path: path.to_owned(),
            message,
        })
    }

    /// Parses TOML text (missing keys take their defaults).
    pub fn parse(text: &str) -> Result<Config, String> {
        toml::from_str(text).map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn example_config_parses_and_matches_the_defaults_it_documents() {
        let example = include_str!("../fieldcase-server.example.toml");
        let c = Config::parse(example).unwrap();
        assert_eq!(c, Config::default());
    }

    #[test]
    fn unknown_keys_are_refused_with_their_name() {
        let e = Config::parse("listen = \"127.0.0.1:1\"\nlisten_adress = \"x\"\n").unwrap_err();
        assert!(e.contains("listen_adress"), "{e}");
    }

    #[test]
    fn partial_file_keeps_defaults() {
        let c = Config::parse("listen = \"0.0.0.0:9000\"\n").unwrap();
        assert_eq!(c.listen.port(), 9000);
        assert_eq!(c.data_dir, Config::default().data_dir);
    }
}
