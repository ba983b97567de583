#!/usr/bin/env python3
"""Prints the botocore vectors of tests/s3/presign_upload_test.cc: a presigned POST
(generate_presigned_post) and a presigned PUT URL (generate_presigned_url, put_object) for fixed
inputs; and of tests/s3/multipart_calls_test.cc: presigned UploadPart URLs (upload_part),
virtual-hosted and path-style, and the Authorization of a CreateMultipartUpload and a
CompleteMultipartUpload request (S3SigV4Auth). botocore's clock is fixed to 2026-11-21T20:00:00Z.

    python3 tests/s3/data/botocore_presign.py     # botocore 1.43.11 made the values in the test

The POST's conditions are given in the order PresignPost writes them (the fields, then
content-length-range; botocore adds bucket, key and the SigV4 fields), so that the policy bytes,
and with them the signature, must be equal.
"""
import base64
import datetime
import hashlib
import json
from unittest import mock

import boto3
import botocore
import botocore.auth
import botocore.signers
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

NOW = datetime.datetime(2026, 11, 21, 20, 0, 0, tzinfo=datetime.timezone.utc)
KEY = "uploads/alice/0f8fad5b-d9cb-469f-a165-70867728950e.jpg"
UPLOAD_ID = "VXBsb2FkIElEIGZvciA2aWWpbmcncyBteS1tb3ZpZS5tMnRzIHVwbG9hZA~+/="
NAME = "my%20photo%20%281%29.jpg"  # "my photo (1).jpg", as the params handler encodes it


def client(addressing):
    config = dict(signature_version="s3v4", s3={"addressing_style": addressing})
    try:
        config = Config(request_checksum_calculation="when_required",
                        response_checksum_validation="when_required", **config)
    except TypeError:  # older botocore
        config = Config(**config)
    return boto3.client("s3", region_name="eu-west-1",
                        endpoint_url="https://s3.eu-west-1.amazonaws.com",
                        aws_access_key_id="AKIAIOSFODNN7EXAMPLE",
                        aws_secret_access_key="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                        config=config)


def signed_post(url, headers, body):
    """The Authorization header botocore's S3 signer gives a POST with this body."""
    request = AWSRequest(method="POST", url=url, headers=headers, data=body)
    request.headers["x-amz-content-sha256"] = hashlib.sha256(body.encode()).hexdigest()
    credentials = Credentials("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    botocore.auth.S3SigV4Auth(credentials, "s3", "eu-west-1").add_auth(request)
    return request.headers["Authorization"]


def main():
    print("botocore", botocore.__version__)
    with mock.patch.object(botocore.signers, "get_current_datetime", lambda: NOW), \
            mock.patch.object(botocore.auth, "get_current_datetime", lambda: NOW):
        s3 = client("virtual")
        fields = {"Content-Type": "image/jpeg", "success_action_status": "201",
                  "x-amz-meta-filename": NAME}
        conditions = [{name: value} for name, value in fields.items()]
        conditions.append(["content-length-range", 1, 20000000])
        post = s3.generate_presigned_post("mybucket", KEY, Fields=dict(fields),
                                          Conditions=conditions, ExpiresIn=300)
        print(json.dumps(post, indent=1))
        print(base64.b64decode(post["fields"]["policy"]).decode())
        for addressing in ("virtual", "path"):
            print(client(addressing).generate_presigned_url(
                "put_object", ExpiresIn=300,
                Params={"Bucket": "mybucket", "Key": KEY, "ContentType": "image/jpeg",
                        "ContentLength": 12345, "Metadata": {"filename": NAME}}))
        for addressing in ("virtual", "path"):
            print(client(addressing).generate_presigned_url(
                "upload_part", ExpiresIn=300,
                Params={"Bucket": "mybucket", "Key": KEY, "UploadId": UPLOAD_ID,
                        "PartNumber": 7}))
        url = f"https://mybucket.s3.eu-west-1.amazonaws.com/{KEY}"
        print(signed_post(url + "?uploads", {"Content-Type": "image/jpeg",
                                             "x-amz-meta-filename": "my%20photo.jpg"}, ""))
        complete = ('<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
                    "<Part><PartNumber>1</PartNumber>"
                    "<ETag>&quot;a54357aff0632cce46d942af68356b38&quot;</ETag>"
                    "</Part></CompleteMultipartUpload>")
        print(signed_post(url + "?uploadId=2~abc", {"Content-Type": "application/xml"}, complete))


if __name__ == "__main__":
    main()
