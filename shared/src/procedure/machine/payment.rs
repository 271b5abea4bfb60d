//! Paying the fine after the decision: 暂缓或者分期缴纳 on the head's
//! approval (行政处罚法 art. 66 para. 2), the last day to pay without the
//! surcharge (art. 67 para. 3) and the 加处罚款 after it (art. 72).

use chrono::NaiveDate;

use super::{art, CaseProcedure, Refusal, Step};
use crate::calendar::{Calendar, Region};
use crate::procedure::Deadlines;

impl CaseProcedure {
    /// Longest run of instalments accepted (a typing guard, not law).
    pub const MAX_INSTALMENTS: u32 = 60;

    pub(super) fn check_deferral(
        &self,
        on: NaiveDate,
        until: NaiveDate,
        n: u32,
    ) -> Result<(), Refusal> {
        let basis = art(66, Some(2), None);
        if !self.has(|s| matches!(s, Step::Served)) {
            return Err(Refusal::new(
                "行政处罚决定书尚未送达，无须暂缓或分期缴纳",
                "the decision has not been served: there is nothing to defer yet",
                basis,
            ));
        }
        if self.has(|s| matches!(s, Step::Paid)) {
            return Err(Refusal::new(
                "罚款已缴纳，不能再暂缓或分期",
                "the fine is paid: it cannot be deferred",
                basis,
            ));
        }
        if until <= on {
            return Err(Refusal::new(
                "暂缓或分期缴纳的期限须晚于批准之日",
                "the deferred day must be after the approval",
                basis,
            ));
        }
        if n == 0 || n > Self::MAX_INSTALMENTS {
            return Err(Refusal::new(
                format!("分期期数须为 1–{} 期", Self::MAX_INSTALMENTS),
                format!("1–{} instalments", Self::MAX_INSTALMENTS),
                basis,
            ));
        }
        Ok(())
    }

    /// The last day to pay the fine without the surcharge: the approved
    /// deferral's day (art. 66 para. 2), otherwise 15 days from service
    /// (art. 67 para. 3); none before service or when the calendar lacks
    /// the year.
    pub fn payment_due(
        &self,
        calendar: &Calendar,
        deadlines: &Deadlines,
        region: Region,
    ) -> Option<NaiveDate> {
        if let Some(Step::PaymentDeferred { until, .. }) = self
            .last(|s| matches!(s, Step::PaymentDeferred { .. }))
            .map(|t| &t.step)
        {
            return Some(*until);
        }
        let served = self.last(|s| matches!(s, Step::Served))?;
        deadlines
            .get("payment")?
            .due(calendar, served.on, region)
            .ok()
    }

    /// 加处罚款 in fen on a fine of `fine_yuan` paid (or still unpaid) on
    /// `on`: 3 % a day after [`CaseProcedure::payment_due`], never more
    /// than the fine (art. 72 para. 1 item 1).
    pub fn surcharge_fen(
        &self,
        fine_yuan: u64,
        on: NaiveDate,
        (calendar, deadlines, region): (&Calendar, &Deadlines, Region),
    ) -> u64 {
        self.payment_due(calendar, deadlines, region)
            .map_or(0, |due| {
                crate::procedure::late_surcharge_fen(fine_yuan, due, on)
            })
    }
}
