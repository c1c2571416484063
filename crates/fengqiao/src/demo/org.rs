//! The township: its villages, grids, units, staff and category tree.

use super::*;

macro_rules! sub {
    ($p:literal, $n:literal, $u:literal, $pr:ident, [$($d:literal),+ $(,)?]) => {
        Sub { parent: $p, name: $n, unit: $u, priority: Priority::$pr, details: &[$($d),+] }
    };
}

pub(super) const TOWN: &str = "甘霖镇";

/// Villages and the community named in the seed document, then generated ones.
pub(super) const SEED_VILLAGES: &[&str] = &[
    "苍岩村",
    "施家岙村",
    "黄箭坂村",
    "长安村",
    "石道地村",
    "殿前村",
    "黄胜堂村",
];
pub(super) const GENERATED_VILLAGES: &[&str] =
    &["上湖村", "东山村", "溪滩村", "马家坞村", "丁家畈村"];
pub(super) const COMMUNITIES: &[&str] = &["两头门社区", "甘霖社区"];

/// The demo township's centre (its own, made-up place) and each village's offset from it in
/// kilometres east and north, in the order of the villages then the communities: the towns'
/// communities near the centre, the villages spread up the valleys around it.
const CENTRE: (f64, f64) = (29.612, 120.781);
const VILLAGE_OFFSETS_KM: &[(f64, f64)] = &[
    (-6.2, 4.1),
    (-3.8, -2.6),
    (4.9, 3.3),
    (2.7, -4.8),
    (-1.9, 6.4),
    (6.8, -1.2),
    (-5.1, -5.7),
    (1.2, 7.9),
    (8.4, 5.6),
    (-8.3, 0.6),
    (3.9, -8.1),
    (-2.4, -8.6),
    (0.6, 1.1),
    (-0.9, -0.7),
];

pub(super) struct Sub {
    pub(super) parent: &'static str,
    pub(super) name: &'static str,
    /// Unit name, or "" for the case's own village committee.
    pub(super) unit: &'static str,
    pub(super) priority: Priority,
    pub(super) details: &'static [&'static str],
}

pub(super) const SUBS: &[Sub] = &[
    sub!(
        "城乡建设",
        "道路破损",
        "农业农村办公室",
        Normal,
        [
            "水泥路面塌了一个大坑，电瓶车经过差点摔倒",
            "机耕路被工程车压坏，雨天全是泥浆",
            "桥面护栏松动，有一段已经断了",
            "路边排水沟盖板缺失，晚上看不清很危险"
        ]
    ),
    sub!(
        "城乡建设",
        "违章建筑",
        "综合行政执法队",
        Normal,
        [
            "有人在自家院子外违规搭建铁皮棚",
            "农田里新建了一幢没有审批的房子",
            "沿街店面私自加盖了一层",
            "河道边有人围地建仓库"
        ]
    ),
    sub!(
        "城乡建设",
        "路灯故障",
        "",
        Normal,
        [
            "路灯坏了半个多月一直不亮",
            "好几盏路灯白天亮晚上不亮",
            "新修的路还没装路灯，晚上漆黑一片"
        ]
    ),
    sub!(
        "城乡建设",
        "房屋安全",
        "应急管理办公室",
        Normal,
        [
            "隔壁老房子墙体开裂，随时可能倒塌",
            "危旧房屋没人住，屋顶瓦片往下掉",
            "房子后面山体有滑坡迹象"
        ]
    ),
    sub!(
        "生态环境",
        "垃圾清运",
        "",
        Normal,
        [
            "垃圾桶满了好几天没人清运，臭气熏天",
            "有人把建筑垃圾倒在路边",
            "分类垃圾桶被混装，保洁员也不管"
        ]
    ),
    sub!(
        "生态环境",
        "污水排放",
        "生态环境办公室",
        Normal,
        [
            "小作坊把污水直接排进溪里，水都变黑了",
            "化粪池满溢，污水流到路上",
            "养殖场废水排到农田里"
        ]
    ),
    sub!(
        "生态环境",
        "大气污染",
        "生态环境办公室",
        Normal,
        [
            "有人在田里焚烧秸秆，浓烟很大",
            "工厂晚上偷偷排放废气，味道刺鼻",
            "搅拌站扬尘严重，车辆不冲洗就上路"
        ]
    ),
    sub!(
        "生态环境",
        "噪音扰民",
        "平安法治办公室",
        Normal,
        [
            "工地半夜还在施工，吵得睡不着",
            "广场舞音响声音太大，一直放到很晚",
            "加工厂机器噪音很大，影响周边居民休息"
        ]
    ),
    sub!(
        "生态环境",
        "河道保洁",
        "农业农村办公室",
        Normal,
        [
            "河道里漂着很多垃圾和死鱼",
            "溪边杂草丛生，堆满了生活垃圾",
            "河面上水葫芦长满了，水流不通"
        ]
    ),
    sub!(
        "安全生产",
        "消防隐患",
        "应急管理办公室",
        Normal,
        [
            "楼道里堆满杂物，还有电瓶车在充电",
            "出租房消防通道被堵死了",
            "小工厂里灭火器都过期了"
        ]
    ),
    sub!(
        "安全生产",
        "九小场所",
        "应急管理办公室",
        Normal,
        [
            "小饭店的液化气瓶放在厨房门口没有固定",
            "小旅馆没有安全出口指示",
            "理发店里私拉电线，插座烧焦了"
        ]
    ),
    sub!(
        "安全生产",
        "施工安全",
        "应急管理办公室",
        Emergency,
        [
            "工地脚手架摇摇晃晃，工人没系安全带",
            "塔吊在居民楼上方作业",
            "施工围挡倒了，砸到了路边的车"
        ]
    ),
    sub!(
        "市场监管",
        "食品安全",
        "甘霖市场监督管理所",
        Normal,
        [
            "在菜市场买的猪肉有异味",
            "学校门口小摊卖的零食没有生产日期",
            "饭店后厨卫生很差，有老鼠"
        ]
    ),
    sub!(
        "市场监管",
        "价格欺诈",
        "甘霖市场监督管理所",
        Normal,
        [
            "超市标价和结账价格不一样",
            "加油站短斤少两",
            "节日期间农家乐乱收费"
        ]
    ),
    sub!(
        "公用事业",
        "停水",
        "社会事务办公室",
        Urgent,
        [
            "整个自然村已经停水一天了，也没有通知",
            "自来水发黄有沉淀，不敢喝",
            "水管爆了，水一直往外冒"
        ]
    ),
    sub!(
        "公用事业",
        "停电",
        "甘霖供电所",
        Urgent,
        [
            "村里突然停电，冰箱里东西都坏了",
            "电压不稳，家电经常跳闸",
            "电线杆倾斜，电线垂得很低"
        ]
    ),
    sub!(
        "社会保障",
        "低保救助",
        "社会事务办公室",
        Normal,
        [
            "家里老人生病没有收入，想申请低保",
            "残疾人补贴一直没有发放",
            "困难户危房改造补助迟迟没到"
        ]
    ),
    sub!(
        "社会保障",
        "养老保险",
        "社会事务办公室",
        Normal,
        [
            "城乡居民养老保险缴费查询不到",
            "老人的养老金这个月没到账",
            "想咨询补缴养老保险的政策"
        ]
    ),
    sub!(
        "社会保障",
        "欠薪",
        "平安法治办公室",
        Normal,
        [
            "在工地干了三个月，老板一直拖欠工资",
            "厂里拖欠工资两个月，老板找不到人",
            "装修队做完活不给结账"
        ]
    ),
    sub!(
        "农业农村",
        "农田水利",
        "农业农村办公室",
        Normal,
        [
            "灌溉渠堵塞，田里放不进水",
            "山塘堤坝有渗漏",
            "抽水泵站坏了，农田缺水"
        ]
    ),
    sub!(
        "农业农村",
        "动物防疫",
        "农业农村办公室",
        Normal,
        [
            "村里野狗很多，咬伤了小孩",
            "有人乱扔病死猪",
            "养鸡场附近苍蝇成群"
        ]
    ),
    sub!(
        "矛盾纠纷",
        "邻里纠纷",
        "",
        Normal,
        [
            "邻居建房占了我家的出路",
            "隔壁家的树挡住了我家采光，协商不成",
            "邻居家的排水管对着我家院子"
        ]
    ),
    sub!(
        "矛盾纠纷",
        "土地纠纷",
        "甘霖司法所",
        Normal,
        [
            "承包地边界和邻居有争议",
            "宅基地被别人占用",
            "土地流转合同到期后对方不退地"
        ]
    ),
    sub!(
        "矛盾纠纷",
        "婚姻家庭",
        "甘霖司法所",
        Normal,
        [
            "子女不履行赡养义务，老人生活困难",
            "兄弟之间因为分家产闹得很僵",
            "家庭矛盾激化，需要有人调解"
        ]
    ),
    sub!(
        "交通运输",
        "交通秩序",
        "甘霖派出所",
        Normal,
        [
            "学校门口上下学时段车辆乱停，很拥堵",
            "货车超载超速，路上很危险",
            "路口没有红绿灯，经常发生剐蹭"
        ]
    ),
    sub!(
        "交通运输",
        "占道经营",
        "综合行政执法队",
        Normal,
        [
            "早市摊贩占满了整条路",
            "店家把货物摆到了人行道上",
            "流动摊贩在路口卖水果，堵塞交通"
        ]
    ),
    sub!(
        "教育卫生",
        "教育服务",
        "社会事务办公室",
        Normal,
        [
            "孩子上学接送车不够，要等很久",
            "想咨询外地户籍孩子入学政策",
            "学校周边有网吧接待未成年人"
        ]
    ),
    sub!(
        "教育卫生",
        "医疗服务",
        "甘霖中心卫生院",
        Normal,
        [
            "卫生院看病排队时间太长",
            "家庭医生签约后一直没有上门",
            "疫苗接种预约不上"
        ]
    ),
    sub!(
        "咨询建议",
        "政策咨询",
        "党政综合办公室",
        Normal,
        [
            "想了解今年的种粮补贴政策",
            "咨询一下办理农村建房审批需要哪些材料",
            "想问问创业贷款贴息怎么申请"
        ]
    ),
    sub!(
        "信访事项",
        "初信初访",
        "甘霖司法所",
        Normal,
        [
            "多次反映征地补偿问题未得到解决，要求给个说法",
            "对村务公开有异议，要求公开集体资金使用情况",
            "反映村干部处理土地调整不公"
        ]
    ),
];

pub(super) const SPOTS: &[&str] = &[
    "村口",
    "文化礼堂旁边",
    "老街",
    "菜市场附近",
    "小学门口",
    "桥头",
    "溪边",
    "停车场",
    "祠堂前面",
    "村委会对面",
    "新村小区",
    "老年活动中心旁",
];
pub(super) const TIMES: &[&str] = &[
    "最近一周",
    "这几天",
    "昨天晚上开始",
    "每天早上",
    "近一个月来",
    "这个周末",
    "已经好长时间了",
    "前天",
];
pub(super) const ASKS: &[&str] = &[
    "希望尽快处理。",
    "请相关部门管一管。",
    "麻烦派人来看看。",
    "已经反映过一次了，还是没解决，请重视。",
    "影响很大，盼回复。",
    "请尽快给个答复，谢谢！",
    "希望政府帮忙协调解决。",
];
pub(super) const SURNAMES: &[&str] = &[
    "王", "李", "张", "陈", "钱", "周", "吴", "郑", "俞", "马", "袁", "竺", "尹", "黄", "金", "楼",
];
pub(super) const GIVEN: &[&str] = &[
    "建国", "秀英", "伟", "芳", "国强", "丽娟", "志明", "小燕", "海军", "桂花", "永林", "美华",
    "卫东", "玲", "杰", "春梅",
];

pub(super) struct Org {
    pub(super) town: Region,
    pub(super) villages: Vec<(Region, Vec<Region>, UnitId)>,
    pub(super) units: HashMap<&'static str, UnitId>,
    pub(super) categories: Vec<(CategoryId, &'static Sub)>,
    pub(super) petition_category: CategoryId,
    pub(super) actors: HashMap<UnitId, Actor>,
    pub(super) operators: Vec<Actor>,
    pub(super) leader: Actor,
    pub(super) logins: Vec<(String, String)>,
}

pub(super) async fn build_org(app: &Arc<App>) -> anyhow::Result<Org> {
    let sys = Actor::system();
    let town = app
        .admin
        .create_region(&sys, None, TOWN, RegionLevel::Town)
        .await?;
    let mut logins = Vec::new();
    let add_user =
        |username: String, name: String, role: Role, region: RegionId, unit: Option<UnitId>| {
            let app = app.clone();
            async move {
                let u = app
                    .admin
                    .create_user(
                        &Actor::system(),
                        &username,
                        &name,
                        DEMO_PASSWORD,
                        role,
                        region,
                        unit,
                    )
                    .await?;
                anyhow::Ok(u)
            }
        };
    let centre = app
        .admin
        .create_unit(&sys, "甘霖镇社会治理中心", UnitKind::Centre, None, town.id)
        .await?;
    let mut units = HashMap::new();
    let departments: &[(&str, UnitKind, Platform)] = &[
        (
            "党政综合办公室",
            UnitKind::Department,
            Platform::PartyBuilding,
        ),
        ("组织办公室", UnitKind::Department, Platform::PartyBuilding),
        (
            "经济发展办公室",
            UnitKind::Department,
            Platform::EconomyEcology,
        ),
        (
            "农业农村办公室",
            UnitKind::Department,
            Platform::EconomyEcology,
        ),
        (
            "生态环境办公室",
            UnitKind::Department,
            Platform::EconomyEcology,
        ),
        ("平安法治办公室", UnitKind::Department, Platform::SafetyLaw),
        ("应急管理办公室", UnitKind::Department, Platform::SafetyLaw),
        ("综合行政执法队", UnitKind::Department, Platform::SafetyLaw),
        ("甘霖派出所", UnitKind::Station, Platform::SafetyLaw),
        ("甘霖司法所", UnitKind::Station, Platform::SafetyLaw),
        ("甘霖市场监督管理所", UnitKind::Station, Platform::SafetyLaw),
        (
            "社会事务办公室",
            UnitKind::Department,
            Platform::PublicService,
        ),
        (
            "便民服务中心",
            UnitKind::Department,
            Platform::PublicService,
        ),
        ("甘霖供电所", UnitKind::Station, Platform::PublicService),
        ("甘霖中心卫生院", UnitKind::Station, Platform::PublicService),
    ];
    let mut actors = HashMap::new();
    let mut staff_logins = Vec::new();
    for (i, (name, kind, platform)) in departments.iter().enumerate() {
        let u = app
            .admin
            .create_unit(&sys, name, *kind, Some(*platform), town.id)
            .await?;
        units.insert(*name, u.id);
        let username = format!("dw{:02}", i + 1);
        let user = add_user(
            username.clone(),
            format!("{}经办人", name),
            Role::UnitStaff,
            town.id,
            Some(u.id),
        )
        .await?;
        actors.insert(u.id, app.core.actor_for(&user));
        staff_logins.push((username, format!("承办人员 · {name}")));
    }
    let mut villages = Vec::new();
    let names: Vec<(&str, RegionLevel)> = SEED_VILLAGES
        .iter()
        .chain(GENERATED_VILLAGES)
        .map(|v| (*v, RegionLevel::Village))
        .chain(COMMUNITIES.iter().map(|c| (*c, RegionLevel::Community)))
        .collect();
    let mut village_logins = Vec::new();
    for (vi, (name, level)) in names.iter().enumerate() {
        let v = app
            .admin
            .create_region(&sys, Some(town.id), name, *level)
            .await?;
        if let Some((east, north)) = VILLAGE_OFFSETS_KM.get(vi) {
            let lat = CENTRE.0 + north / 111.32;
            let lon = CENTRE.1 + east / (111.32 * CENTRE.0.to_radians().cos());
            app.map.set_centre(&sys, v.id, lat, lon).await?;
        }
        let committee = app
            .admin
            .create_unit(
                &sys,
                &format!(
                    "{name}{}",
                    if *level == RegionLevel::Community {
                        "居委会"
                    } else {
                        "村委会"
                    }
                ),
                UnitKind::VillageCommittee,
                None,
                v.id,
            )
            .await?;
        let username = format!("cun{:02}", vi + 1);
        let user = add_user(
            username.clone(),
            format!("{name}干部"),
            Role::UnitStaff,
            v.id,
            Some(committee.id),
        )
        .await?;
        actors.insert(committee.id, app.core.actor_for(&user));
        village_logins.push((username, format!("村（社区）干部 · {name}")));
        let mut grids = Vec::new();
        for g in 0..(2 + vi % 3) {
            let grid = app
                .admin
                .create_region(
                    &sys,
                    Some(v.id),
                    &format!("{name}第{}网格", ["一", "二", "三", "四"][g]),
                    RegionLevel::Grid,
                )
                .await?;
            let username = format!("wg{:02}{}", vi + 1, g + 1);
            add_user(
                username.clone(),
                format!("{}网格员", grid.name),
                Role::GridWorker,
                grid.id,
                Some(committee.id),
            )
            .await?;
            if vi == 0 && g == 0 {
                logins.push((username, format!("网格员 · {}", grid.name)));
            }
            grids.push(grid);
        }
        villages.push((v, grids, committee.id));
    }
    add_user(
        "admin".into(),
        "系统管理员".into(),
        Role::Admin,
        town.id,
        None,
    )
    .await?;
    let op1 = add_user(
        "zhongxin".into(),
        "治理中心受理员 俞晓".into(),
        Role::Operator,
        town.id,
        Some(centre.id),
    )
    .await?;
    let op2 = add_user(
        "zhongxin2".into(),
        "治理中心受理员 竺敏".into(),
        Role::Operator,
        town.id,
        Some(centre.id),
    )
    .await?;
    let leader = add_user(
        "lingdao".into(),
        "分管领导 袁书记".into(),
        Role::Leader,
        town.id,
        None,
    )
    .await?;
    logins.splice(
        0..0,
        [
            ("admin".to_string(), "系统管理员".to_string()),
            ("zhongxin".to_string(), "受理员（社会治理中心）".to_string()),
            ("lingdao".to_string(), "领导".to_string()),
        ],
    );
    logins.extend(
        staff_logins
            .into_iter()
            .filter(|(u, _)| ["dw04", "dw07", "dw11"].contains(&u.as_str())),
    );
    logins.extend(village_logins.into_iter().take(2));

    // The category tree, each leaf with its default unit and time limits.
    let mut parents: HashMap<&str, CategoryId> = HashMap::new();
    let mut categories = Vec::new();
    let mut petition_category = None;
    for sub in SUBS {
        let parent = match parents.get(sub.parent) {
            Some(p) => *p,
            None => {
                let c = app
                    .admin
                    .create_category(&sys, None, sub.parent, None, sub.parent == "信访事项")
                    .await?;
                parents.insert(sub.parent, c.id);
                c.id
            }
        };
        let unit = if sub.unit.is_empty() {
            None
        } else {
            Some(
                *units
                    .get(sub.unit)
                    .with_context(|| format!("unit {}", sub.unit))?,
            )
        };
        let c = app
            .admin
            .create_category(&sys, Some(parent), sub.name, unit, sub.parent == "信访事项")
            .await?;
        if sub.parent == "信访事项" {
            petition_category = Some(c.id);
        }
        categories.push((c.id, sub));
    }
    let petition_category = petition_category.context("petition category")?;
    // Time limits: general defaults, consultation 2 working days, petitions in calendar days.
    let rule = |category_id, priority, stage, amount, unit| TimePolicy {
        id: 0,
        category_id,
        priority,
        stage,
        limit: TimeLimit::new(amount, unit),
    };
    let policies = [
        rule(None, None, Stage::Accept, 1, LimitUnit::WorkingDays),
        rule(
            None,
            Some(Priority::Emergency),
            Stage::Accept,
            15,
            LimitUnit::Minutes,
        ),
        rule(
            None,
            Some(Priority::Urgent),
            Stage::Accept,
            30,
            LimitUnit::Minutes,
        ),
        rule(None, None, Stage::Return, 2, LimitUnit::WorkingDays),
        rule(None, None, Stage::Reply, 5, LimitUnit::WorkingDays),
        rule(
            None,
            Some(Priority::Emergency),
            Stage::Reply,
            24,
            LimitUnit::Hours,
        ),
        rule(None, None, Stage::FollowUp, 3, LimitUnit::WorkingDays),
        rule(
            Some(parents["咨询建议"]),
            None,
            Stage::Reply,
            2,
            LimitUnit::WorkingDays,
        ),
        rule(
            Some(parents["信访事项"]),
            None,
            Stage::Accept,
            15,
            LimitUnit::CalendarDays,
        ),
        rule(
            Some(parents["信访事项"]),
            None,
            Stage::Reply,
            60,
            LimitUnit::CalendarDays,
        ),
    ];
    for p in policies {
        app.admin.set_policy(&sys, p).await?;
    }
    Ok(Org {
        town,
        villages,
        units,
        categories,
        petition_category,
        actors,
        operators: vec![app.core.actor_for(&op1), app.core.actor_for(&op2)],
        leader: app.core.actor_for(&leader),
        logins,
    })
}
