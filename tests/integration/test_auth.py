"""Caller authentication through the real binary, as the web server hands requests to it
(FastCGI params: REMOTE_USER, HTTP_AUTHORIZATION, HTTP_ORIGIN).

Three routes to the same profile: /s3/signature with the default auth (remote_user), /t/signature
with a bearer-token authenticator (HS256, tokens minted here with Python's hmac, independently of
the responder's code), /o/signature with auth none and an origins list. Every refusal is a 401 (or
403) with the JSON error Fine Uploader shows, nothing signed, the rule in the log.
"""
import base64
import datetime
import hashlib
import hmac
import json
import time
import unittest
import uuid

import fineuploader as fu
import harness

JWT_SECRET = "jwt-secret-" + "0123456789abcdef" * 2
ORIGIN = "https://app.example.com"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def mint(claims, secret=JWT_SECRET, header=None):
    header = header or {"alg": "HS256", "typ": "JWT"}
    signing_input = b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(claims).encode())
    mac = hmac.new(secret.encode(), signing_input.encode(), hashlib.sha256).digest()
    return signing_input + "." + b64url(mac)


def claims(**changes):
    now = int(time.time())
    base = {"sub": "bob", "aud": "uploads", "iat": now, "exp": now + 300}
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


def config():
    routes = [
        {"path": "/s3/signature", "methods": ["POST"], "handler": "sign", "profile": "test"},
        {"path": "/s3/success", "methods": ["POST"], "handler": "success", "profile": "test"},
        {"path": "/s3/delete/*", "methods": ["DELETE", "POST"], "handler": "delete",
         "profile": "test"},
        {"path": "/t/signature", "methods": ["POST"], "handler": "sign", "profile": "test",
         "auth": "app"},
        {"path": "/o/signature", "methods": ["POST"], "handler": "sign", "profile": "test",
         "auth": "none", "origins": [ORIGIN]},
        {"path": "/health", "methods": ["GET"], "handler": "health"},
    ]
    return harness.profile_yaml(
        bucket="auth-test", key={"prefix": "uploads/{user}/"}, routes=routes,
        authenticators={"app": {"type": "jwt", "algorithm": "HS256", "secret_file": "jwt.secret",
                                "audience": "uploads"}})


def policy_body(user="bob", max_size=20000000):
    u = fu.Upload(bucket="auth-test", key=f"uploads/{user}/{uuid.uuid4()}.jpg", version=4,
                  access_key=harness.current_access_key(), region="us-east-1",
                  content_type="image/jpeg", file_name="a.jpg", min_size=1, max_size=max_size)
    now = fu.parse_clock(datetime.datetime.now(datetime.timezone.utc))
    return fu.policy_body(u, now).encode()


class AuthTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.r = harness.Responder(config(), files={"jwt.secret": JWT_SECRET})
        cls.r.wait_for_log(r"level=warn\w* msg=\"route 5 \(/o/signature, sign\) has auth: none")

    @classmethod
    def tearDownClass(cls):
        cls.r.stop()

    def sign(self, path, body=None, headers=None, remote_user=None):
        return self.r.request("POST", path, query="v4=true", body=body or policy_body(),
                              headers=headers, remote_user=remote_user)

    def assertRefused(self, resp, status, rule):
        self.assertEqual(resp.status, status, resp)
        self.assertEqual(resp.json(), {"error": "authentication required",
                                       "message": "authentication required", "preventRetry": True}
                         if status == 401 else resp.json())
        self.assertNotIn("signature", resp.json())
        self.r.wait_for_log(rf"status={status} .*refused={rule}\b")

    def test_without_a_user_every_acting_route_is_401(self):
        self.assertRefused(self.sign("/s3/signature"), 401, r"auth\.remote-user\.missing")
        self.assertRefused(self.r.request("POST", "/s3/success", body=b"key=x&bucket=y"), 401,
                           r"auth\.remote-user\.missing")
        self.assertRefused(self.r.request("DELETE", "/s3/delete/x"), 401,
                           r"auth\.remote-user\.missing")
        ok = self.sign("/s3/signature", policy_body("alice"), remote_user="alice")
        self.assertEqual(ok.status, 200, ok)
        self.assertIn("signature", ok.json())

    def test_bad_tokens_are_401(self):
        now = int(time.time())
        bad = {
            "none": None,
            "expired": mint(claims(iat=now - 600, exp=now - 120)),
            "not yet valid": mint(claims(nbf=now + 600)),
            "wrong audience": mint(claims(aud="other")),
            "wrong signature": mint(claims(), secret="another secret of some 32 bytes or more"),
            "alg none": b64url(b'{"alg":"none","typ":"JWT"}') + "." +
                        b64url(json.dumps(claims()).encode()) + ".",
        }
        for name, token in bad.items():
            with self.subTest(name):
                headers = {"Authorization": f"Bearer {token}"} if token else None
                resp = self.sign("/t/signature", headers=headers, remote_user="bob")
                self.assertRefused(resp, 401, r"auth\.token\.(missing|invalid)")
                self.assertIn("Bearer", resp.headers.get("www-authenticate", ""), resp)

    def test_a_token_signs_for_its_subject_only(self):
        headers = {"Authorization": "Bearer " + mint(claims())}
        ok = self.sign("/t/signature", policy_body("bob"), headers=headers)
        self.assertEqual(ok.status, 200, ok)
        self.assertRegex(ok.json()["signature"], "^[0-9a-f]{64}$")
        start = len(self.r.log_text())
        other = self.sign("/t/signature", policy_body("alice"), headers=headers,
                          remote_user="alice")  # REMOTE_USER does not override the token
        self.assertEqual(other.status, 500, other)
        self.assertEqual(other.json(), {"invalid": True})
        # The log names whom the request acted for: the token's subject, not REMOTE_USER.
        self.r.wait_for_log(r"path=/t/signature status=500 duration_ms=\S+ user=bob ", start=start)

    def test_a_narrowing_token_refuses_a_policy_over_its_limit(self):
        headers = {"Authorization": "Bearer " + mint(claims(s3u={"max_size": 1000}))}
        over = self.sign("/t/signature", policy_body("bob", max_size=20000000), headers=headers)
        self.assertEqual(over.status, 500, over)
        self.assertEqual(over.json(), {"invalid": True})
        within = self.sign("/t/signature", policy_body("bob", max_size=1000), headers=headers)
        self.assertEqual(within.status, 200, within)
        types = {"Authorization": "Bearer " + mint(claims(s3u={"content_types": ["image/png"]}))}
        self.assertEqual(self.sign("/t/signature", policy_body("bob"), headers=types).status, 500)

    def test_origins(self):
        body = policy_body("")  # auth none, anonymous: no {user}
        refused = self.r.request("POST", "/o/signature", query="v4=true", body=body,
                                 headers={"Origin": "https://evil.example.com"})
        self.assertEqual(refused.status, 403, refused)
        self.assertNotIn("signature", refused.json())
        self.r.wait_for_log(r"status=403 .*refused=auth\.origin\b")


if __name__ == "__main__":
    unittest.main()
