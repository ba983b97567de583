"""nginx/: the real nginx with the very files operators copy, in front of the responder and radosgw.

nginx runs with its own prefix on 127.0.0.1 and a random port (harness.Nginx), laid out like
Debian's /etc/nginx: conf.d/s3-upload-signer-http.conf, snippets/s3-upload-signer.conf,
sites-enabled/example-site.conf, fastcgi_params (Debian's own). The files are read from nginx/ and
only these strings are replaced, each asserted to be there: the socket path
"/run/s3-upload-signer/fcgi.sock", the allowed origin "https://app.example.com", and in the
example site the listen lines, the document root, and for its commented authentication variants
(uncommented here, as an operator would) the htpasswd path and the auth backend's URL.

What it shows (issue 4, "What it must show", nginx half):
* SnippetTest: sign (v4 policy, v4 REST string, checked against an independent signer), a real
  upload to radosgw with the signature, success and delete, all through nginx; refusals come back
  with the responder's status and JSON (500 {"invalid": true}, 403 with preventRetry, 404, 405 with
  Allow) and, for an allowed origin, the CORS headers; preflights are answered by nginx (204, the
  allowed methods and headers, Max-Age, Vary) and never reach the responder; a disallowed or
  absent origin gets no Access-Control-* header at all; a body over 64k is refused by nginx (413
  JSON); the blank page; /health; REQUEST_ID is nginx's $request_id.
* ResponderDownTest: a stopped responder gives 502 JSON with the CORS headers.
* CredentialsTest: the commented credentials line, turned on: Allow-Credentials for the allowed
  origin only.
* RateLimitTest: a burst beyond limit_req gets 429 JSON (with CORS headers); preflights are not
  limited.
* BasicAuthTest (example site, variant a): REMOTE_USER is the htpasswd user: keys under
  uploads/<user>/ work for that user only; no or wrong credentials give 401 JSON with CORS
  headers; preflights need no credentials.
* AuthRequestTest (example site, variant b): REMOTE_USER comes from the auth backend's
  X-Auth-User header, and a client's own "Authorization: Basic" cannot override it.
* ExampleSiteTest: the page, the blank page and signing through example-site.conf; every variant
  of it (basic auth, auth_request, TLS) passes nginx -t.
"""

import base64
import concurrent.futures
import datetime
import hashlib
import http.server
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
import unittest
import uuid as uuidlib
from pathlib import Path

import requests

import fineuploader as fu
import harness

NGINX_DIR = harness.REPO_ROOT / "nginx"
SOCKET_PLACEHOLDER = "/run/s3-upload-signer/fcgi.sock"
ORIGIN_PLACEHOLDER = "https://app.example.com"
DEBIAN_FASTCGI_PARAMS = Path("/etc/nginx/fastcgi_params")
DEBIAN_MIME_TYPES = Path("/etc/nginx/mime.types")

BUCKET = "s3us-nginx"
MAX_SIZE = 1_000_000
# The page's origin in these tests (any string works; a different host than nginx's, as in a
# real cross-origin set-up).
ORIGIN = "http://app.localhost:8123"
OTHER_ORIGIN = "http://evil.localhost:8123"
FORM = "application/x-www-form-urlencoded"
ACCESS_CONTROL = "access-control-"

RGW = None
CLIENT = None
_responders = {}
_created = []


# ------------------------------------------------------------------------------------------------
# The files, as operators copy them: read from nginx/, only the documented values replaced
# ------------------------------------------------------------------------------------------------

def render(name, replacements=()):
    """nginx/<name> with each (old, new) replaced; every `old` must occur in the file."""
    text = (NGINX_DIR / name).read_text()
    for old, new in replacements:
        if old not in text:
            raise AssertionError(f"nginx/{name} no longer contains {old!r}: the tests (and the "
                                 f"demo) substitute it")
        text = text.replace(old, new)
    return text


def uncomment(text, first, last=None):
    """Uncomments the lines from the one containing `first` to the next one containing `last`
    (None: to the end, blank lines kept), as an operator turns on a commented variant."""
    lines = text.split("\n")
    start = next(i for i, line in enumerate(lines) if first in line)
    end = len(lines) - 1 if last is None else \
        next(i for i in range(start, len(lines)) if last in lines[i])
    for i in range(start, end + 1):
        if last is None and not lines[i].strip():
            continue
        match = re.match(r"^(\s*)# ?(.*)$", lines[i])
        if not match:
            raise AssertionError(f"line {i + 1} of the variant is not commented: {lines[i]!r}")
        lines[i] = match.group(1) + match.group(2)
    return "\n".join(lines)


def common_files(socket_path, origin=ORIGIN):
    """The Debian layout of the http-level file, the snippet and fastcgi_params."""
    return {
        "fastcgi_params": DEBIAN_FASTCGI_PARAMS.read_text(),
        "mime.types": DEBIAN_MIME_TYPES.read_text(),
        "conf.d/s3-upload-signer-http.conf": render(
            "s3-upload-signer-http.conf",
            [(SOCKET_PLACEHOLDER, socket_path), (ORIGIN_PLACEHOLDER, origin)]),
        "snippets/s3-upload-signer.conf": render("s3-upload-signer.conf"),
    }


# The last line of the example site's basic-auth variant: REMOTE_USER is the auth_basic user only
# where the site says so (without it, empty: the responder's remote_user routes answer 401).
BASIC_VARIANT_END = "# set $s3_upload_signer_user $remote_user;"


def example_site(port, root, variant=None, htpasswd=None, auth_url=None):
    """nginx/example-site.conf on 127.0.0.1:<port>, with `root`; variant "basic" or
    "auth_request" uncomments that authentication block."""
    text = render("example-site.conf", [
        ("    listen 80;\n    listen [::]:80;\n    server_name uploads.example.com;\n\n"
         "    # The page",
         f"    listen 127.0.0.1:{port};\n    server_name uploads.example.com;\n\n    # The page"),
        ("root /var/www/uploads;", f"root {root};")])
    if variant == "basic":
        text = uncomment(text, "# auth_basic \"Uploads\";", BASIC_VARIANT_END)
        text = text.replace("/etc/nginx/uploads.htpasswd;", f"{htpasswd};", 1)
    elif variant == "auth_request":
        text = uncomment(text, "# auth_request /_s3_upload_signer_auth;", "#     internal;")
        text = uncomment(text, "#     proxy_pass http://127.0.0.1:8000/auth/check;", "# }")
        if "http://127.0.0.1:8000/auth/check" not in text:
            raise AssertionError("example-site.conf: the auth backend URL changed")
        text = text.replace("http://127.0.0.1:8000/auth/check", auth_url)
    elif variant is not None:
        raise ValueError(variant)
    return text


# The test's own server block: nothing but the listen line and the include.
PLAIN_SITE = """
  include conf.d/s3-upload-signer-http.conf;
  server {
    listen 127.0.0.1:{port};
    server_name localhost;
    include snippets/s3-upload-signer.conf;
  }
"""

DEBIAN_HTTP = """
  include mime.types;
  default_type application/octet-stream;
  include conf.d/*.conf;
  include sites-enabled/*;
"""


def nginx_test(files, http_body):
    """`nginx -t` on a prefix with `files` and an nginx.conf around http_body; (ok, output)."""
    directory = Path(tempfile.mkdtemp(prefix="s3us-nginx-t-"))
    try:
        for name, text in files.items():
            path = directory / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        conf = directory / "nginx.conf"
        conf.write_text(f"pid {directory}/nginx.pid;\nerror_log {directory}/error.log;\n"
                        "events { }\nhttp {\n" + http_body + "\n}\n")
        proc = subprocess.run(["nginx", "-t", "-p", str(directory), "-c", str(conf)],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              timeout=30)
        return proc.returncode == 0, proc.stdout
    finally:
        shutil.rmtree(directory, ignore_errors=True)


# ------------------------------------------------------------------------------------------------
# module set-up: radosgw, two responders (anonymous keys under uploads/, per-user keys)
# ------------------------------------------------------------------------------------------------

def setUpModule():
    global RGW, CLIENT
    harness.require_nginx()
    RGW, CLIENT = harness.rgw_with_bucket(BUCKET)


def tearDownModule():
    errors = []
    for name, responder in list(_responders.items()):
        try:
            responder.stop()
        except AssertionError as e:
            errors.append(f"responder {name}: {e}")
    _responders.clear()
    harness.remove_objects(CLIENT, BUCKET, _created)
    if errors:
        raise AssertionError("\n".join(errors))


def responder(name):
    """"open": keys uploads/<uuid>.<ext>; "users": keys uploads/{user}/<uuid>.<ext>."""
    if name not in _responders:
        prefix = {"open": "uploads/", "users": "uploads/{user}/"}[name]
        config = harness.profile_yaml(
            bucket=BUCKET, endpoint=f"http://localhost:{RGW.port}",
            key={"prefix": prefix, "shapes": ["uuid.ext"]},
            size={"min": 1, "max": MAX_SIZE},
            content_types=["image/*", "text/plain"],
            server_credentials=harness.SERVER_CREDENTIAL,
            s3={"connect_timeout": "2s", "timeout": "5s", "retries": 1})
        _responders[name] = harness.Responder(config, secret=RGW.secret_key, threads=4)
    found = _responders[name]
    if found.process.poll() is not None:
        raise AssertionError(f"responder {name} died:\n{found.log_text()[-3000:]}")
    return found


# ------------------------------------------------------------------------------------------------
# Fine Uploader's requests
# ------------------------------------------------------------------------------------------------

def now():
    return fu.parse_clock(datetime.datetime.now(datetime.timezone.utc))


def new_upload(prefix="uploads/", name="my photo.jpg", content_type="image/jpeg"):
    uid = str(uuidlib.uuid4())
    key = prefix + fu.Upload.key_for(uid, name)
    upload = fu.Upload(bucket=BUCKET, key=key, access_key=RGW.access_key, version=4,
                       region="us-east-1", host=f"{BUCKET}.localhost:{RGW.port}",
                       content_type=content_type, file_name=name, min_size=1,
                       max_size=MAX_SIZE)
    return upload, uid


def put_object(key, data=b"\xff\xd8\xff\xe0 a small jpeg", content_type="image/jpeg"):
    """An object under `key`, put with boto3 (as if the browser had uploaded it)."""
    _created.append(key)
    return CLIENT.put_object(Bucket=BUCKET, Key=key, Body=data, ContentType=content_type)["ETag"]


def exists(key):
    return harness.head_object(CLIENT, BUCKET, key) is not None


def cors(response):
    return {k.lower(): v for k, v in response.headers.items()
            if k.lower().startswith(ACCESS_CONTROL)}


def request_count(r, quiet=0.2, timeout=5.0):
    """How many requests the responder has logged, once no new line came for `quiet` seconds
    (a request's line is written after its answer is sent)."""
    count = len(harness.request_log_lines(r.log_text()))
    changed = time.monotonic()
    deadline = changed + timeout
    while time.monotonic() < deadline:
        time.sleep(0.02)
        now_count = len(harness.request_log_lines(r.log_text()))
        if now_count != count:
            count, changed = now_count, time.monotonic()
        elif time.monotonic() - changed >= quiet:
            break
    return count


def new_log_lines(r, before):
    """The responder's request lines after the first `before` (waits for them to settle)."""
    request_count(r)
    return harness.request_log_lines(r.log_text())[before:]


class NginxCase(unittest.TestCase):
    """Requests to one nginx, helpers for what every answer must look like."""

    nginx = None
    session = None

    @classmethod
    def start_nginx(cls, http_body, files, **kwargs):
        cls.nginx = harness.Nginx(http_body, files=files, **kwargs)
        cls.session = requests.Session()

    @classmethod
    def tearDownClass(cls):
        if cls.session is not None:
            cls.session.close()
        if cls.nginx is not None:
            log = cls.nginx.error_log()
            cls.nginx.stop()
            cls.nginx = None
            # Nothing nginx-side went wrong that the answers did not show (e.g. an unknown
            # variable, a failed upstream connect we did not cause on purpose).
            for line in log.splitlines():
                if "[emerg]" in line or "[alert]" in line or "[crit]" in line:
                    raise AssertionError(f"nginx error log: {line}")

    def call(self, method, path, origin=ORIGIN, headers=None, **kwargs):
        headers = dict(headers or {})
        if origin is not None:
            headers["Origin"] = origin
        kwargs.setdefault("timeout", 30)
        return self.session.request(method, self.nginx.url + path, headers=headers, **kwargs)

    def sign(self, body, origin=ORIGIN, **kwargs):
        headers = dict({"Content-Type": "application/json; charset=utf-8",
                        "Accept": "application/json"}, **kwargs.pop("headers", {}))
        return self.call("POST", "/s3/signature?v4=true", origin=origin, data=body.encode(),
                         headers=headers, **kwargs)

    def success(self, key, uid, etag=None, origin=ORIGIN, **kwargs):
        fields = {"key": key, "uuid": uid, "name": "my photo.jpg", "bucket": BUCKET}
        if etag:
            fields["etag"] = etag
        return self.call("POST", "/s3/success", origin=origin, data=fields,
                         headers=dict({"Content-Type": FORM, "Accept": "application/json"},
                                      **kwargs.pop("headers", {})), **kwargs)

    def delete(self, key, uid, origin=ORIGIN, **kwargs):
        return self.call("DELETE", f"/s3/delete/{uid}", origin=origin,
                         params={"key": key, "bucket": BUCKET},
                         headers=dict({"Accept": "application/json",
                                       "X-Requested-With": "XMLHttpRequest",
                                       "Cache-Control": "no-cache"},
                                      **kwargs.pop("headers", {})), **kwargs)

    def preflight(self, path, method="POST", origin=ORIGIN,
                  request_headers="content-type,x-csrf-token", **kwargs):
        headers = {"Access-Control-Request-Method": method}
        if request_headers:
            headers["Access-Control-Request-Headers"] = request_headers
        headers.update(kwargs.pop("headers", {}))
        return self.call("OPTIONS", path, origin=origin, headers=headers, **kwargs)

    # --- assertions --------------------------------------------------------------------------

    def assert_json(self, response, status, body=None):
        self.assertEqual(response.status_code, status,
                         f"{response.status_code} {response.text[:500]}")
        self.assertEqual(response.headers.get("Content-Type", "").split(";")[0],
                         "application/json", response.headers)
        answer = response.json()
        if body is not None:
            self.assertEqual(answer, body)
        return answer

    def assert_cors_actual(self, response, origin=ORIGIN):
        """An actual (non-preflight) answer to `origin`: Allow-Origin, Vary, nothing else."""
        got = cors(response)
        self.assertEqual(got, {"access-control-allow-origin": origin},
                         (response.status_code, response.headers))
        self.assertIn("Origin", [v.strip() for v in response.headers.get("Vary", "").split(",")])

    def assert_no_cors(self, response):
        self.assertEqual(cors(response), {}, (response.status_code, response.headers))

    def assert_preflight_allowed(self, response, origin=ORIGIN):
        self.assertEqual(response.status_code, 204, response.text)
        self.assertEqual(response.content, b"")
        got = cors(response)
        self.assertEqual(got.get("access-control-allow-origin"), origin, got)
        self.assertEqual([m.strip() for m in got.get("access-control-allow-methods", "").split(",")],
                         ["POST", "DELETE", "OPTIONS"])
        allowed = [h.strip().lower()
                   for h in got.get("access-control-allow-headers", "").split(",")]
        for name in ("content-type", "x-requested-with", "cache-control", "accept",
                     "authorization", "x-csrf-token"):
            self.assertIn(name, allowed, got)
        self.assertEqual(got.get("access-control-max-age"), "600")
        # Credentials are off in the files as shipped.
        self.assertNotIn("access-control-allow-credentials", got)
        self.assertIn("Origin", [v.strip() for v in response.headers.get("Vary", "").split(",")])


# ------------------------------------------------------------------------------------------------
# The snippet, anonymous keys
# ------------------------------------------------------------------------------------------------

class SnippetTest(NginxCase):

    @classmethod
    def setUpClass(cls):
        cls.r = responder("open")
        cls.start_nginx(PLAIN_SITE, common_files(cls.r.socket_path), worker_processes=2)

    # --- the files themselves ----------------------------------------------------------------

    def test_files_are_used_unchanged_but_for_the_placeholders(self):
        files = common_files("/x/fcgi.sock", "https://o.example")
        self.assertEqual(files["snippets/s3-upload-signer.conf"],
                         (NGINX_DIR / "s3-upload-signer.conf").read_text())
        http_conf = files["conf.d/s3-upload-signer-http.conf"]
        self.assertIn("server unix:/x/fcgi.sock;", http_conf)
        self.assertIn('"https://o.example"   $http_origin;', http_conf)
        self.assertNotIn(SOCKET_PLACEHOLDER, http_conf)
        self.assertNotIn(ORIGIN_PLACEHOLDER, http_conf)
        with self.assertRaises(AssertionError):
            render("s3-upload-signer.conf", [("no such text", "x")])

    # --- signing -----------------------------------------------------------------------------

    def test_sign_v4_policy(self):
        upload, _ = new_upload()
        body = fu.policy_body(upload, now())
        before = request_count(self.r)
        response = self.sign(body)
        answer = self.assert_json(response, 200)
        self.assertEqual(answer, fu.sign_body(RGW.secret_key, body, v4=True))
        self.assertEqual(base64.b64decode(answer["policy"]).decode(), body)
        self.assert_cors_actual(response)
        # REQUEST_ID is nginx's $request_id (32 hex digits), and the log line has it.
        line = new_log_lines(self.r, before)
        self.assertEqual(len(line), 1, line)
        self.assertRegex(line[0]["id"], r"^[0-9a-f]{32}$")
        self.assertEqual(line[0]["path"], "/s3/signature")

    def test_sign_v4_rest_string(self):
        upload, _ = new_upload()
        t = now()
        for rest in (fu.initiate(upload, t), fu.upload_part(upload, t, "UPID", 2, b"p" * 100),
                     fu.complete(upload, t, "UPID", [(1, '"a"'), (2, '"b"')]),
                     fu.abort(upload, t, "UPID")):
            with self.subTest(operation=rest.operation):
                response = self.sign(rest.body)
                answer = self.assert_json(response, 200)
                self.assertEqual(answer,
                                 {"signature": fu.sign_rest_v4(RGW.secret_key,
                                                               rest.headers_string)[1]})
                self.assert_cors_actual(response)

    def test_refused_signatures_are_500_invalid_with_cors_headers(self):
        t = now()
        outside, _ = new_upload(prefix="elsewhere/")
        wrong_type, _ = new_upload(name="x.exe", content_type="application/x-msdownload")
        get = fu.rest_request(fu.INITIATE, new_upload()[0], t)
        self.assertIn('aws4_request\\nPOST\\n/', get.body)
        bodies = {
            "key outside the prefix": fu.policy_body(outside, t),
            "content type not allowed": fu.policy_body(wrong_type, t),
            "a GET disguised as initiate": get.body.replace('POST\\n/', 'GET\\n/', 1),
            "no policy, no headers": "{}",
        }
        for reason, body in bodies.items():
            with self.subTest(reason):
                response = self.sign(body)
                self.assert_json(response, 500, {"invalid": True})
                self.assert_cors_actual(response)
                # The same refusal to another origin: no CORS header (the browser hides it).
                response = self.sign(body, origin=OTHER_ORIGIN)
                self.assert_json(response, 500, {"invalid": True})
                self.assert_no_cors(response)
        # A body that is not JSON at all: 400 with the reason.
        response = self.sign("{not json")
        self.assertIn("not valid JSON", self.assert_json(response, 400)["error"])
        self.assert_cors_actual(response)

    # --- a whole upload: sign, put to radosgw, success, delete -------------------------------

    def test_upload_success_and_delete_through_nginx(self):
        upload, uid = new_upload()
        t = now()
        answer = self.assert_json(self.sign(fu.policy_body(upload, t)), 200)
        fields = fu.form_fields(upload, t, answer["policy"], answer["signature"])
        data = b"\x89PNG through nginx " * 50
        _created.append(upload.key)
        put = requests.post(f"http://127.0.0.1:{RGW.port}/", timeout=30,
                            headers={"Host": upload.host},
                            files=[(n, (None, v)) for n, v in fields]
                            + [("file", ("my photo.jpg", data, "image/jpeg"))])
        self.assertEqual(put.status_code, 200, put.text)
        etag = '"' + hashlib.md5(data).hexdigest() + '"'

        response = self.success(upload.key, uid, etag)
        answer = self.assert_json(response, 200)
        self.assertIs(answer["success"], True)
        self.assertEqual((answer["key"], answer["size"]), (upload.key, len(data)))
        self.assert_cors_actual(response)

        response = self.delete(upload.key, uid)
        self.assertEqual(response.status_code, 204, response.text)
        self.assert_cors_actual(response)
        self.assertFalse(exists(upload.key))

    def test_success_and_delete_of_a_put_object(self):
        key_uid = str(uuidlib.uuid4())
        key = f"uploads/{key_uid}.jpg"
        etag = put_object(key)
        response = self.success(key, key_uid, etag)
        self.assertIs(self.assert_json(response, 200)["success"], True)
        self.assert_cors_actual(response)
        response = self.delete(key, key_uid)
        self.assertEqual(response.status_code, 204)
        self.assertFalse(exists(key))

    def test_success_and_delete_outside_the_prefix_are_403(self):
        uid = str(uuidlib.uuid4())
        key = f"private/{uid}.jpg"
        etag = put_object(key)
        for response in (self.success(key, uid, etag), self.delete(key, uid),
                         self.call("POST", "/s3/delete/" + uid, data={
                             "key": key, "bucket": BUCKET, "qquuid": uid, "_method": "DELETE"})):
            with self.subTest(method=response.request.method):
                answer = self.assert_json(response, 403)
                self.assertIs(answer.get("preventRetry"), True, answer)
                self.assertIn("error", answer)
                self.assert_cors_actual(response)
        self.assertTrue(exists(key), "a refused delete must not delete")

    def test_success_of_a_missing_object_is_404(self):
        uid = str(uuidlib.uuid4())
        response = self.success(f"uploads/{uid}.jpg", uid, '"0123456789abcdef0123456789abcdef"')
        answer = self.assert_json(response, 404)
        self.assertIs(answer.get("preventRetry"), True)
        self.assert_cors_actual(response)

    # --- CORS ----------------------------------------------------------------------------------

    def test_preflights_from_the_allowed_origin(self):
        before = request_count(self.r)
        uid = str(uuidlib.uuid4())
        cases = [("/s3/signature", "POST", "content-type,x-csrf-token"),
                 ("/s3/success", "POST", "content-type,x-csrf-token"),
                 (f"/s3/delete/{uid}?key=uploads%2F{uid}.jpg&bucket={BUCKET}", "DELETE",
                  "cache-control,x-csrf-token,x-requested-with"),
                 ("/s3/anything-else", "POST", "content-type")]
        for path, method, request_headers in cases:
            with self.subTest(path=path):
                self.assert_preflight_allowed(
                    self.preflight(path, method, request_headers=request_headers))
        time.sleep(0.2)
        self.assertEqual(request_count(self.r), before, "a preflight reached the responder")

    def test_preflights_from_other_origins_get_no_cors_headers(self):
        before = request_count(self.r)
        for origin in (OTHER_ORIGIN, "null", ORIGIN + ".evil.example", ORIGIN + "/",
                       ORIGIN.replace("http://", "https://"), ORIGIN.upper() + "x", ""):
            for path in ("/s3/signature", "/s3/delete/x"):
                with self.subTest(origin=origin, path=path):
                    response = self.preflight(path, "POST", origin=origin)
                    self.assertIn(response.status_code, (204, 403))
                    self.assert_no_cors(response)
        time.sleep(0.2)
        self.assertEqual(request_count(self.r), before)

    def test_no_origin_no_cors_headers(self):
        response = self.preflight("/s3/signature", origin=None)
        self.assertIn(response.status_code, (204, 403))
        self.assert_no_cors(response)
        upload, _ = new_upload()
        response = self.sign(fu.policy_body(upload, now()), origin=None)
        self.assert_json(response, 200)
        self.assert_no_cors(response)
        response = self.sign("{}", origin=None)
        self.assert_json(response, 500, {"invalid": True})
        self.assert_no_cors(response)

    # --- refusals by path, method and size ------------------------------------------------------

    def test_unknown_path_under_s3_is_404_json_from_the_responder(self):
        before = request_count(self.r)
        response = self.call("POST", "/s3/nope", data=b"{}")
        self.assert_json(response, 404, {"error": "not found"})
        self.assert_cors_actual(response)
        self.assertEqual(request_count(self.r), before + 1)

    def test_wrong_method_is_405_with_allow(self):
        response = self.call("GET", "/s3/signature")
        self.assert_json(response, 405)
        self.assertEqual(response.headers.get("Allow"), "POST")
        self.assert_cors_actual(response)
        response = self.call("PUT", "/s3/delete/" + str(uuidlib.uuid4()))
        self.assert_json(response, 405)
        self.assertEqual(sorted(m.strip() for m in response.headers.get("Allow").split(",")),
                         ["DELETE", "POST"])
        self.assert_cors_actual(response)

    def test_body_over_64k_is_refused_by_nginx(self):
        before = request_count(self.r)
        for path in ("/s3/signature?v4=true", "/s3/success", "/s3/delete/x"):
            with self.subTest(path=path):
                response = self.call("POST", path, data=b"{}" + b" " * 65535,
                                     headers={"Content-Type": "application/json"})
                answer = self.assert_json(response, 413)
                self.assertIs(answer.get("preventRetry"), True)
                self.assert_cors_actual(response)
        self.assertEqual(request_count(self.r), before, "nginx passed an oversized body on")
        # Exactly 64 KiB still reaches the responder (and is refused there: no policy).
        response = self.call("POST", "/s3/signature?v4=true", data=b"{}" + b" " * 65534,
                             headers={"Content-Type": "application/json"})
        self.assert_json(response, 500, {"invalid": True})
        self.assertEqual(request_count(self.r), before + 1)

    # --- the other locations -----------------------------------------------------------------

    def test_blank_page(self):
        before = request_count(self.r)
        response = self.call("GET", "/s3/blank.html?bucket=b&key=k&etag=%22e%22", origin=None)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.headers["Content-Type"].split(";")[0], "text/html")
        self.assertIn("<html", response.text.lower())
        self.assertNotEqual(response.headers.get("X-Frame-Options", "").upper(), "DENY")
        self.assertEqual(request_count(self.r), before, "the blank page is nginx's")

    def test_health_from_this_machine(self):
        response = self.call("GET", "/health", origin=None)
        answer = self.assert_json(response, 200)
        self.assertIn("version", answer)
        self.assert_no_cors(response)


class ResponderDownTest(NginxCase):
    """A responder that is not running: nginx's own 502, as JSON, with CORS headers."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="s3us-nginx-down-")
        cls.start_nginx(PLAIN_SITE, common_files(os.path.join(cls.tmp, "missing.sock")))

    @classmethod
    def tearDownClass(cls):
        cls.nginx.stop()  # its error log has the failed connects, on purpose
        cls.nginx = None
        cls.session.close()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_502_json_with_cors_headers(self):
        response = self.sign("{}")
        answer = self.assert_json(response, 502)
        self.assertIn("unavailable", answer["error"])
        self.assertNotIn("preventRetry", answer)
        self.assert_cors_actual(response)
        # Preflights do not need the responder.
        self.assert_preflight_allowed(self.preflight("/s3/signature"))


class CredentialsTest(NginxCase):
    """The one line of the http-level file that turns credentials on, uncommented."""

    @classmethod
    def setUpClass(cls):
        cls.r = responder("open")
        files = common_files(cls.r.socket_path)
        name = "conf.d/s3-upload-signer-http.conf"
        before = files[name]
        files[name] = uncomment(before, '# "~."  "true";', '# "~."  "true";')
        assert files[name].count("\n") == before.count("\n") and files[name] != before
        cls.start_nginx(PLAIN_SITE, files)

    def test_allow_credentials_for_the_allowed_origin_only(self):
        response = self.preflight("/s3/signature")
        self.assertEqual(response.status_code, 204)
        self.assertEqual(cors(response).get("access-control-allow-credentials"), "true")
        self.assertEqual(cors(response).get("access-control-allow-origin"), ORIGIN)
        response = self.sign("{}")
        self.assert_json(response, 500, {"invalid": True})
        self.assertEqual(cors(response), {"access-control-allow-origin": ORIGIN,
                                          "access-control-allow-credentials": "true"})
        for origin in (OTHER_ORIGIN, None):
            self.assert_no_cors(self.preflight("/s3/signature", origin=origin))
            self.assert_no_cors(self.sign("{}", origin=origin))


class RateLimitTest(NginxCase):

    @classmethod
    def setUpClass(cls):
        cls.r = responder("open")
        cls.start_nginx(PLAIN_SITE, common_files(cls.r.socket_path))

    def test_burst_beyond_the_limit_gets_429_json(self):
        # rate=20r/s burst=40 nodelay: at most 41 at once, then about one per 50 ms.
        upload, _ = new_upload()
        body = fu.policy_body(upload, now())

        def one(_):
            with requests.Session() as s:
                response = s.post(self.nginx.url + "/s3/signature?v4=true", data=body.encode(),
                                  headers={"Origin": ORIGIN,
                                           "Content-Type": "application/json"}, timeout=30)
                return response.status_code, response.headers, response.content

        with concurrent.futures.ThreadPoolExecutor(16) as pool:
            results = list(pool.map(one, range(160)))
        statuses = [status for status, _, _ in results]
        self.assertEqual(set(statuses) - {200, 429}, set(), statuses)
        self.assertGreaterEqual(statuses.count(200), 41, statuses)
        self.assertGreater(statuses.count(429), 0, statuses)
        for status, headers, content in results:
            if status == 429:
                self.assertEqual(headers.get("Content-Type"), "application/json")
                self.assertIn("too many requests", json.loads(content)["error"])
                self.assertEqual(headers.get("Access-Control-Allow-Origin"), ORIGIN)
                break
        # Preflights are answered before the limit applies.
        self.assert_preflight_allowed(self.preflight("/s3/signature"))
        # Success and delete are not limited.
        response = self.call("POST", "/s3/success", data={"key": "x"})
        self.assertNotEqual(response.status_code, 429)


# ------------------------------------------------------------------------------------------------
# The example site, and REMOTE_USER from its two authentication variants
# ------------------------------------------------------------------------------------------------

class SiteCase(NginxCase):
    variant = None

    @classmethod
    def start_site(cls, responder_name, **variant_args):
        cls.root = Path(tempfile.mkdtemp(prefix="s3us-site-"))
        (cls.root / "index.html").write_text("<!DOCTYPE html><title>uploads</title>upload page\n")
        cls.r = responder(responder_name)
        port = harness.free_port()
        files = common_files(cls.r.socket_path)
        files["sites-enabled/example-site.conf"] = example_site(port, cls.root, cls.variant,
                                                                **variant_args)
        cls.start_nginx(DEBIAN_HTTP, files, port=port)

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        shutil.rmtree(cls.root, ignore_errors=True)

    def user_upload(self, user):
        return new_upload(prefix=f"uploads/{user}/")


class ExampleSiteTest(SiteCase):

    @classmethod
    def setUpClass(cls):
        cls.start_site("open")

    def test_page_blank_page_and_signing(self):
        response = self.call("GET", "/", origin=None)
        self.assertEqual(response.status_code, 200)
        self.assertIn("upload page", response.text)
        self.assertEqual(response.headers["Content-Type"].split(";")[0], "text/html")
        response = self.call("GET", "/s3/blank.html", origin=None)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.headers["Content-Type"].split(";")[0], "text/html")
        upload, _ = new_upload()
        body = fu.policy_body(upload, now())
        response = self.sign(body)
        self.assertEqual(self.assert_json(response, 200),
                         fu.sign_body(RGW.secret_key, body, v4=True))
        self.assert_cors_actual(response)
        self.assert_preflight_allowed(self.preflight("/s3/signature"))
        self.assertEqual(self.call("GET", "/nope.html", origin=None).status_code, 404)

    def test_every_variant_passes_nginx_t(self):
        files = common_files(SOCKET_PLACEHOLDER.replace("/run/", "/tmp/"))
        site = render("example-site.conf")
        tmp = Path(tempfile.mkdtemp(prefix="s3us-tls-"))
        try:
            subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                            "-subj", "/CN=uploads.example.com", "-days", "1",
                            "-keyout", str(tmp / "key.pem"), "-out", str(tmp / "cert.pem")],
                           check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           timeout=60)
            tls = uncomment(site, "# server {")
            tls = tls.replace("/etc/letsencrypt/live/uploads.example.com/fullchain.pem",
                              str(tmp / "cert.pem")).replace(
                "/etc/letsencrypt/live/uploads.example.com/privkey.pem", str(tmp / "key.pem"))
            variants = {
                "as shipped": site,
                "basic": uncomment(site, "# auth_basic \"Uploads\";", BASIC_VARIANT_END),
                "auth_request": uncomment(
                    uncomment(site, "# auth_request /_s3_upload_signer_auth;", "#     internal;"),
                    "#     proxy_pass http://127.0.0.1:8000/auth/check;", "# }"),
                "tls": tls,
            }
            self.assertEqual(tls.count("server {"), 3)
            self.assertNotIn("# server", tls)
            for name, text in variants.items():
                with self.subTest(variant=name):
                    ok, output = nginx_test(dict(files, **{"sites-enabled/uploads": text}),
                                            DEBIAN_HTTP)
                    self.assertTrue(ok, output)
            # And the check can fail: a broken snippet does not pass.
            broken = dict(files, **{"sites-enabled/uploads": site})
            broken["snippets/s3-upload-signer.conf"] += "\nlocation /x { fastcgi_pas y; }\n"
            self.assertFalse(nginx_test(broken, DEBIAN_HTTP)[0])
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def test_auth_request_module_is_available(self):
        proc = subprocess.run(["nginx", "-V"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True, timeout=30)
        self.assertIn("--with-http_auth_request_module", proc.stdout)


class BasicAuthTest(SiteCase):
    variant = "basic"
    USERS = {"alice": "alice-password", "bob": "bob-password"}

    @classmethod
    def setUpClass(cls):
        cls.htpasswd_dir = tempfile.mkdtemp(prefix="s3us-htpasswd-")
        path = Path(cls.htpasswd_dir) / "htpasswd"
        # {SHA} scheme (base64 of SHA-1), which nginx's auth_basic reads.
        path.write_text("".join(
            f"{user}:{{SHA}}{base64.b64encode(hashlib.sha1(pw.encode()).digest()).decode()}\n"
            for user, pw in cls.USERS.items()))
        cls.start_site("users", htpasswd=str(path))

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        shutil.rmtree(cls.htpasswd_dir, ignore_errors=True)

    def auth(self, user):
        return (user, self.USERS[user])

    def test_keys_under_the_users_prefix_only(self):
        t = now()
        mine, _ = self.user_upload("alice")
        theirs, _ = self.user_upload("bob")
        response = self.sign(fu.policy_body(mine, t), auth=self.auth("alice"))
        self.assertEqual(self.assert_json(response, 200),
                         fu.sign_body(RGW.secret_key, fu.policy_body(mine, t), v4=True))
        self.assert_cors_actual(response)
        response = self.sign(fu.policy_body(theirs, t), auth=self.auth("alice"))
        self.assert_json(response, 500, {"invalid": True})
        self.assert_cors_actual(response)
        rest = fu.initiate(theirs, t)
        self.assert_json(self.sign(rest.body, auth=self.auth("bob")), 200)
        self.assert_json(self.sign(rest.body, auth=self.auth("alice")), 500, {"invalid": True})

    def test_success_and_delete_for_the_owner_only(self):
        uid = str(uuidlib.uuid4())
        key = f"uploads/alice/{uid}.jpg"
        etag = put_object(key)
        for response in (self.success(key, uid, etag, auth=self.auth("bob")),
                         self.delete(key, uid, auth=self.auth("bob"))):
            answer = self.assert_json(response, 403)
            self.assertIs(answer["preventRetry"], True)
            self.assert_cors_actual(response)
        self.assertTrue(exists(key))
        response = self.success(key, uid, etag, auth=self.auth("alice"))
        self.assertIs(self.assert_json(response, 200)["success"], True)
        response = self.delete(key, uid, auth=self.auth("alice"))
        self.assertEqual(response.status_code, 204)
        self.assertFalse(exists(key))

    def test_without_credentials_401_json_with_cors_headers(self):
        before = request_count(self.r)
        upload, _ = self.user_upload("alice")
        for auth in (None, ("alice", "wrong"), ("mallory", "x")):
            with self.subTest(auth=auth):
                response = self.sign(fu.policy_body(upload, now()), auth=auth)
                answer = self.assert_json(response, 401)
                self.assertIn("error", answer)
                self.assertTrue(response.headers.get("WWW-Authenticate", "").startswith("Basic"))
                self.assert_cors_actual(response)
        self.assertEqual(request_count(self.r), before)

    def test_preflight_needs_no_credentials(self):
        self.assert_preflight_allowed(self.preflight("/s3/signature"))
        self.assert_preflight_allowed(self.preflight("/s3/delete/x", "DELETE"))


class _AuthBackend(http.server.BaseHTTPRequestHandler):
    """The application's auth check: session cookie -> 200 + X-Auth-User, or 401."""

    SESSIONS = {"s-bob": "bob", "s-alice": "alice", "s-anonymous": None}
    calls = []

    def do_GET(self):
        cookies = dict(part.strip().split("=", 1)
                       for part in self.headers.get("Cookie", "").split(";") if "=" in part)
        session = cookies.get("session")
        _AuthBackend.calls.append((self.path, self.headers.get("X-Original-URI"), session))
        if session in self.SESSIONS:
            self.send_response(200)
            if self.SESSIONS[session]:
                self.send_header("X-Auth-User", self.SESSIONS[session])
        else:
            self.send_response(401)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


class AuthRequestTest(SiteCase):
    variant = "auth_request"

    @classmethod
    def setUpClass(cls):
        cls.backend = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _AuthBackend)
        threading.Thread(target=cls.backend.serve_forever, daemon=True).start()
        cls.start_site("users",
                       auth_url=f"http://127.0.0.1:{cls.backend.server_address[1]}/auth/check")

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        cls.backend.shutdown()
        cls.backend.server_close()

    def as_user(self, session):
        return {"Cookie": f"session={session}"}

    def test_remote_user_comes_from_the_auth_backend(self):
        t = now()
        bobs, _ = self.user_upload("bob")
        alices, _ = self.user_upload("alice")
        _AuthBackend.calls.clear()
        response = self.sign(fu.policy_body(bobs, t), headers=self.as_user("s-bob"))
        self.assert_json(response, 200)
        self.assert_cors_actual(response)
        self.assertEqual(_AuthBackend.calls[-1], ("/auth/check", "/s3/signature?v4=true",
                                                  "s-bob"))
        response = self.sign(fu.policy_body(alices, t), headers=self.as_user("s-bob"))
        self.assert_json(response, 500, {"invalid": True})
        self.assert_cors_actual(response)
        self.assert_json(self.sign(fu.policy_body(alices, t), headers=self.as_user("s-alice")),
                         200)

    def test_a_basic_authorization_header_cannot_override_the_user(self):
        # $remote_user (fastcgi_params' REMOTE_USER) is whatever the client claims here, since
        # nginx checks no password; the snippet's REMOTE_USER from auth_request must win.
        t = now()
        alices, _ = self.user_upload("alice")
        bobs, _ = self.user_upload("bob")
        claim = ("alice", "anything")
        before = request_count(self.r)
        self.assert_json(self.sign(fu.policy_body(alices, t), headers=self.as_user("s-bob"),
                                   auth=claim), 500, {"invalid": True})
        (line,) = new_log_lines(self.r, before)
        self.assertEqual(line.get("user"), "bob", line)
        self.assert_json(self.sign(fu.policy_body(bobs, t), headers=self.as_user("s-bob"),
                                   auth=claim), 200)
        # Authenticated without a user name: anonymous, not "alice".
        before = request_count(self.r)
        self.assert_json(self.sign(fu.policy_body(alices, t),
                                   headers=self.as_user("s-anonymous"), auth=claim),
                         500, {"invalid": True})
        (line,) = new_log_lines(self.r, before)
        self.assertNotIn("user", line)

    def test_success_and_delete_for_the_owner_only(self):
        uid = str(uuidlib.uuid4())
        key = f"uploads/bob/{uid}.jpg"
        etag = put_object(key)
        response = self.success(key, uid, etag, headers=self.as_user("s-alice"))
        self.assertIs(self.assert_json(response, 403)["preventRetry"], True)
        response = self.delete(key, uid, headers=self.as_user("s-alice"))
        self.assertIs(self.assert_json(response, 403)["preventRetry"], True)
        self.assert_cors_actual(response)
        self.assertTrue(exists(key))
        response = self.success(key, uid, etag, headers=self.as_user("s-bob"))
        self.assertIs(self.assert_json(response, 200)["success"], True)
        response = self.delete(key, uid, headers=self.as_user("s-bob"))
        self.assertEqual(response.status_code, 204)
        self.assertFalse(exists(key))

    def test_refused_by_the_backend_401_json_and_preflights_skip_it(self):
        before = request_count(self.r)
        upload, _ = self.user_upload("bob")
        for headers in ({}, self.as_user("s-unknown")):
            response = self.sign(fu.policy_body(upload, now()), headers=headers)
            self.assert_json(response, 401)
            self.assert_cors_actual(response)
        self.assertEqual(request_count(self.r), before)
        _AuthBackend.calls.clear()
        self.assert_preflight_allowed(self.preflight("/s3/signature"))
        self.assertEqual(_AuthBackend.calls, [], "a preflight went to the auth backend")


if __name__ == "__main__":
    unittest.main()
