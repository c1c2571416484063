//! A township admin publishes a new version of a kind's checklist: forms show it from then on,
//! a form opened before (a phone offline) is still answered against the version it showed, and
//! the records keep the questions they were asked.

use crate::places::shop;
use fengqiao_app::{AppError, InspectionInput};
use fengqiao_domain::places::{Answer, ChecklistItem, Severity};
use fengqiao_testkit::township;

fn item(code: &str, text: &str, severity: Severity) -> ChecklistItem {
    ChecklistItem {
        code: code.into(),
        text: text.into(),
        severity,
    }
}

fn all_pass(items: &[ChecklistItem]) -> Vec<Answer> {
    items
        .iter()
        .map(|i| Answer {
            item_code: i.code.clone(),
            passed: true,
            note: None,
        })
        .collect()
}

#[tokio::test]
async fn a_new_checklist_version_is_used_from_then_on_and_old_forms_still_count() {
    let t = township(Default::default()).await;
    let (admin, op, grid) = (
        t.actor("admin").await,
        t.actor("op").await,
        t.actor("grid").await,
    );
    let place = t.app.places.register(&grid, shop(&t)).await.unwrap();
    let (_, v1) = t.app.places.checklist(&grid, place.id).await.unwrap();
    let items = vec![
        item("exit", "安全出口、疏散通道畅通", Severity::Major),
        item(
            "extinguisher",
            "灭火器配置到位且在有效期内",
            Severity::Minor,
        ),
        item("cctv", "店内监控正常录像", Severity::Minor),
    ];
    // Only a township admin publishes; a bad list is refused in words.
    let err = t
        .app
        .places
        .set_checklist(&op, "small_venue", "九小场所检查表", items.clone())
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Forbidden(_)), "{err:?}");
    let twice = vec![items[0].clone(), items[0].clone()];
    let err = t
        .app
        .places
        .set_checklist(&admin, "small_venue", "九小场所检查表", twice)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("重复"), "{err}");
    let err = t
        .app
        .places
        .set_checklist(&admin, "small_venue", "九小场所检查表", vec![])
        .await
        .unwrap_err();
    assert!(err.to_string().contains("检查项"), "{err}");

    let v2 = t
        .app
        .places
        .set_checklist(
            &admin,
            "small_venue",
            " 九小场所检查表（2027 版） ",
            items.clone(),
        )
        .await
        .unwrap();
    assert_eq!(
        (v2.version, v2.name.as_str()),
        (v1.version + 1, "九小场所检查表（2027 版）")
    );
    let (_, shown) = t.app.places.checklist(&grid, place.id).await.unwrap();
    assert_eq!(shown.id, v2.id, "forms show the new version");

    let inspect = |template_id, answers| {
        t.app.places.inspect(
            &grid,
            place.id,
            InspectionInput {
                template_id,
                answers,
                ..Default::default()
            },
        )
    };
    // A form opened before (kept on a phone) is answered against the version it showed.
    let old = inspect(Some(v1.id), all_pass(&v1.items)).await.unwrap();
    assert_eq!(old.record.template_id, v1.id);
    // The new one asks the new questions: an answer to an item it dropped is refused.
    let mut stale = all_pass(&v2.items);
    stale.push(Answer {
        item_code: "living".into(),
        passed: true,
        note: None,
    });
    assert!(inspect(None, stale).await.is_err());
    let new = inspect(None, all_pass(&v2.items)).await.unwrap();
    assert_eq!(new.record.template_id, v2.id);
    assert!(t
        .app
        .admin
        .audit_log(&admin, 20)
        .await
        .unwrap()
        .iter()
        .any(|a| a.action == "checklist.version"));
}
