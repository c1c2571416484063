//! Helpers the benchmark examples share (`#[path]`-included; not an example itself).

/// The named columns of a CSV file with a header row, as text; a missing column reads empty.
pub fn column_texts(path: &str, cols: &[&str]) -> Vec<Vec<String>> {
    let mut r = csv::Reader::from_path(path).expect("open csv");
    let h = r.headers().expect("headers").clone();
    let idx: Vec<Option<usize>> = cols
        .iter()
        .map(|c| h.iter().position(|x| x == *c))
        .collect();
    r.records()
        .map(|rec| {
            let rec = rec.expect("row");
            idx.iter()
                .map(|i| i.and_then(|i| rec.get(i)).unwrap_or_default().to_string())
                .collect()
        })
        .collect()
}
