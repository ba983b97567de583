// Runs every case of AWS's Signature Version 4 test suite (tests/data/aws-sigv4-test-suite, copied
// from awslabs/aws-c-auth) through the signing steps of sigv4.cc, checking each intermediate result
// byte for byte: canonical request, string to sign, signature, and the signed request's
// Authorization header (header variant) or X-Amz-Signature (query variant).
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "s3upload/aws.h"

namespace s3upload::aws {
namespace {

namespace fs = std::filesystem;

const fs::path kSuiteDir = fs::path(S3US_TEST_DATA_DIR) / "aws-sigv4-test-suite";

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

struct SuiteRequest {
  std::string method;
  std::string path;
  std::vector<QueryParam> query;
  std::vector<Header> headers;
  std::string body;
};

// request.txt: "METHOD PATH[?QUERY] HTTP/1.1", header lines ("Name:value"; a line starting with
// whitespace continues the previous value), an empty line, the body.
SuiteRequest ParseSuiteRequest(const std::string& text) {
  SuiteRequest request;
  std::size_t line_end = text.find('\n');
  const std::string request_line = text.substr(0, line_end);
  const std::size_t method_end = request_line.find(' ');
  const std::size_t target_end = request_line.rfind(" HTTP/");
  request.method = request_line.substr(0, method_end);
  const std::string target = request_line.substr(method_end + 1, target_end - method_end - 1);
  const std::size_t question = target.find('?');
  request.path = target.substr(0, question);
  if (question != std::string::npos) {
    std::string_view query = std::string_view(target).substr(question + 1);
    while (!query.empty()) {
      const std::size_t amp = query.find('&');
      const std::string_view pair = query.substr(0, amp);
      const std::size_t eq = pair.find('=');
      const auto name = UriDecode(pair.substr(0, eq));
      const auto value = eq == std::string_view::npos ? std::optional<std::string>("")
                                                      : UriDecode(pair.substr(eq + 1));
      request.query.push_back({name.value(), value.value()});
      if (amp == std::string_view::npos) break;
      query.remove_prefix(amp + 1);
    }
  }
  std::size_t pos = line_end == std::string::npos ? text.size() : line_end + 1;
  while (pos < text.size()) {
    line_end = text.find('\n', pos);
    if (line_end == std::string::npos) line_end = text.size();
    const std::string line = text.substr(pos, line_end - pos);
    pos = line_end + 1;
    if (line.empty()) {
      request.body = pos < text.size() ? text.substr(pos) : "";
      break;
    }
    if (line[0] == ' ' || line[0] == '\t') {
      request.headers.back().value += " " + line;
      continue;
    }
    const std::size_t colon = line.find(':');
    request.headers.push_back({line.substr(0, colon), line.substr(colon + 1)});
  }
  return request;
}

struct SuiteContext {
  std::string access_key_id;
  std::string secret;
  std::string token;
  std::string region;
  std::string service;
  std::string timestamp;
  bool normalize = true;
  bool sign_body = false;
  bool omit_session_token = false;
  long expiration_seconds = 0;
};

SuiteContext ParseContext(const std::string& json) {
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  SuiteContext context;
  const auto& creds = doc["credentials"];
  context.access_key_id = creds["access_key_id"].GetString();
  context.secret = creds["secret_access_key"].GetString();
  if (creds.HasMember("token")) context.token = creds["token"].GetString();
  context.region = doc["region"].GetString();
  context.service = doc["service"].GetString();
  context.timestamp = doc["timestamp"].GetString();
  context.normalize = doc["normalize"].GetBool();
  context.sign_body = doc["sign_body"].GetBool();
  if (doc.HasMember("omit_session_token")) {
    context.omit_session_token = doc["omit_session_token"].GetBool();
  }
  context.expiration_seconds = doc["expiration_in_seconds"].GetInt64();
  return context;
}

std::vector<std::string> CaseNames() {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(kSuiteDir)) {
    if (entry.is_directory()) names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

class SigV4TestSuite : public ::testing::TestWithParam<std::string> {
 protected:
  fs::path dir() const { return kSuiteDir / GetParam(); }
  std::string Expected(const std::string& file) const { return ReadFile(dir() / file); }
};

TEST_P(SigV4TestSuite, HeaderVariantMatchesEveryStep) {
  const SuiteContext context = ParseContext(Expected("context.json"));
  SuiteRequest request = ParseSuiteRequest(Expected("request.txt"));
  const TimePoint when = ParseIso8601(context.timestamp).value();
  const std::string amz_date = FormatAmzDate(when);
  const std::string day = FormatAmzDay(when);
  const std::string payload_hash = Sha256Hex(request.body);

  request.headers.push_back({"X-Amz-Date", amz_date});
  if (context.sign_body) request.headers.push_back({"x-amz-content-sha256", payload_hash});
  if (!context.token.empty() && !context.omit_session_token) {
    request.headers.push_back({"X-Amz-Security-Token", context.token});
  }
  const CanonicalHeaderBlock headers = CanonicalHeaders(request.headers);
  const std::string canonical = CanonicalRequest(
      request.method, CanonicalUri(request.path, context.normalize, /*encode=*/true),
      CanonicalQueryString(request.query), headers, payload_hash);
  EXPECT_EQ(canonical, Expected("header-canonical-request.txt"));

  const std::string scope = CredentialScope(day, context.region, context.service);
  const std::string string_to_sign = StringToSign(amz_date, scope, Sha256Hex(canonical));
  EXPECT_EQ(string_to_sign, Expected("header-string-to-sign.txt"));

  const SecretKey secret(context.secret);
  const std::string signature =
      Signature(DeriveSigningKey(secret, day, context.region, context.service), string_to_sign);
  EXPECT_EQ(signature, Expected("header-signature.txt"));

  const std::string authorization =
      AuthorizationHeader(context.access_key_id, scope, headers.signed_headers, signature);
  EXPECT_NE(Expected("header-signed-request.txt").find("\nAuthorization:" + authorization + "\n"),
            std::string::npos)
      << authorization;
}

TEST_P(SigV4TestSuite, QueryVariantMatchesEveryStep) {
  const SuiteContext context = ParseContext(Expected("context.json"));
  SuiteRequest request = ParseSuiteRequest(Expected("request.txt"));
  const TimePoint when = ParseIso8601(context.timestamp).value();
  const std::string amz_date = FormatAmzDate(when);
  const std::string day = FormatAmzDay(when);
  const std::string scope = CredentialScope(day, context.region, context.service);

  const CanonicalHeaderBlock headers = CanonicalHeaders(request.headers);
  std::vector<QueryParam> query = request.query;
  const std::string token = context.omit_session_token ? "" : context.token;
  for (QueryParam& p : PresignQueryParams(context.access_key_id, scope, amz_date,
                                          std::chrono::seconds(context.expiration_seconds),
                                          headers.signed_headers, token)) {
    query.push_back(std::move(p));
  }
  const std::string canonical_query = CanonicalQueryString(query);
  const std::string canonical = CanonicalRequest(
      request.method, CanonicalUri(request.path, context.normalize, /*encode=*/true),
      canonical_query, headers, Sha256Hex(request.body));
  EXPECT_EQ(canonical, Expected("query-canonical-request.txt"));

  const std::string string_to_sign = StringToSign(amz_date, scope, Sha256Hex(canonical));
  EXPECT_EQ(string_to_sign, Expected("query-string-to-sign.txt"));

  const SecretKey secret(context.secret);
  const std::string signature =
      Signature(DeriveSigningKey(secret, day, context.region, context.service), string_to_sign);
  EXPECT_EQ(signature, Expected("query-signature.txt"));
  EXPECT_NE(Expected("query-signed-request.txt").find("X-Amz-Signature=" + signature),
            std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(AwsSuite, SigV4TestSuite, ::testing::ValuesIn(CaseNames()),
                         [](const auto& param_info) {
                           std::string name = param_info.param;
                           for (char& c : name) {
                             if (c == '-') c = '_';
                           }
                           return name;
                         });

TEST(SigV4TestSuiteData, HasEveryCase) { EXPECT_EQ(CaseNames().size(), 38u); }

}  // namespace
}  // namespace s3upload::aws
