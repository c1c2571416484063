//! The text pipeline: normalisation and word segmentation.
//!
//! Every consumer (classifier, duplicate finder, hot spots) sees text the same
//! way: full-width forms folded to half width, ASCII lower-cased, control
//! characters dropped, runs of whitespace collapsed, and the text capped at
//! [`MAX_CHARS`] so a pasted 100,000-character message costs no more than a
//! long letter.

use jieba_rs::Jieba;
use rustc_hash::FxHashSet;

/// Characters of a message the pipeline looks at. Citizen messages are a few
/// hundred characters; the head of anything longer carries the subject.
pub const MAX_CHARS: usize = 3000;

/// Normalise a message for analysis. Never fails; returns an empty string
/// when nothing analysable remains.
pub fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(MAX_CHARS * 3));
    let mut taken = 0usize;
    let mut last_space = true;
    for c in text.chars() {
        if taken >= MAX_CHARS {
            break;
        }
        let c = fold_width(c);
        if c.is_whitespace() || c.is_control() {
            if !last_space {
                out.push(' ');
                last_space = true;
                taken += 1;
            }
            continue;
        }
        if c == '\u{200b}' || c == '\u{feff}' {
            continue;
        }
        out.push(c.to_ascii_lowercase());
        last_space = false;
        taken += 1;
    }
    if out.ends_with(' ') {
        out.pop();
    }
    out
}

/// Fold full-width ASCII variants and the ideographic space to their
/// half-width forms; leave CJK punctuation alone (it carries no topic, and
/// the classifier learns to ignore it).
fn fold_width(c: char) -> char {
    match c {
        '\u{3000}' => ' ',
        '\u{ff01}'..='\u{ff5e}' => char::from_u32(c as u32 - 0xfee0).unwrap_or(c),
        _ => c,
    }
}

/// True when a token carries meaning: it has at least one letter, digit or
/// CJK ideograph.
pub fn is_content(token: &str) -> bool {
    token.chars().any(is_content_char)
}

/// A letter, digit or CJK ideograph (ideographs checked first: they are most of the text).
pub fn is_content_char(c: char) -> bool {
    is_han(c) || c.is_ascii_alphanumeric() || (!c.is_ascii() && c.is_alphanumeric())
}

/// True for a CJK ideograph (the unified blocks citizens write in).
pub fn is_han(c: char) -> bool {
    matches!(c as u32, 0x4e00..=0x9fff | 0x3400..=0x4dbf | 0x20000..=0x2a6df | 0xf900..=0xfaff)
}

/// Words that appear in almost every message and carry no topic.
const STOPWORDS: &str = "的 了 是 在 我 我们 你 你们 他 她 它 他们 和 与 及 或 就 都 也 还 又 被 把 将 对 从 向 给 让 为 为了 以 之 其 这 那 这个 那个 这些 那些 这样 那样 有 没有 没 不 很 非常 一 一个 一些 个 些 吗 呢 吧 啊 呀 哦 嘛 着 过 等 等等 并 而 但 但是 因为 所以 如果 可以 能 能够 会 要 想 请 请问 您好 你好 领导 谢谢 感谢 希望 问题 相关 部门 反映 情况 现在 目前 已经 什么 怎么 如何 是否 多少";

/// Bits of one character in a [`short_key`]: every code point fits in 21.
pub(crate) const KEY_CHAR_BITS: u32 = 21;

/// A text of one to `max` (at most three) characters as one number: its code points side by
/// side, [`KEY_CHAR_BITS`] each. The classifier keys its character n-grams by it, and the
/// stopword check keys words by it (every stopword has at most two characters): hashing a
/// number is cheaper than hashing the text's bytes. `None` for an empty or longer text.
pub(crate) fn short_key(text: &str, max: usize) -> Option<u64> {
    debug_assert!(max <= 3, "three characters fill 63 bits");
    let mut key = 0u64;
    let mut n = 0;
    for c in text.chars() {
        if n == max {
            return None;
        }
        key |= u64::from(c) << (KEY_CHAR_BITS as usize * n);
        n += 1;
    }
    (n > 0).then_some(key)
}

/// Segments normalised text into words with jieba plus the township's own
/// dictionary (place names, local terms), dropping punctuation and stopwords.
pub struct Segmenter {
    jieba: Jieba,
    /// The stopwords' [`short_key`]s (two characters at most).
    stopwords: FxHashSet<u64>,
}

impl std::fmt::Debug for Segmenter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Segmenter").finish_non_exhaustive()
    }
}

impl Default for Segmenter {
    fn default() -> Self {
        Segmenter::new()
    }
}

impl Segmenter {
    /// The stock jieba dictionary and the built-in stopwords.
    pub fn new() -> Segmenter {
        Segmenter {
            jieba: Jieba::new(),
            stopwords: STOPWORDS
                .split(' ')
                .filter_map(|w| short_key(w, 2))
                .collect(),
        }
    }

    /// Add a user dictionary in jieba's format: one entry per line,
    /// `word [frequency] [tag]`; `#` starts a comment. Returns the number of
    /// words added, or the first bad line.
    pub fn add_user_dict(&mut self, dict: &str) -> Result<usize, crate::TriageError> {
        let mut added = 0;
        for (n, line) in dict.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut parts = line.split_whitespace();
            let word = parts.next().unwrap_or_default();
            let freq = match parts.next() {
                None => None,
                Some(f) => {
                    Some(
                        f.parse::<usize>()
                            .map_err(|_| crate::TriageError::Dictionary {
                                line: n + 1,
                                reason: format!("词频“{f}”不是整数"),
                            })?,
                    )
                }
            };
            let tag = parts.next();
            self.jieba.add_word(word, freq, tag);
            added += 1;
        }
        Ok(added)
    }

    /// Content words of already-normalised text, in order.
    pub fn words<'a>(&self, normalized: &'a str) -> Vec<&'a str> {
        let mut out = Vec::new();
        self.for_each_word(normalized, |w| out.push(w));
        out
    }

    /// Calls `f` for every content word of already-normalised text.
    pub fn for_each_word<'a>(&self, normalized: &'a str, mut f: impl FnMut(&'a str)) {
        for token in self.jieba.cut(normalized, true) {
            let w = token.word;
            if is_content(w) && !short_key(w, 2).is_some_and(|k| self.stopwords.contains(&k)) {
                f(w);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_width_case_and_space() {
        assert_eq!(
            normalize("  ＡＢＣ１２３　路灯\t\n坏了！ "),
            "abc123 路灯 坏了!"
        );
    }

    #[test]
    fn caps_length() {
        let long = "路".repeat(100_000);
        assert_eq!(normalize(&long).chars().count(), MAX_CHARS);
    }

    #[test]
    fn empty_and_punctuation_only() {
        assert_eq!(normalize(""), "");
        assert_eq!(normalize(" \u{200b} "), "");
        let seg = Segmenter::new();
        assert!(seg.words(&normalize("？？！！。。😀😀")).is_empty());
    }

    #[test]
    fn user_dictionary_keeps_place_names_whole() {
        let mut seg = Segmenter::new();
        let text = normalize("甘霖镇石板溪村的路灯坏了");
        assert!(!seg.words(&text).contains(&"石板溪村"));
        assert_eq!(seg.add_user_dict("# 地名\n石板溪村 1000 ns\n").unwrap(), 1);
        assert!(seg.words(&text).contains(&"石板溪村"));
        assert!(seg.add_user_dict("坏词 很多\n").is_err());
    }

    #[test]
    fn drops_stopwords() {
        let seg = Segmenter::new();
        let text = normalize("请问我们小区的路灯什么时候修");
        let words = seg.words(&text);
        assert!(words.contains(&"路灯"));
        assert!(!words.contains(&"请问"));
        assert!(!words.contains(&"的"));
        // The stopword check keys words of up to two characters; a longer stopword would be
        // silently ignored.
        assert!(STOPWORDS.split(' ').all(|w| short_key(w, 2).is_some()));
        assert_ne!(short_key("路灯", 2), short_key("灯路", 2));
        assert_eq!(short_key("路灯坏", 2), None);
        assert_eq!(short_key("", 2), None);
    }
}
