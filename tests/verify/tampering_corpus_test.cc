// The tampering corpus: legitimate Fine Uploader requests (protocol 3.3, 4.3, 4.4), each changed in
// one way an attacker would change it, each refused by exactly the rule meant to refuse it.
//
// A row edits a documented body with exact substring replacements (each must occur exactly once in
// the base, so a typo cannot leave a body untampered), and the untampered base is checked to be
// accepted under the same profile: the refusal therefore comes from the tampering, not from the
// base or the profile.
#include <gtest/gtest.h>

#include <iostream>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "verify/verify_test_support.h"

namespace s3upload::verify::verify_test {
namespace {

constexpr SignatureVersion V2 = SignatureVersion::kV2;
constexpr SignatureVersion V4 = SignatureVersion::kV4;

enum class Profile { kDoc, kV4Only, kV2Only, kUserPrefix, kExtensions, kPrefixedAny, kPathStyle };

UploadRules RulesFor(Profile profile) {
  UploadRules rules = DocRules();
  switch (profile) {
    case Profile::kDoc:
      break;
    case Profile::kV4Only:
      rules.allow_v2 = false;
      break;
    case Profile::kV2Only:
      rules.allow_v4 = false;
      break;
    case Profile::kUserPrefix:
      rules.key.prefix = "uploads/{user}/";
      break;
    case Profile::kExtensions:
      rules.key.extensions = {"jpg", "png"};
      break;
    case Profile::kPrefixedAny:
      rules = PrefixedAnyRules();
      break;
    case Profile::kPathStyle:
      rules.addressing = Addressing::kPathStyle;
      rules.host = "s3.eu-west-1.amazonaws.com";
      break;
  }
  return rules;
}

Caller CallerFor(Profile profile) {
  return profile == Profile::kUserPrefix ? AsUser("alice") : Caller{};
}

struct Base {
  std::string text;
  SignatureVersion version;
  bool rest;  // a "headers" string, wrapped into {"headers": ...}
};

using Edits = std::vector<std::pair<std::string, std::string>>;

struct Row {
  std::string description;
  const Base* base = nullptr;  // nullptr: `raw` is the whole body
  Edits edits;
  std::string rule;
  Profile profile = Profile::kDoc;
  std::optional<SignatureVersion> version;  // default: the base's
  bool base_accepted = true;                // the base passes under `profile` and its version
  std::string raw;
};

const std::string kKeyCondition = R"({"key":"a5d3c3c2-5b1e-4c43-9f1e-2d0c8a7b6e41.jpg"})";
const std::string kKey = "a5d3c3c2-5b1e-4c43-9f1e-2d0c8a7b6e41.jpg";
const std::string kRange = R"(["content-length-range","1","20000000"])";
const std::string kEmptyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
const std::string kPart1Hash = "a29968fad2e782aa9f2040a35f05adb97ed8979eb1f572c8c8ea78637e275f3c";
const std::string kV2Date = "x-amz-date:Wed, 01 May 2024 12:00:00 GMT\n";
const std::string kV4DateHeader = "x-amz-date:20240501T120000Z\n";

const Base kP2{kPolicyV2, V2, false};
const Base kP4{kPolicyV4, V4, false};
const Base kP2Prefixed{kPolicyV2Prefixed, V2, false};
const Base kP4User{Replace(kPolicyV4, kKeyCondition,
                           R"({"key":"uploads/alice/a5d3c3c2-5b1e-4c43-9f1e-2d0c8a7b6e41.jpg"})"),
                   V4, false};
const Base kI2{kV2Initiate, V2, true};
const Base kU2{kV2Part1, V2, true};
const Base kC2{kV2Complete, V2, true};
const Base kA2{kV2Abort, V2, true};
const Base kI4{kV4Initiate, V4, true};
const Base kU4{kV4Part1, V4, true};
const Base kC4{kV4Complete, V4, true};
const Base kA4{kV4Abort, V4, true};
const Base kU4Path{Replace(Replace(kV4Part1, "\n/a5d3", "\n/mybucket/a5d3"),
                           "host:mybucket.s3.amazonaws.com", "host:s3.eu-west-1.amazonaws.com"),
                   V4, true};

Row Edit(std::string description, const Base& base, Edits edits, std::string rule,
         Profile profile = Profile::kDoc) {
  Row row;
  row.description = std::move(description);
  row.base = &base;
  row.edits = std::move(edits);
  row.rule = std::move(rule);
  row.profile = profile;
  return row;
}

// The base unchanged, sent with another version or to a profile that refuses its version.
Row Unchanged(std::string description, const Base& base, SignatureVersion version, std::string rule,
              Profile profile = Profile::kDoc) {
  Row row = Edit(std::move(description), base, {}, std::move(rule), profile);
  row.version = version;
  row.base_accepted = profile == Profile::kDoc;
  return row;
}

Row Raw(std::string description, std::string body, SignatureVersion version, std::string rule) {
  Row row;
  row.description = std::move(description);
  row.raw = std::move(body);
  row.version = version;
  row.rule = std::move(rule);
  return row;
}

// A header line inserted before `before` (which must occur once), keeping the list sorted.
Edits InsertBefore(const std::string& before, const std::string& line) {
  return {{before, line + before}};
}

std::vector<Row> Corpus() {
  const std::string big(3000, 'a');
  return {
      // ----- Policy: condition forms ----------------------------------------------------------
      Edit("starts-with on key", kP4, {{kKeyCondition, R"(["starts-with","$key","a5d3"])"}},
           "policy.condition.starts-with"),
      Edit("starts-with on Content-Type", kP2,
           {{R"({"Content-Type":"image/jpeg"})", R"(["starts-with","$Content-Type",""])"}},
           "policy.condition.starts-with"),
      Edit("STARTS-WITH in upper case", kP2, {{kKeyCondition, R"(["STARTS-WITH","$key",""])"}},
           "policy.condition.starts-with"),
      Edit("eq array", kP4, {{R"({"acl":"public-read"})", R"(["eq","$acl","public-read"])"}},
           "policy.condition.eq"),
      Edit("duplicate acl condition", kP4,
           {{R"({"acl":"public-read"},)", R"({"acl":"public-read"},{"acl":"private"},)"}},
           "policy.condition.duplicate"),
      Edit("duplicate Content-Type in another case", kP2,
           {{R"({"Content-Type":"image/jpeg"})",
             R"({"Content-Type":"image/jpeg"},{"content-type":"text/html"})"}},
           "policy.condition.duplicate"),
      Edit("two content-length-ranges", kP4, {{kRange, kRange + "," + kRange}},
           "policy.condition.duplicate"),
      Edit("unknown condition x-amz-website-redirect-location", kP4,
           {{kKeyCondition,
             kKeyCondition + R"(,{"x-amz-website-redirect-location":"https://evil.example/"})"}},
           "policy.condition.unknown"),
      Edit("unknown condition Content-MD5", kP2,
           {{kKeyCondition, kKeyCondition + R"(,{"Content-MD5":"1B2M2Y8AsgTpgAmY7PhCfg=="})"}},
           "policy.condition.unknown"),
      Edit("non-string value (number)", kP2,
           {{R"({"success_action_status":"200"})", R"({"success_action_status":200})"}},
           "policy.condition.not-string"),
      Edit("non-string value (array)", kP4,
           {{R"({"acl":"public-read"})", R"({"acl":["public-read"]})"}},
           "policy.condition.not-string"),
      Edit("non-string value (null)", kP4, {{R"({"bucket":"mybucket"})", R"({"bucket":null})"}},
           "policy.condition.not-string"),
      Edit("nested arrays", kP4, {{kRange, "[" + kRange + "]"}}, "policy.condition.array"),
      Edit("unknown array operator", kP4, {{kRange, R"(["in","$acl","private"])"}},
           "policy.condition.array"),
      Edit("two members in one condition", kP4,
           {{R"({"acl":"public-read"})", R"({"acl":"public-read","x":"y"})"}},
           "policy.condition.form"),
      Edit("condition is a bare string", kP4, {{R"({"acl":"public-read"})", R"("acl")"}},
           "policy.condition.form"),
      Edit("empty condition object", kP4, {{R"({"acl":"public-read"})", "{}"}},
           "policy.condition.form"),

      // ----- Policy: bucket and key -----------------------------------------------------------
      Edit("wrong bucket", kP4, {{R"({"bucket":"mybucket"})", R"({"bucket":"otherbucket"})"}},
           "policy.bucket"),
      Edit("bucket in another case", kP4,
           {{R"({"bucket":"mybucket"})", R"({"bucket":"MyBucket"})"}}, "policy.bucket"),
      Edit("missing bucket", kP4, {{R"({"bucket":"mybucket"},)", ""}}, "policy.bucket.missing"),
      Edit("missing key", kP4, {{kKeyCondition + ",", ""}}, "policy.key.missing"),
      Edit("key outside the caller's prefix", kP4User, {{"uploads/alice/", "uploads/bob/"}},
           "key.prefix", Profile::kUserPrefix),
      Edit("key with ..", kP4, {{kKey, "../" + kKey}}, "key.dot-segment"),
      Edit("key with a leading slash", kP4, {{kKey, "/" + kKey}}, "key.leading-slash"),
      Edit("key with a control character", kP4,
           {{kKey, R"(a5d3c3c2-5b1e-4c43-9f1e-2d0c8a7b6e41\u0007.jpg)"}}, "key.control"),
      Edit("key over max_length", kP2Prefixed,
           {{"uploads/test file+1.jpg", "uploads/" + std::string(1100, 'a')}}, "key.too-long",
           Profile::kPrefixedAny),
      Edit("key with a lone surrogate escape", kP4,
           {{kKey, R"(a5d3c3c2-5b1e-4c43-9f1e-2d0c8a7b6e41\udc00.jpg)"}}, "request.json.encoding"),
      Edit("key with raw invalid UTF-8", kP4,
           {{kKey, "a5d3c3c2-5b1e-4c43-9f1e-2d0c8a7b6e41\xff.jpg"}}, "request.json"),
      Edit("key with overlong UTF-8", kP4, {{kKey, "\xc0\xae\xc0\xae/" + kKey}}, "request.json"),
      Edit("key of the wrong shape", kP4, {{kKey, "index.html"}}, "key.shape"),
      Edit("key with a disallowed extension", kP4,
           {{kKey, "a5d3c3c2-5b1e-4c43-9f1e-2d0c8a7b6e41.html"}}, "key.extension",
           Profile::kExtensions),
      Edit("key with ${filename}", kP2Prefixed, {{"test file+1.jpg", "${filename}"}},
           "key.variable", Profile::kPrefixedAny),
      Edit("key with a backslash", kP2Prefixed, {{"test file+1.jpg", R"(..\\x.jpg)"}},
           "key.backslash", Profile::kPrefixedAny),
      Edit("key with //", kP2Prefixed, {{"uploads/test", "uploads//test"}}, "key.empty-segment",
           Profile::kPrefixedAny),

      // ----- Policy: object properties --------------------------------------------------------
      Edit("acl public-read-write", kP4, {{"public-read\"", "public-read-write\""}}, "policy.acl"),
      Edit("Content-Type text/html", kP2, {{"image/jpeg", "text/html"}},
           "policy.content-type.not-allowed"),
      Edit("Content-Type with a parameter", kP2, {{"image/jpeg", "image/jpeg; charset=utf-8"}},
           "policy.content-type.not-allowed"),
      Edit("Content-Type with a header injection", kP2, {{"image/jpeg", R"(image/jpeg\r\nX: 1)"}},
           "policy.content-type.syntax"),
      Edit("missing Content-Type", kP2, {{R"({"Content-Type":"image/jpeg"},)", ""}},
           "policy.content-type.missing"),
      Edit("success_action_redirect to another URL", kP4,
           {{R"({"success_action_status":"200"})",
             R"({"success_action_redirect":"https://evil.example/phish"})"}},
           "policy.success-action-redirect"),
      Edit("success_action_redirect with a suffix", kP4,
           {{R"({"success_action_status":"200"})",
             R"({"success_action_redirect":"https://app.example.com/success.html.evil.com"})"}},
           "policy.success-action-redirect"),
      Edit("success_action_status not allowed", kP4, {{R"("200")", R"("201")"}},
           "policy.success-action-status"),
      Edit(
          "status and redirect together", kP2,
          {{R"({"success_action_status":"200"})",
            R"({"success_action_status":"200"},{"success_action_redirect":"https://app.example.com/success.html"})"}},
          "policy.success-action.both"),
      Edit("storage class GLACIER", kP4, {{"REDUCED_REDUNDANCY", "GLACIER"}},
           "policy.storage-class"),
      Edit("SSE aws:kms", kP4,
           {{R"("x-amz-server-side-encryption":"AES256")",
             R"("x-amz-server-side-encryption":"aws:kms")"}},
           "policy.sse"),
      Edit("SSE-C customer key", kP4,
           {{kKeyCondition,
             kKeyCondition + R"(,{"x-amz-server-side-encryption-customer-algorithm":"AES256"})"}},
           "policy.sse-c"),
      Edit(
          "SSE-KMS key id", kP4,
          {{kKeyCondition,
            kKeyCondition +
                R"(,{"x-amz-server-side-encryption-aws-kms-key-id":"arn:aws:kms:eu-west-1:1:key/x"})"}},
          "policy.sse-kms-key-id"),
      Edit("metadata name not allowed", kP4, {{"x-amz-meta-category", "x-amz-meta-owner"}},
           "policy.meta.name"),
      Edit("metadata too big", kP4, {{"my%20photo%20(1).jpg", big}}, "policy.meta.size"),
      Edit("Cache-Control value not allowed", kP4, {{"max-age=3600", "public, max-age=31536000"}},
           "policy.cache-control"),
      Edit("Content-Disposition not configured", kP4,
           {{kKeyCondition, kKeyCondition + R"(,{"Content-Disposition":"inline"})"}},
           "policy.content-disposition"),
      Edit("Content-Encoding not configured", kP4,
           {{kKeyCondition, kKeyCondition + R"(,{"Content-Encoding":"gzip"})"}},
           "policy.content-encoding"),

      // ----- Policy: size range ---------------------------------------------------------------
      Edit("content-length-range too wide", kP4, {{R"("20000000")", R"("20000001")"}},
           "policy.content-length-range.max"),
      Edit("content-length-range from 0", kP4, {{R"("1","20000000")", R"("0","20000000")"}},
           "policy.content-length-range.min"),
      Edit("content-length-range min > max", kP4, {{R"("1","20000000")", R"("5000","4000")"}},
           "policy.content-length-range.order"),
      Edit("content-length-range with a leading zero", kP4,
           {{R"("1","20000000")", R"("01","20000000")"}}, "policy.content-length-range.malformed"),
      Edit("content-length-range negative", kP4, {{R"("1","20000000")", R"(-1,20000000)"}},
           "policy.content-length-range.malformed"),
      Edit("content-length-range float", kP4, {{R"("1","20000000")", R"(1,2e7)"}},
           "policy.content-length-range.malformed"),
      Edit("content-length-range without maximum", kP4, {{R"("1","20000000")", R"("1")"}},
           "policy.content-length-range.malformed"),

      // ----- Policy: expiration ---------------------------------------------------------------
      Edit("expired", kP4, {{"2024-05-01T12:05:00.000Z", "2024-05-01T11:59:59.000Z"}},
           "policy.expiration.past"),
      Edit("expiration too distant", kP4,
           {{"2024-05-01T12:05:00.000Z", "2024-05-02T12:05:00.000Z"}}, "policy.expiration.too-far"),
      Edit("expiration malformed", kP4, {{"2024-05-01T12:05:00.000Z", "2024-05-01 12:05:00"}},
           "policy.expiration.malformed"),
      Edit("expiration as a number", kP4, {{R"("2024-05-01T12:05:00.000Z")", "1714565100"}},
           "policy.expiration.malformed"),

      // ----- Policy: v4 credential and dates --------------------------------------------------
      Edit("session token", kP4,
           {{kKeyCondition, kKeyCondition + R"(,{"x-amz-security-token":"FQoGZXIvYXdzEBA"})"}},
           "policy.session-token"),
      Edit("v4 wrong access key", kP4, {{"AKIAIOSFODNN7EXAMPLE/", "AKIAEVILEVILEVILEVIL/"}},
           "policy.v4.credential.access-key"),
      Edit("v4 wrong region", kP4, {{"/eu-west-1/", "/us-east-1/"}}, "policy.v4.credential.region"),
      Edit("v4 wrong service", kP4, {{"/s3/aws4_request", "/sts/aws4_request"}},
           "policy.v4.credential.service"),
      Edit("v4 wrong terminator", kP4, {{"/s3/aws4_request", "/s3/aws4_request2"}},
           "policy.v4.credential.terminator"),
      Edit("v4 credential with an extra part", kP4, {{"/s3/aws4_request", "/s3/aws4_request/x"}},
           "policy.v4.credential.malformed"),
      Edit("v4 credential day invalid", kP4, {{"/20240501/", "/20241301/"}},
           "policy.v4.credential.day"),
      Edit("v4 algorithm", kP4, {{"\"AWS4-HMAC-SHA256\"", "\"AWS4-HMAC-SHA1\""}},
           "policy.v4.algorithm"),
      Edit("v4 date skewed", kP4, {{"20240501T120000Z", "20240501T123000Z"}},
           "policy.v4.date.skew"),
      Edit("v4 date malformed", kP4, {{"20240501T120000Z", "2024-05-01T12:00:00Z"}},
           "policy.v4.date.malformed"),
      Edit("v4 credential day two days off", kP4, {{"/20240501/", "/20240503/"}},
           "policy.v4.credential.day-mismatch"),
      Edit("v4 missing algorithm", kP4, {{R"({"x-amz-algorithm":"AWS4-HMAC-SHA256"},)", ""}},
           "policy.v4.algorithm.missing"),
      Edit("v4 missing date", kP4, {{R"({"x-amz-date":"20240501T120000Z"},)", ""}},
           "policy.v4.date.missing"),
      Edit("v4 algorithm in a v2 policy", kP2,
           {{kKeyCondition, kKeyCondition + R"(,{"x-amz-algorithm":"AWS4-HMAC-SHA256"})"}},
           "policy.v2.v4-field"),
      Edit("v4 date in a v2 policy", kP2,
           {{kKeyCondition, kKeyCondition + R"(,{"x-amz-date":"20240501T120000Z"})"}},
           "policy.v2.v4-field"),

      // ----- Versions and body shapes ---------------------------------------------------------
      Unchanged("v4 policy sent as v2", kP4, V2, "version.mismatch"),
      Unchanged("v2 policy sent as v4", kP2, V4, "version.mismatch"),
      Unchanged("v2 policy to a v4-only profile", kP2, V2, "version.not-allowed", Profile::kV4Only),
      Unchanged("v4 policy to a v2-only profile", kP4, V4, "version.not-allowed", Profile::kV2Only),
      Unchanged("v4 REST string sent as v2", kI4, V2, "version.mismatch"),
      Unchanged("v2 REST string sent as v4", kI2, V4, "version.mismatch"),
      Unchanged("v2 REST string to a v4-only profile", kU2, V2, "version.not-allowed",
                Profile::kV4Only),
      Unchanged("v4 REST string to a v2-only profile", kU4, V4, "version.not-allowed",
                Profile::kV2Only),
      Edit("body is both a policy and a REST request", kP4,
           {{R"({"expiration")", R"({"headers":"PUT\n\n\n\n/mybucket/x","expiration")"}},
           "policy.document.fields"),
      Raw("body is neither", R"({"signme":"anything"})", V4, "policy.document.fields"),
      Raw("policy wrapped in an object", R"({"policy":)" + kPolicyV4 + "}", V4,
          "policy.document.fields"),
      Raw("conditions not an array",
          R"({"expiration":"2024-05-01T12:05:00.000Z","conditions":{"acl":"private"}})", V4,
          "policy.conditions.not-array"),
      Raw("malformed JSON", kPolicyV4.substr(0, kPolicyV4.size() - 1), V4, "request.json"),
      Raw("trailing garbage", kPolicyV4 + "x", V4, "request.json"),
      Raw("two JSON documents", kPolicyV4 + "{}", V4, "request.json"),
      Edit(
          "duplicate JSON key at the top", kP4,
          {{R"({"expiration":"2024-05-01T12:05:00.000Z",)",
            R"({"expiration":"2024-05-01T12:05:00.000Z","expiration":"2030-01-01T00:00:00.000Z",)"}},
          "request.json.duplicate-key"),
      Edit("duplicate JSON key in a condition", kP4,
           {{R"({"acl":"public-read"})", R"({"acl":"private","acl":"public-read-write"})"}},
           "request.json.duplicate-key"),
      Raw("duplicate headers member", R"({"headers":"a","headers":"b"})", V4,
          "request.json.duplicate-key"),
      Raw("body is an array", "[" + kPolicyV4 + "]", V4, "request.not-object"),
      Raw("headers is not a string", R"({"headers":["PUT"]})", V4, "rest.headers.not-string"),

      // ----- REST v2: operations --------------------------------------------------------------
      Edit("v2 GET object", kU2, {{"PUT\n", "GET\n"}, {"?partNumber=1&uploadId=UPLOADID123", ""}},
           "rest.method"),
      Edit("v2 HEAD", kU2, {{"PUT\n", "HEAD\n"}}, "rest.method"),
      Edit("v2 ?acl", kU2, {{"?partNumber=1&uploadId=UPLOADID123", "?acl"}}, "rest.query.unknown"),
      Edit("v2 ?policy", kU2, {{"?partNumber=1&uploadId=UPLOADID123", "?policy"}},
           "rest.query.unknown"),
      Edit("v2 ?tagging", kU2, {{"?partNumber=1&uploadId=UPLOADID123", "?tagging"}},
           "rest.query.unknown"),
      Edit("v2 DELETE ?versionId", kA2, {{"?uploadId=UPLOADID123", "?versionId=3HL4kqtJlcpXroDT"}},
           "rest.query.unknown"),
      Edit("v2 extra query parameter", kU2,
           {{"uploadId=UPLOADID123", "uploadId=UPLOADID123&x-id=PutObject"}}, "rest.query.unknown"),
      Edit("v2 plain PUT object", kU2, {{"?partNumber=1&uploadId=UPLOADID123", ""}},
           "rest.operation"),
      Edit("v2 PUT ?uploads", kU2, {{"?partNumber=1&uploadId=UPLOADID123", "?uploads"}},
           "rest.operation"),
      Edit("v2 DELETE ?uploads", kA2, {{"?uploadId=UPLOADID123", "?uploads"}}, "rest.operation"),
      Edit("v2 initiate with an upload id", kI2, {{"?uploads", "?uploads&uploadId=X"}},
           "rest.operation"),
      Edit("v2 partNumber 0", kU2, {{"partNumber=1", "partNumber=0"}}, "rest.part-number"),
      Edit("v2 partNumber 10001", kU2, {{"partNumber=1", "partNumber=10001"}}, "rest.part-number"),
      Edit("v2 partNumber 007", kU2, {{"partNumber=1", "partNumber=007"}}, "rest.part-number"),
      Edit("v2 bad upload id characters", kU2, {{"UPLOADID123", "UPLOAD<ID>"}}, "rest.upload-id"),
      Edit("v2 upload id twice", kA2, {{"?uploadId=UPLOADID123", "?uploadId=A&uploadId=B"}},
           "rest.query.duplicate"),
      Edit("v2 uploads with a value", kI2, {{"?uploads", "?uploads=x"}}, "rest.query.value"),
      Edit("v2 uploads=", kI2, {{"?uploads", "?uploads="}}, "rest.v2.not-canonical"),

      // ----- REST v2: fixed lines, dates, resource --------------------------------------------
      Edit("v2 Content-MD5 set", kU2, {{"PUT\n\n", "PUT\nXrY7u+Ae7tCTyyK7j1rNww==\n"}},
           "rest.v2.content-md5"),
      Edit("v2 Date line set", kU2, {{"PUT\n\n\n\n", "PUT\n\n\nWed, 01 May 2024 12:00:00 GMT\n"}},
           "rest.v2.date-line"),
      Edit("v2 missing x-amz-date", kU2, {{kV2Date, ""}}, "rest.v2.date.missing"),
      Edit("v2 x-amz-date skewed", kU2, {{"12:00:00", "12:30:00"}}, "rest.v2.date.skew"),
      Edit("v2 x-amz-date yesterday", kU2, {{"Wed, 01 May", "Tue, 30 Apr"}}, "rest.v2.date.skew"),
      Edit("v2 x-amz-date with the wrong weekday", kU2, {{"Wed, 01 May", "Thu, 01 May"}},
           "rest.v2.date.malformed"),
      Edit("v2 resource in another bucket", kU2, {{"/mybucket/", "/otherbucket/"}},
           "rest.v2.bucket"),
      Edit("v2 resource in a bucket with a longer name", kU2, {{"/mybucket/", "/mybucketx/"}},
           "rest.v2.bucket"),
      Edit("v2 complete with the wrong content type", kC2,
           {{"application/xml; charset=UTF-8", "application/xml"}}, "rest.content-type.complete"),
      Edit("v2 part with a content type", kU2, {{"PUT\n\n\n", "PUT\n\nimage/jpeg\n"}},
           "rest.content-type.not-empty"),
      Edit("v2 abort with a content type", kA2, {{"DELETE\n\n\n", "DELETE\n\ntext/plain\n"}},
           "rest.content-type.not-empty"),
      Edit("v2 initiate with text/html", kI2, {{"image/jpeg", "text/html"}},
           "rest.content-type.not-allowed"),
      Edit("v2 trailing newline", kU2, {{"UPLOADID123", "UPLOADID123\n"}}, "rest.trailing-newline"),
      Edit("v2 CRLF line endings", kU2, {{"PUT\n", "PUT\r\n"}}, "rest.charset"),
      Edit("v2 NUL byte", kU2, {{"UPLOADID123", std::string("UPLOADID123\0", 12)}}, "rest.charset"),
      Raw("v2 too few lines", RestBody("PUT\n\n\n/mybucket/x"), V2, "rest.v2.lines"),

      // ----- REST v2: headers -----------------------------------------------------------------
      Edit("v2 initiate acl public-read-write", kI2,
           {{"x-amz-acl:public-read\n", "x-amz-acl:public-read-write\n"}}, "rest.acl"),
      Edit("v2 initiate metadata not allowed", kI2, {{"x-amz-meta-category", "x-amz-meta-owner"}},
           "rest.meta.name"),
      Edit("v2 initiate storage class GLACIER", kI2, {{"REDUCED_REDUNDANCY", "GLACIER"}},
           "rest.storage-class"),
      Edit("v2 initiate SSE aws:kms", kI2, {{"encryption:AES256", "encryption:aws:kms"}},
           "rest.sse"),
      Edit("v2 initiate SSE-C", kI2,
           InsertBefore("x-amz-storage-class", "x-amz-server-side-encryption-customer-key:a2V5\n"),
           "rest.sse-c"),
      Edit("v2 x-amz-copy-source on a part", kU2,
           InsertBefore(kV2Date, "x-amz-copy-source:/otherbucket/secret.pdf\n"),
           "rest.header.copy-source"),
      Edit("v2 x-amz-copy-source-range", kU2,
           InsertBefore(kV2Date, "x-amz-copy-source-range:bytes=0-9\n"), "rest.header.copy-source"),
      Edit("v2 x-amz-grant-read", kI2,
           InsertBefore("x-amz-meta-category",
                        "x-amz-grant-read:uri=http://acs.amazonaws.com/groups/global/AllUsers\n"),
           "rest.header.grant"),
      Edit("v2 x-amz-website-redirect-location", kI2,
           {{"REDUCED_REDUNDANCY\n", "REDUCED_REDUNDANCY\nx-amz-website-redirect-location:/x\n"}},
           "rest.header.website-redirect"),
      Edit("v2 x-amz-security-token", kU2,
           {{kV2Date, kV2Date + "x-amz-security-token:FQoGZXIvYXdzEBA\n"}},
           "rest.header.security-token"),
      Edit("v2 x-amz-tagging", kI2,
           {{"REDUCED_REDUNDANCY\n", "REDUCED_REDUNDANCY\nx-amz-tagging:a=b\n"}},
           "rest.header.tagging"),
      Edit("v2 unknown x-amz-foo", kU2, {{kV2Date, kV2Date + "x-amz-foo:bar\n"}},
           "rest.header.unknown"),
      Edit("v2 non-amz header line", kU2, InsertBefore(kV2Date, "host:mybucket.s3.amazonaws.com\n"),
           "rest.header.unknown"),
      Edit("v2 acl on a part", kU2, InsertBefore(kV2Date, "x-amz-acl:private\n"),
           "rest.header.not-for-operation"),
      Edit("v2 unsorted headers", kI2,
           {{"x-amz-acl:public-read\n" + kV2Date, kV2Date + "x-amz-acl:public-read\n"}},
           "rest.header.order"),
      Edit("v2 upper-case header name", kU2, {{"x-amz-date:", "X-Amz-Date:"}}, "rest.header.case"),
      Edit("v2 duplicate x-amz-date", kU2, {{kV2Date, kV2Date + kV2Date}}, "rest.header.duplicate"),
      Edit("v2 header line without colon", kU2, {{kV2Date, kV2Date + "x-amz-foo\n"}},
           "rest.header.syntax"),
      Edit("v2 header value not trimmed", kI2, {{"holiday%20photos\n", "holiday%20photos \n"}},
           "rest.v2.not-canonical"),

      // ----- REST v2: keys --------------------------------------------------------------------
      Edit("v2 key encoded non-canonically", kU2, {{".jpg?", "%2Ejpg?"}}, "rest.key.encoding"),
      Edit("v2 key with ..", kU2, {{"/mybucket/a5d3", "/mybucket/../a5d3"}}, "key.dot-segment"),
      Edit("v2 key with overlong UTF-8", kU2, {{"/mybucket/a5d3", "/mybucket/%C0%AE%C0%AE/a5d3"}},
           "key.utf8"),
      Edit("v2 key with an encoded newline", kU2, {{"/mybucket/a5d3", "/mybucket/%0Aa5d3"}},
           "key.control"),
      Edit("v2 key of the wrong shape", kU2, {{kKey, "index.html"}}, "key.shape"),

      // ----- REST v4: operations --------------------------------------------------------------
      Edit("v4 GET object", kU4,
           {{"PUT\n", "GET\n"}, {"partNumber=1&uploadId=UPLOADID123\n", "\n"}}, "rest.method"),
      Edit("v4 HEAD", kU4, {{"PUT\n", "HEAD\n"}}, "rest.method"),
      Edit("v4 ?acl", kU4, {{"partNumber=1&uploadId=UPLOADID123", "acl="}}, "rest.query.unknown"),
      Edit("v4 ?policy", kU4, {{"partNumber=1&uploadId=UPLOADID123", "policy="}},
           "rest.query.unknown"),
      Edit("v4 ?tagging", kU4, {{"partNumber=1&uploadId=UPLOADID123", "tagging="}},
           "rest.query.unknown"),
      Edit("v4 DELETE ?versionId", kA4, {{"uploadId=UPLOADID123", "versionId=3HL4kqtJlcpXroDT"}},
           "rest.query.unknown"),
      Edit("v4 extra query parameter", kU4,
           {{"uploadId=UPLOADID123", "uploadId=UPLOADID123&x-id=UploadPart"}},
           "rest.query.unknown"),
      Edit("v4 plain PUT object", kU4, {{"partNumber=1&uploadId=UPLOADID123\n", "\n"}},
           "rest.operation"),
      Edit("v4 DELETE ?uploads", kA4, {{"uploadId=UPLOADID123", "uploads="}}, "rest.operation"),
      Edit("v4 complete turned into an initiate", kC4, {{"uploadId=UPLOADID123", "uploads="}},
           "rest.v4.content-sha256.not-empty"),
      Edit("v4 partNumber 0", kU4, {{"partNumber=1", "partNumber=0"}}, "rest.part-number"),
      Edit("v4 partNumber 10001", kU4, {{"partNumber=1", "partNumber=10001"}}, "rest.part-number"),
      Edit("v4 partNumber 007", kU4, {{"partNumber=1", "partNumber=007"}}, "rest.part-number"),
      Edit("v4 bad upload id characters", kU4, {{"UPLOADID123", "UPLOAD%24ID"}}, "rest.upload-id"),
      Edit("v4 bad escape in the query", kU4, {{"UPLOADID123", "UPLOAD%ZZ"}}, "rest.query.syntax"),
      Edit("v4 uploads with a value", kI4, {{"\nuploads=\n", "\nuploads=x\n"}}, "rest.query.value"),
      Edit("v4 uploads without =", kI4, {{"\nuploads=\n", "\nuploads\n"}}, "rest.v4.not-canonical"),

      // ----- REST v4: host, URI, key ----------------------------------------------------------
      Edit("v4 host with an evil suffix", kU4,
           {{"host:mybucket.s3.amazonaws.com", "host:mybucket.s3.amazonaws.com.evil.com"}},
           "rest.v4.host"),
      Edit("v4 host with an evil prefix", kU4,
           {{"host:mybucket.s3.amazonaws.com", "host:evilmybucket.s3.amazonaws.com"}},
           "rest.v4.host"),
      Edit("v4 host of another bucket", kU4,
           {{"host:mybucket.s3.amazonaws.com", "host:otherbucket.s3.amazonaws.com"}},
           "rest.v4.host"),
      Edit("v4 host with a trailing slash", kU4,
           {{"host:mybucket.s3.amazonaws.com", "host:mybucket.s3.amazonaws.com/"}}, "rest.v4.host"),
      Edit("v4 host with a scheme", kU4,
           {{"host:mybucket.s3.amazonaws.com", "host:https://mybucket.s3.amazonaws.com"}},
           "rest.v4.host"),
      Edit("v4 path-style URI on a virtual-hosted profile", kU4, {{"\n/a5d3", "\n/mybucket/a5d3"}},
           "key.shape"),
      Edit("v4 virtual-hosted URI on a path-style profile", kU4Path,
           {{"\n/mybucket/a5d3", "\n/a5d3"}}, "rest.v4.bucket", Profile::kPathStyle),
      Edit("v4 path-style URI of another bucket", kU4Path, {{"/mybucket/", "/otherbucket/"}},
           "rest.v4.bucket", Profile::kPathStyle),
      Edit("v4 URI without a leading slash", kU4, {{"\n/a5d3", "\na5d3"}}, "rest.v4.uri"),
      Edit("v4 empty key", kU4, {{"/" + kKey + "\n", "/\n"}}, "key.empty"),
      Edit("v4 key encoded non-canonically", kU4, {{".jpg\n", "%2Ejpg\n"}}, "rest.key.encoding"),
      Edit("v4 key of the wrong shape", kU4, {{kKey, "index.html"}}, "key.shape"),

      // ----- REST v4: payload hash, signed headers, dates, scope ------------------------------
      Edit("v4 payload hash differs from x-amz-content-sha256", kU4,
           {{"x-amz-date\n" + kPart1Hash, "x-amz-date\nb" + kPart1Hash.substr(1)}},
           "rest.v4.payload-hash"),
      Edit("v4 UNSIGNED-PAYLOAD", kU4,
           {{"sha256:" + kPart1Hash, "sha256:UNSIGNED-PAYLOAD"},
            {"x-amz-date\n" + kPart1Hash, "x-amz-date\nUNSIGNED-PAYLOAD"}},
           "rest.v4.unsigned-payload"),
      Edit("v4 streaming payload", kU4,
           {{"sha256:" + kPart1Hash, "sha256:STREAMING-AWS4-HMAC-SHA256-PAYLOAD"},
            {"x-amz-date\n" + kPart1Hash, "x-amz-date\nSTREAMING-AWS4-HMAC-SHA256-PAYLOAD"}},
           "rest.v4.content-sha256.malformed"),
      Edit("v4 payload hash in upper case", kU4,
           {{"sha256:a29968fad2e782aa", "sha256:A29968FAD2E782AA"},
            {"x-amz-date\na29968fad2e782aa", "x-amz-date\nA29968FAD2E782AA"}},
           "rest.v4.content-sha256.malformed"),
      Edit("v4 initiate with a body hash", kI4,
           {{"sha256:" + kEmptyHash, "sha256:" + kPart1Hash},
            {"storage-class\n" + kEmptyHash, "storage-class\n" + kPart1Hash}},
           "rest.v4.content-sha256.not-empty"),
      Edit("v4 abort with a body hash", kA4,
           {{"sha256:" + kEmptyHash, "sha256:" + kPart1Hash},
            {"x-amz-date\n" + kEmptyHash, "x-amz-date\n" + kPart1Hash}},
           "rest.v4.content-sha256.not-empty"),
      Edit("v4 signed headers without x-amz-date", kU4,
           {{"\nhost;x-amz-content-sha256;x-amz-date\n", "\nhost;x-amz-content-sha256\n"}},
           "rest.v4.signed-headers"),
      Edit("v4 signed headers naming an absent header", kU4,
           {{"\nhost;x-amz-content-sha256;x-amz-date\n",
             "\nhost;x-amz-acl;x-amz-content-sha256;x-amz-date\n"}},
           "rest.v4.signed-headers"),
      Edit("v4 x-amz-date header differs from line 2", kU4,
           {{kV4DateHeader, "x-amz-date:20240501T120500Z\n"}}, "rest.v4.date.header"),
      Edit("v4 scope day differs from line 2", kU4, {{"20240501/eu-west-1", "20240502/eu-west-1"}},
           "rest.v4.scope.day"),
      Edit("v4 scope region", kU4, {{"/eu-west-1/", "/us-east-1/"}}, "rest.v4.scope.region"),
      Edit("v4 scope service", kU4, {{"/s3/aws4_request", "/iam/aws4_request"}},
           "rest.v4.scope.service"),
      Edit("v4 scope terminator", kU4, {{"aws4_request\n", "aws4_requests\n"}},
           "rest.v4.scope.terminator"),
      Edit("v4 scope malformed", kU4, {{"/eu-west-1/s3/", "/eu-west-1/"}},
           "rest.v4.scope.malformed"),
      Edit("v4 date skewed", kU4,
           {{"\n20240501T120000Z\n", "\n20240501T130000Z\n"},
            {kV4DateHeader, "x-amz-date:20240501T130000Z\n"}},
           "rest.v4.date.skew"),
      Edit("v4 date malformed", kU4, {{"\n20240501T120000Z\n", "\n2024-05-01T12:00:00Z\n"}},
           "rest.v4.date.malformed"),
      Edit("v4 missing host", kU4, {{"host:mybucket.s3.amazonaws.com\n", ""}, {"\nhost;", "\n"}},
           "rest.v4.host.missing"),
      Edit("v4 missing x-amz-date header", kU4, {{kV4DateHeader, ""}, {";x-amz-date\n", "\n"}},
           "rest.v4.date.header.missing"),
      Edit("v4 missing x-amz-content-sha256", kU4,
           {{"x-amz-content-sha256:" + kPart1Hash + "\n", ""}, {";x-amz-content-sha256;", ";"}},
           "rest.v4.content-sha256.missing"),

      // ----- REST v4: headers -----------------------------------------------------------------
      Edit("v4 x-amz-copy-source on a part", kU4,
           InsertBefore(kV4DateHeader, "x-amz-copy-source:otherbucket/secret.pdf\n"),
           "rest.header.copy-source"),
      Edit("v4 x-amz-grant-full-control", kI4,
           InsertBefore("x-amz-meta-category:", "x-amz-grant-full-control:id=1234\n"),
           "rest.header.grant"),
      Edit("v4 x-amz-website-redirect-location", kI4,
           {{"REDUCED_REDUNDANCY\n", "REDUCED_REDUNDANCY\nx-amz-website-redirect-location:/x\n"}},
           "rest.header.website-redirect"),
      Edit("v4 x-amz-security-token", kU4,
           {{kV4DateHeader, kV4DateHeader + "x-amz-security-token:FQoGZXIvYXdzEBA\n"}},
           "rest.header.security-token"),
      Edit("v4 x-amz-tagging", kI4,
           {{"REDUCED_REDUNDANCY\n", "REDUCED_REDUNDANCY\nx-amz-tagging:a=b\n"}},
           "rest.header.tagging"),
      Edit("v4 unknown x-amz-foo", kU4, {{kV4DateHeader, kV4DateHeader + "x-amz-foo:bar\n"}},
           "rest.header.unknown"),
      Edit("v4 signed content-type", kU4, InsertBefore("host:mybucket", "content-type:text/html\n"),
           "rest.header.unknown"),
      Edit("v4 acl on complete", kC4, InsertBefore("x-amz-content-sha256:", "x-amz-acl:private\n"),
           "rest.header.not-for-operation"),
      Edit("v4 initiate acl public-read-write", kI4,
           {{"x-amz-acl:public-read\n", "x-amz-acl:public-read-write\n"}}, "rest.acl"),
      Edit("v4 initiate metadata not allowed", kI4,
           {{"x-amz-meta-category:", "x-amz-meta-owner:"},
            {";x-amz-meta-category;", ";x-amz-meta-owner;"}},
           "rest.meta.name"),
      Edit("v4 initiate metadata too big", kI4, {{"my%20photo%20(1).jpg", big}}, "rest.meta.size"),
      Edit("v4 initiate storage class GLACIER", kI4, {{"REDUCED_REDUNDANCY", "GLACIER"}},
           "rest.storage-class"),
      Edit("v4 initiate SSE aws:kms", kI4, {{"encryption:AES256", "encryption:aws:kms"}},
           "rest.sse"),
      Edit("v4 initiate KMS key id", kI4,
           {{"encryption:AES256\n",
             "encryption:AES256\nx-amz-server-side-encryption-aws-kms-key-id:k\n"}},
           "rest.sse-kms-key-id"),
      Edit("v4 unsorted headers", kU4,
           {{"host:mybucket.s3.amazonaws.com\nx-amz-content-sha256:" + kPart1Hash + "\n",
             "x-amz-content-sha256:" + kPart1Hash + "\nhost:mybucket.s3.amazonaws.com\n"}},
           "rest.header.order"),
      Edit("v4 upper-case header name", kU4, {{"host:mybucket", "Host:mybucket"}},
           "rest.header.case"),
      Edit("v4 duplicate host", kU4,
           {{"host:mybucket.s3.amazonaws.com\n",
             "host:mybucket.s3.amazonaws.com\nhost:mybucket.s3.amazonaws.com\n"}},
           "rest.header.duplicate"),
      Edit("v4 header value with a double space", kI4, {{"holiday%20photos", "holiday  photos"}},
           "rest.v4.not-canonical"),

      // ----- REST v4: structure ---------------------------------------------------------------
      Edit("v4 extra line after the payload hash", kU4,
           {{"x-amz-date\n" + kPart1Hash, "x-amz-date\n" + kPart1Hash + "\nextra"}},
           "rest.v4.lines"),
      Edit("v4 no blank line after the headers", kU4,
           {{kV4DateHeader + "\nhost;", kV4DateHeader + "host;"}}, "rest.v4.lines"),
      Edit("v4 trailing newline", kU4,
           {{"x-amz-date\n" + kPart1Hash, "x-amz-date\n" + kPart1Hash + "\n"}},
           "rest.trailing-newline"),
      Edit("v4 CRLF line endings", kU4, {{"AWS4-HMAC-SHA256\n", "AWS4-HMAC-SHA256\r\n"}},
           "rest.charset"),
      Edit("v4 tab in a header", kU4, {{"host:mybucket", "host:\tmybucket"}}, "rest.charset"),
      Edit("v4 raw UTF-8 in the URI", kU4, {{"\n/a5d3", "\n/\xc3\xa9/a5d3"}}, "rest.charset"),
  };
}

std::string BodyOf(const Row& row, const std::string& text) {
  return row.base != nullptr && row.base->rest ? RestBody(text) : text;
}

TEST(TamperingCorpusTest, EveryRowIsRefusedByItsRule) {
  const std::vector<Row> corpus = Corpus();
  for (const Row& row : corpus) {
    SCOPED_TRACE(row.description);
    const UploadRules rules = RulesFor(row.profile);
    const Caller caller = CallerFor(row.profile);
    std::string body = row.raw;
    SignatureVersion version = row.version.value_or(V4);
    if (row.base != nullptr) {
      version = row.version.value_or(row.base->version);
      // The untampered request passes (under its own version), so the refusal below is the
      // tampering's doing.
      const UploadRules& base_rules = row.base_accepted ? rules : DocRules();
      EXPECT_EQ(RuleOf(VerifySignRequest(BodyOf(row, row.base->text), row.base->version, base_rules,
                                         caller, Now())),
                "<accepted>")
          << "base of " << row.description;
      std::string text = row.base->text;
      for (const auto& [from, to] : row.edits) text = Replace(text, from, to);
      EXPECT_TRUE(!row.edits.empty() || row.version.has_value() || !row.base_accepted);
      body = BodyOf(row, text);
    }
    const Verdict verdict = VerifySignRequest(body, version, rules, caller, Now());
    EXPECT_EQ(RuleOf(verdict), row.rule) << Describe(verdict);
  }
}

TEST(TamperingCorpusTest, IsLargeAndCoversEverySurface) {
  const std::vector<Row> corpus = Corpus();
  EXPECT_GE(corpus.size(), 90u);
  std::size_t policies = 0, v2_rest = 0, v4_rest = 0;
  for (const Row& row : corpus) {
    if (row.base == nullptr) continue;
    if (!row.base->rest)
      ++policies;
    else if (row.base->version == V2)
      ++v2_rest;
    else
      ++v4_rest;
  }
  EXPECT_GE(policies, 30u);
  EXPECT_GE(v2_rest, 30u);
  EXPECT_GE(v4_rest, 30u);
  std::cout << "[ corpus   ] " << corpus.size() << " rows: " << policies << " policies, " << v2_rest
            << " v2 REST, " << v4_rest << " v4 REST, "
            << corpus.size() - policies - v2_rest - v4_rest << " raw bodies\n";
}

}  // namespace
}  // namespace s3upload::verify::verify_test
