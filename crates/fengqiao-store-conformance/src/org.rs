//! Regions, units, categories and the questions a category asks.

use crate::*;
use fengqiao_domain::attributes::{AttrChoice, AttrType, ServiceAttribute};
use fengqiao_domain::ids::{CategoryId, RegionId};
use fengqiao_domain::org::{Platform, RegionLevel, UnitKind};

pub async fn regions_nest_under_their_parent(store: &dyn Store) {
    let town = region(store, None, "镇", RegionLevel::Town).await;
    let v1 = region(store, Some(&town), "一村", RegionLevel::Village).await;
    let v2 = region(store, Some(&town), "二村", RegionLevel::Village).await;
    let grid = region(store, Some(&v1), "一网格", RegionLevel::Grid).await;
    assert!(v1.path.starts_with(&town.path) && grid.path.starts_with(&v1.path));
    assert_ne!(v1.path, v2.path);
    assert_ne!(v1.id, v2.id);
    assert_eq!(grid.parent_id, Some(v1.id));
    let all = store.regions().await.unwrap();
    assert_eq!(all.len(), 4);
    assert_eq!(all[0], town, "ordered by path: the root first");
    assert!(all.contains(&grid));
}

pub async fn region_with_unknown_parent_is_refused(store: &dyn Store) {
    let err = store
        .insert_region(
            NewRegion {
                parent_id: Some(RegionId(999)),
                name: "x".into(),
                level: RegionLevel::Village,
            },
            admin(),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::InvalidReference(_)), "{err:?}");
    assert!(store.regions().await.unwrap().is_empty(), "nothing written");
    assert!(
        store.audit_log(10).await.unwrap().is_empty(),
        "no audit entry"
    );
}

pub async fn units_round_trip(store: &dyn Store) {
    let town = region(store, None, "镇", RegionLevel::Town).await;
    let unit = store
        .insert_unit(
            NewUnit {
                name: "司法所".into(),
                kind: UnitKind::Station,
                platform: Some(Platform::SafetyLaw),
                region_id: town.id,
            },
            admin(),
        )
        .await
        .unwrap();
    assert_eq!(store.units().await.unwrap(), vec![unit.clone()]);
    let err = store
        .insert_unit(
            NewUnit {
                name: "无处".into(),
                kind: UnitKind::Station,
                platform: None,
                region_id: RegionId(999),
            },
            admin(),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::InvalidReference(_)), "{err:?}");
    assert_eq!(store.units().await.unwrap().len(), 1);
}

fn attribute(category: CategoryId, code: &str, order: u32) -> ServiceAttribute {
    ServiceAttribute {
        id: 0,
        category_id: category,
        code: code.into(),
        datatype: AttrType::SingleValueList,
        required: true,
        variable: true,
        description: "坑有多深".into(),
        datatype_description: None,
        order,
        values: vec![AttrChoice {
            key: "deep".into(),
            name: "超过10厘米".into(),
        }],
    }
}

pub async fn categories_and_their_attributes_round_trip(store: &dyn Store) {
    let town = region(store, None, "镇", RegionLevel::Town).await;
    let unit = store
        .insert_unit(
            NewUnit {
                name: "建设办".into(),
                kind: UnitKind::Department,
                platform: None,
                region_id: town.id,
            },
            admin(),
        )
        .await
        .unwrap();
    let roads = store
        .insert_category(
            NewCategory {
                parent_id: None,
                name: "道路".into(),
                default_unit_id: Some(unit.id),
                is_petition: false,
            },
            admin(),
        )
        .await
        .unwrap();
    let potholes = store
        .insert_category(
            NewCategory {
                parent_id: Some(roads.id),
                name: "坑洼".into(),
                default_unit_id: None,
                is_petition: false,
            },
            admin(),
        )
        .await
        .unwrap();
    assert_eq!(
        store.categories().await.unwrap(),
        vec![roads.clone(), potholes.clone()]
    );
    let second = store
        .insert_category_attribute(attribute(potholes.id, "size", 2), admin())
        .await
        .unwrap();
    let first = store
        .insert_category_attribute(attribute(potholes.id, "depth", 1), admin())
        .await
        .unwrap();
    assert!(first.id > 0 && second.id > 0 && first.id != second.id);
    let stored = store.category_attributes().await.unwrap();
    assert_eq!(stored, vec![first, second], "by category, then order");
}

pub async fn attribute_codes_are_unique_per_category(store: &dyn Store) {
    let c = store
        .insert_category(
            NewCategory {
                parent_id: None,
                name: "道路".into(),
                default_unit_id: None,
                is_petition: false,
            },
            admin(),
        )
        .await
        .unwrap();
    store
        .insert_category_attribute(attribute(c.id, "depth", 1), admin())
        .await
        .unwrap();
    let err = store
        .insert_category_attribute(attribute(c.id, "depth", 2), admin())
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Duplicate(_)), "{err:?}");
    let err = store
        .insert_category_attribute(attribute(CategoryId(999), "x", 1), admin())
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::InvalidReference(_)), "{err:?}");
    assert_eq!(store.category_attributes().await.unwrap().len(), 1);
}

/// Names are unique among siblings, top level included (where the parent is no row at all).
pub async fn top_level_category_names_are_unique(store: &dyn Store) {
    let top = |name: &str| NewCategory {
        parent_id: None,
        name: name.into(),
        default_unit_id: None,
        is_petition: false,
    };
    let first = store
        .insert_category(top("森林防火"), admin())
        .await
        .unwrap();
    let err = store
        .insert_category(top("森林防火"), admin())
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Duplicate(_)), "{err:?}");
    let child = NewCategory {
        parent_id: Some(first.id),
        ..top("森林防火")
    };
    store.insert_category(child, admin()).await.unwrap();
    assert_eq!(store.categories().await.unwrap().len(), 2);
}
