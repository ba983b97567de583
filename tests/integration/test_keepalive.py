"""Idle connections must not pin worker threads: nginx keep-alive, silent and stalled clients."""

import http.client
import json
import threading
import time
import unittest

import harness
from harness import Nginx, RawFcgiConnection, Responder, cgi_fcgi_request, profile_yaml
from test_fastcgi import policy_v4


def nginx_site(socket_path, keepalive=32):
    return f"""
  upstream s3us {{
    server unix:{socket_path};
    keepalive {keepalive};
  }}
  server {{
    listen 127.0.0.1:{{port}};
    location / {{
      include /etc/nginx/fastcgi_params;
      fastcgi_keep_conn on;
      fastcgi_pass s3us;
    }}
  }}
"""


class NginxKeepAliveTest(unittest.TestCase):
    CLIENTS = 64
    REQUESTS_EACH = 20
    DEADLINE = 60.0  # generous: it either completes in seconds or hangs for good

    def test_many_keepalive_clients_through_nginx_with_two_threads(self):
        with Responder(profile_yaml(), threads=2) as r, \
                Nginx(nginx_site(r.socket_path), worker_processes=2) as nginx:
            errors = []
            done = []
            lock = threading.Lock()
            start = threading.Barrier(self.CLIENTS)

            def client(index):
                conn = http.client.HTTPConnection("127.0.0.1", nginx.port, timeout=30)
                ok = 0
                try:
                    start.wait(30)
                    for _ in range(self.REQUESTS_EACH):
                        conn.request("GET", "/health", headers={"Connection": "keep-alive"})
                        response = conn.getresponse()
                        body = response.read()
                        if response.status != 200 or b'"generation"' not in body:
                            raise AssertionError(f"client {index}: {response.status} {body!r}")
                        ok += 1
                except BaseException as e:  # noqa: BLE001 - reported below
                    with lock:
                        errors.append(f"client {index} after {ok} requests: {e!r}")
                finally:
                    conn.close()
                    with lock:
                        done.append(ok)

            threads = [threading.Thread(target=client, args=(i,), daemon=True)
                       for i in range(self.CLIENTS)]
            started = time.monotonic()
            for t in threads:
                t.start()
            for t in threads:
                t.join(max(0.0, self.DEADLINE - (time.monotonic() - started)))
            hung = sum(t.is_alive() for t in threads)
            self.assertEqual(hung, 0, f"{hung} clients still waiting after {self.DEADLINE}s: "
                                      f"idle kept-alive connections pin worker threads?\n"
                                      f"{nginx.error_log()[-2000:]}")
            self.assertEqual(errors, [], nginx.error_log()[-2000:])
            self.assertEqual(sum(done), self.CLIENTS * self.REQUESTS_EACH)

            # Every request reached the responder (nginx did not answer any itself).
            total = self.CLIENTS * self.REQUESTS_EACH
            deadline = time.monotonic() + 10
            while len(harness.request_log_lines(r.log_text())) < total and \
                    time.monotonic() < deadline:
                time.sleep(0.05)
            self.assertEqual(len(harness.request_log_lines(r.log_text())), total)
            self.assertNotIn("upstream timed out", nginx.error_log())

    def test_signing_through_nginx(self):
        # The same site, one real POST: params (DOCUMENT_URI, QUERY_STRING, CONTENT_*) as nginx
        # sends them, and the body.
        with Responder(profile_yaml(), threads=2) as r, Nginx(nginx_site(r.socket_path)) as nginx:
            conn = http.client.HTTPConnection("127.0.0.1", nginx.port, timeout=30)
            body = policy_v4()
            conn.request("POST", "/s3/signature?v4=true", body=body,
                         headers={"Content-Type": "application/json; charset=utf-8"})
            response = conn.getresponse()
            answer = json.loads(response.read())
            self.assertEqual(response.status, 200, answer)
            self.assertEqual(response.getheader("Content-Type").split(";")[0], "application/json")
            day = json.loads(body)["conditions"][7]["x-amz-date"][:8]
            self.assertEqual(answer["signature"],
                             harness.sign_v4(r.secret, day, "us-east-1",
                                             answer["policy"]))
            conn.request("GET", "/s3/signature")
            response = conn.getresponse()
            response.read()
            self.assertEqual(response.status, 405)
            self.assertIn("POST", response.getheader("Allow", ""))
            conn.close()


class IdleConnectionTest(unittest.TestCase):
    """With a single worker thread, connections that send nothing must not block others."""

    def test_silent_connections_do_not_block_a_single_thread(self):
        with Responder(profile_yaml(), threads=1) as r:
            silent = [RawFcgiConnection(r.socket_path) for _ in range(4)]
            try:
                response = cgi_fcgi_request(r.socket_path, "GET", "/health", timeout=5)
                self.assertEqual(response.status, 200, response)
                response = cgi_fcgi_request(r.socket_path, "GET", "/health", timeout=5)
                self.assertEqual(response.status, 200, response)
            finally:
                for c in silent:
                    c.close()

    def test_idle_kept_alive_connection_does_not_pin_the_only_thread(self):
        with Responder(profile_yaml(), threads=1) as r:
            with r.raw_connection() as kept:
                self.assertEqual(kept.request("GET", "/health", keep_conn=True).status, 200)
                # The connection is now idle but open, as in nginx's keepalive cache.
                response = cgi_fcgi_request(r.socket_path, "GET", "/health", timeout=5)
                self.assertEqual(response.status, 200, response)
                # And the kept connection still works for its next request.
                self.assertEqual(kept.request("GET", "/health", keep_conn=True).status, 200)
                self.assertEqual(kept.request("GET", "/nope", keep_conn=True).status, 404)

    def test_many_requests_on_one_kept_connection(self):
        with Responder(profile_yaml(), threads=1) as r, r.raw_connection() as kept:
            for i in range(50):
                response = kept.request("GET", "/health", keep_conn=True)
                self.assertEqual(response.status, 200, f"request {i}: {response}")

    def test_connection_without_keep_conn_is_closed(self):
        with Responder(profile_yaml(), threads=1) as r, r.raw_connection() as conn:
            self.assertEqual(conn.request("GET", "/health", keep_conn=False).status, 200)
            self.assertTrue(conn.wait_closed(timeout=5),
                            "without FCGI_KEEP_CONN the responder must close the connection")

    def test_idle_kept_alive_connection_is_closed_after_idle_timeout(self):
        with Responder(profile_yaml(server={"idle_timeout": "1s"}), threads=1) as r, \
                r.raw_connection() as kept:
            self.assertEqual(kept.request("GET", "/health", keep_conn=True).status, 200)
            self.assertTrue(kept.wait_closed(timeout=10),
                            "an idle kept-alive connection must be closed after idle_timeout")
            self.assertEqual(r.request("GET", "/health").status, 200)

    def test_stalled_request_costs_at_most_io_timeout(self):
        # A peer that stops half-way through its params: with io_timeout 2s the single worker
        # (if it was given the connection at all) is free again after that.
        with Responder(profile_yaml(server={"io_timeout": "2s"}), threads=1) as r, \
                r.raw_connection() as stalled:
            stalled.begin_request()
            stalled.send_raw(harness.fcgi_record(harness.FCGI_PARAMS, 1,
                                                 harness.fcgi_name_value("REQUEST_METHOD", "GET")))
            time.sleep(0.2)  # sequencing only
            started = time.monotonic()
            response = cgi_fcgi_request(r.socket_path, "GET", "/health", timeout=15)
            waited = time.monotonic() - started
            self.assertEqual(response.status, 200, response)
            # The contract bound is io_timeout (2 s); 5 s leaves room for a slow machine but
            # catches a worker held for several timeouts in a row (params, body, close drain).
            self.assertLess(waited, 5.0, f"a stalled peer held the only worker {waited:.1f}s")
            self.assertTrue(stalled.wait_closed(timeout=15),
                            "the stalled connection must be closed after io_timeout")


if __name__ == "__main__":
    unittest.main()
