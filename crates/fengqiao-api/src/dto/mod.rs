//! The JSON API's own request types: what the wire carries, converted to domain values here, so
//! the domain is not the wire format.

pub mod action;
pub mod places;
