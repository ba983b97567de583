"""The responder over FastCGI, with the real client cgi-fcgi: dispatch, errors, signing, logging.

Expected signatures are computed here independently (hmac/hashlib/base64, protocol document
sections 3.5 and 4.5), never taken from the responder.
"""

import base64
import email.utils
import hashlib
import json
import time
import unittest
import uuid
from datetime import datetime, timedelta, timezone

import harness
from harness import Responder, profile_yaml

BUCKET = "itest"
HOST = "itest.localhost:7580"  # profile_yaml()'s default host
REGION = "us-east-1"
EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


# ------------------------------------------------------------------------------------------------
# Fine Uploader requests, as the 5.16.2 client builds them (protocol document sections 3 and 4)
# ------------------------------------------------------------------------------------------------


def utcnow():
    return datetime.now(timezone.utc)


def new_key(ext="jpg"):
    return f"{uuid.uuid4()}.{ext}"


def policy_v2(key=None, content_type="image/jpeg", acl="private", bucket=BUCKET, now=None,
              extra=(), size=("1", "20000000")):
    """The body Fine Uploader POSTs for a v2 policy (compact JSON text)."""
    now = now or utcnow()
    conditions = [{"acl": acl}, {"bucket": bucket}]
    if content_type is not None:
        conditions.append({"Content-Type": content_type})
    conditions += [{"success_action_status": "200"}, {"key": key or new_key()}]
    conditions += list(extra)
    conditions.append({"x-amz-meta-qqfilename": "my%20photo%20(1).jpg"})
    if size:
        conditions.append(["content-length-range", size[0], size[1]])
    return _compact({"expiration": _expiration(now), "conditions": conditions})


def policy_v4(key=None, content_type="image/jpeg", acl="private", bucket=BUCKET, now=None,
              access_key=None, region=REGION, extra=(), size=("1", "20000000")):
    """The body Fine Uploader POSTs for a v4 policy (to ...?v4=true)."""
    now = now or utcnow()
    access_key = access_key or harness.current_access_key()
    conditions = [{"acl": acl}, {"bucket": bucket}]
    if content_type is not None:
        conditions.append({"Content-Type": content_type})
    conditions += [
        {"success_action_status": "200"},
        {"x-amz-algorithm": "AWS4-HMAC-SHA256"},
        {"key": key or new_key()},
        {"x-amz-credential": f"{access_key}/{now:%Y%m%d}/{region}/s3/aws4_request"},
        {"x-amz-date": f"{now:%Y%m%dT%H%M%SZ}"},
    ]
    conditions += list(extra)
    conditions.append({"x-amz-meta-qqfilename": "my%20photo%20(1).jpg"})
    if size:
        conditions.append(["content-length-range", size[0], size[1]])
    return _compact({"expiration": _expiration(now), "conditions": conditions})


def _expiration(now):
    return (now + timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _compact(value):
    return json.dumps(value, separators=(",", ":"))


def rest_v2(operation, key, now=None, upload_id="UPLOADID123", part=1, bucket=BUCKET,
            acl="private"):
    """The v2 "headers" string (a finished StringToSign) for one multipart operation."""
    date = email.utils.formatdate(timeval=(now or utcnow()).timestamp(), usegmt=True)
    resource = f"/{bucket}/{key}"
    if operation == "initiate":
        return (f"POST\n\nimage/jpeg\n\nx-amz-acl:{acl}\nx-amz-date:{date}\n"
                f"x-amz-meta-qqfilename:my%20photo%20(1).jpg\n{resource}?uploads")
    if operation == "part":
        return f"PUT\n\n\n\nx-amz-date:{date}\n{resource}?partNumber={part}&uploadId={upload_id}"
    if operation == "complete":
        return (f"POST\n\napplication/xml; charset=UTF-8\n\nx-amz-date:{date}\n"
                f"{resource}?uploadId={upload_id}")
    if operation == "abort":
        return f"DELETE\n\n\n\nx-amz-date:{date}\n{resource}?uploadId={upload_id}"
    raise ValueError(operation)


def rest_v4(operation, key, now=None, upload_id="UPLOADID123", part=1, host=HOST,
            region=REGION, acl="private", payload=b"a" * 1024, method=None):
    """The v4 "headers" string: 3 lines, then the raw canonical request (section 4.4)."""
    now = now or utcnow()
    amz_date = f"{now:%Y%m%dT%H%M%SZ}"
    scope = f"{now:%Y%m%d}/{region}/s3/aws4_request"
    if operation == "initiate":
        verb, query, payload_hash = "POST", "uploads=", EMPTY_SHA256
        headers = [("host", host), ("x-amz-acl", acl), ("x-amz-content-sha256", payload_hash),
                   ("x-amz-date", amz_date),
                   ("x-amz-meta-qqfilename", "my%20photo%20(1).jpg")]
    else:
        if operation == "part":
            verb, query = "PUT", f"partNumber={part}&uploadId={upload_id}"
            payload_hash = hashlib.sha256(payload).hexdigest()
        elif operation == "complete":
            verb, query = "POST", f"uploadId={upload_id}"
            xml = (f'<CompleteMultipartUpload><Part><PartNumber>1</PartNumber>'
                   f'<ETag>"{hashlib.md5(payload).hexdigest()}"</ETag></Part>'
                   f'</CompleteMultipartUpload>').encode()
            payload_hash = hashlib.sha256(xml).hexdigest()
        elif operation == "abort":
            verb, query, payload_hash = "DELETE", f"uploadId={upload_id}", EMPTY_SHA256
        else:
            raise ValueError(operation)
        headers = [("host", host), ("x-amz-content-sha256", payload_hash),
                   ("x-amz-date", amz_date)]
    canonical = "\n".join([method or verb, "/" + key, query]
                          + [f"{n}:{v}" for n, v in headers]
                          + ["", ";".join(n for n, _ in headers), payload_hash])
    return f"AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{canonical}"


def expected_policy_signature(secret, policy_b64, version, day=None):
    if version == 2:
        return harness.sign_v2(secret, policy_b64)
    return harness.sign_v4(secret, day, REGION, policy_b64)


# ------------------------------------------------------------------------------------------------


class JsonAssertions:
    """Every response must be JSON with Content-Type application/json."""

    def call(self, responder, method, path, **kwargs):
        response = responder.request(method, path, **kwargs)
        sent = getattr(self, "sent_by_responder", None)
        if sent is not None:
            sent[responder.pid] = sent.get(responder.pid, 0) + 1
        self.assertIn("application/json", response.headers.get("content-type", ""),
                      f"{method} {path}: {response}")
        try:
            response.json()
        except ValueError:
            self.fail(f"{method} {path}: the body is not JSON: {response.body[:500]!r}")
        self.returned_signatures.extend(
            [response.json()["signature"]] if isinstance(response.json(), dict) and
            isinstance(response.json().get("signature"), str) else [])
        return response

    def sign(self, responder, body, v4=False, **kwargs):
        return self.call(responder, "POST", "/s3/signature", query="v4=true" if v4 else "",
                         body=body, **kwargs)

    def assert_invalid(self, response):
        self.assertEqual(response.status, 500, response)
        self.assertEqual(response.json(), {"invalid": True}, response)


class DispatchTest(JsonAssertions, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.responder = Responder(profile_yaml())

    @classmethod
    def tearDownClass(cls):
        cls.responder.stop()

    def setUp(self):
        self.returned_signatures = []

    def test_health(self):
        response = self.call(self.responder, "GET", "/health")
        self.assertEqual(response.status, 200, response)
        body = response.json()
        self.assertEqual(body.get("status"), "ok", body)
        self.assertIsInstance(body.get("version"), str)
        self.assertTrue(body["version"], body)
        self.assertIsInstance(body.get("generation"), int, body)
        self.assertGreaterEqual(body["generation"], 1)

    def test_unknown_path_is_404_json(self):
        for path in ("/nope", "/s3/signaturex", "/s3", "/"):
            response = self.call(self.responder, "GET", path)
            self.assertEqual(response.status, 404, response)
            self.assertIsInstance(response.json().get("error"), str, response)

    def test_404_never_echoes_input_unescaped(self):
        path = '/x"}<script>alert(1)</script>\\\x01'
        response = self.call(self.responder, "GET", path, query='a="<b>')
        self.assertEqual(response.status, 404, response)
        self.assertNotIn(b"\x01", response.body)  # control characters escaped, if echoed at all

    def test_wrong_method_is_405_with_allow(self):
        for method in ("GET", "PUT", "DELETE"):
            response = self.call(self.responder, method, "/s3/signature")
            self.assertEqual(response.status, 405, response)
            self.assertIn("POST", response.headers.get("allow", ""), response)
            self.assertIsInstance(response.json().get("error"), str, response)
        response = self.call(self.responder, "POST", "/health", body=b"{}")
        self.assertEqual(response.status, 405, response)
        self.assertIn("GET", response.headers.get("allow", ""), response)

    def test_delete_route_prefix(self):
        # The route is known (prefix /s3/delete/*): not 404, not 405, whatever the handler says.
        response = self.call(self.responder, "DELETE", f"/s3/delete/{uuid.uuid4()}",
                             query="key=a.jpg&bucket=itest")
        self.assertNotIn(response.status, (404, 405), response)

    def test_malformed_json_is_400(self):
        for body in (b'{"expiration": ', b"not json", b'{"headers": "x"', b"\xff\xfe{}"):
            response = self.sign(self.responder, body)
            self.assertEqual(response.status, 400, f"{body!r}: {response}")
            self.assertIsInstance(response.json().get("error"), str, response)

    def test_empty_body_is_refused(self):
        response = self.sign(self.responder, b"")
        self.assertIn(response.status, (400, 500), response)
        self.assertNotIn("signature", response.json())


class BodyLimitTest(JsonAssertions, unittest.TestCase):
    def setUp(self):
        self.returned_signatures = []

    def test_body_over_limit_is_413(self):
        with Responder(profile_yaml(server={"max_body_size": "1KiB"})) as r:
            body = policy_v2(extra=[{"x-amz-meta-category": "x" * 1200}])
            self.assertGreater(len(body), 1024)
            response = self.sign(r, body)
            self.assertEqual(response.status, 413, response)
            self.assertIsInstance(response.json().get("error"), str, response)
            # A body just under the limit is read and judged normally; the server still serves.
            response = self.sign(r, policy_v2())
            self.assertEqual(response.status, 200, response)
            self.assertEqual(self.call(r, "GET", "/health").status, 200)

    def test_large_body_over_default_limit(self):
        with Responder(profile_yaml()) as r:
            response = self.sign(r, b"{" + b" " * (200 * 1024) + b"}")
            self.assertEqual(response.status, 413, response)
            self.assertEqual(self.call(r, "GET", "/health").status, 200)


class SigningTest(JsonAssertions, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.responder = Responder(profile_yaml())
        cls.signatures = []  # every signature any test of this class got back
        cls.sent_by_responder = {}  # requests sent, per responder pid

    @classmethod
    def tearDownClass(cls):
        cls.responder.stop()
        log = cls.responder.log_text()
        if cls.responder.secret in log:
            raise AssertionError("the secret appears in the responder's log")
        leaked = [s for s in cls.signatures if s in log]
        if leaked:
            raise AssertionError(f"{len(leaked)} whole signatures appear in the log: {leaked[:3]}")

    def setUp(self):
        self.returned_signatures = self.signatures

    def check_policy(self, body, version):
        response = self.sign(self.responder, body, v4=(version == 4))
        self.assertEqual(response.status, 200, response)
        answer = response.json()
        self.assertEqual(set(answer), {"policy", "signature"}, answer)
        decoded = base64.b64decode(answer["policy"], validate=True)
        self.assertEqual(json.loads(decoded), json.loads(body),
                         "the signed policy differs from the one sent")
        day = None
        if version == 4:
            credential = [c["x-amz-credential"] for c in json.loads(body)["conditions"]
                          if isinstance(c, dict) and "x-amz-credential" in c][0]
            day = credential.split("/")[1]
        self.assertEqual(answer["signature"],
                         expected_policy_signature(self.responder.secret, answer["policy"],
                                                   version, day))
        return answer

    def test_policy_v2(self):
        answer = self.check_policy(policy_v2(), 2)
        self.assertRegex(answer["signature"], r"^[A-Za-z0-9+/]{27}=$")

    def test_policy_v4(self):
        answer = self.check_policy(policy_v4(), 4)
        self.assertRegex(answer["signature"], r"^[0-9a-f]{64}$")

    def test_policy_v4_full_fine_uploader_options(self):
        # Section 3.3's "everything on" body, adapted to the test profile.
        extra = [{"x-amz-meta-category": "holiday%20photos"}, {"Cache-Control": "max-age=3600"}]
        body = policy_v4(acl="public-read", extra=extra)
        body = body.replace('{"success_action_status":"200"},',
                            '{"success_action_status":"200"},'
                            '{"x-amz-storage-class":"REDUCED_REDUNDANCY"},'
                            '{"x-amz-server-side-encryption":"AES256"},')
        self.check_policy(body, 4)

    def test_rest_v4_four_operations(self):
        key = new_key()
        for operation in ("initiate", "part", "complete", "abort"):
            headers = rest_v4(operation, key)
            response = self.sign(self.responder, json.dumps({"headers": headers}), v4=True)
            self.assertEqual(response.status, 200, f"{operation}: {response}\n"
                                                   f"{self.responder.log_text()[-1500:]}")
            self.assertEqual(response.json(),
                             {"signature": harness.sign_v4_rest(self.responder.secret,
                                                                headers)}, operation)

    def test_rest_v2_four_operations(self):
        key = new_key()
        for operation in ("initiate", "part", "complete", "abort"):
            headers = rest_v2(operation, key)
            response = self.sign(self.responder, json.dumps({"headers": headers}))
            self.assertEqual(response.status, 200, f"{operation}: {response}\n"
                                                   f"{self.responder.log_text()[-1500:]}")
            self.assertEqual(response.json(),
                             {"signature": harness.sign_v2(self.responder.secret, headers)},
                             operation)

    def test_rest_v4_part_numbers(self):
        key = new_key()
        for part in (1, 2, 10000):
            headers = rest_v4("part", key, part=part)
            response = self.sign(self.responder, json.dumps({"headers": headers}), v4=True)
            self.assertEqual(response.status, 200, response)

    # --- refusals: HTTP 500 {"invalid": true}, the rule in the log ---------------------------
    def assert_refused(self, body, v4, rule_prefix, rule_contains=None):
        response = self.sign(self.responder, body, v4=v4)
        self.assert_invalid(response)
        # Requests are sequential and each writes one line (after its answer): the line of this
        # request is the n-th, once there are n.
        n = self.sent_by_responder[self.responder.pid]
        deadline = time.monotonic() + 5
        while True:
            lines = harness.request_log_lines(self.responder.log_text())
            if len(lines) >= n:
                break
            if time.monotonic() > deadline:
                self.fail(f"{len(lines)} request log lines for {n} requests:\n"
                          f"{self.responder.log_text()[-2000:]}")
            time.sleep(0.02)
        line = lines[n - 1]
        self.assertIn("refused", line, line["_line"])
        self.assertEqual(line["status"], "500", line["_line"])
        self.assertTrue(line["refused"].startswith(rule_prefix), line["_line"])
        if rule_contains:
            self.assertIn(rule_contains, line["refused"], line["_line"])
        return line

    def test_refused_acl(self):
        self.assert_refused(policy_v2(acl="public-read-write"), False, "policy.", "acl")
        self.assert_refused(policy_v4(acl="authenticated-read"), True, "policy.", "acl")

    def test_refused_bucket(self):
        self.assert_refused(policy_v4(bucket="otherbucket"), True, "policy.", "bucket")

    def test_refused_starts_with(self):
        body = json.loads(policy_v2())
        body["conditions"].append(["starts-with", "$key", ""])
        self.assert_refused(_compact(body), False, "policy.")

    def test_refused_content_type(self):
        self.assert_refused(policy_v2(content_type="text/html"), False, "policy.")

    def test_refused_size(self):
        self.assert_refused(policy_v2(size=("1", "20000001")), False, "policy.")

    def test_refused_expired_and_too_distant(self):
        old = utcnow() - timedelta(hours=1)
        self.assert_refused(policy_v2(now=old), False, "policy.")
        body = json.loads(policy_v2())
        body["expiration"] = (utcnow() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        self.assert_refused(_compact(body), False, "policy.")

    def test_refused_wrong_access_key(self):
        self.assert_refused(policy_v4(access_key="AKIDSOMEONEELSE00000"), True, "policy.")

    def test_refused_v4_body_without_v4_flag(self):
        response = self.sign(self.responder, policy_v4(), v4=False)
        self.assert_invalid(response)

    def test_refused_rest_v4_get_and_other_host(self):
        key = new_key()
        self.assert_refused(json.dumps({"headers": rest_v4("abort", key, method="GET")}), True,
                            "rest.")
        self.assert_refused(json.dumps({"headers": rest_v4("part", key, host="evil.example")}),
                            True, "rest.", "host")

    def test_refused_rest_v2_other_bucket(self):
        self.assert_refused(json.dumps({"headers": rest_v2("part", new_key(), bucket="other")}),
                            False, "rest.")

    def test_refused_rest_v2_skewed_date(self):
        old = utcnow() - timedelta(hours=1)
        self.assert_refused(json.dumps({"headers": rest_v2("part", new_key(), now=old)}), False,
                            "rest.")


class SignatureVersionTest(JsonAssertions, unittest.TestCase):
    def setUp(self):
        self.returned_signatures = []

    def test_v2_refused_when_profile_allows_only_v4(self):
        with Responder(profile_yaml(signature_versions=["v4"])) as r:
            self.assert_invalid(self.sign(r, policy_v2()))
            self.assert_invalid(self.sign(r, json.dumps({"headers": rest_v2("part",
                                                                             new_key())})))
            self.assertEqual(self.sign(r, policy_v4(), v4=True).status, 200)


class LoggingTest(JsonAssertions, unittest.TestCase):
    """One line per request with method, path, status, duration_ms; never a secret."""

    def setUp(self):
        self.returned_signatures = []

    def test_one_line_per_request_and_no_secrets(self):
        with Responder(profile_yaml()) as r:
            key = new_key()
            calls = [
                ("GET", "/health", {}),
                ("GET", "/missing", {}),
                ("GET", "/s3/signature", {}),
                ("POST", "/s3/signature", {"body": policy_v2()}),
                ("POST", "/s3/signature", {"body": policy_v4(), "query": "v4=true"}),
                ("POST", "/s3/signature", {"body": policy_v2(acl="bucket-owner-full-control")}),
                ("POST", "/s3/signature", {"body": json.dumps({"headers": rest_v2("part", key)})}),
                ("POST", "/s3/signature", {"body": json.dumps({"headers": rest_v4("part", key)}),
                                           "query": "v4=true"}),
                ("POST", "/s3/signature", {"body": b"{broken"}),
            ]
            statuses = []
            for method, path, kwargs in calls:
                statuses.append(self.call(r, method, path, **kwargs).status)
            self.assertEqual(statuses, [200, 404, 405, 200, 200, 500, 200, 200, 400])
            self.assertEqual(len(self.returned_signatures), 4)

            deadline = time.monotonic() + 5
            while len(harness.request_log_lines(r.log_text())) < len(calls) and \
                    time.monotonic() < deadline:
                time.sleep(0.02)
            r.stop()
            log = r.log_text()
            lines = harness.request_log_lines(log)
            self.assertEqual(len(lines), len(calls), log)
            for (method, path, _), status, line in zip(calls, statuses, lines):
                self.assertEqual(line["method"], method, line["_line"])
                self.assertEqual(line["path"], path, line["_line"])
                self.assertEqual(line["status"], str(status), line["_line"])
                self.assertRegex(line.get("duration_ms", ""), r"^\d+(\.\d+)?$", line["_line"])
            self.assertEqual(lines[3].get("profile"), "test", lines[3]["_line"])
            self.assertIn("refused", lines[5], lines[5]["_line"])
            self.assertTrue(lines[5]["refused"], lines[5]["_line"])

            secret = r.secret
            self.assertNotIn(secret, log)
            self.assertNotIn(base64.b64encode(secret.encode()).decode(), log)
            for signature in self.returned_signatures:
                self.assertNotIn(signature, log, "a whole signature was logged")


if __name__ == "__main__":
    unittest.main()
