// metrics: what the responder counts, rendered in the Prometheus text exposition format (0.0.4).
//
// Contract
// - Fixed metric families with fixed label names; label values come from the configuration (route
//   paths), from code (statuses, signature kinds, rule ids, outbound operations), never from raw
//   client input, so the number of series stays bounded.
// - Counting is cheap and lock-free for series that already exist (a shared lock to find them, an
//   atomic add); a new series takes an exclusive lock once.
// - RenderText gives a consistent-enough snapshot (each value read atomically) sorted by family and
//   labels, so the output is stable for tests and diffs.
//
// Families (all prefixed s3_upload_signer_):
//   requests_total{route,status}                counter
//   requests_in_flight                          gauge
//   signatures_total{kind,version}              counter (kind: policy|initiate|part|complete|abort)
//   refusals_total{rule}                        counter
//   outbound_call_duration_seconds{target,operation,outcome}   histogram (target: s3|webhook)
//   config_reloads_total{result}                counter (result: success|failure)
//   config_generation                           gauge
//   build_info{version}                         gauge, always 1
//
// Thread-safety: every member function may be called from any thread.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

namespace s3upload::metrics {

class Registry {
 public:
  Registry();
  ~Registry();
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  void CountRequest(std::string_view route, int status);
  void RequestStarted();
  void RequestFinished();
  void CountSignature(std::string_view kind, std::string_view version);
  void CountRefusal(std::string_view rule);
  void ObserveOutboundCall(std::string_view target, std::string_view operation,
                           std::string_view outcome, std::chrono::nanoseconds duration);
  void CountReload(bool success);
  void SetConfigGeneration(std::uint64_t generation);

  std::string RenderText() const;

  // For tests: the value of one counter series (0 when it does not exist).
  std::uint64_t CounterValue(std::string_view family, const std::vector<std::string>& labels) const;

 private:
  class Family;
  class Histogram;
  std::unique_ptr<Family> requests_;
  std::unique_ptr<Family> signatures_;
  std::unique_ptr<Family> refusals_;
  std::unique_ptr<Family> reloads_;
  std::unique_ptr<Histogram> outbound_;
  std::atomic<std::int64_t> in_flight_{0};
  std::atomic<std::uint64_t> generation_{0};
};

// Escapes a label value for the text format: backslash, double quote and newline.
std::string EscapeLabelValue(std::string_view value);

}  // namespace s3upload::metrics
