//! The signers of one disc: the certificates the agency keys given vouch
//! for, every record read and opened with its signer's key, and each
//! signer's chain.

use super::disc::parse_json;
use super::*;
use crate::cert::DeviceCert;

/// Records read from a disc, by signer and seq: the file, the record,
/// its payload when it parses.
pub(super) type Records =
    BTreeMap<(DeviceId, u64), (String, VerifiedRecord, Option<RecordPayload>)>;

/// The signers the agency keys given vouch for: every certificate on the
/// disc (`data/certs/`, `data/device-cert.json`) is checked against them.
/// Without agency keys the certificates are informational and not read.
pub(super) fn certificates(
    files: &BTreeMap<String, FileFacts>,
    trust: &Trust,
    problems: &mut Problems,
) -> BTreeMap<DeviceId, (PublicKey, Certified)> {
    let mut out = BTreeMap::new();
    if trust.agencies.is_empty() {
        return out;
    }
    let paths = files.keys().filter(|p| {
        p.as_str() == CERT_FILE || p.strip_prefix(CERTS_DIR).is_some_and(|n| !n.contains('/'))
    });
    for path in paths {
        let expect = format!(
            "a certificate signed by agency key {}",
            trust
                .agencies
                .iter()
                .map(|k| k.to_string())
                .collect::<Vec<_>>()
                .join(" or ")
        );
        let Some(bytes) = content(files, path) else {
            problems.add(path.clone(), Category::CertInvalid, expect, "unreadable");
            continue;
        };
        let env = match Envelope::from_json(bytes) {
            Ok(e) => e,
            Err(e) => {
                problems.add(path.clone(), Category::CertInvalid, expect, e.to_string());
                continue;
            }
        };
        let mut last_err = String::new();
        let opened = trust.agencies.iter().find_map(|a| {
            DeviceCert::open(&env, a)
                .map_err(|e| last_err = e.to_string())
                .ok()
        });
        let Some(c) = opened else {
            problems.add(path.clone(), Category::CertInvalid, expect, last_err);
            continue;
        };
        let named = path
            .strip_prefix(CERTS_DIR)
            .and_then(|n| n.strip_suffix(".json"));
        if named.is_some_and(|n| n != c.device.to_string()) {
            problems.add(
                path.clone(),
                Category::CertInvalid,
                format!("the certificate of {}", named.unwrap_or_default()),
                format!("the certificate of {}", c.device),
            );
            continue;
        }
        out.insert(
            c.device,
            (
                c.public_key,
                Certified {
                    name: c.name,
                    officer: c.officer,
                    roles: c.roles,
                    issuer: c.issuer,
                },
            ),
        );
    }
    out
}

/// Where a record file says its record is: (signer folder, seq).
pub(super) fn record_place(path: &str) -> (Option<&str>, Option<u64>) {
    let name = &path[RECORDS_DIR.len()..];
    let (dir, file) = match name.split_once('/') {
        Some((d, f)) => (Some(d), f),
        None => (None, name),
    };
    let seq = file
        .strip_suffix(".dsse.json")
        .and_then(|s| s.parse::<u64>().ok());
    (dir, seq)
}

pub(super) fn read_records(
    files: &BTreeMap<String, FileFacts>,
    by_device: &BTreeMap<DeviceId, PublicKey>,
    problems: &mut Problems,
) -> (Records, BTreeMap<DeviceId, Signer>) {
    let mut verified: Records = BTreeMap::new();
    let mut signers: BTreeMap<DeviceId, Signer> = BTreeMap::new();
    for (path, f) in files.iter().filter(|(p, _)| p.starts_with(RECORDS_DIR)) {
        let (dir, file_seq) = record_place(path);
        let Some(bytes) = content(files, path) else {
            let why = f
                .error
                .clone()
                .unwrap_or_else(|| format!("larger than {MAX_ENVELOPE_BYTES} bytes"));
            problems.add(path.clone(), Category::BadLayout, "a signed record", why);
            continue;
        };
        let env = match Envelope::from_json(bytes) {
            Ok(e) => e,
            Err(e) => {
                problems.add(
                    path.clone(),
                    Category::BadLayout,
                    "a signed record (DSSE JSON)",
                    e.to_string(),
                );
                continue;
            }
        };
        let claimed = env
            .keyid
            .parse::<DeviceId>()
            .ok()
            .or_else(|| record::parse_header(&env.payload).ok().map(|h| h.device));
        let Some(key) = claimed.and_then(|d| by_device.get(&d)) else {
            let given: Vec<String> = by_device.keys().map(|k| k.to_string()).collect();
            problems.add(
                path.clone(),
                Category::UnknownKey,
                format!("a record of device {}", given.join(" or ")),
                format!("signed for device {}", env.keyid),
            );
            continue;
        };
        let v = match record::open(env, key) {
            Ok(v) => v,
            Err(RecordError::Envelope(EnvelopeError::BadSignature(_))) => {
                problems.add(
                    path.clone(),
                    Category::SignatureInvalid,
                    format!("a valid signature by {key}"),
                    "signature does not verify",
                );
                continue;
            }
            Err(e) => {
                problems.add(
                    path.clone(),
                    Category::BadLayout,
                    "a valid record",
                    e.to_string(),
                );
                continue;
            }
        };
        let seq = v.header.seq;
        let device = v.header.device;
        if file_seq != Some(seq) || dir.is_some_and(|d| d != device.to_string()) {
            let want = match dir {
                Some(_) => format!("file {device}/{seq:08}.dsse.json"),
                None => format!("file named for seq {seq}"),
            };
            problems.add(
                path.clone(),
                Category::ChainBreak,
                want,
                format!("file name {}", &path[RECORDS_DIR.len()..]),
            );
        }
        let s = signers.entry(device).or_insert(Signer {
            device,
            key: *key,
            records: 0,
            first_seq: seq,
            last_seq: seq,
            last_signed_at: None,
            certified: None,
        });
        s.records += 1;
        s.first_seq = s.first_seq.min(seq);
        if seq >= s.last_seq {
            s.last_seq = seq;
            s.last_signed_at = Some(v.header.created_at);
        }
        let payload = serde_json::from_slice::<RecordPayload>(&v.envelope.payload).ok();
        match verified.get(&(device, seq)) {
            Some((other, o, _)) if o.digest != v.digest => problems.add(
                path.clone(),
                Category::Fork,
                format!("one record at seq {seq} ({other})"),
                format!("a different record {}", v.digest),
            ),
            Some(_) => {}
            None => {
                verified.insert((device, seq), (path.clone(), v, payload));
            }
        }
    }
    (verified, signers)
}

/// Checks one signer's chain file against its records; returns the
/// digests it links, with the path each record has (or would have).
fn check_chain(
    cf: &ChainFile,
    chain_path: &str,
    device: DeviceId,
    verified: &Records,
    record_path: &dyn Fn(u64) -> String,
    problems: &mut Problems,
) -> BTreeMap<Digest, String> {
    let mut linked = BTreeMap::new();
    if cf.device != device {
        problems.add(
            chain_path,
            Category::ChainBreak,
            format!("the chain of {device}"),
            format!("the chain of {}", cf.device),
        );
        return linked;
    }
    let mut h = cf.start.chain;
    for (expect_seq, l) in (cf.start.seq + 1..).zip(cf.links.iter()) {
        if l.seq != expect_seq {
            problems.add(
                chain_path,
                Category::ChainBreak,
                format!("link seq {expect_seq}"),
                format!("link seq {}", l.seq),
            );
            break;
        }
        linked.insert(l.digest, record_path(l.seq));
        let next = match verified.get(&(device, l.seq)) {
            Some((path, v, _)) => {
                if v.header.prev != h {
                    problems.add(
                        path.clone(),
                        Category::ChainBreak,
                        format!("prev {h}"),
                        format!("prev {}", v.header.prev),
                    );
                }
                if v.digest != l.digest {
                    problems.add(
                        path.clone(),
                        Category::ChainBreak,
                        format!("record {} as linked", l.digest),
                        format!("record {}", v.digest),
                    );
                }
                v.chain
            }
            None => chain::link(&cf.device, l.seq, &h, &l.digest),
        };
        if next != l.chain {
            problems.add(
                chain_path,
                Category::ChainBreak,
                format!("h_{} = {next}", l.seq),
                format!("{}", l.chain),
            );
        }
        h = next;
    }
    let linked_seqs: BTreeSet<u64> = cf.links.iter().map(|l| l.seq).collect();
    for ((d, seq), (path, _, _)) in verified {
        if *d == device && !linked_seqs.contains(seq) {
            problems.add(
                path.clone(),
                Category::ChainBreak,
                "a record inside the listed chain",
                format!("seq {seq} not linked"),
            );
        }
    }
    linked
}

/// Every signer's chain: `data/chain.json` for a terminal's bundle (one
/// signer), `data/chains/<signer>.json` for a bureau bundle.
pub(super) fn check_chains(
    files: &BTreeMap<String, FileFacts>,
    verified: &Records,
    signers: &BTreeMap<DeviceId, Signer>,
    bureau: bool,
    problems: &mut Problems,
) -> BTreeMap<Digest, String> {
    let mut linked = BTreeMap::new();
    if !bureau {
        let cf: Option<ChainFile> = parse_json(files, CHAIN_FILE, "chain links", problems);
        if let Some(cf) = cf {
            let device = signers.keys().next().copied().unwrap_or(cf.device);
            let path = |seq: u64| format!("{RECORDS_DIR}{seq:08}.dsse.json");
            linked = check_chain(&cf, CHAIN_FILE, device, verified, &path, problems);
        }
        return linked;
    }
    for device in signers.keys() {
        let chain_path = format!("{CHAINS_DIR}{device}.json");
        let cf: Option<ChainFile> = parse_json(files, &chain_path, "chain links", problems);
        if let Some(cf) = cf {
            let path = |seq: u64| format!("{RECORDS_DIR}{device}/{seq:08}.dsse.json");
            linked.extend(check_chain(
                &cf,
                &chain_path,
                *device,
                verified,
                &path,
                problems,
            ));
        }
    }
    linked
}
