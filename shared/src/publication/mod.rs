//! 双公示: what of a penalty decision the bureau publishes, and how.
//!
//! The rules are law as data (`assets/publication/rules.json`, format
//! `fieldcase-publication/1`, validated at load): which procedures'
//! decisions are published, for how long, when a decision is withheld
//! (a minor party, state or commercial secrets, privacy), the fields of
//! the national 行政处罚 credit-information format, and how a natural
//! person's details are masked. [`entry::build`] turns a decision into
//! the entry exactly as published — every field masked — and the
//! `published` act signs that entry, so what was published is provable.
//! The deadlines (7 working days to publish, 3 to withdraw after the
//! decision is overturned: 行政处罚法 art. 48, 85) are in
//! `assets/procedure/deadlines.json` and run in the procedure's state
//! machine.

pub mod entry;
pub mod mask;
pub mod rules;

#[cfg(test)]
mod tests;

pub use entry::{build, Decided, PartyKind, PublicationEntry};
pub use mask::Masker;
pub use rules::{PublicationRules, RulesError, WithholdReason};
