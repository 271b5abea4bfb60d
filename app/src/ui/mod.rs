//! Slint glue: one module per screen, each forwarding between an
//! `export global …Adapter` and a controller ([`crate::check`],
//! [`crate::cases`], [`crate::evidence`], [`crate::officers`],
//! [`crate::overview`], [`crate::sync`], the settings). No store access, no
//! record decoding and no threads here: long work is the controllers'
//! background jobs, whose callbacks come back through the event loop.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::PathBuf;
use std::rc::Rc;
use std::time::Duration;

use fieldcase_shared::model::OfficerPair;
use slint::{ComponentHandle, SharedString};

use crate::check::{Assets, Draft, FieldError};
use crate::core::{Lang, SyncMode, Terminal};

/// The code Slint generates from `app/ui/`.
#[allow(clippy::unwrap_used, missing_docs)]
mod generated {
    slint::include_modules!();
}
pub use generated::*;

mod cases;
mod evidence;
mod home;
mod print;
mod service;
mod settings;
mod signin;
mod summary;
mod wizard;
mod writings;

pub use home::show_sync_event;

/// What the window works on.
pub(crate) struct State {
    pub term: Terminal,
    pub officers: Option<OfficerPair>,
    pub data_dir: Option<PathBuf>,
    pub server: Option<String>,
    /// The background sync worker, when one runs.
    pub waker: Option<crate::background::Waker>,
    pub mode: SyncMode,
    pub assets: Rc<Assets>,
    pub lang: Lang,
    pub draft: Option<Draft>,
    /// Pen strokes on the signature pad.
    pub ink: Vec<Vec<(f32, f32)>>,
    /// Pen strokes on the case screen's receipt pad.
    pub receipt_ink: Vec<Vec<(f32, f32)>>,
    /// Field errors shown on the check screen (they leave once fixed).
    pub shown: Vec<FieldError>,
    /// Files found for import.
    pub found: Vec<crate::evidence::Candidate>,
    /// Evidence thumbnails by SHA-256.
    pub thumbs: HashMap<fieldcase_shared::hash::Digest, Option<slint::Image>>,
    /// Case shown on the detail screen.
    pub case: Option<uuid::Uuid>,
    /// The writing being drafted on the case screen.
    pub writing: writings::Form,
    /// Auto-lock.
    pub lock_timer: Rc<slint::Timer>,
}

pub(crate) type Shared = Rc<RefCell<State>>;

/// Builds the main window over `term`. With `data_dir` and `server` the
/// sync button is offered (the worker opens its own connection to the store).
pub fn build(
    term: Terminal,
    data_dir: Option<PathBuf>,
    server: Option<String>,
) -> Result<MainWindow, slint::PlatformError> {
    build_with(term, data_dir, server, SyncMode::OnDemand)
}

/// [`build`] with a choice of [`SyncMode`].
pub fn build_with(
    term: Terminal,
    data_dir: Option<PathBuf>,
    server: Option<String>,
    mode: SyncMode,
) -> Result<MainWindow, slint::PlatformError> {
    let assets = Assets::embedded().map_err(slint::PlatformError::Other)?;
    let window = MainWindow::new()?;
    let lang = term.settings().language();
    window
        .global::<SignInAdapter>()
        .set_device_key(term.public_key().to_string().into());
    let can_sync = data_dir.is_some() && server.is_some();
    window.global::<HomeAdapter>().set_can_sync(can_sync);
    let waker = match (&data_dir, &server, mode) {
        (Some(dir), Some(server), SyncMode::Background) => {
            Some(start_background(&window, dir.clone(), server.clone()))
        }
        _ => None,
    };
    let state = Rc::new(RefCell::new(State {
        term,
        officers: None,
        data_dir,
        server,
        waker,
        mode,
        assets: Rc::new(assets),
        lang,
        draft: None,
        shown: Vec::new(),
        ink: Vec::new(),
        receipt_ink: Vec::new(),
        found: Vec::new(),
        thumbs: HashMap::new(),
        case: None,
        writing: writings::Form::default(),
        lock_timer: Rc::new(slint::Timer::default()),
    }));
    set_language(&window, &state, lang);
    signin::connect(&window, state.clone());
    home::connect(&window, state.clone());
    wizard::connect(&window, state.clone());
    cases::connect(&window, state.clone());
    print::connect(&window, state.clone());
    service::connect(&window, state.clone());
    writings::connect(&window, state.clone());
    settings::connect(&window, state);
    Ok(window)
}

/// Starts the background sync worker for the window.
fn start_background(window: &MainWindow, dir: PathBuf, server: String) -> crate::background::Waker {
    let (tx, rx) = std::sync::mpsc::channel();
    let weak = window.as_weak();
    crate::background::spawn(
        dir,
        server,
        crate::background::Schedule::default(),
        rx,
        move |event| {
            let _ = weak.upgrade_in_event_loop(move |w| show_sync_event(&w, event));
        },
    );
    crate::background::Waker(tx)
}

/// Uses `server` from now on (after enrolling in the window): the sync
/// button appears and, in background mode, the worker starts.
pub(crate) fn use_server(w: &MainWindow, st: &Shared, server: String) {
    let mut s = st.borrow_mut();
    if s.server.is_some() {
        return;
    }
    s.server = Some(server.clone());
    if let Some(dir) = s.data_dir.clone() {
        w.global::<HomeAdapter>().set_can_sync(true);
        if s.mode == SyncMode::Background && s.waker.is_none() {
            s.waker = Some(start_background(w, dir, server));
        }
    }
}

/// Switches the UI language (Slint's bundled translations for `.slint`
/// text; Rust-side text follows `State::lang`).
pub(crate) fn set_language(w: &MainWindow, st: &Shared, lang: Lang) {
    st.borrow_mut().lang = lang;
    // "" selects the source language (Chinese).
    let _ = slint::select_bundled_translation(match lang {
        Lang::Zh => "",
        Lang::En => "en",
    });
    if let Err(e) = st.borrow().term.settings().set_language(lang) {
        tracing::warn!(error = %e, "language not saved");
    }
    w.global::<SignInAdapter>().set_language(lang.code().into());
    w.global::<SettingsAdapter>()
        .set_language(lang.code().into());
}

/// Screens (`Nav.screen`).
pub mod screen {
    /// Sign-in / lock.
    pub const SIGN_IN: i32 = 0;
    /// Home.
    pub const HOME: i32 = 1;
    /// The check.
    pub const CHECK: i32 = 2;
    /// Case list.
    pub const CASES: i32 = 3;
    /// One case.
    pub const CASE: i32 = 4;
    /// Settings.
    pub const SETTINGS: i32 = 5;
    /// Messages.
    pub const MESSAGES: i32 = 6;
}

/// Shows a screen.
pub(crate) fn go(w: &MainWindow, st: &Shared, to: i32) {
    match to {
        screen::HOME => home::refresh(w, st),
        screen::CASES => cases::refresh_list(w, st),
        screen::SETTINGS => settings::refresh(w, st),
        screen::MESSAGES => settings::refresh_messages(w, st),
        _ => {}
    }
    w.global::<Nav>().set_screen(to);
}

/// An officer touched the screen: the auto-lock starts again.
pub(crate) fn activity(w: &MainWindow, st: &Shared) {
    if st.borrow().officers.is_none() {
        return;
    }
    let minutes = st.borrow().term.settings().lock_minutes();
    let weak = w.as_weak();
    let st2 = st.clone();
    let timer = st.borrow().lock_timer.clone();
    timer.start(
        slint::TimerMode::SingleShot,
        Duration::from_secs(minutes * 60),
        move || {
            if let Some(w) = weak.upgrade() {
                lock(&w, &st2);
            }
        },
    );
}

/// Saves the draft being worked on and signs the officers out of the
/// window's state (lock and sign-out).
pub(crate) fn put_draft_away(st: &Shared) {
    let draft = st.borrow_mut().draft.take();
    if let Some(d) = draft {
        if let Err(e) = st.borrow().term.drafts().save(&d) {
            tracing::error!(error = %e, "draft not saved when locking");
        }
    }
    st.borrow_mut().officers = None;
}

/// Locks the screen: the officers must enter their PINs again. The draft
/// stays saved; nothing typed is lost.
pub(crate) fn lock(w: &MainWindow, st: &Shared) {
    put_draft_away(st);
    let a = w.global::<SignInAdapter>();
    a.set_pin_a(SharedString::new());
    a.set_pin_b(SharedString::new());
    a.set_error(SharedString::new());
    a.set_locked(true);
    w.global::<Nav>().set_screen(screen::SIGN_IN);
}

pub use crate::human_size;

#[cfg(test)]
mod tests {
    /// The glue only forwards: no module under `src/ui/` names the store,
    /// decodes records or starts a thread (the controllers do).
    #[test]
    fn the_glue_has_no_store_records_or_threads() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/ui");
        let mut found = Vec::new();
        let mut stack = vec![dir];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).expect("src/ui").flatten() {
                let p = e.path();
                if p.is_dir() {
                    stack.push(p);
                    continue;
                }
                let text = std::fs::read_to_string(&p).expect("glue source");
                // This test's own needles would match themselves.
                let text = text.split("mod tests {").next().unwrap_or_default();
                for needle in [
                    ".store",
                    "store::",
                    "RecordPayload",
                    ".envelope",
                    "thread::spawn",
                    "eprintln!",
                ] {
                    for (n, line) in text.lines().enumerate() {
                        if line.contains(needle) {
                            found.push(format!("{}:{}: {needle}", p.display(), n + 1));
                        }
                    }
                }
            }
        }
        assert!(
            found.is_empty(),
            "glue reaching past the controllers: {found:#?}"
        );
    }

    /// Every `@tr("…")` text of the UI has an English translation.
    #[test]
    fn every_ui_text_has_an_english_translation() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let po = std::fs::read_to_string(root.join("translations/en/LC_MESSAGES/fieldcase-app.po"))
            .expect("English .po file");
        let mut translated = std::collections::HashMap::new();
        let mut id = None;
        for line in po.lines() {
            if let Some(s) = line
                .strip_prefix("msgid \"")
                .and_then(|l| l.strip_suffix('"'))
            {
                id = Some(s.to_owned());
            } else if let Some(s) = line
                .strip_prefix("msgstr \"")
                .and_then(|l| l.strip_suffix('"'))
            {
                if let Some(k) = id.take() {
                    translated.insert(k, s.to_owned());
                }
            }
        }
        let mut missing = Vec::new();
        let mut stack = vec![root.join("ui")];
        while let Some(dir) = stack.pop() {
            for e in std::fs::read_dir(&dir).expect("ui folder").flatten() {
                let p = e.path();
                if p.is_dir() {
                    stack.push(p);
                    continue;
                }
                let text = std::fs::read_to_string(&p).expect("slint file");
                for part in text.split("@tr(\"").skip(1) {
                    let msg = part.split('"').next().unwrap_or_default().to_owned();
                    if translated.get(&msg).is_none_or(|t| t.is_empty()) {
                        missing.push(format!("{}: {msg}", p.display()));
                    }
                }
            }
        }
        assert!(missing.is_empty(), "texts without English: {missing:#?}");
        assert!(translated.len() > 50);
    }
}
