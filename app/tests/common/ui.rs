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

/// What an officer could not read or reach on this screen: a button, input
/// or text beyond the screen's width, a text that does not fit inside its
/// element (cut, or a word broken) or spills out of its button, a button
/// under 48 px high.
pub fn layout_problems(w: &ui::MainWindow, screen: &str) -> Vec<String> {
    let width = w.window().size().width as f32 / w.window().scale_factor();
    let all = ElementQuery::from_root(w).match_descendants().find_all();
    let rect = |e: &ElementHandle| {
        let (p, s) = (e.absolute_position(), e.size());
        (p.x, p.y, p.x + s.width, p.y + s.height)
    };
    // A form scrolled under the top or bottom bar is out of sight: what lies
    // there is not compared with the bars' buttons.
    let band = ElementHandle::find_by_element_type_name(w, "ScrollView")
        .next()
        .map(|v| rect(&v))
        .map_or((f32::MIN, f32::MAX), |r| (r.1, r.3));
    let seen = |r: (f32, f32, f32, f32)| {
        r.3 <= band.0 + 0.5 || r.1 >= band.1 - 0.5 || (r.1 >= band.0 - 0.5 && r.3 <= band.1 + 0.5)
    };
    let buttons: Vec<_> = all
        .iter()
        .filter(|e| e.accessible_role() == Some(AccessibleRole::Button) && seen(rect(e)))
        .map(|e| (rect(e), e.accessible_label().unwrap_or_default()))
        .collect();
    let mut out = Vec::new();
    let mut done = std::collections::HashSet::new();
    for e in &all {
        let role = e.accessible_role();
        // The same element can be found once per component it inherits.
        if !done.insert(format!("{role:?}{:?}{:?}", e.accessible_label(), rect(e))) {
            continue;
        }
        if !matches!(
            role,
            Some(AccessibleRole::Button)
                | Some(AccessibleRole::TextInput)
                | Some(AccessibleRole::Text)
        ) {
            continue;
        }
        let (x0, y0, x1, y1) = rect(e);
        if x1 - x0 < 0.5 || y1 - y0 < 0.5 {
            continue;
        }
        let label = e.accessible_label().unwrap_or_default();
        if x0 < -0.5 || x1 > width + 0.5 {
            out.push(format!(
                "{screen}: {role:?} {label:?} spans x {x0}..{x1} beyond the {width} px screen"
            ));
        }
        if role == Some(AccessibleRole::Button) && y1 - y0 < 48.0 {
            out.push(format!(
                "{screen}: button {label:?} is {} px high (touch target < 48 px)",
                y1 - y0
            ));
        }
        if role != Some(AccessibleRole::Text) {
            continue;
        }
        if e.accessible_description().is_some_and(|d| d == "clipped") {
            out.push(format!(
                "{screen}: text {label:?} does not fit in its {}×{} px",
                x1 - x0,
                y1 - y0
            ));
        }
        let (cx, cy) = ((x0 + x1) / 2.0, (y0 + y1) / 2.0);
        if !seen((x0, y0, x1, y1)) {
            continue;
        }
        for ((bx0, by0, bx1, by1), b) in &buttons {
            let inside = cx > *bx0 && cx < *bx1 && cy > *by0 && cy < *by1;
            if inside && (x0 < bx0 - 1.0 || x1 > bx1 + 1.0 || y0 < by0 - 1.0 || y1 > by1 + 1.0) {
                out.push(format!(
                    "{screen}: text {label:?} spills out of button {b:?}"
                ));
            }
        }
    }
    out
}

/// Every button, input and text on screen fits: see [`layout_problems`].
pub fn assert_fits(w: &ui::MainWindow, screen: &str) {
    let problems = layout_problems(w, screen);
    assert!(problems.is_empty(), "{problems:#?}");
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
    // A quit left over from an earlier wait (its timer fired twice before
    // the loop ended) ends the loop early: run it again until the
    // condition holds or the time is up.
    loop {
        slint::run_event_loop_until_quit().expect("event loop");
        if held.get() || started.elapsed() > std::time::Duration::from_secs(secs) {
            return held.get();
        }
    }
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

/// Draws a stroke across the signature pad in view ("签名板").
pub fn sign(w: &ui::MainWindow) {
    use slint::platform::{PointerEventButton, WindowEvent};
    let pad = ElementHandle::find_by_accessible_label(w, "签名板")
        .next()
        .expect("pad");
    let (p, s) = (pad.absolute_position(), pad.size());
    let at =
        |fx: f32, fy: f32| slint::LogicalPosition::new(p.x + s.width * fx, p.y + s.height * fy);
    let button = PointerEventButton::Left;
    w.window().dispatch_event(WindowEvent::PointerPressed {
        position: at(0.2, 0.5),
        button,
    });
    for i in 1..=8 {
        let t = i as f32 / 8.0;
        w.window().dispatch_event(WindowEvent::PointerMoved {
            position: at(0.2 + 0.6 * t, 0.5 - 0.3 * t),
        });
    }
    w.window().dispatch_event(WindowEvent::PointerReleased {
        position: at(0.8, 0.2),
        button,
    });
}

/// Signs the two demo officers in on the sign-in screen.
pub fn sign_in(w: &ui::MainWindow) {
    use fieldcase_app::demo::DEMO_OFFICERS;
    type_in(w, "主办人员执法证号", DEMO_OFFICERS[0].0);
    type_in(w, "主办人员 PIN", DEMO_OFFICERS[0].2);
    type_in(w, "协办人员执法证号", DEMO_OFFICERS[1].0);
    type_in(w, "协办人员 PIN", DEMO_OFFICERS[1].2);
    press(w, "签到并开始");
}
