//! Trainings of an organisation's staff (issue 13: the protection
//! checklist counts the first responders trained on identification). Pure
//! rules: the topics, and what a recorded training must hold.

use std::collections::BTreeSet;

use time::Date;

use crate::DomainError;
use crate::casework::vocabulary;
use crate::ids::UserId;

vocabulary! {
    /// What a training was about.
    TrainingTopic, "topic", "not a known training topic" {
        /// Recognising the indicators and screening (what the checklist counts).
        Identification => "identification",
        /// Referral, consent and the protection services.
        ReferralAndProtection => "referral_and_protection",
        /// Trauma-informed, victim-centred interviewing.
        Interviewing => "interviewing",
        /// Children: best interests, guardians, child-friendly procedures.
        ChildProtection => "child_protection",
        Other => "other",
    }
}

/// The longest note kept with a training.
pub const MAX_NOTE_CHARS: usize = 500;

/// A training as recorded, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Training {
    pub held_on: Date,
    pub topic: TrainingTopic,
    pub attendees: BTreeSet<UserId>,
    pub note: Option<String>,
}

/// Checks a training: held on or before `today`, at least one attendee, a
/// short note without control characters.
pub fn check_training(
    held_on: Date,
    topic: TrainingTopic,
    attendees: BTreeSet<UserId>,
    note: Option<&str>,
    today: Date,
) -> Result<Training, DomainError> {
    if held_on > today {
        return Err(DomainError::invalid("held_on", "must not be in the future"));
    }
    if attendees.is_empty() {
        return Err(DomainError::new(
            "missing_field",
            "attendees: tick at least one member of staff",
        ));
    }
    let note = match note.map(str::trim) {
        None | Some("") => None,
        Some(n) if n.chars().count() > MAX_NOTE_CHARS => {
            return Err(DomainError::invalid(
                "note",
                "is longer than 500 characters",
            ));
        }
        Some(n) if n.chars().any(|c| c.is_control() && c != '\n') => {
            return Err(DomainError::invalid("note", "contains control characters"));
        }
        Some(n) => Some(n.to_owned()),
    };
    Ok(Training {
        held_on,
        topic,
        attendees,
        note,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;
    use uuid::Uuid;

    #[test]
    fn a_training_is_in_the_past_has_attendees_and_a_short_note() {
        let today = date!(2026 - 12 - 06);
        let one: BTreeSet<_> = [UserId(Uuid::from_u128(1))].into_iter().collect();
        let ok = check_training(
            today,
            TrainingTopic::Identification,
            one.clone(),
            Some(" Module 1 "),
            today,
        )
        .unwrap();
        assert_eq!(ok.note.as_deref(), Some("Module 1"));
        let e = check_training(
            date!(2026 - 12 - 07),
            TrainingTopic::Other,
            one.clone(),
            None,
            today,
        )
        .unwrap_err();
        assert!(e.message.starts_with("held_on:"), "{}", e.message);
        let e =
            check_training(today, TrainingTopic::Other, BTreeSet::new(), None, today).unwrap_err();
        assert!(e.message.starts_with("attendees:"), "{}", e.message);
        let e = check_training(
            today,
            TrainingTopic::Other,
            one.clone(),
            Some(&"x".repeat(501)),
            today,
        )
        .unwrap_err();
        assert!(e.message.starts_with("note:"));
        let e =
            check_training(today, TrainingTopic::Other, one, Some("a\u{0}b"), today).unwrap_err();
        assert!(e.message.starts_with("note:"));
        for t in TrainingTopic::ALL {
            assert_eq!(TrainingTopic::parse(t.as_str()), Ok(*t));
        }
    }
}
