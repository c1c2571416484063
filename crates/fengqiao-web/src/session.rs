//! Staff sessions in a cookie: the login token, HttpOnly and SameSite=Lax (Secure when the
//! proxy in front says the request came over HTTPS). Every form a logged-in page posts carries a
//! CSRF token derived from the session, checked before anything is done.

use crate::error::WebError;
use crate::render::{self, Page};
use crate::WebResult;
use axum::extract::{FromRequestParts, Query, State};
use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use fengqiao_api::ClientAddr;
use fengqiao_app::App;
use fengqiao_domain::org::{Actor, User};
use serde::Deserialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use std::sync::Arc;

const COOKIE_NAME: &str = "fq_session";

/// A logged-in member of staff.
pub struct Staff {
    pub user: User,
    pub actor: Actor,
    token: String,
}

impl Staff {
    /// The token every form of this session carries.
    pub fn csrf(&self) -> String {
        csrf_for(&self.token)
    }

    /// Refuses a form whose CSRF token is missing or not this session's.
    pub fn check_csrf(&self, sent: &str) -> WebResult<()> {
        if sent.is_empty() || sent != self.csrf() {
            return Err(WebError::Forbidden(
                "页面已过期或来源不明，请刷新页面后重新提交".into(),
            ));
        }
        Ok(())
    }

    /// What every staff page's frame shows: who is logged in, the CSRF token for the logout
    /// form, and the navigation this role has.
    pub fn frame(&self, app: &App) -> serde_json::Value {
        // Deadlines next year need next year's official holidays: until they are imported,
        // every staff page says so.
        let missing_year = app.core.missing_calendar_year();
        let may = |c| fengqiao_domain::access::require(&self.actor, c).is_ok();
        let may_intake = fengqiao_domain::access::may_intake(
            &self.actor,
            fengqiao_domain::access::default_channel(&self.actor),
        )
        .is_ok();
        json!({
            "name": self.user.display_name,
            "role": self.user.role.label(),
            "csrf": self.csrf(),
            "may_intake": may_intake,
            "missing_calendar_year": missing_year,
            "may_admin": may(fengqiao_domain::access::Capability::ViewUsers),
            "may_import": may(fengqiao_domain::access::Capability::ImportHotline),
            "may_calendar": may(fengqiao_domain::access::Capability::MaintainCalendar),
            "grid_worker": self.user.role == fengqiao_domain::org::Role::GridWorker,
            "user_id": self.user.id.0,
            "may_inspect": crate::pages::places::may_inspect_here(&self.actor),
        })
    }
}

fn csrf_for(token: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"fengqiao-csrf\0");
    h.update(token.as_bytes());
    hex::encode(&h.finalize()[..16])
}

fn session_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE_NAME)
        .map(|(_, v)| v.to_string())
        .filter(|v| !v.is_empty())
}

impl FromRequestParts<Arc<App>> for Staff {
    type Rejection = WebError;
    async fn from_request_parts(parts: &mut Parts, app: &Arc<App>) -> WebResult<Self> {
        // After logging in, back to the page asked for (a form's page, not its action).
        let next = match parts.uri.path_and_query() {
            Some(pq) if parts.method == axum::http::Method::GET => pq.as_str().to_string(),
            _ => parts.uri.path().trim_end_matches("/act").to_string(),
        };
        let token = session_token(&parts.headers).ok_or(WebError::Login { next: next.clone() })?;
        match app.auth.authenticate(&token).await {
            Ok((user, actor)) => Ok(Staff { user, actor, token }),
            Err(fengqiao_app::AppError::Unauthorized(_)) => Err(WebError::Login { next }),
            Err(e) => Err(e.into()),
        }
    }
}

/// The staff member if logged in, for pages anyone may open.
pub struct MaybeStaff(pub Option<Staff>);

impl FromRequestParts<Arc<App>> for MaybeStaff {
    type Rejection = WebError;
    async fn from_request_parts(parts: &mut Parts, app: &Arc<App>) -> WebResult<Self> {
        match Staff::from_request_parts(parts, app).await {
            Ok(s) => Ok(MaybeStaff(Some(s))),
            Err(WebError::Login { .. }) => Ok(MaybeStaff(None)),
            Err(e) => Err(e),
        }
    }
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// Only a path on this site: never another host (`//evil`, `https://…`).
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.into(),
        _ => "/workbench".into(),
    }
}

pub async fn login_page(Query(q): Query<NextQuery>) -> Page {
    render::page(
        "login.html",
        json!({"title": "工作人员登录", "next": safe_next(q.next.as_deref())}),
    )
}

#[derive(Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
    next: Option<String>,
}

pub async fn login(
    State(app): State<Arc<App>>,
    ClientAddr(from): ClientAddr,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> Response {
    let next = safe_next(f.next.as_deref());
    match app
        .auth
        .login(f.username.trim(), &f.password, from.as_deref())
        .await
    {
        Ok((token, _)) => {
            let secure = headers
                .get("x-forwarded-proto")
                .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"https"));
            let ttl = app.core.config.token_ttl.num_seconds();
            let cookie = format!(
                "{COOKIE_NAME}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={ttl}{}",
                if secure { "; Secure" } else { "" }
            );
            let mut res = Redirect::to(&next).into_response();
            if let Ok(v) = HeaderValue::from_str(&cookie) {
                res.headers_mut().insert(SET_COOKIE, v);
            }
            res
        }
        Err(e) => {
            let e = WebError::from(e);
            let message = match &e {
                WebError::Login { .. } => "用户名或密码不正确".to_string(),
                other => other.message(),
            };
            let status = match e {
                WebError::Login { .. } => axum::http::StatusCode::UNAUTHORIZED,
                other => other.status(),
            };
            let page = render::page(
                "login.html",
                json!({"title": "工作人员登录", "next": next, "error": message, "username": f.username}),
            );
            page.status(status)
        }
    }
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
}

pub async fn logout(
    State(app): State<Arc<App>>,
    staff: Staff,
    Form(f): Form<CsrfForm>,
) -> WebResult<Response> {
    staff.check_csrf(&f.csrf)?;
    app.auth.logout(&staff.token).await?;
    let mut res = Redirect::to("/login").into_response();
    res.headers_mut().insert(
        SET_COOKIE,
        HeaderValue::from_static("fq_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"),
    );
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(safe_next(Some("/cases/3")), "/cases/3");
        assert_eq!(safe_next(Some("//evil.example/x")), "/workbench");
        assert_eq!(safe_next(Some("https://evil.example")), "/workbench");
        assert_eq!(safe_next(Some("/\\evil.example")), "/workbench");
        assert_eq!(safe_next(None), "/workbench");
    }

    #[test]
    fn csrf_token_belongs_to_its_session() {
        assert_eq!(csrf_for("a"), csrf_for("a"));
        assert_ne!(csrf_for("a"), csrf_for("b"));
        assert_eq!(csrf_for("a").len(), 32);
    }
}
