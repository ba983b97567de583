// Fuzz target: the YAML configuration loader, config::LoadString (what LoadFile runs on the file's
// bytes), with secrets that resolve: a temporary directory created at start-up holds secret files
// (mode 0600, and one 0644 that must be refused) and a CREDENTIALS_DIRECTORY; the environment
// lookup knows S3_SECRET and WEBHOOK_SECRET and nothing else.
//
// Invariants:
// - a snapshot exactly when there is no error; errors sorted by position, each in "fuzz.yaml",
//   with a message, a position within the text (or none), and "fuzz.yaml:" leading ToString;
// - a snapshot: every route has a path starting with '/', upper-case methods, and a profile of
//   this very snapshot exactly when its handler needs one; every profile has its name, both
//   credentials (the signing one with the rules' access key id), and a size range in order;
//   StillToFillIn runs; and each profile's rules verify the protocol vectors without crashing
//   (the verifiers meet rule sets only the configuration can make).
#include <sys/stat.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_support.h"
#include "s3upload/config.h"
#include "s3upload/verify.h"

namespace {

using namespace s3upload;

struct Setup {
  std::string dir;  // base_dir of the configuration
  std::map<std::string, std::string> environment;
};

const Setup* g_setup = nullptr;

void WriteFile(const std::string& path, const std::string& text, mode_t mode) {
  std::ofstream(path, std::ios::trunc | std::ios::binary) << text;
  if (::chmod(path.c_str(), mode) != 0) {
    std::fprintf(stderr, "config_fuzzer set-up: cannot chmod %s\n", path.c_str());
    std::abort();
  }
}

void RemoveSetup() {
  if (g_setup == nullptr) return;
  for (const char* name :
       {"signing.secret", "server.secret", "webhook.secret", "open.secret",
        "creds/aws-signing-secret", "creds/aws-server-secret", "creds/webhook-secret"}) {
    ::unlink((g_setup->dir + "/" + name).c_str());
  }
  ::rmdir((g_setup->dir + "/creds").c_str());
  ::rmdir(g_setup->dir.c_str());
}

const std::string kPolicyV4 =
    R"({"expiration":"2024-05-01T12:05:00.000Z","conditions":[{"acl":"private"},{"bucket":"mybucket"},{"Content-Type":"image/jpeg"},{"success_action_status":"200"},{"x-amz-algorithm":"AWS4-HMAC-SHA256"},{"key":"a5d3c3c2-5b1e-4c43-9f1e-2d0c8a7b6e41.jpg"},{"x-amz-credential":"AKIAIOSFODNN7EXAMPLE/20240501/eu-west-1/s3/aws4_request"},{"x-amz-date":"20240501T120000Z"},{"x-amz-meta-qqfilename":"my%20photo%20(1).jpg"}]})";
const std::string kPolicyV2 =
    R"({"expiration":"2024-05-01T12:05:00.000Z","conditions":[{"acl":"private"},{"bucket":"mybucket"},{"Content-Type":"image/jpeg"},{"success_action_status":"200"},{"key":"a5d3c3c2-5b1e-4c43-9f1e-2d0c8a7b6e41.jpg"},{"x-amz-meta-qqfilename":"my%20photo%20(1).jpg"},["content-length-range","1","20000000"]]})";
const std::string kRestV4 =
    R"({"headers":"AWS4-HMAC-SHA256\n20240501T120000Z\n20240501/eu-west-1/s3/aws4_request\nPUT\n/a5d3c3c2-5b1e-4c43-9f1e-2d0c8a7b6e41.jpg\npartNumber=1&uploadId=UPLOADID123\nhost:mybucket.s3.amazonaws.com\nx-amz-content-sha256:a29968fad2e782aa9f2040a35f05adb97ed8979eb1f572c8c8ea78637e275f3c\nx-amz-date:20240501T120000Z\n\nhost;x-amz-content-sha256;x-amz-date\na29968fad2e782aa9f2040a35f05adb97ed8979eb1f572c8c8ea78637e275f3c"})";
const std::string kRestV2 =
    R"({"headers":"POST\n\nimage/jpeg\n\nx-amz-acl:private\nx-amz-date:Wed, 01 May 2024 12:00:00 GMT\nx-amz-meta-qqfilename:my%20photo%20(1).jpg\n/mybucket/a5d3c3c2-5b1e-4c43-9f1e-2d0c8a7b6e41.jpg?uploads"})";

bool IsUpper(std::string_view text) {
  for (const char c : text) {
    if (c >= 'a' && c <= 'z') return false;
  }
  return !text.empty();
}

void CheckSnapshot(const config::Snapshot& snapshot) {
  S3US_FUZZ_CHECK(snapshot.source_path == "fuzz.yaml");
  for (const config::Route& route : snapshot.routes) {
    S3US_FUZZ_CHECK(route.path.starts_with('/'));
    S3US_FUZZ_CHECK(!route.methods.empty());
    for (const std::string& method : route.methods) S3US_FUZZ_CHECK(IsUpper(method));
    const bool needs_profile = route.handler != config::HandlerKind::kHealth &&
                               route.handler != config::HandlerKind::kMetrics;
    S3US_FUZZ_CHECK((route.profile != nullptr) == needs_profile);
    if (route.profile != nullptr) {
      const auto it = snapshot.profiles.find(route.profile->name);
      S3US_FUZZ_CHECK(it != snapshot.profiles.end() && &it->second == route.profile);
    }
    S3US_FUZZ_CHECK(!config::HandlerName(route.handler).empty());
  }
  const verify::Caller caller = fuzz::CallerNamed("alice");
  for (const auto& [name, profile] : snapshot.profiles) {
    S3US_FUZZ_CHECK(profile.name == name);
    S3US_FUZZ_CHECK(profile.signing_credentials != nullptr);
    S3US_FUZZ_CHECK(profile.server_credentials != nullptr);
    S3US_FUZZ_CHECK(profile.signing_credentials->access_key_id() == profile.rules.access_key_id);
    S3US_FUZZ_CHECK(profile.rules.min_size <= profile.rules.max_size);
    for (const std::string* body : {&kPolicyV4, &kPolicyV2, &kRestV4, &kRestV2}) {
      for (const auto version : {verify::SignatureVersion::kV2, verify::SignatureVersion::kV4}) {
        const verify::Verdict verdict =
            verify::VerifySignRequest(*body, version, profile.rules, caller, fuzz::Now());
        if (const auto* refusal = std::get_if<verify::Refusal>(&verdict)) {
          S3US_FUZZ_CHECK(!refusal->rule.empty());
        }
      }
    }
  }
  (void)config::StillToFillIn(snapshot);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  char pattern[] = "/tmp/s3us-config-fuzzer-XXXXXX";
  if (::mkdtemp(pattern) == nullptr) {
    std::perror("config_fuzzer set-up: mkdtemp");
    std::abort();
  }
  auto* setup = new Setup();  // lives as long as the process; the directory goes at exit
  setup->dir = pattern;
  const std::string secret(fuzz::kSecret);
  WriteFile(setup->dir + "/signing.secret", secret + "\n", 0600);
  WriteFile(setup->dir + "/server.secret", "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY\n", 0600);
  WriteFile(setup->dir + "/webhook.secret", "0123456789abcdef0123456789abcdef\n", 0600);
  WriteFile(setup->dir + "/open.secret", secret + "\n", 0644);
  ::mkdir((setup->dir + "/creds").c_str(), 0700);
  WriteFile(setup->dir + "/creds/aws-signing-secret", secret, 0600);
  WriteFile(setup->dir + "/creds/aws-server-secret", "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY",
            0600);
  WriteFile(setup->dir + "/creds/webhook-secret", "0123456789abcdef0123456789abcdef", 0600);
  setup->environment = {{"S3_SECRET", secret},
                        {"WEBHOOK_SECRET", "0123456789abcdef0123456789abcdef"},
                        {"CREDENTIALS_DIRECTORY", setup->dir + "/creds"}};
  g_setup = setup;
  std::atexit(RemoveSetup);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view yaml = fuzz::AsText(data, size);
  const config::EnvironmentLookup env = [](const std::string& name) -> std::optional<std::string> {
    const auto it = g_setup->environment.find(name);
    if (it == g_setup->environment.end()) return std::nullopt;
    return it->second;
  };
  const config::LoadResult result = config::LoadString(yaml, "fuzz.yaml", g_setup->dir, env);

  if (fuzz::Verbose()) {
    std::fprintf(stderr, "%s\n", result.ok() ? "ok" : result.errors.front().ToString().c_str());
  }
  S3US_FUZZ_CHECK(result.ok() == result.errors.empty());
  int lines = 1;
  for (const char c : yaml) lines += c == '\n' ? 1 : 0;
  const config::ConfigError* previous = nullptr;
  for (const config::ConfigError& error : result.errors) {
    S3US_FUZZ_CHECK(error.file == "fuzz.yaml");
    S3US_FUZZ_CHECK(!error.message.empty());
    S3US_FUZZ_CHECK(error.line >= 0 && error.column >= 0);
    S3US_FUZZ_CHECK((error.line == 0) == (error.column == 0));
    if (error.line > lines) {
      std::fprintf(stderr, "error at line %d of a %d-line text: %s\n", error.line, lines,
                   error.message.c_str());
    }
    S3US_FUZZ_CHECK(error.line <= lines);
    S3US_FUZZ_CHECK(error.ToString().starts_with("fuzz.yaml:"));
    if (previous != nullptr) {
      S3US_FUZZ_CHECK(previous->line < error.line ||
                      (previous->line == error.line && previous->column <= error.column));
    }
    previous = &error;
  }
  if (result.ok()) CheckSnapshot(*result.snapshot);
  return 0;
}
