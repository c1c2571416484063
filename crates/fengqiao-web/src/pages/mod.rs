//! One module per group of pages.

pub mod admin;
pub mod assets;
pub mod campaigns;
pub mod case;
pub mod citizen;
pub mod dashboard;
pub mod field;
pub mod hazards;
pub mod home;
pub mod intake;
pub mod kpis;
pub mod patrols;
pub mod places;
pub mod reports;

pub mod workbench;

/// Percent-encodes a query value.
pub fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

pub use fengqiao_api::public_base;
