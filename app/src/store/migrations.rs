//! The store's schema: append-only migrations, run in order inside one
//! transaction each, and the derived columns a migration fills from the
//! signed records already held.

use rusqlite::{params, Connection, TransactionBehavior};

use fieldcase_shared::envelope::Envelope;
use fieldcase_shared::record::{RecordBody, RecordPayload};

use super::StoreError;

/// Append-only migrations: never edit one that has shipped; add a new one.
pub(super) const MIGRATIONS: &[&str] = &[
    // 1: record log, derived case and evidence tables, receipts, settings.
    "CREATE TABLE records (
        seq        INTEGER PRIMARY KEY,
        id         TEXT NOT NULL UNIQUE,
        kind       TEXT NOT NULL,
        case_id    TEXT,
        envelope   BLOB NOT NULL,
        digest     BLOB NOT NULL,
        chain      BLOB NOT NULL,
        created_at TEXT NOT NULL,
        synced_at  TEXT
     );
     CREATE INDEX records_case ON records(case_id);
     CREATE INDEX records_unsynced ON records(seq) WHERE synced_at IS NULL;
     CREATE TABLE cases (
        case_id    TEXT PRIMARY KEY,
        case_no    TEXT NOT NULL UNIQUE,
        opened_at  TEXT NOT NULL,
        plate      TEXT NOT NULL,
        party_id   TEXT NOT NULL,
        party_name TEXT NOT NULL,
        place      TEXT NOT NULL,
        status     TEXT NOT NULL CHECK (status IN ('open', 'closed')),
        opened_seq INTEGER NOT NULL,
        closed_seq INTEGER
     );
     CREATE TABLE evidence (
        case_id       TEXT NOT NULL,
        sha256        TEXT NOT NULL,
        size          INTEGER NOT NULL,
        media_type    TEXT NOT NULL,
        original_name TEXT NOT NULL,
        seq           INTEGER NOT NULL,
        PRIMARY KEY (case_id, sha256)
     );
     CREATE TABLE receipts (
        id          INTEGER PRIMARY KEY,
        stored_at   TEXT NOT NULL,
        server      TEXT NOT NULL,
        first_seq   INTEGER NOT NULL,
        last_seq    INTEGER NOT NULL,
        envelope    BLOB NOT NULL
     );
     CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);",
    // 2: server receipts for evidence blobs (a blob may leave the device
    // only after one names it).
    "CREATE TABLE blob_receipts (
        sha256       TEXT PRIMARY KEY,
        size         INTEGER NOT NULL,
        log_index    INTEGER NOT NULL,
        server       TEXT NOT NULL,
        envelope     BLOB NOT NULL,
        confirmed_at TEXT NOT NULL,
        pruned_at    TEXT
     );",
    // 3: messages from the back office (a case returned, a task, a notice).
    "CREATE TABLE messages (
        id          INTEGER PRIMARY KEY,
        kind        TEXT NOT NULL,
        case_no     TEXT,
        text        TEXT NOT NULL,
        created_at  TEXT NOT NULL,
        received_at TEXT NOT NULL,
        read_at     TEXT
     );",
    // 4: the full roadside check: officers with PIN hashes, drafts saved as
    // typed, 案号 allocations, findings and corrections, evidence categories,
    // indexes for list and search.
    "CREATE TABLE officers (
        cert_no      TEXT PRIMARY KEY,
        name         TEXT NOT NULL,
        pin_hash     TEXT NOT NULL,
        failures     INTEGER NOT NULL DEFAULT 0,
        locked_until TEXT,
        added_at     TEXT NOT NULL
     );
     CREATE TABLE drafts (
        id         TEXT PRIMARY KEY,
        officers   TEXT NOT NULL,
        started_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        case_id    TEXT,
        body       TEXT NOT NULL
     );
     CREATE TABLE case_numbers (
        year         INTEGER NOT NULL,
        n            INTEGER NOT NULL,
        case_no      TEXT NOT NULL UNIQUE,
        case_id      TEXT NOT NULL,
        allocated_at TEXT NOT NULL,
        PRIMARY KEY (year, n)
     );
     CREATE TABLE case_ranges (
        id     INTEGER PRIMARY KEY,
        year   INTEGER NOT NULL,
        start  INTEGER NOT NULL,
        end    INTEGER NOT NULL,
        set_at TEXT NOT NULL
     );
     ALTER TABLE cases ADD COLUMN outcome TEXT;
     ALTER TABLE cases ADD COLUMN corrections INTEGER NOT NULL DEFAULT 0;
     ALTER TABLE evidence ADD COLUMN category TEXT NOT NULL DEFAULT '';
     ALTER TABLE evidence ADD COLUMN description TEXT NOT NULL DEFAULT '';
     ALTER TABLE evidence ADD COLUMN captured_at TEXT;
     CREATE INDEX cases_order ON cases(opened_seq);
     CREATE INDEX cases_plate ON cases(plate);
     CREATE INDEX cases_party ON cases(party_id);",
    // 5: one search text per case (案号, plate, party id and name, upper
    // case): a search tests one column instead of four.
    "ALTER TABLE cases ADD COLUMN search TEXT NOT NULL DEFAULT '';
     UPDATE cases SET search = upper(case_no || ' ' || plate || ' ' || party_id || ' ' || party_name);",
    // 6: a case returned by the back office's review: the message names
    // the case and the signed return; the case keeps the reason until the
    // officers' correction answers it.
    "ALTER TABLE messages ADD COLUMN case_id TEXT;
     ALTER TABLE messages ADD COLUMN record TEXT;
     ALTER TABLE cases ADD COLUMN return_reason TEXT;
     ALTER TABLE cases ADD COLUMN return_record TEXT;",
    // 7: documents waiting for (or sent to) the portable printer: a print
    // that fails stays queued with its message until it is sent.
    "CREATE TABLE print_jobs (
        id          INTEGER PRIMARY KEY,
        case_id     TEXT NOT NULL,
        case_no     TEXT NOT NULL,
        title       TEXT NOT NULL,
        pdf         BLOB NOT NULL,
        sha256      TEXT NOT NULL,
        queued_at   TEXT NOT NULL,
        attempts    INTEGER NOT NULL DEFAULT 0,
        message     TEXT NOT NULL DEFAULT '',
        printer_job INTEGER,
        sent_at     TEXT
     );",
    // 8: a case the roadside handed over to the agency (移交: its decision
    // needs the general procedure), so the list says so; filled from the
    // closing records by `backfill_handed_over` when this migration runs.
    "ALTER TABLE cases ADD COLUMN handed_over INTEGER NOT NULL DEFAULT 0;",
];

/// The migration that added `cases.handed_over`: its index in [`MIGRATIONS`] (the
/// comments there count from 1).
pub(super) const HANDED_OVER_MIGRATION: usize = 7;

/// Whether a closing record hands the case over (移交): a decision whose
/// penalty needs the general procedure.
pub(super) fn hands_over(c: &fieldcase_shared::model::CaseClosed) -> bool {
    c.findings
        .as_ref()
        .and_then(|f| f.decision.as_ref())
        .is_some_and(|d| d.penalty != "none" && d.procedure == "general")
}

/// Sets `handed_over` on the cases closed before the column existed, from
/// their signed closing records.
fn backfill_handed_over(tx: &rusqlite::Transaction<'_>) -> Result<(), StoreError> {
    let closing: Vec<Vec<u8>> = tx
        .prepare("SELECT envelope FROM records WHERE kind = 'case_closed'")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    for env in closing {
        let Ok(env) = Envelope::from_json(&env) else {
            continue;
        };
        if let Ok(RecordPayload {
            body: RecordBody::CaseClosed(c),
            ..
        }) = serde_json::from_slice::<RecordPayload>(&env.payload)
        {
            tx.execute(
                "UPDATE cases SET handed_over = ?2 WHERE case_id = ?1",
                params![c.case_id.to_string(), hands_over(&c)],
            )?;
        }
    }
    Ok(())
}

/// Brings the database at `conn` to the newest schema; refuses one made
/// by a newer version of the app.
pub(super) fn run(conn: &mut Connection) -> Result<(), StoreError> {
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let known = MIGRATIONS.len() as i64;
    if version > known {
        return Err(StoreError::TooNew {
            found: version,
            known,
        });
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute_batch(sql)?;
        if i == HANDED_OVER_MIGRATION {
            backfill_handed_over(&tx)?;
        }
        tx.pragma_update(None, "user_version", i as i64 + 1)?;
        tx.commit()?;
    }
    Ok(())
}
