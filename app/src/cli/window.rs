//! `fieldcase` (the window), `demo` and `screenshots`.

use std::path::Path;

use crate::core::{Lang, SyncMode, Terminal};

/// Opens the window.
pub(super) fn run(dir: &Path, lang: Option<Lang>, server: Option<String>) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let term = Terminal::open(dir)?;
    if let Some(lang) = lang {
        term.settings().set_language(lang)?;
    }
    let server = match server {
        Some(s) => Some(s),
        None => term.store.setting(crate::sync::SYNC_SERVER)?,
    };
    tracing::info!(device = %term.device_id(), server = server.as_deref().unwrap_or("-"), "window opening");
    let window = crate::ui::build_with(term, Some(dir.to_owned()), server, SyncMode::Background)
        .map_err(|e| {
            anyhow::anyhow!(
                "cannot open the window ({e}). Is there a display (DISPLAY or WAYLAND_DISPLAY)? \
                 The subcommands work without one: see `fieldcase --help`; \
                 `fieldcase screenshots --out DIR` renders every screen without a display"
            )
        })?;
    if std::env::var_os("FIELDCASE_EXIT_AFTER_FIRST_FRAME").is_some() {
        report_first_frame(started);
    }
    slint::ComponentHandle::run(&window)?;
    Ok(())
}

/// Benchmarks: report the time to the first frame and the memory in use,
/// then leave (scripts/bench-app).
fn report_first_frame(started: std::time::Instant) {
    slint::Timer::single_shot(std::time::Duration::ZERO, move || {
        let rss = std::fs::read_to_string("/proc/self/status")
            .ok()
            .and_then(|s| {
                s.lines()
                    .find(|l| l.starts_with("VmHWM:"))
                    .map(|l| l.trim_start_matches("VmHWM:").trim().to_owned())
            })
            .unwrap_or_default();
        say!(
            "first-frame-ms={:.1} peak-rss={rss}",
            started.elapsed().as_secs_f64() * 1000.0
        );
        let _ = slint::quit_event_loop();
    });
}

/// `demo`: seeds closed cases through the controllers the window uses.
pub(super) fn demo(
    dir: &Path,
    cases: usize,
    video_kib: usize,
    no_fsync: bool,
    detained: bool,
) -> anyhow::Result<()> {
    let term = Terminal::open(dir)?;
    if no_fsync {
        term.store.set_durable(false)?;
    }
    let seeded = crate::demo::seed(&term, dir, cases, video_kib * 1024, |i, no| {
        eprintln!("demo: case {i}/{cases} {no} recorded, evidence imported, closed");
    })?;
    if detained {
        let no = crate::demo::detained_case(&term)?;
        eprintln!(
            "demo: case {no}: the vehicle detained at the check, handed over (write its 现场笔录 and 行政强制措施决定书: `fieldcase writing site|measure`)"
        );
    }
    eprintln!(
        "demo: {} cases seeded in {}; device {}",
        seeded.cases.len(),
        dir.display(),
        term.device_id()
    );
    if seeded.registered {
        eprintln!("demo: registered the demo officers (sign in with these):");
    } else {
        eprintln!("demo: officers were already registered; the demo officers are:");
    }
    for (cert, name, pin) in crate::demo::DEMO_OFFICERS {
        eprintln!("  执法证号 {cert}  {name}  PIN {pin}");
    }
    Ok(())
}

/// `screenshots`: every screen to PNG, headless; the data folder's cases
/// when it has some, else demo data.
pub(super) fn screenshots(dir: &Path, out: &Path, lang: Option<Lang>) -> anyhow::Result<()> {
    let work = tempfile::tempdir()?;
    let cases = match dir.join(crate::store::DB_FILE).is_file() {
        true => Terminal::open(dir)?
            .cases()
            .list("", usize::MAX >> 1)?
            .len(),
        false => 0,
    };
    let source = (cases > 0).then_some(dir);
    match source {
        Some(d) => eprintln!(
            "screenshots: showing a copy of the terminal in {} ({cases} cases; the original is not changed)",
            d.display()
        ),
        None => eprintln!("screenshots: {} holds no cases: showing demo data", dir.display()),
    }
    let files = crate::screenshots::run(out, lang.unwrap_or_default(), work.path(), source)?;
    for f in &files {
        say!("{}", f.display());
    }
    eprintln!(
        "screenshots: {} screens rendered into {}",
        files.len(),
        out.display()
    );
    Ok(())
}
