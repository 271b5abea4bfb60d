//! The back office's tables in SQLite: staff, sessions, audit, case index.

use chrono::{DateTime, Utc};
use fieldcase_shared::hash::Digest;
use fieldcase_shared::keys::DeviceId;
use fieldcase_shared::staff::{roles_from_text, roles_to_text};
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use uuid::Uuid;

use super::super::office::{
    like_pattern, state_of, AuditAction, AuditEvent, AuditQuery, CaseQuery, CaseRecord, CaseRow,
    CaseState, CaseUpdate, OfficeStore, StaffKey, StaffSession, StaffUser, COUNT_CAP,
};
use super::super::{digest, parse_time, StoreError};
use super::SqliteStore;

/// Schema of the back office (migration 7).
pub(super) const MIGRATION: &str = "
    CREATE TABLE staff (
        name          TEXT PRIMARY KEY,
        display_name  TEXT NOT NULL,
        roles         TEXT NOT NULL,
        password_hash TEXT NOT NULL,
        created_at    TEXT NOT NULL,
        disabled_at   TEXT,
        failed_logins INTEGER NOT NULL DEFAULT 0,
        locked_until  TEXT
    );
    CREATE TABLE staff_sessions (
        token_hash BLOB PRIMARY KEY,
        staff      TEXT NOT NULL REFERENCES staff(name),
        csrf       TEXT NOT NULL,
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        addr       TEXT NOT NULL
    );
    CREATE TABLE audit (
        id     INTEGER PRIMARY KEY,
        at     TEXT NOT NULL,
        actor  TEXT NOT NULL,
        action TEXT NOT NULL,
        target TEXT NOT NULL,
        addr   TEXT NOT NULL,
        log_index INTEGER UNIQUE
    );
    CREATE INDEX audit_actor ON audit(actor, id);
    CREATE INDEX audit_target ON audit(target, id);
    CREATE TABLE cases (
        case_id     TEXT PRIMARY KEY,
        device      TEXT NOT NULL,
        case_no     TEXT NOT NULL,
        occurred_at TEXT NOT NULL,
        place       TEXT NOT NULL,
        plate       TEXT NOT NULL,
        party       TEXT NOT NULL,
        officers    TEXT NOT NULL,
        violation   TEXT NOT NULL,
        state       TEXT NOT NULL,
        evidence    INTEGER NOT NULL DEFAULT 0,
        corrections INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX cases_occurred ON cases(occurred_at);
    CREATE INDEX cases_state ON cases(state, occurred_at);
    CREATE TABLE case_records (
        case_id TEXT NOT NULL,
        device  TEXT NOT NULL,
        seq     INTEGER NOT NULL,
        PRIMARY KEY (case_id, device, seq)
    );";

/// Staff signing keys, the sessions' sealed keys, and messages naming a
/// case and a record (migration 8).
pub(super) const MIGRATION_KEYS: &str = "
    ALTER TABLE staff ADD COLUMN signer TEXT;
    ALTER TABLE staff ADD COLUMN cert BLOB;
    ALTER TABLE staff ADD COLUMN key_sealed BLOB;
    ALTER TABLE staff_sessions ADD COLUMN key_sealed BLOB;
    ALTER TABLE messages ADD COLUMN case_id TEXT;
    ALTER TABLE messages ADD COLUMN record BLOB;";

/// The staff member's 法律职业资格证书编号 (migration 9).
pub(super) const MIGRATION_QUALIFICATION: &str =
    "ALTER TABLE staff ADD COLUMN qualification TEXT NOT NULL DEFAULT '';";

/// Applies one record's change to the case index, inside the ingest
/// transaction.
pub(super) fn index_case(
    c: &Connection,
    device: &DeviceId,
    seq: u64,
    update: &CaseUpdate,
) -> Result<(), StoreError> {
    let id = update.case_id().to_string();
    match update {
        CaseUpdate::Opened(r) => {
            c.execute(
                "INSERT OR IGNORE INTO cases (case_id, device, case_no, occurred_at, place, plate,
                    party, officers, violation, state)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                params![
                    id,
                    r.device.to_string(),
                    r.case_no,
                    r.occurred_at,
                    r.place,
                    r.plate,
                    r.party,
                    r.officers,
                    r.violation,
                    r.state.as_str()
                ],
            )?;
        }
        CaseUpdate::Evidence(_) => {
            c.execute(
                "UPDATE cases SET evidence = evidence + 1 WHERE case_id = ?1",
                [&id],
            )?;
        }
        CaseUpdate::Closed(_, violation) => {
            c.execute(
                "UPDATE cases SET state = 'closed',
                    violation = CASE WHEN ?2 <> '' THEN ?2 ELSE violation END
                 WHERE case_id = ?1",
                params![&id, violation],
            )?;
        }
        CaseUpdate::Corrected(_) => {
            c.execute(
                "UPDATE cases SET corrections = corrections + 1,
                    state = CASE WHEN state = 'returned' THEN 'corrected' ELSE state END
                 WHERE case_id = ?1",
                [&id],
            )?;
        }
        CaseUpdate::Reviewed(_, to) => {
            c.execute(
                "UPDATE cases SET state = ?2 WHERE case_id = ?1",
                params![id, to.as_str()],
            )?;
        }
        CaseUpdate::Other(_) => {}
    }
    c.execute(
        "INSERT OR IGNORE INTO case_records (case_id, device, seq) VALUES (?1, ?2, ?3)",
        params![id, device.to_string(), seq as i64],
    )?;
    Ok(())
}

/// Indexes the cases of records stored before the index existed.
pub(super) fn backfill_cases(conn: &mut Connection) -> Result<(), StoreError> {
    let indexed: i64 = conn.query_row("SELECT count(*) FROM case_records", [], |r| r.get(0))?;
    if indexed > 0 {
        return Ok(());
    }
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let rows: Vec<(String, i64, Vec<u8>)> = {
        let mut st =
            tx.prepare("SELECT device, seq, envelope FROM records ORDER BY device, seq")?;
        let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        rows.collect::<Result<_, _>>()?
    };
    for (dev, seq, env) in rows {
        let device: DeviceId = dev.parse().map_err(|e| StoreError::Other(Box::new(e)))?;
        let Ok(env) = fieldcase_shared::envelope::Envelope::from_json(&env) else {
            continue;
        };
        if let Some(update) = CaseUpdate::of(&device, &env.payload) {
            index_case(&tx, &device, seq as u64, &update)?;
        }
    }
    tx.commit()?;
    Ok(())
}

fn opt_time(t: Option<String>) -> Result<Option<DateTime<Utc>>, StoreError> {
    t.as_deref().map(parse_time).transpose()
}

fn staff_of(r: &rusqlite::Row<'_>) -> rusqlite::Result<[Option<String>; 6]> {
    Ok([
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
    ])
}

fn staff_row(
    cols: [Option<String>; 6],
    failed: i64,
    (locked, qualification): (Option<String>, String),
) -> Result<StaffUser, StoreError> {
    let [name, display, roles, hash, created, disabled] = cols;
    Ok(StaffUser {
        name: name.unwrap_or_default(),
        display_name: display.unwrap_or_default(),
        roles: roles_from_text(&roles.unwrap_or_default())
            .map_err(|e| StoreError::Other(e.into()))?,
        password_hash: hash.unwrap_or_default(),
        created_at: parse_time(&created.unwrap_or_default())?,
        disabled_at: opt_time(disabled)?,
        failed_logins: failed as u32,
        locked_until: opt_time(locked)?,
        qualification,
    })
}

const STAFF_COLUMNS: &str = "name, display_name, roles, password_hash, created_at, disabled_at,
    failed_logins, locked_until, qualification";

const CASE_COLUMNS: &str = "case_id, device, case_no, occurred_at, place, plate, party, officers,
    violation, state, evidence, corrections";

fn case_of(r: &rusqlite::Row<'_>) -> rusqlite::Result<(Vec<String>, i64, i64)> {
    let mut text = Vec::with_capacity(10);
    for i in 0..10 {
        text.push(r.get(i)?);
    }
    Ok((text, r.get(10)?, r.get(11)?))
}

fn case_row((t, evidence, corrections): (Vec<String>, i64, i64)) -> Result<CaseRow, StoreError> {
    let bad = |e: String| StoreError::Other(e.into());
    Ok(CaseRow {
        case_id: t[0]
            .parse()
            .map_err(|e| bad(format!("case id {}: {e}", t[0])))?,
        device: t[1]
            .parse()
            .map_err(|e| bad(format!("device {}: {e}", t[1])))?,
        case_no: t[2].clone(),
        occurred_at: t[3].clone(),
        place: t[4].clone(),
        plate: t[5].clone(),
        party: t[6].clone(),
        officers: t[7].clone(),
        violation: t[8].clone(),
        state: state_of(&t[9])?,
        evidence: evidence as u32,
        corrections: corrections as u32,
    })
}

impl OfficeStore for SqliteStore {
    fn add_staff(&self, u: &StaffUser) -> Result<(), StoreError> {
        let conn = self.lock()?;
        let n = conn.execute(
            "INSERT OR IGNORE INTO staff
                 (name, display_name, roles, password_hash, created_at, qualification)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                u.name,
                u.display_name,
                roles_to_text(&u.roles),
                u.password_hash,
                u.created_at.to_rfc3339(),
                u.qualification
            ],
        )?;
        if n == 0 {
            return Err(StoreError::Conflict(format!(
                "the account {} exists already",
                u.name
            )));
        }
        Ok(())
    }

    fn staff(&self, name: &str) -> Result<Option<StaffUser>, StoreError> {
        let conn = self.lock()?;
        let row = conn
            .query_row(
                &format!("SELECT {STAFF_COLUMNS} FROM staff WHERE name = ?1"),
                [name],
                |r| Ok((staff_of(r)?, r.get(6)?, (r.get(7)?, r.get(8)?))),
            )
            .optional()?;
        row.map(|(c, f, l)| staff_row(c, f, l)).transpose()
    }

    fn staff_list(&self) -> Result<Vec<StaffUser>, StoreError> {
        let conn = self.lock()?;
        let mut st = conn.prepare(&format!("SELECT {STAFF_COLUMNS} FROM staff ORDER BY name"))?;
        let rows = st
            .query_map([], |r| {
                Ok((staff_of(r)?, r.get(6)?, (r.get(7)?, r.get(8)?)))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(|(c, f, l)| staff_row(c, f, l))
            .collect()
    }

    fn disable_staff(&self, name: &str, at: DateTime<Utc>) -> Result<bool, StoreError> {
        let mut conn = self.lock()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let n = tx.execute(
            "UPDATE staff SET disabled_at = coalesce(disabled_at, ?1) WHERE name = ?2",
            params![at.to_rfc3339(), name],
        )?;
        tx.execute("DELETE FROM staff_sessions WHERE staff = ?1", [name])?;
        tx.commit()?;
        Ok(n > 0)
    }

    fn set_staff_qualification(&self, name: &str, q: &str) -> Result<bool, StoreError> {
        let n = self.lock()?.execute(
            "UPDATE staff SET qualification = ?1 WHERE name = ?2",
            params![q, name],
        )?;
        Ok(n > 0)
    }

    fn set_login_state(
        &self,
        name: &str,
        failed: u32,
        locked_until: Option<DateTime<Utc>>,
    ) -> Result<(), StoreError> {
        self.lock()?.execute(
            "UPDATE staff SET failed_logins = ?1, locked_until = ?2 WHERE name = ?3",
            params![failed as i64, locked_until.map(|t| t.to_rfc3339()), name],
        )?;
        Ok(())
    }

    fn add_session(&self, s: &StaffSession) -> Result<(), StoreError> {
        self.lock()?.execute(
            "INSERT INTO staff_sessions (token_hash, staff, csrf, created_at, expires_at, addr,
                key_sealed)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                s.token_hash.0.to_vec(),
                s.staff,
                s.csrf,
                s.created_at.to_rfc3339(),
                s.expires_at.to_rfc3339(),
                s.addr,
                s.sealed_key
            ],
        )?;
        Ok(())
    }

    fn session(&self, token_hash: &Digest) -> Result<Option<StaffSession>, StoreError> {
        let conn = self.lock()?;
        type Row = ([String; 5], Vec<u8>, Option<Vec<u8>>);
        let row: Option<Row> = conn
            .query_row(
                "SELECT staff, csrf, created_at, expires_at, addr, token_hash, key_sealed
                 FROM staff_sessions WHERE token_hash = ?1",
                [token_hash.0.to_vec()],
                |r| {
                    Ok((
                        [r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?],
                        r.get(5)?,
                        r.get(6)?,
                    ))
                },
            )
            .optional()?;
        row.map(|([staff, csrf, c, e, addr], h, sealed_key)| {
            Ok(StaffSession {
                token_hash: digest(h)?,
                staff,
                csrf,
                created_at: parse_time(&c)?,
                expires_at: parse_time(&e)?,
                addr,
                sealed_key,
            })
        })
        .transpose()
    }

    fn set_staff_key(&self, name: &str, k: &StaffKey) -> Result<bool, StoreError> {
        let n = self.lock()?.execute(
            "UPDATE staff SET signer = ?2, cert = ?3, key_sealed = ?4
             WHERE name = ?1 AND signer IS NULL",
            params![name, k.signer.to_string(), k.cert, k.sealed],
        )?;
        Ok(n == 1)
    }

    fn staff_key(&self, name: &str) -> Result<Option<StaffKey>, StoreError> {
        let conn = self.lock()?;
        type Row = (Option<String>, Option<Vec<u8>>, Option<Vec<u8>>);
        let row: Option<Row> = conn
            .query_row(
                "SELECT signer, cert, key_sealed FROM staff WHERE name = ?1",
                [name],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        match row {
            Some((Some(signer), Some(cert), Some(sealed))) => Ok(Some(StaffKey {
                signer: signer.parse().map_err(|e| StoreError::Other(Box::new(e)))?,
                cert,
                sealed,
            })),
            _ => Ok(None),
        }
    }

    fn end_session(&self, token_hash: &Digest) -> Result<(), StoreError> {
        self.lock()?.execute(
            "DELETE FROM staff_sessions WHERE token_hash = ?1",
            [token_hash.0.to_vec()],
        )?;
        Ok(())
    }

    fn add_audit(&self, e: &AuditEvent) -> Result<u64, StoreError> {
        let mut conn = self.lock()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "INSERT INTO audit (at, actor, action, target, addr) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                e.at.to_rfc3339(),
                e.actor,
                e.action.as_str(),
                e.target,
                e.addr
            ],
        )?;
        let id = tx.last_insert_rowid() as u64;
        let entry = AuditEvent { id, ..e.clone() }.log_entry();
        let idx: i64 = tx.query_row("SELECT coalesce(max(idx) + 1, 0) FROM log", [], |r| {
            r.get(0)
        })?;
        super::append_leaf(&tx, idx, &entry, &format!("audit/{id}"))?;
        tx.execute(
            "UPDATE audit SET log_index = ?1 WHERE id = ?2",
            params![idx, id as i64],
        )?;
        tx.commit()?;
        Ok(id)
    }

    fn audit(&self, q: &AuditQuery) -> Result<Vec<AuditEvent>, StoreError> {
        let conn = self.lock()?;
        let mut st = conn.prepare(
            "SELECT id, at, actor, action, target, addr, log_index FROM audit
             WHERE (?1 IS NULL OR actor = ?1) AND (?2 IS NULL OR target = ?2 OR target LIKE ?2 || '/%')
             ORDER BY id DESC LIMIT ?3",
        )?;
        let rows = st
            .query_map(params![q.actor, q.target, q.limit.max(1) as i64], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get(2)?,
                    r.get::<_, String>(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get::<_, Option<i64>>(6)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(|(id, at, actor, action, target, addr, log_index)| {
                Ok(AuditEvent {
                    id: id as u64,
                    at: parse_time(&at)?,
                    actor,
                    action: AuditAction::parse(&action)?,
                    target,
                    addr,
                    log_index: log_index.map(|i| i as u64),
                })
            })
            .collect()
    }

    fn cases(&self, q: &CaseQuery) -> Result<(Vec<CaseRow>, u64), StoreError> {
        let conn = self.lock()?;
        let text = (!q.text.trim().is_empty()).then(|| like_pattern(q.text.trim()));
        let officer = (!q.officer.trim().is_empty()).then(|| like_pattern(q.officer.trim()));
        let state = q.state.map(CaseState::as_str);
        let from = (!q.from.is_empty()).then(|| q.from.clone());
        // The day after `to`, so that a check at any time that day matches.
        let to = (!q.to.is_empty()).then(|| format!("{}~", q.to));
        let filter = "WHERE (?1 IS NULL OR case_no LIKE ?1 ESCAPE '\\' OR plate LIKE ?1 ESCAPE '\\'
                  OR party LIKE ?1 ESCAPE '\\')
              AND (?2 IS NULL OR state = ?2)
              AND (?3 IS NULL OR officers LIKE ?3 ESCAPE '\\')
              AND (?4 IS NULL OR occurred_at >= ?4)
              AND (?5 IS NULL OR occurred_at < ?5)";
        let total: i64 = conn.query_row(
            &format!(
                "SELECT count(*) FROM (SELECT 1 FROM cases {filter} LIMIT {}) AS matched",
                COUNT_CAP + 1
            ),
            params![text, state, officer, from, to],
            |r| r.get(0),
        )?;
        let mut st = conn.prepare(&format!(
            "SELECT {CASE_COLUMNS} FROM cases {filter}
             ORDER BY occurred_at DESC, case_id LIMIT ?6 OFFSET ?7"
        ))?;
        let rows = st
            .query_map(
                params![
                    text,
                    state,
                    officer,
                    from,
                    to,
                    q.limit.max(1) as i64,
                    q.offset as i64
                ],
                case_of,
            )?
            .collect::<Result<Vec<_>, _>>()?;
        Ok((
            rows.into_iter().map(case_row).collect::<Result<_, _>>()?,
            total as u64,
        ))
    }

    fn case_row(&self, case_id: &Uuid) -> Result<Option<CaseRow>, StoreError> {
        let conn = self.lock()?;
        let row = conn
            .query_row(
                &format!("SELECT {CASE_COLUMNS} FROM cases WHERE case_id = ?1"),
                [case_id.to_string()],
                case_of,
            )
            .optional()?;
        row.map(case_row).transpose()
    }

    fn case_records(&self, case_id: &Uuid) -> Result<Vec<CaseRecord>, StoreError> {
        let conn = self.lock()?;
        let mut st = conn.prepare(
            "SELECT r.device, r.seq, r.envelope, r.received_at
             FROM case_records c JOIN records r ON r.device = c.device AND r.seq = c.seq
             WHERE c.case_id = ?1 ORDER BY r.received_at, r.device, r.seq",
        )?;
        let rows = st
            .query_map([case_id.to_string()], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get(2)?,
                    r.get::<_, String>(3)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(|(d, seq, envelope, at)| {
                Ok(CaseRecord {
                    device: d.parse().map_err(|e| StoreError::Other(Box::new(e)))?,
                    seq: seq as u64,
                    envelope,
                    received_at: parse_time(&at)?,
                })
            })
            .collect()
    }
}
