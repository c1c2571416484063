//! Any text at all — emoji, mixed scripts, control characters, lone combining marks, huge
//! inputs — gets a suggestion or an explicit "no suggestion", never a panic.

use fengqiao_triage::{pii, Example, Model, Segmenter, Shingles, SimilarityIndex, TrainParams};
use proptest::prelude::*;
use std::sync::OnceLock;

fn model() -> &'static (Segmenter, Model) {
    static M: OnceLock<(Segmenter, Model)> = OnceLock::new();
    M.get_or_init(|| {
        let seg = Segmenter::new();
        let data = [
            ("路灯坏了晚上一片漆黑", "城乡建设"),
            ("路面塌陷出现大坑", "城乡建设"),
            ("排水沟堵塞雨天积水", "城乡建设"),
            ("河道里倒满垃圾", "环境保护"),
            ("工厂夜间偷排污水", "环境保护"),
            ("养殖场臭气熏天", "环境保护"),
        ];
        let examples: Vec<Example<'_>> = data
            .iter()
            .map(|(b, l)| Example {
                title: "",
                body: b,
                label: l,
            })
            .collect();
        let params = TrainParams {
            min_df: 1,
            calibrate: false,
            ..TrainParams::default()
        };
        let model = Model::train(&seg, &examples, params).unwrap();
        (seg, model)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn any_text_gets_an_answer_or_none(title in "\\PC{0,40}", body in "\\PC{0,400}") {
        let (seg, model) = model();
        if let Some(p) = model.predict(seg, &title, &body) {
            prop_assert!(p.class < model.labels().len());
            prop_assert!((0.0..=1.0).contains(&p.confidence));
        }
        let s = Shingles::of(&body);
        let mut ix = SimilarityIndex::new();
        ix.insert(1, 0, 0, &s);
        for m in ix.search(0, 0, &s, 0.0, 3) {
            prop_assert!(m.similarity.is_finite());
        }
    }

    #[test]
    fn masking_only_touches_digits(text in "[0-9a-zA-Z路灯电话：，。 -]{0,80}") {
        let masked = pii::mask(&text);
        let keep = |s: &str| s.chars().filter(|c| !c.is_ascii_digit() && *c != '*').collect::<String>();
        // Separators inside a masked number are dropped, nothing else changes.
        prop_assert_eq!(keep(&masked).replace(['-', ' '], ""), keep(&text).replace(['-', ' '], ""));
        prop_assert!(pii::find(&masked).is_empty(), "masked text still holds {:?}", pii::find(&masked));
    }
}
