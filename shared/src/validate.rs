//! Validation of identity numbers, plates and officer certificate numbers.
//!
//! Every error says what was wrong and what to do, in English (`Display`) and
//! Simplified Chinese ([`ValidationError::zh`]).

use chrono::{Datelike, NaiveDate};

/// What is wrong with an input field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ValidationError {
    /// The field is empty.
    #[error("{field} is required")]
    Required {
        /// Field name (English).
        field: &'static str,
    },
    /// Wrong number of characters.
    #[error("{field} must be {expected} characters; {found} were entered")]
    Length {
        /// Field name (English).
        field: &'static str,
        /// Expected length (text, e.g. "18" or "7 or 8").
        expected: &'static str,
        /// Characters entered.
        found: usize,
    },
    /// A character that may not appear at this position.
    #[error("{field}: character {position} ({ch:?}) is not allowed here: {rule}")]
    BadChar {
        /// Field name (English).
        field: &'static str,
        /// 1-based position.
        position: usize,
        /// The character.
        ch: char,
        /// The rule, in English.
        rule: &'static str,
    },
    /// The birth date inside an ID number is not a real date.
    #[error("ID number: the birth date {0} is not a valid date in the past; check digits 7–14")]
    BirthDate(String),
    /// The check character does not match.
    #[error("{field}: check character should be {expected:?} but is {found:?}; the number was probably mistyped")]
    CheckChar {
        /// Field name (English).
        field: &'static str,
        /// The correct check character.
        expected: char,
        /// The one entered.
        found: char,
    },
    /// Two officers with the same certificate number.
    #[error("the two officers must be different people (same certificate number entered twice)")]
    SameOfficer,
    /// A free-text field is too long.
    #[error("{field} is too long: at most {max} characters")]
    TooLong {
        /// Field name (English).
        field: &'static str,
        /// Maximum characters.
        max: usize,
    },
}

fn field_zh(field: &str) -> &'static str {
    match field {
        "ID number" => "身份证号",
        "plate" => "车牌号",
        "credit code" => "统一社会信用代码",
        "certificate number" => "执法证号",
        "place" => "地点",
        "party name" => "当事人姓名/名称",
        "note" => "备注",
        _ => "输入项",
    }
}

fn rule_zh(rule: &str) -> &'static str {
    match rule {
        "digits only" => "只能是数字",
        "digit or X" => "只能是数字或 X",
        "province abbreviation" => "应为省份简称（如 新）",
        "letter A–Z except I and O" => "应为字母 A–Z（不含 I、O）",
        "letter or digit except I and O" => "应为字母或数字（不含 I、O）",
        "new-energy plate pattern" => "不符合新能源号牌规则",
        "letters and digits except I, O, S, V, Z" => "只能是数字或大写字母（不含 I、O、S、V、Z）",
        "letters and digits only" => "只能是字母或数字",
        "valid region code" => "行政区划代码无效",
        _ => "格式不正确",
    }
}

impl ValidationError {
    /// The message in Simplified Chinese, for the UI.
    pub fn zh(&self) -> String {
        match self {
            ValidationError::Required { field } => format!("请填写{}", field_zh(field)),
            ValidationError::Length {
                field,
                expected,
                found,
            } => format!(
                "{}应为 {} 位，当前为 {} 位",
                field_zh(field),
                expected.replace(" or ", " 或 "),
                found
            ),
            ValidationError::BadChar {
                field,
                position,
                ch,
                rule,
            } => format!(
                "{}第 {} 位“{}”不正确：{}",
                field_zh(field),
                position,
                ch,
                rule_zh(rule)
            ),
            ValidationError::BirthDate(d) => {
                format!("身份证号中的出生日期 {d} 无效，请核对第 7–14 位")
            }
            ValidationError::CheckChar {
                field,
                expected,
                found,
            } => format!(
                "{}校验位应为“{}”，输入的是“{}”，请核对是否录错",
                field_zh(field),
                expected,
                found
            ),
            ValidationError::SameOfficer => "两名执法人员不能是同一人（执法证号相同）".into(),
            ValidationError::TooLong { field, max } => {
                format!("{}过长，最多 {} 个字", field_zh(field), max)
            }
        }
    }
}

/// Facts read from a valid 身份证号.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdCardInfo {
    /// The normalised number (upper-case X).
    pub number: String,
    /// Birth date.
    pub birth_date: NaiveDate,
    /// True when the sequence digit is odd.
    pub male: bool,
}

/// GB 11643-1999 weights for the 17 body digits.
const ID_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK: &[u8; 11] = b"10X98765432";

/// Validates an 18-character 居民身份证号码 (GB 11643-1999): digits, region
/// (first two digits a province code), birth date (a real date, 1900 or later,
/// not after `today`), and the mod-11 check character.
pub fn id_card(input: &str, today: NaiveDate) -> Result<IdCardInfo, ValidationError> {
    const F: &str = "ID number";
    let s = input.trim().to_ascii_uppercase();
    if s.is_empty() {
        return Err(ValidationError::Required { field: F });
    }
    let chars: Vec<char> = s.chars().collect();
    if chars.len() != 18 {
        return Err(ValidationError::Length {
            field: F,
            expected: "18",
            found: chars.len(),
        });
    }
    for (i, &c) in chars[..17].iter().enumerate() {
        if !c.is_ascii_digit() {
            return Err(ValidationError::BadChar {
                field: F,
                position: i + 1,
                ch: c,
                rule: "digits only",
            });
        }
    }
    let last = chars[17];
    if !(last.is_ascii_digit() || last == 'X') {
        return Err(ValidationError::BadChar {
            field: F,
            position: 18,
            ch: last,
            rule: "digit or X",
        });
    }
    let province: u32 = s[..2].parse().unwrap_or(0);
    if !matches!(province, 11..=15 | 21..=23 | 31..=37 | 41..=46 | 50..=54 | 61..=65 | 71 | 81 | 82 | 83)
    {
        return Err(ValidationError::BadChar {
            field: F,
            position: 1,
            ch: chars[0],
            rule: "valid region code",
        });
    }
    let date_txt = &s[6..14];
    let birth = NaiveDate::parse_from_str(date_txt, "%Y%m%d")
        .ok()
        .filter(|d| d.year() >= 1900 && *d <= today)
        .ok_or_else(|| ValidationError::BirthDate(date_txt.to_owned()))?;
    let sum: u32 = chars[..17]
        .iter()
        .zip(ID_WEIGHTS)
        .map(|(c, w)| c.to_digit(10).unwrap_or(0) * w)
        .sum();
    let expected = ID_CHECK[(sum % 11) as usize] as char;
    if expected != last {
        return Err(ValidationError::CheckChar {
            field: F,
            expected,
            found: last,
        });
    }
    let male = chars[16].to_digit(10).unwrap_or(0) % 2 == 1;
    Ok(IdCardInfo {
        number: s,
        birth_date: birth,
        male,
    })
}

/// Computes the check character for 17 ID digits (for tests and demo data).
pub fn id_card_check_char(first17: &str) -> Option<char> {
    if first17.len() != 17 || !first17.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let sum: u32 = first17
        .bytes()
        .zip(ID_WEIGHTS)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    Some(ID_CHECK[(sum % 11) as usize] as char)
}

/// Province abbreviations allowed as the first plate character (plus 使 and 领).
const PLATE_PROVINCES: &str = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼使领";

/// Kind of a valid plate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlateKind {
    /// 7 characters.
    Ordinary,
    /// 8 characters, large new-energy vehicle (`\d{5}[A-HJK]`).
    NewEnergyLarge,
    /// 8 characters, small new-energy vehicle (`[A-HJK][A-HJ-NP-Z0-9]\d{4}`).
    NewEnergySmall,
}

fn plate_letter(c: char) -> bool {
    c.is_ascii_uppercase() && c != 'I' && c != 'O'
}

fn plate_alnum(c: char) -> bool {
    plate_letter(c) || c.is_ascii_digit()
}

fn ne_letter(c: char) -> bool {
    matches!(c, 'A'..='H' | 'J' | 'K')
}

/// Normalises a typed plate: trims, removes inner spaces and the middle dot,
/// upper-cases Latin letters.
pub fn normalise_plate(input: &str) -> String {
    input
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '·' && *c != '•' && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// Validates a plate (after [`normalise_plate`]): ordinary 7-character plates
/// and 8-character new-energy plates (GA 36). I and O are never used.
pub fn plate(input: &str) -> Result<PlateKind, ValidationError> {
    const F: &str = "plate";
    let s = normalise_plate(input);
    let c: Vec<char> = s.chars().collect();
    if c.is_empty() {
        return Err(ValidationError::Required { field: F });
    }
    if c.len() != 7 && c.len() != 8 {
        return Err(ValidationError::Length {
            field: F,
            expected: "7 or 8",
            found: c.len(),
        });
    }
    let bad = |i: usize, rule| ValidationError::BadChar {
        field: F,
        position: i + 1,
        ch: c[i],
        rule,
    };
    if !PLATE_PROVINCES.contains(c[0]) {
        return Err(bad(0, "province abbreviation"));
    }
    if !plate_letter(c[1]) {
        return Err(bad(1, "letter A–Z except I and O"));
    }
    if c.len() == 7 {
        if let Some(i) = (2..6).find(|&i| !plate_alnum(c[i])) {
            return Err(bad(i, "letter or digit except I and O"));
        }
        if !(plate_alnum(c[6]) || "挂学警港澳".contains(c[6])) {
            return Err(bad(6, "letter or digit except I and O"));
        }
        return Ok(PlateKind::Ordinary);
    }
    let tail = &c[2..];
    if tail[..5].iter().all(|d| d.is_ascii_digit()) && ne_letter(tail[5]) {
        return Ok(PlateKind::NewEnergyLarge);
    }
    if ne_letter(tail[0]) && plate_alnum(tail[1]) && tail[2..].iter().all(|d| d.is_ascii_digit()) {
        return Ok(PlateKind::NewEnergySmall);
    }
    let pos = tail
        .iter()
        .position(|ch| !plate_alnum(*ch))
        .map_or(2, |p| p + 2);
    Err(bad(pos, "new-energy plate pattern"))
}

/// The 31 characters of GB 32100-2015, in value order.
const USCC_CHARS: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
/// Weights 3^i mod 31 for the 17 body characters.
const USCC_WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// Validates an 18-character 统一社会信用代码 (GB 32100-2015): alphabet
/// without I, O, S, V, Z; characters 3–8 a numeric region code; mod-31 check
/// character `31 − (Σ value·weight mod 31)`, where 31 maps to 0.
pub fn uscc(input: &str) -> Result<(), ValidationError> {
    const F: &str = "credit code";
    let s = input.trim().to_ascii_uppercase();
    let c: Vec<char> = s.chars().collect();
    if c.is_empty() {
        return Err(ValidationError::Required { field: F });
    }
    if c.len() != 18 {
        return Err(ValidationError::Length {
            field: F,
            expected: "18",
            found: c.len(),
        });
    }
    let mut sum = 0u32;
    for (i, &ch) in c.iter().enumerate() {
        let Some(v) = USCC_CHARS.find(ch) else {
            return Err(ValidationError::BadChar {
                field: F,
                position: i + 1,
                ch,
                rule: "letters and digits except I, O, S, V, Z",
            });
        };
        if (2..8).contains(&i) && !ch.is_ascii_digit() {
            return Err(ValidationError::BadChar {
                field: F,
                position: i + 1,
                ch,
                rule: "digits only",
            });
        }
        if i < 17 {
            sum += v as u32 * USCC_WEIGHTS[i];
        }
    }
    let check = (31 - sum % 31) % 31;
    let expected = USCC_CHARS.as_bytes()[check as usize] as char;
    if expected != c[17] {
        return Err(ValidationError::CheckChar {
            field: F,
            expected,
            found: c[17],
        });
    }
    Ok(())
}

/// Validates a 执法证号: 5–20 letters or digits (Chinese characters allowed
/// for the issuing region), no spaces.
pub fn cert_no(input: &str) -> Result<String, ValidationError> {
    const F: &str = "certificate number";
    let s = input.trim().to_uppercase();
    let n = s.chars().count();
    if n == 0 {
        return Err(ValidationError::Required { field: F });
    }
    if !(5..=20).contains(&n) {
        return Err(ValidationError::Length {
            field: F,
            expected: "5 to 20",
            found: n,
        });
    }
    if let Some((i, ch)) = s.chars().enumerate().find(|(_, c)| !c.is_alphanumeric()) {
        return Err(ValidationError::BadChar {
            field: F,
            position: i + 1,
            ch,
            rule: "letters and digits only",
        });
    }
    Ok(s)
}

/// Validates a required free-text field of at most `max` characters and
/// returns it trimmed.
pub fn text(field: &'static str, input: &str, max: usize) -> Result<String, ValidationError> {
    let s = input.trim();
    if s.is_empty() {
        return Err(ValidationError::Required { field });
    }
    if s.chars().count() > max {
        return Err(ValidationError::TooLong { field, max });
    }
    Ok(s.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 28).unwrap()
    }

    #[test]
    fn id_card_known_valid() {
        // GB 11643-1999 worked example.
        let info = id_card("11010519491231002X", today()).unwrap();
        assert_eq!(
            info.birth_date,
            NaiveDate::from_ymd_opt(1949, 12, 31).unwrap()
        );
        assert!(!info.male);
        assert!(id_card("11010519491231002x", today()).is_ok());
    }

    #[test]
    fn id_card_errors() {
        assert!(matches!(
            id_card("110105194912310021", today()),
            Err(ValidationError::CheckChar {
                expected: 'X',
                found: '1',
                ..
            })
        ));
        assert!(matches!(
            id_card("110105194902300021", today()),
            Err(ValidationError::BirthDate(_))
        ));
        assert!(matches!(
            id_card("1101051949123100", today()),
            Err(ValidationError::Length { found: 16, .. })
        ));
        let e = id_card("11010519491231002A", today()).unwrap_err();
        assert!(e.zh().contains("第 18 位"), "{}", e.zh());
        // Born in the future.
        let body = "65010220301231001";
        let n = format!("{body}{}", id_card_check_char(body).unwrap());
        assert!(matches!(
            id_card(&n, today()),
            Err(ValidationError::BirthDate(_))
        ));
    }

    #[test]
    fn plates() {
        assert_eq!(plate("新A12345"), Ok(PlateKind::Ordinary));
        assert_eq!(plate("新a·1234挂"), Ok(PlateKind::Ordinary));
        assert_eq!(plate("新A12345D"), Ok(PlateKind::NewEnergyLarge));
        assert_eq!(plate("新AD12345"), Ok(PlateKind::NewEnergySmall));
        assert_eq!(plate("新AF1234"), Ok(PlateKind::Ordinary));
        assert!(plate("新AI2345").is_err());
        assert!(plate("XA12345").is_err());
        assert!(plate("新A1234").is_err());
        assert!(plate("新A12345Z").is_err()); // Z is not a new-energy letter
        assert!(plate("新AZ12345").is_err());
        let e = plate("新O12345").unwrap_err();
        assert!(e.zh().contains("不含 I、O"), "{}", e.zh());
    }

    #[test]
    fn uscc_known_valid() {
        // Published codes of well-known companies.
        assert!(uscc("914403001922038216").is_ok());
        assert!(uscc("91350100M000100Y43").is_ok());
        let e = uscc("914403001922038217").unwrap_err();
        assert!(
            matches!(e, ValidationError::CheckChar { expected: '6', .. }),
            "{e}"
        );
        assert!(uscc("91440300192203821").is_err());
        assert!(uscc("9144030019220382I6").is_err());
    }

    #[test]
    fn officers() {
        assert_eq!(cert_no(" 65010023 ").unwrap(), "65010023");
        assert!(cert_no("12").is_err());
        assert!(cert_no("6501 0023").is_err());
    }

    proptest! {
        #[test]
        fn generated_ids_validate(region in 0usize..4, y in 1950i32..2005, m in 1u32..13, d in 1u32..29, seq in 0u32..1000) {
            let r = ["650102", "110105", "440305", "310101"][region];
            let body = format!("{r}{y:04}{m:02}{d:02}{seq:03}");
            let check = id_card_check_char(&body).unwrap();
            let id = format!("{body}{check}");
            let info = id_card(&id, today()).unwrap();
            prop_assert_eq!(info.male, seq % 2 == 1);
            // Any single-digit change in the body is caught.
            let mut wrong: Vec<char> = id.chars().collect();
            wrong[14] = if wrong[14] == '9' { '0' } else { char::from(wrong[14] as u8 + 1) };
            let wrong: String = wrong.into_iter().collect();
            prop_assert!(id_card(&wrong, today()).is_err());
        }

        #[test]
        fn validators_never_panic(s in "\\PC{0,30}") {
            let _ = id_card(&s, today());
            let _ = plate(&s);
            let _ = uscc(&s);
            let _ = cert_no(&s);
        }
    }
}
