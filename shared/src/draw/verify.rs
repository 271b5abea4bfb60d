//! Checking a published draw: the file holds the signed commitment, the
//! signed draw and the signer's certificate; [`verify`] checks that both
//! are signed by the certified key (and the certificate by a trusted
//! agency key), that the revealed seed is the one committed to before
//! the draw, that the lists are sorted and the result is what [`run`]
//! gives, and says each problem it finds.

use serde::{Deserialize, Serialize};

use super::{commit, run, seed_bytes, Commitment, Draw, COMMITMENT_TYPE, DRAW_TYPE};
use crate::cert::DeviceCert;
use crate::envelope::Envelope;
use crate::keys::PublicKey;

/// `format` of a draw file.
pub const DRAW_FILE_FORMAT: &str = "fieldcase-draw-file/1";

/// What the bureau publishes for a draw.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DrawFile {
    /// [`DRAW_FILE_FORMAT`].
    pub format: String,
    /// The signed [`Commitment`].
    pub commitment: Envelope,
    /// The signed [`Draw`].
    pub draw: Envelope,
    /// The signer's certificate, signed by the agency key.
    pub signer: Envelope,
}

/// The outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DrawReport {
    /// Signatures, commitment and result all hold, and the certificate's
    /// issuer is a trusted agency key.
    pub matches: bool,
    /// What is wrong, one line each.
    pub problems: Vec<String>,
    /// The draw, when it could be read.
    pub draw: Option<Draw>,
    /// The signer as certified.
    pub signer: Option<String>,
    /// The result re-run, when the lists allow it.
    pub rerun: Option<Vec<super::Pick>>,
}

fn payload<T: serde::de::DeserializeOwned>(
    env: &Envelope,
    kind: &str,
    what: &str,
    problems: &mut Vec<String>,
) -> Option<T> {
    if env.payload_type != kind {
        problems.push(format!(
            "{what}: payload type {:?}, expected {kind}",
            env.payload_type
        ));
        return None;
    }
    match serde_json::from_slice(&env.payload) {
        Ok(v) => Some(v),
        Err(e) => {
            problems.push(format!("{what}: not readable: {e}"));
            None
        }
    }
}

/// Checks `file` trusting only `agencies` for the signer's certificate.
pub fn verify(file: &DrawFile, agencies: &[PublicKey]) -> DrawReport {
    let mut problems = Vec::new();
    if file.format != DRAW_FILE_FORMAT {
        problems.push(format!(
            "format {:?}, expected {DRAW_FILE_FORMAT}",
            file.format
        ));
    }
    // The certificate: signed by a trusted agency key.
    let cert = agencies
        .iter()
        .find_map(|k| DeviceCert::open(&file.signer, k).ok());
    if cert.is_none() {
        problems.push(if agencies.is_empty() {
            "signer: no agency key given (--ca): the signer's certificate cannot be trusted".into()
        } else {
            "signer: the certificate is not signed by a trusted agency key".into()
        });
    }
    let key = cert.as_ref().map(|c| c.public_key);
    for (env, what) in [(&file.commitment, "commitment"), (&file.draw, "draw")] {
        match key {
            Some(k) => {
                if let Err(e) = env.verify(&k) {
                    problems.push(format!("{what}: signature: {e}"));
                }
            }
            None => problems.push(format!("{what}: signature not checked (no trusted signer)")),
        }
    }
    let c: Option<Commitment> = payload(
        &file.commitment,
        COMMITMENT_TYPE,
        "commitment",
        &mut problems,
    );
    let d: Option<Draw> = payload(&file.draw, DRAW_TYPE, "draw", &mut problems);
    let mut rerun = None;
    if let (Some(c), Some(d)) = (&c, &d) {
        if c.task_id != d.task_id || c.commitment != d.commitment {
            problems.push("draw: names another task or commitment than the commitment".into());
        }
        if c.committed_at >= d.drawn_at {
            problems.push(format!(
                "commitment: made at {}, not before the draw at {}",
                c.committed_at.to_rfc3339(),
                d.drawn_at.to_rfc3339()
            ));
        }
        match seed_bytes(&d.seed) {
            Err(e) => problems.push(format!("draw: {e}")),
            Ok(seed) => {
                if commit(&seed) != c.commitment {
                    problems.push(format!(
                        "draw: the seed's SHA-256 is {}, the commitment {}",
                        commit(&seed).to_hex(),
                        c.commitment.to_hex()
                    ));
                }
                match run(
                    &seed,
                    &d.public,
                    &d.firms,
                    &d.inspectors,
                    d.firm_count,
                    d.per_firm,
                ) {
                    Err(e) => problems.push(format!("draw: {e}")),
                    Ok(picks) => {
                        if picks != d.picks {
                            let first = picks
                                .iter()
                                .zip(&d.picks)
                                .position(|(a, b)| a != b)
                                .unwrap_or(picks.len().min(d.picks.len()));
                            problems.push(format!(
                                "result: the published result differs from the draw re-run (first at firm {})",
                                first + 1
                            ));
                        }
                        rerun = Some(picks);
                    }
                }
            }
        }
    }
    DrawReport {
        matches: problems.is_empty(),
        problems,
        draw: d,
        signer: cert.map(|c| format!("{}（{}）", c.name, c.officer)),
        rerun,
    }
}
