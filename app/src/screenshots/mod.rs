//! `fieldcase screenshots`: every screen rendered headless (no display) to
//! PNG at 360×720, in Chinese or English — for review of the layout and the
//! wording, and for the tests that measure them (width, clipping,
//! contrast). The screens are reached the way an officer reaches them:
//! through the window's own callbacks ([`tour`]).

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use slint::platform::software_renderer::{MinimalSoftwareWindow, RepaintBufferType};
use slint::platform::{Platform, WindowAdapter};
use slint::{ComponentHandle, PhysicalSize, Rgb8Pixel};

use crate::core::{Lang, Terminal};
use crate::ui::{self, MainWindow};

mod data;
mod tour;

/// Screen size in pixels.
pub const SIZE: (u32, u32) = (360, 720);

thread_local! {
    static WINDOW: RefCell<Option<Rc<MinimalSoftwareWindow>>> = const { RefCell::new(None) };
}

struct Headless;

impl Platform for Headless {
    fn create_window_adapter(&self) -> Result<Rc<dyn WindowAdapter>, slint::PlatformError> {
        Ok(window())
    }
}

/// The one headless window of this thread (made on first use; the
/// platform can be set once per process).
fn window() -> Rc<MinimalSoftwareWindow> {
    WINDOW.with(|w| {
        w.borrow_mut()
            .get_or_insert_with(|| {
                let win = MinimalSoftwareWindow::new(RepaintBufferType::NewBuffer);
                win.set_size(PhysicalSize::new(SIZE.0, SIZE.1));
                win
            })
            .clone()
    })
}

/// One screen as rendered.
pub struct Shot<'a> {
    /// Its name (`check-3-place`, …).
    pub name: &'a str,
    /// The window showing it.
    pub window: &'a MainWindow,
    /// The pixels.
    pub image: &'a image::RgbImage,
}

/// Renders the window and hands each screen to the caller.
pub(crate) struct Shooter<'a> {
    out: PathBuf,
    made: Vec<PathBuf>,
    inspect: &'a mut dyn FnMut(&Shot<'_>) -> anyhow::Result<()>,
}

impl Shooter<'_> {
    pub(crate) fn shoot(&mut self, w: &MainWindow, name: &str) -> anyhow::Result<()> {
        slint::platform::update_timers_and_animations();
        let win = window();
        win.request_redraw();
        let (width, height) = SIZE;
        let mut buf = vec![Rgb8Pixel::new(0, 0, 0); (width * height) as usize];
        win.draw_if_needed(|r| {
            r.render(&mut buf, width as usize);
        });
        let bytes: Vec<u8> = buf.iter().flat_map(|p| [p.r, p.g, p.b]).collect();
        let img = image::RgbImage::from_raw(width, height, bytes)
            .ok_or_else(|| anyhow::anyhow!("frame buffer size mismatch"))?;
        let path = self
            .out
            .join(format!("{:02}-{name}.png", self.made.len() + 1));
        img.save(&path)
            .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        (self.inspect)(&Shot {
            name,
            window: w,
            image: &img,
        })?;
        self.made.push(path);
        Ok(())
    }
}

/// Renders every screen into `out` (created if missing); returns the files.
/// The data: a copy of `source` when given (a terminal with cases; the
/// original is never changed), else a fresh demo terminal; in `work`.
pub fn run(
    out: &Path,
    lang: Lang,
    work: &Path,
    source: Option<&Path>,
) -> anyhow::Result<Vec<PathBuf>> {
    run_with(out, lang, work, source, &mut |_| Ok(()))
}

/// [`run`], with every screen handed to `inspect` as it is rendered.
pub fn run_with(
    out: &Path,
    lang: Lang,
    work: &Path,
    source: Option<&Path>,
    inspect: &mut dyn FnMut(&Shot<'_>) -> anyhow::Result<()>,
) -> anyhow::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(out).map_err(|e| anyhow::anyhow!("{}: {e}", out.display()))?;
    let _ = window();
    // Already set by an earlier run in this process: the same window serves.
    let _ = slint::platform::set_platform(Box::new(Headless));
    let dir = data::prepare(work, source, lang)?;
    let term = Terminal::open(&dir)?;
    let w: MainWindow = ui::build(term, Some(dir.clone()), None)?;
    w.show()?;
    let mut s = Shooter {
        out: out.to_owned(),
        made: Vec::new(),
        inspect,
    };
    tour::all(&w, &mut s, &dir, work, lang)?;
    w.hide()?;
    Ok(s.made)
}
