//! `fieldcase demo`: seeds realistic cases through the same controller
//! methods the UI uses (record check, import evidence, close).

use std::fs;
use std::io::Write;
use std::path::Path;

use chrono::Duration;
use fieldcase_shared::model::{CheckInput, Officer, OfficerPair, ViolationRef};
use fieldcase_shared::validate::id_card_check_char;
use image::{ImageBuffer, Rgb};
use serde::Deserialize;

use crate::core::{AppError, EvidenceMeta, Terminal};

/// The demo violation list, from `assets/catalog/`.
const DEMO_VIOLATIONS: &str = include_str!("../../assets/catalog/demo-violations.json");

#[derive(Deserialize)]
struct DemoCatalog {
    entries: Vec<DemoViolation>,
}

#[derive(Deserialize)]
struct DemoViolation {
    code: String,
    title: String,
    basis: String,
    source: String,
}

/// Loads and validates the demo violation list.
pub fn demo_violations() -> Result<Vec<ViolationRef>, String> {
    let cat: DemoCatalog = serde_json::from_str(DEMO_VIOLATIONS)
        .map_err(|e| format!("assets/catalog/demo-violations.json: {e}"))?;
    let mut out = Vec::new();
    for (i, v) in cat.entries.into_iter().enumerate() {
        if v.code.trim().is_empty()
            || v.title.trim().is_empty()
            || v.basis.trim().is_empty()
            || v.source.trim().is_empty()
        {
            return Err(format!(
                "assets/catalog/demo-violations.json entry {}: code, title, basis and source are required",
                i + 1
            ));
        }
        out.push(ViolationRef {
            code: v.code,
            title: v.title,
            basis: v.basis,
        });
    }
    if out.is_empty() {
        return Err("assets/catalog/demo-violations.json has no entries".into());
    }
    Ok(out)
}

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

/// Seeds `n` closed cases, each with two photos and one video of
/// `video_bytes`. Returns the 案号 of each case.
pub fn seed(
    term: &mut Terminal,
    data_dir: &Path,
    n: usize,
    video_bytes: usize,
    mut on_case: impl FnMut(usize, &str),
) -> Result<Vec<String>, AppError> {
    let violations = demo_violations().map_err(AppError::Demo)?;
    let officers = demo_officers();
    if term.store.officers()?.is_empty() {
        for (cert, name, pin) in DEMO_OFFICERS {
            term.store
                .add_officer(cert, name, pin)
                .map_err(|e| AppError::Demo(e.to_string()))?;
        }
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
    let mut out = Vec::new();
    for i in 0..n {
        let org = rng.below(5) == 0;
        let (party_id, party_name) = if org {
            let (c, name) = COMPANIES[rng.below(COMPANIES.len())];
            (c.to_owned(), name.to_owned())
        } else {
            (
                person_id(&mut rng),
                format!(
                    "{}{}",
                    SURNAMES[rng.below(SURNAMES.len())],
                    GIVEN[rng.below(GIVEN.len())]
                ),
            )
        };
        let input = CheckInput {
            plate: plate(&mut rng),
            party_id,
            party_name,
            place: PLACES[rng.below(PLACES.len())].to_owned(),
            note: "演示数据：路检路查现场检查".into(),
        };
        let violation = violations[rng.below(violations.len())].clone();
        let now = Terminal::now();
        let saved = term.record_check(&officers, &input, Some(violation), now)?;
        let io = AppError::Demo;
        if video_bytes == 0 {
            // Records only (load tests): no evidence files.
            term.close_case(&officers, &saved.case_no)?;
            on_case(i + 1, &saved.case_no);
            out.push(saved.case_no);
            continue;
        }
        for k in 1..=2 {
            let p = staging.join(format!("photo-{i}-{k}.jpg"));
            write_photo(&p, &mut rng).map_err(io)?;
            term.add_evidence(
                &officers,
                &saved.case_no,
                &p,
                EvidenceMeta {
                    media_type: "image/jpeg".into(),
                    original_name: format!("现场照片{k}.jpg"),
                    captured_at: Some(now - Duration::minutes(3 - k as i64)),
                    category: "现场检查".into(),
                    description: format!("车辆及证件照片 {k}"),
                },
                |_| {},
            )?;
        }
        let v = staging.join(format!("video-{i}.mp4"));
        write_video(&v, video_bytes, &mut rng).map_err(io)?;
        term.add_evidence(
            &officers,
            &saved.case_no,
            &v,
            EvidenceMeta {
                media_type: "video/mp4".into(),
                original_name: format!("执法记录仪_{}.mp4", now.format("%Y%m%d_%H%M%S")),
                captured_at: Some(now - Duration::minutes(5)),
                category: "现场检查".into(),
                description: "执法记录仪全程录像".into(),
            },
            |_| {},
        )?;
        term.close_case(&officers, &saved.case_no)?;
        on_case(i + 1, &saved.case_no);
        out.push(saved.case_no);
    }
    let _ = fs::remove_dir_all(&staging);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_catalogue_loads() {
        let v = demo_violations().unwrap();
        assert!(v.len() >= 4);
        assert!(v.iter().all(|x| x.basis.contains('条')));
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
