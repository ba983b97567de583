"""Secret hygiene and the FastCGI socket, through the real binary (docs/SECURITY.md names these).

Every secret the responder holds comes from the environment here (secret_env: the signing and the
server key, the webhook secret, the JWT secret), each a fresh random value:

* SecretHygieneTest: /proc/<pid>/environ no longer shows any of them once the responder has
  started, and still not after a reload, which keeps signing with the same secrets (they are kept
  in the process, not read again from the scrubbed environment); then every way a request can fail
  that we could think of (bad JSON, every kind of refusal, bad and forged tokens, success and
  delete outside the caller's prefix, S3 and the webhook unreachable, a broken reload, a secret
  file readable by others, --check-config) and no log line, response, header or error message
  carries a secret, in any encoding we could think of.
* NonDumpableTest: the process makes itself non-dumpable before it reads a secret: its
  /proc/<pid>/environ, mem and fd belong to root, and a process of its own user cannot read them;
  with --allow-core-dumps they belong to its user again (the counter-check that the test can see
  the difference).
* SocketModeTest: the unix socket it creates is 0660.
"""
import base64
import json
import os
import signal
import stat
import subprocess
import time
import unittest
import urllib.parse
import uuid

import harness
from harness import Responder
from test_auth import mint
from test_fastcgi import new_key, policy_v2, policy_v4, rest_v2, rest_v4

BUCKET = "itest"
USER = "alice"
PREFIX = f"uploads/{USER}/"
FORM = "application/x-www-form-urlencoded"
DEAD = "http://127.0.0.1:9"  # the discard port: nothing listens, connections are refused
NOBODY = (65534, 65534)

ENV_NAMES = {
    "signing": "S3US_ITEST_SIGNING_SECRET",
    "server": "S3US_ITEST_SERVER_SECRET",
    "webhook": "S3US_ITEST_WEBHOOK_SECRET",
    "jwt": "S3US_ITEST_JWT_SECRET",
}


def fresh_secrets():
    """Random, distinctive, 40+ bytes each (the JWT secret needs 32)."""
    return {name: f"{name.upper()}x{uuid.uuid4().hex}{uuid.uuid4().hex[:8]}"
            for name in ENV_NAMES}


def secret_env(secrets):
    return {ENV_NAMES[name]: value for name, value in secrets.items()}


def config(*, broken=False):
    """One profile whose S3 endpoint and webhook are unreachable; every secret from secret_env."""
    routes = [
        {"path": "/s3/signature", "methods": ["POST"], "handler": "sign", "profile": "test",
         "auth": "none"},
        {"path": "/t/signature", "methods": ["POST"], "handler": "sign", "profile": "test",
         "auth": "app"},
        {"path": "/s3/success", "methods": ["POST"], "handler": "success", "profile": "test"},
        {"path": "/s3/delete/*", "methods": ["DELETE", "POST"], "handler": "delete",
         "profile": "test"},
        {"path": "/health", "methods": ["GET"], "handler": "health"},
    ]
    credentials = {
        "signing": {"access_key_id": harness.current_access_key(),
                    "secret_env": ENV_NAMES["signing"]},
        "server": {"access_key_id": harness.current_access_key(),
                   "secret_env": ENV_NAMES["server"]},
    }
    if broken:  # a reload that must fail: an unset variable and a file others may read
        credentials["signing"] = {"access_key_id": harness.current_access_key(),
                                  "secret_env": "S3US_ITEST_NOT_SET"}
        credentials["server"] = {"access_key_id": harness.current_access_key(),
                                 "secret_file": "readable.secret"}
    return harness.profile_yaml(
        bucket=BUCKET, endpoint=DEAD, key={"prefix": "uploads/{user}/", "shapes": ["uuid.ext"]},
        server_credentials="server", credentials=credentials, routes=routes,
        success={"webhook": {"url": DEAD + "/hook", "secret_env": ENV_NAMES["webhook"],
                             "timeout": "1s", "retries": 0, "required": True}},
        s3={"connect_timeout": "500ms", "timeout": "1s", "retries": 0},
        server={"max_body_size": "8KiB"},
        authenticators={"app": {"type": "jwt", "algorithm": "HS256",
                                "secret_env": ENV_NAMES["jwt"], "audience": "uploads"}})


def encodings(secret):
    """The forms a leaked secret could take in a log line or a reply."""
    raw = secret.encode()
    return {secret, base64.b64encode(raw).decode(), base64.urlsafe_b64encode(raw).decode(),
            base64.b64encode(raw).decode().rstrip("="), raw.hex(), raw.hex().upper(),
            urllib.parse.quote(secret, safe=""), secret[:24], secret[-24:]}


def read_environ(pid):
    with open(f"/proc/{pid}/environ", "rb") as f:
        return f.read()


def health(r):
    resp = r.request("GET", "/health")
    return resp.json()


def wait_for_generation(r, generation, timeout=10):
    deadline = time.monotonic() + timeout
    while health(r)["generation"] != generation:
        if time.monotonic() > deadline:
            raise AssertionError(f"generation never reached {generation}:\n{r.log_text()[-3000:]}")
        time.sleep(0.05)


def now_claims(**changes):
    now = int(time.time())
    claims = {"sub": USER, "aud": "uploads", "iat": now, "exp": now + 300}
    claims.update(changes)
    return claims


@unittest.skipUnless(os.geteuid() == 0, "reads /proc/<pid>/environ of a non-dumpable process")
class SecretHygieneTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.secrets = fresh_secrets()
        cls.r = Responder(config(), secret="not-used-signing-secret-file", threads=2,
                          env=secret_env(cls.secrets))
        cls.r.wait_for_log(r"msg=started ")

    @classmethod
    def tearDownClass(cls):
        code = cls.r.stop()
        if code != 0:
            raise AssertionError(f"the responder exited with {code}:\n{cls.r.log_text()[-3000:]}")

    def assert_no_secret(self, text, where):
        for name, secret in self.secrets.items():
            for form in encodings(secret):
                self.assertNotIn(form, text, f"the {name} secret ({form!r}) is in {where}")

    def sign_v4_policy(self):
        resp = self.r.request("POST", "/s3/signature", query="v4=true",
                              body=policy_v4(key=PREFIX + new_key()), remote_user=USER)
        self.assertEqual(resp.status, 200, resp)
        return resp.json()

    def test_secret_env_values_are_gone_from_proc_environ(self):
        environ = read_environ(self.r.pid)
        for name, variable in ENV_NAMES.items():
            for form in encodings(self.secrets[name]):
                self.assertFalse(form.encode() in environ,
                                 f"/proc/<pid>/environ still shows the {name} secret ({form!r})")
            # Overwritten in place: still set, to zero bytes.
            self.assertIn(f"{variable}=".encode(), environ.split(b"\0"))
        # It was there: the environment the responder was started with holds every secret.
        started_with = harness.responder_env(secret_env(self.secrets))
        for name, variable in ENV_NAMES.items():
            self.assertEqual(started_with[variable], self.secrets[name])

    def test_a_reload_signs_with_the_secrets_it_kept_and_the_environment_stays_clean(self):
        generation = health(self.r)["generation"]
        self.r.send_signal(signal.SIGHUP)
        wait_for_generation(self.r, generation + 1)
        answer = self.sign_v4_policy()
        day = time.strftime("%Y%m%d", time.gmtime())
        expected = {harness.sign_v4(self.secrets["signing"], d, "us-east-1", answer["policy"])
                    for d in (day, time.strftime("%Y%m%d", time.gmtime(time.time() - 60)))}
        self.assertIn(answer["signature"], expected,
                      "after the reload the policy is not signed with the secret from the "
                      "environment")
        environ = read_environ(self.r.pid)
        for name in ENV_NAMES:
            self.assertFalse(self.secrets[name].encode() in environ,
                             f"/proc/<pid>/environ shows the {name} secret after the reload")

    def test_no_secret_in_logs_replies_or_errors_whatever_fails(self):
        r = self.r
        replies = []

        def call(method, path, **kwargs):
            resp = r.request(method, path, **kwargs)
            replies.append((f"{method} {path}", resp))
            return resp

        key = PREFIX + new_key()
        other = "uploads/mallory/" + new_key()
        sign = {"remote_user": USER}
        statuses = {
            "unknown path": call("GET", "/nope").status,
            "wrong method": call("PUT", "/s3/signature").status,
            "bad json": call("POST", "/s3/signature", body=b"{\"expiration\":", **sign).status,
            "body too large": call("POST", "/s3/signature", body=b"x" * 20000, **sign).status,
            "starts-with": call("POST", "/s3/signature", body=policy_v2(
                key=key, extra=[["starts-with", "$key", ""]]), **sign).status,
            "other bucket": call("POST", "/s3/signature", body=policy_v2(
                key=key, bucket="another"), **sign).status,
            "other prefix": call("POST", "/s3/signature", body=policy_v2(key=other),
                                 **sign).status,
            "unknown condition": call("POST", "/s3/signature", body=policy_v2(
                key=key, extra=[{"x-amz-website-redirect-location": "/evil"}]), **sign).status,
            "wrong access key": call("POST", "/s3/signature", query="v4=true", body=policy_v4(
                key=key, access_key="AKIAOTHERKEY00000000"), **sign).status,
            "v4 body as v2": call("POST", "/s3/signature", body=policy_v4(key=key),
                                  **sign).status,
            "rest v4 get": call("POST", "/s3/signature", query="v4=true", body=json.dumps(
                {"headers": rest_v4("part", key, method="GET")}), **sign).status,
            "rest v2 copy-source": call("POST", "/s3/signature", body=json.dumps(
                {"headers": rest_v2("part", key).replace(
                    "x-amz-date:", "x-amz-copy-source:/itest/secret.jpg\nx-amz-date:")}),
                **sign).status,
            "no token": call("POST", "/t/signature", query="v4=true",
                             body=policy_v4(key=key)).status,
            "forged token": call("POST", "/t/signature", query="v4=true", body=policy_v4(key=key),
                                 headers={"Authorization": "Bearer " + mint(
                                     now_claims(), secret="x" * 40)}).status,
            "alg none": call("POST", "/t/signature", query="v4=true", body=policy_v4(key=key),
                             headers={"Authorization": "Bearer " + mint(
                                 now_claims(), header={"alg": "none"}).rsplit(".", 1)[0] + "."}
                             ).status,
            "expired token": call("POST", "/t/signature", query="v4=true", body=policy_v4(key=key),
                                  headers={"Authorization": "Bearer " + mint(
                                      now_claims(exp=int(time.time()) - 3600),
                                      secret=self.secrets["jwt"])}).status,
            "wrong audience": call("POST", "/t/signature", query="v4=true",
                                   body=policy_v4(key=key),
                                   headers={"Authorization": "Bearer " + mint(
                                       now_claims(aud="other"), secret=self.secrets["jwt"])}
                                   ).status,
            "success other bucket": call("POST", "/s3/success", content_type=FORM,
                                         body=urllib.parse.urlencode(
                                             {"key": key, "uuid": key.rsplit("/", 1)[1][:36],
                                              "name": "a.jpg", "bucket": "another"}),
                                         **sign).status,
            "success other prefix": call("POST", "/s3/success", content_type=FORM,
                                         body=urllib.parse.urlencode(
                                             {"key": other, "uuid": other.rsplit("/", 1)[1][:36],
                                              "name": "a.jpg", "bucket": BUCKET}),
                                         **sign).status,
            "success s3 down": call("POST", "/s3/success", content_type=FORM,
                                    body=urllib.parse.urlencode(
                                        {"key": key, "uuid": key.rsplit("/", 1)[1][:36],
                                         "name": "a.jpg", "bucket": BUCKET}),
                                    **sign).status,
            "delete other prefix": call("DELETE", "/s3/delete/" + other.rsplit("/", 1)[1][:36],
                                        query=urllib.parse.urlencode(
                                            {"key": other, "bucket": BUCKET}), **sign).status,
            "delete s3 down": call("DELETE", "/s3/delete/" + key.rsplit("/", 1)[1][:36],
                                   query=urllib.parse.urlencode({"key": key, "bucket": BUCKET}),
                                   **sign).status,
        }
        self.assertEqual(statuses["unknown path"], 404)
        self.assertEqual(statuses["body too large"], 413)
        for what in ("starts-with", "other bucket", "other prefix", "unknown condition",
                     "wrong access key", "v4 body as v2", "rest v4 get", "rest v2 copy-source"):
            self.assertEqual(statuses[what], 500, what)
        for what in ("no token", "forged token", "alg none", "expired token", "wrong audience"):
            self.assertEqual(statuses[what], 401, what)
        for what in ("success other bucket", "success other prefix", "delete other prefix"):
            self.assertEqual(statuses[what], 403, what)
        for what in ("success s3 down", "delete s3 down"):
            self.assertIn(statuses[what], (502, 503), what)

        # A reload that fails: a variable that is not set, and a secret file others may read
        # (holding a real secret: the refusal must not quote it).
        generation = health(r)["generation"]
        r.write_private_file("readable.secret", self.secrets["server"] + "\n")
        os.chmod(os.path.join(r.dir, "readable.secret"), 0o644)
        r.write_config(config(broken=True))
        mark = len(r.log_text())
        r.send_signal(signal.SIGHUP)
        r.wait_for_log(r"readable\.secret", start=mark)
        r.wait_for_log(r"S3US_ITEST_NOT_SET", start=mark)
        r.write_config(config())
        r.send_signal(signal.SIGHUP)
        wait_for_generation(r, generation + 1)
        self.sign_v4_policy()

        # --check-config of the same files, with the same environment.
        broken = os.path.join(r.dir, "broken.yaml")
        with open(broken, "w", encoding="utf-8") as f:
            f.write(config(broken=True))
        checks = [subprocess.run([str(harness.BINARY), "--check-config", "--config", path],
                                 env=harness.responder_env(secret_env(self.secrets)),
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                 timeout=60)
                  for path in (r.config_path, broken)]
        self.assertEqual(checks[0].returncode, 0, checks[0].stdout)
        self.assertNotEqual(checks[1].returncode, 0, checks[1].stdout)

        deadline = time.monotonic() + 5
        while len(harness.request_log_lines(r.log_text())) < len(replies) and \
                time.monotonic() < deadline:
            time.sleep(0.02)
        log = r.log_text()
        self.assertIn("refused=", log)
        self.assert_no_secret(log, "the log")
        for what, resp in replies:
            self.assert_no_secret(resp.raw.decode("latin-1"), f"the reply to {what}")
            self.assert_no_secret(resp.stderr.decode("latin-1"), f"the FastCGI stderr of {what}")
        for check in checks:
            self.assert_no_secret(check.stdout, "--check-config's output")


class NonDumpableTest(unittest.TestCase):
    """Run as another user (nobody) when we are root, so that "owned by root" and "its own user
    cannot read it" mean something; else as ourselves."""

    def start(self, *extra_args):
        secrets = fresh_secrets()
        user = NOBODY if os.geteuid() == 0 else None
        r = Responder(config(), threads=1, extra_args=extra_args, env=secret_env(secrets),
                      user=user)
        self.addCleanup(self.stop, r)
        return r, (user or (os.geteuid(), os.getegid()))[0], secrets

    def stop(self, r):
        code = r.stop()
        self.assertEqual(code, 0, r.log_text()[-3000:])

    def probe_as(self, uid, path):
        """Reads `path` as `uid` (the responder's own user); (exit status, stderr)."""
        kwargs = dict(user=uid, group=uid, extra_groups=[]) if os.geteuid() == 0 else {}
        proc = subprocess.run(["head", "-c", "1", path], stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True, timeout=10, **kwargs)
        return proc.returncode, proc.stderr

    def owners(self, pid):
        return {name: os.stat(f"/proc/{pid}/{name}").st_uid for name in ("environ", "mem", "fd")}

    def test_the_process_is_not_dumpable(self):
        r, uid, _ = self.start()
        self.assertEqual(r.request("GET", "/health").status, 200)
        with open(f"/proc/{r.pid}/status") as f:
            self.assertRegex(f.read(), rf"(?m)^Uid:\s+{uid}\s")
        if uid != 0:
            self.assertEqual(self.owners(r.pid), {"environ": 0, "mem": 0, "fd": 0},
                             "a non-dumpable process's /proc files belong to root")
            code, err = self.probe_as(uid, f"/proc/{r.pid}/environ")
            self.assertNotEqual(code, 0, "its own user read /proc/<pid>/environ")
            self.assertIn("Permission denied", err)
        self.assertIn("core_dumps=off", r.wait_for_log(r"msg=started .*").group(0))

    def test_allow_core_dumps_leaves_it_dumpable(self):
        r, uid, secrets = self.start("--allow-core-dumps")
        self.assertEqual(r.request("GET", "/health").status, 200)
        self.assertIn("core_dumps=allowed", r.wait_for_log(r"msg=started .*").group(0))
        self.assertEqual(self.owners(r.pid), {"environ": uid, "mem": uid, "fd": uid})
        code, err = self.probe_as(uid, f"/proc/{r.pid}/environ")
        self.assertEqual(code, 0, err)
        # Dumpable or not, the environment no longer holds the secrets (scrubbed on start).
        environ = read_environ(r.pid)
        for name, secret in secrets.items():
            self.assertFalse(secret.encode() in environ,
                             f"/proc/<pid>/environ shows the {name} secret")


class SocketModeTest(unittest.TestCase):
    def test_unix_socket_is_0660(self):
        with Responder(harness.profile_yaml()) as r:
            mode = os.stat(r.socket_path).st_mode
            self.assertTrue(stat.S_ISSOCK(mode))
            self.assertEqual(stat.S_IMODE(mode), 0o660,
                             "anything that can connect may ask for signatures (and libfcgi "
                             "trusts its peer): the socket must be 0660")


if __name__ == "__main__":
    unittest.main()
