//! Open311 requests: posting one, reading one or a page of them, their tokens, and the
//! updates clients read and post (mySociety's extensions).

use super::*;

pub(super) async fn post_request(
    app: &App,
    fmt: Fmt,
    p: &[(String, String)],
    photos: Vec<Vec<u8>>,
) -> O311 {
    let client = app
        .clients
        .for_key(param(p, "api_key"))
        .await
        .map_err(|e| Failure::from_app(fmt, e))?;
    let code =
        param(p, "service_code").ok_or_else(|| Failure::bad(fmt, "service_code is required"))?;
    let service = app
        .open311
        .service(code)
        .ok_or_else(|| Failure::new(fmt, StatusCode::NOT_FOUND, format!("no service {code}")))?;
    let number = |name: &str| -> Result<Option<f64>, Failure> {
        param(p, name)
            .map(|v| {
                v.parse::<f64>()
                    .ok()
                    .filter(|x| x.is_finite())
                    .ok_or_else(|| Failure::bad(fmt, format!("{name} must be a number")))
            })
            .transpose()
    };
    let (lat, long) = (number("lat")?, number("long")?);
    let address = param(p, "address_string");
    // We keep no address registry: an address id is kept as text when nothing else says where.
    // FixMyStreet sends "#NOTPINPOINTED#" for a report without a pin, which is no location.
    let address_id = param(p, "address_id").filter(|a| !a.eq_ignore_ascii_case("#NOTPINPOINTED#"));
    if lat.is_some() != long.is_some() {
        return Err(Failure::bad(fmt, "lat and long go together"));
    }
    if lat.is_none() && address.is_none() && address_id.is_none() {
        return Err(Failure::bad(
            fmt,
            "a location is required: lat and long, address_string or address_id",
        ));
    }
    let description = param(p, "description");
    if description.is_some_and(|d| d.chars().count() > 4000) {
        return Err(Failure::bad(
            fmt,
            "description is longer than 4000 characters",
        ));
    }
    let place = address
        .map(str::to_string)
        .or_else(|| address_id.map(|a| format!("地址编号 {a}")));
    let body = match description {
        Some(d) => d.to_string(),
        None => format!(
            "{}{}",
            service.category.name,
            place
                .as_deref()
                .map(|a| format!("（{a}）"))
                .unwrap_or_default()
        ),
    };
    let name = match (param(p, "last_name"), param(p, "first_name")) {
        (None, None) => None,
        (l, f) => Some(format!("{}{}", l.unwrap_or(""), f.unwrap_or(""))),
    };
    let input = IntakeInput {
        title: None,
        body,
        channel: None,
        category_id: Some(service.category.id.0),
        priority: None,
        region_id: None,
        address: place,
        latitude: lat,
        longitude: long,
        reporter_name: name,
        reporter_phone: param(p, "phone").map(str::to_string),
        idempotency_key: None,
        key_scope: None,
        attributes: attribute_answers(p),
        received_at: None,
        // `media_url` once (the spec) or repeated, also as `media_url[]` (FixMyStreet).
        media_urls: p
            .iter()
            .filter(|(k, v)| (k == "media_url" || k == "media_url[]") && !v.trim().is_empty())
            .map(|(_, v)| v.trim().to_string())
            .collect(),
        photos,
        // The app took the number down: one we cannot read is kept and flagged (GeoReport
        // makes the phone optional; the report must not be lost over it).
        relayed_phone: true,
    };
    let out = app
        .intake
        .submit_from_client(&client, input)
        .await
        .map_err(|e| Failure::from_app(fmt, e))?;
    Ok(Reply {
        fmt,
        status: StatusCode::CREATED,
        doc: Doc::List {
            root: "service_requests",
            item: "request",
            items: vec![json!({
                "service_request_id": out.case.case_no.to_string(),
                "service_notice": "已受理，将按时限办理",
            })],
        },
    })
}

/// `attribute[CODE]=v` and `attribute[CODE][]=v1&attribute[CODE][]=v2` as `(CODE, v)` pairs.
pub(super) fn attribute_answers(p: &[(String, String)]) -> Vec<(String, String)> {
    p.iter()
        .filter_map(|(k, v)| {
            let code = k.strip_prefix("attribute[")?;
            let code = code.strip_suffix("[]").unwrap_or(code).strip_suffix(']')?;
            Some((code.to_string(), v.clone()))
        })
        .collect()
}

/// A one-item list in the spec's envelope, or the spec's error.
pub(super) fn single(
    fmt: Fmt,
    root: &'static str,
    item: &'static str,
    found: Result<Value, AppError>,
) -> Response {
    match found {
        Ok(v) => ok(
            fmt,
            Doc::List {
                root,
                item,
                items: vec![v],
            },
        )
        .into_response(),
        Err(e) => Failure::from_app(fmt, e).into_response(),
    }
}

pub(super) async fn token(State(app): State<Arc<App>>, Path(file): Path<String>) -> Response {
    let (tok, fmt) = match format_of(&file) {
        Ok(x) => x,
        Err(r) => return r,
    };
    // Requests are registered synchronously, so a token is the request's own number.
    let found = app
        .open311
        .request(tok)
        .await
        .map(|c| json!({ "service_request_id": c.case_no.to_string(), "token": tok }));
    single(fmt, "service_requests", "request", found)
}

/// mySociety's `POST servicerequestupdates`: the reporter's update on a request, through the
/// client it used. The words join the case's history (补充诉求); "OPEN"/"REOPEN" on a finished
/// case is recorded as a request to reopen, which the centre decides. A retried `update_id`
/// returns the first answer.
pub(super) async fn post_update(app: &App, fmt: Fmt, p: &[(String, String)]) -> O311 {
    let client = app
        .clients
        .for_key(param(p, "api_key"))
        .await
        .map_err(|e| Failure::from_app(fmt, e))?;
    let required =
        |name: &str| param(p, name).ok_or_else(|| Failure::bad(fmt, format!("{name} is required")));
    let update_id = required("update_id")?;
    if update_id.chars().count() > 100 {
        return Err(Failure::bad(fmt, "update_id is longer than 100 characters"));
    }
    let request_id = required("service_request_id")?;
    let status = required("status")?;
    let intent = UpdateIntent::parse(status).ok_or_else(|| {
        Failure::bad(
            fmt,
            format!(
                "unknown status {status}; one of {}",
                UpdateIntent::STATUSES.join(", ")
            ),
        )
    })?;
    parse_time(fmt, "updated_datetime", Some(required("updated_datetime")?))?;
    // An update becomes a note in the case's history: a note's limit, not a request's.
    let description = required("description")?;
    let max = fengqiao_domain::limits::REMARK_MAX_CHARS;
    if description.chars().count() > max {
        return Err(Failure::bad(
            fmt,
            format!("description is longer than {max} characters"),
        ));
    }
    let id = app
        .open311
        .post_update(&client, request_id, update_id, intent, description)
        .await
        .map_err(|e| Failure::from_app(fmt, e))?;
    ok(
        fmt,
        Doc::List {
            root: "service_request_updates",
            item: "request_update",
            items: vec![json!({ "update_id": id.to_string() })],
        },
    )
}

/// `GET update_tokens/{token}`: updates are recorded at once, so the token is the update's id.
pub(super) async fn update_token(
    State(app): State<Arc<App>>,
    Path(file): Path<String>,
) -> Response {
    let (tok, fmt) = match format_of(&file) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let found = app
        .open311
        .update_token(tok)
        .await
        .map(|id| json!({ "update_id": id.to_string(), "token": tok }));
    single(fmt, "service_request_updates", "request_update", found)
}

/// A case as an Open311 request: no reporters, personal data masked, optional fields left out
/// rather than null.
pub(super) fn request_item(app: &App, c: &Case, media_url: Option<&String>) -> Value {
    let open = c.state.is_open();
    let mut m = Map::new();
    m.insert("service_request_id".into(), c.case_no.to_string().into());
    m.insert("status".into(), if open { "open" } else { "closed" }.into());
    if let Some(reply) = &c.handling.reply {
        m.insert(
            "status_notes".into(),
            fengqiao_triage::pii::mask(reply).into(),
        );
    } else if c.state == CaseState::Merged {
        m.insert(
            "status_notes".into(),
            "与其他诉求为同一问题，已合并办理".into(),
        );
    }
    if let Some(cat) = c.category_id {
        m.insert("service_code".into(), cat.0.to_string().into());
    }
    if let Some(name) = app.core.category_name(c.category_id) {
        m.insert("service_name".into(), name.into());
    }
    m.insert(
        "description".into(),
        fengqiao_triage::pii::mask(&c.text.body).into(),
    );
    if let Some(unit) = app.core.unit_name(c.handling.unit_id) {
        m.insert("agency_responsible".into(), unit.into());
    }
    m.insert("requested_datetime".into(), w3c(c.created_at).into());
    let updated = if open {
        c.updated_at
    } else {
        c.outcome.closed_at.unwrap_or(c.updated_at)
    };
    m.insert("updated_datetime".into(), w3c(updated).into());
    if let (Some(due), true) = (c.deadlines.reply_due, open) {
        m.insert("expected_datetime".into(), w3c(due).into());
    }
    if let Some(a) = &c.location.address {
        m.insert("address".into(), fengqiao_triage::pii::mask(a).into());
    }
    if let (Some(lat), Some(long)) = (c.location.latitude, c.location.longitude) {
        m.insert("lat".into(), lat.into());
        m.insert("long".into(), long.into());
    }
    if let Some(url) = media_url {
        m.insert("media_url".into(), url.clone().into());
    }
    Value::Object(m)
}

/// The common `extensions=true` fields (Chicago, Boston, SF): submitted attributes,
/// `extended_attributes` and the public history as `notes`.
pub(super) fn extend(x: fengqiao_app::Open311Extensions, item: &mut Value) {
    item["attributes"] = x
        .attributes
        .iter()
        .map(|(code, value)| json!({ "code": code, "value": value }))
        .collect();
    let mut ext = json!({ "channel": x.channel });
    if let Some(d) = x.duplicate_of {
        ext["duplicate"] = Value::String(d);
    }
    if let Some(p) = x.parent {
        ext["parent_service_request_id"] = Value::String(p);
    }
    if !x.photos.is_empty() {
        ext["photos"] = x.photos.into();
    }
    item["extended_attributes"] = ext;
    item["notes"] = x
        .notes
        .iter()
        .map(
            |(at, summary, kind)| json!({ "datetime": w3c(*at), "summary": summary, "type": kind }),
        )
        .collect();
}

pub(super) fn parse_time(
    fmt: Fmt,
    name: &str,
    v: Option<&str>,
) -> Result<Option<DateTime<Utc>>, Failure> {
    v.map(|v| {
        DateTime::parse_from_rfc3339(v)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|_| {
                Failure::bad(
                    fmt,
                    format!("{name} must be a W3C datetime with a zone, e.g. 2026-11-28T08:00:00Z"),
                )
            })
    })
    .transpose()
}

pub(super) async fn requests(app: &App, fmt: Fmt, p: &[(String, String)]) -> O311 {
    let mut filter = CaseFilter::default();
    let ids: Vec<String> = list_param(p, "service_request_id")
        .map(str::to_string)
        .collect();
    if !ids.is_empty() {
        // Overrides every other filter.
        filter.case_nos = ids;
        filter.page = 1;
        filter.page_size = fengqiao_domain::limits::PUBLIC_PAGE_SIZE_MAX;
    } else {
        for code in list_param(p, "service_code") {
            let id = code
                .parse::<i64>()
                .map_err(|_| Failure::bad(fmt, format!("unknown service_code {code}")))?;
            filter.category_ids.push(CategoryId(id));
        }
        let start = parse_time(fmt, "start_date", param(p, "start_date"))?;
        let end = parse_time(fmt, "end_date", param(p, "end_date"))?;
        let (start, end) = match (start, end) {
            (None, None) => (Some(app.core.now() - chrono::Duration::days(90)), None),
            (Some(s), None) => (Some(s), Some(s + chrono::Duration::days(90))),
            (None, Some(e)) => (Some(e - chrono::Duration::days(90)), Some(e)),
            (Some(s), Some(e)) => {
                if e < s {
                    return Err(Failure::bad(fmt, "end_date is before start_date"));
                }
                if e - s > chrono::Duration::days(90) {
                    return Err(Failure::bad(
                        fmt,
                        "start_date to end_date spans more than 90 days",
                    ));
                }
                (Some(s), Some(e))
            }
        };
        filter.created_from = start;
        filter.created_to = end;
        filter.updated_from = parse_time(fmt, "updated_after", param(p, "updated_after"))?;
        filter.updated_to = parse_time(fmt, "updated_before", param(p, "updated_before"))?;
        let mut states = Vec::new();
        for status in list_param(p, "status") {
            let wanted = states_for(status).ok_or_else(|| {
                Failure::bad(
                    fmt,
                    format!(
                        "unknown status {status}; use open or closed (or investigating, \
                         in_progress, action_scheduled, fixed, duplicate, unable_to_fix, \
                         not_councils_responsibility, no_further_action, internal_referral)"
                    ),
                )
            })?;
            for s in wanted {
                if !states.contains(&s) {
                    states.push(s);
                }
            }
        }
        filter.states = states;
        let page = match param(p, "page") {
            None => 1,
            Some(v) => v
                .parse::<u32>()
                .ok()
                .filter(|&n| n >= 1)
                .ok_or_else(|| Failure::bad(fmt, "page is a number from 1"))?,
        };
        let max = fengqiao_domain::limits::PUBLIC_PAGE_SIZE_MAX;
        let page_size = match param(p, "page_size") {
            None => max,
            Some(v) => v
                .parse::<u32>()
                .ok()
                .filter(|&n| (1..=max).contains(&n))
                .ok_or_else(|| {
                    Failure::bad(fmt, format!("page_size is a number from 1 to {max}"))
                })?,
        };
        filter.page = page;
        filter.page_size = page_size;
    }
    let page = app
        .open311
        .requests(filter)
        .await
        .map_err(|e| Failure::from_app(fmt, e))?;
    let extended = param(p, "extensions") == Some("true");
    let media = app
        .open311
        .media(&page.items)
        .await
        .map_err(|e| Failure::from_app(fmt, e))?;
    let mut extensions = if extended {
        app.open311
            .extensions(&page.items)
            .await
            .map_err(|e| Failure::from_app(fmt, e))?
    } else {
        Default::default()
    };
    let mut items = Vec::with_capacity(page.items.len());
    for c in &page.items {
        let mut item = request_item(app, c, media.get(&c.id));
        if let Some(x) = extensions.remove(&c.id) {
            extend(x, &mut item);
        }
        items.push(item);
    }
    ok(
        fmt,
        Doc::List {
            root: "service_requests",
            item: "request",
            items,
        },
    )
}

/// Most updates one `servicerequestupdates` answer holds.
const UPDATES_MAX: u32 = 10_000;

/// mySociety's `GET servicerequestupdates`: the public steps of requests between `start_date`
/// and `end_date` (default: the last 24 hours; at most 90 days), oldest first: all of them, or
/// 400 asking for a shorter window when there are more than 10,000.
pub(super) async fn updates(app: &App, fmt: Fmt, p: &[(String, String)]) -> O311 {
    let end = parse_time(fmt, "end_date", param(p, "end_date"))?.unwrap_or_else(|| app.core.now());
    let start = parse_time(fmt, "start_date", param(p, "start_date"))?
        .unwrap_or(end - chrono::Duration::hours(24));
    if end < start {
        return Err(Failure::bad(fmt, "end_date is before start_date"));
    }
    if end - start > chrono::Duration::days(90) {
        return Err(Failure::bad(
            fmt,
            "start_date to end_date spans more than 90 days",
        ));
    }
    // Every update in the window, or a refusal that says so: a list cut short would make a
    // poller that moves its window on lose updates without knowing.
    let list = app
        .open311
        .updates(
            start,
            end + chrono::Duration::milliseconds(1),
            UPDATES_MAX + 1,
        )
        .await
        .map_err(|e| Failure::from_app(fmt, e))?;
    if list.len() > UPDATES_MAX as usize {
        return Err(Failure::bad(
            fmt,
            format!(
                "more than {UPDATES_MAX} updates between start_date and end_date; ask for a \
                 shorter window (the {UPDATES_MAX}th is at {})",
                w3c(list[UPDATES_MAX as usize - 1].updated_datetime)
            ),
        ));
    }
    ok(
        fmt,
        Doc::List {
            root: "service_request_updates",
            item: "request_update",
            items: list
                .into_iter()
                .map(|u| {
                    json!({
                        "update_id": u.update_id.to_string(),
                        "service_request_id": u.service_request_id,
                        "status": u.status,
                        "updated_datetime": w3c(u.updated_datetime),
                        "description": u.description,
                    })
                })
                .collect(),
        },
    )
}

pub(super) async fn one_request(State(app): State<Arc<App>>, Path(file): Path<String>) -> Response {
    let (id, fmt) = match format_of(&file) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let found = match app.open311.request(id).await {
        Ok(c) => app
            .open311
            .media(std::slice::from_ref(&c))
            .await
            .map(|media| request_item(&app, &c, media.get(&c.id))),
        Err(e) => Err(e),
    };
    single(fmt, "service_requests", "request", found)
}

/// The cases a `status` filter selects: GeoReport's `open` and `closed`, and the extended
/// statuses FixMyStreet's Open311 clients send, in any letter case, with spaces or underscores.
fn states_for(status: &str) -> Option<Vec<CaseState>> {
    use CaseState::*;
    let open = || CaseState::ALL.iter().copied().filter(|s| s.is_open());
    Some(
        match status
            .trim()
            .to_ascii_lowercase()
            .replace([' ', '-'], "_")
            .as_str()
        {
            "open" | "reopened" | "confirmed" => open().collect(),
            "closed" => CaseState::ALL
                .iter()
                .copied()
                .filter(|s| !s.is_open())
                .collect(),
            // Not yet in a unit's hands.
            "investigating" => vec![Reported, Registered, Dispatched, ReturnRequested],
            // A unit has taken it on.
            "in_progress" | "action_scheduled" | "planned" => vec![Accepted, InProgress],
            // Answered: replied to, and whatever followed the reply.
            "fixed" => vec![Replied, Reviewed, FollowedUp, Closed, Archived],
            "duplicate" => vec![Merged],
            "unable_to_fix"
            | "not_councils_responsibility"
            | "no_further_action"
            | "internal_referral" => vec![Rejected],
            _ => return None,
        },
    )
}

#[cfg(test)]
mod status_tests {
    use super::*;

    #[test]
    fn extended_statuses_select_their_states_in_any_case() {
        assert_eq!(
            states_for("Action Scheduled"),
            Some(vec![CaseState::Accepted, CaseState::InProgress])
        );
        assert_eq!(states_for("FIXED").unwrap().len(), 5);
        assert_eq!(states_for("duplicate"), Some(vec![CaseState::Merged]));
        assert!(states_for("OPEN").unwrap().iter().all(|s| s.is_open()));
        assert!(states_for("closed").unwrap().iter().all(|s| !s.is_open()));
        assert_eq!(states_for("pending"), None);
    }
}
