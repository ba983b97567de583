"""success and delete while S3 is really gone: a radosgw of this test's own is stopped mid-run.

test_success_delete.py simulates a dead S3 with a proxy that refuses connections or never answers,
which is what the responder sees either way. This test does it literally, once: it starts its own
radosgw (scripts/rgw-start, other ports than the shared one), confirms an upload through it, stops it
(scripts/rgw-stop), and then expects success and delete to answer a JSON error within the configured
S3 timeout while signing keeps working. About 20 seconds, most of it radosgw starting.
"""

import datetime
import json
import os
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse
import uuid

import boto3
import botocore.config

sys.path.insert(0, os.path.dirname(__file__))
import fineuploader as fu  # noqa: E402
import harness  # noqa: E402

RGW_PORT = int(os.environ.get("S3US_STOP_RGW_PORT") or 7596)
MON_PORT = int(os.environ.get("S3US_STOP_MON_PORT") or 3312)
ACCESS_KEY = "STOPTESTACCESSKEY000"
SECRET_KEY = "stoptestsecret00000000000000000000000000"
BUCKET = "stopped-rgw"
S3_TIMEOUT_S = 1.5
SLACK_S = 1.5  # sanitizer build, loaded CI machine


def rgw_script(name, directory):
    env = dict(os.environ, DIR=directory, RGW_PORT=str(RGW_PORT), MON_PORT=str(MON_PORT),
               AK=ACCESS_KEY, SK=SECRET_KEY)
    return subprocess.run([str(harness.REPO_ROOT / "scripts" / name)], env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          timeout=300, stdin=subprocess.DEVNULL)


class RadosgwStoppedTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.rgw_dir = tempfile.mkdtemp(prefix="s3us-stop-rgw-")
        started = rgw_script("rgw-start", cls.rgw_dir)
        if started.returncode != 0:
            raise RuntimeError(f"rgw-start failed:\n{started.stdout}")
        cls.rgw_running = True
        cls.s3 = boto3.client(
            "s3", endpoint_url=f"http://127.0.0.1:{RGW_PORT}", aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY, region_name="us-east-1",
            config=botocore.config.Config(s3={"addressing_style": "path"},
                                          retries={"max_attempts": 1}))
        cls.s3.create_bucket(Bucket=BUCKET)
        config = harness.profile_yaml(
            bucket=BUCKET, endpoint=f"http://localhost:{RGW_PORT}",
            credentials={"signing": {"access_key_id": ACCESS_KEY, "secret_file": "signing.secret"}},
            content_types=["text/plain"], size={"min": 1, "max": 1000},
            s3={"connect_timeout": "500ms", "timeout": f"{int(S3_TIMEOUT_S * 1000)}ms",
                "retries": 1},
            server={"threads": 4, "max_outbound_calls": 2})
        cls.responder = harness.Responder(config, secret=SECRET_KEY, threads=None)

    @classmethod
    def tearDownClass(cls):
        try:
            cls.responder.stop()
        finally:
            if cls.rgw_running:
                rgw_script("rgw-stop", cls.rgw_dir)
            harness._rmtree(cls.rgw_dir)

    def put(self, data=b"hello world"):
        uid = str(uuid.uuid4())
        key = f"{uid}.txt"
        etag = self.s3.put_object(Bucket=BUCKET, Key=key, Body=data,
                                  ContentType="text/plain")["ETag"]
        return uid, key, etag

    def success(self, uid, key, etag):
        body = urllib.parse.urlencode([("key", key), ("uuid", uid), ("name", "hello.txt"),
                                       ("bucket", BUCKET), ("etag", etag)])
        started = time.monotonic()
        response = self.responder.request("POST", "/s3/success", body=body,
                                          content_type="application/x-www-form-urlencoded")
        return response, time.monotonic() - started

    def delete(self, uid, key):
        started = time.monotonic()
        response = self.responder.request(
            "DELETE", f"/s3/delete/{uid}",
            query=urllib.parse.urlencode([("key", key), ("bucket", BUCKET)]))
        return response, time.monotonic() - started

    def sign(self):
        upload = fu.Upload(bucket=BUCKET, key=f"{uuid.uuid4()}.txt", access_key=ACCESS_KEY,
                           version=4, content_type="text/plain", file_name="a.txt", min_size=1,
                           max_size=1000)
        body = fu.policy_body(upload, fu.parse_clock(datetime.datetime.now(datetime.timezone.utc)))
        started = time.monotonic()
        response = self.responder.request("POST", "/s3/signature", query="v4=true", body=body)
        return response, time.monotonic() - started

    def test_success_and_delete_fail_cleanly_once_radosgw_is_stopped(self):
        # While radosgw runs: confirmed, and deletable.
        uid, key, etag = self.put()
        response, _ = self.success(uid, key, etag)
        self.assertEqual(response.status, 200, response.body)
        self.assertTrue(response.json()["success"])
        victim_uid, victim_key, victim_etag = self.put()

        stopped = rgw_script("rgw-stop", self.rgw_dir)
        self.assertEqual(stopped.returncode, 0, stopped.stdout)
        type(self).rgw_running = False

        for attempt in range(2):  # the second one finds no kept-alive connection either
            response, seconds = self.success(victim_uid, victim_key, victim_etag)
            self.assertEqual(response.status, 502, response.body)
            self.assertIn("error", response.json())
            self.assertNotIn("preventRetry", response.json())  # worth retrying later
            self.assertLess(seconds, S3_TIMEOUT_S + SLACK_S, f"success took {seconds:.2f}s")

            response, seconds = self.delete(victim_uid, victim_key)
            self.assertEqual(response.status, 502, response.body)
            self.assertIn("error", json.loads(response.body))
            self.assertLess(seconds, S3_TIMEOUT_S + SLACK_S, f"delete took {seconds:.2f}s")

        # Signing needs no S3 and goes on.
        response, seconds = self.sign()
        self.assertEqual(response.status, 200, response.body)
        self.assertIn("signature", response.json())
        self.assertLess(seconds, 1.0)

        # The log says why, request by request.
        log = self.responder.log_text()
        self.assertIn("s3_error=unavailable", log)


if __name__ == "__main__":
    unittest.main()
