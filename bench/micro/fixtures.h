// What every micro-benchmark runs on: the Fine Uploader bodies of the protocol document (read from
// tests/data/fineuploader/vectors.json, the file the tests check them against), a configuration
// with the document's example profile (loaded through config::LoadString, as an operator's file
// would be), and the document's frozen clock, so that every body verifies as it did when recorded.
#pragma once

#include <benchmark/benchmark.h>

#include <memory>
#include <string>
#include <string_view>

#include "s3upload/app.h"
#include "s3upload/aws.h"
#include "s3upload/config.h"
#include "s3upload/http.h"
#include "s3upload/verify.h"

namespace s3upload::bench {

// A request kind of the benchmarks: its name (the benchmark's argument) and Fine Uploader body.
struct SignRequestKind {
  std::string name;  // "policy_v4", "rest_v4_part", ...
  std::string body;  // the exact HTTP body
  verify::SignatureVersion version = verify::SignatureVersion::kV4;
  bool refused = false;  // expected to be refused (by a rule, not as malformed)
};

// The kinds measured, in order: policy_v2, policy_v4, rest_v2_initiate, rest_v2_part,
// rest_v4_initiate, rest_v4_part, refused_policy_v4 (the v4 example with an .exe key, refused by
// key.extension, as the demo refuses a program).
const std::vector<SignRequestKind>& SignRequestKinds();
const SignRequestKind& KindNamed(std::string_view name);

// 2024-05-01T12:00:00Z, the clock of the recorded bodies.
aws::TimePoint DocumentClock();

// The loaded configuration: one profile "doc" (the document's example rules, v2 and v4) and the
// routes of the shipped example (signature, success, delete, health, metrics).
std::shared_ptr<const config::Snapshot> BenchSnapshot();
const config::Profile& DocProfile();

// An Application on BenchSnapshot() with the document's clock and a transport that refuses every
// call (signing never makes one). Its log lines go to /dev/null (log::SetOutputFd), so the
// benchmarks pay for formatting and one write(2) per line, as the responder does, but not for a
// terminal.
std::unique_ptr<app::Application> NewBenchApplication();

// The request as src/fcgi's ReadRequest builds it from nginx's params for a Fine Uploader signing
// call through the project's nginx snippet (headers a browser sends, nginx's 32-hex request id,
// REMOTE_USER "alice" from the web server's authentication).
http::Request SignatureRequest(const SignRequestKind& kind);

// Applied to every benchmark: with S3US_MICRO_ITERATIONS=N in the environment, each runs exactly N
// iterations instead of timing itself (for valgrind --tool=callgrind, see callgrind-counts).
void Configure(benchmark::internal::Benchmark* benchmark);

// Aborts the benchmark binary with a message: the fixtures are wrong, nothing would be measured.
[[noreturn]] void FixtureFailure(std::string_view message);

}  // namespace s3upload::bench
