//! Photos stored with their case.

use crate::*;

/// Photos uploaded with a report are stored in the intake's transaction, listed after the
/// report's links, and read back byte for byte with the place they were taken.
pub async fn photos_are_stored_with_their_case(store: &dyn Store) {
    let photo = |b: u8, at: Option<(f64, f64)>| NewPhoto {
        content_type: "image/jpeg".into(),
        bytes: vec![0xFF, 0xD8, 0xFF, b, 0, 0xFF, 0xD9],
        latitude: at.map(|a| a.0),
        longitude: at.map(|a| a.1),
    };
    let link = "https://img.example.cn/a.jpg".to_string();
    let case = store
        .intake(NewCase {
            media: vec![link.clone()],
            photos: vec![photo(1, Some((29.7, 120.2))), photo(2, None)],
            ..new_case("路面塌陷", None, None)
        })
        .await
        .unwrap()
        .case;
    let media = store.case_media(case.id).await.unwrap();
    assert_eq!(media.len(), 3);
    assert_eq!(media[0], link, "links first, in order");
    let ids: Vec<i64> = media[1..]
        .iter()
        .map(|m| m.strip_prefix("/photos/").unwrap().parse().unwrap())
        .collect();
    let first = store.photo(ids[0]).await.unwrap().unwrap();
    assert_eq!(first.case_id, case.id);
    assert_eq!(first.bytes, photo(1, None).bytes);
    assert_eq!((first.latitude, first.longitude), (Some(29.7), Some(120.2)));
    assert_eq!(
        store.photo_places(case.id).await.unwrap(),
        vec![PhotoPlace {
            id: ids[0],
            latitude: 29.7,
            longitude: 120.2
        }],
        "only the photo that says where it was taken"
    );
    let second = store.photo(ids[1]).await.unwrap().unwrap();
    assert_eq!((second.bytes[3], second.latitude), (2, None));
    assert!(store.photo(ids[1] + 1000).await.unwrap().is_none());
    // A replayed key stores no second copy.
    let keyed = |k: &str| NewCase {
        photos: vec![photo(3, None)],
        ..new_case("路灯", Some(k), None)
    };
    let once = store.intake(keyed("k1")).await.unwrap();
    let again = store.intake(keyed("k1")).await.unwrap();
    assert!(once.created && !again.created);
    assert_eq!(store.case_media(once.case.id).await.unwrap().len(), 1);
}
