//! The demo township: 甘霖镇 of the seed document, with its villages and community plus generated
//! ones, grids, the four platforms' units, staff of every role, a category tree written by us, and a
//! year of cases whose every step went through the real lifecycle (`decide`) on the real calendar.
//! Nothing here reads `../shared/`.

use anyhow::Context;
use chrono::{Duration, TimeZone};
use fengqiao_app::App;
use fengqiao_domain::calendar::Calendar;
use fengqiao_domain::case::{
    new_case, Case, CaseState, Channel, Event, Intake, Priority, Reporter, Satisfaction,
};
use fengqiao_domain::deadline::{LimitUnit, OverdueLevel, Stage, TimeLimit, TimePolicy};
use fengqiao_domain::ids::{CaseId, CategoryId, Phone, RegionId, UnitId};
use fengqiao_domain::lifecycle::{decide, overdue_change, Action, DecideContext};
use fengqiao_domain::org::{Actor, Category, Platform, Region, RegionLevel, Role, Unit, UnitKind};
use fengqiao_domain::{china_offset, Timestamp};
use fengqiao_store::CaseBundle;
use std::collections::HashMap;
use std::sync::Arc;

pub const DEMO_PASSWORD: &str = "fengqiao2026";

pub struct Summary {
    pub town: String,
    pub cases: usize,
    pub logins: Vec<(String, String)>,
    /// What triage learnt and did, for the banner.
    pub triage: String,
    /// The demo Open311 client's API key.
    pub open311_key: String,
}

/// A third-party app that already reports through Open311: a key, and a few of its reports.
async fn open311_client(app: &Arc<App>, rng: &mut Rng) -> anyhow::Result<String> {
    let (client, key) = app
        .clients
        .issue_key(&Actor::system(), "随手拍（演示 Open311 应用）")
        .await?;
    let services = app.open311.services();
    for (service_name, detail, address) in [
        (
            "路灯故障",
            "桥头的路灯杆被车撞歪了，灯也不亮了，随时可能倒下来",
            "苍岩村桥头",
        ),
        (
            "垃圾清运",
            "小区门口的垃圾桶满了好几天没人清运，招苍蝇",
            "甘霖社区新村小区门口",
        ),
        (
            "道路破损",
            "溪边道路的护栏断了一截，路面也裂开了，孩子们经常在那里玩，很危险",
            "上湖村溪边",
        ),
    ] {
        let Some(service) = services.iter().find(|s| s.category.name == service_name) else {
            continue;
        };
        // The app hosts its users' photos itself (.example: a demo address, never fetched).
        let photo = |n: u32| format!("https://photos.suishoupai.example/{n}.jpg");
        let out = app
            .intake
            .submit_from_client(
                &client,
                fengqiao_app::IntakeInput {
                    media_urls: match service_name {
                        "路灯故障" => vec![photo(1041), photo(1042)],
                        "道路破损" => vec![photo(2207)],
                        _ => Vec::new(),
                    },
                    body: detail.to_string(),
                    category_id: Some(service.category.id.0),
                    address: Some(format!("{TOWN}{address}")),
                    latitude: Some(29.55 + rng.unit() * 0.08),
                    longitude: Some(120.72 + rng.unit() * 0.10),
                    reporter_name: Some(format!("{}{}", rng.pick(SURNAMES), rng.pick(GIVEN))),
                    reporter_phone: Some(phone(rng).as_str().to_string()),
                    ..Default::default()
                },
            )
            .await?;
        // The reporter adds to the road report through the app (mySociety update).
        if service_name == "道路破损" {
            app.open311
                .post_update(
                    &client,
                    out.case.case_no.as_str(),
                    "ssp-update-1",
                    fengqiao_app::UpdateIntent::Note,
                    "今天又有一辆电瓶车在断护栏那里摔了，请尽快处理",
                )
                .await?;
        }
    }
    Ok(key)
}

/// The demo's classifier learns from the demo's own history: the most recent categorised cases
/// (the generator's messages, nothing from outside), cross-validated first so the model carries
/// its figures.
async fn train_triage(app: &Arc<App>) -> anyhow::Result<String> {
    app.triage.reload().await?;
    let labelled = app.triage.labelled_cases(&Actor::system()).await?;
    let recent = labelled.len().saturating_sub(6000);
    let rows: Vec<(String, String, String)> = labelled[recent..]
        .iter()
        .map(|c| (c.title.clone(), c.body.clone(), c.category_id.0.to_string()))
        .collect();
    if rows.len() < 100 {
        return Ok("工单太少，未训练分类模型".into());
    }
    let actor = Actor {
        name: "演示数据".into(),
        ..Actor::system()
    };
    let n = rows.len();
    let out = app
        .triage
        .train_and_store(
            &actor,
            rows,
            "演示工单库（近期人工分类的工单）".into(),
            Some(3),
        )
        .await?;
    Ok(format!(
        "分类模型 v{}：{} 件工单训练，{} 个类别，3 折交叉验证 macro-F1 {:.3}",
        out.model.version,
        n,
        out.model.labels.len(),
        out.macro_f1.unwrap_or_default()
    ))
}

/// SplitMix64: small, fast, reproducible.
pub struct Rng(u64);
impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
    pub fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }
    pub fn minutes(&mut self, lo: i64, hi: i64) -> Duration {
        Duration::minutes(lo + self.below((hi - lo).max(1) as usize) as i64)
    }
}

const TOWN: &str = "甘霖镇";
/// Villages and the community named in the seed document, then generated ones.
const SEED_VILLAGES: &[&str] = &[
    "苍岩村",
    "施家岙村",
    "黄箭坂村",
    "长安村",
    "石道地村",
    "殿前村",
    "黄胜堂村",
];
const GENERATED_VILLAGES: &[&str] = &["上湖村", "东山村", "溪滩村", "马家坞村", "丁家畈村"];
const COMMUNITIES: &[&str] = &["两头门社区", "甘霖社区"];

struct Sub {
    parent: &'static str,
    name: &'static str,
    /// Unit name, or "" for the case's own village committee.
    unit: &'static str,
    priority: Priority,
    details: &'static [&'static str],
}

macro_rules! sub {
    ($p:literal, $n:literal, $u:literal, $pr:ident, [$($d:literal),+ $(,)?]) => {
        Sub { parent: $p, name: $n, unit: $u, priority: Priority::$pr, details: &[$($d),+] }
    };
}

const SUBS: &[Sub] = &[
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

const SPOTS: &[&str] = &[
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
const TIMES: &[&str] = &[
    "最近一周",
    "这几天",
    "昨天晚上开始",
    "每天早上",
    "近一个月来",
    "这个周末",
    "已经好长时间了",
    "前天",
];
const ASKS: &[&str] = &[
    "希望尽快处理。",
    "请相关部门管一管。",
    "麻烦派人来看看。",
    "已经反映过一次了，还是没解决，请重视。",
    "影响很大，盼回复。",
    "请尽快给个答复，谢谢！",
    "希望政府帮忙协调解决。",
];
const SURNAMES: &[&str] = &[
    "王", "李", "张", "陈", "钱", "周", "吴", "郑", "俞", "马", "袁", "竺", "尹", "黄", "金", "楼",
];
const GIVEN: &[&str] = &[
    "建国", "秀英", "伟", "芳", "国强", "丽娟", "志明", "小燕", "海军", "桂花", "永林", "美华",
    "卫东", "玲", "杰", "春梅",
];

struct Org {
    town: Region,
    villages: Vec<(Region, Vec<Region>, UnitId)>,
    units: HashMap<&'static str, UnitId>,
    categories: Vec<(CategoryId, &'static Sub)>,
    petition_category: CategoryId,
    actors: HashMap<UnitId, Actor>,
    operators: Vec<Actor>,
    leader: Actor,
    logins: Vec<(String, String)>,
}

async fn build_org(app: &Arc<App>) -> anyhow::Result<Org> {
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

/// Simulates one case's life up to `now` through the real lifecycle.
struct Sim<'a> {
    now: Timestamp,
    calendar: &'a Calendar,
    policies: &'a [TimePolicy],
    categories: &'a [Category],
    units: &'a [Unit],
}

impl Sim<'_> {
    /// Applies `action` at `at` through the real lifecycle. `Ok(false)` when `at` is still in the
    /// future (the case stops where it is); a refusal is a bug in the simulation and an error.
    fn step(
        &self,
        case: &mut Case,
        events: &mut Vec<Event>,
        actor: &Actor,
        at: Timestamp,
        action: Action,
    ) -> anyhow::Result<bool> {
        if at > self.now {
            return Ok(false);
        }
        let units_exist = action
            .referenced_unit()
            .is_none_or(|u| self.units.iter().any(|x| x.id == u));
        let ctx = DecideContext {
            policies: self.policies,
            categories: self.categories,
            units_exist,
            ..DecideContext::new(at, actor, self.calendar)
        };
        let kind = action.kind();
        let d = decide(case, &action, &ctx)
            .with_context(|| format!("demo case {} refused {}", case.case_no, kind.as_str()))?;
        events.push(Event::from_draft(
            case.id,
            &d.event,
            actor.user_id,
            &actor.name,
            at,
        ));
        *case = d.case;
        case.version += 1;
        Ok(true)
    }
}

fn random_instant(rng: &mut Rng, now: Timestamp) -> Timestamp {
    let day = rng.below(365) as i64;
    // Most reports arrive in the daytime.
    let hour = *rng.pick(&[
        7, 8, 8, 9, 9, 9, 10, 10, 10, 11, 11, 13, 14, 14, 15, 15, 16, 16, 17, 18, 19, 20, 21, 22,
    ]);
    let local = (now - Duration::days(day + 1))
        .with_timezone(&china_offset())
        .date_naive();
    let t = china_offset()
        .from_local_datetime(
            &local
                .and_hms_opt(hour, rng.below(60) as u32, rng.below(60) as u32)
                .unwrap(),
        )
        .single()
        .unwrap()
        .with_timezone(&chrono::Utc);
    t.min(now - Duration::minutes(5))
}

fn phone(rng: &mut Rng) -> Phone {
    let prefix = rng.pick(&[
        "135", "136", "137", "138", "139", "150", "151", "158", "159", "188", "189", "133", "177",
    ]);
    Phone::parse(&format!("{prefix}{:08}", rng.next_u64() % 100_000_000))
        .expect("valid generated phone")
}

/// What follows from a problem, by top-level category: the clause citizens add to say why it
/// matters.
fn consequences(parent: &str) -> &'static [&'static str] {
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

const OPENERS: &[&str] = &[
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
const SELVES: &[&str] = &[
    "我是{v}的村民，",
    "我家就住在{v}{s}边上，",
    "我们{v}几户人家一起反映，",
    "本人是{v}的老住户，",
    "",
    "",
    "",
];
const TAILS: &[&str] = &[
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
const SYNONYMS: &[(&str, &[&str])] = &[
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

fn reword(rng: &mut Rng, text: &str) -> String {
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
fn message(rng: &mut Rng, village: &str, sub: &Sub) -> (String, String) {
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

fn compose(rng: &mut Rng, village: &str, sub: &Sub) -> (String, String) {
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

pub async fn build(app: &Arc<App>, n_cases: usize, seed: u64) -> anyhow::Result<Summary> {
    let org = build_org(app).await?;
    let mut rng = Rng::new(seed);
    let now = app.core.now();
    let calendar = app.core.calendar();
    let (policies, categories, units) =
        (app.core.policies(), app.core.categories(), app.core.units());
    let sim = Sim {
        now,
        calendar: &calendar,
        policies: &policies,
        categories: &categories,
        units: &units,
    };
    let system = Actor::system();
    let channels: &[(Channel, u32)] = &[
        (Channel::Hotline, 35),
        (Channel::CitizenQr, 20),
        (Channel::CitizenWeb, 15),
        (Channel::GridPatrol, 18),
        (Channel::Inspection, 5),
        (Channel::ServiceCounter, 4),
        (Channel::PetitionDesk, 3),
    ];
    let channel_total: u32 = channels.iter().map(|c| c.1).sum();
    let mut created: Vec<Timestamp> = (0..n_cases)
        .map(|_| random_instant(&mut rng, now))
        .collect();
    created.sort();
    let mut batch = Vec::with_capacity(5000);
    for (i, created_at) in created.into_iter().enumerate() {
        let id = CaseId(i as i64 + 1);
        let mut pick = rng.below(channel_total as usize) as u32;
        let channel = channels
            .iter()
            .find(|(_, w)| {
                if pick < *w {
                    true
                } else {
                    pick -= w;
                    false
                }
            })
            .map(|c| c.0)
            .unwrap();
        let (cat_id, sub) = if channel == Channel::PetitionDesk {
            (
                org.petition_category,
                org.categories
                    .iter()
                    .find(|(c, _)| *c == org.petition_category)
                    .unwrap()
                    .1,
            )
        } else {
            let (c, s) = *rng.pick(&org.categories);
            if s.parent == "信访事项" {
                *org.categories.first().unwrap()
            } else {
                (c, s)
            }
        };
        let (village, grids, committee) = rng.pick(&org.villages);
        let grid = rng.pick(grids);
        let (title, body) = message(&mut rng, &village.name, sub);
        let staff_channel = matches!(channel, Channel::GridPatrol | Channel::Inspection);
        let mut case = new_case(
            id,
            Intake {
                category_id: staff_channel.then_some(cat_id),
                region_id: Some(grid.id),
                region_path: Some(grid.path.clone()),
                address: Some(format!("{TOWN}{}{}", village.name, rng.pick(SPOTS))),
                latitude: Some(29.55 + rng.unit() * 0.08),
                longitude: Some(120.72 + rng.unit() * 0.10),
                ..Intake::text(title, body, channel)
            },
            created_at,
        );
        let reporter = Reporter {
            name: Some(format!("{}{}", rng.pick(SURNAMES), rng.pick(GIVEN))),
            phone: Some(phone(&mut rng)),
            channel,
            reported_at: created_at,
            original_case_id: id,
        };
        let mut events = vec![Event::intake(
            &case,
            None,
            reporter.name.as_deref().unwrap_or("群众"),
        )];
        let op = rng.pick(&org.operators).clone();
        let unit = if sub.unit.is_empty() {
            *committee
        } else {
            org.units[sub.unit]
        };
        let staff = org.actors[&unit].clone();
        let priority = if sub.priority == Priority::Normal && rng.chance(0.01) {
            Priority::Urgent
        } else {
            sub.priority
        };
        let mut t = created_at + rng.minutes(5, 180);
        simulate(
            &sim,
            &mut rng,
            &mut case,
            &mut events,
            &op,
            &staff,
            &org,
            cat_id,
            priority,
            unit,
            &mut t,
        )?;
        // Overlays as the scheduler and leaders would have left them.
        if let Some(level) = overdue_change(&case, now, 0.8) {
            sim.step(
                &mut case,
                &mut events,
                &system,
                now,
                Action::MarkOverdue { level },
            )?;
        }
        if case.overdue_level == OverdueLevel::Red {
            sim.step(
                &mut case,
                &mut events,
                &system,
                now,
                Action::Urge {
                    remark: Some("已超过办理时限，系统自动催办".into()),
                },
            )?;
            if rng.chance(0.5) {
                sim.step(
                    &mut case,
                    &mut events,
                    &system,
                    now,
                    Action::Supervise {
                        remark: Some("超时未办结，系统自动提请督办".into()),
                    },
                )?;
            }
            if rng.chance(0.1) {
                sim.step(
                    &mut case,
                    &mut events,
                    &org.leader,
                    now,
                    Action::ListedSupervision {
                        remark: Some("群众反映强烈，挂牌督办".into()),
                    },
                )?;
            }
        } else if case.state.is_timed() && rng.chance(0.03) {
            sim.step(
                &mut case,
                &mut events,
                &org.leader,
                now,
                Action::Urge {
                    remark: Some("请抓紧办理".into()),
                },
            )?;
        }
        batch.push(CaseBundle {
            case,
            reporters: vec![reporter],
            tasks: vec![],
            events,
            idempotency_key: None,
        });
        if batch.len() == 5000 {
            app.admin
                .load_history(&Actor::system(), std::mem::take(&mut batch))
                .await?;
        }
    }
    if !batch.is_empty() {
        app.admin.load_history(&Actor::system(), batch).await?;
    }
    let triage = train_triage(app).await?;
    live_actions(app, &org, &mut rng).await?;
    let open311_key = open311_client(app, &mut rng).await?;
    Ok(Summary {
        town: org.town.name.clone(),
        cases: n_cases,
        logins: org.logins,
        triage,
        open311_key,
    })
}

#[allow(clippy::too_many_arguments)]
fn simulate(
    sim: &Sim,
    rng: &mut Rng,
    case: &mut Case,
    ev: &mut Vec<Event>,
    op: &Actor,
    staff: &Actor,
    org: &Org,
    cat: CategoryId,
    priority: Priority,
    unit: UnitId,
    t: &mut Timestamp,
) -> anyhow::Result<()> {
    let hours = |rng: &mut Rng, lo: i64, hi: i64| rng.minutes(lo * 60, hi * 60);
    if !sim.step(
        case,
        ev,
        op,
        *t,
        Action::Register {
            category_id: Some(cat),
            priority: Some(priority),
            region_id: None,
            remark: None,
        },
    )? {
        return Ok(());
    }
    *t += rng.minutes(5, 60);
    if rng.chance(0.03) {
        sim.step(
            case,
            ev,
            op,
            *t,
            Action::RejectIntake {
                reason: "不属于本级受理范围，已告知其向有关部门反映".into(),
            },
        )?;
        return Ok(());
    }
    if rng.chance(0.06) {
        sim.step(
            case,
            ev,
            op,
            *t,
            Action::AnswerDirectly {
                reply: "经查询相关政策，已当场电话答复，群众表示理解。".into(),
            },
        )?;
        return Ok(());
    }
    if !sim.step(
        case,
        ev,
        op,
        *t,
        Action::Dispatch {
            unit_id: unit,
            co_units: vec![],
            remark: None,
        },
    )? {
        return Ok(());
    }
    let mut staff = staff.clone();
    if rng.chance(0.05) {
        *t += hours(rng, 1, 20);
        if !sim.step(
            case,
            ev,
            &staff,
            *t,
            Action::RequestReturn {
                reason: "该事项不属于本单位职责范围".into(),
            },
        )? {
            return Ok(());
        }
        *t += hours(rng, 1, 6);
        if rng.chance(0.5) {
            if !sim.step(
                case,
                ev,
                op,
                *t,
                Action::DenyReturn {
                    reason: "经核实属于该单位职责，请按时办理".into(),
                },
            )? {
                return Ok(());
            }
        } else {
            let other = *rng.pick(
                &org.actors
                    .keys()
                    .copied()
                    .filter(|u| *u != unit)
                    .collect::<Vec<_>>(),
            );
            if !sim.step(
                case,
                ev,
                op,
                *t,
                Action::Reassign {
                    unit_id: other,
                    remark: Some("改派至职责单位".into()),
                },
            )? {
                return Ok(());
            }
            staff = org.actors[&other].clone();
        }
    }
    for round in 0..2 {
        let accept_due = case.accept_due.unwrap_or(*t);
        *t = if rng.chance(0.07) {
            accept_due + hours(rng, 1, 72)
        } else {
            *t + (accept_due - *t).max(Duration::minutes(2)) * (rng.below(80) as i32 + 5) / 100
        };
        if !sim.step(case, ev, &staff, *t, Action::Accept { remark: None })? {
            return Ok(());
        }
        *t += rng.minutes(10, 600);
        if !sim.step(
            case,
            ev,
            &staff,
            *t,
            Action::Handle {
                remark: Some("已安排人员到现场核实".into()),
            },
        )? {
            return Ok(());
        }
        // Extensions are asked for before the due date, as the rules require.
        let ask_at = *t + hours(rng, 2, 30);
        if rng.chance(0.05) && case.reply_due.is_some_and(|due| ask_at < due) {
            *t = ask_at;
            if !sim.step(
                case,
                ev,
                &staff,
                *t,
                Action::RequestExtension {
                    days: 1 + rng.below(5) as u32,
                    reason: "需协调多个部门，现场整改需要时间".into(),
                },
            )? {
                return Ok(());
            }
            *t += hours(rng, 1, 8);
            let decision = if rng.chance(0.8) {
                Action::ApproveExtension { remark: None }
            } else {
                Action::DenyExtension {
                    reason: "请按原时限办结".into(),
                }
            };
            if !sim.step(case, ev, &org.leader, *t, decision)? {
                return Ok(());
            }
        }
        let reply_due = case.reply_due.unwrap_or(*t);
        *t = if rng.chance(0.03) {
            // A stalled case: the unit sits on it for weeks.
            reply_due + hours(rng, 48, 500)
        } else if rng.chance(0.09) {
            reply_due + hours(rng, 2, 120)
        } else {
            *t + (reply_due - *t).max(Duration::minutes(30)) * (rng.below(85) as i32 + 10) / 100
        };
        let reply = format!(
            "经现场核实，{}，已处理完毕并向诉求人反馈。",
            rng.pick(&[
                "问题已整改到位",
                "已协调相关单位解决",
                "已责令当事人限期整改，整改完成",
                "已按政策予以解答并落实",
                "已组织调解，双方达成一致"
            ])
        );
        if !sim.step(case, ev, &staff, *t, Action::Reply { content: reply })? {
            return Ok(());
        }
        *t += hours(rng, 1, 20);
        if rng.chance(0.03) {
            if !sim.step(
                case,
                ev,
                op,
                *t,
                Action::ReviewFail {
                    reason: "答复内容过于简单，请补充处理结果".into(),
                },
            )? {
                return Ok(());
            }
            *t += hours(rng, 2, 24);
            if !sim.step(
                case,
                ev,
                &staff,
                *t,
                Action::Reply {
                    content: "已补充：现场整改照片已上传，问题已彻底解决。".into(),
                },
            )? {
                return Ok(());
            }
            *t += hours(rng, 1, 10);
        }
        if !sim.step(case, ev, op, *t, Action::ReviewPass { remark: None })? {
            return Ok(());
        }
        *t += hours(rng, 4, 60);
        let r = rng.unit();
        let satisfaction = if r < 0.78 {
            Satisfaction::Satisfied
        } else if r < 0.90 {
            Satisfaction::BasicallySatisfied
        } else if r < 0.97 {
            Satisfaction::Unsatisfied
        } else {
            Satisfaction::NoRating
        };
        let at_fault = satisfaction == Satisfaction::Unsatisfied && round == 0 && rng.chance(0.5);
        if !sim.step(
            case,
            ev,
            op,
            *t,
            Action::FollowUp {
                satisfaction,
                unit_at_fault: at_fault,
                remark: None,
            },
        )? {
            return Ok(());
        }
        *t += hours(rng, 1, 24);
        if at_fault {
            if !sim.step(
                case,
                ev,
                op,
                *t,
                Action::Reopen {
                    reason: "群众不满意，经核实承办单位处置不到位，重新办理".into(),
                },
            )? {
                return Ok(());
            }
            continue;
        }
        break;
    }
    if !sim.step(case, ev, op, *t, Action::Close { remark: None })? {
        return Ok(());
    }
    *t += Duration::days(30);
    sim.step(case, ev, op, *t, Action::Archive { remark: None })?;
    Ok(())
}

/// A few of today's structural actions through the full service (merge, sub-dispatch, joint
/// handling), so they exist in the demo exactly as the API makes them.
async fn live_actions(app: &Arc<App>, org: &Org, rng: &mut Rng) -> anyhow::Result<()> {
    use fengqiao_domain::lifecycle::CoUnit;
    use fengqiao_store::CaseFilter;
    let op = &org.operators[0];
    let page = |states: Vec<CaseState>| CaseFilter {
        states,
        page: 1,
        page_size: 60,
        ..Default::default()
    };
    // Today's new reports, waiting in the operator's queue; some repeat an open case through
    // another channel and are merged into it.
    let open = app
        .queries
        .records(
            &Actor::system(),
            CaseFilter {
                created_from: Some(app.core.now() - Duration::days(20)),
                ..page(vec![
                    CaseState::Dispatched,
                    CaseState::Accepted,
                    CaseState::InProgress,
                ])
            },
        )
        .await?
        .items;
    let mut registered = Vec::new();
    for i in 0..40 {
        let (c, sub) = *rng.pick(&org.categories);
        let (village, grids, _) = rng.pick(&org.villages);
        let repeat = open.get(i).filter(|_| i < 10);
        let (title, body) = match repeat {
            Some(o) => (o.title.clone(), format!("{}（又一位群众反映）", o.body)),
            None => message(rng, &village.name, sub),
        };
        let channel = *rng.pick(&["citizen_qr", "citizen_web", "hotline"]);
        let citizen = Actor::citizen("群众");
        let via = if channel == "hotline" { op } else { &citizen };
        let input = fengqiao_app::IntakeInput {
            title: Some(title),
            body,
            channel: Some(channel.to_string()),
            region_id: Some(
                repeat
                    .and_then(|o| o.region_id)
                    .unwrap_or(rng.pick(grids).id)
                    .0,
            ),
            reporter_name: Some(format!("{}{}", rng.pick(SURNAMES), rng.pick(GIVEN))),
            reporter_phone: Some(phone(rng).as_str().to_string()),
            ..Default::default()
        };
        let out = app.intake.submit(via, input).await?;
        if out.case.state != CaseState::Reported {
            // Triage was confident and dispatched it already.
            continue;
        }
        match repeat {
            Some(o) if i < 8 => {
                app.actions
                    .act(
                        op,
                        out.case.id,
                        Action::Register {
                            category_id: o.category_id,
                            priority: None,
                            region_id: None,
                            remark: None,
                        },
                    )
                    .await?;
                app.actions
                    .act(
                        op,
                        out.case.id,
                        Action::Merge {
                            into: o.id,
                            remark: Some("同一问题多渠道反映".into()),
                        },
                    )
                    .await?;
            }
            _ if i >= 30 => {
                let c = app
                    .actions
                    .act(
                        op,
                        out.case.id,
                        Action::Register {
                            category_id: Some(c),
                            priority: None,
                            region_id: None,
                            remark: None,
                        },
                    )
                    .await?;
                registered.push(c);
            }
            _ => {}
        }
    }
    // A hot spot in the making: this morning one village reports dead fish in its stream,
    // through every channel, in everyone's own words.
    let (village, grids, _) = &org.villages[1];
    let v = &village.name;
    let reports = [
        format!("{v}溪边的小溪里漂着好多死鱼，溪水发黑发臭"),
        format!("今天早上{v}那条溪里全是死鱼，水又黑又臭，是不是上游有人偷排污水"),
        format!("{v}溪水发黑发臭，死鱼漂了一大片，气味熏得人没法开窗"),
        format!("反映{v}溪里死鱼的问题，水很臭，颜色发黑，请环保部门来查一查"),
        format!("{v}的溪水突然变黑，岸边都是死鱼，臭味很大"),
        format!("又有人说{v}溪里死鱼越来越多了，水发黑发臭，希望尽快查清源头"),
    ];
    for (k, body) in reports.into_iter().enumerate() {
        let channel = [
            "hotline",
            "citizen_qr",
            "citizen_web",
            "grid_patrol",
            "hotline",
            "citizen_qr",
        ][k];
        let citizen = Actor::citizen("群众");
        let via = match channel {
            "hotline" | "grid_patrol" => op,
            _ => &citizen,
        };
        app.intake
            .submit(
                via,
                fengqiao_app::IntakeInput {
                    title: Some(format!("{v}溪里死鱼")),
                    body,
                    channel: Some(channel.to_string()),
                    region_id: Some(grids[k % grids.len()].id.0),
                    reporter_name: Some(format!("{}{}", rng.pick(SURNAMES), rng.pick(GIVEN))),
                    reporter_phone: Some(phone(rng).as_str().to_string()),
                    ..Default::default()
                },
            )
            .await?;
    }
    // Sub-dispatch and joint handling on cases a township office is working on.
    let working = app
        .queries
        .records(
            &Actor::system(),
            page(vec![CaseState::Accepted, CaseState::InProgress]),
        )
        .await?
        .items;
    // Only cases still inside their limit: a child's deadline must fall before the parent's.
    let now = app.core.now();
    let in_time = working
        .iter()
        .filter(|c| c.reply_due.is_some_and(|d| d > now + Duration::hours(2)));
    for case in in_time.take(10) {
        let Some(unit) = case.unit_id else { continue };
        let Some(staff) = org.actors.get(&unit) else {
            continue;
        };
        let (_, _, committee) = rng.pick(&org.villages);
        if *committee == unit {
            continue;
        }
        app.actions
            .act(
                staff,
                case.id,
                Action::SubDispatch {
                    unit_id: *committee,
                    instructions: "请村里配合现场核查并反馈情况".into(),
                    due_at: None,
                },
            )
            .await?;
    }
    for (dup, _) in registered.iter().zip(0..6) {
        let lead = org.units["综合行政执法队"];
        let co = org.units["生态环境办公室"];
        app.actions
            .act(
                op,
                dup.id,
                Action::Dispatch {
                    unit_id: lead,
                    co_units: vec![CoUnit {
                        unit_id: co,
                        instructions: "请配合开展环境执法检查".into(),
                        due_at: None,
                    }],
                    remark: Some("联合办理".into()),
                },
            )
            .await?;
    }
    let tick = app.scheduler.tick().await?;
    anyhow::ensure!(
        tick.errors == 0,
        "the scheduler failed on {} demo cases",
        tick.errors
    );
    Ok(())
}
