"""Signals: SIGHUP reloads (a broken file keeps the old config), SIGTERM/SIGINT stop cleanly."""

import base64
import json
import os
import re
import signal
import time
import unittest

import harness
from harness import Responder, profile_yaml
from test_fastcgi import policy_v2, policy_v4


def health(responder):
    response = responder.request("GET", "/health")
    assert response.status == 200, response
    return response.json()


def sign(responder, body, v4=False):
    return responder.request("POST", "/s3/signature", query="v4=true" if v4 else "", body=body)


def wait_for_generation(responder, generation, timeout=10.0):
    """Polls /health until the config generation reaches `generation` (or fails)."""
    deadline = time.monotonic() + timeout
    while True:
        current = health(responder)["generation"]
        if current >= generation:
            return current
        if time.monotonic() > deadline:
            raise AssertionError(f"generation still {current} after {timeout}s; log:\n"
                                 f"{responder.log_text()[-2000:]}")
        time.sleep(0.05)


class ReloadTest(unittest.TestCase):
    def test_sighup_with_broken_config_keeps_serving_the_old_one(self):
        with Responder(profile_yaml()) as r:
            generation = health(r)["generation"]
            # Only the running config allows text/plain.
            self.assertEqual(sign(r, policy_v2(content_type="text/plain")).status, 200)

            broken = profile_yaml(content_types=["image/*"])
            self.assertEqual(broken.count("      max: 20000000\n"), 1)
            broken = broken.replace("      max: 20000000\n", "      max_sise: 20000000\n")
            line, column = harness.find_line_col(broken, "max_sise")
            log_start = len(r.log_text())
            r.write_config(broken)
            r.send_signal(signal.SIGHUP)
            r.wait_for_log(re.escape(f"{r.config_path}:{line}:{column}:"), timeout=10,
                           start=log_start)

            response = sign(r, policy_v2(content_type="text/plain"))
            self.assertEqual(response.status, 200,
                             f"the broken config must not have been applied: {response}")
            self.assertEqual(health(r)["generation"], generation)
            self.assertIsNone(r.process.poll(), "the responder died on a broken reload")
            self.assertEqual(r.stop(), 0)

    def test_sighup_with_yaml_syntax_error(self):
        with Responder(profile_yaml()) as r:
            generation = health(r)["generation"]
            log_start = len(r.log_text())
            r.write_config("profiles: [\n  this is: not closed\n")
            r.send_signal(signal.SIGHUP)
            r.wait_for_log(re.escape(r.config_path) + r":\d+:\d+:", timeout=10, start=log_start)
            self.assertEqual(health(r)["generation"], generation)
            self.assertEqual(sign(r, policy_v4(), v4=True).status, 200)

    def test_sighup_with_valid_config_applies_it(self):
        with Responder(profile_yaml()) as r:
            generation = health(r)["generation"]
            self.assertEqual(sign(r, policy_v2(content_type="text/plain")).status, 200)

            r.write_config(profile_yaml(content_types=["image/*"]))
            r.send_signal(signal.SIGHUP)
            self.assertEqual(wait_for_generation(r, generation + 1), generation + 1)

            refused = sign(r, policy_v2(content_type="text/plain"))
            self.assertEqual(refused.status, 500, refused)
            self.assertEqual(refused.json(), {"invalid": True})
            self.assertEqual(sign(r, policy_v2(content_type="image/png")).status, 200)

            # A broken file after that: the new (second) config stays, generation unchanged.
            r.write_config("routes: 5\n")
            r.send_signal(signal.SIGHUP)
            r.wait_for_log(re.escape(r.config_path) + r":\d+:\d+:", timeout=10)
            self.assertEqual(health(r)["generation"], generation + 1)
            self.assertEqual(sign(r, policy_v2(content_type="text/plain")).status, 500)

            # And a good one again.
            r.write_config(profile_yaml())
            r.send_signal(signal.SIGHUP)
            wait_for_generation(r, generation + 2)
            self.assertEqual(sign(r, policy_v2(content_type="text/plain")).status, 200)
            self.assertEqual(r.stop(), 0)

    def test_sighup_rereads_the_secret(self):
        with Responder(profile_yaml()) as r:
            generation = health(r)["generation"]
            body = policy_v2()
            first = sign(r, body).json()
            with open(os.path.join(r.dir, "signing.secret"), "w") as f:
                f.write("anothersecret0000000000000000000000000000\n")
            r.send_signal(signal.SIGHUP)
            wait_for_generation(r, generation + 1)
            second = sign(r, body).json()
            self.assertEqual(second["signature"],
                             harness.sign_v2("anothersecret0000000000000000000000000000",
                                             second["policy"]))
            self.assertNotEqual(first["signature"], second["signature"])


class StopTest(unittest.TestCase):
    def _assert_quick_clean_exit(self, sig):
        r = Responder(profile_yaml())
        try:
            self.assertEqual(r.request("GET", "/health").status, 200)
            socket_path = r.socket_path
            started = time.monotonic()
            r.send_signal(sig)
            try:
                code = r.process.wait(5)
            except Exception:
                self.fail(f"signal {sig} while idle: still running after 5 s")
            elapsed = time.monotonic() - started
        finally:
            code = r.wait(10)
        self.assertEqual(code, 0, r.log_text()[-2000:])
        self.assertLess(elapsed, 1.0, f"exit took {elapsed:.2f}s after signal {sig} while idle")
        self.assertFalse(os.path.exists(socket_path),
                         "the unix socket the responder created must be removed on exit")

    def test_sigterm_while_idle_exits_0_within_a_second(self):
        self._assert_quick_clean_exit(signal.SIGTERM)

    def test_sigint_while_idle_exits_0_within_a_second(self):
        self._assert_quick_clean_exit(signal.SIGINT)

    def test_sigterm_right_after_start(self):
        # Before any request: every idle worker must wake up.
        r = Responder(profile_yaml(), threads=8)
        started = time.monotonic()
        r.send_signal(signal.SIGTERM)
        self.assertEqual(r.wait(5), 0)
        self.assertLess(time.monotonic() - started, 1.0)

    def test_sigterm_with_idle_kept_alive_connection(self):
        # An idle keep-alive connection (nginx fastcgi_keep_conn) must not delay the exit.
        r = Responder(profile_yaml(), threads=2)
        conn = r.raw_connection()
        try:
            self.assertEqual(conn.request("GET", "/health", keep_conn=True).status, 200)
            started = time.monotonic()
            r.send_signal(signal.SIGTERM)
            self.assertEqual(r.wait(5), 0)
            self.assertLess(time.monotonic() - started, 1.0)
        finally:
            conn.close()
            if r.process.poll() is None:
                r.stop()

    def test_sigterm_while_a_request_is_in_flight(self):
        r = Responder(profile_yaml(), threads=2)
        try:
            body = policy_v2().encode()
            conn = r.raw_connection(timeout=15)
            params = harness.cgi_params("POST", "/s3/signature", body=body)
            conn.begin_request()
            conn.send_params(params)
            half = len(body) // 2
            conn.send_stdin(body[:half])
            time.sleep(0.5)  # sequencing only: let the responder start reading the body
            r.send_signal(signal.SIGTERM)
            time.sleep(0.5)  # sequencing only: the stop is under way while the body is incomplete
            self.assertIsNone(r.process.poll(),
                              "the responder exited with a request half-read")
            conn.send_stdin(body[half:], end=True)
            response = conn.read_response(timeout=15)
            conn.close()
            self.assertEqual(response.status, 200, response)
            answer = response.json()
            self.assertEqual(json.loads(base64.b64decode(answer["policy"])), json.loads(body))
            self.assertEqual(answer["signature"],
                             harness.sign_v2(r.secret, answer["policy"]))
            self.assertEqual(r.wait(10), 0, r.log_text()[-2000:])
        finally:
            if r.process.poll() is None:
                r.stop()

    def test_no_new_connections_after_sigterm(self):
        r = Responder(profile_yaml(), threads=2)
        r.send_signal(signal.SIGTERM)
        self.assertEqual(r.wait(5), 0)
        with self.assertRaises((ConnectionError, OSError, TimeoutError)):
            r.request("GET", "/health", timeout=5)


if __name__ == "__main__":
    unittest.main()
