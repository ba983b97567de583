"""Caller authentication through the real web servers, with the files operators copy (issue 7).

The responder trusts two things only: REMOTE_USER, the user the web server authenticated (routes
with `auth: remote_user`, the default), and a bearer token in the Authorization header (routes
with `auth: <authenticator>`). Both must survive the trip through nginx and Apache as the files of
nginx/ and apache/ configure them, and neither may be made up by a client. Here each web server
is the real one (harness.Nginx, harness.Apache) with the project's files changed only where
their comments tell an operator to (placeholders replaced, a commented variant uncommented, each
asserted to be there, by the helpers of test_nginx.py and test_apache.py), in front of the built
responder and radosgw. Tokens are minted here with Python's hmac (test_auth.mint), independently
of the responder's code.

Responder configurations (one profile, keys "uploads/{user}/<uuid>.<ext>"):
  TOKEN_ROUTES   /s3/signature, /s3/success, /s3/delete/* with `auth: app` (HS256 JWT), and
                 /s3/u/signature, /s3/u/success, /s3/u/delete/* with the default remote_user;
  USER_ROUTES    /s3/signature, /s3/success, /s3/delete/* with the default remote_user.

What it shows:
* Bearer tokens (block (c) of the files: nothing to configure in nginx; CGIPassAuth On in both
  Apache files), through nginx's snippet as shipped, Apache + mod_fcgid and Apache +
  mod_proxy_fcgi as shipped: with a token, signing (policy and REST) answers 200 with the right
  signature for the token's subject's keys only, a browser-style upload to radosgw with it
  works, success and delete work with the token (403 with another subject's token); without a
  token, with a bad or expired one, or with a Basic header instead, 401 JSON with
  WWW-Authenticate: Bearer and the CORS headers, the rule in the responder's log; preflights that
  ask for Authorization are allowed and never reach the responder.
* The same files in front of remote_user routes with nobody authenticated: 401 from the
  responder, also when the client sends its own "Authorization: Basic alice:..." (nginx passes
  REMOTE_USER only where the site says which user it authenticated; Apache sets none without an
  authentication module).
* Apache: without the CGIPassAuth line the token never reaches the responder (401
  auth.token.missing), which is why the files have it; the alternative the files mention
  (SetEnvIfNoCase ... Bearer only) works too.
* nginx (a) basic auth, as example-site.conf's variant: REMOTE_USER is the htpasswd user, keys
  under that user's prefix only, no credentials 401 from nginx (the responder sees nothing); the
  variant without its `set $s3_upload_signer_user` line passes no user (401 from the responder).
* nginx (b) auth_request: REMOTE_USER from the application's X-Auth-User; a session the
  application accepts without naming a user: 401 from the responder.
* Apache Basic auth (the documented edit of both files): REMOTE_USER is the user, per-user keys,
  success and delete for the owner only, no credentials 401 from Apache.
"""

import base64
import datetime
import hashlib
import http.server
import os
import re
import shutil
import tempfile
import threading
import time
import unittest
import urllib.parse
import uuid as uuidlib
from pathlib import Path

import requests

import fineuploader as fu
import harness
import test_apache as ta
import test_nginx as tn
from test_auth import JWT_SECRET, b64url, mint

BUCKET = "s3us-webauth"
# The page's origin: replaces the files' example origin (nginx map, Apache SetEnvIf).
ORIGIN = "https://uploader.s3us.test"
FORM = "application/x-www-form-urlencoded"
USERS = ta.USERS  # {"alice": ..., "bob": ...}, for both web servers' password files

RGW = None
CLIENT = None
_created = set()


def setUpModule():
    global RGW, CLIENT
    harness.require_nginx()
    RGW, CLIENT = harness.rgw_with_bucket(BUCKET)


def tearDownModule():
    if CLIENT is None:
        return
    harness.remove_objects(CLIENT, BUCKET, _created)


# ------------------------------------------------------------------------------------------------
# the responder's configuration
# ------------------------------------------------------------------------------------------------

def _routes(prefix, auth=None):
    extra = {"auth": auth} if auth else {}  # no `auth`: the default, remote_user
    return [
        dict({"path": f"{prefix}/signature", "methods": ["POST"], "handler": "sign",
              "profile": "test"}, **extra),
        dict({"path": f"{prefix}/success", "methods": ["POST"], "handler": "success",
              "profile": "test"}, **extra),
        dict({"path": f"{prefix}/delete/*", "methods": ["DELETE", "POST"], "handler": "delete",
              "profile": "test"}, **extra),
    ]


HEALTH = [{"path": "/health", "methods": ["GET"], "handler": "health"}]
TOKEN_ROUTES = _routes("/s3", auth="app") + _routes("/s3/u") + HEALTH
USER_ROUTES = _routes("/s3") + HEALTH


def responder_config(routes, threads=None):
    return harness.profile_yaml(
        bucket=BUCKET, endpoint=f"http://localhost:{RGW.port}",
        key={"prefix": "uploads/{user}/", "shapes": ["uuid.ext"]},
        size={"min": 1, "max": 1_000_000},
        server_credentials=harness.SERVER_CREDENTIAL, routes=routes,
        authenticators={"app": {"type": "jwt", "algorithm": "HS256", "secret_file": "jwt.secret",
                                "audience": "uploads"}},
        s3={"connect_timeout": "2s", "timeout": "5s", "retries": 1},
        **({"server": {"threads": threads}} if threads else {}))


def token(sub="alice", **changes):
    now = int(time.time())
    claims = {"sub": sub, "aud": "uploads", "iat": now, "exp": now + 300}
    claims.update(changes)
    return mint(claims)


def bearer(sub="alice", **changes):
    return {"Authorization": "Bearer " + token(sub, **changes)}


def basic(user, password):
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


# ------------------------------------------------------------------------------------------------
# Fine Uploader's requests, and what S3 holds
# ------------------------------------------------------------------------------------------------

def now():
    return fu.parse_clock(datetime.datetime.now(datetime.timezone.utc))


def new_upload(user, name="photo.jpg", content_type="image/jpeg"):
    uid = str(uuidlib.uuid4())
    key = f"uploads/{user}/" + fu.Upload.key_for(uid, name)
    _created.add(key)
    upload = fu.Upload(bucket=BUCKET, key=key, access_key=RGW.access_key, version=4,
                       region="us-east-1", host=f"{BUCKET}.localhost:{RGW.port}",
                       content_type=content_type, file_name=name, min_size=1,
                       max_size=1_000_000)
    return upload, uid


def exists(key):
    return harness.head_object(CLIENT, BUCKET, key) is not None


def put_object(key, data=b"\xff\xd8\xff\xe0 a small jpeg"):
    _created.add(key)
    return CLIENT.put_object(Bucket=BUCKET, Key=key, Body=data, ContentType="image/jpeg")["ETag"]


# ------------------------------------------------------------------------------------------------
# requests through a web server, and what the responder logged
# ------------------------------------------------------------------------------------------------

class ThroughWebServer(unittest.TestCase):
    """cls.url (the web server) and cls.responder_log() (the responder's stderr) are set by a
    set-up class below."""

    url = None
    session = None

    @classmethod
    def responder_log(cls):
        raise NotImplementedError

    def http(self, method, path, headers=None, origin=ORIGIN, **kwargs):
        sent = {"Origin": origin} if origin else {}
        sent.update(headers or {})
        return self.session.request(method, self.url + path, headers=sent, timeout=30,
                                    allow_redirects=False, **kwargs)

    def sign(self, body, prefix="/s3", headers=None, **kwargs):
        return self.http("POST", f"{prefix}/signature?v4=true", data=body.encode(),
                         headers=dict({"Content-Type": "application/json; charset=utf-8",
                                       "Accept": "application/json"}, **(headers or {})),
                         **kwargs)

    def success(self, key, uid, etag=None, prefix="/s3", headers=None, **kwargs):
        fields = [("key", key), ("uuid", uid), ("name", "photo.jpg"), ("bucket", BUCKET)]
        if etag:
            fields.append(("etag", etag))
        return self.http("POST", f"{prefix}/success", data=urllib.parse.urlencode(fields),
                         headers=dict({"Content-Type": FORM, "Accept": "application/json"},
                                      **(headers or {})), **kwargs)

    def delete(self, key, uid, prefix="/s3", headers=None, **kwargs):
        query = urllib.parse.urlencode([("key", key), ("bucket", BUCKET)])
        return self.http("DELETE", f"{prefix}/delete/{uid}?{query}",
                         headers=dict({"Accept": "application/json",
                                       "X-Requested-With": "XMLHttpRequest",
                                       "Cache-Control": "no-cache"}, **(headers or {})),
                         **kwargs)

    # --- the responder's log -----------------------------------------------------------------

    def log_mark(self):
        return len(self.responder_log())

    def lines_since(self, mark, count, timeout=5.0):
        """The responder's request lines written after `mark`, once there are `count` of them
        (a line is written just after its answer) and no more came for a moment."""
        deadline = time.monotonic() + timeout
        while True:
            lines = harness.request_log_lines(self.responder_log()[mark:])
            if len(lines) >= count or time.monotonic() > deadline:
                break
            time.sleep(0.02)
        time.sleep(0.2)
        lines = harness.request_log_lines(self.responder_log()[mark:])
        self.assertEqual(len(lines), count, [f["_line"] for f in lines])
        return lines

    # --- assertions --------------------------------------------------------------------------

    def assertCors(self, resp):
        self.assertEqual(resp.headers.get("Access-Control-Allow-Origin"), ORIGIN,
                         f"{resp.status_code} {dict(resp.headers)}")

    def assertJson(self, resp, status, body=None):
        self.assertEqual(resp.status_code, status, f"{resp.status_code} {resp.text[:400]}")
        self.assertTrue(resp.headers.get("Content-Type", "").startswith("application/json"),
                        dict(resp.headers))
        answer = resp.json()
        if body is not None:
            self.assertEqual(answer, body)
        return answer

    def assertAuthRequired(self, resp):
        """The responder's 401, as the browser gets it."""
        self.assertJson(resp, 401, {"error": "authentication required",
                                    "message": "authentication required", "preventRetry": True})
        self.assertCors(resp)

    def assertSigned(self, resp, body):
        answer = self.assertJson(resp, 200)
        self.assertEqual(answer, fu.sign_body(RGW.secret_key, body, v4=True))
        self.assertCors(resp)


# ------------------------------------------------------------------------------------------------
# bearer tokens, and remote_user routes nobody authenticated (the files as shipped)
# ------------------------------------------------------------------------------------------------

class TokenTests:
    """For a web server with the project's files as shipped (no authentication of its own) in
    front of a responder with TOKEN_ROUTES."""

    def test_a_token_signs_for_its_subject(self):
        mine, _ = new_upload("alice")
        theirs, _ = new_upload("bob")
        t = now()
        mark = self.log_mark()
        body = fu.policy_body(mine, t)
        self.assertSigned(self.sign(body, headers=bearer("alice")), body)
        rest = fu.initiate(mine, t)
        resp = self.sign(rest.body, headers=bearer("alice"))
        self.assertEqual(self.assertJson(resp, 200),
                         {"signature": fu.sign_rest_v4(RGW.secret_key, rest.headers_string)[1]})
        # another subject's keys: refused like any key outside the caller's prefix
        resp = self.sign(fu.policy_body(theirs, t), headers=bearer("alice"))
        self.assertJson(resp, 500, {"invalid": True})
        self.assertCors(resp)
        # (The log's user= is REMOTE_USER's; a token's subject is not logged.)
        lines = self.lines_since(mark, 3)
        self.assertEqual(sorted((f["status"], f.get("refused") or "") for f in lines),
                         [("200", ""), ("200", ""), ("500", "key.prefix")])
        self.assertEqual(sorted(f.get("key", "") for f in lines if f["status"] == "200"),
                         sorted([mine.key, mine.key]))

    def test_without_a_valid_token_401_with_a_bearer_challenge(self):
        upload, _ = new_upload("alice")
        t = int(time.time())
        cases = {
            "no Authorization": ({}, "auth.token.missing"),
            "expired": (bearer("alice", iat=t - 900, exp=t - 600), "auth.token.invalid"),
            "another secret": ({"Authorization": "Bearer " + mint(
                {"sub": "alice", "aud": "uploads", "iat": t, "exp": t + 300},
                secret="not the secret, but as long as it: 0123456789")}, "auth.token.invalid"),
            "alg none": ({"Authorization": "Bearer " + b64url(b'{"alg":"none"}') + "." + b64url(
                b'{"sub":"alice","aud":"uploads","exp":%d}' % (t + 300)) + "."},
                "auth.token.invalid"),
            "Basic instead": (basic("alice", USERS["alice"]), "auth.token.invalid"),
        }
        mark = self.log_mark()
        for name, (headers, _) in cases.items():
            with self.subTest(name):
                resp = self.sign(fu.policy_body(upload, now()), headers=headers)
                self.assertAuthRequired(resp)
                self.assertTrue(resp.headers.get("WWW-Authenticate", "").startswith("Bearer"),
                                dict(resp.headers))
        lines = self.lines_since(mark, len(cases))
        self.assertEqual(sorted((f["status"], f.get("refused")) for f in lines),
                         sorted(("401", rule) for _, rule in cases.values()))

    def test_upload_success_and_delete_with_the_token(self):
        upload, uid = new_upload("alice")
        t = now()
        answer = self.assertJson(self.sign(fu.policy_body(upload, t), headers=bearer("alice")),
                                 200)
        data = b"\xff\xd8\xff\xe0 uploaded with a bearer token " * 20
        fields = fu.form_fields(upload, t, answer["policy"], answer["signature"])
        put = requests.post(f"http://127.0.0.1:{RGW.port}/", timeout=30,
                            headers={"Host": upload.host},
                            files=[(n, (None, v)) for n, v in fields]
                            + [("file", ("photo.jpg", data, "image/jpeg"))])
        self.assertEqual(put.status_code, 200, put.text)
        etag = '"' + hashlib.md5(data).hexdigest() + '"'

        self.assertAuthRequired(self.success(upload.key, uid, etag))
        resp = self.success(upload.key, uid, etag, headers=bearer("bob"))
        self.assertIs(self.assertJson(resp, 403)["preventRetry"], True)
        resp = self.success(upload.key, uid, etag, headers=bearer("alice"))
        answer = self.assertJson(resp, 200)
        self.assertEqual((answer["success"], answer["key"], answer["size"]),
                         (True, upload.key, len(data)))
        self.assertCors(resp)

        self.assertAuthRequired(self.delete(upload.key, uid))
        self.assertIs(self.assertJson(self.delete(upload.key, uid, headers=bearer("bob")),
                                      403)["preventRetry"], True)
        self.assertTrue(exists(upload.key))
        resp = self.delete(upload.key, uid, headers=bearer("alice"))
        self.assertEqual(resp.status_code, 204, resp.text)
        self.assertCors(resp)
        self.assertFalse(exists(upload.key))

    def test_preflights_allow_authorization_and_never_reach_the_responder(self):
        mark = self.log_mark()
        for path, method in (("/s3/signature?v4=true", "POST"), ("/s3/success", "POST"),
                             (f"/s3/delete/{uuidlib.uuid4()}?key=k&bucket={BUCKET}", "DELETE")):
            resp = self.http("OPTIONS", path, headers={
                "Access-Control-Request-Method": method,
                "Access-Control-Request-Headers": "authorization,content-type"})
            self.assertEqual(resp.status_code, 204, path)
            self.assertCors(resp)
            allowed = [h.strip().lower() for h in
                       resp.headers.get("Access-Control-Allow-Headers", "").split(",")]
            self.assertIn("authorization", allowed)
            self.assertNotIn("Access-Control-Allow-Credentials", resp.headers)
        self.lines_since(mark, 0)

    def test_remote_user_routes_nobody_authenticated_are_401(self):
        """Nothing in the web server authenticates: REMOTE_USER is empty, also when the client
        names a user of its own in an Authorization: Basic header."""
        upload, uid = new_upload("alice")
        put_object(upload.key)
        mark = self.log_mark()
        for headers in ({}, basic("alice", "anything"), bearer("alice")):
            with self.subTest(headers=headers):
                self.assertAuthRequired(self.sign(fu.policy_body(upload, now()), prefix="/s3/u",
                                                  headers=headers))
                self.assertAuthRequired(self.success(upload.key, uid, prefix="/s3/u",
                                                     headers=headers))
                self.assertAuthRequired(self.delete(upload.key, uid, prefix="/s3/u",
                                                    headers=headers))
        self.assertTrue(exists(upload.key))
        lines = self.lines_since(mark, 9)
        self.assertEqual({(f["status"], f.get("user"), f.get("refused")) for f in lines},
                         {("401", None, "auth.remote-user.missing")})


class BasicAuthTests:
    """Basic auth in the web server in front of the user routes: its user is the caller."""

    json_401 = True  # the snippets' JSON error page (nginx)

    def test_remote_user_is_the_web_server_user(self):
        mine, _ = new_upload("alice")
        theirs, _ = new_upload("bob")
        t = now()
        mark = self.log_mark()
        body = fu.policy_body(mine, t)
        self.assertSigned(self.sign(body, auth=("alice", USERS["alice"])), body)
        resp = self.sign(fu.policy_body(theirs, t), auth=("alice", USERS["alice"]))
        self.assertJson(resp, 500, {"invalid": True})
        body = fu.policy_body(theirs, t)
        self.assertSigned(self.sign(body, auth=("bob", USERS["bob"])), body)
        lines = self.lines_since(mark, 3)
        self.assertEqual(sorted((f["status"], f.get("user"), f.get("refused") or "")
                                for f in lines),
                         [("200", "alice", ""), ("200", "bob", ""),
                          ("500", "alice", "key.prefix")])

    def test_success_and_delete_for_the_owner_only(self):
        upload, uid = new_upload("alice")
        etag = put_object(upload.key)
        bob = ("bob", USERS["bob"])
        self.assertEqual(self.success(upload.key, uid, etag, auth=bob).status_code, 403)
        self.assertEqual(self.delete(upload.key, uid, auth=bob).status_code, 403)
        alice = ("alice", USERS["alice"])
        self.assertIs(self.assertJson(self.success(upload.key, uid, etag, auth=alice),
                                      200)["success"], True)
        resp = self.delete(upload.key, uid, auth=alice)
        self.assertEqual(resp.status_code, 204, resp.text)
        self.assertFalse(exists(upload.key))

    def test_no_or_wrong_credentials_401_from_the_web_server(self):
        upload, _ = new_upload("alice")
        mark = self.log_mark()
        for auth in (None, ("alice", "wrong"), ("mallory", "x")):
            with self.subTest(auth=auth):
                resp = self.sign(fu.policy_body(upload, now()), auth=auth)
                if self.json_401:
                    self.assertJson(resp, 401)
                else:
                    self.assertEqual(resp.status_code, 401)
                self.assertTrue(resp.headers.get("WWW-Authenticate", "").startswith("Basic"))
                self.assertCors(resp)
        self.lines_since(mark, 0)  # the responder never saw them


class NginxSetup:
    nginx_site = tn.PLAIN_SITE
    routes = TOKEN_ROUTES
    responder = None
    nginx = None

    @classmethod
    def nginx_files(cls):
        return {}

    @classmethod
    def setUpClass(cls):
        cls.session = requests.Session()
        cls.responder = harness.Responder(responder_config(cls.routes), secret=RGW.secret_key,
                                          files={"jwt.secret": JWT_SECRET}, threads=4)
        try:
            files = tn.common_files(cls.responder.socket_path, ORIGIN)
            files.update(cls.nginx_files())
            cls.nginx = harness.Nginx(cls.nginx_site, files=files, port=cls.port())
            cls.url = cls.nginx.url
        except BaseException:
            cls.responder.stop()
            raise

    @classmethod
    def port(cls):
        return None

    @classmethod
    def tearDownClass(cls):
        cls.session.close()
        log = cls.nginx.error_log() if cls.nginx else ""
        if cls.nginx:
            cls.nginx.stop()
        code = cls.responder.stop()
        for line in log.splitlines():
            if "[emerg]" in line or "[alert]" in line or "[crit]" in line:
                raise AssertionError(f"nginx error log: {line}")
        if code != 0:
            raise AssertionError(f"the responder exited with {code}")

    @classmethod
    def responder_log(cls):
        return cls.responder.log_text()


class NginxTokenTest(NginxSetup, TokenTests, ThroughWebServer):
    """nginx/ as shipped (the snippet and the http-level file, a site with nothing else)."""

    def test_http_authorization_reaches_the_responder_as_is(self):
        # The snippet adds nothing for bearer tokens: nginx's own pass-through of request
        # headers is what carries it (a token with "+", "/" and "=" is token68 too).
        upload, _ = new_upload("alice")
        body = fu.policy_body(upload, now())
        value = "Bearer " + token("alice")
        self.assertSigned(self.sign(body, headers={"Authorization": value}), body)
        self.assertSigned(self.sign(body, headers={"authorization": "bearer  " + token("alice")}),
                          body)


# ------------------------------------------------------------------------------------------------
# nginx: REMOTE_USER from the example site's (a) basic auth and (b) auth_request
# ------------------------------------------------------------------------------------------------

def nginx_htpasswd(directory):
    """{SHA} entries, which nginx's auth_basic reads."""
    path = Path(directory) / "htpasswd"
    path.write_text("".join(
        f"{user}:{{SHA}}{base64.b64encode(hashlib.sha1(pw.encode()).digest()).decode()}\n"
        for user, pw in USERS.items()))
    return str(path)


class NginxSiteSetup(NginxSetup):
    """nginx/example-site.conf on the test's port, with one of its variants."""

    nginx_site = tn.DEBIAN_HTTP
    routes = USER_ROUTES
    _port = None

    @classmethod
    def port(cls):
        if cls._port is None:
            cls._port = harness.free_port()
        return cls._port

    @classmethod
    def setUpClass(cls):
        cls.root = tempfile.mkdtemp(prefix="s3us-webauth-site-")
        Path(cls.root, "index.html").write_text("<!DOCTYPE html><title>uploads</title>\n")
        super().setUpClass()

    @classmethod
    def tearDownClass(cls):
        try:
            super().tearDownClass()
        finally:
            shutil.rmtree(cls.root, ignore_errors=True)

    @classmethod
    def nginx_files(cls):
        return {"sites-enabled/example-site.conf": cls.site_text()}

    @classmethod
    def site_text(cls):
        raise NotImplementedError


class NginxBasicAuthTest(BasicAuthTests, NginxSiteSetup, ThroughWebServer):
    """Variant (a): auth_basic, auth_basic_user_file, set $s3_upload_signer_user $remote_user."""

    @classmethod
    def site_text(cls):
        return tn.example_site(cls.port(), cls.root, "basic", htpasswd=nginx_htpasswd(cls.root))

    def test_the_variant_has_three_lines(self):
        text = self.site_text()
        for line in ('    auth_basic "Uploads";', "    auth_basic_user_file ",
                     "    set $s3_upload_signer_user $remote_user;"):
            self.assertIn(line, text)


class NginxBasicAuthWithoutTheSetLineTest(NginxSiteSetup, ThroughWebServer):
    """auth_basic on, but the variant's `set $s3_upload_signer_user` line left out: nginx checks
    the password and passes no user on, so the responder refuses (the line is what passes it)."""

    @classmethod
    def site_text(cls):
        text = tn.example_site(cls.port(), cls.root)
        text = tn.uncomment(text, '# auth_basic "Uploads";', "# auth_basic_user_file")
        assert "    # set $s3_upload_signer_user $remote_user;" in text
        return text.replace("/etc/nginx/uploads.htpasswd;", nginx_htpasswd(cls.root) + ";", 1)

    def test_authenticated_but_no_user_passed_on_is_401(self):
        upload, _ = new_upload("alice")
        mark = self.log_mark()
        self.assertAuthRequired(self.sign(fu.policy_body(upload, now()),
                                          auth=("alice", USERS["alice"])))
        [line] = self.lines_since(mark, 1)
        self.assertEqual((line.get("user"), line.get("refused")),
                         (None, "auth.remote-user.missing"))


class NginxAuthRequestTest(NginxSiteSetup, ThroughWebServer):
    """Variant (b): the application's session check answers X-Auth-User."""

    backend = None

    @classmethod
    def setUpClass(cls):
        cls.backend = http.server.ThreadingHTTPServer(("127.0.0.1", 0), tn._AuthBackend)
        threading.Thread(target=cls.backend.serve_forever, daemon=True).start()
        try:
            super().setUpClass()
        except BaseException:
            cls.backend.shutdown()
            cls.backend.server_close()
            raise

    @classmethod
    def tearDownClass(cls):
        try:
            super().tearDownClass()
        finally:
            cls.backend.shutdown()
            cls.backend.server_close()

    @classmethod
    def site_text(cls):
        return tn.example_site(
            cls.port(), cls.root, "auth_request",
            auth_url=f"http://127.0.0.1:{cls.backend.server_address[1]}/auth/check")

    def session_of(self, name):
        return {"Cookie": f"session={name}"}

    def test_remote_user_comes_from_the_application(self):
        bobs, _ = new_upload("bob")
        alices, _ = new_upload("alice")
        t = now()
        mark = self.log_mark()
        body = fu.policy_body(bobs, t)
        self.assertSigned(self.sign(body, headers=self.session_of("s-bob")), body)
        # a Basic header of the client's own does not change who nginx says it is
        resp = self.sign(fu.policy_body(alices, t),
                         headers=dict(self.session_of("s-bob"), **basic("alice", "x")))
        self.assertJson(resp, 500, {"invalid": True})
        lines = self.lines_since(mark, 2)
        self.assertEqual(sorted((f["status"], f.get("user")) for f in lines),
                         [("200", "bob"), ("500", "bob")])

    def test_a_session_without_a_user_is_401_from_the_responder(self):
        upload, _ = new_upload("alice")
        mark = self.log_mark()
        self.assertAuthRequired(self.sign(fu.policy_body(upload, now()),
                                          headers=dict(self.session_of("s-anonymous"),
                                                       **basic("alice", "x"))))
        [line] = self.lines_since(mark, 1)
        self.assertEqual(line.get("refused"), "auth.remote-user.missing", line["_line"])

    def test_no_session_401_from_nginx(self):
        upload, _ = new_upload("alice")
        mark = self.log_mark()
        for headers in ({}, self.session_of("s-unknown")):
            resp = self.sign(fu.policy_body(upload, now()), headers=headers)
            self.assertJson(resp, 401)
            self.assertCors(resp)
        self.lines_since(mark, 0)


# ------------------------------------------------------------------------------------------------
# Apache: the files of apache/ as shipped (tokens) and with the Basic auth edit (REMOTE_USER)
# ------------------------------------------------------------------------------------------------

PASS_AUTH_LINE = "    CGIPassAuth On\n"
BEARER_ONLY_LINE = '    #   SetEnvIfNoCase Authorization "^(Bearer .+)$" HTTP_AUTHORIZATION=$1\n'


def pass_auth(text, how):
    """The file's CGIPassAuth line as shipped ("shipped"), removed ("none"), or replaced by the
    bearer-only alternative its comment gives ("bearer-only")."""
    assert text.count(PASS_AUTH_LINE) == 1, "the CGIPassAuth line changed"
    assert text.count(BEARER_ONLY_LINE) == 1, "the SetEnvIfNoCase alternative changed"
    if how == "shipped":
        return text
    if how == "none":
        return text.replace(PASS_AUTH_LINE, "")
    if how == "bearer-only":
        return text.replace(PASS_AUTH_LINE, "    " + BEARER_ONLY_LINE[8:])
    raise ValueError(how)


class ApacheServer:
    """One Apache (mod_fcgid or mod_proxy_fcgi) with the project's file, in front of a
    responder with `routes`; basic_auth: the documented edit; pass_auth: see pass_auth()."""

    def __init__(self, module, routes, basic_auth=False, how="shipped"):
        self.module = module
        self.dir = tempfile.mkdtemp(prefix="s3us-webauth-apache-")
        os.chmod(self.dir, 0o755)  # www-data reads the configuration and the htpasswd
        self.apache = None
        self.responder = None
        try:
            self._start(routes, basic_auth, how)
        except BaseException:
            self.stop()
            raise

    def _start(self, routes, basic_auth, how):
        uid, gid = harness.apache_user_ids()
        if self.module == "fcgid":
            source, modules = ta.FCGID_CONF, ta.FCGID_MODULES
            config = os.path.join(self.dir, "config.yaml")
            with open(config, "w") as f:
                f.write(responder_config(routes, threads=2))
            os.chmod(config, 0o644)
            secrets = {"signing.secret": RGW.secret_key,
                       harness.SERVER_SECRET_FILE: RGW.secret_key, "jwt.secret": JWT_SECRET}
            for name, value in secrets.items():
                path = os.path.join(self.dir, name)
                with open(path, "w") as f:
                    f.write(value + "\n")
                os.chown(path, uid, gid)  # mod_fcgid runs the responder as www-data
                os.chmod(path, 0o600)
            replacements = [(ta.BINARY_PLACEHOLDER, str(harness.BINARY)),
                            (ta.CONFIG_PLACEHOLDER, config)]
        else:
            source, modules = ta.PROXY_CONF, ta.PROXY_MODULES
            self.responder = harness.Responder(responder_config(routes), secret=RGW.secret_key,
                                               files={"jwt.secret": JWT_SECRET}, threads=2)
            os.chown(self.responder.socket_path, 0, gid)
            os.chmod(self.responder.dir, 0o711)
            replacements = [(ta.SOCKET_PLACEHOLDER, self.responder.socket_path)]
        replacements += [(ta.BLANK_PLACEHOLDER, str(ta.BLANK_PAGE)),
                         (ta.ORIGIN_PLACEHOLDER, "^" + re.escape(ORIGIN) + "$")]
        text = pass_auth(source.read_text(), how)
        if basic_auth:
            text = ta.with_basic_auth(text)
            replacements.append((ta.HTPASSWD_PLACEHOLDER, ta.write_htpasswd(self.dir)))
            modules += ta.AUTH_MODULES
        snippet = os.path.join(self.dir, source.name)
        with open(snippet, "w") as f:
            f.write(ta.substituted(text, replacements, source.name))
        self.apache = harness.Apache(ta.apache_body(snippet), modules=modules)
        # One request through, so that a set-up problem fails here with Apache's own words.
        resp = requests.get(self.apache.url + "/health", timeout=15)
        if resp.status_code != 200:
            raise RuntimeError(f"GET /health through Apache: {resp.status_code} {resp.text[:300]}"
                               f"\n{self.apache.error_log()[-3000:]}")
        # Its log line comes just after the answer: wait for it, so that it cannot turn up
        # inside a test that counts the responder's lines.
        deadline = time.monotonic() + 5
        while not any(f["path"] == "/health"
                      for f in harness.request_log_lines(self.responder_log())):
            if time.monotonic() > deadline:
                raise RuntimeError("the /health request never reached the responder's log")
            time.sleep(0.02)

    @property
    def url(self):
        return self.apache.url

    def responder_log(self):
        if self.responder is not None:
            return self.responder.log_text()
        return self.apache.error_log() if self.apache is not None else ""

    def stop(self):
        problems = []
        if self.apache is not None:
            code = self.apache.stop()
            if code != 0:
                problems.append(f"apache2 exited with {code}")
            report = harness.sanitizer_report(self.apache.error_log())
            if report:
                problems.append(f"sanitizer report in Apache's error log:\n{report}")
        if self.responder is not None:
            code = self.responder.stop()
            if code != 0:
                problems.append(f"the responder exited with {code}")
        if not harness._keep_tmp:
            shutil.rmtree(self.dir, ignore_errors=True)
        if problems:
            raise AssertionError("\n".join(problems))


class ApacheSetup:
    module = None
    routes = TOKEN_ROUTES
    basic_auth = False
    server = None

    @classmethod
    def setUpClass(cls):
        if os.geteuid() != 0:
            raise unittest.SkipTest("Apache must start as root to run its children as www-data")
        if not os.path.exists(f"{harness.APACHE_MODULES_DIR}/mod_fcgid.so"):
            raise unittest.SkipTest("apt-get install apache2 libapache2-mod-fcgid")
        cls.session = requests.Session()
        cls.server = ApacheServer(cls.module, cls.routes, basic_auth=cls.basic_auth)
        cls.url = cls.server.url

    @classmethod
    def tearDownClass(cls):
        cls.session.close()
        if cls.server is not None:
            cls.server.stop()

    @classmethod
    def responder_log(cls):
        return cls.server.responder_log()


class FcgidTokenTest(ApacheSetup, TokenTests, ThroughWebServer):
    """apache/s3-upload-signer-fcgid.conf as shipped."""
    module = "fcgid"


class ProxyFcgiTokenTest(ApacheSetup, TokenTests, ThroughWebServer):
    """apache/s3-upload-signer-proxy-fcgi.conf as shipped."""
    module = "proxy"


class ApachePassAuthTest(ThroughWebServer):
    """What the CGIPassAuth line does, for both modules: without it the token never arrives;
    the bearer-only alternative of the files' comment passes tokens as well."""

    server = None

    @classmethod
    def setUpClass(cls):
        if os.geteuid() != 0:
            raise unittest.SkipTest("Apache must start as root to run its children as www-data")
        cls.session = requests.Session()

    @classmethod
    def tearDownClass(cls):
        cls.session.close()

    @classmethod
    def responder_log(cls):
        return cls.server.responder_log()

    def check(self, module, how, expect_status, expect_rule):
        cls = type(self)
        cls.server = ApacheServer(module, TOKEN_ROUTES, how=how)
        try:
            self.url = cls.server.url
            upload, _ = new_upload("alice")
            body = fu.policy_body(upload, now())
            mark = self.log_mark()
            resp = self.sign(body, headers=bearer("alice"))
            if expect_status == 200:
                self.assertSigned(resp, body)
            else:
                self.assertAuthRequired(resp)
            [line] = self.lines_since(mark, 1)
            self.assertEqual((line["status"], line.get("refused")),
                             (str(expect_status), expect_rule), line["_line"])
        finally:
            server, cls.server = cls.server, None
            server.stop()

    def test_fcgid_without_cgipassauth_the_token_never_arrives(self):
        self.check("fcgid", "none", 401, "auth.token.missing")

    def test_proxy_fcgi_without_cgipassauth_the_token_never_arrives(self):
        self.check("proxy", "none", 401, "auth.token.missing")

    def test_fcgid_bearer_only_alternative(self):
        self.check("fcgid", "bearer-only", 200, None)

    def test_proxy_fcgi_bearer_only_alternative(self):
        self.check("proxy", "bearer-only", 200, None)


class ApacheBasicAuthTests(BasicAuthTests):
    """The documented Basic auth edit, in front of USER_ROUTES (remote_user, the default)."""

    routes = USER_ROUTES
    basic_auth = True
    json_401 = False  # Apache's own 401 page


class FcgidBasicAuthRemoteUserTest(ApacheBasicAuthTests, ApacheSetup, ThroughWebServer):
    module = "fcgid"


class ProxyFcgiBasicAuthRemoteUserTest(ApacheBasicAuthTests, ApacheSetup, ThroughWebServer):
    module = "proxy"


if __name__ == "__main__":
    unittest.main()
