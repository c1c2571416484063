use crate::case::CaseState;
use crate::lifecycle::ActionKind;

/// Why the domain refused something. Every variant carries enough to tell a person what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    #[error("{message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    #[error("工单当前状态为「{}」，不能执行「{}」", .state.label(), .action.label())]
    NotAllowedInState {
        state: CaseState,
        action: ActionKind,
    },
    #[error("无权执行「{}」：{reason}", .action.label())]
    Forbidden { action: ActionKind, reason: String },
    /// Something outside a case's lifecycle the actor's role does not allow.
    #[error("无权{what}")]
    NotPermitted { what: &'static str },
    /// The same, with the reason in words.
    #[error("{0}")]
    NotPermittedBecause(String),
    #[error("{0}")]
    Conflict(String),
}
