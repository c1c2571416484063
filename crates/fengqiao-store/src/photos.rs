//! Photos uploaded with a report, stored with the case (written by the intake, in its
//! transaction) and read back one by one for those who may see the case.

use crate::*;
use async_trait::async_trait;
use fengqiao_domain::ids::CaseId;

/// A photo to store with a new case: checked, its metadata already removed.
#[derive(Debug, Clone, PartialEq)]
pub struct NewPhoto {
    pub content_type: String,
    pub bytes: Vec<u8>,
    /// Where the phone says it was taken; for staff only.
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
}

/// A stored photo.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredPhoto {
    pub id: i64,
    pub case_id: CaseId,
    pub content_type: String,
    pub bytes: Vec<u8>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
}

/// The address a stored photo is listed under in its case's media.
pub fn photo_path(id: i64) -> String {
    format!("/photos/{id}")
}

/// Where a case's photo was taken, without its bytes.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PhotoPlace {
    pub id: i64,
    pub latitude: f64,
    pub longitude: f64,
}

#[async_trait]
pub trait PhotoStore: Send + Sync + 'static {
    async fn photo(&self, id: i64) -> Result<Option<StoredPhoto>>;
    /// The places a case's photos were taken, for those that say so, in order.
    async fn photo_places(&self, case: CaseId) -> Result<Vec<PhotoPlace>>;
}
