//! Driving the window through Slint's testing backend the way an officer
//! does: find elements by their visible labels, type, press, read.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use fieldcase_app::ui;
use i_slint_backend_testing::{AccessibleRole, ElementHandle, ElementQuery};
use slint::ComponentHandle;

fn find_here(w: &ui::MainWindow, label: &str, role: AccessibleRole) -> Option<ElementHandle> {
    ElementHandle::find_by_accessible_label(w, label).find(|e| e.accessible_role() == Some(role))
}

/// Finds an element on screen; if it is not in view, scrolls the form
/// (from the top, downwards) until it is, as an officer would.
pub fn find(w: &ui::MainWindow, label: &str, role: AccessibleRole) -> Option<ElementHandle> {
    seek(w, |w| find_here(w, label, role))
}

/// Looks for something on screen; if it is not in view, scrolls the form
/// from its top downwards until it is, as an officer would.
pub fn seek<T>(w: &ui::MainWindow, look: impl Fn(&ui::MainWindow) -> Option<T>) -> Option<T> {
    if let Some(t) = look(w) {
        return Some(t);
    }
    ElementHandle::find_by_element_type_name(w, "ScrollView").next()?;
    scroll_top(w);
    for _ in 0..25 {
        if let Some(t) = look(w) {
            return Some(t);
        }
        scroll(w, -150.0);
    }
    None
}

pub fn input(w: &ui::MainWindow, label: &str) -> ElementHandle {
    find(w, label, AccessibleRole::TextInput).unwrap_or_else(|| {
        let found: Vec<_> = ElementHandle::find_by_accessible_label(w, label)
            .map(|e| (e.accessible_role(), e.type_name()))
            .collect();
        let all: Vec<_> = ElementQuery::from_root(w)
            .match_descendants()
            .find_all()
            .into_iter()
            .filter_map(|e| {
                e.accessible_label()
                    .map(|l| (l.to_string(), e.absolute_position().y))
            })
            .collect();
        panic!("no input labelled {label:?} on screen; found {found:?}; on screen: {all:?}")
    })
}

pub fn type_in(w: &ui::MainWindow, label: &str, text: &str) {
    input(w, label).set_accessible_value(text);
}

pub fn button(w: &ui::MainWindow, label: &str) -> ElementHandle {
    find(w, label, AccessibleRole::Button)
        .unwrap_or_else(|| panic!("no button labelled {label:?} on screen"))
}

pub fn press(w: &ui::MainWindow, label: &str) {
    button(w, label).invoke_accessible_default_action();
}

/// Presses the `n`th button with this label (0-based), e.g. one of several 合格.
pub fn press_nth(w: &ui::MainWindow, label: &str, n: usize) {
    ElementHandle::find_by_accessible_label(w, label)
        .filter(|e| e.accessible_role() == Some(AccessibleRole::Button))
        .nth(n)
        .unwrap_or_else(|| panic!("no button #{n} labelled {label:?}"))
        .invoke_accessible_default_action();
}

pub fn count(w: &ui::MainWindow, label: &str) -> usize {
    ElementHandle::find_by_accessible_label(w, label).count()
}

pub fn shows(w: &ui::MainWindow, text: &str) -> bool {
    ElementHandle::find_by_accessible_label(w, text)
        .next()
        .is_some()
}

pub fn shows_prefix(w: &ui::MainWindow, prefix: &str) -> bool {
    ElementQuery::from_root(w)
        .match_descendants()
        .match_predicate({
            let prefix = prefix.to_owned();
            move |e| e.accessible_label().is_some_and(|l| l.starts_with(&prefix))
        })
        .find_first()
        .is_some()
}

/// Any visible text containing `part`.
pub fn shows_containing(w: &ui::MainWindow, part: &str) -> bool {
    ElementQuery::from_root(w)
        .match_descendants()
        .match_predicate({
            let part = part.to_owned();
            move |e| {
                e.accessible_label().is_some_and(|l| l.contains(&part))
                    || e.accessible_value().is_some_and(|l| l.contains(&part))
            }
        })
        .find_first()
        .is_some()
}

fn value_here(w: &ui::MainWindow, label: &str) -> Option<String> {
    ElementHandle::find_by_accessible_label(w, label)
        .find_map(|e| e.accessible_value())
        .map(|s| s.to_string())
}

/// The value shown under `label`, scrolling the form to find it.
pub fn value(w: &ui::MainWindow, label: &str) -> String {
    seek(w, |w| value_here(w, label)).unwrap_or_default()
}

pub fn status(w: &ui::MainWindow) -> String {
    value_here(w, "状态").unwrap_or_default()
}

/// Every button and input on screen lies within the 360 px width: nothing
/// an officer must reach is cut off at the side.
pub fn assert_fits(w: &ui::MainWindow, screen: &str) {
    let width = w.window().size().width as f32 / w.window().scale_factor();
    for e in ElementQuery::from_root(w).match_descendants().find_all() {
        let role = e.accessible_role();
        if !matches!(
            role,
            Some(AccessibleRole::Button) | Some(AccessibleRole::TextInput)
        ) {
            continue;
        }
        let (pos, size) = (e.absolute_position(), e.size());
        assert!(
            pos.x >= -0.5 && pos.x + size.width <= width + 0.5,
            "{screen}: {:?} {:?} spans x {}..{} beyond the {width} px screen",
            role,
            e.accessible_label(),
            pos.x,
            pos.x + size.width
        );
        if role == Some(AccessibleRole::Button) {
            assert!(
                size.height >= 48.0,
                "{screen}: button {:?} is {} px high (touch target < 48 px)",
                e.accessible_label(),
                size.height
            );
        }
    }
}

/// Runs the event loop until `done` holds (or `secs` pass); true if it held.
pub fn run_until(
    w: &ui::MainWindow,
    secs: u64,
    done: impl Fn(&ui::MainWindow) -> bool + 'static,
) -> bool {
    let weak = w.as_weak();
    let started = std::time::Instant::now();
    let timer = slint::Timer::default();
    let held = std::rc::Rc::new(std::cell::Cell::new(false));
    let h = held.clone();
    timer.start(
        slint::TimerMode::Repeated,
        std::time::Duration::from_millis(20),
        move || {
            let ok = weak.upgrade().is_some_and(|w| done(&w));
            if ok {
                h.set(true);
            }
            if ok || started.elapsed() > std::time::Duration::from_secs(secs) {
                let _ = slint::quit_event_loop();
            }
        },
    );
    slint::run_event_loop_until_quit().expect("event loop");
    held.get()
}

/// Presses `n` not-yet-selected `label` buttons, scrolling down the form as
/// a finger would to reach them.
pub fn press_all(w: &ui::MainWindow, label: &str, n: usize) {
    let mut pressed = 0;
    for _ in 0..60 {
        if pressed >= n {
            return;
        }
        let next = ElementHandle::find_by_accessible_label(w, label)
            .filter(|e| e.accessible_role() == Some(AccessibleRole::Button))
            .find(|b| b.accessible_checked() == Some(false));
        match next {
            Some(b) => {
                b.invoke_accessible_default_action();
                pressed += 1;
            }
            None => scroll(w, -200.0),
        }
    }
    panic!("could only select {pressed} of {n} × {label:?}");
}

/// Scrolls the screen's form (negative: towards the end).
pub fn scroll(w: &ui::MainWindow, dy: f32) {
    let view = ElementHandle::find_by_element_type_name(w, "ScrollView")
        .next()
        .expect("the screen scrolls");
    view.scroll(0.0, dy);
}

/// Scrolls the form back to its top.
pub fn scroll_top(w: &ui::MainWindow) {
    for _ in 0..10 {
        scroll(w, 1000.0);
    }
}

/// Whether any text containing `part` is on the screen, scrolling the form
/// from its top to its end to look for it.
pub fn sees(w: &ui::MainWindow, part: &str) -> bool {
    seek(w, |w| shows_containing(w, part).then_some(())).is_some()
}
