//! The demo's field vocabulary: names of venues, firms and sites, what inspectors write when an
//! item fails, and the evidence photos (plain PNGs drawn here, nothing read from disk).

pub(super) const VENUES: &[&str] = &[
    "便民超市",
    "小吃店",
    "理发店",
    "五金店",
    "棋牌室",
    "农家旅馆",
    "面馆",
    "副食品店",
    "电动车修理铺",
    "小诊所",
    "水果店",
    "麻将馆",
    "家具作坊",
    "竹编作坊",
    "茶叶加工点",
    "网吧",
];
pub(super) const RESTAURANTS: &[&str] = &["农家乐", "土菜馆", "快餐店", "早餐店", "酒楼"];
pub(super) const POINTS: &[&str] = &[
    "垃圾收集点",
    "村口池塘",
    "文化礼堂周边",
    "老街巷道",
    "公厕周边",
];
pub(super) const FIRMS: &[&str] = &[
    "纺织印染有限公司",
    "竹木制品厂",
    "建材有限公司",
    "茶叶机械厂",
    "塑料制品有限公司",
];
pub(super) const SITES: &[&str] = &["安置房工地", "道路提升改造工地", "农房集中改建点"];
pub(super) const BRANDS: &[&str] = &[
    "恒达", "宏盛", "永兴", "华丰", "金利", "新源", "鑫达", "天成", "瑞丰", "众诚", "博远", "利民",
];
pub(super) const LEADERS: &[&str] = &[
    "分管副镇长 楼建华",
    "党委委员 金晓峰",
    "人武部长 俞永强",
    "副镇长 陈丽萍",
];

/// A small PNG of one colour (stored deflate blocks, real CRCs): the demo's evidence photos.
pub(super) fn demo_png(w: u32, h: u32, rgb: [u8; 3]) -> Vec<u8> {
    fn crc32(data: &[u8]) -> u32 {
        let mut c = 0xffff_ffffu32;
        for &b in data {
            c ^= b as u32;
            for _ in 0..8 {
                c = if c & 1 != 0 {
                    0xedb8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                };
            }
        }
        !c
    }
    fn chunk(out: &mut Vec<u8>, kind: &[u8], data: &[u8]) {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let mut body = kind.to_vec();
        body.extend_from_slice(data);
        out.extend_from_slice(&body);
        out.extend_from_slice(&crc32(&body).to_be_bytes());
    }
    let mut raw = Vec::new();
    for y in 0..h {
        raw.push(0);
        for x in 0..w {
            // A soft diagonal shade, so it reads as a picture rather than a swatch.
            let shade = ((x + y) * 40 / (w + h)) as u8;
            raw.extend_from_slice(&[
                rgb[0].saturating_sub(shade),
                rgb[1].saturating_sub(shade),
                rgb[2].saturating_sub(shade),
            ]);
        }
    }
    let mut z = vec![0x78, 0x01];
    for (i, block) in raw.chunks(65_535).enumerate() {
        let last = (i + 1) * 65_535 >= raw.len();
        z.push(last as u8);
        z.extend_from_slice(&(block.len() as u16).to_le_bytes());
        z.extend_from_slice(&(!(block.len() as u16)).to_le_bytes());
        z.extend_from_slice(block);
    }
    let (mut a, mut b) = (1u32, 0u32);
    for &x in &raw {
        a = (a + x as u32) % 65_521;
        b = (b + a) % 65_521;
    }
    z.extend_from_slice(&((b << 16) | a).to_be_bytes());
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&w.to_be_bytes());
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    chunk(&mut out, b"IHDR", &ihdr);
    chunk(&mut out, b"IDAT", &z);
    chunk(&mut out, b"IEND", &[]);
    out
}

/// What an inspector writes when an item fails.
pub(super) fn finding(code: &str, text: &str) -> String {
    let seen = match code {
        "exit" => "后门通道堆放纸箱，安全出口被锁",
        "living" => "二楼仓库内住人",
        "extinguisher" => "灭火器压力不足，已过有效期",
        "wiring" => "插线板串接，电动车在店内充电",
        "gas" => "液化气瓶放在灶台旁，未固定",
        "license" => "营业执照未在店内公示",
        "treatment" => "废气处理设施未开启",
        "bypass" => "发现一处旁路直排管道",
        "ledger" => "运行台账缺近两周记录",
        "dust" => "原料堆场未覆盖",
        "monitor" => "在线监测数据中断三天",
        "fence" => "东侧围挡缺口约 10 米",
        "cover" => "北侧裸土未覆盖",
        "wash" => "冲洗设施未运行，车辆带泥上路",
        "spray" => "雾炮未开启",
        "scaffold" => "脚手架临边无防护栏杆",
        "fume" => "油烟净化器未开启",
        "fume_clean" => "净化器清洗记录缺失",
        "gas_alarm" => "燃气报警器测试不响",
        "hose" => "燃气软管老化开裂",
        "hygiene" => "后厨地面油污，食品未留样",
        "floating" => "水面漂浮垃圾较多",
        "outfall" => "发现一处不明排水口",
        "bank" => "河岸堆放建筑垃圾",
        "sign" => "河长公示牌信息未更新",
        "rubbish" => "垃圾桶满溢未清运",
        "dumping" => "路边有暴露垃圾",
        "ditch" => "沟渠堵塞，有积水",
        "stack" => "房前屋后乱堆柴草",
        "burning" => "发现露天焚烧秸秆",
        _ => return format!("不符合要求：{text}"),
    };
    seen.to_string()
}

#[cfg(test)]
mod tests {
    #[test]
    fn demo_photos_are_pngs_the_photo_check_accepts() {
        let png = super::demo_png(160, 120, [150, 190, 160]);
        let p = fengqiao_app::formats::photo::parse(&png).expect("a valid PNG");
        assert_eq!(p.content_type, "image/png");
    }
}
