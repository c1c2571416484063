"""Validates Open311 JSON payloads against the GeoReport v2 JSON Schemas (draft-04).

usage: open311_schemas.py SCHEMA_DIR SCHEMA PAYLOAD.json [SCHEMA PAYLOAD.json ...]
Exits 1 and prints every violation when a payload does not match its schema."""
import json
import pathlib
import sys

from jsonschema import Draft4Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

schema_dir = pathlib.Path(sys.argv[1])
registry = Registry().with_resources(
    (p.name, Resource.from_contents(json.loads(p.read_text()), default_specification=DRAFT4))
    for p in schema_dir.glob("*.json")
)
failed = False
args = sys.argv[2:]
for schema_name, payload_path in zip(args[::2], args[1::2]):
    schema = json.loads((schema_dir / schema_name).read_text())
    payload = json.loads(pathlib.Path(payload_path).read_text())
    errors = list(Draft4Validator(schema, registry=registry).iter_errors(payload))
    for e in errors:
        failed = True
        print(f"{payload_path} against {schema_name}: {list(e.absolute_path)}: {e.message}")
sys.exit(1 if failed else 0)
