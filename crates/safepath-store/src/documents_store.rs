//! Storage for the documents attached to a case (migration 0024). Every
//! method that returns a sealed column appends its audit entry in the same
//! transaction; the one that does not (`document_facts`) returns only what
//! the access rules need (the case, the data category and who added it).

use async_trait::async_trait;
use safepath_crypto::Sealed;
use safepath_domain::ids::{CaseId, UserId};

use crate::{AuditDraft, Result};

/// A document without its content: what a list shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentMetaRow {
    pub id: String,
    pub case_id: CaseId,
    /// `safepath_domain::casework::documents::DocumentKind`.
    pub kind: String,
    /// `safepath_domain::casework::consent::DataCategory`.
    pub category: String,
    /// Found in the content when it was added.
    pub media_type: String,
    pub size_bytes: i64,
    /// Sealed.
    pub file_name: Sealed,
    /// Sealed; what the person adding it wrote about it.
    pub description: Option<Sealed>,
    pub added_by: UserId,
    pub added_at: i64,
}

/// A document with its content (sealed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentRow {
    pub meta: DocumentMetaRow,
    pub content: Sealed,
}

/// Where a document belongs, for the access rule (no personal data).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentFacts {
    pub case_id: CaseId,
    pub category: String,
    /// Who added it (their organisation decides whether a receiving
    /// organisation may remove it).
    pub added_by: UserId,
}

#[async_trait]
pub trait DocumentStore: Send + Sync {
    /// Adds a document, with its audit entry, in one transaction.
    async fn add_document(&self, row: &DocumentRow, audit: &AuditDraft) -> Result<()>;
    /// The case's documents (newest first) without their content, audited
    /// in the same transaction (the entry's detail lists the ids read).
    async fn case_documents(&self, case: CaseId, audit: AuditDraft)
    -> Result<Vec<DocumentMetaRow>>;
    /// The case and category of a document of `case`; `None` when there is
    /// no such document on that case.
    async fn document_facts(&self, case: CaseId, id: &str) -> Result<Option<DocumentFacts>>;
    /// One document of `case` with its content, audited in the same
    /// transaction.
    async fn read_document(
        &self,
        case: CaseId,
        id: &str,
        audit: &AuditDraft,
    ) -> Result<Option<DocumentRow>>;
    /// Removes a document of `case`, audited in the same transaction;
    /// `false` (and nothing written) when there is no such document.
    async fn remove_document(&self, case: CaseId, id: &str, audit: &AuditDraft) -> Result<bool>;
}
