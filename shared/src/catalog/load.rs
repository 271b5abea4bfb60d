//! Loading a catalogue file and validating every rule in it; an error
//! names the file, the entry and what is wrong.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use super::{
    initials, Catalog, CatalogError, Citation, Entry, Ground, Range, Tier, When, CATALOG_FORMAT,
    GRADES, PLACEHOLDERS,
};

impl Catalog {
    /// Reads and validates a catalogue file.
    pub fn load(path: &Path) -> Result<Catalog, CatalogError> {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| CatalogError {
            file: name.clone(),
            entry: "(file)".into(),
            message: format!("cannot read: {e}"),
        })?;
        Self::parse(&text, &name)
    }

    /// Parses and validates catalogue text; `file` names it in errors.
    pub fn parse(text: &str, file: &str) -> Result<Catalog, CatalogError> {
        let err = |entry: &str, message: String| CatalogError {
            file: file.to_owned(),
            entry: entry.to_owned(),
            message,
        };
        let mut c: Catalog = serde_json::from_str(text)
            .map_err(|e| err("(file)", format!("not a catalogue: {e}")))?;
        if c.format != CATALOG_FORMAT {
            return Err(err(
                "(file)",
                format!("format {:?}, expected {CATALOG_FORMAT}", c.format),
            ));
        }
        c.check_general().map_err(|(entry, m)| err(entry, m))?;
        let mut codes = BTreeSet::new();
        let mut grade_names = HashMap::new();
        for (i, e) in c.entries.iter().enumerate() {
            let id = if e.code.is_empty() {
                format!("entry {}", i + 1)
            } else {
                e.code.clone()
            };
            if e.code.is_empty() || !codes.insert(e.code.clone()) {
                return Err(err(&id, "missing or repeated code".into()));
            }
            check_entry(e).map_err(|m| err(&id, m))?;
            check_tiers(e, &c, &mut grade_names).map_err(|m| err(&id, m))?;
        }
        for e in &mut c.entries {
            e.initials = initials(&e.short);
        }
        Ok(c)
    }

    fn check_general(&self) -> Result<(), (&'static str, String)> {
        for (what, basis) in [
            ("simple_procedure", &self.simple_procedure.basis),
            ("hearing", &self.hearing.basis),
            ("legal_review", &self.legal_review.basis),
            ("education_basis", &self.education_basis),
        ] {
            if let Some(p) = basis.problem() {
                return Err((what, p));
            }
        }
        for ground in [Ground::Minor, Ground::FirstOffence, Ground::NoFault] {
            let n = self.art33.iter().filter(|g| g.ground == ground).count();
            if n != 1 {
                return Err((
                    "art33",
                    format!("{ground:?} must be listed once, found {n}"),
                ));
            }
        }
        for g in &self.art33 {
            if let Some(p) = g.basis.problem() {
                return Err(("art33", p));
            }
            if g.conditions.is_empty() || g.conditions_en.len() != g.conditions.len() {
                return Err((
                    "art33",
                    format!("{:?} needs its conditions, each in English too", g.ground),
                ));
            }
        }
        if self.discretion_sources.is_empty()
            || self
                .discretion_sources
                .values()
                .any(|s| s.title.trim().is_empty())
        {
            return Err(("discretion_sources", "every 裁量基准 needs a title".into()));
        }
        Ok(())
    }
}

fn range_ok(what: &str, r: &Range) -> Result<(), String> {
    if r.min > r.max {
        return Err(format!("{what} range {}–{} is reversed", r.min, r.max));
    }
    Ok(())
}

fn citation_ok(what: &str, c: &Citation) -> Result<(), String> {
    c.problem().map_or(Ok(()), |p| Err(format!("{what}: {p}")))
}

fn check_entry(e: &Entry) -> Result<(), String> {
    for (what, v) in [
        ("short", &e.short),
        ("short_en", &e.short_en),
        ("title", &e.title),
        ("title_en", &e.title_en),
    ] {
        if v.trim().is_empty() {
            return Err(format!("{what} is empty"));
        }
        if PLACEHOLDERS.iter().any(|p| v.contains(p)) {
            return Err(format!("{what} carries a placeholder"));
        }
    }
    if e.basis.is_empty() {
        return Err("no basis: cite the article (条, 款, 项)".into());
    }
    for b in &e.basis {
        citation_ok("basis", b)?;
    }
    if e.parties.is_empty() || e.parties.len() != e.parties.iter().collect::<BTreeSet<_>>().len() {
        return Err("parties must list person and/or organisation, once each".into());
    }
    range_ok("fine", &e.fine)?;
    if let Some(s) = &e.serious {
        range_ok("serious", s)?;
    }
    if let Some(g) = &e.gains {
        if g.threshold == 0 || g.multiple_min == 0 || g.multiple_min > g.multiple_max {
            return Err("gains: a threshold and multiples min ≤ max, all above 0".into());
        }
    }
    if let Some(p) = &e.per_excess {
        if p.unit_kg == 0 || p.yuan_per_unit == 0 || p.max == 0 {
            return Err("per_excess: unit, yuan per unit and cap must be above 0".into());
        }
    }
    if let Some(w) = &e.warning {
        citation_ok("warning", w)?;
    }
    if let Some(n) = &e.no_fault_excluded {
        citation_ok("no_fault_excluded", n)?;
    }
    for m in &e.measures {
        citation_ok("measure", &m.basis)?;
    }
    for s in &e.sanctions {
        if s.when == When::GainsOverThreshold && e.gains.is_none() {
            return Err(format!(
                "{} when gains exceed a threshold, but the entry has no gains rule",
                s.kind.zh()
            ));
        }
    }
    if let Some(np) = &e.no_penalty {
        if np.conditions.is_empty() {
            return Err("no-penalty entry without conditions".into());
        }
        if np.conditions_en.len() != np.conditions.len()
            || np.conditions_en.iter().any(|c| c.trim().is_empty())
        {
            return Err("conditions_en must give every condition in English, in order".into());
        }
    }
    if e.uncertain.as_ref().is_some_and(|u| u.trim().is_empty()) {
        return Err("uncertain must say why".into());
    }
    Ok(())
}

fn check_tiers(
    e: &Entry,
    c: &Catalog,
    grade_names: &mut HashMap<String, String>,
) -> Result<(), String> {
    if e.tiers.is_empty() {
        return Err("no discretion tiers".into());
    }
    let mut last: Option<(usize, &Tier)> = None;
    for t in &e.tiers {
        let Some(rank) = GRADES.iter().position(|g| *g == t.grade) else {
            return Err(format!(
                "unknown grade {:?} (use {})",
                t.grade,
                GRADES.join("、")
            ));
        };
        if t.grade_en.trim().is_empty() || t.when.trim().is_empty() || t.when_en.trim().is_empty() {
            return Err(format!("tier {} needs grade_en, when and when_en", t.grade));
        }
        match grade_names.get(&t.grade) {
            Some(en) if *en != t.grade_en => {
                return Err(format!(
                    "tier {} is called {:?} here but {en:?} elsewhere",
                    t.grade, t.grade_en
                ))
            }
            _ => {
                grade_names.insert(t.grade.clone(), t.grade_en.clone());
            }
        }
        if !c.discretion_sources.contains_key(&t.source) {
            return Err(format!(
                "tier {} cites 裁量基准 {:?}, which discretion_sources does not list",
                t.grade, t.source
            ));
        }
        if t.min > t.max {
            return Err(format!(
                "tier {} range {}–{} is reversed",
                t.grade, t.min, t.max
            ));
        }
        if let Some((last_rank, prev)) = last {
            if rank <= last_rank {
                return Err(format!("tier {} is out of order", t.grade));
            }
            if !prev.warning && t.min <= prev.max {
                return Err(format!(
                    "tier {} ({}–{}) overlaps tier {} ({}–{}): tiers must not overlap",
                    t.grade, t.min, t.max, prev.grade, prev.min, prev.max
                ));
            }
        }
        last = Some((rank, t));
        check_tier_range(e, t)?;
    }
    let serious_branch = e.serious.is_some() || e.sanctions.iter().any(|s| s.when == When::Serious);
    if serious_branch != e.tiers.iter().any(|t| t.serious) {
        return Err(if serious_branch {
            "the article has a 情节严重 branch: mark the tier that applies it (serious)".into()
        } else {
            "a tier is marked serious but the article has no 情节严重 branch".into()
        });
    }
    Ok(())
}

fn check_tier_range(e: &Entry, t: &Tier) -> Result<(), String> {
    if t.warning {
        if e.warning.is_none() {
            return Err(format!(
                "tier {} is a warning, but the article allows no warning (cite it in warning)",
                t.grade
            ));
        }
        if t.min != 0 || t.max != 0 {
            return Err(format!("warning tier {} must have range 0–0", t.grade));
        }
        return Ok(());
    }
    let (range, what) = match (t.serious, e.serious) {
        (true, Some(s)) => (s, "serious"),
        _ => (e.fine, "statutory"),
    };
    if t.min < range.min || t.max > range.max {
        return Err(format!(
            "tier {} range {}–{} leaves the {what} range {}–{}",
            t.grade, t.min, t.max, range.min, range.max
        ));
    }
    Ok(())
}
