//! Archiving a closed case: sealing it (a `case_sealed` record), writing
//! the sealed bundle as a folder or as disc images, and recording each
//! image's hash and size in a `disc_recorded` record.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use fieldcase_shared::casebag::{self, CaseExport, ChainFile, Disc, Medium};
use fieldcase_shared::chain::Head;
use fieldcase_shared::hash::Digest;
use fieldcase_shared::model::{CaseSealed, DiscImage, DiscRecorded};
use fieldcase_shared::record::{self, RecordBody, RecordPayload};

use super::{body, CaseStatus, Cases};
use crate::core::{AppError, Terminal};
use crate::store::StoredRecord;

/// One disc image written.
#[derive(Debug, Clone, serde::Serialize)]
pub struct WrittenDisc {
    /// Image file.
    pub path: PathBuf,
    /// Position in the set.
    pub index: u32,
    /// Discs in the set.
    pub count: u32,
    /// SHA-256 of the image.
    pub sha256: Digest,
    /// Size in bytes.
    pub size: u64,
}

impl Cases<'_> {
    /// Seals a closed case unless its latest seal still covers every record
    /// of the case; returns the records of the bundle (through the seal).
    fn sealed_records(&self, case: &str) -> Result<Vec<StoredRecord>, AppError> {
        let row = self.find(case)?;
        if row.status != CaseStatus::Closed {
            return Err(AppError::NotClosed(row.case_no));
        }
        let records = self.term.store.case_records(&row.case_id)?;
        let content: Vec<&StoredRecord> = records
            .iter()
            .filter(|r| !matches!(body(r), Some(RecordBody::DiscRecorded(_))))
            .collect();
        if let Some(last) = content.last() {
            if matches!(body(last), Some(RecordBody::CaseSealed(_))) {
                let upto = last.seq;
                return Ok(records.into_iter().filter(|r| r.seq <= upto).collect());
            }
        }
        // The seal is made in the name of the officers who closed the case.
        let officers = content
            .iter()
            .rev()
            .find_map(|r| {
                serde_json::from_slice::<RecordPayload>(&r.envelope.payload)
                    .ok()
                    .filter(|p| matches!(p.body, RecordBody::CaseClosed(_)))
                    .map(|p| p.officers)
            })
            .unwrap_or_default();
        let case_id = row.case_id;
        let agency = self
            .term
            .store
            .setting(crate::papers::AGENCY_SETTING)?
            .unwrap_or_default();
        let documents = crate::papers::bundle_documents(content.iter().copied(), &agency)?
            .into_iter()
            .map(|d| d.sealed)
            .collect();
        let digests: Vec<Digest> = content
            .iter()
            .filter(|r| !matches!(body(r), Some(RecordBody::CaseSealed(_))))
            .map(|r| r.digest)
            .collect();
        self.term
            .store
            .append(&self.term.key, officers, Terminal::now(), |_| {
                Ok(RecordBody::CaseSealed(CaseSealed {
                    case_id,
                    case_no: row.case_no.clone(),
                    bundle_id: casebag::new_bundle_id(),
                    records: digests,
                    documents,
                    agency: agency.clone(),
                    tools: Vec::new(),
                    sm2_key: String::new(),
                }))
            })?;
        let records = self.term.store.case_records(&row.case_id)?;
        let upto = records
            .iter()
            .rev()
            .find(|r| matches!(body(r), Some(RecordBody::CaseSealed(_))))
            .map(|r| r.seq)
            .unwrap_or(u64::MAX);
        Ok(records.into_iter().filter(|r| r.seq <= upto).collect())
    }

    /// Plans the sealed bundle of a closed case (sealing it first if
    /// needed). `medium` `None`: one folder bag without a size limit.
    pub fn plan_bundle(
        &self,
        case: &str,
        medium: Option<Medium>,
        progress: impl FnMut(u64),
    ) -> Result<Vec<Disc>, AppError> {
        let records = self.sealed_records(case)?;
        let (Some(first), Some(last)) = (records.first(), records.last()) else {
            return Err(AppError::NoCase(case.to_owned()));
        };
        let device = self.term.device_id();
        let start = Head {
            seq: first.seq - 1,
            chain: self.term.store.chain_at(&device, first.seq - 1)?,
        };
        let links = self.term.store.links(first.seq, last.seq)?;
        let mut blobs = BTreeMap::new();
        let mut thumbnails = BTreeMap::new();
        for r in &records {
            if let Some(RecordBody::EvidenceAdded(e)) = body(r) {
                if let Some(p) = self.term.store.blob_path(&e.sha256) {
                    if e.media_type.starts_with("image/") {
                        if let Some(t) = crate::evidence::thumbnail(&p) {
                            thumbnails.insert(e.sha256, t);
                        }
                    }
                    blobs.insert(e.sha256, p);
                }
            }
        }
        let documents = match records.iter().rev().find_map(|r| match body(r) {
            Some(RecordBody::CaseSealed(s)) => Some(s),
            _ => None,
        }) {
            Some(seal) => crate::papers::sealed_documents(&records, &seal)?,
            None => Vec::new(),
        };
        let export = CaseExport {
            documents,
            tools: Vec::new(),
            device_key: self.term.public_key(),
            records: records.into_iter().map(|r| r.envelope).collect(),
            chain: ChainFile {
                device,
                start,
                links,
            },
            others: Vec::new(),
            blobs: casebag::Blobs(std::sync::Arc::new(blobs)),
            thumbnails,
            certificate: self.term.store.setting(crate::sync::DEVICE_CERT)?.map(|c| {
                let mut b = c.into_bytes();
                b.push(b'\n');
                b
            }),
        };
        Ok(casebag::plan(&export, &self.term.key, medium, progress)?)
    }

    /// Writes a closed case's sealed bundle as a BagIt folder `out` (new
    /// or empty). Returns the disc plan written.
    pub fn export_bag(
        &self,
        case: &str,
        out: &Path,
        mut progress: impl FnMut(u64),
    ) -> Result<Disc, AppError> {
        let mut discs = self.plan_bundle(case, None, &mut progress)?;
        let disc = discs.remove(0);
        disc.write_dir(out, progress)?;
        Ok(disc)
    }

    /// Builds the disc images of a closed case into `out_dir` and records
    /// their hashes and sizes in a signed `disc_recorded` record (once per
    /// distinct set of images).
    pub fn build_discs(
        &self,
        case: &str,
        medium: Medium,
        out_dir: &Path,
        mut progress: impl FnMut(u64),
    ) -> Result<Vec<WrittenDisc>, AppError> {
        let discs = self.plan_bundle(case, Some(medium), &mut progress)?;
        fs::create_dir_all(out_dir).map_err(|source| AppError::Output {
            path: out_dir.to_owned(),
            source,
        })?;
        let mut written = Vec::new();
        for d in &discs {
            let path = out_dir.join(d.file_name());
            let (sha256, size) = if path.exists() {
                // An earlier run may have finished this image and been
                // stopped before recording it: the same bytes are taken
                // (and recorded below, once); other bytes are never touched.
                let want = d.image_digest(&mut progress)?;
                let have = fieldcase_shared::hash::sha256_file(&path).map_err(|source| {
                    AppError::Output {
                        path: path.clone(),
                        source,
                    }
                })?;
                if have != want {
                    return Err(AppError::Output {
                        path,
                        source: std::io::Error::new(
                            std::io::ErrorKind::AlreadyExists,
                            "already exists and is not this disc; choose another --out folder or move it away",
                        ),
                    });
                }
                want
            } else {
                d.write_iso(&path, &mut progress)?
            };
            written.push(WrittenDisc {
                path,
                index: d.index,
                count: d.count,
                sha256,
                size,
            });
        }
        let row = self.find(case)?;
        let bundle_id = discs[0].seal.bundle;
        let images: Vec<DiscImage> = written
            .iter()
            .map(|w| DiscImage {
                index: w.index,
                sha256: w.sha256,
                size: w.size,
            })
            .collect();
        let already = self.term.store.case_records(&row.case_id)?.iter().any(|r| {
            matches!(body(r), Some(RecordBody::DiscRecorded(d))
                if d.bundle_id == bundle_id && d.medium == medium.name() && d.discs == images)
        });
        if !already {
            let case_id = row.case_id;
            let officers = record::parse_header(
                &self.term.store.case_records(&row.case_id)?[0]
                    .envelope
                    .payload,
            )
            .map(|h| h.officers)
            .unwrap_or_default();
            self.term
                .store
                .append(&self.term.key, officers, Terminal::now(), |_| {
                    Ok(RecordBody::DiscRecorded(DiscRecorded {
                        case_id,
                        bundle_id,
                        medium: medium.name().into(),
                        discs: images,
                    }))
                })?;
        }
        Ok(written)
    }
}
