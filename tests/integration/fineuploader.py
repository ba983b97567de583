"""A model of what Fine Uploader S3 5.16.2 sends, and a reference signer.

This is an independent Python re-implementation, written from the behaviour described in
../shared/docs/fineuploader-s3-protocol.md (sections 3, 4 and 9) and checked against the byte-exact
example bodies of that document (tests/data/fineuploader/vectors.json, test_fineuploader_model.py).
(While it was written it was also compared, on a few thousand random inputs, with the real 5.16.2
client code run under node with stubbed browser objects; that harness is not in this repository.)
It models:

* the POST policy document the browser sends to the signature endpoint (section 3.2), serialised
  the way JavaScript's JSON.stringify does it (compact, insertion order, JS escaping);
* the form fields it then posts to S3, in the browser's order (section 3.6);
* the REST "headers" strings of the four multipart operations, v2 (the finished StringToSign,
  section 4.3) and v4 (line 1-3 of the StringToSign followed by the RAW canonical request,
  section 4.4), plus the HTTP request the browser then sends to S3 with the signature (section 4.6);
* a reference signer for the server side algorithms (sections 3.5 and 4.5), stdlib only.

Everything is deterministic: the clock is an argument. Fine Uploader's quirks are kept on purpose
(e.g. the v4 canonical URI never contains the bucket, the canonical query keeps only the text
between the first and second "=" of a parameter), because the point is to send what the browser
sends.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as _dt
import hashlib
import hmac
import json
from typing import Iterable, Mapping, Optional

__all__ = [
    "EXAMPLE_SECRET", "EXAMPLE_ACCESS_KEY", "EMPTY_SHA256", "MAX_SAFE_SIZE",
    "encode_uri_component", "uri_escape", "uri_escape_path", "js_stringify", "js_trim",
    "iso_ms", "v4_date", "credentials_date", "utc_string", "parse_clock",
    "normalise_params", "Upload", "policy_document", "policy_body", "form_fields",
    "RestRequest", "rest_request", "initiate", "upload_part", "complete", "abort",
    "complete_body", "signature_request_body",
    "signing_key", "sign_policy_v2", "sign_policy_v4", "sign_rest_v2", "sign_rest_v4",
    "v4_canonical_hash", "sign_body", "policy_credential",
    "INITIATE", "UPLOAD_PART", "COMPLETE", "ABORT", "COMPLETE_CONTENT_TYPE",
    "UNPREFIXED_PARAM_NAMES", "UNSIGNABLE_REST_HEADER_NAMES", "CASE_SENSITIVE_PARAM_NAMES",
]

# AWS's public example credentials, used by the protocol document's test vectors.
EXAMPLE_ACCESS_KEY = "AKIAIOSFODNN7EXAMPLE"
EXAMPLE_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
# Fine Uploader's stand-in for "no maximum" in content-length-range (2^53).
MAX_SAFE_SIZE = 9007199254740992

# qq.s3.util constants (section 3.2 point 10, section 4.2).
CASE_SENSITIVE_PARAM_NAMES = ("Cache-Control", "Content-Disposition", "Content-Encoding", "Content-MD5")
UNSIGNABLE_REST_HEADER_NAMES = ("Cache-Control", "Content-Disposition", "Content-Encoding", "Content-MD5")
UNPREFIXED_PARAM_NAMES = (
    "Cache-Control", "Content-Disposition", "Content-Encoding", "Content-MD5",
    "x-amz-server-side-encryption", "x-amz-server-side-encryption-aws-kms-key-id",
    "x-amz-server-side-encryption-customer-algorithm",
    "x-amz-server-side-encryption-customer-key",
    "x-amz-server-side-encryption-customer-key-MD5",
)
AWS_PARAM_PREFIX = "x-amz-meta-"
V4_ALGORITHM = "AWS4-HMAC-SHA256"
COMPLETE_CONTENT_TYPE = "application/xml; charset=UTF-8"

# ------------------------------------------------------------------------------------------------
# JavaScript primitives
# ------------------------------------------------------------------------------------------------

# What encodeURIComponent leaves unescaped (ECMA-262: letters, digits and - _ . ! ~ * ' ( )).
_URI_UNRESERVED = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.!~*'()")
# RFC 3986 unreserved: what AWS (and Fine Uploader's uriEscape) leave unescaped.
_RFC3986_UNRESERVED = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~")


def _utf8_or_uri_error(s: str) -> bytes:
    try:
        return s.encode("utf-8")
    except UnicodeEncodeError as exc:  # a lone surrogate: JS throws URIError
        raise ValueError(f"URIError: malformed URI sequence in {s!r}") from exc


def _percent_encode(s: str, keep: frozenset) -> str:
    out = []
    for ch in s:
        if ch in keep:
            out.append(ch)
        else:
            out.extend(f"%{b:02X}" for b in _utf8_or_uri_error(ch))
    return "".join(out)


def encode_uri_component(value) -> str:
    """JavaScript encodeURIComponent(String(value))."""
    return _percent_encode(js_string(value), _URI_UNRESERVED)


def uri_escape(s: str) -> str:
    """qq.s3.util.uriEscape: encodeURIComponent, then ! ' ( ) * escaped too (RFC 3986)."""
    return _percent_encode(s, _RFC3986_UNRESERVED)


def uri_escape_path(path: str) -> str:
    """qq.s3.util.uriEscapePath: uriEscape of each "/"-separated segment."""
    return "/".join(uri_escape(part) for part in path.split("/"))


def js_string(value) -> str:
    """String(value) for the value types a page passes as params."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e21:
            return str(int(value))
        return repr(value)
    return str(value)


# String.prototype.trim removes WhiteSpace and LineTerminator code points (ECMA-262).
_JS_WHITESPACE = frozenset(
    "\t\n\x0b\x0c\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
    "\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff")


def js_trim(s: str) -> str:
    start, end = 0, len(s)
    while start < end and s[start] in _JS_WHITESPACE:
        start += 1
    while end > start and s[end - 1] in _JS_WHITESPACE:
        end -= 1
    return s[start:end]


def _is_array_index(key: str) -> bool:
    if not key or not key.isascii() or not key.isdigit():
        return False
    if len(key) > 1 and key[0] == "0":
        return False
    return int(key) < 2**32 - 1


def js_keys(obj: Mapping) -> list:
    """Object.keys order: array-index keys ascending, then the others in insertion order."""
    keys = list(obj.keys())
    indices = sorted((k for k in keys if _is_array_index(k)), key=int)
    return indices + [k for k in keys if not _is_array_index(k)]


_JSON_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r",
                 "\t": "\\t"}


def _js_quote(s: str) -> str:
    out = ['"']
    for ch in s:
        code = ord(ch)
        if ch in _JSON_ESCAPES:
            out.append(_JSON_ESCAPES[ch])
        elif code < 0x20 or 0xD800 <= code <= 0xDFFF:
            # control characters, and (well-formed JSON.stringify) lone surrogates
            out.append(f"\\u{code:04x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def js_stringify(value) -> str:
    """JSON.stringify(value) without indentation: compact, keys in JS object order."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return js_string(value)
    if isinstance(value, str):
        return _js_quote(value)
    if isinstance(value, Mapping):
        return "{" + ",".join(f"{_js_quote(k)}:{js_stringify(value[k])}" for k in js_keys(value)) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(js_stringify(v) for v in value) + "]"
    raise TypeError(f"cannot stringify {type(value).__name__}")


# ------------------------------------------------------------------------------------------------
# Dates (JS Date has millisecond precision)
# ------------------------------------------------------------------------------------------------

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def parse_clock(value) -> _dt.datetime:
    """A UTC datetime truncated to milliseconds from a datetime, an ISO string or epoch seconds."""
    if isinstance(value, str):
        value = _dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    elif isinstance(value, (int, float)):
        value = _dt.datetime.fromtimestamp(value, _dt.timezone.utc)
    if value.tzinfo is None:
        value = value.replace(tzinfo=_dt.timezone.utc)
    value = value.astimezone(_dt.timezone.utc)
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


def iso_ms(t: _dt.datetime) -> str:
    """Date.prototype.toISOString: 2024-05-01T12:05:00.000Z"""
    t = parse_clock(t)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def credentials_date(t: _dt.datetime) -> str:
    return parse_clock(t).strftime("%Y%m%d")


def v4_date(t: _dt.datetime) -> str:
    return parse_clock(t).strftime("%Y%m%dT%H%M%SZ")


def utc_string(t: _dt.datetime) -> str:
    """Date.prototype.toUTCString: Wed, 01 May 2024 12:00:00 GMT"""
    t = parse_clock(t)
    return (f"{_DAYS[t.weekday()]}, {t.day:02d} {_MONTHS[t.month - 1]} {t.year:04d} "
            f"{t.hour:02d}:{t.minute:02d}:{t.second:02d} GMT")


def _plus_ms(t: _dt.datetime, ms: int) -> _dt.datetime:
    return parse_clock(t) + _dt.timedelta(milliseconds=ms)


# ------------------------------------------------------------------------------------------------
# The upload as Fine Uploader sees it
# ------------------------------------------------------------------------------------------------

def normalise_params(params: Optional[Mapping]) -> dict:
    """The S3 params store override: names lower-cased except the case-sensitive four; function
    values evaluated. Order kept (a later name that lower-cases onto an earlier one overwrites
    the value in place, like a JS object)."""
    out: dict = {}
    for name in js_keys(params or {}):
        value = params[name]
        if callable(value):
            value = value()
        if name not in CASE_SENSITIVE_PARAM_NAMES:
            name = name.lower()
        out[name] = value
    return out


def _prefixed(name: str) -> str:
    return name if name in UNPREFIXED_PARAM_NAMES else AWS_PARAM_PREFIX + name


@dataclasses.dataclass
class Upload:
    """One file plus the uploader options that shape its requests.

    bucket/host: objectProperties.bucket / .host (host only matters for v4 REST strings: it is the
    signed "host" header and must be what the browser really sends). key: the object key (for the
    default "uuid" naming: "<uuid>.<ext>", see key_for()). min_size/max_size:
    validation.minSizeLimit / sizeLimit (0 = not set)."""

    bucket: str
    key: str
    access_key: str = EXAMPLE_ACCESS_KEY
    version: int = 2
    region: str = "us-east-1"
    host: Optional[str] = None
    acl: str = "private"
    content_type: Optional[str] = None  # file.type as the browser reports it
    params: Mapping = dataclasses.field(default_factory=dict)  # request.params
    file_name: str = "file"
    filename_param: str = "qqfilename"
    min_size: int = 0
    max_size: int = 0
    reduced_redundancy: bool = False
    server_side_encryption: bool = False
    expected_status: Optional[int] = 200  # XHR uploads; None in the iframe path
    success_redirect: Optional[str] = None  # absolute URL, iframe path only
    session_token: Optional[str] = None  # credentials mode only
    clock_drift_ms: int = 0

    @staticmethod
    def key_for(uuid: str, file_name: str) -> str:
        """_determineKeyName for key "uuid": <uuid>.<text after the last dot>, case kept."""
        if "." in file_name:
            return f"{uuid}.{file_name.rsplit('.', 1)[1]}"
        return uuid


def policy_credential(u: Upload, now) -> str:
    return f"{u.access_key}/{credentials_date(now)}/{u.region}/s3/aws4_request"


def policy_document(u: Upload, now) -> dict:
    """qq.s3.util.getPolicy (section 3.2): an ordered dict ready for js_stringify."""
    now = parse_clock(now)
    drifted = _plus_ms(now, u.clock_drift_ms)
    conditions: list = [{"acl": u.acl}, {"bucket": u.bucket}]
    if u.content_type:
        conditions.append({"Content-Type": u.content_type})
    if u.expected_status:
        conditions.append({"success_action_status": js_string(u.expected_status)})
    if u.success_redirect:
        conditions.append({"success_action_redirect": u.success_redirect})
    if u.reduced_redundancy:
        conditions.append({"x-amz-storage-class": "REDUCED_REDUNDANCY"})
    if u.session_token:
        conditions.append({"x-amz-security-token": u.session_token})
    if u.server_side_encryption:
        conditions.append({"x-amz-server-side-encryption": "AES256"})
    if u.version == 2:
        conditions.append({"key": u.key})
    elif u.version == 4:
        conditions.append({"x-amz-algorithm": V4_ALGORITHM})
        conditions.append({"key": u.key})
        conditions.append({"x-amz-credential": policy_credential(u, now)})  # unadjusted clock
        conditions.append({"x-amz-date": v4_date(drifted)})
    else:
        raise ValueError("version must be 2 or 4")
    for name, value in _policy_params(u).items():
        aws_name = _prefixed(name)
        conditions.append({aws_name: value if aws_name in UNPREFIXED_PARAM_NAMES
                           else encode_uri_component(value)})
    if u.min_size > 0 or u.max_size > 0:
        low = 0 if u.min_size < 0 else u.min_size
        high = MAX_SAFE_SIZE if u.max_size <= 0 else u.max_size
        conditions.append(["content-length-range", js_string(low), js_string(high)])
    return {"expiration": iso_ms(drifted + _dt.timedelta(minutes=5)), "conditions": conditions}


def _policy_params(u: Upload) -> dict:
    params = normalise_params(u.params)
    params[u.filename_param] = u.file_name  # the file name always comes last (unless overwriting)
    return params


def policy_body(u: Upload, now) -> str:
    """The exact body of POST <signature.endpoint>[?v4=true] for a simple upload."""
    return js_stringify(policy_document(u, now))


def form_fields(u: Upload, now, policy_b64: str, signature: str,
                updated_access_key: Optional[str] = None) -> list:
    """generateAwsParams (section 3.6): the multipart/form-data fields in the browser's order,
    without the trailing "file" part. Values are strings, as FormData sends them."""
    now = parse_clock(now)
    drifted = _plus_ms(now, u.clock_drift_ms)
    fields: dict = {"key": u.key}
    if u.content_type:
        fields["Content-Type"] = u.content_type
    if u.expected_status:
        fields["success_action_status"] = js_string(u.expected_status)
    if u.success_redirect:
        fields["success_action_redirect"] = u.success_redirect
    if u.reduced_redundancy:
        fields["x-amz-storage-class"] = "REDUCED_REDUNDANCY"
    if u.server_side_encryption:
        fields["x-amz-server-side-encryption"] = "AES256"
    if u.session_token:
        fields["x-amz-security-token"] = u.session_token
    fields["acl"] = u.acl
    for name, value in _policy_params(u).items():
        aws_name = _prefixed(name)
        fields[aws_name] = (js_string(value) if aws_name in UNPREFIXED_PARAM_NAMES
                            else encode_uri_component(value))
    if u.version == 2:
        fields["AWSAccessKeyId"] = updated_access_key or u.access_key
    else:
        fields["x-amz-algorithm"] = V4_ALGORITHM
        fields["x-amz-credential"] = policy_credential(u, now)
        fields["x-amz-date"] = v4_date(drifted)
    fields["policy"] = policy_b64
    if u.version == 2:
        fields["signature"] = signature
    else:
        fields["x-amz-signature"] = signature
    return [(k, fields[k]) for k in js_keys(fields)]


def signature_request_body(headers_string: str) -> str:
    """The body of a REST signature request: exactly {"headers": "<string>"}."""
    return js_stringify({"headers": headers_string})


# ------------------------------------------------------------------------------------------------
# Multipart REST requests (sections 4.2 - 4.4, 4.6)
# ------------------------------------------------------------------------------------------------

INITIATE, UPLOAD_PART, COMPLETE, ABORT = "initiate", "part", "complete", "abort"


@dataclasses.dataclass
class RestRequest:
    """One multipart REST call as the browser prepares it."""

    operation: str
    version: int
    method: str
    end_of_url: str  # "<escaped key>?<sub-resource>", appended to the endpoint after "/"
    headers_string: str  # what goes into {"headers": ...} (v4: with the RAW canonical request)
    string_to_sign: str  # what the in-browser signer would sign (v4: with the hashed request)
    signed_headers: Optional[str]  # v4 only
    request_headers: dict  # headers set on the XHR (without Authorization)
    payload: bytes
    date: _dt.datetime
    access_key: str
    region: str

    @property
    def body(self) -> str:
        """The exact signature-request body."""
        return signature_request_body(self.headers_string)

    @property
    def canonical_request(self) -> Optional[str]:
        if self.version != 4:
            return None
        return self.headers_string.split("\n", 3)[3]

    def authorization(self, signature: str, access_key: Optional[str] = None) -> str:
        """generateHeaders (section 4.6)."""
        access_key = access_key or self.access_key
        if self.version == 4:
            return (f"{V4_ALGORITHM} Credential={access_key}/{credentials_date(self.date)}/"
                    f"{self.region}/s3/aws4_request,SignedHeaders={self.signed_headers},"
                    f"Signature={signature}")
        return f"AWS {access_key}:{signature}"

    def http_headers(self, signature: str, access_key: Optional[str] = None) -> dict:
        """Every header the browser's script sets on the S3 request (the browser adds Host,
        Content-Length, ...). Part PUTs get an explicit empty Content-Type (5.16.2)."""
        headers = dict(self.request_headers)
        headers["Authorization"] = self.authorization(signature, access_key)
        if self.operation == UPLOAD_PART and "Content-Type" not in headers:
            headers["Content-Type"] = ""
        if self.operation == COMPLETE:
            headers["Content-Type"] = COMPLETE_CONTENT_TYPE
        return headers

    def url(self, endpoint: str) -> str:
        """The browser's URL: <request.endpoint>/<end of url>."""
        if "http" not in endpoint:
            endpoint = "http://" + endpoint
        return endpoint + "/" + self.end_of_url


def _v4_canonical_query(end_of_url: str) -> str:
    idx = end_of_url.find("?")
    if idx < 0:
        return ""
    encoded: dict = {}
    for pair in end_of_url[idx + 1:].split("&"):
        parts = pair.split("=")  # JS split: "a=b=c" -> ["a", "b", "c"]; only [1] is used
        value = parts[1] if len(parts) > 1 else ""
        encoded[encode_uri_component(parts[0])] = encode_uri_component(value)
    return "&".join(f"{name}={encoded[name]}" for name in sorted(encoded, key=_utf16_key))


def _utf16_key(s: str):
    return s.encode("utf-16-be", "surrogatepass")


def _v4_canonical_uri(end_of_url: str) -> str:
    idx = end_of_url.find("?")
    path = end_of_url[:idx] if idx > 0 else end_of_url
    return "/" + path


def rest_request(operation: str, u: Upload, now, *, upload_id: Optional[str] = None,
                 part_number: Optional[int] = None, payload: bytes = b"") -> RestRequest:
    """constructStringToSign(...).getToSign() for one operation. `payload` is the part's bytes
    (upload part) or the XML body (complete); initiate and abort have none."""
    now = parse_clock(now)
    drifted = _plus_ms(now, u.clock_drift_ms)
    escaped_key = uri_escape_path(u.key)  # upload.key.urlSafe(id)
    headers: dict = {}
    content_type: Optional[str] = None
    method = "POST"
    if operation == INITIATE:
        headers["x-amz-acl"] = u.acl
        if u.reduced_redundancy:
            headers["x-amz-storage-class"] = "REDUCED_REDUNDANCY"
        if u.server_side_encryption:
            headers["x-amz-server-side-encryption"] = "AES256"
        headers[AWS_PARAM_PREFIX + u.filename_param] = encode_uri_component(u.file_name)
        for name, value in normalise_params(u.params).items():
            if name in UNPREFIXED_PARAM_NAMES:
                headers[name] = value
            else:
                headers[AWS_PARAM_PREFIX + name] = encode_uri_component(value)
        content_type = u.content_type
        suffix = "uploads"
        payload = b""
    elif operation == UPLOAD_PART:
        method = "PUT"
        suffix = f"partNumber={js_string(part_number)}&uploadId={upload_id}"
    elif operation == COMPLETE:
        content_type = COMPLETE_CONTENT_TYPE
        suffix = f"uploadId={upload_id}"
    elif operation == ABORT:
        method = "DELETE"
        suffix = f"uploadId={upload_id}"
        payload = b""
    else:
        raise ValueError(f"unknown operation {operation!r}")
    if operation in (UPLOAD_PART, COMPLETE, ABORT) and upload_id is None:
        raise ValueError("upload_id required")

    headers["x-amz-date"] = utc_string(drifted)
    if u.session_token:
        headers["x-amz-security-token"] = u.session_token
    end_of_url = escaped_key + "?" + suffix

    hashed_content = None
    if u.version == 4:
        hashed_content = hashlib.sha256(payload or b"").hexdigest()
        headers["x-amz-content-sha256"] = hashed_content
        headers["Host"] = u.host
        headers["x-amz-date"] = v4_date(drifted)

    # generateStringToSign
    header_names = sorted(js_keys(headers), key=_utf16_key)
    headers_str = ""
    content_md5 = None
    to_remove = []
    for idx, name in enumerate(header_names):
        if name not in UNSIGNABLE_REST_HEADER_NAMES:
            value = headers[name]
            if not isinstance(value, str):  # the browser calls value.trim() and throws
                raise TypeError(f"Fine Uploader fails on the non-string header value {name}={value!r}")
            headers_str += name.lower() + ":" + js_trim(value) + "\n"
        elif name == "Content-MD5":
            content_md5 = headers[name]
        else:
            to_remove.insert(0, idx)
    for idx in to_remove:
        del header_names[idx]

    signed_headers = None
    if u.version == 2:
        to_sign = (f"{method}\n{content_md5 or ''}\n{content_type or ''}\n\n"
                   f"{headers_str or chr(10)}/{u.bucket}/{end_of_url}")
        raw = to_sign
    else:
        signed_headers = ";".join(n.lower() for n in header_names)
        canonical = "\n".join([method, _v4_canonical_uri(end_of_url),
                               _v4_canonical_query(end_of_url), headers_str or "\n",
                               signed_headers, hashed_content])
        scope = f"{credentials_date(now)}/{u.region}/s3/aws4_request"
        head = f"{V4_ALGORITHM}\n{v4_date(drifted)}\n{scope}\n"
        raw = head + canonical
        to_sign = head + hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    # what getToSign hands back to the requester: + Content-Type, - Host
    sent = dict(headers)
    if content_type:
        sent["Content-Type"] = content_type
    sent.pop("Host", None)
    return RestRequest(operation=operation, version=u.version, method=method,
                       end_of_url=end_of_url, headers_string=raw, string_to_sign=to_sign,
                       signed_headers=signed_headers, request_headers=sent,
                       payload=payload or b"", date=now, access_key=u.access_key,
                       region=u.region)


def initiate(u: Upload, now) -> RestRequest:
    return rest_request(INITIATE, u, now)


def upload_part(u: Upload, now, upload_id: str, part_number: int, chunk: bytes) -> RestRequest:
    return rest_request(UPLOAD_PART, u, now, upload_id=upload_id, part_number=part_number,
                        payload=chunk)


def complete(u: Upload, now, upload_id: str, etags: Iterable) -> RestRequest:
    return rest_request(COMPLETE, u, now, upload_id=upload_id, payload=complete_body(etags))


def abort(u: Upload, now, upload_id: str) -> RestRequest:
    return rest_request(ABORT, u, now, upload_id=upload_id)


def _xml_text(s: str) -> str:
    # XMLSerializer escapes only &, < and > in text nodes (quotes stay as they are)
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def complete_body(etags: Iterable) -> bytes:
    """getCompleteRequestBody: (part number, ETag as received, quotes included) pairs, sorted by
    part number; no XML declaration, no namespace."""
    parts = sorted(((int(p), e) for p, e in etags), key=lambda pe: pe[0])
    xml = "<CompleteMultipartUpload>" + "".join(
        f"<Part><PartNumber>{p}</PartNumber><ETag>{_xml_text(e)}</ETag></Part>" for p, e in parts
    ) + "</CompleteMultipartUpload>"
    return xml.encode("utf-8")


# ------------------------------------------------------------------------------------------------
# Reference signer (sections 3.5 and 4.5)
# ------------------------------------------------------------------------------------------------

def _hmac256(key: bytes, msg: str) -> bytes:
    return hmac.new(key, msg.encode("utf-8"), hashlib.sha256).digest()


def signing_key(secret: str, date: str, region: str, service: str = "s3") -> bytes:
    k = _hmac256(("AWS4" + secret).encode("utf-8"), date)
    k = _hmac256(k, region)
    k = _hmac256(k, service)
    return _hmac256(k, "aws4_request")


def sign_policy_v2(secret: str, policy_b64: str) -> str:
    return base64.b64encode(hmac.new(secret.encode("utf-8"), policy_b64.encode("ascii"),
                                     hashlib.sha1).digest()).decode("ascii")


def _credential_of(policy_b64: str) -> tuple:
    doc = json.loads(base64.b64decode(policy_b64))
    for cond in doc.get("conditions", []):
        if isinstance(cond, dict) and "x-amz-credential" in cond:
            parts = cond["x-amz-credential"].split("/")
            if len(parts) == 5 and parts[3:] == ["s3", "aws4_request"]:
                return parts[1], parts[2]
    raise ValueError("policy has no usable x-amz-credential condition")


def sign_policy_v4(secret: str, policy_b64: str, date: Optional[str] = None,
                   region: Optional[str] = None) -> str:
    """hex(HMAC-SHA256(kSigning, policyBase64)); date/region from x-amz-credential by default."""
    if date is None or region is None:
        date, region = _credential_of(policy_b64)
    return hmac.new(signing_key(secret, date, region), policy_b64.encode("ascii"),
                    hashlib.sha256).hexdigest()


def sign_rest_v2(secret: str, headers: str) -> str:
    return base64.b64encode(hmac.new(secret.encode("utf-8"), headers.encode("utf-8"),
                                     hashlib.sha1).digest()).decode("ascii")


def v4_canonical_hash(headers: str) -> str:
    parts = headers.split("\n", 3)
    if len(parts) != 4:
        raise ValueError("a v4 headers string has at least four lines")
    return hashlib.sha256(parts[3].encode("utf-8")).hexdigest()


def sign_rest_v4(secret: str, headers: str) -> tuple:
    """Returns (hex SHA-256 of the canonical request, signature)."""
    l1, l2, l3, _ = headers.split("\n", 3)
    scope = l3.split("/")
    if len(scope) != 4 or scope[2:] != ["s3", "aws4_request"]:
        raise ValueError("bad scope line")
    canonical_hash = v4_canonical_hash(headers)
    string_to_sign = f"{l1}\n{l2}\n{l3}\n{canonical_hash}"
    sig = hmac.new(signing_key(secret, scope[0], scope[1]), string_to_sign.encode("utf-8"),
                   hashlib.sha256).hexdigest()
    return canonical_hash, sig


def sign_body(secret: str, body: str, v4: bool) -> dict:
    """What an unchecking signature endpoint answers for a request body: policy (base64 of the
    exact bytes) + signature, or signature. No verification at all: a test tool only."""
    doc = json.loads(body)
    if isinstance(doc, dict) and isinstance(doc.get("headers"), str):
        if v4:
            return {"signature": sign_rest_v4(secret, doc["headers"])[1]}
        return {"signature": sign_rest_v2(secret, doc["headers"])}
    policy_b64 = base64.b64encode(body.encode("utf-8")).decode("ascii")
    sig = sign_policy_v4(secret, policy_b64) if v4 else sign_policy_v2(secret, policy_b64)
    return {"policy": policy_b64, "signature": sig}
