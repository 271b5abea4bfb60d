//! The draw: deterministic, uniform enough, refusing bad lists, and
//! verified against tampering of every part of a published file.

use chrono::{Duration, Utc};
use uuid::Uuid;

use super::*;
use crate::cert::DeviceCert;
use crate::envelope::Envelope;
use crate::keys::DeviceKey;

fn firms(n: usize) -> Vec<Firm> {
    sorted_firms(
        (0..n)
            .map(|i| Firm {
                code: format!("91650100MA{i:08}"),
                name: format!("运输公司{i}"),
            })
            .collect(),
    )
}

fn inspectors(n: usize) -> Vec<Inspector> {
    sorted_inspectors(
        (0..n)
            .map(|i| Inspector {
                cert_no: format!("6501{i:04}"),
                name: format!("执法员{i}"),
            })
            .collect(),
    )
}

const SEED: [u8; 32] = [7; 32];

#[test]
fn the_same_seed_and_lists_give_the_same_draw_and_another_seed_another() {
    let (f, i) = (firms(380), inspectors(40));
    let a = run(&SEED, "", &f, &i, 41, 2).unwrap();
    assert_eq!(a, run(&SEED, "", &f, &i, 41, 2).unwrap());
    assert_eq!(a.len(), 41);
    let distinct: std::collections::BTreeSet<_> = a.iter().map(|p| &p.firm).collect();
    assert_eq!(distinct.len(), 41, "no firm twice");
    for p in &a {
        assert_eq!(p.inspectors.len(), 2);
        assert_ne!(p.inspectors[0], p.inspectors[1]);
    }
    assert_ne!(a, run(&[8; 32], "", &f, &i, 41, 2).unwrap());
    // The public value changes the draw too (RFC 3797's published source).
    assert_ne!(
        a,
        run(&SEED, "体彩 2027001 期 01 05 12", &f, &i, 41, 2).unwrap()
    );
}

#[test]
fn a_known_draw_stays_the_same_across_versions() {
    // The documented function (docs/inspections.md) fixed by its output:
    // a change to the algorithm fails here, and must change the format.
    let p = run(&SEED, "", &firms(10), &inspectors(5), 3, 2).unwrap();
    let text: Vec<String> = p
        .iter()
        .map(|p| format!("{}:{}", &p.firm[10..], p.inspectors.join("+")))
        .collect();
    assert_eq!(text, KNOWN, "{text:?}");
}

const KNOWN: [&str; 3] = [
    "00000003:65010000+65010001",
    "00000004:65010001+65010000",
    "00000007:65010004+65010000",
];

#[test]
fn every_firm_is_about_equally_likely() {
    // 2,000 draws of 1 firm from 10: each firm 200 times on average;
    // a uniform draw stays well within ±60 (about 4.5 standard deviations).
    let f = firms(10);
    let i = inspectors(2);
    let mut counts = [0u32; 10];
    for s in 0..2000u32 {
        let mut seed = [0u8; 32];
        seed[..4].copy_from_slice(&s.to_be_bytes());
        let p = run(&seed, "", &f, &i, 1, 2).unwrap();
        let at = f.iter().position(|x| x.code == p[0].firm).unwrap();
        counts[at] += 1;
    }
    assert!(counts.iter().all(|c| (140..=260).contains(c)), "{counts:?}");
}

#[test]
fn bad_lists_and_counts_are_refused_by_name() {
    let (f, i) = (firms(5), inspectors(3));
    assert!(matches!(
        run(&SEED, "", &f, &i, 6, 2),
        Err(DrawError::Count(_))
    ));
    assert!(matches!(
        run(&SEED, "", &f, &i, 0, 2),
        Err(DrawError::Count(_))
    ));
    let e = run(&SEED, "", &f, &i, 2, 1).unwrap_err();
    assert!(e.to_string().contains("第四十二条"), "{e}");
    assert!(matches!(
        run(&SEED, "", &f, &i, 2, 4),
        Err(DrawError::Count(_))
    ));
    let mut unsorted = f.clone();
    unsorted.swap(0, 1);
    assert!(matches!(
        run(&SEED, "", &unsorted, &i, 2, 2),
        Err(DrawError::List(_))
    ));
    let mut repeated = f.clone();
    repeated[1].code = repeated[0].code.clone();
    assert!(matches!(
        run(&SEED, "", &repeated, &i, 2, 2),
        Err(DrawError::List(_))
    ));
    assert!(matches!(
        run(&SEED, "", &[], &i, 1, 2),
        Err(DrawError::List(_))
    ));
    assert!(seed_bytes("ab").is_err());
    assert!(seed_bytes(&"AB".repeat(32)).is_err(), "lower case only");
    assert_eq!(seed_bytes(&"ab".repeat(32)).unwrap(), [0xab; 32]);
}

struct Published {
    file: DrawFile,
    agency: DeviceKey,
    staff: DeviceKey,
    commitment: Commitment,
    draw: Draw,
}

fn publish() -> Published {
    let agency = DeviceKey::generate();
    let staff = DeviceKey::generate();
    let cert = DeviceCert {
        v: 1,
        device: staff.public().device_id(),
        public_key: staff.public(),
        name: "王局长".into(),
        officer: "wangju".into(),
        issued_at: Utc::now(),
        issuer: agency.public(),
        roles: vec![crate::staff::Role::Head],
    };
    let task_id = Uuid::now_v7();
    let commitment = Commitment {
        v: 1,
        task_id,
        task: "2027年第一季度道路货运企业双随机抽查".into(),
        commitment: commit(&SEED),
        committed_at: Utc::now() - Duration::days(3),
        by: "wangju".into(),
    };
    let (f, i) = (firms(30), inspectors(8));
    let draw = Draw {
        v: 1,
        task_id,
        task: commitment.task.clone(),
        commitment: commitment.commitment,
        seed: hex::encode(SEED),
        public: String::new(),
        picks: run(&SEED, "", &f, &i, 5, 2).unwrap(),
        firms: f,
        inspectors: i,
        firm_count: 5,
        per_firm: 2,
        drawn_at: Utc::now(),
        by: "wangju".into(),
    };
    let file = sign(&staff, &commitment, &draw, cert.sign(&agency));
    Published {
        file,
        agency,
        staff,
        commitment,
        draw,
    }
}

fn sign(key: &DeviceKey, c: &Commitment, d: &Draw, signer: Envelope) -> DrawFile {
    let id = key.public().device_id().to_string();
    DrawFile {
        format: DRAW_FILE_FORMAT.into(),
        commitment: Envelope::sign(key, &id, COMMITMENT_TYPE, serde_json::to_vec(c).unwrap()),
        draw: Envelope::sign(key, &id, DRAW_TYPE, serde_json::to_vec(d).unwrap()),
        signer,
    }
}

/// A change made to a draw before it is signed again.
type Tamper = Box<dyn Fn(&mut Commitment, &mut Draw)>;

#[test]
fn a_published_draw_verifies_and_every_tampering_is_named() {
    let p = publish();
    let ok = verify(&p.file, &[p.agency.public()]);
    assert!(ok.matches, "{:?}", ok.problems);
    assert_eq!(ok.signer.as_deref(), Some("王局长（wangju）"));
    // No agency key given: not trusted.
    let r = verify(&p.file, &[]);
    assert!(
        !r.matches && r.problems[0].contains("--ca"),
        "{:?}",
        r.problems
    );
    // Another agency's key.
    let r = verify(&p.file, &[DeviceKey::generate().public()]);
    assert!(!r.matches);

    let cases: Vec<(&str, Tamper)> = vec![
        ("result", Box::new(|_, d| d.picks.swap(0, 1))),
        ("result", Box::new(|_, d| d.firms[0].name = "x".into())), // names do not matter…
        (
            "seed's SHA-256",
            Box::new(|_, d| d.seed = hex::encode([9u8; 32])),
        ),
        ("not before", Box::new(|c, d| c.committed_at = d.drawn_at)),
        ("not sorted", Box::new(|_, d| d.firms.swap(0, 1))),
        ("another task", Box::new(|c, _| c.task_id = Uuid::now_v7())),
    ];
    for (want, change) in cases {
        let (mut c, mut d) = (p.commitment.clone(), p.draw.clone());
        change(&mut c, &mut d);
        let file = sign(&p.staff, &c, &d, p.file.signer.clone());
        let r = verify(&file, &[p.agency.public()]);
        if d.firms[0].name == "x" {
            // …a firm's name is not drawn on: the result stands.
            assert!(r.matches, "{:?}", r.problems);
            continue;
        }
        assert!(!r.matches, "{want}");
        assert!(
            r.problems.iter().any(|x| x.contains(want)),
            "{want}: {:?}",
            r.problems
        );
    }
    // Re-signed by a key the agency did not certify.
    let other = DeviceKey::generate();
    let file = sign(&other, &p.commitment, &p.draw, p.file.signer.clone());
    let r = verify(&file, &[p.agency.public()]);
    assert!(
        r.problems.iter().any(|x| x.contains("signature")),
        "{:?}",
        r.problems
    );
    // A changed byte in the signed draw.
    let mut file = p.file.clone();
    let at = file.draw.payload.len() / 2;
    file.draw.payload[at] ^= 1;
    let r = verify(&file, &[p.agency.public()]);
    assert!(!r.matches);
}
