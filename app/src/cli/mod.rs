//! The `fieldcase` command line: the window by default, and scriptable
//! subcommands for seeding, listing, verifying, exporting and syncing —
//! a module per group, each forwarding to the controllers.

use std::path::Path;
use std::process::ExitCode;

use clap::Parser;

use crate::core::{Lang, Terminal};

/// Prints on standard output. A reader that went away (`fieldcase case
/// list | head`) ends the program quietly with status 141, as a closed pipe
/// ends other command-line tools, instead of a panic.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        if let Err(e) = writeln!(std::io::stdout().lock(), $($arg)*) {
            $crate::cli::stdout_failed(e);
        }
    }};
}

/// What a failed write to standard output does (see `say!`).
pub(crate) fn stdout_failed(e: std::io::Error) -> ! {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        std::process::exit(141);
    }
    eprintln!("fieldcase: cannot write to standard output: {e}");
    std::process::exit(1);
}

mod admin;
mod archive;
mod args;
mod catalog;
mod document;
mod inspect;
mod network;
mod print;
mod service;
mod window;
mod writing;

pub use admin::OfficerCommand;
pub use args::*;

/// Entry point of the `fieldcase` binary.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            tracing::error!(error = %format!("{e:#}"), "command failed");
            // A refusal is for the officers: in Chinese first.
            if let Some(crate::core::AppError::Refused { zh, .. }) =
                e.downcast_ref::<crate::core::AppError>()
            {
                eprintln!("fieldcase: {zh}");
            }
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
    // The log goes into the data folder of a terminal that exists (or is
    // being made by the window or the demo); never into a mistyped folder.
    let _log = (dir.join(crate::store::DB_FILE).is_file()
        || matches!(
            cli.command,
            None | Some(Command::Ui) | Some(Command::Demo { .. })
        ))
    .then(|| {
        fieldcase_shared::private::private_dir(&dir)
            .ok()
            .and_then(|_| crate::logging::init(&dir))
    })
    .flatten();
    let lang = cli.lang.as_deref().and_then(Lang::parse);
    match cli.command.unwrap_or(Command::Ui) {
        Command::Ui => window::run(&dir, lang, cli.server)?,
        Command::Demo {
            cases,
            video_kib,
            no_fsync,
            detained,
        } => window::demo(&dir, cases, video_kib, no_fsync, detained)?,
        Command::Screenshots { out } => window::screenshots(&dir, &out, lang)?,
        Command::Catalog { command } => return catalog::run(command),
        Command::Print {
            case,
            kind,
            seq,
            paper,
            agency,
            font,
            font_index,
        } => {
            return print::print(
                &open_existing(&dir)?,
                &document::Request {
                    case: &case,
                    kind: kind.kind(),
                    pick: document::pick(seq),
                    out: Path::new(""),
                    roll: paper == "roll80",
                    agency: agency.as_deref(),
                    font: font.as_deref(),
                    font_index,
                },
            )
        }
        Command::Printer { command } => return print::printer(&open_existing(&dir)?, command),
        Command::Serve {
            case,
            kind,
            receipt,
            officers,
        } => service::serve(
            &open_existing(&dir)?,
            &case,
            kind.kind(),
            service::Given::from(receipt),
            &officers,
        )?,
        Command::Writing { command } => writing::run(&open_existing(&dir)?, command)?,
        Command::Payment {
            case,
            cash,
            receipt_no,
            reason,
            party_asked,
            electronic,
            officers,
        } => {
            use fieldcase_shared::served::Payment;
            let payment = match cash {
                Some(ground) => Payment::Cash {
                    ground: ground.ground(),
                    receipt_no: receipt_no.unwrap_or_default(),
                    reason,
                },
                None => Payment::Electronic {
                    reference: electronic.unwrap_or_default(),
                },
            };
            service::payment(
                &open_existing(&dir)?,
                &case,
                payment,
                party_asked,
                &officers,
            )?
        }
        Command::Document {
            case,
            kind,
            out,
            seq,
            paper,
            agency,
            font,
            font_index,
        } => document::run(
            &open_existing(&dir)?,
            &document::Request {
                case: &case,
                kind: kind.kind(),
                pick: document::pick(seq),
                out: &out,
                roll: paper == "roll80",
                agency: agency.as_deref(),
                font: font.as_deref(),
                font_index,
            },
        )?,
        Command::Officer { command } => admin::officer(&Terminal::open(&dir)?, command)?,
        Command::Case {
            command:
                CaseCommand::Range {
                    start,
                    end,
                    year,
                    prefix,
                },
        } => admin::case_range(&open_existing(&dir)?, start, end, year, prefix)?,
        Command::Case {
            command:
                CaseCommand::Correct {
                    case,
                    field,
                    old,
                    new,
                    reason,
                    officers,
                },
        } => admin::case_correct(
            &open_existing(&dir)?,
            &case,
            &officers,
            crate::cases::Correction {
                field,
                old,
                new,
                reason,
            },
        )?,
        Command::Case {
            command: CaseCommand::Numbers { year, json },
        } => admin::case_numbers(&open_existing(&dir)?, year, json)?,
        Command::Case {
            command: CaseCommand::List { json, search },
        } => inspect::case_list(&open_existing(&dir)?, search.as_deref(), json)?,
        Command::Chain {
            command: ChainCommand::Verify,
        } => return inspect::chain_verify(&open_existing(&dir)?),
        Command::Messages { json } => inspect::messages(&open_existing(&dir)?, json)?,
        Command::Key {
            command: KeyCommand::Show { minisign },
        } => inspect::key_show(&Terminal::open(&dir)?, minisign),
        Command::Bag {
            command: BagCommand::Export { case, out_dir },
        } => archive::bag_export(&open_existing(&dir)?, &case, &out_dir)?,
        Command::Disc {
            command:
                DiscCommand::Build {
                    case,
                    medium,
                    capacity,
                    out,
                },
        } => {
            let medium =
                capacity.map_or(medium.medium(), fieldcase_shared::casebag::Medium::Custom);
            archive::disc_build(&open_existing(&dir)?, &case, medium, &out)?
        }
        Command::Evidence {
            command: EvidenceCommand::Prune { keep_days },
        } => archive::prune(&open_existing(&dir)?, keep_days)?,
        Command::Enrol { code, ca } => {
            network::enrol(&mut Terminal::open(&dir)?, &code, cli.server.as_deref(), ca)?
        }
        Command::Sync => network::sync(&mut open_existing(&dir)?, cli.server)?,
    }
    Ok(ExitCode::SUCCESS)
}
