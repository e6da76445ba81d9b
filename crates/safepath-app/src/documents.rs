//! Documents attached to a case (issue 10): identity papers, medical and
//! court papers, letters.
//!
//! - The file, its name and its description are sealed like every personal
//!   field, each bound to its row and column.
//! - Each document has a data category (by default its kind's), so consent
//!   and referrals govern who sees it: the owning organisation's staff who
//!   may read the case see every document; a receiving organisation sees
//!   only those whose category its accepted referrals share under consent in
//!   force today, and everyone else gets the answer a missing case gets.
//! - The owning organisation's staff who may change the case add and remove
//!   documents; a receiving organisation adds what its service produced (a
//!   medical report, court papers) in the categories it was given, and
//!   removes only what its own staff added. The case manager is notified of
//!   its additions in the same transaction.
//! - The type is recognised from the content, never the name or the type
//!   the browser claims; the size is limited (default 20 MiB).
//! - Every list, download, addition and removal is audited in the
//!   transaction that does it.

use std::collections::{BTreeMap, BTreeSet};

use safepath_domain::access::{self, Action, CaseAccess, Decision};
use safepath_domain::casework::checked_text;
use safepath_domain::casework::consent::DataCategory;
use safepath_domain::casework::documents::{self, DocumentKind};
use safepath_domain::ids::{CaseId, OrgId, UserId};
use safepath_store::{AuditDraft, DocumentFacts, DocumentMetaRow, DocumentRow};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;
use zeroize::Zeroizing;

use crate::sealing::Grant;
use crate::{App, AppError, Principal};

const TABLE: &str = "case_documents";

/// A document as a list shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DocumentView {
    pub id: String,
    pub kind: DocumentKind,
    pub category: DataCategory,
    /// The type found in the content.
    pub media_type: String,
    pub size_bytes: i64,
    pub file_name: String,
    pub description: Option<String>,
    /// Who added it (staff's full name).
    pub added_by: String,
    /// The organisation that added it, when it is not the case's (a
    /// receiving organisation's contribution).
    pub added_by_organisation: Option<String>,
    /// The reader may remove this document.
    pub may_remove: bool,
    /// RFC 3339.
    pub added_at: String,
}

/// A staff member as a document list names them.
#[derive(Debug, Clone)]
struct Staff {
    name: String,
    /// `None`: the account no longer exists.
    org: Option<OrgId>,
}

/// A case's documents, as the reader may see them.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DocumentList {
    pub items: Vec<DocumentView>,
    /// The reader may add documents (in `categories`).
    pub may_change: bool,
    /// The data categories the reader may add documents in: every one for
    /// the owning organisation, those its referrals share for a receiver.
    pub categories: Vec<DataCategory>,
    /// Seen through a referral: only the categories shared.
    pub via_referral: bool,
    /// The largest file accepted, in bytes.
    pub max_bytes: u64,
    /// The file types accepted (by extension).
    pub accepted: Vec<&'static str>,
}

/// A new document.
#[derive(Debug, Clone, Default)]
pub struct NewDocument {
    pub kind: String,
    /// Empty: the kind's default category.
    pub category: String,
    pub description: String,
    /// As the browser sent it (cleaned before it is kept).
    pub file_name: String,
    pub content: Vec<u8>,
}

/// A document's file, opened for a download.
pub struct DocumentFile {
    pub file_name: String,
    pub media_type: String,
    pub content: Zeroizing<Vec<u8>>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AddedDocument {
    pub id: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Need {
    Read,
    Change,
}

/// Who the gate let in, and what they may open.
struct Gate {
    access: CaseAccess,
    facts: access::CaseFacts,
    /// `Some`: a receiving organisation, limited to these categories.
    shared: Option<BTreeSet<DataCategory>>,
}

impl App {
    /// The largest document accepted, in bytes.
    pub fn document_max_bytes(&self) -> u64 {
        self.document_max_bytes
    }

    /// Sets the largest document accepted (at least 1 KiB).
    pub fn set_document_max_bytes(&mut self, bytes: u64) -> Result<(), AppError> {
        if bytes < 1024 {
            return Err(AppError::config(
                "the largest document must be at least 1 KiB",
            ));
        }
        self.document_max_bytes = bytes;
        Ok(())
    }

    /// The one way into a case's documents (see the module's note).
    async fn document_gate(
        &self,
        who: &Principal,
        case: Uuid,
        need: Need,
    ) -> Result<Gate, AppError> {
        let facts = self
            .store
            .case_facts(CaseId(case))
            .await?
            .ok_or_else(AppError::case_not_found)?;
        let action = match need {
            Need::Read => Action::ReadCase,
            Need::Change => Action::EditCase,
        };
        match access::authorize(&who.actor, action, &facts) {
            Ok(access) => Ok(Gate {
                access,
                facts,
                shared: None,
            }),
            Err(Decision::Forbidden) => Err(AppError::forbidden(
                "your role may not add or remove this case's documents",
            )),
            Err(_) => {
                // Another organisation's case: only through an accepted,
                // consent-covered referral, limited to what it shares.
                let shared = self.referral_categories(who, facts.id).await?;
                let any = !shared.is_empty();
                let access = match need {
                    Need::Read => access::authorize_referral_read(&who.actor, &facts, any),
                    Need::Change => {
                        access::authorize_referral_contribution(&who.actor, &facts, any)
                    }
                }
                .map_err(|_| AppError::case_not_found())?;
                Ok(Gate {
                    access,
                    facts,
                    shared: Some(shared),
                })
            }
        }
    }

    /// Whether the user may open the case's documents (for the link on the
    /// case page; no document is read).
    pub async fn may_see_documents(&self, who: &Principal, case: Uuid) -> bool {
        self.document_gate(who, case, Need::Read).await.is_ok()
    }

    /// The audit entry of one use: the case, its organisation, `detail`,
    /// and the categories a receiving organisation read under.
    fn document_audit(
        &self,
        who: &Principal,
        gate: &Gate,
        action: &str,
        detail: &str,
    ) -> AuditDraft {
        let mut parts = Vec::new();
        if !detail.is_empty() {
            parts.push(detail.to_owned());
        }
        if let Some(shared) = &gate.shared {
            parts.push(format!(
                "via referral; categories={}",
                safepath_domain::casework::consent::category_names(shared)
            ));
        }
        let a = AuditDraft::new(self.now_ms(), who.id().to_string(), action)
            .record("case", gate.access.case())
            .org(gate.facts.org);
        if parts.is_empty() {
            a
        } else {
            a.detail(parts.join("; "))
        }
    }

    /// The case's documents the reader may see, newest first (audited).
    pub async fn documents(&self, who: &Principal, case: Uuid) -> Result<DocumentList, AppError> {
        let gate = self.document_gate(who, case, Need::Read).await?;
        let may_change = match &gate.shared {
            None => access::case_permissions(&who.actor, &gate.facts).edit,
            Some(shared) => {
                access::authorize_referral_contribution(&who.actor, &gate.facts, !shared.is_empty())
                    .is_ok()
            }
        };
        let categories = DataCategory::ALL
            .iter()
            .copied()
            .filter(|c| documents::may_add(*c, gate.shared.as_ref()))
            .collect();
        let audit = self.document_audit(who, &gate, "document.list", "");
        let rows = self.store.case_documents(gate.access.case(), audit).await?;
        let grant = Grant::case(&gate.access, gate.access.case())?;
        let mut staff = BTreeMap::new();
        let mut items = Vec::new();
        for row in rows {
            let category = DataCategory::parse(&row.category)
                .map_err(|_| AppError::internal("stored document category is invalid"))?;
            if !documents::may_open(category, gate.shared.as_ref()) {
                continue;
            }
            let view = self
                .document_view(who, &grant, &gate, may_change, row, category, &mut staff)
                .await?;
            items.push(view);
        }
        Ok(DocumentList {
            items,
            may_change,
            categories,
            via_referral: gate.shared.is_some(),
            max_bytes: self.document_max_bytes,
            accepted: documents::accepted_extensions(),
        })
    }

    /// One document as `who` sees it; `may_change`: `who` may add to the
    /// case (removing this one depends on who added it, too).
    #[allow(clippy::too_many_arguments)] // one list's shared state, passed down
    async fn document_view(
        &self,
        who: &Principal,
        grant: &Grant,
        gate: &Gate,
        may_change: bool,
        row: DocumentMetaRow,
        category: DataCategory,
        staff: &mut BTreeMap<UserId, Staff>,
    ) -> Result<DocumentView, AppError> {
        let kind = DocumentKind::parse(&row.kind)
            .map_err(|_| AppError::internal("stored document kind is invalid"))?;
        let file_name = self.open_str(grant, TABLE, "file_name", &row.id, &row.file_name)?;
        let description = row
            .description
            .as_ref()
            .map(|d| self.open_str(grant, TABLE, "description", &row.id, d))
            .transpose()?;
        let mut by = self.staff_member(row.added_by, staff).await?;
        let named = by.org.is_some_and(|org| {
            documents::names_contributor(gate.shared.is_some(), org, gate.facts.org, who.actor.org)
        });
        if !named {
            by.name = "—".to_owned();
        }
        let added_by_organisation = match by.org {
            Some(org) if named && org != gate.facts.org => Some(self.org_name(org).await?),
            _ => None,
        };
        let may_remove = may_change
            && match by.org {
                Some(org) => {
                    documents::may_remove(category, org, who.actor.org, gate.shared.as_ref())
                }
                // Added by an account since deleted: the owner's staff only.
                None => gate.shared.is_none(),
            };
        Ok(DocumentView {
            id: row.id,
            kind,
            category,
            media_type: row.media_type,
            size_bytes: row.size_bytes,
            file_name,
            description,
            added_by: by.name,
            added_by_organisation,
            may_remove,
            added_at: crate::clock::rfc3339(row.added_at),
        })
    }

    /// A staff member's name and organisation, looked up once per list.
    async fn staff_member(
        &self,
        id: UserId,
        staff: &mut BTreeMap<UserId, Staff>,
    ) -> Result<Staff, AppError> {
        if let Some(s) = staff.get(&id) {
            return Ok(s.clone());
        }
        let s = match self.store.user(id).await? {
            Some(u) => Staff {
                name: u.full_name,
                org: Some(u.org_id),
            },
            None => Staff {
                name: "—".to_owned(),
                org: None,
            },
        };
        staff.insert(id, s.clone());
        Ok(s)
    }

    /// Adds a document to the case. Every check runs before anything is
    /// written; the document and its audit entry are one transaction.
    pub async fn add_document(
        &self,
        who: &Principal,
        case: Uuid,
        new: NewDocument,
    ) -> Result<AddedDocument, AppError> {
        let gate = self.document_gate(who, case, Need::Change).await?;
        let kind = DocumentKind::parse(new.kind.trim())?;
        let category = match new.category.trim() {
            "" => kind.default_category(),
            c => DataCategory::parse(c)?,
        };
        if !documents::may_add(category, gate.shared.as_ref()) {
            return Err(safepath_domain::DomainError::new(
                "category_not_shared",
                "category: a document added through a referral must be in a category the referral shares",
            )
            .into());
        }
        let description = match new.description.trim() {
            "" => None,
            d => Some(checked_text("description", d)?),
        };
        let file_type = documents::check_file(&new.content, self.document_max_bytes)
            .map_err(safepath_domain::DomainError::from)?;
        let file_name = documents::safe_file_name(&new.file_name, file_type);
        let id = Uuid::new_v4().to_string();
        let size_bytes =
            i64::try_from(new.content.len()).map_err(|_| AppError::internal("document size"))?;
        let row = DocumentRow {
            meta: DocumentMetaRow {
                id: id.clone(),
                case_id: gate.access.case(),
                kind: kind.as_str().to_owned(),
                category: category.as_str().to_owned(),
                media_type: file_type.media_type.to_owned(),
                size_bytes,
                file_name: self.seal_str(TABLE, "file_name", &id, &file_name)?,
                description: description
                    .map(|d| self.seal_str(TABLE, "description", &id, &d))
                    .transpose()?,
                added_by: who.id(),
                added_at: self.now_ms(),
            },
            content: self.seal_bytes(TABLE, "content", &id, &new.content)?,
        };
        let detail = format!(
            "id={id} kind={} category={} type={} bytes={size_bytes}",
            kind.as_str(),
            category.as_str(),
            file_type.extension
        );
        let mut audit = self.document_audit(who, &gate, "document.add", &detail);
        if gate.shared.is_some() {
            audit = self.notify_owner_of_contribution(who, &gate, audit).await?;
        }
        self.store.add_document(&row, &audit).await?;
        Ok(AddedDocument { id })
    }

    /// A receiving organisation's addition is news to the case manager: a
    /// notification in the addition's own transaction (the case's reference
    /// and the organisation's name, nothing of the document).
    async fn notify_owner_of_contribution(
        &self,
        who: &Principal,
        gate: &Gate,
        audit: AuditDraft,
    ) -> Result<AuditDraft, AppError> {
        let Some(manager) = gate.facts.case_manager else {
            return Ok(audit);
        };
        let case = gate.access.case();
        let reference = self.case_reference(case).await?.unwrap_or_default();
        let org = self.org_name(who.actor.org).await?;
        Ok(audit.notify(
            self.notice(
                manager,
                "document_added",
                Some(case),
                format!("{org} added a document to case {reference}"),
            )
            .about("documents", case)
            .params(crate::identification::notice_params(&[
                ("reference", &reference),
                ("org", &org),
            ])),
        ))
    }

    /// Opens one document for a download (audited). A document the reader
    /// may not open answers as one that does not exist.
    pub async fn document_file(
        &self,
        who: &Principal,
        case: Uuid,
        document: &str,
    ) -> Result<DocumentFile, AppError> {
        let gate = self.document_gate(who, case, Need::Read).await?;
        let missing = || AppError::not_found("no such document");
        self.openable_document(&gate, document).await?;
        let audit = self.document_audit(who, &gate, "document.read", &format!("id={document}"));
        let row = self
            .store
            .read_document(gate.access.case(), document, &audit)
            .await?
            .ok_or_else(missing)?;
        let grant = Grant::case(&gate.access, row.meta.case_id)?;
        let id = &row.meta.id;
        Ok(DocumentFile {
            file_name: self.open_str(&grant, TABLE, "file_name", id, &row.meta.file_name)?,
            media_type: row.meta.media_type.clone(),
            content: self.open_bytes(&grant, TABLE, "content", id, &row.content)?,
        })
    }

    /// A document's facts and category, when the gate's reader may open it;
    /// otherwise the answer a missing document gets.
    async fn openable_document(
        &self,
        gate: &Gate,
        document: &str,
    ) -> Result<(DocumentFacts, DataCategory), AppError> {
        let missing = || AppError::not_found("no such document");
        let facts = self
            .store
            .document_facts(gate.access.case(), document)
            .await?
            .ok_or_else(missing)?;
        let category = DataCategory::parse(&facts.category)
            .map_err(|_| AppError::internal("stored document category is invalid"))?;
        if documents::may_open(category, gate.shared.as_ref()) {
            Ok((facts, category))
        } else {
            Err(missing())
        }
    }

    /// Removes a document (audited; the file is gone from the database).
    pub async fn remove_document(
        &self,
        who: &Principal,
        case: Uuid,
        document: &str,
    ) -> Result<(), AppError> {
        let gate = self.document_gate(who, case, Need::Change).await?;
        if let Some(shared) = &gate.shared {
            // A receiving organisation removes only what its own staff added,
            // in a category it still shares; one it may not open looks missing.
            let (facts, category) = self.openable_document(&gate, document).await?;
            let added_by_org = self.store.user(facts.added_by).await?.map(|u| u.org_id);
            if !added_by_org.is_some_and(|org| {
                documents::may_remove(category, org, who.actor.org, Some(shared))
            }) {
                return Err(AppError::forbidden(
                    "a receiving organisation may remove only the documents its own staff added",
                ));
            }
        }
        let audit = self.document_audit(who, &gate, "document.remove", &format!("id={document}"));
        if self
            .store
            .remove_document(gate.access.case(), document, &audit)
            .await?
        {
            Ok(())
        } else {
            Err(AppError::not_found("no such document"))
        }
    }
}

/// A one-page PDF that says it is synthetic demo data (no real person).
fn synthetic_pdf(title: &str) -> Vec<u8> {
    let text = format!("SafePath demo: {title}. Synthetic data, no real person.")
        .replace(['(', ')', '\\'], " ");
    let stream = format!("BT /F1 14 Tf 56 760 Td ({text}) Tj ET");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_owned(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>"
            .to_owned(),
        format!("<< /Length {} >>\nstream\n{stream}\nendstream", stream.len()),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_owned(),
    ];
    let mut pdf = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.extend_from_slice(format!("{} 0 obj\n{o}\nendobj\n", i + 1).as_bytes());
    }
    let xref = pdf.len();
    pdf.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for off in offsets {
        pdf.extend_from_slice(format!("{off:010} 00000 n \n").as_bytes());
    }
    pdf.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    pdf
}

/// Demo documents on the first worked cases of demo-cm-a: an identity
/// document and a medical paper (synthetic PDFs).
pub(crate) async fn seed_demo(app: &App, cm: &Principal, cases: &[Uuid]) -> Result<(), AppError> {
    for case in cases.iter().take(2) {
        for (kind, title, name, description) in [
            (
                DocumentKind::IdentityDocument,
                "identity card (copy)",
                "identity-card-copy.pdf",
                "Copy of the identity card, front and back",
            ),
            (
                DocumentKind::Medical,
                "medical assessment",
                "medical-assessment.pdf",
                "First health assessment at the shelter",
            ),
        ] {
            app.add_document(
                cm,
                *case,
                NewDocument {
                    kind: kind.as_str().to_owned(),
                    category: String::new(),
                    description: description.to_owned(),
                    file_name: name.to_owned(),
                    content: synthetic_pdf(title),
                },
            )
            .await?;
        }
    }
    Ok(())
}
