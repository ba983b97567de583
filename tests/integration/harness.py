"""Integration-test harness: the built responder, radosgw, a real FastCGI client, nginx.

Standard library + boto3/botocore/requests only. Everything a test starts is stopped again: by the
context managers, and as a last resort at interpreter exit.

    from harness import rgw, profile_yaml, Responder

    with Responder(profile_yaml()) as r:
        resp = r.request("GET", "/health")
        assert resp.status == 200 and resp.json()["version"]

What is here:
    rgw() / Rgw                   radosgw (boto3 client, buckets)
    profile_yaml()                a complete config; default_profile(), default_routes(), to_yaml();
                                  s3=/credentials= sections, server_credentials="server"
    Responder                     the binary on a unix socket, its log, signals, reload; extra
                                  private files beside its config (files=, e.g. webhook secrets)
    cgi_fcgi_request()            one request through the real client cgi-fcgi (libfcgi-bin)
    RawFcgiConnection             a hand-written FastCGI client (partial requests, FCGI_KEEP_CONN)
    Nginx                         a real nginx with its own prefix, in front of a responder
    Apache                        a real Apache httpd (apache2) with its own ServerRoot
    sign_v2/sign_v4/sign_v4_rest  independent signing, for expected values
    request_log_lines()           the responder's per-request log lines, parsed (logfmt)
    current_access_key()/current_secret()  the key pair profile_yaml()/Responder() use by default

Environment:
    S3US_BINARY        the responder to test (default: build/asan/s3-upload-signer)
    S3US_RGW_ENDPOINT  use this already running radosgw (with S3US_RGW_AK / S3US_RGW_SK) instead
                       of starting one; else scripts/rgw-start on S3US_RGW_PORT (7580) and
                       S3US_MON_PORT (3310), once per process, stopped at exit.
    S3US_KEEP_TMP      set to 1 to keep the responders' temporary folders (configs, logs).
"""

from __future__ import annotations

import atexit
import base64
import copy
import hashlib
import hmac
import json
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.parse
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
BINARY = Path(os.environ.get("S3US_BINARY") or REPO_ROOT / "build/asan/s3-upload-signer")

# The AWS documentation's example key pair: used when no radosgw is involved (signing never calls S3).
EXAMPLE_ACCESS_KEY = "AKIAIOSFODNN7EXAMPLE"
EXAMPLE_SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
# scripts/rgw-start's defaults.
RGW_DEFAULT_AK = "CIACCESSKEY000000000"
RGW_DEFAULT_SK = "cisecretkey0000000000000000000000000000"

# What a sanitizer prints when it finds something; any of these in a responder's stderr fails the test.
SANITIZER_MARKERS = (
    "ERROR: AddressSanitizer",
    "ERROR: LeakSanitizer",
    "runtime error:",
    "ERROR: ThreadSanitizer",
    "WARNING: ThreadSanitizer",
)

_keep_tmp = os.environ.get("S3US_KEEP_TMP") == "1"


def _exit_on_sigterm(signum, frame):
    # Unwind (context managers, atexit) so that every responder, nginx and radosgw we started is
    # stopped, also when the test run is killed by a timeout or scripts/test's cleanup. unittest
    # stops the whole run on KeyboardInterrupt (any other exception would only fail one test).
    # Further SIGTERMs (a process group kill also reaches us through `timeout`) must not break
    # off that cleanup; a Python-level no-op, unlike SIG_IGN, is not inherited by children.
    global _interrupted
    _interrupted = True
    signal.signal(signal.SIGTERM, lambda *_: None)
    raise KeyboardInterrupt(f"signal {signum}")


_interrupted = False  # set on SIGTERM: stop() then kills instead of waiting for a graceful exit


if threading.current_thread() is threading.main_thread() and \
        signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
    signal.signal(signal.SIGTERM, _exit_on_sigterm)


def _rmtree(path):
    if not _keep_tmp:
        shutil.rmtree(path, ignore_errors=True)


# ------------------------------------------------------------------------------------------------
# radosgw
# ------------------------------------------------------------------------------------------------


class Rgw:
    """A radosgw: its S3 endpoint and the key pair of its one user."""

    def __init__(self, endpoint, access_key, secret_key, directory=None):
        self.endpoint = endpoint.rstrip("/")
        parsed = urllib.parse.urlsplit(self.endpoint)
        self.port = parsed.port or (443 if parsed.scheme == "https" else 80)
        self.access_key = access_key
        self.secret_key = secret_key
        self.directory = directory  # set when we started it (scripts/rgw-start DIR)

    def client(self, **config_overrides):
        """A boto3 S3 client for this radosgw: path-style, us-east-1, SigV4."""
        import boto3
        from botocore.config import Config

        options = dict(
            signature_version="s3v4",
            s3={"addressing_style": "path"},
            retries={"max_attempts": 2, "mode": "standard"},
            connect_timeout=10,
            read_timeout=60,
        )
        # botocore >= 1.36 adds CRC checksums by default; radosgw 16 does not know them.
        options.update(request_checksum_calculation="when_required",
                       response_checksum_validation="when_required")
        options.update(config_overrides)
        try:
            config = Config(**options)
        except TypeError:  # an older botocore (Debian's): no checksum options
            options.pop("request_checksum_calculation", None)
            options.pop("response_checksum_validation", None)
            config = Config(**options)
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
            region_name="us-east-1",
            config=config,
        )

    def make_bucket(self, name):
        """Creates the bucket unless it exists already (ours). Returns the name."""
        client = self.client()
        try:
            client.create_bucket(Bucket=name)
        except client.exceptions.BucketAlreadyOwnedByYou:
            pass
        except client.exceptions.BucketAlreadyExists:
            pass
        return name

    def __repr__(self):
        return f"Rgw({self.endpoint!r})"


def rgw_with_bucket(bucket):
    """A test module's set-up: the process-wide radosgw, the bucket made, and a boto3 client."""
    server = rgw()
    server.make_bucket(bucket)
    return server, server.client()


def require_nginx():
    if shutil.which("nginx") is None:
        raise unittest.SkipTest("nginx is not installed (scripts/install-deps)")


def head_object(client, bucket, key):
    """boto3's head_object for the object, or None when radosgw says there is none."""
    import botocore.exceptions

    try:
        return client.head_object(Bucket=bucket, Key=key)
    except botocore.exceptions.ClientError as e:
        if e.response["Error"]["Code"] in ("404", "NoSuchKey", "NotFound"):
            return None
        raise


def remove_objects(client, bucket, keys):
    """A test module's clean-up: deletes these keys (gone already is fine) and aborts the pending
    multipart uploads of any of them (left by a failed test)."""
    import botocore.exceptions

    keys = set(keys)
    for key in keys:
        try:
            client.delete_object(Bucket=bucket, Key=key)
        except botocore.exceptions.ClientError:
            pass
    for upload in client.list_multipart_uploads(Bucket=bucket).get("Uploads", []):
        if upload["Key"] in keys:
            client.abort_multipart_upload(Bucket=bucket, Key=upload["Key"],
                                          UploadId=upload["UploadId"])


_rgw_lock = threading.Lock()
_rgw_instance = None


def rgw():
    """The process-wide radosgw: S3US_RGW_ENDPOINT if set, else one started on first use."""
    global _rgw_instance
    with _rgw_lock:
        if _rgw_instance is not None:
            return _rgw_instance
        endpoint = os.environ.get("S3US_RGW_ENDPOINT")
        if endpoint:
            _rgw_instance = Rgw(endpoint,
                                os.environ.get("S3US_RGW_AK") or RGW_DEFAULT_AK,
                                os.environ.get("S3US_RGW_SK") or RGW_DEFAULT_SK)
            return _rgw_instance
        port = int(os.environ.get("S3US_RGW_PORT") or 7580)
        mon_port = int(os.environ.get("S3US_MON_PORT") or 3310)
        directory = tempfile.mkdtemp(prefix="s3us-rgw-")
        env = dict(os.environ, DIR=directory, RGW_PORT=str(port), MON_PORT=str(mon_port),
                   AK=RGW_DEFAULT_AK, SK=RGW_DEFAULT_SK)
        atexit.register(_stop_rgw, directory)
        started = time.monotonic()
        proc = subprocess.run([str(REPO_ROOT / "scripts/rgw-start")], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              timeout=300, stdin=subprocess.DEVNULL)
        if proc.returncode != 0:
            raise RuntimeError(f"scripts/rgw-start failed ({proc.returncode}):\n{proc.stdout}")
        sys.stderr.write(f"[harness] radosgw up on 127.0.0.1:{port} in "
                         f"{time.monotonic() - started:.1f}s (DIR={directory})\n")
        _rgw_instance = Rgw(f"http://127.0.0.1:{port}", RGW_DEFAULT_AK, RGW_DEFAULT_SK, directory)
        return _rgw_instance


def _stop_rgw(directory):
    subprocess.run([str(REPO_ROOT / "scripts/rgw-stop")], env=dict(os.environ, DIR=directory),
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120)
    _rmtree(directory)


def current_access_key():
    """The access key id profile_yaml() writes: radosgw's once it is in use, else AWS's example."""
    return _rgw_instance.access_key if _rgw_instance is not None else EXAMPLE_ACCESS_KEY


def current_secret():
    """The secret Responder() writes by default; matches current_access_key()."""
    return _rgw_instance.secret_key if _rgw_instance is not None else EXAMPLE_SECRET_KEY


# ------------------------------------------------------------------------------------------------
# Configuration
# ------------------------------------------------------------------------------------------------


def default_profile(bucket="itest", endpoint="http://localhost:7580"):
    """The profile settings profile_yaml() starts from, as a dict (a fresh copy each call)."""
    parsed = urllib.parse.urlsplit(endpoint)
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    return {
        "credentials": "signing",
        "bucket": bucket,
        "region": "us-east-1",
        "endpoint": endpoint,
        "addressing": "virtual",
        "host": f"{bucket}.{parsed.hostname}:{port}",
        "signature_versions": ["v2", "v4"],
        "key": {"prefix": "", "shapes": ["uuid.ext"]},
        "size": {"min": 1, "max": 20000000},
        "content_types": ["image/*", "text/plain", "application/octet-stream"],
        "acls": ["private", "public-read"],
        "success_action_status": ["200", "201"],
        "metadata": {"names": ["qqfilename", "category"], "max_size": "2KiB"},
        "storage_classes": ["STANDARD", "REDUCED_REDUNDANCY"],
        "server_side_encryption": ["AES256"],
        "object_headers": {"Cache-Control": ["max-age=3600"]},
    }


def default_routes(profile="test", auth="none"):
    """auth "none" keeps the tests that are about something else free to call anonymously (the
    responder then still uses REMOTE_USER when a test sends one); test_auth.py covers the rest."""
    return [
        {"path": "/s3/signature", "methods": ["POST"], "handler": "sign", "profile": profile,
         "auth": auth},
        {"path": "/s3/success", "methods": ["POST"], "handler": "success", "profile": profile,
         "auth": auth},
        {"path": "/s3/delete/*", "methods": ["DELETE", "POST"], "handler": "delete",
         "profile": profile, "auth": auth},
        {"path": "/health", "methods": ["GET"], "handler": "health"},
    ]


def _merge(base, overrides):
    """Overrides replace keys; dict values are merged into dict values; None removes a key."""
    result = dict(base)
    for name, value in overrides.items():
        if value is None:
            result.pop(name, None)
        elif isinstance(value, dict) and isinstance(result.get(name), dict):
            result[name] = _merge(result[name], value)
        else:
            result[name] = copy.deepcopy(value)
    return result


# The credential profile_yaml() adds for server_credentials="server", and its secret file.
SERVER_CREDENTIAL = "server"
SERVER_SECRET_FILE = "server.secret"


def profile_yaml(bucket="itest", endpoint="http://localhost:7580", **overrides):
    """A complete configuration file (YAML text) with one profile "test" and the standard routes.

    Keyword arguments replace the profile's keys (see default_profile()); a dict value is merged
    into the default dict (size={"max": 1000} keeps min), and None removes a key so that the
    responder's own default applies. These keywords are not profile keys:
      server={...}       a top-level `server:` section (e.g. {"max_body_size": "1KiB"})
      s3={...}           a top-level `s3:` section (e.g. {"timeout": "1500ms", "retries": 1})
      credentials={...}  more named credentials, added to (or replacing) "signing"
      routes=[...]       replaces the list of routes
      authenticators={...}  a top-level `authenticators:` section
    Credentials "signing": access_key_id = current_access_key() (radosgw's once rgw() was used,
    else AKIAIOSFODNN7EXAMPLE); the secret from secret_file "signing.secret" beside the config,
    which Responder writes. A profile with server_credentials="server" (and no "server" in
    credentials=) also gets credential "server": the same access key, its secret from secret_file
    "server.secret", which Responder writes too (see SERVER_CREDENTIAL).
    """
    server = overrides.pop("server", None)
    s3 = overrides.pop("s3", None)
    extra_credentials = overrides.pop("credentials", None) or {}
    routes = overrides.pop("routes", None) or default_routes()
    authenticators = overrides.pop("authenticators", None)
    profile = _merge(default_profile(bucket, endpoint), overrides)
    document = {}
    if server:
        document["server"] = server
    if s3:
        document["s3"] = s3
    credentials = {
        "signing": {"access_key_id": current_access_key(), "secret_file": "signing.secret"}}
    if profile.get("server_credentials") == SERVER_CREDENTIAL and \
            SERVER_CREDENTIAL not in extra_credentials:
        credentials[SERVER_CREDENTIAL] = {"access_key_id": current_access_key(),
                                          "secret_file": SERVER_SECRET_FILE}
    credentials.update(copy.deepcopy(extra_credentials))
    document["credentials"] = credentials
    document["profiles"] = {"test": profile}
    if authenticators:
        document["authenticators"] = authenticators
    document["routes"] = routes
    return "# written by tests/integration/harness.py\n" + to_yaml(document)


_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*$")
_PLAIN_SCALAR = re.compile(r"^[A-Za-z0-9_/][A-Za-z0-9_./*:=+\-]*$")
_NUMBER_LIKE = re.compile(r"^([-+]?[0-9_.]+([eE][-+]?[0-9]+)?|0[xXoObB].*)$")
_YAML_WORDS = ("true", "false", "null", "yes", "no", "on", "off", "y", "n", "~")


def _yaml_scalar(value):
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    if isinstance(value, (int, float)):
        return repr(value)
    text = str(value)
    if _PLAIN_SCALAR.match(text) and not text.endswith(":") and \
            text.lower() not in _YAML_WORDS and not _NUMBER_LIKE.match(text):
        return text
    # A JSON string is a valid YAML double-quoted scalar.
    return json.dumps(text)


def _yaml_key(key):
    key = str(key)
    return key if _PLAIN_KEY.match(key) and key.lower() not in _YAML_WORDS else json.dumps(key)


def to_yaml(value, indent=0):
    """Block-style YAML for dicts and lists of dicts; flow style for lists of scalars."""
    pad = " " * indent
    lines = []
    if isinstance(value, dict):
        if not value:
            return pad + "{}\n"
        for name, item in value.items():
            if isinstance(item, dict) and item:
                lines.append(f"{pad}{_yaml_key(name)}:\n{to_yaml(item, indent + 2)}")
            elif isinstance(item, list) and any(isinstance(x, (dict, list)) for x in item):
                lines.append(f"{pad}{_yaml_key(name)}:\n{to_yaml(item, indent + 2)}")
            else:
                lines.append(f"{pad}{_yaml_key(name)}: {_inline(item)}\n")
        return "".join(lines)
    if isinstance(value, list):
        for item in value:
            if isinstance(item, dict) and item:
                body = to_yaml(item, indent + 2)
                lines.append(pad + "- " + body[indent + 2:])
            else:
                lines.append(f"{pad}- {_inline(item)}\n")
        return "".join(lines)
    return pad + _yaml_scalar(value) + "\n"


def _inline(value):
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_yaml_key(k)}: {_inline(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_inline(v) for v in value) + "]"
    return _yaml_scalar(value)


def find_line_col(text, needle, occurrence=1):
    """1-based (line, column) of the n-th occurrence of `needle` in `text`."""
    start = -1
    for _ in range(occurrence):
        start = text.index(needle, start + 1)
    line = text.count("\n", 0, start) + 1
    column = start - (text.rfind("\n", 0, start) + 1) + 1
    return line, column


# ------------------------------------------------------------------------------------------------
# FastCGI: the request parameters, cgi-fcgi, and a raw client
# ------------------------------------------------------------------------------------------------


class FcgiResponse:
    """A CGI-style response: `Status:` line turned into status, other headers lower-cased."""

    def __init__(self, status, headers, body, raw=b"", stderr=b"", app_status=None):
        self.status = status
        self.headers = headers
        self.body = body
        self.raw = raw
        self.stderr = stderr
        self.app_status = app_status

    def json(self):
        return json.loads(self.body.decode("utf-8"))

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")

    def __repr__(self):
        return f"FcgiResponse({self.status}, {self.headers!r}, {self.body[:300]!r})"


def parse_cgi_response(raw, stderr=b"", app_status=None):
    """Splits CGI output ("Status: 404 Not Found\\r\\nContent-Type: ...\\r\\n\\r\\nbody")."""
    split = None
    for separator in (b"\r\n\r\n", b"\n\n"):
        index = raw.find(separator)
        if index >= 0 and (split is None or index < split[0]):
            split = (index, len(separator))
    if split is None:
        raise ValueError(f"no end of headers in FastCGI output: {raw[:500]!r}")
    head, body = raw[:split[0]], raw[split[0] + split[1]:]
    status = 200
    headers = {}
    for line in head.decode("latin-1").replace("\r\n", "\n").split("\n"):
        if not line:
            continue
        if ":" not in line:
            raise ValueError(f"malformed header line {line!r} in {raw[:500]!r}")
        name, value = line.split(":", 1)
        name, value = name.strip().lower(), value.strip()
        if name == "status":
            status = int(value.split()[0])
            continue
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return FcgiResponse(status, headers, body, raw, stderr, app_status)


def cgi_params(method, path, query="", body=b"", headers=None, remote_user=None,
               content_type=None):
    """The parameters nginx would send (fastcgi_params), as a dict of str -> str.

    content_type None means: "application/json; charset=utf-8" when there is a body (what Fine
    Uploader sends), none otherwise; "" sends no CONTENT_TYPE at all.
    """
    if isinstance(body, str):
        body = body.encode("utf-8")
    if content_type is None:
        content_type = "application/json; charset=utf-8" if body else ""
    params = {
        "GATEWAY_INTERFACE": "CGI/1.1",
        "SERVER_SOFTWARE": "s3us-harness",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "SERVER_NAME": "localhost",
        "SERVER_ADDR": "127.0.0.1",
        "SERVER_PORT": "80",
        "REMOTE_ADDR": "127.0.0.1",
        "REMOTE_PORT": "54321",
        "REQUEST_SCHEME": "http",
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": path,
        "DOCUMENT_URI": path,
        "REQUEST_URI": path + ("?" + query if query else ""),
        "QUERY_STRING": query,
        "CONTENT_LENGTH": str(len(body)) if body else "",
        "HTTP_HOST": "localhost",
    }
    if content_type:
        params["CONTENT_TYPE"] = content_type
    if remote_user is not None:
        params["REMOTE_USER"] = remote_user
    for name, value in (headers or {}).items():
        params["HTTP_" + name.upper().replace("-", "_")] = str(value)
    return params


def _cgi_fcgi():
    path = shutil.which("cgi-fcgi") or "/usr/bin/cgi-fcgi"
    if not os.path.exists(path):
        raise RuntimeError("cgi-fcgi not found: apt-get install libfcgi-bin (scripts/install-deps)")
    return path


def cgi_fcgi_request(address, method, path, query="", body=b"", headers=None, remote_user=None,
                     content_type=None, timeout=30):
    """One request through the real FastCGI client `cgi-fcgi -bind -connect <address>`.

    cgi-fcgi sends its whole environment as the params and its stdin as the body; so the
    environment is exactly the CGI variables (plus PATH).
    """
    if isinstance(body, str):
        body = body.encode("utf-8")
    env = cgi_params(method, path, query, body, headers, remote_user, content_type)
    try:
        proc = subprocess.run([_cgi_fcgi(), "-bind", "-connect", str(address)], input=body,
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              timeout=timeout)
    except subprocess.TimeoutExpired as e:
        raise TimeoutError(f"cgi-fcgi got no complete answer from {address} within {timeout}s "
                           f"for {method} {path}") from e
    if not proc.stdout:
        raise ConnectionError(f"cgi-fcgi -connect {address}: exit {proc.returncode}, no output, "
                              f"stderr {proc.stderr[-2000:]!r}")
    return parse_cgi_response(proc.stdout, proc.stderr, proc.returncode)


# FastCGI record types and constants (FastCGI specification 1.0).
FCGI_VERSION_1 = 1
FCGI_BEGIN_REQUEST = 1
FCGI_ABORT_REQUEST = 2
FCGI_END_REQUEST = 3
FCGI_PARAMS = 4
FCGI_STDIN = 5
FCGI_STDOUT = 6
FCGI_STDERR = 7
FCGI_DATA = 8
FCGI_GET_VALUES = 9
FCGI_GET_VALUES_RESULT = 10
FCGI_UNKNOWN_TYPE = 11
FCGI_RESPONDER = 1
FCGI_KEEP_CONN = 1
FCGI_REQUEST_COMPLETE = 0

_HEADER = struct.Struct("!BBHHBx")


def fcgi_record(record_type, request_id, content=b""):
    """One record, padded to a multiple of 8 bytes. content must be at most 65535 bytes."""
    if len(content) > 0xFFFF:
        raise ValueError("FastCGI record content too long")
    padding = (-len(content)) % 8
    return (_HEADER.pack(FCGI_VERSION_1, record_type, request_id, len(content), padding)
            + content + b"\0" * padding)


def fcgi_stream(record_type, request_id, data, chunk=0xFFF8):
    """`data` as records of one stream type, without the empty closing record."""
    return b"".join(fcgi_record(record_type, request_id, data[i:i + chunk])
                    for i in range(0, len(data), chunk))


def fcgi_name_value(name, value):
    def length(n):
        return struct.pack("!B", n) if n < 128 else struct.pack("!I", n | 0x80000000)

    name = name.encode("utf-8") if isinstance(name, str) else name
    value = value.encode("utf-8") if isinstance(value, str) else value
    return length(len(name)) + length(len(value)) + name + value


def fcgi_parse_name_values(data):
    result = {}
    i = 0

    def length():
        nonlocal i
        if data[i] & 0x80:
            n = struct.unpack_from("!I", data, i)[0] & 0x7FFFFFFF
            i += 4
        else:
            n = data[i]
            i += 1
        return n

    while i < len(data):
        name_len = length()
        value_len = length()
        name = data[i:i + name_len].decode("utf-8", "replace")
        i += name_len
        result[name] = data[i:i + value_len].decode("utf-8", "replace")
        i += value_len
    return result


def _connect(address, timeout):
    """address: a unix socket path (str/Path, or "unix:/path"), "host:port", or (host, port)."""
    if isinstance(address, tuple):
        return socket.create_connection(address, timeout=timeout)
    address = str(address)
    if address.startswith("unix:"):
        address = address[5:]
    if address.startswith("/") or address.startswith("."):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(timeout)
        try:
            sock.connect(address)
        except BaseException:
            sock.close()
            raise
        return sock
    host, _, port = address.rpartition(":")
    return socket.create_connection((host.strip("[]"), int(port)), timeout=timeout)


class RawFcgiConnection:
    """A FastCGI client written out by hand, for what cgi-fcgi cannot do: hold back part of a
    request, keep a connection open (FCGI_KEEP_CONN) for several requests, or send nothing.

        with RawFcgiConnection(r.socket_path) as c:
            c.begin_request(keep_conn=True)
            c.send_params(cgi_params("GET", "/health"))
            c.send_stdin(b"", end=True)
            resp = c.read_response()
    """

    def __init__(self, address, timeout=10.0):
        self.address = address
        self.timeout = timeout
        self.sock = _connect(address, timeout)
        self._buffer = b""

    # --- sending -----------------------------------------------------------------------------
    def send_raw(self, data):
        self.sock.sendall(data)

    def begin_request(self, request_id=1, keep_conn=False, role=FCGI_RESPONDER):
        flags = FCGI_KEEP_CONN if keep_conn else 0
        self.send_raw(fcgi_record(FCGI_BEGIN_REQUEST, request_id,
                                  struct.pack("!HB5x", role, flags)))

    def send_params(self, params, request_id=1, end=True):
        data = b"".join(fcgi_name_value(k, v) for k, v in params.items())
        out = fcgi_stream(FCGI_PARAMS, request_id, data)
        if end:
            out += fcgi_record(FCGI_PARAMS, request_id)
        self.send_raw(out)

    def send_stdin(self, data, request_id=1, end=False):
        if isinstance(data, str):
            data = data.encode("utf-8")
        out = fcgi_stream(FCGI_STDIN, request_id, data)
        if end:
            out += fcgi_record(FCGI_STDIN, request_id)
        self.send_raw(out)

    def end_stdin(self, request_id=1):
        self.send_raw(fcgi_record(FCGI_STDIN, request_id))

    def abort_request(self, request_id=1):
        self.send_raw(fcgi_record(FCGI_ABORT_REQUEST, request_id))

    def get_values(self, names=("FCGI_MAX_CONNS", "FCGI_MAX_REQS", "FCGI_MPXS_CONNS")):
        self.send_raw(fcgi_record(FCGI_GET_VALUES, 0,
                                  b"".join(fcgi_name_value(n, "") for n in names)))
        while True:
            record_type, _, content = self.read_record()
            if record_type == FCGI_GET_VALUES_RESULT:
                return fcgi_parse_name_values(content)

    # --- receiving ---------------------------------------------------------------------------
    def _read_exact(self, n, deadline):
        while len(self._buffer) < n:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"no complete FastCGI record within {self.timeout}s")
            self.sock.settimeout(remaining)
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout as e:
                raise TimeoutError(f"no complete FastCGI record within {self.timeout}s") from e
            if not chunk:
                raise ConnectionError("the responder closed the FastCGI connection")
            self._buffer += chunk
        data, self._buffer = self._buffer[:n], self._buffer[n:]
        return data

    def read_record(self, timeout=None):
        """(type, request_id, content) of the next record."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        version, record_type, request_id, length, padding = _HEADER.unpack(
            self._read_exact(_HEADER.size, deadline))
        if version != FCGI_VERSION_1:
            raise ValueError(f"bad FastCGI version {version}")
        content = self._read_exact(length + padding, deadline)[:length]
        return record_type, request_id, content

    def read_response(self, request_id=1, timeout=None):
        """Reads STDOUT/STDERR up to END_REQUEST and parses the CGI response."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        stdout, stderr = [], []
        while True:
            record_type, rid, content = self.read_record(max(0.001, deadline - time.monotonic()))
            if rid != request_id and record_type != FCGI_UNKNOWN_TYPE:
                raise ValueError(f"record for request {rid}, expected {request_id}")
            if record_type == FCGI_STDOUT:
                stdout.append(content)
            elif record_type == FCGI_STDERR:
                stderr.append(content)
            elif record_type == FCGI_END_REQUEST:
                app_status, protocol_status = struct.unpack("!IB3x", content)
                if protocol_status != FCGI_REQUEST_COMPLETE:
                    raise ConnectionError(f"FastCGI protocol status {protocol_status}")
                return parse_cgi_response(b"".join(stdout), b"".join(stderr), app_status)
            else:
                raise ValueError(f"unexpected FastCGI record type {record_type}")

    def request(self, method, path, query="", body=b"", headers=None, remote_user=None,
                content_type=None, request_id=1, keep_conn=True, timeout=None):
        """A whole request on this connection; keep_conn leaves it open for the next one."""
        if isinstance(body, str):
            body = body.encode("utf-8")
        self.begin_request(request_id, keep_conn=keep_conn)
        self.send_params(cgi_params(method, path, query, body, headers, remote_user,
                                    content_type), request_id)
        self.send_stdin(body, request_id, end=True)
        return self.read_response(request_id, timeout)

    def wait_closed(self, timeout=5.0):
        """True if the responder closes the connection within `timeout` (whatever records it
        sends first, e.g. an END_REQUEST for an abandoned request, are read and dropped)."""
        deadline = time.monotonic() + timeout
        self._buffer = b""
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            self.sock.settimeout(remaining)
            try:
                if not self.sock.recv(65536):
                    return True
            except socket.timeout:
                return False
            except (ConnectionResetError, BrokenPipeError):
                return True

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


# ------------------------------------------------------------------------------------------------
# The responder
# ------------------------------------------------------------------------------------------------

_live_processes = set()
_live_lock = threading.Lock()


def _track(proc):
    with _live_lock:
        _live_processes.add(proc)


def _untrack(proc):
    with _live_lock:
        _live_processes.discard(proc)


@atexit.register
def _kill_leftovers():
    with _live_lock:
        leftovers = list(_live_processes)
    for proc in leftovers:
        if proc.poll() is None:
            try:
                proc.kill()
                proc.wait(5)
            except (OSError, subprocess.TimeoutExpired):
                pass


def sanitizer_report(log_text):
    """The first sanitizer report in a log, or None."""
    for marker in SANITIZER_MARKERS:
        index = log_text.find(marker)
        if index >= 0:
            start = log_text.rfind("\n", 0, max(0, index - 200)) + 1
            return log_text[start:start + 4000]
    return None


def responder_env(extra=None):
    """The environment for a responder: ours without socket activation, sanitizers set to fail."""
    env = dict(os.environ)
    for name in ("LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES"):
        env.pop(name, None)
    env.setdefault("ASAN_OPTIONS", "detect_leaks=1")
    env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1")
    if extra:
        env.update(extra)
    return env


def wait_for_socket(address, proc=None, timeout=10.0, log_path=None):
    """Waits until `address` accepts connections (or proc exits / timeout: RuntimeError)."""
    deadline = time.monotonic() + timeout
    last_error = None
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            break
        try:
            _connect(address, 1.0).close()
            return
        except OSError as e:
            last_error = e
            time.sleep(0.02)
    log = Path(log_path).read_text(errors="replace") if log_path and Path(log_path).exists() \
        else ""
    state = f"exited with {proc.returncode}" if proc is not None and proc.poll() is not None \
        else f"did not accept within {timeout}s ({last_error})"
    raise RuntimeError(f"responder on {address} {state}; log:\n{log[-4000:]}")


class Responder:
    """The built binary, started with its own config and secret in a fresh temp dir.

    Responder(config_yaml, secret=None, threads=4, extra_args=(), listen=None, files=None)
      secret None: current_secret() (radosgw's once rgw() was used, else AWS's example secret)
      listen None: unix:<dir>/fcgi.sock; else any --listen value ("127.0.0.1:9123", "unix:/x")
      files: {name: text} written (mode 0600) beside the config, e.g. a webhook secret file; if
             the config names SERVER_SECRET_FILE and files does not, it gets `secret` too
      threads None: no --threads (the config's server.threads applies)
      user: (uid, gid) to run it as (we must be root); its folder and files are given to it
    Starts at construction; a context manager that stops it (and checks for sanitizer reports).
    """

    def __init__(self, config_yaml, secret=None, threads=4, extra_args=(), listen=None,
                 env=None, start_timeout=10.0, files=None, user=None):
        if not Path(BINARY).exists():
            raise RuntimeError(f"responder binary {BINARY} not found: build it (scripts/build asan)"
                               f" or set S3US_BINARY")
        self.dir = Path(tempfile.mkdtemp(prefix="s3us-resp-"))
        self.config_path = str(self.dir / "config.yaml")
        self.secret_path = str(self.dir / "signing.secret")
        self.log_path = str(self.dir / "stderr.log")
        self.secret = current_secret() if secret is None else secret
        self._final_log = None
        self.write_config(config_yaml)
        files = dict(files or {})
        if SERVER_SECRET_FILE not in files and SERVER_SECRET_FILE in config_yaml:
            files[SERVER_SECRET_FILE] = self.secret
        files["signing.secret"] = self.secret
        for name, text in files.items():
            self.write_private_file(name, text if text.endswith("\n") else text + "\n")
        if listen is None:
            listen = f"unix:{self.dir / 'fcgi.sock'}"
        self.listen = listen
        self.address = listen[5:] if listen.startswith("unix:") else listen
        self.socket_path = self.address if listen.startswith("unix:") else None
        self.args = [str(BINARY), "--config", self.config_path, "--listen", listen]
        if threads is not None:
            self.args += ["--threads", str(threads)]
        self.args += list(extra_args)
        self._log_file = open(self.log_path, "wb")
        as_user = {}
        if user is not None:
            for path in [self.dir, *self.dir.iterdir()]:
                os.chown(path, user[0], user[1])
            as_user = dict(user=user[0], group=user[1], extra_groups=[])
        self.process = subprocess.Popen(self.args, stdin=subprocess.DEVNULL,
                                        stdout=self._log_file, stderr=self._log_file,
                                        env=responder_env(env), cwd=str(self.dir), **as_user)
        _track(self.process)
        self._stopped = False
        self.returncode = None
        try:
            wait_for_socket(self.address, self.process, start_timeout, self.log_path)
        except BaseException:
            self._kill()
            raise

    @property
    def pid(self):
        return self.process.pid

    def log_text(self):
        """Everything the responder wrote to stderr (and stdout) so far (also after stop())."""
        if self._final_log is not None:
            return self._final_log
        try:
            return Path(self.log_path).read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return ""

    def log_lines(self):
        return self.log_text().splitlines()

    def wait_for_log(self, pattern, timeout=10.0, start=0):
        """Waits until the log (from character `start` on) matches the regex; returns the match."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while True:
            match = regex.search(self.log_text(), start)
            if match:
                return match
            if time.monotonic() > deadline:
                raise AssertionError(f"log never matched {pattern!r} within {timeout}s:\n"
                                     f"{self.log_text()[-4000:]}")
            time.sleep(0.02)

    def request(self, method, path, query="", body=b"", headers=None, remote_user=None,
                content_type=None, timeout=30):
        """One request through cgi-fcgi; returns FcgiResponse."""
        return cgi_fcgi_request(self.address, method, path, query, body, headers, remote_user,
                                content_type, timeout)

    def raw_connection(self, timeout=10.0):
        return RawFcgiConnection(self.address, timeout)

    def write_private_file(self, name, text):
        """Writes `text` to <dir>/<name>, readable by the owner only (as secrets must be)."""
        path = self.dir / name
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(path, 0o600)
        return str(path)

    def write_config(self, config_yaml):
        """Replaces config.yaml (atomically, by rename); send SIGHUP to make it count."""
        tmp = self.config_path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(config_yaml)
        os.replace(tmp, self.config_path)

    def send_signal(self, sig):
        self.process.send_signal(sig)

    def check_sanitizers(self):
        report = sanitizer_report(self.log_text())
        if report:
            raise AssertionError(f"sanitizer report from the responder (pid {self.pid}):\n{report}")

    def wait(self, timeout=10.0):
        """Waits for the process to exit by itself; returns its exit code."""
        try:
            self.returncode = self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self._kill()
            raise AssertionError(f"responder did not exit within {timeout}s; log:\n"
                                 f"{self.log_text()[-3000:]}")
        self._finish()
        return self.returncode

    def stop(self, timeout=10.0):
        """SIGTERM, wait, return the exit code. Fails on a sanitizer report in the log."""
        if _interrupted:
            self._kill()
            return self.process.returncode
        if self.process.poll() is None:
            try:
                self.process.send_signal(signal.SIGTERM)
            except ProcessLookupError:
                pass
        return self.wait(timeout)

    def _finish(self):
        if not self._stopped:
            self._stopped = True
            _untrack(self.process)
            self._log_file.close()
            self._final_log = self.log_text()
            _rmtree(self.dir)
            self.check_sanitizers()
            if self.returncode is not None and self.returncode < 0 and \
                    -self.returncode in (signal.SIGABRT, signal.SIGSEGV, signal.SIGBUS,
                                         signal.SIGILL, signal.SIGFPE):
                raise AssertionError(f"responder died from signal {-self.returncode}; log:\n"
                                     f"{self.log_text()[-3000:]}")

    def _kill(self):
        if self.process.poll() is None:
            self.process.kill()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                pass
        if not self._stopped:
            self._stopped = True
            _untrack(self.process)
            self._log_file.close()
            self._final_log = self.log_text()
            _rmtree(self.dir)

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if self._stopped:
            return False
        if exc_type is not None:
            # Keep the first failure; still report a sanitizer finding alongside it.
            log = self.log_text()
            self._kill()
            report = sanitizer_report(log)
            if report:
                raise AssertionError(f"sanitizer report from the responder:\n{report}") from exc
            return False
        self.stop()
        return False


# ------------------------------------------------------------------------------------------------
# nginx
# ------------------------------------------------------------------------------------------------


def free_port():
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Nginx:
    """A real nginx with its own prefix folder; `http_body` is the inside of `http { }`.

    The string "{port}" in http_body is replaced with the chosen port. Workers run as root (so
    they can reach the responder's socket in a root-owned temp dir) when we are root.

    files: {relative path: text} written into the prefix folder before nginx starts (not
    templated); http_body can include them by that relative path, e.g. files={"fastcgi_params":
    ..., "snippets/x.conf": ...} and "include snippets/x.conf;", as in Debian's /etc/nginx.
    """

    def __init__(self, http_body, port=None, worker_processes=1, start_timeout=10.0, files=None):
        self.dir = Path(tempfile.mkdtemp(prefix="s3us-nginx-"))
        for sub in ("logs", "tmp"):
            (self.dir / sub).mkdir()
        for name, text in (files or {}).items():
            path = self.dir / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        self.port = port or free_port()
        self.conf_path = self.dir / "nginx.conf"
        user = "user root;\n" if os.geteuid() == 0 else ""
        tmp = self.dir / "tmp"
        self.conf_path.write_text(
            f"{user}worker_processes {worker_processes};\n"
            f"pid {self.dir}/nginx.pid;\n"
            f"error_log {self.dir}/logs/error.log info;\n"
            "events { worker_connections 1024; }\n"
            "http {\n"
            f"  access_log {self.dir}/logs/access.log;\n"
            f"  client_body_temp_path {tmp}/client_body;\n"
            f"  fastcgi_temp_path {tmp}/fastcgi;\n"
            f"  proxy_temp_path {tmp}/proxy;\n"
            f"  uwsgi_temp_path {tmp}/uwsgi;\n"
            f"  scgi_temp_path {tmp}/scgi;\n"
            + http_body.replace("{port}", str(self.port)) + "\n}\n")
        self._out = open(self.dir / "logs/stdout.log", "wb")
        self.process = subprocess.Popen(
            ["nginx", "-p", str(self.dir), "-c", str(self.conf_path), "-e",
             str(self.dir / "logs/error.log"), "-g", "daemon off;"],
            stdin=subprocess.DEVNULL, stdout=self._out, stderr=self._out)
        _track(self.process)
        try:
            wait_for_socket(("127.0.0.1", self.port), self.process, start_timeout,
                            self.dir / "logs/error.log")
        except BaseException:
            self.stop()
            raise

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def error_log(self):
        return (self.dir / "logs/error.log").read_text(errors="replace")

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGQUIT)  # graceful
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        _untrack(self.process)
        self._out.close()
        _rmtree(self.dir)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
        return False


# ------------------------------------------------------------------------------------------------
# Apache httpd
# ------------------------------------------------------------------------------------------------

APACHE_BINARY = shutil.which("apache2") or "/usr/sbin/apache2"
APACHE_MODULES_DIR = "/usr/lib/apache2/modules"
APACHE_USER = "www-data"


def apache_user_ids():
    """(uid, gid) of the user Apache's children run as when started by root (www-data)."""
    import pwd
    entry = pwd.getpwnam(APACHE_USER)
    return entry.pw_uid, entry.pw_gid


class Apache:
    """A real Apache httpd (Debian's apache2) with a ServerRoot of its own in a temp dir.

    Apache(body, modules=("alias", ...), port=None)
      body     configuration after the server-level basics (e.g. Include lines); "{port}" and
               "{root}" in it are replaced with the port and the ServerRoot folder
      modules  names as in /usr/lib/apache2/modules/mod_<name>.so; mpm_event is always loaded
    The main configuration: Listen 127.0.0.1:<port>, ErrorLog <root>/logs/error.log at LogLevel
    info (a mod_fcgid program's stderr lands there too), an access log with %u, PidFile and
    runtime files under <root>/run, mod_fcgid's sockets and process table under <root>/fcgid
    (when fcgid is loaded), and a hardened <Directory /> (Require all denied, Options None).
    As root, the children run as www-data (User/Group). Runs in the foreground, tracked like the
    responders; stop() is a graceful stop (apache2 -k graceful-stop), waited for.
    """

    def __init__(self, body, modules=(), port=None, start_timeout=15.0):
        self.dir = Path(tempfile.mkdtemp(prefix="s3us-apache-"))
        os.chmod(self.dir, 0o755)  # www-data: mod_fcgid's socket folder is inside
        for sub in ("logs", "run", "htdocs"):  # not fcgid: mod_fcgid makes it for www-data
            (self.dir / sub).mkdir()
        self.port = port or free_port()
        self.conf_path = self.dir / "httpd.conf"
        self.error_log_path = self.dir / "logs/error.log"
        self.access_log_path = self.dir / "logs/access.log"
        self._final_error_log = None
        self._final_access_log = None
        self._stopped = False
        names = ["mpm_event"] + [m for m in modules if m != "mpm_event"]
        lines = [f"ServerRoot {self.dir}",
                 f"DefaultRuntimeDir {self.dir}/run",
                 f"PidFile {self.dir}/run/httpd.pid",
                 f"Listen 127.0.0.1:{self.port}",
                 "ServerName 127.0.0.1",
                 f"ErrorLog {self.error_log_path}",
                 "LogLevel info"]
        if os.geteuid() == 0:
            lines += [f"User {APACHE_USER}", f"Group {APACHE_USER}"]
        lines += [f"LoadModule {name}_module {APACHE_MODULES_DIR}/mod_{name}.so" for name in names]
        lines += ['LogFormat "%h %u \\"%r\\" %>s %b" s3us',
                  f"CustomLog {self.access_log_path} s3us",
                  "GracefulShutdownTimeout 10",
                  f"DocumentRoot {self.dir}/htdocs",
                  "<Directory />",
                  "    Require all denied",
                  "    Options None",
                  "    AllowOverride None",
                  "</Directory>"]
        if "mime" in names:
            lines.append("TypesConfig /etc/mime.types")
        if "fcgid" in names:
            lines += [f"FcgidIPCDir {self.dir}/fcgid",
                      f"FcgidProcessTableFile {self.dir}/fcgid/shm"]
        body = body.replace("{port}", str(self.port)).replace("{root}", str(self.dir))
        self.conf_path.write_text("\n".join(lines) + "\n" + body + "\n")
        check = subprocess.run([APACHE_BINARY, "-t", "-f", str(self.conf_path)],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               stdin=subprocess.DEVNULL, timeout=30)
        if check.returncode != 0:
            text = check.stdout
            _rmtree(self.dir)
            raise RuntimeError(f"apache2 -t refused the configuration:\n{text}")
        self._out = open(self.dir / "logs/stdout.log", "wb")
        env = dict(os.environ)
        for name in ("LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES"):
            env.pop(name, None)
        self.process = subprocess.Popen(
            [APACHE_BINARY, "-f", str(self.conf_path), "-DFOREGROUND"],
            stdin=subprocess.DEVNULL, stdout=self._out, stderr=self._out, env=env)
        _track(self.process)
        try:
            wait_for_socket(("127.0.0.1", self.port), self.process, start_timeout,
                            self.error_log_path)
        except BaseException:
            self._kill()
            raise

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def error_log(self):
        """Apache's error log (with the stderr of the programs mod_fcgid started)."""
        if self._final_error_log is not None:
            return self._final_error_log
        try:
            return self.error_log_path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return ""

    def access_log(self):
        if self._final_access_log is not None:
            return self._final_access_log
        try:
            return self.access_log_path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return ""

    def stop(self, timeout=20.0):
        """Graceful stop (apache2 -k graceful-stop); returns Apache's exit code."""
        if self._stopped:
            return self.process.returncode
        if self.process.poll() is None and not _interrupted:
            subprocess.run([APACHE_BINARY, "-f", str(self.conf_path), "-k", "graceful-stop"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           stdin=subprocess.DEVNULL, timeout=30)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self._kill()
                raise AssertionError(f"apache2 did not stop within {timeout}s of graceful-stop;"
                                     f" error log:\n{self.error_log()[-3000:]}")
        self._kill()
        return self.process.returncode

    def _kill(self):
        if self.process.poll() is None:
            self.process.kill()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                pass
        if not self._stopped:
            self._stopped = True
            _untrack(self.process)
            self._out.close()
            self._final_error_log = self.error_log()
            self._final_access_log = self.access_log()
            _rmtree(self.dir)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
        return False


# ------------------------------------------------------------------------------------------------
# Independent signing (for expected values): straight from the protocol document, sections 3.5/4.5
# ------------------------------------------------------------------------------------------------


def sign_v2(secret, string_to_sign):
    """base64(HMAC-SHA1(secret, string_to_sign))."""
    if isinstance(string_to_sign, str):
        string_to_sign = string_to_sign.encode("utf-8")
    return base64.b64encode(hmac.new(secret.encode(), string_to_sign, hashlib.sha1).digest()
                            ).decode()


def v4_signing_key(secret, day, region, service="s3"):
    key = ("AWS4" + secret).encode()
    for part in (day, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def sign_v4(secret, day, region, string_to_sign):
    """hex(HMAC-SHA256(signing key for day/region/s3, string_to_sign))."""
    if isinstance(string_to_sign, str):
        string_to_sign = string_to_sign.encode("utf-8")
    return hmac.new(v4_signing_key(secret, day, region), string_to_sign, hashlib.sha256).hexdigest()


def sign_v4_rest(secret, headers_string):
    """The signature of a Fine Uploader v4 "headers" string (raw canonical request inside)."""
    line1, line2, line3, canonical = headers_string.split("\n", 3)
    day, region = line3.split("/")[0], line3.split("/")[1]
    string_to_sign = "\n".join(
        [line1, line2, line3, hashlib.sha256(canonical.encode("utf-8")).hexdigest()])
    return sign_v4(secret, day, region, string_to_sign)


# ------------------------------------------------------------------------------------------------
# Log helpers
# ------------------------------------------------------------------------------------------------

_LOGFMT_PAIR = re.compile(r'([A-Za-z0-9_.\-]+)=("(?:[^"\\]|\\.)*"|\S*)')


def parse_logfmt(line):
    """key=value pairs of a log line (values unquoted where they were quoted)."""
    fields = {}
    for name, value in _LOGFMT_PAIR.findall(line):
        if value.startswith('"'):
            try:
                value = json.loads(value)
            except ValueError:
                value = value[1:-1]
        fields[name] = value
    return fields


def request_log_lines(log_text):
    """The per-request lines of a responder log (those with method=, path= and status=), parsed."""
    result = []
    for line in log_text.splitlines():
        fields = parse_logfmt(line)
        if "method" in fields and "path" in fields and "status" in fields:
            fields["_line"] = line
            result.append(fields)
    return result
