//! `fieldcase-server`: runs the sync server, or manages its devices.

use std::io::IsTerminal;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use chrono::Utc;
use clap::{Parser, Subcommand};
use fieldcase_shared::keys::PublicKey;
use fieldcase_sync_server::config::Config;
use fieldcase_sync_server::store::Device;
use fieldcase_sync_server::{
    enrol, open_state_config, open_state_with, open_store, serve, serve_tls,
};

/// fieldcase sync server: receives signed records from terminals and answers with signed receipts.
#[derive(Debug, Parser)]
#[command(name = "fieldcase-server", version, about)]
struct Cli {
    /// TOML configuration file (see fieldcase-server.example.toml); flags and
    /// environment variables override it.
    #[arg(long, env = "FIELDCASE_SERVER_CONFIG")]
    config: Option<PathBuf>,
    /// Folder for the server key and database [default: fieldcase-server-data].
    #[arg(long, env = "FIELDCASE_SERVER_DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// Address to listen on; port 0 picks a free port and the chosen address
    /// is printed [default: 127.0.0.1:8470].
    #[arg(long, env = "FIELDCASE_SERVER_LISTEN")]
    listen: Option<SocketAddr>,
    /// PostgreSQL connection string (default: the embedded SQLite file in
    /// the data folder).
    #[arg(long, env = "FIELDCASE_SERVER_DATABASE")]
    database: Option<String>,
    /// PEM certificate chain for HTTPS (with --tls-key).
    #[arg(long, env = "FIELDCASE_SERVER_TLS_CERT")]
    tls_cert: Option<String>,
    /// PEM private key for HTTPS.
    #[arg(long, env = "FIELDCASE_SERVER_TLS_KEY")]
    tls_key: Option<String>,
    /// S3 bucket for evidence (credentials from AWS_ACCESS_KEY_ID /
    /// AWS_SECRET_ACCESS_KEY); default: files in the data folder.
    #[arg(long, env = "FIELDCASE_SERVER_S3_BUCKET")]
    s3_bucket: Option<String>,
    /// Endpoint URL of an S3-compatible service.
    #[arg(long, env = "FIELDCASE_SERVER_S3_ENDPOINT")]
    s3_endpoint: Option<String>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the server (the default).
    Serve,
    /// Registered terminals.
    Device {
        #[command(subcommand)]
        command: DeviceCommand,
    },
    /// One-time enrolment codes for new terminals.
    Enroll {
        #[command(subcommand)]
        command: EnrollCommand,
    },
    /// The deadlines page's table: `refresh` counts every case's running
    /// deadlines again (after an upgrade brings a new year's calendar).
    Deadlines {
        #[command(subcommand)]
        command: DeadlinesCommand,
    },
    /// 双公示: `export` writes every published and withdrawn decision in
    /// the national penalty credit-information format, masked.
    Publication {
        #[command(subcommand)]
        command: PublicationCommand,
    },
    /// Export to the ministry: `send` uploads every closed case's data
    /// package over SFTP to the configured endpoint (resumable; a package
    /// already there is not sent again).
    Ministry {
        #[command(subcommand)]
        command: MinistryCommand,
    },
    /// Messages for a terminal's officers, delivered on its next sync.
    Message {
        #[command(subcommand)]
        command: MessageCommand,
    },
    /// Back-office staff accounts (the browser pages under /office/).
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Print the server's public key (it signs receipts).
    Key,
    /// Sign a step of a case's procedure at the bureau (立案, 告知, 听证,
    /// 决定, 送达, 结案…) with your own staff key, after the law's checks;
    /// the password is read from stdin. The terminal hears of it on its next
    /// sync. The step is written as JSON (see docs/procedure.md).
    Act {
        /// The case: its id or its exact 案号.
        case: String,
        /// Your staff account.
        #[arg(long)]
        user: String,
        /// The step as JSON, e.g. {"step": {"step": "filed", "approved_by": ""},
        /// "paper": {"form": "filing", …}} (立案, 集体讨论 and 延期 are the
        /// head's to sign; the filing's approver is the signer).
        #[arg(long)]
        file: PathBuf,
    },
    /// Render a document of a case from the signed records the server holds
    /// (PDF/A with its QR code): filing_form, violation_notice,
    /// hearing_notice, legal_opinion, penalty_decision, no_penalty_decision,
    /// service_receipt, closing_report, or a roadside one (site_record, interview, …).
    Document {
        /// The case: its id or its exact 案号.
        case: String,
        /// Which document.
        kind: String,
        /// Output file.
        #[arg(long)]
        out: PathBuf,
        /// a4 (default) or roll80.
        #[arg(long, default_value = "a4")]
        paper: String,
        /// The agency's name (default: agency_name in the config).
        #[arg(long)]
        agency: Option<String>,
        /// The record's seq, when the case holds several of the kind.
        #[arg(long)]
        seq: Option<u64>,
    },
    /// Working days from the calendar tables (assets/calendar/): national
    /// holidays and make-up days, and with --region 65 Xinjiang's own.
    Calendar {
        #[command(subcommand)]
        command: CalendarCommand,
    },
}

#[derive(Debug, Subcommand)]
enum CalendarCommand {
    /// Print each working day from --from to --to (both included), one ISO
    /// date a line.
    Workdays {
        /// First day (YYYY-MM-DD).
        #[arg(long)]
        from: chrono::NaiveDate,
        /// Last day (YYYY-MM-DD).
        #[arg(long)]
        to: chrono::NaiveDate,
        /// Administrative region code: 65 adds Xinjiang's 肉孜节 and 古尔邦节.
        #[arg(long)]
        region: Option<String>,
    },
    /// Print the day N working days after DATE (DATE itself not counted,
    /// 行政处罚法 art. 85).
    Add {
        /// The start day (YYYY-MM-DD).
        date: chrono::NaiveDate,
        /// How many working days.
        n: u32,
        /// Administrative region code: 65 adds Xinjiang's 肉孜节 and 古尔邦节.
        #[arg(long)]
        region: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// Make an account; the password is read from standard input (one
    /// line, at least 10 characters).
    Add {
        /// Login name (one word).
        name: String,
        /// Role(s): case_officer 办案人员, reviewer 审核人员, legal_reviewer
        /// 法制审核人员, head 负责人, archivist 档案管理员, admin 系统管理员;
        /// repeat for several.
        #[arg(long = "role", required = true)]
        roles: Vec<fieldcase_shared::staff::Role>,
        /// Name shown on pages and acts (default: the login name).
        #[arg(long, default_value = "")]
        display_name: String,
        /// 法律职业资格证书编号: a 法制审核人员 signs opinions only with one
        /// (行政处罚法 art. 58 para. 2).
        #[arg(long)]
        legal_qualification: Option<String>,
    },
    /// Record an account's 法律职业资格证书编号 (行政处罚法 art. 58 para. 2).
    Qualify {
        /// Login name.
        name: String,
        /// The certificate's number.
        #[arg(long)]
        legal_qualification: String,
    },
    /// List the accounts.
    List,
    /// Disable an account: it cannot log in and its sessions end.
    Disable {
        /// Login name.
        name: String,
    },
}

#[derive(Debug, Subcommand)]
enum MinistryCommand {
    /// Build every closed case's package and send those not on the remote.
    Send,
}

#[derive(Debug, Subcommand)]
enum PublicationCommand {
    /// Write the export (CSV with a byte-order mark, or JSON).
    Export {
        /// `csv` or `json`.
        #[arg(long, default_value = "csv", value_parser = ["csv", "json"])]
        format: String,
        /// The file to write (`-`: standard output).
        #[arg(long, default_value = "-")]
        out: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
enum DeadlinesCommand {
    /// Replay every case and store its running deadlines again.
    Refresh,
}

#[derive(Debug, Subcommand)]
enum MessageCommand {
    /// Queue a message for a device.
    Send {
        /// Device id (32 hex digits).
        device: String,
        /// What to tell the officers.
        #[arg(long)]
        text: String,
        /// case_returned (a case sent back, with the reason), task, or notice.
        #[arg(long, default_value = "notice")]
        kind: String,
        /// The case concerned (案号), if any.
        #[arg(long = "case")]
        case_no: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
enum EnrollCommand {
    /// Make a one-time code a terminal redeems with `fieldcase enrol`.
    /// Prints the code and a QR payload; only the code's hash is stored.
    Create {
        /// 执法证号 of the officer the terminal is issued to.
        #[arg(long)]
        officer: String,
        /// A name for the terminal in the back office.
        #[arg(long, default_value = "")]
        name: String,
        /// When the code stops working: a duration (30m, 24h, 7d) or an
        /// RFC 3339 time.
        #[arg(long, default_value = "24h")]
        expires: String,
        /// The server address terminals use, for the QR payload.
        #[arg(long, default_value = "")]
        url: String,
        /// Also write the QR code as a PNG here, for printing.
        #[arg(long, value_name = "FILE")]
        qr_png: Option<std::path::PathBuf>,
        /// Do not draw the QR code in the terminal.
        #[arg(long)]
        no_qr: bool,
    },
}

#[derive(Debug, Subcommand)]
enum DeviceCommand {
    /// Register a terminal by its public key (`fieldcase key show` prints it).
    Add {
        /// The device public key, `ed25519:<64 hex>`.
        pubkey: String,
        /// A name for people, e.g. "执法终端 07 / 一大队".
        #[arg(long)]
        name: String,
    },
    /// Revoke a terminal's key (lost, stolen, retired): its records made
    /// from `--at` on are refused and flagged; earlier ones stay valid.
    Revoke {
        /// Device id (32 hex digits).
        id: String,
        /// From when (RFC 3339; default: now).
        #[arg(long)]
        at: Option<String>,
    },
}

fn id_of(text: &str) -> anyhow::Result<fieldcase_shared::keys::DeviceId> {
    text.parse()
        .map_err(|e| anyhow::anyhow!("{text:?} is not a device id (32 hex digits): {e}"))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("fieldcase-server: error: {e:#}");
            ExitCode::from(1)
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    if let Some(Command::Calendar { command }) = cli.command {
        return calendar_command(command);
    }
    let mut config = Config::load(cli.config.as_deref())?;
    if let Some(d) = cli.data_dir {
        config.data_dir = d;
    }
    if let Some(db) = cli.database {
        config.database = db;
    }
    if let Some(c) = cli.tls_cert {
        config.tls_cert = c;
    }
    if let Some(k) = cli.tls_key {
        config.tls_key = k;
    }
    if let Some(b) = cli.s3_bucket {
        config.s3_bucket = b;
    }
    if let Some(e) = cli.s3_endpoint {
        config.s3_endpoint = e;
    }
    if let Some(l) = cli.listen {
        config.listen = l;
    }
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            tracing_subscriber::fmt()
                .with_env_filter(
                    tracing_subscriber::EnvFilter::try_from_default_env()
                        .unwrap_or_else(|_| config.log.as_str().into()),
                )
                .with_writer(std::io::stderr)
                .with_ansi(std::io::stderr().is_terminal())
                .init();
            let state = open_state_config(&config)?;
            let tls = match (config.tls_cert.trim(), config.tls_key.trim()) {
                ("", "") => None,
                (c, k) if !c.is_empty() && !k.is_empty() => {
                    Some(fieldcase_sync_server::tls::acceptor(
                        std::path::Path::new(c),
                        std::path::Path::new(k),
                    )?)
                }
                _ => anyhow::bail!("HTTPS needs both tls_cert and tls_key"),
            };
            let rt = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()?;
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::bind(config.listen)
                    .await
                    .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", config.listen))?;
                let addr = listener.local_addr()?;
                // Tests and scripts read this line to learn the port.
                let scheme = if tls.is_some() { "https" } else { "http" };
                println!("fieldcase-server listening on {scheme}://{addr}");
                tracing::info!(%addr, data_dir = %config.data_dir.display(), "serving");
                match tls {
                    Some(acceptor) => {
                        serve_tls(listener, acceptor, state, shutdown_signal()).await?
                    }
                    None => serve(listener, state, shutdown_signal()).await?,
                }
                tracing::info!("stopped");
                anyhow::Ok(())
            })?;
        }
        Command::Device {
            command: DeviceCommand::Add { pubkey, name },
        } => {
            let key: PublicKey = pubkey.parse()?;
            let name = name.trim();
            if name.is_empty() {
                anyhow::bail!("--name must not be empty");
            }
            let store = open_store(&config.data_dir, &config.database)?;
            let device = Device {
                id: key.device_id(),
                key,
                name: name.to_owned(),
                added_at: Utc::now(),
            };
            store.add_device(&device)?;
            println!("{}", device.id);
            eprintln!("registered device {} ({name})", device.id);
        }
        Command::Enroll {
            command:
                EnrollCommand::Create {
                    officer,
                    name,
                    expires,
                    url,
                    qr_png,
                    no_qr,
                },
        } => {
            let officer = officer.trim();
            if officer.is_empty() {
                anyhow::bail!("--officer must not be empty");
            }
            let now = Utc::now();
            let expires_at = enrol::parse_expiry(&expires, now).map_err(|e| anyhow::anyhow!(e))?;
            if expires_at <= now {
                anyhow::bail!("--expires {expires} is in the past");
            }
            let state = open_state_with(&config.data_dir, &config.database)?;
            let code = enrol::new_code();
            let name = if name.trim().is_empty() {
                format!("terminal of {officer}")
            } else {
                name.trim().to_owned()
            };
            state
                .store()
                .add_enrolment(&enrol::code_hash(&code), officer, &name, expires_at)?;
            println!("{code}");
            eprintln!(
                "enrolment code for {name} (officer {officer}), single use, valid until {}",
                expires_at.to_rfc3339()
            );
            let payload = fieldcase_shared::cert::EnrolmentPayload {
                code: code.clone(),
                server_key: state.server_key(),
                url: url.trim().to_owned(),
            }
            .to_uri();
            eprintln!("QR payload: {payload}");
            if url.trim().is_empty() {
                eprintln!(
                    "(no --url: the terminal must be given the server address with --server)"
                );
            }
            if let Some(path) = &qr_png {
                enrol::qr_png(&payload, 8, path)?;
                eprintln!("QR code written to {}", path.display());
            }
            if !no_qr {
                eprintln!("{}", enrol::qr_text(&payload)?);
            }
        }
        Command::Device {
            command: DeviceCommand::Revoke { id, at },
        } => {
            let id: fieldcase_shared::keys::DeviceId = id.parse()?;
            let at = match at {
                Some(t) => chrono::DateTime::parse_from_rfc3339(&t)
                    .map_err(|e| anyhow::anyhow!("--at {t:?}: {e}; give an RFC 3339 time"))?
                    .with_timezone(&Utc),
                None => Utc::now(),
            };
            let store = open_store(&config.data_dir, &config.database)?;
            let flags = fieldcase_sync_server::store::revoke(store.as_ref(), &id, at, Utc::now())?;
            eprintln!(
                "device {id} revoked from {}: every record it sends from now on, and every record made from then on, is refused",
                at.to_rfc3339()
            );
            if !flags.is_empty() {
                eprintln!("{} records already held were made or received from then on and are now flagged:", flags.len());
                for f in &flags {
                    eprintln!("  seq {}: {}", f.seq, f.detail);
                }
            }
        }
        Command::Message {
            command:
                MessageCommand::Send {
                    device,
                    text,
                    kind,
                    case_no,
                },
        } => {
            if !fieldcase_shared::wire::MESSAGE_KINDS.contains(&kind.as_str()) {
                anyhow::bail!(
                    "--kind {kind:?}: use one of {}",
                    fieldcase_shared::wire::MESSAGE_KINDS.join(", ")
                );
            }
            let text = text.trim();
            if text.is_empty() || text.chars().count() > 2000 {
                anyhow::bail!("--text must be 1 to 2000 characters");
            }
            let id: fieldcase_shared::keys::DeviceId = id_of(&device)?;
            let store = open_store(&config.data_dir, &config.database)?;
            if store.device(&id)?.is_none() {
                anyhow::bail!("no device {id} is registered");
            }
            let n = store.add_message(
                &id,
                &fieldcase_shared::wire::Message {
                    id: 0,
                    kind,
                    case_no,
                    text: text.to_owned(),
                    created_at: Utc::now(),
                    case_id: None,
                    record: None,
                },
            )?;
            eprintln!(
                "message {n} queued for device {id}; it is delivered on the device's next sync"
            );
        }
        Command::User { command } => user_command(command, &config)?,
        Command::Deadlines {
            command: DeadlinesCommand::Refresh,
        } => {
            let store = open_store(&config.data_dir, &config.database)?;
            let region =
                fieldcase_shared::calendar::Region::from_code(Some(&config.calendar_region))
                    .map_err(|e| anyhow::anyhow!("calendar_region: {e}"))?;
            let (cases, running) = fieldcase_sync_server::office::deadlines::refresh_all(
                store.as_ref(),
                region,
                |done, total| eprint!("\r{done} / {total} cases"),
            )?;
            eprintln!("\r{cases} cases replayed; {running} deadlines running");
        }
        Command::Publication {
            command: PublicationCommand::Export { format, out },
        } => {
            use fieldcase_sync_server::office::publication_export::{write, Format};
            let store = open_store(&config.data_dir, &config.database)?;
            let format = if format == "json" {
                Format::Json
            } else {
                Format::Csv
            };
            let bj = chrono::FixedOffset::east_opt(8 * 3600).expect("UTC+8");
            let now = Utc::now().with_timezone(&bj);
            let n = if out.as_os_str() == "-" {
                write(store.as_ref(), format, now, &mut std::io::stdout().lock())?
            } else {
                let tmp = out.with_extension("partial");
                let mut f = std::io::BufWriter::new(
                    std::fs::File::create(&tmp)
                        .map_err(|e| anyhow::anyhow!("{}: {e}", tmp.display()))?,
                );
                let n = write(store.as_ref(), format, now, &mut f)?;
                std::io::Write::flush(&mut f)?;
                drop(f);
                std::fs::rename(&tmp, &out)
                    .map_err(|e| anyhow::anyhow!("{}: {e}", out.display()))?;
                n
            };
            eprintln!("{n} entries exported");
        }
        Command::Ministry {
            command: MinistryCommand::Send,
        } => {
            let r = fieldcase_sync_server::ministry::send_all(&config, |line| eprintln!("{line}"))?;
            println!(
                "{} sent, {} resumed, {} already there",
                r.sent.len(),
                r.resumed.len(),
                r.already.len()
            );
        }
        Command::Calendar { command } => calendar_command(command)?,
        Command::Act { case, user, file } => {
            use fieldcase_sync_server::office::acts;
            let text = std::fs::read_to_string(&file)
                .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
            let input: acts::ActInput = serde_json::from_str(&text).map_err(|e| {
                anyhow::anyhow!("{}: not a step of the procedure: {e}", file.display())
            })?;
            if std::io::stdin().is_terminal() {
                eprint!("password for {user}: ");
            }
            let mut password = String::new();
            std::io::stdin().read_line(&mut password)?;
            let password = password.trim_end_matches(['\r', '\n']);
            let state = open_state_config(&config)?;
            let digest = acts::sign_as(&state, &user, password, &case, input, Utc::now())?;
            println!("{}", digest.to_hex());
            eprintln!("signed; the terminal that handed the case over sees it on its next sync");
        }
        Command::Document {
            case,
            kind,
            out,
            paper,
            agency,
            seq,
        } => {
            use fieldcase_documents::{Kind, Paper};
            let kind = Kind::parse(&kind).ok_or_else(|| {
                let all: Vec<_> = Kind::ALL.iter().map(|k| k.tag()).collect();
                anyhow::anyhow!("no document {kind:?}: use one of {}", all.join(", "))
            })?;
            let paper = match paper.as_str() {
                "a4" => Paper::A4,
                "roll80" => Paper::Roll80,
                p => anyhow::bail!("--paper {p:?}: use a4 or roll80"),
            };
            let agency = agency.unwrap_or_else(|| config.agency_name.clone());
            if agency.trim().is_empty() {
                anyhow::bail!("no agency name: set agency_name in the config or pass --agency");
            }
            let font_path = match config.pdf_font.trim() {
                "" => fieldcase_documents::pdf::DEFAULT_FONT,
                f => f,
            };
            let font = fieldcase_documents::ReportFont::load(
                std::path::Path::new(font_path),
                config.pdf_font_index,
            )?;
            let store = open_store(&config.data_dir, &config.database)?;
            let pick = seq.map_or(
                fieldcase_documents::fill::Pick::Latest,
                fieldcase_documents::fill::Pick::Seq,
            );
            let doc = fieldcase_sync_server::office::documents::render(
                store.as_ref(),
                &case,
                (kind, pick),
                paper,
                &agency,
                &font,
            )?;
            std::fs::write(&out, &doc.pdf)
                .map_err(|e| anyhow::anyhow!("{}: {e}", out.display()))?;
            println!("{}", out.display());
            eprintln!(
                "{} {}: {} bytes, PDF/A; QR {}",
                doc.title,
                doc.case_no,
                doc.pdf.len(),
                doc.qr
            );
        }
        Command::Key => {
            let state = open_state_with(&config.data_dir, &config.database)?;
            println!("{}", state.server_key());
        }
    }
    Ok(())
}

fn user_command(command: UserCommand, config: &Config) -> anyhow::Result<()> {
    use fieldcase_sync_server::office::accounts;
    let store = open_store(&config.data_dir, &config.database)?;
    match command {
        UserCommand::Add {
            name,
            roles,
            display_name,
            legal_qualification,
        } => {
            if std::io::stdin().is_terminal() {
                eprint!(
                    "password for {name} (shown as typed; at least {} characters): ",
                    accounts::MIN_PASSWORD_CHARS
                );
            }
            let mut password = String::new();
            std::io::stdin().read_line(&mut password)?;
            let password = password.trim_end_matches(['\r', '\n']);
            let user = accounts::add_user(
                store.as_ref(),
                &name,
                &display_name,
                &roles,
                password,
                Utc::now(),
            )
            .map_err(|e| anyhow::anyhow!(e))?;
            if let Some(q) = legal_qualification {
                accounts::qualify_user(store.as_ref(), &user.name, &q, Utc::now())
                    .map_err(|e| anyhow::anyhow!(e))?;
            }
            eprintln!(
                "account {} ({}) made with roles {}",
                user.name,
                user.display_name,
                user.roles
                    .iter()
                    .map(|r| r.zh())
                    .collect::<Vec<_>>()
                    .join("、")
            );
        }
        UserCommand::List => {
            for u in store.staff_list()? {
                let key = match store.staff_key(&u.name)? {
                    Some(k) => format!("signer {}", k.signer),
                    None => "no signing key yet (made at the first login)".to_owned(),
                };
                println!(
                    "{}\t{}\t{}\t{}\t{key}{}",
                    u.name,
                    u.display_name,
                    fieldcase_shared::staff::roles_to_text(&u.roles),
                    match u.disabled_at {
                        Some(t) => format!("disabled {}", t.to_rfc3339()),
                        None => "active".to_owned(),
                    },
                    if u.qualification.is_empty() {
                        String::new()
                    } else {
                        format!("\t法律职业资格 {}", u.qualification)
                    }
                );
            }
        }
        UserCommand::Qualify {
            name,
            legal_qualification,
        } => {
            if !accounts::qualify_user(store.as_ref(), &name, &legal_qualification, Utc::now())
                .map_err(|e| anyhow::anyhow!(e))?
            {
                anyhow::bail!("no account {name}");
            }
            eprintln!("{name}: 法律职业资格证书编号 {legal_qualification} recorded");
        }
        UserCommand::Disable { name } => {
            if !accounts::disable_user(store.as_ref(), &name, Utc::now())? {
                anyhow::bail!("no account {name:?}; `fieldcase-server user list` shows them");
            }
            eprintln!("account {name} disabled; its sessions ended and its signing key is revoked");
        }
    }
    Ok(())
}

fn calendar_command(command: CalendarCommand) -> anyhow::Result<()> {
    use fieldcase_shared::calendar::{Calendar, Region};
    use std::io::Write;
    let calendar = Calendar::builtin();
    let mut out = std::io::stdout().lock();
    match command {
        CalendarCommand::Workdays { from, to, region } => {
            if to < from {
                anyhow::bail!("--to {to} is before --from {from}");
            }
            let region = Region::from_code(region.as_deref())?;
            for day in calendar.working_days(from, to, region)? {
                writeln!(out, "{day}")?;
            }
        }
        CalendarCommand::Add { date, n, region } => {
            let region = Region::from_code(region.as_deref())?;
            writeln!(out, "{}", calendar.add_working_days(date, n, region)?)?;
        }
    }
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
