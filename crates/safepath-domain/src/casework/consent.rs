//! The consent ledger (PRODUCT.md, principle 3: consent is a ledger, not a
//! checkbox).
//!
//! A person consents per purpose, per recipient organisation where there is
//! one, and per category of data. Each [`Consent`] is one entry of the
//! ledger; entries are never edited, only withdrawn ([`withdraw`]) or left to
//! expire. Before any data leaves the case, the app layer asks [`covers`];
//! what a receiving organisation may see is [`allowed_categories`].
//!
//! Dates are whole days. `expires_on` and `withdrawn_on` are the first day on
//! which the consent no longer holds: withdrawal takes effect on the day it is
//! recorded, and a consent that "expires on" a date is no longer relied on
//! from that date. A consent holds from its `given_on` day.
//!
//! Children: a child's consent counts only with their guardian's recorded
//! alongside, unless the guardian is the suspected exploiter — then a
//! best-interests determination stands in for the guardian, and its reference
//! is recorded.

use std::collections::BTreeSet;
use std::fmt;

use serde::{Deserialize, Serialize};
use time::Date;

use super::ids::ConsentId;
use crate::DomainError;
use crate::ids::{OrgId, UserId};

/// Codes of the consent rules (stable). Recording refusals come as
/// [`DomainError`]; [`ConsentRefusal::code`] gives the refusals of [`covers`].
pub mod codes {
    /// No consent for this purpose (and recipient).
    pub const CONSENT_MISSING: &str = "consent_missing";
    /// The consent that would cover this has expired.
    pub const CONSENT_EXPIRED: &str = "consent_expired";
    /// The consent that would cover this was withdrawn.
    pub const CONSENT_WITHDRAWN: &str = "consent_withdrawn";
    /// Consent exists, but not for every requested category.
    pub const CONSENT_CATEGORIES_NOT_COVERED: &str = "consent_categories_not_covered";
    /// A child's consent without their guardian's (or a best-interests
    /// determination when the guardian is the suspected exploiter).
    pub const GUARDIAN_CONSENT_MISSING: &str = "guardian_consent_missing";
    /// The purpose needs a named recipient organisation.
    pub const RECIPIENT_REQUIRED: &str = "consent_recipient_required";
    /// The purpose has no recipient organisation, yet one was named.
    pub const RECIPIENT_NOT_ALLOWED: &str = "consent_recipient_not_allowed";
    /// A data-bearing purpose with no category of data.
    pub const CATEGORIES_REQUIRED: &str = "consent_categories_required";
    /// `expires_on` is not after `given_on`.
    pub const EXPIRY_NOT_AFTER_GIVEN: &str = "consent_expiry_not_after_given";
    /// `given_on` is after today: consent is recorded when it is given.
    pub const GIVEN_IN_FUTURE: &str = "consent_given_in_future";
    /// The language the consent was explained in is missing or malformed.
    pub const LANGUAGE_REQUIRED: &str = "consent_language_required";
    /// The best-interests determination reference is missing.
    pub const BEST_INTERESTS_REFERENCE_REQUIRED: &str = "best_interests_reference_required";
    /// The consent was already withdrawn.
    pub const ALREADY_WITHDRAWN: &str = "consent_already_withdrawn";
}

vocabulary! {
    /// What the person consents to.
    ConsentPurpose, "consent.purpose", "not a known consent purpose" {
        /// Referral to a named service provider.
        ServiceReferral => "service_referral",
        /// Sharing data with a named organisation.
        DataSharing => "data_sharing",
        /// Contacting the person's family.
        FamilyContact => "family_contact",
        /// Disclosing to a family's tracing request that the person was found.
        Tracing => "tracing",
        /// Handover to the receiving agency in the country of origin.
        CrossBorderHandover => "cross_border_handover",
        /// Inclusion of the case in (anonymised) statistics and research.
        Statistics => "statistics",
    }
}

impl ConsentPurpose {
    /// Whether the purpose sends data to a named organisation, which the
    /// consent must then name. Family contact and tracing go to the family
    /// (through the case manager), statistics to no one.
    pub fn needs_recipient(self) -> bool {
        matches!(
            self,
            ConsentPurpose::ServiceReferral
                | ConsentPurpose::DataSharing
                | ConsentPurpose::CrossBorderHandover
        )
    }

    /// Whether the purpose discloses personal data, so that the consent must
    /// say which categories. Every purpose but statistics does: even family
    /// contact and tracing tell someone where and how the person is.
    /// Statistics are anonymised and carry no category.
    pub fn bears_data(self) -> bool {
        self != ConsentPurpose::Statistics
    }
}

vocabulary! {
    /// Categories of personal data a consent can cover.
    DataCategory, "consent.categories", "not a known data category" {
        /// Names, birth date, nationality, documents' numbers.
        Identity => "identity",
        /// Phone, address, messaging accounts.
        Contact => "contact",
        /// Physical and mental health.
        Health => "health",
        /// Legal status, proceedings, legal representation.
        Legal => "legal",
        /// Where the person stays (shelter locations are confidential).
        Accommodation => "accommodation",
        /// Family members and family situation.
        Family => "family",
        /// The history of the case: what happened, decisions, services.
        CaseHistory => "case_history",
    }
}

/// Lists categories by name, comma-separated, in a fixed order.
pub fn category_names(categories: &BTreeSet<DataCategory>) -> String {
    categories
        .iter()
        .map(|c| c.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The guardian's side of a child's consent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum GuardianConsent {
    /// The parent, legal guardian or appointed guardian consented too.
    Given {
        #[serde(with = "crate::casework::iso_date")]
        given_on: Date,
        /// The language (BCP 47) it was explained to the guardian in.
        explained_in_language: String,
    },
    /// The guardian is the suspected exploiter: their consent is not sought,
    /// and a best-interests determination decides in their place.
    GuardianIsSuspectedExploiter {
        /// Reference of the best-interests determination (a file reference,
        /// not a name).
        best_interests_determination_ref: String,
    },
}

/// One entry of the consent ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Consent {
    pub id: ConsentId,
    pub purpose: ConsentPurpose,
    /// The organisation data goes to; `Some` exactly when
    /// [`ConsentPurpose::needs_recipient`].
    pub recipient_org: Option<OrgId>,
    /// What may be disclosed; non-empty when [`ConsentPurpose::bears_data`].
    pub categories: BTreeSet<DataCategory>,
    #[serde(with = "crate::casework::iso_date")]
    pub given_on: Date,
    /// First day on which the consent no longer holds.
    #[serde(default, with = "crate::casework::iso_date::option")]
    pub expires_on: Option<Date>,
    /// First day on which the consent no longer holds because the person
    /// withdrew it.
    #[serde(default, with = "crate::casework::iso_date::option")]
    pub withdrawn_on: Option<Date>,
    /// The language (BCP 47 tag) in which the purpose was explained.
    pub explained_in_language: String,
    /// Whether an interpreter explained it.
    pub interpreter: bool,
    pub recorded_by: UserId,
    /// The person was a child (or treated as one, age uncertain) when consenting.
    pub person_is_child: bool,
    /// Required when `person_is_child`.
    pub child_guardian: Option<GuardianConsent>,
}

/// Shape of a BCP 47 tag: 2–8 letters, then subtags of 1–8 letters or digits.
fn is_language_tag(s: &str) -> bool {
    let mut parts = s.split('-');
    let first_ok = parts
        .next()
        .is_some_and(|p| (2..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphabetic()));
    first_ok
        && parts.all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()))
}

fn check_language(field: &str, s: &str) -> Result<(), DomainError> {
    if is_language_tag(s) {
        Ok(())
    } else {
        Err(DomainError::new(
            codes::LANGUAGE_REQUIRED,
            format!("{field}: expected a BCP 47 language tag such as th, my or km"),
        ))
    }
}

impl Consent {
    /// The rules about the record's shape, which hold whatever day it is.
    /// [`covers`] ignores entries that break them (they cannot authorise
    /// anything), and [`Consent::validate`] refuses to record them.
    pub fn check_shape(&self) -> Result<(), DomainError> {
        let p = self.purpose.as_str();
        match (self.purpose.needs_recipient(), self.recipient_org) {
            (true, None) => {
                return Err(DomainError::new(
                    codes::RECIPIENT_REQUIRED,
                    format!("consent for {p} must name the recipient organisation"),
                ));
            }
            (false, Some(_)) => {
                return Err(DomainError::new(
                    codes::RECIPIENT_NOT_ALLOWED,
                    format!("consent for {p} has no recipient organisation"),
                ));
            }
            _ => {}
        }
        if self.purpose.bears_data() && self.categories.is_empty() {
            return Err(DomainError::new(
                codes::CATEGORIES_REQUIRED,
                format!("consent for {p} must say which categories of data it covers"),
            ));
        }
        if let Some(e) = self.expires_on
            && e <= self.given_on
        {
            return Err(DomainError::new(
                codes::EXPIRY_NOT_AFTER_GIVEN,
                "consent.expires_on: must be after the day consent was given",
            ));
        }
        check_language("consent.explained_in_language", &self.explained_in_language)?;
        if self.person_is_child {
            match &self.child_guardian {
                None => {
                    return Err(DomainError::new(
                        codes::GUARDIAN_CONSENT_MISSING,
                        "a child's consent needs the guardian's consent recorded alongside, or a best-interests determination when the guardian is the suspected exploiter",
                    ));
                }
                Some(GuardianConsent::Given {
                    explained_in_language,
                    ..
                }) => check_language(
                    "consent.child_guardian.explained_in_language",
                    explained_in_language,
                )?,
                Some(GuardianConsent::GuardianIsSuspectedExploiter {
                    best_interests_determination_ref,
                }) => {
                    let r = best_interests_determination_ref.trim();
                    if r.is_empty() || r.chars().count() > 100 {
                        return Err(DomainError::new(
                            codes::BEST_INTERESTS_REFERENCE_REQUIRED,
                            "consent.child_guardian.best_interests_determination_ref: a reference of at most 100 characters is required",
                        ));
                    }
                }
            }
        }
        Ok(())
    }

    /// Everything [`Consent::check_shape`] checks, plus what depends on the
    /// day of recording: consent is recorded when given, not in advance, and
    /// a guardian's consent not after the day it is recorded either.
    pub fn validate(&self, today: Date) -> Result<(), DomainError> {
        self.check_shape()?;
        let guardian_future = matches!(
            &self.child_guardian,
            Some(GuardianConsent::Given { given_on, .. }) if *given_on > today
        );
        if self.given_on > today || guardian_future {
            return Err(DomainError::new(
                codes::GIVEN_IN_FUTURE,
                "consent.given_on: consent is recorded on or after the day it is given",
            ));
        }
        Ok(())
    }

    /// Whether the consent was withdrawn on or before `today`.
    pub fn is_withdrawn_on(&self, today: Date) -> bool {
        self.withdrawn_on.is_some_and(|w| w <= today)
    }

    /// Whether the consent has expired on or before `today`.
    pub fn is_expired_on(&self, today: Date) -> bool {
        self.expires_on.is_some_and(|e| e <= today)
    }

    /// Whether the guardian side is in order (always, for an adult).
    pub fn guardian_in_order(&self) -> bool {
        !self.person_is_child
            || match &self.child_guardian {
                None => false,
                Some(GuardianConsent::Given { .. }) => true,
                Some(GuardianConsent::GuardianIsSuspectedExploiter {
                    best_interests_determination_ref,
                }) => !best_interests_determination_ref.trim().is_empty(),
            }
    }

    /// Whether the entry authorises anything on `today`: well formed, already
    /// given, not expired, not withdrawn, and the guardian side in order.
    pub fn is_effective_on(&self, today: Date) -> bool {
        self.check_shape().is_ok()
            && self.given_on <= today
            && !self.is_expired_on(today)
            && !self.is_withdrawn_on(today)
            && self.guardian_in_order()
    }

    /// Shape check that lets a child's entry without a guardian through, so
    /// that [`covers`] can tell `guardian_consent_missing` from
    /// `consent_missing`.
    fn check_shape_ok(&self) -> bool {
        match self.check_shape() {
            Ok(()) => true,
            Err(e) => {
                e.code == codes::GUARDIAN_CONSENT_MISSING
                    || e.code == codes::BEST_INTERESTS_REFERENCE_REQUIRED
            }
        }
    }

    /// Whether the entry is about this purpose and recipient. For purposes
    /// without a recipient the recipient asked about is ignored.
    fn concerns(&self, purpose: ConsentPurpose, recipient: Option<OrgId>) -> bool {
        self.purpose == purpose && (!purpose.needs_recipient() || self.recipient_org == recipient)
    }
}

/// Records that the person withdrew the consent, effective `today`.
/// Withdrawal is the person's right whatever the state of the entry (even an
/// expired one: the ledger then shows they said no), but it happens once.
pub fn withdraw(consent: &Consent, today: Date) -> Result<Consent, DomainError> {
    if consent.withdrawn_on.is_some() {
        return Err(DomainError::new(
            codes::ALREADY_WITHDRAWN,
            "this consent was already withdrawn",
        ));
    }
    let mut c = consent.clone();
    c.withdrawn_on = Some(today);
    Ok(c)
}

/// Proof that the ledger covered a disclosure on a given day. Only [`covers`]
/// makes one (its fields are private), so code that demands a
/// `CoveringConsent` cannot be called without the check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoveringConsent {
    purpose: ConsentPurpose,
    recipient: Option<OrgId>,
    categories: BTreeSet<DataCategory>,
    consents: Vec<ConsentId>,
    checked_on: Date,
    valid_until: Option<Date>,
}

impl CoveringConsent {
    pub fn purpose(&self) -> ConsentPurpose {
        self.purpose
    }
    /// The recipient the check was made for (`None` for purposes without one).
    pub fn recipient(&self) -> Option<OrgId> {
        self.recipient
    }
    /// The categories that were asked for, and are covered.
    pub fn categories(&self) -> &BTreeSet<DataCategory> {
        &self.categories
    }
    /// The ledger entries relied on (each effective on [`Self::checked_on`]).
    pub fn consents(&self) -> &[ConsentId] {
        &self.consents
    }
    pub fn checked_on(&self) -> Date {
        self.checked_on
    }
    /// The earliest expiry among the entries relied on: ask again before then.
    pub fn valid_until(&self) -> Option<Date> {
        self.valid_until
    }
}

/// Why the ledger does not cover a disclosure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RefusalKind {
    Missing,
    RecipientRequired,
    Expired,
    Withdrawn,
    CategoriesNotCovered,
    GuardianConsentMissing,
}

impl RefusalKind {
    pub fn code(self) -> &'static str {
        match self {
            RefusalKind::Missing => codes::CONSENT_MISSING,
            RefusalKind::RecipientRequired => codes::RECIPIENT_REQUIRED,
            RefusalKind::Expired => codes::CONSENT_EXPIRED,
            RefusalKind::Withdrawn => codes::CONSENT_WITHDRAWN,
            RefusalKind::CategoriesNotCovered => codes::CONSENT_CATEGORIES_NOT_COVERED,
            RefusalKind::GuardianConsentMissing => codes::GUARDIAN_CONSENT_MISSING,
        }
    }
}

/// A refusal of [`covers`]: the web layer answers 403 with [`Self::code`] and
/// [`Self::message`]. It names purposes and categories, never the person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentRefusal {
    pub kind: RefusalKind,
    pub purpose: ConsentPurpose,
    /// The requested categories no effective consent covers.
    pub missing: BTreeSet<DataCategory>,
}

impl ConsentRefusal {
    pub fn code(&self) -> &'static str {
        self.kind.code()
    }

    pub fn message(&self) -> String {
        let p = self.purpose.as_str();
        let to = if self.purpose.needs_recipient() {
            " with this organisation"
        } else {
            ""
        };
        let what = match self.kind {
            RefusalKind::Missing => format!("the person has not consented to {p}{to}"),
            RefusalKind::RecipientRequired => {
                format!("{p} needs a named recipient organisation")
            }
            RefusalKind::Expired => format!("the person's consent to {p}{to} has expired"),
            RefusalKind::Withdrawn => format!("the person withdrew their consent to {p}{to}"),
            RefusalKind::CategoriesNotCovered => {
                format!("the person's consent to {p}{to} does not cover every category asked for")
            }
            RefusalKind::GuardianConsentMissing => format!(
                "the child's consent to {p}{to} lacks the guardian's consent or a best-interests determination"
            ),
        };
        if self.missing.is_empty() {
            what
        } else {
            format!("{what}; not covered: {}", category_names(&self.missing))
        }
    }
}

impl fmt::Display for ConsentRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}

impl std::error::Error for ConsentRefusal {}

impl From<ConsentRefusal> for DomainError {
    fn from(r: ConsentRefusal) -> Self {
        DomainError::new(r.code(), r.message())
    }
}

/// Whether the ledger covers disclosing `categories` for `purpose` to
/// `recipient` on `today`.
///
/// Effective entries for the same purpose and recipient add up: a person who
/// consented to share identity in January and health in March has consented
/// to both. When something is not covered, the refusal says why, in this
/// order: no entry at all (`consent_missing`); an entry that would have
/// covered a missing category was withdrawn (`consent_withdrawn` — the
/// person said no, which matters most), lacks the guardian
/// (`guardian_consent_missing`) or has expired (`consent_expired`); otherwise
/// the entries simply do not include those categories
/// (`consent_categories_not_covered`).
pub fn covers(
    ledger: &[Consent],
    purpose: ConsentPurpose,
    recipient: Option<OrgId>,
    categories: &BTreeSet<DataCategory>,
    today: Date,
) -> Result<CoveringConsent, ConsentRefusal> {
    let refuse = |kind, missing: BTreeSet<DataCategory>| ConsentRefusal {
        kind,
        purpose,
        missing,
    };
    if purpose.needs_recipient() && recipient.is_none() {
        return Err(refuse(RefusalKind::RecipientRequired, categories.clone()));
    }
    // Entries about this purpose and recipient, already given and well formed.
    let relevant: Vec<&Consent> = ledger
        .iter()
        .filter(|c| c.concerns(purpose, recipient) && c.given_on <= today && c.check_shape_ok())
        .collect();
    if relevant.is_empty() {
        return Err(refuse(RefusalKind::Missing, categories.clone()));
    }
    let effective: Vec<&Consent> = relevant
        .iter()
        .copied()
        .filter(|c| c.is_effective_on(today))
        .collect();
    let covered: BTreeSet<DataCategory> = effective
        .iter()
        .flat_map(|c| c.categories.iter().copied())
        .collect();
    let missing: BTreeSet<DataCategory> = categories.difference(&covered).copied().collect();
    if !effective.is_empty() && missing.is_empty() {
        let relied: Vec<&Consent> = if categories.is_empty() {
            effective
        } else {
            effective
                .into_iter()
                .filter(|c| !c.categories.is_disjoint(categories))
                .collect()
        };
        return Ok(CoveringConsent {
            purpose,
            recipient: if purpose.needs_recipient() {
                recipient
            } else {
                None
            },
            categories: categories.clone(),
            consents: relied.iter().map(|c| c.id).collect(),
            checked_on: today,
            valid_until: relied.iter().filter_map(|c| c.expires_on).min(),
        });
    }
    // Not covered. Which non-effective entries would have covered a missing
    // category (or anything at all, when no category was asked for)?
    let would_cover = |c: &&&Consent| {
        !c.is_effective_on(today) && (missing.is_empty() || !c.categories.is_disjoint(&missing))
    };
    let lapsed: Vec<&&Consent> = relevant.iter().filter(would_cover).collect();
    let kind = if lapsed.iter().any(|c| c.is_withdrawn_on(today)) {
        RefusalKind::Withdrawn
    } else if lapsed.iter().any(|c| !c.guardian_in_order()) {
        RefusalKind::GuardianConsentMissing
    } else if lapsed.iter().any(|c| c.is_expired_on(today)) {
        RefusalKind::Expired
    } else {
        RefusalKind::CategoriesNotCovered
    };
    Err(refuse(kind, missing))
}

/// The categories a receiving organisation may see on `today`: the union of
/// every effective consent that names it as recipient, whatever the purpose.
/// Access to shared case data is limited to these.
pub fn allowed_categories(
    ledger: &[Consent],
    recipient: OrgId,
    today: Date,
) -> BTreeSet<DataCategory> {
    ledger
        .iter()
        .filter(|c| c.recipient_org == Some(recipient) && c.is_effective_on(today))
        .flat_map(|c| c.categories.iter().copied())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vocabularies_round_trip() {
        for p in ConsentPurpose::ALL {
            assert_eq!(ConsentPurpose::parse(p.as_str()).unwrap(), *p);
        }
        for c in DataCategory::ALL {
            assert_eq!(DataCategory::parse(c.as_str()).unwrap(), *c);
        }
        assert!(ConsentPurpose::parse("marketing").is_err());
        assert!(DataCategory::parse("biometrics").is_err());
    }

    #[test]
    fn language_tags() {
        for ok in ["th", "my", "km", "en-GB", "zh-Hant-TW", "sr-Latn"] {
            assert!(is_language_tag(ok), "{ok}");
        }
        for bad in ["", "t", "th-", "-th", "english language", "th_TH", "123"] {
            assert!(!is_language_tag(bad), "{bad}");
        }
    }
}
