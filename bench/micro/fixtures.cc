// The fixtures of the micro-benchmarks (see fixtures.h).
#include "fixtures.h"

#include <fcntl.h>
#include <rapidjson/document.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "s3upload/log.h"
#include "s3upload/outbound.h"

namespace s3upload::bench {
namespace {

constexpr std::string_view kSecretVariable = "S3US_BENCH_SIGNING_SECRET";
// AWS's documentation example secret, as in the vectors' README.
constexpr std::string_view kSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

// The protocol document's example configuration (its section 0) in the operator's format, with the
// extension list of the shipped reference configuration.
constexpr std::string_view kConfig = R"(server:
  threads: 8
credentials:
  signing:
    access_key_id: AKIAIOSFODNN7EXAMPLE
    secret_env: S3US_BENCH_SIGNING_SECRET
profiles:
  doc:
    credentials: signing
    bucket: mybucket
    region: eu-west-1
    endpoint: https://s3.eu-west-1.amazonaws.com
    host: mybucket.s3.amazonaws.com
    signature_versions: [v2, v4]
    key: {shapes: [uuid.ext], extensions: [jpg, jpeg, png, gif, webp]}
    size: {min: 1, max: 20MB}
    content_types: ["image/*"]
    acls: [private, public-read]
    success_action_status: ["200"]
    success_action_redirect: ["https://app.example.com/success.html"]
    metadata: {names: [qqfilename, category]}
    storage_classes: [STANDARD, REDUCED_REDUNDANCY]
    server_side_encryption: [AES256]
    object_headers:
      Cache-Control: ["max-age=3600"]
routes:
  - {path: /s3/signature, methods: [POST], handler: sign, profile: doc}
  - {path: /s3/success, methods: [POST], handler: success, profile: doc}
  - {path: /s3/delete/*, methods: [DELETE, POST], handler: delete, profile: doc}
  - {path: /health, methods: [GET, HEAD], handler: health}
  - {path: /metrics, methods: [GET], handler: metrics}
)";

std::string ReadFile(const char* path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) FixtureFailure(std::string("cannot read ") + path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// name -> body of every vector in the shared file.
std::string VectorBody(const rapidjson::Document& vectors, std::string_view name) {
  for (const auto& entry : vectors.GetArray()) {
    if (std::string_view(entry["name"].GetString()) == name) {
      return {entry["body"].GetString(), entry["body"].GetStringLength()};
    }
  }
  FixtureFailure("no vector named " + std::string(name));
}

std::vector<SignRequestKind> LoadKinds() {
  const std::string text = ReadFile(S3US_FINEUPLOADER_VECTORS);
  rapidjson::Document vectors;
  vectors.Parse(text.data(), text.size());
  if (vectors.HasParseError() || !vectors.IsArray()) {
    FixtureFailure(S3US_FINEUPLOADER_VECTORS " is not a JSON array");
  }
  using verify::SignatureVersion;
  std::vector<SignRequestKind> kinds = {
      {"policy_v2", VectorBody(vectors, "policy-v2-example"), SignatureVersion::kV2},
      {"policy_v4", VectorBody(vectors, "policy-v4-example"), SignatureVersion::kV4},
      {"rest_v2_initiate", VectorBody(vectors, "rest-v2-initiate"), SignatureVersion::kV2},
      {"rest_v2_part", VectorBody(vectors, "rest-v2-part1"), SignatureVersion::kV2},
      {"rest_v4_initiate", VectorBody(vectors, "rest-v4-initiate"), SignatureVersion::kV4},
      {"rest_v4_part", VectorBody(vectors, "rest-v4-part1"), SignatureVersion::kV4},
  };
  // A program instead of a photo: refused by the key rule after the whole policy was parsed, the
  // usual refusal in practice (the demo's "a Windows program refused").
  std::string refused = VectorBody(vectors, "policy-v4-example");
  const std::size_t at = refused.find(".jpg\"}");
  if (at == std::string::npos) FixtureFailure("policy-v4-example has no .jpg key");
  refused.replace(at, 4, ".exe");
  kinds.push_back({"refused_policy_v4", std::move(refused), SignatureVersion::kV4, true});
  return kinds;
}

class NoNetworkTransport final : public outbound::Transport {
 public:
  outbound::CallResult Perform(const outbound::HttpRequest& /*request*/,
                               const outbound::Timeouts& /*timeouts*/) override {
    return outbound::CallError{outbound::FailureKind::kConnect, "no network in benchmarks"};
  }
};

}  // namespace

void FixtureFailure(std::string_view message) {
  std::fprintf(stderr, "s3us-micro-bench: %.*s\n", static_cast<int>(message.size()),
               message.data());
  std::exit(1);
}

void Configure(benchmark::internal::Benchmark* benchmark) {
  static const long iterations = [] {
    const char* text = std::getenv("S3US_MICRO_ITERATIONS");
    return text == nullptr ? 0 : std::strtol(text, nullptr, 10);
  }();
  if (iterations > 0) benchmark->Iterations(iterations);
}

const std::vector<SignRequestKind>& SignRequestKinds() {
  static const std::vector<SignRequestKind> kinds = LoadKinds();
  return kinds;
}

const SignRequestKind& KindNamed(std::string_view name) {
  for (const SignRequestKind& kind : SignRequestKinds()) {
    if (kind.name == name) return kind;
  }
  FixtureFailure("no request kind " + std::string(name));
}

aws::TimePoint DocumentClock() {
  static const aws::TimePoint now = *aws::ParseAmzDate("20240501T120000Z");
  return now;
}

std::shared_ptr<const config::Snapshot> BenchSnapshot() {
  static const std::shared_ptr<const config::Snapshot> snapshot = [] {
    const auto env = [](const std::string& name) -> std::optional<std::string> {
      if (name == kSecretVariable) return std::string(kSecret);
      return std::nullopt;
    };
    config::LoadResult loaded = config::LoadString(kConfig, "bench.yaml", "/", env);
    if (!loaded.ok()) FixtureFailure("bench.yaml: " + loaded.errors.front().ToString());
    return loaded.snapshot;
  }();
  return snapshot;
}

const config::Profile& DocProfile() { return BenchSnapshot()->profiles.at("doc"); }

std::unique_ptr<app::Application> NewBenchApplication() {
  static const int dev_null = [] {
    const int fd = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (fd < 0) FixtureFailure("cannot open /dev/null");
    return fd;
  }();
  log::SetOutputFd(dev_null);
  app::Options options;
  options.clock = [] { return DocumentClock(); };
  options.transport = std::make_shared<NoNetworkTransport>();
  return std::make_unique<app::Application>(BenchSnapshot(), std::move(options));
}

http::Request SignatureRequest(const SignRequestKind& kind) {
  http::Request request;
  request.method = "POST";
  request.path = "/s3/signature";
  request.query = kind.version == verify::SignatureVersion::kV4 ? "v4=true" : "";
  request.content_type = "application/json; charset=utf-8";
  request.content_length = kind.body.size();
  // The routes' default auth (remote_user): the web server authenticated the caller.
  request.remote_user = "alice";
  request.remote_addr = "127.0.0.1";
  request.request_id = "3f9c2a7d1b8e4c6f0a5d9e2b7c1f4a8d";
  const std::pair<std::string_view, std::string_view> headers[] = {
      {"host", "app.example.com"},
      {"user-agent",
       "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
       "Chrome/120.0.0.0 Safari/537.36"},
      {"accept", "*/*"},
      {"origin", "https://app.example.com"},
      {"referer", "https://app.example.com/upload"},
      {"content-type", "application/json; charset=utf-8"},
      {"x-requested-with", "XMLHttpRequest"},
  };
  for (const auto& [name, value] : headers) request.headers.Add(name, value);
  request.body = kind.body;
  return request;
}

}  // namespace s3upload::bench
