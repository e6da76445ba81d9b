//! Rights and justice (issue 11; capability 4 of PRODUCT.md), as pure rules.
//!
//! * [`permits`]: legal status — permits and the applications behind them,
//!   their validity, alerts before expiry, and the rule that no return may be
//!   planned during a running reflection period or while an application for
//!   international protection is pending ([`permits::may_plan_return`]);
//! * [`assistance`]: legal representation, interpretation and information on
//!   rights;
//! * [`proceedings`]: proceedings, their events, protection measures, the
//!   witness-protection eligibility assessment and victim-fatigue warnings;
//! * [`non_punishment`]: charges against the person and the non-punishment
//!   principle;
//! * [`compensation`]: claims and their payments;
//! * [`fund`]: the victim compensation fund as a double-entry ledger;
//! * [`entitlements`]: what the person is entitled to — never conditioned on
//!   co-operation with the authorities.
//!
//! Nothing here stores or reads a clock: `today` is passed in. Refusals are
//! [`DomainError`]s with stable codes ([`codes`]) whose messages name the rule,
//! never the person.

pub mod assistance;
pub mod compensation;
pub mod entitlements;
pub mod fund;
pub mod non_punishment;
pub mod permits;
pub mod proceedings;

use crate::DomainError;

/// Refusal codes of the rights-and-justice rules (stable).
pub mod codes {
    /// A permit's expiry date is before its issue date.
    pub const PERMIT_EXPIRES_BEFORE_ISSUED: &str = "permit_expires_before_issued";
    /// A granted permit needs its issue date.
    pub const PERMIT_DATES_REQUIRED: &str = "permit_dates_required";
    /// A return was planned during a running reflection period.
    pub const RETURN_BLOCKED_REFLECTION: &str = "return_blocked_reflection_period";
    /// A return was planned while international protection is pending.
    pub const RETURN_BLOCKED_PROTECTION: &str = "return_blocked_protection_pending";
    /// An end date before its start date.
    pub const ENDS_BEFORE_START: &str = "ends_before_start";
    /// A hearing or deposition without how the person attends.
    pub const ATTENDANCE_REQUIRED: &str = "attendance_required";
    /// A payment that is not positive, in another currency, or above what is owed.
    pub const INVALID_PAYMENT: &str = "invalid_payment";
    /// The claim is closed (paid or unrecoverable).
    pub const CLAIM_CLOSED: &str = "claim_closed";
    /// Debits and credits differ in some currency.
    pub const UNBALANCED: &str = "unbalanced";
    /// An amount that is zero, negative or too large.
    pub const INVALID_AMOUNT: &str = "invalid_amount";
    /// Not an ISO 4217 currency code.
    pub const INVALID_CURRENCY: &str = "invalid_currency";
    /// A transaction needs at least two postings.
    pub const TOO_FEW_POSTINGS: &str = "too_few_postings";
    /// The requester may not approve their own disbursement.
    pub const OWN_REQUEST: &str = "own_request";
    /// The transaction is not waiting for approval.
    pub const NOT_AWAITING_APPROVAL: &str = "not_awaiting_approval";
    /// Only a posted transaction can be reversed, and only once.
    pub const NOT_REVERSIBLE: &str = "not_reversible";
    /// A configured threshold out of range (alert days, fatigue, four eyes).
    pub const INVALID_SETTING: &str = "invalid_setting";
}

/// Checks an optional free-text field (an authority, a place, an outcome).
pub(crate) fn optional_text(
    field: &'static str,
    text: Option<&str>,
) -> Result<Option<String>, DomainError> {
    crate::casework::optional_text(field, text)
}

/// Checks that `to` (when given) is not before `from`.
pub(crate) fn check_period(
    field: &'static str,
    from: time::Date,
    to: Option<time::Date>,
) -> Result<(), DomainError> {
    match to {
        Some(to) if to < from => Err(DomainError::new(
            codes::ENDS_BEFORE_START,
            format!("{field}: ends before it starts"),
        )),
        _ => Ok(()),
    }
}
