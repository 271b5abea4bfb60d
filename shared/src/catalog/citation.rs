//! A legal citation precise to 条, 款 and 项, written the way decisions
//! write it: 《中华人民共和国道路运输条例》（2023年修订）第六十三条第（一）项,
//! 第六十八条第二款, 第六十九条第一款.

use serde::{Deserialize, Serialize};

/// A provision of a law.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Citation {
    /// The law's title in 《》 with its edition, e.g.
    /// `《中华人民共和国行政处罚法》（2021年修订）`.
    pub law: String,
    /// 条.
    pub article: u32,
    /// 款 (omitted for an article of one paragraph).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paragraph: Option<u32>,
    /// 项.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item: Option<u32>,
}

impl Citation {
    /// The provision in Chinese, law included.
    pub fn text(&self) -> String {
        format!("{}{}", self.law, self.provision())
    }

    /// The provision without the law: 第六十三条第（一）项.
    pub fn provision(&self) -> String {
        let mut s = format!("第{}条", numeral(self.article));
        if let Some(p) = self.paragraph {
            s.push_str(&format!("第{}款", numeral(p)));
        }
        if let Some(i) = self.item {
            s.push_str(&format!("第（{}）项", numeral(i)));
        }
        s
    }

    /// The same in English: `art. 63(1) item 1` style.
    pub fn text_en(&self) -> String {
        let mut s = format!("{} art. {}", self.law, self.article);
        if let Some(p) = self.paragraph {
            s.push_str(&format!(" para. {p}"));
        }
        if let Some(i) = self.item {
            s.push_str(&format!(" item {i}"));
        }
        s
    }

    /// What is wrong with the citation, if anything.
    pub fn problem(&self) -> Option<String> {
        let law = self.law.trim();
        if !(law.starts_with('《') && law.contains('》')) {
            return Some(format!("law {:?} is not a title in 《》", self.law));
        }
        if PLACEHOLDERS.iter().any(|p| law.contains(p)) {
            return Some(format!("law {:?} carries a placeholder", self.law));
        }
        let bad = |n: Option<u32>| n.is_some_and(|n| n == 0 || n > 999);
        if self.article == 0 || self.article > 999 || bad(self.paragraph) || bad(self.item) {
            return Some(format!("{} is not a provision", self.provision()));
        }
        None
    }
}

/// Words that mark a citation nobody has checked; never signed.
pub const PLACEHOLDERS: &[&str] = &["待核实", "以现行文本为准", "TODO", "待定", "XX", "××"];

/// A number in Chinese numerals as laws write it (1–999): 六十三, 一百零五.
pub fn numeral(n: u32) -> String {
    const DIGITS: [&str; 10] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    let (h, t, u) = (n / 100 % 10, n / 10 % 10, n % 10);
    let mut s = String::new();
    if h > 0 {
        s.push_str(DIGITS[h as usize]);
        s.push('百');
        if t == 0 && u > 0 {
            s.push('零');
        }
    }
    if t > 0 {
        if !(h == 0 && t == 1) {
            s.push_str(DIGITS[t as usize]);
        }
        s.push('十');
    }
    if u > 0 || n == 0 {
        s.push_str(DIGITS[u as usize]);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numerals_as_laws_write_them() {
        for (n, want) in [
            (1, "一"),
            (10, "十"),
            (11, "十一"),
            (20, "二十"),
            (33, "三十三"),
            (63, "六十三"),
            (100, "一百"),
            (105, "一百零五"),
            (110, "一百一十"),
            (999, "九百九十九"),
        ] {
            assert_eq!(numeral(n), want, "{n}");
        }
    }

    #[test]
    fn provisions_to_paragraph_and_item() {
        let c = |p, i| Citation {
            law: "《中华人民共和国道路运输条例》（2023年修订）".into(),
            article: 63,
            paragraph: p,
            item: i,
        };
        assert_eq!(
            c(None, Some(1)).text(),
            "《中华人民共和国道路运输条例》（2023年修订）第六十三条第（一）项"
        );
        assert_eq!(c(Some(2), None).provision(), "第六十三条第二款");
        assert_eq!(
            c(Some(1), Some(3)).provision(),
            "第六十三条第一款第（三）项"
        );
        assert_eq!(
            c(Some(2), None).text_en().rsplit_once("art.").unwrap().1,
            " 63 para. 2"
        );
        assert!(c(None, None).problem().is_none());
        let mut bad = c(None, None);
        bad.law = "《巡游出租汽车经营服务管理规定》（待核实）".into();
        assert!(bad.problem().unwrap().contains("placeholder"));
        bad.law = "巡游出租汽车经营服务管理规定".into();
        assert!(bad.problem().is_some());
    }
}
