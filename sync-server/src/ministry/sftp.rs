//! Uploading packages over SFTP with the OpenSSH `sftp` client in batch
//! mode (the host key must already be in the configured known_hosts; the
//! login is by key only). One session lists the remote directory; one
//! uploads what is missing — each package to `NAME.part`, resumed with
//! `reput` when a shorter part is there from an interrupted run, then
//! renamed to `NAME`; one reads every package just sent back and checks
//! its SHA-256. A package whose name is already there with its size is
//! not sent again.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use super::package::Package;
use super::Endpoint;

/// Why the upload stopped.
#[derive(Debug, thiserror::Error)]
pub enum SftpError {
    /// `sftp` could not be run.
    #[error("cannot run sftp (Debian package openssh-client): {0}")]
    Spawn(std::io::Error),
    /// The session failed: what `sftp` said.
    #[error("sftp to {host} failed: {said}; nothing is lost, run the export again to resume")]
    Session {
        /// The endpoint.
        host: String,
        /// Its error output.
        said: String,
    },
    /// A package read back differs from the one sent.
    #[error(
        "{0} on the remote differs from the package sent; remove it there and run the export again"
    )]
    Verify(String),
    /// Local files.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// What an export did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Packages sent whole.
    pub sent: Vec<String>,
    /// Packages whose interrupted upload was resumed.
    pub resumed: Vec<String>,
    /// Packages already on the remote.
    pub already: Vec<String>,
}

fn session(ep: &Endpoint, batch: &str) -> Result<String, SftpError> {
    let mut child = Command::new("sftp")
        .arg("-b")
        .arg("-")
        .arg("-i")
        .arg(&ep.key)
        .arg("-P")
        .arg(ep.port.to_string())
        .arg("-o")
        .arg("StrictHostKeyChecking=yes")
        .arg("-o")
        .arg(format!("UserKnownHostsFile={}", ep.known_hosts.display()))
        .args([
            "-o",
            "BatchMode=yes",
            "-o",
            "IdentitiesOnly=yes",
            "-o",
            "ConnectTimeout=20",
        ])
        .arg(format!("{}@{}", ep.user, ep.host))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(SftpError::Spawn)?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(batch.as_bytes())?;
    }
    let out = child.wait_with_output()?;
    if !out.status.success() {
        let said = String::from_utf8_lossy(&out.stderr);
        return Err(SftpError::Session {
            host: format!("{}:{}", ep.host, ep.port),
            said: said.trim().lines().last().unwrap_or("no output").to_owned(),
        });
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The remote directory's files and sizes (`ls -ln`).
pub fn listing(ep: &Endpoint) -> Result<HashMap<String, u64>, SftpError> {
    let said = session(ep, &format!("ls -ln \"{}\"\n", ep.dir))?;
    Ok(said
        .lines()
        .filter(|l| !l.starts_with("sftp>"))
        .filter_map(|l| {
            let t: Vec<&str> = l.split_whitespace().collect();
            let name = t.last()?.rsplit('/').next()?.to_owned();
            let size = t.get(4)?.parse().ok()?;
            Some((name, size))
        })
        .collect())
}

/// Sends every package not on the remote yet, with `work` for the local
/// copies; `progress` hears each package's name and what happens to it.
pub fn send(
    ep: &Endpoint,
    packages: &[Package],
    work: &Path,
    mut progress: impl FnMut(&str, &str),
) -> Result<Report, SftpError> {
    let there = listing(ep)?;
    let mut report = Report::default();
    let mut batch = String::new();
    let outbox = work.join("outbox");
    std::fs::create_dir_all(&outbox)?;
    let dir = &ep.dir;
    let mut sending = Vec::new();
    for p in packages {
        let size = p.bytes.len() as u64;
        match there.get(&p.name) {
            Some(s) if *s == size => {
                report.already.push(p.name.clone());
                progress(&p.name, "already there");
                continue;
            }
            // A file of the same content hash but another size is a
            // broken earlier upload: replaced.
            Some(_) => batch.push_str(&format!("-rm \"{dir}/{}\"\n", p.name)),
            None => {}
        }
        let local = outbox.join(&p.name);
        std::fs::write(&local, &p.bytes)?;
        let part = format!("{}.part", p.name);
        match there.get(&part) {
            Some(s) if *s < size => {
                batch.push_str(&format!("reput \"{}\" \"{dir}/{part}\"\n", local.display()));
                report.resumed.push(p.name.clone());
            }
            other => {
                if other.is_some() {
                    batch.push_str(&format!("-rm \"{dir}/{part}\"\n"));
                }
                batch.push_str(&format!("put \"{}\" \"{dir}/{part}\"\n", local.display()));
                report.sent.push(p.name.clone());
            }
        }
        batch.push_str(&format!("rename \"{dir}/{part}\" \"{dir}/{}\"\n", p.name));
        sending.push(p);
    }
    if sending.is_empty() {
        return Ok(report);
    }
    session(ep, &batch)?;
    // Read back and compare.
    let check = work.join("check");
    std::fs::create_dir_all(&check)?;
    let gets: String = sending
        .iter()
        .map(|p| {
            format!(
                "get \"{dir}/{}\" \"{}\"\n",
                p.name,
                check.join(&p.name).display()
            )
        })
        .collect();
    session(ep, &gets)?;
    for p in sending {
        let back = std::fs::read(check.join(&p.name))?;
        if fieldcase_shared::hash::sha256(&back) != p.sha256 {
            return Err(SftpError::Verify(p.name.clone()));
        }
        progress(&p.name, "sent and read back");
        std::fs::remove_file(check.join(&p.name))?;
    }
    Ok(report)
}
