//! Who may do what, in one place: which lifecycle actions an actor may take on a case
//! ([`authorize`]), which cases they see ([`can_view`], [`scope_of`]) and whose personal data
//! ([`can_see_personal_data`]), and what they may do outside the lifecycle ([`require`],
//! [`may_intake`]). Services and the edge ask here; none keeps a rule of its own.

mod actions;
mod capabilities;
mod cases;

pub use actions::{authorize, duty, Duty};
pub use capabilities::{
    default_channel, may_file_in, may_intake, require, require_within, Capability,
};
pub use cases::{
    can_see_personal_data, can_view, may_search_personal_data, scope_of, searches_personal_data,
    sees_own_village, Scope,
};
