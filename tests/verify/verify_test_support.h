// Shared by the verify tests: the profile of the protocol document's example configuration, the
// exact request bodies of the protocol document (sections 3.3, 3.5, 4.3, 4.4), and small helpers.
// The bodies are copied here so that the per-rule tests stand on their own; the vectors file in
// tests/data/fineuploader/ is checked against the same expectations in fineuploader_vectors_test.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "s3upload/aws.h"
#include "s3upload/verify.h"

namespace s3upload::verify::verify_test {

using namespace std::string_literals;
using namespace std::string_view_literals;

// The protocol document's frozen clock: 2024-05-01T12:00:00Z.
inline TimePoint Now() { return *aws::ParseAmzDate("20240501T120000Z"); }

inline constexpr std::string_view kAccessKey = "AKIAIOSFODNN7EXAMPLE";
inline constexpr std::string_view kSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
inline constexpr std::string_view kUuid = "a5d3c3c2-5b1e-4c43-9f1e-2d0c8a7b6e41";

// A caller who is `user` and nothing more (no token narrowing).
inline Caller AsUser(std::string user) {
  Caller caller;
  caller.user = std::move(user);
  return caller;
}

// The document's example configuration (protocol section 0) as a profile.
inline UploadRules DocRules(std::string region = "eu-west-1") {
  UploadRules rules;
  rules.profile = "doc";
  rules.bucket = "mybucket";
  rules.region = std::move(region);
  rules.host = "mybucket.s3.amazonaws.com";
  rules.addressing = Addressing::kVirtualHosted;
  rules.access_key_id = std::string(kAccessKey);
  rules.allow_v2 = true;
  rules.allow_v4 = true;
  rules.key.prefix = "";
  rules.key.shapes = {KeyRules::Shape::kUuidWithExtension};
  rules.min_size = 1;
  rules.max_size = 20000000;
  rules.content_types = {"image/*"};
  rules.require_content_type = true;
  rules.acls = {"private", "public-read"};
  rules.success_action_statuses = {"200"};
  rules.success_action_redirects = {"https://app.example.com/success.html"};
  rules.metadata_names = {"qqfilename", "category"};
  rules.storage_classes = {"STANDARD", "REDUCED_REDUNDANCY"};
  rules.server_side_encryption = {"AES256"};
  rules.object_headers = {{"Cache-Control", {"max-age=3600"}}};
  return rules;
}

// For the "uploads/test file+1.jpg" vectors of protocol 3.5.
inline UploadRules PrefixedAnyRules(std::string region = "us-east-1") {
  UploadRules rules = DocRules(std::move(region));
  rules.key.prefix = "uploads/";
  rules.key.shapes = {KeyRules::Shape::kAnyName};
  return rules;
}

// For the iframe body of protocol 3.3: no Content-Type, placeholder key "3f1c1f7e-uuid.jpg".
inline UploadRules IframeRules() {
  UploadRules rules = DocRules("us-east-1");
  rules.require_content_type = false;
  rules.key.shapes = {KeyRules::Shape::kAnyName};
  return rules;
}

// ----- Policy bodies (protocol 3.3 / 3.5), byte for byte --------------------------------------

inline const std::string kPolicyV2 =
    R"({"expiration":"2024-05-01T12:05:00.000Z","conditions":[{"acl":"public-read"},{"bucket":"mybucket"},{"Content-Type":"image/jpeg"},{"success_action_status":"200"},{"x-amz-storage-class":"REDUCED_REDUNDANCY"},{"x-amz-server-side-encryption":"AES256"},{"key":"a5d3c3c2-5b1e-4c43-9f1e-2d0c8a7b6e41.jpg"},{"x-amz-meta-category":"holiday%20photos"},{"Cache-Control":"max-age=3600"},{"x-amz-meta-qqfilename":"my%20photo%20(1).jpg"},["content-length-range","1","20000000"]]})";

inline const std::string kPolicyV4 =
    R"({"expiration":"2024-05-01T12:05:00.000Z","conditions":[{"acl":"public-read"},{"bucket":"mybucket"},{"Content-Type":"image/jpeg"},{"success_action_status":"200"},{"x-amz-storage-class":"REDUCED_REDUNDANCY"},{"x-amz-server-side-encryption":"AES256"},{"x-amz-algorithm":"AWS4-HMAC-SHA256"},{"key":"a5d3c3c2-5b1e-4c43-9f1e-2d0c8a7b6e41.jpg"},{"x-amz-credential":"AKIAIOSFODNN7EXAMPLE/20240501/eu-west-1/s3/aws4_request"},{"x-amz-date":"20240501T120000Z"},{"x-amz-meta-category":"holiday%20photos"},{"Cache-Control":"max-age=3600"},{"x-amz-meta-qqfilename":"my%20photo%20(1).jpg"},["content-length-range","1","20000000"]]})";

// "<uuid>" of the document replaced by the fixed uuid.
inline const std::string kPolicyV2Minimal =
    R"({"expiration":"2024-05-01T12:05:00.000Z","conditions":[{"acl":"private"},{"bucket":"mybucket"},{"Content-Type":"image/jpeg"},{"success_action_status":"200"},{"key":"a5d3c3c2-5b1e-4c43-9f1e-2d0c8a7b6e41.jpg"},{"x-amz-meta-qqfilename":"my%20photo%20(1).jpg"},["content-length-range","1","20000000"]]})";

inline const std::string kPolicyV4Iframe =
    R"({"expiration":"2024-05-01T12:05:00.000Z","conditions":[{"acl":"private"},{"bucket":"mybucket"},{"success_action_redirect":"https://app.example.com/success.html"},{"x-amz-algorithm":"AWS4-HMAC-SHA256"},{"key":"3f1c1f7e-uuid.jpg"},{"x-amz-credential":"AKIAIOSFODNN7EXAMPLE/20240501/us-east-1/s3/aws4_request"},{"x-amz-date":"20240501T120000Z"},{"x-amz-meta-qqfilename":"my%20photo.jpg"}]})";

inline const std::string kPolicyV2Prefixed =
    R"({"expiration":"2024-05-01T12:05:00.000Z","conditions":[{"acl":"private"},{"bucket":"mybucket"},{"Content-Type":"image/jpeg"},{"success_action_status":"200"},{"key":"uploads/test file+1.jpg"},{"x-amz-meta-qqfilename":"my%20photo%20(1).jpg"},["content-length-range","1","20000000"]]})";

inline const std::string kPolicyV4Prefixed =
    R"({"expiration":"2024-05-01T12:05:00.000Z","conditions":[{"acl":"private"},{"bucket":"mybucket"},{"Content-Type":"image/jpeg"},{"success_action_status":"200"},{"x-amz-algorithm":"AWS4-HMAC-SHA256"},{"key":"uploads/test file+1.jpg"},{"x-amz-credential":"AKIAIOSFODNN7EXAMPLE/20240501/us-east-1/s3/aws4_request"},{"x-amz-date":"20240501T120000Z"},{"x-amz-meta-qqfilename":"my%20photo%20(1).jpg"},["content-length-range","1","20000000"]]})";

// ----- REST strings to sign (protocol 4.3 / 4.4): the "headers" values ------------------------

inline const std::string kV2Initiate =
    "POST\n\nimage/jpeg\n\nx-amz-acl:public-read\nx-amz-date:Wed, 01 May 2024 12:00:00 GMT\n"
    "x-amz-meta-category:holiday%20photos\nx-amz-meta-qqfilename:my%20photo%20(1).jpg\n"
    "x-amz-server-side-encryption:AES256\nx-amz-storage-class:REDUCED_REDUNDANCY\n"
    "/mybucket/a5d3c3c2-5b1e-4c43-9f1e-2d0c8a7b6e41.jpg?uploads";
inline const std::string kV2Part1 =
    "PUT\n\n\n\nx-amz-date:Wed, 01 May 2024 12:00:00 GMT\n"
    "/mybucket/a5d3c3c2-5b1e-4c43-9f1e-2d0c8a7b6e41.jpg?partNumber=1&uploadId=UPLOADID123";
inline const std::string kV2Part2 =
    "PUT\n\n\n\nx-amz-date:Wed, 01 May 2024 12:00:00 GMT\n"
    "/mybucket/a5d3c3c2-5b1e-4c43-9f1e-2d0c8a7b6e41.jpg?partNumber=2&uploadId=UPLOADID123";
inline const std::string kV2Complete =
    "POST\n\napplication/xml; charset=UTF-8\n\nx-amz-date:Wed, 01 May 2024 12:00:00 GMT\n"
    "/mybucket/a5d3c3c2-5b1e-4c43-9f1e-2d0c8a7b6e41.jpg?uploadId=UPLOADID123";
inline const std::string kV2Abort =
    "DELETE\n\n\n\nx-amz-date:Wed, 01 May 2024 12:00:00 GMT\n"
    "/mybucket/a5d3c3c2-5b1e-4c43-9f1e-2d0c8a7b6e41.jpg?uploadId=UPLOADID123";

inline const std::string kV4Initiate =
    "AWS4-HMAC-SHA256\n20240501T120000Z\n20240501/eu-west-1/s3/aws4_request\nPOST\n"
    "/a5d3c3c2-5b1e-4c43-9f1e-2d0c8a7b6e41.jpg\nuploads=\nhost:mybucket.s3.amazonaws.com\n"
    "x-amz-acl:public-read\n"
    "x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
    "x-amz-date:20240501T120000Z\nx-amz-meta-category:holiday%20photos\n"
    "x-amz-meta-qqfilename:my%20photo%20(1).jpg\nx-amz-server-side-encryption:AES256\n"
    "x-amz-storage-class:REDUCED_REDUNDANCY\n\n"
    "host;x-amz-acl;x-amz-content-sha256;x-amz-date;x-amz-meta-category;x-amz-meta-qqfilename;"
    "x-amz-server-side-encryption;x-amz-storage-class\n"
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
inline const std::string kV4Part1 =
    "AWS4-HMAC-SHA256\n20240501T120000Z\n20240501/eu-west-1/s3/aws4_request\nPUT\n"
    "/a5d3c3c2-5b1e-4c43-9f1e-2d0c8a7b6e41.jpg\npartNumber=1&uploadId=UPLOADID123\n"
    "host:mybucket.s3.amazonaws.com\n"
    "x-amz-content-sha256:a29968fad2e782aa9f2040a35f05adb97ed8979eb1f572c8c8ea78637e275f3c\n"
    "x-amz-date:20240501T120000Z\n\nhost;x-amz-content-sha256;x-amz-date\n"
    "a29968fad2e782aa9f2040a35f05adb97ed8979eb1f572c8c8ea78637e275f3c";
// Part 2 of protocol 4.5: 1 MiB of 'a', otherwise as part 1.
inline const std::string kV4Part2 =
    "AWS4-HMAC-SHA256\n20240501T120000Z\n20240501/eu-west-1/s3/aws4_request\nPUT\n"
    "/a5d3c3c2-5b1e-4c43-9f1e-2d0c8a7b6e41.jpg\npartNumber=2&uploadId=UPLOADID123\n"
    "host:mybucket.s3.amazonaws.com\n"
    "x-amz-content-sha256:9bc1b2a288b26af7257a36277ae3816a7d4f16e89c1e7e77d0a5c48bad62b360\n"
    "x-amz-date:20240501T120000Z\n\nhost;x-amz-content-sha256;x-amz-date\n"
    "9bc1b2a288b26af7257a36277ae3816a7d4f16e89c1e7e77d0a5c48bad62b360";
inline const std::string kV4Complete =
    "AWS4-HMAC-SHA256\n20240501T120000Z\n20240501/eu-west-1/s3/aws4_request\nPOST\n"
    "/a5d3c3c2-5b1e-4c43-9f1e-2d0c8a7b6e41.jpg\nuploadId=UPLOADID123\n"
    "host:mybucket.s3.amazonaws.com\n"
    "x-amz-content-sha256:899ebbf8f39c9d0a0e2fc034c8450f588b188a4c42e99fcb108c0012487ae181\n"
    "x-amz-date:20240501T120000Z\n\nhost;x-amz-content-sha256;x-amz-date\n"
    "899ebbf8f39c9d0a0e2fc034c8450f588b188a4c42e99fcb108c0012487ae181";
inline const std::string kV4Abort =
    "AWS4-HMAC-SHA256\n20240501T120000Z\n20240501/eu-west-1/s3/aws4_request\nDELETE\n"
    "/a5d3c3c2-5b1e-4c43-9f1e-2d0c8a7b6e41.jpg\nuploadId=UPLOADID123\n"
    "host:mybucket.s3.amazonaws.com\n"
    "x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
    "x-amz-date:20240501T120000Z\n\nhost;x-amz-content-sha256;x-amz-date\n"
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

// AWS's GET Object example wrapped the Fine Uploader way (protocol 4.5): valid SigV4, never signed.
inline const std::string kAwsGetExample =
    "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\nGET\n/test.txt\n\n"
    "host:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\n"
    "x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
    "x-amz-date:20130524T000000Z\n\nhost;range;x-amz-content-sha256;x-amz-date\n"
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

// ----- Helpers --------------------------------------------------------------------------------

// A JSON string literal for `text`, written independently of the code under test.
inline std::string JsonQuote(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (ch == '"' || ch == '\\') {
      out += '\\';
      out += ch;
    } else if (ch == '\n') {
      out += "\\n";
    } else if (c < 0x20) {
      out += "\\u00";
      out += kHex[c >> 4];
      out += kHex[c & 0x0f];
    } else {
      out += ch;
    }
  }
  return out + "\"";
}

// The body Fine Uploader sends for a REST string to sign.
inline std::string RestBody(std::string_view headers) {
  return "{\"headers\":" + JsonQuote(headers) + "}";
}

// `base` with its one occurrence of `from` replaced by `to`; fails the test if `from` does not
// occur exactly once, so that a typo cannot turn a tampering case into an untampered one.
inline std::string Replace(std::string_view base, std::string_view from, std::string_view to) {
  const std::size_t at = base.find(from);
  if (from.empty() || at == std::string_view::npos ||
      base.find(from, at + 1) != std::string_view::npos) {
    ADD_FAILURE() << "\"" << from << "\" does not occur exactly once";
    return std::string(base);
  }
  std::string out(base.substr(0, at));
  out.append(to);
  out.append(base.substr(at + from.size()));
  return out;
}

inline std::string Describe(const Verdict& verdict) {
  if (const auto* refusal = std::get_if<Refusal>(&verdict)) {
    return "refused by " + refusal->rule + " (" + refusal->detail + ")";
  }
  return "accepted";
}

// The SigningTask of an accepted verdict; fails the test (and returns an empty task) otherwise.
inline SigningTask Accepted(const Verdict& verdict) {
  if (const auto* task = std::get_if<SigningTask>(&verdict)) return *task;
  ADD_FAILURE() << "expected acceptance, got " << Describe(verdict);
  return {};
}

// The rule of a refusal, or "<accepted>".
inline std::string RuleOf(const Verdict& verdict) {
  if (const auto* refusal = std::get_if<Refusal>(&verdict)) return refusal->rule;
  return "<accepted>";
}

inline std::string LastLine(std::string_view text) {
  return std::string(text.substr(text.rfind('\n') + 1));
}

inline std::string SignV2(std::string_view string_to_sign) {
  return aws::SignV2(aws::SecretKey(std::string(kSecret)), string_to_sign);
}

inline std::string SignV4(const SigningTask& task) {
  const aws::SigningKey key = aws::DeriveSigningKey(aws::SecretKey(std::string(kSecret)),
                                                    task.scope_day, task.region, "s3");
  return aws::Signature(key, task.string_to_sign);
}

}  // namespace s3upload::verify::verify_test
