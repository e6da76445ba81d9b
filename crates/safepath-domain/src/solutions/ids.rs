//! Identifiers of durable-solution records.

use crate::ids::id_type;

id_type!(
    /// A reintegration or repatriation security assessment.
    AssessmentId
);
id_type!(
    /// An agreement between countries (bilateral or regional).
    AgreementId
);
id_type!(
    /// One cross-border handover (the transnational case reference: random,
    /// pseudonymous, shared by both deployments).
    HandoverId
);
