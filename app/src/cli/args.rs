//! The command line's arguments (clap).

use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand};
use fieldcase_shared::casebag::Medium;

/// fieldcase — offline roadside-check terminal for transport enforcement officers.
#[derive(Debug, Parser)]
#[command(name = "fieldcase", version, about)]
pub struct Cli {
    /// Folder holding this terminal's key, database and evidence.
    #[arg(long, global = true, env = "FIELDCASE_DATA_DIR", default_value_os_t = default_data_dir())]
    pub data_dir: PathBuf,
    /// Sync server, e.g. http://127.0.0.1:8470 (default: the one this
    /// terminal enrolled with).
    #[arg(long, global = true, env = "FIELDCASE_SERVER")]
    pub server: Option<String>,
    /// UI language: zh (Simplified Chinese, the default) or en. Kept as a
    /// setting; the window's settings screen changes it too.
    #[arg(long, global = true, value_parser = ["zh", "en"])]
    pub lang: Option<String>,
    /// What to do (default: open the window).
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Open the terminal's window (the default).
    Ui,
    /// Seed realistic closed cases (photos and a video each) through the
    /// same code the UI uses.
    Demo {
        /// How many cases.
        #[arg(long, default_value_t = 3)]
        cases: usize,
        /// Size of each case's body-camera video, in KiB; 0 seeds records
        /// only, with no evidence files (load tests).
        #[arg(long, default_value_t = 8192)]
        video_kib: usize,
        /// Commit without waiting for the disk (seeding large benchmark
        /// stores only: a power cut may lose the last records).
        #[arg(long, hide = true)]
        no_fsync: bool,
        /// Also one case whose check detained the vehicle (公路安全保护条例
        /// art. 67; 行政强制法 art. 18, 24), handed over to the bureau.
        #[arg(long)]
        detained: bool,
    },
    /// Cases on this terminal.
    Case {
        #[command(subcommand)]
        command: CaseCommand,
    },
    /// The device's signed record chain.
    Chain {
        #[command(subcommand)]
        command: ChainCommand,
    },
    /// Archive bags (BagIt 1.0).
    Bag {
        #[command(subcommand)]
        command: BagCommand,
    },
    /// One case, one disc (一案一盘): sealed, reproducible disc images.
    Disc {
        #[command(subcommand)]
        command: DiscCommand,
    },
    /// The device key.
    Key {
        #[command(subcommand)]
        command: KeyCommand,
    },
    /// Push unsynced records, then every evidence file the server lacks
    /// (resumable), to the sync server and keep its signed receipts.
    /// (The server: --server URL, FIELDCASE_SERVER, or the one enrolled with.)
    Sync,
    /// Enrol this terminal with a one-time code from the back office
    /// (`fieldcase-server enroll create`): registers it, pins the server key
    /// and keeps the signed device certificate. Give the scanned QR payload
    /// (`fieldcase-enrol:v1?…`: server address and key come with it), or
    /// the typed code and the server with --server URL.
    Enrol {
        /// The enrolment code (e.g. ABCDE-FGHJK-MNPQR-STUVW) or the QR payload.
        code: String,
        /// The agency CA certificate (PEM) for an HTTPS server: it is pinned,
        /// and from then on only servers it certifies are trusted.
        #[arg(long, value_name = "PEM_FILE")]
        ca: Option<PathBuf>,
    },
    /// Messages from the back office (cases returned, tasks, notices),
    /// newest first; they arrive with `sync`.
    Messages {
        /// One JSON array instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Local evidence files.
    Evidence {
        #[command(subcommand)]
        command: EvidenceCommand,
    },
    /// Officers who may sign in on this terminal.
    Officer {
        #[command(subcommand)]
        command: super::admin::OfficerCommand,
    },
    /// Render every screen (with demo data) to PNG, headless: no display
    /// is needed. Files are numbered in the order an officer meets them.
    Screenshots {
        /// Output folder (created if missing).
        #[arg(long)]
        out: PathBuf,
    },
    /// Render a document of a case from its signed records, as PDF/A.
    Document {
        /// 案号 or case id (see `fieldcase case list`).
        case: String,
        /// Which document.
        kind: DocumentKind,
        /// Where to write the PDF.
        #[arg(long)]
        out: PathBuf,
        /// The record to print from, when the case holds several of the
        /// kind (several interviews or services; default the latest): its
        /// seq, as `fieldcase case show` lists it.
        #[arg(long)]
        seq: Option<u64>,
        /// a4 (the office) or roll80 (the portable printer's 80 mm roll).
        #[arg(long, value_parser = ["a4", "roll80"], default_value = "a4")]
        paper: String,
        /// The deciding agency's name as printed (kept for later documents).
        #[arg(long)]
        agency: Option<String>,
        /// The CJK font file (default: Debian's Noto Sans Mono CJK SC).
        #[arg(long, env = "FIELDCASE_FONT")]
        font: Option<PathBuf>,
        /// The face within the font file.
        #[arg(long, default_value_t = fieldcase_documents::pdf::DEFAULT_FONT_INDEX)]
        font_index: u32,
    },
    /// Print a document of a case on the portable printer (IPP). The
    /// document is queued first: if the printer cannot take it, it stays
    /// queued with the reason (exit status 3) until `fieldcase printer
    /// retry` sends it.
    Print {
        /// 案号 or case id (see `fieldcase case list`).
        case: String,
        /// Which document.
        kind: DocumentKind,
        /// The record to print from, when the case holds several of the
        /// kind (several interviews or services; default the latest): its
        /// seq, as `fieldcase case show` lists it.
        #[arg(long)]
        seq: Option<u64>,
        /// roll80 (the portable printer, the default) or a4.
        #[arg(long, value_parser = ["a4", "roll80"], default_value = "roll80")]
        paper: String,
        /// The deciding agency's name as printed (kept for later documents).
        #[arg(long)]
        agency: Option<String>,
        /// The CJK font file (default: Debian's Noto Sans Mono CJK SC).
        #[arg(long, env = "FIELDCASE_FONT")]
        font: Option<PathBuf>,
        /// The face within the font file.
        #[arg(long, default_value_t = fieldcase_documents::pdf::DEFAULT_FONT_INDEX)]
        font_index: u32,
    },
    /// Hand the party a printed document (after `fieldcase print`): the
    /// party signs for it (--signature, a PNG of the signature drawn on a
    /// pad) or refuses, and the officers note it (--refused --note …).
    /// Both officers sign: their PINs are read from standard input.
    Serve {
        /// 案号 or case id.
        case: String,
        /// Which document.
        kind: DocumentKind,
        #[command(flatten)]
        receipt: ReceiptArgs,
        /// 执法证号 of each of the two officers, in the order of the PINs.
        #[arg(long = "officer", num_args = 1, required = true)]
        officers: Vec<String>,
    },
    /// Sign a writing of the general procedure at the roadside (现场笔录,
    /// 询问笔录, 证据登记保存清单, 责令改正违法行为通知书, 行政强制措施决定书
    /// with its 清单): the person reads
    /// it and signs (--signature PNG) or refuses (--refused --note …); both
    /// officers sign the record, their PINs read from standard input. Print
    /// it with `fieldcase document` or `fieldcase print`.
    Writing {
        #[command(subcommand)]
        command: WritingCommand,
    },
    /// Note the payment of a case's fine: in cash only where 行政处罚法
    /// art. 68–69 allow it, with the finance receipt's number (art. 70);
    /// otherwise the party's electronic payment reference. Both officers
    /// sign: their PINs are read from standard input.
    Payment {
        /// 案号 or case id.
        case: String,
        /// Collected in cash, on this ground.
        #[arg(
            long,
            value_enum,
            conflicts_with = "electronic",
            required_unless_present = "electronic",
            requires = "receipt_no"
        )]
        cash: Option<CashArg>,
        /// The finance department's receipt number (with --cash).
        #[arg(long)]
        receipt_no: Option<String>,
        /// The circumstances (hard_to_collect and remote_area need them).
        #[arg(long, default_value = "")]
        reason: String,
        /// The party asked to pay in cash (remote_area needs it).
        #[arg(long)]
        party_asked: bool,
        /// Paid through the electronic payment system: its reference.
        #[arg(long)]
        electronic: Option<String>,
        /// 执法证号 of each of the two officers, in the order of the PINs.
        #[arg(long = "officer", num_args = 1, required = true)]
        officers: Vec<String>,
    },
    /// The portable printer: its address, its state, the print queue.
    Printer {
        #[command(subcommand)]
        command: PrinterCommand,
    },
    /// The violation catalogue (assets/catalog/violations.json).
    Catalog {
        #[command(subcommand)]
        command: CatalogCommand,
    },
}

/// `printer` subcommands.
#[derive(Debug, Subcommand)]
pub enum PrinterCommand {
    /// Set the printer's address, e.g. ipp://192.168.1.20:631/ipp/print,
    /// and show what it says of itself.
    Set {
        /// The printer URI (ipp:// or http://).
        uri: String,
    },
    /// The printer's state and the documents still queued.
    Status {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Send every queued document, oldest first.
    Retry,
}

/// How the person acknowledged a document or a writing.
#[derive(Debug, clap::Args)]
pub struct ReceiptArgs {
    /// The person's signature, a PNG file (drawn on a pad).
    #[arg(long, conflicts_with = "refused", required_unless_present = "refused")]
    pub signature: Option<PathBuf>,
    /// The person refused to sign.
    #[arg(long, requires = "note")]
    pub refused: bool,
    /// What happened, as the officers note it (with --refused).
    #[arg(long, requires = "refused")]
    pub note: Option<String>,
    /// A witness to the refusal: name.
    #[arg(long, requires = "refused")]
    pub witness_name: Option<String>,
    /// A witness to the refusal: ID number.
    #[arg(long, requires = "witness_name")]
    pub witness_id: Option<String>,
}

/// When a sitting began and ended, and where.
#[derive(Debug, clap::Args)]
pub struct SittingArgs {
    /// When it began: `2026-12-03 10:05` (Beijing time) or RFC 3339.
    #[arg(long)]
    pub started: String,
    /// When it ended (default: now).
    #[arg(long)]
    pub ended: Option<String>,
    /// Where.
    #[arg(long)]
    pub place: String,
}

/// `fieldcase writing …`.
#[derive(Debug, Subcommand)]
pub enum WritingCommand {
    /// 现场笔录 (行政处罚法 art. 55 para 2): what the officers saw and did.
    Site {
        /// 案号 or case id.
        case: String,
        #[command(flatten)]
        sitting: SittingArgs,
        /// The person present for the party (当事人或者在场人).
        #[arg(long)]
        present: String,
        /// What was found, as written down (现场情况; lines kept).
        #[arg(long)]
        observed: String,
        #[command(flatten)]
        receipt: ReceiptArgs,
        /// 执法证号 of each of the two officers, in the order of the PINs.
        #[arg(long = "officer", num_args = 1, required = true)]
        officers: Vec<String>,
    },
    /// 询问笔录 (art. 55 para 2): each --q followed by its --a, in order.
    Interview {
        /// 案号 or case id.
        case: String,
        #[command(flatten)]
        sitting: SittingArgs,
        /// The name of the person questioned.
        #[arg(long)]
        person: String,
        /// Their ID number, when shown.
        #[arg(long, default_value = "")]
        id_number: String,
        /// party, witness or other.
        #[arg(long, value_parser = ["party", "witness", "other"], default_value = "party")]
        relation: String,
        /// A question (问), as asked.
        #[arg(long = "q", num_args = 1, required = true)]
        questions: Vec<String>,
        /// Its answer (答), as given.
        #[arg(long = "a", num_args = 1, required = true)]
        answers: Vec<String>,
        #[command(flatten)]
        receipt: ReceiptArgs,
        /// 执法证号 of each of the two officers, in the order of the PINs.
        #[arg(long = "officer", num_args = 1, required = true)]
        officers: Vec<String>,
    },
    /// 证据登记保存清单 (art. 56): evidence preserved on the agency head's
    /// approval; prints the day the agency must decide by (7 working days).
    Preserve {
        /// 案号 or case id.
        case: String,
        /// An item: `名称|规格|数量|单位` (规格 may be empty), repeated.
        #[arg(long = "item", num_args = 1, required = true)]
        items: Vec<String>,
        /// Where the items are kept (保存地点).
        #[arg(long)]
        kept_at: String,
        /// The agency head who approved it (经行政机关负责人批准).
        #[arg(long)]
        approved_by: String,
        #[command(flatten)]
        receipt: ReceiptArgs,
        /// 执法证号 of each of the two officers, in the order of the PINs.
        #[arg(long = "officer", num_args = 1, required = true)]
        officers: Vec<String>,
    },
    /// 责令改正违法行为通知书 (art. 28 para 1).
    Order {
        /// 案号 or case id.
        case: String,
        /// The violation, as found.
        #[arg(long)]
        violation: String,
        /// What the party must do.
        #[arg(long)]
        order: String,
        /// The day to correct by (YYYY-MM-DD; default: at once, 立即改正).
        #[arg(long)]
        by: Option<chrono::NaiveDate>,
        #[command(flatten)]
        receipt: ReceiptArgs,
        /// 执法证号 of each of the two officers, in the order of the PINs.
        #[arg(long = "officer", num_args = 1, required = true)]
        officers: Vec<String>,
    },
    /// 行政强制措施决定书 with its 清单 (行政强制法 art. 24), handed over on
    /// the spot when the check detained the vehicle or towed it away: the
    /// measures and their provisions come from the check's decision, a
    /// detention's last day is 30 days after the check (art. 25).
    Measure {
        /// 案号 or case id.
        case: String,
        /// The party's address (art. 24 item 1).
        #[arg(long)]
        address: String,
        /// Why the measure was needed (理由).
        #[arg(long)]
        reason: String,
        /// What is detained: `名称|规格|数量|单位`, repeated (a detention
        /// needs at least one; towing away none).
        #[arg(long = "item", num_args = 1)]
        items: Vec<String>,
        /// Where it is kept (存放地点; a detention needs it).
        #[arg(long, default_value = "")]
        kept_at: String,
        #[command(flatten)]
        receipt: ReceiptArgs,
        /// 执法证号 of each of the two officers, in the order of the PINs.
        #[arg(long = "officer", num_args = 1, required = true)]
        officers: Vec<String>,
    },
}

/// The documents `fieldcase document` renders.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DocumentKind {
    /// 当场行政处罚决定书 (simple procedure; 行政处罚法 art. 52).
    #[value(name = "on_the_spot_decision")]
    OnTheSpotDecision,
    /// 现场笔录 (art. 55), from the `fieldcase writing site` record.
    #[value(name = "site_record")]
    SiteRecord,
    /// 询问笔录 (art. 55), from a `fieldcase writing interview` record (the
    /// latest, or the one --seq names).
    #[value(name = "interview")]
    Interview,
    /// 证据登记保存清单 (art. 56), from the `fieldcase writing preserve` record.
    #[value(name = "evidence_register")]
    EvidenceRegister,
    /// 责令改正违法行为通知书 (art. 28), from the `fieldcase writing order` record.
    #[value(name = "correction_order")]
    CorrectionOrder,
    /// 行政强制措施决定书 with its 清单 (行政强制法 art. 24), from the
    /// `fieldcase writing measure` record.
    #[value(name = "measure_decision")]
    MeasureDecision,
    /// 送达回证 (art. 61), from a `fieldcase serve` record (the latest, or
    /// the one --seq names).
    #[value(name = "service_receipt")]
    ServiceReceipt,
}

impl DocumentKind {
    /// The documents crate's kind.
    pub fn kind(self) -> fieldcase_documents::Kind {
        use fieldcase_documents::Kind;
        match self {
            DocumentKind::OnTheSpotDecision => Kind::OnTheSpotDecision,
            DocumentKind::SiteRecord => Kind::SiteRecord,
            DocumentKind::Interview => Kind::Interview,
            DocumentKind::EvidenceRegister => Kind::EvidenceRegister,
            DocumentKind::CorrectionOrder => Kind::CorrectionOrder,
            DocumentKind::MeasureDecision => Kind::MeasureDecision,
            DocumentKind::ServiceReceipt => Kind::ServiceReceipt,
        }
    }
}

/// The grounds for cash on the spot (`assets/procedure/payment.json`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CashArg {
    /// A fine of 100 yuan or less (art. 68 item 1).
    #[value(name = "small_fine")]
    SmallFine,
    /// Hard to collect later (art. 68 item 2).
    #[value(name = "hard_to_collect")]
    HardToCollect,
    /// Remote area, at the party's request (art. 69).
    #[value(name = "remote_area")]
    RemoteArea,
}

impl CashArg {
    /// The shared ground.
    pub fn ground(self) -> fieldcase_shared::served::CashGround {
        use fieldcase_shared::served::CashGround;
        match self {
            CashArg::SmallFine => CashGround::SmallFine,
            CashArg::HardToCollect => CashGround::HardToCollect,
            CashArg::RemoteArea => CashGround::RemoteArea,
        }
    }
}

/// `catalog` subcommands.
#[derive(Debug, Subcommand)]
pub enum CatalogCommand {
    /// What may lawfully be decided for a violation: the fine for the facts
    /// given, the other sanctions and orders, the compulsory measures, the
    /// procedure (simple or general, hearing right, legal review) and the
    /// provisions — computed by the same code the screens use.
    Range {
        /// Catalogue code, e.g. DLYS-63-1 (`fieldcase catalog list` shows them).
        entry: String,
        /// The party: person (公民) or org (法人或者其他组织).
        #[arg(long, value_parser = ["person", "org"], default_value = "person")]
        party: String,
        /// Illegal gains established, in yuan.
        #[arg(long)]
        gains: Option<u64>,
        /// Kilograms over the limit (overweight entries).
        #[arg(long)]
        excess_kg: Option<u64>,
        /// The circumstances are serious (情节严重).
        #[arg(long)]
        serious: bool,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Every entry: code, name, provisions.
    List,
}

/// `case` subcommands.
#[derive(Debug, Subcommand)]
pub enum CaseCommand {
    /// List cases, newest first.
    List {
        /// One JSON array instead of a table.
        #[arg(long)]
        json: bool,
        /// Only cases whose 案号, plate, party ID or name contains this.
        #[arg(long)]
        search: Option<String>,
    },
    /// Set the 案号 range the back office assigned to this terminal.
    Range {
        /// First number, e.g. 101.
        start: u64,
        /// Last number, e.g. 500.
        end: u64,
        /// Year (default: this year).
        #[arg(long)]
        year: Option<i32>,
        /// 案号 prefix, e.g. 乌交执 (kept for later cases).
        #[arg(long)]
        prefix: Option<String>,
    },
    /// Correct one field of a closed or returned case: a signed
    /// `case_corrected` record (nothing signed earlier changes). A case the
    /// back office returned is closed again, the correction naming the
    /// return. Both officers sign in: their two PINs are read from standard
    /// input, one line each.
    Correct {
        /// 案号 or case id (see `fieldcase case list`).
        case: String,
        /// What is corrected, e.g. `party.name` or `place`.
        #[arg(long)]
        field: String,
        /// The value it had (optional).
        #[arg(long, default_value = "")]
        old: String,
        /// The value it should have.
        #[arg(long)]
        new: String,
        /// Why (required; the back office reads it).
        #[arg(long)]
        reason: String,
        /// 执法证号 of each of the two officers, in the order of the PINs.
        #[arg(long = "officer", num_args = 1, required = true)]
        officers: Vec<String>,
    },
    /// 案号 state: range, used, left, and gaps (numbers skipped).
    Numbers {
        /// Year (default: this year).
        #[arg(long)]
        year: Option<i32>,
        /// JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

/// `chain` subcommands.
#[derive(Debug, Subcommand)]
pub enum ChainCommand {
    /// Check every local record's signature and the chain (exit 0 valid, 1 not).
    Verify,
}

/// `bag` subcommands.
#[derive(Debug, Subcommand)]
pub enum BagCommand {
    /// Write a closed case as a sealed BagIt bag into a new folder (the
    /// same files a disc of the case holds). Seals the case first if needed.
    Export {
        /// 案号 or case id (see `fieldcase case list`).
        case: String,
        /// Output folder (must not exist, or be empty).
        out_dir: PathBuf,
    },
}

/// Disc media (capacities of recordable discs).
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum MediumArg {
    /// CD-R, 737,280,000 bytes.
    Cd,
    /// DVD±R, 4,700,372,992 bytes.
    Dvd,
    /// DVD±R dual layer, 8,543,666,176 bytes.
    DvdDl,
    /// BD-R, 25,025,314,816 bytes.
    Bd,
    /// BD-R dual layer, 50,050,629,632 bytes.
    BdDl,
}

impl MediumArg {
    pub(super) fn medium(self) -> Medium {
        match self {
            MediumArg::Cd => Medium::Cd,
            MediumArg::Dvd => Medium::Dvd,
            MediumArg::DvdDl => Medium::DvdDl,
            MediumArg::Bd => Medium::Bd,
            MediumArg::BdDl => Medium::BdDl,
        }
    }
}

/// `disc` subcommands.
#[derive(Debug, Subcommand)]
pub enum DiscCommand {
    /// Write the ISO 9660 + Joliet image(s) of a closed case: one image, or
    /// a set of images when the case is larger than the medium. The same
    /// case always gives byte-identical images. Seals the case first if
    /// needed and records each image's SHA-256 and size in a signed record.
    /// Prints `<sha256>  <image>` lines (`sha256sum -c` reads them).
    Build {
        /// 案号 or case id (see `fieldcase case list`).
        case: String,
        /// Disc medium the images must fit.
        #[arg(long, value_enum, default_value = "dvd")]
        medium: MediumArg,
        /// Capacity in bytes instead of the medium's (odd media, tests).
        #[arg(long, value_name = "BYTES")]
        capacity: Option<u64>,
        /// Folder for the images (created if missing).
        #[arg(long)]
        out: PathBuf,
    },
}

/// `evidence` subcommands.
#[derive(Debug, Subcommand)]
pub enum EvidenceCommand {
    /// Free space: delete local copies of evidence files that a server
    /// receipt has named for at least the retention period. Files without
    /// a receipt are never deleted.
    Prune {
        /// Days to keep a file after the server confirmed it.
        #[arg(long, default_value_t = 30)]
        keep_days: u32,
    },
}

/// `key` subcommands.
#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Print the device public key (never the secret key).
    Show {
        /// Print it as a minisign public key file, for `minisign -V -p FILE`
        /// (its second line is what `minisign -P` takes).
        #[arg(long)]
        minisign: bool,
    },
}

fn default_data_dir() -> PathBuf {
    std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".local/share")))
        .unwrap_or_else(|| PathBuf::from("."))
        .join("fieldcase")
}
