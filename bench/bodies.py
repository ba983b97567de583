#!/usr/bin/env python3
"""The request bodies bench/run posts: what Fine Uploader S3 5.16.2 sends, dated now.

    bench/bodies.py OUTDIR [--now EPOCH_SECONDS]

Writes OUTDIR/<case>.body for each case and OUTDIR/cases.tsv, one line per case:
    <case> TAB <path and query> TAB <expected status> TAB <text the reply must contain>
which is what bench/lua/fineuploader.lua takes as arguments.

The bodies are built by the same model of the browser the integration tests use
(tests/integration/fineuploader.py, checked byte for byte against the protocol document's vectors):
a JPEG with one request param and Cache-Control, the way a page with
    objectProperties: {region, acl: "private", key: id => "uploads/bench/" + uuid + ".jpg"},
    request: {params: {category: "holiday photos", "Cache-Control": "max-age=3600"}},
    validation: {minSizeLimit: 1, sizeLimit: 20000000}
asks for them. Dates come from the clock (or --now): Fine Uploader's policies expire 5 minutes
after they are made, and the responder refuses dates more than max_clock_skew (15 minutes) away, so
bench/run makes fresh bodies for every case and every soak segment.

Cases (all POST /s3/signature, Content-Type: application/json; charset=utf-8):
  v2-policy       a v2 POST policy (simple upload)                                   -> 200
  v4-policy       a v4 POST policy (?v4=true)                                        -> 200
  v4-rest-part    a v4 REST string to sign for UploadPart 2 of a chunked upload
                  ({"headers": ...}, the part's 5 MiB payload hashed in it)          -> 200
  refused-policy  the v4 policy for a bucket the profile does not allow              -> 500
                  {"invalid": true}, what the responder answers every refusal
"""

import argparse
import datetime
import hashlib
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "integration"))
import fineuploader as fu  # noqa: E402  (stdlib only)

# Must match bench/config.yaml.
BUCKET = "bench-uploads"
REGION = "eu-west-1"
HOST = f"{BUCKET}.s3.{REGION}.amazonaws.com"
UUID = "a5d3c3c2-5b1e-4c43-9f1e-2d0c8a7b6e41"
# The caller: bench/lua/fineuploader.lua sends "Authorization: Basic" for this user, which nginx
# passes on as REMOTE_USER (the default `auth: remote_user` of a route; {user} in the key prefix).
USER = "bench"
# What S3 answers to an initiate: an opaque id of this length.
UPLOAD_ID = ("VXBsb2FkIElEIGZvciA2aWWpbmcncyBteS1tb3ZpZS5tMnRzIHVwbG9hZA.exampleUploadIdx"
             "7dB9mH1kQ2rS4tV6wY8zA0cE3fG5hJ7kL9mN")
PART_SIZE = 5 * 1024 * 1024


def upload(version, bucket=BUCKET):
    return fu.Upload(bucket=bucket, key=f"uploads/{USER}/{UUID}.jpg", version=version,
                     region=REGION, host=HOST, acl="private", content_type="image/jpeg",
                     params={"category": "holiday photos", "Cache-Control": "max-age=3600"},
                     file_name="IMG_20240501_120000 (1).jpg", min_size=1, max_size=20_000_000)


def cases(now):
    # A deterministic 5 MiB "chunk": only its SHA-256 goes into the string to sign.
    chunk = hashlib.sha256(b"bench").digest() * (PART_SIZE // 32)
    part = fu.upload_part(upload(4), now, UPLOAD_ID, 2, chunk)
    return [
        ("v2-policy", "/s3/signature", fu.policy_body(upload(2), now), 200, '"signature"'),
        ("v4-policy", "/s3/signature?v4=true", fu.policy_body(upload(4), now), 200, '"signature"'),
        ("v4-rest-part", "/s3/signature?v4=true", part.body, 200, '"signature"'),
        ("refused-policy", "/s3/signature?v4=true",
         fu.policy_body(upload(4, bucket="someone-elses-bucket"), now), 500, '"invalid"'),
    ]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("outdir", type=Path)
    parser.add_argument("--now", type=float, help="the clock, in epoch seconds (default: now)")
    args = parser.parse_args()
    now = datetime.datetime.fromtimestamp(
        args.now if args.now is not None else datetime.datetime.now().timestamp(),
        datetime.timezone.utc)
    args.outdir.mkdir(parents=True, exist_ok=True)
    lines = []
    for name, path, body, status, needle in cases(now):
        (args.outdir / f"{name}.body").write_text(body, encoding="utf-8")
        lines.append(f"{name}\t{path}\t{status}\t{needle}\n")
    (args.outdir / "cases.tsv").write_text("".join(lines), encoding="utf-8")


if __name__ == "__main__":
    main()
