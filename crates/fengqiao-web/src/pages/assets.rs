//! Styles and scripts, embedded in the binary: nothing is fetched from the internet.

use axum::extract::Path;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

const ASSETS: &[(&str, &str, &str)] = &[
    (
        "app.css",
        "text/css; charset=utf-8",
        include_str!("../../assets/app.css"),
    ),
    (
        "app.js",
        "text/javascript; charset=utf-8",
        include_str!("../../assets/app.js"),
    ),
    (
        "field.js",
        "text/javascript; charset=utf-8",
        include_str!("../../assets/field.js"),
    ),
];

/// What the service worker keeps on phones, for its version stamp.
pub fn versioned() -> impl Iterator<Item = &'static [u8]> {
    ASSETS.iter().map(|(_, _, body)| body.as_bytes())
}

/// The app icons, drawn once.
fn icon(file: &str) -> Option<&'static [u8]> {
    static ICONS: std::sync::OnceLock<[Vec<u8>; 2]> = std::sync::OnceLock::new();
    let [small, big] =
        ICONS.get_or_init(|| [super::field::icon_png(192), super::field::icon_png(512)]);
    match file {
        "icon-192.png" => Some(small),
        "icon-512.png" => Some(big),
        _ => None,
    }
}

/// Each asset gzipped once, for the browsers that take it (all do): the stylesheet and the
/// script move a quarter of their size over a slow link. Pages themselves are sent as they
/// are: they hold the session's CSRF token beside text the user typed (BREACH).
fn gzipped(i: usize) -> &'static [u8] {
    static GZ: std::sync::OnceLock<Vec<Vec<u8>>> = std::sync::OnceLock::new();
    &GZ.get_or_init(|| {
        ASSETS
            .iter()
            .map(|(_, _, body)| {
                use std::io::Write;
                let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
                e.write_all(body.as_bytes()).expect("writing to memory");
                e.finish().expect("writing to memory")
            })
            .collect()
    })[i]
}

pub async fn asset(Path(file): Path<String>, headers: axum::http::HeaderMap) -> Response {
    if let Some(png) = icon(&file) {
        let mut res = png.into_response();
        let h = res.headers_mut();
        h.insert(header::CONTENT_TYPE, HeaderValue::from_static("image/png"));
        h.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=86400"),
        );
        return res;
    }
    let Some(i) = ASSETS.iter().position(|(name, _, _)| *name == file) else {
        return (StatusCode::NOT_FOUND, "没有这个文件").into_response();
    };
    let (_, mime, body) = ASSETS[i];
    let gzip = headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|e| e.trim().split(';').next() == Some("gzip"));
    let mut res = if gzip {
        gzipped(i).into_response()
    } else {
        body.into_response()
    };
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    if gzip {
        h.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    }
    h.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    // Cached for a day: an upgrade changes them rarely, and pages are small without them.
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=86400"),
    );
    res
}

#[cfg(test)]
mod tests {
    /// The stylesheet's colours by name (`--fg: #1f2328`), as 0–255 triples.
    fn palette(css: &str) -> std::collections::HashMap<String, [u8; 3]> {
        css.split([';', '{', '}'])
            .filter_map(|decl| {
                let (name, value) = decl.trim().split_once(':')?;
                let name = name.trim().strip_prefix("--")?;
                Some((name.to_string(), hex(value.trim())?))
            })
            .collect()
    }

    fn hex(s: &str) -> Option<[u8; 3]> {
        let h = s.strip_prefix('#')?;
        // #fff is #ffffff.
        let h: String = match h.len() {
            3 => h.chars().flat_map(|c| [c, c]).collect(),
            6 => h.to_string(),
            _ => return None,
        };
        let b = |i: usize| u8::from_str_radix(&h[i..i + 2], 16).ok();
        Some([b(0)?, b(2)?, b(4)?])
    }

    /// WCAG 2 contrast ratio of two sRGB colours.
    fn contrast(a: [u8; 3], b: [u8; 3]) -> f64 {
        let lum = |c: [u8; 3]| {
            let ch = |v: u8| {
                let s = v as f64 / 255.0;
                if s <= 0.03928 {
                    s / 12.92
                } else {
                    ((s + 0.055) / 1.055).powf(2.4)
                }
            };
            0.2126 * ch(c[0]) + 0.7152 * ch(c[1]) + 0.0722 * ch(c[2])
        };
        let (x, y) = (lum(a), lum(b));
        (x.max(y) + 0.05) / (x.min(y) + 0.05)
    }

    /// Every pair of text and background colour the stylesheet uses reads at WCAG AA (4.5:1
    /// for normal text) — on a cheap phone in daylight too.
    #[test]
    fn text_colours_meet_wcag_aa_contrast() {
        let css = include_str!("../../assets/app.css");
        let p = palette(css);
        let c = |name: &str| {
            p.get(name)
                .copied()
                .or_else(|| hex(name))
                .unwrap_or_else(|| panic!("no colour {name}"))
        };
        let pairs = [
            ("fg", "bg"),
            ("fg", "card"),
            ("muted", "bg"),
            ("muted", "card"),
            ("primary", "bg"),
            ("primary", "card"),
            ("primary-fg", "primary"),
            ("red", "card"),
            ("red", "red-bg"),
            ("yellow", "card"),
            ("yellow", "yellow-bg"),
            ("ok", "card"),
            ("#601410", "red-bg"),
            ("#0d3f1b", "ok-bg"),
            ("#4a3300", "yellow-bg"),
            ("#ffffff", "#12355b"),
            ("#ffffff", "red"),
        ];
        for (fg, bg) in pairs {
            let ratio = contrast(c(fg), c(bg));
            assert!(ratio >= 4.5, "{fg} on {bg}: {ratio:.2}:1");
        }
    }
}
