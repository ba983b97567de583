"""The Fine Uploader model (fineuploader.py) against the protocol document's exact bodies.

Every body in tests/data/fineuploader/vectors.json is rebuilt byte for byte from the document's
inputs (clock 2024-05-01T12:00:00Z, uuid a5d3c3c2-..., the example configuration of section 0),
and the reference signer reproduces every signature and canonical-request hash. Needs no binary
and no S3: it validates the port that the radosgw and botocore tests rely on.
"""

import base64
import hashlib
import json
import pathlib
import unittest

import fineuploader as fu

HERE = pathlib.Path(__file__).resolve().parent
VECTORS_PATH = HERE.parent / "data" / "fineuploader" / "vectors.json"

CLOCK = "2024-05-01T12:00:00Z"
UUID = "a5d3c3c2-5b1e-4c43-9f1e-2d0c8a7b6e41"
SECRET = fu.EXAMPLE_SECRET
UPLOAD_ID = "UPLOADID123"
FILE_NAME = "my photo (1).jpg"


def doc_upload(version, **changes):
    """The configuration of the document's examples (section 0)."""
    spec = dict(
        bucket="mybucket", host="mybucket.s3.amazonaws.com", key=fu.Upload.key_for(UUID, FILE_NAME),
        access_key=fu.EXAMPLE_ACCESS_KEY, version=version,
        region="eu-west-1", acl="public-read", content_type="image/jpeg",
        params={"Category": "holiday photos", "Cache-Control": "max-age=3600"},
        file_name=FILE_NAME, min_size=1, max_size=20000000, reduced_redundancy=True,
        server_side_encryption=True)
    spec.update(changes)
    return fu.Upload(**spec)


def minimal_upload(version, **changes):
    spec = dict(bucket="mybucket", key=fu.Upload.key_for(UUID, FILE_NAME), version=version,
                content_type="image/jpeg", file_name=FILE_NAME, min_size=1, max_size=20000000)
    spec.update(changes)
    return fu.Upload(**spec)


ETAGS = [(1, '"etag-part-1"'), (2, '"etag-part-2"')]
PART1 = b"a" * 5242880
PART2 = b"a" * 1048576


def rest_body(version, op, part=1):
    u = doc_upload(version)
    if op == "initiate":
        return fu.initiate(u, CLOCK).body
    if op == "part":
        return fu.upload_part(u, CLOCK, UPLOAD_ID, part, PART1 if part == 1 else PART2).body
    if op == "complete":
        return fu.complete(u, CLOCK, UPLOAD_ID, ETAGS).body
    return fu.abort(u, CLOCK, UPLOAD_ID).body


# vector name -> how the model produces that body from the document's inputs
MODEL = {
    "policy-v2-example": lambda: fu.policy_body(doc_upload(2), CLOCK),
    "policy-v4-example": lambda: fu.policy_body(doc_upload(4), CLOCK),
    "policy-v2-minimal": lambda: fu.policy_body(minimal_upload(2), CLOCK),
    "policy-v4-iframe": lambda: fu.policy_body(fu.Upload(
        bucket="mybucket", key="3f1c1f7e-uuid.jpg", version=4, region="us-east-1",
        file_name="my photo.jpg", content_type=None, expected_status=None,
        success_redirect="https://app.example.com/success.html"), CLOCK),
    "policy-v2-prefixed-key": lambda: fu.policy_body(
        minimal_upload(2, key="uploads/test file+1.jpg"), CLOCK),
    "policy-v4-prefixed-key": lambda: fu.policy_body(
        minimal_upload(4, key="uploads/test file+1.jpg", region="us-east-1"), CLOCK),
    "rest-v2-initiate": lambda: rest_body(2, "initiate"),
    "rest-v2-part1": lambda: rest_body(2, "part", 1),
    "rest-v2-part2": lambda: rest_body(2, "part", 2),
    "rest-v2-complete": lambda: rest_body(2, "complete"),
    "rest-v2-abort": lambda: rest_body(2, "abort"),
    "rest-v4-initiate": lambda: rest_body(4, "initiate"),
    "rest-v4-part1": lambda: rest_body(4, "part", 1),
    "rest-v4-part2": lambda: rest_body(4, "part", 2),
    "rest-v4-complete": lambda: rest_body(4, "complete"),
    "rest-v4-abort": lambda: rest_body(4, "abort"),
}
# Not a Fine Uploader request (AWS's own GET Object example): signer only.
SIGNER_ONLY = {"rest-v4-aws-get-range-example"}


def load_vectors():
    with open(VECTORS_PATH, encoding="utf-8") as f:
        return json.load(f)


class VectorFileTest(unittest.TestCase):
    def test_shape_is_the_simple_list_the_cpp_test_reads(self):
        vectors = load_vectors()
        self.assertIsInstance(vectors, list)
        names = set()
        for v in vectors:
            with self.subTest(v.get("name")):
                self.assertIn(v["kind"], ("policy", "rest"))
                self.assertIn(v["version"], (2, 4))
                self.assertIsInstance(v["body"], str)
                self.assertIsInstance(v["signature"], str)
                self.assertNotIn(v["name"], names)
                names.add(v["name"])
                if v["kind"] == "rest" and v["version"] == 4:
                    self.assertRegex(v["canonical_hash"], r"^[0-9a-f]{64}$")
                else:
                    self.assertNotIn("canonical_hash", v)
                if v["kind"] == "rest":
                    self.assertEqual(list(json.loads(v["body"])), ["headers"])
        self.assertEqual(names, set(MODEL) | SIGNER_ONLY)

    def test_signatures_printed_in_the_document_are_all_there(self):
        printed = {
            "y3jSmdR4yxAbKcDfd+EnbLLDEqQ=", "2aef136a1afbc770687ff6bbf2b45af9b85d94da98afaa3923918fb43f1aea9f",
            "T9i7D0gTR/IfeT92WuYK/kcyJdU=", "1421427d98ce854ceeb97d46c6c48dde29ac7f1251b777eaff395dad240c6dc3",
            "u2a2LfcGeeIao9mxRSYrOUsVXLs=", "eNJuG5gH5bET++AlOZPHiVwARyQ=", "6sRWud1pQE4OvmZVNlXpFn0t4mw=",
            "f7chGl2Gzcq2zcSnXXxXMaNtsE4=", "Zo/WqCwetb4dguqUhYfKVRucekg=",
            "8f5a3d47f4eb67379f110db6674211fc9ddfd8e1288384236de72123627ca5b0",
            "e530859fdf970c46071cb2df1a48660d0de4f887c3a2398b2acd2230a88923f2",
            "7372730f9d390935d3d44e466748843c2463bbe16ed008a99a3127568f3bfcec",
            "3ea5a28e1ec452486b7119e3e542c165c4c2450f253847a3671452ffc8a66bb9",
            "623e1afca9a2888490b56740b6f5ee2a2e2d0f990a5f8547b5d905c79a6da220",
            "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41",
        }
        in_file = {v["signature"] for v in load_vectors() if v["signature_source"] == "doc"}
        self.assertEqual(in_file, printed)


class ModelReproducesBodiesTest(unittest.TestCase):
    def test_every_body_byte_for_byte(self):
        for v in load_vectors():
            if v["name"] in SIGNER_ONLY:
                continue
            with self.subTest(v["name"]):
                self.assertEqual(MODEL[v["name"]](), v["body"])

    def test_changed_input_changes_body(self):
        # negative control: the comparison above can fail
        self.assertNotEqual(fu.policy_body(doc_upload(2, acl="private"), CLOCK),
                            MODEL["policy-v2-example"]())
        self.assertNotEqual(fu.policy_body(doc_upload(4), "2024-05-01T12:00:00.001Z"),
                            MODEL["policy-v4-example"]())
        self.assertNotEqual(fu.upload_part(doc_upload(4), CLOCK, UPLOAD_ID, 1, PART1 + b"a").body,
                            MODEL["rest-v4-part1"]())


class ReferenceSignerTest(unittest.TestCase):
    def test_every_signature_and_canonical_hash(self):
        for v in load_vectors():
            with self.subTest(v["name"]):
                if v["kind"] == "policy":
                    b64 = base64.b64encode(v["body"].encode("utf-8")).decode()
                    sig = (fu.sign_policy_v2 if v["version"] == 2 else fu.sign_policy_v4)(SECRET, b64)
                    self.assertEqual(sig, v["signature"])
                    self.assertEqual(fu.sign_body(SECRET, v["body"], v["version"] == 4),
                                     {"policy": b64, "signature": v["signature"]})
                else:
                    headers = json.loads(v["body"])["headers"]
                    if v["version"] == 2:
                        self.assertEqual(fu.sign_rest_v2(SECRET, headers), v["signature"])
                    else:
                        self.assertEqual(fu.sign_rest_v4(SECRET, headers),
                                         (v["canonical_hash"], v["signature"]))
                    self.assertEqual(fu.sign_body(SECRET, v["body"], v["version"] == 4),
                                     {"signature": v["signature"]})

    def test_wrong_secret_gives_other_signatures(self):
        for v in load_vectors():
            with self.subTest(v["name"]):
                other = fu.sign_body(SECRET[:-1] + "X", v["body"], v["version"] == 4)
                self.assertNotEqual(other["signature"], v["signature"])

    def test_v4_policy_key_comes_from_credential(self):
        body = MODEL["policy-v4-example"]()
        b64 = base64.b64encode(body.encode()).decode()
        self.assertEqual(fu.sign_policy_v4(SECRET, b64),
                         fu.sign_policy_v4(SECRET, b64, "20240501", "eu-west-1"))
        self.assertNotEqual(fu.sign_policy_v4(SECRET, b64),
                            fu.sign_policy_v4(SECRET, b64, "20240501", "us-east-1"))

    def test_model_string_to_sign_is_the_hashed_form(self):
        # what the in-browser signer would sign == what the server must sign
        for op in ("initiate", "part", "complete", "abort"):
            u = doc_upload(4)
            req = {"initiate": lambda: fu.initiate(u, CLOCK),
                   "part": lambda: fu.upload_part(u, CLOCK, UPLOAD_ID, 1, PART1),
                   "complete": lambda: fu.complete(u, CLOCK, UPLOAD_ID, ETAGS),
                   "abort": lambda: fu.abort(u, CLOCK, UPLOAD_ID)}[op]()
            head = req.headers_string.split("\n", 3)
            self.assertEqual(req.string_to_sign, "\n".join(head[:3]) + "\n"
                             + hashlib.sha256(head[3].encode()).hexdigest())


class EncodingDetailsTest(unittest.TestCase):
    def test_uri_escape_path_examples_of_section_4_2(self):
        self.assertEqual(fu.uri_escape_path("dir/ü file's (1)*!~.jpg"),
                         "dir/%C3%BC%20file%27s%20%281%29%2A%21~.jpg")
        self.assertEqual(fu.uri_escape_path("uploads/test file+1.jpg"), "uploads/test%20file%2B1.jpg")

    def test_encode_uri_component(self):
        self.assertEqual(fu.encode_uri_component(FILE_NAME), "my%20photo%20(1).jpg")
        self.assertEqual(fu.encode_uri_component("a+b/c?d=e&f#g'!*~"), "a%2Bb%2Fc%3Fd%3De%26f%23g'!*~")
        self.assertEqual(fu.encode_uri_component("é€😀"), "%C3%A9%E2%82%AC%F0%9F%98%80")
        with self.assertRaises(ValueError):
            fu.encode_uri_component("\ud800")

    def test_js_stringify(self):
        self.assertEqual(fu.js_stringify({"b": 1, "a": ["x", True, None], "2": "n", "1": "m"}),
                         '{"1":"m","2":"n","b":1,"a":["x",true,null]}')
        self.assertEqual(fu.js_stringify("q\"\\/\n\x01\x7fé\ud800"), '"q\\"\\\\/\\n\\u0001\x7fé\\ud800"')

    def test_dates(self):
        t = fu.parse_clock("2024-05-01T02:03:04.5678Z")
        self.assertEqual(fu.iso_ms(t), "2024-05-01T02:03:04.567Z")
        self.assertEqual(fu.v4_date(t), "20240501T020304Z")
        self.assertEqual(fu.utc_string(t), "Wed, 01 May 2024 02:03:04 GMT")

    def test_params_lower_cased_except_case_sensitive(self):
        self.assertEqual(list(fu.normalise_params({"Category": 1, "Cache-Control": "x", "Foo-Bar": "y"})),
                         ["category", "Cache-Control", "foo-bar"])

    def test_size_limit_defaults(self):
        only_min = json.loads(fu.policy_body(minimal_upload(2, max_size=0), CLOCK))
        self.assertEqual(only_min["conditions"][-1], ["content-length-range", "1", "9007199254740992"])
        none = json.loads(fu.policy_body(minimal_upload(2, min_size=0, max_size=0), CLOCK))
        self.assertIsInstance(none["conditions"][-1], dict)

    def test_clock_drift_midnight_quirk(self):
        # section 3.2: credential date from the unadjusted clock, x-amz-date drift-adjusted
        u = minimal_upload(4, clock_drift_ms=120_000)
        conds = json.loads(fu.policy_body(u, "2024-05-01T23:59:00Z"))["conditions"]
        flat = {k: v for c in conds if isinstance(c, dict) for k, v in c.items()}
        self.assertEqual(flat["x-amz-credential"], "AKIAIOSFODNN7EXAMPLE/20240501/us-east-1/s3/aws4_request")
        self.assertEqual(flat["x-amz-date"], "20240502T000100Z")

    def test_form_fields_order_section_3_6(self):
        names = [n for n, _ in fu.form_fields(doc_upload(4), CLOCK, "P", "S")]
        self.assertEqual(names, [
            "key", "Content-Type", "success_action_status", "x-amz-storage-class",
            "x-amz-server-side-encryption", "acl", "x-amz-meta-category", "Cache-Control",
            "x-amz-meta-qqfilename", "x-amz-algorithm", "x-amz-credential", "x-amz-date",
            "policy", "x-amz-signature"])
        v2 = dict(fu.form_fields(doc_upload(2), CLOCK, "P", "S"))
        self.assertEqual((v2["AWSAccessKeyId"], v2["policy"], v2["signature"]),
                         (fu.EXAMPLE_ACCESS_KEY, "P", "S"))
        self.assertEqual(v2["x-amz-meta-qqfilename"], "my%20photo%20(1).jpg")

    def test_authorization_headers_section_4_6(self):
        part = fu.upload_part(doc_upload(4), CLOCK, UPLOAD_ID, 1, b"x")
        self.assertEqual(part.authorization("abc"),
                         "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20240501/eu-west-1/"
                         "s3/aws4_request,SignedHeaders=host;x-amz-content-sha256;x-amz-date,Signature=abc")
        self.assertEqual(part.http_headers("abc")["Content-Type"], "")
        self.assertEqual(fu.abort(doc_upload(2), CLOCK, UPLOAD_ID).authorization("s"),
                         "AWS AKIAIOSFODNN7EXAMPLE:s")

    def test_initiate_sends_unsigned_headers_too(self):
        init = fu.initiate(doc_upload(4), CLOCK)
        sent = init.http_headers("sig")
        self.assertEqual(sent["Cache-Control"], "max-age=3600")  # sent, never signed
        self.assertEqual(sent["Content-Type"], "image/jpeg")  # v4: sent, not signed
        self.assertNotIn("cache-control", init.headers_string)
        self.assertNotIn("Host", sent)
        self.assertEqual(init.url("https://mybucket.s3.amazonaws.com"),
                         "https://mybucket.s3.amazonaws.com/" + UUID + ".jpg?uploads")

    def test_complete_body(self):
        self.assertEqual(fu.complete_body([(2, '"b"'), (1, '"a&"')]),
                         b'<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>"a&amp;"</ETag>'
                         b'</Part><Part><PartNumber>2</PartNumber><ETag>"b"</ETag></Part></CompleteMultipartUpload>')


if __name__ == "__main__":
    unittest.main()
