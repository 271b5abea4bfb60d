//! Edits of a draft as they come from the screen.

use super::{Draft, STEPS};

impl Draft {
    /// Applies one edit from the screen: `field` is a draft field name,
    /// `check:<item>` for a checklist item or `np:<n>` for a no-penalty
    /// answer; unknown fields are ignored. Changing the violation clears
    /// the decision made for the previous one.
    pub fn set(&mut self, field: &str, value: &str) {
        let v = value.to_owned();
        match field {
            "plate" => self.plate = v,
            "vehicle_kind" => self.vehicle_kind = v,
            "transport_cert" => self.transport_cert = v,
            "party_kind" => self.party_kind = v,
            "id_number" => self.id_number = v,
            "name" => self.name = v,
            "phone" => self.phone = v,
            "qualification" => self.qualification = v,
            "uscc" => self.uscc = v,
            "legal_rep" => self.legal_rep = v,
            "place" => self.place = v,
            "outcome" => self.outcome = v,
            "violation" => {
                if self.violation != v {
                    self.grade.clear();
                    self.amount.clear();
                    self.no_penalty.clear();
                    self.penalty = "fine".into();
                }
                self.violation = v;
            }
            "grade" => self.grade = v,
            "penalty" => self.penalty = v,
            "amount" => self.amount = v,
            "statement" => self.statement = v,
            "party_refused" => self.party_refused = v == "yes",
            "witness_name" => self.witness_name = v,
            "witness_id" => self.witness_id = v,
            f if f.starts_with("check:") => {
                self.checklist.insert(f["check:".len()..].to_owned(), v);
            }
            f if f.starts_with("np:") => {
                if let Ok(i) = f["np:".len()..].parse::<usize>() {
                    if self.no_penalty.len() <= i {
                        self.no_penalty.resize(i + 1, String::new());
                    }
                    self.no_penalty[i] = v;
                }
            }
            _ => {}
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
