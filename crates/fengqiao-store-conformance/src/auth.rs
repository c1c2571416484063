//! Users, credentials and bearer tokens.

use crate::*;
use chrono::Duration;
use fengqiao_domain::org::{RegionLevel, Role};

async fn operator(store: &dyn Store, username: &str) -> (NewUser, fengqiao_domain::org::User) {
    let town = region(store, None, "镇", RegionLevel::Town).await;
    let user = NewUser {
        username: username.into(),
        display_name: "受理员".into(),
        role: Role::Operator,
        region_id: town.id,
        unit_id: None,
        password_hash: "h".into(),
        created_at: t0(),
    };
    let u = store.insert_user(user.clone(), admin()).await.unwrap();
    (user, u)
}

pub async fn usernames_are_unique(store: &dyn Store) {
    let (user, u) = operator(store, "op").await;
    assert!(u.active);
    let err = store.insert_user(user, admin()).await.unwrap_err();
    assert!(matches!(err, StoreError::Duplicate(_)), "{err:?}");
    assert_eq!(store.users().await.unwrap(), vec![u.clone()]);
    let (found, hash) = store.user_credentials("op").await.unwrap().unwrap();
    assert_eq!((found, hash.as_str()), (u, "h"));
    assert!(store.user_credentials("nobody").await.unwrap().is_none());
}

pub async fn tokens_expire_and_revoke(store: &dyn Store) {
    let (_, u) = operator(store, "op").await;
    store
        .insert_token(u.id, "tok", t0(), t0() + Duration::hours(1))
        .await
        .unwrap();
    store
        .insert_token(u.id, "other", t0(), t0() + Duration::hours(1))
        .await
        .unwrap();
    let holder = store.user_by_token("tok", t0()).await.unwrap();
    assert_eq!(holder.map(|x| x.id), Some(u.id));
    let later = store
        .user_by_token("tok", t0() + Duration::hours(2))
        .await
        .unwrap();
    assert!(later.is_none(), "expired");
    store.revoke_token("tok", t0()).await.unwrap();
    assert!(
        store.user_by_token("tok", t0()).await.unwrap().is_none(),
        "revoked"
    );
    assert!(
        store.user_by_token("other", t0()).await.unwrap().is_some(),
        "revoking one token leaves the user's others alone"
    );
    assert!(store
        .user_by_token("unknown", t0())
        .await
        .unwrap()
        .is_none());
}

pub async fn disabling_a_user_ends_their_sessions(store: &dyn Store) {
    let (_, u) = operator(store, "op").await;
    for token in ["a", "b"] {
        store
            .insert_token(u.id, token, t0(), t0() + Duration::hours(1))
            .await
            .unwrap();
    }
    let off = store.set_user_active(u.id, false, admin()).await.unwrap();
    assert!(!off.active);
    assert!(store.user_by_token("a", t0()).await.unwrap().is_none());
    assert!(store.user_by_token("b", t0()).await.unwrap().is_none());
    let on = store.set_user_active(u.id, true, admin()).await.unwrap();
    assert!(on.active);
    assert!(
        store.user_by_token("a", t0()).await.unwrap().is_none(),
        "sessions stay ended"
    );
    let log = store.audit_log(10).await.unwrap();
    assert_eq!(log[0].action, "user.enable");
    assert_eq!(log[1].action, "user.disable");
    let err = store
        .set_user_active(fengqiao_domain::ids::UserId(999), false, admin())
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound(_)), "{err:?}");
}

pub async fn logging_out_everywhere_ends_every_session(store: &dyn Store) {
    let (_, u) = operator(store, "op").await;
    for token in ["a", "b", "c"] {
        store
            .insert_token(u.id, token, t0(), t0() + Duration::hours(1))
            .await
            .unwrap();
    }
    store.revoke_token("c", t0()).await.unwrap();
    assert_eq!(store.revoke_user_tokens(u.id, t0()).await.unwrap(), 2);
    for token in ["a", "b"] {
        assert!(store.user_by_token(token, t0()).await.unwrap().is_none());
    }
}
