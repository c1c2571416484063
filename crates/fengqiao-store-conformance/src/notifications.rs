//! The notification queue: the intake notice, attempts, retries and what the centre acts on.

use crate::*;
use chrono::Duration;

pub async fn the_queue_holds_each_notice_until_it_is_sent_or_given_up(store: &dyn Store) {
    let case = store
        .intake(NewCase {
            notify_reporter: true,
            ..new_case("路灯坏了", None, None)
        })
        .await
        .unwrap()
        .case;
    let quiet = store
        .intake(NewCase {
            reporter_phone: None,
            notify_reporter: true,
            ..new_case("井盖丢了", None, None)
        })
        .await
        .unwrap()
        .case;
    store
        .intake(new_case("不需告知", None, None))
        .await
        .unwrap();

    // The intake notice names the case; a reporter without a phone cannot be reached.
    let listed = store.notifications(case.id).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].state, DeliveryState::Pending);
    assert!(
        listed[0].message.contains(case.case_no.as_str()),
        "{}",
        listed[0].message
    );
    assert_eq!(
        store.notifications(quiet.id).await.unwrap()[0].state,
        DeliveryState::Unreachable
    );
    let due = store.due_notifications(t0(), 10).await.unwrap();
    assert_eq!(due.len(), 1, "only the reachable notice is due");
    assert_eq!(
        (due[0].case_id, due[0].phone.as_str(), due[0].attempts),
        (case.id, "13800138000", 0)
    );

    // How many notices a number was sent lately (whatever became of them).
    assert_eq!(
        store.notifications_to("13800138000", t0()).await.unwrap(),
        1
    );
    assert_eq!(
        store
            .notifications_to("13800138000", t0() + Duration::seconds(1))
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        store.notifications_to("13900139000", t0()).await.unwrap(),
        0
    );

    // A failed attempt waits for its retry time.
    let id = due[0].id;
    store
        .record_attempt(
            id,
            t0(),
            Attempt::Failed {
                reason: "网关无应答".into(),
                retry_at: Some(t0() + Duration::minutes(5)),
            },
        )
        .await
        .unwrap();
    assert!(store
        .due_notifications(t0() + Duration::minutes(4), 10)
        .await
        .unwrap()
        .is_empty());
    let due = store
        .due_notifications(t0() + Duration::minutes(5), 10)
        .await
        .unwrap();
    assert_eq!(due[0].attempts, 1);

    // Given up on: listed for the centre, then queued again by it.
    store
        .record_attempt(
            id,
            t0() + Duration::minutes(5),
            Attempt::Failed {
                reason: "HTTP 503".into(),
                retry_at: None,
            },
        )
        .await
        .unwrap();
    let failed = store.failed_notifications(10).await.unwrap();
    assert_eq!(
        store.failed_notification_count().await.unwrap(),
        failed.len() as u64
    );
    assert_eq!(failed.len(), 1);
    assert_eq!(
        (failed[0].attempts, failed[0].last_error.as_deref()),
        (2, Some("HTTP 503"))
    );
    assert!(store
        .due_notifications(t0() + Duration::days(1), 10)
        .await
        .unwrap()
        .is_empty());
    store.retry_notification(id, admin()).await.unwrap();
    assert!(matches!(
        store.retry_notification(id, admin()).await,
        Err(StoreError::NotFound(_))
    ));
    assert_eq!(
        store.audit_log(5).await.unwrap()[0].action,
        "notification.retry"
    );

    // Sent: done, with the time it left.
    let at = t0() + Duration::minutes(10);
    assert_eq!(store.due_notifications(at, 10).await.unwrap().len(), 1);
    store.record_attempt(id, at, Attempt::Sent).await.unwrap();
    let n = &store.notifications(case.id).await.unwrap()[0];
    assert_eq!(
        (n.state, n.sent_at, n.attempts),
        (DeliveryState::Sent, Some(at), 3)
    );
    assert!(matches!(
        store.record_attempt(id, at, Attempt::Sent).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(store.failed_notifications(10).await.unwrap().is_empty());
    assert_eq!(store.failed_notification_count().await.unwrap(), 0);
}
