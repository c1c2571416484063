//! Channel adapters: how outside systems reach the one door and read back what they may. Each
//! adapter turns its protocol into the services' calls; none has a path to the store of its own.

pub mod clients;
pub mod hotline;
pub mod open311;
