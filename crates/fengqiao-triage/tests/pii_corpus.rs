//! The masking corpus: every variant in `tests/corpus/pii.tsv` must come out
//! exactly as written there. A new way of writing a phone number, an ID or a
//! name that leaks is added to the corpus first.

use fengqiao_triage::pii::mask;

#[test]
fn every_variant_in_the_corpus_is_masked_as_written() {
    let corpus = include_str!("corpus/pii.tsv");
    let mut failures = Vec::new();
    let mut cases = 0;
    for (n, line) in corpus.lines().enumerate() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let (text, expected) = line
            .split_once('\t')
            .unwrap_or_else(|| panic!("line {} has no tab: {line}", n + 1));
        let expected = if expected == "=" { text } else { expected };
        let got = mask(text);
        cases += 1;
        if got != expected {
            failures.push(format!("line {}: {text} → {got}, want {expected}", n + 1));
        }
    }
    assert!(cases >= 50, "the corpus shrank to {cases} cases");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
