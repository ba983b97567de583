// The metrics registry and its Prometheus text rendering.
#include <algorithm>
#include <charconv>
#include <cstdio>
#include <initializer_list>
#include <mutex>
#include <string>

#include "s3upload/metrics.h"
#include "s3upload/version.h"

namespace s3upload::metrics {
namespace {

constexpr std::string_view kPrefix = "s3_upload_signer_";

// Upper bounds, in seconds, of the outbound call histogram: S3 and webhooks answer in milliseconds
// when healthy and hit their timeouts (seconds) when not.
constexpr std::array<double, 11> kBuckets = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                             0.5,   1.0,  2.5,   5.0,  10.0};

using Labels = std::vector<std::string>;
// A label set as the counting calls pass it: views, so that counting an existing series copies
// nothing (every request counts two).
using LabelViews = std::initializer_list<std::string_view>;

// Orders label sets as std::vector<std::string>'s operator< does, and also between a stored set and
// the views a lookup passes.
struct LabelsLess {
  using is_transparent = void;
  template <typename A, typename B>
  bool operator()(const A& a, const B& b) const {
    return std::lexicographical_compare(
        a.begin(), a.end(), b.begin(), b.end(),
        [](std::string_view x, std::string_view y) { return x < y; });
  }
};

std::string FormatLabels(const std::vector<std::string_view>& names, const Labels& values,
                         std::string_view extra_name = {}, std::string_view extra_value = {}) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    out += out.empty() ? "{" : ",";
    out += names[i];
    out += "=\"";
    out += EscapeLabelValue(values[i]);
    out += '"';
  }
  if (!extra_name.empty()) {
    out += out.empty() ? "{" : ",";
    out += extra_name;
    out += "=\"";
    out += extra_value;
    out += '"';
  }
  if (!out.empty()) out += '}';
  return out;
}

std::string FormatSeconds(double seconds) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.9g", seconds);
  return buffer;
}

}  // namespace

std::string EscapeLabelValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (const char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

// A counter family: one atomic per label set. std::map keeps the series sorted for rendering and
// its nodes never move, so an atomic found under the shared lock stays valid after it is released.
class Registry::Family {
 public:
  Family(std::string_view name, std::string_view help, std::vector<std::string_view> label_names)
      : name_(std::string(kPrefix) + std::string(name)),
        help_(help),
        label_names_(std::move(label_names)) {}

  void Add(LabelViews labels, std::uint64_t amount = 1) { Series(labels).fetch_add(amount); }

  std::uint64_t Value(const Labels& labels) const {
    std::shared_lock lock(mutex_);
    const auto it = series_.find(labels);
    return it == series_.end() ? 0 : it->second.load();
  }

  const std::string& name() const { return name_; }

  void Render(std::string& out) const {
    out += "# HELP " + name_ + " " + help_ + "\n# TYPE " + name_ + " counter\n";
    std::shared_lock lock(mutex_);
    for (const auto& [labels, value] : series_) {
      out += name_ + FormatLabels(label_names_, labels) + " " + std::to_string(value.load()) + "\n";
    }
  }

 private:
  std::atomic<std::uint64_t>& Series(LabelViews labels) {
    {
      std::shared_lock lock(mutex_);
      if (const auto it = series_.find(labels); it != series_.end()) return it->second;
    }
    std::unique_lock lock(mutex_);
    // Value-initialised to 0 when new.
    return series_.try_emplace(Labels(labels.begin(), labels.end())).first->second;
  }

  const std::string name_;
  const std::string help_;
  const std::vector<std::string_view> label_names_;
  mutable std::shared_mutex mutex_;
  std::map<Labels, std::atomic<std::uint64_t>, LabelsLess> series_;
};

class Registry::Histogram {
 public:
  Histogram(std::string_view name, std::string_view help, std::vector<std::string_view> label_names)
      : name_(std::string(kPrefix) + std::string(name)),
        help_(help),
        label_names_(std::move(label_names)) {}

  void Observe(const Labels& labels, std::chrono::nanoseconds duration) {
    Cells& cells = Series(labels);
    const double seconds = std::chrono::duration<double>(duration).count();
    for (std::size_t i = 0; i < kBuckets.size(); ++i) {
      if (seconds <= kBuckets[i]) cells.buckets[i].fetch_add(1);
    }
    cells.count.fetch_add(1);
    cells.sum_nanoseconds.fetch_add(
        static_cast<std::uint64_t>(std::max<std::int64_t>(0, duration.count())));
  }

  void Render(std::string& out) const {
    out += "# HELP " + name_ + " " + help_ + "\n# TYPE " + name_ + " histogram\n";
    std::shared_lock lock(mutex_);
    for (const auto& [labels, cells] : series_) {
      for (std::size_t i = 0; i < kBuckets.size(); ++i) {
        out += name_ + "_bucket" +
               FormatLabels(label_names_, labels, "le", FormatSeconds(kBuckets[i])) + " " +
               std::to_string(cells.buckets[i].load()) + "\n";
      }
      const std::uint64_t count = cells.count.load();
      out += name_ + "_bucket" + FormatLabels(label_names_, labels, "le", "+Inf") + " " +
             std::to_string(count) + "\n";
      out += name_ + "_sum" + FormatLabels(label_names_, labels) + " " +
             FormatSeconds(static_cast<double>(cells.sum_nanoseconds.load()) / 1e9) + "\n";
      out += name_ + "_count" + FormatLabels(label_names_, labels) + " " + std::to_string(count) +
             "\n";
    }
  }

 private:
  struct Cells {
    std::array<std::atomic<std::uint64_t>, kBuckets.size()> buckets{};
    std::atomic<std::uint64_t> count{0};
    std::atomic<std::uint64_t> sum_nanoseconds{0};
  };

  Cells& Series(const Labels& labels) {
    {
      std::shared_lock lock(mutex_);
      if (const auto it = series_.find(labels); it != series_.end()) return it->second;
    }
    std::unique_lock lock(mutex_);
    return series_[labels];
  }

  const std::string name_;
  const std::string help_;
  const std::vector<std::string_view> label_names_;
  mutable std::shared_mutex mutex_;
  std::map<Labels, Cells> series_;
};

Registry::Registry()
    : requests_(std::make_unique<Family>("requests_total",
                                         "Requests answered, by route and status.",
                                         std::vector<std::string_view>{"route", "status"})),
      signatures_(std::make_unique<Family>("signatures_total",
                                           "Signatures issued, by kind and version.",
                                           std::vector<std::string_view>{"kind", "version"})),
      refusals_(std::make_unique<Family>("refusals_total",
                                         "Requests refused, by the rule that refused them.",
                                         std::vector<std::string_view>{"rule"})),
      reloads_(std::make_unique<Family>("config_reloads_total", "Configuration reloads, by result.",
                                        std::vector<std::string_view>{"result"})),
      outbound_(std::make_unique<Histogram>(
          "outbound_call_duration_seconds",
          "Duration of calls to S3 and webhooks, retries included.",
          std::vector<std::string_view>{"target", "operation", "outcome"})) {}

Registry::~Registry() = default;

void Registry::CountRequest(std::string_view route, int status) {
  char digits[16];
  const auto end = std::to_chars(digits, digits + sizeof digits, status).ptr;
  requests_->Add({route, std::string_view(digits, static_cast<std::size_t>(end - digits))});
}

void Registry::RequestStarted() { in_flight_.fetch_add(1); }
void Registry::RequestFinished() { in_flight_.fetch_sub(1); }

void Registry::CountSignature(std::string_view kind, std::string_view version) {
  signatures_->Add({kind, version});
}

void Registry::CountRefusal(std::string_view rule) { refusals_->Add({rule}); }

void Registry::ObserveOutboundCall(std::string_view target, std::string_view operation,
                                   std::string_view outcome, std::chrono::nanoseconds duration) {
  outbound_->Observe({std::string(target), std::string(operation), std::string(outcome)}, duration);
}

void Registry::CountReload(bool success) { reloads_->Add({success ? "success" : "failure"}); }

void Registry::SetConfigGeneration(std::uint64_t generation) { generation_.store(generation); }

std::uint64_t Registry::CounterValue(std::string_view family,
                                     const std::vector<std::string>& labels) const {
  for (const Family* f : {requests_.get(), signatures_.get(), refusals_.get(), reloads_.get()}) {
    if (f->name() == std::string(kPrefix) + std::string(family)) return f->Value(labels);
  }
  return 0;
}

std::string Registry::RenderText() const {
  std::string out;
  const std::string prefix(kPrefix);
  out += "# HELP " + prefix + "build_info The running version.\n# TYPE " + prefix +
         "build_info gauge\n" + prefix + "build_info{version=\"" + EscapeLabelValue(kVersion) +
         "\"} 1\n";
  out += "# HELP " + prefix + "config_generation Generation of the configuration in use.\n# TYPE " +
         prefix + "config_generation gauge\n" + prefix + "config_generation " +
         std::to_string(generation_.load()) + "\n";
  reloads_->Render(out);
  out += "# HELP " + prefix + "requests_in_flight Requests being processed.\n# TYPE " + prefix +
         "requests_in_flight gauge\n" + prefix + "requests_in_flight " +
         std::to_string(in_flight_.load()) + "\n";
  requests_->Render(out);
  signatures_->Render(out);
  refusals_->Render(out);
  outbound_->Render(out);
  return out;
}

}  // namespace s3upload::metrics
