//! Durable solutions as pure rules (PRODUCT.md, capability 5; issue 12):
//! the reintegration assessment and the repatriation security assessment
//! ([`assessment`]), the gate every step towards a return passes, with
//! repatriation and forced removal kept as distinct types ([`repatriation`]),
//! the registry of agreements between countries ([`agreements`]), and the
//! cross-border handover protocol between the destination's case manager and
//! the receiving organisation in the country of origin, with its follow-up
//! schedule ([`handover`]).
//!
//! Facts owned by other capabilities (a reflection period running, an
//! application for international protection pending, a consent in force) come
//! in as plain inputs: nothing here looks anything up or reads a clock.

/// A closed vocabulary, in the style of `casework`'s: the enum with serde and
/// OpenAPI names equal to `as_str`, `ALL`, `as_str` and `parse`.
macro_rules! solutions_vocabulary {
    (
        $(#[$doc:meta])*
        $name:ident, $field:literal, $what:literal {
            $( $(#[$vdoc:meta])* $variant:ident => $text:literal ),+ $(,)?
        }
    ) => {
        $(#[$doc])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord,
            serde::Serialize, serde::Deserialize,
        )]
        pub enum $name {
            $( $(#[$vdoc])* #[serde(rename = $text)] $variant ),+
        }

        // Written by hand: the derive does not see a `rename` given through
        // a macro fragment and would document the Rust variant names.
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::schema::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .enum_values(Some([$( $text ),+]))
                    .into()
            }
        }
        impl utoipa::ToSchema for $name {}

        impl $name {
            pub const ALL: &'static [$name] = &[ $( $name::$variant ),+ ];
            pub fn as_str(self) -> &'static str {
                match self {
                    $( $name::$variant => $text ),+
                }
            }
            pub fn parse(s: &str) -> Result<Self, $crate::DomainError> {
                Self::ALL
                    .iter()
                    .copied()
                    .find(|v| v.as_str() == s)
                    .ok_or_else(|| $crate::DomainError::invalid($field, $what))
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

pub mod agreements;
pub mod assessment;
pub mod handover;
pub mod ids;
pub mod repatriation;
pub mod retrafficking;

#[cfg(test)]
mod vocabulary_tests {
    use super::*;

    /// Every vocabulary of this module round-trips through its text form and
    /// its JSON form, and no two variants share a name.
    #[test]
    fn vocabularies_round_trip() {
        fn check<T>(
            all: &[T],
            as_str: fn(T) -> &'static str,
            parse: fn(&str) -> Result<T, crate::DomainError>,
        ) where
            T: Copy + PartialEq + std::fmt::Debug + serde::Serialize,
        {
            let mut seen = std::collections::BTreeSet::new();
            for v in all {
                let s = as_str(*v);
                assert!(seen.insert(s), "duplicate name {s}");
                assert_eq!(parse(s).ok(), Some(*v));
                assert_eq!(
                    serde_json::to_value(v).ok(),
                    Some(serde_json::Value::String(s.to_owned()))
                );
            }
            assert!(parse("no_such_value").is_err());
        }
        use assessment::*;
        check(
            ReintegrationProvision::ALL,
            ReintegrationProvision::as_str,
            ReintegrationProvision::parse,
        );
        check(
            ProvisionFinding::ALL,
            ProvisionFinding::as_str,
            ProvisionFinding::parse,
        );
        check(
            DurableSolution::ALL,
            DurableSolution::as_str,
            DurableSolution::parse,
        );
        check(RiskLevel::ALL, RiskLevel::as_str, RiskLevel::parse);
        check(
            FamilySituation::ALL,
            FamilySituation::as_str,
            FamilySituation::parse,
        );
        check(
            ReceivingCapacity::ALL,
            ReceivingCapacity::as_str,
            ReceivingCapacity::parse,
        );
        check(
            ProtectionNeed::ALL,
            ProtectionNeed::as_str,
            ProtectionNeed::parse,
        );
        use repatriation::*;
        check(
            ReturnRefusal::ALL,
            ReturnRefusal::as_str,
            ReturnRefusal::parse,
        );
        check(Escort::ALL, Escort::as_str, Escort::parse);
        use agreements::*;
        check(
            AgreementKind::ALL,
            AgreementKind::as_str,
            AgreementKind::parse,
        );
        check(
            ResponsibleParty::ALL,
            ResponsibleParty::as_str,
            ResponsibleParty::parse,
        );
        use handover::*;
        check(
            HandoverState::ALL,
            HandoverState::as_str,
            HandoverState::parse,
        );
        check(MessageKind::ALL, MessageKind::as_str, MessageKind::parse);
        check(Side::ALL, Side::as_str, Side::parse);
        check(
            CorroborationDecision::ALL,
            CorroborationDecision::as_str,
            CorroborationDecision::parse,
        );
        check(Wellbeing::ALL, Wellbeing::as_str, Wellbeing::parse);
        check(PlanProgress::ALL, PlanProgress::as_str, PlanProgress::parse);
    }
}
