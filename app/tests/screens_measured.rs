//! Every screen, in both languages, measured as rendered (the headless
//! software renderer and real fonts, as `fieldcase screenshots`): nothing
//! beyond the screen, no text cut or spilling from its button, and the
//! contrast an officer needs in sunlight — text at least 4.5:1 on what is
//! behind it, input borders and buttons at least 3:1 against the page
//! (WCAG 2.x), a disabled button grey, not blue.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::contrast::{mode, pixels, ring, strongest};
use common::ui::layout_problems;
use fieldcase_app::core::Lang;
use fieldcase_app::screenshots::{run_with, Shot};
use i_slint_backend_testing::{AccessibleRole, ElementHandle, ElementQuery};

const TEXT: f64 = 4.5;
const EDGE: f64 = 3.0;

fn rect(e: &ElementHandle) -> (f32, f32, f32, f32) {
    let (p, s) = (e.absolute_position(), e.size());
    (p.x, p.y, p.x + s.width, p.y + s.height)
}

/// On screen, whole, and not hidden under the bars (a form scrolled under
/// the top or bottom bar is not what an officer sees).
fn in_view(r: (f32, f32, f32, f32), view: (f32, f32)) -> bool {
    r.0 >= 0.0
        && r.2 <= 360.0
        && r.1 >= view.0
        && r.3 <= view.1
        && r.2 - r.0 >= 4.0
        && r.3 - r.1 >= 4.0
}

/// The vertical band a scrolled form shows (the whole screen without one).
fn scroll_band(shot: &Shot<'_>) -> (f32, f32) {
    ElementHandle::find_by_element_type_name(shot.window, "ScrollView")
        .next()
        .map(|v| {
            let r = rect(&v);
            (r.1, r.3)
        })
        .unwrap_or((0.0, 720.0))
}

fn contrast_problems(shot: &Shot<'_>) -> Vec<String> {
    let img = shot.image;
    let band = scroll_band(shot);
    let mut out = Vec::new();
    let all = ElementQuery::from_root(shot.window)
        .match_descendants()
        .find_all();
    let mut done = std::collections::HashSet::new();
    for e in &all {
        let role = e.accessible_role();
        let r = rect(e);
        if !done.insert(format!("{role:?}{:?}{r:?}", e.accessible_label())) {
            continue;
        }
        // Texts of the bars lie outside the band; they are checked whole.
        let view = if r.3 <= band.0 + 0.5 || r.1 >= band.1 - 0.5 {
            (0.0, 720.0)
        } else {
            band
        };
        if !in_view(r, view) {
            continue;
        }
        let label = e.accessible_label().unwrap_or_default();
        match role {
            Some(AccessibleRole::Text) if !label.trim().is_empty() => {
                let px = pixels(img, r);
                let Some(bg) = mode(&px) else { continue };
                let Some((fg, k)) = strongest(&px, bg) else {
                    continue;
                };
                if k < TEXT {
                    out.push(format!(
                        "{}: text {label:?} {fg:?} on {bg:?} is {k:.2}:1 (< {TEXT})",
                        shot.name
                    ));
                }
            }
            Some(AccessibleRole::TextInput) | Some(AccessibleRole::Button) => {
                // The page around it, and the strongest edge (border or fill).
                let page = mode(&ring(img, r, -8.0, 12.0)).unwrap_or(image::Rgb([255, 255, 255]));
                let edge = ring(img, r, 3.0, 4.0);
                let k = strongest(&edge, page).map_or(1.0, |(_, k)| k);
                if k < EDGE {
                    out.push(format!(
                        "{}: {role:?} {label:?} stands out {k:.2}:1 from the page {page:?} (< {EDGE})",
                        shot.name
                    ));
                }
                if role == Some(AccessibleRole::Button) && e.accessible_enabled() == Some(false) {
                    let px = pixels(img, r);
                    let bg = mode(&px).unwrap_or(page);
                    if let Some((fg, k)) = strongest(&px, bg) {
                        let blue = i16::from(fg[2]) - i16::from(fg[0]) > 60;
                        if blue || k < TEXT {
                            out.push(format!(
                                "{}: disabled button {label:?} reads as active or unreadable: {fg:?} on {bg:?} ({k:.2}:1)",
                                shot.name
                            ));
                        }
                    }
                }
            }
            _ => {}
        }
    }
    out
}

#[test]
fn every_screen_fits_is_not_clipped_and_reads_in_sunlight_in_both_languages() {
    let mut problems = Vec::new();
    let mut screens = 0;
    for lang in [Lang::Zh, Lang::En] {
        let out = tempfile::tempdir().unwrap();
        let work = tempfile::tempdir().unwrap();
        let files = run_with(out.path(), lang, work.path(), None, &mut |shot| {
            let name = format!("{}/{}", lang.code(), shot.name);
            problems.extend(layout_problems(shot.window, &name));
            problems.extend(
                contrast_problems(shot)
                    .into_iter()
                    .map(|p| format!("{}/{p}", lang.code())),
            );
            screens += 1;
            Ok(())
        })
        .unwrap();
        assert!(files.len() >= 19, "{files:?}");
    }
    assert_eq!(screens, 42);
    assert!(
        problems.is_empty(),
        "{} problems: {problems:#?}",
        problems.len()
    );
}
