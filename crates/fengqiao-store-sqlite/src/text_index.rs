//! Searching cases' text without reading every case: an FTS5 index of character bigrams of
//! each case's number, title and body (Chinese has no spaces, so words are not the unit; any
//! two adjacent characters are). A search uses the index to find the few candidates and then
//! checks them with the literal substring match, so what it finds is exactly what a scan would
//! find, only faster.

use rusqlite::{params, Connection};

/// The index's text for a case: for each run of letters and digits, its bigrams in order, then
/// its last character alone (so a one-character search that ends a run is found by prefix).
pub(crate) fn grams(parts: &[&str]) -> String {
    let mut out = String::new();
    for part in parts {
        for run in runs(part) {
            for w in run.windows(2) {
                out.extend(w);
                out.push(' ');
            }
            if let Some(last) = run.last() {
                out.push(*last);
                out.push(' ');
            }
        }
    }
    out
}

/// Runs of letters and digits, lower-cased: what the index's tokenizer keeps together.
fn runs(text: &str) -> Vec<Vec<char>> {
    let mut out = Vec::new();
    let mut run = Vec::new();
    for c in text.chars() {
        if c.is_alphanumeric() {
            run.extend(c.to_lowercase());
        } else if !run.is_empty() {
            out.push(std::mem::take(&mut run));
        }
    }
    if !run.is_empty() {
        out.push(run);
    }
    out
}

/// The index query for a search, or `None` when the index cannot narrow it (no run of two
/// characters or more): every run becomes a phrase of its bigrams, all of them required.
pub(crate) fn match_query(q: &str) -> Option<String> {
    let runs = runs(q);
    if runs.is_empty() || runs.iter().any(|r| r.len() < 2) {
        return None;
    }
    let phrases: Vec<String> = runs
        .iter()
        .map(|r| {
            let grams: Vec<String> = r.windows(2).map(|w| w.iter().collect()).collect();
            format!("\"{}\"", grams.join(" "))
        })
        .collect();
    Some(phrases.join(" AND "))
}

/// Indexes (or re-indexes) one case's text. On the writer thread this is deferred to the end
/// of the batch (see [`Deferred`]); elsewhere it is written at once.
pub(crate) fn index_case(
    conn: &Connection,
    id: i64,
    case_no: &str,
    title: &str,
    body: &str,
    new: bool,
) -> rusqlite::Result<()> {
    let text = grams(&[case_no, title, body]);
    let deferred = PENDING.with(|p| match p.borrow_mut().as_mut() {
        Some(ops) => {
            ops.push((id, new, text.clone()));
            true
        }
        None => false,
    });
    if !deferred {
        write(conn, id, new, &text)?;
    }
    Ok(())
}

fn write(conn: &Connection, id: i64, new: bool, text: &str) -> rusqlite::Result<()> {
    if !new {
        conn.prepare_cached("DELETE FROM case_text WHERE rowid = ?1")?
            .execute([id])?;
    }
    conn.prepare_cached("INSERT INTO case_text (rowid, grams) VALUES (?1, ?2)")?
        .execute(params![id, text])?;
    Ok(())
}

thread_local! {
    /// The writer's batch's index writes not yet applied: (case, whether it is new, text).
    static PENDING: std::cell::RefCell<Option<Vec<(i64, bool, String)>>> =
        const { std::cell::RefCell::new(None) };
}

/// The text index's writes of one write batch, applied together just before it commits.
///
/// FTS5 flushes its pending terms to disk at every savepoint, and the writer sets one per job:
/// written inline, each case became a segment of its own, flushed and later merged, which took
/// a fifth of the writer's time under a burst of intake. Deferred, a batch's cases are one
/// flush. The writes are still in the batch's transaction, so a case and its index entry commit
/// or roll back together; a job that rolls back to its savepoint drops its own entries.
pub(crate) struct Deferred(());

impl Deferred {
    /// Starts deferring this thread's index writes.
    pub(crate) fn begin() -> Deferred {
        PENDING.with(|p| *p.borrow_mut() = Some(Vec::new()));
        Deferred(())
    }

    /// Where the next job's entries start.
    pub(crate) fn mark(&self) -> usize {
        PENDING.with(|p| p.borrow().as_ref().map_or(0, Vec::len))
    }

    /// Drops the entries of a job that was rolled back.
    pub(crate) fn forget_since(&self, mark: usize) {
        PENDING.with(|p| {
            if let Some(ops) = p.borrow_mut().as_mut() {
                ops.truncate(mark);
            }
        });
    }

    /// Applies the batch's entries, in order, and stops deferring.
    pub(crate) fn apply(self, conn: &Connection) -> rusqlite::Result<()> {
        let ops = PENDING.with(|p| p.borrow_mut().take()).unwrap_or_default();
        // A case changed twice in one batch keeps its last text; it is new if it was at first.
        // One map: each case's last entry, and whether its first one was new.
        let mut seen: std::collections::HashMap<i64, (usize, bool)> =
            std::collections::HashMap::with_capacity(ops.len());
        for (i, (id, new, _)) in ops.iter().enumerate() {
            seen.entry(*id)
                .and_modify(|(last, _)| *last = i)
                .or_insert((i, *new));
        }
        for (i, (id, _, text)) in ops.iter().enumerate() {
            let (last, new) = seen[id];
            if last == i {
                write(conn, *id, new, text)?;
            }
        }
        Ok(())
    }
}

impl Drop for Deferred {
    /// A batch that did not apply its entries (it was rolled back) leaves none behind.
    fn drop(&mut self) {
        PENDING.with(|p| *p.borrow_mut() = None);
    }
}

/// Indexes every case already stored (when the index is created on an existing database).
pub(crate) fn backfill(conn: &Connection) -> rusqlite::Result<()> {
    let mut st = conn.prepare("SELECT id, case_no, title, body FROM cases")?;
    let rows = st.query_map([], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
        ))
    })?;
    let mut insert = conn.prepare("INSERT INTO case_text (rowid, grams) VALUES (?1, ?2)")?;
    for row in rows {
        let (id, no, title, body) = row?;
        insert.execute(params![id, grams(&[&no, &title, &body])])?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bigrams_of_each_run_then_its_last_character() {
        assert_eq!(grams(&["路灯坏了"]), "路灯 灯坏 坏了 了 ");
        assert_eq!(grams(&["FQ12，灯"]), "fq q1 12 2 灯 ");
    }

    #[test]
    fn a_search_is_a_phrase_per_run_or_nothing_when_too_short() {
        assert_eq!(match_query("路灯坏").as_deref(), Some("\"路灯 灯坏\""));
        assert_eq!(
            match_query("路灯，坏了").as_deref(),
            Some("\"路灯\" AND \"坏了\"")
        );
        assert_eq!(match_query("灯"), None);
        assert_eq!(match_query("%_"), None);
        assert_eq!(
            match_query("路灯 坏"),
            None,
            "a one-character run cannot narrow"
        );
    }

    /// What matches a bigram in the index, by rowid.
    fn found(conn: &Connection, gram: &str) -> Vec<i64> {
        let mut st = conn
            .prepare("SELECT rowid FROM case_text WHERE case_text MATCH ?1 ORDER BY rowid")
            .unwrap();
        st.query_map([format!("\"{gram}\"")], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
    }

    #[test]
    fn a_batch_applies_the_last_text_of_each_case_and_none_of_a_rolled_back_job() {
        let conn = Connection::open_in_memory().unwrap();
        crate::migrate(&conn).unwrap();
        let index = Deferred::begin();
        index_case(&conn, 1, "FQ1", "路灯坏了", "", true).unwrap();
        let mark = index.mark();
        index_case(&conn, 2, "FQ2", "水管爆了", "", true).unwrap();
        index.forget_since(mark);
        index_case(&conn, 1, "FQ1", "井盖丢了", "", false).unwrap();
        assert!(
            found(&conn, "井盖").is_empty(),
            "nothing is written before the batch ends"
        );
        index.apply(&conn).unwrap();
        assert_eq!(found(&conn, "井盖"), vec![1]);
        assert!(
            found(&conn, "路灯").is_empty(),
            "the earlier text is replaced"
        );
        assert!(
            found(&conn, "水管").is_empty(),
            "the rolled-back job left nothing"
        );
        // Outside a batch, a write goes in at once.
        index_case(&conn, 3, "FQ3", "水管爆了", "", true).unwrap();
        assert_eq!(found(&conn, "水管"), vec![3]);
    }
}
