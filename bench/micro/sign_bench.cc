// Parse + verify + sign of each Fine Uploader request kind, at three depths:
//   BM_VerifyAndSign   verify::VerifySignRequest and the Credentials signing call: exactly the two
//                      public functions the sign handler calls (the 3 us target is on policy_v4)
//   BM_SignHandler     handlers::Sign: the above plus the v4 query flag, the JSON reply and the
//                      log fields
//   BM_AppHandle       app::Application::Handle (metrics in flight, routing, the handler, the
//                      request counters) plus the per-request log line by src/fcgi's own
//                      LogRequest (to /dev/null): everything a worker thread does for a request
//                      between reading it and writing the answer
#include <benchmark/benchmark.h>

#include <chrono>
#include <variant>

#include "fcgi/request_log.h"
#include "fixtures.h"
#include "s3upload/handlers.h"

namespace s3upload::bench {
namespace {

void Check(bool ok, const SignRequestKind& kind, std::string_view what) {
  if (!ok) FixtureFailure(kind.name + ": " + std::string(what));
}

void BM_VerifyAndSign(benchmark::State& state, const SignRequestKind& kind) {
  const config::Profile& profile = DocProfile();
  const aws::Credentials& credentials = *profile.signing_credentials;
  const verify::Caller caller{};
  const aws::TimePoint now = DocumentClock();
  {
    const verify::Verdict verdict =
        verify::VerifySignRequest(kind.body, kind.version, profile.rules, caller, now);
    Check(std::holds_alternative<verify::Refusal>(verdict) == kind.refused, kind,
          "unexpected verdict");
  }
  for (auto _ : state) {
    const verify::Verdict verdict =
        verify::VerifySignRequest(kind.body, kind.version, profile.rules, caller, now);
    if (const auto* task = std::get_if<verify::SigningTask>(&verdict)) {
      std::string signature =
          task->version == verify::SignatureVersion::kV4
              ? credentials.SignV4(task->scope_day, task->region, "s3", task->string_to_sign)
              : credentials.SignV2(task->string_to_sign);
      benchmark::DoNotOptimize(signature);
    } else {
      benchmark::DoNotOptimize(verdict);
    }
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kind.body.size()));
}

void BM_SignHandler(benchmark::State& state, const SignRequestKind& kind) {
  const std::shared_ptr<const config::Snapshot> snapshot = BenchSnapshot();
  const config::Route& route = snapshot->routes.front();
  Check(route.handler == config::HandlerKind::kSign, kind, "the first route is not sign");
  const http::Request request = SignatureRequest(kind);
  const handlers::Context context{.config = *snapshot,
                                  .route = route,
                                  .caller = {},
                                  .now = DocumentClock(),
                                  .config_generation = 1};
  Check(handlers::Sign(request, context).status == (kind.refused ? 500 : 200), kind,
        "unexpected status");
  for (auto _ : state) {
    http::Response response = handlers::Sign(request, context);
    benchmark::DoNotOptimize(response);
  }
}

void BM_AppHandle(benchmark::State& state, const SignRequestKind& kind) {
  static const std::unique_ptr<app::Application> application = NewBenchApplication();
  const http::Request request = SignatureRequest(kind);
  Check(application->Handle(request).status == (kind.refused ? 500 : 200), kind,
        "unexpected status");
  for (auto _ : state) {
    const auto started = std::chrono::steady_clock::now();
    http::Response response = application->Handle(request);
    fcgi::internal::LogRequest(request, response, std::chrono::steady_clock::now() - started);
    benchmark::DoNotOptimize(response);
  }
}

// One benchmark per kind, named after it: BM_VerifyAndSign/policy_v4, ...
const bool kRegistered = [] {
  for (const SignRequestKind& kind : SignRequestKinds()) {
    benchmark::RegisterBenchmark(("BM_VerifyAndSign/" + kind.name).c_str(), BM_VerifyAndSign, kind)
        ->Apply(Configure);
  }
  for (const SignRequestKind& kind : SignRequestKinds()) {
    benchmark::RegisterBenchmark(("BM_SignHandler/" + kind.name).c_str(), BM_SignHandler, kind)
        ->Apply(Configure);
  }
  for (const SignRequestKind& kind : SignRequestKinds()) {
    benchmark::RegisterBenchmark(("BM_AppHandle/" + kind.name).c_str(), BM_AppHandle, kind)
        ->Apply(Configure);
  }
  // Workers share one Application (its metrics, its snapshot pointer, the signing-key cache):
  // the cost of what they contend on, with more threads than the machine's cores as in production.
  const SignRequestKind& v4 = KindNamed("policy_v4");
  benchmark::RegisterBenchmark("BM_AppHandleThreads/policy_v4", BM_AppHandle, v4)
      ->Apply(Configure)
      ->Threads(2)
      ->Threads(8)
      ->UseRealTime();
  return true;
}();

}  // namespace
}  // namespace s3upload::bench
