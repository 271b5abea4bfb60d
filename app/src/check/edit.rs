//! Edits of a draft: the fields a screen can name, and one typed edit.

use fieldcase_shared::catalog::MeasureKind;
use fieldcase_shared::check::ItemResult;

use super::{Draft, Outcome, PartyKind, PenaltyKind, STEPS};

/// A field of the check that can hold an error or be typed into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    /// 车牌号.
    Plate,
    /// 车辆类型.
    VehicleKind,
    /// 道路运输证号.
    TransportCert,
    /// 身份证号.
    IdNumber,
    /// Name of the person or organisation.
    Name,
    /// Phone.
    Phone,
    /// 从业资格证号.
    Qualification,
    /// 统一社会信用代码.
    Uscc,
    /// 法定代表人.
    LegalRep,
    /// Place.
    Place,
    /// The checklist as a whole.
    Checklist,
    /// 检查结论.
    Outcome,
    /// Catalogue entry.
    Violation,
    /// Discretion tier.
    Grade,
    /// Fine amount.
    Amount,
    /// Illegal gains.
    Gains,
    /// Kilograms over the limit.
    ExcessKg,
    /// No-penalty answers.
    NoPenalty,
    /// 陈述申辩.
    Statement,
    /// Signatures.
    Signatures,
    /// The refusal's witness as a whole.
    Witness,
    /// Witness name.
    WitnessName,
    /// Witness ID.
    WitnessId,
    /// What the officers confirm they did in person (credentials, 告知).
    Told,
    /// The day the violation occurred or ended (行政处罚法 art. 36).
    ViolationEnded,
}

impl Field {
    /// Every field.
    pub const ALL: [Field; 25] = [
        Field::Plate,
        Field::VehicleKind,
        Field::TransportCert,
        Field::IdNumber,
        Field::Name,
        Field::Phone,
        Field::Qualification,
        Field::Uscc,
        Field::LegalRep,
        Field::Place,
        Field::Checklist,
        Field::Outcome,
        Field::Violation,
        Field::Grade,
        Field::Amount,
        Field::Gains,
        Field::ExcessKg,
        Field::NoPenalty,
        Field::Statement,
        Field::Signatures,
        Field::Witness,
        Field::WitnessName,
        Field::WitnessId,
        Field::Told,
        Field::ViolationEnded,
    ];

    /// The name the screens use for it.
    pub fn name(self) -> &'static str {
        match self {
            Field::Plate => "plate",
            Field::VehicleKind => "vehicle_kind",
            Field::TransportCert => "transport_cert",
            Field::IdNumber => "id_number",
            Field::Name => "name",
            Field::Phone => "phone",
            Field::Qualification => "qualification",
            Field::Uscc => "uscc",
            Field::LegalRep => "legal_rep",
            Field::Place => "place",
            Field::Checklist => "checklist",
            Field::Outcome => "outcome",
            Field::Violation => "violation",
            Field::Grade => "grade",
            Field::Amount => "amount",
            Field::Gains => "gains",
            Field::ExcessKg => "excess_kg",
            Field::NoPenalty => "no_penalty",
            Field::Statement => "statement",
            Field::Signatures => "signatures",
            Field::Witness => "witness",
            Field::WitnessName => "witness_name",
            Field::WitnessId => "witness_id",
            Field::Told => "told",
            Field::ViolationEnded => "violation_ended",
        }
    }

    /// The field a screen name stands for.
    pub fn parse(name: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|f| f.name() == name)
    }
}

/// One change made on a screen.
#[derive(Debug, Clone, PartialEq)]
pub enum Edit {
    /// Text typed (or a code chosen) into a field.
    Text(Field, String),
    /// Person or organisation.
    PartyKind(PartyKind),
    /// The outcome.
    Outcome(Outcome),
    /// Fine or warning.
    Penalty(PenaltyKind),
    /// Whether the party refuses to sign.
    PartyRefused(bool),
    /// Whether the five-year limitation applies (art. 36).
    LifeOrHealth(bool),
    /// A checklist item answered.
    Check(String, ItemResult),
    /// A no-penalty condition answered.
    NoPenalty(usize, bool),
    /// An item of `assets/procedure/told.json` confirmed (or not).
    Told(String, bool),
    /// A compulsory measure taken (or not).
    Measure(MeasureKind, bool),
}

impl Edit {
    /// Reads an edit as a screen sends it: a field name (`check:<item>` for a
    /// checklist item, `np:<n>` for a no-penalty condition, `told:<item>`
    /// for a thing done in person) and a value.
    /// None for anything else: a screen cannot set what is not listed here.
    pub fn parse(field: &str, value: &str) -> Option<Edit> {
        let yes = |v: &str| match v {
            "yes" => Some(true),
            "no" => Some(false),
            _ => None,
        };
        if let Some(item) = field.strip_prefix("check:") {
            return Some(Edit::Check(item.to_owned(), ItemResult::parse(value)?));
        }
        if let Some(item) = field.strip_prefix("told:") {
            return Some(Edit::Told(item.to_owned(), yes(value)?));
        }
        if let Some(n) = field.strip_prefix("np:") {
            return Some(Edit::NoPenalty(n.parse().ok()?, yes(value)?));
        }
        Some(match field {
            "party_kind" => Edit::PartyKind(match value {
                "person" => PartyKind::Person,
                "organisation" => PartyKind::Organisation,
                _ => return None,
            }),
            "outcome" => Edit::Outcome(match value {
                "violation" => Outcome::Violation,
                "no_violation" => Outcome::NoViolation,
                _ => return None,
            }),
            "penalty" => Edit::Penalty(match value {
                "fine" => PenaltyKind::Fine,
                "warning" => PenaltyKind::Warning,
                _ => return None,
            }),
            "party_refused" => Edit::PartyRefused(yes(value)?),
            "life_or_health" => Edit::LifeOrHealth(yes(value)?),
            "measure:tow_away" => Edit::Measure(MeasureKind::TowAway, yes(value)?),
            "measure:detain_vehicle" => Edit::Measure(MeasureKind::DetainVehicle, yes(value)?),
            f => Edit::Text(Field::parse(f)?, value.to_owned()),
        })
    }
}

impl Draft {
    fn text_mut(&mut self, f: Field) -> Option<&mut String> {
        Some(match f {
            Field::Plate => &mut self.plate,
            Field::VehicleKind => &mut self.vehicle_kind,
            Field::TransportCert => &mut self.transport_cert,
            Field::IdNumber => &mut self.id_number,
            Field::Name => &mut self.name,
            Field::Phone => &mut self.phone,
            Field::Qualification => &mut self.qualification,
            Field::Uscc => &mut self.uscc,
            Field::LegalRep => &mut self.legal_rep,
            Field::Place => &mut self.place,
            Field::Violation => &mut self.violation,
            Field::Grade => &mut self.grade,
            Field::Amount => &mut self.amount,
            Field::Gains => &mut self.gains,
            Field::ExcessKg => &mut self.excess_kg,
            Field::Statement => &mut self.statement,
            Field::WitnessName => &mut self.witness_name,
            Field::WitnessId => &mut self.witness_id,
            Field::ViolationEnded => &mut self.violation_ended,
            Field::Checklist
            | Field::Outcome
            | Field::NoPenalty
            | Field::Signatures
            | Field::Told
            | Field::Witness => return None,
        })
    }

    /// Applies one edit. Changing the violation clears the decision made
    /// for the previous one.
    pub fn apply(&mut self, edit: Edit) {
        match edit {
            Edit::Text(Field::Violation, v) => {
                if self.violation != v {
                    self.grade.clear();
                    self.amount.clear();
                    self.gains.clear();
                    self.excess_kg.clear();
                    self.no_penalty.clear();
                    self.penalty = PenaltyKind::Fine;
                }
                self.violation = v;
            }
            Edit::Text(f, v) => {
                if let Some(t) = self.text_mut(f) {
                    *t = v;
                }
            }
            Edit::PartyKind(k) => self.party_kind = k,
            Edit::Outcome(o) => self.outcome = Some(o),
            Edit::Penalty(p) => self.penalty = p,
            Edit::PartyRefused(r) => self.party_refused = r,
            Edit::LifeOrHealth(y) => self.life_or_health = y,
            Edit::Measure(m, true) => {
                self.measures.insert(m);
            }
            Edit::Measure(m, false) => {
                self.measures.remove(&m);
            }
            Edit::Check(item, r) => {
                self.checklist.insert(item, r);
            }
            Edit::Told(item, yes) => {
                if yes && item.len() <= 40 {
                    self.told.insert(item);
                } else {
                    self.told.remove(&item);
                }
            }
            Edit::NoPenalty(i, yes) => {
                if i < 64 {
                    if self.no_penalty.len() <= i {
                        self.no_penalty.resize(i + 1, None);
                    }
                    self.no_penalty[i] = Some(yes);
                }
            }
        }
    }

    /// Moves to the next (or previous) step that applies to this check.
    pub fn move_step(&mut self, forward: bool) {
        let mut s = self.step as i64;
        loop {
            s += if forward { 1 } else { -1 };
            if s < 0 || s >= STEPS.len() as i64 {
                return;
            }
            if self.step_applies(s as usize) {
                self.step = s as usize;
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn screens_name_fields_and_choices_that_exist() {
        for f in Field::ALL {
            assert_eq!(Field::parse(f.name()), Some(f));
        }
        assert_eq!(Edit::parse("outcome", "maybe"), None);
        assert_eq!(Edit::parse("nonsense", "x"), None);
        assert_eq!(
            Edit::parse("check:a", "ok"),
            Some(Edit::Check("a".into(), ItemResult::Ok))
        );
        assert_eq!(Edit::parse("np:1", "no"), Some(Edit::NoPenalty(1, false)));
        let mut d = Draft::default();
        d.apply(Edit::parse("plate", "新A1").unwrap());
        d.apply(Edit::NoPenalty(100_000, true));
        assert_eq!((d.plate.as_str(), d.no_penalty.len()), ("新A1", 0));
    }
}
