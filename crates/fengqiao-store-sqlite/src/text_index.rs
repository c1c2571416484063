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

/// Indexes (or re-indexes) one case's text.
pub(crate) fn index_case(
    conn: &Connection,
    id: i64,
    case_no: &str,
    title: &str,
    body: &str,
) -> rusqlite::Result<()> {
    conn.prepare_cached("DELETE FROM case_text WHERE rowid = ?1")?
        .execute([id])?;
    conn.prepare_cached("INSERT INTO case_text (rowid, grams) VALUES (?1, ?2)")?
        .execute(params![id, grams(&[case_no, title, body])])?;
    Ok(())
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
}
