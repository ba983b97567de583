// Params and body in, status, headers and body out.
#include "fcgi/request_io.h"

#include <atomic>
#include <charconv>
#include <cstring>
#include <string>
#include <string_view>

namespace s3upload::fcgi::internal {
namespace {

// How much of an oversized body we read and throw away to keep a kept-alive connection usable. A
// body larger than this closes the connection instead (the web server bounds bodies anyway).
constexpr std::size_t kMaxDiscardedBodyBytes = std::size_t{8} * 1024 * 1024;

std::string HeaderNameFromParam(std::string_view param) {
  // HTTP_X_CSRF_TOKEN -> x-csrf-token
  std::string name(param.substr(5));
  for (char& c : name) {
    if (c == '_') {
      c = '-';
    } else if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
  }
  return name;
}

std::string NextRequestId() {
  static std::atomic<unsigned long long> counter{0};
  return "r" + std::to_string(++counter);
}

}  // namespace

bool ReadRequest(FCGX_Request& fcgi_request, std::size_t max_body_bytes, http::Request& request) {
  std::string_view document_uri, script_name, path_info, request_uri;
  for (char** env = fcgi_request.envp; env != nullptr && *env != nullptr; ++env) {
    const std::string_view entry(*env);
    const std::size_t eq = entry.find('=');
    if (eq == std::string_view::npos) continue;
    const std::string_view name = entry.substr(0, eq);
    const std::string_view value = entry.substr(eq + 1);
    if (name == "REQUEST_METHOD") {
      request.method = value;
    } else if (name == "DOCUMENT_URI") {
      document_uri = value;
    } else if (name == "SCRIPT_NAME") {
      script_name = value;
    } else if (name == "PATH_INFO") {
      path_info = value;
    } else if (name == "REQUEST_URI") {
      request_uri = value;
    } else if (name == "QUERY_STRING") {
      request.query = value;
    } else if (name == "CONTENT_TYPE") {
      request.content_type = value;
    } else if (name == "CONTENT_LENGTH") {
      std::uint64_t length = 0;
      const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), length);
      if (ec == std::errc() && end == value.data() + value.size() && !value.empty()) {
        request.content_length = length;
      }
    } else if (name == "REMOTE_USER") {
      request.remote_user = value;
    } else if (name == "REMOTE_ADDR") {
      request.remote_addr = value;
    } else if (name == "REQUEST_ID") {
      request.request_id = value;
    } else if (name.starts_with("HTTP_") && name.size() > 5) {
      request.headers.emplace_back(HeaderNameFromParam(name), std::string(value));
    }
  }
  // nginx passes the decoded, normalised path as DOCUMENT_URI; Apache (mod_fcgid, mod_proxy_fcgi)
  // splits it into SCRIPT_NAME and PATH_INFO.
  if (!document_uri.empty()) {
    request.path = document_uri;
  } else if (!script_name.empty() || !path_info.empty()) {
    request.path = std::string(script_name) + std::string(path_info);
  } else {
    request.path = request_uri.substr(0, request_uri.find('?'));
  }
  if (request.request_id.empty()) request.request_id = NextRequestId();

  // The whole body is read even when too large: the FastCGI stream must reach its end before the
  // response, or the next request on a kept-alive connection would start mid-record.
  const std::size_t expected = request.content_length.value_or(0);
  if (expected > max_body_bytes) request.body_too_large = true;
  if (!request.body_too_large) request.body.reserve(expected);
  char buffer[16 * 1024];
  std::size_t discarded = 0;
  for (;;) {
    const int n = FCGX_GetStr(buffer, sizeof buffer, fcgi_request.in);
    if (n <= 0) break;
    if (!request.body_too_large &&
        request.body.size() + static_cast<std::size_t>(n) > max_body_bytes) {
      request.body_too_large = true;
      discarded = request.body.size();
      request.body.clear();
      request.body.shrink_to_fit();
    }
    if (request.body_too_large) {
      discarded += static_cast<std::size_t>(n);
      if (discarded > kMaxDiscardedBodyBytes) {
        fcgi_request.keepConnection = 0;
        break;
      }
      continue;
    }
    request.body.append(buffer, static_cast<std::size_t>(n));
  }
  if (FCGX_GetError(fcgi_request.in) != 0) return false;
  // A body we did not read to the end, or a refused one: do not reuse the connection for another
  // request (cheap to reopen; impossible to get wrong).
  if (request.body_too_large) fcgi_request.keepConnection = 0;
  return true;
}

void WriteResponse(FCGX_Request& fcgi_request, const http::Request& request,
                   const http::Response& response) {
  std::string out;
  out.reserve(128 + response.body.size());
  out += "Status: ";
  out += std::to_string(response.status);
  out += ' ';
  out += http::ReasonPhrase(response.status);
  out += "\r\n";
  for (const auto& [name, value] : response.headers) {
    out += name;
    out += ": ";
    out += value;
    out += "\r\n";
  }
  out += "Content-Length: ";
  out += std::to_string(response.body.size());
  out += "\r\n\r\n";
  if (request.method != "HEAD") out += response.body;
  FCGX_PutStr(out.data(), static_cast<int>(out.size()), fcgi_request.out);
}

}  // namespace s3upload::fcgi::internal
