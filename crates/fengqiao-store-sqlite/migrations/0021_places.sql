-- Places, their four-colour risk grade and its history, versioned checklists, inspections,
-- and hazards with their append-only history. Instants are UTC milliseconds.

CREATE TABLE places (
    id                INTEGER PRIMARY KEY,
    reg_no            TEXT    NOT NULL UNIQUE,
    name              TEXT    NOT NULL,
    kind              TEXT    NOT NULL,
    region_id         BIGINT  NOT NULL REFERENCES regions (id),
    region_path       TEXT    NOT NULL,
    address           TEXT,
    owner_name        TEXT,
    owner_phone       TEXT,
    latitude          DOUBLE PRECISION,
    longitude         DOUBLE PRECISION,
    color             TEXT    NOT NULL,
    last_inspected_at BIGINT,
    next_due_at       BIGINT  NOT NULL,
    registered_at     BIGINT  NOT NULL,
    version           BIGINT  NOT NULL DEFAULT 1
);
-- A grid's due list: its subtree, ordered by when each place is due.
CREATE INDEX places_due ON places (region_path, next_due_at);
CREATE INDEX places_kind ON places (kind, region_path);

CREATE TABLE place_color_changes (
    id            INTEGER PRIMARY KEY,
    place_id      BIGINT  NOT NULL REFERENCES places (id),
    from_color    TEXT,
    to_color      TEXT    NOT NULL,
    reason        TEXT    NOT NULL,
    remark        TEXT    NOT NULL,
    inspection_id BIGINT,
    hazard_id     BIGINT,
    actor_id      BIGINT,
    actor_name    TEXT    NOT NULL,
    at            BIGINT  NOT NULL
);
CREATE INDEX place_color_changes_place ON place_color_changes (place_id, id);
CREATE TRIGGER place_color_changes_no_update BEFORE UPDATE ON place_color_changes
BEGIN SELECT RAISE(ABORT, 'place_color_changes is append-only'); END;
CREATE TRIGGER place_color_changes_no_delete BEFORE DELETE ON place_color_changes
BEGIN SELECT RAISE(ABORT, 'place_color_changes is append-only'); END;

-- Inspection frequency: a kind's own rule (kind set) wins over the general one (kind '').
CREATE TABLE inspection_policy (
    kind          TEXT    NOT NULL,
    color         TEXT    NOT NULL,
    interval_days INTEGER NOT NULL,
    PRIMARY KEY (kind, color)
);

-- A kind's checklist at one version; a new version never changes an old one's items.
CREATE TABLE checklist_templates (
    id      INTEGER PRIMARY KEY,
    kind    TEXT    NOT NULL,
    version INTEGER NOT NULL,
    name    TEXT    NOT NULL,
    items   TEXT    NOT NULL, -- JSON: [{code, text, severity}]
    UNIQUE (kind, version)
);

CREATE TABLE inspections (
    id               INTEGER PRIMARY KEY,
    place_id         BIGINT  NOT NULL REFERENCES places (id),
    template_id      BIGINT  NOT NULL REFERENCES checklist_templates (id),
    inspector_id     BIGINT,
    inspector_name   TEXT    NOT NULL,
    inspected_at     BIGINT  NOT NULL,
    recorded_at      BIGINT  NOT NULL,
    answers          TEXT    NOT NULL, -- JSON: [{item_code, passed, note}]
    suggested_color  TEXT    NOT NULL,
    confirmed_color  TEXT    NOT NULL,
    applied_color    TEXT,             -- NULL: not applied (the place was re-graded meanwhile)
    conflict         TEXT,
    latitude         DOUBLE PRECISION,
    longitude        DOUBLE PRECISION,
    client_key       TEXT,
    fingerprint      TEXT
);
CREATE INDEX inspections_place ON inspections (place_id, inspected_at);
CREATE INDEX inspections_time ON inspections (inspected_at);
-- An inspection sent again from a phone (same person, same key) is stored once.
CREATE UNIQUE INDEX inspections_client_key ON inspections (inspector_name, inspector_id, client_key)
    WHERE client_key IS NOT NULL;

CREATE TABLE hazards (
    id            INTEGER PRIMARY KEY,
    place_id      BIGINT  NOT NULL REFERENCES places (id),
    region_path   TEXT    NOT NULL,
    inspection_id BIGINT  REFERENCES inspections (id),
    item_code     TEXT    NOT NULL,
    item_text     TEXT    NOT NULL,
    severity      TEXT    NOT NULL,
    description   TEXT    NOT NULL,
    state         TEXT    NOT NULL,
    owner_unit_id BIGINT  REFERENCES units (id),
    leader        TEXT,
    due_at        BIGINT,
    found_at      BIGINT  NOT NULL,
    found_by      TEXT    NOT NULL,
    rectified_at  BIGINT,
    signed_off_at BIGINT,
    relapse_of    BIGINT  REFERENCES hazards (id),
    evidence      INTEGER NOT NULL DEFAULT 0,
    version       BIGINT  NOT NULL DEFAULT 1
);
CREATE INDEX hazards_region ON hazards (region_path, state);
CREATE INDEX hazards_place_item ON hazards (place_id, item_code, signed_off_at);
CREATE INDEX hazards_owner ON hazards (owner_unit_id, state);

CREATE TABLE hazard_events (
    id         INTEGER PRIMARY KEY,
    hazard_id  BIGINT  NOT NULL REFERENCES hazards (id),
    action     TEXT    NOT NULL,
    from_state TEXT,
    to_state   TEXT    NOT NULL,
    actor_id   BIGINT,
    actor_name TEXT    NOT NULL,
    remark     TEXT,
    at         BIGINT  NOT NULL,
    on_time    BOOLEAN
);
CREATE INDEX hazard_events_hazard ON hazard_events (hazard_id, id);
CREATE TRIGGER hazard_events_no_update BEFORE UPDATE ON hazard_events
BEGIN SELECT RAISE(ABORT, 'hazard_events is append-only'); END;
CREATE TRIGGER hazard_events_no_delete BEFORE DELETE ON hazard_events
BEGIN SELECT RAISE(ABORT, 'hazard_events is append-only'); END;

-- Photos taken in the field: an inspection's, or a hazard's rectification evidence.
CREATE TABLE field_photos (
    id            INTEGER PRIMARY KEY,
    inspection_id BIGINT  REFERENCES inspections (id),
    hazard_id     BIGINT  REFERENCES hazards (id),
    region_path   TEXT    NOT NULL,
    content_type  TEXT    NOT NULL,
    bytes         BLOB    NOT NULL,
    latitude      DOUBLE PRECISION,
    longitude     DOUBLE PRECISION
);
CREATE INDEX field_photos_inspection ON field_photos (inspection_id);
CREATE INDEX field_photos_hazard ON field_photos (hazard_id);

-- The checklists every township starts from (version 1 of each kind).
INSERT INTO checklist_templates (kind, version, name, items) VALUES
('small_venue', 1, '九小场所消防安全检查', '[
 {"code":"exit","text":"安全出口、疏散通道畅通，未锁闭、未堵塞","severity":"major"},
 {"code":"living","text":"无“三合一”（生产经营与住人混用）","severity":"major"},
 {"code":"extinguisher","text":"灭火器配置到位且在有效期内","severity":"minor"},
 {"code":"wiring","text":"无私拉乱接电线、无电动车室内充电","severity":"minor"},
 {"code":"gas","text":"燃气瓶存放、管线连接符合要求","severity":"minor"},
 {"code":"license","text":"证照齐全并公示","severity":"minor"}]'),
('emitting_firm', 1, '涉气企业大气污染防治检查', '[
 {"code":"treatment","text":"废气治理设施正常运行","severity":"major"},
 {"code":"bypass","text":"无偷排、旁路直排","severity":"major"},
 {"code":"ledger","text":"运行台账记录完整","severity":"minor"},
 {"code":"dust","text":"物料堆场覆盖、无露天扬尘","severity":"minor"},
 {"code":"monitor","text":"在线监测设备正常联网","severity":"minor"}]'),
('building_site', 1, '建筑工地扬尘与安全检查', '[
 {"code":"fence","text":"围挡连续完整","severity":"minor"},
 {"code":"cover","text":"裸土、渣土覆盖到位","severity":"minor"},
 {"code":"wash","text":"出入口车辆冲洗设施运行","severity":"minor"},
 {"code":"spray","text":"雾炮、喷淋降尘设施运行","severity":"minor"},
 {"code":"scaffold","text":"脚手架、临边防护符合安全要求","severity":"major"}]'),
('restaurant', 1, '餐饮单位油烟与燃气检查', '[
 {"code":"fume","text":"油烟净化器安装并正常使用","severity":"minor"},
 {"code":"fume_clean","text":"油烟净化器定期清洗有记录","severity":"minor"},
 {"code":"gas_alarm","text":"燃气报警及切断装置有效","severity":"major"},
 {"code":"hose","text":"燃气软管无老化、无超长","severity":"major"},
 {"code":"hygiene","text":"后厨卫生、食品留样符合要求","severity":"minor"}]'),
('river_segment', 1, '河湖段巡查', '[
 {"code":"floating","text":"水面无漂浮物、无垃圾","severity":"minor"},
 {"code":"outfall","text":"无违法排污口、无异常排水","severity":"major"},
 {"code":"bank","text":"河岸无违章搭建、无乱堆乱放","severity":"minor"},
 {"code":"sign","text":"河长公示牌完好、信息准确","severity":"minor"}]'),
('village_point', 1, '人居环境点位检查', '[
 {"code":"rubbish","text":"垃圾桶清运及时、无满溢","severity":"minor"},
 {"code":"dumping","text":"无乱扔乱倒、无暴露垃圾","severity":"minor"},
 {"code":"ditch","text":"沟渠畅通、无积水黑臭","severity":"minor"},
 {"code":"stack","text":"无乱堆乱放、无违章搭建","severity":"minor"},
 {"code":"burning","text":"无露天焚烧","severity":"major"}]');
