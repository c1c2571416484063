//! Personal data in free text: mobile phone numbers, resident ID-card numbers
//! (GB 11643, checksum verified) and bank-card numbers (Luhn verified).
//! [`mask`] hides them for viewers without the right to see them; the
//! stored text is never changed.

/// What kind of personal data a span holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PiiKind {
    Phone,
    IdCard,
    BankCard,
}

/// A span of personal data, in byte offsets of the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PiiSpan {
    pub kind: PiiKind,
    pub start: usize,
    pub end: usize,
}

/// Finds personal data in `text`. Only whole runs of digits count (a phone
/// number inside a 20-digit serial is not a phone number); digit runs may
/// use full-width digits, spaces or hyphens between groups are allowed for
/// bank cards and phones written as "138-0013-8000".
pub fn find(text: &str) -> Vec<PiiSpan> {
    let mut out = Vec::new();
    let bytes: Vec<(usize, char)> = text.char_indices().collect();
    let mut i = 0;
    while i < bytes.len() {
        if digit(bytes[i].1).is_none() {
            i += 1;
            continue;
        }
        // A run of digits with single separators (space or hyphen) between them;
        // an ID card may end in X.
        let start = i;
        let mut digits: Vec<u8> = Vec::new();
        let mut j = i;
        let mut last_digit = i;
        while j < bytes.len() {
            let c = bytes[j].1;
            if let Some(d) = digit(c) {
                digits.push(d);
                last_digit = j;
                j += 1;
            } else if (c == ' ' || c == '-' || c == '.')
                && j + 1 < bytes.len()
                && digit(bytes[j + 1].1).is_some()
                && !digits.is_empty()
            {
                j += 1;
            } else {
                break;
            }
        }
        let mut end_idx = last_digit + 1;
        let mut id_tail_x = false;
        if digits.len() == 17
            && end_idx < bytes.len()
            && matches!(bytes[end_idx].1, 'X' | 'x' | 'Ｘ' | 'ｘ')
        {
            id_tail_x = true;
            end_idx += 1;
        }
        let preceded_by_letter = start > 0 && bytes[start - 1].1.is_ascii_alphabetic();
        let followed_by_letter = end_idx < bytes.len() && bytes[end_idx].1.is_ascii_alphanumeric();
        let mobile = |d: &[u8]| d.len() == 11 && d[0] == 1 && (3..=9).contains(&d[1]);
        // Err on the side of masking: phones and IDs count even written against letters
        // ("tel13800138000"), with the country code (+86, 0086), or as landlines with their
        // area code (0575-83012345); only bank-card-like runs beside letters are taken for
        // serial numbers.
        let kind = if mobile(&digits)
            || (digits.len() == 13 && digits[..2] == [8, 6] && mobile(&digits[2..]))
            || (digits.len() == 15 && digits[..4] == [0, 0, 8, 6] && mobile(&digits[4..]))
            || ((10..=12).contains(&digits.len()) && digits[0] == 0 && digits[1] != 0)
        {
            Some(PiiKind::Phone)
        } else if (digits.len() == 18 || (digits.len() == 17 && id_tail_x))
            && id_card_ok(&digits, id_tail_x)
        {
            Some(PiiKind::IdCard)
        } else if (digits.len() == 18 || (digits.len() == 17 && id_tail_x))
            && birth_date_plausible(&digits[6..14])
        {
            // A mistyped ID number is still someone's ID number: mask it too.
            Some(PiiKind::IdCard)
        } else if digits.len() == 15 && birth_date_plausible_short(&digits[6..12]) {
            // The first-generation (15-digit) card: area, YYMMDD, sequence.
            Some(PiiKind::IdCard)
        } else if (16..=19).contains(&digits.len())
            && luhn_ok(&digits)
            && !(preceded_by_letter || followed_by_letter)
        {
            Some(PiiKind::BankCard)
        } else {
            None
        };
        if let Some(kind) = kind {
            let s = bytes[start].0;
            let e = bytes.get(end_idx).map_or(text.len(), |b| b.0);
            out.push(PiiSpan {
                kind,
                start: s,
                end: e,
            });
        }
        i = end_idx.max(i + 1);
    }
    out
}

fn digit(c: char) -> Option<u8> {
    match c {
        '0'..='9' => Some(c as u8 - b'0'),
        '０'..='９' => Some((c as u32 - '０' as u32) as u8),
        _ => None,
    }
}

/// GB 11643-1999 check character over the first 17 digits.
fn id_card_ok(d: &[u8], tail_x: bool) -> bool {
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const CHECK: [u8; 11] = [1, 0, 10, 9, 8, 7, 6, 5, 4, 3, 2];
    let sum: u32 = d.iter().take(17).zip(W).map(|(&x, w)| x as u32 * w).sum();
    let expect = CHECK[(sum % 11) as usize];
    // Birth month sanity: digits 10–11 (0-based) are 01..12.
    let month = d[10] * 10 + d[11];
    if !(1..=12).contains(&month) {
        return false;
    }
    if tail_x {
        expect == 10
    } else {
        d.len() == 18 && expect == d[17]
    }
}

/// YYYYMMDD of a birth between 1900 and 2099.
fn birth_date_plausible(d: &[u8]) -> bool {
    let n = |a: usize, b: usize| d[a..b].iter().fold(0u32, |acc, x| acc * 10 + *x as u32);
    (1900..=2099).contains(&n(0, 4)) && (1..=12).contains(&n(4, 6)) && (1..=31).contains(&n(6, 8))
}

/// YYMMDD of a first-generation card.
fn birth_date_plausible_short(d: &[u8]) -> bool {
    let n = |a: usize, b: usize| d[a..b].iter().fold(0u32, |acc, x| acc * 10 + *x as u32);
    (1..=12).contains(&n(2, 4)) && (1..=31).contains(&n(4, 6))
}

fn luhn_ok(d: &[u8]) -> bool {
    let sum: u32 = d
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &x)| {
            let x = x as u32;
            if i % 2 == 1 {
                let y = x * 2;
                if y > 9 {
                    y - 9
                } else {
                    y
                }
            } else {
                x
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// `text` with personal data masked: a phone keeps its first three and last
/// four digits (138****8000), an ID card its first six and last four, a bank
/// card its last four.
pub fn mask(text: &str) -> String {
    let spans = find(text);
    if spans.is_empty() {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for s in spans {
        out.push_str(&text[at..s.start]);
        let chars: Vec<char> = text[s.start..s.end]
            .chars()
            .filter(|c| !matches!(c, ' ' | '-'))
            .collect();
        let (keep_head, keep_tail) = match s.kind {
            PiiKind::Phone => (3, 4),
            PiiKind::IdCard => (6, 4),
            PiiKind::BankCard => (0, 4),
        };
        for (i, c) in chars.iter().enumerate() {
            if i < keep_head || i >= chars.len() - keep_tail {
                out.push(*c);
            } else {
                out.push('*');
            }
        }
        at = s.end;
    }
    out.push_str(&text[at..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    // A syntactically valid, made-up ID number (checksum computed by the algorithm).
    const ID: &str = "11010519491231002X";

    #[test]
    fn masks_phones_ids_and_bank_cards() {
        let text =
            format!("我叫张三，电话13912345678，身份证{ID}，工资卡6222020200112233446没收到钱");
        let m = mask(&text);
        assert!(m.contains("139****5678"), "{m}");
        assert!(m.contains("110105********002X"), "{m}");
        assert!(m.contains("***************3446"), "{m}");
        assert!(!m.contains("13912345678"));
        let kinds: Vec<PiiKind> = find(&text).iter().map(|s| s.kind).collect();
        assert_eq!(
            kinds,
            vec![PiiKind::Phone, PiiKind::IdCard, PiiKind::BankCard]
        );
    }

    #[test]
    fn ignores_numbers_that_are_not_personal_data() {
        for text in [
            "2026年11月28日下午3点",
            "工单号 FQ20261128000123",
            "门牌号12345678901234567", // 17 digits, no X
            "金额 12345678901",        // 11 digits not starting 1[3-9]
            "订单12345678901234567890123",
            "6222020200112233445", // fails Luhn
        ] {
            assert!(find(text).is_empty(), "{text}: {:?}", find(text));
            assert_eq!(mask(text), text);
        }
    }

    #[test]
    fn ids_are_masked_even_with_a_wrong_check_digit_or_in_the_old_fifteen_digits() {
        // Err on the side of masking: a mistyped ID number is still someone's.
        for (text, kind) in [
            ("身份证110105194912310021", PiiKind::IdCard),
            ("330681199001011234", PiiKind::IdCard),
            ("老身份证 110105491231002", PiiKind::IdCard),
        ] {
            assert_eq!(find(text).first().map(|s| s.kind), Some(kind), "{text}");
        }
        assert!(
            find("订单号 123456789012345").is_empty(),
            "no plausible birth date"
        );
    }

    #[test]
    fn phones_are_found_however_they_are_written() {
        for text in [
            "+86 138 0013 8000",
            "0086-13800138000",
            "138.0013.8000",
            "tel13800138000",
            "电话13800138000转分机",
            "座机0575-83012345",
            "北京010-12345678",
        ] {
            assert_eq!(
                find(text).first().map(|s| s.kind),
                Some(PiiKind::Phone),
                "{text}"
            );
            assert!(
                !mask(text).contains("0013") && !mask(text).contains("8301"),
                "{text}"
            );
        }
    }

    #[test]
    fn handles_separators_full_width_and_edges() {
        assert_eq!(mask("138-0013-8000"), "138****8000");
        assert_eq!(mask("１３８００１３８０００"), "１３８****８０００");
        assert_eq!(mask("13800138000"), "138****8000");
        assert_eq!(mask(""), "");
        assert_eq!(mask("电话:13800138000。"), "电话:138****8000。");
    }
}
