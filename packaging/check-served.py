#!/usr/bin/env python3
"""Requests to the installed package, through nginx: what scripts/test-package checks.

    check-served.py BASE_URL

BASE_URL is nginx (http://127.0.0.1:PORT) running the package's snippets in front of the
installed responder. The settings come from the environment (scripts/test-package sets them):

    PKG_VERSION      the version --version and /health must show
    PKG_ACCESS_KEY   the profile's access key id;  PKG_SECRET: its secret (the test credential)
    PKG_BUCKET, PKG_REGION, PKG_PREFIX, PKG_HOST   the test profile (PKG_HOST: the Host header
                     browsers send to the bucket, which v4 REST strings sign)
    PKG_ORIGIN       an origin the http-level snippet allows (CORS)
    PKG_S3_ENDPOINT  optional: a real S3 (radosgw) the profile points at; the signed POST upload is
                     then sent to it, and the success and delete calls go through the responder's
                     own S3 client (libcurl)

Requests are what Fine Uploader S3 5.16.2 sends (tests/integration/fineuploader.py); each
signature is checked against an independent computation with the secret. Prints one line per
check, "ok ..." or "FAIL ...", and exits 1 if any failed.
"""

import base64
import datetime
import hashlib
import hmac
import http.client
import json
import os
import sys
import urllib.parse
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "integration"))
import fineuploader as fu  # noqa: E402  (stdlib only)

BASE = urllib.parse.urlsplit(sys.argv[1])
VERSION = os.environ["PKG_VERSION"]
ACCESS_KEY = os.environ["PKG_ACCESS_KEY"]
SECRET = os.environ["PKG_SECRET"]
BUCKET = os.environ["PKG_BUCKET"]
REGION = os.environ["PKG_REGION"]
PREFIX = os.environ["PKG_PREFIX"]
HOST = os.environ["PKG_HOST"]
ORIGIN = os.environ["PKG_ORIGIN"]
S3 = os.environ.get("PKG_S3_ENDPOINT") or None

failures = 0


def check(name, condition, detail=""):
    global failures
    if condition:
        print(f"ok   {name}")
    else:
        failures += 1
        print(f"FAIL {name}" + (f": {detail}" if detail else ""))
    return condition


def request(method, path, body=b"", headers=None, url=None):
    """(status, headers dict with lower-case names, body bytes)."""
    target = urllib.parse.urlsplit(url) if url else BASE
    connection = http.client.HTTPConnection(target.hostname, target.port, timeout=20)
    try:
        if isinstance(body, str):
            body = body.encode("utf-8")
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return (response.status, {k.lower(): v for k, v in response.getheaders()},
                response.read())
    finally:
        connection.close()


def as_json(body):
    try:
        return json.loads(body)
    except ValueError:
        return None


def new_upload(version, key=None):
    file_uuid = str(uuid.uuid4())
    upload = fu.Upload(bucket=BUCKET, key=key or f"{PREFIX}{file_uuid}.txt", access_key=ACCESS_KEY,
                       version=version, region=REGION, host=HOST, content_type="text/plain",
                       file_name="hello.txt", min_size=1, max_size=1000)
    return file_uuid, upload


def sign(upload, now):
    body = fu.policy_body(upload, now)
    query = "?v4=true" if upload.version == 4 else ""
    return request("POST", "/s3/signature" + query, body,
                   {"Content-Type": "application/json; charset=UTF-8"})


# ---- health ----------------------------------------------------------------------------------
status, _, body = request("GET", "/health")
health = as_json(body) or {}
check("GET /health through the snippet answers 200 ok", status == 200 and health.get("status") == "ok",
      f"{status} {body[:200]!r}")
check(f"/health shows version {VERSION}", health.get("version") == VERSION, repr(health))
first_generation = health.get("generation")

# ---- signing ---------------------------------------------------------------------------------
now = datetime.datetime.now(datetime.timezone.utc)
signed = {}
for version in (4, 2):
    file_uuid, upload = new_upload(version)
    status, headers, body = sign(upload, now)
    reply = as_json(body) or {}
    policy, signature = reply.get("policy", ""), reply.get("signature", "")
    if version == 4:
        expected = fu.sign_policy_v4(SECRET, policy) if policy else None
    else:
        expected = fu.sign_policy_v2(SECRET, policy) if policy else None
    check(f"v{version} policy signed (200)", status == 200 and policy and signature,
          f"{status} {body[:300]!r}")
    check(f"v{version} signature is HMAC of the returned policy with the test secret",
          signature and signature == expected)
    try:
        document = json.loads(base64.b64decode(policy))
    except ValueError:
        document = {}
    check(f"v{version} returned policy is the checked one (key {upload.key})",
          {"key": upload.key} in document.get("conditions", []), repr(document)[:300])
    check(f"v{version} reply is JSON", headers.get("content-type", "").startswith("application/json"),
          headers.get("content-type", ""))
    signed[version] = (file_uuid, upload, policy, signature)

# A chunked upload's first REST request (initiate), v4, as Fine Uploader sends it.
_, upload = new_upload(4)
rest = fu.initiate(upload, now)
status, _, body = request("POST", "/s3/signature?v4=true", rest.body,
                          {"Content-Type": "application/json; charset=UTF-8"})
reply = as_json(body) or {}
check("v4 REST (initiate multipart) signed (200)", status == 200, f"{status} {body[:300]!r}")
check("v4 REST signature matches the independent SigV4 computation",
      reply.get("signature") == fu.sign_rest_v4(SECRET, rest.headers_string)[1], repr(reply))

# Refusals: a key outside the profile's prefix; a v2 body sent as v4.
_, outside = new_upload(4, key=f"elsewhere/{uuid.uuid4()}.txt")
status, _, body = sign(outside, now)
check("a key outside the prefix is refused (500 {\"invalid\": true})",
      status == 500 and (as_json(body) or {}).get("invalid") is True, f"{status} {body[:200]!r}")
_, wrong = new_upload(2)
status, _, body = request("POST", "/s3/signature?v4=true", fu.policy_body(wrong, now),
                          {"Content-Type": "application/json"})
check("a v2 policy sent as v4 is refused (500)", status == 500, f"{status} {body[:200]!r}")

# What the web-server side adds: 404 JSON for an unknown path, 405, CORS preflight.
status, headers, body = request("GET", "/s3/nothing-here")
check("unknown path under /s3/ answers 404 JSON", status == 404 and as_json(body) is not None,
      f"{status} {body[:200]!r}")
status, headers, _ = request("GET", "/s3/signature")
check("GET on the sign route answers 405 with Allow: POST",
      status == 405 and headers.get("allow") == "POST", f"{status} {headers.get('allow')}")
status, headers, _ = request("OPTIONS", "/s3/signature",
                             headers={"Origin": ORIGIN, "Access-Control-Request-Method": "POST"})
check("CORS preflight from an allowed origin: 204 by nginx with the origin",
      status == 204 and headers.get("access-control-allow-origin") == ORIGIN,
      f"{status} {headers}")
status, headers, _ = request("POST", "/s3/signature?v4=true", fu.policy_body(new_upload(4)[1], now),
                             {"Origin": "https://evil.example", "Content-Type": "application/json"})
check("an origin not listed gets no CORS header", "access-control-allow-origin" not in headers,
      repr(headers))


# ---- a real S3 (optional) ----------------------------------------------------------------------
def sigv4_headers(method, url, payload=b""):
    """A SigV4 Authorization for a plain S3 call with the test key (to create the bucket)."""
    parts = urllib.parse.urlsplit(url)
    stamp = datetime.datetime.now(datetime.timezone.utc)
    amz_date, day = stamp.strftime("%Y%m%dT%H%M%SZ"), stamp.strftime("%Y%m%d")
    payload_hash = hashlib.sha256(payload).hexdigest()
    host = parts.netloc
    canonical = "\n".join([method, parts.path or "/", "", f"host:{host}",
                           f"x-amz-content-sha256:{payload_hash}", f"x-amz-date:{amz_date}", "",
                           "host;x-amz-content-sha256;x-amz-date", payload_hash])
    scope = f"{day}/{REGION}/s3/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope,
                         hashlib.sha256(canonical.encode()).hexdigest()])
    signature = hmac.new(fu.signing_key(SECRET, day, REGION), to_sign.encode(),
                         hashlib.sha256).hexdigest()
    return {"x-amz-date": amz_date, "x-amz-content-sha256": payload_hash,
            "Authorization": f"AWS4-HMAC-SHA256 Credential={ACCESS_KEY}/{scope}, "
                             f"SignedHeaders=host;x-amz-content-sha256;x-amz-date, "
                             f"Signature={signature}"}


def multipart(fields, file_name, content):
    boundary = "----s3us" + uuid.uuid4().hex
    out = []
    for name, value in fields:
        out.append(f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n"
                   f"{value}\r\n".encode("utf-8"))
    out.append(f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
               f"filename=\"{file_name}\"\r\nContent-Type: text/plain\r\n\r\n".encode() + content
               + b"\r\n")
    out.append(f"--{boundary}--\r\n".encode())
    return b"".join(out), f"multipart/form-data; boundary={boundary}"


if S3:
    bucket_url = f"{S3.rstrip('/')}/{BUCKET}"
    path = urllib.parse.urlsplit(bucket_url).path
    status, _, body = request("PUT", path, b"", sigv4_headers("PUT", bucket_url), url=S3)
    check(f"bucket {BUCKET} created in S3 ({S3})", status == 200, f"{status} {body[:300]!r}")
    file_uuid, upload, policy, signature = signed[4]
    content = b"hello from the Debian package test\n"
    fields = fu.form_fields(upload, now, policy, signature)
    payload, content_type = multipart(fields, upload.file_name, content)
    status, _, body = request("POST", path + "/", payload, {"Content-Type": content_type}, url=S3)
    check("S3 accepts the POST upload signed by the installed responder (v4)", status == 200,
          f"{status} {body[:300]!r}")
    form = urllib.parse.urlencode({"key": upload.key, "uuid": file_uuid, "name": upload.file_name,
                                   "bucket": BUCKET})
    status, _, body = request("POST", "/s3/success", form,
                              {"Content-Type": "application/x-www-form-urlencoded"})
    reply = as_json(body) or {}
    check("success call: the responder HEADs the object in S3 (libcurl) and confirms it",
          status == 200 and reply.get("success") is True and reply.get("size") == len(content),
          f"{status} {body[:300]!r}")
    query = urllib.parse.urlencode({"key": upload.key, "bucket": BUCKET})
    status, _, body = request("DELETE", f"/s3/delete/{file_uuid}?{query}")
    check("delete call: the responder deletes the object in S3 (204)", status == 204,
          f"{status} {body[:300]!r}")
    status, _, _ = request("DELETE", path, b"", sigv4_headers("DELETE", bucket_url), url=S3)
    check(f"bucket {BUCKET} removed again", status == 204, str(status))
else:
    print("skip a real S3 upload, success and delete: no S3 endpoint (S3US_RGW_ENDPOINT) given")

print(f"generation={first_generation}")
sys.exit(1 if failures else 0)
