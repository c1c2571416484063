//! API clients and the cases they send.

use crate::*;

pub async fn api_clients_round_trip(store: &dyn Store) {
    let new = |name: &str, hash: &str| NewApiClient {
        name: name.into(),
        key_hash: hash.into(),
        key_prefix: "fq_abcdef".into(),
    };
    let a = store
        .insert_api_client(new("市12345平台", "h1"), admin())
        .await
        .unwrap();
    assert!(matches!(
        store
            .insert_api_client(new("市12345平台", "h2"), admin())
            .await,
        Err(StoreError::Duplicate(_))
    ));
    assert_eq!(
        store
            .api_client_by_key_hash("h1")
            .await
            .unwrap()
            .unwrap()
            .id,
        a.id
    );
    assert!(store
        .api_client_by_key_hash("nope")
        .await
        .unwrap()
        .is_none());
    // A case records the client that sent it.
    let case = store
        .intake(NewCase {
            client_id: Some(a.id),
            ..new_case("路灯坏了", None, None)
        })
        .await
        .unwrap();
    assert!(case.created);
    assert_eq!(
        store.case_client(case.case.id).await.unwrap().map(|c| c.id),
        Some(a.id)
    );
    let plain = store
        .intake(new_case("路灯", None, None))
        .await
        .unwrap()
        .case;
    assert!(store.case_client(plain.id).await.unwrap().is_none());
    let revoked = store.revoke_api_client(a.id, admin()).await.unwrap();
    assert!(revoked.revoked_at.is_some());
    assert!(store.api_client_by_key_hash("h1").await.unwrap().is_none());
    assert_eq!(store.api_clients().await.unwrap().len(), 1);
}

pub async fn revoking_twice_is_a_conflict(store: &dyn Store) {
    let a = store
        .insert_api_client(
            NewApiClient {
                name: "随手拍".into(),
                key_hash: "h".into(),
                key_prefix: "fq_123456".into(),
            },
            admin(),
        )
        .await
        .unwrap();
    store.revoke_api_client(a.id, admin()).await.unwrap();
    assert!(matches!(
        store.revoke_api_client(a.id, admin()).await,
        Err(StoreError::Conflict)
    ));
    assert!(matches!(
        store.revoke_api_client(999, admin()).await,
        Err(StoreError::NotFound(_))
    ));
    let log = store.audit_log(10).await.unwrap();
    let actions: Vec<&str> = log.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["api_client.revoke", "api_client.create"]);
}
