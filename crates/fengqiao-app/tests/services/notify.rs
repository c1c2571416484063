//! Telling reporters: the intake notice goes out through the township's webhook, failed attempts
//! are retried with growing pauses, and what never got through is listed for the centre to send
//! again.

use crate::pothole;
use fengqiao_app::{AppConfig, NotifyConfig, SenderConfig};
use fengqiao_store::DeliveryState;
use fengqiao_testkit::township;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// A webhook receiver that refuses the first `refuse` requests with 503, then accepts; it keeps
/// every request body.
struct Receiver {
    url: String,
    bodies: Arc<Mutex<Vec<String>>>,
    refuse: Arc<AtomicUsize>,
}

async fn receiver(refuse: usize) -> Receiver {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/sms", listener.local_addr().unwrap());
    let bodies = Arc::new(Mutex::new(Vec::new()));
    let refuse = Arc::new(AtomicUsize::new(refuse));
    let (b, r) = (bodies.clone(), refuse.clone());
    std::thread::spawn(move || {
        for sock in listener.incoming() {
            let mut sock = sock.unwrap();
            let mut buf = Vec::new();
            let mut chunk = [0u8; 4096];
            // Headers, then as many body bytes as Content-Length says.
            let body = loop {
                let n = sock.read(&mut chunk).unwrap();
                buf.extend_from_slice(&chunk[..n]);
                let text = String::from_utf8_lossy(&buf).to_string();
                if let Some((head, body)) = text.split_once("\r\n\r\n") {
                    let len: usize = head
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase()
                                .strip_prefix("content-length:")
                                .map(|v| v.trim().parse().unwrap())
                        })
                        .unwrap_or(0);
                    if body.len() >= len {
                        break body.to_string();
                    }
                }
                if n == 0 {
                    break String::new();
                }
            };
            b.lock().unwrap().push(body);
            let refused = r
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                .is_ok();
            let answer = if refused {
                "HTTP/1.1 503 Service Unavailable\r\ncontent-length: 4\r\nconnection: close\r\n\r\nbusy"
            } else {
                "HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok"
            };
            sock.write_all(answer.as_bytes()).unwrap();
        }
    });
    Receiver {
        url,
        bodies,
        refuse,
    }
}

fn config(url: &str, max_attempts: u32) -> AppConfig {
    AppConfig {
        notify: NotifyConfig {
            sender: SenderConfig::Webhook {
                url: url.to_string(),
                token: Some("t0ken".into()),
            },
            max_attempts,
        },
        ..AppConfig::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_intake_notice_is_retried_until_the_gateway_takes_it() {
    let rx = receiver(2).await;
    let t = township(config(&rx.url, 5)).await;
    let op = t.actor("op").await;
    let case = t
        .app
        .intake
        .submit(&op, pothole("苍岩村村口水泥路塌了"))
        .await
        .unwrap()
        .case;
    let r = t.app.notifier.deliver_due().await.unwrap();
    assert_eq!((r.sent, r.retrying, r.failed), (0, 1, 0));
    let r = t.app.notifier.deliver_due().await.unwrap();
    assert_eq!(r.retrying, 0, "not due again before its pause");
    t.clock.advance(chrono::Duration::minutes(1));
    assert_eq!(t.app.notifier.deliver_due().await.unwrap().retrying, 1);
    t.clock.advance(chrono::Duration::minutes(5));
    assert_eq!(t.app.notifier.deliver_due().await.unwrap().sent, 1);

    let bodies = rx.bodies.lock().unwrap().clone();
    assert_eq!(bodies.len(), 3);
    let sent: serde_json::Value = serde_json::from_str(&bodies[2]).unwrap();
    assert_eq!(sent["phone"], "13800138000");
    assert!(
        sent["message"]
            .as_str()
            .unwrap()
            .contains(case.case_no.as_str()),
        "{sent}"
    );
    let n = &t.app.queries.notifications(&op, case.id).await.unwrap()[0];
    assert_eq!((n.state, n.attempts), (DeliveryState::Sent, 3));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_never_got_through_is_listed_and_can_be_sent_again() {
    let rx = receiver(usize::MAX).await;
    let t = township(config(&rx.url, 2)).await;
    let op = t.actor("op").await;
    let staff = t.actor("staff").await;
    let case = t
        .app
        .intake
        .submit(&op, pothole("苍岩村村口水泥路塌了"))
        .await
        .unwrap()
        .case;
    t.app.notifier.deliver_due().await.unwrap();
    t.clock.advance(chrono::Duration::minutes(1));
    let r = t.app.notifier.deliver_due().await.unwrap();
    assert_eq!(r.failed, 1, "given up after its two attempts");
    let failed = t.app.notifier.failed(&op).await.unwrap();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].1.as_ref(), Some(&case.case_no));
    assert!(
        failed[0].0.last_error.as_deref().unwrap().contains("503"),
        "{:?}",
        failed[0].0.last_error
    );
    assert!(
        t.app.notifier.failed(&staff).await.is_err(),
        "a handling unit does not see the centre's list"
    );

    // The gateway is back: sent again on the centre's word.
    rx.refuse.store(0, Ordering::SeqCst);
    t.app.notifier.resend(&op, failed[0].0.id).await.unwrap();
    assert_eq!(t.app.notifier.deliver_due().await.unwrap().sent, 1);
    assert!(t.app.notifier.failed(&op).await.unwrap().is_empty());
}

/// Anyone can type a stranger's number into the public form: the platform sends one number at
/// most three intake notices a day from anonymous reports, and still takes every report. The
/// centre's own intake is not limited.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anonymous_reports_cannot_make_the_platform_text_a_number_over_and_over() {
    let t = township(AppConfig::default()).await;
    let mut cases = Vec::new();
    for i in 0..5 {
        let from = format!("10.0.0.{i}");
        let input = fengqiao_app::IntakeInput {
            channel: Some("citizen_web".into()),
            ..pothole("苍岩村村口水泥路塌了")
        };
        let out = t
            .app
            .intake
            .submit_public("群众", Some(&from), input)
            .await
            .unwrap();
        cases.push(out.case.id);
    }
    let op = t.actor("op").await;
    let mut told = 0;
    for id in &cases {
        told += t.app.queries.notifications(&op, *id).await.unwrap().len();
    }
    assert_eq!(
        told as u32,
        fengqiao_app::ANONYMOUS_NOTICES_PER_DAY,
        "every report taken, three notices sent"
    );
    let by_centre = t
        .app
        .intake
        .submit(&op, pothole("苍岩村村口水泥路又塌了"))
        .await
        .unwrap()
        .case;
    assert_eq!(
        t.app
            .queries
            .notifications(&op, by_centre.id)
            .await
            .unwrap()
            .len(),
        1
    );
    // A day later the number may be told again.
    t.clock.advance(chrono::Duration::hours(25));
    let later = t
        .app
        .intake
        .submit_public(
            "群众",
            Some("10.0.0.9"),
            fengqiao_app::IntakeInput {
                channel: Some("citizen_web".into()),
                ..pothole("苍岩村村口水泥路塌了")
            },
        )
        .await
        .unwrap()
        .case;
    assert_eq!(
        t.app
            .queries
            .notifications(&op, later.id)
            .await
            .unwrap()
            .len(),
        1
    );
}
