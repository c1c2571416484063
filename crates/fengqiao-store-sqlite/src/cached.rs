//! Statements through each connection's statement cache.
//!
//! rusqlite's `Connection::execute` and `query_row` compile their SQL on every call. The store
//! runs the same few hundred statements again and again on long-lived connections, so every
//! statement goes through the cache instead: parsing and planning cost more than most of these
//! lookups themselves.

use rusqlite::{Connection, Params, Row};

/// Statements the cache keeps per connection: the store's fixed statements all fit, with room
/// for the shapes of the built queries (filters, pages) in use.
pub(crate) const STATEMENT_CACHE: usize = 256;

pub(crate) trait Cached {
    /// `execute`, with the statement from the cache.
    fn execute_cached<P: Params>(&self, sql: &str, params: P) -> rusqlite::Result<usize>;
    /// `query_row`, with the statement from the cache.
    fn query_row_cached<T, P: Params, F: FnOnce(&Row<'_>) -> rusqlite::Result<T>>(
        &self,
        sql: &str,
        params: P,
        f: F,
    ) -> rusqlite::Result<T>;
}

impl Cached for Connection {
    fn execute_cached<P: Params>(&self, sql: &str, params: P) -> rusqlite::Result<usize> {
        self.prepare_cached(sql)?.execute(params)
    }

    fn query_row_cached<T, P: Params, F: FnOnce(&Row<'_>) -> rusqlite::Result<T>>(
        &self,
        sql: &str,
        params: P,
        f: F,
    ) -> rusqlite::Result<T> {
        self.prepare_cached(sql)?.query_row(params, f)
    }
}
