//! What a store acknowledged is still there after it is closed and opened again.

use crate::*;
use std::sync::Arc;

fn keyed(i: usize) -> NewCase {
    new_case(
        &format!("第{i}件 路灯坏了"),
        Some(&format!("key-{i}")),
        None,
    )
}

pub async fn acknowledged_intakes_survive_reopening(h: &impl Harness) {
    let (store, location) = h.fresh().await;
    let mut handles = Vec::new();
    for i in 0..200 {
        let s = Arc::clone(&store);
        handles.push(tokio::spawn(async move {
            s.intake(keyed(i)).await.unwrap().case.id
        }));
    }
    let mut ids = Vec::new();
    for handle in handles {
        ids.push(handle.await.unwrap());
    }
    drop(store);
    let reopened = h.reopen(&location).await;
    for id in ids {
        assert!(
            reopened.case(id).await.unwrap().is_some(),
            "case {id} was acknowledged but is gone"
        );
    }
}

pub async fn keys_still_deduplicate_after_reopening(h: &impl Harness) {
    let (store, location) = h.fresh().await;
    for i in 0..20 {
        assert!(store.intake(keyed(i)).await.unwrap().created);
    }
    drop(store);
    let reopened = h.reopen(&location).await;
    for i in 0..20 {
        assert!(!reopened.intake(keyed(i)).await.unwrap().created);
    }
    assert_eq!(reopened.count_cases(&Scope::All).await.unwrap().total, 20);
}
