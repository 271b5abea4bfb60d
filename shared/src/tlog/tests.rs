use super::*;
use proptest::prelude::*;

/// The RFC 6962 reference leaves and roots (certificate-transparency test data).
const LEAVES: [&str; 8] = [
    "",
    "00",
    "10",
    "2021",
    "3031",
    "40414243",
    "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
];
const ROOTS: [&str; 8] = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
];

fn d(hex: &str) -> Digest {
    hex.parse().unwrap()
}

fn reference_tree() -> Tree {
    let mut t = Tree::new();
    for l in LEAVES {
        t.push(leaf_hash(&hex::decode(l).unwrap()));
    }
    t
}

#[test]
fn roots_match_the_reference() {
    let t = reference_tree();
    assert_eq!(
        t.root(0).unwrap().to_hex(),
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
    for (n, want) in ROOTS.iter().enumerate() {
        assert_eq!(t.root(n as u64 + 1).unwrap(), d(want), "size {}", n + 1);
    }
    assert!(t.root(9).is_err());
}

#[test]
fn proofs_match_the_reference() {
    let t = reference_tree();
    let path = |v: &[&str]| v.iter().map(|h| d(h)).collect::<Vec<_>>();
    assert_eq!(
        t.inclusion_proof(0, 8).unwrap(),
        path(&[
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"
        ])
    );
    assert_eq!(
        t.inclusion_proof(5, 8).unwrap(),
        path(&[
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"
        ])
    );
    assert_eq!(
        t.consistency_proof(6, 8).unwrap(),
        path(&[
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"
        ])
    );
    assert_eq!(
        t.consistency_proof(1, 8).unwrap(),
        path(&[
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"
        ])
    );
    assert!(t.consistency_proof(1, 1).unwrap().is_empty());
}

fn tree_of(n: u64) -> Tree {
    let mut t = Tree::new();
    for i in 0..n {
        t.push(leaf_hash(&i.to_be_bytes()));
    }
    t
}

#[test]
fn every_proof_of_small_trees_verifies_and_a_wrong_one_does_not() {
    let t = tree_of(70);
    for n in 1..=70u64 {
        let root = t.root(n).unwrap();
        for i in 0..n {
            let leaf = leaf_hash(&i.to_be_bytes());
            let p = t.inclusion_proof(i, n).unwrap();
            verify_inclusion(&leaf, i, n, &p, &root).unwrap();
            assert!(verify_inclusion(&leaf_hash(b"other"), i, n, &p, &root).is_err());
            if n > 1 {
                assert!(
                    verify_inclusion(&leaf, (i + 1) % n, n, &p, &root).is_err(),
                    "{i}/{n}"
                );
            }
        }
        for m in 0..=n {
            let p = t.consistency_proof(m, n).unwrap();
            let r1 = t.root(m).unwrap();
            verify_consistency(m, n, &p, &r1, &root).unwrap();
            if m > 0 && m < n {
                assert!(verify_consistency(m, n, &p, &empty_root(), &root).is_err());
                let mut bad = p.clone();
                bad[0] = leaf_hash(b"x");
                assert!(
                    verify_consistency(m, n, &bad, &r1, &root).is_err(),
                    "{m}/{n}"
                );
            }
        }
    }
}

#[test]
fn checkpoints_and_notes() {
    let key = DeviceKey::from_seed([5; 32]);
    let cp = Checkpoint {
        origin: "fieldcase.example/sync".into(),
        size: 8,
        root: d(ROOTS[7]),
    };
    let text = cp.to_text();
    assert_eq!(Checkpoint::parse(&text).unwrap(), cp);
    let note = sign_note(&text, &cp.origin, &key).unwrap();
    assert!(note.starts_with(&text) && note.contains("\n\n\u{2014} fieldcase.example/sync "));
    assert_eq!(open_note(&note, &cp.origin, &key.public()).unwrap(), text);
    let other = DeviceKey::from_seed([6; 32]).public();
    assert!(open_note(&note, &cp.origin, &other).is_err());
    let forged = note.replacen("\n8\n", "\n9\n", 1);
    assert!(open_note(&forged, &cp.origin, &key.public()).is_err());
    assert!(Checkpoint::parse("o\n08\nAAAA\n").is_err());
    let vkey = note_verifier_key(&cp.origin, &key.public());
    assert!(vkey.starts_with("fieldcase.example/sync+"));
}

proptest! {
    #[test]
    fn note_parser_never_panics(s in "\\PC{0,200}") {
        let key = DeviceKey::from_seed([5; 32]).public();
        let _ = open_note(&s, "x", &key);
        let _ = Checkpoint::parse(&s);
    }

    #[test]
    fn big_trees_prove_random_leaves(n in 1u64..5000, i in 0u64..5000, m in 0u64..5000) {
        let t = tree_of(n);
        let i = i % n;
        let m = m % (n + 1);
        let root = t.root(n).unwrap();
        verify_inclusion(&leaf_hash(&i.to_be_bytes()), i, n, &t.inclusion_proof(i, n).unwrap(), &root).unwrap();
        verify_consistency(m, n, &t.consistency_proof(m, n).unwrap(), &t.root(m).unwrap(), &root).unwrap();
    }
}
