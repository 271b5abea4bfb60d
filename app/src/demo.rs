//! `fieldcase demo`: seeds realistic cases through the same controllers
//! the window uses (the drafting controller opens and closes each case).

use std::fs;
use std::io::Write;
use std::path::Path;

use chrono::Duration;
use fieldcase_shared::check::ItemResult;
use fieldcase_shared::model::{Officer, OfficerPair};
use fieldcase_shared::validate::id_card_check_char;
use image::{ImageBuffer, Rgb};

use crate::check::{
    Assets, Draft, Edit, Field, Outcome, PartyKind, PenaltyKind, Signer, StepError,
};
use crate::core::{AppError, Terminal};
use crate::evidence::EvidenceMeta;

/// Demo officers registered on a seeded terminal: (执法证号, name, PIN).
/// The PINs are printed by `fieldcase demo` and are for demonstration only.
pub const DEMO_OFFICERS: [(&str, &str, &str); 2] = [
    ("65010023", "王军", "246810"),
    ("65010031", "李娜", "135790"),
];

/// Writes one demo photo (JPEG).
pub fn write_demo_photo(path: &Path) -> Result<(), AppError> {
    write_photo(path, &mut Rng(0x5EED_1234_ABCD_0001)).map_err(AppError::Demo)
}

/// The officer pair the demo signs in as.
pub fn demo_officers() -> OfficerPair {
    let officer = |cert_no: &str| Officer {
        cert_no: cert_no.into(),
        name: None,
    };
    OfficerPair([officer("65010023"), officer("65010031")])
}

const SURNAMES: &[&str] = &[
    "王",
    "李",
    "张",
    "刘",
    "陈",
    "杨",
    "买买提",
    "阿不都",
    "马",
    "赵",
];
const GIVEN: &[&str] = &[
    "建国", "丽娜", "伟", "志强", "艾力", "古丽", "海军", "晓燕", "勇", "静",
];
const PLACES: &[&str] = &[
    "乌鲁木齐市 G30 连霍高速 乌鲁木齐东收费站出口",
    "乌鲁木齐市 G216 线 K12+300 治超检测站",
    "乌鲁木齐市 河滩快速路 北京路匝道口",
    "乌鲁木齐市 高铁站 南广场出租车候客区",
    "乌鲁木齐市 地窝堡国际机场 T3 航站楼 到达层",
    "乌鲁木齐市 米东区 G216 线 古牧地检查点",
];
const COMPANIES: &[(&str, &str)] = &[
    ("914403001922038216", "华为技术有限公司"),
    ("91440300708461136T", "深圳市腾讯计算机系统有限公司"),
    ("91330100799655058B", "阿里巴巴（中国）有限公司"),
];
const PLATE_CHARS: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ0123456789";

/// A small deterministic generator (xorshift64*), so demo data is varied
/// but the same seed gives the same cases.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn person_id(rng: &mut Rng) -> String {
    let region = ["650102", "650103", "650104", "650105", "650106", "650109"][rng.below(6)];
    let year = 1960 + rng.below(45);
    let month = 1 + rng.below(12);
    let day = 1 + rng.below(28);
    let seq = rng.below(1000);
    let body = format!("{region}{year:04}{month:02}{day:02}{seq:03}");
    let check = id_card_check_char(&body).unwrap_or('0');
    format!("{body}{check}")
}

fn plate(rng: &mut Rng) -> String {
    let mut p = String::from("新A");
    if rng.below(4) == 0 {
        // Small new-energy plate: D/F, then a letter or digit, then 4 digits.
        p.push(if rng.below(2) == 0 { 'D' } else { 'F' });
        p.push(PLATE_CHARS[rng.below(PLATE_CHARS.len())] as char);
        for _ in 0..4 {
            p.push(char::from(b'0' + rng.below(10) as u8));
        }
    } else {
        for _ in 0..5 {
            let c = PLATE_CHARS[rng.below(PLATE_CHARS.len())];
            p.push(c as char);
        }
    }
    p
}

/// Writes a JPEG "photo" (a coloured scene with stripes) unique to its seed.
fn write_photo(path: &Path, rng: &mut Rng) -> Result<(), String> {
    let (w, h) = (640u32, 480u32);
    let base = [
        rng.below(200) as u8,
        rng.below(200) as u8,
        rng.below(200) as u8,
    ];
    let stripe = 8 + rng.below(40) as u32;
    let img: ImageBuffer<Rgb<u8>, Vec<u8>> = ImageBuffer::from_fn(w, h, |x, y| {
        let band = ((x + y) / stripe) % 2 == 0;
        let shade = (y * 55 / h) as u8;
        if band {
            Rgb([
                base[0].saturating_add(shade),
                base[1],
                base[2].saturating_add(40),
            ])
        } else {
            Rgb([base[0] / 2, base[1].saturating_add(shade), base[2] / 2])
        }
    });
    img.save_with_format(path, image::ImageFormat::Jpeg)
        .map_err(|e| format!("{}: {e}", path.display()))
}

/// Writes a body-camera-sized MP4 container (`ftyp` + `mdat` of noise).
fn write_video(path: &Path, size: usize, rng: &mut Rng) -> Result<(), String> {
    let mut f = fs::File::create(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut head = Vec::new();
    head.extend_from_slice(&24u32.to_be_bytes());
    head.extend_from_slice(b"ftypisom\0\0\x02\0isomiso2");
    let mdat_len = size.saturating_sub(head.len()) as u32;
    head.extend_from_slice(&mdat_len.to_be_bytes());
    head.extend_from_slice(b"mdat");
    let mut body = Vec::with_capacity(size);
    body.extend_from_slice(&head);
    while body.len() < size {
        body.extend_from_slice(&rng.next().to_le_bytes());
    }
    body.truncate(size);
    f.write_all(&body)
        .and_then(|_| f.sync_all())
        .map_err(|e| format!("{}: {e}", path.display()))
}

/// What `seed` did.
#[derive(Debug, Clone, Default)]
pub struct Seeded {
    /// 案号 of each case, in order.
    pub cases: Vec<String>,
    /// True when the demo officers were registered by this run.
    pub registered: bool,
}

/// The agency name a demo terminal prints on its documents.
pub const DEMO_AGENCY: &str = "乌鲁木齐市交通运输综合行政执法支队（演示）";

/// Seeds `n` closed cases through the drafting controller, as the window
/// does: vehicle, party and place (opens the case), the whole checklist, a
/// violation from the catalogue with a lawful penalty, two photos and one
/// video of `video_bytes` (none when 0), the statement, three drawn
/// signatures, and closing with the findings.
pub fn seed(
    term: &Terminal,
    data_dir: &Path,
    n: usize,
    video_bytes: usize,
    mut on_case: impl FnMut(usize, &str),
) -> Result<Seeded, AppError> {
    let assets = Assets::embedded().map_err(AppError::Demo)?;
    let officers = demo_officers();
    let registered = term.officers().list()?.is_empty();
    if registered {
        for (cert, name, pin) in DEMO_OFFICERS {
            term.officers().add(cert, name, pin)?;
        }
    }
    if term.store.setting(crate::papers::AGENCY_SETTING)?.is_none() {
        term.store
            .set_setting(crate::papers::AGENCY_SETTING, DEMO_AGENCY)?;
    }
    let staging = data_dir
        .join("tmp")
        .join(format!("demo-{}", uuid::Uuid::now_v7()));
    fs::create_dir_all(&staging).map_err(|source| crate::store::StoreError::Io {
        path: staging.clone(),
        source,
    })?;
    // Vary the data between runs (time) and between seeds into one store.
    let salt = term.store.head(&term.device_id())?.seq + 1;
    let mut rng =
        Rng(0x9E37_79B9_7F4A_7C15 ^ (Terminal::now().timestamp() as u64).wrapping_mul(salt) | 1);
    let mut out = Seeded {
        cases: Vec::new(),
        registered,
    };
    for i in 0..n {
        let now = Terminal::now();
        let no = seed_case(
            term,
            &assets,
            &officers,
            (&staging, video_bytes),
            &mut rng,
            now,
            Want::Any,
        )?;
        on_case(i + 1, &no);
        out.cases.push(no);
    }
    let _ = fs::remove_dir_all(&staging);
    Ok(out)
}

/// A closed demo case (records only, no photos or video) checked at
/// `when` — e.g. last year's cases for the list benchmark.
pub fn closed_case_at(
    term: &Terminal,
    when: chrono::DateTime<chrono::FixedOffset>,
    salt: u64,
) -> Result<String, AppError> {
    let assets = Assets::embedded().map_err(AppError::Demo)?;
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ salt.wrapping_mul(0x2545_F491) | 1);
    seed_case(
        term,
        &assets,
        &demo_officers(),
        (Path::new("."), 0),
        &mut rng,
        when,
        Want::Any,
    )
}

/// A demo case the roadside hands over (移交): its violation's least
/// penalty needs the general procedure (行政处罚法 art. 51). Its 案号.
pub fn handed_over_case(term: &Terminal) -> Result<String, AppError> {
    one_case(
        term,
        0x9E37_79B9_7F4A_7C15,
        Want::Procedure(fieldcase_shared::catalog::Procedure::General),
    )
}

/// A demo case whose check detained the vehicle (公路安全保护条例 art. 67,
/// 行政强制法 art. 18, 24): handed over, awaiting the head's approval, its
/// 现场笔录 and its 行政强制措施决定书. Its 案号.
pub fn detained_case(term: &Terminal) -> Result<String, AppError> {
    one_case(term, 0xD37A_1E0D_7F4A_7C15, Want::Detained)
}

/// One closed demo case (records only) of the kind `want` says, drawn
/// from `seed` and the chain's length. Its 案号.
fn one_case(term: &Terminal, seed: u64, want: Want) -> Result<String, AppError> {
    let assets = Assets::embedded().map_err(AppError::Demo)?;
    let salt = term.store.head(&term.device_id())?.seq + 1;
    let mut rng = Rng(seed ^ salt.wrapping_mul(0x2545_F491) | 1);
    seed_case(
        term,
        &assets,
        &demo_officers(),
        (Path::new("."), 0),
        &mut rng,
        Terminal::now(),
        want,
    )
}

/// What a seeded case must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Want {
    /// Any violation the party can commit.
    Any,
    /// One that needs this procedure.
    Procedure(fieldcase_shared::catalog::Procedure),
    /// Evading the weigh station, the vehicle detained.
    Detained,
}

/// The catalogue entry whose article allows detaining the vehicle.
const DETAIN_ENTRY: &str = "GLAQ-67";

/// An opened demo case (the first three steps done, nothing else): its
/// id and 案号.
pub fn opened_case(term: &Terminal) -> Result<(uuid::Uuid, String), AppError> {
    let assets = Assets::embedded().map_err(AppError::Demo)?;
    let officers = demo_officers();
    let mut d = demo_draft(
        &assets,
        &officers,
        &mut Rng(0x5EED_0000_0000_0001),
        Terminal::now(),
    );
    term.drafts()
        .open(&officers, &mut d, Terminal::now(), &assets)
        .map_err(step_error)?;
    match (d.case_id, d.case_no) {
        (Some(c), Some(n)) => Ok((c, n)),
        _ => Err(AppError::Demo("the case was not opened".into())),
    }
}

/// The first three steps of a demo check.
fn demo_draft(
    assets: &Assets,
    officers: &OfficerPair,
    rng: &mut Rng,
    when: chrono::DateTime<chrono::FixedOffset>,
) -> Draft {
    let mut d = Draft::new(officers, when);
    let kinds = &assets.checklists.vehicle_types;
    let kind = &kinds[rng.below(kinds.len())];
    d.plate = plate(rng);
    d.vehicle_kind = kind.code.clone();
    if kind.transport_cert {
        d.transport_cert = format!("6501{:08}", rng.below(100_000_000));
    }
    if rng.below(5) == 0 {
        let (uscc, name) = COMPANIES[rng.below(COMPANIES.len())];
        d.party_kind = PartyKind::Organisation;
        d.uscc = uscc.into();
        d.name = name.into();
        d.legal_rep = format!(
            "{}{}",
            SURNAMES[rng.below(SURNAMES.len())],
            GIVEN[rng.below(GIVEN.len())]
        );
    } else {
        d.id_number = person_id(rng);
        d.name = format!(
            "{}{}",
            SURNAMES[rng.below(SURNAMES.len())],
            GIVEN[rng.below(GIVEN.len())]
        );
    }
    d.phone = format!("139{:08}", rng.below(100_000_000));
    d.place = PLACES[rng.below(PLACES.len())].to_owned();
    d
}

/// A violation the party can commit, with the least lawful penalty of its
/// first tier (no-penalty conditions answered "no").
fn decide(d: &mut Draft, assets: &Assets, rng: &mut Rng) {
    let e = drawn(d, assets, rng);
    decide_entry(d, e);
}

/// An entry the party can commit, drawn.
fn drawn<'a>(d: &Draft, assets: &'a Assets, rng: &mut Rng) -> &'a fieldcase_shared::catalog::Entry {
    use fieldcase_shared::catalog::PartyKind as Who;
    let fits: Vec<_> = assets
        .catalog
        .entries
        .iter()
        .filter(|e| {
            e.applies_to(if d.organisation() {
                Who::Organisation
            } else {
                Who::Person
            })
        })
        .collect();
    fits[rng.below(fits.len())]
}

/// The violation of entry `e`, with the least lawful penalty of its first
/// tier (no-penalty conditions answered "no").
fn decide_entry(d: &mut Draft, e: &fieldcase_shared::catalog::Entry) {
    d.apply(Edit::Outcome(Outcome::Violation));
    d.apply(Edit::Text(Field::Violation, e.code.clone()));
    for k in 0..e.no_penalty.as_ref().map_or(0, |np| np.conditions.len()) {
        d.apply(Edit::NoPenalty(k, false));
    }
    if e.gains.is_some() {
        d.gains = "0".into();
    }
    if e.per_excess.is_some() {
        // Within the warning-only excess of the first (warning) tier.
        d.excess_kg = "800".into();
    }
    let t = &e.tiers[0];
    d.grade = t.grade.clone();
    if t.warning {
        d.penalty = PenaltyKind::Warning;
    } else {
        d.amount = t.min.to_string();
    }
}

fn seed_case(
    term: &Terminal,
    assets: &Assets,
    officers: &OfficerPair,
    (staging, video_bytes): (&Path, usize),
    rng: &mut Rng,
    now: chrono::DateTime<chrono::FixedOffset>,
    want: Want,
) -> Result<String, AppError> {
    let mut d = demo_draft(assets, officers, rng, now);
    let drafts = term.drafts();
    drafts
        .open(officers, &mut d, now, assets)
        .map_err(step_error)?;
    let (case, no) = match (d.case_id, d.case_no.clone()) {
        (Some(c), Some(n)) => (c, n),
        _ => return Err(AppError::Demo("the case was not opened".into())),
    };
    if let Some(t) = assets.checklists.get(&d.vehicle_kind) {
        for item in &t.items {
            d.apply(Edit::Check(item.id.clone(), ItemResult::Ok));
        }
    }
    decide(&mut d, assets, rng);
    match want {
        Want::Any => {}
        // Another violation until it needs that procedure (the catalogue
        // holds both kinds).
        Want::Procedure(p) => {
            for _ in 0..200 {
                if d.procedure(assets) == Some(p) {
                    break;
                }
                decide(&mut d, assets, rng);
            }
            if d.procedure(assets) != Some(p) {
                return Err(AppError::Demo(
                    "no catalogue entry needs that procedure".into(),
                ));
            }
        }
        Want::Detained => {
            let e = assets
                .catalog
                .get(DETAIN_ENTRY)
                .ok_or_else(|| AppError::Demo(format!("the catalogue has no {DETAIN_ENTRY}")))?;
            decide_entry(&mut d, e);
            d.apply(Edit::parse("measure:detain_vehicle", "yes").ok_or_else(|| {
                AppError::Demo("the drafting controller knows no detain_vehicle".into())
            })?);
        }
    }
    if video_bytes > 0 {
        add_media(term, officers, &case, staging, video_bytes, rng)?;
    }
    d.statement = "当事人对检查结果无异议。".into();
    for item in d.told_required(assets) {
        d.told.insert(item.id.clone());
    }
    for (k, who) in Signer::ALL.into_iter().enumerate() {
        // Each signature its own strokes (and bytes): one height band per
        // signer, a random wave within it.
        let phase = rng.below(628) as f32 / 100.0;
        let (amp, n) = (10.0 + rng.below(20) as f32, 30 + rng.below(30));
        let stroke: Vec<(f32, f32)> = (0..n)
            .map(|x| {
                let y = 40.0 + k as f32 * 40.0 + (x as f32 / 3.0 + phase).sin() * amp;
                (20.0 + x as f32 * 280.0 / n as f32, y)
            })
            .collect();
        let sha = term
            .evidence()
            .add_signature(officers, &case, who, &[stroke])?;
        d.signatures.insert(who, sha);
    }
    d.step = crate::check::step::REVIEW;
    drafts.save(&d)?;
    drafts
        .close(officers, &d, now.date_naive(), assets)
        .map_err(step_error)?;
    Ok(no)
}

fn step_error(e: StepError) -> AppError {
    match e {
        StepError::App(e) => e,
        e => AppError::Demo(e.to_string()),
    }
}

fn add_media(
    term: &Terminal,
    officers: &OfficerPair,
    case: &uuid::Uuid,
    staging: &Path,
    video_bytes: usize,
    rng: &mut Rng,
) -> Result<(), AppError> {
    let now = Terminal::now();
    let ev = term.evidence();
    for k in 1..=2 {
        let p = staging.join(format!("photo-{}-{k}.jpg", rng.next()));
        write_photo(&p, rng).map_err(AppError::Demo)?;
        let meta = EvidenceMeta {
            media_type: "image/jpeg".into(),
            original_name: format!("现场照片{k}.jpg"),
            captured_at: Some(now - Duration::minutes(3 - k as i64)),
            category: "现场检查".into(),
            description: format!("车辆及证件照片 {k}"),
        };
        ev.add_file(officers, case, &p, meta, |_| {})?;
    }
    let v = staging.join(format!("video-{}.mp4", rng.next()));
    write_video(&v, video_bytes, rng).map_err(AppError::Demo)?;
    let meta = EvidenceMeta {
        media_type: "video/mp4".into(),
        original_name: format!("执法记录仪_{}.mp4", now.format("%Y%m%d_%H%M%S")),
        captured_at: Some(now - Duration::minutes(5)),
        category: "现场检查".into(),
        description: "执法记录仪全程录像".into(),
    };
    ev.add_file(officers, case, &v, meta, |_| {})?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_cases_are_closed_with_findings_through_the_drafting_controller() {
        let d = tempfile::tempdir().unwrap();
        let t = Terminal::open(d.path()).unwrap();
        let s = seed(&t, d.path(), 4, 0, |_, _| {}).unwrap();
        assert!(s.registered && s.cases.len() == 4);
        let mut signatures = std::collections::HashSet::new();
        for no in &s.cases {
            let row = t.cases().find(no).unwrap();
            assert_eq!(row.status, crate::cases::CaseStatus::Closed);
            let detail = t.cases().detail(&row.case_id).unwrap();
            let f = detail.findings().expect("closed with findings");
            assert!(f.decision.is_some() && f.signatures.iter().all(|s| s.image.is_some()));
            signatures.extend(f.signatures.iter().filter_map(|s| s.image));
        }
        assert_eq!(signatures.len(), 12, "every signature its own image");
        assert!(t.drafts().list().unwrap().is_empty());
        assert!(!seed(&t, d.path(), 1, 0, |_, _| {}).unwrap().registered);
    }

    #[test]
    fn generated_parties_and_plates_validate() {
        let mut rng = Rng(42);
        let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 28).unwrap_or_default();
        for _ in 0..200 {
            let id = person_id(&mut rng);
            assert!(
                fieldcase_shared::validate::id_card(&id, today).is_ok(),
                "{id}"
            );
            let p = plate(&mut rng);
            assert!(fieldcase_shared::validate::plate(&p).is_ok(), "{p}");
        }
        for (c, _) in COMPANIES {
            assert!(fieldcase_shared::validate::uscc(c).is_ok());
        }
    }
}
