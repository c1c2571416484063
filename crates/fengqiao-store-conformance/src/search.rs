//! Searching cases: literal substrings through the text index, 12345 numbers and phones.

use crate::case_queries::two_villages;
use crate::*;
use fengqiao_domain::ids::CaseId;

pub async fn search_is_literal(store: &dyn Store) {
    let (v1, _) = two_villages(store).await;
    let q = |s: &str| CaseFilter {
        q: Some(s.into()),
        ..page(1, 50)
    };
    assert_eq!(
        store
            .list_cases(&Scope::All, &q("垃圾"))
            .await
            .unwrap()
            .total,
        3
    );
    let v1_scope = Scope::Region {
        path: v1.path.clone(),
        include_unplaced: false,
    };
    assert_eq!(
        store.list_cases(&v1_scope, &q("垃圾")).await.unwrap().total,
        0
    );
    for wildcard in ["%", "_", "\\"] {
        assert_eq!(
            store
                .list_cases(&Scope::All, &q(wildcard))
                .await
                .unwrap()
                .total,
            0,
            "{wildcard} is a literal, not a wildcard"
        );
    }
    let one = store
        .list_cases(&Scope::All, &page(1, 1))
        .await
        .unwrap()
        .items;
    let by_no = q(one[0].case_no.as_str());
    assert_eq!(
        store.list_cases(&Scope::All, &by_no).await.unwrap().total,
        1
    );
}

/// A search finds exactly the cases whose number, title or body contain the words (ASCII case
/// ignored), however the backend speeds it up: checked against a plain substring test over
/// texts mixing Chinese, digits, letters and punctuation, for every query cut from them.
pub async fn search_finds_exactly_the_substring_matches(store: &dyn Store) {
    let bodies = [
        "村口路灯坏了，晚上很黑",
        "路灯不亮已经三天",
        "垃圾桶满了没人清运",
        "电话13800138000的王先生反映路面塌陷",
        "Road lamp broken near 村委会",
        "灯，坏了两盏",
        "水渠堵塞（严重）",
    ];
    let mut cases = Vec::new();
    for b in bodies {
        cases.push(store.intake(new_case(b, None, None)).await.unwrap().case);
    }
    let texts: Vec<String> = cases
        .iter()
        .map(|c| format!("{}\u{1}{}\u{1}{}", c.case_no, c.text.title, c.text.body).to_lowercase())
        .collect();
    let mut queries: Vec<String> = vec![
        "路灯".into(),
        "灯坏".into(),
        "灯，坏".into(),
        "坏了".into(),
        "灯".into(),
        "LAMP".into(),
        "road lamp".into(),
        "0013800".into(),
        "（严重）".into(),
        "村委".into(),
        "不存在的词".into(),
        cases[2].case_no.as_str()[4..12].into(),
    ];
    // Every two- and three-character piece of every body, too.
    for b in bodies {
        let chars: Vec<char> = b.chars().collect();
        for n in [2, 3] {
            for w in chars.windows(n).step_by(3) {
                queries.push(w.iter().collect());
            }
        }
    }
    for q in queries {
        let filter = CaseFilter {
            q: Some(q.clone()),
            ..page(1, 50)
        };
        let mut found: Vec<CaseId> = store
            .list_cases(&Scope::All, &filter)
            .await
            .unwrap()
            .items
            .iter()
            .map(|c| c.id)
            .collect();
        found.sort();
        let needle = q.trim().to_lowercase();
        let expected: Vec<CaseId> = cases
            .iter()
            .zip(&texts)
            .filter(|(_, t)| t.contains(&needle))
            .map(|(c, _)| c.id)
            .collect();
        assert_eq!(found, expected, "search {q:?}");
    }
}

/// The centre finds a case by the 12345 work-order number it came with, or by a reporter's
/// phone, exactly.
pub async fn search_finds_a_12345_number_or_a_reporters_phone(store: &dyn Store) {
    let imported = store
        .intake(NewCase {
            reporter_phone: Some(Phone::parse("13912345678").unwrap()),
            ..new_case("河道有垃圾", Some("12345:HL20261122001"), None)
        })
        .await
        .unwrap()
        .case;
    let other = store
        .intake(new_case("路灯不亮", None, None))
        .await
        .unwrap()
        .case;
    let find = |q: &str| {
        let filter = CaseFilter {
            q: Some(q.into()),
            ..page(1, 10)
        };
        async move {
            store
                .list_cases(&Scope::All, &filter)
                .await
                .unwrap()
                .items
                .iter()
                .map(|c| c.id)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(find("HL20261122001").await, vec![imported.id]);
    assert_eq!(find("13912345678").await, vec![imported.id]);
    // Exactly: part of a number or of a phone finds nothing by these two.
    assert!(find("HL2026112200").await.is_empty());
    assert!(find("1391234567").await.is_empty());
    // Every case of new_case has reporter 13800138000.
    assert_eq!(find("13800138000").await.len(), 1, "{:?}", other.id);
}
