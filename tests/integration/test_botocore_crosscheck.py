"""Cross-check: the responder signs exactly what botocore's own signers sign.

At least 1,000 random, valid Fine Uploader requests for the test profile (seeded; the seed is in
every failure message; S3US_CROSSCHECK_SEED=<n> replays a run, S3US_CROSSCHECK_COUNT=<n> changes
the number), each signed by the built responder over real FastCGI (cgi-fcgi), compared with
botocore:

* v4 policies: botocore.auth.S3SigV4PostAuth (the signer behind generate_presigned_post), clock
  fixed to the request's date: its x-amz-credential / x-amz-date fields must equal Fine Uploader's
  conditions, and its signature of the policy the responder returned must equal the responder's;
* v2 policies: botocore.auth.HmacV1PostAuth's signature of the returned policy;
* v4 REST strings: a botocore AWSRequest for the multipart operation, signed by
  botocore.auth.S3SigV4Auth with a fixed clock; its canonical request is wrapped in Fine
  Uploader's "headers" format (and must equal what the Fine Uploader model builds), sent, and the
  responder's signature must equal botocore's;
* v2 REST strings: botocore.auth.HmacV1Auth's string to sign (Date line empty, because Fine
  Uploader dates v2 requests with x-amz-date, as AWS's v2 rules require then) and signature.

Every returned policy must also decode to the conditions that were sent. A handful of near misses
(GET, PUT Object, extra query parameters, another sub-resource, another host, copy-source and grant
headers, starts-with, another access key or bucket) must be refused with HTTP 500 {"invalid": true}.
"""

import base64
import concurrent.futures
import datetime
import hashlib
import json
import os
import random
import re
import string
import types
import unittest
import uuid
from unittest import mock

import botocore.auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.utils import percent_encode

import fineuploader as fu
import harness

SEED = int(os.environ.get("S3US_CROSSCHECK_SEED") or random.SystemRandom().randrange(1 << 32))
COUNT = int(os.environ.get("S3US_CROSSCHECK_COUNT") or 1200)
WORKERS = 8

BUCKET = "fu-xcheck"
ENDPOINT = "http://localhost:7580"
HOST = f"{BUCKET}.localhost:7580"  # the profile's host (virtual-hosted, derived from endpoint)
REGION = "us-east-1"
SIZE_MIN, SIZE_MAX = 1, 20000000

RESPONDER = None
ACCESS_KEY = None
SECRET = None


def setUpModule():
    global RESPONDER, ACCESS_KEY, SECRET
    # whichever key pair the harness writes (radosgw's if another module started it): no S3 here
    config = harness.profile_yaml(bucket=BUCKET, endpoint=ENDPOINT)
    ACCESS_KEY = re.search(r"access_key_id: *(\S+)", config).group(1)
    SECRET = harness.current_secret()
    RESPONDER = harness.Responder(config, secret=SECRET, threads=WORKERS)


def tearDownModule():
    if RESPONDER is not None:
        RESPONDER.stop()


def sign_request(body, version):
    return RESPONDER.request("POST", "/s3/signature", query="v4=true" if version == 4 else "",
                             body=body, headers={"Accept": "application/json"})


def sign_all(bodies):
    """[(body, version)] -> [FcgiResponse], in parallel (one cgi-fcgi process per request)."""
    with concurrent.futures.ThreadPoolExecutor(WORKERS) as pool:
        return list(pool.map(lambda bv: sign_request(*bv), bodies))


def utc_now():
    # whole seconds: botocore's timestamps have no milliseconds
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)


# ------------------------------------------------------------------------------------------------
# botocore signers with a fixed clock, recording their intermediate steps
# ------------------------------------------------------------------------------------------------

class _Clock:
    def __init__(self):
        self.now = None

    def __call__(self, *args, **kwargs):
        return self.now.replace(tzinfo=None)  # botocore's get_current_datetime() is naive UTC


CLOCK = _Clock()


class _FixedDatetime(datetime.datetime):
    """For older botocore (Debian 12's 1.29), whose signers call datetime.datetime.utcnow()."""

    @classmethod
    def utcnow(cls):
        return CLOCK()


def fixed_clock():
    """Patches botocore.auth's clock to CLOCK.now."""
    if hasattr(botocore.auth, "get_current_datetime"):
        return mock.patch("botocore.auth.get_current_datetime", CLOCK)
    shim = types.SimpleNamespace(**{n: getattr(datetime, n) for n in dir(datetime)
                                    if not n.startswith("__")})
    shim.datetime = _FixedDatetime
    return mock.patch("botocore.auth.datetime", shim)


class RecordingS3SigV4Auth(botocore.auth.S3SigV4Auth):
    def canonical_request(self, request):
        self.last_canonical_request = super().canonical_request(request)
        return self.last_canonical_request

    def string_to_sign(self, request, canonical_request):
        self.last_string_to_sign = super().string_to_sign(request, canonical_request)
        return self.last_string_to_sign

    def signature(self, string_to_sign, request):
        self.last_signature = super().signature(string_to_sign, request)
        return self.last_signature


class XAmzDateHmacV1Auth(botocore.auth.HmacV1Auth):
    """HmacV1Auth for a request dated by x-amz-date: AWS's v2 rules want the Date line empty
    then; botocore itself always sends a Date header instead, so only that line is overridden."""

    def _get_date(self):
        return ""

    def canonical_string(self, *args, **kwargs):
        self.last_string_to_sign = super().canonical_string(*args, **kwargs)
        return self.last_string_to_sign

    def sign_string(self, string_to_sign):
        self.last_signature = super().sign_string(string_to_sign)
        return self.last_signature


def credentials():
    return Credentials(ACCESS_KEY, SECRET)


def botocore_v4_rest(method, key, params, headers, payload, now, host=HOST):
    """(FU-format headers string, botocore signature) for one request."""
    CLOCK.now = now
    request = AWSRequest(method=method, url=f"http://{host}/{percent_encode(key, safe='/~')}",
                         headers=dict(headers), data=payload, params=params)
    auth = RecordingS3SigV4Auth(credentials(), "s3", REGION)
    with fixed_clock():
        auth.add_auth(request)
    sts_head = auth.last_string_to_sign.rsplit("\n", 1)[0]
    headers_string = sts_head + "\n" + auth.last_canonical_request
    assert auth.last_string_to_sign.rsplit("\n", 1)[1] == \
        hashlib.sha256(auth.last_canonical_request.encode()).hexdigest()
    assert request.headers["Authorization"].endswith("Signature=" + auth.last_signature)
    return headers_string, auth.last_signature


def botocore_v2_rest(method, key, query, headers, payload):
    url = f"http://127.0.0.1:7580/{BUCKET}/{percent_encode(key, safe='/~')}"
    if query:
        url += "?" + query
    request = AWSRequest(method=method, url=url, headers=dict(headers), data=payload)
    auth = XAmzDateHmacV1Auth(credentials())
    auth.add_auth(request)
    assert request.headers["Authorization"] == f"AWS {ACCESS_KEY}:{auth.last_signature}"
    return auth.last_string_to_sign, auth.last_signature


def botocore_v4_policy(policy_b64, fu_conditions, now):
    """botocore's S3SigV4PostAuth: its own credential/date fields, and its signature of the
    policy text the responder returned."""
    CLOCK.now = now
    request = AWSRequest()
    request.context["s3-presign-post-fields"] = {}
    request.context["s3-presign-post-policy"] = {
        "expiration": "unused", "conditions": [
            c for c in fu_conditions
            if not (isinstance(c, dict) and set(c) & {"x-amz-algorithm", "x-amz-credential",
                                                       "x-amz-date"})]}
    auth = botocore.auth.S3SigV4PostAuth(credentials(), "s3", REGION)
    with fixed_clock():
        auth.add_auth(request)
    fields = request.context["s3-presign-post-fields"]
    return fields, auth.signature(policy_b64, request)


def botocore_v2_policy(policy_b64):
    request = AWSRequest()
    request.context["s3-presign-post-policy"] = {"conditions": []}
    auth = botocore.auth.HmacV1PostAuth(credentials())
    auth.add_auth(request)
    fields = request.context["s3-presign-post-fields"]
    return fields, auth.sign_string(policy_b64)


# ------------------------------------------------------------------------------------------------
# random valid Fine Uploader requests for the test profile
# ------------------------------------------------------------------------------------------------

CONTENT_TYPES = ["image/jpeg", "image/png", "image/gif", "image/webp", "image/svg+xml",
                 "image/x-icon", "text/plain", "application/octet-stream"]
NAME_CHARS = (string.ascii_letters + string.digits + " -_.,;:!~*'()[]{}@#$%^&+=`\"\\/?<>|"
              + "äöüßéèçñåøæœ€£¥©®°±µ¶ÆÐØÞ" + "日本語中文한국어Ωπλ" + "😀🎉")
UPLOAD_ID_CHARS = string.ascii_letters + string.digits + "._-~"


def random_text(rnd, low, high):
    return "".join(rnd.choice(NAME_CHARS) for _ in range(rnd.randint(low, high)))


def random_extension(rnd):
    ext = "".join(rnd.choice(string.ascii_letters + string.digits)
                  for _ in range(rnd.randint(1, 6)))
    return rnd.choice([ext, ext.upper(), ext.lower(), "jpg", "JPG", "Png", "jpeg", "txt"])


def random_upload(rnd, version):
    ext = random_extension(rnd)
    file_name = (random_text(rnd, 0, 24) or "f") + "." + ext
    params = {}
    if rnd.random() < 0.6:
        params[rnd.choice(["category", "Category", "CATEGORY"])] = rnd.choice(
            [random_text(rnd, 0, 30), rnd.randint(0, 10**6)])
    if rnd.random() < 0.5:
        params["Cache-Control"] = "max-age=3600"
    low, high = 0, 0
    if rnd.random() < 0.85:  # else none: the responder adds the profile's range
        low = rnd.randint(SIZE_MIN, 1000)
        high = rnd.choice([SIZE_MAX, rnd.randint(low, SIZE_MAX)])
    return fu.Upload(
        bucket=BUCKET, key=f"{uuid.UUID(int=rnd.getrandbits(128), version=4)}.{ext}",
        access_key=ACCESS_KEY, version=version, region=REGION, host=HOST,
        acl=rnd.choice(["private", "public-read"]),
        content_type=rnd.choice(CONTENT_TYPES), params=params, file_name=file_name,
        min_size=low, max_size=high, reduced_redundancy=rnd.random() < 0.3,
        server_side_encryption=rnd.random() < 0.3)


def random_upload_id(rnd):
    body = "".join(rnd.choice(UPLOAD_ID_CHARS) for _ in range(rnd.randint(8, 90)))
    return rnd.choice([body, "2~" + body])


def rest_inputs(rnd, op):
    """(upload id, part number, payload) for an operation."""
    upload_id = part = None
    payload = b""
    if op != fu.INITIATE:
        upload_id = random_upload_id(rnd)
    if op == fu.UPLOAD_PART:
        part = rnd.choice([1, 2, 10000, rnd.randint(1, 10000)])
        payload = rnd.randbytes(rnd.randint(0, 200))
    elif op == fu.COMPLETE:
        parts = sorted(rnd.sample(range(1, 10001), rnd.randint(1, 5)))
        payload = fu.complete_body((p, '"' + rnd.randbytes(16).hex() + '"') for p in parts)
    return upload_id, part, payload


# headers botocore must sign for an initiate: exactly the x-amz-* set Fine Uploader signs
def initiate_headers(u):
    headers = {"x-amz-acl": u.acl}
    if u.reduced_redundancy:
        headers["x-amz-storage-class"] = "REDUCED_REDUNDANCY"
    if u.server_side_encryption:
        headers["x-amz-server-side-encryption"] = "AES256"
    headers["x-amz-meta-" + u.filename_param] = fu.encode_uri_component(u.file_name)
    for name, value in fu.normalise_params(u.params).items():
        if name not in fu.UNPREFIXED_PARAM_NAMES:
            headers["x-amz-meta-" + name] = fu.encode_uri_component(value)
    return headers


OP_REQUEST = {  # op -> (method, v4 query params, v2 query string)
    fu.INITIATE: lambda uid, part: ("POST", {"uploads": ""}, "uploads"),
    fu.UPLOAD_PART: lambda uid, part: ("PUT", {"partNumber": str(part), "uploadId": uid},
                                       f"partNumber={part}&uploadId={uid}"),
    fu.COMPLETE: lambda uid, part: ("POST", {"uploadId": uid}, f"uploadId={uid}"),
    fu.ABORT: lambda uid, part: ("DELETE", {"uploadId": uid}, f"uploadId={uid}"),
}


class Case:
    """One request: body to send, expected signature, and what to check in the answer."""

    def __init__(self, label, version, body, expected_signature, sent_policy=None, now=None):
        self.label = label
        self.version = version
        self.body = body
        self.expected_signature = expected_signature
        self.sent_policy = sent_policy  # dict, for policy cases
        self.now = now


def make_rest_case(rnd, version, op):
    u = random_upload(rnd, version)
    upload_id, part, payload = rest_inputs(rnd, op)
    now = utc_now()
    method, params, query = OP_REQUEST[op](upload_id, part)
    model = fu.rest_request(op, u, now, upload_id=upload_id, part_number=part, payload=payload)
    if version == 4:
        headers = initiate_headers(u) if op == fu.INITIATE else {}
        headers_string, signature = botocore_v4_rest(method, u.key, params, headers, payload, now)
    else:
        headers = {"x-amz-date": fu.utc_string(now)}
        if op == fu.INITIATE:
            headers.update(initiate_headers(u))
            headers["Content-Type"] = u.content_type
        elif op == fu.COMPLETE:
            headers["Content-Type"] = fu.COMPLETE_CONTENT_TYPE
        headers_string, signature = botocore_v2_rest(method, u.key, query, headers, payload)
    # botocore and the Fine Uploader model must build the very same string
    assert headers_string == model.headers_string, (headers_string, model.headers_string)
    return Case(f"rest v{version} {op}", version, fu.signature_request_body(headers_string),
                signature)


def make_policy_case(rnd, version):
    u = random_upload(rnd, version)
    now = utc_now().replace(microsecond=rnd.randrange(1000) * 1000)
    body = fu.policy_body(u, now)
    return Case(f"policy v{version}", version, body, None, sent_policy=json.loads(body), now=now)


def generate_cases(rnd, count):
    kinds = [("policy", 2), ("policy", 4)] + [(op, v) for op in (fu.INITIATE, fu.UPLOAD_PART,
                                                                  fu.COMPLETE, fu.ABORT)
                                               for v in (2, 4)]
    cases = []
    for i in range(count):
        kind, version = kinds[i % len(kinds)] if i < 2 * len(kinds) else rnd.choice(kinds)
        if kind == "policy":
            cases.append(make_policy_case(rnd, version))
        else:
            cases.append(make_rest_case(rnd, version, kind))
    return cases


def check_policy_answer(case, answer):
    """Problems with a policy answer (empty list: fine)."""
    problems = []
    if set(answer) != {"policy", "signature"}:
        return [f"answer keys {sorted(answer)}"]
    policy_b64 = answer["policy"]
    returned = json.loads(base64.b64decode(policy_b64, validate=True).decode("utf-8"))
    sent = case.sent_policy
    conditions = sent["conditions"]
    if not any(isinstance(c, list) for c in conditions):
        added = [c for c in returned.get("conditions", []) if isinstance(c, list)]
        if len(added) != 1 or added[0][0] != "content-length-range" or not (
                SIZE_MIN <= int(added[0][1]) <= int(added[0][2]) <= SIZE_MAX):
            problems.append(f"added range {added}")
        expected = dict(sent, conditions=conditions + added)
    else:
        expected = sent
    if returned != expected:
        problems.append(f"returned policy {returned} != sent {expected}")
    if case.version == 4:
        fields, signature = botocore_v4_policy(policy_b64, conditions, case.now)
        flat = {k: v for c in conditions if isinstance(c, dict) for k, v in c.items()}
        for name in ("x-amz-algorithm", "x-amz-credential", "x-amz-date"):
            if fields[name] != flat[name]:
                problems.append(f"botocore {name}={fields[name]!r}, Fine Uploader {flat[name]!r}")
    else:
        fields, signature = botocore_v2_policy(policy_b64)
        if fields["AWSAccessKeyId"] != ACCESS_KEY:
            problems.append("AWSAccessKeyId")
    if answer["signature"] != signature:
        problems.append(f"signature {answer['signature']} != botocore {signature}")
    return problems


class BotocoreCrossCheckTest(unittest.TestCase):
    def test_random_requests_signed_like_botocore(self):
        rnd = random.Random(SEED)
        where = f"(seed {SEED}; replay with S3US_CROSSCHECK_SEED={SEED})"
        try:
            cases = generate_cases(rnd, COUNT)
        except AssertionError as e:
            self.fail(f"botocore and the Fine Uploader model disagree {where}: {e}")
        answers = sign_all([(c.body, c.version) for c in cases])
        failures = []
        counts = {}
        for case, resp in zip(cases, answers):
            counts[case.label] = counts.get(case.label, 0) + 1
            if resp.status != 200:
                failures.append(f"{case.label}: HTTP {resp.status} {resp.body[:200]!r}\n  body: "
                                f"{case.body}")
                continue
            answer = resp.json()
            if case.sent_policy is not None:
                problems = check_policy_answer(case, answer)
            elif set(answer) != {"signature"}:
                problems = [f"answer keys {sorted(answer)}"]
            elif answer["signature"] != case.expected_signature:
                problems = [f"signature {answer['signature']} != botocore {case.expected_signature}"]
            else:
                problems = []
            if problems:
                failures.append(f"{case.label}: {'; '.join(problems)}\n  body: {case.body}")
        self.assertGreaterEqual(len(cases), 1000)
        self.assertEqual(len(counts), 10, counts)  # every kind, version and operation
        if failures:
            self.fail(f"{len(failures)} of {len(cases)} requests differ from botocore {where}:\n"
                      + "\n".join(failures[:10]) + "\n" + RESPONDER.log_text()[-3000:])

    def test_near_misses_refused(self):
        """Requests botocore would happily sign but the profile does not allow."""
        now = utc_now()
        u = fu.Upload(bucket=BUCKET, key=f"{uuid.uuid4()}.jpg", access_key=ACCESS_KEY, version=4,
                      region=REGION, host=HOST, content_type="image/jpeg", file_name="a.jpg",
                      min_size=1, max_size=1000)
        uid = "2~abcdefghijklmnop"
        empty = b""

        def v4(method, params, headers=None, payload=empty, host=HOST, key=u.key):
            return fu.signature_request_body(
                botocore_v4_rest(method, key, params, headers or {}, payload, now, host)[0])

        def v2(method, query, headers=None, payload=empty):
            h = {"x-amz-date": fu.utc_string(now)}
            h.update(headers or {})
            return fu.signature_request_body(botocore_v2_rest(method, u.key, query, h, payload)[0])

        def policy(version, change):
            doc = fu.policy_document(fu.Upload(**dict(vars(u), version=version)), now)
            change(doc["conditions"])
            return fu.js_stringify(doc)

        def set_cond(name, value):
            def change(conditions):
                for c in conditions:
                    if isinstance(c, dict) and name in c:
                        c[name] = value
            return change

        near_misses = {
            "v4 GET object": (4, v4("GET", {})),
            "v4 PUT object (no sub-resource)": (4, v4("PUT", {}, payload=b"x")),
            "v4 initiate + extra query parameter": (4, v4("POST", {"uploads": "", "versionId": "1"})),
            "v4 part + extra query parameter": (4, v4("PUT", {"partNumber": "1", "uploadId": uid,
                                                               "x-id": "UploadPart"})),
            "v4 GET ?uploadId (list parts)": (4, v4("GET", {"uploadId": uid})),
            "v4 PUT ?acl": (4, v4("PUT", {"acl": ""})),
            "v4 another host": (4, v4("POST", {"uploads": ""}, {"x-amz-acl": "private"},
                                      host="evil.localhost:7580")),
            "v4 part with x-amz-copy-source": (4, v4("PUT", {"partNumber": "1", "uploadId": uid},
                                                     {"x-amz-copy-source": f"/{BUCKET}/secret.jpg"})),
            "v4 initiate with x-amz-grant-read": (4, v4("POST", {"uploads": ""},
                                                        {"x-amz-acl": "private",
                                                         "x-amz-grant-read": "uri=everyone"})),
            "v4 initiate with a key outside the rules": (4, v4("POST", {"uploads": ""},
                                                               {"x-amz-acl": "private"},
                                                               key="../etc/passwd")),
            "v2 GET object": (2, v2("GET", "")),
            "v2 PUT ?acl": (2, v2("PUT", "acl")),
            "v2 DELETE object": (2, v2("DELETE", "")),
            "v2 part + versionId": (2, v2("PUT", f"partNumber=1&uploadId={uid}&versionId=3")),
            "v4 policy with starts-with": (4, policy(4, lambda c: c.insert(
                2, ["starts-with", "$key", ""]))),
            "v4 policy, another access key": (4, policy(4, set_cond(
                "x-amz-credential", f"AKIAOTHERKEY00000000/{now:%Y%m%d}/{REGION}/s3/aws4_request"))),
            "v4 policy, another bucket": (4, policy(4, set_cond("bucket", "other-bucket"))),
            "v2 policy, another bucket": (2, policy(2, set_cond("bucket", "other-bucket"))),
            "v2 policy, acl not allowed": (2, policy(2, set_cond("acl", "public-read-write"))),
        }
        controls = {  # the same builders, legitimate: must be signed (so the refusals mean something)
            "v4 initiate": (4, v4("POST", {"uploads": ""}, {"x-amz-acl": "private"})),
            "v4 part": (4, v4("PUT", {"partNumber": "1", "uploadId": uid})),
            "v2 part": (2, v2("PUT", f"partNumber=1&uploadId={uid}")),
            "v4 policy": (4, policy(4, lambda c: None)),
            "v2 policy": (2, policy(2, lambda c: None)),
        }
        names = list(near_misses) + list(controls)
        answers = sign_all([(body, version) for version, body in
                            list(near_misses.values()) + list(controls.values())])
        for name, resp in zip(names, answers):
            with self.subTest(name):
                if name in controls:
                    self.assertEqual(resp.status, 200, resp)
                else:
                    self.assertEqual(resp.status, 500, resp)
                    self.assertEqual(resp.json(), {"invalid": True})
                    self.assertTrue(resp.headers.get("content-type", "").startswith(
                        "application/json"), resp.headers)


if __name__ == "__main__":
    unittest.main()
