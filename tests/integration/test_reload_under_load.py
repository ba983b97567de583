"""Configuration reloads under a steady load of sign requests (issue 5).

Four clients keep signing over kept-alive FastCGI connections (as nginx with fastcgi_keep_conn does)
while the test sends ten SIGHUPs, alternating a valid change and a broken file. Every request must be
answered as the configuration in force says (200 for a valid policy, 500 {"invalid": true} for one
with a forbidden ACL), none may fail or hang, and the metrics must show the five reloads, the five
failed ones and every refusal. The load is bounded (it stops after the last reload).
"""

import datetime
import os
import re
import signal
import sys
import threading
import time
import unittest
import uuid

sys.path.insert(0, os.path.dirname(__file__))
import fineuploader as fu  # noqa: E402
import harness  # noqa: E402

BUCKET = "reload-test"
CLIENTS = 4
RELOADS = 10


def routes():
    return harness.default_routes() + [
        {"path": "/metrics", "methods": ["GET"], "handler": "metrics"}]


def config(lifetime):
    # The valid change between reloads: the longest policy lifetime (both allow the 5 minutes
    # Fine Uploader asks for, so a valid policy stays valid whichever file is in force).
    return harness.profile_yaml(bucket=BUCKET, routes=routes(),
                                max_policy_lifetime=lifetime)


def policy(acl):
    upload = fu.Upload(bucket=BUCKET, key=f"{uuid.uuid4()}.txt",
                       access_key=harness.current_access_key(), version=4,
                       content_type="text/plain", file_name="a.txt", min_size=1, max_size=1000,
                       acl=acl)
    return fu.policy_body(upload, fu.parse_clock(datetime.datetime.now(datetime.timezone.utc)))


class ReloadUnderLoadTest(unittest.TestCase):
    def test_ten_reloads_fail_no_request(self):
        with harness.Responder(config("15m"), threads=4) as responder:
            stop = threading.Event()
            lock = threading.Lock()
            counts = {"ok": 0, "refused": 0}
            failures = []

            def client(number):
                sent = 0
                connection = responder.raw_connection(timeout=10)
                try:
                    while not stop.is_set():
                        refused = sent % 5 == 4  # one in five asks for a forbidden ACL
                        body = policy("public-read-write" if refused else "private")
                        try:
                            response = connection.request("POST", "/s3/signature",
                                                          query="v4=true", body=body,
                                                          keep_conn=True, timeout=10)
                        except Exception as e:  # a dropped connection or a hang is a failure
                            failures.append(f"client {number} request {sent}: {e!r}")
                            connection.close()
                            connection = responder.raw_connection(timeout=10)
                            sent += 1
                            continue
                        expected = 500 if refused else 200
                        if response.status != expected:
                            failures.append(f"client {number} request {sent}: HTTP "
                                            f"{response.status} {response.body[:200]!r}")
                        elif refused and response.json() != {"invalid": True}:
                            failures.append(f"client {number}: refusal body {response.body!r}")
                        elif not refused and "signature" not in response.json():
                            failures.append(f"client {number}: no signature {response.body!r}")
                        else:
                            with lock:
                                counts["refused" if refused else "ok"] += 1
                        sent += 1
                finally:
                    connection.close()

            threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
            for thread in threads:
                thread.start()
            try:
                time.sleep(0.5)  # under load before the first reload
                for reload in range(RELOADS):
                    mark = len(responder.log_text())
                    if reload % 2 == 0:
                        responder.write_config(config("14m" if reload % 4 == 0 else "15m"))
                        expected_line = r"configuration reloaded"
                    else:
                        responder.write_config("routes: [\n")  # broken: a flow sequence never closed
                        expected_line = r"reload failed"
                    responder.send_signal(signal.SIGHUP)
                    responder.wait_for_log(expected_line, timeout=10, start=mark)
                    time.sleep(0.3)  # keep the load going between reloads
            finally:
                stop.set()
                for thread in threads:
                    thread.join(timeout=30)
            self.assertFalse(any(t.is_alive() for t in threads), "a client hung")
            self.assertEqual(failures, [])
            self.assertGreater(counts["ok"], 50, counts)
            self.assertGreater(counts["refused"], 10, counts)

            metrics = responder.request("GET", "/metrics")
            self.assertEqual(metrics.status, 200)
            text = metrics.body.decode()

            def value(series):
                match = re.search("^" + re.escape(series) + r" (\d+)$", text, re.M)
                self.assertIsNotNone(match, f"{series} missing from:\n{text}")
                return int(match.group(1))

            self.assertEqual(value('s3_upload_signer_config_reloads_total{result="success"}'), 5)
            self.assertEqual(value('s3_upload_signer_config_reloads_total{result="failure"}'), 5)
            self.assertEqual(value("s3_upload_signer_config_generation"), 6)
            self.assertEqual(value('s3_upload_signer_refusals_total{rule="policy.acl"}'),
                             counts["refused"])
            self.assertEqual(
                value('s3_upload_signer_signatures_total{kind="policy",version="v4"}'),
                counts["ok"])
            self.assertEqual(
                value('s3_upload_signer_requests_total{route="/s3/signature",status="200"}'),
                counts["ok"])
            # The file in force is the last valid one; the broken ones were logged with positions.
            self.assertRegex(responder.log_text(), r"config\.yaml:\d+:\d+: ")


if __name__ == "__main__":
    unittest.main()
