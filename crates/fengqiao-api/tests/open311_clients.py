"""Open311 as clients nobody here wrote use it: reads through `georeport` (a GeoReport v2
client from PyPI, unmodified) in XML only, the way FixMyStreet reads; posts the way clients that
upload photos do (multipart/form-data, the photo as GeoReport v2.1's `media`); parses every
answer with a strict XML parser (expat, through xmltodict).

usage: open311_clients.py BASE_URL API_KEY SERVICE_CODE PHOTO.jpg
Prints each check; exits non-zero on the first one that fails."""
import sys

import requests
import xmltodict
from georeport import GeoReport

base, api_key, service_code, photo_path = sys.argv[1:5]
photo = open(photo_path, "rb").read()


def listed(value):
    """xmltodict gives one element as a dict and several as a list."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def check(what, ok, detail=""):
    print(("ok   " if ok else "FAIL ") + what + ("" if ok else f": {detail}"))
    if not ok:
        sys.exit(1)


client = GeoReport(base, api_key=api_key, output_format="xml")

services = listed(client.get_service_list())
check("services.xml lists the service", service_code in [s["service_code"] for s in services],
      services)
ours = next(s for s in services if s["service_code"] == service_code)
check("the service has its Chinese name", bool(ours.get("service_name")), ours)

# A resident's report from a phone app: the photo uploaded with the form, a number from
# abroad the app took down as typed, and text with characters XML 1.0 forbids (U+FFFE, a
# control character) that a careless keyboard or a copy from a document can carry.
fields = {
    "api_key": api_key,
    "service_code": service_code,
    "lat": "29.58",
    "long": "120.76",
    "description": "桥头那段路塌了\ufffe，晚上看不见\x01，很危险",
    "first_name": "建国",
    "last_name": "王",
    "phone": "111-111-1111",
}
r = requests.post(f"{base}/requests.xml", data=fields,
                  files={"media": ("pothole.jpg", photo, "image/jpeg")})
check("a multipart post with a photo is taken (201)", r.status_code == 201,
      f"{r.status_code} {r.text}")
check("the answer is XML", r.headers.get("content-type", "").startswith("text/xml"),
      r.headers.get("content-type"))
answer = listed(xmltodict.parse(r.content)["service_requests"]["request"])[0]
request_id = answer.get("service_request_id")
check("the answer names the new request", bool(request_id), answer)

one = client.get_service_request(request_id)
check("requests/{id}.xml reads back", one["service_request_id"] == request_id, one)
check("it is open", one["status"] == "open", one)
check("it carries its service", one["service_code"] == service_code, one)
description = one.get("description") or ""
check("the text is kept", "桥头那段路塌了" in description and "很危险" in description, description)
check("characters XML forbids are not sent",
      "\ufffe" not in description and "\x01" not in description, repr(description))
# The photo is kept with the case for the staff (it can show faces and number plates); the
# public list does not publish it, so no media_url points at it.
check("an uploaded photo is not published", "media_url" not in one, one)

open_ones = listed(client.get_service_requests(service_code=service_code, status="open"))
check("requests.xml filtered by service and status lists it",
      request_id in [x["service_request_id"] for x in open_ones], open_ones)
many = listed(client.get_service_requests(service_request_id=request_id))
check("requests.xml by id lists exactly it",
      [x["service_request_id"] for x in many] == [request_id], many)

# FixMyStreet polls the updates of every request in XML only.
u = requests.get(f"{base}/servicerequestupdates.xml",
                 params={"start_date": "2026-11-16T00:00:00Z",
                         "end_date": "2026-11-30T00:00:00Z"})
check("servicerequestupdates.xml answers", u.status_code == 200, f"{u.status_code} {u.text}")
updates = listed((xmltodict.parse(u.content)["service_request_updates"] or {})
                 .get("request_update"))
check("servicerequestupdates.xml has the new request's first step",
      request_id in [x["service_request_id"] for x in updates], u.text)

# A mistake is told in XML too, so an XML-only client can show why.
bad = requests.post(f"{base}/requests.xml", data={"api_key": api_key, "service_code": "999",
                                                   "lat": "29.58", "long": "120.76",
                                                   "description": "x"})
error = listed(xmltodict.parse(bad.content)["errors"]["error"])[0]
check("an unknown service is a 404 in XML", bad.status_code == 404 and error["code"] == "404",
      f"{bad.status_code} {bad.text}")
print("all Open311 client checks passed")
