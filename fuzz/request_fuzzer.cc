// Fuzz target: the whole request path, as the server runs it for one connection. A FastCGI record
// stream is written into one end of a socket pair; the other end goes through libfcgi
// (FCGX_Accept_r), fcgi/request_io's ReadRequest, app::Application::Handle with a realistic
// configuration (two profiles, every handler, every kind of route auth) and WriteResponse, exactly
// as fcgi::Server::Impl::ServeOneRequest does, for up to four requests on a kept-alive connection
// (each request's bytes are sent after the previous answer, as web servers do). S3 and the webhook
// are a fake outbound::Transport, so nothing leaves the process; the clock is the protocol
// vectors' 2024-05-01T12:00:00Z.
//
// Input, two forms:
// - starting with 01 01 (FastCGI version 1, BEGIN_REQUEST): the raw record stream, sent as is
//   (cut before each further BEGIN_REQUEST record, one request at a time; streams that take one
//   of libfcgi's own faulty paths are skipped, see TakesLibfcgiFaultyPath);
// - anything else, text: lines NAME=VALUE (the FastCGI params), then an empty line, then the body;
//   a line "@next" starts the next request on the same connection.
//   The harness frames it as a web server does: BEGIN_REQUEST (responder), the params, an empty
//   PARAMS record, the body as STDIN records and an empty one; CONTENT_LENGTH is added when no line
//   sets it. Lines starting with '@' are for the harness and not sent:
//     @chunk=N                       split params and body into records of at most N bytes
//     @keep=1                        set FCGI_KEEP_CONN
//     @s3-head=STATUS LENGTH TYPE ETAG   the answer to S3 HEAD (LENGTH "-": no Content-Length;
//                                    STATUS "fail": connection refused)
//     @s3-delete=STATUS              the answer to S3 DELETE ("fail" as above)
//     @webhook=STATUS BODY           the webhook's answer ("fail" as above)
//     @token=PAYLOAD                 mint an HS256 token (header {"alg":"HS256","typ":"JWT"}) over
//                                    the JSON PAYLOAD with the routes' secret, and send it as
//                                    HTTP_AUTHORIZATION=Bearer <token>
//
// Invariants (on the handler's Response and on the bytes written back):
// - Handle does not throw; the status is one the handlers answer; 413 exactly when the body was
//   over the limit; 431 only for params over the FastCGI limits; exactly one Content-Type (none on
//   a 204); no CR or LF in any header; every body but /metrics' and a 204's is a JSON object; no
//   secret anywhere in the response (unless the input itself carries it, as is or percent-encoded);
// - a "signature" only in a 200; a sign route's 200 has one (and a decodable policy when it has
//   one); a refusal ("invalid") never carries a signature or a policy; a policy signed for a
//   token with "s3u"."max_size" has a content-length-range within it;
// - an S3 call names an object the profile's key rules allow, signed with the profile's server key;
// - the stream back is well-formed FastCGI records: for each answered request STDOUT, then
//   END_REQUEST (complete), starting with "Status: <status> <reason>", with the body's
//   Content-Length (no body for HEAD); nothing but an empty end for a request not read.
#include <fcgiapp.h>
#include <fcntl.h>
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fcgi/request_io.h"
#include "fuzz_support.h"
#include "s3upload/app.h"
#include "s3upload/config.h"
#include "s3upload/http.h"
#include "s3upload/log.h"
#include "s3upload/outbound.h"
#include "token_support.h"

namespace {

using namespace s3upload;

constexpr unsigned char kVersion = 1;
constexpr unsigned char kBeginRequest = 1;
constexpr unsigned char kEndRequest = 3;
constexpr unsigned char kParams = 4;
constexpr unsigned char kStdin = 5;
constexpr unsigned char kStdout = 6;
constexpr unsigned char kResponder = 1;
constexpr unsigned char kKeepConn = 1;
constexpr std::size_t kMaxRecord = 0xffff;
constexpr std::size_t kMaxRequestsPerConnection = 4;

constexpr std::string_view kServerSecret = "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY";
constexpr std::string_view kWebhookSecret = "fuzz-webhook-secret-0123456789abcdef";
constexpr std::string_view kJwtSecret = "fuzz-jwt-secret-0123456789abcdef0123";

// Two profiles in the shapes operators use (the protocol document's, and a per-user one with a
// path-style S3-compatible endpoint and a webhook), every handler, and every kind of route auth:
// none (with an Origin allowlist), REMOTE_USER (the default) and bearer tokens (HS256).
constexpr const char* kConfig = R"(server:
  max_body_size: 4KiB
s3:
  retries: 0
credentials:
  signing:
    access_key_id: AKIAIOSFODNN7EXAMPLE
    secret_env: S3_SECRET
  server:
    access_key_id: AKIAI44QH8DHBEXAMPLE
    secret_env: S3_SERVER_SECRET
profiles:
  photos:
    credentials: signing
    server_credentials: server
    bucket: mybucket
    region: eu-west-1
    host: mybucket.s3.amazonaws.com
    signature_versions: [v2, v4]
    key:
      shapes: [uuid.ext]
    size: {min: 1, max: 20MB}
    content_types: ["image/*"]
    acls: [private, public-read]
    success_action_status: ["200"]
    success_action_redirect: ["https://app.example.com/success.html"]
    metadata:
      names: [qqfilename, category]
    storage_classes: [STANDARD, REDUCED_REDUNDANCY]
    object_headers:
      Cache-Control: ["max-age=3600"]
    success:
      presigned_get: 15m
      thumbnail: presigned
  documents:
    credentials: signing
    bucket: docs
    region: us-east-1
    endpoint: http://127.0.0.1:7480
    addressing: path
    signature_versions: [v4]
    key:
      prefix: "uploads/{user}/"
      shapes: [uuid, any]
      max_length: 200
    size: {max: 1000}
    content_types: ["*/*"]
    require_content_type: false
    success:
      check_etag: false
      thumbnail: "https://img.example.com/t?src={key}&b={bucket}&u={uuid}"
      webhook:
        url: https://app.example.com/hooks/upload
        secret_env: WEBHOOK_SECRET
        retries: 0
authenticators:
  tokens:
    type: jwt
    algorithm: HS256
    secret_env: JWT_SECRET
    audience: uploads.example.com
    issuer: app.example.com
routes:
  - path: /s3/signature
    methods: [POST]
    handler: sign
    profile: photos
    auth: none
    origins: ["https://app.example.com"]
  - {path: /s3/success, methods: [POST], handler: success, profile: photos, auth: none}
  - {path: /s3/delete/*, methods: [DELETE, POST], handler: delete, profile: photos, auth: none}
  - {path: /docs/signature, methods: [POST], handler: sign, profile: documents}
  - {path: /docs/success, methods: [POST], handler: success, profile: documents}
  - {path: /docs/delete/*, methods: [DELETE, POST], handler: delete, profile: documents}
  - {path: /jwt/signature, methods: [POST], handler: sign, profile: documents, auth: tokens}
  - {path: /jwt/success, methods: [POST], handler: success, profile: documents, auth: tokens}
  - {path: /health, methods: [GET, HEAD], handler: health}
  - {path: /metrics, methods: [GET], handler: metrics}
)";

// What the fake S3 and webhook answer; set per input.
struct Answers {
  std::string head_status = "200";
  std::string head_length = "1000";
  std::string head_type = "image/jpeg";
  std::string head_etag = "\"9b2cf535f27731c974343645a3985328\"";
  std::string delete_status = "204";
  std::string webhook_status = "200";
  std::string webhook_body = R"({"thumbnailUrl":"https://app.example.com/t/1.jpg"})";
  // "s3u"."max_size" of the @token payload, when it has one.
  std::optional<std::uint64_t> token_max_size;
};

outbound::CallResult Answer(std::string_view status, outbound::HttpResponse response) {
  if (status == "fail") return outbound::CallError{outbound::FailureKind::kConnect, "refused"};
  long code = 0;
  for (const char c : status.substr(0, 3)) {
    if (c < '0' || c > '9') return outbound::CallError{outbound::FailureKind::kProtocol, "status"};
    code = code * 10 + (c - '0');
  }
  response.status = code;
  return response;
}

// Where each profile's objects are (the endpoint's virtual host, or the endpoint and the bucket),
// and the key its own S3 calls must be signed with.
constexpr std::string_view kPhotosObjects = "https://mybucket.s3.eu-west-1.amazonaws.com/";
constexpr std::string_view kPhotosServerKey = "Credential=AKIAI44QH8DHBEXAMPLE/";
constexpr std::string_view kDocumentsObjects = "http://127.0.0.1:7480/docs/";
constexpr std::string_view kDocumentsKey = "Credential=AKIAIOSFODNN7EXAMPLE/";

// Checks that an S3 call names an object its profile's rules allow (a refusal makes no S3 call)
// and is signed with the profile's server key.
void CheckS3Call(const outbound::HttpRequest& request) {
  std::string_view authorization;
  for (const auto& [name, value] : request.headers) {
    if (name.size() == 13 && (name[0] == 'A' || name[0] == 'a') &&
        std::string_view(name).substr(1) == "uthorization") {
      authorization = value;
    }
  }
  const bool photos = request.url.starts_with(kPhotosObjects);
  S3US_FUZZ_CHECK(photos || request.url.starts_with(kDocumentsObjects));
  S3US_FUZZ_CHECK(authorization.find(photos ? kPhotosServerKey : kDocumentsKey) !=
                  std::string_view::npos);
  std::string_view path =
      std::string_view(request.url).substr((photos ? kPhotosObjects : kDocumentsObjects).size());
  path = path.substr(0, path.find('?'));
  const std::optional<std::string> key = aws::UriDecode(path);
  S3US_FUZZ_CHECK(key.has_value());
  if (photos) {
    verify::KeyRules rules;  // the photos profile: <uuid>.<ext>, no prefix
    S3US_FUZZ_CHECK(!verify::CheckKey(*key, rules, verify::Caller{}));
  } else {
    // uploads/{user}/...: the user is the caller's, a safe segment.
    S3US_FUZZ_CHECK(key->starts_with("uploads/"));
    const std::size_t slash = key->find('/', 8);
    S3US_FUZZ_CHECK(slash != std::string::npos && slash > 8);
  }
}

class FakeTransport final : public outbound::Transport {
 public:
  outbound::CallResult Perform(const outbound::HttpRequest& request,
                               const outbound::Timeouts& /*timeouts*/) override {
    outbound::HttpResponse response;
    if (request.url.starts_with("https://app.example.com/hooks/")) {
      S3US_FUZZ_CHECK(request.method == "POST");
      response.body = answers.webhook_body;
      return Answer(answers.webhook_status, std::move(response));
    }
    CheckS3Call(request);
    if (request.method == "HEAD") {
      if (answers.head_length != "-") {
        response.headers.emplace_back("content-length", answers.head_length);
      }
      response.headers.emplace_back("content-type", answers.head_type);
      response.headers.emplace_back("etag", answers.head_etag);
      return Answer(answers.head_status, std::move(response));
    }
    S3US_FUZZ_CHECK(request.method == "DELETE");
    return Answer(answers.delete_status, std::move(response));
  }

  Answers answers;
};

struct Setup {
  std::shared_ptr<FakeTransport> transport;
  std::unique_ptr<app::Application> application;
};

Setup* g_setup = nullptr;

// The current input, as sent and percent-decoded: a secret the input itself carries (libFuzzer
// learns the secrets from the comparisons below) may come back in an echo of client input.
std::string_view g_input;
std::string g_decoded_input;

std::string PercentDecoded(std::string_view text) {
  auto hex = [](char c) {
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
  };
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && hex(text[i + 1]) >= 0 && hex(text[i + 2]) >= 0) {
      out += static_cast<char>(hex(text[i + 1]) * 16 + hex(text[i + 2]));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

bool InputCarries(std::string_view secret) {
  return g_input.find(secret) != std::string_view::npos ||
         g_decoded_input.find(secret) != std::string::npos;
}

// ----- Framing ------------------------------------------------------------------------------

void AppendRecord(std::string& out, unsigned char type, std::string_view content) {
  const std::size_t padding = (8 - content.size() % 8) % 8;
  const unsigned char header[8] = {kVersion,
                                   type,
                                   0,
                                   1,  // request id 1
                                   static_cast<unsigned char>(content.size() >> 8),
                                   static_cast<unsigned char>(content.size() & 0xff),
                                   static_cast<unsigned char>(padding),
                                   0};
  out.append(reinterpret_cast<const char*>(header), sizeof header);
  out.append(content);
  out.append(padding, '\0');
}

// A stream of `type` records of at most `chunk` bytes, then the empty record that ends it.
void AppendStream(std::string& out, unsigned char type, std::string_view content,
                  std::size_t chunk) {
  while (!content.empty()) {
    const std::size_t n = std::min(content.size(), chunk);
    AppendRecord(out, type, content.substr(0, n));
    content.remove_prefix(n);
  }
  AppendRecord(out, type, {});
}

void AppendLength(std::string& out, std::size_t length) {
  if (length < 128) {
    out += static_cast<char>(length);
  } else {
    out += static_cast<char>(((length >> 24) & 0x7f) | 0x80);
    out += static_cast<char>((length >> 16) & 0xff);
    out += static_cast<char>((length >> 8) & 0xff);
    out += static_cast<char>(length & 0xff);
  }
}

// "s3u"."max_size" of a token payload, if it has one the verifier could accept.
std::optional<std::uint64_t> TokenMaxSize(std::string_view payload) {
  rapidjson::Document json;
  json.Parse(payload.data(), payload.size());
  if (json.HasParseError() || !json.IsObject()) return std::nullopt;
  if (!json.HasMember("s3u") || !json["s3u"].IsObject()) return std::nullopt;
  const rapidjson::Value& s3u = json["s3u"];
  if (!s3u.HasMember("max_size") || !s3u["max_size"].IsUint64()) return std::nullopt;
  return s3u["max_size"].GetUint64();
}

// The upper bound of a policy document's content-length-range, if it has one.
std::optional<std::uint64_t> RangeMaximum(const rapidjson::Document& policy) {
  if (!policy.IsObject() || !policy.HasMember("conditions") || !policy["conditions"].IsArray()) {
    return std::nullopt;
  }
  for (const auto& condition : policy["conditions"].GetArray()) {
    if (!condition.IsArray() || condition.Size() != 3 || !condition[0].IsString() ||
        std::string_view(condition[0].GetString()) != "content-length-range") {
      continue;
    }
    const auto& max = condition[2];
    if (max.IsUint64()) return max.GetUint64();
    if (!max.IsString()) return std::nullopt;
    std::uint64_t value = 0;
    for (const char c : std::string_view(max.GetString(), max.GetStringLength())) {
      value = value * 10 + static_cast<std::uint64_t>(c - '0');
    }
    return value;
  }
  return std::nullopt;
}

// The structured form of the input, framed; the harness lines go to `answers`.
std::string FrameText(std::string_view text, Answers& answers) {
  const std::size_t blank = text.find("\n\n");
  std::string_view head = text.substr(0, blank);
  const std::string_view body =
      blank == std::string_view::npos ? std::string_view() : text.substr(blank + 2);

  std::string params;
  std::size_t chunk = kMaxRecord;
  bool keep = false;
  bool has_length = false;
  while (!head.empty()) {
    const std::size_t newline = head.find('\n');
    const std::string_view line = head.substr(0, newline);
    head = newline == std::string_view::npos ? std::string_view() : head.substr(newline + 1);
    const std::size_t eq = line.find('=');
    const std::string_view name = line.substr(0, eq);
    const std::string_view value =
        eq == std::string_view::npos ? std::string_view() : line.substr(eq + 1);
    if (name.starts_with('@')) {
      const std::size_t space = value.find(' ');
      const std::string_view first = value.substr(0, space);
      const std::string_view rest =
          space == std::string_view::npos ? std::string_view() : value.substr(space + 1);
      if (name == "@chunk") {
        std::size_t n = 0;
        for (const char c : value.substr(0, 5)) n = c >= '0' && c <= '9' ? n * 10 + (c - '0') : n;
        chunk = std::clamp<std::size_t>(n, 1, kMaxRecord);
      } else if (name == "@keep") {
        keep = value == "1";
      } else if (name == "@s3-head") {
        // STATUS LENGTH TYPE ETAG
        answers.head_status = std::string(first);
        std::string_view fields = rest;
        std::string* targets[] = {&answers.head_length, &answers.head_type, &answers.head_etag};
        for (std::string* target : targets) {
          if (fields.empty()) break;
          const std::size_t next = fields.find(' ');
          *target = std::string(fields.substr(0, next));
          fields = next == std::string_view::npos ? std::string_view() : fields.substr(next + 1);
        }
      } else if (name == "@s3-delete") {
        answers.delete_status = std::string(value);
      } else if (name == "@webhook") {
        answers.webhook_status = std::string(first);
        answers.webhook_body = std::string(rest);
      } else if (name == "@token") {
        const std::string token =
            fuzz::MintHs256(R"({"alg":"HS256","typ":"JWT"})", value, kJwtSecret);
        const std::string authorization = "Bearer " + token;
        AppendLength(params, 18);
        AppendLength(params, authorization.size());
        params.append("HTTP_AUTHORIZATION");
        params.append(authorization);
        answers.token_max_size = TokenMaxSize(value);
      }
      continue;
    }
    if (name.empty()) continue;
    has_length = has_length || name == "CONTENT_LENGTH";
    AppendLength(params, name.size());
    AppendLength(params, value.size());
    params.append(name);
    params.append(value);
  }
  if (!has_length) {
    const std::string length = std::to_string(body.size());
    AppendLength(params, 14);
    AppendLength(params, length.size());
    params.append("CONTENT_LENGTH");
    params.append(length);
  }

  std::string stream;
  const char begin[8] = {
      0, static_cast<char>(kResponder), static_cast<char>(keep ? kKeepConn : 0), 0, 0, 0, 0, 0};
  AppendRecord(stream, kBeginRequest, std::string_view(begin, sizeof begin));
  AppendStream(stream, kParams, params, chunk);
  AppendStream(stream, kStdin, body, chunk);
  return stream;
}

// ----- Checks -------------------------------------------------------------------------------

bool Contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

bool IsSignRoute(std::string_view path) {
  return path == "/s3/signature" || path == "/docs/signature";
}

void CheckResponse(const http::Request& request, const http::Response& response) {
  static constexpr int kStatuses[] = {200, 204, 400, 401, 403, 404, 405,
                                      413, 422, 431, 500, 502, 503};
  bool known_status = false;
  for (const int status : kStatuses) known_status = known_status || response.status == status;
  if (!known_status) std::fprintf(stderr, "status %d\n", response.status);
  S3US_FUZZ_CHECK(known_status);
  S3US_FUZZ_CHECK((response.status == 413) == request.body_too_large);
  // Params over the FastCGI limits: 431 on a route, before anything else; 404 / 405 off one.
  S3US_FUZZ_CHECK(response.status != 431 || request.params_refused);
  S3US_FUZZ_CHECK(!request.params_refused || response.status == 431 || response.status == 404 ||
                  response.status == 405);

  int content_types = 0;
  std::string_view content_type;
  for (const auto& [name, value] : response.headers) {
    S3US_FUZZ_CHECK(!name.empty());
    S3US_FUZZ_CHECK(name.find_first_of("\r\n:") == std::string::npos);
    S3US_FUZZ_CHECK(value.find_first_of("\r\n") == std::string::npos);
    for (const std::string_view secret : {fuzz::kSecret, kServerSecret}) {
      S3US_FUZZ_CHECK(InputCarries(secret) || !Contains(value, secret));
    }
    if (name == "Content-Type") {
      ++content_types;
      content_type = value;
    }
  }
  for (const std::string_view secret : {fuzz::kSecret, kServerSecret, kWebhookSecret, kJwtSecret}) {
    S3US_FUZZ_CHECK(InputCarries(secret) || !Contains(response.body, secret));
  }
  if (response.status == 204) {  // a deleted object: nothing to say
    S3US_FUZZ_CHECK(content_types == 0 && response.body.empty());
    return;
  }
  S3US_FUZZ_CHECK(content_types == 1);
  if (response.status == 200 && request.path == "/metrics") return;  // Prometheus text

  S3US_FUZZ_CHECK(content_type == "application/json");
  rapidjson::Document json;
  json.Parse<rapidjson::kParseValidateEncodingFlag>(response.body.data(), response.body.size());
  if (json.HasParseError()) {
    std::fprintf(stderr, "not JSON (%s at %zu): %s\n",
                 rapidjson::GetParseError_En(json.GetParseError()), json.GetErrorOffset(),
                 response.body.c_str());
  }
  S3US_FUZZ_CHECK(!json.HasParseError() && json.IsObject());

  const bool has_signature = json.HasMember("signature");
  if (has_signature) S3US_FUZZ_CHECK(response.status == 200);
  if (json.HasMember("invalid")) {
    S3US_FUZZ_CHECK(response.status == 500);
    S3US_FUZZ_CHECK(!has_signature && !json.HasMember("policy"));
  }
  if (IsSignRoute(request.path) && response.status == 200) {
    S3US_FUZZ_CHECK(has_signature && json["signature"].IsString());
    if (json.HasMember("policy")) {
      S3US_FUZZ_CHECK(json["policy"].IsString());
      const std::optional<std::string> policy = aws::Base64Decode(
          std::string_view(json["policy"].GetString(), json["policy"].GetStringLength()));
      S3US_FUZZ_CHECK(policy.has_value());
      rapidjson::Document document;
      document.Parse(policy->data(), policy->size());
      S3US_FUZZ_CHECK(!document.HasParseError() && document.IsObject());
      // A token's narrowing reaches what is signed.
      const std::optional<std::uint64_t> narrowed = g_setup->transport->answers.token_max_size;
      if (request.path.starts_with("/jwt/") && narrowed) {
        const std::optional<std::uint64_t> max = RangeMaximum(document);
        S3US_FUZZ_CHECK(max.has_value() && *max <= *narrowed);
      }
    }
  }
}

std::uint32_t Byte(std::string_view bytes, std::size_t i) {
  return static_cast<unsigned char>(bytes[i]);
}

// The bytes libfcgi wrote back: per request answered, STDOUT records then an END_REQUEST record
// with protocolStatus REQUEST_COMPLETE. Returns the STDOUT content of each.
std::vector<std::string> ParseReply(std::string_view wire) {
  std::vector<std::string> replies;
  std::string current;
  while (wire.size() >= 8) {
    S3US_FUZZ_CHECK(Byte(wire, 0) == kVersion);
    const unsigned char type = static_cast<unsigned char>(wire[1]);
    const std::size_t length = (Byte(wire, 4) << 8) | Byte(wire, 5);
    const std::size_t padding = Byte(wire, 6);
    S3US_FUZZ_CHECK(wire.size() >= 8 + length + padding);
    const std::string_view content = wire.substr(8, length);
    if (type == kStdout) {
      current.append(content);
    } else if (type == kEndRequest) {
      S3US_FUZZ_CHECK(content.size() == 8);
      if (content[4] == 0) {  // REQUEST_COMPLETE; CANT_MPX_CONN refuses a second request id
        replies.push_back(std::move(current));
        current.clear();
      }
    }
    // Anything else (GET_VALUES_RESULT, UNKNOWN_TYPE) answers a management record.
    wire.remove_prefix(8 + length + padding);
  }
  S3US_FUZZ_CHECK(wire.empty());
  return replies;
}

void CheckWire(const std::string& reply, const http::Request& request,
               const http::Response& response) {
  const std::string status_line = "Status: " + std::to_string(response.status) + " " +
                                  std::string(http::ReasonPhrase(response.status)) + "\r\n";
  S3US_FUZZ_CHECK(reply.starts_with(status_line));
  const std::size_t end = reply.find("\r\n\r\n");
  S3US_FUZZ_CHECK(end != std::string::npos);
  const std::string_view head = std::string_view(reply).substr(0, end + 2);
  const std::string_view body = std::string_view(reply).substr(end + 4);
  const std::string length = "\r\nContent-Length: " + std::to_string(response.body.size()) + "\r\n";
  S3US_FUZZ_CHECK(Contains(head, length));
  S3US_FUZZ_CHECK(body == (request.method == "HEAD" ? std::string() : response.body));
}

// ----- One connection -----------------------------------------------------------------------

void WriteAll(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n <= 0) return;  // the socket buffer is full: the rest is cut off, as by a dying peer
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
}

std::string ReadAll(int fd) {
  std::string out;
  char buffer[16 * 1024];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n <= 0) return out;
    out.append(buffer, static_cast<std::size_t>(n));
  }
}

// A raw stream cut before each BEGIN_REQUEST record but the first: what a web server sends for
// each request on a kept-alive connection, one after the other's response.
std::vector<std::string_view> SplitRequests(std::string_view stream) {
  std::vector<std::string_view> requests;
  std::size_t start = 0;
  std::size_t at = 0;
  while (at + 8 <= stream.size() && requests.size() + 1 < kMaxRequestsPerConnection) {
    if (at != start && static_cast<unsigned char>(stream[at + 1]) == kBeginRequest) {
      requests.push_back(stream.substr(start, at - start));
      start = at;
    }
    at += 8 + ((Byte(stream, at + 4) << 8) | Byte(stream, at + 5)) + Byte(stream, at + 6);
  }
  requests.push_back(stream.substr(start));
  return requests;
}

// Whether a raw stream takes one of libfcgi 2.4.2's own faulty paths, which the harness skips
// (the web server is trusted not to send these; neither touches our code):
// - a param longer than kMaxParamLength: libfcgi allocates whatever a name or value length says,
//   up to 2 GiB, before reading it (an out-of-memory finding in libfcgi);
// - a management record (request id 0) other than GET_VALUES: ProcessManagementRecord leaks its
//   parameter list (fixed upstream after 2.4.2, FastCGI-Archives/fcgi2#43).
// Records are walked as libfcgi walks them, which is not quite the protocol: it never skips the
// padding of a record that ends a read, the BEGIN_REQUEST and the empty PARAMS record that ends
// the params (FCGX_Accept_r resets the stream's padding count with SetReaderType before reading
// on), so those bytes are the next record's header. nginx and Apache never pad either record.
constexpr std::size_t kMaxParamLength = std::size_t{1} << 20;
constexpr unsigned char kGetValues = 9;

bool TakesLibfcgiFaultyPath(std::string_view stream) {
  std::string params;  // the content of the PARAMS records of one request, in order
  auto check = [&params] {
    std::size_t at = 0;
    while (at < params.size()) {
      std::size_t lengths[2] = {0, 0};
      for (std::size_t& length : lengths) {
        if (at >= params.size()) return false;
        if ((static_cast<unsigned char>(params[at]) & 0x80) == 0) {
          length = static_cast<unsigned char>(params[at]);
          at += 1;
        } else {
          if (at + 4 > params.size()) return false;
          length = ((Byte(params, at) & 0x7f) << 24) | (Byte(params, at + 1) << 16) |
                   (Byte(params, at + 2) << 8) | Byte(params, at + 3);
          at += 4;
        }
        if (length > kMaxParamLength) return true;
      }
      at += lengths[0] + lengths[1];
    }
    return false;
  };
  std::size_t at = 0;
  while (at + 8 <= stream.size()) {
    const std::size_t length = (Byte(stream, at + 4) << 8) | Byte(stream, at + 5);
    const unsigned char type = static_cast<unsigned char>(stream[at + 1]);
    const bool management = Byte(stream, at + 2) == 0 && Byte(stream, at + 3) == 0;
    if (management && type != kBeginRequest && type != kGetValues) return true;
    if (type == kParams) {
      params.append(stream.substr(std::min(at + 8, stream.size()), length));
      if (length == 0) {
        if (check()) return true;
        params.clear();
      }
    }
    const bool ends_a_read = type == kBeginRequest || (type == kParams && length == 0);
    at += 8 + length + (ends_a_read ? 0 : Byte(stream, at + 6));
  }
  return check();
}

// Sends each request's bytes, then serves one request as fcgi::Server::Impl::ServeOneRequest does,
// then reads what came back, while libfcgi keeps the connection. The server's end is non-blocking:
// where a real server would wait for bytes the peer never sends (and time out), libfcgi gets
// EAGAIN, an error like a reset, at once.
void ServeConnection(const std::vector<std::string_view>& requests) {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, fds) != 0) {
    std::perror("socketpair");
    std::abort();
  }
  const int client = fds[0];
  int server = fds[1];
  app::Application& application = *g_setup->application;
  for (std::size_t i = 0; i < requests.size() && server >= 0; ++i) {
    WriteAll(client, requests[i]);
    if (i + 1 == requests.size()) ::shutdown(client, SHUT_WR);  // the web server is done

    FCGX_Request fcgi_request;
    FCGX_InitRequest(&fcgi_request, /*sock=*/-1, /*flags=*/0);
    fcgi_request.ipcFd = server;
    fcgi_request.keepConnection = 1;
    // libfcgi closes a connection by shutting down its side and reading until the peer closes or
    // two seconds pass (OS_Close); a detached request skips that wait. Nothing of ours runs there.
    fcgi_request.detached = 1;
    if (FCGX_Accept_r(&fcgi_request) < 0) break;  // libfcgi closed the connection
    if (FCGX_GetError(fcgi_request.in) != 0) {
      fcgi_request.keepConnection = 0;
      FCGX_Finish_r(&fcgi_request);
      server = -1;
      break;
    }
    http::Request request;
    const bool read_ok =
        fcgi::internal::ReadRequest(fcgi_request, application.MaxBodyBytes(), request);
    std::optional<http::Response> response;
    if (read_ok) {
      S3US_FUZZ_CHECK(!request.body_too_large || request.body.empty());
      S3US_FUZZ_CHECK(request.body.size() <= application.MaxBodyBytes());
      S3US_FUZZ_CHECK(!request.request_id.empty());
      response = application.Handle(request);
      if (fuzz::Verbose()) {
        std::fprintf(stderr, "%s %s -> %d %s\n", request.method.c_str(), request.path.c_str(),
                     response->status, response->body.substr(0, 200).c_str());
      }
      CheckResponse(request, *response);
      fcgi::internal::WriteResponse(fcgi_request, request, *response);
    } else {
      fcgi_request.keepConnection = 0;
    }
    FCGX_Finish_r(&fcgi_request);  // closes the connection unless kept alive
    server = fcgi_request.ipcFd;
    const std::string wire = ReadAll(client);
    const std::vector<std::string> replies = ParseReply(wire);
    if (response) {
      S3US_FUZZ_CHECK(replies.size() == 1);
      CheckWire(replies.front(), request, *response);
    } else {
      // A request that could not be read gets no answer (libfcgi may still end it, empty).
      S3US_FUZZ_CHECK(replies.empty() || (replies.size() == 1 && replies.front().empty()));
    }
  }
  if (server >= 0) ::close(server);
  ::close(client);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  if (FCGX_Init() != 0) {
    std::fprintf(stderr, "request_fuzzer set-up: FCGX_Init failed\n");
    std::abort();
  }
  // The handlers' log lines (webhook failures and the like) are not findings.
  const int null_fd = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  if (null_fd >= 0) log::SetOutputFd(null_fd);

  const config::EnvironmentLookup env = [](const std::string& name) -> std::optional<std::string> {
    if (name == "S3_SECRET") return std::string(fuzz::kSecret);
    if (name == "S3_SERVER_SECRET") return std::string(kServerSecret);
    if (name == "WEBHOOK_SECRET") return std::string(kWebhookSecret);
    if (name == "JWT_SECRET") return std::string(kJwtSecret);
    return std::nullopt;
  };
  const config::LoadResult loaded = config::LoadString(kConfig, "request_fuzzer.yaml", "/", env);
  if (!loaded.ok()) {
    for (const auto& error : loaded.errors) std::fprintf(stderr, "%s\n", error.ToString().c_str());
    std::abort();
  }
  auto* setup = new Setup();  // lives as long as the process
  setup->transport = std::make_shared<FakeTransport>();
  app::Options options;
  options.clock = [] { return fuzz::Now(); };
  options.transport = setup->transport;
  setup->application = std::make_unique<app::Application>(loaded.snapshot, options);
  g_setup = setup;
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input = fuzz::AsText(data, size);
  g_input = input;
  g_decoded_input = PercentDecoded(input);
  Answers& answers = g_setup->transport->answers;
  answers = Answers();
  if (input.size() >= 2 && input[0] == kVersion && input[1] == kBeginRequest) {
    if (!TakesLibfcgiFaultyPath(input)) ServeConnection(SplitRequests(input));
    return 0;
  }
  // Text: requests separated by "\n@next\n" lines, for one kept-alive connection.
  std::vector<std::string> framed;
  std::string_view rest = input;
  for (;;) {
    const std::size_t next = rest.find("\n@next\n");
    framed.push_back(FrameText(rest.substr(0, next), answers));
    if (next == std::string_view::npos || framed.size() == kMaxRequestsPerConnection) break;
    rest.remove_prefix(next + 7);
  }
  ServeConnection(std::vector<std::string_view>(framed.begin(), framed.end()));
  return 0;
}
