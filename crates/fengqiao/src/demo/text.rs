//! What residents write: messages assembled from independent clauses, with synonyms.

use super::*;

/// What follows from a problem, by top-level category: the clause citizens add to say why it
/// matters.
pub(super) fn consequences(parent: &str) -> &'static [&'static str] {
    match parent {
        "城乡建设" => &[
            "老人小孩出门很不安全",
            "车子开过去底盘都刮了",
            "下雨天根本没法走",
            "晚上已经有人摔倒过",
            "影响整个村的形象",
        ],
        "生态环境" => &[
            "气味熏得人没法开窗",
            "家里晾的衣服都是一股味道",
            "河里的鱼都死了不少",
            "孩子老是咳嗽",
            "田里的庄稼也受了影响",
        ],
        "安全生产" => &[
            "万一出事后果不堪设想",
            "周边住户都很担心",
            "存在很大的安全隐患",
            "去年附近就出过事故",
        ],
        "市场监管" => &[
            "消费者权益得不到保障",
            "买回去家里人吃了都不舒服",
            "商家态度很差还不认账",
            "周边老人上当的不少",
        ],
        "公用事业" => &[
            "一家老小生活很不方便",
            "做饭洗澡都成问题",
            "冰箱里的东西都坏了",
            "老人在家很受罪",
        ],
        "社会保障" => &[
            "家里经济很困难",
            "年纪大了跑不动了",
            "问了几次都说不清楚",
            "实在没有办法了",
        ],
        "农业农村" => &[
            "今年的收成要受影响",
            "损失好几千块钱",
            "村民们都很着急",
            "耽误了农时",
        ],
        "矛盾纠纷" => &[
            "两家已经吵了好几次",
            "怕闹出更大的事情",
            "村里调解过没有结果",
            "邻里关系搞得很僵",
        ],
        "交通运输" => &[
            "上下学的孩子很危险",
            "早晚高峰堵得走不动",
            "好几次差点撞上",
            "村民出行很不方便",
        ],
        "教育卫生" => &[
            "家长们意见很大",
            "孩子的身体吃不消",
            "看病要跑很远",
            "群众反映比较强烈",
        ],
        _ => &["希望能得到重视", "麻烦给个说法", "想问清楚怎么办理"],
    }
}

pub(super) const OPENERS: &[&str] = &[
    "",
    "",
    "",
    "您好，",
    "领导好！",
    "我要反映个事情：",
    "向政府反映一个情况，",
    "麻烦问一下，",
    "来电人反映：",
    "网格员巡查发现：",
    "群众来电称，",
];
pub(super) const SELVES: &[&str] = &[
    "我是{v}的村民，",
    "我家就住在{v}{s}边上，",
    "我们{v}几户人家一起反映，",
    "本人是{v}的老住户，",
    "",
    "",
    "",
];
pub(super) const TAILS: &[&str] = &[
    "",
    "",
    "",
    "",
    "联系电话{p}。",
    "有事可以打我电话{p}。",
    "我的电话是{p}，随时可以联系。",
];

/// Everyday variants people use for the same words; applied at random so one problem reads in
/// many ways.
pub(super) const SYNONYMS: &[(&str, &[&str])] = &[
    ("很", &["特别", "非常", "十分", "挺"]),
    ("坏了", &["出毛病了", "不行了", "损坏了"]),
    ("一直", &["始终", "老是", "总是"]),
    ("没有人", &["没人", "无人"]),
    ("附近", &["旁边", "周边", "边上"]),
    ("严重", &["厉害", "严重得很"]),
    ("希望", &["盼望", "请求", "恳请"]),
    ("晚上", &["夜里", "天黑后"]),
    ("垃圾", &["生活垃圾", "垃圾杂物"]),
    ("好几", &["好多", "几"]),
];

pub(super) fn reword(rng: &mut Rng, text: &str) -> String {
    let mut out = text.to_string();
    for (word, alts) in SYNONYMS {
        if out.contains(word) && rng.chance(0.5) {
            let alt = *rng.pick(alts);
            out = out.replacen(word, alt, 1);
        }
    }
    out
}

/// A citizen's message about `sub` in `village`, assembled from independent clauses (opener,
/// who is speaking, where, since when, the problem, why it matters, what they ask, contact) so
/// that no two messages read alike.
pub(super) fn message(rng: &mut Rng, village: &str, sub: &Sub) -> (String, String) {
    // Some callers say little the first time; the operator works out what it is about.
    if rng.chance(0.04) {
        let spot = rng.pick(SPOTS);
        let body = match rng.below(3) {
            0 => format!(
                "{}{village}{spot}的事情{}反映过了，到现在还是老样子，{}",
                rng.pick(OPENERS),
                rng.pick(TIMES),
                rng.pick(ASKS)
            ),
            1 => format!(
                "上次打电话说的那个问题还没人来处理，我住{village}，{}",
                rng.pick(ASKS)
            ),
            _ => format!("{village}村民来电，情绪比较激动，称问题拖了很久没人管，要求尽快给说法。"),
        };
        return (format!("{village}村民来电"), body);
    }
    let (title, body) = compose(rng, village, sub);
    // Now and then a second, smaller matter in the same message, as people write.
    let body = if rng.chance(0.12) {
        let other = rng.pick(SUBS);
        format!("{body}另外，{}，也请一并关注。", rng.pick(other.details))
    } else {
        body
    };
    (title, reword(rng, &body))
}

pub(super) fn compose(rng: &mut Rng, village: &str, sub: &Sub) -> (String, String) {
    let spot = rng.pick(SPOTS);
    let detail = rng.pick(sub.details);
    let time = rng.pick(TIMES);
    let ask = rng.pick(ASKS);
    let why = rng.pick(consequences(sub.parent));
    let opener = rng.pick(OPENERS);
    let phone = phone(rng);
    let contact = rng.pick(TAILS).replace("{p}", phone.as_str());
    // Personal matters happen to a person, not at a spot in the village.
    let personal =
        matches!(sub.parent, "社会保障" | "咨询建议" | "信访事项") || sub.name == "婚姻家庭";
    if personal {
        let body = match rng.below(4) {
            0 => format!("{opener}我是{village}村民，{detail}，{why}。{ask}{contact}"),
            1 => format!("{opener}{village}村民反映：{detail}，{time}多次联系无果，{why}。{ask}"),
            2 => format!("{opener}{detail}。本人住{village}，{why}，{ask}{contact}"),
            _ => format!("{opener}{time}，{detail}。{why}，{ask}"),
        };
        let title = match rng.below(3) {
            0 => format!("{village}村民{}诉求", sub.name),
            1 => format!("关于{}的求助", sub.name),
            _ => format!("反映{}问题", sub.name),
        };
        return (title, body);
    }
    let me = rng
        .pick(SELVES)
        .replace("{v}", village)
        .replace("{s}", spot);
    let body = match rng.below(6) {
        0 => format!("{opener}{village}{spot}{detail}，{time}都是这样，{why}。{ask}{contact}"),
        1 => format!("{opener}{me}{time}发现{spot}{detail}。{why}，{ask}"),
        2 => format!(
            "{opener}反映一个问题：{village}{spot}，{detail}。{time}一直没人管，{ask}{contact}"
        ),
        3 => format!("{opener}{time}，{village}{spot}{detail}，附近群众意见很大，{why}。{ask}"),
        4 => format!("{opener}{me}{detail}，地点在{village}{spot}。{why}！{ask}{contact}"),
        _ => format!("{opener}{village}{spot}：{detail}；{why}；{time}反映过，{ask}"),
    };
    let title = match rng.below(4) {
        0 => format!("{village}{}问题", sub.name),
        1 => format!("关于{village}{spot}{}的反映", sub.name),
        2 => format!("{spot}{}", sub.name),
        _ => {
            let short: String = detail.chars().take(12).collect();
            format!("{village}{short}")
        }
    };
    (title, body)
}

pub(super) fn phone(rng: &mut Rng) -> Phone {
    let prefix = rng.pick(&[
        "135", "136", "137", "138", "139", "150", "151", "158", "159", "188", "189", "133", "177",
    ]);
    Phone::parse(&format!("{prefix}{:08}", rng.next_u64() % 100_000_000))
        .expect("valid generated phone")
}
