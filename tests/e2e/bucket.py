"""The end-to-end tests' view of the bucket, through boto3 (independent of the responder).

    python3 bucket.py empty BUCKET     delete every object and abort every multipart upload
    python3 bucket.py list BUCKET      print a JSON list: {"key", "size", "sha256", "content_type"}
    python3 bucket.py uploads BUCKET   print a JSON list of the unfinished multipart uploads' keys

S3 endpoint and key pair: S3US_RGW_ENDPOINT (path-style, e.g. http://127.0.0.1:7580),
S3US_RGW_AK and S3US_RGW_SK.
"""

import hashlib
import json
import os
import sys

import boto3
from botocore.config import Config


def client():
    options = dict(signature_version="s3v4", s3={"addressing_style": "path"},
                   retries={"max_attempts": 2, "mode": "standard"})
    try:  # botocore >= 1.36 adds CRC checksums by default; radosgw does not know them
        config = Config(request_checksum_calculation="when_required",
                        response_checksum_validation="when_required", **options)
    except TypeError:
        config = Config(**options)
    return boto3.client("s3", endpoint_url=os.environ["S3US_RGW_ENDPOINT"],
                        aws_access_key_id=os.environ["S3US_RGW_AK"],
                        aws_secret_access_key=os.environ["S3US_RGW_SK"],
                        region_name="us-east-1", config=config)


def keys(s3, bucket):
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for item in page.get("Contents", []):
            yield item["Key"]


def uploads(s3, bucket):
    return s3.list_multipart_uploads(Bucket=bucket).get("Uploads", [])


def main():
    command, bucket = sys.argv[1], sys.argv[2]
    s3 = client()
    if command == "empty":
        for upload in uploads(s3, bucket):
            s3.abort_multipart_upload(Bucket=bucket, Key=upload["Key"],
                                      UploadId=upload["UploadId"])
        for key in list(keys(s3, bucket)):
            s3.delete_object(Bucket=bucket, Key=key)
        print(json.dumps({"emptied": bucket}))
    elif command == "list":
        result = []
        for key in keys(s3, bucket):
            got = s3.get_object(Bucket=bucket, Key=key)
            body = got["Body"].read()
            result.append({"key": key, "size": len(body),
                           "sha256": hashlib.sha256(body).hexdigest(),
                           "content_type": got.get("ContentType")})
        print(json.dumps(result))
    elif command == "uploads":
        print(json.dumps([upload["Key"] for upload in uploads(s3, bucket)]))
    else:
        sys.exit(f"unknown command {command}")


if __name__ == "__main__":
    main()
