//! The PostgreSQL store against a real PostgreSQL server started for the
//! test (initdb into a temp folder, loopback port): it follows exactly the
//! rules of the SQLite store, and the whole server runs on it.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure

use chrono::{DateTime, Utc};
use fieldcase_app::core::Terminal;
use fieldcase_e2e::{run_ok, seeded_terminal, Postgres, Server};
use fieldcase_shared::chain;
use fieldcase_shared::hash::{sha256, Digest};
use fieldcase_shared::keys::DeviceKey;
use fieldcase_shared::model::{CaseOpened, EvidenceItem, Party, Vehicle};
use fieldcase_shared::record::{self, RecordBody, RecordPayload, VerifiedRecord};
use fieldcase_sync_server::store::{
    Device, EnrolError, IngestError, PgStore, SqliteStore, Store, StoreError,
};
use uuid::Uuid;

fn rec(
    key: &DeviceKey,
    seq: u64,
    prev: Digest,
    at: &str,
    note: &str,
    blob: Option<Digest>,
) -> VerifiedRecord {
    let t = DateTime::parse_from_rfc3339(at).unwrap();
    let case_id = Uuid::from_u128(seq as u128);
    let body = match blob {
        Some(sha256) => RecordBody::EvidenceAdded(EvidenceItem {
            case_id,
            sha256,
            size: 5,
            media_type: "image/jpeg".into(),
            original_name: "照片.jpg".into(),
            captured_at: None,
            category: String::new(),
            description: String::new(),
        }),
        None => RecordBody::CaseOpened(CaseOpened {
            case_id,
            case_no: format!("乌交执〔2026〕{seq:05}号"),
            occurred_at: t,
            place: "G30".into(),
            vehicle: Vehicle {
                plate: "新A12345".into(),
            },
            party: Party::Person {
                id_number: "11010519491231002X".into(),
                name: String::new(),
            },
            violation: None,
            note: note.into(),
            details: None,
        }),
    };
    let mut p = RecordPayload::new(
        key.public().device_id(),
        seq,
        prev,
        t,
        vec!["65010023".into(), "65010031".into()],
        body,
    );
    p.id = Uuid::from_u128(1000 + seq as u128);
    let s = record::seal(key, &p);
    record::open(s.envelope, &key.public()).unwrap()
}

/// Drives a store through every rule; returns a trace of what happened.
fn scenario(store: &dyn Store) -> Vec<String> {
    let key = DeviceKey::from_seed([7; 32]);
    let dev = key.public().device_id();
    let mut trace = Vec::new();
    let added = Utc::now();
    let device = Device {
        id: dev,
        key: key.public(),
        name: "终端".into(),
        added_at: added,
    };
    store.add_device(&device).unwrap();
    trace.push(format!(
        "again: {}",
        matches!(store.add_device(&device), Err(StoreError::Conflict(_)))
    ));
    let at = "2026-11-28T10:00:00+08:00";
    let received = DateTime::parse_from_rfc3339("2026-11-28T10:05:00+08:00")
        .unwrap()
        .with_timezone(&Utc);
    let r1 = rec(&key, 1, chain::genesis(&dev), at, "", None);
    let r2 = rec(&key, 2, r1.chain, at, "", None);
    let r3 = rec(
        &key,
        3,
        r2.chain,
        "2099-01-01T00:00:00+08:00",
        "",
        Some(sha256(b"photo")),
    );
    let r4 = rec(&key, 4, r3.chain, at, "", None);
    let show = |r: &Result<fieldcase_sync_server::store::Ingested, IngestError>| match r {
        Ok(i) => format!(
            "ok {:?} flags {:?} head {}",
            i.entries
                .iter()
                .map(|e| (e.seq, e.new, e.log_index))
                .collect::<Vec<_>>(),
            i.flags
                .iter()
                .map(|f| (f.seq, f.kind.clone()))
                .collect::<Vec<_>>(),
            i.head.seq
        ),
        Err(IngestError::Fork { seq, .. }) => format!("fork {seq}"),
        Err(IngestError::Gap {
            expected, found, ..
        }) => format!("gap {expected} {found}"),
        Err(IngestError::ChainBreak { seq }) => format!("break {seq}"),
        Err(e) => format!("error {e}"),
    };
    trace.push(show(&store.ingest(
        &dev,
        &[r1.clone(), r2.clone(), r3.clone()],
        received,
    )));
    trace.push(show(&store.ingest(
        &dev,
        &[r2.clone(), r3.clone(), r4.clone()],
        received,
    )));
    let r6 = rec(&key, 6, r4.chain, at, "", None);
    trace.push(show(&store.ingest(&dev, &[r6], received)));
    let bad5 = rec(&key, 5, r1.chain, at, "", None);
    trace.push(show(&store.ingest(&dev, &[bad5], received)));
    let fork3 = rec(&key, 3, r2.chain, at, "another", None);
    trace.push(show(&store.ingest(&dev, &[fork3], received)));
    trace.push(format!("forks {}", store.fork_count(&dev).unwrap()));
    trace.push(format!(
        "named {} {}",
        store.blob_named(&dev, &sha256(b"photo")).unwrap(),
        store.blob_named(&dev, &sha256(b"other")).unwrap()
    ));
    let first = store
        .add_blob(&dev, &sha256(b"photo"), 5, received)
        .unwrap();
    let again = store
        .add_blob(&dev, &sha256(b"photo"), 5, received)
        .unwrap();
    trace.push(format!(
        "blob {} {} {} {}",
        first.0, first.2, again.0, again.2
    ));
    trace.push(format!(
        "blob row {:?}",
        store.blob(&sha256(b"photo")).unwrap()
    ));
    trace.push(format!("leaves {:?}", store.log_leaves(0).unwrap()));
    trace.push(format!("head {:?}", store.device_head(&dev).unwrap()));
    trace.push(format!("digests {:?}", store.record_digests(&dev).unwrap()));
    trace.push(format!(
        "device {:?}",
        store.device(&dev).unwrap().map(|d| (d.name, d.key))
    ));

    // Enrolment codes: single use, expiring; revocation.
    let k2 = DeviceKey::from_seed([8; 32]);
    let d2 = Device {
        id: k2.public().device_id(),
        key: k2.public(),
        name: String::new(),
        added_at: received,
    };
    let code = sha256(b"ABCDE");
    let expires = received + chrono::Duration::hours(1);
    store
        .add_enrolment(&code, "65010023", "执法终端 07", expires)
        .unwrap();
    let show_enrol = |r: Result<fieldcase_sync_server::store::Enrolment, EnrolError>| match r {
        Ok(e) => format!("enrolled {} {}", e.officer, e.name),
        Err(e) => format!("refused {e}"),
    };
    trace.push(show_enrol(store.redeem_enrolment(
        &sha256(b"nope"),
        &d2,
        received,
    )));
    trace.push(show_enrol(store.redeem_enrolment(
        &code,
        &d2,
        expires + chrono::Duration::seconds(1),
    )));
    trace.push(show_enrol(store.redeem_enrolment(&code, &d2, received)));
    trace.push(show_enrol(store.redeem_enrolment(&code, &d2, received)));
    trace.push(format!(
        "enrolled device {:?}",
        store.device(&d2.id).unwrap().map(|d| d.name)
    ));
    // What a bureau disc's certificate of the device says.
    trace.push(format!(
        "enrolment of the device {:?}, of another {:?}",
        store
            .enrolment_of(&d2.id)
            .unwrap()
            .map(|e| (e.officer, e.name)),
        store.enrolment_of(&dev).unwrap().is_some()
    ));
    store.revoke_device(&d2.id, received).unwrap();
    trace.push(format!("revocations {:?}", store.revocations().unwrap()));
    trace.push(format!(
        "revoke unknown {}",
        store
            .revoke_device(
                &DeviceKey::from_seed([9; 32]).public().device_id(),
                received
            )
            .is_err()
    ));
    trace
}

/// A review on `case`: the staff key made and opened again, two signed
/// steps, the terminal's correction answering the return, the message.
fn review_scenario(
    store: &dyn Store,
    user: &fieldcase_sync_server::store::office::StaffUser,
    case: Uuid,
    now: DateTime<Utc>,
) -> Vec<String> {
    use fieldcase_shared::review::{CaseState, ReviewRecorded, ReviewStep};
    use fieldcase_sync_server::office::staffkeys;
    let agency = DeviceKey::from_seed([3; 32]);
    let key = staffkeys::ensure(store, &agency, user, "a long password", now).unwrap();
    let again = staffkeys::ensure(store, &agency, user, "a long password", now).unwrap();
    let wrong = staffkeys::ensure(store, &agency, user, "another password", now).is_err();
    let mut trace = vec![format!(
        "staff key kept {} wrong password opens it {}",
        key.public() == again.public(),
        !wrong
    )];
    let step = |step, from, reason: &str| {
        let body = RecordBody::ReviewRecorded(ReviewRecorded {
            case_id: case,
            case_no: "乌交执〔2026〕00001号".into(),
            step,
            from,
            reason: reason.into(),
            staff: user.name.clone(),
            records: vec![],
        });
        staffkeys::sign_act(store, &key, body, now).unwrap()
    };
    let state = || {
        store
            .case_row(&case)
            .unwrap()
            .map(|r| (r.state, r.corrections))
    };
    step(ReviewStep::Start, CaseState::Closed, "");
    trace.push(format!("after start {:?}", state()));
    let ret = step(ReviewStep::Return, CaseState::InReview, "姓名有误");
    trace.push(format!("after return {:?} seq {}", state(), ret.header.seq));
    let terminal = DeviceKey::from_seed([7; 32]);
    let dev = terminal.public().device_id();
    let head = store.device_head(&dev).unwrap();
    let p = RecordPayload::new(
        dev,
        head.seq + 1,
        head.chain,
        DateTime::parse_from_rfc3339("2026-12-01T10:00:00+08:00").unwrap(),
        vec!["65010023".into(), "65010031".into()],
        RecordBody::CaseCorrected(fieldcase_shared::check::CaseCorrected {
            case_id: case,
            case_no: "乌交执〔2026〕00001号".into(),
            supersedes_seq: 1,
            supersedes: ret.digest,
            field: "party.name".into(),
            old: String::new(),
            new: "张三".into(),
            reason: "核对证件".into(),
            in_reply_to: Some(ret.digest),
        }),
    );
    let fix = record::open(record::seal(&terminal, &p).envelope, &terminal.public()).unwrap();
    store.ingest(&dev, &[fix], now).unwrap();
    trace.push(format!("after correction {:?}", state()));
    let m = fieldcase_shared::wire::Message {
        id: 0,
        kind: "case_returned".into(),
        case_no: None,
        text: "姓名有误".into(),
        created_at: now,
        case_id: Some(case),
        record: Some(ret.digest),
    };
    let id = store.add_message(&dev, &m).unwrap();
    let back = store.messages_after(&dev, id - 1).unwrap();
    trace.push(format!(
        "message names the case {} and the return {}",
        back[0].case_id == Some(case),
        back[0].record == Some(ret.digest)
    ));
    trace
}

/// The back office's tables after `scenario`: the case index the ingests
/// built, accounts, lock-out state, sessions and the audit log.
fn office_scenario(store: &dyn Store) -> Vec<String> {
    use fieldcase_shared::staff::Role;
    use fieldcase_sync_server::office::accounts;
    use fieldcase_sync_server::store::office::{AuditQuery, CaseQuery, CaseState};
    let mut trace = Vec::new();
    let all = CaseQuery {
        limit: 100,
        ..Default::default()
    };
    let (rows, total) = store.cases(&all).unwrap();
    trace.push(format!(
        "cases {total}: {:?}",
        rows.iter()
            .map(|r| (r.case_no.clone(), r.state, r.evidence))
            .collect::<Vec<_>>()
    ));
    let q = |text: &str, state: Option<CaseState>, from: &str, to: &str| {
        let q = CaseQuery {
            text: text.into(),
            state,
            from: from.into(),
            to: to.into(),
            limit: 2,
            ..Default::default()
        };
        let (rows, total) = store.cases(&q).unwrap();
        format!("{total}/{}", rows.len())
    };
    trace.push(format!(
        "search {} {} {} {} {} {}",
        q("00002", None, "", ""),
        q("新A", Some(CaseState::Open), "", ""),
        q("%", None, "", ""),
        q("", Some(CaseState::Closed), "", ""),
        q("", None, "2026-11-28", "2026-11-28"),
        q("", None, "2026-11-29", ""),
    ));
    let first = rows.last().unwrap().case_id;
    trace.push(format!(
        "records of a case {}",
        store.case_records(&first).unwrap().len()
    ));
    let now = DateTime::parse_from_rfc3339("2026-12-01T09:00:00+08:00")
        .unwrap()
        .with_timezone(&Utc);
    accounts::add_user(
        store,
        "wang",
        "王审核",
        &[Role::Reviewer, Role::Head],
        "a long password",
        now,
    )
    .unwrap();
    trace.push(format!(
        "dup {:?}",
        accounts::add_user(store, "wang", "", &[Role::Admin], "a long password", now).err()
    ));
    for _ in 0..accounts::MAX_FAILURES {
        let _ = accounts::authenticate(store, "wang", "wrong", "10.0.0.1", now);
    }
    let u = store.staff("wang").unwrap().unwrap();
    trace.push(format!(
        "locked {:?} {:?} {}",
        u.locked_until.map(|t| t.to_rfc3339()),
        u.roles,
        u.failed_logins
    ));
    let later = now + chrono::Duration::minutes(accounts::LOCK_MINUTES + 1);
    let u = accounts::authenticate(store, "wang", "a long password", "10.0.0.1", later).unwrap();
    let token = accounts::start_session(
        store,
        &u,
        &fieldcase_shared::keys::DeviceKey::generate(),
        "10.0.0.1",
        later,
    )
    .unwrap();
    trace.push(format!(
        "session {}",
        accounts::session_of(store, &token, later)
            .unwrap()
            .is_some()
    ));
    trace.extend(review_scenario(store, &u, first, later));
    store.disable_staff("wang", later).unwrap();
    trace.push(format!(
        "after disable {}",
        accounts::session_of(store, &token, later)
            .unwrap()
            .is_some()
    ));
    let events = store
        .audit(&AuditQuery {
            actor: Some("wang".into()),
            limit: 50,
            ..Default::default()
        })
        .unwrap();
    trace.push(format!(
        "audit {:?}",
        events
            .iter()
            .map(|e| (e.action.as_str(), e.target.clone(), e.addr.clone()))
            .collect::<Vec<_>>()
    ));
    trace.push(format!(
        "list {:?}",
        store
            .staff_list()
            .unwrap()
            .iter()
            .map(|u| (u.name.clone(), u.disabled_at.is_some()))
            .collect::<Vec<_>>()
    ));
    // Pages: the second of one row each, and one past the end.
    let page = |offset: u32| {
        let (rows, total) = store
            .cases(&CaseQuery {
                limit: 1,
                offset,
                ..Default::default()
            })
            .unwrap();
        format!(
            "{total}:{:?}",
            rows.iter().map(|r| r.case_no.clone()).collect::<Vec<_>>()
        )
    };
    trace.push(format!("pages {} {} {}", page(0), page(1), page(100)));
    // Words of two characters and more (PostgreSQL: by character pairs).
    let words = |text: &str| {
        let (rows, total) = store
            .cases(&CaseQuery {
                text: text.into(),
                limit: 10,
                ..Default::default()
            })
            .unwrap();
        format!("{text}:{total}/{}", rows.len())
    };
    trace.push(format!(
        "words {} {} {} {} {}",
        words("A1"),
        words("新A"),
        words("2345"),
        words("45新"),
        words("〕0")
    ));
    trace
}

/// The deadlines table: replaced per case, filtered by role, ordered
/// (uncountable first, then by day), counted.
fn due_scenario(store: &dyn Store) -> Vec<String> {
    use fieldcase_shared::staff::Role;
    use fieldcase_sync_server::store::due::{role_mask, DueRow};
    let day = |d: &str| d.parse::<chrono::NaiveDate>().unwrap();
    let row = |case: u128, id: &str, due: Option<&str>, roles: &[Role]| DueRow {
        case_id: uuid::Uuid::from_u128(case),
        case_no: format!("乌交执〔2026〕{case:05}号"),
        deadline: id.into(),
        name: format!("{id} 期限"),
        due: due.map(day),
        problem: if due.is_none() {
            "2027年的节假日安排不在日历数据中".into()
        } else {
            String::new()
        },
        basis: "第六十二条".into(),
        roles: role_mask(roles),
    };
    let officer = [Role::CaseOfficer];
    store
        .set_deadlines(
            &uuid::Uuid::from_u128(1),
            &[
                row(1, "payment", Some("2026-12-01"), &officer),
                row(1, "stale", Some("2026-01-01"), &officer),
            ],
        )
        .unwrap();
    // Replaced whole: the stale row goes.
    store
        .set_deadlines(
            &uuid::Uuid::from_u128(1),
            &[
                row(1, "payment", Some("2026-12-01"), &officer),
                row(1, "decision", None, &[Role::CaseOfficer, Role::Head]),
            ],
        )
        .unwrap();
    store
        .set_deadlines(
            &uuid::Uuid::from_u128(2),
            &[
                row(2, "notice_response", Some("2026-12-09"), &officer),
                row(2, "measure_approval", Some("2026-12-08"), &[Role::Head]),
            ],
        )
        .unwrap();
    let list = |roles: &[Role]| {
        store
            .deadlines(role_mask(roles), 10)
            .unwrap()
            .iter()
            .map(|r| {
                format!(
                    "{}:{}:{:?}",
                    r.case_id.as_u128(),
                    r.deadline,
                    r.due.map(|d| d.to_string())
                )
            })
            .collect::<Vec<_>>()
            .join(" ")
    };
    let counts = |roles: &[Role]| {
        let c = store
            .deadline_counts(role_mask(roles), day("2026-12-07"), day("2026-12-10"))
            .unwrap();
        format!("{}/{}/{}", c.overdue, c.soon, c.total)
    };
    vec![
        list(&officer),
        list(&[Role::Head]),
        counts(&officer),
        counts(&[Role::Head, Role::CaseOfficer]),
        list(&[Role::Archivist]),
    ]
}

/// The publication table: a row replaced whole, removed, listed by
/// status in decision order, paged, counted.
fn publication_scenario(store: &dyn Store) -> Vec<String> {
    use fieldcase_sync_server::store::publication::{PubRow, PubStatus};
    let day = |d: &str| d.parse::<chrono::NaiveDate>().unwrap();
    let row = |case: u128, decided: &str, status: PubStatus| PubRow {
        case_id: uuid::Uuid::from_u128(case),
        case_no: format!("乌交执〔2026〕{case:05}号"),
        decided_on: day(decided),
        status,
        due: (status == PubStatus::Due).then(|| day("2026-12-09")),
        published_on: (status == PubStatus::Published).then(|| day("2026-12-03")),
        withdrawn_on: None,
        entry: if status == PubStatus::Published {
            format!("{{\"case\":{case}}}")
        } else {
            String::new()
        },
        note: "说明，含\"引号\"".into(),
    };
    let id = uuid::Uuid::from_u128;
    store
        .set_publication(&id(1), Some(&row(1, "2026-12-01", PubStatus::Due)))
        .unwrap();
    store
        .set_publication(&id(1), Some(&row(1, "2026-12-01", PubStatus::Published)))
        .unwrap();
    store
        .set_publication(&id(2), Some(&row(2, "2026-11-30", PubStatus::Published)))
        .unwrap();
    store
        .set_publication(&id(3), Some(&row(3, "2026-12-02", PubStatus::Published)))
        .unwrap();
    store
        .set_publication(&id(4), Some(&row(4, "2026-12-02", PubStatus::Due)))
        .unwrap();
    store
        .set_publication(&id(5), Some(&row(5, "2026-12-02", PubStatus::Due)))
        .unwrap();
    store.set_publication(&id(5), None).unwrap();
    let list = |s: PubStatus, limit, offset| {
        store
            .publications(s, limit, offset)
            .unwrap()
            .iter()
            .map(|r| format!("{}:{}:{:?}:{}", r.case_no, r.decided_on, r.due, r.entry))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let mut counts = store.publication_counts().unwrap();
    counts.sort_by_key(|(s, _)| s.code());
    vec![
        list(PubStatus::Published, 10, 0),
        list(PubStatus::Published, 1, 1),
        list(PubStatus::Due, 10, 0),
        format!("{counts:?}"),
    ]
}

/// The draws table: a task added, drawn once (a second draw is refused),
/// read back, listed newest first.
fn draw_scenario(store: &dyn Store) -> Vec<String> {
    use fieldcase_sync_server::store::draw::DrawRow;
    let at = |s: &str| s.parse::<chrono::DateTime<chrono::Utc>>().unwrap();
    let row = |n: u128, when: &str| DrawRow {
        task_id: uuid::Uuid::from_u128(n),
        task: format!("抽查任务{n}"),
        committed_at: at(when),
        by: "wangju".into(),
        commitment: format!("{{\"c\":{n}}}"),
        seed: "ab".repeat(32),
        draw: String::new(),
        signer: String::new(),
    };
    store.add_draw(&row(1, "2026-12-01T02:00:00Z")).unwrap();
    store
        .add_draw(&row(2, "2026-12-02T02:00:00.123456Z"))
        .unwrap();
    let first = store
        .set_draw(&uuid::Uuid::from_u128(1), "{\"d\":1}", "{\"s\":1}")
        .unwrap();
    let again = store
        .set_draw(&uuid::Uuid::from_u128(1), "{\"d\":2}", "{}")
        .unwrap();
    let unknown = store
        .set_draw(&uuid::Uuid::from_u128(9), "{}", "{}")
        .unwrap();
    let one = store.draw_row(&uuid::Uuid::from_u128(1)).unwrap().unwrap();
    vec![
        format!("{first} {again} {unknown}"),
        format!(
            "{} {} {} {}",
            one.task,
            one.committed_at.to_rfc3339(),
            one.draw,
            one.signer
        ),
        store
            .draws(10)
            .unwrap()
            .iter()
            .map(|r| format!("{}:{}", r.task, r.committed_at.timestamp_micros()))
            .collect::<Vec<_>>()
            .join(" "),
        format!("{:?}", store.draw_row(&uuid::Uuid::from_u128(7)).unwrap()),
    ]
}

/// The findings table: replaced whole per case, filtered by rule, counted.
fn findings_scenario(store: &dyn Store) -> Vec<String> {
    use fieldcase_sync_server::store::findings::FindingRow;
    let row = |case: u128, rule: &str, detail: &str| FindingRow {
        case_id: uuid::Uuid::from_u128(case),
        case_no: format!("乌交执〔2026〕{case:05}号"),
        rule: rule.into(),
        detail: detail.into(),
    };
    let id = uuid::Uuid::from_u128;
    store
        .set_findings(
            &id(1),
            &[
                row(1, "documents", "缺少结案报告"),
                row(1, "service", "未送达"),
            ],
        )
        .unwrap();
    store
        .set_findings(
            &id(1),
            &[
                row(1, "documents", "缺少立案登记表"),
                row(1, "documents", "缺少结案报告"),
            ],
        )
        .unwrap();
    store
        .set_findings(&id(2), &[row(2, "evidence", "证据未上传")])
        .unwrap();
    store
        .set_findings(&id(3), &[row(3, "evidence", "x")])
        .unwrap();
    store.set_findings(&id(3), &[]).unwrap();
    let list = |rule: &str| {
        store
            .findings(rule, 10, 0)
            .unwrap()
            .iter()
            .map(|r| format!("{}:{}:{}", &r.case_no[15..20], r.rule, r.detail))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let (counts, cases) = store.finding_counts().unwrap();
    vec![
        list(""),
        list("evidence"),
        format!(
            "{cases} {}",
            counts
                .iter()
                .map(|c| format!("{}:{}/{}", c.rule, c.cases, c.findings))
                .collect::<Vec<_>>()
                .join(" ")
        ),
    ]
}

#[test]
fn postgres_and_sqlite_stores_follow_the_same_rules() {
    let tmp = tempfile::tempdir().unwrap();
    let pg = Postgres::start(&tmp.path().join("pg"));
    let sqlite = SqliteStore::open(&tmp.path().join("db.sqlite3")).unwrap();
    let postgres = PgStore::connect(&pg.url).unwrap();
    let a = scenario(&sqlite);
    let b = scenario(&postgres);
    assert_eq!(a, b);
    let oa = office_scenario(&sqlite);
    let ob = office_scenario(&postgres);
    assert_eq!(oa, ob);
    let fr = findings_scenario(&sqlite);
    assert_eq!(fr, findings_scenario(&postgres));
    assert_eq!(fr[2], "2 documents:1/2 evidence:1/1");
    let dr = draw_scenario(&sqlite);
    assert_eq!(dr, draw_scenario(&postgres));
    assert_eq!(dr[0], "true false false");
    assert_eq!(
        dr[1],
        "抽查任务1 2026-12-01T02:00:00+00:00 {\"d\":1} {\"s\":1}"
    );
    assert_eq!(
        dr[2],
        "抽查任务2:1796176800123456 抽查任务1:1796090400000000"
    );
    assert_eq!(dr[3], "None");
    let pa = publication_scenario(&sqlite);
    assert_eq!(pa, publication_scenario(&postgres));
    assert_eq!(
        pa[0],
        "乌交执〔2026〕00002号:2026-11-30:None:{\"case\":2} 乌交执〔2026〕00001号:2026-12-01:None:{\"case\":1} 乌交执〔2026〕00003号:2026-12-02:None:{\"case\":3}"
    );
    assert_eq!(pa[1], "乌交执〔2026〕00001号:2026-12-01:None:{\"case\":1}");
    assert_eq!(pa[3], "[(Due, 1), (Published, 3)]");
    let da = due_scenario(&sqlite);
    assert_eq!(da, due_scenario(&postgres));
    assert_eq!(
        da,
        [
            "1:decision:None 1:payment:Some(\"2026-12-01\") 2:notice_response:Some(\"2026-12-09\")",
            "1:decision:None 2:measure_approval:Some(\"2026-12-08\")",
            "1/1/3",
            "1/2/4",
            "",
        ]
    );
    assert!(oa[0].starts_with("cases 3:"), "{oa:?}");
    assert_eq!(oa[1], "search 1/1 3/2 0/0 0/0 3/2 0/0", "{oa:?}");
    assert_eq!(oa[2], "records of a case 1", "{oa:?}");
    assert_eq!(
        oa.last().unwrap(),
        "words A1:3/3 新A:3/3 2345:3/3 45新:0/0 〕0:3/3",
        "{oa:?}"
    );
    assert_eq!(
        oa[oa.len() - 2],
        "pages 3:[\"乌交执〔2026〕00001号\"] 3:[\"乌交执〔2026〕00002号\"] 3:[]",
        "{oa:?}"
    );
    assert!(
        oa[4].starts_with("locked Some(\"2026-12-01T01:15:00+00:00\") [Reviewer, Head] 0"),
        "{oa:?}"
    );
    assert_eq!(oa[5], "session true");
    assert_eq!(
        oa[6..11],
        [
            "staff key kept true wrong password opens it false",
            "after start Some((InReview, 0))",
            "after return Some((Returned, 0)) seq 2",
            "after correction Some((Corrected, 1))",
            "message names the case true and the return true",
        ],
        "{oa:?}"
    );
    assert_eq!(oa[11], "after disable false");
    assert_eq!(oa[12].matches("login_failed").count(), 5, "{oa:?}");
    assert!(oa[12].starts_with("audit [(\"login\", \"wang\""), "{oa:?}");
    assert_eq!(oa[13], "list [(\"wang\", true)]");
    assert_eq!(a[0], "again: true");
    assert_eq!(
        a[1],
        "ok [(1, true, 0), (2, true, 1), (3, true, 2)] flags [(3, \"clock_ahead\")] head 3"
    );
    assert_eq!(
        a[2],
        "ok [(2, false, 1), (3, false, 2), (4, true, 3)] flags [(4, \"clock_backwards\")] head 4"
    );
    assert_eq!(a[3], "gap 5 6");
    assert_eq!(a[4], "break 5");
    assert_eq!(a[5], "fork 3");
    assert_eq!(a[6], "forks 1");
    assert_eq!(a[7], "named true false");
    assert_eq!(a[8], "blob 4 true 4 false");
    let tail: Vec<&str> = a[14..].iter().map(String::as_str).collect();
    assert!(
        tail[0].starts_with("refused this enrolment code is not known"),
        "{tail:?}"
    );
    assert!(
        tail[1].starts_with("refused this enrolment code expired"),
        "{tail:?}"
    );
    assert_eq!(tail[2], "enrolled 65010023 执法终端 07");
    assert!(
        tail[3].starts_with("refused this enrolment code was already used"),
        "{tail:?}"
    );
    assert_eq!(tail[4], "enrolled device Some(\"执法终端 07\")");
    assert_eq!(
        tail[5],
        "enrolment of the device Some((\"65010023\", \"执法终端 07\")), of another false"
    );
    assert_eq!(tail[7], "revoke unknown true");
    // Reconnecting applies no migration twice and sees the same data.
    drop(postgres);
    let again = PgStore::connect(&pg.url).unwrap();
    // Five record and blob leaves, two review steps and the correction,
    // then one per audit event, each event committed to by its leaf; the
    // same on SQLite.
    for store in [&again as &dyn Store, &sqlite] {
        use fieldcase_sync_server::store::office::AuditQuery;
        let events = store
            .audit(&AuditQuery {
                limit: 100,
                ..Default::default()
            })
            .unwrap();
        assert_eq!(events.len(), 7);
        let leaves = store.log_leaves(0).unwrap();
        assert_eq!(leaves.len(), 5 + 3 + events.len());
        for e in &events {
            assert_eq!(
                leaves[e.log_index.unwrap() as usize],
                e.log_entry().leaf_hash(),
                "{e:?}"
            );
        }
    }
}

#[test]
fn the_server_runs_on_postgres() {
    let tmp = tempfile::tempdir().unwrap();
    let pg = Postgres::start(&tmp.path().join("pg"));
    let term = tmp.path().join("terminal");
    let srv = tmp.path().join("server");
    let d = term.to_string_lossy().into_owned();
    let key = seeded_terminal(std::path::Path::new(&d), 2, 256);
    run_ok(
        "fieldcase-server",
        &[
            "--data-dir",
            &srv.to_string_lossy(),
            "--database",
            &pg.url,
            "device",
            "add",
            &key,
            "--name",
            "终端",
        ],
    );
    let server = Server::start_with(&srv, &["--database", &pg.url]);
    run_ok(
        "fieldcase",
        &["--data-dir", &d, "sync", "--server", &server.url],
    );
    assert!(
        !srv.join(fieldcase_sync_server::DB_FILE).exists(),
        "SQLite was used instead of PostgreSQL"
    );
    let t = Terminal::open(&term).unwrap();
    assert_eq!(t.store.unsynced_count().unwrap(), 0);
    assert_eq!(t.store.unconfirmed_blob_count().unwrap(), 0);
    let local: Vec<_> = t
        .store
        .all_records()
        .unwrap()
        .iter()
        .map(|r| (r.seq, r.digest))
        .collect();
    drop(t);
    let store = PgStore::connect(&pg.url).unwrap();
    let device = key
        .parse::<fieldcase_shared::keys::PublicKey>()
        .unwrap()
        .device_id();
    assert_eq!(store.record_digests(&device).unwrap(), local);
    // The case index the ingests kept on PostgreSQL: both cases, closed,
    // their evidence counted, every record linked to its case.
    use fieldcase_sync_server::store::office::{CaseQuery, CaseState};
    use fieldcase_sync_server::store::OfficeStore;
    let (rows, total) = store
        .cases(&CaseQuery {
            limit: 10,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(total, 2);
    assert!(
        rows.iter()
            .all(|r| r.state == CaseState::Closed && r.evidence >= 1),
        "{rows:?}"
    );
    let linked: usize = rows
        .iter()
        .map(|r| store.case_records(&r.case_id).unwrap().len())
        .sum();
    assert_eq!(linked, local.len());
    let checkpoint = |url: &str| {
        ureq::get(format!("{url}/v1/log/checkpoint"))
            .call()
            .unwrap()
            .body_mut()
            .read_to_string()
            .unwrap()
    };
    let before = checkpoint(&server.url);
    drop(server);
    // Restarted: the log is rebuilt from PostgreSQL, and sync still checks out.
    let server = Server::start_with(&srv, &["--database", &pg.url]);
    let after = checkpoint(&server.url);
    assert_eq!(before.split("\n\n").next(), after.split("\n\n").next());
    run_ok(
        "fieldcase",
        &["--data-dir", &d, "sync", "--server", &server.url],
    );
}
