//! What may be published outside the township (Open311 lists, updates and single requests):
//! the rule every layer applies, and every store backend's filter is checked against.

use crate::case::Case;

/// A case may be published once a person or triage has categorised it, unless it is a petition:
/// 信访 never leaves the petition channel.
pub fn may_publish(case: &Case) -> bool {
    may_publish_facts(case.is_petition, case.category_id.is_some())
}

/// [`may_publish`] on the two facts it depends on, for backends that filter by column.
pub fn may_publish_facts(is_petition: bool, categorised: bool) -> bool {
    !is_petition && categorised
}

/// The steps of a case a citizen (or a public Open311 client) is shown.
pub fn is_public_step(k: crate::lifecycle::ActionKind) -> bool {
    use crate::lifecycle::ActionKind as A;
    matches!(
        k,
        A::Intake
            | A::Register
            | A::RejectIntake
            | A::AnswerDirectly
            | A::Dispatch
            | A::Accept
            | A::Reply
            | A::ApproveExtension
            | A::FollowUp
            | A::Reopen
            | A::Close
            | A::Withdraw
            | A::Merge
            | A::Supplement
            | A::Rate
    )
}
