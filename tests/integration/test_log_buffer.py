"""server.log_buffer: info lines are written in batches, never lost at a stop, never held back
behind a warning, and SIGHUP switches the buffer on and off."""

import signal
import time
import unittest

from harness import Responder, profile_yaml, request_log_lines
from test_fastcgi import policy_v2

REQUESTS = 60


def write_syscalls(pid):
    """The write(2)-family calls the process has made so far (all its threads): /proc/PID/io."""
    with open(f"/proc/{pid}/io", encoding="ascii") as f:
        for line in f:
            if line.startswith("syscw:"):
                return int(line.split()[1])
    raise AssertionError(f"no syscw in /proc/{pid}/io")


def signed_requests(responder, count):
    """`count` signature requests on one kept-alive connection; each must be signed."""
    with responder.raw_connection() as conn:
        for _ in range(count):
            response = conn.request("POST", "/s3/signature", body=policy_v2())
            assert response.status == 200, response


def wait_for_request_lines(responder, count, timeout=5.0):
    deadline = time.monotonic() + timeout
    while len(request_log_lines(responder.log_text())) < count:
        if time.monotonic() > deadline:
            raise AssertionError(f"{len(request_log_lines(responder.log_text()))} request lines, "
                                 f"not {count}, after {timeout}s:\n{responder.log_text()[-3000:]}")
        time.sleep(0.02)


class LogBufferTest(unittest.TestCase):
    def writes_for_requests(self, config):
        """How many write syscalls REQUESTS signature requests cost a responder with `config`, and
        its log once every request line is there."""
        with Responder(config, threads=2) as r:
            signed_requests(r, 1)  # start-up writes and first-use costs out of the way
            wait_for_request_lines(r, 1)
            before = write_syscalls(r.pid)
            signed_requests(r, REQUESTS)
            writes = write_syscalls(r.pid) - before
            wait_for_request_lines(r, REQUESTS + 1, timeout=3.0)
            self.assertEqual(r.stop(), 0)
            return writes, r.log_text()

    def test_buffered_lines_save_a_write_per_request_and_all_arrive_within_a_second(self):
        unbuffered, _ = self.writes_for_requests(profile_yaml())
        buffered, log = self.writes_for_requests(profile_yaml(server={"log_buffer": "64KiB"}))
        # Each unbuffered line is a write of its own; buffered, a few flushes write them all.
        self.assertGreaterEqual(unbuffered - buffered, REQUESTS - 5,
                                f"unbuffered: {unbuffered} writes, buffered: {buffered}")
        lines = request_log_lines(log)
        self.assertEqual(len(lines), REQUESTS + 1)
        self.assertTrue(all(line["status"] == "200" for line in lines), log[-2000:])
        self.assertIn("msg=stopped", log)

    def test_a_warning_is_written_at_once_after_the_lines_buffered_before_it(self):
        with Responder(profile_yaml(server={"log_buffer": "64KiB"})) as r:
            with r.raw_connection() as conn:
                self.assertEqual(conn.request("GET", "/health").status, 200)
                # A policy the profile does not allow: 500, logged as a warning.
                refused = conn.request("POST", "/s3/signature",
                                       body=policy_v2(bucket="not-the-profiles-bucket"))
                self.assertEqual(refused.status, 500, refused)
            # The warning is written before its answer is complete: no waiting for it here.
            lines = request_log_lines(r.log_text())
            self.assertEqual([line["path"] for line in lines], ["/health", "/s3/signature"],
                             r.log_text()[-2000:])
            self.assertEqual(lines[1]["level"], "warning")

    def test_sigterm_writes_what_was_buffered(self):
        r = Responder(profile_yaml(server={"log_buffer": "1MiB"}), threads=2)
        try:
            signed_requests(r, REQUESTS)
            r.send_signal(signal.SIGTERM)
            self.assertEqual(r.wait(10), 0)
        finally:
            if r.process.poll() is None:
                r.stop()
        self.assertEqual(len(request_log_lines(r.log_text())), REQUESTS, r.log_text()[-2000:])
        self.assertTrue(r.log_text().rstrip().endswith("msg=stopped"), r.log_text()[-500:])

    def test_sighup_switches_the_buffer_off(self):
        with Responder(profile_yaml(server={"log_buffer": "64KiB"}), threads=2) as r:
            start = len(r.log_text())
            r.write_config(profile_yaml())
            r.send_signal(signal.SIGHUP)
            r.wait_for_log("msg=\"configuration reloaded\"", timeout=10, start=start)
            with r.raw_connection() as conn:
                for i in range(5):
                    self.assertEqual(conn.request("GET", "/health").status, 200)
                    # Unbuffered again: the line is there as soon as the answer is.
                    health_lines = [line for line in request_log_lines(r.log_text()[start:])
                                    if line["path"] == "/health"]
                    self.assertEqual(len(health_lines), i + 1, r.log_text()[-2000:])


if __name__ == "__main__":
    unittest.main()
