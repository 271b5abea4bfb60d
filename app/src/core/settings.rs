//! The terminal's settings: what they are called in the store, their
//! defaults and bounds, read and written through one controller.

use fieldcase_shared::casebag::Medium;

use super::{AppError, Lang, Terminal};

/// A setting kept in the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Setting {
    /// UI language (`zh` / `en`).
    Language,
    /// Minutes without a touch before the screen locks.
    LockMinutes,
    /// Disc medium of the archive (`cd`, `dvd`, …).
    DiscMedium,
    /// gpsd address (`host:port`).
    Gpsd,
}

impl Setting {
    /// Its key in the store.
    pub fn key(self) -> &'static str {
        match self {
            Setting::Language => "language",
            Setting::LockMinutes => "lock_minutes",
            Setting::DiscMedium => "disc_medium",
            Setting::Gpsd => "gpsd",
        }
    }
}

/// Auto-lock choices offered (minutes); the default is the middle one.
pub const LOCK_CHOICES: [u64; 3] = [2, 5, 10];

/// How the window syncs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncMode {
    /// Only when the sync button is pressed.
    OnDemand,
    /// A background worker syncs whenever there is something to send,
    /// with backoff after failures; the button syncs at once.
    Background,
}

/// Reads and writes the settings of one terminal.
pub struct Settings<'t> {
    term: &'t Terminal,
}

impl Terminal {
    /// The settings controller.
    pub fn settings(&self) -> Settings<'_> {
        Settings { term: self }
    }
}

impl Settings<'_> {
    fn get(&self, s: Setting) -> Option<String> {
        self.term.store.setting(s.key()).ok().flatten()
    }

    fn set(&self, s: Setting, value: &str) -> Result<(), AppError> {
        Ok(self.term.store.set_setting(s.key(), value)?)
    }

    /// The language chosen (Chinese until one is).
    pub fn language(&self) -> Lang {
        self.get(Setting::Language)
            .and_then(|l| Lang::parse(&l))
            .unwrap_or_default()
    }

    /// Chooses the language.
    pub fn set_language(&self, lang: Lang) -> Result<(), AppError> {
        self.set(Setting::Language, lang.code())
    }

    /// Minutes before auto-lock (1–60, 5 by default).
    pub fn lock_minutes(&self) -> u64 {
        self.get(Setting::LockMinutes)
            .and_then(|m| m.parse::<u64>().ok())
            .unwrap_or(5)
            .clamp(1, 60)
    }

    /// Sets the auto-lock (1–60 minutes).
    pub fn set_lock_minutes(&self, minutes: u64) -> Result<(), AppError> {
        self.set(Setting::LockMinutes, &minutes.clamp(1, 60).to_string())
    }

    /// The disc medium (DVD by default).
    pub fn medium(&self) -> Medium {
        self.get(Setting::DiscMedium)
            .and_then(|m| Medium::parse(&m))
            .unwrap_or(Medium::Dvd)
    }

    /// Chooses the disc medium (an unknown name is refused).
    pub fn set_medium(&self, name: &str) -> Result<(), AppError> {
        let m = Medium::parse(name).ok_or_else(|| {
            AppError::refused(
                format!("未知的光盘类型“{name}”"),
                format!("unknown disc medium {name:?}"),
            )
        })?;
        self.set(Setting::DiscMedium, m.name())
    }

    /// The gpsd address: the setting, `FIELDCASE_GPSD`, or localhost.
    pub fn gpsd(&self) -> String {
        crate::gps::address(self.get(Setting::Gpsd))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use fieldcase_shared::keys::DeviceKey;

    #[test]
    fn defaults_and_bounds() {
        let t = Terminal::in_memory(DeviceKey::from_seed([1; 32])).unwrap();
        let s = t.settings();
        assert_eq!(s.language(), Lang::Zh);
        assert_eq!(s.lock_minutes(), 5);
        assert_eq!(s.medium(), Medium::Dvd);
        s.set_language(Lang::En).unwrap();
        s.set_lock_minutes(600).unwrap();
        s.set_medium("bd").unwrap();
        assert!(s.set_medium("floppy").is_err());
        assert_eq!(
            (s.language(), s.lock_minutes(), s.medium()),
            (Lang::En, 60, Medium::Bd)
        );
    }
}
