//! The handlers' shared state: the store, the server key, the log's tree,
//! evidence, uploads under way and the request limits.

use std::sync::{Arc, Mutex};

use chrono::Utc;
use fieldcase_shared::chain::Head;
use fieldcase_shared::envelope::Envelope;
use fieldcase_shared::hash::Digest;
use fieldcase_shared::keys::{DeviceId, DeviceKey};
use fieldcase_shared::receipt::{BlobEntry, Receipt, ReceiptEntry};
use fieldcase_shared::tlog::{self, Checkpoint, Tree};
use fieldcase_shared::wire::ErrorCode;

use super::{blocking, Failure};
use crate::blobs::BlobStore;
use crate::store::{Store, StoreError};

/// Shared state of the handlers.
#[derive(Clone)]
pub struct AppState {
    pub(crate) store: Arc<dyn Store>,
    key: Arc<DeviceKey>,
    /// The transparency log's tree, mirrored from the store. Held locked
    /// across an ingest so that leaves enter it in log order.
    log: Arc<Mutex<Tree>>,
    origin: Arc<str>,
    /// Evidence bytes.
    pub(crate) blobs: Arc<dyn BlobStore>,
    /// One entry per blob being uploaded: chunks of one blob append in
    /// turn, and are hashed as they arrive.
    pub(crate) uploads:
        Arc<Mutex<std::collections::HashMap<Digest, Arc<Mutex<crate::api::blobs::Upload>>>>>,
    /// Enrolment attempts, per address and overall.
    pub(crate) enrol_limits: Arc<crate::ratelimit::EnrolLimiter>,
    /// Office login attempts, per address and overall.
    pub(crate) login_limits: Arc<crate::ratelimit::EnrolLimiter>,
    /// Request nonces seen within the replay window.
    pub(crate) nonces: Arc<crate::auth::Nonces>,
    /// Body-carrying requests under way, per device and in all.
    pub(crate) busy: Arc<crate::busy::Busy>,
    /// The font file and face of the PDF exports.
    pub(crate) pdf_font: Arc<(std::path::PathBuf, u32)>,
    /// Whose working days the deadlines count.
    pub(crate) region: fieldcase_shared::calendar::Region,
    /// The deciding agency's name on the documents (empty: none made).
    pub(crate) agency_name: Arc<str>,
    /// Its 统一社会信用代码, named in published entries (may be empty).
    pub(crate) agency_uscc: Arc<str>,
    /// The statically linked verifier archive discs carry (checked).
    pub(crate) disc_verifier: Option<Arc<Vec<u8>>>,
    /// The agency's SM2 key, when archive discs are sealed with 国密 too.
    pub(crate) agency_sm2: Option<Arc<fieldcase_shared::guomi::Sm2Key>>,
}

/// Default log origin (the name in checkpoints and on their signature line).
pub const DEFAULT_LOG_ORIGIN: &str = "fieldcase-sync";

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the key; the public half is enough to tell servers apart.
        f.debug_struct("AppState")
            .field("server_key", &self.key.public())
            .finish_non_exhaustive()
    }
}

impl AppState {
    /// State over a store and the server signing key.
    /// State over `store`, signing with `key`; loads the log's tree.
    pub fn new(
        store: Arc<dyn Store>,
        blobs: Arc<dyn BlobStore>,
        key: DeviceKey,
    ) -> Result<Self, StoreError> {
        Self::with_origin(store, blobs, key, DEFAULT_LOG_ORIGIN)
    }

    /// Like [`AppState::new`] with a log origin of the operator's choice.
    pub fn with_origin(
        store: Arc<dyn Store>,
        blobs: Arc<dyn BlobStore>,
        key: DeviceKey,
        origin: &str,
    ) -> Result<Self, StoreError> {
        let mut tree = Tree::new();
        for leaf in store.log_leaves(0)? {
            tree.push(leaf);
        }
        Ok(AppState {
            store,
            key: Arc::new(key),
            log: Arc::new(Mutex::new(tree)),
            origin: origin.into(),
            blobs,
            uploads: Arc::default(),
            enrol_limits: Arc::default(),
            login_limits: Arc::default(),
            nonces: Arc::default(),
            busy: Arc::default(),
            pdf_font: Arc::new((
                crate::office::pdf::DEFAULT_FONT.into(),
                crate::office::pdf::DEFAULT_FONT_INDEX,
            )),
            region: fieldcase_shared::calendar::Region::National,
            agency_name: Arc::from(""),
            agency_uscc: Arc::from(""),
            disc_verifier: None,
            agency_sm2: None,
        })
    }

    /// The signed checkpoint of the log at its current size.
    pub(crate) fn checkpoint(&self, tree: &Tree) -> Result<String, Failure> {
        let size = tree.size();
        let cp = Checkpoint {
            origin: self.origin.to_string(),
            size,
            root: tree.root(size).map_err(Failure::internal)?,
        };
        tlog::sign_note(&cp.to_text(), &self.origin, &self.key).map_err(Failure::internal)
    }

    /// The same state with another font for the PDF exports.
    pub fn with_pdf_font(mut self, path: std::path::PathBuf, index: u32) -> Self {
        self.pdf_font = Arc::new((path, index));
        self
    }

    /// The same state counting working days with `region`'s calendar.
    pub fn with_region(mut self, region: fieldcase_shared::calendar::Region) -> Self {
        self.region = region;
        self
    }

    /// The same state naming `agency` on the documents it renders.
    pub fn with_agency_name(mut self, agency: &str) -> Self {
        self.agency_name = Arc::from(agency.trim());
        self
    }

    /// The same state naming the agency's 统一社会信用代码 in published
    /// entries.
    pub fn with_agency_uscc(mut self, uscc: &str) -> Self {
        self.agency_uscc = Arc::from(uscc.trim());
        self
    }

    /// The same state putting `verifier` (a statically linked x86-64
    /// program) on every archive disc.
    pub fn with_disc_verifier(
        mut self,
        verifier: Vec<u8>,
    ) -> Result<Self, fieldcase_shared::casebag::tool::ToolError> {
        fieldcase_shared::casebag::tool::check_static_x86_64(&verifier)?;
        self.disc_verifier = Some(Arc::new(verifier));
        Ok(self)
    }

    /// The same state sealing archive discs with the agency's SM2 key too
    /// (国密 option).
    pub fn with_guomi(mut self, key: fieldcase_shared::guomi::Sm2Key) -> Self {
        self.agency_sm2 = Some(Arc::new(key));
        self
    }

    /// The keys that seal archive discs.
    pub(crate) fn agency_keys(&self) -> crate::office::archive::AgencyKeys {
        crate::office::archive::AgencyKeys {
            ed25519: self.agency_key(),
            sm2: self.agency_sm2.clone(),
        }
    }

    /// What an act at the bureau needs of the configuration.
    pub fn bureau(&self) -> crate::office::acts::Bureau {
        crate::office::acts::Bureau {
            region: self.region,
            agency: self.agency_name.to_string(),
            agency_uscc: self.agency_uscc.to_string(),
        }
    }

    /// The public key that signs receipts.
    pub fn server_key(&self) -> fieldcase_shared::keys::PublicKey {
        self.key.public()
    }

    pub(crate) fn signing_key(&self) -> &DeviceKey {
        &self.key
    }

    /// The agency key (it certifies devices and staff), shared.
    pub(crate) fn agency_key(&self) -> Arc<DeviceKey> {
        self.key.clone()
    }

    pub(crate) fn log_origin(&self) -> &str {
        &self.origin
    }

    /// The store.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }
}

impl AppState {
    /// The registered device, or `403 unknown_device`.
    pub(crate) async fn registered(
        &self,
        device: DeviceId,
    ) -> Result<fieldcase_shared::model::Device, Failure> {
        let store = self.store.clone();
        blocking(move || store.device(&device))
            .await?
            .map_err(Failure::internal)?
            .ok_or_else(|| {
                Failure::new(ErrorCode::UnknownDevice,
                    format!("device {device} is not registered on this server; ask the back office to register its key"),
                )
            })
    }

    /// A signed receipt with the log's current checkpoint (`tree` is the
    /// locked log).
    pub(crate) fn sign_receipt(
        &self,
        tree: &Tree,
        device: DeviceId,
        received_at: chrono::DateTime<Utc>,
        records: Vec<ReceiptEntry>,
        blobs: Vec<BlobEntry>,
        head: Head,
    ) -> Result<Envelope, Failure> {
        let receipt = Receipt {
            v: 1,
            server_key: self.key.public(),
            device,
            received_at,
            records,
            blobs,
            head,
            checkpoint: self.checkpoint(tree)?,
        };
        Ok(receipt.sign(&self.key))
    }

    /// Locks the log's tree.
    pub(crate) fn lock_log(&self) -> Result<std::sync::MutexGuard<'_, Tree>, Failure> {
        self.log
            .lock()
            .map_err(|_| Failure::internal("log lock poisoned"))
    }

    /// Locks the log's tree and brings it up to the store (blocking: a
    /// store call): the leaves other servers on the same database appended
    /// since this one last looked.
    pub(crate) fn current_log(&self) -> Result<std::sync::MutexGuard<'_, Tree>, Failure> {
        let mut tree = self.lock_log()?;
        catch_up(&*self.store, &mut tree).map_err(Failure::internal)?;
        Ok(tree)
    }
}

/// Appends to `tree` the leaves the store holds beyond it; returns them.
/// The store is the log (its appends are serialised in the database), the
/// tree only its mirror, so every server sees one log.
pub(crate) fn catch_up(store: &dyn Store, tree: &mut Tree) -> Result<Vec<Digest>, StoreError> {
    let leaves = store.log_leaves(tree.size())?;
    for leaf in &leaves {
        tree.push(*leaf);
    }
    Ok(leaves)
}

/// Checks that `mine`, appended at `start`, are where the store put them
/// in `fetched` (the leaves from `from` on).
pub(crate) fn placed(
    from: u64,
    fetched: &[Digest],
    start: u64,
    mine: &[Digest],
) -> Result<(), String> {
    let at = start.checked_sub(from).map(|a| a as usize);
    match at.and_then(|a| fetched.get(a..a + mine.len())) {
        Some(seen) if seen == mine => Ok(()),
        _ => Err(format!(
            "log out of step: leaves appended at {start} are not the store's (tree held {from})"
        )),
    }
}

impl AppState {}
