//! Checks of one disc (one bag): fixity, seal, record signatures, the
//! device chain, the sealing record and evidence references.

use super::*;

fn parse_json<T: serde::de::DeserializeOwned>(
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
    files: &BTreeMap<String, FileFacts>,
    source_problems: Problems,
    keys: &[PublicKey],
    set: Option<&SetFile>,
    disc_index: u32,
) -> DiscOutcome {
    let check = bag::check_files(files, source_problems, &[SEAL_FILE]);
    let mut problems = check.problems;
    let by_device: BTreeMap<DeviceId, PublicKey> =
        keys.iter().map(|k| (k.device_id(), *k)).collect();
    let seal = check_seal(files, keys, &mut problems);
    let case: Option<CaseFile> =
        parse_json(files, CASE_FILE, "a fieldcase case summary", &mut problems);

    // Records.
    let mut verified: BTreeMap<u64, (String, VerifiedRecord, Option<RecordPayload>)> =
        BTreeMap::new();
    let mut signers: BTreeMap<DeviceId, Signer> = BTreeMap::new();
    for (path, f) in files.iter().filter(|(p, _)| p.starts_with(RECORDS_DIR)) {
        let name = &path[RECORDS_DIR.len()..];
        let file_seq = name
            .strip_suffix(".dsse.json")
            .and_then(|s| s.parse::<u64>().ok());
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
            let given: Vec<String> = keys.iter().map(|k| k.device_id().to_string()).collect();
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
        if file_seq != Some(seq) {
            problems.add(
                path.clone(),
                Category::ChainBreak,
                format!("file named for seq {seq}"),
                format!("file name {name}"),
            );
        }
        let s = signers.entry(v.header.device).or_insert(Signer {
            device: v.header.device,
            key: *key,
            records: 0,
            first_seq: seq,
            last_seq: seq,
            last_signed_at: None,
        });
        s.records += 1;
        s.first_seq = s.first_seq.min(seq);
        if seq >= s.last_seq {
            s.last_seq = seq;
            s.last_signed_at = Some(v.header.created_at);
        }
        let payload = serde_json::from_slice::<RecordPayload>(&v.envelope.payload).ok();
        match verified.get(&seq) {
            Some((other, o, _)) if o.digest != v.digest => problems.add(
                path.clone(),
                Category::Fork,
                format!("one record at seq {seq} ({other})"),
                format!("a different record {}", v.digest),
            ),
            Some(_) => {}
            None => {
                verified.insert(seq, (path.clone(), v, payload));
            }
        }
    }
    if signers.len() > 1 {
        problems.add(
            RECORDS_DIR,
            Category::BadLayout,
            "records of one device",
            format!("{} devices", signers.len()),
        );
    }
    let body_of = |seq: &u64| {
        verified
            .get(seq)
            .and_then(|(_, _, p)| p.as_ref())
            .map(|p| &p.body)
    };
    let case_no = verified
        .values()
        .find_map(|(_, _, p)| match p.as_ref().map(|p| &p.body) {
            Some(RecordBody::CaseOpened(c)) => Some(c.case_no.clone()),
            _ => None,
        });

    // Chain.
    let chain_file: Option<ChainFile> = parse_json(files, CHAIN_FILE, "chain links", &mut problems);
    let path_of_seq = |seq: u64| format!("{RECORDS_DIR}{seq:08}.dsse.json");
    let mut linked = BTreeMap::new();
    if let Some(cf) = &chain_file {
        let mut h = cf.start.chain;
        for (expect_seq, l) in (cf.start.seq + 1..).zip(cf.links.iter()) {
            if l.seq != expect_seq {
                problems.add(
                    CHAIN_FILE,
                    Category::ChainBreak,
                    format!("link seq {expect_seq}"),
                    format!("link seq {}", l.seq),
                );
                break;
            }
            linked.insert(l.digest, l.seq);
            let next = match verified.get(&l.seq) {
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
                    CHAIN_FILE,
                    Category::ChainBreak,
                    format!("h_{} = {next}", l.seq),
                    format!("{}", l.chain),
                );
            }
            h = next;
        }
        for (seq, (path, _, _)) in &verified {
            if !linked.values().any(|s| s == seq) {
                problems.add(
                    path.clone(),
                    Category::ChainBreak,
                    "a record inside the listed chain",
                    format!("seq {seq} not linked"),
                );
            }
        }
    }

    // The sealing record names every other record of the bundle.
    let seal_rec =
        verified
            .iter()
            .rev()
            .find_map(|(seq, (_, v, p))| match p.as_ref().map(|p| &p.body) {
                Some(RecordBody::CaseSealed(s)) => Some((*seq, v.header.created_at, s.clone())),
                _ => None,
            });
    // Every record a signed list names must be in the bag.
    let require_records = |list: &[Digest], by: &str, problems: &mut Problems| {
        for d in list {
            if !verified.values().any(|(_, v, _)| v.digest == *d) {
                let p = linked
                    .get(d)
                    .map(|seq| path_of_seq(*seq))
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
        Some((seal_seq, _, s)) => {
            named.extend(s.records.iter().copied());
            require_records(&s.records, "sealing", &mut problems);
            for (seq, (path, v, _)) in &verified {
                if seq != seal_seq && !named.contains(&v.digest) {
                    problems.add(
                        path.clone(),
                        Category::Unexpected,
                        "only records the sealing record names",
                        format!("record {} (seq {seq})", v.digest),
                    );
                }
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
    if let Some(RecordBody::CaseClosed(c)) = verified
        .keys()
        .find_map(|s| body_of(s).filter(|b| matches!(b, RecordBody::CaseClosed(_))))
    {
        require_records(&c.records, "closing", &mut problems);
    }
    if verified.is_empty() && !problems.has(RECORDS_DIR, Category::Missing) {
        let any = files.keys().any(|p| p.starts_with(RECORDS_DIR));
        if !any {
            problems.add(RECORDS_DIR, Category::Missing, "signed records", "none");
        }
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
        if let Some(s) = signers.keys().next() {
            if *s != key.device_id() {
                problems.add(
                    SEAL_FILE,
                    Category::SealInvalid,
                    format!("sealed by device {s}, which signed the records"),
                    format!("sealed by device {}", key.device_id()),
                );
                ok = false;
            }
        }
        if ok {
            sealed = Some(info);
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
    for p in files.keys().filter(|p| p.starts_with("data/")) {
        let known = if p.starts_with(EVIDENCE_DIR) {
            referenced.contains(p)
                || problems.has(p, Category::Modified)
                || claimed_seq
                    .get(p.as_str())
                    .is_some_and(|seq| !verified.contains_key(seq))
        } else if p.starts_with(THUMBS_DIR) {
            thumbs.contains(p.as_str())
        } else if p.starts_with(RECORDS_DIR) {
            true
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
    DiscOutcome {
        problems,
        case_no,
        signers: signers.into_values().collect(),
        sealed,
    }
}
