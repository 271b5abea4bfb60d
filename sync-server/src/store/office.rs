//! What the back office keeps beside the records: staff accounts, their
//! sessions, the audit log, and the case index the inbox searches. The
//! case index is derived from the records at ingest (`CaseUpdate`), in the
//! same transaction, so it never disagrees with them.

use chrono::{DateTime, Utc};
use fieldcase_shared::hash::Digest;
use fieldcase_shared::keys::DeviceId;
use fieldcase_shared::record::{RecordBody, RecordPayload};
use fieldcase_shared::staff::Role;
use uuid::Uuid;

use super::StoreError;

/// A staff account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffUser {
    /// Login name (unique).
    pub name: String,
    /// Name shown on pages and acts.
    pub display_name: String,
    /// Roles held.
    pub roles: Vec<Role>,
    /// Argon2id PHC string of the password.
    pub password_hash: String,
    /// When the account was made.
    pub created_at: DateTime<Utc>,
    /// When it was disabled; a disabled account cannot log in.
    pub disabled_at: Option<DateTime<Utc>>,
    /// Wrong passwords since the last good one.
    pub failed_logins: u32,
    /// No login until then (after too many wrong passwords).
    pub locked_until: Option<DateTime<Utc>>,
    /// 法律职业资格证书编号 (行政处罚法 art. 58 para. 2), empty when none is
    /// recorded: a 法制审核人员 signs an opinion only with one.
    pub qualification: String,
}

impl StaffUser {
    /// True when the account holds `role`.
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }
}

/// A logged-in browser. The cookie carries the token; only its SHA-256 is
/// stored, so a database reader cannot take over a session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffSession {
    /// SHA-256 of the cookie's token.
    pub token_hash: Digest,
    /// Login name.
    pub staff: String,
    /// The token every form of this session carries (CSRF).
    pub csrf: String,
    /// When it began.
    pub created_at: DateTime<Utc>,
    /// When it ends.
    pub expires_at: DateTime<Utc>,
    /// Address it logged in from.
    pub addr: String,
    /// The staff member's signing key sealed under a key derived from the
    /// cookie's token (`office::staffkeys`): only the browser holding the
    /// cookie can have it opened.
    pub sealed_key: Option<Vec<u8>>,
}

/// A staff member's signing key as kept: its certificate, and its seed
/// sealed under a key derived from the password (`office::staffkeys`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffKey {
    /// The key's signer id (a "device" of the records and the log).
    pub signer: DeviceId,
    /// The certificate (DSSE JSON) the agency key signed.
    pub cert: Vec<u8>,
    /// The sealed seed.
    pub sealed: Vec<u8>,
}

/// What an audit event records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditAction {
    /// A good login.
    Login,
    /// A wrong password, unknown or disabled account.
    LoginFailed,
    /// A login refused while the account is locked.
    LoginLocked,
    /// A logout.
    Logout,
    /// A case page shown.
    CaseViewed,
    /// A photo or document shown in the browser.
    EvidenceViewed,
    /// A video or recording played.
    EvidencePlayed,
    /// An evidence item downloaded.
    EvidenceDownloaded,
    /// A page refused for want of a role.
    Refused,
    /// An account made.
    StaffAdded,
    /// An account disabled.
    StaffDisabled,
    /// An account's legal qualification recorded.
    StaffQualified,
    /// A case's disc built at the bureau.
    DiscBuilt,
    /// A disc image downloaded.
    DiscDownloaded,
    /// The publication export (双公示) downloaded.
    PublicationExported,
    /// A random-inspection task's seed committed (target: task and
    /// commitment).
    DrawCommitted,
    /// A random-inspection draw made.
    DrawMade,
    /// A case's data package sent to the ministry (target: the file).
    MinistrySent,
}

impl AuditAction {
    const ALL: [AuditAction; 18] = [
        AuditAction::Login,
        AuditAction::LoginFailed,
        AuditAction::LoginLocked,
        AuditAction::Logout,
        AuditAction::CaseViewed,
        AuditAction::EvidenceViewed,
        AuditAction::EvidencePlayed,
        AuditAction::EvidenceDownloaded,
        AuditAction::Refused,
        AuditAction::StaffAdded,
        AuditAction::StaffDisabled,
        AuditAction::StaffQualified,
        AuditAction::DiscBuilt,
        AuditAction::DiscDownloaded,
        AuditAction::PublicationExported,
        AuditAction::DrawCommitted,
        AuditAction::DrawMade,
        AuditAction::MinistrySent,
    ];

    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::Login => "login",
            AuditAction::LoginFailed => "login_failed",
            AuditAction::LoginLocked => "login_locked",
            AuditAction::Logout => "logout",
            AuditAction::CaseViewed => "case_viewed",
            AuditAction::EvidenceViewed => "evidence_viewed",
            AuditAction::EvidencePlayed => "evidence_played",
            AuditAction::EvidenceDownloaded => "evidence_downloaded",
            AuditAction::Refused => "refused",
            AuditAction::StaffAdded => "staff_added",
            AuditAction::StaffDisabled => "staff_disabled",
            AuditAction::StaffQualified => "staff_qualified",
            AuditAction::DiscBuilt => "disc_built",
            AuditAction::DiscDownloaded => "disc_downloaded",
            AuditAction::PublicationExported => "publication_exported",
            AuditAction::DrawCommitted => "draw_committed",
            AuditAction::DrawMade => "draw_made",
            AuditAction::MinistrySent => "ministry_sent",
        }
    }

    /// From the stored name.
    pub fn parse(s: &str) -> Result<Self, StoreError> {
        Self::ALL
            .into_iter()
            .find(|a| a.as_str() == s)
            .ok_or_else(|| StoreError::Other(format!("unknown audit action {s:?}").into()))
    }
}

/// One audit event: who did what to what, when and from where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEvent {
    /// Position in the audit log (0 before it is stored).
    pub id: u64,
    /// When.
    pub at: DateTime<Utc>,
    /// Login name, when known (a failed login names what was typed).
    pub actor: String,
    /// What.
    pub action: AuditAction,
    /// What it concerned (a case id, an account, a page).
    pub target: String,
    /// Client address.
    pub addr: String,
    /// Its leaf in the transparency log (set when stored).
    pub log_index: Option<u64>,
}

impl AuditEvent {
    /// SHA-256 of the canonical form: the JSON array of id, time (RFC 3339),
    /// actor, action, target and address — what its log leaf commits to.
    pub fn digest(&self) -> Digest {
        let fields = [
            self.id.to_string(),
            self.at.to_rfc3339(),
            self.actor.clone(),
            self.action.as_str().to_owned(),
            self.target.clone(),
            self.addr.clone(),
        ];
        fieldcase_shared::hash::sha256(&serde_json::to_vec(&fields).unwrap_or_default())
    }

    /// Its log entry.
    pub fn log_entry(&self) -> fieldcase_shared::tlog::LogEntry {
        fieldcase_shared::tlog::LogEntry::Audit {
            id: self.id,
            digest: self.digest(),
        }
    }
}

/// Which audit events to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditQuery {
    /// Only this actor's.
    pub actor: Option<String>,
    /// Only those about this target.
    pub target: Option<String>,
    /// At most this many, newest first.
    pub limit: u32,
}

pub use fieldcase_shared::review::CaseState;

/// A stored case state back into a state.
pub(crate) fn state_of(s: &str) -> Result<CaseState, StoreError> {
    CaseState::parse(s).ok_or_else(|| StoreError::Other(format!("unknown case state {s:?}").into()))
}

/// A case as the inbox lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseRow {
    /// Case id.
    pub case_id: Uuid,
    /// Device whose records opened it.
    pub device: DeviceId,
    /// 案号.
    pub case_no: String,
    /// When the check took place (RFC 3339, as the device recorded it).
    pub occurred_at: String,
    /// Where.
    pub place: String,
    /// Plate.
    pub plate: String,
    /// Party's name.
    pub party: String,
    /// 执法证号 of the officers, comma-separated.
    pub officers: String,
    /// Violation title, empty when none.
    pub violation: String,
    /// State.
    pub state: CaseState,
    /// Evidence items recorded.
    pub evidence: u32,
    /// Corrections recorded.
    pub corrections: u32,
}

/// The inbox's filters. Empty fields do not filter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaseQuery {
    /// Words matched against 案号, plate and party name.
    pub text: String,
    /// Only cases in this state.
    pub state: Option<CaseState>,
    /// Only cases with this officer.
    pub officer: String,
    /// Checks on or after this day (YYYY-MM-DD).
    pub from: String,
    /// Checks on or before this day (YYYY-MM-DD).
    pub to: String,
    /// Page size.
    pub limit: u32,
    /// Rows skipped.
    pub offset: u32,
}

/// How one record changes the case index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaseUpdate {
    /// A case opened: a new row.
    Opened(CaseRow),
    /// Evidence added.
    Evidence(Uuid),
    /// Closed, with the violation its decision names (empty: none; the
    /// roadside names the violation at the close, not at the opening).
    Closed(Uuid, String),
    /// Corrected (a returned case becomes corrected).
    Corrected(Uuid),
    /// A review step: the case's new state.
    Reviewed(Uuid, CaseState),
    /// Sealed or written to disc: only the record is linked to the case.
    Other(Uuid),
}

impl CaseUpdate {
    /// The update a record's payload makes, if it parses (an unknown
    /// newer record kind leaves the index as it is).
    pub fn of(device: &DeviceId, payload: &[u8]) -> Option<CaseUpdate> {
        let p: RecordPayload = serde_json::from_slice(payload).ok()?;
        Some(match p.body {
            RecordBody::CaseOpened(c) => CaseUpdate::Opened(CaseRow {
                case_id: c.case_id,
                device: *device,
                case_no: c.case_no,
                occurred_at: c.occurred_at.to_rfc3339(),
                place: c.place,
                plate: c.vehicle.plate,
                party: c.party.name().to_owned(),
                officers: p.officers.join(","),
                violation: c.violation.map(|v| v.title).unwrap_or_default(),
                state: CaseState::Open,
                evidence: 0,
                corrections: 0,
            }),
            RecordBody::EvidenceAdded(e) => CaseUpdate::Evidence(e.case_id),
            RecordBody::CaseClosed(c) => CaseUpdate::Closed(
                c.case_id,
                c.findings
                    .and_then(|f| f.decision)
                    .map(|d| d.title)
                    .unwrap_or_default(),
            ),
            RecordBody::CaseCorrected(c) => CaseUpdate::Corrected(c.case_id),
            // The step was checked before it was signed; a record whose
            // step does not follow from its state changes nothing.
            RecordBody::ReviewRecorded(r) => match r.from.after(r.step) {
                Ok(to) => CaseUpdate::Reviewed(r.case_id, to),
                Err(_) => CaseUpdate::Other(r.case_id),
            },
            other => CaseUpdate::Other(other.case_id()),
        })
    }

    /// The case concerned.
    pub fn case_id(&self) -> Uuid {
        match self {
            CaseUpdate::Opened(r) => r.case_id,
            CaseUpdate::Evidence(id)
            | CaseUpdate::Closed(id, _)
            | CaseUpdate::Corrected(id)
            | CaseUpdate::Reviewed(id, _)
            | CaseUpdate::Other(id) => *id,
        }
    }
}

/// A record of a case, as held.
#[derive(Debug, Clone)]
pub struct CaseRecord {
    /// Signing device.
    pub device: DeviceId,
    /// Seq in its chain.
    pub seq: u64,
    /// Envelope JSON as received.
    pub envelope: Vec<u8>,
    /// When the server received it.
    pub received_at: DateTime<Utc>,
}

/// The back office's storage.
pub trait OfficeStore {
    /// Adds an account; `Conflict` if the name is taken.
    fn add_staff(&self, user: &StaffUser) -> Result<(), StoreError>;
    /// An account by login name.
    fn staff(&self, name: &str) -> Result<Option<StaffUser>, StoreError>;
    /// Every account, by name.
    fn staff_list(&self) -> Result<Vec<StaffUser>, StoreError>;
    /// Disables an account and ends its sessions; false if unknown.
    fn disable_staff(&self, name: &str, at: DateTime<Utc>) -> Result<bool, StoreError>;
    /// Records an account's 法律职业资格证书编号; false if there is no such
    /// account.
    fn set_staff_qualification(&self, name: &str, qualification: &str) -> Result<bool, StoreError>;
    /// Sets the wrong-password count and lock of an account.
    fn set_login_state(
        &self,
        name: &str,
        failed: u32,
        locked_until: Option<DateTime<Utc>>,
    ) -> Result<(), StoreError>;
    /// Keeps a staff member's first signing key; false (and nothing
    /// changed) when the account has one already (two first logins at
    /// once: the other one's key stays).
    fn set_staff_key(&self, name: &str, key: &StaffKey) -> Result<bool, StoreError>;
    /// A staff member's signing key, if one was made.
    fn staff_key(&self, name: &str) -> Result<Option<StaffKey>, StoreError>;
    /// Keeps a new session.
    fn add_session(&self, session: &StaffSession) -> Result<(), StoreError>;
    /// A session by its token's hash.
    fn session(&self, token_hash: &Digest) -> Result<Option<StaffSession>, StoreError>;
    /// Ends a session.
    fn end_session(&self, token_hash: &Digest) -> Result<(), StoreError>;
    /// Appends an audit event and its leaf in the transparency log, in one
    /// transaction; returns its id.
    fn add_audit(&self, event: &AuditEvent) -> Result<u64, StoreError>;
    /// Audit events, newest first.
    fn audit(&self, query: &AuditQuery) -> Result<Vec<AuditEvent>, StoreError>;
    /// Cases matching the filters, newest check first, and how many match
    /// in all — counted up to [`COUNT_CAP`] + 1 (more reads as "more than
    /// the cap", so counting never scans a million rows).
    fn cases(&self, query: &CaseQuery) -> Result<(Vec<CaseRow>, u64), StoreError>;
    /// One case.
    fn case_row(&self, case_id: &Uuid) -> Result<Option<CaseRow>, StoreError>;
    /// Every record of a case, by device and seq.
    fn case_records(&self, case_id: &Uuid) -> Result<Vec<CaseRecord>, StoreError>;
}

/// Matches counted at most (the inbox shows "10000+" beyond).
pub const COUNT_CAP: u64 = 10_000;

/// The `LIKE` pattern of a search word: `%`, `_` and `\` match themselves.
pub(crate) fn like_pattern(word: &str) -> String {
    let mut p = String::from("%");
    for c in word.chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}
