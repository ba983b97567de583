#!/usr/bin/python3
"""Writes the seed corpora of the fuzz targets, fuzz/corpus/<target>/, from the project's protocol
vectors and configuration files (see README.md beside this script). Deterministic: running it again
gives the same files. Inputs found by fuzzing (regression-*) are kept; other files are rewritten.

    /usr/bin/python3 fuzz/corpus/make_seeds.py
"""
import hashlib
import json
import os
import re
import struct
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
UUID = "a5d3c3c2-5b1e-4c43-9f1e-2d0c8a7b6e41"
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()


def read(relative):
    with open(os.path.join(ROOT, relative), "rb") as f:
        return f.read()


def write_target(target, seeds):
    directory = os.path.join(HERE, target)
    os.makedirs(directory, exist_ok=True)
    for name in os.listdir(directory):
        if not name.startswith("regression-"):
            os.remove(os.path.join(directory, name))
    for name, data in seeds.items():
        if isinstance(data, str):
            data = data.encode()
        with open(os.path.join(directory, name), "wb") as f:
            f.write(data)


def compact(obj):
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


# ----- Protocol vectors -----------------------------------------------------------------------

VECTORS = json.loads(read("tests/data/fineuploader/vectors.json"))
BODIES = {v["name"]: v["body"] for v in VECTORS}
HEADERS = {v["name"]: json.loads(v["body"])["headers"] for v in VECTORS if v["kind"] == "rest"}


def policy(conditions, expiration="2024-05-01T12:05:00.000Z"):
    return compact({"expiration": expiration, "conditions": conditions})


def v4_fields(region, day="20240501"):
    return [{"x-amz-algorithm": "AWS4-HMAC-SHA256"},
            {"x-amz-credential": "AKIAIOSFODNN7EXAMPLE/%s/%s/s3/aws4_request" % (day, region)},
            {"x-amz-date": day + "T120000Z"}]


# A policy for the fuzzers' second profile ("user": uploads/{user}/ prefix, any name, us-east-1,
# up to 1000 bytes, no Content-Type required, every object header).
USER_POLICY_V4 = policy([{"acl": "private"}, {"bucket": "mybucket"},
                         {"Content-Type": "text/plain; charset=utf-8"},
                         {"success_action_status": "201"}]
                        + v4_fields("us-east-1")[:1]
                        + [{"key": "uploads/alice/notes (1).txt"}]
                        + v4_fields("us-east-1")[1:]
                        + [{"Content-Disposition": "attachment"}, {"Content-Encoding": "gzip"},
                           {"x-amz-meta-qqfilename": "notes%20(1).txt"},
                           ["content-length-range", 0, 1000]])
USER_POLICY_V2 = policy([{"bucket": "mybucket"}, {"key": "uploads/alice/" + UUID},
                         {"success_action_redirect": "https://app.example.com/success.html"},
                         {"Cache-Control": "no-cache"}])


def policy_seeds():
    seeds = {}
    for v in VECTORS:
        if v["kind"] == "policy" or v["name"] in ("rest-v2-initiate", "rest-v4-part1",
                                                  "rest-v4-aws-get-range-example"):
            seeds[v["name"] + ".json"] = v["body"]
    seeds["user-policy-v4.json"] = USER_POLICY_V4
    seeds["user-policy-v2.json"] = USER_POLICY_V2
    base = json.loads(BODIES["policy-v2-minimal"])
    conditions = base["conditions"]
    seeds["numeric-range.json"] = policy(conditions[:-1] + [["content-length-range", 1, 1000]])
    seeds["no-range.json"] = policy(conditions[:-1])
    seeds["conditions-first.json"] = compact({"conditions": conditions,
                                              "expiration": base["expiration"]})
    seeds["starts-with.json"] = policy(conditions + [["starts-with", "$key", "uploads/"]])
    seeds["eq.json"] = policy(conditions + [["eq", "$acl", "private"]])
    seeds["duplicate-member.json"] = (
        '{"expiration":"2024-05-01T12:05:00.000Z","expiration":"2024-05-01T12:05:00.000Z",'
        '"conditions":[]}')
    seeds["sse-and-token.json"] = policy(conditions + [
        {"x-amz-server-side-encryption-customer-algorithm": "AES256"},
        {"x-amz-security-token": "token"}])
    seeds["unicode-key.json"] = policy([{"bucket": "mybucket"},
                                        {"key": "uploads/alice/\u00e9t\u00e9 \u2603.txt"}])
    seeds["escaped.json"] = (
        '{"expiration":"2024-05-01T12:05:00.000Z","conditions":[{"bucket":"mybucket"},'
        '{"key":"a5d3c3c2-5b1e-4c43-9f1e-2d0c8a7b6e41.\\u006apg"},{"Content-Type":"image\\/png"}]}')
    return seeds


# ----- REST strings ---------------------------------------------------------------------------

def canonical_v4(method, path, query, headers, payload):
    query_items = sorted(urllib.parse.parse_qsl(query, keep_blank_values=True))
    canonical_query = "&".join(
        urllib.parse.quote(k, safe="-_.~") + "=" + urllib.parse.quote(v, safe="-_.~")
        for k, v in query_items)
    names = sorted(headers)
    canonical_headers = "".join("%s:%s\n" % (n, headers[n]) for n in names)
    return "\n".join([method, urllib.parse.quote(path, safe="/-_.~"), canonical_query,
                      canonical_headers, ";".join(names), payload])


def rest_v4(method, path, query, extra_headers, payload, region, host):
    headers = {"host": host, "x-amz-content-sha256": payload, "x-amz-date": "20240501T120000Z"}
    headers.update(extra_headers)
    return "AWS4-HMAC-SHA256\n20240501T120000Z\n20240501/%s/s3/aws4_request\n%s" % (
        region, canonical_v4(method, path, query, headers, payload))


USER_KEY_PATH = "/mybucket/uploads/alice/" + UUID
USER_HOST = "s3.us-east-1.amazonaws.com"
DATE_V2 = "x-amz-date:Wed, 01 May 2024 12:00:00 GMT"


def rest_seeds():
    # First byte: bit 0 = v4, bit 1 = the "user" profile (see rest_fuzzer.cc).
    seeds = {}
    for name, headers in HEADERS.items():
        version = 1 if headers.startswith("AWS4-HMAC-SHA256\n") else 0
        seeds[name + ".txt"] = bytes([version]) + headers.encode()
    seeds["user-v4-initiate.txt"] = b"\x03" + rest_v4(
        "POST", USER_KEY_PATH, "uploads=", {"x-amz-acl": "private",
                                            "x-amz-meta-qqfilename": "a.txt"},
        EMPTY_SHA256, "us-east-1", USER_HOST).encode()
    seeds["user-v4-part.txt"] = b"\x03" + rest_v4(
        "PUT", USER_KEY_PATH, "partNumber=3&uploadId=UP-1", {}, hashlib.sha256(b"a").hexdigest(),
        "us-east-1", USER_HOST).encode()
    seeds["user-v4-complete.txt"] = b"\x03" + rest_v4(
        "POST", USER_KEY_PATH, "uploadId=UP-1", {}, hashlib.sha256(b"<x/>").hexdigest(),
        "us-east-1", USER_HOST).encode()
    seeds["user-v4-abort.txt"] = b"\x03" + rest_v4(
        "DELETE", USER_KEY_PATH, "uploadId=UP-1", {}, EMPTY_SHA256, "us-east-1", USER_HOST).encode()
    seeds["user-v2-part.txt"] = ("\x02PUT\n\n\n\n%s\n%s?partNumber=2&uploadId=UP-1"
                                 % (DATE_V2, USER_KEY_PATH)).encode()
    seeds["user-v2-initiate.txt"] = ("\x02POST\n\ntext/plain\n\nx-amz-acl:private\n%s\n"
                                     "x-amz-meta-qqfilename:a.txt\n%s?uploads"
                                     % (DATE_V2, USER_KEY_PATH)).encode()
    seeds["v2-get.txt"] = ("\x00GET\n\n\n\n%s\n/mybucket/%s.jpg" % (DATE_V2, UUID)).encode()
    seeds["v4-unsigned-payload.txt"] = b"\x01" + rest_v4(
        "PUT", "/" + UUID + ".jpg", "partNumber=1&uploadId=U", {}, "UNSIGNED-PAYLOAD",
        "eu-west-1", "mybucket.s3.amazonaws.com").encode()
    return seeds


# ----- Forms and queries ----------------------------------------------------------------------

FORMS = {
    "success-simple.txt": "extra=x1&key=%s.jpg&uuid=%s&name=my+photo+(1).jpg&bucket=mybucket"
                          "&etag=%%22d41d8cd98f00b204e9800998ecf8427e%%22&category=holiday+photos"
                          "&Cache-Control=max-age%%3D3600" % (UUID, UUID),
    "success-docs-minimal.txt": "key=f9a922bd-3007-4393-a76e-925fc009639c.txt"
                                "&uuid=f9a922bd-3007-4393-a76e-925fc009639c&name=rubycsv.txt"
                                "&bucket=fineuploadertest&etag=123",
    "delete-post.txt": "key=%s.jpg&bucket=mybucket&qquuid=%s&_method=DELETE" % (UUID, UUID),
    "delete-query.txt": "key=%s.jpg&bucket=mybucket" % UUID,
    "sign-query.txt": "v4=true",
    "empty-pairs.txt": "a=1&&b=2&=&c&",
    "escapes.txt": "name=%E2%82%AC+%e2%82%ac%2B%26%3D&x=%00%0A%0d",
    "malformed-escape.txt": "key=a%zzb&bucket=mybucket",
    "truncated-escape.txt": "key=abc%4",
    "repeated.txt": "key=a&key=b&bucket=mybucket&bucket=mybucket",
}

QUERIES = {
    "v4.txt": b"\x02v4v4=true",
    "v4-false.txt": b"\x02v4v4=false&v4=true",
    "key.txt": b"\x03key" + FORMS["delete-query.txt"].encode(),
    "bucket.txt": b"\x06bucketkey=x&bucket=my%20bucket",
    "malformed.txt": b"\x02v4v4=true&x=%G0",
    "empty-name.txt": b"\x00=value&v4",
    "plus.txt": b"\x04a+b%20a+b=1&a b=2",
}


# ----- Tokens ---------------------------------------------------------------------------------

PYJWT = json.loads(read("tests/data/auth/pyjwt-vectors.json"))
RFC7515_A3 = ("eyJhbGciOiJFUzI1NiJ9."
              "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290"
              "Ijp0cnVlfQ."
              "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q")
RFC7515_A1 = ("eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9."
              "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290"
              "Ijp0cnVlfQ."
              "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")
CLAIMS = {"iss": "app.example.com", "aud": "uploads.example.com", "sub": "user-42",
          "jti": "token-1", "iat": 1700000000, "nbf": 1700000000, "exp": 1700000600,
          "s3u": {"max_size": 10485760, "content_types": ["image/png", "image/jpeg"]}}


def jwt_seeds():
    # First byte: 0 raw token, 1 Authorization header, 2 minted HS256, 3 minted ES256.
    seeds = {}
    for v in PYJWT["vectors"]:
        seeds["pyjwt-%s.txt" % v["name"]] = b"\x00" + v["token"].encode()
    seeds["rfc7515-a3.txt"] = b"\x00" + RFC7515_A3.encode()
    seeds["rfc7515-a1.txt"] = b"\x00" + RFC7515_A1.encode()
    full = PYJWT["vectors"][0]["token"]
    seeds["bearer.txt"] = b"\x01Bearer " + full.encode()
    seeds["bearer-lower-spaces.txt"] = b"\x01 \tbearer   " + full.encode() + b" \t"
    seeds["bearer-padding.txt"] = b"\x01Bearer abc+/~.-_=="
    seeds["basic.txt"] = b"\x01Basic dXNlcjpwYXNz"
    hs = compact({"alg": "HS256", "typ": "JWT"}).encode()
    es = compact({"alg": "ES256", "kid": "k1"}).encode()
    seeds["mint-hs256-full.txt"] = b"\x02" + hs + b"\xff" + compact(CLAIMS).encode()
    seeds["mint-es256-full.txt"] = b"\x03" + es + b"\xff" + compact(CLAIMS).encode()
    minimal = {"aud": ["other", "uploads.example.com"], "iss": "app.example.com",
               "exp": 1700000160}
    seeds["mint-hs256-minimal.txt"] = b"\x02" + hs + b"\xff" + compact(minimal).encode()
    seeds["mint-hs256-crit.txt"] = (b"\x02" + compact({"alg": "HS256", "crit": ["exp"]}).encode()
                                    + b"\xff" + compact(CLAIMS).encode())
    seeds["mint-hs256-none.txt"] = (b"\x02" + compact({"alg": "none"}).encode() + b"\xff"
                                    + compact(CLAIMS).encode())
    seeds["mint-hs256-dup.txt"] = (b"\x02" + hs + b"\xff"
                                   + b'{"exp":1700000600,"exp":1700000600,"aud":"x"}')
    seeds["mint-hs256-s3u-bad.txt"] = (b"\x02" + hs + b"\xff" + compact(
        dict(CLAIMS, s3u={"max_size": -1, "content_types": [], "other": 1})).encode())
    seeds["mint-hs256-float.txt"] = (b"\x02" + hs + b"\xff" + compact(
        dict(CLAIMS, exp=1700000600.5)).encode())
    return seeds


# ----- Configuration --------------------------------------------------------------------------

def strip_comments(text):
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    return "\n".join(line for line in lines if line.strip()) + "\n"


REQUEST_CONFIG = re.search(r'kConfig = R"\((.*?)\)";', read("fuzz/request_fuzzer.cc").decode(),
                           re.S).group(1)

APP_TEST_CONFIG = """server:
  max_body_size: 1KiB
credentials:
  signing:
    access_key_id: AKIAIOSFODNN7EXAMPLE
    secret_file: signing.secret
profiles:
  photos:
    credentials: signing
    bucket: mybucket
    region: eu-west-1
    content_types: ["image/*"]
    size: {max: 20MB}
routes:
  - path: /s3/signature
    methods: [POST]
    handler: sign
    profile: photos
  - path: /s3/success
    method: POST
    handler: success
    profile: photos
  - path: /s3/delete/*
    methods: [DELETE, POST]
    handler: delete
    profile: photos
  - path: /health
    methods: [GET, HEAD]
    handler: health
  - path: /metrics
    methods: [GET]
    handler: metrics
"""


def config_seeds():
    seeds = {}
    reference = read("conf/s3-upload-signer.yaml").decode()
    seeds["reference.yaml"] = reference
    seeds["reference-stripped.yaml"] = strip_comments(reference)
    seeds["packaging.yaml"] = strip_comments(read("packaging/config.yaml").decode())
    demo = read("demo/config.yaml.in").decode()
    for placeholder, value in (("@ACCESS_KEY@", "AKIAIOSFODNN7EXAMPLE"), ("@BUCKET@", "demo"),
                               ("@RGW_PORT@", "7480"), ("@DEMO_DIR@", "/tmp/demo")):
        demo = demo.replace(placeholder, value)
    seeds["demo.yaml"] = strip_comments(demo)
    seeds["bench.yaml"] = strip_comments(read("bench/config.yaml").decode()).replace(
        "S3US_BENCH_SECRET", "S3_SECRET")
    seeds["request-fuzzer.yaml"] = REQUEST_CONFIG
    seeds["app-test.yaml"] = APP_TEST_CONFIG
    seeds["open-secret.yaml"] = APP_TEST_CONFIG.replace("signing.secret", "open.secret")
    seeds["credential.yaml"] = APP_TEST_CONFIG.replace("secret_file: signing.secret",
                                                       "secret_credential: aws-signing-secret")
    seeds["webhook-file.yaml"] = REQUEST_CONFIG.replace("secret_env: WEBHOOK_SECRET",
                                                        "secret_file: webhook.secret")
    for name in sorted(os.listdir(os.path.join(ROOT, "tests/data/config"))):
        seeds["tests-" + name] = read("tests/data/config/" + name)
    seeds["flow-and-anchors.yaml"] = (
        "credentials: {signing: &k {access_key_id: AKIAIOSFODNN7EXAMPLE, secret_env: S3_SECRET}}\n"
        "profiles: {p: {credentials: signing, bucket: b, region: r, size: {max: 1KiB},"
        " content_types: [\"*/*\"]}}\n"
        "routes: [{path: /s, methods: [POST], handler: sign, profile: p}, *k]\n"
        "---\nsecond: document\n")
    return seeds


# ----- Requests -------------------------------------------------------------------------------

NGINX = ["REMOTE_ADDR=127.0.0.1", "REQUEST_ID=0123456789abcdef0123456789abcdef",
         "HTTP_HOST=app.example.com", "HTTP_ORIGIN=https://app.example.com"]


def request(method, uri, body="", params=(), directives=(), content_type=None, style="nginx"):
    path, _, query = uri.partition("?")
    lines = list(directives) + ["REQUEST_METHOD=" + method]
    if style == "nginx":
        lines += ["DOCUMENT_URI=" + path, "REQUEST_URI=" + uri, "SCRIPT_NAME=" + path]
    else:  # Apache: SCRIPT_NAME and PATH_INFO
        lines += ["SCRIPT_NAME=" + path.rsplit("/", 1)[0], "PATH_INFO=/" + path.rsplit("/", 1)[1]]
    lines.append("QUERY_STRING=" + query)
    if content_type:
        lines += ["CONTENT_TYPE=" + content_type, "HTTP_CONTENT_TYPE=" + content_type]
    lines += NGINX + list(params)
    return "\n".join(lines) + "\n\n" + body


def record(rtype, content, request_id=1):
    padding = (8 - len(content) % 8) % 8
    return struct.pack(">BBHHBB", 1, rtype, request_id, len(content), padding, 0) + content + (
        b"\0" * padding)


def nv(name, value):
    def length(n):
        return bytes([n]) if n < 128 else struct.pack(">I", n | 0x80000000)
    return length(len(name)) + length(len(value)) + name + value


def raw_request(method, path, body=b"", keep=False, request_id=1, query=b""):
    params = b"".join(nv(n, v) for n, v in (
        (b"REQUEST_METHOD", method), (b"DOCUMENT_URI", path), (b"QUERY_STRING", query),
        (b"CONTENT_LENGTH", str(len(body)).encode()), (b"REMOTE_ADDR", b"127.0.0.1")))
    out = record(1, struct.pack(">HB5x", 1, 1 if keep else 0), request_id)
    out += record(4, params[:20], request_id) + record(4, params[20:], request_id)
    out += record(4, b"", request_id)
    if body:
        out += record(5, body, request_id)
    return out + record(5, b"", request_id)


def request_seeds():
    seeds = {}
    sign = {"content_type": "application/json; charset=utf-8"}
    for name in ("policy-v4-example", "policy-v2-minimal", "rest-v4-part1", "rest-v2-initiate"):
        query = "?v4=true" if "-v4-" in name else ""
        seeds["sign-%s.txt" % name] = request("POST", "/s3/signature" + query, BODIES[name],
                                              **sign)
    seeds["sign-iframe-refused.txt"] = request("POST", "/s3/signature?v4=true",
                                               BODIES["policy-v4-iframe"], **sign)
    seeds["sign-apache.txt"] = request("POST", "/s3/signature", BODIES["policy-v2-example"],
                                       style="apache", **sign)
    seeds["sign-chunked-records.txt"] = request("POST", "/s3/signature?v4=true",
                                                BODIES["policy-v4-example"],
                                                directives=["@chunk=7"], **sign)
    docs_policy = policy([{"bucket": "docs"}, {"key": "uploads/alice/notes.txt"},
                          {"Content-Type": "text/plain"}] + v4_fields("us-east-1"))
    seeds["docs-sign-user.txt"] = request("POST", "/docs/signature?v4=true", docs_policy,
                                          params=["REMOTE_USER=alice"], **sign)
    now = 1714564800  # 2024-05-01T12:00:00Z, the fuzzers' clock
    token = {"iss": "app.example.com", "aud": "uploads.example.com", "sub": "alice",
             "iat": now, "exp": now + 600, "s3u": {"max_size": 500, "content_types": ["text/*"]}}
    seeds["jwt-sign-narrowed.txt"] = request("POST", "/jwt/signature?v4=true", docs_policy,
                                             directives=["@token=" + compact(token)], **sign)
    seeds["jwt-sign-expired.txt"] = request("POST", "/jwt/signature?v4=true", docs_policy,
                                            directives=["@token=" + compact(dict(token, exp=now - 60))],
                                            **sign)
    seeds["jwt-sign-no-token.txt"] = request("POST", "/jwt/signature?v4=true", docs_policy,
                                             params=["HTTP_AUTHORIZATION=Basic dXNlcjpwYXNz"],
                                             **sign)
    seeds["docs-sign-no-user.txt"] = request("POST", "/docs/signature?v4=true", docs_policy, **sign)
    seeds["sign-wrong-origin.txt"] = request(
        "POST", "/s3/signature", BODIES["policy-v2-minimal"], **sign).replace(
            "HTTP_ORIGIN=https://app.example.com", "HTTP_ORIGIN=https://evil.example.com")
    form = {"content_type": "application/x-www-form-urlencoded"}
    seeds["success.txt"] = request(
        "POST", "/s3/success", FORMS["success-simple.txt"],
        directives=['@s3-head=200 1000 image/jpeg "d41d8cd98f00b204e9800998ecf8427e"'], **form)
    seeds["success-too-large.txt"] = request(
        "POST", "/s3/success", FORMS["success-simple.txt"].replace("&etag=%22d41d8cd98f00b204e9800"
                                                                   "998ecf8427e%22", ""),
        directives=["@s3-head=200 30000000 image/jpeg -", "@s3-delete=204"], **form)
    seeds["success-missing.txt"] = request("POST", "/s3/success", FORMS["delete-query.txt"],
                                           directives=["@s3-head=404"], **form)
    seeds["success-s3-down.txt"] = request("POST", "/s3/success", FORMS["delete-query.txt"],
                                           directives=["@s3-head=fail"], **form)
    docs_form = "key=uploads/alice/%s&uuid=%s&name=r.pdf&bucket=docs" % (UUID, UUID)
    seeds["docs-success-webhook.txt"] = request(
        "POST", "/docs/success", docs_form, params=["REMOTE_USER=alice"],
        directives=["@s3-head=200 900 application/pdf \"e\"",
                    '@webhook=200 {"thumbnailUrl":"https://a/b","success":true,"n":[1,{"x":null}]}'],
        **form)
    seeds["docs-success-webhook-500.txt"] = request(
        "POST", "/docs/success", docs_form, params=["REMOTE_USER=alice"],
        directives=["@s3-head=200 10 image/png \"e\"", "@webhook=500 oops"], **form)
    seeds["delete.txt"] = request("DELETE", "/s3/delete/%s?%s" % (UUID, FORMS["delete-query.txt"]),
                                  directives=["@s3-delete=204"])
    seeds["delete-post.txt"] = request("POST", "/s3/delete", FORMS["delete-post.txt"],
                                       directives=["@s3-delete=403"], **form)
    seeds["jwt-success.txt"] = request(
        "POST", "/jwt/success", docs_form,
        directives=["@token=" + compact(token), "@s3-head=200 400 text/plain \"e\"",
                    "@webhook=204 "], **form)
    seeds["docs-delete.txt"] = request(
        "DELETE", "/docs/delete/%s?key=uploads/alice/%s&bucket=docs" % (UUID, UUID),
        params=["REMOTE_USER=alice"], directives=["@s3-delete=fail"])
    seeds["health.txt"] = request("GET", "/health")
    seeds["health-head.txt"] = request("HEAD", "/health")
    seeds["metrics.txt"] = request("GET", "/metrics")
    seeds["not-found.txt"] = request("GET", "/nope<script>")
    seeds["wrong-method.txt"] = request("PUT", "/s3/delete/" + UUID)
    seeds["too-large.txt"] = request("POST", "/s3/signature", "x" * 5000, **sign)
    seeds["length-lies.txt"] = request("POST", "/s3/signature", BODIES["policy-v2-minimal"],
                                       params=["CONTENT_LENGTH=99999999"], **sign)
    seeds["keepalive-three.txt"] = "\n@next\n".join([
        request("GET", "/health", directives=["@keep=1"]),
        request("POST", "/s3/signature", BODIES["rest-v2-part1"], directives=["@keep=1"], **sign),
        request("GET", "/metrics")])
    seeds["raw-keepalive-two.bin"] = (
        raw_request(b"GET", b"/health", keep=True)
        + raw_request(b"POST", b"/s3/signature", BODIES["policy-v2-minimal"].encode(), keep=True))
    seeds["raw-get-values.bin"] = (record(9, nv(b"FCGI_MAX_CONNS", b"") + nv(b"FCGI_MPXS_CONNS", b""),
                                          0) + raw_request(b"GET", b"/health"))
    seeds["raw-multiplexed.bin"] = (raw_request(b"GET", b"/health", request_id=1)[:16]
                                    + raw_request(b"GET", b"/metrics", request_id=2))
    seeds["raw-truncated.bin"] = raw_request(b"POST", b"/s3/signature",
                                             BODIES["policy-v4-example"].encode(),
                                             query=b"v4=true")[:-40]
    return seeds


def main():
    write_target("policy", policy_seeds())
    write_target("rest", rest_seeds())
    write_target("form_urlencoded", FORMS)
    write_target("query", QUERIES)
    write_target("jwt", jwt_seeds())
    write_target("config", config_seeds())
    write_target("request", request_seeds())


if __name__ == "__main__":
    main()
