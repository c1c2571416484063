//! Passwords (argon2id) and bearer tokens (32 random bytes, stored as SHA-256).

use crate::core::Core;
use crate::{AppError, Result};
use argon2::password_hash::rand_core::{OsRng, RngCore};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use fengqiao_domain::org::{Actor, User};
use sha2::{Digest, Sha256};
use std::sync::Arc;

/// A real hash of a random password, verified against when a username does not exist, so that a
/// wrong username costs as much time as a wrong password.
pub(crate) fn dummy_hash() -> String {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY
        .get_or_init(|| hash_password(&new_token()).expect("hashing a random password"))
        .clone()
}

pub fn hash_password(password: &str) -> Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::internal(format!("password hashing failed: {e}")))
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

/// argon2 is CPU- and memory-heavy by design (19 MiB a hash with the default parameters). Hashes
/// run on a few threads of their own, one per core, fed by a queue: a burst of logins waits its
/// turn instead of spreading argon2's memory over the blocking pool's many threads, whose
/// allocator arenas would keep it (64 wrong logins took a server up by 1.1 GiB that way).
fn run_hashing<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> impl std::future::Future<Output = Result<T>> {
    type Job = Box<dyn FnOnce() + Send>;
    static QUEUE: std::sync::OnceLock<std::sync::Mutex<std::sync::mpsc::Sender<Job>>> =
        std::sync::OnceLock::new();
    let queue = QUEUE.get_or_init(|| {
        let (tx, rx) = std::sync::mpsc::channel::<Job>();
        let rx = Arc::new(std::sync::Mutex::new(rx));
        let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
        for i in 0..threads {
            let rx = rx.clone();
            std::thread::Builder::new()
                .name(format!("argon2-{i}"))
                .spawn(move || loop {
                    let job = rx.lock().unwrap_or_else(|e| e.into_inner()).recv();
                    match job {
                        Ok(job) => job(),
                        Err(_) => break,
                    }
                })
                .expect("a password-hashing thread");
        }
        std::sync::Mutex::new(tx)
    });
    let (tx, rx) = tokio::sync::oneshot::channel();
    let sent = queue
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .send(Box::new(move || {
            let _ = tx.send(f());
        }));
    async move {
        sent.map_err(|_| AppError::internal("the password hashers have stopped"))?;
        rx.await
            .map_err(|_| AppError::internal("a password hash was not computed"))
    }
}

pub(crate) async fn hash_password_blocking(password: String) -> Result<String> {
    run_hashing(move || hash_password(&password)).await?
}

/// Verifies against `hash`, or, for a username that does not exist, against a dummy hash so the
/// answer takes as long either way.
pub(crate) async fn verify_password_blocking(
    password: String,
    hash: Option<String>,
) -> Result<bool> {
    run_hashing(move || match hash {
        Some(hash) => verify_password(&password, &hash),
        None => {
            verify_password(&password, &dummy_hash());
            false
        }
    })
    .await
}

pub(crate) fn new_token() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

pub(crate) fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Logins and bearer tokens.
pub struct AuthService {
    core: Arc<Core>,
    throttle: crate::throttle::Throttle,
}

impl AuthService {
    pub(crate) fn new(core: Arc<Core>) -> Self {
        AuthService {
            core,
            throttle: Default::default(),
        }
    }

    /// Logs in with a password, from a client address when the edge knows it. Failures are
    /// counted per account and address and audited; too many lock the pair for a while.
    pub async fn login(
        &self,
        username: &str,
        password: &str,
        from: Option<&str>,
    ) -> Result<(String, User)> {
        let now = self.core.now();
        let keys = crate::throttle::login_keys(username, from);
        if let Some(until) = self.throttle.locked_until(&keys, now) {
            return Err(AppError::rate_limited(
                "登录失败次数过多，请稍后再试",
                until,
                now,
            ));
        }
        if username.chars().count() > 64 || password.len() > 1024 {
            return Err(AppError::Unauthorized("用户名或密码错误".into()));
        }
        let creds = self.core.store.user_credentials(username.trim()).await?;
        let (user, hash) = creds
            .map(|(u, h)| (Some(u), Some(h)))
            .unwrap_or((None, None));
        let verified = verify_password_blocking(password.to_string(), hash).await?;
        let user = match user {
            Some(u) if verified && u.active => u,
            _ => {
                let locked = self.throttle.count(&keys, now);
                let audit = fengqiao_store::Audit {
                    actor_id: None,
                    actor_name: "登录".into(),
                    at: now,
                };
                let detail = format!(
                    "来自 {}{}",
                    from.unwrap_or("未知地址"),
                    if locked.is_some() {
                        "，已暂时锁定"
                    } else {
                        ""
                    }
                );
                let target: String = username.trim().chars().take(64).collect();
                self.core
                    .store
                    .record_audit(
                        audit,
                        "auth.login_failed",
                        &format!("user:{target}"),
                        &detail,
                    )
                    .await?;
                return Err(AppError::Unauthorized("用户名或密码错误".into()));
            }
        };
        self.throttle.clear(&crate::throttle::account_keys(&keys));
        let token = new_token();
        let now = self.core.now();
        self.core
            .store
            .insert_token(
                user.id,
                &token_hash(&token),
                now,
                now + self.core.config.token_ttl,
            )
            .await?;
        Ok((token, user))
    }

    pub async fn authenticate(&self, token: &str) -> Result<(User, Actor)> {
        let user = self
            .core
            .store
            .user_by_token(&token_hash(token), self.core.now())
            .await?
            .ok_or_else(|| AppError::Unauthorized("登录已失效，请重新登录".into()))?;
        let actor = self.core.actor_for(&user);
        Ok((user, actor))
    }

    pub async fn logout(&self, token: &str) -> Result<()> {
        Ok(self
            .core
            .store
            .revoke_token(&token_hash(token), self.core.now())
            .await?)
    }

    /// Ends every session of the user (a lost phone, a shared computer); returns how many.
    pub async fn logout_everywhere(&self, user: &User) -> Result<u64> {
        Ok(self
            .core
            .store
            .revoke_user_tokens(user.id, self.core.now())
            .await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_only_themselves() {
        let h = hash_password("correct horse").unwrap();
        assert!(verify_password("correct horse", &h));
        assert!(!verify_password("wrong horse", &h));
        assert!(!verify_password("x", "not a hash"));
        assert!(!verify_password("anything", &dummy_hash()));
        assert!(PasswordHash::new(&dummy_hash()).is_ok());
    }

    #[test]
    fn tokens_are_random_and_hashed() {
        let (a, b) = (new_token(), new_token());
        assert_ne!(a, b);
        assert_eq!(a.len(), 64);
        assert_ne!(token_hash(&a), a);
        assert_eq!(token_hash(&a), token_hash(&a));
    }
}
