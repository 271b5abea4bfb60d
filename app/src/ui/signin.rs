//! Sign-in (and unlock) of the officer pair: 执法证号 + PIN each.

use chrono::Utc;
use slint::{ComponentHandle, SharedString};

use super::{activity, go, screen, set_language, MainWindow, Nav, Shared, SignInAdapter};
use crate::core::Lang;

pub(super) fn connect(window: &MainWindow, state: Shared) {
    let weak = window.as_weak();
    let st = state.clone();
    window.global::<SignInAdapter>().on_sign_in(move || {
        let Some(w) = weak.upgrade() else { return };
        let a = w.global::<SignInAdapter>();
        let lang = st.borrow().lang;
        let text = |t: Option<crate::core::Text2>| -> SharedString {
            t.map(|t| t.get(lang)).unwrap_or_default().into()
        };
        let result = st.borrow().term.officers().sign_in(
            [
                (&a.get_officer_a(), &a.get_pin_a()),
                (&a.get_officer_b(), &a.get_pin_b()),
            ],
            Utc::now(),
        );
        match result {
            Ok(pair) => {
                a.set_error_a(SharedString::new());
                a.set_error_b(SharedString::new());
                a.set_error(SharedString::new());
                a.set_pin_a(SharedString::new());
                a.set_pin_b(SharedString::new());
                a.set_locked(false);
                tracing::info!("officers signed in");
                st.borrow_mut().officers = Some(pair);
                activity(&w, &st);
                go(&w, &st, screen::HOME);
            }
            Err(e) => {
                let e = *e;
                a.set_error_a(text(e.first));
                a.set_error_b(text(e.second));
                a.set_error(text(e.other));
            }
        }
    });

    let weak = window.as_weak();
    window
        .global::<SignInAdapter>()
        .on_set_language(move |code| {
            let Some(w) = weak.upgrade() else { return };
            if let Some(lang) = Lang::parse(&code) {
                set_language(&w, &state, lang);
                if w.global::<Nav>().get_screen() != screen::SIGN_IN {
                    go(&w, &state, w.global::<Nav>().get_screen());
                }
            }
        });
}
