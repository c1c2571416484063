//! The field worker's phone: an installable web app (manifest, icons, a service worker) whose
//! day page (`/field`) lists the places due with their inspection forms kept on the phone, and
//! the records made offline that wait to be sent (`assets/field.js` keeps and sends them;
//! `assets/sw.js` serves the kept pages when there is no signal).
//!
//! Service workers run only on `https://` or on `localhost`: a township serving the platform on
//! its intranet over plain `http://` gets the pages online only (README, "离线检查").

use super::places::may_inspect_here;
use crate::render;
use crate::session::Staff;
use crate::WebResult;
use axum::extract::State;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Json, Response};
use chrono::Duration;
use fengqiao_app::App;
use fengqiao_domain::places::end_of_china_day;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::sync::Arc;

/// How many of the due places' forms the day page keeps on the phone.
pub const KEPT_FORMS: u32 = 80;

const SW: &str = include_str!("../../assets/sw.js");

/// The service worker, stamped with a version drawn from the scripts and styles it keeps, so
/// a new release replaces what phones hold.
pub async fn service_worker() -> Response {
    static BODY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let body = BODY.get_or_init(|| {
        let mut h = Sha256::new();
        for part in super::assets::versioned() {
            h.update(part);
        }
        h.update(SW.as_bytes());
        SW.replace("__VERSION__", &hex::encode(&h.finalize()[..6]))
    });
    let mut res = body.clone().into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/javascript; charset=utf-8"),
    );
    // Checked on every visit: an upgrade reaches phones the next time they are online.
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    res
}

/// What makes the platform installable on a phone's home screen, opening on the day page.
pub async fn manifest() -> Response {
    let body = json!({
        "name": "枫桥 · 基层治理",
        "short_name": "枫桥外勤",
        "description": "网格员的今日外勤：应检场所、检查表（无信号时也能填写）、待上传的记录",
        "lang": "zh-CN",
        "start_url": "/field",
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#12355b",
        "icons": [
            {"src": "/static/icon-192.png", "sizes": "192x192", "type": "image/png"},
            {"src": "/static/icon-512.png", "sizes": "512x512", "type": "image/png", "purpose": "any maskable"},
        ],
    });
    let mut res = body.to_string().into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/manifest+json"),
    );
    res
}

/// The session's form token, for a phone about to send what it kept: a page kept for days
/// holds a token that may no longer be this session's. Answered only to the logged-in (a
/// lapsed login is sent to the login page, which the phone takes as "log in first").
pub async fn token(staff: Staff) -> Response {
    let mut res = Json(json!({"user": staff.user.id.0, "csrf": staff.csrf()})).into_response();
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// The day page: the places due this week in the worker's area, each form kept on the phone,
/// today's patrol day, and what waits to be sent (drawn by field.js from the phone's queue).
pub async fn field(State(app): State<Arc<App>>, staff: Staff) -> WebResult<Response> {
    let actor = &staff.actor;
    let now = app.core.now();
    let (due, total) = if may_inspect_here(actor) {
        let page = app
            .places
            .due(
                actor,
                None,
                end_of_china_day(now + Duration::days(7)),
                1,
                KEPT_FORMS,
            )
            .await?;
        let rows: Vec<Value> = page
            .items
            .iter()
            .map(|p| super::places::place_row(&app, p))
            .collect();
        (rows, page.total)
    } else {
        (Vec::new(), 0)
    };
    let patrol_days = app.patrols.today_for(actor).await?;
    Ok(render::page(
        "field.html",
        json!({
            "title": "今日外勤",
            "staff": staff.frame(&app),
            "due": due,
            "total": total,
            "kept_limit": KEPT_FORMS,
            "patrol_days": patrol_days,
            "today": app.patrols.today().format("%Y-%m-%d").to_string(),
        }),
    )
    .into_response())
}

/// A square icon: a white arched bridge (枫桥, "maple bridge") over water on the platform's
/// dark blue, drawn here rather than shipped as a binary.
pub fn icon_png(size: u32) -> Vec<u8> {
    let s = size as f64;
    let (bg, fg) = ([0x12u8, 0x35, 0x5b], [0xffu8, 0xff, 0xff]);
    let mut raw = Vec::with_capacity((size * (size * 4 + 1)) as usize);
    let (cx, base) = (s / 2.0, s * 0.66);
    let (outer, inner) = (s * 0.30, s * 0.22);
    for y in 0..size {
        raw.push(0); // no filter
        for x in 0..size {
            let (fx, fy) = (x as f64 + 0.5, y as f64 + 0.5);
            let d = ((fx - cx).powi(2) + (fy - base).powi(2)).sqrt();
            let arch = fy <= base && d <= outer && d >= inner;
            let deck = fy >= base - outer - s * 0.04
                && fy <= base - outer + s * 0.02
                && (fx - cx).abs() <= outer + s * 0.08;
            let water = (fy - (base + s * 0.08)).abs() <= s * 0.012 && (fx - cx).abs() <= s * 0.34
                || (fy - (base + s * 0.14)).abs() <= s * 0.012 && (fx - cx).abs() <= s * 0.22;
            let c = if arch || deck || water { fg } else { bg };
            raw.extend_from_slice(&[c[0], c[1], c[2], 0xff]);
        }
    }
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    std::io::Write::write_all(&mut z, &raw).expect("writing to memory");
    let data = z.finish().expect("writing to memory");
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&size.to_be_bytes());
    ihdr.extend_from_slice(&size.to_be_bytes());
    ihdr.extend_from_slice(&[8, 6, 0, 0, 0]); // 8-bit RGBA, no interlace
    for (kind, body) in [(b"IHDR", &ihdr), (b"IDAT", &data), (b"IEND", &Vec::new())] {
        png.extend_from_slice(&(body.len() as u32).to_be_bytes());
        let mut crc = flate2::Crc::new();
        crc.update(kind);
        crc.update(body);
        png.extend_from_slice(kind);
        png.extend_from_slice(body);
        png.extend_from_slice(&crc.sum().to_be_bytes());
    }
    png
}

#[cfg(test)]
mod tests {
    use super::icon_png;

    /// The icon is a PNG a browser reads: signature, a 192×192 RGBA header, and chunks whose
    /// checksums hold (a wrong one and Chrome shows no icon on the home screen).
    #[test]
    fn icon_is_a_well_formed_png() {
        let png = icon_png(192);
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        assert_eq!(&png[12..16], b"IHDR");
        assert_eq!(u32::from_be_bytes(png[16..20].try_into().unwrap()), 192);
        assert_eq!(u32::from_be_bytes(png[20..24].try_into().unwrap()), 192);
        let mut at = 8;
        let mut kinds = Vec::new();
        while at < png.len() {
            let len = u32::from_be_bytes(png[at..at + 4].try_into().unwrap()) as usize;
            let kind = &png[at + 4..at + 8];
            let mut crc = flate2::Crc::new();
            crc.update(&png[at + 4..at + 8 + len]);
            let stored = u32::from_be_bytes(png[at + 8 + len..at + 12 + len].try_into().unwrap());
            assert_eq!(crc.sum(), stored, "{}", String::from_utf8_lossy(kind));
            kinds.push(String::from_utf8_lossy(kind).to_string());
            at += 12 + len;
        }
        assert_eq!(kinds, ["IHDR", "IDAT", "IEND"]);
        // Both colours are drawn: the bridge is there.
        let mut z = flate2::read::ZlibDecoder::new(&png[41..png.len() - 16]);
        let mut raw = Vec::new();
        std::io::Read::read_to_end(&mut z, &mut raw).unwrap();
        assert_eq!(raw.len(), 192 * (192 * 4 + 1));
        assert!(raw.chunks(4).any(|p| p == [0xff, 0xff, 0xff, 0xff]));
    }
}
