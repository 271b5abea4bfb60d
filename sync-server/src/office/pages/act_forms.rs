//! The forms of the bureau's steps: what each asks (labels in both
//! languages, the kind of input), and how a submitted form becomes the
//! step and its document ([`ActInput`]) that `office::acts::sign` checks
//! against the law before signing. Nothing here decides what the law
//! allows; a form only says what is missing or malformed, by its label.

use std::collections::HashMap;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime};
use fieldcase_shared::procedure::acts::{
    ClosingReport, Decision, Filing, HearingNotice, HearingRecord, NoPenalty, Notice, OverturnKind,
    Overturning, Withdrawal, Withholding,
};
use fieldcase_shared::procedure::{
    Aspect, LegalOpinion, Paper, ReviewPoint, ServiceMethod, ServiceNote, Step,
};
use fieldcase_shared::publication::WithholdReason;

use crate::office::acts::ActInput;
use crate::office::i18n::Lang;

/// How a field is entered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input {
    /// One line.
    Text,
    /// Several lines.
    Area,
    /// A day (`YYYY-MM-DD`).
    Date,
    /// A moment (`YYYY-MM-DDTHH:MM`, Beijing time).
    Moment,
    /// Whole yuan.
    Yuan,
    /// A whole number.
    Count,
    /// Yes or no.
    Check,
    /// One of the 送达 methods.
    Method,
    /// One of the reasons not to publish.
    Withhold,
    /// How a decision was overturned.
    Overturn,
    /// The seven aspects of the legal review, each agreed or not with a
    /// reason (`agree_<id>`, `reason_<id>`).
    Aspects,
}

/// A field of a form.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    /// Its form name.
    pub name: &'static str,
    /// Its label (Chinese, English).
    pub label: (&'static str, &'static str),
    /// How it is entered.
    pub input: Input,
    /// It must be filled.
    pub required: bool,
}

const fn f(name: &'static str, zh: &'static str, en: &'static str, input: Input) -> Field {
    Field {
        name,
        label: (zh, en),
        input,
        required: !matches!(input, Input::Check),
    }
}

const fn optional(name: &'static str, zh: &'static str, en: &'static str, input: Input) -> Field {
    Field {
        name,
        label: (zh, en),
        input,
        required: false,
    }
}

/// A step's form.
#[derive(Debug, Clone, Copy)]
pub struct Form {
    /// Its key (`filed`, `decided_no_penalty`…).
    pub key: &'static str,
    /// The fields beyond the day and the officers.
    pub fields: &'static [Field],
}

const FACTS: Field = f("facts", "违法事实", "Facts", Input::Area);
const BASIS: Field = f("basis", "依据", "Basis", Input::Area);
const ADDRESS: Field = f("address", "当事人地址", "Party's address", Input::Text);

/// Every form, in the order of the procedure.
pub const FORMS: &[Form] = &[
    Form {
        key: "filed",
        fields: &[
            f("source", "案件来源", "Source of the case", Input::Text),
            f("facts", "简要案情", "Summary", Input::Area),
            f("opinion", "承办人意见", "Officers' opinion", Input::Area),
            f("approval", "负责人审批意见", "Head's approval", Input::Area),
        ],
    },
    Form {
        key: "preservation_decided",
        fields: &[],
    },
    Form {
        key: "measure_approved",
        fields: &[f(
            "approved",
            "批准（不勾选即不予批准，须立即解除）",
            "Approved (unticked: not approved, to be released at once)",
            Input::Check,
        )],
    },
    Form {
        key: "measure_extended",
        fields: &[f("until", "延长至", "Extended to", Input::Date)],
    },
    Form {
        key: "measure_ended",
        fields: &[],
    },
    Form {
        key: "notice_served",
        fields: &[
            FACTS,
            BASIS,
            f("proposed", "拟作出的行政处罚", "Penalty proposed", Input::Area),
            f("respond_by", "陈述申辩期限", "Respond by", Input::Date),
            optional(
                "hearing_by",
                "申请听证期限（告知听证权利时填写）",
                "Ask for a hearing by (when a hearing is offered)",
                Input::Date,
            ),
            f("contact", "联系方式", "Contact", Input::Text),
        ],
    },
    Form {
        key: "statement_heard",
        fields: &[f(
            "closed",
            "当事人已陈述申辩完毕或明确放弃",
            "The party has said all it will, or waived",
            Input::Check,
        )],
    },
    Form {
        key: "hearing_requested",
        fields: &[],
    },
    Form {
        key: "hearing_waived",
        fields: &[],
    },
    Form {
        key: "hearing_noticed",
        fields: &[
            f("at", "听证时间", "Hearing at", Input::Moment),
            f("place", "听证地点", "Place", Input::Text),
            f("host", "听证主持人", "Host", Input::Text),
            f("public", "公开举行", "Held in public", Input::Check),
        ],
    },
    Form {
        key: "hearing_held",
        fields: &[
            f("started_at", "听证开始时间", "Hearing began", Input::Moment),
            f("ended_at", "听证结束时间", "Hearing ended", Input::Moment),
            f("place", "听证地点", "Place", Input::Text),
            f("host", "听证主持人", "Host", Input::Text),
            f("recorder", "记录员", "Recorder", Input::Text),
            f("attendees", "当事人及其代理人", "Party and its agents", Input::Text),
            f(
                "case_put",
                "调查人员提出的违法事实、证据和处罚建议",
                "Facts, evidence and penalty put by the investigators",
                Input::Area,
            ),
            f(
                "defence",
                "当事人陈述、申辩和质证",
                "The party's statement, defence and questions",
                Input::Area,
            ),
            f("last_word", "最后陈述", "Last word", Input::Area),
        ],
    },
    Form {
        key: "legal_reviewed",
        fields: &[
            f("aspects", "审核意见", "Opinion", Input::Aspects),
            f("conclusion", "审核结论", "Conclusion", Input::Area),
        ],
    },
    Form {
        key: "collectively_discussed",
        fields: &[],
    },
    Form {
        key: "extended",
        fields: &[f("until", "延长至", "Extended to", Input::Date)],
    },
    Form {
        key: "decided",
        fields: &[
            ADDRESS,
            FACTS,
            f("evidence", "证据（每行一项）", "Evidence (one per line)", Input::Area),
            BASIS,
            f("penalty", "处罚的种类", "Penalty", Input::Area),
            f("fine_yuan", "罚款金额（元，无罚款填 0）", "Fine (yuan, 0 for none)", Input::Yuan),
            f("performance", "履行方式和期限", "How and by when to perform", Input::Area),
        ],
    },
    Form {
        key: "decided_no_penalty",
        fields: &[
            ADDRESS,
            FACTS,
            f("reason", "不予处罚的理由", "Why no penalty", Input::Area),
            BASIS,
        ],
    },
    Form {
        key: "served",
        fields: &[
            f("document", "送达文书", "Document served", Input::Text),
            f("method", "送达方式", "Method", Input::Method),
            f("recipient", "受送达人", "Recipient", Input::Text),
            f("served_at", "送达时间", "Served at", Input::Moment),
            f("place", "送达地点", "Place", Input::Text),
            f(
                "detail",
                "送达情况（留置：见证人；邮寄：邮件号；公告：原因和载体；电子：确认书编号和地址）",
                "Details (left: witnesses; post: item number; announcement: why and where; electronic: consent number and address)",
                Input::Area,
            ),
        ],
    },
    Form {
        key: "payment_deferred",
        fields: &[
            f("until", "缴纳期限至", "Pay by", Input::Date),
            f("instalments", "期数（1 为延期缴纳）", "Instalments (1: deferred)", Input::Count),
        ],
    },
    Form {
        key: "paid",
        fields: &[],
    },
    Form {
        key: "closed",
        fields: &[
            f("outcome", "处理结果", "Outcome", Input::Area),
            f("execution", "执行情况", "Execution", Input::Area),
        ],
    },
    // 双公示: the entry is built by the server from the case file, masked;
    // the form only confirms it.
    Form {
        key: "published",
        fields: &[],
    },
    Form {
        key: "publication_withheld",
        fields: &[
            f("reason", "不予公示的情形", "Why not published", Input::Withhold),
            f("note", "说明（涉及的内容）", "Note (what it concerns)", Input::Area),
        ],
    },
    Form {
        key: "overturned",
        fields: &[
            f("how", "决定被", "The decision was", Input::Overturn),
            f(
                "by",
                "作出机关和文书（复议决定书、判决书及文号）",
                "Authority and document (review decision, judgment, number)",
                Input::Area,
            ),
        ],
    },
    Form {
        key: "publication_withdrawn",
        fields: &[f(
            "reason",
            "撤回理由（将随撤回公开）",
            "Reason (made public with the withdrawal)",
            Input::Area,
        )],
    },
];

/// The forms of the decision's publication, which stay open after 结案.
pub fn is_publication(key: &str) -> bool {
    matches!(
        key,
        "published" | "publication_withheld" | "overturned" | "publication_withdrawn"
    )
}

/// The form `key`.
pub fn form(key: &str) -> Option<&'static Form> {
    FORMS.iter().find(|f| f.key == key)
}

/// What is wrong with a submitted form: the field, by its label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormError {
    /// In Chinese.
    pub zh: String,
    /// In English.
    pub en: String,
}

impl FormError {
    /// In `lang`.
    pub fn text(&self, lang: Lang) -> &str {
        match lang {
            Lang::Zh => &self.zh,
            Lang::En => &self.en,
        }
    }
}

/// The submitted values, by name.
pub type Values = HashMap<String, String>;

struct Reader<'a> {
    values: &'a Values,
    /// The form sent: a field's label is its own (`reason` differs
    /// between forms).
    form: &'a Form,
}

impl Reader<'_> {
    fn raw(&self, name: &str) -> &str {
        self.values.get(name).map(|s| s.trim()).unwrap_or("")
    }

    fn label(&self, name: &str) -> (&'static str, &'static str) {
        self.form
            .fields
            .iter()
            .find(|x| x.name == name)
            .map(|x| x.label)
            .unwrap_or(("日期", "day"))
    }

    fn bad(&self, name: &str, zh: &str, en: &str) -> FormError {
        let (lz, le) = self.label(name);
        FormError {
            zh: format!("“{lz}”{zh}"),
            en: format!("“{le}” {en}"),
        }
    }

    fn text(&self, name: &str) -> Result<String, FormError> {
        let v = self.raw(name);
        if v.is_empty() {
            return Err(self.bad(name, "未填写", "is empty"));
        }
        Ok(v.to_owned())
    }

    fn check(&self, name: &str) -> bool {
        matches!(self.raw(name), "on" | "yes" | "true" | "1")
    }

    fn date(&self, name: &str) -> Result<NaiveDate, FormError> {
        let v = self.text(name)?;
        NaiveDate::parse_from_str(&v, "%Y-%m-%d")
            .map_err(|_| self.bad(name, "不是日期（年-月-日）", "is not a day (YYYY-MM-DD)"))
    }

    fn optional_date(&self, name: &str) -> Result<Option<NaiveDate>, FormError> {
        if self.raw(name).is_empty() {
            Ok(None)
        } else {
            self.date(name).map(Some)
        }
    }

    fn moment(&self, name: &str) -> Result<DateTime<FixedOffset>, FormError> {
        let v = self.text(name)?;
        let bj = FixedOffset::east_opt(8 * 3600).expect("UTC+8");
        ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]
            .iter()
            .find_map(|f| NaiveDateTime::parse_from_str(&v, f).ok())
            .and_then(|t| t.and_local_timezone(bj).single())
            .ok_or_else(|| {
                self.bad(
                    name,
                    "不是时间（年-月-日 时:分，北京时间）",
                    "is not a time (YYYY-MM-DD HH:MM, Beijing)",
                )
            })
    }

    fn number(&self, name: &str, max: u64) -> Result<u64, FormError> {
        let v = self.text(name)?;
        v.parse::<u64>().ok().filter(|n| *n <= max).ok_or_else(|| {
            self.bad(
                name,
                &format!("应为 0–{max} 的整数"),
                &format!("is a whole number 0–{max}"),
            )
        })
    }

    fn lines(&self, name: &str) -> Result<Vec<String>, FormError> {
        Ok(self
            .text(name)?
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect())
    }

    fn withhold(&self) -> Result<WithholdReason, FormError> {
        WithholdReason::parse(self.raw("reason"))
            .ok_or_else(|| self.bad("reason", "不在代码表中", "is not in the code list"))
    }

    fn overturn(&self) -> Result<OverturnKind, FormError> {
        OverturnKind::parse(self.raw("how"))
            .ok_or_else(|| self.bad("how", "不在代码表中", "is not in the code list"))
    }

    fn method(&self) -> Result<ServiceMethod, FormError> {
        ServiceMethod::parse(self.raw("method"))
            .ok_or_else(|| self.bad("method", "不在代码表中", "is not in the code list"))
    }

    fn opinion(&self) -> Result<LegalOpinion, FormError> {
        let mut points = Vec::new();
        for a in Aspect::ALL {
            let agreed = match self.raw(&format!("agree_{}", a.id())) {
                "yes" => true,
                "no" => false,
                _ => {
                    let (zh, en) = a.name();
                    return Err(FormError {
                        zh: format!("“{zh}”未选择同意或不同意"),
                        en: format!("“{en}”: choose agree or disagree"),
                    });
                }
            };
            points.push(ReviewPoint {
                aspect: a,
                agreed,
                // An empty reason is named by the opinion's own check.
                reason: self.raw(&format!("reason_{}", a.id())).to_owned(),
            });
        }
        Ok(LegalOpinion {
            points,
            conclusion: self.text("conclusion")?,
            // The signer puts the account's number here.
            qualification: String::new(),
        })
    }
}

/// The officers a form names (`by`), split at commas and 、.
fn officers(v: &str) -> Vec<String> {
    v.split([',', '，', '、', ' '])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The step and its document from a submitted form.
pub fn input(form: &Form, values: &Values) -> Result<ActInput, FormError> {
    let r = Reader { values, form };
    let (step, paper) = step_of(form.key, &r)?;
    Ok(ActInput {
        step,
        on: r.optional_date("on")?,
        by: officers(r.raw("by")),
        paper,
    })
}

fn step_of(key: &str, r: &Reader<'_>) -> Result<(Step, Option<Paper>), FormError> {
    Ok(match key {
        "filed" => (
            Step::Filed {
                approved_by: String::new(),
            },
            Some(Paper::Filing(Filing {
                source: r.text("source")?,
                facts: r.text("facts")?,
                opinion: r.text("opinion")?,
                approval: r.text("approval")?,
            })),
        ),
        "preservation_decided" => (Step::PreservationDecided, None),
        "measure_approved" => (
            Step::MeasureApproved {
                approved: r.check("approved"),
            },
            None,
        ),
        "measure_extended" => (
            Step::MeasureExtended {
                until: r.date("until")?,
            },
            None,
        ),
        "measure_ended" => (Step::MeasureEnded, None),
        "notice_served" => {
            let hearing_by = r.optional_date("hearing_by")?;
            (
                Step::NoticeServed {
                    hearing_offered: hearing_by.is_some(),
                },
                Some(Paper::Notice(Notice {
                    facts: r.text("facts")?,
                    basis: r.text("basis")?,
                    proposed: r.text("proposed")?,
                    respond_by: r.date("respond_by")?,
                    hearing_by,
                    contact: r.text("contact")?,
                })),
            )
        }
        "statement_heard" => (
            Step::StatementHeard {
                closed: r.check("closed"),
            },
            None,
        ),
        "hearing_requested" => (Step::HearingRequested, None),
        "hearing_waived" => (Step::HearingWaived, None),
        "hearing_noticed" => {
            let at = r.moment("at")?;
            (
                Step::HearingNoticed {
                    hearing_on: at.date_naive(),
                },
                Some(Paper::HearingNotice(HearingNotice {
                    at,
                    place: r.text("place")?,
                    host: r.text("host")?,
                    public: r.check("public"),
                })),
            )
        }
        "hearing_held" => {
            let started_at = r.moment("started_at")?;
            (
                Step::HearingHeld,
                Some(Paper::HearingRecord(HearingRecord {
                    started_at,
                    ended_at: r.moment("ended_at")?,
                    place: r.text("place")?,
                    host: r.text("host")?,
                    recorder: r.text("recorder")?,
                    attendees: r.text("attendees")?,
                    case_put: r.text("case_put")?,
                    defence: r.text("defence")?,
                    last_word: r.text("last_word")?,
                })),
            )
        }
        "legal_reviewed" => {
            let o = r.opinion()?;
            (
                Step::LegalReviewed { passed: o.agreed() },
                Some(Paper::LegalOpinion(o)),
            )
        }
        "collectively_discussed" => (Step::CollectivelyDiscussed, None),
        "extended" => (
            Step::Extended {
                until: r.date("until")?,
            },
            None,
        ),
        "decided" => (
            Step::Decided,
            Some(Paper::Decision(Decision {
                address: r.text("address")?,
                facts: r.text("facts")?,
                evidence: r.lines("evidence")?,
                basis: r.text("basis")?,
                penalty: r.text("penalty")?,
                fine_yuan: r.number("fine_yuan", 100_000_000)?,
                performance: r.text("performance")?,
            })),
        ),
        "decided_no_penalty" => (
            Step::Decided,
            Some(Paper::NoPenalty(NoPenalty {
                address: r.text("address")?,
                facts: r.text("facts")?,
                reason: r.text("reason")?,
                basis: r.text("basis")?,
            })),
        ),
        "served" => (
            Step::Served,
            Some(Paper::ServiceReceipt(ServiceNote {
                document: r.text("document")?,
                method: r.method()?,
                recipient: r.text("recipient")?,
                served_at: r.moment("served_at")?,
                place: r.text("place")?,
                detail: r.raw("detail").to_owned(),
            })),
        ),
        "payment_deferred" => (
            Step::PaymentDeferred {
                until: r.date("until")?,
                instalments: r.number("instalments", 1000)? as u32,
            },
            None,
        ),
        "paid" => (Step::Paid, None),
        "closed" => (
            Step::Closed,
            Some(Paper::ClosingReport(ClosingReport {
                outcome: r.text("outcome")?,
                execution: r.text("execution")?,
            })),
        ),
        // The signer builds the entry from the case file.
        "published" => (Step::Published, None),
        "publication_withheld" => (
            Step::PublicationWithheld,
            Some(Paper::Withholding(Withholding {
                reason: r.withhold()?,
                note: r.text("note")?,
            })),
        ),
        "overturned" => (
            Step::Overturned,
            Some(Paper::Overturning(Overturning {
                how: r.overturn()?,
                by: r.text("by")?,
            })),
        ),
        "publication_withdrawn" => (
            Step::PublicationWithdrawn,
            Some(Paper::Withdrawal(Withdrawal {
                reason: r.text("reason")?,
            })),
        ),
        _ => {
            return Err(FormError {
                zh: "没有这一步骤".into(),
                en: "no such step".into(),
            })
        }
    })
}

/// A step of the form's kind with placeholder content, to ask the state
/// machine whether that step could be taken now (its fields' own checks
/// come when the form is sent).
pub fn probe(key: &str, today: NaiveDate) -> Option<Step> {
    Some(match key {
        "filed" => Step::Filed {
            approved_by: String::new(),
        },
        "preservation_decided" => Step::PreservationDecided,
        "measure_approved" => Step::MeasureApproved { approved: true },
        "measure_extended" => Step::MeasureExtended { until: today },
        "measure_ended" => Step::MeasureEnded,
        "notice_served" => Step::NoticeServed {
            hearing_offered: false,
        },
        "statement_heard" => Step::StatementHeard { closed: true },
        "hearing_requested" => Step::HearingRequested,
        "hearing_waived" => Step::HearingWaived,
        "hearing_noticed" => Step::HearingNoticed {
            hearing_on: today + chrono::Days::new(30),
        },
        "hearing_held" => Step::HearingHeld,
        "legal_reviewed" => Step::LegalReviewed { passed: true },
        "collectively_discussed" => Step::CollectivelyDiscussed,
        "extended" => Step::Extended {
            until: today + chrono::Days::new(30),
        },
        "decided" | "decided_no_penalty" => Step::Decided,
        "served" => Step::Served,
        "payment_deferred" => Step::PaymentDeferred {
            until: today + chrono::Days::new(30),
            instalments: 1,
        },
        "paid" => Step::Paid,
        "closed" => Step::Closed,
        "published" => Step::Published,
        "publication_withheld" => Step::PublicationWithheld,
        "overturned" => Step::Overturned,
        "publication_withdrawn" => Step::PublicationWithdrawn,
        _ => return None,
    })
}

/// Steps about something the case may not have (a compulsory measure, a
/// preservation): their forms are offered only when the law allows them
/// now, so a case without one does not list them.
pub fn only_when_allowed(key: &str) -> bool {
    matches!(
        key,
        "preservation_decided" | "measure_approved" | "measure_extended" | "measure_ended"
    )
}

/// The form's title.
pub fn title(key: &str, lang: Lang) -> String {
    let name = match key {
        "decided" => ("作出行政处罚决定", "Decide a penalty"),
        "decided_no_penalty" => ("作出不予行政处罚决定", "Decide no penalty"),
        "served" => ("送达决定书", "Serve the decision"),
        other => probe(other, NaiveDate::default())
            .map(|s| s.name())
            .unwrap_or(("?", "?")),
    };
    match lang {
        Lang::Zh => name.0.to_owned(),
        Lang::En => name.1.to_owned(),
    }
}

#[cfg(test)]
#[path = "act_forms_tests.rs"]
mod tests;
