"""Bad input never answers 5xx: a corpus of hostile values sent to every operation of both services.

Every write of the API (from `app.openapi()`) gets a valid-ish body built from its schema, with one
corpus value at a time put into each of its fields; every operation of both services gets the corpus in
each query parameter and path parameter; whole-body attacks (10,000-deep nesting, invalid UTF-8, wrong
content types) go to every body. Each answer must be below 500, and every 4xx a problem+json.

Unlike the schemathesis run, the values are chosen, not generated: each class of bad input (NUL, lone
surrogates, C0/C1 controls, overlong text, non-ASCII digits, huge numbers, deep nesting, invalid UTF-8)
reaches every field of every operation, with the rest of the body valid so the value reaches the database.
"""

import copy
import json
import logging
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from fastapi import FastAPI

from shared.contract.base import FORBIDDEN_TEXT_MESSAGE
from tests.analytics.conftest import analytics
from tests.api.conftest import Actor, MakeOrg, admin, create_plan, eps, make_key, make_org

__all__ = ["admin", "analytics", "eps", "make_key", "make_org"]

DEPTH = 10_000
PLANTED_NAME = "Eduvigis Plantada Zúñiga"
PLANTED_DOCUMENT = "7391846205"
OVERLONG = "x" * 1_000_000

# One value per class of bad text; each goes into every string field, query parameter and path parameter.
TEXT_CORPUS: dict[str, str] = {
    "nul": "antes\x00después",
    "surrogate": "a\ud800b",  # json.dumps writes it as the escape "\ud800", as a hostile client would
    "low_surrogate": "\udfff",
    "c0": "tab\tbien, campana\x07 y escape\x1b[31m",
    "c1": "next line\x85, csi\x9b",
    "del": "borrar\x7f",
    "superscript_digits": "²⁰²⁶",
    "arabic_digits": "٢٠٢٦-٠٣",
    "fullwidth_digits": "１１００１",
    # A person's data inside a bad value: the logs of the run are searched for it afterwards.
    "planted_person": f"{PLANTED_NAME} {PLANTED_DOCUMENT}\x00 diagnóstico",
}
# Overlong text is costly (1 MB a request): sent once per field of each body, not per key.
OVERLONG_CLASS = "overlong"

# Raw JSON put in place of a number (or of a text: a field must refuse a number it does not expect).
RAW_NUMBERS: dict[str, str] = {
    "float_overflow": "1e400",
    "int_overflow": "1" + "0" * 400,
    "negative_overflow": "-1e400",
    "superscript_text": json.dumps("²"),
    "arabic_digit_text": json.dumps("٣"),
    "deep_value": "[" * DEPTH + "]" * DEPTH,
}

WRONG_CONTENT_TYPES = ("text/plain", "application/xml", "application/x-www-form-urlencoded", "multipart/form-data")

_RAW = "\x1eRAW\x1e"  # a text no body holds, replaced by raw JSON after serialisation


def _some(corpus: dict[str, str], index: int, full: bool) -> list[tuple[str, str]]:
    items = list(corpus.items())
    return items if full else items[index % 3 :: 3]


def _escaped(value: str) -> str:
    # surrogatepass: a lone surrogate goes as the bytes a careless client would send (%ED%A0%80).
    return quote(value.encode("utf-8", "surrogatepass"), safe="")


def _problem_or_success(response: httpx.Response, what: str) -> None:
    assert response.status_code < 500, f"{what} → {response.status_code}: {response.text[:500]}"
    if 400 <= response.status_code < 500:
        media_type = response.headers.get("content-type", "")
        assert media_type.startswith("application/problem+json"), f"{what} → {response.status_code} {media_type}"
        body = response.json()
        assert body["status"] == response.status_code, what


# --- bodies from the schema -------------------------------------------------------------------------------


@dataclass
class Ids:
    """Real ids of the records the corpus runs against, by the name of the field or parameter."""

    by_name: dict[str, str] = field(default_factory=dict)

    def for_name(self, name: str) -> str:
        return self.by_name.get(name, str(uuid.uuid4()))


_PATTERN_CANDIDATES = ("a", "A01", "M01", "11001", "05", "01", "2026-03", "2026S1", "830113831-0", "0" * 64)


class Schemas:
    def __init__(self, spec: dict[str, Any], ids: Ids) -> None:
        self.components: dict[str, Any] = spec.get("components", {}).get("schemas", {})
        self.ids = ids

    def resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema:
            schema = self.components[schema["$ref"].rsplit("/", 1)[-1]]
        return schema

    def non_null(self, schema: dict[str, Any]) -> dict[str, Any]:
        """The first non-null branch of an `anyOf` (optional fields), resolved."""
        schema = self.resolve(schema)
        for branch in schema.get("anyOf", []):
            if self.resolve(branch).get("type") != "null":
                return self.non_null(branch)
        return schema

    def sample(self, schema: dict[str, Any], name: str = "") -> Any:
        """A valid-ish value: the model's example, or one built from the schema (required fields only)."""
        schema = self.non_null(schema)
        if "examples" in schema and isinstance(schema["examples"], list) and schema["examples"]:
            return self.with_ids(copy.deepcopy(schema["examples"][0]))
        if "enum" in schema:
            return schema["enum"][0]
        if "const" in schema:
            return schema["const"]
        kind = schema.get("type")
        if kind == "object" or "properties" in schema:
            properties = schema.get("properties", {})
            return {key: self.sample(properties[key], key) for key in schema.get("required", [])}
        if kind == "array":
            minimum = schema.get("minItems", 0)
            return [self.sample(schema.get("items", {}), name) for _ in range(max(minimum, 1 if minimum else 0))]
        if kind == "integer":
            return int(schema.get("minimum", 1))
        if kind == "number":
            return schema.get("minimum", 1)
        if kind == "boolean":
            return True
        if kind == "string":
            return self.text_sample(schema, name)
        return None

    def text_sample(self, schema: dict[str, Any], name: str) -> str:
        if schema.get("format") == "uuid" or name.endswith("_id"):
            return self.ids.for_name(name)
        if schema.get("format") == "date":
            return "2026-03-02"
        if schema.get("format") == "date-time":
            return "2026-03-02T10:00:00-05:00"
        pattern = schema.get("pattern")
        if pattern:
            return next((c for c in _PATTERN_CANDIDATES if re.search(pattern, c)), "a")
        return "texto"

    def with_ids(self, value: Any, name: str = "") -> Any:
        """An example with its ids replaced by real ones (the examples carry made-up UUIDs)."""
        if isinstance(value, dict):
            return {key: self.with_ids(item, key) for key, item in value.items()}
        if isinstance(value, list):
            return [self.with_ids(item, name) for item in value]
        if isinstance(value, str) and (name.endswith("_id") or name == "id"):
            return self.ids.for_name(name)
        return value

    def leaves(self, schema: dict[str, Any], path: tuple[str | int, ...] = ()) -> Iterator[tuple[tuple[Any, ...], str]]:
        """Every scalar field of a body schema, optional ones included: (path, JSON type)."""
        schema = self.non_null(schema)
        if len(path) > 8:
            return
        if schema.get("type") == "object" or "properties" in schema:
            for key, sub in schema.get("properties", {}).items():
                yield from self.leaves(sub, (*path, key))
        elif schema.get("type") == "array":
            yield from self.leaves(schema.get("items", {}), (*path, 0))
        elif "enum" in schema or schema.get("type") in ("string", "integer", "number", "boolean"):
            yield path, "string" if "enum" in schema else schema.get("type", "string")

    def body_with(self, schema: dict[str, Any], base: Any, path: tuple[Any, ...], value: Any) -> Any:
        """`base` with `value` at `path`, creating the missing parents from the schema's samples."""
        body = copy.deepcopy(base)
        container: Any = body
        sub = self.non_null(schema)
        for index, step in enumerate(path):
            last = index == len(path) - 1
            if isinstance(step, int):
                sub = self.non_null(sub.get("items", {}))
                if not isinstance(container, list):
                    return body
                if not container:
                    container.append(self.sample(sub))
                if last:
                    container[0] = value
                else:
                    container = container[0]
            else:
                sub_schema = sub.get("properties", {}).get(step, {})
                sub = self.non_null(sub_schema)
                if not isinstance(container, dict):
                    return body
                if last:
                    container[step] = value
                else:
                    if container.get(step) is None:
                        container[step] = [] if sub.get("type") == "array" else self.sample(sub)
                    container = container[step]
        return body


# --- the operations ---------------------------------------------------------------------------------------


@dataclass
class Operation:
    method: str
    path: str
    spec: dict[str, Any]

    @property
    def name(self) -> str:
        return f"{self.method} {self.path}"

    def parameters(self, where: str) -> list[dict[str, Any]]:
        return [p for p in self.spec.get("parameters", []) if p.get("in") == where]

    def body_schema(self) -> tuple[str, dict[str, Any]] | None:
        content = self.spec.get("requestBody", {}).get("content", {})
        for media_type, described in content.items():
            return media_type, described.get("schema", {})
        return None


def operations(spec: dict[str, Any]) -> list[Operation]:
    return [
        Operation(method.upper(), path, operation)
        for path, methods in spec["paths"].items()
        for method, operation in methods.items()
        if method in ("get", "post", "put", "patch", "delete")
    ]


class Runner:
    """Sends the corpus to one service, tracking the ETag of each record so writes are not refused as stale
    (a refused write would hide the value behind a 412)."""

    def __init__(self, client: httpx.AsyncClient, spec: dict[str, Any], ids: Ids) -> None:
        self.client = client
        self.schemas = Schemas(spec, ids)
        self.ids = ids
        self.etags: dict[str, str] = {}
        self.sent = 0

    def url(self, operation: Operation, replace: dict[str, str] | None = None) -> str:
        def value(match: re.Match[str]) -> str:
            name = match.group(1)
            raw = (replace or {}).get(name, self.ids.for_name(name))
            return _escaped(raw)

        return re.sub(r"\{([^}]+)\}", value, operation.path)

    @staticmethod
    def resource(url: str) -> str:
        return re.sub(r"/(events|person)$", "", url.split("?")[0])

    async def send(
        self,
        actor: Actor,
        operation: Operation,
        what: str,
        *,
        url: str | None = None,
        params: dict[str, str] | None = None,
        content: bytes | None = None,
        content_type: str | None = None,
        files: dict[str, Any] | None = None,
        data: dict[str, str | bytes] | None = None,
        headers: dict[str, str | bytes] | None = None,
    ) -> httpx.Response:
        target = url or self.url(operation)
        sent_headers: dict[str, str | bytes] = dict(actor.headers)
        if operation.parameters("header"):
            sent_headers["If-Match"] = self.etags.get(self.resource(target), '"1"')
        if content_type:
            sent_headers["Content-Type"] = content_type
        sent_headers.update(headers or {})
        request = self.client.build_request(
            operation.method,
            target,
            params=params,
            content=content,
            files=files,
            data=data,
            # As raw bytes: a header value is Latin-1 on the wire, which httpx's str values refuse.
            headers=[
                (name.encode(), value if isinstance(value, bytes) else value.encode("latin-1"))
                for name, value in sent_headers.items()
            ],
        )
        response = await self.client.send(request)
        self.sent += 1
        if response.is_success and "etag" in response.headers:
            self.etags[self.resource(target)] = response.headers["etag"]
        _problem_or_success(response, f"{actor.key[:6]} {operation.name} {what}")
        return response

    # The classes of attack, each over every place of an operation where it fits.

    async def query_and_path(self, actor: Actor, operation: Operation, corpus: dict[str, str]) -> None:
        for parameter in operation.parameters("query"):
            for label, value in corpus.items():
                url = f"{self.url(operation)}?{parameter['name']}={_escaped(value)}"
                await self.send(actor, operation, f"?{parameter['name']}={label}", url=url)
        for parameter in operation.parameters("path"):
            for label, value in corpus.items():
                url = self.url(operation, {parameter["name"]: value})
                await self.send(actor, operation, f"path {parameter['name']}={label}", url=url)
        if operation.parameters("header"):
            # Latin-1 bytes, as a header arrives: '"²"' passes str.isdigit(), which int() then refuses.
            for label, value in {"superscript": '"²"', "huge": '"' + "9" * 400 + '"', "empty": '""'}.items():
                await self.send(actor, operation, f"If-Match {label}", headers={"If-Match": value.encode("latin-1")})

    async def json_body(self, actor: Actor, operation: Operation, schema: dict[str, Any], *, full: bool) -> None:
        """Each corpus value into each field; not `full`, a third of the classes per field, in turn, so each
        class still reaches every operation (the full run is the other key's)."""
        base = self.schemas.sample(schema)
        for index, (path, kind) in enumerate(self.schemas.leaves(schema)):
            where = ".".join(str(step) for step in path)
            for label, value in _some(TEXT_CORPUS, index, full):
                await self.send_json(
                    actor, operation, f"{where}={label}", self.schemas.body_with(schema, base, path, value)
                )
            if full and kind == "string":
                body = self.schemas.body_with(schema, base, path, OVERLONG)
                await self.send_json(actor, operation, f"{where}={OVERLONG_CLASS}", body)
            for label, raw in _some(RAW_NUMBERS, index, full):
                body = self.schemas.body_with(schema, base, path, _RAW)
                await self.send_json(actor, operation, f"{where}={label}", body, raw=raw)
        await self.whole_body(actor, operation, base)

    async def send_json(self, actor: Actor, operation: Operation, what: str, body: Any, *, raw: str = "") -> None:
        text = json.dumps(body)  # ensure_ascii: lone surrogates leave as \udXXX escapes, as on the wire
        if raw:
            text = text.replace(json.dumps(_RAW), raw)
        await self.send(actor, operation, what, content=text.encode(), content_type="application/json")

    async def whole_body(self, actor: Actor, operation: Operation, base: Any) -> None:
        valid = json.dumps(base).encode()
        attacks: dict[str, tuple[bytes, str]] = {
            "deep array": (b"[" * DEPTH + b"]" * DEPTH, "application/json"),
            "deep object": (b'{"a":' * DEPTH + b"1" + b"}" * DEPTH, "application/json"),
            "deep in a field": (valid[:-1] + b', "zz": ' + b"[" * DEPTH + b"]" * DEPTH + b"}", "application/json"),
            "invalid utf-8": (valid[:-1] + b', "zz": "\xff\xfe\xc3("}', "application/json"),
            "invalid utf-8 only": (b"\xff\xfe\xfd", "application/json"),
            "utf-16": (json.dumps(base).encode("utf-16"), "application/json"),
            "huge number": (b"1" + b"0" * 5000, "application/json"),
            "null": (b"null", "application/json"),
            "empty": (b"", "application/json"),
            "truncated": (valid[: len(valid) // 2], "application/json"),
            "nul byte": (valid[:-1] + b"\x00}", "application/json"),
            "charset latin-1": (valid, "application/json; charset=latin-1"),
        }
        for content_type in WRONG_CONTENT_TYPES:
            attacks[f"as {content_type}"] = (valid, content_type)
        for what, (content, content_type) in attacks.items():
            await self.send(actor, operation, what, content=content, content_type=content_type)

    async def multipart_body(self, actor: Actor, operation: Operation, schema: dict[str, Any], file: bytes) -> None:
        fields = [name for name in self.schemas.resolve(schema).get("properties", {}) if name != "file"]
        corpus = {**TEXT_CORPUS, OVERLONG_CLASS: OVERLONG[:100_000]}
        for label, value in corpus.items():
            wire = value.encode("utf-8", "surrogatepass")  # a lone surrogate as the bytes a client would send
            for name in fields:
                await self.send(
                    actor, operation, f"form {name}={label}", files={"file": ("datos.csv", file)}, data={name: wire}
                )
            file_name = f"datos{wire.decode('utf-8', 'replace')}.csv"
            await self.send(actor, operation, f"file name {label}", files={"file": (file_name, file)})
            cell = file.replace(b"Algo", wire)
            await self.send(actor, operation, f"file cell {label}", files={"file": ("datos.csv", cell)})
        await self.send(actor, operation, "file of invalid utf-8", files={"file": ("datos.csv", b"\xff\xfe\x00" * 100)})
        await self.send(actor, operation, "no file", data={"dry_run": "true"})
        for what, (content, content_type) in {
            "json instead": (b'{"file": "x"}', "application/json"),
            "deep json instead": (b"[" * DEPTH + b"]" * DEPTH, "application/json"),
            "no boundary": (b"--x\r\n", "multipart/form-data"),
            "bad boundary": (
                b'--x\r\nContent-Disposition: form-data; name="file"\r\n\r\n\x00',
                "multipart/form-data; boundary=y",
            ),
        }.items():
            await self.send(actor, operation, what, content=content, content_type=content_type)


# --- the test data ----------------------------------------------------------------------------------------

PLAN_FILE = ("Eje\tMeta\tActividad\tResponsable\nE1\tFortalecer la participación\tAlgo\tJunta directiva\n").encode()
COMPLAINT_FILE = b"radicado,filed_at,type,channel,text,year\nQ-1,2026-06-26,queja,web,Algo,2026\n"


async def seed(client: httpx.AsyncClient, admin: Actor, eps: Actor, make_org: MakeOrg) -> Ids:
    """One record of each kind, so path parameters and body ids name real records."""
    ids = Ids()
    eps_id = str(eps.organization_id)
    secretaria = await make_org(
        "secretaria_distrital", name="Secretaría de prueba", municipality_code="11001", jurisdiction=["11001"]
    )
    ids.by_name.update(organization_id=eps_id, entity_id=eps_id, overseen_id=eps_id, secretaria_id=secretaria["id"])
    plan = await create_plan(client, eps)
    ids.by_name.update(plan_id=plan["id"])

    async def post(path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = await client.post(path, json=body, headers=eps.headers)
        assert response.status_code in (200, 201), (path, response.text)
        created: dict[str, Any] = response.json()
        return created

    goal = await post("/v1/goals", {"plan_id": plan["id"], "axis": "E1", "code": "M01", "text": "Meta"})
    activity = await post(
        "/v1/activities", {"goal_id": goal["id"], "code": "A01", "text": "Actividad", "schedule_months": [3]}
    )
    formulated = await client.patch(
        f"/v1/plans/{plan['id']}", json={"status": "formulado"}, headers={**eps.headers, "If-Match": '"1"'}
    )
    assert formulated.status_code == 200, formulated.text
    progress = await post(
        "/v1/activity-progress", {"activity_id": activity["id"], "month": "2026-03", "executed_quantity": 1}
    )
    indicator = await post("/v1/indicators", {"activity_id": activity["id"], "name": "Indicador"})
    measurement = await post("/v1/measurements", {"indicator_id": indicator["id"], "period": "2026", "numerator": 1})
    complaint = await post(
        "/v1/complaints",
        {
            "entity_id": eps_id,
            "filed_at": "2026-06-26T10:00:00-05:00",
            "type": "peticion",
            "channel": "web",
            "text": "Texto",
        },
    )
    affiliates = await post(
        f"/v1/organizations/{eps_id}/affiliates", {"month": "2026-01", "municipality_code": "11001", "count": 10}
    )
    key = await client.post(
        "/v1/api-keys", json={"organization_id": eps_id, "role": "eps_ips", "name": "k"}, headers=admin.headers
    )
    assert key.status_code == 201, key.text
    ids.by_name.update(
        goal_id=goal["id"],
        activity_id=activity["id"],
        progress_id=progress["id"],
        indicator_id=indicator["id"],
        measurement_id=measurement["id"],
        complaint_id=complaint["id"],
        affiliate_count_id=affiliates["id"],
        api_key_id=key.json()["id"],
        previous_plan_id=plan["id"],
    )
    return ids


# --- the tests --------------------------------------------------------------------------------------------


def assert_clean_logs(caplog: pytest.LogCaptureFixture) -> None:
    """What the services logged names no person and carries no traceback."""
    for value in (PLANTED_NAME, PLANTED_DOCUMENT):
        assert value not in caplog.text
    assert "Traceback" not in caplog.text


async def test_no_bad_input_answers_5xx_on_the_api(
    app: FastAPI,
    client: httpx.AsyncClient,
    admin: Actor,
    eps: Actor,
    make_org: MakeOrg,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="participa")
    ids = await seed(client, admin, eps, make_org)
    runner = Runner(client, app.openapi(), ids)
    writes = [op for op in operations(app.openapi()) if op.method != "GET"]
    assert len(writes) > 30
    for operation in operations(app.openapi()):
        # Query strings: every operation, with both keys (scopes differ: a secretaría-free EPS, an admin).
        for actor in (admin, eps):
            await runner.query_and_path(actor, operation, {**TEXT_CORPUS, OVERLONG_CLASS: OVERLONG[:10_000]})
    for operation in writes:
        described = operation.body_schema()
        if described is None:
            continue
        media_type, schema = described
        for index, actor in enumerate((eps, admin)):
            if media_type == "application/json":
                # A batch's items are the single-item body, which gets the full run on its own endpoint.
                await runner.json_body(actor, operation, schema, full=index == 0 and ":batch" not in operation.path)
            else:
                file = COMPLAINT_FILE if "complaints" in operation.path else PLAN_FILE
                await runner.multipart_body(actor, operation, schema, file)
    assert_clean_logs(caplog)


async def test_no_bad_input_answers_5xx_on_analytics(
    app: FastAPI,
    analytics: httpx.AsyncClient,
    client: httpx.AsyncClient,
    admin: Actor,
    eps: Actor,
    make_org: MakeOrg,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="participa")
    ids = await seed(client, admin, eps, make_org)
    response = await analytics.get("/openapi.json")
    spec = response.json()
    runner = Runner(analytics, spec, ids)
    corpus = {**TEXT_CORPUS, OVERLONG_CLASS: OVERLONG[:10_000]}
    for operation in operations(spec):
        for actor in (admin, eps):
            await runner.query_and_path(actor, operation, corpus)
            # Deep JSON on a GET: analytics reads no body, but must not choke on one either.
            await runner.send(
                actor, operation, "deep body", content=b"[" * DEPTH + b"]" * DEPTH, content_type="application/json"
            )
    assert_clean_logs(caplog)


@pytest.mark.parametrize(
    ("path", "body", "field_name"),
    [
        ("/v1/plans", {"year": 2026, "title": "Plan\x00"}, "title"),
        ("/v1/organizations", {"kind": "eps", "name": "EPS \ud800"}, "name"),
        ("/v1/complaints", {"text": "queja \x07", "person": {"first_names": "Ana\x85"}}, "person.first_names"),
    ],
)
async def test_forbidden_characters_answer_422_naming_the_field(
    client: httpx.AsyncClient, admin: Actor, eps: Actor, path: str, body: dict[str, Any], field_name: str
) -> None:
    # Only an administrator registers organisations: another role is refused (403) before its body is read.
    actor = admin if path == "/v1/organizations" else eps
    if path == "/v1/complaints":
        body = {
            "entity_id": str(eps.organization_id),
            "filed_at": "2026-06-26T10:00:00-05:00",
            "type": "peticion",
            "channel": "web",
            **body,
        }
    response = await client.post(
        path, content=json.dumps(body).encode(), headers={**actor.headers, "Content-Type": "application/json"}
    )
    assert response.status_code == 422, response.text
    errors = {error["field"]: error["message"] for error in response.json()["errors"]}
    assert errors[field_name] == FORBIDDEN_TEXT_MESSAGE, errors


@pytest.mark.parametrize(("query", "name"), [("q=%00", "q"), ("nit=a%07b", "nit"), ("cursor=%C2%85", "cursor")])
async def test_forbidden_characters_in_a_query_answer_422_naming_the_parameter(
    client: httpx.AsyncClient, eps: Actor, query: str, name: str
) -> None:
    path = "/v1/organizations" if name == "nit" else "/v1/complaints"
    response = await client.get(f"{path}?{query}", headers=eps.headers)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["errors"] == [{"field": name, "message": FORBIDDEN_TEXT_MESSAGE}]


async def test_deep_json_answers_422_on_body(client: httpx.AsyncClient, eps: Actor) -> None:
    response = await client.post(
        "/v1/plans", content=b"[" * DEPTH + b"]" * DEPTH, headers={**eps.headers, "Content-Type": "application/json"}
    )
    assert response.status_code == 422, response.text
    assert [error["field"] for error in response.json()["errors"]] == ["body"]


@pytest.mark.parametrize("year", ["³", "²⁰²⁶", "٢٠٢٦", "２０２６"])
async def test_non_ascii_digits_in_an_import_year_answer_422(client: httpx.AsyncClient, eps: Actor, year: str) -> None:
    response = await client.post(
        "/v1/plans:import", files={"file": ("plan.tsv", PLAN_FILE)}, data={"year": year}, headers=eps.headers
    )
    assert response.status_code == 422, response.text
    assert [error["field"] for error in response.json()["errors"]] == ["year"]


@pytest.mark.parametrize("cell", ["²⁰²⁶", "⓶⓪⓶⓺", "٢٠٢٦"])
async def test_non_ascii_digits_in_a_complaint_file_never_answer_5xx(
    client: httpx.AsyncClient, eps: Actor, cell: str
) -> None:
    content = COMPLAINT_FILE.replace(b",2026\n", f",{cell}\n".encode()).replace(b"2026-06-26", f"{cell}-06".encode())
    response = await client.post("/v1/complaints:import", files={"file": ("quejas.csv", content)}, headers=eps.headers)
    _problem_or_success(response, f"complaint file with {cell}")
