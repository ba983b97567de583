"""Limits through the real binary (README "What is verified", docs/rules.md).

- FastCGI params (src/fcgi/request_io.cc): the number of params, the size of one name, of one value
  and of all together, each met exactly (the request is signed) and broken by one byte or one param
  (HTTP 431, JSON, the rule in the log line, no signature, and the next request on the same
  kept-alive connection signed). Sent with the hand-written FastCGI client, since cgi-fcgi passes
  its whole environment and so cannot send exact sizes.
- JSON nesting (src/verify/json_strict.cc): a policy nested 8 deep is judged by the policy rules,
  one nested 9 deep (or 30000 deep) is refused 400 before it is parsed.
"""

import itertools
import json
import unittest

import harness
from harness import Responder, cgi_params, profile_yaml
from test_fastcgi import policy_v4

MAX_PARAMS = 256           # fcgi::kMaxParams, FCGI_ROLE (added by libfcgi) included
MAX_NAME = 1024            # fcgi::kMaxParamNameBytes
MAX_VALUE = 32 * 1024      # fcgi::kMaxParamValueBytes
MAX_TOTAL = 128 * 1024     # fcgi::kMaxParamsBytes
MAX_JSON_DEPTH = 8         # verify::kMaxJsonDepth


def param_bytes(params):
    # FCGI_ROLE=RESPONDER is in libfcgi's environment too, and counts.
    return len("FCGI_ROLE") + len("RESPONDER") + sum(
        len(k.encode()) + len(v.encode()) for k, v in params.items())


class FastCgiParamLimitsTest(unittest.TestCase):
    request_ids = itertools.count(1)

    @classmethod
    def setUpClass(cls):
        cls.responder = Responder(profile_yaml())

    @classmethod
    def tearDownClass(cls):
        cls.responder.stop()

    def signature_params(self, body):
        """The params of POST /s3/signature?v4=true with `body`, under a fresh REQUEST_ID."""
        return dict(cgi_params("POST", "/s3/signature", "v4=true", body),
                    REQUEST_ID=f"limits-{next(self.request_ids)}")

    def sign_with(self, extra_params=None, grow_to=None):
        """POST /s3/signature?v4=true with a valid policy and extra params. grow_to: pad with one
        more param so that all names and values add up to exactly that many bytes."""
        body = policy_v4().encode()
        params = self.signature_params(body)
        params.update(extra_params or {})
        if grow_to is not None:
            missing = grow_to - param_bytes(params) - len("HTTP_X_PAD")
            self.assertGreaterEqual(missing, 0)
            params["HTTP_X_PAD"] = "p" * missing
            self.assertEqual(param_bytes(params), grow_to)
        with self.responder.raw_connection() as connection:
            connection.begin_request(keep_conn=True)
            connection.send_params(params)
            connection.send_stdin(body, end=True)
            response = connection.read_response()
            # Refused: the connection stays in step, and the next request on it is signed.
            next_on_it = None
            if response.status == 431:
                next_params = self.signature_params(body)
                connection.begin_request(request_id=2, keep_conn=True)
                connection.send_params(next_params, 2)
                connection.send_stdin(body, 2, end=True)
                next_on_it = (next_params, connection.read_response(2))
        return params, response, next_on_it

    def log_line(self, request_id):
        lines = [f for f in harness.request_log_lines(self.responder.log_text())
                 if f.get("id") == request_id]
        self.assertEqual(len(lines), 1, self.responder.log_text()[-3000:])
        return lines[0]

    def assert_signed(self, params, response):
        self.assertEqual(response.status, 200, response)
        self.assertIn("signature", response.json())
        self.assertEqual(self.log_line(params["REQUEST_ID"])["status"], "200")

    def assert_refused(self, params, response, next_on_it, rule):
        self.assertEqual(response.status, 431, response)
        self.assertIn("application/json", response.headers.get("content-type", ""))
        self.assertEqual(response.json(),
                         {"error": "request header fields too large",
                          "message": "request header fields too large", "preventRetry": True})
        line = self.log_line(params["REQUEST_ID"])
        self.assertEqual((line["status"], line["path"], line.get("refused")),
                         ("431", "/s3/signature", rule), line["_line"])
        self.assertNotIn("signed", line, line["_line"])
        # Nothing else happened, and the next request on the same connection is served normally.
        self.assert_signed(*next_on_it)

    def test_number_of_params(self):
        base = len(cgi_params("POST", "/s3/signature", "v4=true", b"x")) + 2  # REQUEST_ID, ROLE
        at_limit = {f"HTTP_X_{i}": "v" for i in range(MAX_PARAMS - base)}
        params, response, _ = self.sign_with(at_limit)
        self.assertEqual(len(params) + 1, MAX_PARAMS)
        self.assert_signed(params, response)
        over = dict(at_limit, HTTP_X_ONE_MORE="v")
        params, response, next_on_it = self.sign_with(over)
        self.assert_refused(params, response, next_on_it, "fcgi.params.count")

    def test_size_of_one_name(self):
        params, response, _ = self.sign_with({"HTTP_" + "N" * (MAX_NAME - 5): "v"})
        self.assert_signed(params, response)
        params, response, next_on_it = self.sign_with({"HTTP_" + "N" * (MAX_NAME - 4): "v"})
        self.assert_refused(params, response, next_on_it, "fcgi.params.name-size")

    def test_size_of_one_value(self):
        params, response, _ = self.sign_with({"HTTP_COOKIE": "c" * MAX_VALUE})
        self.assert_signed(params, response)
        params, response, next_on_it = self.sign_with({"HTTP_COOKIE": "c" * (MAX_VALUE + 1)})
        self.assert_refused(params, response, next_on_it, "fcgi.params.value-size")
        self.assertIn("HTTP_COOKIE", self.log_line(params["REQUEST_ID"])["detail"])

    def test_size_of_all_params(self):
        big = {f"HTTP_X_BIG_{i}": "b" * (MAX_VALUE - 100) for i in range(3)}
        params, response, _ = self.sign_with(big, grow_to=MAX_TOTAL)
        self.assert_signed(params, response)
        params, response, next_on_it = self.sign_with(big, grow_to=MAX_TOTAL + 1)
        self.assert_refused(params, response, next_on_it, "fcgi.params.total-size")

    def test_refused_on_every_route_unknown_paths_stay_404(self):
        params = cgi_params("GET", "/health")
        params["HTTP_COOKIE"] = "c" * (MAX_VALUE + 1)
        with self.responder.raw_connection() as connection:
            connection.begin_request()
            connection.send_params(params)
            connection.send_stdin(b"", end=True)
            response = connection.read_response()
        self.assertEqual(response.status, 431, response)
        params["DOCUMENT_URI"] = params["SCRIPT_NAME"] = "/nope"
        with self.responder.raw_connection() as connection:
            connection.begin_request()
            connection.send_params(params)
            connection.send_stdin(b"", end=True)
            response = connection.read_response()
        self.assertEqual(response.status, 404, response)


class JsonDepthTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.responder = Responder(profile_yaml())

    @classmethod
    def tearDownClass(cls):
        cls.responder.stop()

    def sign(self, body):
        return self.responder.request("POST", "/s3/signature", query="v4=true", body=body)

    def policy_with_condition(self, condition_depth):
        # The document (1) and its conditions (2), then a condition of arrays nested this deep.
        document = json.loads(policy_v4())
        text = json.dumps(document, separators=(",", ":"))
        nested = "[" * condition_depth + "]" * condition_depth
        return text.replace('"conditions":[', '"conditions":[' + nested + ",", 1)

    def test_policy_at_the_depth_limit_is_judged_by_the_policy_rules(self):
        response = self.sign(self.policy_with_condition(MAX_JSON_DEPTH - 2))
        self.assertEqual(response.status, 500, response)
        self.assertEqual(response.json(), {"invalid": True})
        line = harness.request_log_lines(self.responder.log_text())[-1]
        self.assertEqual(line.get("refused"), "policy.condition.array", line["_line"])

    def test_policy_one_level_deeper_is_refused_before_parsing(self):
        for depth in (MAX_JSON_DEPTH - 1, 30000):  # 30000: still within the 64 KiB body limit
            response = self.sign(self.policy_with_condition(depth))
            self.assertEqual(response.status, 400, response)
            self.assertIn("nested more than 8 deep", response.json()["error"])
            line = harness.request_log_lines(self.responder.log_text())[-1]
            self.assertEqual(line.get("refused"), "request.json.depth", line["_line"])
        # An ordinary policy still gets its signature.
        self.assertEqual(self.sign(policy_v4()).status, 200)


if __name__ == "__main__":
    unittest.main()
