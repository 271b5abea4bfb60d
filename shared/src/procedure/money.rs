//! Money and time limits of 行政处罚法: the late-payment surcharge
//! (art. 72 para. 1 item 1) and the limitation period (art. 36).

use chrono::{Months, NaiveDate};

/// The surcharge in fen (1/100 yuan) on a fine of `fine_yuan` due on
/// `due` and paid on `paid`: 3 % of the fine for every day after the due
/// day, never more than the fine itself (行政处罚法 art. 72 para. 1
/// item 1). Nothing when paid on or before the due day.
pub fn late_surcharge_fen(fine_yuan: u64, due: NaiveDate, paid: NaiveDate) -> u64 {
    let days = (paid - due).num_days().max(0) as u64;
    // 3 % a day of fine_yuan × 100 fen = fine_yuan × 3 fen a day.
    fine_yuan
        .saturating_mul(3)
        .saturating_mul(days)
        .min(fine_yuan.saturating_mul(100))
}

/// Which limitation period applies (行政处罚法 art. 36).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limitation {
    /// Two years.
    Ordinary,
    /// Five years: the violation concerns citizens' life, health or
    /// safety, or financial security, and had harmful consequences.
    LifeOrHealth,
}

/// The last day on which a violation that occurred (or, if continuing,
/// ended) on `ended` can still be discovered and punished.
pub fn limitation_ends(ended: NaiveDate, kind: Limitation) -> NaiveDate {
    let months = match kind {
        Limitation::Ordinary => 24,
        Limitation::LifeOrHealth => 60,
    };
    ended
        .checked_add_months(Months::new(months))
        .unwrap_or(NaiveDate::MAX)
}
