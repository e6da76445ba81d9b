//! Storage for rights and justice: the audited read of a case's justice
//! records (which live in `case_records`), and the victim compensation fund's
//! double-entry ledger (migration 0008): accounts, transactions and their
//! immutable postings. Its own trait (a supertrait of [`crate::Store`]),
//! implemented for both backends by one body of SQL (`sql_justice.rs`).

use async_trait::async_trait;
use safepath_crypto::Sealed;
use safepath_domain::ids::{CaseId, UserId};

use crate::{AuditDraft, CaseRecordRow, Result};

/// An account of the fund (no personal data).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FundAccountRow {
    pub id: String,
    pub name: String,
    /// `safepath_domain::justice::fund::AccountKind`.
    pub kind: String,
    pub court_order_reference: Option<String>,
    pub created_by: UserId,
    pub created_at: i64,
}

/// A transaction: posted, waiting for a second approval, or rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FundTransactionRow {
    pub id: String,
    /// Free text, sealed.
    pub description: Sealed,
    /// `posted`, `awaiting_approval` or `rejected`.
    pub state: String,
    pub requested_by: UserId,
    pub decided_by: Option<UserId>,
    /// The transaction this one reverses.
    pub reverses: Option<String>,
    /// The postings as JSON (what is shown while it waits).
    pub proposed: String,
    /// ISO date it entered the ledger (set when posted).
    pub booked_on: Option<String>,
    pub created_at: i64,
    pub decided_at: Option<i64>,
}

/// One line of the ledger (immutable once written).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FundPostingRow {
    pub transaction_id: String,
    pub line: i64,
    pub account_id: String,
    /// `debit` or `credit`.
    pub direction: String,
    /// Positive.
    pub amount_minor: i64,
    pub currency: String,
    pub case_id: Option<CaseId>,
    pub booked_on: String,
}

/// A balance: the signed sum (debits positive) of an account's postings in
/// one currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FundBalanceRow {
    pub account_id: String,
    pub currency: String,
    pub signed_minor: i64,
}

/// What was booked on one account in one currency over a period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FundMovementRow {
    pub account_id: String,
    pub currency: String,
    pub debit_minor: i64,
    pub credit_minor: i64,
    pub postings: i64,
}

/// A ledger line with its transaction's description (for the ledger page and
/// the CSV export).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FundLedgerLine {
    pub posting: FundPostingRow,
    pub description: Sealed,
    pub reverses: Option<String>,
}

/// How a waiting transaction is decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FundDecision {
    pub id: String,
    /// `posted` (approved) or `rejected`.
    pub state: String,
    pub decided_by: UserId,
    pub decided_at: i64,
    /// With `posted`: the day it enters the ledger.
    pub booked_on: Option<String>,
    /// With `posted`: the postings written to the ledger.
    pub postings: Vec<FundPostingRow>,
}

#[async_trait]
pub trait JusticeStore: Send + Sync {
    /// A case's records of the given kinds, oldest first, read in the
    /// transaction that appends `audit`.
    async fn read_justice_records(
        &self,
        case: CaseId,
        kinds: &[&str],
        audit: &AuditDraft,
    ) -> Result<Vec<CaseRecordRow>>;

    async fn insert_fund_account(&self, row: &FundAccountRow, audit: &AuditDraft) -> Result<()>;
    async fn fund_accounts(&self) -> Result<Vec<FundAccountRow>>;
    /// Writes a transaction; when `postings` is not empty they enter the
    /// ledger in the same transaction (a posted transaction). A second
    /// reversal of the same transaction is a `Conflict`.
    async fn insert_fund_transaction(
        &self,
        row: &FundTransactionRow,
        postings: &[FundPostingRow],
        audit: &AuditDraft,
    ) -> Result<()>;
    async fn fund_transaction(&self, id: &str) -> Result<Option<FundTransactionRow>>;
    /// Transactions in `states`, newest first.
    async fn fund_transactions(
        &self,
        states: &[&str],
        limit: i64,
    ) -> Result<Vec<FundTransactionRow>>;
    /// How many transactions are in `state` (no limit).
    async fn count_fund_transactions(&self, state: &str) -> Result<i64>;
    /// The reversal of a transaction, if it was reversed.
    async fn fund_reversal_of(&self, id: &str) -> Result<Option<String>>;
    async fn fund_postings_of(&self, transaction: &str) -> Result<Vec<FundPostingRow>>;
    /// Approves or rejects a transaction waiting for approval;
    /// `VersionMismatch` when it is no longer waiting.
    async fn decide_fund_transaction(&self, d: &FundDecision, audit: &AuditDraft) -> Result<()>;
    /// Balances of every account on `on_or_before` (an ISO date; all time
    /// when `None`), as one SQL aggregate.
    async fn fund_balances(&self, on_or_before: Option<&str>) -> Result<Vec<FundBalanceRow>>;
    /// Debits and credits per account and currency booked from `from` to
    /// `to` (ISO dates, both included), as one SQL aggregate.
    async fn fund_movements(&self, from: &str, to: &str) -> Result<Vec<FundMovementRow>>;
    /// Transactions in the ledger whose postings do not balance in some
    /// currency, with that currency (for the reconciliation: none, unless
    /// the database was changed behind the application's back).
    async fn fund_unbalanced(&self) -> Result<Vec<(String, String)>>;
    /// Balances of the postings made for one case, audited.
    async fn fund_case_balances(
        &self,
        case: CaseId,
        on_or_before: Option<&str>,
        audit: &AuditDraft,
    ) -> Result<Vec<FundBalanceRow>>;
    /// The ledger in booking order (oldest first), `limit` lines after
    /// `offset`, read in the transaction that appends `audit`.
    async fn fund_ledger(
        &self,
        offset: i64,
        limit: i64,
        audit: &AuditDraft,
    ) -> Result<Vec<FundLedgerLine>>;
}
