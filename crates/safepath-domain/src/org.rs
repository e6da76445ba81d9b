//! Organisations, roles and staff accounts.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::DomainError;

/// The kind of organisation (HTCDS distinguishes the deciding organisation type).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrgType {
    Government,
    Ngo,
    InternationalOrganisation,
}

impl OrgType {
    pub const ALL: [OrgType; 3] = [
        OrgType::Government,
        OrgType::Ngo,
        OrgType::InternationalOrganisation,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            OrgType::Government => "government",
            OrgType::Ngo => "ngo",
            OrgType::InternationalOrganisation => "international_organisation",
        }
    }
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        Self::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| {
                DomainError::invalid(
                    "type",
                    "expected one of government, ngo, international_organisation",
                )
            })
    }
}

/// What a staff member does. Roles decide actions; relationships to a case decide which cases.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Administrator,
    Coordinator,
    CaseManager,
    FirstResponder,
    ServiceProvider,
    Analyst,
    Partner,
}

impl Role {
    pub const ALL: [Role; 7] = [
        Role::Administrator,
        Role::Coordinator,
        Role::CaseManager,
        Role::FirstResponder,
        Role::ServiceProvider,
        Role::Analyst,
        Role::Partner,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Administrator => "administrator",
            Role::Coordinator => "coordinator",
            Role::CaseManager => "case_manager",
            Role::FirstResponder => "first_responder",
            Role::ServiceProvider => "service_provider",
            Role::Analyst => "analyst",
            Role::Partner => "partner",
        }
    }
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        Self::ALL.into_iter().find(|r| r.as_str() == s).ok_or_else(|| {
            DomainError::invalid(
                "role",
                "expected one of administrator, coordinator, case_manager, first_responder, service_provider, analyst, partner",
            )
        })
    }
}

/// A login name: 3–64 characters of ASCII letters, digits, `.`, `-`, `_`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Username(String);

impl Username {
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        let ok_len = (3..=64).contains(&s.len());
        let ok_chars = s
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'));
        if ok_len && ok_chars {
            Ok(Self(s.to_ascii_lowercase()))
        } else {
            Err(DomainError::invalid(
                "username",
                "3 to 64 characters: letters, digits, '.', '-', '_'",
            ))
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Minimum password policy: length over composition rules (NIST SP 800-63B §5.1.1.2).
pub fn check_password_strength(password: &str) -> Result<(), DomainError> {
    let n = password.chars().count();
    if n < 12 {
        return Err(DomainError::new(
            "weak_password",
            "a password needs at least 12 characters",
        ));
    }
    if n > 256 {
        return Err(DomainError::new(
            "weak_password",
            "a password may have at most 256 characters",
        ));
    }
    Ok(())
}

/// ISO 3166-1 alpha-3 country code (shape only; the list is not embedded here).
pub fn check_country(code: &str) -> Result<String, DomainError> {
    if code.len() == 3 && code.bytes().all(|b| b.is_ascii_alphabetic()) {
        Ok(code.to_ascii_uppercase())
    } else {
        Err(DomainError::invalid(
            "country",
            "expected an ISO 3166-1 alpha-3 code such as THA",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_and_types_round_trip() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()).unwrap(), r);
        }
        for t in OrgType::ALL {
            assert_eq!(OrgType::parse(t.as_str()).unwrap(), t);
        }
        assert!(Role::parse("root").is_err());
        assert!(OrgType::parse("company").is_err());
    }

    #[test]
    fn usernames_and_passwords() {
        assert_eq!(Username::parse("Demo-CM-a").unwrap().as_str(), "demo-cm-a");
        assert!(Username::parse("a b").is_err());
        assert!(Username::parse("ab").is_err());
        assert!(check_password_strength("short").is_err());
        assert!(check_password_strength("safepath-demo").is_ok());
        assert_eq!(check_country("tha").unwrap(), "THA");
        assert!(check_country("TH").is_err());
    }
}
