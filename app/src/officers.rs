//! The officers of a terminal: registering them with a PIN (stored only as
//! an Argon2id hash), and signing in the pair that records a check.

use chrono::{DateTime, Utc};
use fieldcase_shared::model::OfficerPair;
use fieldcase_shared::validate;

use crate::core::{AppError, Terminal, Text2};

/// Why a pair could not sign in.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SignInError {
    /// Wrong 执法证号 of the first officer.
    pub first: Option<Text2>,
    /// Wrong 执法证号 of the second officer.
    pub second: Option<Text2>,
    /// Anything else (same officer twice, wrong or locked PIN).
    pub other: Option<Text2>,
}

impl SignInError {
    fn other(t: Text2) -> Box<Self> {
        Box::new(SignInError {
            other: Some(t),
            ..Self::default()
        })
    }
}

/// The officers controller.
pub struct Officers<'t> {
    term: &'t Terminal,
}

impl Terminal {
    /// The officers controller.
    pub fn officers(&self) -> Officers<'_> {
        Officers { term: self }
    }
}

impl Officers<'_> {
    /// Registers an officer, or gives a registered one a new PIN.
    pub fn add(&self, cert_no: &str, name: &str, pin: &str) -> Result<String, AppError> {
        let cert_no =
            validate::cert_no(cert_no).map_err(|e| AppError::refused(e.zh(), e.to_string()))?;
        self.term
            .store
            .add_officer(&cert_no, name.trim(), pin.trim())
            .map_err(|e| AppError::refused(e.zh(), e.to_string()))?;
        Ok(cert_no)
    }

    /// Registered officers: (执法证号, name).
    pub fn list(&self) -> Result<Vec<(String, String)>, AppError> {
        Ok(self.term.store.officers()?)
    }

    /// Signs in two officers with their PINs; each wrong PIN counts towards
    /// the officer's lock-out.
    pub fn sign_in(
        &self,
        [(cert_a, pin_a), (cert_b, pin_b)]: [(&str, &str); 2],
        now: DateTime<Utc>,
    ) -> Result<OfficerPair, Box<SignInError>> {
        let msg = |e: &validate::ValidationError| Text2::new(e.zh(), e.to_string());
        let first = validate::cert_no(cert_a).err().as_ref().map(msg);
        let second = validate::cert_no(cert_b).err().as_ref().map(msg);
        if first.is_some() || second.is_some() {
            return Err(Box::new(SignInError {
                first,
                second,
                other: None,
            }));
        }
        let mut pair = OfficerPair::new(cert_a, cert_b).map_err(|e| SignInError::other(msg(&e)))?;
        for (officer, pin) in pair.0.iter_mut().zip([pin_a, pin_b]) {
            let name = self
                .term
                .store
                .check_pin(&officer.cert_no, pin, now)
                .map_err(|e| SignInError::other(Text2::new(e.zh(), e.to_string())))?;
            officer.name = Some(name);
        }
        Ok(pair)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use fieldcase_shared::keys::DeviceKey;

    #[test]
    fn a_pair_signs_in_with_both_pins_only() {
        let t = Terminal::in_memory(DeviceKey::from_seed([2; 32])).unwrap();
        let o = t.officers();
        o.add("65010023", "张警官", "246810").unwrap();
        o.add("65010031", "李警官", "135790").unwrap();
        let now = Utc::now();
        let pair = o
            .sign_in([("65010023", "246810"), ("65010031", "135790")], now)
            .unwrap();
        assert_eq!(pair.0[1].name.as_deref(), Some("李警官"));
        let e = o
            .sign_in([("65010023", "246810"), ("65010031", "000000")], now)
            .unwrap_err();
        assert!(e.other.unwrap().zh.contains("PIN"));
        let e = o
            .sign_in([("65010023", "246810"), ("65010023", "246810")], now)
            .unwrap_err();
        assert!(e.other.is_some(), "the same officer twice");
        let e = o.sign_in([("x", ""), ("65010031", "")], now).unwrap_err();
        assert!(e.first.is_some() && e.second.is_none());
    }
}
