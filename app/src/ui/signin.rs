//! Sign-in (and unlock) of the officer pair: 执法证号 + PIN each.

use chrono::Utc;
use fieldcase_shared::model::OfficerPair;
use fieldcase_shared::validate;
use slint::{ComponentHandle, SharedString};

use super::{activity, go, screen, set_language, Lang, MainWindow, Nav, Shared, SignInAdapter};

pub(super) fn connect(window: &MainWindow, state: Shared) {
    let weak = window.as_weak();
    let st = state.clone();
    window.global::<SignInAdapter>().on_sign_in(move || {
        let Some(w) = weak.upgrade() else { return };
        let a = w.global::<SignInAdapter>();
        let lang = st.borrow().lang;
        let msg = |e: &validate::ValidationError| -> SharedString {
            lang.t(e.zh(), e.to_string()).into()
        };
        let ea = validate::cert_no(&a.get_officer_a()).err();
        let eb = validate::cert_no(&a.get_officer_b()).err();
        a.set_error_a(ea.as_ref().map(msg).unwrap_or_default());
        a.set_error_b(eb.as_ref().map(msg).unwrap_or_default());
        a.set_error(SharedString::new());
        if ea.is_some() || eb.is_some() {
            return;
        }
        let pair = match OfficerPair::new(&a.get_officer_a(), &a.get_officer_b()) {
            Ok(p) => p,
            Err(e) => return a.set_error(msg(&e)),
        };
        let now = Utc::now();
        let mut names = Vec::new();
        for (officer, pin) in pair.0.iter().zip([a.get_pin_a(), a.get_pin_b()]) {
            let checked = st
                .borrow()
                .term
                .store
                .check_pin(&officer.cert_no, &pin, now);
            match checked {
                Ok(name) => names.push(name),
                Err(e) => {
                    a.set_error(lang.t(e.zh(), e.to_string()).into());
                    return;
                }
            }
        }
        let mut pair = pair;
        for (o, n) in pair.0.iter_mut().zip(names) {
            o.name = Some(n);
        }
        a.set_pin_a(SharedString::new());
        a.set_pin_b(SharedString::new());
        a.set_locked(false);
        st.borrow_mut().officers = Some(pair);
        activity(&w, &st);
        go(&w, &st, screen::HOME);
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
