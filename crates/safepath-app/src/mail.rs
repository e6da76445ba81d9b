//! Notifications by e-mail. A notification is queued in the outbox in the
//! transaction that creates it (for users with an address); [`App::deliver_mail`]
//! sends what is due and retries failures with a growing delay, so a mail
//! server that is down loses nothing.
//!
//! Messages carry only what in-app notifications carry: a case reference and
//! what happened, never a person's name or whereabouts. SafePath speaks plain
//! SMTP to a relay the operator runs (on the host or the local network), which
//! handles onward delivery and TLS (docs/decisions.md D9).

use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use safepath_store::AuditDraft;

use crate::admin::Operator;
use crate::{App, AppError};

/// Where mail goes: `smtp://host:port` and the sender address.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer")
            .field("from", &self.from.email.to_string())
            .finish()
    }
}

/// The longest wait between two attempts at one e-mail.
const MAX_RETRY_MS: i64 = 60 * 60 * 1000;

/// Checks an e-mail address the way the mail library will use it.
pub fn check_email(email: &str) -> Result<String, AppError> {
    let e = email.trim();
    e.parse::<lettre::Address>()
        .map(|a| a.to_string())
        .map_err(|_| AppError::bad_request("invalid_email", "email: not a valid e-mail address"))
}

impl Mailer {
    /// `url` is `smtp://host[:port]` (port 25 by default).
    pub fn new(url: &str, from: &str) -> Result<Self, AppError> {
        let rest = url.strip_prefix("smtp://").ok_or_else(|| {
            AppError::config("the SMTP URL must look like smtp://host:port (a relay you run)")
        })?;
        let (host, port) = match rest.rsplit_once(':') {
            Some((h, p)) => (
                h,
                p.parse::<u16>()
                    .map_err(|_| AppError::config("the SMTP port must be a number"))?,
            ),
            None => (rest, 25),
        };
        if host.is_empty() {
            return Err(AppError::config("the SMTP URL names no host"));
        }
        let from: Mailbox = from
            .parse()
            .map_err(|_| AppError::config("--mail-from is not a valid e-mail address"))?;
        let transport = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
            .port(port)
            .timeout(Some(std::time::Duration::from_secs(20)))
            .build();
        Ok(Self { transport, from })
    }
}

impl App {
    /// Sends notifications by e-mail through this relay from now on.
    pub fn set_mailer(&mut self, mailer: Mailer) {
        self.mailer = Some(mailer);
    }

    /// Sets or clears a user's e-mail address (administrators, or the CLI).
    pub async fn set_user_email(
        &self,
        op: Operator<'_>,
        username: &str,
        email: Option<&str>,
    ) -> Result<(), AppError> {
        op.require(safepath_domain::access::Action::ManageUsers)?;
        let email = email.map(check_email).transpose()?;
        let user = self
            .store
            .user_by_username(username)
            .await?
            .ok_or_else(|| AppError::not_found("no such user"))?;
        let audit = AuditDraft::new(self.now_ms(), op.actor_id(), "user.email")
            .record("user", user.id)
            .detail(if email.is_some() { "set" } else { "cleared" });
        self.store
            .set_user_email(user.id, email.as_deref(), &audit)
            .await?;
        Ok(())
    }

    /// Sends the e-mails that are due; returns how many were sent. Without
    /// a mailer this does nothing (the outbox keeps them).
    pub async fn deliver_mail(&self) -> Result<usize, AppError> {
        let Some(mailer) = &self.mailer else {
            return Ok(0);
        };
        let now = self.now_ms();
        let mut sent = 0;
        for m in self.store.pending_mail(now, 50).await? {
            let to: Mailbox = match m.email.parse() {
                Ok(t) => t,
                Err(_) => {
                    // Never deliverable: parked far in the future, not retried in a loop.
                    self.store.mail_attempted(&m.id, None, i64::MAX).await?;
                    continue;
                }
            };
            let message = Message::builder()
                .from(mailer.from.clone())
                .to(to)
                .subject(format!("SafePath: {}", m.kind.replace('_', " ")))
                .body(format!(
                    "{}\n\nSign in to SafePath to see it. This message contains no personal data by design.\n",
                    m.message
                ));
            let message = match message {
                Ok(msg) => msg,
                Err(e) => return Err(AppError::internal(&e.to_string())),
            };
            match mailer.transport.send(message).await {
                Ok(_) => {
                    self.store.mail_attempted(&m.id, Some(now), now).await?;
                    sent += 1;
                }
                Err(e) => {
                    // The error names the server, never the message.
                    tracing::warn!(error = %e, attempts = m.attempts + 1, "e-mail not delivered; will retry");
                    let wait = (60_000_i64 << m.attempts.clamp(0, 10)).min(MAX_RETRY_MS);
                    self.store.mail_attempted(&m.id, None, now + wait).await?;
                }
            }
        }
        Ok(sent)
    }
}
