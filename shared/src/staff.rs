//! Back-office staff: the roles a bureau gives its people (`docs/office.md`).

use serde::{Deserialize, Serialize};

/// A back-office role. A person may hold several.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 办案人员: works the cases assigned to them.
    CaseOfficer,
    /// 审核人员: reviews cases synced from terminals, returns them.
    Reviewer,
    /// 法制审核人员: the legal review of major decisions.
    LegalReviewer,
    /// 负责人: approves (立案, decisions).
    Head,
    /// 档案管理员: builds and keeps the case discs.
    Archivist,
    /// 系统管理员: accounts and the access log.
    Admin,
}

impl Role {
    /// Every role, in the order the office lists them.
    pub const ALL: [Role; 6] = [
        Role::CaseOfficer,
        Role::Reviewer,
        Role::LegalReviewer,
        Role::Head,
        Role::Archivist,
        Role::Admin,
    ];

    /// The stored and command-line name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::CaseOfficer => "case_officer",
            Role::Reviewer => "reviewer",
            Role::LegalReviewer => "legal_reviewer",
            Role::Head => "head",
            Role::Archivist => "archivist",
            Role::Admin => "admin",
        }
    }

    /// The role's Chinese name.
    pub fn zh(self) -> &'static str {
        match self {
            Role::CaseOfficer => "办案人员",
            Role::Reviewer => "审核人员",
            Role::LegalReviewer => "法制审核人员",
            Role::Head => "负责人",
            Role::Archivist => "档案管理员",
            Role::Admin => "系统管理员",
        }
    }

    /// The role's English name.
    pub fn en(self) -> &'static str {
        match self {
            Role::CaseOfficer => "Case officer",
            Role::Reviewer => "Reviewer",
            Role::LegalReviewer => "Legal reviewer",
            Role::Head => "Head (approves)",
            Role::Archivist => "Archivist",
            Role::Admin => "System administrator",
        }
    }
}

impl std::str::FromStr for Role {
    type Err = String;

    /// The stored name or the Chinese name.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s || r.zh() == s)
            .ok_or_else(|| {
                format!(
                    "unknown role {s:?}; one of: {}",
                    Role::ALL
                        .iter()
                        .map(|r| format!("{} ({})", r.as_str(), r.zh()))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })
    }
}

/// A set of roles as stored: their names joined by commas.
pub fn roles_to_text(roles: &[Role]) -> String {
    roles
        .iter()
        .map(|r| r.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

/// Roles back from their stored text.
pub fn roles_from_text(text: &str) -> Result<Vec<Role>, String> {
    text.split(',')
        .filter(|s| !s.is_empty())
        .map(str::parse)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_by_either_name() {
        for r in Role::ALL {
            assert_eq!(r.as_str().parse::<Role>(), Ok(r));
            assert_eq!(r.zh().parse::<Role>(), Ok(r));
        }
        assert_eq!(
            roles_from_text(&roles_to_text(&Role::ALL)),
            Ok(Role::ALL.to_vec())
        );
        let e = "boss".parse::<Role>().unwrap_err();
        assert!(e.contains("法制审核人员"), "{e}");
    }
}
