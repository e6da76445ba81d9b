//! Newtypes for identifiers, so a user id can never be passed where a case id belongs.

/// Declares an id newtype (also used by `casework::ids`).
macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub uuid::Uuid);

        impl $name {
            /// Wraps a freshly generated UUID (randomness comes from the caller).
            pub fn from_uuid(id: uuid::Uuid) -> Self {
                Self(id)
            }
            pub fn parse(s: &str) -> Option<Self> {
                uuid::Uuid::parse_str(s).ok().map(Self)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

pub(crate) use id_type;

id_type!(
    /// An organisation.
    OrgId
);
id_type!(
    /// A staff account.
    UserId
);
id_type!(
    /// A case (one person's journey through protection).
    CaseId
);
id_type!(
    /// A person whose data a case holds.
    PersonId
);
