//! Saved workbench searches: private to their owner, replaced by name, bounded in number.

use crate::*;
use fengqiao_domain::org::{RegionLevel, Role};

pub async fn saved_filters_are_private_replaced_by_name_and_bounded(store: &dyn Store) {
    let town = region(store, None, "镇", RegionLevel::Town).await;
    let user = |name: &str| NewUser {
        username: name.into(),
        display_name: name.into(),
        role: Role::Operator,
        region_id: town.id,
        unit_id: None,
        password_hash: "h".into(),
        created_at: t0(),
    };
    let a = store.insert_user(user("a"), admin()).await.unwrap().id;
    let b = store.insert_user(user("b"), admin()).await.unwrap().id;
    let late = store.save_filter(a, "超期未办", "queue=red").await.unwrap();
    store.save_filter(a, "苍岩村", "region_id=4").await.unwrap();
    // The same name again replaces the query, keeping its place.
    let again = store
        .save_filter(a, "超期未办", "queue=red&unit_id=3")
        .await
        .unwrap();
    assert_eq!(again.id, late.id);
    let mine = store.saved_filters(a).await.unwrap();
    assert_eq!(
        mine.iter()
            .map(|f| (f.name.as_str(), f.query.as_str()))
            .collect::<Vec<_>>(),
        vec![
            ("超期未办", "queue=red&unit_id=3"),
            ("苍岩村", "region_id=4")
        ]
    );
    assert!(store.saved_filters(b).await.unwrap().is_empty());
    // Another person cannot delete them.
    let err = store.delete_filter(b, late.id).await.unwrap_err();
    assert!(matches!(err, StoreError::NotFound(_)), "{err:?}");
    store.delete_filter(a, late.id).await.unwrap();
    assert_eq!(store.saved_filters(a).await.unwrap().len(), 1);
    // Bounded.
    for i in 1..SAVED_FILTERS_MAX {
        store
            .save_filter(a, &format!("筛选{i}"), "q=x")
            .await
            .unwrap();
    }
    let err = store.save_filter(a, "再一个", "q=y").await.unwrap_err();
    assert!(matches!(err, StoreError::Duplicate(_)), "{err:?}");
    assert_eq!(
        store.saved_filters(a).await.unwrap().len(),
        SAVED_FILTERS_MAX
    );
}
