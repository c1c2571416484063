//! Region centres for the schematic map.

use crate::*;
use fengqiao_domain::ids::RegionId;
use fengqiao_domain::org::RegionLevel;

/// A centre is set, moved (one row per region, each change audited) and read back exactly;
/// a centre for a region that does not exist is refused with nothing written.
pub async fn region_centres_are_set_moved_and_audited(store: &dyn Store) {
    let town = region(store, None, "镇", RegionLevel::Town).await;
    let village = region(store, Some(&town), "一村", RegionLevel::Village).await;
    assert!(store.region_centres().await.unwrap().is_empty());
    let at = |lat, lon| RegionCentre {
        region_id: village.id,
        latitude: lat,
        longitude: lon,
    };
    store
        .set_region_centre(at(29.81, 120.72), admin())
        .await
        .unwrap();
    store
        .set_region_centre(at(29.8125, 120.7301), admin())
        .await
        .unwrap();
    assert_eq!(
        store.region_centres().await.unwrap(),
        vec![at(29.8125, 120.7301)]
    );
    let audit = store.audit_log(10).await.unwrap();
    assert_eq!(
        audit.iter().filter(|e| e.action == "region.centre").count(),
        2
    );
    assert_eq!(audit[0].target, format!("region:{}", village.id));
    let err = store
        .set_region_centre(
            RegionCentre {
                region_id: RegionId(999),
                ..at(1.0, 1.0)
            },
            admin(),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::InvalidReference(_)), "{err:?}");
    assert_eq!(store.region_centres().await.unwrap().len(), 1);
}
