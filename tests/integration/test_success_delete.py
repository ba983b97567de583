"""The success and delete handlers (issue 3), against radosgw, through the real FastCGI interface.

Set-up: radosgw (harness.rgw()); in front of it an S3Proxy (s3_proxy.py) that counts every HTTP
request and connection and can refuse connections or swallow them, like a stopped or hung S3;
the responder's profile endpoint is the proxy (virtual-hosted: <bucket>.localhost:<proxy port>).
A WebhookReceiver (webhook_receiver.py) plays the application: it records and verifies every
webhook call and answers what a test tells it to. Files reach radosgw the way a browser puts them
there: Fine Uploader's policy (fineuploader.py), signed by the responder, POSTed to radosgw; objects
that break the rules are put "behind the responder's back" with boto3 and the server key, directly
to radosgw. Checks on the bucket (HEAD) also go directly to radosgw, never through the proxy, so
that "the proxy counted zero requests" really means the responder made no S3 call.

What each part shows (issue 3, "What it must show"):
* ConfirmTest: an upload with a responder-signed policy is confirmed (200, size, presigned URL
  that downloads the same bytes, thumbnailUrl, webhook members merged) and the webhook got exactly
  one call whose signature verifies and whose JSON describes the object;
* InvalidObjectTest: an object over the size limit, with a wrong ETag, or of a type not allowed is
  refused (422, preventRetry) and gone afterwards; a missing one is 404; a malformed call 400;
* AccessRulesTest: success and delete naming another bucket, a key outside the caller's prefix or
  a uuid that is not the key's are refused (403) with zero requests at the proxy, object untouched;
* DeleteTest: delete removes the object (HEAD 404), a second delete is 204 too; POST+_method too;
* S3DownTest: with the proxy refusing or swallowing connections, success and delete answer a JSON
  502 within s3.timeout; 5xx is retried, 4xx is not; a burst larger than the thread pool does not
  keep sign requests waiting (some of the burst get 503);
* OutboundTest: with both outbound permits held by hung calls, success and delete answer 503 at
  once without reaching S3; sequential calls reuse their S3 connections;
* WebhookFailureTest / ShutdownAfterWebhookFailuresTest: a webhook that is down, slow or answers
  500 fails the upload (502) when required and does not when optional, within its timeout; after
  that the responder signs promptly and stops on SIGTERM within a second or two, sanitizer-clean.

If the binary still answers 501 for /s3/success (handlers not built in yet), the handler tests are
skipped with that reason; the proxy and receiver self-tests always run.
"""

import concurrent.futures
import datetime
import hashlib
import os
import re
import signal
import threading
import time
import unittest
import urllib.parse
import uuid as uuidlib

import botocore.exceptions
import requests

import fineuploader as fu
import harness
from s3_proxy import RequestParser, S3Proxy
from webhook_receiver import WebhookReceiver, sign as sign_webhook, verify_signature

BUCKET = "sd-main"
OTHER_BUCKET = "sd-other"
MAX_SIZE = 50_000
S3_TIMEOUT = 1.5  # s3.timeout in the configs below ("1500ms")
WEBHOOK_TIMEOUT = 2.0  # success.webhook.timeout ("2s")
SLACK = 1.0  # what an answer may take beyond the configured timeout (ASan build, cgi-fcgi)
SIGN_PROMPT = 0.5  # "promptly": a sign answer while S3 calls hang
HOOK_SECRET = "whsec-test-0123456789abcdef"
HOOK_SECRET_ENV = "S3US_TEST_WEBHOOK_SECRET"
FORM = "application/x-www-form-urlencoded"
USER = "alice"
THUMB_TEMPLATE = "https://cdn.example/{bucket}/{key}?u={uuid}"

RGW = None
CLIENT = None  # boto3, straight to radosgw (the server key), never through the proxy
PROXY = None
HOOK = None
SESSION = None
HANDLERS_MISSING = None  # the skip reason while the binary answers 501 for /s3/success
_responders = {}
_created = set()  # (bucket, key) to clean up


# ------------------------------------------------------------------------------------------------
# module set-up
# ------------------------------------------------------------------------------------------------

def setUpModule():
    global RGW, CLIENT, PROXY, HOOK, SESSION, HANDLERS_MISSING
    RGW = harness.rgw()
    RGW.make_bucket(BUCKET)
    RGW.make_bucket(OTHER_BUCKET)
    CLIENT = RGW.client()
    SESSION = requests.Session()
    PROXY = S3Proxy(("127.0.0.1", RGW.port)).start()
    HOOK = WebhookReceiver(HOOK_SECRET).start()
    # Are the handlers there? A config the old binary accepts too, and one request.
    with harness.Responder(harness.profile_yaml(bucket=BUCKET, endpoint=PROXY.url),
                           secret=RGW.secret_key) as probe:
        answer = probe.request("POST", "/s3/success", body="key=x&bucket=y", content_type=FORM)
    if answer.status == 501:
        HANDLERS_MISSING = (f"{harness.BINARY} answers 501 for POST /s3/success ({answer.text}): "
                            f"the success/delete handlers are not built in yet; rebuild "
                            f"(scripts/build asan) once src/handlers/success.cc exists")


def tearDownModule():
    errors = []
    for name, responder in list(_responders.items()):
        started = time.monotonic()
        try:
            responder.stop()
        except AssertionError as e:  # a sanitizer report or a hang: report it
            errors.append(f"responder {name}: {e}")
        if time.monotonic() - started > 3:
            errors.append(f"responder {name} took {time.monotonic() - started:.1f}s to stop")
    _responders.clear()
    for bucket, key in _created:
        try:
            CLIENT.delete_object(Bucket=bucket, Key=key)
        except botocore.exceptions.ClientError:
            pass
    for thing in (PROXY, HOOK):
        if thing is not None:
            thing.stop()
    if SESSION is not None:
        SESSION.close()
    if errors:
        raise AssertionError("\n".join(errors))


def main_config(hook_url=None, **changes):
    """The profile most tests use: keys under uploads/{user}/, server key, every success option,
    a required webhook; small timeouts and a small thread pool."""
    settings = dict(
        bucket=BUCKET, endpoint=PROXY.url,
        key={"prefix": "uploads/{user}/", "shapes": ["uuid.ext"]},
        size={"min": 1, "max": MAX_SIZE},
        content_types=["image/*", "text/plain"],
        server_credentials=harness.SERVER_CREDENTIAL,
        success={"delete_invalid": True, "check_etag": True, "presigned_get": "15m",
                 "thumbnail": "presigned",
                 "webhook": {"url": hook_url or HOOK.url("/hook"),
                             "secret_file": "webhook.secret",
                             "timeout": "2s", "retries": 1, "required": True}},
        s3={"connect_timeout": "500ms", "timeout": "1500ms", "retries": 1},
        server={"threads": 4, "max_outbound_calls": 2},
    )
    settings.update(changes)
    return harness.profile_yaml(**settings)


def optional_config(**changes):
    """Anonymous uploads under public/, a thumbnail template, invalid objects kept, an optional
    webhook whose secret comes from the environment."""
    settings = dict(
        bucket=BUCKET, endpoint=PROXY.url,
        key={"prefix": "public/", "shapes": ["uuid.ext"]},
        size={"min": 1, "max": MAX_SIZE},
        content_types=["image/*", "text/plain"],
        server_credentials=harness.SERVER_CREDENTIAL,
        success={"delete_invalid": False, "thumbnail": THUMB_TEMPLATE,
                 "webhook": {"url": HOOK.url("/optional"), "secret_env": HOOK_SECRET_ENV,
                             "timeout": "2s", "retries": 1, "required": False}},
        s3={"connect_timeout": "500ms", "timeout": "1500ms", "retries": 1},
        server={"threads": 4, "max_outbound_calls": 2},
    )
    settings.update(changes)
    return harness.profile_yaml(**settings)


def start_responder(config, hook_secret=HOOK_SECRET):
    return harness.Responder(config, secret=RGW.secret_key, threads=None,
                             files={"webhook.secret": hook_secret},
                             env={HOOK_SECRET_ENV: hook_secret})


def shared_responder(name):
    """The module's responders, started on first use and stopped (sanitizer-checked) at the end."""
    if name not in _responders:
        config = main_config() if name == "main" else optional_config()
        _responders[name] = start_responder(config)
    responder = _responders[name]
    if responder.process.poll() is not None:
        raise AssertionError(f"responder {name} died (exit {responder.process.returncode}):\n"
                             f"{responder.log_text()[-3000:]}")
    return responder


# ------------------------------------------------------------------------------------------------
# helpers
# ------------------------------------------------------------------------------------------------

class Uploaded:
    def __init__(self, key, uid, name, data, content_type, etag, bucket=BUCKET):
        self.key, self.uuid, self.name, self.data = key, uid, name, data
        self.content_type, self.etag, self.bucket = content_type, etag, bucket

    @property
    def md5(self):
        return hashlib.md5(self.data).hexdigest()


def user_prefix(user):
    return f"uploads/{user}/"


def new_key(prefix, name):
    uid = str(uuidlib.uuid4())
    return prefix + fu.Upload.key_for(uid, name), uid


def policy_upload(responder, data, name="été photo (1).jpg", content_type="image/jpeg",
                  user=USER, prefix=None, version=4):
    """A browser upload: Fine Uploader's policy, signed by the responder (over FastCGI), the form
    POSTed to radosgw. Returns Uploaded with the ETag radosgw answered (quotes included)."""
    prefix = user_prefix(user) if prefix is None else prefix
    key, uid = new_key(prefix, name)
    _created.add((BUCKET, key))
    upload = fu.Upload(bucket=BUCKET, key=key, access_key=RGW.access_key, version=version,
                       region="us-east-1", host=f"{BUCKET}.localhost:{RGW.port}", acl="private",
                       content_type=content_type, params={"category": "holiday photos"},
                       file_name=name, min_size=1, max_size=MAX_SIZE)
    now = fu.parse_clock(datetime.datetime.now(datetime.timezone.utc))
    signed = responder.request("POST", "/s3/signature", query="v4=true" if version == 4 else "",
                               body=fu.policy_body(upload, now),
                               headers={"Accept": "application/json"}, remote_user=user)
    if signed.status != 200:
        raise AssertionError(f"sign refused a legitimate policy: {signed!r}\n"
                             f"{responder.log_text()[-2000:]}")
    answer = signed.json()
    fields = fu.form_fields(upload, now, answer["policy"], answer["signature"])
    files = [(n, (None, v)) for n, v in fields] + [("file", (name, data, content_type))]
    resp = SESSION.post(f"http://127.0.0.1:{RGW.port}/", files=files, timeout=30,
                        headers={"Host": f"{BUCKET}.localhost:{RGW.port}"})
    if resp.status_code != 200:
        raise AssertionError(f"radosgw refused the POST upload: {resp.status_code} {resp.text}")
    md5 = '"' + hashlib.md5(data).hexdigest() + '"'
    etag = resp.headers.get("ETag") or md5
    assert etag == md5, (etag, md5)
    return Uploaded(key, uid, name, data, content_type, etag)


def put_direct(data, content_type="image/jpeg", name="photo.jpg", user=USER, prefix=None,
               bucket=BUCKET, key=None, uid=None):
    """An object put behind the responder's back (boto3, server key, straight to radosgw)."""
    if key is None:
        key, uid = new_key(user_prefix(user) if prefix is None else prefix, name)
    _created.add((bucket, key))
    answer = CLIENT.put_object(Bucket=bucket, Key=key, Body=data, ContentType=content_type)
    return Uploaded(key, uid, name, data, content_type, answer["ETag"], bucket)


def head_direct(key, bucket=BUCKET):
    """HEAD straight to radosgw (not through the proxy); None for a missing object."""
    meta = harness.head_object(CLIENT, bucket, key)
    if meta is None:
        return None
    return {"size": meta["ContentLength"], "etag": meta["ETag"],
            "type": meta.get("ContentType"), "modified": meta["LastModified"]}


def success_fields(up, etag=True, bucket=None, key=None, uid=None, extra=()):
    """The uploadSuccess body in Fine Uploader's order (protocol document section 5)."""
    fields = [("extra", "x1"),
              ("key", up.key if key is None else key),
              ("uuid", up.uuid if uid is None else uid),
              ("name", up.name),
              ("bucket", up.bucket if bucket is None else bucket)]
    if etag is True:
        fields.append(("etag", up.etag))
    elif etag:
        fields.append(("etag", etag))
    fields += [("category", "holiday photos"), ("Cache-Control", "max-age=3600")]
    fields += list(extra)
    return fields


def call_success(responder, fields, user=USER, timeout=30):
    body = fields if isinstance(fields, (str, bytes)) else urllib.parse.urlencode(fields)
    started = time.monotonic()
    resp = responder.request("POST", "/s3/success", body=body, content_type=FORM,
                             headers={"Accept": "application/json"}, remote_user=user,
                             timeout=timeout)
    return resp, time.monotonic() - started


def call_delete(responder, uid, key, bucket=BUCKET, user=USER, via="DELETE", path_uuid=None):
    """Fine Uploader's delete: DELETE <endpoint>/<uuid>?key&bucket, or POST with _method."""
    started = time.monotonic()
    if via == "DELETE":
        query = urllib.parse.urlencode([("key", key), ("bucket", bucket)])
        resp = responder.request(
            "DELETE", f"/s3/delete/{uid if path_uuid is None else path_uuid}", query=query,
            headers={"Accept": "application/json", "X-Requested-With": "XMLHttpRequest",
                     "Cache-Control": "no-cache"}, remote_user=user)
    else:
        body = urllib.parse.urlencode([("key", key), ("bucket", bucket), ("qquuid", uid),
                                       ("_method", "DELETE")])
        resp = responder.request("POST", f"/s3/delete/{uid if path_uuid is None else path_uuid}",
                                 body=body, content_type=FORM,
                                 headers={"Accept": "application/json"}, remote_user=user)
    return resp, time.monotonic() - started


def sign_once(responder, user=USER):
    """One legitimate v4 policy signed over a raw FastCGI connection; (response, seconds)."""
    key, _ = new_key(user_prefix(user), "p.jpg")
    upload = fu.Upload(bucket=BUCKET, key=key, access_key=RGW.access_key, version=4,
                       content_type="image/jpeg", file_name="p.jpg", min_size=1,
                       max_size=MAX_SIZE)
    body = fu.policy_body(upload, fu.parse_clock(datetime.datetime.now(datetime.timezone.utc)))
    started = time.monotonic()
    with harness.RawFcgiConnection(responder.address, timeout=10) as conn:
        resp = conn.request("POST", "/s3/signature", query="v4=true", body=body,
                            remote_user=user, keep_conn=False)
    return resp, time.monotonic() - started


def download(url):
    """GET a URL whose host is <bucket>.localhost:<port> (Python does not resolve *.localhost
    the way curl does): connect to 127.0.0.1:<port>, send the URL's Host."""
    parts = urllib.parse.urlsplit(url)
    target = parts.path + ("?" + parts.query if parts.query else "")
    return SESSION.get(f"http://127.0.0.1:{parts.port}{target}", headers={"Host": parts.netloc},
                       timeout=10)


def log_mark(responder):
    return len(responder.log_text())


def request_log(responder, start, path_prefix, timeout=3.0):
    """The last per-request log line for a path (prefix) written after `start`."""
    deadline = time.monotonic() + timeout
    while True:
        lines = [f for f in harness.request_log_lines(responder.log_text()[start:])
                 if f["path"].startswith(path_prefix)]
        if lines:
            return lines[-1]
        if time.monotonic() > deadline:
            raise AssertionError(f"no request log line for {path_prefix} after offset {start}:\n"
                                 f"{responder.log_text()[start:][-2000:]}")
        time.sleep(0.02)


# ------------------------------------------------------------------------------------------------
# the tools on their own: proxy and webhook receiver
# ------------------------------------------------------------------------------------------------

class RequestParserTest(unittest.TestCase):
    def parse(self, *chunks):
        seen = []
        parser = RequestParser(lambda m, t, v: seen.append([m, t, None]),
                               lambda h: seen[-1].__setitem__(2, h))
        for chunk in chunks:
            parser.feed(chunk)
        self.assertFalse(parser.broken)
        return seen

    def test_keepalive_stream_with_bodies_counts_each_request_line(self):
        body = b"GET /inside-a-body HTTP/1.1\r\n\r\n"  # must not count
        inner = b"HEAD /x HTTP/1.1\r\nHost: y\r\n\r\n"  # inside a chunk: must not count
        chunked = (b"5;ext=1\r\nGET /\r\n%x\r\n" % len(inner) + inner
                   + b"\r\n0\r\nTrailer: 1\r\n\r\n")
        stream = (b"HEAD /b/k HTTP/1.1\r\nHost: b.localhost:1\r\n\r\n"
                  b"PUT /b/k2 HTTP/1.1\r\nHost: h\r\nContent-Length: %d\r\n\r\n" % len(body)
                  + body +
                  b"POST /b/k3 HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked
                  + b"\r\nDELETE /b/k4?x=1 HTTP/1.1\r\nHost: h\r\n\r\n")
        whole = self.parse(stream)
        byte_by_byte = self.parse(*[stream[i:i + 1] for i in range(len(stream))])
        for seen in (whole, byte_by_byte):
            self.assertEqual([(m, t) for m, t, _ in seen],
                             [("HEAD", "/b/k"), ("PUT", "/b/k2"), ("POST", "/b/k3"),
                              ("DELETE", "/b/k4?x=1")])
            self.assertEqual(seen[0][2]["host"], "b.localhost:1")

    def test_request_line_counts_before_the_headers_are_complete(self):
        self.assertEqual(self.parse(b"HEAD /a HTTP/1.1\r\nHost: x"), [["HEAD", "/a", None]])


class S3ProxySelfTest(unittest.TestCase):
    """The proxy in front of radosgw, driven by boto3 and raw sockets."""

    def setUp(self):
        PROXY.set_mode("forward")
        PROXY.reset()

    def tearDown(self):
        PROXY.set_mode("forward")

    def proxied_client(self, **config):
        options = dict(retries={"total_max_attempts": 1, "mode": "standard"}, connect_timeout=2,
                       read_timeout=5)
        options.update(config)
        return harness.Rgw(f"http://127.0.0.1:{PROXY.port}", RGW.access_key,
                           RGW.secret_key).client(**options)

    def test_forward_counts_requests_on_a_kept_alive_connection(self):
        client = self.proxied_client()
        key = f"selftest/{uuidlib.uuid4()}.txt"
        _created.add((BUCKET, key))
        client.put_object(Bucket=BUCKET, Key=key, Body=b"hello proxy", ContentType="text/plain")
        self.assertEqual(client.head_object(Bucket=BUCKET, Key=key)["ContentLength"], 11)
        self.assertEqual(client.get_object(Bucket=BUCKET, Key=key)["Body"].read(), b"hello proxy")
        client.delete_object(Bucket=BUCKET, Key=key)
        self.assertIsNone(head_direct(key))
        self.assertEqual(PROXY.methods(), ["PUT", "HEAD", "GET", "DELETE"], PROXY.summary())
        self.assertEqual(PROXY.connection_count, 1, PROXY.summary())  # one kept-alive connection
        self.assertTrue(all(r.path == f"/{BUCKET}/{key}" for r in PROXY.requests))
        PROXY.reset()
        self.assertEqual((PROXY.request_count, PROXY.connection_count), (0, 0))

    def test_refuse_closes_the_port_and_forward_reopens_it(self):
        client = self.proxied_client()
        client.head_bucket(Bucket=BUCKET)
        PROXY.set_mode("refuse")
        with self.assertRaises(ConnectionRefusedError):
            harness._connect(("127.0.0.1", PROXY.port), 2).close()
        with self.assertRaises(botocore.exceptions.EndpointConnectionError):
            client.head_bucket(Bucket=BUCKET)  # the kept-alive connection was closed too
        PROXY.set_mode("forward")
        client.head_bucket(Bucket=BUCKET)
        self.assertEqual(PROXY.methods(), ["HEAD", "HEAD"], PROXY.summary())

    def test_blackhole_accepts_counts_and_never_answers(self):
        PROXY.set_mode("blackhole")
        started = time.monotonic()
        with self.assertRaises((botocore.exceptions.ReadTimeoutError,
                                botocore.exceptions.ConnectionClosedError)):
            self.proxied_client(read_timeout=0.5).head_object(Bucket=BUCKET, Key="nothing.txt")
        self.assertLess(time.monotonic() - started, 3)
        self.assertEqual(PROXY.methods(), ["HEAD"], PROXY.summary())
        self.assertEqual(PROXY.requests[0].mode, "blackhole")
        PROXY.set_mode("forward")
        self.proxied_client().head_bucket(Bucket=BUCKET)

    def test_status_mode_answers_s3_errors(self):
        PROXY.set_mode("status", status=503)
        resp = requests.get(f"http://127.0.0.1:{PROXY.port}/{BUCKET}/x", timeout=5)
        self.assertEqual(resp.status_code, 503)
        self.assertIn(b"<Code>SlowDown</Code>", resp.content)
        resp = requests.head(f"http://127.0.0.1:{PROXY.port}/{BUCKET}/x", timeout=5)
        self.assertEqual(resp.status_code, 503)
        self.assertEqual(PROXY.methods(), ["GET", "HEAD"])


class WebhookReceiverSelfTest(unittest.TestCase):
    def setUp(self):
        self.hook = WebhookReceiver("s3cr3t").start()
        self.addCleanup(self.hook.stop)

    def post(self, body, header, timeout=5):
        headers = {"Content-Type": "application/json"}
        if header is not None:
            headers["X-Upload-Signature"] = header
        return requests.post(self.hook.url("/in"), data=body, headers=headers, timeout=timeout)

    def test_signature_checks(self):
        body = b'{"event":"upload.confirmed"}'
        now = int(time.time())
        self.assertEqual(self.post(body, sign_webhook("s3cr3t", now, body)).json(),
                         {"received": True})
        self.post(body + b" ", sign_webhook("s3cr3t", now, body))  # body changed
        self.post(body, sign_webhook("other", now, body))  # wrong secret
        self.post(body, sign_webhook("s3cr3t", now - 400, body))  # too old
        self.post(body, None)  # unsigned
        calls = self.hook.wait_for(5)
        self.assertEqual([c.signature_ok for c in calls], [True, False, False, False, False])
        self.assertEqual(calls[0].json, {"event": "upload.confirmed"})
        self.assertEqual(calls[0].path, "/in")
        ok, problem, _ = verify_signature("s3cr3t", f"t={now},v1=00,v1="
                                          + sign_webhook("s3cr3t", now, body).split("v1=")[1], body)
        self.assertTrue(ok, problem)  # any of several v1 entries may match (secret rotation)

    def test_answers(self):
        body, header = b"{}", sign_webhook("s3cr3t", int(time.time()), b"{}")
        self.hook.reply_json({"thumbnailUrl": "https://cdn.example/x.jpg", "appId": 7})
        self.assertEqual(self.post(body, header).json()["appId"], 7)
        self.hook.reply_empty()
        resp = self.post(body, header)
        self.assertEqual((resp.status_code, resp.content), (200, b""))
        self.hook.reply_status(500)
        self.assertEqual(self.post(body, header).status_code, 500)
        self.hook.reply_slow(1.0)
        with self.assertRaises(requests.exceptions.ReadTimeout):
            self.post(body, header, timeout=0.3)
        self.hook.reply_empty(204)
        with requests.Session() as kept_alive:  # an open kept-alive connection is closed too
            self.assertEqual(kept_alive.post(self.hook.url(), data=body, timeout=5,
                                             headers={"X-Upload-Signature": header}).status_code,
                             204)
            self.hook.go_down()
            with self.assertRaises(requests.exceptions.ConnectionError):
                kept_alive.post(self.hook.url(), data=body, timeout=5)
        with self.assertRaises(requests.exceptions.ConnectionError):
            self.post(body, header)
        self.hook.come_up()
        self.hook.reply_json({"ok": 1})
        self.assertEqual(self.post(body, header).json(), {"ok": 1})
        self.assertEqual(len(self.hook.calls), 6)  # the refused ones never arrived


# ------------------------------------------------------------------------------------------------
# the handlers
# ------------------------------------------------------------------------------------------------

class HandlerTest(unittest.TestCase):
    responder_name = "main"

    @classmethod
    def setUpClass(cls):
        if HANDLERS_MISSING:
            raise unittest.SkipTest(HANDLERS_MISSING)
        cls.r = shared_responder(cls.responder_name)

    def setUp(self):
        PROXY.set_mode("forward")
        PROXY.reset()
        HOOK.come_up()
        HOOK.reply_json({"appId": 7, "note": "from the application"})
        HOOK.reset()

    def tearDown(self):
        PROXY.set_mode("forward")
        HOOK.come_up()

    # --- assertions ------------------------------------------------------------------------------
    def assertJsonError(self, resp, status, prevent_retry=None):
        self.assertEqual(resp.status, status, f"{resp!r}\nlog:\n{self.r.log_text()[-1500:]}")
        self.assertTrue(resp.headers.get("content-type", "").startswith("application/json"), resp)
        body = resp.json()
        self.assertIsInstance(body.get("error"), str, body)
        self.assertGreater(len(body["error"]), 5, body)
        self.assertNotEqual(body.get("success"), True, body)
        if prevent_retry is True:
            self.assertIs(body.get("preventRetry"), True, body)
        elif prevent_retry is False:
            self.assertFalse(body.get("preventRetry"), f"a temporary failure must allow a retry: "
                                                       f"{body}")
        return body

    def assertRefusedWith(self, start, path_prefix, pattern):
        fields = request_log(self.r, start, path_prefix)
        self.assertRegex(fields.get("refused", ""), pattern, fields["_line"])
        return fields

    def assertNoS3Request(self, what):
        self.assertEqual(PROXY.request_count, 0, f"{what}: the responder called S3: "
                                                 f"{PROXY.summary()}")
        self.assertEqual(PROXY.connection_count, 0, f"{what}: {PROXY.summary()}")

    def assertGone(self, key, bucket=BUCKET):
        self.assertIsNone(head_direct(key, bucket), f"{bucket}/{key} is still there")


class ConfirmTest(HandlerTest):
    def check_webhook_call(self, up, user=USER, path="/hook", size=None, content_type=None):
        calls = HOOK.calls
        self.assertEqual(len(calls), 1, f"exactly one notification expected: {calls}")
        call = calls[0]
        self.assertEqual((call.method, call.path), ("POST", path))
        self.assertTrue(call.signature_ok, f"{call.signature_problem}: "
                                           f"{call.headers.get('x-upload-signature')}")
        self.assertLessEqual(abs(call.timestamp - time.time()), 60)
        self.assertTrue(call.headers.get("content-type", "").startswith("application/json"))
        self.assertTrue(call.event_id, f"no X-Upload-Event-Id: {call.headers}")
        self.assertEqual(call.json, {
            "event": "upload.confirmed", "profile": "test", "bucket": up.bucket, "key": up.key,
            "uuid": up.uuid, "name": up.name, "size": len(up.data) if size is None else size,
            "etag": up.md5, "content_type": content_type or up.content_type, "user": user})
        return call

    def test_policy_upload_confirmed_notified_and_downloadable(self):
        data = os.urandom(20_000)
        up = policy_upload(self.r, data)  # v4 policy, image/jpeg, uploads/alice/<uuid>.jpg
        self.assertTrue(up.key.startswith("uploads/alice/"))
        PROXY.reset()
        start = log_mark(self.r)
        resp, _ = call_success(self.r, success_fields(up))
        self.assertEqual(resp.status, 200, f"{resp!r}\n{self.r.log_text()[start:]}")
        self.assertTrue(resp.headers.get("content-type", "").startswith("application/json"))
        reply = resp.json()
        self.assertIs(reply.get("success"), True, reply)
        self.assertEqual((reply.get("bucket"), reply.get("key"), reply.get("size")),
                         (BUCKET, up.key, len(data)), reply)
        self.assertEqual((reply.get("appId"), reply.get("note")), (7, "from the application"),
                         f"the webhook's members must be merged: {reply}")
        self.assertNotIn("error", reply)
        self.check_webhook_call(up)
        # the object was checked through the proxy with a signed HEAD for that key
        heads = [q for q in PROXY.requests if q.method == "HEAD"]
        self.assertTrue(heads, PROXY.summary())
        self.assertEqual(heads[0].host, PROXY.host_for(BUCKET))
        self.assertEqual(urllib.parse.unquote(heads[0].path), "/" + up.key)
        self.assertRegex(heads[0].headers.get("authorization", ""), r"^AWS4-HMAC-SHA256 ")
        self.assertIn("x-amz-content-sha256", heads[0].headers)
        self.assertNotIn("DELETE", PROXY.methods())
        # the presigned GET really downloads the same bytes, and expires in 15 minutes
        url = reply.get("url")
        self.assertIsInstance(url, str, reply)
        self.assertEqual(urllib.parse.urlsplit(url).netloc, PROXY.host_for(BUCKET), url)
        self.assertIn("X-Amz-Expires=900", url)
        got = download(url)
        self.assertEqual(got.status_code, 200, got.text)
        self.assertEqual(got.content, data)
        # an image gets a thumbnailUrl: the presigned URL (profile thumbnail: presigned)
        thumb = download(reply.get("thumbnailUrl") or self.fail(f"no thumbnailUrl: {reply}"))
        self.assertEqual((thumb.status_code, thumb.content), (200, data))
        self.assertEqual(head_direct(up.key)["etag"], up.etag)  # still there
        fields = request_log(self.r, start, "/s3/success")
        self.assertEqual(fields["status"], "200", fields["_line"])
        self.assertNotIn("refused", fields)
        self.assertIsNone(harness.sanitizer_report(self.r.log_text()))

    def test_webhook_members_override_ours(self):
        HOOK.reply_json({"thumbnailUrl": "https://cdn.example/x.jpg", "appId": 7,
                         "key": "the application's"})
        up = policy_upload(self.r, os.urandom(3000), name="pic.png", content_type="image/png",
                           version=2)
        resp, _ = call_success(self.r, success_fields(up))
        self.assertEqual(resp.status, 200, resp)
        reply = resp.json()
        self.assertEqual(reply.get("thumbnailUrl"), "https://cdn.example/x.jpg", reply)
        self.assertEqual(reply.get("appId"), 7, reply)
        self.assertEqual(reply.get("key"), "the application's", reply)
        self.assertIs(reply.get("success"), True, reply)
        self.check_webhook_call(up)

    def test_chunked_style_text_file_no_etag_no_thumbnail(self):
        HOOK.reply_empty()  # an empty 2xx answer: success, nothing merged
        up = put_direct(b"plain text\n" * 100, content_type="text/plain", name="notes.txt")
        resp, _ = call_success(self.r, success_fields(up, etag=False))  # chunked: no etag sent
        self.assertEqual(resp.status, 200, resp)
        reply = resp.json()
        self.assertIs(reply.get("success"), True, reply)
        self.assertEqual(reply.get("size"), 1100)
        self.assertNotIn("thumbnailUrl", reply, "thumbnailUrl is for images only")
        self.assertNotIn("appId", reply)
        self.assertEqual(download(reply["url"]).content, up.data)
        self.check_webhook_call(up)

    def test_anonymous_upload_with_template_thumbnail(self):
        r = shared_responder("optional")
        up = policy_upload(r, os.urandom(1500), name="shot.gif", content_type="image/gif",
                           user=None, prefix="public/")
        start = log_mark(r)
        resp, _ = call_success(r, success_fields(up), user=None)
        self.assertEqual(resp.status, 200, f"{resp!r}\n{r.log_text()[start:]}")
        reply = resp.json()
        self.assertEqual(reply.get("thumbnailUrl"),
                         f"https://cdn.example/{BUCKET}/public/{up.uuid}.gif?u={up.uuid}", reply)
        self.assertNotIn("url", reply, "no presigned_get in this profile")
        self.assertEqual(reply.get("appId"), 7)
        self.check_webhook_call(up, user=None, path="/optional")


class InvalidObjectTest(HandlerTest):
    def refused_and_deleted(self, up, refused, fields=None, status=422):
        PROXY.reset()
        start = log_mark(self.r)
        resp, _ = call_success(self.r, fields or success_fields(up))
        self.assertJsonError(resp, status, prevent_retry=True)
        self.assertRefusedWith(start, "/s3/success", "^" + re.escape(refused) + "$")
        self.assertGone(up.key)
        self.assertIn("DELETE", PROXY.methods(), PROXY.summary())
        self.assertEqual(HOOK.calls, [], "a refused upload must not be notified")

    def test_object_over_the_size_limit(self):
        up = put_direct(os.urandom(MAX_SIZE + 1))
        self.refused_and_deleted(up, "success.size")

    def test_empty_object_under_the_minimum(self):
        up = put_direct(b"", content_type="text/plain", name="empty.txt")
        self.refused_and_deleted(up, "success.size")

    def test_wrong_etag(self):
        up = policy_upload(self.r, os.urandom(4000))
        wrong = '"' + hashlib.md5(b"something else").hexdigest() + '"'
        self.refused_and_deleted(up, "success.etag", success_fields(up, etag=wrong))

    def test_content_type_not_allowed(self):
        up = put_direct(b"%PDF-1.4\n" + os.urandom(500), content_type="application/pdf",
                        name="doc.pdf")
        self.refused_and_deleted(up, "success.content-type")

    def test_kept_when_delete_invalid_is_off(self):
        r = shared_responder("optional")
        up = put_direct(os.urandom(MAX_SIZE + 10), prefix="public/")
        resp, _ = call_success(r, success_fields(up), user=None)
        self.assertEqual(resp.status, 422, resp)
        self.assertIs(resp.json().get("preventRetry"), True)
        self.assertEqual(head_direct(up.key)["size"], MAX_SIZE + 10)
        self.assertNotIn("DELETE", PROXY.methods(), PROXY.summary())

    def test_missing_object_is_404(self):
        key, uid = new_key(user_prefix(USER), "never.jpg")
        up = Uploaded(key, uid, "never.jpg", b"", "image/jpeg", '"00"')
        resp, _ = call_success(self.r, success_fields(up))
        self.assertJsonError(resp, 404, prevent_retry=True)
        self.assertIn("HEAD", PROXY.methods(), PROXY.summary())
        self.assertEqual(HOOK.calls, [])

    def test_malformed_calls_are_400_without_s3(self):
        up = put_direct(os.urandom(100))
        cases = {
            "empty body": "",
            "no key": urllib.parse.urlencode([("uuid", up.uuid), ("bucket", BUCKET)]),
            "no bucket": urllib.parse.urlencode([("key", up.key), ("uuid", up.uuid)]),
            "broken percent-encoding": f"key=%ZZ{up.key}&uuid={up.uuid}&bucket={BUCKET}",
        }
        for what, body in cases.items():
            with self.subTest(what):
                PROXY.reset()
                resp, _ = call_success(self.r, body)
                self.assertJsonError(resp, 400, prevent_retry=True)
                self.assertNoS3Request(what)
        self.assertEqual(head_direct(up.key)["etag"], up.etag)


class AccessRulesTest(HandlerTest):
    """Refusals happen before any S3 call: the proxy sees nothing, the object stays."""

    def refused(self, call, status, refused_pattern, path_prefix, what):
        PROXY.reset()
        start = log_mark(self.r)
        resp, _ = call()
        self.assertJsonError(resp, status, prevent_retry=True if "success" in path_prefix
                             else None)
        self.assertRefusedWith(start, path_prefix, refused_pattern)
        self.assertNoS3Request(what)
        self.assertEqual(HOOK.calls, [], what)

    def assertUntouched(self, up, before):
        self.assertEqual(head_direct(up.key, up.bucket), before, f"{up.bucket}/{up.key} changed")

    def control(self, up, user):
        """The same responder does reach S3 through the proxy for a legitimate call."""
        PROXY.reset()
        resp, _ = call_success(self.r, success_fields(up), user=user)
        self.assertEqual(resp.status, 200, resp)
        self.assertGreaterEqual(PROXY.request_count, 1, "the proxy is not in the S3 path?")

    def test_another_bucket(self):
        up = put_direct(os.urandom(700), bucket=OTHER_BUCKET)
        before = head_direct(up.key, OTHER_BUCKET)
        self.refused(lambda: call_success(self.r, success_fields(up)), 403,
                     r"^success\.bucket$", "/s3/success", "success, other bucket")
        for via in ("DELETE", "POST"):
            self.refused(lambda: call_delete(self.r, up.uuid, up.key, OTHER_BUCKET, via=via), 403,
                         r"^(delete|success)\.bucket$", "/s3/delete/",
                         f"delete ({via}), other bucket")
        self.assertUntouched(up, before)
        self.control(put_direct(os.urandom(700)), USER)

    def test_key_outside_the_callers_prefix(self):
        up = put_direct(os.urandom(900), user="bob")  # uploads/bob/<uuid>.jpg
        before = head_direct(up.key)
        self.refused(lambda: call_success(self.r, success_fields(up), user=USER), 403,
                     r"^key\.prefix$", "/s3/success", "success, bob's key as alice")
        for via in ("DELETE", "POST"):
            self.refused(lambda: call_delete(self.r, up.uuid, up.key, user=USER, via=via), 403,
                         r"^key\.prefix$", "/s3/delete/", f"delete ({via}), bob's key as alice")
        # without REMOTE_USER there is no user for the {user} prefix at all
        self.refused(lambda: call_success(self.r, success_fields(up), user=None), 403,
                     r"^key\.user$", "/s3/success", "success, anonymous")
        self.refused(lambda: call_delete(self.r, up.uuid, up.key, user=None), 403,
                     r"^key\.user$", "/s3/delete/", "delete, anonymous")
        self.assertUntouched(up, before)
        self.control(up, "bob")  # bob may

    def test_uuid_not_the_keys(self):
        up = put_direct(os.urandom(800))
        before = head_direct(up.key)
        other = str(uuidlib.uuid4())
        self.refused(lambda: call_success(self.r, success_fields(up, uid=other)), 403,
                     r"^success\.uuid$", "/s3/success", "success, other uuid")
        self.refused(lambda: call_delete(self.r, other, up.key), 403,
                     r"^(delete|success)\.uuid$", "/s3/delete/", "delete, other uuid")
        self.refused(lambda: call_delete(self.r, other, up.key, via="POST"), 403,
                     r"^(delete|success)\.uuid$", "/s3/delete/", "delete (POST), other qquuid")
        self.assertUntouched(up, before)

    def test_key_of_another_shape(self):
        key = user_prefix(USER) + "holiday.jpg"
        up = put_direct(os.urandom(600), key=key, uid=str(uuidlib.uuid4()))
        before = head_direct(key)
        self.refused(lambda: call_success(self.r, success_fields(up)), 403, r"^key\.shape$",
                     "/s3/success", "success, not uuid.ext")
        self.refused(lambda: call_delete(self.r, up.uuid, key), 403, r"^key\.shape$",
                     "/s3/delete/", "delete, not uuid.ext")
        self.assertUntouched(up, before)


class DeleteTest(HandlerTest):
    def test_delete_removes_the_object_and_again_is_204(self):
        up = policy_upload(self.r, os.urandom(5000))
        self.assertIsNotNone(head_direct(up.key))
        start = log_mark(self.r)
        resp, _ = call_delete(self.r, up.uuid, up.key)
        self.assertEqual(resp.status, 204, f"{resp!r}\n{self.r.log_text()[start:]}")
        self.assertEqual(resp.body, b"")
        self.assertGone(up.key)
        deletes = [q for q in PROXY.requests if q.method == "DELETE"]
        self.assertEqual(len(deletes), 1, PROXY.summary())
        self.assertEqual(urllib.parse.unquote(deletes[0].path), "/" + up.key)
        self.assertEqual(deletes[0].host, PROXY.host_for(BUCKET))
        resp, _ = call_delete(self.r, up.uuid, up.key)
        self.assertEqual((resp.status, resp.body), (204, b""), resp)
        self.assertEqual(HOOK.calls, [], "delete does not notify")

    def test_post_with_method_override(self):
        up = put_direct(os.urandom(300), content_type="text/plain", name="a b.txt")
        resp, _ = call_delete(self.r, up.uuid, up.key, via="POST")
        self.assertEqual((resp.status, resp.body), (204, b""), resp)
        self.assertGone(up.key)
        resp, _ = call_delete(self.r, up.uuid, up.key, via="POST")
        self.assertEqual(resp.status, 204, resp)

    def test_delete_leaves_other_objects_alone(self):
        keep = put_direct(os.urandom(100))
        gone = put_direct(os.urandom(100))
        self.assertEqual(call_delete(self.r, gone.uuid, gone.key)[0].status, 204)
        self.assertGone(gone.key)
        self.assertEqual(head_direct(keep.key)["etag"], keep.etag)


class S3DownTest(HandlerTest):
    def check_unavailable(self, mode):
        up = put_direct(os.urandom(1000))
        PROXY.set_mode(mode)
        PROXY.reset()
        calls = {
            "success": lambda: call_success(self.r, success_fields(up)),
            "delete": lambda: call_delete(self.r, up.uuid, up.key),
            "delete (POST)": lambda: call_delete(self.r, up.uuid, up.key, via="POST"),
        }
        for what, call in calls.items():
            with self.subTest(mode=mode, call=what):
                resp, elapsed = call()
                self.assertJsonError(resp, 502, prevent_retry=False)
                self.assertLess(elapsed, S3_TIMEOUT + SLACK,
                                f"{what} took {elapsed:.2f}s with S3 {mode}")
        if mode == "blackhole":  # the calls did reach the (hung) S3
            self.assertGreaterEqual(PROXY.request_count, 3, PROXY.summary())
        else:
            self.assertEqual(PROXY.connection_count, 0)
        self.assertEqual(HOOK.calls, [])
        PROXY.set_mode("forward")
        self.assertEqual(head_direct(up.key)["etag"], up.etag, "the object must still be there")
        # and once S3 is back, the same calls work
        self.assertEqual(call_success(self.r, success_fields(up))[0].status, 200)
        self.assertEqual(call_delete(self.r, up.uuid, up.key)[0].status, 204)
        self.assertGone(up.key)

    def test_connection_refused(self):
        self.check_unavailable("refuse")

    def test_no_answer(self):
        self.check_unavailable("blackhole")

    def test_5xx_is_retried_then_502(self):
        up = put_direct(os.urandom(100))
        PROXY.set_mode("status", status=503)
        PROXY.reset()
        resp, elapsed = call_success(self.r, success_fields(up))
        self.assertJsonError(resp, 502, prevent_retry=False)
        self.assertLess(elapsed, S3_TIMEOUT + SLACK)
        self.assertEqual(PROXY.methods(), ["HEAD", "HEAD"],
                         f"s3.retries 1: two attempts: {PROXY.summary()}")
        PROXY.set_mode("forward")
        self.assertEqual(head_direct(up.key)["etag"], up.etag)

    def test_4xx_is_not_retried(self):
        up = put_direct(os.urandom(100))
        PROXY.set_mode("status", status=403)
        PROXY.reset()
        resp, _ = call_success(self.r, success_fields(up))
        self.assertGreaterEqual(resp.status, 400, resp)
        self.assertIsInstance(resp.json().get("error"), str)
        self.assertEqual(PROXY.methods(), ["HEAD"], f"a 4xx is never retried: {PROXY.summary()}")
        PROXY.set_mode("forward")
        self.assertEqual(head_direct(up.key)["etag"], up.etag)

    def test_burst_larger_than_the_pool_does_not_block_sign(self):
        # threads 4, max_outbound_calls 2: 12 success calls against a hung S3
        burst = 12
        ups = [put_direct(os.urandom(100)) for _ in range(burst)]
        PROXY.set_mode("blackhole")
        PROXY.reset()

        def one(up):
            started = time.monotonic()
            with harness.RawFcgiConnection(self.r.address, timeout=S3_TIMEOUT + 10) as conn:
                resp = conn.request("POST", "/s3/success",
                                    body=urllib.parse.urlencode(success_fields(up)),
                                    content_type=FORM, remote_user=USER, keep_conn=False)
            return resp, time.monotonic() - started, time.monotonic()

        with concurrent.futures.ThreadPoolExecutor(burst) as pool:
            futures = [pool.submit(one, up) for up in ups]
            PROXY.wait_for_requests(1, timeout=2)  # S3 calls are hanging now
            signs = []
            for _ in range(5):
                resp, elapsed = sign_once(self.r)
                signs.append((resp, elapsed, time.monotonic()))
                time.sleep(0.05)
            results = [f.result() for f in futures]

        statuses = sorted(resp.status for resp, _, _ in results)
        for resp, elapsed, _ in results:
            self.assertIn(resp.status, (502, 503), resp)
            self.assertIsInstance(resp.json().get("error"), str, resp)
            self.assertLess(elapsed, S3_TIMEOUT + SLACK + 1.0, f"{resp!r} after {elapsed:.2f}s")
            if resp.status == 503:
                self.assertLess(elapsed, 1.0, "beyond the cap: 503 at once, not after waiting")
        self.assertGreaterEqual(statuses.count(503), 1, f"none hit the cap: {statuses}")
        self.assertGreaterEqual(statuses.count(502), 1, f"none reached S3: {statuses}")
        self.assertLessEqual(statuses.count(502), 4, f"the cap of 2 did not hold: {statuses}")
        last_hung = max(done for resp, _, done in results if resp.status == 502)
        for resp, elapsed, done in signs:
            self.assertEqual(resp.status, 200, resp)
            self.assertIn("signature", resp.json())
            self.assertLess(elapsed, SIGN_PROMPT, f"sign took {elapsed:.3f}s during the burst: "
                                                  f"{[round(e, 3) for _, e, _ in signs]}")
        self.assertLess(signs[0][2], last_hung, "the sign requests did not overlap the hung calls")
        PROXY.set_mode("forward")
        self.assertEqual(sign_once(self.r)[0].status, 200)


class OutboundTest(HandlerTest):
    def test_cap_reached_is_503_at_once_for_success_and_delete(self):
        # max_outbound_calls 2: two success calls hang on S3 and hold both permits
        hung = [put_direct(os.urandom(100)) for _ in range(2)]
        other = put_direct(os.urandom(100))
        PROXY.set_mode("blackhole")
        PROXY.reset()
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            futures = [pool.submit(call_success, self.r, success_fields(up)) for up in hung]
            self.assertEqual(len(PROXY.wait_for_requests(2, timeout=S3_TIMEOUT)), 2,
                             PROXY.summary())
            for what, call in {
                    "success": lambda: call_success(self.r, success_fields(other)),
                    "delete": lambda: call_delete(self.r, other.uuid, other.key),
                    "delete (POST)": lambda: call_delete(self.r, other.uuid, other.key,
                                                         via="POST")}.items():
                with self.subTest(what):
                    resp, elapsed = call()
                    self.assertJsonError(resp, 503, prevent_retry=False)
                    self.assertLess(elapsed, 0.5, f"{what}: 503 after {elapsed:.2f}s")
            for future in futures:
                self.assertEqual(future.result()[0].status, 502)
        self.assertEqual(PROXY.request_count, 2, f"a call beyond the cap reached S3: "
                                                 f"{PROXY.summary()}")
        PROXY.set_mode("forward")
        self.assertEqual(head_direct(other.key)["etag"], other.etag)

    def test_connections_to_s3_are_reused(self):
        ups = [put_direct(os.urandom(100)) for _ in range(6)]
        PROXY.reset()
        for up in ups:
            self.assertEqual(call_success(self.r, success_fields(up))[0].status, 200)
        for up in ups:
            self.assertEqual(call_delete(self.r, up.uuid, up.key)[0].status, 204)
        self.assertEqual(PROXY.methods().count("HEAD"), 6, PROXY.summary())
        self.assertEqual(PROXY.methods().count("DELETE"), 6, PROXY.summary())
        self.assertLessEqual(PROXY.connection_count, 3,
                             f"12 sequential calls, few connections expected: {PROXY.summary()}")


class WebhookFailureTest(HandlerTest):
    def failing_webhook(self, responder, setup, expect_status, user, prefix):
        up = policy_upload(responder, os.urandom(2000), user=user, prefix=prefix)
        setup()
        HOOK.reset()
        start = log_mark(responder)
        resp, elapsed = call_success(responder, success_fields(up), user=user)
        self.assertLess(elapsed, WEBHOOK_TIMEOUT + SLACK + 0.5,
                        f"answered after {elapsed:.2f}s (webhook timeout {WEBHOOK_TIMEOUT}s)")
        if expect_status == 502:
            self.assertJsonError(resp, 502)
        else:
            self.assertEqual(resp.status, 200, f"{resp!r}\n{responder.log_text()[start:]}")
            self.assertIs(resp.json().get("success"), True)
            self.assertRegex(responder.log_text()[start:],
                             r"(?i)level=(warn|warning|error)\b[^\n]*webhook",
                             "an optional webhook's failure must be logged as a warning")
        return up, start

    def required(self, setup):
        return self.failing_webhook(self.r, setup, 502, USER, None)

    def optional(self, setup):
        return self.failing_webhook(shared_responder("optional"), setup, 200, None, "public/")

    def test_required_webhook_down(self):
        self.required(HOOK.go_down)

    def test_required_webhook_slow(self):
        self.required(lambda: HOOK.reply_slow(WEBHOOK_TIMEOUT + 2))
        self.assertGreaterEqual(len(HOOK.calls), 1)
        self.assertTrue(all(c.signature_ok for c in HOOK.calls))

    def test_required_webhook_500(self):
        _, start = self.required(lambda: HOOK.reply_status(500))
        calls = HOOK.calls
        self.assertEqual(len(calls), 2, f"webhook retries 1: two attempts: {calls}\n"
                                        f"responder log:\n{self.r.log_text()[start:]}")
        self.assertTrue(all(c.signature_ok for c in calls), [c.signature_problem for c in calls])

    def test_required_webhook_answer_not_an_object(self):
        self.required(lambda: HOOK.reply_json(["not", "an", "object"]))

    def test_optional_webhook_down(self):
        self.optional(HOOK.go_down)

    def test_optional_webhook_slow(self):
        self.optional(lambda: HOOK.reply_slow(WEBHOOK_TIMEOUT + 2))

    def test_optional_webhook_500(self):
        self.optional(lambda: HOOK.reply_status(500))


class ShutdownAfterWebhookFailuresTest(unittest.TestCase):
    """A responder of its own and a receiver of its own, so that a slow webhook call is still
    hanging at the receiver when the responder is told to stop."""

    @classmethod
    def setUpClass(cls):
        if HANDLERS_MISSING:
            raise unittest.SkipTest(HANDLERS_MISSING)

    def setUp(self):
        PROXY.set_mode("forward")
        self.hook = WebhookReceiver(HOOK_SECRET).start()
        self.addCleanup(self.hook.stop)
        config = main_config(hook_url=self.hook.url("/late"))
        self.r = start_responder(config)
        self.addCleanup(lambda: self.r._stopped or self.r._kill())

    def success(self):
        up = policy_upload(self.r, os.urandom(1000))
        return call_success(self.r, success_fields(up))

    def check_sign_prompt(self):
        for _ in range(5):
            resp, elapsed = sign_once(self.r)
            self.assertEqual(resp.status, 200, resp)
            self.assertLess(elapsed, SIGN_PROMPT)

    def stop_quickly(self, limit, signalled_at=None):
        """SIGTERM (unless sent at `signalled_at` already): exit 0 within `limit` seconds."""
        if signalled_at is None:
            started = time.monotonic()
            returncode = self.r.stop(timeout=limit + 5)  # raises on a sanitizer report
        else:
            started = signalled_at
            returncode = self.r.wait(timeout=limit + 5)
        took = time.monotonic() - started
        self.assertEqual(returncode, 0, self.r.log_text()[-2000:])
        self.assertLess(took, limit, f"SIGTERM took {took:.2f}s: a thread was left hanging?\n"
                                     f"{self.r.log_text()[-2000:]}")
        self.assertIsNone(harness.sanitizer_report(self.r.log_text()))

    def test_idle_after_failures(self):
        self.hook.go_down()
        self.assertEqual(self.success()[0].status, 502)
        self.hook.come_up()
        self.hook.reply_status(500)
        self.assertEqual(self.success()[0].status, 502)
        self.hook.reply_slow(WEBHOOK_TIMEOUT + 5)  # still sleeping when SIGTERM comes
        resp, elapsed = self.success()
        self.assertEqual(resp.status, 502, resp)
        self.assertLess(elapsed, WEBHOOK_TIMEOUT + SLACK)
        self.check_sign_prompt()
        self.stop_quickly(2.0)

    def test_sigterm_during_a_slow_webhook_call(self):
        self.hook.reply_slow(WEBHOOK_TIMEOUT + 5)
        up = policy_upload(self.r, os.urandom(1000))
        outcome = {}

        def in_flight():
            outcome["resp"], outcome["elapsed"] = call_success(self.r, success_fields(up))

        thread = threading.Thread(target=in_flight, daemon=True)
        thread.start()
        self.assertEqual(len(self.hook.wait_for(1, timeout=5)), 1, "the webhook was not called")
        signalled_at = time.monotonic()
        self.r.send_signal(signal.SIGTERM)
        # the request in flight is finished (its webhook call ends at the timeout), then exit
        self.stop_quickly(WEBHOOK_TIMEOUT + SLACK, signalled_at)
        thread.join(5)
        self.assertIn(outcome.get("resp").status if outcome.get("resp") else None, (502, 503),
                      f"the request in flight got no proper answer: {outcome}")


if __name__ == "__main__":
    unittest.main()
