"""Black-box test of GET /openapi.json against a real `batchcall serve`: the
document is public JSON with revalidation, every documented operation exists
on the server with the documented authentication, and real responses match
the documented schemas (checked with python3-jsonschema: the OpenAPI 3.0
schemas are turned into JSON Schema draft 4, `nullable` included). Where the
Python running the tests has openapi-spec-validator, the document is also
validated against the OpenAPI 3.0 specification."""
import copy
import json
import re
import subprocess
import unittest

from harness import BIN, Server, wait_for

try:
    import jsonschema
except ImportError:  # scripts/install-deps installs python3-jsonschema
    jsonschema = None
try:  # not packaged in Debian 12; used when the Python running the tests has it
    import openapi_spec_validator
except ImportError:
    openapi_spec_validator = None

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def resolve(doc, node):
    while isinstance(node, dict) and "$ref" in node:
        target = doc
        for part in node["$ref"][2:].split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
    return node


def to_json_schema(doc, node, depth=0):
    """An OpenAPI 3.0 schema as a self-contained JSON Schema (draft 4): refs
    inlined, `nullable` turned into a null alternative, OpenAPI-only keywords dropped."""
    if depth > 40:
        raise ValueError("schema nests too deep (a recursive $ref?)")
    if isinstance(node, list):
        return [to_json_schema(doc, n, depth + 1) for n in node]
    if not isinstance(node, dict):
        return node
    node = resolve(doc, node)
    out = {}
    for k, v in node.items():
        if k in ("nullable", "discriminator", "readOnly", "writeOnly", "example", "xml", "externalDocs"):
            continue
        if k == "properties":
            out[k] = {name: to_json_schema(doc, s, depth + 1) for name, s in v.items()}
        elif k in ("items", "additionalProperties", "not") and isinstance(v, dict):
            out[k] = to_json_schema(doc, v, depth + 1)
        elif k in ("allOf", "oneOf", "anyOf"):
            out[k] = to_json_schema(doc, v, depth + 1)
        else:
            out[k] = copy.deepcopy(v)
    if node.get("nullable"):
        if "type" in out and not any(k in out for k in ("allOf", "oneOf", "anyOf", "enum")):
            out["type"] = [out["type"], "null"]
        else:
            out = {"anyOf": [out, {"type": "null"}]}
    return out


class OpenApiTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.s = Server().start()
        r = cls.s.get("/openapi.json", key=None)
        assert r.status == 200, r
        cls.doc = r.json()

    @classmethod
    def tearDownClass(cls):
        cls.s.stop()
        cls.s.cleanup()

    def operations(self):
        for path, item in self.doc["paths"].items():
            for m in METHODS:
                if m in item:
                    yield m, path, item[m]

    def test_served_without_a_key_as_json_with_etag_revalidation(self):
        r = self.s.get("/openapi.json", key=None)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.header("Content-Type"), "application/json")
        self.assertEqual(r.header("Cache-Control"), "no-cache")
        doc = r.json()
        self.assertTrue(doc["openapi"].startswith("3."))
        version = subprocess.run([BIN, "--version"], capture_output=True, text=True, timeout=30).stdout
        self.assertEqual(doc["info"]["version"], version.split()[1])  # "batchcall 0.1.0 (commit ...)"
        etag = r.header("ETag")
        self.assertRegex(etag, r'^"[0-9a-f]{32}"$')
        again = self.s.get("/openapi.json", key=None, headers={"If-None-Match": etag})
        self.assertEqual(again.status, 304)
        self.assertEqual(again.body, b"")
        # A key is accepted too (it is simply not needed).
        self.assertEqual(self.s.get("/openapi.json").status, 200)

    @unittest.skipIf(openapi_spec_validator is None, "openapi-spec-validator is not installed (not in Debian 12)")
    def test_document_passes_openapi_spec_validator(self):
        openapi_spec_validator.validate(self.doc)
        broken = copy.deepcopy(self.doc)
        del broken["paths"]["/agents/{agent_id}"]["parameters"]
        with self.assertRaises(Exception):
            openapi_spec_validator.validate(broken)

    def test_every_documented_operation_exists_with_the_documented_authentication(self):
        count = 0
        for method, path, op in self.operations():
            count += 1
            concrete = re.sub(r"\{[^}/]+\}", "x", path)
            # Public: no security, or a scheme of its own (/metrics: metricsToken), not the API key.
            public = "bearerAuth" not in json.dumps(op.get("security", self.doc["security"]))
            bare = self.s.request(method.upper(), concrete, key=None)
            needs_key = bare.status == 401 and bare.header("WWW-Authenticate") == "Bearer"
            self.assertEqual(needs_key, not public, "%s %s answered %r without a key" % (method, path, bare))
            if needs_key:
                self.assertEqual(bare.json()["error"], 401)
            # With a key the route exists: never the router's 404 or 405.
            r = self.s.request(method.upper(), concrete)
            self.assertNotEqual(r.status, 405, "%s %s: %r" % (method, path, r))
            if r.status == 404 and r.body:
                self.assertNotIn("No such route", r.json()["message"], "%s %s" % (method, path))
        self.assertGreaterEqual(count, 25)

    def schema_of(self, method, path, status, content_type="application/json"):
        op = self.doc["paths"][path][method]
        response = resolve(self.doc, op["responses"][str(status)])
        return to_json_schema(self.doc, response["content"][content_type]["schema"])

    def check(self, r, method, path, status):
        self.assertEqual(r.status, status, "%s %s: %r" % (method, path, r))
        schema = self.schema_of(method, path, status)
        errors = sorted(jsonschema.Draft4Validator(schema).iter_errors(r.json()), key=str)
        self.assertFalse(errors, "%s %s %d does not match the document:\n%s"
                         % (method, path, status, "\n".join(str(e.message) for e in errors[:5])))
        return r.json()

    @unittest.skipIf(jsonschema is None, "python3-jsonschema is not installed (scripts/install-deps)")
    def test_real_responses_match_the_documented_schemas(self):
        s = self.s
        self.check(s.get("/healthz", key=None), "get", "/healthz", 200)
        agent = self.check(s.post_json("/agents", {
            "agent_name": "documented",
            "provider": {"type": "simulator", "speed": 50, "seed": 3, "answer_rate": 0.5, "busy_rate": 0.2,
                         "no_answer_rate": 0.1, "voicemail_rate": 0.1, "failure_rate": 0.1},
            "from_phone_numbers": ["+14155550100"],
            "calling_guardrails": {"call_start_hour": 0, "call_end_hour": 24, "default_timezone": "UTC"},
            "retry_config": {"enabled": False, "max_retries": 1, "retry_on_statuses": ["busy"],
                             "retry_on_voicemail": False, "retry_intervals_minutes": [30]},
            "max_concurrency": 5, "calls_per_second": 0}), "post", "/agents", 201)
        aid = agent["agent_id"]
        self.check(s.request("PATCH", "/agents/" + aid, body={"webhook_url": None}),
                   "patch", "/agents/{agent_id}", 200)
        self.check(s.get("/agents"), "get", "/agents", 200)
        self.check(s.get("/agents/00000000-0000-4000-8000-000000000000"), "get", "/agents/{agent_id}", 404)
        self.check(s.post_json("/agents", {"agent_name": ""}), "post", "/agents", 400)

        rows = "".join("+1415555%04d,p%d\n" % (4000 + i, i) for i in range(6))
        created = self.check(s.upload(aid, ("contact_number,first_name\n" + rows + "12,bad\n").encode()),
                             "post", "/batches", 201)
        bid = created["batch_id"]
        self.check(s.get("/batches/" + bid), "get", "/batches/{batch_id}", 200)
        self.check(s.get("/batches/%s/report" % bid), "get", "/batches/{batch_id}/report", 200)
        self.check(s.post_form("/batches/%s/schedule" % bid, {"scheduled_at": "now"}),
                   "post", "/batches/{batch_id}/schedule", 200)
        wait_for(lambda: s.get("/batches/" + bid).json()["status"] == "completed", 60, what="batch completed")
        self.check(s.get("/batches/%s/all" % aid), "get", "/batches/{agent_id}/all", 200)
        executions = self.check(s.get("/batches/%s/executions" % bid), "get", "/batches/{batch_id}/executions", 200)
        self.check(s.get("/batches/%s/executions?limit=2" % bid), "get", "/batches/{batch_id}/executions", 200)
        self.check(s.get("/executions/" + executions[0]["id"]), "get", "/executions/{execution_id}", 200)
        self.check(s.post_json("/batches/%s/pause" % bid, {}), "post", "/batches/{batch_id}/pause", 409)
        self.check(s.request("DELETE", "/batches/" + bid), "delete", "/batches/{batch_id}", 200)

        self.check(s.post_json("/dnc", {"numbers": ["+14155552671", "nope"], "reason": "asked"}), "post", "/dnc", 200)
        self.check(s.get("/dnc"), "get", "/dnc", 200)
        self.check(s.request("DELETE", "/dnc/%2B14155552671"), "delete", "/dnc/{number}", 200)
        self.check(s.get("/account/webhook-secret"), "get", "/account/webhook-secret", 200)
        rotated = s.post_json("/account/webhook-secret", {})  # 201 the first time, 200 after
        self.check(rotated, "post", "/account/webhook-secret", 201 if rotated.status == 201 else 200)
        self.check(s.get("/account/webhook-secret"), "get", "/account/webhook-secret", 200)
        self.check(s.get("/agents", key="bc_not_a_key_0000000000"), "get", "/agents", 401)
        self.check(s.get("/keys"), "get", "/keys", 200)
        self.check(s.request("DELETE", "/keys/00000000-0000-4000-8000-000000000000"), "delete", "/keys/{key_id}", 404)

    @unittest.skipIf(jsonschema is None, "python3-jsonschema is not installed (scripts/install-deps)")
    def test_the_schema_check_catches_a_wrong_type(self):
        schema = to_json_schema(self.doc, {"$ref": "#/components/schemas/Agent"})
        agent = self.s.get("/agents").json()[0]
        jsonschema.Draft4Validator(schema).validate(agent)
        agent["max_concurrency"] = "ten"
        self.assertTrue(list(jsonschema.Draft4Validator(schema).iter_errors(agent)))
        agent["max_concurrency"] = 10
        agent["calling_guardrails"] = None  # nullable
        jsonschema.Draft4Validator(schema).validate(agent)


if __name__ == "__main__":
    unittest.main()
