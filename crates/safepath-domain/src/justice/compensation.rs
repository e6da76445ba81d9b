//! Compensation claims and their payments, tracked until paid — also after
//! the person has gone home.

use serde::{Deserialize, Serialize};
use time::Date;

use super::codes;
use super::fund::Currency;
use crate::DomainError;
use crate::casework::vocabulary;

vocabulary! {
    ClaimKind, "kind", "not a known kind of claim" {
        /// Court-ordered compensation from the trafficker.
        CourtOrdered => "court_ordered",
        /// From the state's victim compensation fund.
        StateFund => "state_fund",
        /// Labour back pay.
        BackPay => "back_pay",
    }
}

vocabulary! {
    ClaimState, "state", "not a known claim state" {
        Filed => "filed",
        Awarded => "awarded",
        PartlyPaid => "partly_paid",
        Paid => "paid",
        Unrecoverable => "unrecoverable",
    }
}

/// One payment received on a claim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimPayment {
    #[serde(with = "crate::casework::iso_date")]
    pub on: Date,
    pub amount_minor: i64,
    /// Paid after the person returned home.
    #[serde(default)]
    pub after_return: bool,
}

/// A claim (the record kept, sealed, per case).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claim {
    pub kind: ClaimKind,
    pub currency: Currency,
    /// Amount claimed, in minor units.
    pub claimed_minor: i64,
    /// Amount awarded, once awarded.
    pub awarded_minor: Option<i64>,
    pub state: ClaimState,
    #[serde(with = "crate::casework::iso_date")]
    pub filed_on: Date,
    #[serde(default)]
    pub payments: Vec<ClaimPayment>,
}

impl Claim {
    pub fn paid_minor(&self) -> i64 {
        self.payments.iter().map(|p| p.amount_minor).sum()
    }
    /// What is owed: the award, or the claim until awarded.
    pub fn owed_minor(&self) -> i64 {
        self.awarded_minor.unwrap_or(self.claimed_minor)
    }
}

pub fn new_claim(
    kind: ClaimKind,
    currency: Currency,
    claimed_minor: i64,
    filed_on: Date,
) -> Result<Claim, DomainError> {
    if claimed_minor <= 0 {
        return Err(DomainError::new(
            codes::INVALID_AMOUNT,
            "claimed_minor: must be a positive whole number of minor units",
        ));
    }
    Ok(Claim {
        kind,
        currency,
        claimed_minor,
        awarded_minor: None,
        state: ClaimState::Filed,
        filed_on,
        payments: Vec::new(),
    })
}

fn open(c: &Claim) -> Result<(), DomainError> {
    if matches!(c.state, ClaimState::Paid | ClaimState::Unrecoverable) {
        return Err(DomainError::new(
            codes::CLAIM_CLOSED,
            "the claim is closed (paid or unrecoverable)",
        ));
    }
    Ok(())
}

/// Records the award.
pub fn award(mut c: Claim, awarded_minor: i64) -> Result<Claim, DomainError> {
    open(&c)?;
    if awarded_minor <= 0 || awarded_minor < c.paid_minor() {
        return Err(DomainError::new(
            codes::INVALID_AMOUNT,
            "awarded_minor: must be positive and at least what was already paid",
        ));
    }
    c.awarded_minor = Some(awarded_minor);
    c.state = if c.paid_minor() == 0 {
        ClaimState::Awarded
    } else if c.paid_minor() < awarded_minor {
        ClaimState::PartlyPaid
    } else {
        ClaimState::Paid
    };
    Ok(c)
}

/// Records a payment: positive, never more than is still owed; the state
/// becomes partly paid or paid.
pub fn record_payment(mut c: Claim, p: ClaimPayment) -> Result<Claim, DomainError> {
    open(&c)?;
    let remaining = c.owed_minor() - c.paid_minor();
    if p.amount_minor <= 0 || p.amount_minor > remaining {
        return Err(DomainError::new(
            codes::INVALID_PAYMENT,
            "amount_minor: a payment must be positive and at most what is still owed",
        ));
    }
    c.payments.push(p);
    c.state = if c.paid_minor() == c.owed_minor() {
        ClaimState::Paid
    } else {
        ClaimState::PartlyPaid
    };
    Ok(c)
}

/// Marks what is still owed as unrecoverable.
pub fn unrecoverable(mut c: Claim) -> Result<Claim, DomainError> {
    open(&c)?;
    c.state = ClaimState::Unrecoverable;
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn payments_move_a_claim_to_partly_paid_then_paid() {
        let thb = Currency::parse("THB").unwrap();
        let c = new_claim(
            ClaimKind::CourtOrdered,
            thb,
            10_000_000,
            date!(2026 - 01 - 01),
        )
        .unwrap();
        let c = award(c, 8_000_000).unwrap();
        assert_eq!(c.state, ClaimState::Awarded);
        let pay = |amount, after_return| ClaimPayment {
            on: date!(2026 - 03 - 01),
            amount_minor: amount,
            after_return,
        };
        let c = record_payment(c, pay(3_000_000, false)).unwrap();
        assert_eq!(c.state, ClaimState::PartlyPaid);
        assert_eq!(
            record_payment(c.clone(), pay(6_000_000, true))
                .unwrap_err()
                .code,
            codes::INVALID_PAYMENT
        );
        assert!(record_payment(c.clone(), pay(0, true)).is_err());
        let c = record_payment(c, pay(5_000_000, true)).unwrap();
        assert_eq!(c.state, ClaimState::Paid);
        assert_eq!(
            record_payment(c, pay(1, true)).unwrap_err().code,
            codes::CLAIM_CLOSED
        );
        assert!(new_claim(ClaimKind::BackPay, thb, -5, date!(2026 - 01 - 01)).is_err());
    }
}
