//! The victim compensation fund as a double-entry ledger.
//!
//! * **Accounts** are of three classes: the fund's *holdings* (its bank
//!   account), *sources* (state budget, confiscated assets — with the court
//!   order's reference —, donations, repayments) and *uses* (legal aid, health
//!   care, accommodation, subsistence, repatriation travel, compensation paid
//!   to the victim). Money received: debit holdings, credit the source. Money
//!   paid out: debit the use (with the case it was for), credit holdings.
//! * **Amounts** are whole numbers of the currency's minor unit (`i64`), with
//!   an ISO 4217 currency code checked against the standard's list
//!   (the `iso_currency` crate) — never floating point.
//! * **Every transaction balances**: per currency, debits equal credits
//!   ([`check_transaction`] is the only way to a [`BalancedTransaction`]).
//! * **Entries are immutable**: a mistake is corrected by a reversing
//!   transaction ([`reversal`]), never by editing.
//! * **Four eyes**: a disbursement above the threshold waits for a second
//!   person's approval ([`needs_second_approval`], [`check_approval`]).
//! * **Balances** are sums of signed postings ([`Posting::signed`]: debit
//!   positive, credit negative); shown in each account's normal direction
//!   ([`AccountKind::shown_balance`]).

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::codes;
use crate::DomainError;
use crate::casework::vocabulary;
use crate::ids::{CaseId, UserId, id_type};

id_type!(
    /// An account of the fund's ledger.
    AccountId
);
id_type!(
    /// A transaction of the fund's ledger.
    TransactionId
);

/// Largest amount of one posting, in minor units (10^15: far above any real
/// amount, far below where sums of many postings could overflow `i64`).
pub const MAX_AMOUNT_MINOR: i64 = 1_000_000_000_000_000;

/// An ISO 4217 currency code, checked against the standard's list.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Currency(iso_currency::Currency);

impl Currency {
    pub fn parse(code: &str) -> Result<Self, DomainError> {
        iso_currency::Currency::from_code(code)
            .map(Currency)
            .ok_or_else(|| {
                DomainError::new(
                    codes::INVALID_CURRENCY,
                    "currency: not an ISO 4217 currency code (e.g. THB, EUR, USD)",
                )
            })
    }
    pub fn code(self) -> &'static str {
        self.0.code()
    }
    /// Digits after the decimal point (THB 2, JPY 0); 2 when the standard
    /// gives none (e.g. gold).
    pub fn exponent(self) -> u32 {
        self.0.exponent().map(u32::from).unwrap_or(2)
    }
    /// An amount of minor units as people read it: `1,234.50 THB`.
    pub fn format(self, amount_minor: i64) -> String {
        let e = self.exponent();
        let scale = 10i64.pow(e);
        let sign = if amount_minor < 0 { "-" } else { "" };
        let abs = amount_minor.unsigned_abs();
        let whole = abs / scale.unsigned_abs();
        let frac = abs % scale.unsigned_abs();
        let digits = whole.to_string();
        let mut grouped = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                grouped.push(',');
            }
            grouped.push(c);
        }
        if e == 0 {
            format!("{sign}{grouped} {}", self.code())
        } else {
            format!(
                "{sign}{grouped}.{frac:0width$} {}",
                self.code(),
                width = e as usize
            )
        }
    }
}

impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl TryFrom<String> for Currency {
    type Error = DomainError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Currency::parse(&s)
    }
}

impl From<Currency> for String {
    fn from(c: Currency) -> Self {
        c.code().to_owned()
    }
}

/// The three classes of account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountClass {
    Holding,
    Source,
    Use,
}

vocabulary! {
    AccountKind, "kind", "not a known kind of fund account" {
        /// The fund's bank account (what it holds).
        Holdings => "holdings",
        StateBudget => "state_budget",
        /// Confiscated assets of traffickers (with the court order's reference).
        ConfiscatedAssets => "confiscated_assets",
        Donations => "donations",
        Repayments => "repayments",
        LegalAid => "legal_aid",
        HealthCare => "health_care",
        Accommodation => "accommodation",
        Subsistence => "subsistence",
        RepatriationTravel => "repatriation_travel",
        /// Compensation paid to the victim.
        CompensationPaid => "compensation_paid",
    }
}

impl AccountKind {
    pub fn class(self) -> AccountClass {
        use AccountKind::*;
        match self {
            Holdings => AccountClass::Holding,
            StateBudget | ConfiscatedAssets | Donations | Repayments => AccountClass::Source,
            LegalAid | HealthCare | Accommodation | Subsistence | RepatriationTravel
            | CompensationPaid => AccountClass::Use,
        }
    }
    /// The balance as people read it from the signed sum (debit positive):
    /// holdings and uses grow with debits, sources with credits.
    pub fn shown_balance(self, signed_sum: i64) -> i64 {
        match self.class() {
            AccountClass::Source => -signed_sum,
            AccountClass::Holding | AccountClass::Use => signed_sum,
        }
    }
}

/// An account of the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub id: AccountId,
    pub name: String,
    pub kind: AccountKind,
    /// For confiscated assets: the court order the money comes from.
    pub court_order_reference: Option<String>,
}

/// Checks an account: a name; confiscated assets name their court order.
pub fn check_account(mut a: Account) -> Result<Account, DomainError> {
    a.name = crate::casework::checked_text("name", &a.name)?;
    a.court_order_reference =
        super::optional_text("court_order_reference", a.court_order_reference.as_deref())?;
    if a.kind == AccountKind::ConfiscatedAssets && a.court_order_reference.is_none() {
        return Err(DomainError::new(
            "missing_field",
            "court_order_reference: confiscated assets need the court order's reference",
        ));
    }
    Ok(a)
}

vocabulary! {
    Direction, "direction", "must be debit or credit" {
        Debit => "debit",
        Credit => "credit",
    }
}

/// One line of a transaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Posting {
    pub account: AccountId,
    pub direction: Direction,
    /// Positive whole number of minor units.
    pub amount_minor: i64,
    pub currency: Currency,
    /// The case a disbursement was for.
    pub case: Option<CaseId>,
}

impl Posting {
    /// Debit positive, credit negative.
    pub fn signed(&self) -> i64 {
        match self.direction {
            Direction::Debit => self.amount_minor,
            Direction::Credit => -self.amount_minor,
        }
    }
}

/// A transaction whose postings balance: only [`check_transaction`] and
/// [`reversal`] make one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BalancedTransaction {
    description: String,
    postings: Vec<Posting>,
}

impl BalancedTransaction {
    pub fn description(&self) -> &str {
        &self.description
    }
    pub fn postings(&self) -> &[Posting] {
        &self.postings
    }
}

/// Checks a transaction: a description, at least two postings, each a
/// positive amount no larger than [`MAX_AMOUNT_MINOR`], and per currency the
/// debits equal the credits ([`codes::UNBALANCED`] otherwise).
pub fn check_transaction(
    description: &str,
    postings: Vec<Posting>,
) -> Result<BalancedTransaction, DomainError> {
    let description = crate::casework::checked_text("description", description)?;
    if postings.len() < 2 {
        return Err(DomainError::new(
            codes::TOO_FEW_POSTINGS,
            "postings: a transaction needs at least one debit and one credit",
        ));
    }
    for p in &postings {
        if p.amount_minor <= 0 || p.amount_minor > MAX_AMOUNT_MINOR {
            return Err(DomainError::new(
                codes::INVALID_AMOUNT,
                "amount_minor: must be a positive whole number of minor units",
            ));
        }
    }
    for (currency, sum) in signed_sums(&postings) {
        if sum != 0 {
            return Err(DomainError::new(
                codes::UNBALANCED,
                format!("postings: debits and credits differ in {currency}"),
            ));
        }
    }
    Ok(BalancedTransaction {
        description,
        postings,
    })
}

fn signed_sums(postings: &[Posting]) -> BTreeMap<Currency, i128> {
    let mut sums: BTreeMap<Currency, i128> = BTreeMap::new();
    for p in postings {
        *sums.entry(p.currency).or_default() += i128::from(p.signed());
    }
    sums
}

/// The reversing transaction: every posting with its direction swapped.
pub fn reversal(
    original: &[Posting],
    description: &str,
) -> Result<BalancedTransaction, DomainError> {
    let postings = original
        .iter()
        .map(|p| Posting {
            direction: match p.direction {
                Direction::Debit => Direction::Credit,
                Direction::Credit => Direction::Debit,
            },
            ..p.clone()
        })
        .collect();
    check_transaction(description, postings)
}

vocabulary! {
    TransactionState, "state", "not a known transaction state" {
        /// In the ledger (counts in balances).
        Posted => "posted",
        /// A disbursement above the threshold, waiting for a second person.
        AwaitingApproval => "awaiting_approval",
        /// Refused by the second person (never counted).
        Rejected => "rejected",
    }
}

/// The four-eyes threshold: disbursements above it need a second approval.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApprovalPolicy {
    /// Per currency, in minor units.
    pub thresholds: BTreeMap<Currency, i64>,
    /// For currencies without their own threshold.
    pub default_threshold_minor: i64,
}

impl Default for ApprovalPolicy {
    /// 10,000.00 in any two-decimal currency.
    fn default() -> Self {
        Self {
            thresholds: BTreeMap::new(),
            default_threshold_minor: 1_000_000,
        }
    }
}

impl ApprovalPolicy {
    /// A policy as configured: thresholds in minor units, none negative.
    pub fn new(
        default_threshold_minor: i64,
        thresholds: BTreeMap<Currency, i64>,
    ) -> Result<Self, DomainError> {
        if default_threshold_minor < 0 || thresholds.values().any(|t| *t < 0) {
            return Err(DomainError::new(
                codes::INVALID_SETTING,
                "four-eyes threshold: an amount in minor units, not negative",
            ));
        }
        Ok(Self {
            thresholds,
            default_threshold_minor,
        })
    }
    pub fn threshold(&self, c: Currency) -> i64 {
        self.thresholds
            .get(&c)
            .copied()
            .unwrap_or(self.default_threshold_minor)
    }
}

/// Whether the transaction waits for a second approval: the amount it
/// disburses (debits to use accounts) exceeds the threshold in some currency.
/// `kind_of` gives each posting's account kind.
pub fn needs_second_approval(
    tx: &BalancedTransaction,
    kind_of: impl Fn(AccountId) -> Option<AccountKind>,
    policy: &ApprovalPolicy,
) -> bool {
    let mut disbursed: BTreeMap<Currency, i128> = BTreeMap::new();
    for p in &tx.postings {
        if p.direction == Direction::Debit
            && kind_of(p.account).map(AccountKind::class) == Some(AccountClass::Use)
        {
            *disbursed.entry(p.currency).or_default() += i128::from(p.amount_minor);
        }
    }
    disbursed
        .iter()
        .any(|(c, sum)| *sum > i128::from(policy.threshold(*c)))
}

/// A second person approves (or rejects) a waiting transaction: refused when
/// it is not waiting, or when the approver requested it.
pub fn check_approval(
    state: TransactionState,
    requested_by: UserId,
    approver: UserId,
) -> Result<(), DomainError> {
    if state != TransactionState::AwaitingApproval {
        return Err(DomainError::new(
            codes::NOT_AWAITING_APPROVAL,
            "the transaction is not waiting for approval",
        ));
    }
    if requested_by == approver {
        return Err(DomainError::new(
            codes::OWN_REQUEST,
            "a second person must approve: you requested this disbursement",
        ));
    }
    Ok(())
}

/// Whether a transaction may be reversed: it is posted, it is not itself a
/// reversal, and it was not reversed before.
pub fn check_reversible(
    state: TransactionState,
    is_reversal: bool,
    already_reversed: bool,
) -> Result<(), DomainError> {
    if state != TransactionState::Posted || is_reversal || already_reversed {
        return Err(DomainError::new(
            codes::NOT_REVERSIBLE,
            "only a posted transaction that is not a reversal can be reversed, once",
        ));
    }
    Ok(())
}

/// Signed balances (debit positive) per account and currency: the sum of
/// the postings. The store computes the same with SQL aggregates; this is the
/// definition its tests compare against.
pub fn balances<'a>(
    postings: impl IntoIterator<Item = &'a Posting>,
) -> BTreeMap<(AccountId, Currency), i64> {
    let mut out: BTreeMap<(AccountId, Currency), i64> = BTreeMap::new();
    for p in postings {
        *out.entry((p.account, p.currency)).or_default() += p.signed();
    }
    out.retain(|_, v| *v != 0);
    out
}

// ------------------------------------------------------- reconciliation

/// One account in one currency over a reconciliation period: signed
/// balances (debits less credits) at the day before the period and at its
/// last day, and what was debited and credited in between.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccountPeriod {
    pub kind: AccountKind,
    pub currency: Currency,
    pub opening_signed: i64,
    pub debits: i64,
    pub credits: i64,
    pub closing_signed: i64,
}

impl AccountPeriod {
    /// Opening balance plus the period's debits less its credits is the
    /// closing balance.
    pub fn rolls_forward(&self) -> bool {
        i128::from(self.opening_signed) + i128::from(self.debits) - i128::from(self.credits)
            == i128::from(self.closing_signed)
    }
}

/// The fund's position in one currency at the end of a period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CurrencyReconciliation {
    pub currency: Currency,
    /// The period's debits and credits over all accounts.
    pub debits: i128,
    pub credits: i128,
    /// Received from sources, spent on uses, and held, since the start.
    pub sources: i128,
    pub uses: i128,
    pub holdings: i128,
    /// Debits equal credits in the period.
    pub period_balanced: bool,
    /// Holdings equal sources less uses (the double entry's equation).
    pub funds_accounted_for: bool,
}

/// The reconciliation in each currency, from the accounts' periods.
pub fn reconcile(lines: &[AccountPeriod]) -> Vec<CurrencyReconciliation> {
    let mut by: BTreeMap<Currency, CurrencyReconciliation> = BTreeMap::new();
    for l in lines {
        let r = by.entry(l.currency).or_insert(CurrencyReconciliation {
            currency: l.currency,
            debits: 0,
            credits: 0,
            sources: 0,
            uses: 0,
            holdings: 0,
            period_balanced: true,
            funds_accounted_for: true,
        });
        r.debits += i128::from(l.debits);
        r.credits += i128::from(l.credits);
        let closing = i128::from(l.closing_signed);
        match l.kind.class() {
            AccountClass::Source => r.sources -= closing,
            AccountClass::Use => r.uses += closing,
            AccountClass::Holding => r.holdings += closing,
        }
    }
    by.into_values()
        .map(|mut r| {
            r.period_balanced = r.debits == r.credits;
            r.funds_accounted_for = r.holdings == r.sources - r.uses;
            r
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn reconciliation_of_a_small_fund() {
        let thb = Currency::parse("THB").unwrap();
        let line = |kind, opening, debits, credits| AccountPeriod {
            kind,
            currency: thb,
            opening_signed: opening,
            debits,
            credits,
            closing_signed: opening + debits - credits,
        };
        // 5,000 received from confiscated assets before the period; in it,
        // 1,200 of legal aid paid from the bank.
        let lines = [
            line(AccountKind::Holdings, 500_000, 0, 120_000),
            line(AccountKind::ConfiscatedAssets, -500_000, 0, 0),
            line(AccountKind::LegalAid, 0, 120_000, 0),
        ];
        assert!(lines.iter().all(AccountPeriod::rolls_forward));
        let r = reconcile(&lines);
        assert_eq!(r.len(), 1);
        assert_eq!(
            (r[0].sources, r[0].uses, r[0].holdings),
            (500_000, 120_000, 380_000)
        );
        assert!(r[0].period_balanced && r[0].funds_accounted_for);
        // A posting that vanished from one side shows.
        let mut broken = lines;
        broken[2].debits = 100_000;
        broken[2].closing_signed = 100_000;
        let r = reconcile(&broken);
        assert!(!r[0].period_balanced && !r[0].funds_accounted_for);
        let mut forged = lines[0];
        forged.closing_signed += 1;
        assert!(!forged.rolls_forward());
    }

    #[test]
    fn approval_policy_refuses_negative_thresholds() {
        let thb = Currency::parse("THB").unwrap();
        let p = ApprovalPolicy::new(500, BTreeMap::from([(thb, 2_000_000)])).unwrap();
        assert_eq!(p.threshold(thb), 2_000_000);
        assert_eq!(p.threshold(Currency::parse("EUR").unwrap()), 500);
        assert_eq!(
            ApprovalPolicy::new(-1, BTreeMap::new()).unwrap_err().code,
            codes::INVALID_SETTING
        );
        assert!(ApprovalPolicy::new(0, BTreeMap::from([(thb, -5)])).is_err());
    }

    fn acct(n: u8) -> AccountId {
        AccountId(uuid::Uuid::from_bytes([n; 16]))
    }
    fn cur(c: &str) -> Currency {
        Currency::parse(c).unwrap()
    }
    fn posting(a: u8, d: Direction, amount: i64, c: &str) -> Posting {
        Posting {
            account: acct(a),
            direction: d,
            amount_minor: amount,
            currency: cur(c),
            case: None,
        }
    }

    #[test]
    fn currencies_are_checked_and_formatted() {
        assert!(Currency::parse("THB").is_ok());
        assert_eq!(
            Currency::parse("XYZ").unwrap_err().code,
            codes::INVALID_CURRENCY
        );
        assert_eq!(
            Currency::parse("thb").unwrap_err().code,
            codes::INVALID_CURRENCY
        );
        assert_eq!(cur("THB").format(12_345_678), "123,456.78 THB");
        assert_eq!(cur("JPY").format(1500), "1,500 JPY");
        assert_eq!(cur("EUR").format(-5), "-0.05 EUR");
        let json = serde_json::to_string(&cur("IDR")).unwrap();
        assert_eq!(json, "\"IDR\"");
        assert!(serde_json::from_str::<Currency>("\"ABC\"").is_err());
    }

    #[test]
    fn unbalanced_zero_negative_and_single_postings_are_refused() {
        use Direction::*;
        let e = check_transaction(
            "x",
            vec![posting(1, Debit, 100, "THB"), posting(2, Credit, 99, "THB")],
        );
        assert_eq!(e.unwrap_err().code, codes::UNBALANCED);
        // Balanced in total but not per currency.
        let e = check_transaction(
            "x",
            vec![
                posting(1, Debit, 100, "THB"),
                posting(2, Credit, 100, "USD"),
                posting(1, Debit, 100, "USD"),
                posting(2, Credit, 100, "EUR"),
            ],
        );
        assert_eq!(e.unwrap_err().code, codes::UNBALANCED);
        let e = check_transaction(
            "x",
            vec![posting(1, Debit, -5, "THB"), posting(2, Credit, -5, "THB")],
        );
        assert_eq!(e.unwrap_err().code, codes::INVALID_AMOUNT);
        let e = check_transaction(
            "x",
            vec![posting(1, Debit, 0, "THB"), posting(2, Credit, 0, "THB")],
        );
        assert_eq!(e.unwrap_err().code, codes::INVALID_AMOUNT);
        let e = check_transaction("x", vec![posting(1, Debit, 5, "THB")]);
        assert_eq!(e.unwrap_err().code, codes::TOO_FEW_POSTINGS);
        let e = check_transaction(
            " ",
            vec![posting(1, Debit, 5, "THB"), posting(2, Credit, 5, "THB")],
        );
        assert_eq!(e.unwrap_err().code, "missing_field");
    }

    #[test]
    fn four_eyes_only_for_disbursements_above_the_threshold() {
        use Direction::*;
        let kinds = |a: AccountId| {
            Some(if a == acct(1) {
                AccountKind::Holdings
            } else if a == acct(2) {
                AccountKind::LegalAid
            } else {
                AccountKind::ConfiscatedAssets
            })
        };
        let policy = ApprovalPolicy::default();
        let pay = |n| {
            check_transaction(
                "pay",
                vec![posting(2, Debit, n, "THB"), posting(1, Credit, n, "THB")],
            )
            .unwrap()
        };
        assert!(!needs_second_approval(&pay(1_000_000), kinds, &policy));
        assert!(needs_second_approval(&pay(1_000_001), kinds, &policy));
        // Receiving money never needs it.
        let receive = check_transaction(
            "in",
            vec![
                posting(1, Debit, 9_000_000, "THB"),
                posting(3, Credit, 9_000_000, "THB"),
            ],
        )
        .unwrap();
        assert!(!needs_second_approval(&receive, kinds, &policy));
        let me = UserId(uuid::Uuid::from_bytes([7; 16]));
        let other = UserId(uuid::Uuid::from_bytes([8; 16]));
        assert_eq!(
            check_approval(TransactionState::AwaitingApproval, me, me)
                .unwrap_err()
                .code,
            codes::OWN_REQUEST
        );
        assert!(check_approval(TransactionState::AwaitingApproval, me, other).is_ok());
        assert_eq!(
            check_approval(TransactionState::Posted, me, other)
                .unwrap_err()
                .code,
            codes::NOT_AWAITING_APPROVAL
        );
        assert!(check_reversible(TransactionState::Posted, false, false).is_ok());
        assert!(check_reversible(TransactionState::Posted, true, false).is_err());
        assert!(check_reversible(TransactionState::Posted, false, true).is_err());
        assert!(check_reversible(TransactionState::AwaitingApproval, false, false).is_err());
    }

    fn any_posting() -> impl Strategy<Value = Posting> {
        (
            0u8..5,
            prop_oneof![Just(Direction::Debit), Just(Direction::Credit)],
            -10i64..1_000_000,
            prop_oneof![Just("THB"), Just("USD"), Just("JPY")],
        )
            .prop_map(|(a, d, n, c)| posting(a, d, n, c))
    }

    /// A balanced transaction built from random debits, with one credit per
    /// currency that balances them.
    fn balanced() -> impl Strategy<Value = Vec<Posting>> {
        proptest::collection::vec(
            (
                0u8..5,
                1i64..1_000_000,
                prop_oneof![Just("THB"), Just("USD")],
            ),
            1..6,
        )
        .prop_map(|debits| {
            let mut ps: Vec<Posting> = debits
                .iter()
                .map(|(a, n, c)| posting(*a, Direction::Debit, *n, c))
                .collect();
            let mut per: BTreeMap<&str, i64> = BTreeMap::new();
            for (_, n, c) in &debits {
                *per.entry(*c).or_default() += n;
            }
            for (c, n) in per {
                ps.push(posting(9, Direction::Credit, n, c));
            }
            ps
        })
    }

    proptest! {
        #[test]
        fn every_accepted_transaction_balances(ps in proptest::collection::vec(any_posting(), 0..8)) {
            if let Ok(tx) = check_transaction("random", ps) {
                let mut per: BTreeMap<Currency, (i128, i128)> = BTreeMap::new();
                for p in tx.postings() {
                    prop_assert!(p.amount_minor > 0);
                    let e = per.entry(p.currency).or_default();
                    match p.direction {
                        Direction::Debit => e.0 += i128::from(p.amount_minor),
                        Direction::Credit => e.1 += i128::from(p.amount_minor),
                    }
                }
                for (debits, credits) in per.values() {
                    prop_assert_eq!(debits, credits);
                }
            }
        }

        #[test]
        fn balances_equal_the_sum_of_postings_and_total_zero(txs in proptest::collection::vec(balanced(), 1..10)) {
            let accepted: Vec<BalancedTransaction> =
                txs.into_iter().map(|ps| check_transaction("t", ps).unwrap()).collect();
            let all: Vec<&Posting> = accepted.iter().flat_map(|t| t.postings()).collect();
            let b = balances(all.iter().copied());
            for ((account, currency), v) in &b {
                let sum: i64 = all
                    .iter()
                    .filter(|p| p.account == *account && p.currency == *currency)
                    .map(|p| p.signed())
                    .sum();
                prop_assert_eq!(*v, sum);
            }
            // Double entry: across all accounts every currency nets to zero.
            let mut net: BTreeMap<Currency, i64> = BTreeMap::new();
            for ((_, c), v) in &b {
                *net.entry(*c).or_default() += v;
            }
            prop_assert!(net.values().all(|v| *v == 0));
        }

        #[test]
        fn a_reversal_restores_the_balances(
            before in proptest::collection::vec(balanced(), 0..5),
            mistake in balanced(),
        ) {
            let txs: Vec<BalancedTransaction> =
                before.into_iter().map(|ps| check_transaction("t", ps).unwrap()).collect();
            let b0 = balances(txs.iter().flat_map(|t| t.postings()));
            let wrong = check_transaction("wrong", mistake).unwrap();
            let fix = reversal(wrong.postings(), "reversal").unwrap();
            let b1 = balances(
                txs.iter()
                    .flat_map(|t| t.postings())
                    .chain(wrong.postings())
                    .chain(fix.postings()),
            );
            prop_assert_eq!(b0, b1);
        }
    }
}
