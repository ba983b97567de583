"""Server-built uploads (the params handler) against a real S3 (radosgw).

The built responder answers GET /s3/params (Uppy's query: filename, type, metadata[...]) and POST
/s3/params (a JSON body: name, type, size) over real FastCGI (cgi-fcgi); what it returns is then
used exactly as a browser would, against radosgw, which checks the signature and every condition
itself:

* POST policies: the form's fields, in the order returned, then the file: the object lands under
  the templated key uploads/<user>/<uuid>.<ext>, with the exact type, size and the file name in
  x-amz-meta-filename; the same form with a bigger file (profile range, and the declared size with
  exact_size), another Content-Type, another key, or after the policy expired, is refused by
  radosgw itself (400/403, nothing stored), and the untouched form still works afterwards;
* presigned PUT: the URL and headers returned; another length (longer or shorter), another
  Content-Type, or the name header left out are refused by radosgw (the responder signed them);
* odd file names (spaces, unicode, ../, backslashes, quotes, 1,000 characters): safe keys, and
  metadata that decodes (urllib.parse.unquote) to the exact name;
* refusals the responder makes itself, before signing: 4xx {"message": ...} (Uppy's shape), the
  rule in the log;
* the policy and the PUT URL equal botocore's generate_presigned_post / generate_presigned_url for
  the same key and clock, byte for byte.
"""

import base64
import datetime
import hashlib
import hmac
import json
import re
import time
import unittest
import urllib.parse
from unittest import mock

import botocore.auth
import botocore.signers
import requests

import harness

BUCKET = "params-uploads"
MAX_SIZE = 1000
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"

RGW = None
SESSION = None
CLIENT = None
RESPONDERS = {}
_created = set()


def config(**params):
    """A profile with per-user keys <uuid>.<ext> (or a bare <uuid>) and a params section."""
    settings = {"key": "uploads/{user}/{uuid}{ext}"}
    settings.update(params)
    routes = [
        {"path": "/s3/params", "methods": ["GET", "POST"], "handler": "params",
         "profile": "test"},
        # The same with a bearer token (its sub is the user, its s3u claim narrows the profile).
        {"path": "/t/params", "methods": ["GET"], "handler": "params", "profile": "test",
         "auth": "app"},
        {"path": "/s3/success", "methods": ["POST"], "handler": "success", "profile": "test"},
        {"path": "/health", "methods": ["GET"], "handler": "health"},
    ]
    return harness.profile_yaml(
        bucket=BUCKET, endpoint=f"http://localhost:{RGW.port}",
        key={"prefix": "uploads/{user}/", "shapes": ["uuid.ext", "uuid"],
             "extensions": ["jpg", "png", "txt", "pdf"]},
        size={"min": 1, "max": MAX_SIZE},
        content_types=["image/*", "text/plain", "application/pdf"],
        server_credentials="server",
        params=settings, routes=routes,
        authenticators={"app": {"type": "jwt", "algorithm": "HS256", "secret_file": "jwt.secret",
                                "audience": "uploads"}})


JWT_SECRET = "jwt-secret-" + "0123456789abcdef" * 2


def responder(yaml):
    return harness.Responder(yaml, secret=RGW.secret_key, files={"jwt.secret": JWT_SECRET})


def mint(claims):
    """An HS256 JWT, made here with hmac, independently of the responder."""
    def b64url(data):
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()
    signing_input = (b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode()) + "." +
                     b64url(json.dumps(claims).encode()))
    mac = hmac.new(JWT_SECRET.encode(), signing_input.encode(), hashlib.sha256).digest()
    return signing_input + "." + b64url(mac)


def setUpModule():
    global RGW, SESSION, CLIENT
    RGW, CLIENT = harness.rgw_with_bucket(BUCKET)
    SESSION = requests.Session()
    RESPONDERS["post"] = responder(config())
    RESPONDERS["exact"] = responder(
        config(exact_size=True, success_action_redirect=["https://app.example.com/uploaded"]))
    RESPONDERS["short"] = responder(config(expires="2s"))
    RESPONDERS["put"] = responder(config(method="put"))


def tearDownModule():
    try:
        harness.remove_objects(CLIENT, BUCKET, _created)
    finally:
        if SESSION is not None:
            SESSION.close()
        for responder in RESPONDERS.values():
            responder.stop()


# ------------------------------------------------------------------------------------------------
# helpers
# ------------------------------------------------------------------------------------------------

def params(responder="post", user="alice", body=None, **query):
    """The responder's answer to GET /s3/params?<query> (or POST with a JSON body)."""
    r = RESPONDERS[responder]
    if body is None:
        resp = r.request("GET", "/s3/params", query=urllib.parse.urlencode(query),
                         headers={"Accept": "application/json"}, remote_user=user)
    else:
        resp = r.request("POST", "/s3/params", query=urllib.parse.urlencode(query),
                         body=json.dumps(body), content_type="application/json",
                         headers={"Accept": "application/json"}, remote_user=user)
    return resp


def upload_params(responder="post", **kwargs):
    resp = params(responder, **kwargs)
    if resp.status != 200:
        log = RESPONDERS[responder].log_text()[-2000:]
        raise AssertionError(f"responder refused: {resp!r}\n{log}")
    answer = resp.json()
    _created.add(answer["key"])
    return answer


def to_rgw(url):
    """A URL of the bucket (virtual-hosted, <bucket>.localhost:<port>) as a request to radosgw on
    the loopback with the Host the browser would send."""
    parts = urllib.parse.urlsplit(url)
    local = urllib.parse.urlunsplit(("http", f"127.0.0.1:{RGW.port}", parts.path, parts.query, ""))
    return local, {"Host": parts.netloc}


def post_form(answer, data, fields=None, file_type=None, file_name="file.bin"):
    """The browser's multipart/form-data POST: the fields in the order returned, the file last."""
    fields = list((fields if fields is not None else answer["fields"]).items())
    form = [(name, (None, value)) for name, value in fields]
    form.append(("file", (file_name, data, file_type or answer["fields"].get("Content-Type"))))
    url, headers = to_rgw(answer["url"])
    return SESSION.post(url, headers=headers, files=form, timeout=60, allow_redirects=False)


def put_file(answer, data, headers=None):
    url, host = to_rgw(answer["url"])
    sent = dict(answer["headers"] if headers is None else headers)
    sent.update(host)
    return SESSION.put(url, headers=sent, data=data, timeout=60)


def head(key):
    return harness.head_object(CLIENT, BUCKET, key)


def body_of(key):
    return CLIENT.get_object(Bucket=BUCKET, Key=key)["Body"].read()


def s3_error(resp):
    match = re.search(rb"<Code>([^<]*)</Code>", resp.content or b"")
    return match.group(1).decode() if match else ""


def s3_message(resp):
    match = re.search(rb"<Message>([^<]*)</Message>", resp.content or b"")
    return match.group(1).decode() if match else ""


def assert_policy_refused(test, resp, condition, label=""):
    """radosgw's own refusal of a POST: 403 AccessDenied naming the broken condition."""
    test.assertEqual(resp.status_code, 403, f"{label}: {resp.text}")
    test.assertEqual(s3_error(resp), "AccessDenied", resp.text)
    test.assertIn(condition, s3_message(resp), resp.text)


def payload(size, seed=b"params"):
    block = hashlib.sha256(seed).digest()
    return (block * (size // len(block) + 1))[:size]


# ------------------------------------------------------------------------------------------------
# POST policies
# ------------------------------------------------------------------------------------------------

class PostUploadTest(unittest.TestCase):

    def test_post_lands_under_the_templated_key(self):
        resp = params(filename="x.jpg")
        self.assertEqual(resp.headers.get("cache-control"), "no-store")  # signed: never cached
        _created.add(resp.json()["key"])
        answer = upload_params(filename="my photo (1).jpg", type="image/jpeg",
                               **{"metadata[name]": "my photo (1).jpg",
                                  "metadata[type]": "image/jpeg"})
        self.assertEqual(answer["method"], "POST")
        self.assertEqual(answer["url"], f"http://{BUCKET}.localhost:{RGW.port}/")
        self.assertEqual(answer["expires"], 300)
        self.assertRegex(answer["key"], rf"^uploads/alice/{UUID}\.jpg$")
        self.assertEqual(list(answer["fields"])[0], "key")
        self.assertEqual(list(answer["fields"])[-2:], ["policy", "x-amz-signature"])
        data = payload(700)
        resp = post_form(answer, data)
        self.assertEqual(resp.status_code, 201, resp.text)
        self.assertIn(f"<Key>{answer['key']}</Key>", resp.text)
        obj = head(answer["key"])
        self.assertIsNotNone(obj)
        self.assertEqual(obj["ContentLength"], 700)
        self.assertEqual(obj["ContentType"], "image/jpeg")
        self.assertEqual(obj["Metadata"], {"filename": "my%20photo%20%281%29.jpg"})
        self.assertEqual(urllib.parse.unquote(obj["Metadata"]["filename"]), "my photo (1).jpg")
        self.assertEqual(body_of(answer["key"]), data)

    def test_type_derived_from_the_extension_and_json_body(self):
        answer = upload_params(body={"name": "notes.TXT", "size": 12})
        self.assertRegex(answer["key"], rf"^uploads/alice/{UUID}\.txt$")
        self.assertEqual(answer["fields"]["Content-Type"], "text/plain")
        resp = post_form(answer, b"hello world\n")
        self.assertEqual(resp.status_code, 201, resp.text)
        self.assertEqual(head(answer["key"])["ContentType"], "text/plain")

    def test_an_extension_off_the_allowlist_is_left_out(self):
        answer = upload_params(filename="anim.gif")  # image/gif is allowed, "gif" is not listed
        self.assertRegex(answer["key"], rf"^uploads/alice/{UUID}$")
        self.assertEqual(answer["fields"]["Content-Type"], "image/gif")
        self.assertEqual(post_form(answer, b"GIF89a").status_code, 201)

    def test_bigger_file_refused_by_radosgw(self):
        answer = upload_params(filename="big.png", type="image/png")
        resp = post_form(answer, payload(MAX_SIZE + 1))
        self.assertEqual(resp.status_code, 400, resp.text)
        self.assertEqual(s3_error(resp), "EntityTooLarge", resp.text)
        self.assertIsNone(head(answer["key"]))
        # The same form with an allowed size: radosgw accepts it (the refusal was the size).
        self.assertEqual(post_form(answer, payload(MAX_SIZE)).status_code, 201)

    def test_declared_size_is_bound_with_exact_size(self):
        answer = upload_params("exact", filename="scan.pdf", size=300)
        policy = json.loads(base64.b64decode(answer["fields"]["policy"]))
        self.assertIn(["content-length-range", 300, 300], policy["conditions"])
        self.assertEqual(answer["fields"]["success_action_redirect"],
                         "https://app.example.com/uploaded")
        for size in (301, 299):
            resp = post_form(answer, payload(size))
            self.assertIn(resp.status_code, (400, 403), resp.text)
            self.assertIn(s3_error(resp), ("EntityTooLarge", "EntityTooSmall"), resp.text)
            self.assertIsNone(head(answer["key"]))
        resp = post_form(answer, payload(300))
        # success_action_redirect: radosgw answers 303 to the URL with bucket, key and etag.
        self.assertEqual(resp.status_code, 303, resp.text)
        location = resp.headers["Location"]
        self.assertTrue(location.startswith("https://app.example.com/uploaded?"), location)
        self.assertEqual(urllib.parse.parse_qs(urllib.parse.urlsplit(location).query)["key"],
                         [answer["key"]])
        self.assertEqual(head(answer["key"])["ContentLength"], 300)

    def test_other_content_type_refused_by_radosgw(self):
        answer = upload_params(filename="pic.png", type="image/png")
        for other in ("text/html", "image/svg+xml", "image/png; charset=utf-8"):
            fields = dict(answer["fields"], **{"Content-Type": other})
            resp = post_form(answer, b"<svg onload=alert(1)>", fields=fields, file_type=other)
            assert_policy_refused(self, resp, "condition: Content-Type", other)
            self.assertIsNone(head(answer["key"]))
        self.assertEqual(post_form(answer, b"\x89PNG").status_code, 201)

    def test_other_key_refused_by_radosgw(self):
        answer = upload_params(filename="pic.png", type="image/png")
        others = [answer["key"].replace("alice", "bob"),
                  re.sub(UUID, "00000000-0000-4000-8000-000000000000", answer["key"]),
                  answer["key"] + ".html", "index.html", "${filename}"]
        for key in others:
            _created.add(key)
            fields = dict(answer["fields"], key=key)
            resp = post_form(answer, b"\x89PNG", fields=fields)
            assert_policy_refused(self, resp, "condition: key", key)
            self.assertIsNone(head(key.replace("${filename}", "file.bin")))
        self.assertEqual(post_form(answer, b"\x89PNG").status_code, 201)

    def test_other_metadata_or_extra_fields_refused_by_radosgw(self):
        answer = upload_params(filename="pic.png", type="image/png")
        fields = dict(answer["fields"], **{"x-amz-meta-filename": "evil.html"})
        assert_policy_refused(self, post_form(answer, b"x", fields=fields),
                              "condition: x-amz-meta-filename")
        fields = dict(answer["fields"], acl="public-read")
        assert_policy_refused(self, post_form(answer, b"x", fields=fields), "condition: acl")
        fields = dict(answer["fields"], success_action_status="200")
        assert_policy_refused(self, post_form(answer, b"x", fields=fields),
                              "condition: success_action_status")
        self.assertIsNone(head(answer["key"]))
        self.assertEqual(post_form(answer, b"x").status_code, 201)

    def test_expired_policy_refused_by_radosgw(self):
        fresh = upload_params("short", filename="a.png", type="image/png")
        self.assertEqual(fresh["expires"], 2)
        self.assertEqual(post_form(fresh, b"now").status_code, 201)  # in time: accepted
        answer = upload_params("short", filename="b.png", type="image/png")
        policy = json.loads(base64.b64decode(answer["fields"]["policy"]))
        expiration = datetime.datetime.strptime(policy["expiration"], "%Y-%m-%dT%H:%M:%SZ")
        expiration = expiration.replace(tzinfo=datetime.timezone.utc)
        time.sleep(max(0.0, (expiration - datetime.datetime.now(datetime.timezone.utc))
                       .total_seconds()) + 1.5)
        resp = post_form(answer, b"late")
        self.assertEqual(resp.status_code, 403, resp.text)
        self.assertIn("expired", resp.text.lower())
        self.assertIsNone(head(answer["key"]))

    def test_odd_file_names_make_safe_keys_and_exact_metadata(self):
        long_name = ("a long file name " * 59)[:996] + ".txt"
        self.assertEqual(len(long_name), 1000)
        names = ["my summer photo.jpg", "Ünïcödé 写真 🎉.png", "../../etc/passwd.txt",
                 "..\\..\\boot.ini.txt", "\"quoted\" 'name'.pdf", "a+b=c&d?e#f%20.txt",
                 "${filename}.png", long_name]
        for name in names:
            with self.subTest(name=name[:40]):
                answer = upload_params(filename=name)
                extension = name.rsplit(".", 1)[1].lower()
                self.assertRegex(answer["key"], rf"^uploads/alice/{UUID}\.{extension}$")
                resp = post_form(answer, name.encode("utf-8"), file_name="x")
                self.assertEqual(resp.status_code, 201, resp.text)
                obj = head(answer["key"])
                self.assertEqual(urllib.parse.unquote(obj["Metadata"]["filename"]), name)
                self.assertEqual(obj["Metadata"]["filename"],
                                 urllib.parse.quote(name, safe="-._~"))
        listed = CLIENT.list_objects_v2(Bucket=BUCKET, Prefix="uploads/alice/")
        for item in listed.get("Contents", []):
            self.assertRegex(item["Key"], rf"^uploads/alice/{UUID}(\.[a-z]+)?$")


# ------------------------------------------------------------------------------------------------
# presigned PUT
# ------------------------------------------------------------------------------------------------

class PutUploadTest(unittest.TestCase):

    def test_put_lands_with_the_bound_length_type_and_name(self):
        data = payload(640)
        answer = upload_params("put", filename="Ünï photo.png", type="image/png", size=len(data))
        self.assertEqual(answer["method"], "PUT")
        self.assertEqual(answer["fields"], {})
        self.assertEqual(answer["headers"], {"Content-Type": "image/png",
                                             "x-amz-meta-filename": "%C3%9Cn%C3%AF%20photo.png"})
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(answer["url"]).query)
        self.assertEqual(query["X-Amz-SignedHeaders"],
                         ["content-length;content-type;host;x-amz-meta-filename"])
        resp = put_file(answer, data)
        self.assertEqual(resp.status_code, 200, resp.text)
        obj = head(answer["key"])
        self.assertEqual(obj["ContentLength"], 640)
        self.assertEqual(obj["ContentType"], "image/png")
        self.assertEqual(urllib.parse.unquote(obj["Metadata"]["filename"]), "Ünï photo.png")
        self.assertEqual(body_of(answer["key"]), data)

    def test_other_length_or_type_refused_by_radosgw(self):
        data = payload(500)
        answer = upload_params("put", filename="a.png", type="image/png", size=len(data))
        cases = [
            ("longer", payload(501), None),
            ("shorter", payload(499), None),
            ("much longer", payload(5000), None),
            ("other type", data, dict(answer["headers"], **{"Content-Type": "text/html"})),
            ("no type", data, {"x-amz-meta-filename": answer["headers"]["x-amz-meta-filename"]}),
            ("other name", data, dict(answer["headers"], **{"x-amz-meta-filename": "x.html"})),
        ]
        for label, body, headers in cases:
            with self.subTest(label):
                resp = put_file(answer, body, headers)
                self.assertEqual(resp.status_code, 403, f"{label}: {resp.text}")
                self.assertEqual(s3_error(resp), "SignatureDoesNotMatch", resp.text)
                self.assertIsNone(head(answer["key"]))
        self.assertEqual(put_file(answer, data).status_code, 200)
        self.assertEqual(head(answer["key"])["ContentLength"], 500)

    def test_put_needs_a_declared_size_within_the_profile(self):
        resp = params("put", filename="a.png", type="image/png")
        self.assertEqual(resp.status, 400)
        self.assertIn("size", resp.json()["message"])
        resp = params("put", filename="a.png", type="image/png", size=MAX_SIZE + 1)
        self.assertEqual(resp.status, 403)
        self.assertIn("too large", resp.json()["message"])


# ------------------------------------------------------------------------------------------------
# refusals before signing, and botocore
# ------------------------------------------------------------------------------------------------

class RefusalTest(unittest.TestCase):

    def test_refused_before_anything_is_signed(self):
        cases = [
            ({"filename": "a.exe"}, 403, "params.content-type.unknown"),
            ({"filename": "a.png", "type": "text/html"}, 403, "params.content-type.not-allowed"),
            ({"filename": "a.png", "size": MAX_SIZE + 1}, 403, "params.size.too-large"),
            ({"filename": "a.png", "key": "uploads/bob/x.png"}, 400, "params.field.unknown"),
            ({"type": "image/png"}, 400, "params.name.missing"),
            ({"filename": "a.png", "success_action_redirect": "https://evil.example/"}, 403,
             "params.redirect.not-allowed"),
        ]
        r = RESPONDERS["post"]
        for query, status, rule in cases:
            with self.subTest(rule):
                start = len(r.log_text())
                resp = params(**query)
                self.assertEqual(resp.status, status, resp.text)
                answer = resp.json()
                self.assertEqual(resp.headers.get("cache-control"), "no-store")
                self.assertIsInstance(answer["message"], str)
                self.assertNotIn("fields", answer)
                self.assertNotIn("policy", resp.text)
                r.wait_for_log(rf"path=/s3/params status={status} .*refused={re.escape(rule)}",
                               start=start)

    def test_anonymous_callers_are_refused(self):
        resp = RESPONDERS["post"].request("GET", "/s3/params", query="filename=a.png")
        self.assertEqual(resp.status, 401)


class TokenTest(unittest.TestCase):
    """A bearer token's user names the folder; its s3u claim narrows size and types, in what the
    responder refuses and in what it signs (radosgw refuses a file over the token's max_size)."""

    def get(self, token, **query):
        return RESPONDERS["post"].request(
            "GET", "/t/params", query=urllib.parse.urlencode(query),
            headers={"Accept": "application/json", "Authorization": f"Bearer {token}"})

    def test_the_token_narrows_what_is_signed(self):
        now = int(time.time())
        token = mint({"sub": "carol", "aud": "uploads", "iat": now, "exp": now + 300,
                      "s3u": {"max_size": 100, "content_types": ["application/pdf"]}})
        resp = self.get(token, filename="scan.pdf")
        self.assertEqual(resp.status, 200, resp.text)
        answer = resp.json()
        _created.add(answer["key"])
        self.assertRegex(answer["key"], rf"^uploads/carol/{UUID}\.pdf$")
        policy = json.loads(base64.b64decode(answer["fields"]["policy"]))
        self.assertIn(["content-length-range", 1, 100], policy["conditions"])
        self.assertEqual(post_form(answer, payload(101)).status_code, 400)  # radosgw: too large
        self.assertEqual(post_form(answer, payload(100)).status_code, 201)
        # Allowed by the profile, not by the token: refused before signing.
        resp = self.get(token, filename="pic.png")
        self.assertEqual(resp.status, 403, resp.text)
        resp = self.get(token, filename="scan.pdf", size=101)
        self.assertEqual(resp.status, 403, resp.text)
        self.assertIn("too large", resp.json()["message"])
        # No token, or a bad one: 401 from the route's auth, nothing signed.
        self.assertEqual(RESPONDERS["post"].request("GET", "/t/params",
                                                    query="filename=a.pdf").status, 401)
        self.assertEqual(self.get(token + "x", filename="a.pdf").status, 401)


class BotocoreTest(unittest.TestCase):
    """The responder's POST policy and PUT URL equal botocore's for the same key and clock."""

    @staticmethod
    def frozen(amz_date):
        moment = datetime.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(
            tzinfo=datetime.timezone.utc)
        return (mock.patch.object(botocore.signers, "get_current_datetime", lambda: moment),
                mock.patch.object(botocore.auth, "get_current_datetime", lambda: moment))

    def test_post_equals_generate_presigned_post(self):
        answer = upload_params(filename="x y.png", type="image/png")
        fields = answer["fields"]
        own = {name: value for name, value in fields.items()
               if name in ("Content-Type", "success_action_status", "x-amz-meta-filename")}
        conditions = [{name: value} for name, value in own.items()]
        conditions.append(["content-length-range", 1, MAX_SIZE])
        client = harness.Rgw(f"http://localhost:{RGW.port}", RGW.access_key,
                             RGW.secret_key).client(s3={"addressing_style": "virtual"})
        first, second = self.frozen(fields["x-amz-date"])
        with first, second:
            expected = client.generate_presigned_post(BUCKET, answer["key"], Fields=dict(own),
                                                      Conditions=conditions, ExpiresIn=300)
        self.assertEqual(answer["url"], expected["url"])
        self.assertEqual(fields, expected["fields"])
        self.assertEqual(fields["policy"], expected["fields"]["policy"])  # byte for byte

    def test_put_equals_generate_presigned_url(self):
        answer = upload_params("put", filename="x y.png", type="image/png", size=123)
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(answer["url"]).query)
        amz_date = query["X-Amz-Date"][0]
        client = harness.Rgw(f"http://localhost:{RGW.port}", RGW.access_key,
                             RGW.secret_key).client(s3={"addressing_style": "virtual"})
        first, second = self.frozen(amz_date)
        with first, second:
            expected = client.generate_presigned_url(
                "put_object", ExpiresIn=300,
                Params={"Bucket": BUCKET, "Key": answer["key"], "ContentType": "image/png",
                        "ContentLength": 123,
                        "Metadata": {"filename": answer["headers"]["x-amz-meta-filename"]}})
        self.assertEqual(answer["url"], expected)


if __name__ == "__main__":
    unittest.main()
