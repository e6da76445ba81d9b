//! The one way in to personal data.
//!
//! Personal fields are sealed (XChaCha20-Poly1305, bound to table, column
//! and record id, so a value copied to another row or column does not open).
//! The key ring lives in a [`Vault`] that can seal and compute blind indexes
//! but has no public way to open anything: the only road to plaintext is
//! [`App::open_str`] / [`App::open_json`], and both demand a [`Grant`].
//!
//! A grant says **who** reads and **which record's audit entry covers the
//! read**. Grants are made only from the domain policy's capabilities:
//! [`Grant::case`] from a [`CaseAccess`] (and only for a row of that same
//! case — a capability for one case never opens another's), [`Grant::location`]
//! from a [`LocationAccess`] for that shelter, and the few named grants for
//! records that are not a case's (a tracing request, a fund transaction, an
//! audited scan), each minted beside the audit entry it is charged to.
//!
//! Every unseal can be watched ([`App::watch_unseals`]): the web test
//! harness does, and after every request it checks that each unseal was
//! covered by an audit entry with the same actor and record, appended during
//! that request. So a read that forgets its audit entry fails the suite,
//! whichever handler it is in.

use std::sync::{Arc, Mutex, OnceLock};

use safepath_crypto::{CryptoError, FieldRef, KeyRing, Sealed};
use safepath_domain::access::CaseAccess;
use safepath_domain::casework::directory::LocationAccess;
use safepath_domain::ids::{CaseId, OrgId};
use serde::Serialize;
use serde::de::DeserializeOwned;
use zeroize::Zeroizing;

use crate::{App, AppError};

pub(crate) fn field<'a>(table: &'a str, column: &'a str, record_id: &'a str) -> FieldRef<'a> {
    FieldRef {
        table,
        column,
        record_id,
    }
}

/// The data keys: sealing and blind indexes for everyone in the app;
/// opening only through [`App::open_str`] / [`App::open_json`] with a grant.
pub(crate) struct Vault(KeyRing);

impl Vault {
    pub(crate) fn new(keys: KeyRing) -> Self {
        Self(keys)
    }

    pub(crate) fn seal(&self, field: FieldRef<'_>, value: &[u8]) -> Result<Sealed, CryptoError> {
        self.0.seal(field, value)
    }

    pub(crate) fn blind_index(&self, purpose: &str, token: &str) -> Result<Vec<u8>, CryptoError> {
        self.0.blind_index(purpose, token)
    }

    /// A keyed hash under the index key for one purpose, to blind many
    /// values off the async workers (search before create's index, D17).
    pub(crate) fn blinder(&self, purpose: &str) -> Result<safepath_crypto::Blinder, AppError> {
        self.0
            .blinder(purpose)
            .map_err(|e| AppError::internal(&e.to_string()))
    }

    /// Re-encrypts one value under this vault's sealing key (data-key
    /// rotation). The plaintext never leaves this module, so no grant: the
    /// rotation reads nothing, and its run is audited as one operation.
    pub(crate) fn reseal(
        &self,
        field: FieldRef<'_>,
        sealed: &Sealed,
    ) -> Result<Sealed, CryptoError> {
        let plain = self.0.open(field, sealed)?;
        self.0.seal(field, &plain)
    }

    /// A person's name index recomputed from the sealed names under this
    /// vault's index key (index-key rotation). As with [`Vault::reseal`],
    /// the names never leave this module: only the blinded tokens do.
    pub(crate) fn reindex_person_names(
        &self,
        person: &str,
        display_name: &Sealed,
        names: &Sealed,
    ) -> Result<Vec<Vec<u8>>, AppError> {
        let display = self.open(field("persons", "display_name", person), display_name)?;
        let names = self.open(field("persons", "names", person), names)?;
        let display = std::str::from_utf8(&display)
            .map_err(|_| AppError::internal("a stored display name is not UTF-8"))?;
        let names: Vec<safepath_domain::person::PersonName> = serde_json::from_slice(&names)
            .map_err(|_| AppError::internal("stored names are not readable"))?;
        safepath_domain::person::name_index_tokens(display, &names)
            .iter()
            .map(|t| {
                self.0
                    .blind_index(crate::cases::NAME_INDEX, t)
                    .map_err(|e| AppError::internal(&e.to_string()))
            })
            .collect()
    }

    /// Private to this module: nothing outside it can open a field.
    fn open(&self, field: FieldRef<'_>, sealed: &Sealed) -> Result<Zeroizing<Vec<u8>>, AppError> {
        self.0
            .open(field, sealed)
            .map_err(|e| AppError::internal(&e.to_string()))
    }
}

/// The record type of [`Grant::policy_check`] unseals.
pub const POLICY_CHECK: &str = "policy_check";

/// Permission to open sealed fields, charged to one actor and one audited
/// record. Fields are private: only the constructors below make one, each
/// from a capability the domain policy minted or beside the audit entry the
/// read is charged to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Grant {
    actor: String,
    record_type: &'static str,
    record_id: String,
}

impl Grant {
    /// Opens rows of one case, with the capability the policy minted for
    /// that case. `row_case` is the case the row belongs to (read from the
    /// row): a mismatch is refused, so a capability never opens another
    /// case's data. Charged to the case's audit entry.
    pub(crate) fn case(access: &CaseAccess, row_case: CaseId) -> Result<Self, AppError> {
        if access.case() != row_case {
            return Err(AppError::internal(
                "a case capability was used on another case's record",
            ));
        }
        Ok(Self {
            actor: access.actor().id.to_string(),
            record_type: "case",
            record_id: row_case.to_string(),
        })
    }

    /// Opens one shelter's location, with the capability the location policy
    /// minted for the organisation running it.
    pub(crate) fn location(
        access: &LocationAccess,
        shelter_id: &str,
        shelter_org: OrgId,
    ) -> Result<Self, AppError> {
        if access.shelter_org() != shelter_org {
            return Err(AppError::internal(
                "a location capability was used on another organisation's shelter",
            ));
        }
        Ok(Self {
            actor: access.actor().id.to_string(),
            record_type: "shelter",
            record_id: shelter_id.to_owned(),
        })
    }

    /// A record that is not a case's (a tracing request, a referral, a fund
    /// transaction, a handover message…), read by `actor` after the caller
    /// checked the record's own rule. Charged to the audit entry naming
    /// `record_type`/`record_id`.
    pub(crate) fn record(
        actor: impl ToString,
        record_type: &'static str,
        record_id: impl ToString,
    ) -> Self {
        Self {
            actor: actor.to_string(),
            record_type,
            record_id: record_id.to_string(),
        }
    }

    /// Consents and referrals opened to decide what `actor` may see of a
    /// case (the consent ledger is the policy's input). Names the case, but
    /// is not yet charged to an audit entry of its own (docs/decisions.md
    /// D-A2): the unseal check counts it apart.
    pub(crate) fn policy_check(actor: impl ToString, case: CaseId) -> Self {
        Self {
            actor: actor.to_string(),
            record_type: POLICY_CHECK,
            record_id: case.to_string(),
        }
    }
}

/// One field opened: by whom, charged to which record, and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unseal {
    pub actor: String,
    pub record_type: &'static str,
    pub record_id: String,
    pub table: String,
    pub column: String,
}

/// The unseals seen since the last [`UnsealLog::take`].
#[derive(Debug, Default)]
pub struct UnsealLog(Mutex<Vec<Unseal>>);

impl UnsealLog {
    pub fn take(&self) -> Vec<Unseal> {
        self.0
            .lock()
            .map(|mut v| std::mem::take(&mut *v))
            .unwrap_or_default()
    }
    fn push(&self, u: Unseal) {
        if let Ok(mut v) = self.0.lock() {
            v.push(u);
        }
    }
}

/// Set once; empty in production (an unseal then costs one atomic load).
pub(crate) type UnsealWatch = OnceLock<Arc<UnsealLog>>;

impl App {
    /// Starts recording every unseal (for the suites that check that each
    /// one has its audit entry). Returns the log; later calls return the
    /// same log.
    pub fn watch_unseals(&self) -> Arc<UnsealLog> {
        self.unseals.get_or_init(Default::default).clone()
    }

    pub(crate) fn seal_bytes(
        &self,
        table: &str,
        column: &str,
        id: &str,
        value: &[u8],
    ) -> Result<Sealed, AppError> {
        self.keys
            .seal(field(table, column, id), value)
            .map_err(|e| AppError::internal(&e.to_string()))
    }

    pub(crate) fn seal_str(
        &self,
        table: &str,
        column: &str,
        id: &str,
        value: &str,
    ) -> Result<Sealed, AppError> {
        self.seal_bytes(table, column, id, value.as_bytes())
    }

    /// Seals a record as JSON.
    pub(crate) fn seal_json<T: Serialize>(
        &self,
        table: &str,
        column: &str,
        id: &str,
        value: &T,
    ) -> Result<Sealed, AppError> {
        let json = serde_json::to_vec(value).map_err(|_| AppError::internal("serialise"))?;
        self.seal_bytes(table, column, id, &json)
    }

    pub(crate) fn open_bytes(
        &self,
        grant: &Grant,
        table: &str,
        column: &str,
        id: &str,
        s: &Sealed,
    ) -> Result<Zeroizing<Vec<u8>>, AppError> {
        if let Some(log) = self.unseals.get() {
            log.push(Unseal {
                actor: grant.actor.clone(),
                record_type: grant.record_type,
                record_id: grant.record_id.clone(),
                table: table.to_owned(),
                column: column.to_owned(),
            });
        }
        self.keys.open(field(table, column, id), s)
    }

    /// Opens a text field, charged to `grant`.
    pub(crate) fn open_str(
        &self,
        grant: &Grant,
        table: &str,
        column: &str,
        id: &str,
        s: &Sealed,
    ) -> Result<String, AppError> {
        let bytes = self.open_bytes(grant, table, column, id, s)?;
        String::from_utf8(bytes.to_vec())
            .map_err(|_| AppError::internal(&format!("{table}.{column} (not UTF-8)")))
    }

    /// Opens a record sealed by [`App::seal_json`], charged to `grant`.
    pub(crate) fn open_json<T: DeserializeOwned>(
        &self,
        grant: &Grant,
        table: &str,
        column: &str,
        id: &str,
        s: &Sealed,
    ) -> Result<T, AppError> {
        let bytes = self.open_bytes(grant, table, column, id, s)?;
        serde_json::from_slice(&bytes).map_err(|_| AppError::internal(&format!("{table} record")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use safepath_domain::access::{Action, Actor, CaseFacts, authorize};
    use safepath_domain::casework::directory::authorize_location;
    use safepath_domain::ids::UserId;
    use safepath_domain::org::Role;
    use uuid::Uuid;

    fn case_of(actor: &Actor) -> CaseFacts {
        CaseFacts {
            id: CaseId(Uuid::new_v4()),
            org: actor.org,
            case_manager: Some(actor.id),
            associated: vec![],
        }
    }

    #[test]
    fn a_case_capability_opens_only_its_own_case() {
        let actor = Actor {
            id: UserId(Uuid::new_v4()),
            org: OrgId(Uuid::new_v4()),
            role: Role::CaseManager,
        };
        let (mine, other) = (case_of(&actor), case_of(&actor));
        let access = authorize(&actor, Action::ReadCase, &mine).unwrap();
        let grant = Grant::case(&access, mine.id).unwrap();
        assert_eq!(grant.record_id, mine.id.to_string());
        assert_eq!(grant.actor, actor.id.to_string());
        // Authorised for one case, refused on another case's rows.
        assert!(Grant::case(&access, other.id).is_err());
    }

    #[test]
    fn a_location_capability_opens_only_its_organisations_shelters() {
        let actor = Actor {
            id: UserId(Uuid::new_v4()),
            org: OrgId(Uuid::new_v4()),
            role: Role::CaseManager,
        };
        let access = authorize_location(&actor, actor.org, None).unwrap();
        assert!(Grant::location(&access, "s1", actor.org).is_ok());
        assert!(Grant::location(&access, "s2", OrgId(Uuid::new_v4())).is_err());
    }
}
