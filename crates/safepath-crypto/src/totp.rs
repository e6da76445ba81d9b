//! The optional second sign-in factor: time-based one-time codes (RFC 6238)
//! as authenticator apps make them (SHA-1, 30-second steps, 6 digits), and
//! one-time recovery codes. The arithmetic is `totp-rs`'s; this module fixes
//! the parameters and keeps the secret's bytes out of the callers' hands.

use totp_rs::{Algorithm, Secret, Totp};

use crate::{CryptoError, random_bytes};

/// Seconds per code.
pub const STEP_SECS: u64 = 30;
/// Digits per code.
pub const DIGITS: u8 = 6;
/// Codes one step early or late are accepted too (clocks drift; typing
/// takes time).
const SKEW: u16 = 1;

/// A fresh 160-bit secret (RFC 4226 §4 recommends 160 bits).
pub fn new_secret() -> Vec<u8> {
    random_bytes::<20>().to_vec()
}

fn totp(secret: &[u8], account: &str) -> Result<Totp, CryptoError> {
    totp_rs::Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(DIGITS)
        .with_skew(SKEW)
        .with_step_duration(STEP_SECS)
        .with_secret(secret.to_vec())
        .with_issuer(Some("SafePath".to_owned()))
        .with_account_name(account.to_owned())
        .build()
        .map_err(|e| CryptoError::KeyFile(format!("one-time code secret: {e}")))
}

/// The secret as people type it into an authenticator app (base32, in
/// groups of four).
pub fn secret_text(secret: &[u8]) -> String {
    let b32 = Secret::from(secret.to_vec()).to_base32();
    b32.as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The `otpauth://` address an authenticator app reads from the QR code.
pub fn otpauth_url(secret: &[u8], account: &str) -> Result<String, CryptoError> {
    totp(secret, account)?
        .to_url()
        .map_err(|e| CryptoError::KeyFile(format!("one-time code address: {e}")))
}

/// The step (`unix time / 30`) of the code typed, if it is right for a step
/// near `unix_secs`; the caller refuses a step already used.
pub fn check(secret: &[u8], code: &str, unix_secs: u64) -> Option<u64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != usize::from(DIGITS) || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    totp(secret, "").ok()?.check(&code, unix_secs)
}

/// The code for `unix_secs` (what an authenticator app shows then); for
/// tests and tools.
pub fn code_at(secret: &[u8], unix_secs: u64) -> Result<String, CryptoError> {
    Ok(totp(secret, "")?.generate(unix_secs).to_string())
}

/// The code for `unix_secs` from the secret's text (as shown at enrolment).
pub fn code_from_text(secret_text: &str, unix_secs: u64) -> Result<String, CryptoError> {
    let b32: String = secret_text.split_whitespace().collect();
    let raw = Secret::try_from_base32(b32)
        .map_err(|_| CryptoError::KeyFile("one-time code secret is not base32".into()))?;
    code_at(raw.as_ref(), unix_secs)
}

/// A recovery code: 10 characters from a 32-letter alphabet without
/// look-alikes (50 bits), written `xxxxx-xxxxx`.
pub fn new_recovery_code() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let bytes = random_bytes::<10>();
    let letters: String = bytes
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
        .collect();
    format!("{}-{}", &letters[..5], &letters[5..])
}

/// A recovery code as typed, normalised (case, spaces and dashes do not
/// matter); empty when it cannot be one.
pub fn normalise_recovery_code(typed: &str) -> String {
    let s: String = typed
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    if s.len() == 10 { s } else { String::new() }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn rfc_6238_sha1_vector() {
        // RFC 6238 appendix B, SHA-1 secret "12345678901234567890", 8 digits
        // there; the last 6 digits of 94287082 at T=59.
        let secret = b"12345678901234567890";
        assert_eq!(code_at(secret, 59).unwrap(), "287082");
        assert_eq!(check(secret, "287082", 59), Some(1));
        assert_eq!(
            check(secret, "287 082", 59 + 30),
            Some(1),
            "skew of one step"
        );
        assert_eq!(check(secret, "287082", 59 + 90), None);
        assert_eq!(check(secret, "28708", 59), None);
        assert_eq!(check(secret, "abcdef", 59), None);
    }

    #[test]
    fn secret_text_round_trips() {
        let s = new_secret();
        let text = secret_text(&s);
        assert_eq!(
            code_from_text(&text, 1_000_000).unwrap(),
            code_at(&s, 1_000_000).unwrap()
        );
        let url = otpauth_url(&s, "demo-admin").unwrap();
        assert!(
            url.starts_with("otpauth://totp/SafePath:demo-admin?"),
            "{url}"
        );
    }

    #[test]
    fn recovery_codes_normalise() {
        let c = new_recovery_code();
        assert_eq!(c.len(), 11);
        assert_eq!(
            normalise_recovery_code(&c.to_uppercase()),
            c.replace('-', "")
        );
        assert_eq!(normalise_recovery_code("short"), "");
    }
}
