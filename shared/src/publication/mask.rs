//! Masking a natural person's details in text that is published: ID
//! numbers, phone numbers and bank accounts wherever they are written
//! (half- or full-width digits, grouped with spaces or hyphens), the
//! party's address, and the names of people other than the party — those
//! the case file records (interviewees, recipients, witnesses) and those
//! written after a word such as 证人 or 乘客.
//!
//! Masking errs towards hiding: a long number that is not an ID number is
//! masked as an account; a word after a marker that is not a name loses
//! its characters after the first.

use super::rules::MaskRules;
use crate::validate;

/// Most characters taken as a name after a marker.
const MAX_NAME: usize = 3;

/// Characters that end a name after a marker (a verb or particle that
/// follows the name in a sentence).
const NAME_STOPS: &str = "称说讲证在于的是和与及等向到从对将把被已曾也都就均又并驾开乘坐签";

/// What a placeholder of a protected name stands on (a private-use
/// character, removed from the input first).
const PROTECT: char = '\u{E000}';

/// Masks text for publication.
#[derive(Debug, Clone)]
pub struct Masker<'a> {
    rules: &'a MaskRules,
    /// The party's own name: published, never masked.
    keep: Option<String>,
    /// Other people's names, longest first.
    names: Vec<String>,
    /// The party's addresses, longest first.
    addresses: Vec<String>,
    /// The marker words as characters, longest first.
    markers: Vec<Vec<char>>,
}

impl<'a> Masker<'a> {
    /// A masker that keeps `keep` (the party's published name), masks
    /// `names` and replaces `addresses`.
    pub fn new(
        rules: &'a MaskRules,
        keep: Option<&str>,
        names: impl IntoIterator<Item = String>,
        addresses: impl IntoIterator<Item = String>,
    ) -> Masker<'a> {
        let clean = |v: Vec<String>| {
            let mut v: Vec<String> = v
                .into_iter()
                .map(|s| s.trim().to_owned())
                // A one-character "name" would mask that character
                // everywhere.
                .filter(|s| s.chars().count() >= 2)
                .collect();
            v.sort_by_key(|s| std::cmp::Reverse(s.chars().count()));
            v.dedup();
            v
        };
        let keep = keep
            .map(|k| k.trim().to_owned())
            .filter(|k| k.chars().count() >= 2);
        let names = clean(names.into_iter().collect())
            .into_iter()
            .filter(|n| Some(n) != keep.as_ref())
            .collect();
        let mut markers: Vec<Vec<char>> = rules
            .name_markers
            .iter()
            .map(|m| m.chars().collect())
            .collect();
        markers.sort_by_key(|m| std::cmp::Reverse(m.len()));
        Masker {
            rules,
            keep,
            names,
            addresses: clean(addresses.into_iter().collect()),
            markers,
        }
    }

    /// Masks free text: addresses, other people's names, then numbers.
    pub fn text(&self, s: &str) -> String {
        let mut out: String = s.chars().filter(|c| *c != PROTECT).collect();
        for a in &self.addresses {
            out = out.replace(a.as_str(), &self.rules.address);
        }
        // The party's name is protected while names are masked: another
        // person's name may be part of it (张三 in 张三丰).
        if let Some(k) = &self.keep {
            out = out.replace(k.as_str(), &PROTECT.to_string());
        }
        for n in &self.names {
            out = out.replace(n.as_str(), &self.name(n));
        }
        out = self.after_markers(&out);
        if let Some(k) = &self.keep {
            out = out.replace(PROTECT, k);
        }
        self.numbers(&out)
    }

    /// Masks numbers only (a field that is a name or a code).
    pub fn numbers(&self, s: &str) -> String {
        let chars: Vec<char> = s.chars().filter(|c| *c != PROTECT).collect();
        let mut out = String::with_capacity(s.len());
        let mut i = 0;
        while i < chars.len() {
            if digit(chars[i]).is_none() {
                out.push(chars[i]);
                i += 1;
                continue;
            }
            let (groups, end) = number_at(&chars, i);
            out.push_str(&self.number(&groups));
            i = end;
        }
        out
    }

    /// A name as published: its first character, the rest starred.
    pub fn name(&self, n: &str) -> String {
        n.chars()
            .enumerate()
            .map(|(i, c)| {
                if i < self.rules.name_keep_start {
                    c
                } else {
                    '*'
                }
            })
            .collect()
    }

    /// An ID number as published.
    pub fn id_number(&self, id: &str) -> String {
        keep_ends(
            &id.chars()
                .filter(|c| !c.is_whitespace())
                .collect::<String>(),
            self.rules.id_keep_start,
            self.rules.id_keep_end,
        )
    }

    /// Masks the name written after each marker word.
    fn after_markers(&self, s: &str) -> String {
        let chars: Vec<char> = s.chars().collect();
        let mut out = String::with_capacity(s.len());
        let mut i = 0;
        'scan: while i < chars.len() {
            for m in &self.markers {
                if m.first() == Some(&chars[i]) && chars[i..].starts_with(m) {
                    out.extend(m);
                    i += m.len();
                    while i < chars.len() && matches!(chars[i], '：' | ':' | ' ' | '　') {
                        out.push(chars[i]);
                        i += 1;
                    }
                    let start = i;
                    while i < chars.len()
                        && i - start < MAX_NAME
                        && han(chars[i])
                        && !(i > start && NAME_STOPS.contains(chars[i]))
                    {
                        i += 1;
                    }
                    if i - start >= 2 {
                        let name: String = chars[start..i].iter().collect();
                        out.push_str(&self.name(&name));
                    } else {
                        out.extend(&chars[start..i]);
                    }
                    continue 'scan;
                }
            }
            out.push(chars[i]);
            i += 1;
        }
        out
    }

    /// A number found in text, masked by what it is. Each group is tried
    /// alone first (an amount next to a phone number stays), then the
    /// groups together (a phone number written 138 0013 8000).
    fn number(&self, groups: &[(String, String)]) -> String {
        let joined: String = groups.iter().map(|(d, _)| d.as_str()).collect();
        if groups.len() > 1 && groups.iter().all(|(d, _)| self.kind(d).is_none()) {
            if let Some(masked) = self.kind(&joined) {
                return masked;
            }
        }
        groups
            .iter()
            .map(|(d, sep)| format!("{}{sep}", self.kind(d).unwrap_or_else(|| d.clone())))
            .collect()
    }

    /// The masked form of a run of digits that is an ID number, a phone
    /// number or an account; `None` for any other number.
    fn kind(&self, d: &str) -> Option<String> {
        let n = d.chars().count();
        let r = self.rules;
        if n == 18 && validate::id_card_check_char(&d[..17]).is_some_and(|c| d.ends_with(c)) {
            return Some(keep_ends(d, r.id_keep_start, r.id_keep_end));
        }
        let mobile = n == 11 && d.starts_with('1');
        let landline = (10..=12).contains(&n) && d.starts_with('0');
        if mobile || landline {
            return Some(keep_ends(d, r.phone_keep_start, r.phone_keep_end));
        }
        if n >= 12 || d.contains('X') {
            return Some(keep_ends(d, 0, r.account_keep_end));
        }
        None
    }
}

/// The digit a character stands for (half- or full-width).
fn digit(c: char) -> Option<char> {
    match c {
        '0'..='9' => Some(c),
        '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32),
        _ => None,
    }
}

fn han(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}' | '·')
}

/// The number starting at `i`: its groups of digits (normalised to ASCII,
/// an ID number's final X upper-cased) with the separator after each,
/// and where it ends. A single space or hyphen between digits joins
/// groups.
fn number_at(chars: &[char], mut i: usize) -> (Vec<(String, String)>, usize) {
    let mut groups = Vec::new();
    loop {
        let mut g = String::new();
        while let Some(d) = chars.get(i).copied().and_then(digit) {
            g.push(d);
            i += 1;
        }
        if g.len() == 17 && matches!(chars.get(i), Some('X' | 'x' | 'Ｘ' | 'ｘ')) {
            g.push('X');
            i += 1;
        }
        let sep = chars.get(i).copied();
        let joins = matches!(sep, Some(' ' | '-' | '－' | '—' | '‐'))
            && chars.get(i + 1).copied().and_then(digit).is_some();
        if joins {
            groups.push((g, sep.map(String::from).unwrap_or_default()));
            i += 1;
        } else {
            groups.push((g, String::new()));
            return (groups, i);
        }
    }
}

/// `s` with all but `start` leading and `end` trailing characters starred.
fn keep_ends(s: &str, start: usize, end: usize) -> String {
    let n = s.chars().count();
    s.chars()
        .enumerate()
        .map(|(i, c)| if i < start || i + end >= n { c } else { '*' })
        .collect()
}
