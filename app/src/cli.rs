//! The `fieldcase` command line: the UI by default, and scriptable
//! subcommands for seeding, listing, verifying, exporting and syncing.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use fieldcase_shared::casebag::Medium;

use crate::core::Terminal;

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
        command: crate::admin::OfficerCommand,
    },
    /// Render every screen (with demo data) to PNG, headless: no display
    /// is needed. Files are numbered in the order an officer meets them.
    Screenshots {
        /// Output folder (created if missing).
        #[arg(long)]
        out: PathBuf,
    },
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
    fn medium(self) -> Medium {
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

/// Entry point of the `fieldcase` binary.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("fieldcase: error: {e:#}");
            ExitCode::from(1)
        }
    }
}

/// A byte progress bar on stderr; indicatif hides it when stderr is not a terminal.
fn byte_bar(label: &'static str, total: u64) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(total);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} {eta}",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(label);
    bar
}

/// Opens a terminal that must already exist: commands that only read or
/// ship data never create a new device identity in a mistyped folder.
fn open_existing(dir: &Path) -> anyhow::Result<Terminal> {
    if !dir.join(crate::store::DB_FILE).is_file() {
        anyhow::bail!(
            "{} holds no fieldcase terminal data; check --data-dir (a new terminal is created by \
             opening the window, `key show` or `demo`)",
            dir.display()
        );
    }
    Ok(Terminal::open(dir)?)
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let dir = cli.data_dir.clone();
    match cli.command.unwrap_or(Command::Ui) {
        Command::Ui => {
            let started = std::time::Instant::now();
            let term = Terminal::open(&dir)?;
            if let Some(lang) = &cli.lang {
                term.store.set_setting(crate::ui::LANGUAGE, lang)?;
            }
            let server = match cli.server {
                Some(s) => Some(s),
                None => term.store.setting(crate::sync::SYNC_SERVER)?,
            };
            let window = crate::ui::build_with(
                term,
                Some(dir),
                server,
                crate::ui::SyncMode::Background,
            )
            .map_err(|e| {
                anyhow::anyhow!(
                    "cannot open the window ({e}). Is there a display (DISPLAY or WAYLAND_DISPLAY)? \
                     The subcommands work without one: see `fieldcase --help`"
                )
            })?;
            if std::env::var_os("FIELDCASE_EXIT_AFTER_FIRST_FRAME").is_some() {
                // Benchmarks: report the time to the first frame and the
                // memory in use, then leave (scripts/bench-app).
                slint::Timer::single_shot(std::time::Duration::ZERO, move || {
                    let rss = std::fs::read_to_string("/proc/self/status")
                        .ok()
                        .and_then(|s| {
                            s.lines()
                                .find(|l| l.starts_with("VmHWM:"))
                                .map(|l| l.trim_start_matches("VmHWM:").trim().to_owned())
                        })
                        .unwrap_or_default();
                    println!(
                        "first-frame-ms={:.1} peak-rss={rss}",
                        started.elapsed().as_secs_f64() * 1000.0
                    );
                    let _ = slint::quit_event_loop();
                });
            }
            slint::ComponentHandle::run(&window)?;
        }
        Command::Demo {
            cases,
            video_kib,
            no_fsync,
        } => {
            let mut term = Terminal::open(&dir)?;
            if no_fsync {
                term.store.set_durable(false)?;
            }
            let made = crate::demo::seed(&mut term, &dir, cases, video_kib * 1024, |i, no| {
                eprintln!("demo: case {i}/{cases} {no} recorded, evidence imported, closed");
            })?;
            eprintln!(
                "demo: {} cases seeded in {}; device {}",
                made.len(),
                dir.display(),
                term.device_id()
            );
        }
        Command::Case {
            command:
                CaseCommand::Range {
                    start,
                    end,
                    year,
                    prefix,
                },
        } => crate::admin::case_range(&open_existing(&dir)?, start, end, year, prefix)?,
        Command::Case {
            command: CaseCommand::Numbers { year, json },
        } => crate::admin::case_numbers(&open_existing(&dir)?, year, json)?,
        Command::Officer { command } => crate::admin::officer(&Terminal::open(&dir)?, command)?,
        Command::Screenshots { out } => {
            let lang = cli
                .lang
                .as_deref()
                .and_then(crate::ui::Lang::parse)
                .unwrap_or(crate::ui::Lang::Zh);
            let work = tempfile::tempdir()?;
            let files = crate::screenshots::run(&out, lang, work.path())?;
            for f in &files {
                println!("{}", f.display());
            }
            eprintln!(
                "screenshots: {} screens rendered into {}",
                files.len(),
                out.display()
            );
        }
        Command::Case {
            command: CaseCommand::List { json, search },
        } => {
            let term = open_existing(&dir)?;
            let cases = term
                .store
                .cases_matching(search.as_deref().unwrap_or(""), usize::MAX >> 1)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&cases)?);
            } else if cases.is_empty() {
                eprintln!("no cases on this terminal yet (try `fieldcase demo --cases 3`)");
            } else {
                println!(
                    "{:<22}\t{:<9}\t{:<6}\t{:>3}\t{:<8}\topened",
                    "case", "plate", "status", "ev", "sync"
                );
                for c in cases {
                    println!(
                        "{}\t{}\t{}\t{:>3}\t{}\t{}",
                        c.case_no,
                        c.plate,
                        c.status,
                        c.evidence,
                        if c.unsynced == 0 { "synced" } else { "pending" },
                        chrono::DateTime::parse_from_rfc3339(&c.opened_at)
                            .map(|t| t.format("%Y-%m-%d %H:%M %:z").to_string())
                            .unwrap_or(c.opened_at.clone())
                    );
                }
            }
        }
        Command::Chain {
            command: ChainCommand::Verify,
        } => {
            let term = open_existing(&dir)?;
            let check = term.verify_chain()?;
            if check.problems.is_empty() {
                println!(
                    "VALID: {} records, head seq {} chain {}",
                    check.good, check.head.seq, check.head.chain
                );
                return Ok(ExitCode::SUCCESS);
            }
            println!("INVALID ({} problems)", check.problems.len());
            for (i, p) in &check.problems {
                println!("record #{}: {}: {p}", i + 1, p.outcome());
            }
            return Ok(ExitCode::from(1));
        }
        Command::Bag {
            command: BagCommand::Export { case, out_dir },
        } => {
            let mut term = open_existing(&dir)?;
            let total = term.store.find_case(&case)?.map_or(0, |c| c.evidence_bytes);
            let bar = byte_bar("export", total);
            let disc = term.export_bag(&case, &out_dir, |n| bar.inc(n))?;
            bar.finish_and_clear();
            eprintln!(
                "sealed bag of {} written to {}: {} files, {} bytes",
                disc.seal.case_no,
                out_dir.display(),
                disc.files.len(),
                disc.bytes()
            );
            eprintln!(
                "verify with: fieldcase-verify {} --key {}",
                out_dir.display(),
                term.public_key()
            );
        }
        Command::Disc {
            command:
                DiscCommand::Build {
                    case,
                    medium,
                    capacity,
                    out,
                },
        } => {
            let mut term = open_existing(&dir)?;
            let medium = capacity.map_or(medium.medium(), Medium::Custom);
            let total = term.store.find_case(&case)?.map_or(0, |c| c.evidence_bytes);
            let bar = byte_bar("disc", total);
            let written = term.build_discs(&case, medium, &out, |n| bar.inc(n))?;
            bar.finish_and_clear();
            for w in &written {
                println!("{}  {}", w.sha256, w.path.display());
            }
            eprintln!(
                "{} disc image(s) for the {} medium written to {}; verify with: fieldcase-verify {} --key {}",
                written.len(),
                medium.name(),
                out.display(),
                written
                    .iter()
                    .map(|w| w.path.display().to_string())
                    .collect::<Vec<_>>()
                    .join(" "),
                term.public_key()
            );
        }
        Command::Enrol { code, ca } => {
            let ca = ca
                .map(|p| {
                    std::fs::read_to_string(&p)
                        .map_err(|e| anyhow::anyhow!("--ca {}: {e}", p.display()))
                })
                .transpose()?;
            let mut term = Terminal::open(&dir)?;
            let (cert, server) =
                crate::sync::enrol_input(&mut term, &code, cli.server.as_deref(), ca.as_deref())?;
            eprintln!(
                "enrolled: device {} is \"{}\" for officer {}; server key {} pinned; server {server} remembered",
                cert.device, cert.name, cert.officer, cert.issuer
            );
        }
        Command::Messages { json } => {
            let term = open_existing(&dir)?;
            let list = term.store.messages()?;
            if json {
                println!("{}", serde_json::to_string_pretty(&list)?);
            } else if list.is_empty() {
                eprintln!("no messages from the back office (they arrive with `fieldcase sync`)");
            } else {
                for m in list {
                    let kind = match m.kind.as_str() {
                        "case_returned" => "退回案件",
                        "task" => "任务",
                        _ => "通知",
                    };
                    println!(
                        "{}\t{kind}\t{}\t{}",
                        m.created_at
                            .with_timezone(&chrono::Local)
                            .format("%Y-%m-%d %H:%M"),
                        m.case_no.unwrap_or_default(),
                        m.text
                    );
                }
            }
        }
        Command::Evidence {
            command: EvidenceCommand::Prune { keep_days },
        } => {
            let term = open_existing(&dir)?;
            let (n, bytes) = term.store.prune_confirmed(
                chrono::Duration::days(i64::from(keep_days)),
                chrono::Utc::now(),
            )?;
            eprintln!(
                "freed {n} evidence files ({bytes} bytes) confirmed by the server more than {keep_days} days ago; {} files have no receipt yet and were kept",
                term.store.unconfirmed_blob_count()?
            );
        }
        Command::Key {
            command: KeyCommand::Show { minisign },
        } => {
            let term = Terminal::open(&dir)?;
            match term
                .store
                .setting(crate::sync::DEVICE_CERT)?
                .and_then(|c| fieldcase_shared::envelope::Envelope::from_json(c.as_bytes()).ok())
                .and_then(|e| serde_json::from_slice::<fieldcase_shared::cert::DeviceCert>(&e.payload).ok())
            {
                Some(c) => eprintln!(
                    "enrolled as \"{}\" for officer {} on {} (server key {})",
                    c.name,
                    c.officer,
                    c.issued_at.to_rfc3339(),
                    c.issuer
                ),
                None => eprintln!("not enrolled: `fieldcase --server URL enrol CODE` with a code from the back office"),
            }
            if minisign {
                print!(
                    "{}",
                    fieldcase_shared::seal::minisign_public_key_file(&term.public_key())
                );
            } else {
                println!("{}", term.public_key());
            }
        }
        Command::Sync => {
            let mut term = open_existing(&dir)?;
            let remembered = term.store.setting(crate::sync::SYNC_SERVER)?;
            let Some(server) = cli.server.or(remembered) else {
                anyhow::bail!(
                    "no server given: use `fieldcase sync --server URL` (or set FIELDCASE_SERVER), or enrol this terminal first"
                );
            };
            let before = term.store.unsynced_count()?;
            let bar = byte_bar("evidence", 0);
            let r = crate::sync::sync_with(&mut term, &server, &mut |p| {
                if let crate::sync::SyncProgress::Blob {
                    case_no,
                    done,
                    size,
                    ..
                } = p
                {
                    bar.set_length(*size);
                    bar.set_position(*done);
                    bar.set_message(case_no.clone());
                }
            });
            bar.finish_and_clear();
            let r = r?;
            eprintln!(
                "sync: {} of {} unsynced records sent; server stored {} new, already held {}; {} receipts kept",
                r.sent, before, r.new, r.already_held, r.receipts
            );
            if r.messages > 0 {
                eprintln!(
                    "{} new messages from the back office: `fieldcase messages` shows them",
                    r.messages
                );
            }
            for f in &r.clock_flags {
                eprintln!(
                    "warning: the server flagged record seq {} ({}): {}. Check this terminal's clock.",
                    f.seq, f.kind, f.detail
                );
            }
            eprintln!(
                "evidence: {} files uploaded ({} bytes sent), {} already held by the server; {} files still without a receipt",
                r.blobs_uploaded,
                r.blob_bytes_sent,
                r.blobs_already_held,
                term.store.unconfirmed_blob_count()?
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
