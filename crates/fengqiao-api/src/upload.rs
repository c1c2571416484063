//! Forms with photos (`multipart/form-data`), for the pages and for Open311 clients: the text
//! fields, and each photo's bytes read up to the photo limit and no further.

use axum::extract::multipart::MultipartError;
use axum::extract::Multipart;
use axum::http::StatusCode;
use fengqiao_app::formats::photo::{PHOTOS_PER_CASE_MAX, PHOTO_MAX_BYTES};
use std::collections::HashMap;

/// Largest form with photos: every photo at its limit, and the text beside them.
pub const PHOTO_FORM_LIMIT_BYTES: usize = PHOTOS_PER_CASE_MAX * PHOTO_MAX_BYTES + 256 * 1024;

/// The text fields by name and the photos (field `photos`) in order; or what to tell the
/// person when the form is too big or broken.
pub async fn read_form(form: Multipart) -> Result<(HashMap<String, String>, Vec<Vec<u8>>), String> {
    let (fields, photos) = read_parts(form, &["photos"]).await?;
    Ok((fields.into_iter().collect(), photos))
}

/// The text fields in order (repeated names kept) and the files sent under any of
/// `photo_fields`, in order.
pub async fn read_parts(
    mut form: Multipart,
    photo_fields: &[&str],
) -> Result<(Vec<(String, String)>, Vec<Vec<u8>>), String> {
    let mut fields = Vec::new();
    let mut photos = Vec::new();
    let broken = |e: MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            format!(
                "上传的内容太大：最多 {PHOTOS_PER_CASE_MAX} 张照片，每张不超过 {} MB",
                PHOTO_MAX_BYTES / 1024 / 1024
            )
        } else {
            "表单没有完整收到，请重新提交".to_string()
        }
    };
    while let Some(mut field) = form.next_field().await.map_err(broken)? {
        let name = field.name().unwrap_or_default().to_string();
        if !photo_fields.contains(&name.as_str()) {
            let value = field.text().await.map_err(broken)?;
            fields.push((name, value));
            continue;
        }
        // An empty file input still sends a part with no file name and no bytes.
        if field.file_name().is_none_or(str::is_empty) {
            continue;
        }
        if photos.len() == PHOTOS_PER_CASE_MAX {
            return Err(format!("一件诉求最多上传 {PHOTOS_PER_CASE_MAX} 张照片"));
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(broken)? {
            if bytes.len() + chunk.len() > PHOTO_MAX_BYTES {
                return Err(format!(
                    "第 {} 张照片超过 {} MB，请换一张或压缩后再上传",
                    photos.len() + 1,
                    PHOTO_MAX_BYTES / 1024 / 1024
                ));
            }
            bytes.extend_from_slice(&chunk);
        }
        if !bytes.is_empty() {
            photos.push(bytes);
        }
    }
    Ok((fields, photos))
}

/// A form with one file (field `file`) of at most `max` bytes, and its text fields.
pub async fn read_file_form(
    mut form: Multipart,
    max: usize,
) -> Result<(HashMap<String, String>, Option<(String, Vec<u8>)>), String> {
    let mut fields = HashMap::new();
    let mut file = None;
    let broken = |e: MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            format!("文件太大：不能超过 {} MB", max / 1024 / 1024)
        } else {
            "表单没有完整收到，请重新提交".to_string()
        }
    };
    while let Some(mut field) = form.next_field().await.map_err(broken)? {
        let name = field.name().unwrap_or_default().to_string();
        if name != "file" {
            let value = field.text().await.map_err(broken)?;
            fields.insert(name, value);
            continue;
        }
        let file_name = field.file_name().unwrap_or_default().to_string();
        let mut bytes = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(broken)? {
            if bytes.len() + chunk.len() > max {
                return Err(format!("文件太大：不能超过 {} MB", max / 1024 / 1024));
            }
            bytes.extend_from_slice(&chunk);
        }
        if !bytes.is_empty() {
            file = Some((file_name, bytes));
        }
    }
    Ok((fields, file))
}
