//! Pure format code: reading and writing files other systems exchange with us. No store, no
//! services; callers hand bytes in and get rows out (or the reverse).

pub mod hotline;
pub mod pdf;
pub mod photo;
pub mod table;
pub mod xlsx;
