#!/usr/bin/env python3
"""The nginx of bench/run: the project's own files, laid out like Debian's /etc/nginx.

    bench/nginx_conf.py PREFIX --socket PATH --port N [--no-keepalive] [--workers auto]

Writes PREFIX/nginx.conf (a minimal main file, like Debian's: worker_processes auto, user root so
that the workers reach the responder's socket in bench/run's temporary folder),
PREFIX/fastcgi_params (Debian's), and nginx/s3-upload-signer-http.conf and
nginx/s3-upload-signer.conf as PREFIX/conf.d/ and PREFIX/snippets/, changed only where an operator
changes them, each change asserted to apply (as tests/integration/test_nginx.py does):

  * the socket path /run/s3-upload-signer/fcgi.sock -> --socket;
  * the rate limit, "yours to edit": its key becomes the empty string. nginx does not account
    requests with an empty key, so limit_req lets everything through (one client sending tens of
    thousands of requests a second is exactly what it is there to stop). bench/run says so;
  * --no-keepalive only (the second configuration): no `keepalive` in the upstream and
    `fastcgi_keep_conn off`, i.e. one connection to the responder per request.

The site is nothing but `listen 127.0.0.1:<port>`, `set $s3_upload_signer_user $remote_user;` (the
user of the load's Basic header becomes REMOTE_USER, as with the example site's auth_basic variant,
but without checking a password) and `include snippets/s3-upload-signer.conf`.
Access logging is off (the responder's own per-request log line stays on).
"""

import argparse
import re
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SOCKET_PLACEHOLDER = "/run/s3-upload-signer/fcgi.sock"
RATE_LIMIT = re.compile(
    r"^limit_req_zone \$binary_remote_addr (zone=s3_upload_signer:\S+ rate=\S+;)$", re.M)
UPSTREAM_KEEPALIVE = re.compile(r"^(\s*)keepalive \d+;\n", re.M)
KEEP_CONN = "fastcgi_keep_conn on;"

MAIN = """\
user root;
worker_processes {workers};
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 4096; }}
http {{
  default_type application/octet-stream;
  access_log off;
  client_body_temp_path {prefix}/tmp/client_body;
  fastcgi_temp_path {prefix}/tmp/fastcgi;
  proxy_temp_path {prefix}/tmp/proxy;
  uwsgi_temp_path {prefix}/tmp/uwsgi;
  scgi_temp_path {prefix}/tmp/scgi;
  include conf.d/s3-upload-signer-http.conf;
  server {{
    listen 127.0.0.1:{port};
    server_name localhost;
    # REMOTE_USER: the user of the load's "Authorization: Basic" header, unchecked (no
    # auth_basic: the benchmark measures the responder, not htpasswd). A real site sets this
    # only next to auth_basic (nginx/example-site.conf, variant a).
    set $s3_upload_signer_user $remote_user;
    include snippets/s3-upload-signer.conf;
  }}
}}
"""


def substitute(text, name, pattern, replacement, count=0):
    """re.sub that insists on matching: if nginx/<name> changed, the bench must be told."""
    new, n = re.subn(pattern, replacement, text, count=count)
    if n == 0:
        raise SystemExit(f"bench/nginx_conf.py: nginx/{name} no longer matches {pattern!r}")
    return new


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("prefix", type=Path)
    parser.add_argument("--socket", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", default="auto")
    parser.add_argument("--no-keepalive", action="store_true")
    args = parser.parse_args()

    http_name, snippet_name = "s3-upload-signer-http.conf", "s3-upload-signer.conf"
    http = (REPO / "nginx" / http_name).read_text()
    snippet = (REPO / "nginx" / snippet_name).read_text()
    http = substitute(http, http_name, re.escape(SOCKET_PLACEHOLDER), args.socket)
    http = substitute(http, http_name, RATE_LIMIT,
                      r'# bench/run: rate limit lifted (empty key: no request is accounted)\n'
                      r'limit_req_zone "" \1')
    if args.no_keepalive:
        http = substitute(http, http_name, UPSTREAM_KEEPALIVE,
                          r"\1# bench/run: no keepalive (second configuration)\n")
        snippet = substitute(snippet, snippet_name, re.escape(KEEP_CONN),
                             "fastcgi_keep_conn off;")

    prefix = args.prefix.resolve()
    for sub in ("conf.d", "snippets", "tmp"):
        (prefix / sub).mkdir(parents=True, exist_ok=True)
    (prefix / "conf.d" / http_name).write_text(http)
    (prefix / "snippets" / snippet_name).write_text(snippet)
    (prefix / "fastcgi_params").write_text(Path("/etc/nginx/fastcgi_params").read_text())
    (prefix / "nginx.conf").write_text(
        MAIN.format(prefix=prefix, port=args.port, workers=args.workers))
    keepalive = UPSTREAM_KEEPALIVE.search(http)
    print(f"upstream_keepalive={keepalive.group(0).split()[1].rstrip(';') if keepalive else 0}")


if __name__ == "__main__":
    main()
