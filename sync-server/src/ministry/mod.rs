//! Export to the ministry: each closed case's data package (`package`)
//! uploaded over SFTP to the configured front-end machine (`sftp`),
//! resumable and idempotent. A package's name carries its content's
//! SHA-256, so a package already on the remote is never sent again, and
//! a changed case gives a new package rather than overwriting one. The
//! ministry's own format is not in the project's sources (`docs/
//! ministry.md`): the package is fieldcase's, documented.

pub mod package;
pub mod sftp;

use std::path::PathBuf;

/// Where and how to upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// Host name or address.
    pub host: String,
    /// Port.
    pub port: u16,
    /// Login.
    pub user: String,
    /// Remote directory (absolute).
    pub dir: String,
    /// Private key file (OpenSSH format, no passphrase).
    pub key: PathBuf,
    /// known_hosts file holding the remote's host key: an unknown or
    /// changed host key is refused.
    pub known_hosts: PathBuf,
}

impl Endpoint {
    /// The endpoint the configuration names, or what is missing.
    pub fn from_config(c: &crate::config::Config) -> Result<Endpoint, String> {
        let need = |k: &str, v: &str| {
            if v.trim().is_empty() {
                Err(format!(
                    "ministry_{k} is not set in the configuration (--config FILE; docs/ministry.md lists the ministry_* keys)"
                ))
            } else {
                Ok(v.trim().to_owned())
            }
        };
        let dir = need("dir", &c.ministry_dir)?;
        if !dir.starts_with('/') || dir.contains(['\n', '\r', '"']) {
            return Err("ministry_dir must be an absolute path on the remote, without quotes or line breaks".into());
        }
        let host = need("host", &c.ministry_host)?;
        let user = need("user", &c.ministry_user)?;
        if [&host, &user]
            .iter()
            .any(|v| v.starts_with('-') || v.contains(['@', ' ', '\n']))
        {
            return Err("ministry_host and ministry_user are a plain host name and login".into());
        }
        Ok(Endpoint {
            host,
            port: if c.ministry_port == 0 {
                22
            } else {
                c.ministry_port
            },
            user,
            dir: dir.trim_end_matches('/').to_owned(),
            key: need("key", &c.ministry_key)?.into(),
            known_hosts: need("known_hosts", &c.ministry_known_hosts)?.into(),
        })
    }
}

/// `fieldcase-server ministry send`: every closed case's package built,
/// those not on the remote sent, each one sent an audit event;
/// `progress` hears what happens, a line at a time.
pub fn send_all(
    config: &crate::config::Config,
    mut progress: impl FnMut(&str),
) -> anyhow::Result<sftp::Report> {
    let endpoint = Endpoint::from_config(config).map_err(|e| anyhow::anyhow!(e))?;
    if config.agency_name.trim().is_empty() {
        anyhow::bail!("agency_name is not set in the configuration: the packages name the agency");
    }
    let store = crate::open_store(&config.data_dir, &config.database)?;
    let region = fieldcase_shared::calendar::Region::from_code(Some(&config.calendar_region))
        .map_err(|e| anyhow::anyhow!("calendar_region: {e}"))?;
    let agency = (config.agency_name.trim(), config.agency_uscc.trim());
    let mut packages = Vec::new();
    let mut offset = 0u32;
    loop {
        let (rows, total) = store.cases(&crate::store::office::CaseQuery {
            limit: 500,
            offset,
            ..Default::default()
        })?;
        if rows.is_empty() {
            break;
        }
        for r in &rows {
            packages.extend(package::package(store.as_ref(), r, agency, region)?);
        }
        offset += rows.len() as u32;
        progress(&format!("{offset} / {total} cases read"));
    }
    progress(&format!(
        "{} closed cases to send to {}:{}{}",
        packages.len(),
        endpoint.host,
        endpoint.port,
        endpoint.dir
    ));
    let work = config.data_dir.join("ministry");
    let report = sftp::send(&endpoint, &packages, &work, |name, what| {
        progress(&format!("{name}: {what}"));
    })?;
    for name in report.sent.iter().chain(&report.resumed) {
        crate::office::accounts::audit(
            store.as_ref(),
            chrono::Utc::now(),
            "fieldcase-server",
            crate::store::office::AuditAction::MinistrySent,
            name,
            "command line",
        )?;
    }
    Ok(report)
}
