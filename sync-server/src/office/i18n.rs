//! The office's words in Simplified Chinese (the default) and English.
//! Every page takes one [`Texts`]; a missing word is a compile error.

use chrono::{DateTime, FixedOffset, Utc};

/// The page language, from the `fieldcase_lang` cookie.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// 简体中文.
    #[default]
    Zh,
    /// English.
    En,
}

impl Lang {
    /// From the cookie's value; anything else is Chinese.
    pub fn from_cookie(v: &str) -> Lang {
        if v == "en" {
            Lang::En
        } else {
            Lang::Zh
        }
    }

    /// The words.
    pub fn texts(self) -> &'static Texts {
        match self {
            Lang::Zh => &ZH,
            Lang::En => &EN,
        }
    }

    /// A case state's name in this language.
    pub fn state(self, s: fieldcase_shared::review::CaseState) -> &'static str {
        match self {
            Lang::Zh => s.zh(),
            Lang::En => s.en(),
        }
    }

    /// A review step's name in this language.
    pub fn step(self, s: fieldcase_shared::review::ReviewStep) -> &'static str {
        match self {
            Lang::Zh => s.zh(),
            Lang::En => s.en(),
        }
    }

    /// The role's name in this language.
    pub fn role(self, r: fieldcase_shared::staff::Role) -> &'static str {
        match self {
            Lang::Zh => r.zh(),
            Lang::En => r.en(),
        }
    }
}

/// Beijing time (UTC+8), to the minute, as the office shows every time.
pub fn beijing(t: DateTime<Utc>) -> String {
    let bj = FixedOffset::east_opt(8 * 3600).expect("UTC+8");
    t.with_timezone(&bj).format("%Y-%m-%d %H:%M").to_string()
}

/// A time the device recorded (RFC 3339), in Beijing time; as stored when
/// it does not parse.
pub fn beijing_text(t: &str) -> String {
    DateTime::parse_from_rfc3339(t)
        .map(|t| beijing(t.with_timezone(&Utc)))
        .unwrap_or_else(|_| t.to_owned())
}

/// Every word the office shows.
#[derive(Debug)]
pub struct Texts {
    pub html_lang: &'static str,
    pub title: &'static str,
    pub other_lang: &'static str,
    pub other_lang_code: &'static str,
    pub login: &'static str,
    pub logout: &'static str,
    pub username: &'static str,
    pub password: &'static str,
    pub login_failed: &'static str,
    pub login_locked: &'static str,
    pub login_limited: &'static str,
    pub login_expired: &'static str,
    pub cases: &'static str,
    pub audit: &'static str,
    pub search: &'static str,
    pub search_hint: &'static str,
    pub state: &'static str,
    pub any: &'static str,
    pub officer: &'static str,
    pub date_from: &'static str,
    pub date_to: &'static str,
    pub filter: &'static str,
    pub case_no: &'static str,
    pub occurred_at: &'static str,
    pub place: &'static str,
    pub plate: &'static str,
    pub party: &'static str,
    pub violation: &'static str,
    pub none: &'static str,
    pub evidence: &'static str,
    pub corrections: &'static str,
    pub found: &'static str,
    pub no_cases: &'static str,
    pub previous: &'static str,
    pub next: &'static str,
    pub records: &'static str,
    pub record_kind: &'static str,
    pub signer: &'static str,
    pub device: &'static str,
    pub made_at: &'static str,
    pub received_at: &'static str,
    pub verification: &'static str,
    pub verified: &'static str,
    pub not_verified: &'static str,
    pub media_type: &'static str,
    pub size: &'static str,
    pub sha256: &'static str,
    pub category: &'static str,
    pub description: &'static str,
    pub corrected_field: &'static str,
    pub old_value: &'static str,
    pub new_value: &'static str,
    pub reason: &'static str,
    pub answers_return: &'static str,
    pub review: &'static str,
    pub review_hint: &'static str,
    pub return_reason: &'static str,
    pub return_reason_hint: &'static str,
    pub review_refused: &'static str,
    pub archive: &'static str,
    pub archive_hint: &'static str,
    pub archive_build: &'static str,
    pub archive_medium: &'static str,
    pub archive_none: &'static str,
    pub archive_refused: &'static str,
    pub archive_disc: &'static str,
    pub archive_download: &'static str,
    pub archive_built_at: &'static str,
    pub review_return: &'static str,
    pub when: &'static str,
    pub who: &'static str,
    pub action: &'static str,
    pub target: &'static str,
    pub from_addr: &'static str,
    pub refused: &'static str,
    pub refused_role: &'static str,
    pub not_found: &'static str,
    pub bad_form: &'static str,
    pub server_error: &'static str,
    pub signed_in_as: &'static str,
    pub back_to_cases: &'static str,
    pub skip_to_content: &'static str,
    pub download: &'static str,
    pub not_uploaded: &'static str,
    pub case_id: &'static str,
    pub export_csv: &'static str,
    pub export_pdf: &'static str,
    pub log_leaf: &'static str,
    pub https_needed: &'static str,
}

const ZH: Texts = Texts {
    html_lang: "zh-CN",
    title: "交通运输综合行政执法 · 后台",
    other_lang: "English",
    other_lang_code: "en",
    login: "登录",
    logout: "退出",
    username: "用户名",
    password: "密码",
    login_failed: "用户名或密码不正确。",
    login_locked: "密码错误次数过多，账号已锁定至",
    login_limited: "登录尝试过于频繁，请稍候再试（秒）：",
    login_expired: "页面已过期，请重新登录。",
    cases: "案件",
    audit: "访问日志",
    search: "搜索",
    search_hint: "案号、车牌或当事人",
    state: "状态",
    any: "全部",
    officer: "执法证号",
    date_from: "检查日期自",
    date_to: "至",
    filter: "筛选",
    case_no: "案号",
    occurred_at: "检查时间",
    place: "地点",
    plate: "车牌",
    party: "当事人",
    violation: "违法行为",
    none: "无",
    evidence: "证据",
    corrections: "更正",
    found: "共",
    no_cases: "没有符合条件的案件。",
    previous: "上一页",
    next: "下一页",
    records: "记录",
    record_kind: "记录类型",
    signer: "签名人",
    device: "终端",
    made_at: "制作时间",
    received_at: "接收时间",
    verification: "验证",
    verified: "签名有效",
    not_verified: "签名无效",
    media_type: "类型",
    size: "大小",
    sha256: "SHA-256",
    category: "类别",
    description: "说明",
    corrected_field: "更正项",
    old_value: "原值",
    new_value: "新值",
    reason: "理由",
    answers_return: "答复退回：",
    review: "审核",
    review_hint: "每一步都以您本人的密钥签名，记入透明日志。",
    return_reason: "退回理由（执法人员将在终端上看到）",
    return_reason_hint: "例如：当事人身份证号与姓名不符，请核实后更正",
    review_refused: "不能进行这一步：",
    archive: "归档光盘（一案一盘）",
    archive_hint: "由服务器上的记录和证据制作光盘镜像，以机关密钥封签；封存和刻盘记录以您本人的密钥签名。核验：fieldcase-verify 镜像 --ca 机关公钥。",
    archive_build: "归档刻盘",
    archive_medium: "光盘类型",
    archive_none: "尚未归档。",
    archive_refused: "不能归档：",
    archive_disc: "光盘",
    archive_download: "下载镜像",
    archive_built_at: "制作时间",
    review_return: "退回补正",
    when: "时间",
    who: "人员",
    action: "操作",
    target: "对象",
    from_addr: "来源地址",
    refused: "无权访问",
    refused_role: "此页面需要以下角色：",
    not_found: "未找到该案件。",
    bad_form: "表单已过期或无效，请返回重试。",
    server_error: "服务器出错，未完成操作；请稍后重试（服务器日志记录了原因）。",
    signed_in_as: "当前用户",
    back_to_cases: "返回案件列表",
    skip_to_content: "跳到正文",
    download: "下载",
    not_uploaded: "文件尚未上传到服务器",
    case_id: "案件编号（ID）",
    export_csv: "导出 CSV",
    export_pdf: "导出 PDF",
    log_leaf: "日志位置",
    https_needed: "此页面通过未加密的 HTTP 从其他电脑打开，浏览器不会保存登录凭据，无法登录。请让系统管理员为服务器配置 HTTPS（tls_cert / tls_key，或 HTTPS 反向代理），然后用 https:// 地址打开。",
};

const EN: Texts = Texts {
    html_lang: "en",
    title: "Transport enforcement · back office",
    other_lang: "中文",
    other_lang_code: "zh",
    login: "Log in",
    logout: "Log out",
    username: "User name",
    password: "Password",
    login_failed: "Wrong user name or password.",
    login_locked: "Too many wrong passwords; the account is locked until",
    login_limited: "Too many login attempts; try again in (seconds):",
    login_expired: "The page expired; please log in again.",
    cases: "Cases",
    audit: "Access log",
    search: "Search",
    search_hint: "Case number, plate or party",
    state: "State",
    any: "All",
    officer: "Officer no.",
    date_from: "Checked from",
    date_to: "to",
    filter: "Filter",
    case_no: "Case no.",
    occurred_at: "Checked at",
    place: "Place",
    plate: "Plate",
    party: "Party",
    violation: "Violation",
    none: "None",
    evidence: "Evidence",
    corrections: "Corrections",
    found: "Found",
    no_cases: "No case matches.",
    previous: "Previous",
    next: "Next",
    records: "Records",
    record_kind: "Record",
    signer: "Signed by",
    device: "Terminal",
    made_at: "Made at",
    received_at: "Received at",
    verification: "Verification",
    verified: "Signature valid",
    not_verified: "Signature INVALID",
    media_type: "Type",
    size: "Size",
    sha256: "SHA-256",
    category: "Category",
    description: "Description",
    corrected_field: "Field",
    old_value: "Was",
    new_value: "Now",
    reason: "Reason",
    answers_return: "Answers the return",
    review: "Review",
    review_hint: "Each step is signed with your own key and entered in the transparency log.",
    return_reason: "Reason for the return (the officers see it on the terminal)",
    return_reason_hint: "e.g. the party's ID number does not match the name; check and correct",
    review_refused: "This step cannot be taken:",
    archive: "Archive discs (one case, one disc)",
    archive_hint: "Builds the disc images from the records and evidence on the server, sealed with the agency key; the sealing and disc records are signed with your own key. Verify: fieldcase-verify IMAGE --ca AGENCY_KEY.",
    archive_build: "Build disc",
    archive_medium: "Medium",
    archive_none: "Not archived yet.",
    archive_refused: "Cannot archive:",
    archive_disc: "Disc",
    archive_download: "Download image",
    archive_built_at: "Built at",
    review_return: "Return for correction",
    when: "When",
    who: "Who",
    action: "Action",
    target: "Concerning",
    from_addr: "From",
    refused: "Not allowed",
    refused_role: "This page needs one of these roles:",
    not_found: "No such case.",
    bad_form: "The form expired or is not valid; go back and try again.",
    server_error: "The server failed and did nothing; try again later (its log says why).",
    signed_in_as: "Signed in as",
    back_to_cases: "Back to the cases",
    skip_to_content: "Skip to content",
    download: "Download",
    not_uploaded: "The file is not on the server yet",
    case_id: "Case ID",
    export_csv: "Export CSV",
    export_pdf: "Export PDF",
    log_leaf: "Log leaf",
    https_needed: "This page was opened over unencrypted HTTP from another computer: the browser will not keep the login cookie, so login cannot work. Ask the administrator to give the server HTTPS (tls_cert / tls_key, or an HTTPS reverse proxy), then open the https:// address.",
};
