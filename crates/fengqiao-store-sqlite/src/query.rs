//! Query building: scopes and filters as SQL, and state lists derived from the domain.

use crate::rows::*;
use fengqiao_domain::case::CaseState;
use fengqiao_store::*;
use std::sync::LazyLock;

/// SQL lists of states, derived from the domain's definitions.
pub(crate) fn state_list(pred: fn(CaseState) -> bool) -> String {
    CaseState::ALL
        .iter()
        .filter(|s| pred(**s))
        .map(|s| format!("'{}'", s.as_str()))
        .collect::<Vec<_>>()
        .join(",")
}

pub(crate) static CLOSED: LazyLock<String> = LazyLock::new(|| state_list(|s| !s.is_open()));

/// The open states, listed so a query can use the state index (open cases are few).
pub(crate) static OPEN: LazyLock<String> = LazyLock::new(|| state_list(CaseState::is_open));

pub(crate) static TIMED: LazyLock<String> = LazyLock::new(|| state_list(CaseState::is_timed));

/// Ids per `IN (…)` list: well under SQLite's parameter limit, and a statement per size of
/// chunk stays in the statement cache.
pub(crate) const IN_CHUNK: usize = 500;

pub(crate) fn scope_sql(scope: &Scope, args: &mut Vec<rusqlite::types::Value>) -> String {
    use rusqlite::types::Value;
    match scope {
        Scope::All => "1 = 1".into(),
        Scope::Region {
            path,
            include_unplaced,
        } => {
            args.push(Value::Text(format!("{path}%")));
            if *include_unplaced {
                format!(
                    "(c.region_path LIKE ?{} OR c.region_path IS NULL)",
                    args.len()
                )
            } else {
                format!("c.region_path LIKE ?{}", args.len())
            }
        }
        Scope::Unit {
            unit_id,
            user_id,
            region_path,
        } => {
            args.push(Value::Integer(unit_id.0));
            let u = args.len();
            args.push(Value::Integer(user_id.0));
            let me = args.len();
            let mut s = format!(
                "(c.unit_id = ?{u} OR c.created_by = ?{me}
                  OR EXISTS (SELECT 1 FROM case_tasks t WHERE t.case_id = c.id AND t.unit_id = ?{u})
                  OR EXISTS (SELECT 1 FROM cases p WHERE p.id = c.parent_id AND p.unit_id = ?{u})"
            );
            if let Some(p) = region_path {
                args.push(Value::Text(format!("{p}%")));
                s.push_str(&format!(" OR c.region_path LIKE ?{}", args.len()));
            }
            s.push(')');
            s
        }
    }
}

pub(crate) fn filter_sql(
    scope: &Scope,
    f: &CaseFilter,
    regions_path: Option<String>,
) -> (String, Vec<rusqlite::types::Value>) {
    use rusqlite::types::Value;
    let mut args: Vec<Value> = Vec::new();
    let mut clauses = vec![scope_sql(scope, &mut args)];
    if !f.states.is_empty() {
        let mut marks = Vec::new();
        for s in &f.states {
            args.push(Value::Text(s.as_str().into()));
            marks.push(format!("?{}", args.len()));
        }
        clauses.push(format!("c.state IN ({})", marks.join(",")));
    }
    let eq = |col: &str, v: Option<Value>, args: &mut Vec<Value>, clauses: &mut Vec<String>| {
        if let Some(v) = v {
            args.push(v);
            clauses.push(format!("{col} = ?{}", args.len()));
        }
    };
    eq(
        "c.unit_id",
        f.unit_id.map(|x| Value::Integer(x.0)),
        &mut args,
        &mut clauses,
    );
    eq(
        "c.category_id",
        f.category_id.map(|x| Value::Integer(x.0)),
        &mut args,
        &mut clauses,
    );
    eq(
        "c.channel",
        f.channel.map(|x| Value::Text(x.as_str().into())),
        &mut args,
        &mut clauses,
    );
    eq(
        "c.overdue_level",
        f.overdue.map(|x| Value::Text(x.as_str().into())),
        &mut args,
        &mut clauses,
    );
    eq(
        "c.parent_id",
        f.parent_id.map(|x| Value::Integer(x.0)),
        &mut args,
        &mut clauses,
    );
    eq(
        "c.listed_supervision",
        f.listed_supervision.map(|x| Value::Integer(x as i64)),
        &mut args,
        &mut clauses,
    );
    if let Some(p) = regions_path {
        args.push(Value::Text(format!("{p}%")));
        clauses.push(format!("c.region_path LIKE ?{}", args.len()));
    }
    if let Some(q) = f.q.as_deref().filter(|q| !q.trim().is_empty()) {
        let escaped = q
            .trim()
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        // Words in the number, title or body; or, exactly, a 12345 work-order number or a
        // reporter's phone. Candidates come from indexes (the text index, the key, the phones)
        // and the exact test decides, so the answer is what a scan would give, without one.
        args.push(Value::Text(format!("%{escaped}%")));
        let i = args.len();
        args.push(Value::Text(format!("12345:{}", q.trim())));
        let key = args.len();
        args.push(Value::Text(q.trim().to_string()));
        let exact = args.len();
        let decide = format!(
            "(c.title LIKE ?{i} ESCAPE '\\' OR c.body LIKE ?{i} ESCAPE '\\' OR c.case_no LIKE ?{i} ESCAPE '\\'
              OR c.idempotency_key = ?{key}
              OR EXISTS (SELECT 1 FROM reporters r WHERE r.case_id = c.id AND r.phone = ?{exact}))"
        );
        match crate::text_index::match_query(q) {
            Some(m) => {
                args.push(Value::Text(m));
                clauses.push(format!(
                    "c.id IN (SELECT rowid FROM case_text WHERE case_text MATCH ?{}
                              UNION SELECT id FROM cases WHERE idempotency_key = ?{key}
                              UNION SELECT case_id FROM reporters WHERE phone = ?{exact})
                     AND {decide}",
                    args.len()
                ));
            }
            // Too short for the index (one character): the scan it always was.
            None => clauses.push(decide),
        }
    }
    if let Some(t) = f.created_from {
        args.push(Value::Integer(ms(t)));
        clauses.push(format!("c.created_at >= ?{}", args.len()));
    }
    if let Some(t) = f.updated_from {
        args.push(Value::Integer(ms(t)));
        clauses.push(format!("c.updated_at >= ?{}", args.len()));
    }
    if let Some(t) = f.updated_to {
        args.push(Value::Integer(ms(t)));
        clauses.push(format!("c.updated_at <= ?{}", args.len()));
    }
    if !f.category_ids.is_empty() {
        let mut marks = Vec::new();
        for c in &f.category_ids {
            args.push(Value::Integer(c.0));
            marks.push(format!("?{}", args.len()));
        }
        clauses.push(format!("c.category_id IN ({})", marks.join(",")));
    }
    if !f.case_nos.is_empty() {
        let mut marks = Vec::new();
        for n in &f.case_nos {
            args.push(Value::Text(n.clone()));
            marks.push(format!("?{}", args.len()));
        }
        clauses.push(format!("c.case_no IN ({})", marks.join(",")));
    }
    if f.public_only {
        clauses.push(PUBLISHABLE.into());
    }
    if f.extension_pending {
        clauses.push("c.ext_days IS NOT NULL".into());
    }
    if let Some(t) = f.supplemented_since {
        args.push(Value::Integer(ms(t)));
        clauses.push(format!(
            "c.id IN (SELECT e.case_id FROM case_events e WHERE e.action = 'supplement' AND e.at >= ?{})",
            args.len()
        ));
    }
    if f.merge_proposed {
        clauses.push(
            "EXISTS (SELECT 1 FROM duplicate_proposals p WHERE p.case_id = c.id AND p.status = 'open')"
                .into(),
        );
    }
    if let Some(t) = f.created_to {
        args.push(Value::Integer(ms(t)));
        clauses.push(format!("c.created_at < ?{}", args.len()));
    }
    (clauses.join(" AND "), args)
}

/// `fengqiao_domain::publication::may_publish` as SQL over `cases c`; the conformance suite
/// checks the two agree on every combination of the facts the rule reads.
pub(crate) const PUBLISHABLE: &str = "NOT c.is_petition AND c.category_id IS NOT NULL";
