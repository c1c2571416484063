//! Backend errors classified by the constraint SQLite reports (its extended result code), not by
//! the wording of its message; the cause is kept as the error's source.

use fengqiao_store::StoreError;
use rusqlite::ffi;

pub(crate) fn backend(e: rusqlite::Error) -> StoreError {
    if let rusqlite::Error::SqliteFailure(code, msg) = &e {
        let detail = msg.clone().unwrap_or_default();
        match code.extended_code {
            ffi::SQLITE_CONSTRAINT_UNIQUE | ffi::SQLITE_CONSTRAINT_PRIMARYKEY => {
                return StoreError::Duplicate(detail)
            }
            ffi::SQLITE_CONSTRAINT_FOREIGNKEY => {
                return StoreError::InvalidReference("引用的记录不存在".into())
            }
            _ => {}
        }
    }
    StoreError::Backend(Box::new(e))
}
