"""Apache 2.4 in front of the responder, with the very files of apache/ (issue 4).

Every server here is the real Debian apache2 (harness.Apache: its own ServerRoot, port, logs; as
root its children run as www-data) whose configuration Includes apache/s3-upload-signer-fcgid.conf
or apache/s3-upload-signer-proxy-fcgi.conf with nothing changed but paths and the allowed origin,
by text replacement that must find each placeholder:

    /usr/sbin/s3-upload-signer              -> the built responder (S3US_BINARY)
    /etc/s3-upload-signer/config.yaml       -> the test's configuration
    /run/s3-upload-signer/fcgi.sock         -> the test responder's socket
    /usr/share/s3-upload-signer/blank.html  -> apache/blank.html
    ^https://app\\.example\\.com$             -> the test's origin
    /etc/s3-upload-signer/htpasswd          -> the test's password file (Basic auth variant)

The Basic auth variants make exactly the edits the files' comments describe (the commented
example replaces "Require all granted"; the Access-Control-Allow-Credentials line is turned on).
The test servers' own configuration is what a Debian site looks like: the file at server level
(a2enconf), requests served by a VirtualHost with mod_rewrite on at its level, and a hardened
<Directory /> (Require all denied, Options None).

* FcgidTest: mod_fcgid spawns the responder itself (its start-up line in Apache's error log shows
  the socket inherited on fd 0 and the configuration from FcgidCmdOptions InitialEnv);
* ProxyFcgiTest: mod_proxy_fcgi to a responder on its own unix socket (group www-data, 0660);
* both: sign (v4 policy, v4 REST string; a refusal is 500 {"invalid": true} with CORS headers),
  success and delete against radosgw (a key outside the caller's prefix: 403 JSON with
  preventRetry), CORS preflights answered by Apache (allowed origin: 204 with the headers of
  docs/web-servers.md; others: no Access-Control-* header at all; the responder never sees an
  OPTIONS), a body over 64 KiB refused by Apache (413), an unknown path (the responder's 404 JSON,
  so its path is right), a wrong method (405 with Allow), the blank page, /health, and the pages
  of `reply: html` routes (the upload form, posted to radosgw, whose redirect leads to the page
  that checks the object);
* FcgidTest also: a Fine Uploader v4 chunked upload (fineuploader.py: initiate, three parts,
  complete, and an abort, each REST string signed through Apache, each request sent to radosgw
  virtual-hosted), confirmed through Apache;
* *BasicAuthTest: REMOTE_USER comes from Apache's Basic auth: keys under uploads/{user}/, another
  user's key refused, no credentials 401 (with CORS headers), preflights need none.
After each server: graceful-stop, every responder process gone (mod_fcgid ones exited 0 after
logging "stopped"), no sanitizer report in any log, no OPTIONS in the responder's log.
"""

import base64
import datetime
import hashlib
import os
import re
import shutil
import subprocess
import tempfile
import time
import unittest
import urllib.parse
import uuid as uuidlib
import xml.etree.ElementTree as ET

import requests

import fineuploader as fu
import harness
from test_form_page import Page

APACHE_DIR = harness.REPO_ROOT / "apache"
FCGID_CONF = APACHE_DIR / "s3-upload-signer-fcgid.conf"
PROXY_CONF = APACHE_DIR / "s3-upload-signer-proxy-fcgi.conf"
BLANK_PAGE = APACHE_DIR / "blank.html"

BINARY_PLACEHOLDER = "/usr/sbin/s3-upload-signer"
CONFIG_PLACEHOLDER = "/etc/s3-upload-signer/config.yaml"
SOCKET_PLACEHOLDER = "/run/s3-upload-signer/fcgi.sock"
BLANK_PLACEHOLDER = "/usr/share/s3-upload-signer/blank.html"
HTPASSWD_PLACEHOLDER = "/etc/s3-upload-signer/htpasswd"
ORIGIN_PLACEHOLDER = r"^https://app\.example\.com$"

FCGID_MODULES = ("authz_core", "authz_host", "mime", "alias", "headers", "rewrite", "setenvif",
                 "fcgid")
PROXY_MODULES = ("authz_core", "authz_host", "mime", "alias", "headers", "rewrite", "setenvif",
                 "proxy", "proxy_fcgi")
AUTH_MODULES = ("authn_core", "auth_basic", "authn_file", "authz_user")

BUCKET = "apache-it"
ORIGIN = "https://uploader.s3us.test"
# Not allowed: another host, the allowed one as a prefix or with a dot that is not a dot, http.
OTHER_ORIGINS = ("https://evil.s3us.test", "https://uploader.s3us.test.evil.example",
                 "https://uploaderXs3us.test", "http://uploader.s3us.test", "null")
ALLOW_METHODS = "POST, DELETE, OPTIONS"
ALLOW_HEADERS = ("Content-Type, X-Requested-With, Cache-Control, Accept, Authorization, "
                 "X-CSRF-Token")
BODY_LIMIT = 65536
PART_SIZE = 5 * 1024 * 1024  # radosgw enforces S3's 5 MiB minimum for all but the last part
FORM = "application/x-www-form-urlencoded"
# Where radosgw sends the browser after a form upload (the test calls Apache's /s3/form/done with
# the query radosgw adds).
FORM_DONE = "https://app.example.com/s3/form/done"
USERS = {"alice": "alice-secret-1", "bob": "bob-secret-2"}

RGW = None
CLIENT = None
HOST = None  # what browsers send as Host for the bucket (virtual-hosted)
_created_keys = set()


def setUpModule():
    global RGW, CLIENT, HOST
    if os.geteuid() != 0:
        raise unittest.SkipTest("Apache must start as root to run its children as www-data")
    for tool in (harness.APACHE_BINARY, f"{harness.APACHE_MODULES_DIR}/mod_fcgid.so"):
        if not os.path.exists(tool):
            raise unittest.SkipTest(f"{tool} missing: apt-get install apache2 "
                                    f"libapache2-mod-fcgid")
    # mod_fcgid runs the responder as www-data: it must be able to execute it.
    check = subprocess.run(["runuser", "-u", harness.APACHE_USER, "--", "test", "-x",
                            str(harness.BINARY)], stdin=subprocess.DEVNULL)
    if check.returncode != 0:
        raise AssertionError(f"{harness.BINARY} is not executable by {harness.APACHE_USER} "
                             f"(every folder on its path needs o+x)")
    RGW, CLIENT = harness.rgw_with_bucket(BUCKET)
    HOST = f"{BUCKET}.localhost:{RGW.port}"


def tearDownModule():
    if CLIENT is None:
        return
    harness.remove_objects(CLIENT, BUCKET, _created_keys)


# ------------------------------------------------------------------------------------------------
# the files from apache/, with only paths and the origin replaced
# ------------------------------------------------------------------------------------------------

def apache_regex(text):
    """A regular expression (PCRE) matching exactly `text`."""
    return re.escape(text)


def substituted(text, replacements, name):
    """`text` (of the file `name`) with each placeholder replaced; each must be there."""
    for old, new in replacements:
        if old not in text:
            raise AssertionError(f"{name}: placeholder {old!r} not found: the files operators "
                                 f"copy and the tests must keep it")
        text = text.replace(old, new)
        assert old not in text
    return text


CREDENTIALS_LINE = ('    #Header always set Access-Control-Allow-Credentials "true" '
                    'env=S3US_CORS_ORIGIN')


def with_basic_auth(text):
    """The edits the comments in the file describe: the commented Basic auth lines replace
    "Require all granted" (the first one: the one in <Location "/s3/">), and the
    Access-Control-Allow-Credentials line is turned on (cross-origin pages send credentials)."""
    assert text.count(CREDENTIALS_LINE) == 1, "the credentials line changed"
    text = text.replace(CREDENTIALS_LINE, "    " + CREDENTIALS_LINE[5:])
    lines = text.split("\n")
    grant = lines.index("    Require all granted")
    start = lines.index("    #AuthType Basic")
    end = lines.index("    #</RequireAny>")
    assert grant < start < end, (grant, start, end)
    example = lines[start:end + 1]
    assert all(line.startswith("    #") for line in example), example
    lines[start:end + 1] = ["    " + line[5:] for line in example]
    del lines[grant]
    result = "\n".join(lines)
    assert "Require valid-user" in result and "AuthType Basic" in result
    return result


def origin_replacement():
    return (ORIGIN_PLACEHOLDER, "^" + apache_regex(ORIGIN) + "$")


def write_htpasswd(directory):
    path = os.path.join(directory, "htpasswd")
    for i, (user, password) in enumerate(USERS.items()):
        args = ["htpasswd", "-b", "-B", "-C", "4"] + (["-c"] if i == 0 else []) + \
               [path, user, password]
        subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.chmod(path, 0o644)
    return path


def apache_body(snippet):
    """The test server's own part: the file at server level, as a2enconf puts it, and a virtual
    host serving the requests, as on Debian (000-default), with mod_rewrite on at its level as
    many sites have: the file's settings must reach it."""
    return (f"Include {snippet}\n"
            "<VirtualHost 127.0.0.1:{port}>\n"
            "    ServerName s3us.test\n"
            "    DocumentRoot {root}/htdocs\n"
            "    RewriteEngine On\n"
            "    RewriteRule ^/old-page$ /new-page [R=301,L]\n"
            "</VirtualHost>\n")


def responder_config(prefix):
    # The default routes, plus the pages for a browser without JavaScript (README, "A form without
    # JavaScript"): the upload form and the page radosgw redirects to afterwards.
    form_routes = [
        {"path": "/s3/form", "methods": ["GET"], "handler": "params", "profile": "test",
         "reply": "html", "auth": "none"},
        {"path": "/s3/form/done", "methods": ["GET"], "handler": "success", "profile": "test",
         "reply": "html", "auth": "none"},
    ]
    return harness.profile_yaml(
        bucket=BUCKET, endpoint=f"http://localhost:{RGW.port}",
        key={"prefix": prefix, "shapes": ["uuid.ext"], "extensions": ["jpg", "txt"]},
        server_credentials=harness.SERVER_CREDENTIAL,
        params={"key": prefix + "{uuid}{ext}", "success_action_redirect": [FORM_DONE]},
        routes=harness.default_routes() + form_routes,
        server={"threads": 2})


# ------------------------------------------------------------------------------------------------
# requests
# ------------------------------------------------------------------------------------------------

def now():
    return fu.parse_clock(datetime.datetime.now(datetime.timezone.utc))


def new_key(prefix, name="photo.jpg"):
    uid = str(uuidlib.uuid4())
    key = prefix + fu.Upload.key_for(uid, name)
    _created_keys.add(key)
    return key, uid


def upload_spec(key, name="photo.jpg", version=4, **changes):
    spec = dict(bucket=BUCKET, key=key, access_key=RGW.access_key, version=version,
                region="us-east-1", host=HOST, acl="private", content_type="image/jpeg",
                params={"category": "holiday photos"}, file_name=name, min_size=1,
                max_size=20000000)
    spec.update(changes)
    return fu.Upload(**spec)


def put_direct(key, data=None, content_type="image/jpeg"):
    data = os.urandom(1000) if data is None else data
    answer = CLIENT.put_object(Bucket=BUCKET, Key=key, Body=data, ContentType=content_type)
    return answer["ETag"]


def head(key):
    return harness.head_object(CLIENT, BUCKET, key)


def to_s3(session, req, signature):
    """The browser's S3 request for a signed RestRequest, virtual-hosted (protocol section 4.6)."""
    headers = req.http_headers(signature)
    headers["Host"] = HOST
    return session.request(req.method, f"http://127.0.0.1:{RGW.port}/{req.end_of_url}",
                           headers=headers, data=req.payload or None, timeout=120)


def xml_text(resp, tag):
    for element in ET.fromstring(resp.content).iter():
        if element.tag.rsplit("}", 1)[-1] == tag:
            return element.text or ""
    raise AssertionError(f"no <{tag}> in {resp.text}")


def cors_headers(resp):
    return {k.lower(): v for k, v in resp.headers.items()
            if k.lower().startswith("access-control-")}


def vary(resp):
    return [v.strip().lower() for v in resp.headers.get("Vary", "").split(",") if v.strip()]


# ------------------------------------------------------------------------------------------------
# the tests, for any of the set-ups below
# ------------------------------------------------------------------------------------------------

class ApacheSetup:
    """A server (cls.apache) in front of a responder, and the responder's log."""

    apache = None
    prefix = "public/"  # keys the responder signs (no authentication here)
    user = None  # (name, password) sent with every request, for the Basic auth variants
    credentials = False  # Access-Control-Allow-Credentials expected (Basic auth variants)

    @classmethod
    def start(cls):
        raise NotImplementedError

    @classmethod
    def responder_log(cls):
        raise NotImplementedError

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="s3us-apache-test-")
        os.chmod(cls.dir, 0o755)  # www-data reads the configuration (mod_fcgid), the htpasswd
        cls.session = requests.Session()
        try:
            cls.start()
            cls.check_ready()
        except BaseException:
            try:
                cls.stop()
            except Exception:  # noqa: BLE001 - the start failure is the one to report
                pass
            raise

    @classmethod
    def check_ready(cls):
        """One request through to the responder, so that a set-up problem (mod_fcgid cannot
        spawn it, Apache cannot reach its socket) fails at once with Apache's own words."""
        try:
            resp = cls.session.get(cls.apache.url + "/health", timeout=15)
            problem = None if resp.status_code == 200 else f"{resp.status_code} {resp.text[:300]}"
        except requests.RequestException as e:
            problem = repr(e)
        if problem:
            raise RuntimeError(f"GET /health through Apache: {problem}\nerror log:\n"
                               f"{cls.apache.error_log()[-3000:]}")
        # The responder logs a request just after answering it (and under mod_fcgid through
        # Apache's error log): wait for this one's line, so that it cannot turn up later inside a
        # test that counts the requests reaching the responder.
        deadline = time.monotonic() + 5
        while not any(f["path"] == "/health"
                      for f in harness.request_log_lines(cls.responder_log())):
            if time.monotonic() > deadline:
                raise RuntimeError("the /health request never reached the responder's log:\n"
                                   f"{cls.responder_log()[-2000:]}")
            time.sleep(0.02)

    @classmethod
    def tearDownClass(cls):
        cls.stop()

    @classmethod
    def stop(cls):
        cls.session.close()
        problems = []
        if cls.apache is not None:
            code = cls.apache.stop()
            if code != 0:
                problems.append(f"apache2 exited with {code}")
            report = harness.sanitizer_report(cls.apache.error_log())
            if report:
                problems.append(f"sanitizer report in Apache's error log:\n{report}")
        problems += cls.after_stop()
        if not harness._keep_tmp:
            shutil.rmtree(cls.dir, ignore_errors=True)
        if problems:
            raise AssertionError("\n".join(problems))

    @classmethod
    def after_stop(cls):
        """Checks once everything is stopped; a list of problems."""
        problems = []
        options = [f["_line"] for f in harness.request_log_lines(cls.responder_log())
                   if f.get("method") == "OPTIONS"]
        if options:
            problems.append(f"the responder saw OPTIONS requests: {options}")
        return problems

    # --- helpers ---------------------------------------------------------------------------------
    def http(self, method, path, origin=ORIGIN, headers=None, as_user=True, **kwargs):
        """One request to Apache; as_user: with the class's user (Basic auth variants) unless
        an auth= is given."""
        sent = {}
        if origin is not None:
            sent["Origin"] = origin
        sent.update(headers or {})
        if as_user and self.user is not None:
            kwargs.setdefault("auth", self.user)
        return self.session.request(method, self.apache.url + path, headers=sent, timeout=30,
                                    allow_redirects=False, **kwargs)

    def sign(self, body, v4=True, origin=ORIGIN, **kwargs):
        """The signature request as Fine Uploader sends it (cross-origin)."""
        return self.http("POST", "/s3/signature" + ("?v4=true" if v4 else ""), origin=origin,
                         headers={"Content-Type": "application/json; charset=utf-8",
                                  "Accept": "application/json"},
                         data=body.encode("utf-8"), **kwargs)

    def success(self, fields, **kwargs):
        return self.http("POST", "/s3/success", headers={"Content-Type": FORM,
                                                          "Accept": "application/json"},
                         data=urllib.parse.urlencode(fields), **kwargs)

    def delete(self, uid, key, **kwargs):
        query = urllib.parse.urlencode([("key", key), ("bucket", BUCKET)])
        return self.http("DELETE", f"/s3/delete/{uid}?{query}",
                         headers={"Accept": "application/json",
                                  "X-Requested-With": "XMLHttpRequest",
                                  "Cache-Control": "no-cache"}, **kwargs)

    def log_mark(self):
        return len(self.responder_log())

    def new_request_lines(self, start, marker_path="/s3/log-marker"):
        """The responder's request lines since `start`, up to a marker request sent now. (A
        line is written just after its answer, so a worker thread or process other than the
        marker's may still be writing one: a short pause once the marker is there.)"""
        marker = f"{marker_path}-{uuidlib.uuid4().hex}"
        self.assertEqual(self.http("GET", marker).status_code, 404)
        deadline = time.monotonic() + 5
        while True:
            lines = harness.request_log_lines(self.responder_log()[start:])
            if any(f["path"] == marker for f in lines):
                time.sleep(0.1)
                lines = harness.request_log_lines(self.responder_log()[start:])
                return [f for f in lines if not f["path"].startswith(marker_path)]
            if time.monotonic() > deadline:
                self.fail(f"the marker request {marker} never reached the responder's log:\n"
                          f"{self.responder_log()[start:][-2000:]}")
            time.sleep(0.02)

    def assertCors(self, resp, origin=ORIGIN):
        self.assertEqual(resp.headers.get("Access-Control-Allow-Origin"), origin,
                         f"{resp.status_code} {dict(resp.headers)}")
        self.assertIn("origin", vary(resp), dict(resp.headers))
        self.assertEqual(resp.headers.get("Access-Control-Allow-Credentials"),
                         "true" if self.credentials else None,
                         "credentials: off in the files, on with the Basic auth edit")

    def assertNoCors(self, resp):
        self.assertEqual(cors_headers(resp), {}, f"{resp.status_code} {dict(resp.headers)}")
        self.assertIn("origin", vary(resp), dict(resp.headers))

    def assertJsonError(self, resp, status, prevent_retry=True):
        self.assertEqual(resp.status_code, status, f"{resp.status_code} {resp.text}")
        self.assertTrue(resp.headers.get("Content-Type", "").startswith("application/json"),
                        dict(resp.headers))
        body = resp.json()
        self.assertIsInstance(body.get("error"), str, body)
        if prevent_retry:
            self.assertIs(body.get("preventRetry"), True, body)
        return body


class ThroughApacheTests(ApacheSetup):
    """What every set-up must do: sign, success, delete, CORS, limits, routing."""

    def test_sign_v4_policy(self):
        key, _ = new_key(self.prefix)
        body = fu.policy_body(upload_spec(key), now())
        start = self.log_mark()
        resp = self.sign(body)
        self.assertEqual(resp.status_code, 200, f"{resp.text}\n{self.responder_log()[-1500:]}")
        self.assertTrue(resp.headers["Content-Type"].startswith("application/json"))
        answer = resp.json()
        self.assertEqual(answer["policy"], base64.b64encode(body.encode()).decode())
        self.assertEqual(answer["signature"], fu.sign_policy_v4(RGW.secret_key, answer["policy"]))
        self.assertCors(resp)
        [line] = self.new_request_lines(start)
        self.assertEqual((line["method"], line["path"], line["status"], line.get("signed")),
                         ("POST", "/s3/signature", "200", "policy"), line["_line"])

    def test_sign_v4_rest_string(self):
        key, _ = new_key(self.prefix)
        req = fu.initiate(upload_spec(key), now())
        resp = self.sign(req.body)
        self.assertEqual(resp.status_code, 200, resp.text)
        self.assertEqual(resp.json(), {"signature": fu.sign_rest_v4(RGW.secret_key,
                                                                    req.headers_string)[1]})
        self.assertCors(resp)

    def test_refused_signature_is_500_invalid_with_cors(self):
        key, _ = new_key(self.prefix)
        for spec in (upload_spec(key, bucket="not-" + BUCKET),
                     upload_spec("elsewhere/" + key.rsplit("/", 1)[1]),
                     upload_spec(key, content_type="application/x-msdownload")):
            resp = self.sign(fu.policy_body(spec, now()))
            self.assertEqual((resp.status_code, resp.json()), (500, {"invalid": True}), resp.text)
            self.assertCors(resp)

    def test_success_and_delete(self):
        key, uid = new_key(self.prefix)
        etag = put_direct(key)
        fields = [("key", key), ("uuid", uid), ("name", "photo.jpg"), ("bucket", BUCKET),
                  ("etag", etag)]
        resp = self.success(fields)
        self.assertEqual(resp.status_code, 200, f"{resp.text}\n{self.responder_log()[-1500:]}")
        self.assertIs(resp.json().get("success"), True, resp.text)
        self.assertCors(resp)
        resp = self.delete(uid, key)
        self.assertEqual((resp.status_code, resp.content), (204, b""), resp.text)
        self.assertCors(resp)
        self.assertIsNone(head(key))

    def test_key_outside_the_callers_prefix_is_403(self):
        key, uid = new_key("private/")
        put_direct(key)
        before = head(key)
        resp = self.success([("key", key), ("uuid", uid), ("name", "photo.jpg"),
                             ("bucket", BUCKET)])
        self.assertJsonError(resp, 403)
        self.assertCors(resp)
        resp = self.delete(uid, key)
        self.assertJsonError(resp, 403)
        self.assertCors(resp)
        self.assertEqual(head(key)["ETag"], before["ETag"])

    def test_preflights_are_answered_by_apache(self):
        uid = str(uuidlib.uuid4())
        start = self.log_mark()
        for path, method in (("/s3/signature?v4=true", "POST"), ("/s3/success", "POST"),
                             (f"/s3/delete/{uid}?key=k&bucket={BUCKET}", "DELETE")):
            request_headers = {"Access-Control-Request-Method": method,
                               "Access-Control-Request-Headers": "content-type,x-csrf-token"}
            resp = self.http("OPTIONS", path, headers=request_headers, as_user=False)
            self.assertEqual((resp.status_code, resp.content), (204, b""), path)
            self.assertEqual(cors_headers(resp), {
                "access-control-allow-origin": ORIGIN,
                "access-control-allow-methods": ALLOW_METHODS,
                "access-control-allow-headers": ALLOW_HEADERS,
                "access-control-max-age": "600"}, path)
            self.assertIn("origin", vary(resp))
            for other in OTHER_ORIGINS:
                resp = self.http("OPTIONS", path, origin=other, headers=request_headers,
                                 as_user=False)
                self.assertEqual(resp.status_code, 204, (path, other))
                self.assertNoCors(resp)
            resp = self.http("OPTIONS", path, origin=None, as_user=False)
            self.assertEqual(resp.status_code, 204, path)
            self.assertNoCors(resp)
        self.assertEqual(self.new_request_lines(start), [], "the responder saw a preflight")

    def test_other_origins_get_no_cors_headers(self):
        key, _ = new_key(self.prefix)
        for origin in OTHER_ORIGINS + (None,):
            resp = self.sign(fu.policy_body(upload_spec(key), now()), origin=origin)
            self.assertEqual(resp.status_code, 200, resp.text)
            self.assertNoCors(resp)
            resp = self.http("GET", "/s3/nope", origin=origin)
            self.assertEqual(resp.status_code, 404)
            self.assertNoCors(resp)

    def test_body_over_64k_is_413_from_apache(self):
        start = self.log_mark()
        for size in (BODY_LIMIT + 1, 10 * BODY_LIMIT):
            body = b'{"conditions":"' + b"a" * (size - 17) + b'"}'
            self.assertEqual(len(body), size)
            resp = self.http("POST", "/s3/signature?v4=true", data=body,
                             headers={"Content-Type": "application/json"})
            self.assertEqual(resp.status_code, 413, resp.text[:300])
            self.assertCors(resp)
        self.assertEqual(self.new_request_lines(start), [], "the responder got the body")
        # Exactly 64 KiB is passed on (and refused by the responder as a bad request).
        body = b'{"conditions":"' + b"a" * (BODY_LIMIT - 17) + b'"}'
        resp = self.http("POST", "/s3/signature?v4=true", data=body,
                         headers={"Content-Type": "application/json"})
        self.assertEqual((resp.status_code, resp.json()), (500, {"invalid": True}))
        [line] = self.new_request_lines(start)
        self.assertEqual((line["path"], line["status"]), ("/s3/signature", "500"), line["_line"])

    def test_chunked_body_over_64k_never_reaches_the_responder_whole(self):
        # A body without Content-Length (chunked): Apache cannot refuse it up front. What the
        # responder then gets differs (see expected_for_chunked_overflow), but it is never
        # signed and never more than 64 KiB is handed to a handler.
        def chunks():
            yield b'{"conditions":"'
            for _ in range(20):
                yield b"a" * 8192
            yield b'"}'

        start = self.log_mark()
        resp = self.http("POST", "/s3/signature?v4=true", data=chunks(),
                         headers={"Content-Type": "application/json"})
        lines = self.new_request_lines(start)
        self.check_chunked_overflow(resp, lines)

    def test_unknown_path_is_the_responders_404(self):
        start = self.log_mark()
        for path in ("/s3/nope", "/s3/signature/extra", "/s3/success/x"):
            resp = self.http("GET", path)
            self.assertJsonError(resp, 404, prevent_retry=False)
            self.assertCors(resp)
        lines = self.new_request_lines(start)
        self.assertEqual([(f["path"], f["status"]) for f in lines],
                         [("/s3/nope", "404"), ("/s3/signature/extra", "404"),
                          ("/s3/success/x", "404")])

    def test_wrong_method_is_405_with_allow(self):
        for method, path, allow in (("GET", "/s3/signature", "POST"),
                                    ("PUT", "/s3/success", "POST"),
                                    ("DELETE", "/s3/signature", "POST"),
                                    ("GET", f"/s3/delete/{uuidlib.uuid4()}", "DELETE, POST")):
            resp = self.http(method, path)
            self.assertJsonError(resp, 405, prevent_retry=False)
            self.assertEqual(resp.headers.get("Allow"), allow, (method, path))
            self.assertCors(resp)

    def test_blank_page_is_apaches(self):
        start = self.log_mark()
        resp = self.http("GET", "/s3/blank.html", origin=None, as_user=False)
        self.assertEqual(resp.status_code, 200)
        self.assertTrue(resp.headers["Content-Type"].startswith("text/html"), resp.headers)
        self.assertEqual(resp.content, BLANK_PAGE.read_bytes())
        self.assertNotEqual(resp.headers.get("X-Frame-Options", "").upper(), "DENY")
        self.assertEqual(self.new_request_lines(start), [])

    def test_form_page_upload_and_done_page(self):
        # The pages of `reply: html` routes, through Apache: the form, the upload to radosgw and
        # its redirect, then the page that checks the object.
        resp = self.http("GET", "/s3/form?" + urllib.parse.urlencode({"type": "text/plain"}),
                         origin=None)
        self.assert_html_page(resp)
        [form] = Page(resp.text).forms
        fields = {name: value for _, name, value in form["inputs"]}
        key = fields["key"]
        _created_keys.add(key)
        self.assertRegex(key, "^" + re.escape(self.prefix) + r"[0-9a-f-]{36}\.txt$")
        self.assertEqual(form["action"], f"http://{HOST}/")
        data = b"uploaded by a form through Apache\n"
        parts = [(name, (None, value)) if kind != "file" else
                 (name, ("notes.txt", data, "text/plain")) for kind, name, value in form["inputs"]]
        resp = self.session.post(f"http://127.0.0.1:{RGW.port}/", headers={"Host": HOST},
                                 files=parts, timeout=60, allow_redirects=False)
        self.assertEqual(resp.status_code, 303, resp.text)
        location = resp.headers["Location"]
        self.assertTrue(location.startswith(FORM_DONE + "?"), location)

        resp = self.http("GET", "/s3/form/done?" + urllib.parse.urlsplit(location).query,
                         origin=None)
        self.assert_html_page(resp)
        page = Page(resp.text)
        self.assertEqual((page.title, page.by_id["key"], page.by_id["size"]),
                         ("Upload complete", key, str(len(data))))
        self.assertEqual(head(key)["ContentLength"], len(data))

    def assert_html_page(self, resp):
        self.assertEqual(resp.status_code, 200, resp.text[:1000])
        self.assertEqual(resp.headers.get("Content-Type"), "text/html; charset=utf-8")
        self.assertEqual(resp.headers.get("Cache-Control"), "no-store")
        self.assertIn("default-src 'none'", resp.headers.get("Content-Security-Policy", ""))

    def test_health_from_this_machine(self):
        resp = self.http("GET", "/health", origin=None, as_user=False)
        self.assertEqual(resp.status_code, 200, resp.text)
        self.assertEqual(resp.json().get("status"), "ok")


# ------------------------------------------------------------------------------------------------
# mod_fcgid: Apache spawns the responder
# ------------------------------------------------------------------------------------------------

FCGID_SPAWNED = re.compile(r"mod_fcgid: server [^ ]*:(?P<binary>/\S+)\((?P<pid>\d+)\) started")
FCGID_EXITED = re.compile(r"mod_fcgid: process (?P<binary>/\S+)\((?P<pid>\d+)\) "
                          r"exit\((?P<why>[^)]*)\), (?P<how>[^\n]*)")


class FcgidSetup(ApacheSetup):
    basic_auth = False

    @classmethod
    def start(cls):
        uid, gid = harness.apache_user_ids()
        config = os.path.join(cls.dir, "config.yaml")
        with open(config, "w") as f:
            f.write(responder_config(cls.prefix))
        os.chmod(config, 0o644)
        for name in ("signing.secret", harness.SERVER_SECRET_FILE):
            path = os.path.join(cls.dir, name)
            with open(path, "w") as f:
                f.write(RGW.secret_key + "\n")
            os.chown(path, uid, gid)  # the responder runs as www-data
            os.chmod(path, 0o600)
        cls.config_path = config
        replacements = [(BINARY_PLACEHOLDER, str(harness.BINARY)),
                        (CONFIG_PLACEHOLDER, config),
                        (BLANK_PLACEHOLDER, str(BLANK_PAGE)),
                        origin_replacement()]
        modules = FCGID_MODULES
        text = FCGID_CONF.read_text()
        if cls.basic_auth:
            text = with_basic_auth(text)
            replacements.append((HTPASSWD_PLACEHOLDER, write_htpasswd(cls.dir)))
            modules += AUTH_MODULES
        snippet = os.path.join(cls.dir, FCGID_CONF.name)
        text = substituted(text, replacements, FCGID_CONF.name)
        with open(snippet, "w") as f:
            f.write(text)
        cls.apache = harness.Apache(apache_body(snippet), modules=modules)

    @classmethod
    def responder_log(cls):
        # mod_fcgid hands the program Apache's error log as its stderr.
        return cls.apache.error_log() if cls.apache is not None else ""

    @classmethod
    def spawned_pids(cls):
        return [int(m["pid"]) for m in FCGID_SPAWNED.finditer(cls.apache.error_log())
                if m["binary"] == str(harness.BINARY)]

    @classmethod
    def after_stop(cls):
        problems = super().after_stop()
        if cls.apache is None:
            return problems
        log = cls.apache.error_log()
        pids = cls.spawned_pids()
        if not pids:
            problems.append("mod_fcgid never started the responder")
        deadline = time.monotonic() + 5
        for pid in pids:
            while os.path.exists(f"/proc/{pid}") and time.monotonic() < deadline:
                time.sleep(0.05)
            if os.path.exists(f"/proc/{pid}"):
                problems.append(f"responder process {pid} is still there after graceful-stop")
        exits = {int(m["pid"]): m["how"] for m in FCGID_EXITED.finditer(log)
                 if m["binary"] == str(harness.BINARY)}
        for pid in pids:
            if "return code: 0" not in exits.get(pid, ""):
                problems.append(f"responder {pid}: mod_fcgid reports {exits.get(pid)!r}")
        started = len(re.findall(r"level=info msg=started ", log))
        stopped = len(re.findall(r"level=info msg=stopped", log))
        if started != len(pids) or stopped != started:
            problems.append(f"{len(pids)} processes, {started} 'started' and {stopped} 'stopped' "
                            f"lines in the log")
        return problems


class FcgidTest(FcgidSetup, ThroughApacheTests, unittest.TestCase):
    def check_chunked_overflow(self, resp, lines):
        # mod_fcgid stops at FcgidMaxRequestLen with its own 500 (LimitRequestBody's 413 it
        # ignores); should the cut come before mod_fcgid counts past 64 KiB, it would hand on
        # what it has, which the responder refuses as a bad request.
        self.assertEqual(resp.status_code, 500, resp.text[:300])
        self.assertCors(resp)
        for line in lines:
            self.assertEqual((line["path"], line["status"]), ("/s3/signature", "500"),
                             line["_line"])

    def test_spawned_by_mod_fcgid_with_the_socket_on_fd_0(self):
        self.assertEqual(self.http("GET", "/health", origin=None).status_code, 200)
        log = self.apache.error_log()
        pids = self.spawned_pids()
        self.assertTrue(pids, log[-3000:])
        started = [harness.parse_logfmt(line) for line in log.splitlines()
                   if "level=info msg=started " in line]
        self.assertTrue(started, log[-3000:])
        for fields in started:
            self.assertEqual(fields.get("socket"), "inherited socket (fd 0)", fields)
            self.assertEqual(fields.get("config"), self.config_path, fields)
        uid, _ = harness.apache_user_ids()
        for pid in pids:
            try:
                with open(f"/proc/{pid}/status") as f:
                    status = f.read()
            except FileNotFoundError:
                continue  # reaped already
            self.assertRegex(status, rf"(?m)^Uid:\s+{uid}\s", f"responder {pid} not www-data")

    def test_fine_uploader_v4_chunked_upload(self):
        """initiate, three parts, complete and (another file) abort: each REST string signed
        through Apache and mod_fcgid, each request sent to radosgw as the browser sends it."""
        s3 = requests.Session()
        self.addCleanup(s3.close)
        start = self.log_mark()
        signed = []

        def sign(req):
            resp = self.sign(req.body)
            self.assertEqual(resp.status_code, 200, f"{req.operation}: {resp.text}\n"
                                                    f"{self.responder_log()[-1500:]}")
            self.assertCors(resp)
            signature = resp.json()["signature"]
            self.assertEqual(signature, fu.sign_rest_v4(RGW.secret_key, req.headers_string)[1])
            signed.append(req.operation)
            return signature

        def send(req):
            resp = to_s3(s3, req, sign(req))
            self.assertIn(resp.status_code, (200, 204), f"{req.operation}: {resp.text}")
            return resp

        name = "big photo (1).jpg"
        key, uid = new_key(self.prefix, name)
        u = upload_spec(key, name=name)
        upload_id = xml_text(send(fu.initiate(u, now())), "UploadId")
        parts = [os.urandom(PART_SIZE), os.urandom(PART_SIZE), os.urandom(4321)]
        etags = []
        for number, chunk in enumerate(parts, 1):
            resp = send(fu.upload_part(u, now(), upload_id, number, chunk))
            self.assertEqual(resp.headers["ETag"], '"' + hashlib.md5(chunk).hexdigest() + '"')
            etags.append((number, resp.headers["ETag"]))
        resp = send(fu.complete(u, now(), upload_id, etags))
        self.assertEqual((xml_text(resp, "Bucket"), xml_text(resp, "Key")), (BUCKET, key))
        # uploadSuccess, chunked: no etag (protocol section 5)
        resp = self.success([("key", key), ("uuid", uid), ("name", name), ("bucket", BUCKET),
                             ("category", "holiday photos")])
        self.assertEqual(resp.status_code, 200, f"{resp.text}\n{self.responder_log()[-1500:]}")
        self.assertIs(resp.json().get("success"), True, resp.text)
        self.assertCors(resp)
        data = b"".join(parts)
        got = CLIENT.get_object(Bucket=BUCKET, Key=key)
        self.assertEqual(got["ContentType"], "image/jpeg")
        self.assertEqual(hashlib.sha256(got["Body"].read()).hexdigest(),
                         hashlib.sha256(data).hexdigest())

        # the fourth operation: abort another upload
        key2, _ = new_key(self.prefix)
        u2 = upload_spec(key2)
        upload_id2 = xml_text(send(fu.initiate(u2, now())), "UploadId")
        send(fu.upload_part(u2, now(), upload_id2, 1, os.urandom(1000)))
        resp = send(fu.abort(u2, now(), upload_id2))
        self.assertEqual(resp.status_code, 204, resp.text)
        self.assertIsNone(head(key2))

        self.assertEqual(signed, ["initiate", "part", "part", "part", "complete",
                                  "initiate", "part", "abort"])
        lines = self.new_request_lines(start)
        self.assertEqual([(f["path"], f["status"]) for f in lines],
                         [("/s3/signature", "200")] * 5 + [("/s3/success", "200")]
                         + [("/s3/signature", "200")] * 3)


# ------------------------------------------------------------------------------------------------
# mod_proxy_fcgi: the responder on its own socket
# ------------------------------------------------------------------------------------------------

class ProxyFcgiSetup(ApacheSetup):
    basic_auth = False
    responder = None

    @classmethod
    def start(cls):
        _, gid = harness.apache_user_ids()
        cls.responder = harness.Responder(responder_config(cls.prefix), secret=RGW.secret_key,
                                          threads=2)
        # As the Debian socket unit makes it: mode 0660, group www-data; the folder only
        # traversable.
        os.chown(cls.responder.socket_path, 0, gid)
        os.chmod(cls.responder.dir, 0o711)
        replacements = [(SOCKET_PLACEHOLDER, cls.responder.socket_path),
                        (BLANK_PLACEHOLDER, str(BLANK_PAGE)),
                        origin_replacement()]
        modules = PROXY_MODULES
        snippet = os.path.join(cls.dir, PROXY_CONF.name)
        text = PROXY_CONF.read_text()
        if cls.basic_auth:
            text = with_basic_auth(text)
            replacements.append((HTPASSWD_PLACEHOLDER, write_htpasswd(cls.dir)))
            modules += AUTH_MODULES
        text = substituted(text, replacements, PROXY_CONF.name)
        with open(snippet, "w") as f:
            f.write(text)
        cls.apache = harness.Apache(apache_body(snippet), modules=modules)

    @classmethod
    def responder_log(cls):
        return cls.responder.log_text() if cls.responder is not None else ""

    @classmethod
    def after_stop(cls):
        problems = []
        if cls.responder is not None:
            try:
                code = cls.responder.stop()  # also checks its log for sanitizer reports
                if code != 0:
                    problems.append(f"the responder exited with {code}")
            except AssertionError as e:
                problems.append(str(e))
        return problems + super().after_stop()


class ProxyFcgiTest(ProxyFcgiSetup, ThroughApacheTests, unittest.TestCase):
    def check_chunked_overflow(self, resp, lines):
        # mod_proxy_fcgi streams a chunked body whatever LimitRequestBody says (Apache 2.4
        # applies it to no proxied request): the responder's own server.max_body_size refuses it.
        self.assertEqual(resp.status_code, 413, resp.text)
        self.assertCors(resp)
        # Its log line may come after the marker's (another worker thread writes it).
        deadline = time.monotonic() + 3
        while not lines and time.monotonic() < deadline:
            time.sleep(0.05)
            lines = [f for f in harness.request_log_lines(self.responder_log())
                     if f["path"] == "/s3/signature" and f["status"] == "413"]
        [line] = lines
        self.assertEqual((line["path"], line["status"]), ("/s3/signature", "413"), line["_line"])


# ------------------------------------------------------------------------------------------------
# REMOTE_USER from Apache's Basic auth (the documented edit of both files)
# ------------------------------------------------------------------------------------------------

class BasicAuthTests:
    prefix = "uploads/{user}/"
    user = ("alice", USERS["alice"])
    credentials = True

    def sign_as(self, user, key):
        return self.sign(fu.policy_body(upload_spec(key), now()), auth=(user, USERS[user]))

    def test_remote_user_is_the_key_prefix(self):
        start = self.log_mark()
        key, _ = new_key("uploads/alice/")
        resp = self.sign_as("alice", key)
        self.assertEqual(resp.status_code, 200, f"{resp.text}\n{self.responder_log()[-1500:]}")
        self.assertCors(resp)
        resp = self.sign_as("bob", key)
        self.assertEqual((resp.status_code, resp.json()), (500, {"invalid": True}))
        self.assertCors(resp)
        lines = self.new_request_lines(start)
        self.assertEqual([(f["status"], f.get("user"), f.get("refused")) for f in lines],
                         [("200", "alice", None), ("500", "bob", "key.prefix")])

    def test_no_or_wrong_credentials_401_from_apache(self):
        key, _ = new_key("uploads/alice/")
        start = self.log_mark()
        for auth in (None, ("alice", "wrong"), ("mallory", "x")):
            resp = self.http("POST", "/s3/signature?v4=true", as_user=False,
                             **({"auth": auth} if auth else {}),
                             headers={"Content-Type": "application/json"},
                             data=fu.policy_body(upload_spec(key), now()))
            self.assertEqual(resp.status_code, 401, auth)
            self.assertIn("Basic", resp.headers.get("WWW-Authenticate", ""))
            self.assertCors(resp)
        # the marker request itself carries alice's credentials
        self.assertEqual(self.new_request_lines(start), [])

    def test_preflight_needs_no_credentials(self):
        resp = self.http("OPTIONS", "/s3/signature?v4=true", as_user=False,
                         headers={"Access-Control-Request-Method": "POST"})
        self.assertEqual(resp.status_code, 204)
        self.assertCors(resp)
        self.assertEqual(resp.headers.get("Access-Control-Allow-Methods"), ALLOW_METHODS)
        resp = self.http("OPTIONS", "/s3/signature?v4=true", as_user=False,
                         origin=OTHER_ORIGINS[0], headers={"Access-Control-Request-Method": "POST"})
        self.assertEqual(resp.status_code, 204)
        self.assertNoCors(resp)

    def test_success_and_delete_per_user(self):
        key, uid = new_key("uploads/alice/")
        put_direct(key)
        fields = [("key", key), ("uuid", uid), ("name", "photo.jpg"), ("bucket", BUCKET)]
        resp = self.success(fields, auth=("bob", USERS["bob"]))
        self.assertJsonError(resp, 403)
        resp = self.delete(uid, key, auth=("bob", USERS["bob"]))
        self.assertJsonError(resp, 403)
        self.assertIsNotNone(head(key))
        resp = self.success(fields)
        self.assertEqual(resp.status_code, 200, resp.text)
        resp = self.delete(uid, key)
        self.assertEqual(resp.status_code, 204, resp.text)
        self.assertIsNone(head(key))
        self.assertRegex(self.apache.access_log(), r'(?m) alice "DELETE /s3/delete/')


class FcgidBasicAuthTest(BasicAuthTests, FcgidSetup, unittest.TestCase):
    basic_auth = True


class ProxyFcgiBasicAuthTest(BasicAuthTests, ProxyFcgiSetup, unittest.TestCase):
    basic_auth = True


if __name__ == "__main__":
    unittest.main()
