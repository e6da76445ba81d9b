//! Organisations, accounts, audit verification, key rotation and backup.
//! These are run by administrators (API) or by the operator (CLI, actor `cli`).

use safepath_audit::{Break, ChainVerifier, Checkpoint};
use safepath_crypto::{KeyFile, hash_password, rewrap};
use safepath_domain::access::{self, Action, Decision};
use safepath_domain::ids::{OrgId, UserId};
use safepath_domain::org::{OrgType, Role, Username, check_country, check_password_strength};
use safepath_store::{AuditDraft, OrgRow, UserRow};
use std::path::Path;
use uuid::Uuid;

use crate::views::{MeView, OrgView};
use crate::{App, AppError, Principal};

/// Who performs an administrative act: a signed-in administrator or the CLI.
#[derive(Debug, Clone)]
pub enum Operator<'a> {
    User(&'a Principal),
    Cli(&'static str),
}

impl Operator<'_> {
    pub(crate) fn actor_id(&self) -> String {
        match self {
            Operator::User(p) => p.id().to_string(),
            Operator::Cli(cmd) => format!("cli:{cmd}"),
        }
    }
    pub(crate) fn require(&self, action: Action) -> Result<(), AppError> {
        match self {
            Operator::User(p) if access::decide_global(p.actor.role, action) != Decision::Allow => {
                Err(AppError::forbidden("only an administrator may do this"))
            }
            _ => Ok(()),
        }
    }
}

/// The result of `safepath audit verify`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditVerdict {
    Intact { entries: i64, checkpoints: usize },
    Broken(Break),
}

pub fn org_view(o: &OrgRow) -> Result<OrgView, AppError> {
    Ok(OrgView {
        id: o.id.0,
        name: o.name.clone(),
        org_type: OrgType::parse(&o.org_type)?,
        country: o.country.clone(),
    })
}

impl App {
    pub async fn add_org(
        &self,
        by: Operator<'_>,
        name: &str,
        org_type: &str,
        country: &str,
    ) -> Result<OrgView, AppError> {
        by.require(Action::ManageOrgs)?;
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 200 {
            return Err(AppError::bad_request(
                "invalid_field",
                "name: 1 to 200 characters",
            ));
        }
        let row = OrgRow {
            id: OrgId(Uuid::new_v4()),
            name: name.to_owned(),
            org_type: OrgType::parse(org_type)?.as_str().into(),
            country: check_country(country)?,
            created_at: self.now_ms(),
        };
        let audit = AuditDraft::new(self.now_ms(), by.actor_id(), "org.create")
            .record("org", row.id)
            .org(row.id);
        self.store.insert_org(&row, &audit).await?;
        org_view(&row)
    }

    pub async fn orgs(&self) -> Result<Vec<OrgView>, AppError> {
        self.store.list_orgs().await?.iter().map(org_view).collect()
    }

    /// Finds an organisation by id or exact name (for the CLI).
    pub async fn find_org(&self, id_or_name: &str) -> Result<OrgRow, AppError> {
        let orgs = self.store.list_orgs().await?;
        orgs.into_iter()
            .find(|o| o.id.to_string() == id_or_name || o.name == id_or_name)
            .ok_or_else(|| AppError::not_found(format!("no organisation {id_or_name:?}")))
    }

    pub async fn add_user(
        &self,
        by: Operator<'_>,
        username: &str,
        full_name: &str,
        org: OrgId,
        role: &str,
        password: &str,
    ) -> Result<MeView, AppError> {
        by.require(Action::ManageUsers)?;
        let username = Username::parse(username)?;
        let role = Role::parse(role)?;
        check_password_strength(password)?;
        let full_name = full_name.trim();
        if full_name.is_empty() || full_name.chars().count() > 200 {
            return Err(AppError::bad_request(
                "invalid_field",
                "full_name: 1 to 200 characters",
            ));
        }
        if self.store.org(org).await?.is_none() {
            return Err(AppError::bad_request("invalid_org", "no such organisation"));
        }
        let row = UserRow {
            id: UserId(Uuid::new_v4()),
            username: username.as_str().to_owned(),
            full_name: full_name.to_owned(),
            org_id: org,
            role: role.as_str().into(),
            password_hash: hash_password(password).map_err(|_| AppError::internal("hash"))?,
            disabled: false,
            language: "en".into(),
            created_at: self.now_ms(),
        };
        let audit = AuditDraft::new(self.now_ms(), by.actor_id(), "user.create")
            .record("user", row.id)
            .org(org)
            .detail(format!("role={}", role.as_str()));
        self.store.insert_user(&row, &audit).await?;
        Ok(me_view(&row, role))
    }

    async fn user_named(&self, username: &str) -> Result<UserRow, AppError> {
        self.store
            .user_by_username(&username.to_ascii_lowercase())
            .await?
            .ok_or_else(|| AppError::not_found(format!("no user {username:?}")))
    }

    pub async fn set_user_disabled(
        &self,
        by: Operator<'_>,
        username: &str,
        disabled: bool,
    ) -> Result<(), AppError> {
        by.require(Action::ManageUsers)?;
        let u = self.user_named(username).await?;
        self.set_account_disabled(by, u.id, disabled).await?;
        Ok(())
    }

    pub async fn reset_password(
        &self,
        by: Operator<'_>,
        username: &str,
        password: &str,
    ) -> Result<(), AppError> {
        by.require(Action::ManageUsers)?;
        check_password_strength(password)?;
        let u = self.user_named(username).await?;
        self.write_password(&by, &u, password).await
    }

    async fn write_password(
        &self,
        by: &Operator<'_>,
        u: &UserRow,
        password: &str,
    ) -> Result<(), AppError> {
        let hash = hash_password(password).map_err(|_| AppError::internal("hash"))?;
        let audit = AuditDraft::new(self.now_ms(), by.actor_id(), "user.reset_password")
            .record("user", u.id)
            .org(u.org_id);
        self.store.set_password(u.id, &hash, &audit).await?;
        Ok(())
    }

    // --- accounts in the browser (issue 10) ---

    /// Every account of the deployment, by organisation and username, for the
    /// administrators' page. Staff accounts, not the people in the cases; the
    /// listing is audited all the same (`user.list`).
    pub async fn accounts(&self, by: Operator<'_>) -> Result<Vec<AccountView>, AppError> {
        by.require(Action::ManageUsers)?;
        let orgs: std::collections::HashMap<OrgId, String> = self
            .store
            .list_orgs()
            .await?
            .into_iter()
            .map(|o| (o.id, o.name))
            .collect();
        let users = self.store.all_users().await?;
        self.store
            .append_audit(
                &AuditDraft::new(self.now_ms(), by.actor_id(), "user.list")
                    .detail(format!("results={}", users.len())),
            )
            .await?;
        let mut out = Vec::with_capacity(users.len());
        for u in &users {
            let two_factor = self.store.two_factor(u.id).await?.map(|t| t.enabled);
            out.push(account_view(
                u,
                orgs.get(&u.org_id).cloned().unwrap_or_default(),
                two_factor,
            )?);
        }
        out.sort_by(|a, b| {
            (a.org_name.to_lowercase(), &a.username).cmp(&(b.org_name.to_lowercase(), &b.username))
        });
        Ok(out)
    }

    /// One account, for its page.
    pub async fn account(&self, by: Operator<'_>, id: UserId) -> Result<AccountView, AppError> {
        by.require(Action::ManageUsers)?;
        let u = self.account_row(id).await?;
        let org = self
            .store
            .org(u.org_id)
            .await?
            .map(|o| o.name)
            .unwrap_or_default();
        let two_factor = self.store.two_factor(u.id).await?.map(|t| t.enabled);
        account_view(&u, org, two_factor)
    }

    async fn account_row(&self, id: UserId) -> Result<UserRow, AppError> {
        self.store
            .user(id)
            .await?
            .ok_or_else(|| AppError::not_found("no such account"))
    }

    /// Refuses a change that would leave the deployment without an
    /// administrator who can sign in, or that an administrator makes to
    /// their own account (another administrator must: no one locks
    /// themselves out by mistake, or hides a change of their own powers).
    async fn guard_administrators(
        &self,
        by: &Operator<'_>,
        target: &UserRow,
        stays_administrator: bool,
    ) -> Result<(), AppError> {
        if let Operator::User(p) = by
            && p.id() == target.id
        {
            return Err(AppError::bad_request(
                "own_account",
                "another administrator must change your own role or access",
            ));
        }
        if target.role == Role::Administrator.as_str() && !target.disabled && !stays_administrator {
            let others = self
                .store
                .all_users()
                .await?
                .iter()
                .filter(|u| {
                    u.id != target.id && u.role == Role::Administrator.as_str() && !u.disabled
                })
                .count();
            if others == 0 {
                return Err(AppError::bad_request(
                    "last_administrator",
                    "this is the only administrator who can sign in",
                ));
            }
        }
        Ok(())
    }

    /// Gives an account another role; its sessions end (the new role applies
    /// from the next sign-in).
    pub async fn set_account_role(
        &self,
        by: Operator<'_>,
        id: UserId,
        role: &str,
    ) -> Result<AccountView, AppError> {
        by.require(Action::ManageUsers)?;
        let role = Role::parse(role)?;
        let u = self.account_row(id).await?;
        if u.role == role.as_str() {
            return self.account(by, id).await;
        }
        self.guard_administrators(&by, &u, role == Role::Administrator)
            .await?;
        let audit = AuditDraft::new(self.now_ms(), by.actor_id(), "user.role")
            .record("user", u.id)
            .org(u.org_id)
            .detail(format!("role={} was={}", role.as_str(), u.role));
        self.store.set_role(u.id, role.as_str(), &audit).await?;
        self.account(by, id).await
    }

    /// Disables an account (its sessions end at once) or enables it again.
    pub async fn set_account_disabled(
        &self,
        by: Operator<'_>,
        id: UserId,
        disabled: bool,
    ) -> Result<AccountView, AppError> {
        by.require(Action::ManageUsers)?;
        let u = self.account_row(id).await?;
        if u.disabled == disabled {
            return self.account(by, id).await;
        }
        if disabled {
            self.guard_administrators(&by, &u, false).await?;
        }
        let audit = AuditDraft::new(
            self.now_ms(),
            by.actor_id(),
            if disabled {
                "user.disable"
            } else {
                "user.enable"
            },
        )
        .record("user", u.id)
        .org(u.org_id);
        self.store.set_disabled(u.id, disabled, &audit).await?;
        self.account(by, id).await
    }

    /// Sets a new password for an account (its sessions end); the holder is
    /// told it by the administrator, out of band.
    pub async fn reset_account_password(
        &self,
        by: Operator<'_>,
        id: UserId,
        password: &str,
    ) -> Result<(), AppError> {
        by.require(Action::ManageUsers)?;
        check_password_strength(password)?;
        let u = self.account_row(id).await?;
        self.write_password(&by, &u, password).await
    }

    /// An account's two-step sign-in, for the administrators' page: `None`
    /// off, `Some(false)` set up but awaiting its first code, `Some(true)` on.
    pub async fn account_two_factor(
        &self,
        by: Operator<'_>,
        id: UserId,
    ) -> Result<Option<bool>, AppError> {
        by.require(Action::ManageUsers)?;
        let u = self.account_row(id).await?;
        Ok(self.store.two_factor(u.id).await?.map(|t| t.enabled))
    }

    /// Removes an account's second sign-in step, for someone whose phone was
    /// lost or taken: their recovery codes go with it and they are signed
    /// out everywhere. They sign in with their password and, where the
    /// server holds their role to two steps, set up a new authenticator at
    /// once. Another administrator must reset an administrator's own.
    pub async fn reset_account_two_factor(
        &self,
        by: Operator<'_>,
        id: UserId,
    ) -> Result<(), AppError> {
        by.require(Action::ManageUsers)?;
        let u = self.account_row(id).await?;
        if let Operator::User(p) = &by
            && p.id() == u.id
        {
            return Err(AppError::bad_request(
                "own_two_factor",
                "another administrator must reset your own two-step sign-in",
            ));
        }
        let audit = AuditDraft::new(self.now_ms(), by.actor_id(), "two_factor.reset")
            .record("user", u.id)
            .org(u.org_id);
        if self.store.reset_two_factor(u.id, &audit).await? {
            Ok(())
        } else {
            Err(AppError::bad_request(
                "two_factor_off",
                "this account does not sign in with two steps",
            ))
        }
    }

    pub fn me(&self, who: &Principal) -> MeView {
        me_view(&who.user, who.actor.role)
    }

    /// Walks the whole audit chain in pages and checks the signed checkpoints.
    pub async fn verify_audit(&self) -> Result<AuditVerdict, AppError> {
        self.verify_audit_with(None).await
    }

    /// Signs a checkpoint of the log as it is now and returns it as one line,
    /// `seq:hash:signature` (hex), for an operator to keep elsewhere: later,
    /// `verify_audit_with(Some(anchor))` proves the log still extends it,
    /// even if whoever controls the database rewrote the log and its
    /// checkpoints.
    pub async fn audit_anchor(&self) -> Result<String, AppError> {
        self.store.checkpoint_now(self.now_ms()).await?;
        let latest = self
            .store
            .checkpoints()
            .await?
            .into_iter()
            .max_by_key(|c| c.seq)
            .ok_or_else(|| {
                AppError::bad_request("empty_audit_log", "the audit log has no entries yet")
            })?;
        Ok(format!(
            "{}:{}:{}",
            latest.seq,
            hex::encode(&latest.hash),
            hex::encode(&latest.signature)
        ))
    }

    /// Verifies the chain and its checkpoints, and with an anchor (a signed
    /// head kept outside the database) that the log still reaches it with
    /// the same hash.
    pub async fn verify_audit_with(
        &self,
        anchor: Option<Checkpoint>,
    ) -> Result<AuditVerdict, AppError> {
        let stored = self.store.checkpoints().await?;
        let mut checkpoints = stored.clone();
        checkpoints.extend(anchor);
        let mut v = ChainVerifier::new(checkpoints.iter().map(|c| c.seq));
        let mut after = 0;
        loop {
            let page = self.store.audit_entries(after, 5_000).await?;
            let Some(last) = page.last() else { break };
            after = last.entry.seq;
            for e in &page {
                if let Err(b) = v.push(e) {
                    return Ok(AuditVerdict::Broken(b));
                }
            }
        }
        match v.finish(
            &self.audit_public_key,
            &checkpoints,
            Some(safepath_store::CHECKPOINT_EVERY),
        ) {
            Ok(entries) => Ok(AuditVerdict::Intact {
                entries,
                checkpoints: stored.len(),
            }),
            Err(b) => Ok(AuditVerdict::Broken(b)),
        }
    }

    /// Rotates the master key: adds a new one to the key file, re-wraps every
    /// data key under it in one transaction, then drops the old one. A crash
    /// at any step leaves a key file that still opens the database.
    pub async fn rotate_master_key(&self) -> Result<String, AppError> {
        let path = self.key_file.clone();
        let mut file = KeyFile::load(&path).map_err(|e| AppError::config(e.to_string()))?;
        let new = KeyFile::new_master_key();
        let new_id = new.id.clone();
        file.master_keys.push(new);
        file.save(&path)
            .map_err(|e| AppError::config(e.to_string()))?;
        let stored = self.store.data_keys().await?;
        let to = file.active().map_err(|e| AppError::config(e.to_string()))?;
        let mut rewrapped = Vec::with_capacity(stored.len());
        for k in &stored {
            let from = file
                .master(&k.master_key_id)
                .map_err(|e| AppError::config(e.to_string()))?;
            rewrapped.push(rewrap(k, from, to).map_err(|e| AppError::config(e.to_string()))?);
        }
        let audit = AuditDraft::new(self.now_ms(), "cli:keys-rotate", "keys.rotate")
            .detail(format!("data_keys={} new_master={new_id}", rewrapped.len()));
        self.store.rewrap_data_keys(&rewrapped, &audit).await?;
        file.master_keys.retain(|k| k.id == new_id);
        file.save(&path)
            .map_err(|e| AppError::config(e.to_string()))?;
        Ok(new_id)
    }

    pub async fn backup(&self, to: &Path) -> Result<(), AppError> {
        if to.exists() {
            return Err(AppError::bad_request(
                "exists",
                format!("{} already exists; choose a new file", to.display()),
            ));
        }
        self.store.backup_to(to).await?;
        self.store
            .append_audit(&AuditDraft::new(
                self.now_ms(),
                "cli:backup",
                "database.backup",
            ))
            .await?;
        Ok(())
    }
}

/// An account as the administrators' pages show it.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct AccountView {
    pub id: Uuid,
    pub username: String,
    pub full_name: String,
    pub org_id: Uuid,
    pub org_name: String,
    pub role: Role,
    pub disabled: bool,
    /// When the account was created (RFC 3339).
    pub created_at: String,
    /// Two-step sign-in: `off`, `awaiting` (set up, not yet confirmed) or
    /// `on`.
    pub two_factor: String,
}

fn account_view(
    u: &UserRow,
    org_name: String,
    two_factor: Option<bool>,
) -> Result<AccountView, AppError> {
    Ok(AccountView {
        id: u.id.0,
        username: u.username.clone(),
        full_name: u.full_name.clone(),
        org_id: u.org_id.0,
        org_name,
        role: Role::parse(&u.role)?,
        disabled: u.disabled,
        created_at: crate::clock::rfc3339(u.created_at),
        two_factor: match two_factor {
            None => "off",
            Some(false) => "awaiting",
            Some(true) => "on",
        }
        .into(),
    })
}

fn me_view(u: &UserRow, role: Role) -> MeView {
    MeView {
        id: u.id.0,
        username: u.username.clone(),
        full_name: u.full_name.clone(),
        org_id: u.org_id.0,
        role,
        language: u.language.clone(),
    }
}

/// Parses an anchor printed by `audit anchor` (`seq:hash:signature`, hex).
pub fn parse_anchor(text: &str) -> Result<Checkpoint, AppError> {
    let bad = || {
        AppError::bad_request(
            "invalid_anchor",
            "an anchor is `seq:hash:signature` as `safepath audit anchor` prints it",
        )
    };
    let mut parts = text.trim().split(':');
    let (Some(seq), Some(hash), Some(sig), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad());
    };
    let seq: i64 = seq.parse().map_err(|_| bad())?;
    let hash = hex::decode(hash).map_err(|_| bad())?;
    let signature = hex::decode(sig).map_err(|_| bad())?;
    if seq < 1 || hash.len() != 32 || signature.len() != 64 {
        return Err(bad());
    }
    Ok(Checkpoint {
        seq,
        hash,
        signature,
    })
}
