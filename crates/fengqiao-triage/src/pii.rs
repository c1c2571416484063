//! Personal data in free text: mobile and landline phone numbers (in Arabic
//! or Chinese numerals), resident ID-card numbers (GB 11643; mistyped and
//! first-generation ones too), bank-card numbers (Luhn verified) and personal
//! names introduced as such. It errs on the side of masking.
//! [`mask`] hides them for viewers without the right to see them; the
//! stored text is never changed.

/// What kind of personal data a span holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PiiKind {
    Phone,
    IdCard,
    BankCard,
    /// A person's name; its surname stays visible ("张*").
    Name,
}

/// A span of personal data, in byte offsets of the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PiiSpan {
    pub kind: PiiKind,
    pub start: usize,
    pub end: usize,
}

/// Finds personal data in `text`, in order of position. Only whole runs of
/// digits count (a phone number inside a 20-digit serial is not a phone
/// number); digit runs may use full-width digits or Chinese numerals
/// (一三八…, 幺, 〇/零, and the financial 壹贰叁…), and spaces, hyphens or dots
/// between groups ("138-0013-8000"). Personal names are found after the words
/// that introduce them (我叫, 姓名, 联系人…); "张先生" is the customary masked form
/// and is left alone.
pub fn find(text: &str) -> Vec<PiiSpan> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut out = scan_numbers(text, &chars, Numerals::Arabic);
    // A second pass reads Chinese numerals too; it keeps only runs holding at least one
    // Chinese numeral that the first pass did not already cover.
    for span in scan_numbers(text, &chars, Numerals::WithChinese) {
        if !out.iter().any(|s| s.start < span.end && span.start < s.end) {
            out.push(span);
        }
    }
    for span in names(text, &chars) {
        if !out.iter().any(|s| s.start < span.end && span.start < s.end) {
            out.push(span);
        }
    }
    out.sort_by_key(|s| s.start);
    out
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Numerals {
    Arabic,
    WithChinese,
}

fn scan_numbers(text: &str, bytes: &[(usize, char)], numerals: Numerals) -> Vec<PiiSpan> {
    let digit = |c: char| match numerals {
        Numerals::Arabic => arabic_digit(c),
        Numerals::WithChinese => arabic_digit(c).or_else(|| chinese_digit(c)),
    };
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if digit(bytes[i].1).is_none() {
            i += 1;
            continue;
        }
        // A run of digits with single separators (space, hyphen or dot) between them;
        // an ID card may end in X.
        let start = i;
        let mut digits: Vec<u8> = Vec::new();
        let mut chinese = 0;
        let mut j = i;
        let mut last_digit = i;
        while j < bytes.len() {
            let c = bytes[j].1;
            if let Some(d) = digit(c) {
                digits.push(d);
                if arabic_digit(c).is_none() {
                    chinese += 1;
                }
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
        let kind = if numerals == Numerals::WithChinese && chinese == 0 {
            None
        } else {
            classify(&digits, id_tail_x, bytes, start, end_idx)
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

/// What a run of digits is, given its neighbours: `start..end` are indexes
/// into `chars`.
fn classify(
    digits: &[u8],
    id_tail_x: bool,
    chars: &[(usize, char)],
    start: usize,
    end: usize,
) -> Option<PiiKind> {
    let preceded_by_letter = start > 0 && chars[start - 1].1.is_ascii_alphabetic();
    let followed_by_letter = end < chars.len() && chars[end].1.is_ascii_alphanumeric();
    let mobile = |d: &[u8]| d.len() == 11 && d[0] == 1 && (3..=9).contains(&d[1]);
    // Err on the side of masking: phones and IDs count even written against letters
    // ("tel13800138000"), with the country code (+86, 0086), or as landlines with their
    // area code (0575-83012345) or without it (87654321); only bank-card-like runs beside
    // letters are taken for serial numbers.
    if mobile(digits)
        || (digits.len() == 13 && digits[..2] == [8, 6] && mobile(&digits[2..]))
        || (digits.len() == 15 && digits[..4] == [0, 0, 8, 6] && mobile(&digits[4..]))
        || ((10..=12).contains(&digits.len()) && digits[0] == 0 && digits[1] != 0)
        || local_landline(digits, chars, start, end)
    {
        Some(PiiKind::Phone)
    } else if (digits.len() == 18 || (digits.len() == 17 && id_tail_x))
        && id_card_ok(digits, id_tail_x)
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
        && luhn_ok(digits)
        && !(preceded_by_letter || followed_by_letter)
    {
        Some(PiiKind::BankCard)
    } else {
        None
    }
}

/// A local number without its area code: seven or eight digits starting 2–8
/// (Chinese local numbers never start 0, 1 or 9), unless the run reads as a
/// date (20261128) or as a quantity (12345678元, 2345678平方米).
fn local_landline(digits: &[u8], chars: &[(usize, char)], start: usize, end: usize) -> bool {
    if !(7..=8).contains(&digits.len()) || !(2..=8).contains(&digits[0]) {
        return false;
    }
    if digits.len() == 8 && birth_date_plausible(digits) {
        return false;
    }
    let before = start.checked_sub(1).map(|i| chars[i].1);
    if before.is_some_and(|c| matches!(c, '第' | '¥' | '￥' | '$' | '#' | '№')) {
        return false;
    }
    let after = chars.get(end).map(|c| c.1);
    !after.is_some_and(|c| QUANTITY_UNITS.contains(c) || c == '.' || c == '%')
}

/// Characters that make a number a quantity rather than a phone number.
const QUANTITY_UNITS: &str =
    "元块角万亿千百平米亩吨斤克升件人户个只头辆次天年月日号时分秒份张条套间栋层名位台字倍度条笔";

fn arabic_digit(c: char) -> Option<u8> {
    match c {
        '0'..='9' => Some(c as u8 - b'0'),
        '０'..='９' => Some((c as u32 - '０' as u32) as u8),
        _ => None,
    }
}

/// Chinese numerals as people dictate phone numbers: 幺 for one, 两 for two,
/// 〇 and 零 for zero, and the financial forms.
fn chinese_digit(c: char) -> Option<u8> {
    Some(match c {
        '〇' | '零' | 'Ｏ' => 0,
        '一' | '幺' | '壹' => 1,
        '二' | '两' | '贰' => 2,
        '三' | '叁' => 3,
        '四' | '肆' => 4,
        '五' | '伍' => 5,
        '六' | '陆' => 6,
        '七' | '柒' => 7,
        '八' | '捌' => 8,
        '九' | '玖' => 9,
        _ => return None,
    })
}

/// Words after which a person's name follows.
const NAME_CUES: [&str; 17] = [
    "我叫",
    "名叫",
    "叫做",
    "姓名",
    "名字是",
    "名字叫",
    "联系人",
    "反映人",
    "来电人",
    "报告人",
    "投诉人",
    "申请人",
    "户主",
    "业主",
    "当事人",
    "本人",
    "家属",
];

/// Single-character surnames, the commonest few hundred of the 百家姓 list
/// (they cover well over 95% of the population), and compound ones.
const SURNAMES: &str = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝";
const COMPOUND_SURNAMES: [&str; 10] = [
    "欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "尉迟", "公孙", "慕容", "令狐",
];

/// Characters that end a name: what follows a name in a sentence, not what is in one.
const AFTER_NAME: &str = "的在是了住家电手联今村说和与反称要想因从到把被向给也都就还又";

/// Forms of address after a surname: "张先生" is the customary masked form of a name.
const HONORIFICS: [&str; 14] = [
    "先生", "女士", "师傅", "老师", "大爷", "大妈", "大娘", "阿姨", "奶奶", "爷爷", "同志", "大姐",
    "大哥", "某",
];

/// Personal names after a cue word: "我叫张三，" → the span of "张三".
fn names(text: &str, chars: &[(usize, char)]) -> Vec<PiiSpan> {
    let mut out = Vec::new();
    for cue in NAME_CUES {
        for (at, _) in text.match_indices(cue) {
            let mut i = chars.partition_point(|c| c.0 < at + cue.len());
            // Skip a colon and spaces between the cue and the name.
            while i < chars.len() && matches!(chars[i].1, '：' | ':' | ' ' | '　' | '是') {
                i += 1;
            }
            let rest: String = chars[i..chars.len().min(i + 2)]
                .iter()
                .map(|c| c.1)
                .collect();
            let surname_len = if COMPOUND_SURNAMES.iter().any(|s| rest.starts_with(s)) {
                2
            } else if rest.chars().next().is_some_and(|c| SURNAMES.contains(c)) {
                1
            } else {
                continue;
            };
            let after = chars[(i + surname_len).min(chars.len())..].iter();
            let after_text: String = after.clone().take(2).map(|c| c.1).collect();
            if HONORIFICS.iter().any(|h| after_text.starts_with(h)) {
                continue;
            }
            let given = after
                .take(2)
                .take_while(|c| is_han(c.1) && !AFTER_NAME.contains(c.1))
                .count();
            if given == 0 {
                continue;
            }
            let end = i + surname_len + given;
            out.push(PiiSpan {
                kind: PiiKind::Name,
                start: chars[i].0,
                end: chars.get(end).map_or(text.len(), |c| c.0),
            });
        }
    }
    out.sort_by_key(|s| s.start);
    out.dedup_by(|b, a| a.start < b.end && b.start < a.end);
    out
}

fn is_han(c: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&c) || ('\u{3400}'..='\u{4dbf}').contains(&c)
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
            PiiKind::Name => (
                if COMPOUND_SURNAMES
                    .iter()
                    .any(|c| text[s.start..].starts_with(c))
                {
                    2
                } else {
                    1
                },
                0,
            ),
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
        assert!(m.contains("我叫张*，"), "{m}");
        assert!(m.contains("139****5678"), "{m}");
        assert!(m.contains("110105********002X"), "{m}");
        assert!(m.contains("***************3446"), "{m}");
        assert!(!m.contains("13912345678"));
        let kinds: Vec<PiiKind> = find(&text).iter().map(|s| s.kind).collect();
        assert_eq!(
            kinds,
            vec![
                PiiKind::Name,
                PiiKind::Phone,
                PiiKind::IdCard,
                PiiKind::BankCard
            ]
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
