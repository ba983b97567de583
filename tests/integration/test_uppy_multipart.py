"""Uppy's multipart routes (handler: multipart) against a real S3 (radosgw).

The built responder answers the calls @uppy/aws-s3 6.x's Companion client makes (POST
/s3/multipart, GET /s3/multipart/<uploadId>/<n>?key=, GET /s3/multipart/<uploadId>?key=, POST
/s3/multipart/<uploadId>/complete?key=, DELETE /s3/multipart/<uploadId>?key=, and Companion's
/batch) over real FastCGI (cgi-fcgi); the part URLs it signs are then used exactly as a browser
would, against radosgw, which checks every signature itself:

* a file in three parts: create (the key from the profile's template, the type and the file name
  set on the upload by the server), three part URLs, the PUTs, the listing, the complete: the
  object's SHA-256 is the file's, and no multipart upload is left pending;
* the uploadId is a token bound to the caller: another user's, a forged, a tampered, an expired
  token, S3's bare upload id or another key are refused (403, the rule in the log) for sign,
  batch, list, complete and abort alike, and the upload is untouched afterwards; an expired part
  URL is refused by radosgw;
* an upload that grows past the profile's maximum size is refused at complete and aborted:
  radosgw holds neither an object nor a pending upload for it afterwards;
* part numbers beyond the profile's max_parts are refused; abort works.
"""

import base64
import hashlib
import hmac
import json
import re
import time
import unittest
import urllib.parse

import requests

import harness

BUCKET = "multipart-uploads"
MiB = 1024 * 1024
MAX_SIZE = 11 * MiB
MAX_PARTS = 5
TOKEN_SECRET = "multipart-token-secret-" + "0123456789abcdef" * 2
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"

RGW = None
CLIENT = None
SESSION = None
RESPONDERS = {}


def config(**multipart):
    settings = {"secret_file": "multipart.secret", "part_expires": "2m", "max_parts": MAX_PARTS}
    settings.update(multipart)
    routes = [
        {"path": "/s3/multipart/*", "methods": ["GET", "POST", "DELETE"], "handler": "multipart",
         "profile": "test"},
        {"path": "/health", "methods": ["GET"], "handler": "health"},
    ]
    return harness.profile_yaml(
        bucket=BUCKET, endpoint=f"http://localhost:{RGW.port}",
        key={"prefix": "uploads/{user}/", "shapes": ["uuid.ext", "uuid"],
             "extensions": ["bin", "mp4", "png"]},
        size={"min": 1, "max": MAX_SIZE},
        content_types=["video/*", "image/png", "application/octet-stream"],
        server_credentials="server",
        params={"key": "uploads/{user}/{uuid}{ext}"},
        multipart=settings, routes=routes)


def setUpModule():
    global RGW, CLIENT, SESSION
    RGW, CLIENT = harness.rgw_with_bucket(BUCKET)
    SESSION = requests.Session()
    files = {"multipart.secret": TOKEN_SECRET}
    RESPONDERS["main"] = harness.Responder(config(), secret=RGW.secret_key, files=files)
    # Short-lived tokens and part URLs, same secret and profile name: tokens of one are valid on
    # the other until they expire.
    RESPONDERS["short"] = harness.Responder(config(upload_expires="4s", part_expires="2s"),
                                            secret=RGW.secret_key, files=files)


def tearDownModule():
    try:
        for upload in CLIENT.list_multipart_uploads(Bucket=BUCKET).get("Uploads", []):
            CLIENT.abort_multipart_upload(Bucket=BUCKET, Key=upload["Key"],
                                          UploadId=upload["UploadId"])
        for obj in CLIENT.list_objects_v2(Bucket=BUCKET).get("Contents", []):
            CLIENT.delete_object(Bucket=BUCKET, Key=obj["Key"])
    finally:
        if SESSION is not None:
            SESSION.close()
        for responder in RESPONDERS.values():
            responder.stop()


# ------------------------------------------------------------------------------------------------
# helpers: Uppy's calls, S3's side
# ------------------------------------------------------------------------------------------------

def call(method, path, query="", body=None, user="alice", responder="main"):
    """One request as @uppy/aws-s3 makes it (fetch: JSON body with its Content-Type)."""
    kwargs = {}
    if body is not None:
        kwargs = dict(body=json.dumps(body), content_type="application/json")
    return RESPONDERS[responder].request(method, path, query=query,
                                         headers={"Accept": "*/*"}, remote_user=user, **kwargs)


def key_query(key, **extra):
    # URLSearchParams({key}), as the client builds it.
    return urllib.parse.urlencode({"key": key, **extra})


def upload_path(upload_id, suffix=""):
    # encodeURIComponent(uploadId): the token has only characters it leaves alone.
    return "/s3/multipart/" + urllib.parse.quote(upload_id, safe="") + suffix


def create(name="movie.bin", file_type="application/octet-stream", user="alice",
           responder="main"):
    resp = call("POST", "/s3/multipart",
                body={"filename": name, "metadata": {"name": name, "type": file_type,
                                                     "relativePath": None},
                      "type": file_type},
                user=user, responder=responder)
    if resp.status != 200:
        raise AssertionError(f"create refused: {resp.status} {resp.body!r}\n"
                             f"{RESPONDERS[responder].log_text()[-2000:]}")
    return resp.json()


def sign_part(upload, number, user="alice", responder="main"):
    return call("GET", upload_path(upload["uploadId"], f"/{number}"), key_query(upload["key"]),
                user=user, responder=responder)


def to_rgw(url):
    """The browser's request to the bucket (virtual-hosted, <bucket>.localhost:<port>), sent to
    radosgw on the loopback with the Host the browser would send."""
    parts = urllib.parse.urlsplit(url)
    local = urllib.parse.urlunsplit(("http", f"127.0.0.1:{RGW.port}", parts.path, parts.query, ""))
    return local, {"Host": parts.netloc}


def put_part(url, data):
    local, headers = to_rgw(url)
    return SESSION.put(local, data=data, headers=headers, timeout=120)


def upload_part(upload, number, data, user="alice"):
    resp = sign_part(upload, number, user=user)
    assert resp.status == 200, (resp.status, resp.body)
    put = put_part(resp.json()["url"], data)
    assert put.status_code == 200, (put.status_code, put.text)
    return put.headers["ETag"].strip('"')  # Uppy's sanitizeETag


def payload(size, seed):
    block = hashlib.sha256(seed.encode()).digest() * 1024  # 32 KiB
    return (block * (size // len(block) + 1))[:size]


def s3_upload_id(token):
    encoded = token.split(".")[0]
    return base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode()


def pending_uploads(key):
    uploads = CLIENT.list_multipart_uploads(Bucket=BUCKET, Prefix=key).get("Uploads", [])
    return [u for u in uploads if u["Key"] == key]


def s3_parts(key, token):
    return CLIENT.list_parts(Bucket=BUCKET, Key=key, UploadId=s3_upload_id(token)).get("Parts", [])


def head(key):
    return harness.head_object(CLIENT, BUCKET, key)


def refusals(responder="main"):
    return [line.get("refused") for line in
            harness.request_log_lines(RESPONDERS[responder].log_text()) if line.get("refused")]


def logged_refusal(rule, responder="main", timeout=5.0):
    """The last log line refusing with `rule` (the line may follow the answer by a moment)."""
    deadline = time.monotonic() + timeout
    while True:
        lines = [line for line in harness.request_log_lines(RESPONDERS[responder].log_text())
                 if line.get("refused") == rule]
        if lines or time.monotonic() > deadline:
            if not lines:
                raise AssertionError(f"no log line refused={rule}:\n"
                                     f"{RESPONDERS[responder].log_text()[-3000:]}")
            return lines[-1]
        time.sleep(0.05)


# ------------------------------------------------------------------------------------------------
# tests
# ------------------------------------------------------------------------------------------------

class MultipartUploadTest(unittest.TestCase):

    def test_three_parts_land_as_one_object_with_the_files_sha256(self):
        upload = create("holiday video.MP4", "video/mp4")
        self.assertRegex(upload["key"], rf"^uploads/alice/{UUID}\.mp4$")
        self.assertEqual(upload["bucket"], BUCKET)
        self.assertRegex(upload["uploadId"], r"^[A-Za-z0-9_-]+\.[0-9]+\.[A-Za-z0-9_-]{43}$")
        self.assertEqual(len(pending_uploads(upload["key"])), 1)

        data = payload(5 * MiB + 5 * MiB + 123457, "three parts")
        chunks = [data[:5 * MiB], data[5 * MiB:10 * MiB], data[10 * MiB:]]
        signed = sign_part(upload, 1)
        self.assertEqual(signed.status, 200, signed.body)
        self.assertEqual(signed.headers.get("cache-control"), "no-store")
        answer = signed.json()
        self.assertEqual(answer["expires"], 120)
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(answer["url"]).query)
        self.assertEqual(query["partNumber"], ["1"])
        self.assertEqual(query["uploadId"], [s3_upload_id(upload["uploadId"])])
        self.assertEqual(query["X-Amz-Expires"], ["120"])
        etags = [upload_part(upload, n, chunk) for n, chunk in enumerate(chunks, start=1)]

        listed = call("GET", upload_path(upload["uploadId"]), key_query(upload["key"]))
        self.assertEqual(listed.status, 200, listed.body)
        self.assertEqual([(p["PartNumber"], p["Size"], p["ETag"].strip('"'))
                          for p in listed.json()],
                         [(n, len(c), e) for n, (c, e) in enumerate(zip(chunks, etags), start=1)])

        # Companion's batch route signs several at once (same URLs, one call).
        batch = call("GET", upload_path(upload["uploadId"], "/batch"),
                     key_query(upload["key"], partNumbers="1,3"))
        self.assertEqual(batch.status, 200, batch.body)
        self.assertEqual(sorted(batch.json()["presignedUrls"]), ["1", "3"])

        done = call("POST", upload_path(upload["uploadId"], "/complete"),
                    key_query(upload["key"]),
                    body={"parts": [{"PartNumber": n, "ETag": e}
                                    for n, e in enumerate(etags, start=1)]})
        self.assertEqual(done.status, 200, done.body)
        answer = done.json()
        self.assertEqual(answer["key"], upload["key"])
        self.assertEqual(answer["bucket"], BUCKET)
        self.assertTrue(answer["location"], answer)

        obj = CLIENT.get_object(Bucket=BUCKET, Key=upload["key"])
        body = obj["Body"].read()
        self.assertEqual(hashlib.sha256(body).hexdigest(), hashlib.sha256(data).hexdigest())
        self.assertEqual(obj["ContentType"], "video/mp4")
        self.assertEqual(obj["Metadata"], {"filename": "holiday%20video.MP4"})
        self.assertEqual(pending_uploads(upload["key"]), [])

    def test_part_urls_bind_the_upload_and_expire(self):
        upload = create(responder="short")
        resp = sign_part(upload, 1, responder="short")
        self.assertEqual(resp.json()["expires"], 2)
        url = resp.json()["url"]
        # Another part number or upload id in the signed URL: radosgw refuses the signature.
        for tampered in (url.replace("partNumber=1", "partNumber=2"),
                         re.sub(r"uploadId=[^&]+", "uploadId=2~other", url)):
            put = put_part(tampered, b"x" * 10)
            self.assertEqual(put.status_code, 403, put.text)
        time.sleep(3.5)
        put = put_part(url, b"x" * 10)
        self.assertEqual(put.status_code, 403, put.text)  # expired
        self.assertEqual(s3_parts(upload["key"], upload["uploadId"]), [])
        CLIENT.abort_multipart_upload(Bucket=BUCKET, Key=upload["key"],
                                      UploadId=s3_upload_id(upload["uploadId"]))

    def test_abort(self):
        upload = create()
        upload_part(upload, 1, b"only part")
        resp = call("DELETE", upload_path(upload["uploadId"]), key_query(upload["key"]))
        self.assertEqual(resp.status, 200, resp.body)
        self.assertEqual(resp.json(), {})
        self.assertEqual(pending_uploads(upload["key"]), [])
        self.assertIsNone(head(upload["key"]))
        # Gone: listing it now is S3's 404, passed on.
        listed = call("GET", upload_path(upload["uploadId"]), key_query(upload["key"]))
        self.assertEqual(listed.status, 404, listed.body)
        self.assertIn("message", listed.json())
        # Aborting twice is fine.
        again = call("DELETE", upload_path(upload["uploadId"]), key_query(upload["key"]))
        self.assertEqual(again.status, 200, again.body)

    def test_part_numbers_within_max_parts(self):
        upload = create()
        try:
            self.assertEqual(sign_part(upload, MAX_PARTS).status, 200)
            for number in (MAX_PARTS + 1, 10000, 10001, 0):
                resp = sign_part(upload, number)
                self.assertEqual(resp.status, 400, (number, resp.body))
                self.assertIn("message", resp.json())
            resp = call("GET", upload_path(upload["uploadId"], "/batch"),
                        key_query(upload["key"], partNumbers=f"1,{MAX_PARTS + 1}"))
            self.assertEqual(resp.status, 400, resp.body)
            logged_refusal("multipart.part-number")
        finally:
            call("DELETE", upload_path(upload["uploadId"]), key_query(upload["key"]))

    def test_create_refusals_sign_nothing(self):
        resp = call("POST", "/s3/multipart", body={"filename": "page.html", "type": "text/html"})
        self.assertEqual(resp.status, 403, resp.body)
        self.assertIn("text/html", resp.json()["message"])
        resp = call("POST", "/s3/multipart", body={"filename": "x.bin"}, user="")
        self.assertEqual(resp.status, 401, resp.body)  # the route's auth: REMOTE_USER required
        resp = call("POST", "/s3/multipart", body={"filename": "x.bin", "size": MAX_SIZE + 1})
        self.assertEqual(resp.status, 403, resp.body)
        logged_refusal("params.size.too-large")
        self.assertEqual(CLIENT.list_multipart_uploads(Bucket=BUCKET, Prefix="uploads/alice/x")
                         .get("Uploads", []), [])


class TokenBindingTest(unittest.TestCase):
    """Every call after the create needs alice's token, for alice's key, in time."""

    def setUp(self):
        self.upload = create()
        self.etag = upload_part(self.upload, 1, b"first part of alice's file")

    def tearDown(self):
        for upload in pending_uploads(self.upload["key"]):
            CLIENT.abort_multipart_upload(Bucket=BUCKET, Key=upload["Key"],
                                          UploadId=upload["UploadId"])

    def attempts(self, token, key, user, responder="main"):
        """Sign, batch, list, complete, abort with this token, key and user: the responses."""
        complete = {"parts": [{"PartNumber": 1, "ETag": self.etag}]}
        return {
            "sign": call("GET", upload_path(token, "/1"), key_query(key), user=user,
                         responder=responder),
            "batch": call("GET", upload_path(token, "/batch"), key_query(key, partNumbers="1,2"),
                          user=user, responder=responder),
            "list": call("GET", upload_path(token), key_query(key), user=user,
                         responder=responder),
            "complete": call("POST", upload_path(token, "/complete"), key_query(key),
                             body=complete, user=user, responder=responder),
            "abort": call("DELETE", upload_path(token), key_query(key), user=user,
                          responder=responder),
        }

    def assert_refused(self, responses, rule, label, responder="main"):
        for name, resp in responses.items():
            self.assertEqual(resp.status, 403, f"{label}, {name}: {resp.body!r}")
            self.assertNotIn(b"X-Amz-Signature", resp.body, f"{label}, {name}")
            self.assertIn("message", resp.json())
        # The log names the rule for every one of them (the line may follow the answer).
        deadline = time.monotonic() + 5
        while refusals(responder)[-len(responses):] != [rule] * len(responses) and \
                time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertEqual(refusals(responder)[-len(responses):], [rule] * len(responses), label)
        # Nothing happened to the upload: still pending, its one part there, no object.
        self.assertEqual(len(pending_uploads(self.upload["key"])), 1, label)
        self.assertEqual([p["ETag"].strip('"') for p in
                          s3_parts(self.upload["key"], self.upload["uploadId"])], [self.etag])
        self.assertIsNone(head(self.upload["key"]), label)

    def test_another_callers_token(self):
        self.assert_refused(self.attempts(self.upload["uploadId"], self.upload["key"], "bob"),
                            "multipart.token.invalid", "bob with alice's token")
        # Bob's own upload's token does not open alice's upload either.
        bobs = create(user="bob")
        try:
            forged = bobs["uploadId"].split(".", 1)
            forged[0] = self.upload["uploadId"].split(".")[0]  # alice's S3 upload id in it
            self.assert_refused(self.attempts(".".join(forged), self.upload["key"], "bob"),
                                "multipart.token.invalid", "bob's token with alice's upload id")
            self.assert_refused(self.attempts(bobs["uploadId"], self.upload["key"], "bob"),
                                "multipart.token.invalid", "bob's token for alice's key")
        finally:
            call("DELETE", upload_path(bobs["uploadId"]), key_query(bobs["key"]), user="bob")

    def test_a_token_for_another_key(self):
        other_key = re.sub(UUID, "00000000-0000-4000-8000-000000000000", self.upload["key"])
        self.assert_refused(self.attempts(self.upload["uploadId"], other_key, "alice"),
                            "multipart.token.invalid", "alice's token for another key")

    def test_forged_and_tampered_tokens(self):
        upload_id = s3_upload_id(self.upload["uploadId"])
        encoded_id, expiry, mac = self.upload["uploadId"].split(".")

        def b64(data):
            return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

        # A token made with another secret, following the documented format exactly.
        message = "s3-upload-signer multipart upload v1"
        for field in ("test", "alice", self.upload["key"], upload_id, expiry):
            message += f"\n{len(field.encode())}:{field}"
        wrong_mac = hmac.new(b"not the server's secret, 32 bytes..", message.encode(),
                             hashlib.sha256).digest()
        self.assert_refused(self.attempts(f"{encoded_id}.{expiry}.{b64(wrong_mac)}",
                                          self.upload["key"], "alice"),
                            "multipart.token.invalid", "forged with another secret")
        # A later expiry with the genuine MAC; one flipped MAC character.
        self.assert_refused(self.attempts(f"{encoded_id}.{int(expiry) + 86400}.{mac}",
                                          self.upload["key"], "alice"),
                            "multipart.token.invalid", "extended expiry")
        flipped = ("B" if mac[5] == "A" else "A").join([mac[:5], mac[6:]])
        self.assert_refused(self.attempts(f"{encoded_id}.{expiry}.{flipped}",
                                          self.upload["key"], "alice"),
                            "multipart.token.invalid", "flipped MAC")
        # S3's own upload id, as a Companion client would send it: no token, no access.
        self.assert_refused(self.attempts(upload_id, self.upload["key"], "alice"),
                            "multipart.token.malformed", "S3's bare upload id")

    def test_an_expired_token(self):
        short = create(responder="short")
        try:
            etag = upload_part(short, 1, b"part")  # signed through "main": same secret
            time.sleep(4.5)
            self.upload, self.etag = short, etag
            self.assert_refused(self.attempts(short["uploadId"], short["key"], "alice",
                                              responder="short"),
                                "multipart.token.expired", "expired token", responder="short")
        finally:
            CLIENT.abort_multipart_upload(Bucket=BUCKET, Key=short["key"],
                                          UploadId=s3_upload_id(short["uploadId"]))


class SizeLimitTest(unittest.TestCase):

    def test_an_upload_past_the_maximum_is_refused_at_complete_and_aborted(self):
        upload = create("big.bin")
        data = payload(12 * MiB, "too big")  # the profile allows 11 MiB
        etags = [upload_part(upload, 1, data[:6 * MiB]), upload_part(upload, 2, data[6 * MiB:])]
        self.assertEqual(len(pending_uploads(upload["key"])), 1)
        resp = call("POST", upload_path(upload["uploadId"], "/complete"), key_query(upload["key"]),
                    body={"parts": [{"PartNumber": 1, "ETag": etags[0]},
                                    {"PartNumber": 2, "ETag": etags[1]}]})
        self.assertEqual(resp.status, 422, resp.body)
        self.assertIn("too large", resp.json()["message"])
        self.assertEqual(logged_refusal("multipart.size.too-large").get("aborted"), "true")
        # radosgw holds no object and no pending upload for it.
        self.assertIsNone(head(upload["key"]))
        self.assertEqual(pending_uploads(upload["key"]), [])
        self.assertEqual(CLIENT.list_objects_v2(Bucket=BUCKET, Prefix=upload["key"])
                         .get("KeyCount"), 0)
        # Naming only the first part changes nothing: it was aborted.
        resp = call("POST", upload_path(upload["uploadId"], "/complete"), key_query(upload["key"]),
                    body={"parts": [{"PartNumber": 1, "ETag": etags[0]}]})
        self.assertEqual(resp.status, 404, resp.body)
        self.assertIsNone(head(upload["key"]))

    def test_parts_not_in_s3_are_refused_without_completing(self):
        upload = create()
        try:
            etag = upload_part(upload, 1, b"one part")
            for parts in ([{"PartNumber": 1, "ETag": "0" * 32}],
                          [{"PartNumber": 1, "ETag": etag}, {"PartNumber": 2, "ETag": etag}]):
                resp = call("POST", upload_path(upload["uploadId"], "/complete"),
                            key_query(upload["key"]), body={"parts": parts})
                self.assertEqual(resp.status, 400, resp.body)
            logged_refusal("multipart.parts.mismatch")
            self.assertIsNone(head(upload["key"]))
            self.assertEqual(len(pending_uploads(upload["key"])), 1)
        finally:
            call("DELETE", upload_path(upload["uploadId"]), key_query(upload["key"]))


if __name__ == "__main__":
    unittest.main()
