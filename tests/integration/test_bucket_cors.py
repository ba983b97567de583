"""docs/bucket/: the bucket CORS rules (JSON and XML) and the lifecycle rule, on a real radosgw.

The files are used unchanged (origin https://app.example.com). What a browser would see is checked
with the requests Fine Uploader really makes (fineuploader.py builds them as 5.16.2 does):

* cors.json (boto3 put_bucket_cors) and cors.xml (a raw signed PUT /?cors) are accepted and read
  back as the same rules;
* preflights for every request Fine Uploader sends to S3 (initiate with every optional header,
  part, complete, abort), from the allowed origin, are answered with that origin, the method, the
  requested headers, Expose-Headers ETag and Max-Age; from another origin, with a header that is
  not listed, or for GET, there is no Access-Control-* header at all;
* a real simple upload (form POST) and a real chunked upload (initiate, part, complete) from the
  allowed origin carry Access-Control-Allow-Origin and expose ETag; from another origin they do
  not;
* lifecycle.json is accepted and read back;
* the IAM policies grant exactly what docs/bucket/README.md says.
"""

import base64
import datetime
import hashlib
import json
import re
import unittest
import uuid

import requests

import fineuploader as fu
import harness

DOCS = harness.REPO_ROOT / "docs" / "bucket"
ORIGIN = "https://app.example.com"
OTHER_ORIGIN = "https://evil.example.net"
BUCKET_JSON = "s3us-cors-json"
BUCKET_XML = "s3us-cors-xml"
# Request headers browsers may send without a preflight (CORS-safelisted), for any value we use.
SAFELISTED = {"accept", "accept-language", "content-language"}
SAFELISTED_CONTENT_TYPES = {"application/x-www-form-urlencoded", "multipart/form-data",
                            "text/plain"}

RGW = None
CLIENT = None
SESSION = None
_created = []  # (bucket, key)


def setUpModule():
    global RGW, CLIENT, SESSION
    RGW = harness.rgw()
    CLIENT = RGW.client()
    SESSION = requests.Session()
    for bucket in (BUCKET_JSON, BUCKET_XML):
        RGW.make_bucket(bucket)
        try:
            CLIENT.delete_bucket_cors(Bucket=bucket)
        except CLIENT.exceptions.ClientError:
            pass


def tearDownModule():
    for bucket, key in _created:
        try:
            CLIENT.delete_object(Bucket=bucket, Key=key)
        except CLIENT.exceptions.ClientError:
            pass
    if SESSION is not None:
        SESSION.close()


def json_rules():
    return json.loads((DOCS / "cors.json").read_text())


def put_cors_json(bucket):
    CLIENT.put_bucket_cors(Bucket=bucket, CORSConfiguration=json_rules())


def put_cors_xml(bucket):
    """PUT /<bucket>?cors with cors.xml as the body, byte for byte, signed with SigV4."""
    from botocore.auth import S3SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    body = (DOCS / "cors.xml").read_bytes()
    url = f"{RGW.endpoint}/{bucket}?cors"
    request = AWSRequest(method="PUT", url=url, data=body, headers={
        "Content-MD5": base64.b64encode(hashlib.md5(body).digest()).decode(),
        "Content-Type": "application/xml"})
    S3SigV4Auth(Credentials(RGW.access_key, RGW.secret_key), "s3", "us-east-1").add_auth(request)
    return SESSION.put(url, data=body, headers=dict(request.headers.items()), timeout=30)


def normalised(rules):
    """CORS rules with list order ignored (S3 does not keep the order of methods)."""
    result = []
    for rule in rules:
        result.append({name: sorted(value) if isinstance(value, list) else value
                       for name, value in rule.items()})
    return result


def cors_headers(response):
    return {name.lower(): value for name, value in response.headers.items()
            if name.lower().startswith("access-control-")}


def new_upload(bucket, version=4, **options):
    uid = str(uuid.uuid4())
    key = "uploads/cors/" + fu.Upload.key_for(uid, "photo.jpg")
    _created.append((bucket, key))
    return fu.Upload(bucket=bucket, key=key, access_key=RGW.access_key, version=version,
                     region="us-east-1", host=f"{bucket}.localhost:{RGW.port}",
                     content_type="image/jpeg", file_name="my photo.jpg",
                     min_size=1, max_size=10_000_000, **options)


def now():
    return fu.parse_clock(datetime.datetime.now(datetime.timezone.utc))


def preflight_headers(rest):
    """The Access-Control-Request-Headers a browser sends for this XHR (sorted, lower case)."""
    names = []
    for name, value in rest.http_headers("0" * 64).items():
        lower = name.lower()
        if lower in SAFELISTED:
            continue
        if lower == "content-type" and value.split(";")[0].strip() in SAFELISTED_CONTENT_TYPES:
            continue
        names.append(lower)
    return sorted(names)


class CorsRulesMixin:
    """The checks for one bucket; subclasses put the rules (JSON or XML) in setUpClass."""

    bucket = None

    def url(self, end_of_url=""):
        return f"http://127.0.0.1:{RGW.port}/{end_of_url}"

    def host(self):
        return f"{self.bucket}.localhost:{RGW.port}"

    def preflight(self, end_of_url, method, origin=ORIGIN, request_headers=()):
        headers = {"Host": self.host(), "Access-Control-Request-Method": method}
        if origin is not None:
            headers["Origin"] = origin
        if request_headers:
            headers["Access-Control-Request-Headers"] = ",".join(request_headers)
        return SESSION.options(self.url(end_of_url), headers=headers, timeout=30)

    def assert_allowed(self, response, method, request_headers):
        got = cors_headers(response)
        self.assertEqual(response.status_code, 200, (response.status_code, response.text))
        self.assertEqual(got.get("access-control-allow-origin"), ORIGIN, got)
        self.assertIn(method, [m.strip() for m in
                               got.get("access-control-allow-methods", "").split(",")], got)
        allowed = {h.strip().lower() for h in got.get("access-control-allow-headers", "").split(",")
                   if h.strip()}
        self.assertTrue(set(request_headers) <= allowed, (request_headers, got))
        self.assertIn("etag", got.get("access-control-expose-headers", "").lower(), got)
        self.assertEqual(got.get("access-control-max-age"), "3000", got)

    def assert_refused(self, response):
        self.assertEqual(cors_headers(response), {}, (response.status_code, response.headers))
        self.assertNotEqual(response.status_code, 200)

    def fine_uploader_requests(self):
        """Every REST request of a chunked upload, with every optional header Fine Uploader can
        add to initiate (storage class, encryption, metadata, Cache-Control)."""
        upload = new_upload(self.bucket, reduced_redundancy=True, server_side_encryption=True,
                            params={"category": "holiday photos", "Cache-Control": "max-age=3600"})
        t = now()
        return [fu.initiate(upload, t),
                fu.upload_part(upload, t, "UPLOADID", 1, b"x" * 1024),
                fu.complete(upload, t, "UPLOADID", [(1, '"etag"')]),
                fu.abort(upload, t, "UPLOADID")]

    # --- preflights ------------------------------------------------------------------------------

    def test_preflights_of_every_fine_uploader_request_are_allowed(self):
        for version in (2, 4):
            upload = new_upload(self.bucket, version=version, reduced_redundancy=True,
                                server_side_encryption=True,
                                params={"category": "x", "Cache-Control": "max-age=3600"})
            t = now()
            for rest in (fu.initiate(upload, t), fu.upload_part(upload, t, "U", 1, b"x"),
                         fu.complete(upload, t, "U", [(1, '"e"')]), fu.abort(upload, t, "U")):
                with self.subTest(version=version, operation=rest.operation):
                    wanted = preflight_headers(rest)
                    self.assertIn("authorization", wanted)
                    response = self.preflight(rest.end_of_url, rest.method,
                                              request_headers=wanted)
                    self.assert_allowed(response, rest.method, wanted)

    def test_initiate_asks_for_every_listed_header(self):
        # The rules allow no header Fine Uploader never sends (x-amz-meta-* stands for the
        # metadata names): the union of what the four requests ask for is exactly the list.
        asked = set()
        for rest in self.fine_uploader_requests():
            asked |= set(preflight_headers(rest))
        asked = {"x-amz-meta-*" if name.startswith("x-amz-meta-") else name for name in asked}
        listed = {h.lower() for h in json_rules()["CORSRules"][0]["AllowedHeaders"]}
        self.assertEqual(asked, listed)

    def test_other_origin_gets_no_cors_headers(self):
        rest = self.fine_uploader_requests()[1]
        self.assert_refused(self.preflight(rest.end_of_url, "PUT", origin=OTHER_ORIGIN,
                                           request_headers=preflight_headers(rest)))
        # Not even a prefix or a different scheme or port of the allowed origin.
        for origin in ("http://app.example.com", "https://app.example.com:8443",
                       "https://app.example.com.evil.example.net", "null"):
            with self.subTest(origin=origin):
                self.assert_refused(self.preflight(rest.end_of_url, "PUT", origin=origin,
                                                   request_headers=["authorization"]))

    def test_unlisted_header_or_method_is_refused(self):
        key = "uploads/cors/x.jpg"
        self.assert_refused(self.preflight(key + "?uploads", "POST",
                                           request_headers=["authorization", "x-amz-copy-source"]))
        self.assert_refused(self.preflight(key + "?uploads", "POST",
                                           request_headers=["x-requested-with"]))
        self.assert_refused(self.preflight(key, "GET"))
        self.assert_refused(self.preflight(key, "PATCH"))

    # --- real requests ---------------------------------------------------------------------------

    def test_simple_upload_from_allowed_origin_exposes_etag(self):
        for origin, allowed in ((ORIGIN, True), (OTHER_ORIGIN, False)):
            with self.subTest(origin=origin):
                upload = new_upload(self.bucket)
                t = now()
                signed = fu.sign_body(RGW.secret_key, fu.policy_body(upload, t), v4=True)
                fields = fu.form_fields(upload, t, signed["policy"], signed["signature"])
                data = b"\xff\xd8 a jpeg " + origin.encode()
                response = SESSION.post(
                    self.url(), headers={"Host": self.host(), "Origin": origin}, timeout=30,
                    files=[(n, (None, v)) for n, v in fields]
                    + [("file", ("photo.jpg", data, "image/jpeg"))])
                self.assertEqual(response.status_code, 200, response.text)
                # radosgw 16 sends no ETag on a form upload (AWS does); the part PUTs of the
                # chunked test below show that it is exposed when there is one.
                if "ETag" in response.headers:
                    self.assertEqual(response.headers["ETag"],
                                     '"' + hashlib.md5(data).hexdigest() + '"')
                self.assertEqual(CLIENT.get_object(Bucket=self.bucket, Key=upload.key)
                                 ["Body"].read(), data)
                got = cors_headers(response)
                if allowed:
                    self.assertEqual(got.get("access-control-allow-origin"), ORIGIN, got)
                    self.assertIn("etag", got.get("access-control-expose-headers", "").lower())
                else:
                    self.assertEqual(got, {})

    def test_chunked_upload_from_allowed_origin_exposes_part_etags(self):
        upload = new_upload(self.bucket, params={"category": "holiday photos"})
        t = now()

        def send(rest, body=b""):
            signature = fu.sign_rest_v4(RGW.secret_key, rest.headers_string)[1]
            headers = dict(rest.http_headers(signature), Host=self.host(), Origin=ORIGIN)
            response = SESSION.request(rest.method, self.url(rest.end_of_url), data=body,
                                       headers=headers, timeout=30)
            self.assertIn(response.status_code, (200, 204), (rest.operation, response.text))
            got = cors_headers(response)
            self.assertEqual(got.get("access-control-allow-origin"), ORIGIN,
                             (rest.operation, got))
            return response

        answer = send(fu.initiate(upload, t))
        upload_id = re.search(r"<UploadId>([^<]+)</UploadId>", answer.text).group(1)
        chunk = b"\x89PNG chunk" * 100
        part = send(fu.upload_part(upload, t, upload_id, 1, chunk), chunk)
        self.assertEqual(part.headers.get("ETag"), '"' + hashlib.md5(chunk).hexdigest() + '"')
        self.assertIn("etag", cors_headers(part).get("access-control-expose-headers", "").lower())
        complete = fu.complete(upload, t, upload_id, [(1, part.headers["ETag"])])
        send(complete, complete.payload)
        self.assertEqual(CLIENT.get_object(Bucket=self.bucket, Key=upload.key)["Body"].read(),
                         chunk)
        # And an abort of another upload (a cancelled file).
        other = new_upload(self.bucket)
        answer = send(fu.initiate(other, t))
        upload_id = re.search(r"<UploadId>([^<]+)</UploadId>", answer.text).group(1)
        send(fu.abort(other, t, upload_id))


class CorsJsonTest(CorsRulesMixin, unittest.TestCase):
    bucket = BUCKET_JSON

    @classmethod
    def setUpClass(cls):
        put_cors_json(cls.bucket)

    def test_rules_read_back_as_written(self):
        got = CLIENT.get_bucket_cors(Bucket=self.bucket)["CORSRules"]
        self.assertEqual(normalised(got), normalised(json_rules()["CORSRules"]))


class CorsXmlTest(CorsRulesMixin, unittest.TestCase):
    bucket = BUCKET_XML

    @classmethod
    def setUpClass(cls):
        response = put_cors_xml(cls.bucket)
        if response.status_code != 200:
            raise AssertionError(f"PUT ?cors with cors.xml: {response.status_code} "
                                 f"{response.text}")

    def test_xml_says_the_same_as_json(self):
        got = CLIENT.get_bucket_cors(Bucket=self.bucket)["CORSRules"]
        self.assertEqual(normalised(got), normalised(json_rules()["CORSRules"]))


class LifecycleTest(unittest.TestCase):
    def test_lifecycle_rule_is_accepted(self):
        bucket = RGW.make_bucket("s3us-lifecycle")
        rules = json.loads((DOCS / "lifecycle.json").read_text())
        CLIENT.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration=rules)
        got = CLIENT.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
        self.assertEqual(got, rules["Rules"])
        self.assertEqual(got[0]["AbortIncompleteMultipartUpload"], {"DaysAfterInitiation": 1})


class IamPolicyTest(unittest.TestCase):
    """The policies are valid JSON and grant exactly what docs/bucket/README.md says."""

    def load(self, name):
        document = json.loads((DOCS / name).read_text())
        self.assertEqual(document["Version"], "2012-10-17")
        return document["Statement"]

    def test_signing_key_may_only_put_and_abort_under_the_prefix(self):
        (statement,) = self.load("iam-signing-key-policy.json")
        self.assertEqual(statement["Effect"], "Allow")
        self.assertEqual(sorted(statement["Action"]), ["s3:AbortMultipartUpload", "s3:PutObject"])
        self.assertEqual(statement["Resource"], "arn:aws:s3:::mybucket/uploads/*")

    def test_server_key_may_only_read_and_delete_under_the_prefix(self):
        (statement,) = self.load("iam-server-key-policy.json")
        self.assertEqual(statement["Effect"], "Allow")
        self.assertEqual(sorted(statement["Action"]), ["s3:DeleteObject", "s3:GetObject"])
        self.assertEqual(statement["Resource"], "arn:aws:s3:::mybucket/uploads/*")

    def test_readme_statements_are_valid_json(self):
        readme = (DOCS / "README.md").read_text()
        blocks = re.findall(r"```json\n(.*?)```", readme, re.S)
        self.assertEqual(len(blocks), 2)
        actions = [json.loads(block)["Action"] for block in blocks]
        self.assertEqual(actions, ["s3:PutObjectAcl", "s3:ListBucket"])


if __name__ == "__main__":
    unittest.main()
