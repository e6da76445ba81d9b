//! Identifiers of case-management records, as newtypes (like [`crate::ids`]) so
//! that a task id can never be passed where a need id belongs.

use serde::{Deserialize, Serialize};
use std::fmt;
use uuid::Uuid;

macro_rules! casework_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// Wraps a freshly generated UUID (randomness comes from the caller).
            pub fn from_uuid(id: Uuid) -> Self {
                Self(id)
            }
            pub fn parse(s: &str) -> Option<Self> {
                Uuid::parse_str(s).ok().map(Self)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

casework_id!(
    /// One entry of the consent ledger.
    ConsentId
);
casework_id!(
    /// A referral from one organisation to another.
    ReferralId
);
casework_id!(
    /// One need found by the needs assessment.
    NeedId
);
casework_id!(
    /// A care-plan goal.
    GoalId
);
casework_id!(
    /// A care-plan task.
    TaskId
);
casework_id!(
    /// A request for approval (needs assessment, care plan or closure).
    ApprovalId
);
