//! Identifiers of case-management records, as newtypes (like [`crate::ids`]) so
//! that a task id can never be passed where a need id belongs.

use crate::ids::id_type;

id_type!(
    /// One entry of the consent ledger.
    ConsentId
);
id_type!(
    /// A referral from one organisation to another.
    ReferralId
);
id_type!(
    /// One need found by the needs assessment.
    NeedId
);
id_type!(
    /// A care-plan goal.
    GoalId
);
id_type!(
    /// A care-plan task.
    TaskId
);
id_type!(
    /// A request for approval (needs assessment, care plan or closure).
    ApprovalId
);
