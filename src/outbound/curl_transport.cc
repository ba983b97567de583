// The libcurl Transport: one HTTP exchange per Perform on a pooled easy handle.
//
// Why a pool of easy handles: without a multi or share handle, libcurl keeps its connection cache
// (and DNS cache) inside each easy handle. Handing a finished handle to the next caller, instead of
// cleaning it up, is what keeps the keep-alive connection to S3 open between calls. Handles are
// reused without curl_easy_reset, so every option this file ever sets is set again on every call:
// nothing of the previous exchange (a HEAD's NOBODY, a POST body) can leak into the next one.
//
// Host names ending in ".localhost" (virtual-hosted buckets of a local S3, "<bucket>.localhost")
// need nothing here: libcurl (7.85 and later) answers "localhost" and "*.localhost" with the
// loopback addresses itself, without asking the system resolver (RFC 6761).
#include <curl/curl.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "s3upload/outbound.h"
#include "s3upload/version.h"

namespace s3upload::outbound {
namespace {

struct EasyDeleter {
  void operator()(CURL* easy) const { curl_easy_cleanup(easy); }
};
struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using EasyPtr = std::unique_ptr<CURL, EasyDeleter>;
using SlistPtr = std::unique_ptr<curl_slist, SlistDeleter>;

// An easy handle and the error buffer libcurl writes into (it must outlive every transfer).
struct PooledHandle {
  EasyPtr easy;
  char error[CURL_ERROR_SIZE] = {};
};

// Idle handles kept for reuse. The Limiter bounds how many are in use at once; this bounds how
// many idle connections stay open if several transports or an unlimited caller briefly use more.
constexpr std::size_t kMaxIdleHandles = 64;

class HandlePool {
 public:
  // A handle to use (an idle one if any, the most recently returned first: its connection is the
  // most likely to still be open), or nullptr if libcurl cannot create one.
  std::unique_ptr<PooledHandle> Take() {
    {
      std::lock_guard lock(mutex_);
      if (!idle_.empty()) {
        std::unique_ptr<PooledHandle> handle = std::move(idle_.back());
        idle_.pop_back();
        return handle;
      }
    }
    auto handle = std::make_unique<PooledHandle>();
    handle->easy.reset(curl_easy_init());
    if (!handle->easy) return nullptr;
    return handle;
  }

  void Return(std::unique_ptr<PooledHandle> handle) {
    std::lock_guard lock(mutex_);
    if (idle_.size() < kMaxIdleHandles) idle_.push_back(std::move(handle));
    // Otherwise the handle (and its connections) is cleaned up here.
  }

 private:
  std::mutex mutex_;
  std::vector<std::unique_ptr<PooledHandle>> idle_;
};

// Gives the handle back to the pool however Perform ends.
class Lease {
 public:
  Lease(HandlePool& pool, std::unique_ptr<PooledHandle> handle)
      : pool_(pool), handle_(std::move(handle)) {}
  Lease(const Lease&) = delete;
  Lease& operator=(const Lease&) = delete;
  ~Lease() {
    if (handle_) pool_.Return(std::move(handle_));
  }
  PooledHandle& operator*() const { return *handle_; }
  PooledHandle* operator->() const { return handle_.get(); }

 private:
  HandlePool& pool_;
  std::unique_ptr<PooledHandle> handle_;
};

// What the callbacks of one exchange write into.
struct Exchange {
  HttpResponse response;
  std::size_t max_body = 0;
  bool body_too_large = false;
};

std::string ToLower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string_view Trim(std::string_view text) {
  const auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  return text;
}

bool HasLineBreak(std::string_view text) { return text.find_first_of("\r\n") != text.npos; }

std::size_t OnBody(char* data, std::size_t size, std::size_t count, void* user) {
  auto* exchange = static_cast<Exchange*>(user);
  const std::size_t bytes = size * count;
  if (exchange->response.body.size() + bytes > exchange->max_body) {
    exchange->body_too_large = true;
    return 0;  // anything but `bytes` makes libcurl abort with CURLE_WRITE_ERROR
  }
  exchange->response.body.append(data, bytes);
  return bytes;
}

// Called once per header line of every response on the way, interim (100 Continue) and final.
std::size_t OnHeader(char* data, std::size_t size, std::size_t count, void* user) {
  auto* exchange = static_cast<Exchange*>(user);
  const std::size_t bytes = size * count;
  const std::string_view line(data, bytes);
  if (line.starts_with("HTTP/")) {
    // A new status line starts a new response: only the last response's headers are kept.
    exchange->response.headers.clear();
    return bytes;
  }
  const std::size_t colon = line.find(':');
  if (colon == std::string_view::npos) return bytes;  // the blank line ending the block
  exchange->response.headers.emplace_back(ToLower(Trim(line.substr(0, colon))),
                                          std::string(Trim(line.substr(colon + 1))));
  return bytes;
}

FailureKind KindOf(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
      return FailureKind::kConnect;
    case CURLE_OPERATION_TIMEDOUT:
      return FailureKind::kTimeout;
    default:
      return FailureKind::kProtocol;
  }
}

CallError Failure(FailureKind kind, std::string message) {
  return CallError{kind, std::move(message)};
}

// The request headers as libcurl takes them.
std::optional<SlistPtr> HeaderList(const HttpRequest& request) {
  std::vector<std::string> lines;
  bool has_content_type = false;
  for (const auto& [name, value] : request.headers) {
    if (name.empty() || HasLineBreak(name) || HasLineBreak(value) ||
        name.find(':') != std::string::npos) {
      return std::nullopt;
    }
    if (ToLower(name) == "content-type") has_content_type = true;
    // "Name:" would tell libcurl to remove the header; "Name;" is how it sends an empty value.
    lines.push_back(value.empty() ? name + ";" : name + ": " + value);
  }
  // No "Expect: 100-continue" round trip before a body: S3 and webhooks answer directly, and the
  // wait for a 100 that some servers never send would cost up to a second per call.
  lines.emplace_back("Expect:");
  // libcurl would label a POST body application/x-www-form-urlencoded, which it rarely is.
  if (!has_content_type) lines.emplace_back("Content-Type:");

  SlistPtr list;
  for (const std::string& line : lines) {
    curl_slist* head = curl_slist_append(list.get(), line.c_str());
    if (head == nullptr) return std::nullopt;  // the list so far is still owned by `list`
    (void)list.release();
    list.reset(head);
  }
  return list;
}

bool IsBodyMethod(std::string_view method) {
  return method == "POST" || method == "PUT" || method == "PATCH";
}

class CurlTransport final : public Transport {
 public:
  explicit CurlTransport(std::size_t max_response_bytes)
      : max_response_bytes_(max_response_bytes),
        user_agent_(std::string(kProgramName) + "/" + kVersion) {}

  CallResult Perform(const HttpRequest& request, const Timeouts& timeouts) override {
    // libcurl reads 0 as "no timeout": a spent budget must not turn into an unbounded call.
    if (timeouts.total <= std::chrono::milliseconds(0)) {
      return Failure(FailureKind::kTimeout, "no time left for the call");
    }
    if (request.method.empty() || HasLineBreak(request.method) ||
        request.method.find(' ') != std::string::npos) {
      return Failure(FailureKind::kProtocol, "invalid HTTP method");
    }
    std::optional<SlistPtr> headers = HeaderList(request);
    if (!headers) return Failure(FailureKind::kProtocol, "invalid request header");

    std::unique_ptr<PooledHandle> taken = pool_.Take();
    if (!taken) return Failure(FailureKind::kProtocol, "curl_easy_init failed");
    Lease handle(pool_, std::move(taken));

    Exchange exchange;
    exchange.max_body = max_response_bytes_;
    if (!Configure(*handle, request, timeouts, headers->get(), exchange)) {
      return Failure(FailureKind::kProtocol, "curl_easy_setopt failed");
    }

    handle->error[0] = '\0';
    const CURLcode code = curl_easy_perform(handle->easy.get());
    // The header list and the body die with this call: the idle handle must not point at them.
    curl_easy_setopt(handle->easy.get(), CURLOPT_HTTPHEADER, nullptr);
    curl_easy_setopt(handle->easy.get(), CURLOPT_POSTFIELDS, nullptr);

    if (code != CURLE_OK) {
      if (exchange.body_too_large) {
        return Failure(FailureKind::kProtocol, "response body larger than " +
                                                   std::to_string(max_response_bytes_) + " bytes");
      }
      std::string message = "curl: ";
      message += handle->error[0] != '\0' ? handle->error : curl_easy_strerror(code);
      return Failure(KindOf(code), std::move(message));
    }
    long status = 0;
    curl_easy_getinfo(handle->easy.get(), CURLINFO_RESPONSE_CODE, &status);
    exchange.response.status = status;
    return std::move(exchange.response);
  }

 private:
  // Every option, every call (see the file comment). False if libcurl refused one.
  bool Configure(PooledHandle& handle, const HttpRequest& request, const Timeouts& timeouts,
                 curl_slist* headers, Exchange& exchange) {
    CURL* easy = handle.easy.get();
    const long total_ms = static_cast<long>(timeouts.total.count());
    // 0 would mean libcurl's default (300 s); the connect phase is part of the total anyway.
    const long connect_ms =
        std::clamp(static_cast<long>(timeouts.connect.count()), 1L, std::max(total_ms, 1L));
    bool ok = true;
    const auto set = [&](CURLoption option, auto value) {
      ok = ok && curl_easy_setopt(easy, option, value) == CURLE_OK;
    };
    set(CURLOPT_ERRORBUFFER, handle.error);
    set(CURLOPT_URL, request.url.c_str());
    // Only http(s), even if a URL from the configuration says otherwise; no redirects: a signed
    // request is valid for one URL, and a webhook must not bounce us somewhere else.
    set(CURLOPT_PROTOCOLS_STR, "http,https");
    set(CURLOPT_FOLLOWLOCATION, 0L);
    // The URL is already encoded as signed: "/a/../b" must reach S3 as written, not as "/b".
    set(CURLOPT_PATH_AS_IS, 1L);
    // Worker threads: libcurl must not use signals (SIGALRM) for its DNS timeouts.
    set(CURLOPT_NOSIGNAL, 1L);
    set(CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
    set(CURLOPT_TIMEOUT_MS, total_ms);
    set(CURLOPT_TCP_KEEPALIVE, 1L);
    set(CURLOPT_USERAGENT, user_agent_.c_str());
    set(CURLOPT_HTTPHEADER, headers);
    set(CURLOPT_WRITEFUNCTION, &OnBody);
    set(CURLOPT_WRITEDATA, static_cast<void*>(&exchange));
    set(CURLOPT_HEADERFUNCTION, &OnHeader);
    set(CURLOPT_HEADERDATA, static_cast<void*>(&exchange));

    // The method. Setting POSTFIELDS switches libcurl to POST, so the body is cleared first and
    // HTTPGET then resets the method (and a previous HEAD's NOBODY) to a plain GET.
    set(CURLOPT_POSTFIELDS, static_cast<const char*>(nullptr));
    set(CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(-1));
    set(CURLOPT_HTTPGET, 1L);
    const char* custom_method = nullptr;
    if (request.method == "HEAD") {
      set(CURLOPT_NOBODY, 1L);
    } else if (!request.body.empty() || IsBodyMethod(request.method)) {
      set(CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
      set(CURLOPT_POSTFIELDS, request.body.data());
      if (request.method != "POST") custom_method = request.method.c_str();
    } else if (request.method != "GET") {
      custom_method = request.method.c_str();
    }
    set(CURLOPT_CUSTOMREQUEST, custom_method);
    return ok;
  }

  const std::size_t max_response_bytes_;
  const std::string user_agent_;
  HandlePool pool_;
};

}  // namespace

std::unique_ptr<Transport> NewCurlTransport(std::size_t max_response_bytes) {
  return std::make_unique<CurlTransport>(max_response_bytes);
}

}  // namespace s3upload::outbound
