#!/usr/bin/python3
"""Regenerates the test data of tests/auth/ that an independent implementation must produce.

Run once with Debian's python3 (python3-jwt, python3-cryptography), from anywhere:

    /usr/bin/python3 tests/data/auth/make_vectors.py

It writes, next to itself:
- rfc7515-a3-public.pem: the P-256 public key of RFC 7515 appendix A.3 (its JWK "x" and "y"),
  as a SubjectPublicKeyInfo PEM;
- pyjwt-es256-public.pem: the public half of a P-256 key generated for this run (the private half
  is not kept);
- pyjwt-vectors.json: tokens minted by PyJWT with that key and with the HS256 secret below, and
  the outcome tests/auth/token_verifier_pyjwt_test.cc expects for each.

The unit tests read the files; they do not need Python. ES256 signatures are randomised, so every
run produces different (equally valid) files.
"""
import base64
import json
import os
import sys

import cryptography
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

HERE = os.path.dirname(os.path.abspath(__file__))

NOW = 1700000100
AUDIENCE = "uploads.example.com"
ISSUER = "app.example.com"
HS256_SECRET = "pyjwt-cross-check-secret-0123456789abcdef"
OTHER_SECRET = "some-other-secret-of-at-least-32-bytes!!"


def b64url_int(text):
    return int.from_bytes(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)), "big")


def public_pem(public_key):
    return public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")


def write(name, text):
    with open(os.path.join(HERE, name), "w", encoding="utf-8", newline="\n") as out:
        out.write(text)


def main():
    # RFC 7515 appendix A.3.1, the JWK of the example ECDSA key (public part only).
    rfc_key = ec.EllipticCurvePublicNumbers(
        b64url_int("f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU"),
        b64url_int("x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"),
        ec.SECP256R1(),
    ).public_key()
    write("rfc7515-a3-public.pem", public_pem(rfc_key))

    es_key = ec.generate_private_key(ec.SECP256R1())
    other_es_key = ec.generate_private_key(ec.SECP256R1())
    write("pyjwt-es256-public.pem", public_pem(es_key.public_key()))

    full = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "user-42",
        "jti": "token-1",
        "iat": NOW - 100,
        "nbf": NOW - 100,
        "exp": NOW + 500,
        "s3u": {"max_size": 10485760, "content_types": ["image/png", "image/jpeg"]},
    }
    minimal = {"iss": ISSUER, "aud": ["other.example.com", AUDIENCE], "exp": NOW + 60}
    expired = {"iss": ISSUER, "aud": AUDIENCE, "iat": NOW - 700, "exp": NOW - 100}
    early = {"iss": ISSUER, "aud": AUDIENCE, "iat": NOW, "nbf": NOW + 300, "exp": NOW + 600}
    wrong_aud = {"iss": ISSUER, "aud": "elsewhere.example.com", "exp": NOW + 60}
    wrong_iss = {"iss": "someone.else", "aud": AUDIENCE, "exp": NOW + 60}
    long_lived = {"iss": ISSUER, "aud": AUDIENCE, "iat": NOW, "exp": NOW + 7200}
    unicode_sub = {"iss": ISSUER, "aud": AUDIENCE, "sub": "m\u00fcller/\u65e5\u672c", "exp": NOW + 60}

    def hs(payload, key=HS256_SECRET, headers=None):
        return jwt.encode(payload, key, algorithm="HS256", headers=headers)

    def es(payload, key=es_key, headers=None):
        return jwt.encode(payload, key, algorithm="ES256", headers=headers)

    vectors = [
        {"name": "hs256_full", "alg": "HS256", "token": hs(full), "expect": "ok",
         "subject": "user-42", "token_id": "token-1", "expires": NOW + 500,
         "max_size": 10485760, "content_types": ["image/png", "image/jpeg"]},
        {"name": "hs256_minimal_aud_array", "alg": "HS256", "token": hs(minimal), "expect": "ok",
         "expires": NOW + 60},
        {"name": "hs256_kid_header", "alg": "HS256", "token": hs(minimal, headers={"kid": "k1"}),
         "expect": "ok", "expires": NOW + 60},
        {"name": "hs256_expired", "alg": "HS256", "token": hs(expired), "expect": "token expired"},
        {"name": "hs256_not_yet_valid", "alg": "HS256", "token": hs(early),
         "expect": "token not yet valid"},
        {"name": "hs256_wrong_audience", "alg": "HS256", "token": hs(wrong_aud),
         "expect": "wrong audience"},
        {"name": "hs256_wrong_issuer", "alg": "HS256", "token": hs(wrong_iss),
         "expect": "wrong issuer"},
        {"name": "hs256_lifetime", "alg": "HS256", "token": hs(long_lived),
         "expect": "lifetime too long"},
        {"name": "hs256_other_secret", "alg": "HS256", "token": hs(full, key=OTHER_SECRET),
         "expect": "bad signature"},
        {"name": "es256_full", "alg": "ES256", "token": es(full, headers={"kid": "k1"}),
         "expect": "ok", "subject": "user-42", "token_id": "token-1", "expires": NOW + 500,
         "max_size": 10485760, "content_types": ["image/png", "image/jpeg"]},
        {"name": "es256_unicode_subject", "alg": "ES256", "token": es(unicode_sub), "expect": "ok",
         "subject": unicode_sub["sub"], "expires": NOW + 60},
        {"name": "es256_expired", "alg": "ES256", "token": es(expired), "expect": "token expired"},
        {"name": "es256_wrong_audience", "alg": "ES256", "token": es(wrong_aud),
         "expect": "wrong audience"},
        {"name": "es256_other_key", "alg": "ES256", "token": es(full, key=other_es_key),
         "expect": "bad signature"},
        {"name": "hs256_token_on_es256_verifier", "alg": "ES256", "token": hs(full),
         "expect": "algorithm not allowed"},
        {"name": "es256_token_on_hs256_verifier", "alg": "HS256", "token": es(full),
         "expect": "algorithm not allowed"},
    ]
    document = {
        "generator": "PyJWT %s, cryptography %s (make_vectors.py)"
        % (jwt.__version__, cryptography.__version__),
        "now": NOW,
        "audiences": [AUDIENCE],
        "issuer": ISSUER,
        "leeway": 30,
        "max_lifetime": 3600,
        "hs256_secret": HS256_SECRET,
        "es256_public_key": "pyjwt-es256-public.pem",
        "vectors": vectors,
    }
    write("pyjwt-vectors.json", json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
