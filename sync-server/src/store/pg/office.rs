//! The back office's tables in PostgreSQL: staff, sessions, audit, case
//! index. Shared by every server on the database, so a session or a lock-out
//! holds whichever server a browser reaches.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use fieldcase_shared::hash::Digest;
use fieldcase_shared::keys::DeviceId;
use fieldcase_shared::staff::{roles_from_text, roles_to_text};
use postgres::GenericClient;
use uuid::Uuid;

use super::super::office::{
    like_pattern, state_of, AuditAction, AuditEvent, AuditQuery, CaseQuery, CaseRecord, CaseRow,
    CaseUpdate, OfficeStore, StaffKey, StaffSession, StaffUser, COUNT_CAP,
};
use super::super::{digest, parse_time, StoreError};
use super::PgStore;

/// Schema of the back office (migration 4).
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
        token_hash BYTEA PRIMARY KEY,
        staff      TEXT NOT NULL REFERENCES staff(name),
        csrf       TEXT NOT NULL,
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        addr       TEXT NOT NULL
    );
    CREATE TABLE audit (
        id     BIGSERIAL PRIMARY KEY,
        at     TEXT NOT NULL,
        actor  TEXT NOT NULL,
        action TEXT NOT NULL,
        target TEXT NOT NULL,
        addr   TEXT NOT NULL,
        log_index BIGINT UNIQUE
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
        seq     BIGINT NOT NULL,
        PRIMARY KEY (case_id, device, seq)
    );
    -- Word search in the inbox: trigram indexes when pg_trgm can be had
    -- (a trusted extension since PostgreSQL 13); without it the same
    -- queries scan, slower but with the same answers.
    DO $$ BEGIN
        CREATE EXTENSION IF NOT EXISTS pg_trgm;
    EXCEPTION WHEN OTHERS THEN
        RAISE NOTICE 'pg_trgm is not available: the case inbox searches without indexes';
    END $$;
    DO $$ BEGIN
        IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
            EXECUTE 'CREATE INDEX cases_case_no_trgm ON cases USING gin (case_no gin_trgm_ops)';
            EXECUTE 'CREATE INDEX cases_plate_trgm ON cases USING gin (plate gin_trgm_ops)';
            EXECUTE 'CREATE INDEX cases_party_trgm ON cases USING gin (party gin_trgm_ops)';
            EXECUTE 'CREATE INDEX cases_officers_trgm ON cases USING gin (officers gin_trgm_ops)';
        END IF;
    END $$;";

/// Character pairs of the inbox's search fields, GIN-indexed (migration
/// 6): a word search needs every pair of the word, whatever the database's
/// locale (`pg_trgm` makes no trigrams of Chinese text in the C locale,
/// and none of a word shorter than three characters).
pub(super) const MIGRATION_PAIRS: &str = "
    CREATE FUNCTION fieldcase_pairs(s text) RETURNS text[]
        LANGUAGE sql IMMUTABLE PARALLEL SAFE
        AS $f$ SELECT coalesce(array_agg(DISTINCT substr(s, i, 2)), '{}')
               FROM generate_series(1, length(s) - 1) AS i $f$;
    ALTER TABLE cases ADD COLUMN pairs text[] GENERATED ALWAYS AS
        (fieldcase_pairs(case_no || chr(1) || plate || chr(1) || party)) STORED;
    CREATE INDEX cases_pairs ON cases USING gin (pairs);";

/// The character pairs a word search needs (none for one character).
fn word_pairs(word: &str) -> Option<Vec<String>> {
    let chars: Vec<char> = word.chars().collect();
    let mut pairs: Vec<String> = chars.windows(2).map(|w| w.iter().collect()).collect();
    pairs.sort();
    pairs.dedup();
    (!pairs.is_empty()).then_some(pairs)
}

/// Staff signing keys, the sessions' sealed keys, and messages naming a
/// case and a record (migration 5).
pub(super) const MIGRATION_KEYS: &str = "
    ALTER TABLE staff ADD COLUMN signer TEXT;
    ALTER TABLE staff ADD COLUMN cert BYTEA;
    ALTER TABLE staff ADD COLUMN key_sealed BYTEA;
    ALTER TABLE staff_sessions ADD COLUMN key_sealed BYTEA;
    ALTER TABLE messages ADD COLUMN case_id TEXT;
    ALTER TABLE messages ADD COLUMN record BYTEA;";

/// The staff member's 法律职业资格证书编号 (migration 7).
pub(super) const MIGRATION_QUALIFICATION: &str =
    "ALTER TABLE staff ADD COLUMN qualification TEXT NOT NULL DEFAULT '';";

/// Applies a batch's case updates, in its transaction: new cases row by
/// row (a batch opens few), counters once per case, links in one insert.
pub(super) fn flush_cases(
    c: &mut impl GenericClient,
    updates: Vec<(String, i64, CaseUpdate)>,
) -> Result<(), StoreError> {
    let mut counts: BTreeMap<String, (i32, i32, bool)> = BTreeMap::new();
    let (mut ids, mut devs, mut seqs) = (Vec::new(), Vec::new(), Vec::new());
    for (dev, seq, u) in updates {
        let id = u.case_id().to_string();
        match &u {
            CaseUpdate::Opened(r) => {
                c.execute(
                    "INSERT INTO cases (case_id, device, case_no, occurred_at, place, plate,
                        party, officers, violation, state)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT DO NOTHING",
                    &[
                        &id,
                        &r.device.to_string(),
                        &r.case_no,
                        &r.occurred_at,
                        &r.place,
                        &r.plate,
                        &r.party,
                        &r.officers,
                        &r.violation,
                        &r.state.as_str(),
                    ],
                )?;
            }
            CaseUpdate::Evidence(_) => counts.entry(id.clone()).or_default().0 += 1,
            CaseUpdate::Corrected(_) => counts.entry(id.clone()).or_default().1 += 1,
            CaseUpdate::Closed(_, violation) => {
                counts.entry(id.clone()).or_default().2 = true;
                if !violation.is_empty() {
                    c.execute(
                        "UPDATE cases SET violation = $2 WHERE case_id = $1",
                        &[&id, violation],
                    )?;
                }
            }
            CaseUpdate::Reviewed(_, to) => {
                c.execute(
                    "UPDATE cases SET state = $2 WHERE case_id = $1",
                    &[&id, &to.as_str()],
                )?;
            }
            CaseUpdate::Other(_) => {}
        }
        ids.push(id);
        devs.push(dev);
        seqs.push(seq);
    }
    for (id, (evidence, corrections, closed)) in counts {
        c.execute(
            "UPDATE cases SET evidence = evidence + $2, corrections = corrections + $3,
                state = CASE WHEN $4 THEN 'closed'
                    WHEN $3 > 0 AND state = 'returned' THEN 'corrected' ELSE state END
             WHERE case_id = $1",
            &[&id, &evidence, &corrections, &closed],
        )?;
    }
    if !ids.is_empty() {
        c.execute(
            "INSERT INTO case_records (case_id, device, seq)
             SELECT * FROM UNNEST($1::text[], $2::text[], $3::bigint[]) ON CONFLICT DO NOTHING",
            &[&ids, &devs, &seqs],
        )?;
    }
    Ok(())
}

/// Indexes the cases of records stored before the index existed.
pub(super) fn backfill_cases(c: &mut postgres::Client) -> Result<(), StoreError> {
    let indexed: i64 = c
        .query_one("SELECT count(*) FROM case_records", &[])?
        .get(0);
    if indexed > 0 {
        return Ok(());
    }
    let mut tx = c.transaction()?;
    let rows = tx.query(
        "SELECT device, seq, envelope FROM records ORDER BY device, seq",
        &[],
    )?;
    let mut updates = Vec::new();
    for r in rows {
        let dev: String = r.get(0);
        let device: DeviceId = dev.parse().map_err(|e| StoreError::Other(Box::new(e)))?;
        let env: Vec<u8> = r.get(2);
        let Ok(env) = fieldcase_shared::envelope::Envelope::from_json(&env) else {
            continue;
        };
        if let Some(u) = CaseUpdate::of(&device, &env.payload) {
            updates.push((dev, r.get::<_, i64>(1), u));
        }
    }
    flush_cases(&mut tx, updates)?;
    tx.commit()?;
    Ok(())
}

fn opt_time(t: Option<String>) -> Result<Option<DateTime<Utc>>, StoreError> {
    t.as_deref().map(parse_time).transpose()
}

const STAFF_COLUMNS: &str = "name, display_name, roles, password_hash, created_at, disabled_at,
    failed_logins, locked_until, qualification";

fn staff_row(r: &postgres::Row) -> Result<StaffUser, StoreError> {
    Ok(StaffUser {
        name: r.get(0),
        display_name: r.get(1),
        roles: roles_from_text(r.get(2)).map_err(|e| StoreError::Other(e.into()))?,
        password_hash: r.get(3),
        created_at: parse_time(r.get(4))?,
        disabled_at: opt_time(r.get(5))?,
        failed_logins: r.get::<_, i32>(6) as u32,
        locked_until: opt_time(r.get(7))?,
        qualification: r.get(8),
    })
}

const CASE_COLUMNS: &str = "case_id, device, case_no, occurred_at, place, plate, party, officers,
    violation, state, evidence, corrections";

fn case_row(r: &postgres::Row) -> Result<CaseRow, StoreError> {
    let bad = |e: String| StoreError::Other(e.into());
    let id: String = r.get(0);
    let dev: String = r.get(1);
    Ok(CaseRow {
        case_id: id.parse().map_err(|e| bad(format!("case id {id}: {e}")))?,
        device: dev.parse().map_err(|e| bad(format!("device {dev}: {e}")))?,
        case_no: r.get(2),
        occurred_at: r.get(3),
        place: r.get(4),
        plate: r.get(5),
        party: r.get(6),
        officers: r.get(7),
        violation: r.get(8),
        state: state_of(r.get(9))?,
        evidence: r.get::<_, i32>(10) as u32,
        corrections: r.get::<_, i32>(11) as u32,
    })
}

impl OfficeStore for PgStore {
    fn add_staff(&self, u: &StaffUser) -> Result<(), StoreError> {
        let n = self.lock()?.execute(
            "INSERT INTO staff (name, display_name, roles, password_hash, created_at, qualification)
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
            &[
                &u.name,
                &u.display_name,
                &roles_to_text(&u.roles),
                &u.password_hash,
                &u.created_at.to_rfc3339(),
                &u.qualification,
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
        self.lock()?
            .query_opt(
                &format!("SELECT {STAFF_COLUMNS} FROM staff WHERE name = $1"),
                &[&name],
            )?
            .map(|r| staff_row(&r))
            .transpose()
    }

    fn staff_list(&self) -> Result<Vec<StaffUser>, StoreError> {
        self.lock()?
            .query(
                &format!("SELECT {STAFF_COLUMNS} FROM staff ORDER BY name"),
                &[],
            )?
            .iter()
            .map(staff_row)
            .collect()
    }

    fn disable_staff(&self, name: &str, at: DateTime<Utc>) -> Result<bool, StoreError> {
        let mut c = self.lock()?;
        let mut tx = c.transaction()?;
        let n = tx.execute(
            "UPDATE staff SET disabled_at = coalesce(disabled_at, $1) WHERE name = $2",
            &[&at.to_rfc3339(), &name],
        )?;
        tx.execute("DELETE FROM staff_sessions WHERE staff = $1", &[&name])?;
        tx.commit()?;
        Ok(n > 0)
    }

    fn set_staff_qualification(&self, name: &str, q: &str) -> Result<bool, StoreError> {
        let n = self.lock()?.execute(
            "UPDATE staff SET qualification = $1 WHERE name = $2",
            &[&q, &name],
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
            "UPDATE staff SET failed_logins = $1, locked_until = $2 WHERE name = $3",
            &[
                &(failed as i32),
                &locked_until.map(|t| t.to_rfc3339()),
                &name,
            ],
        )?;
        Ok(())
    }

    fn add_session(&self, s: &StaffSession) -> Result<(), StoreError> {
        self.lock()?.execute(
            "INSERT INTO staff_sessions (token_hash, staff, csrf, created_at, expires_at, addr,
                key_sealed)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[
                &s.token_hash.0.to_vec(),
                &s.staff,
                &s.csrf,
                &s.created_at.to_rfc3339(),
                &s.expires_at.to_rfc3339(),
                &s.addr,
                &s.sealed_key,
            ],
        )?;
        Ok(())
    }

    fn session(&self, token_hash: &Digest) -> Result<Option<StaffSession>, StoreError> {
        self.lock()?
            .query_opt(
                "SELECT token_hash, staff, csrf, created_at, expires_at, addr, key_sealed
                 FROM staff_sessions WHERE token_hash = $1",
                &[&token_hash.0.to_vec()],
            )?
            .map(|r| {
                Ok(StaffSession {
                    token_hash: digest(r.get(0))?,
                    staff: r.get(1),
                    csrf: r.get(2),
                    created_at: parse_time(r.get(3))?,
                    expires_at: parse_time(r.get(4))?,
                    addr: r.get(5),
                    sealed_key: r.get(6),
                })
            })
            .transpose()
    }

    fn set_staff_key(&self, name: &str, k: &StaffKey) -> Result<bool, StoreError> {
        let n = self.lock()?.execute(
            "UPDATE staff SET signer = $2, cert = $3, key_sealed = $4
             WHERE name = $1 AND signer IS NULL",
            &[&name, &k.signer.to_string(), &k.cert, &k.sealed],
        )?;
        Ok(n == 1)
    }

    fn staff_key(&self, name: &str) -> Result<Option<StaffKey>, StoreError> {
        let row = self.lock()?.query_opt(
            "SELECT signer, cert, key_sealed FROM staff WHERE name = $1",
            &[&name],
        )?;
        let Some(r) = row else { return Ok(None) };
        match (
            r.get::<_, Option<String>>(0),
            r.get::<_, Option<Vec<u8>>>(1),
            r.get::<_, Option<Vec<u8>>>(2),
        ) {
            (Some(signer), Some(cert), Some(sealed)) => Ok(Some(StaffKey {
                signer: signer.parse().map_err(|e| StoreError::Other(Box::new(e)))?,
                cert,
                sealed,
            })),
            _ => Ok(None),
        }
    }

    fn end_session(&self, token_hash: &Digest) -> Result<(), StoreError> {
        self.lock()?.execute(
            "DELETE FROM staff_sessions WHERE token_hash = $1",
            &[&token_hash.0.to_vec()],
        )?;
        Ok(())
    }

    fn add_audit(&self, e: &AuditEvent) -> Result<u64, StoreError> {
        let mut c = self.lock()?;
        let mut tx = c.transaction()?;
        super::lock_log(&mut tx)?;
        let id: i64 = tx
            .query_one(
                "INSERT INTO audit (at, actor, action, target, addr) VALUES ($1, $2, $3, $4, $5)
                 RETURNING id",
                &[
                    &e.at.to_rfc3339(),
                    &e.actor,
                    &e.action.as_str(),
                    &e.target,
                    &e.addr,
                ],
            )?
            .get(0);
        let entry = AuditEvent {
            id: id as u64,
            ..e.clone()
        }
        .log_entry();
        let idx: i64 = tx
            .query_one("SELECT coalesce(max(idx) + 1, 0) FROM log", &[])?
            .get(0);
        tx.execute(
            "INSERT INTO log (idx, leaf, kind, ref) VALUES ($1, $2, 'audit', $3)",
            &[
                &idx,
                &entry.leaf_hash().0.as_slice(),
                &format!("audit/{id}"),
            ],
        )?;
        tx.execute(
            "UPDATE audit SET log_index = $1 WHERE id = $2",
            &[&idx, &id],
        )?;
        tx.commit()?;
        Ok(id as u64)
    }

    fn audit(&self, q: &AuditQuery) -> Result<Vec<AuditEvent>, StoreError> {
        self.lock()?
            .query(
                "SELECT id, at, actor, action, target, addr, log_index FROM audit
                 WHERE ($1::text IS NULL OR actor = $1) AND ($2::text IS NULL OR target = $2 OR target LIKE $2 || '/%')
                 ORDER BY id DESC LIMIT $3",
                &[&q.actor, &q.target, &(q.limit.max(1) as i64)],
            )?
            .iter()
            .map(|r| {
                Ok(AuditEvent {
                    id: r.get::<_, i64>(0) as u64,
                    at: parse_time(r.get(1))?,
                    actor: r.get(2),
                    action: AuditAction::parse(r.get(3))?,
                    target: r.get(4),
                    addr: r.get(5),
                    log_index: r.get::<_, Option<i64>>(6).map(|i| i as u64),
                })
            })
            .collect()
    }

    fn cases(&self, q: &CaseQuery) -> Result<(Vec<CaseRow>, u64), StoreError> {
        let text = (!q.text.trim().is_empty()).then(|| like_pattern(q.text.trim()));
        let officer = (!q.officer.trim().is_empty()).then(|| like_pattern(q.officer.trim()));
        let state = q.state.map(|s| s.as_str().to_owned());
        let from = (!q.from.is_empty()).then(|| q.from.clone());
        let to = (!q.to.is_empty()).then(|| format!("{}~", q.to));
        let pairs = word_pairs(q.text.trim());
        let filter = "WHERE ($1::text IS NULL OR case_no LIKE $1 OR plate LIKE $1 OR party LIKE $1)
              AND ($8::text[] IS NULL OR pairs @> $8::text[])
              AND ($2::text IS NULL OR state = $2)
              AND ($3::text IS NULL OR officers LIKE $3)
              AND ($4::text IS NULL OR occurred_at >= $4)
              AND ($5::text IS NULL OR occurred_at < $5)";
        let mut c = self.lock()?;
        let params: [&(dyn postgres::types::ToSql + Sync); 8] = [
            &text,
            &state,
            &officer,
            &from,
            &to,
            &(q.limit.max(1) as i64),
            &(q.offset as i64),
            &pairs,
        ];
        let cap = COUNT_CAP + 1;
        // One pass over at most `cap` matches counts them; when they are
        // fewer (a narrow filter) the page is taken from that pass, else
        // (a broad one) the page query reads the newest through the index.
        let columns: Vec<String> = CASE_COLUMNS
            .split(',')
            .map(|c| format!("c.{}", c.trim()))
            .collect();
        let first = c.query(
            &format!(
                "WITH m AS MATERIALIZED (SELECT case_id, occurred_at FROM cases {filter} LIMIT {cap}),
                      p AS (SELECT case_id, occurred_at FROM m
                            ORDER BY occurred_at DESC, case_id LIMIT $6 OFFSET $7)
                 SELECT {}, (SELECT count(*) FROM m)
                 FROM (SELECT 1) AS one
                 LEFT JOIN (p JOIN cases c ON c.case_id = p.case_id) ON true
                 ORDER BY p.occurred_at DESC, p.case_id",
                columns.join(", ")
            ),
            &params,
        )?;
        let total = first.first().map(|r| r.get::<_, i64>(12)).unwrap_or(0) as u64;
        if total < cap {
            let rows = first
                .iter()
                .filter(|r| r.get::<_, Option<String>>(0).is_some())
                .map(case_row)
                .collect::<Result<_, _>>()?;
            return Ok((rows, total));
        }
        // Many matches: the newest are near the end of the time index, and
        // the pairs index (whose matches would all be read and sorted) is
        // left out of this plan.
        let no_pairs: Option<Vec<String>> = None;
        let mut broad = params;
        broad[7] = &no_pairs;
        let rows = c.query(
            &format!(
                "SELECT {CASE_COLUMNS} FROM cases {filter}
                 ORDER BY occurred_at DESC, case_id LIMIT $6 OFFSET $7"
            ),
            &broad,
        )?;
        Ok((rows.iter().map(case_row).collect::<Result<_, _>>()?, total))
    }

    fn case_row(&self, case_id: &Uuid) -> Result<Option<CaseRow>, StoreError> {
        self.lock()?
            .query_opt(
                &format!("SELECT {CASE_COLUMNS} FROM cases WHERE case_id = $1"),
                &[&case_id.to_string()],
            )?
            .map(|r| case_row(&r))
            .transpose()
    }

    fn case_records(&self, case_id: &Uuid) -> Result<Vec<CaseRecord>, StoreError> {
        self.lock()?
            .query(
                "SELECT r.device, r.seq, r.envelope, r.received_at
                 FROM case_records c JOIN records r ON r.device = c.device AND r.seq = c.seq
                 WHERE c.case_id = $1 ORDER BY r.received_at, r.device, r.seq",
                &[&case_id.to_string()],
            )?
            .iter()
            .map(|r| {
                let dev: String = r.get(0);
                Ok(CaseRecord {
                    device: dev.parse().map_err(|e| StoreError::Other(Box::new(e)))?,
                    seq: r.get::<_, i64>(1) as u64,
                    envelope: r.get(2),
                    received_at: parse_time(r.get(3))?,
                })
            })
            .collect()
    }
}
