//! Serving with limits a hostile or careless client cannot get around: a cap on open
//! connections (past it, a connection is answered 503 with Retry-After and closed), a time
//! limit for a request's headers (which also closes a kept-alive
//! connection left idle), and a time limit for a whole request, body included. Without them,
//! 4,000 slow sockets held 4,039 descriptors and 600 idle ones made `/healthz` time out.

use axum::extract::ConnectInfo;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tower::ServiceExt;

/// Limits on connections and requests.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Open connections at most; a connection beyond is closed at once.
    pub max_connections: usize,
    /// Time to send a request's headers, and to start the next request on a kept-alive
    /// connection.
    pub header_timeout: Duration,
    /// Time for a whole request, body and answer included (408 when it runs out).
    pub request_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_connections: 1024,
            header_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(60),
        }
    }
}

/// Refused connections being answered at once, and how long each may take.
const REFUSALS: usize = 256;
const REFUSAL_TIME: Duration = Duration::from_millis(500);

/// What a connection past the cap is told before it is closed.
fn busy_answer() -> Vec<u8> {
    let body = serde_json::json!({"error": {"code": "busy",
        "message": "服务器当前连接过多，请 1 秒后重试；紧急情况请拨打 12345 或 110"}})
    .to_string();
    format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\nretry-after: 1\r\nconnection: close\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// Answers a connection past the cap with 503 and closes it. What the client sent is read and
/// dropped first, because closing a socket with unread data resets it, and a reset can reach
/// the client before it has read the answer.
async fn refuse(
    mut stream: tokio::net::TcpStream,
    answer: Arc<[u8]>,
    _permit: tokio::sync::OwnedSemaphorePermit,
) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let _ = tokio::time::timeout(REFUSAL_TIME, async {
        stream.write_all(&answer).await?;
        stream.shutdown().await?;
        let mut sink = [0u8; 4096];
        while stream.read(&mut sink).await? > 0 {}
        Ok::<_, std::io::Error>(())
    })
    .await;
}

/// Serves `router` (the API's own, or the whole site with the pages beside it) on `listener`
/// until `shutdown` completes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: axum::Router,
    limits: Limits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let router = router.layer(tower_http::timeout::TimeoutLayer::with_status_code(
        axum::http::StatusCode::REQUEST_TIMEOUT,
        limits.request_timeout,
    ));
    let slots = Arc::new(tokio::sync::Semaphore::new(limits.max_connections));
    // Connections past the cap are told so (503, Retry-After) rather than reset, so a client
    // knows to send again; at most this many at a time, each for at most `REFUSAL_TIME`.
    let refusals = Arc::new(tokio::sync::Semaphore::new(REFUSALS));
    let busy: Arc<[u8]> = busy_answer().into();
    tokio::pin!(shutdown);
    loop {
        let (stream, addr) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of descriptors, or the peer left before we took it: go on.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut shutdown => return Ok(()),
        };
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            tracing::warn!(%addr, "connection refused: {} open", limits.max_connections);
            if let Ok(permit) = refusals.clone().try_acquire_owned() {
                tokio::spawn(refuse(stream, busy.clone(), permit));
            }
            continue;
        };
        let router = router.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(
                move |mut req: axum::extract::Request<hyper::body::Incoming>| {
                    req.extensions_mut().insert(ConnectInfo(addr));
                    router.clone().oneshot(req.map(axum::body::Body::new))
                },
            );
            let mut http = hyper::server::conn::http1::Builder::new();
            http.timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(limits.header_timeout)
                .keep_alive(true);
            let _ = http
                .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                .await;
            drop(slot);
        });
    }
}
