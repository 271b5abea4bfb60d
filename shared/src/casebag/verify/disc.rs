//! Checks of one disc (one bag): fixity, seal, record signatures, the
//! device chain, the sealing record and evidence references.

use super::signers::{certificates, check_chains, read_records, record_place, Records};
use super::*;
use crate::model::SealedDocument;

pub(super) fn parse_json<T: serde::de::DeserializeOwned>(
    files: &BTreeMap<String, FileFacts>,
    path: &str,
    what: &str,
    problems: &mut Problems,
) -> Option<T> {
    match files.get(path) {
        None => {
            problems.add(path, Category::Missing, what, "no such file");
            None
        }
        Some(f) => match content(files, path) {
            None => {
                problems.add(
                    path,
                    Category::BadLayout,
                    what,
                    f.error
                        .clone()
                        .unwrap_or_else(|| "too large to read".into()),
                );
                None
            }
            Some(b) => serde_json::from_slice(b)
                .map_err(|e| problems.add(path, Category::BadLayout, what, e.to_string()))
                .ok(),
        },
    }
}

/// A bureau bundle's sealing record is signed by an 档案管理员 (when the
/// signer's certificate says what it may do).
fn check_archivist(
    signer: DeviceId,
    signers: &BTreeMap<DeviceId, Signer>,
    verified: &Records,
    at: &(DeviceId, u64),
    problems: &mut Problems,
) {
    let Some(c) = signers.get(&signer).and_then(|s| s.certified.as_ref()) else {
        return;
    };
    if !c.roles.contains(&crate::staff::Role::Archivist) {
        let path = verified.get(at).map(|r| r.0.clone()).unwrap_or_default();
        problems.add(
            path,
            Category::CertInvalid,
            "a sealing record by an archivist (档案管理员)",
            format!(
                "signed by {} ({}), who is not an archivist",
                c.name, c.officer
            ),
        );
    }
}

/// A terminal's bundle is sealed by the device that signed its records; a
/// bureau bundle by an agency key (given with `--ca`, or as `--key`),
/// never by a key trusted only through a certificate on the disc.
fn seal_by_right_key(
    key: &PublicKey,
    bureau: bool,
    signers: &BTreeMap<DeviceId, Signer>,
    trust: &Trust,
    problems: &mut Problems,
) -> bool {
    if bureau {
        if trust.agencies.contains(key) || trust.keys.contains(key) {
            return true;
        }
        problems.add(
            SEAL_FILE,
            Category::SealInvalid,
            "sealed by the agency key",
            format!("sealed by signer {}", key.device_id()),
        );
        return false;
    }
    match signers.keys().next() {
        Some(s) if *s != key.device_id() => {
            problems.add(
                SEAL_FILE,
                Category::SealInvalid,
                format!("sealed by device {s}, which signed the records"),
                format!("sealed by device {}", key.device_id()),
            );
            false
        }
        _ => true,
    }
}

fn check_seal(
    files: &BTreeMap<String, FileFacts>,
    keys: &[PublicKey],
    problems: &mut Problems,
) -> Option<(SealInfo, PublicKey)> {
    let Some(text) = content(files, SEAL_FILE) else {
        problems.add(
            SEAL_FILE,
            Category::SealInvalid,
            "a seal by the device key",
            "no readable seal",
        );
        return None;
    };
    let Some(tagmanifest) = content(files, TAGMANIFEST) else {
        return None; // already reported MISSING
    };
    let sig = match Minisig::parse(text) {
        Ok(s) => s,
        Err(e) => {
            problems.add(
                SEAL_FILE,
                Category::SealInvalid,
                "a minisign signature",
                e.to_string(),
            );
            return None;
        }
    };
    match sig.verify(tagmanifest, keys) {
        Ok(key) => match SealInfo::parse(&sig.trusted) {
            Ok(info) if info.signer == key.device_id() => Some((info, key)),
            Ok(info) => {
                problems.add(
                    SEAL_FILE,
                    Category::SealInvalid,
                    format!("signer {}", key.device_id()),
                    format!("signer {}", info.signer),
                );
                None
            }
            Err(e) => {
                problems.add(
                    SEAL_FILE,
                    Category::SealInvalid,
                    "a fieldcase trusted comment",
                    e.to_string(),
                );
                None
            }
        },
        Err(SealError::UnknownKey(id)) => {
            let given: Vec<String> = keys
                .iter()
                .map(|k| crate::seal::KeyId::of(k).to_string())
                .collect();
            problems.add(
                SEAL_FILE,
                Category::UnknownKey,
                format!("a seal by key id {}", given.join(" or ")),
                format!("sealed by key id {id}"),
            );
            None
        }
        Err(e) => {
            problems.add(
                SEAL_FILE,
                Category::SealInvalid,
                "a valid seal over tagmanifest-sha256.txt",
                e.to_string(),
            );
            None
        }
    }
}

pub(super) fn check_disc(
    (files, sm3): (&BTreeMap<String, FileFacts>, &BTreeMap<String, Digest>),
    source_problems: Problems,
    trust: &Trust,
    set: Option<&SetFile>,
    disc_index: u32,
) -> DiscOutcome {
    let check = bag::check_files(files, source_problems, &[SEAL_FILE]);
    let mut problems = check.problems;
    let certified = certificates(files, trust, &mut problems);
    let mut by_device: BTreeMap<DeviceId, PublicKey> =
        certified.iter().map(|(d, (k, _))| (*d, *k)).collect();
    by_device.extend(trust.keys.iter().map(|k| (k.device_id(), *k)));
    let sealers: Vec<PublicKey> = trust
        .keys
        .iter()
        .chain(&trust.agencies)
        .copied()
        .chain(certified.values().map(|(k, _)| *k))
        .collect();
    let seal = check_seal(files, &sealers, &mut problems);
    let case: Option<CaseFile> =
        parse_json(files, CASE_FILE, "a fieldcase case summary", &mut problems);

    // Records.
    let record_files: Vec<&String> = files
        .keys()
        .filter(|p| p.starts_with(RECORDS_DIR))
        .collect();
    let nested = record_files
        .iter()
        .filter(|p| p[RECORDS_DIR.len()..].contains('/'))
        .count();
    let bureau = nested > 0;
    if bureau && nested < record_files.len() {
        problems.add(
            RECORDS_DIR,
            Category::BadLayout,
            "records in one layout (data/records/<signer>/<seq>.dsse.json)",
            format!(
                "{} records outside a signer's folder",
                record_files.len() - nested
            ),
        );
    }
    let (verified, mut signers) = read_records(files, &by_device, &mut problems);
    for (d, s) in signers.iter_mut() {
        s.certified = certified.get(d).map(|(_, c)| c.clone());
    }
    if !bureau && signers.len() > 1 {
        problems.add(
            RECORDS_DIR,
            Category::BadLayout,
            "records of one device",
            format!("{} devices", signers.len()),
        );
    }
    let case_no = verified
        .values()
        .find_map(|(_, _, p)| match p.as_ref().map(|p| &p.body) {
            Some(RecordBody::CaseOpened(c)) => Some(c.case_no.clone()),
            _ => None,
        });

    // Chains.
    let linked = check_chains(files, &verified, &signers, bureau, &mut problems);

    // The sealing record names every other record of the bundle: a
    // terminal's last by seq; at the bureau, the last signed.
    let seal_rec = verified
        .iter()
        .filter_map(|(at, (_, v, p))| match p.as_ref().map(|p| &p.body) {
            Some(RecordBody::CaseSealed(s)) => Some((*at, v.header.created_at, s.clone())),
            _ => None,
        })
        .max_by_key(|(at, created, _)| {
            if bureau {
                (0, *created)
            } else {
                (at.1, *created)
            }
        });
    // Every record a signed list names must be in the bag.
    let require_records = |list: &[Digest], by: &str, problems: &mut Problems| {
        for d in list {
            if !verified.values().any(|(_, v, _)| v.digest == *d) {
                let p = linked
                    .get(d)
                    .cloned()
                    .unwrap_or_else(|| format!("record {d}"));
                problems.add(
                    p,
                    Category::Missing,
                    format!("record {d} named by the {by} record"),
                    "not in the bag",
                );
            }
        }
    };
    let mut named = BTreeSet::new();
    match &seal_rec {
        Some((seal_at, _, s)) => {
            named.extend(s.records.iter().copied());
            require_records(&s.records, "sealing", &mut problems);
            for (at, (path, v, _)) in &verified {
                if at != seal_at && !named.contains(&v.digest) {
                    problems.add(
                        path.clone(),
                        Category::Unexpected,
                        "only records the sealing record names",
                        format!("record {} (seq {})", v.digest, at.1),
                    );
                }
            }
            if bureau {
                check_archivist(seal_at.0, &signers, &verified, seal_at, &mut problems);
            }
        }
        None if !verified.is_empty() => problems.add(
            RECORDS_DIR,
            Category::Missing,
            "a case_sealed record",
            "none among the verified records",
        ),
        None => {}
    }
    if let Some(RecordBody::CaseClosed(c)) = verified.values().find_map(|(_, _, p)| {
        p.as_ref()
            .map(|p| &p.body)
            .filter(|b| matches!(b, RecordBody::CaseClosed(_)))
    }) {
        require_records(&c.records, "closing", &mut problems);
    }
    if verified.is_empty()
        && !problems.has(RECORDS_DIR, Category::Missing)
        && record_files.is_empty()
    {
        problems.add(RECORDS_DIR, Category::Missing, "signed records", "none");
    }

    // The seal must agree with the signed records.
    let mut sealed = None;
    if let Some((info, key)) = seal {
        let mut ok = true;
        if let Some((_, at, s)) = &seal_rec {
            if info.bundle != s.bundle_id || info.sealed_at != *at || info.case_no != s.case_no {
                problems.add(
                    SEAL_FILE,
                    Category::SealInvalid,
                    format!(
                        "case {} bundle {} sealed {}",
                        s.case_no,
                        s.bundle_id,
                        at.to_rfc3339()
                    ),
                    format!(
                        "case {} bundle {} sealed {}",
                        info.case_no,
                        info.bundle,
                        info.sealed_at.to_rfc3339()
                    ),
                );
                ok = false;
            }
        }
        ok &= seal_by_right_key(&key, bureau, &signers, trust, &mut problems);
        if ok {
            sealed = Some((info, key));
        }
    }

    // Evidence.
    let by_hash: BTreeMap<Digest, &String> =
        check.files.iter().map(|(p, (d, _))| (*d, p)).collect();
    let located: BTreeMap<Digest, &str> = case
        .as_ref()
        .map(|c| {
            c.evidence
                .iter()
                .map(|e| (e.item.sha256, e.path.as_str()))
                .collect()
        })
        .unwrap_or_default();
    let set_items: BTreeMap<Digest, &super::super::SetItem> = set
        .map(|s| s.items.iter().map(|it| (it.sha256, it)).collect())
        .unwrap_or_default();
    let mut referenced: BTreeSet<String> = BTreeSet::new();
    for (_, v, _) in verified.values() {
        for blob in &v.header.blobs {
            if let Some(it) = set_items.get(blob) {
                for part in it.parts.iter().filter(|p| p.disc == disc_index) {
                    referenced.insert(part.path.clone());
                    match check.files.get(&part.path) {
                        Some((got, _)) if *got != part.sha256 => problems.add(
                            part.path.clone(),
                            Category::Modified,
                            part.sha256.to_hex(),
                            got.to_hex(),
                        ),
                        Some(_) => {}
                        None if files.contains_key(&part.path) => {}
                        None => problems.add(
                            part.path.clone(),
                            Category::Missing,
                            part.sha256.to_hex(),
                            "no such file",
                        ),
                    }
                }
                continue;
            }
            if let Some(p) = by_hash.get(blob) {
                referenced.insert((*p).clone());
                // The same bytes added twice (one signature image signing
                // two writings) are two files, each the summary places for
                // its own record: each is accounted for by that record.
                for e in claimed_copies(case.as_ref(), blob, v.header.seq) {
                    if check.files.get(e).is_some_and(|(d, _)| d == blob) {
                        referenced.insert(e.to_owned());
                    }
                }
                continue;
            }
            match located.get(blob) {
                Some(p) => {
                    referenced.insert((*p).to_owned());
                    match check.files.get(*p) {
                        Some((got, _)) => {
                            problems.add(*p, Category::Modified, blob.to_hex(), got.to_hex())
                        }
                        None if files.contains_key(*p) => {}
                        None => problems.add(*p, Category::Missing, blob.to_hex(), "no such file"),
                    }
                }
                None => problems.add(
                    format!("evidence {blob}"),
                    Category::Missing,
                    format!("named by record seq {}", v.header.seq),
                    "no file with these bytes",
                ),
            }
        }
    }
    // Files no signed record or summary accounts for.
    let claimed_seq: BTreeMap<&str, u64> = case
        .as_ref()
        .map(|c| {
            c.evidence
                .iter()
                .map(|e| (e.path.as_str(), e.record_seq))
                .collect()
        })
        .unwrap_or_default();
    let thumbs: BTreeSet<&str> = case
        .as_ref()
        .map(|c| {
            c.evidence
                .iter()
                .filter_map(|e| e.thumbnail.as_deref())
                .collect()
        })
        .unwrap_or_default();
    let sealed_documents = seal_rec.as_ref().map(|(_, _, s)| s.documents.as_slice());
    let documents = check_documents(
        files,
        case.as_ref(),
        sealed_documents.unwrap_or_default(),
        &verified.values().map(|v| v.1.digest).collect(),
        &mut problems,
    );
    check_tools(
        files,
        seal_rec.as_ref().map(|(_, _, s)| s.tools.as_slice()),
        &mut problems,
    );
    let sm2_cosigned = super::guomi::check(
        files,
        sm3,
        seal_rec.as_ref().map(|(_, _, s)| s.sm2_key.as_str()),
        &mut problems,
    );
    let record_dirs: BTreeSet<String> = record_files
        .iter()
        .filter_map(|p| record_place(p).0.map(str::to_owned))
        .collect();
    for p in files.keys().filter(|p| p.starts_with("data/")) {
        let known = if p.starts_with(EVIDENCE_DIR) {
            referenced.contains(p)
                || problems.has(p, Category::Modified)
                || claimed_seq
                    .get(p.as_str())
                    .is_some_and(|seq| !verified.keys().any(|(_, s)| s == seq))
        } else if p.starts_with(THUMBS_DIR) {
            thumbs.contains(p.as_str())
        } else if p.starts_with(DOCUMENTS_DIR) {
            documents.contains(p.as_str())
        } else if p.starts_with(RECORDS_DIR) {
            true
        } else if let Some(n) = p
            .strip_prefix(CHAINS_DIR)
            .or_else(|| p.strip_prefix(CERTS_DIR))
        {
            bureau
                && n.strip_suffix(".json")
                    .and_then(|id| id.parse::<DeviceId>().ok())
                    .is_some_and(|id| {
                        signers.contains_key(&id) || record_dirs.contains(&id.to_string())
                    })
        } else if [AGENCY_KEY_FILE, AGENCY_MINISIGN_KEY_FILE].contains(&p.as_str()) {
            bureau
        } else {
            [
                CASE_FILE,
                CHAIN_FILE,
                KEY_FILE,
                MINISIGN_KEY_FILE,
                super::super::CERT_FILE,
            ]
            .contains(&p.as_str())
                || (p == SET_FILE && set.is_some())
        };
        if !known {
            problems.add(
                p.clone(),
                Category::Unexpected,
                "only files the case accounts for",
                "a file no record or summary names",
            );
        }
    }

    // The summary must agree with the signed records.
    if let (Some(c), Some(no)) = (&case, &case_no) {
        if &c.case_no != no {
            problems.add(
                CASE_FILE,
                Category::Modified,
                format!("case number {no}"),
                format!("case number {}", c.case_no),
            );
        }
    }
    if let Some(c) = &case {
        let signed = verified
            .values()
            .find_map(|(_, _, p)| match p.as_ref().map(|p| &p.body) {
                Some(RecordBody::CaseClosed(cc)) => Some(cc.findings.clone()),
                _ => None,
            });
        if let Some(signed) = signed {
            if signed != c.findings {
                problems.add(
                    CASE_FILE,
                    Category::Modified,
                    "the findings of the signed closing record",
                    "other findings (decision, checklist or signatures)",
                );
            }
        }
    }
    let records = verified
        .iter()
        .map(|((device, seq), (_, v, payload))| super::RecordRef {
            device: *device,
            seq: *seq,
            digest: v.digest,
            kind: payload
                .as_ref()
                .map(|p| p.body.kind().to_owned())
                .unwrap_or_default(),
        })
        .collect();
    DiscOutcome {
        sm2_cosigned,
        problems,
        case_no,
        signers: signers.into_values().collect(),
        records,
        sealed,
    }
}

/// Checks the documents (`data/documents/`) against the signed sealing
/// record: the summary lists exactly the documents it names, each file
/// holds the bytes it names, each filled from a record that verifies here.
/// Returns the paths accounted for.
fn check_documents<'c>(
    files: &BTreeMap<String, FileFacts>,
    case: Option<&'c CaseFile>,
    sealed: &[SealedDocument],
    verified: &BTreeSet<Digest>,
    problems: &mut Problems,
) -> BTreeSet<&'c str> {
    let listed = case.map(|c| c.documents.as_slice()).unwrap_or_default();
    let mut accounted = BTreeSet::new();
    for entry in listed {
        let d = &entry.document;
        let path = entry.path.as_str();
        if !sealed.contains(d) {
            problems.add(
                path,
                Category::Unexpected,
                "only documents the sealing record names",
                format!("{} {} not named by it", d.kind, d.sha256),
            );
            continue;
        }
        accounted.insert(path);
        if !verified.contains(&d.record) {
            problems.add(
                path,
                Category::Missing,
                format!("record {} the document is filled from", d.record),
                "not among the verified records",
            );
        }
        match files.get(path) {
            None => problems.add(path, Category::Missing, d.sha256.to_hex(), "no such file"),
            Some(f) if f.digest != d.sha256 => problems.add(
                path,
                Category::Modified,
                d.sha256.to_hex(),
                f.digest.to_hex(),
            ),
            Some(_) => {}
        }
    }
    for d in sealed {
        if !listed.iter().any(|e| &e.document == d) {
            problems.add(
                DOCUMENTS_DIR,
                Category::Missing,
                format!("{} {} named by the sealing record", d.kind, d.sha256),
                "not listed in case.json",
            );
        }
    }
    accounted
}

/// The programs beside the bag (`tools/`) are exactly those the sealing
/// record names, each with its bytes.
fn check_tools(
    files: &BTreeMap<String, FileFacts>,
    sealed: Option<&[crate::model::SealedTool]>,
    problems: &mut Problems,
) {
    let sealed = sealed.unwrap_or_default();
    for t in sealed {
        match files.get(&t.path) {
            None => problems.add(
                &t.path,
                Category::Missing,
                t.sha256.to_hex(),
                "no such file",
            ),
            Some(f) if f.complete() && f.digest != t.sha256 => problems.add(
                &t.path,
                Category::Modified,
                t.sha256.to_hex(),
                f.digest.to_hex(),
            ),
            Some(_) => {}
        }
    }
    for p in files
        .keys()
        .filter(|p| p.starts_with(super::super::TOOLS_DIR))
    {
        if !sealed.iter().any(|t| &t.path == p) {
            problems.add(
                p.clone(),
                Category::Unexpected,
                "only programs the sealing record names",
                "a program no signed record names",
            );
        }
    }
}

/// The evidence paths the case summary places for record `seq` holding
/// `blob`.
fn claimed_copies<'c>(
    case: Option<&'c super::super::CaseFile>,
    blob: &Digest,
    seq: u64,
) -> impl Iterator<Item = &'c str> + 'c {
    let blob = *blob;
    case.into_iter().flat_map(move |c| {
        c.evidence
            .iter()
            .filter(move |e| e.item.sha256 == blob && e.record_seq == seq)
            .map(|e| e.path.as_str())
    })
}
