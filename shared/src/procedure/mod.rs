//! The procedure's rules that are arithmetic: each deadline from its event
//! (law as data, `assets/procedure/deadlines.json`, counted on the
//! working-day calendar), the late-payment surcharge (行政处罚法 art. 72)
//! and the limitation period (art. 36). The state machine of the steps
//! builds on these.

pub mod acts;
mod deadlines;
pub mod legal_review;
pub mod machine;
#[cfg(test)]
mod machine_tests;
mod money;
mod payment;
#[cfg(test)]
mod payment_tests;
pub mod replay;
#[cfg(test)]
mod replay_tests;
pub mod service;
#[cfg(test)]
mod tests;
mod told;

pub use acts::{Paper, ProcedureAct};
pub use deadlines::{Deadline, DeadlineError, Deadlines, Event, Law, DEADLINES_FORMAT};
pub use legal_review::{Aspect, LegalOpinion, ReviewList, ReviewListError, ReviewPoint};
pub use machine::{CaseProcedure, Refusal, Running, Step, Taken, Track};
pub use money::{late_surcharge_fen, limitation_ends, Limitation};
pub use payment::{Ground, PaymentRules, PaymentRulesError, PAYMENT_FORMAT};
pub use replay::{replay, Refused, Replay};
pub use service::{ServiceMethod, ServiceNote};
pub use told::{Told, ToldAnswer, ToldError, ToldItem, When as ToldWhen, TOLD_FORMAT};
