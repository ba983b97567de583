// Params and body in, status, headers and body out.
#include "fcgi/request_io.h"

#include <atomic>
#include <charconv>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>

#include "s3upload/fcgi.h"

namespace s3upload::fcgi::internal {
namespace {

// How much of an oversized body we read and throw away to keep a kept-alive connection usable. A
// body larger than this closes the connection instead (the web server bounds bodies anyway).
constexpr std::size_t kMaxDiscardedBodyBytes = std::size_t{8} * 1024 * 1024;

// The params the responder reads. Each of the ~30 params of a request is classified once, by its
// length first: most names then need no comparison at all.
enum class Param {
  kOther,
  kMethod,
  kDocumentUri,
  kScriptName,
  kPathInfo,
  kRequestUri,
  kQueryString,
  kContentType,
  kContentLength,
  kRemoteUser,
  kRemoteAddr,
  kRequestId,
  kHeader,
};

Param Classify(std::string_view name) {
  switch (name.size()) {
    case 9:
      if (name == "PATH_INFO") return Param::kPathInfo;
      break;
    case 10:
      if (name == "REQUEST_ID") return Param::kRequestId;
      break;
    case 11:
      if (name == "REQUEST_URI") return Param::kRequestUri;
      if (name == "SCRIPT_NAME") return Param::kScriptName;
      if (name == "REMOTE_USER") return Param::kRemoteUser;
      if (name == "REMOTE_ADDR") return Param::kRemoteAddr;
      break;
    case 12:
      if (name == "DOCUMENT_URI") return Param::kDocumentUri;
      if (name == "QUERY_STRING") return Param::kQueryString;
      if (name == "CONTENT_TYPE") return Param::kContentType;
      break;
    case 14:
      if (name == "REQUEST_METHOD") return Param::kMethod;
      if (name == "CONTENT_LENGTH") return Param::kContentLength;
      break;
    default:
      break;
  }
  return name.size() > 5 && name.starts_with("HTTP_") ? Param::kHeader : Param::kOther;
}

// What routes a request and names it in the log: still copied from a request over the limits, so
// that it is refused on its route, with its id.
bool RoutesTheRequest(Param param) {
  switch (param) {
    case Param::kMethod:
    case Param::kDocumentUri:
    case Param::kScriptName:
    case Param::kPathInfo:
    case Param::kRequestUri:
    case Param::kRequestId:
      return true;
    default:
      return false;
  }
}

// The first limit broken: what was copied so far, other than what routes the request, is dropped.
void Breach(http::Request& request, std::string_view rule, std::string detail) {
  request.params_refused = http::Request::LimitBreach{std::string(rule), std::move(detail)};
  request.query.clear();
  request.content_type.clear();
  request.content_length.reset();
  request.remote_user.clear();
  request.remote_addr.clear();
  request.headers.clear();
}

std::string NextRequestId() {
  static std::atomic<unsigned long long> counter{0};
  return "r" + std::to_string(++counter);
}

}  // namespace

void CopyParams(char** envp, http::Request& request) {
  std::string_view document_uri, script_name, path_info, request_uri;
  std::size_t count = 0;
  std::size_t total = 0;
  for (char** env = envp; env != nullptr && *env != nullptr; ++env) {
    const std::string_view entry(*env);
    const std::size_t eq = entry.find('=');
    const std::string_view name = entry.substr(0, eq);
    const std::string_view value =
        eq == std::string_view::npos ? std::string_view() : entry.substr(eq + 1);
    ++count;
    total += name.size() + value.size();
    const bool within_sizes =
        name.size() <= kMaxParamNameBytes && value.size() <= kMaxParamValueBytes;
    if (!request.params_refused) {
      if (count > kMaxParams) {
        Breach(request, "fcgi.params.count", "more than " + std::to_string(kMaxParams) + " params");
      } else if (name.size() > kMaxParamNameBytes) {
        Breach(request, "fcgi.params.name-size",
               "a param name of " + std::to_string(name.size()) + " bytes, at most " +
                   std::to_string(kMaxParamNameBytes) + " allowed");
      } else if (value.size() > kMaxParamValueBytes) {
        Breach(request, "fcgi.params.value-size",
               "param " + std::string(name.substr(0, 64)) + " of " + std::to_string(value.size()) +
                   " bytes, at most " + std::to_string(kMaxParamValueBytes) + " allowed");
      } else if (total > kMaxParamsBytes) {
        Breach(request, "fcgi.params.total-size",
               "params of more than " + std::to_string(kMaxParamsBytes) + " bytes");
      }
    }
    if (eq == std::string_view::npos) continue;
    const Param param = Classify(name);
    if (param == Param::kOther) continue;
    if (request.params_refused && !(within_sizes && RoutesTheRequest(param))) continue;
    switch (param) {
      case Param::kMethod:
        request.method = value;
        break;
      case Param::kDocumentUri:
        document_uri = value;
        break;
      case Param::kScriptName:
        script_name = value;
        break;
      case Param::kPathInfo:
        path_info = value;
        break;
      case Param::kRequestUri:
        request_uri = value;
        break;
      case Param::kQueryString:
        request.query = value;
        break;
      case Param::kContentType:
        request.content_type = value;
        break;
      case Param::kContentLength: {
        std::uint64_t length = 0;
        const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), length);
        if (ec == std::errc() && end == value.data() + value.size() && !value.empty()) {
          request.content_length = length;
        }
        break;
      }
      case Param::kRemoteUser:
        request.remote_user = value;
        break;
      case Param::kRemoteAddr:
        request.remote_addr = value;
        break;
      case Param::kRequestId:
        request.request_id = value;
        break;
      case Param::kHeader:
        request.headers.AddFromCgi(name.substr(5), value);
        break;
      case Param::kOther:
        break;
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
}

bool ReadRequest(FCGX_Request& fcgi_request, std::size_t max_body_bytes, http::Request& request) {
  CopyParams(fcgi_request.envp, request);

  // The whole body is read even when it is refused: the FastCGI stream must reach its end before
  // the response, or the next request on a kept-alive connection would start mid-record (and a web
  // server still sending it would see the connection reset instead of our answer).
  bool discarding = request.params_refused.has_value();
  const std::size_t expected = request.content_length.value_or(0);
  if (!discarding && expected > max_body_bytes) request.body_too_large = true;
  discarding = discarding || request.body_too_large;
  if (!discarding) request.body.reserve(expected);
  char buffer[16 * 1024];
  std::size_t discarded = 0;
  for (;;) {
    const int n = FCGX_GetStr(buffer, sizeof buffer, fcgi_request.in);
    if (n <= 0) break;
    if (!discarding && request.body.size() + static_cast<std::size_t>(n) > max_body_bytes) {
      request.body_too_large = true;
      discarding = true;
      discarded = request.body.size();
      request.body.clear();
      request.body.shrink_to_fit();
    }
    if (discarding) {
      discarded += static_cast<std::size_t>(n);
      if (discarded > kMaxDiscardedBodyBytes) {
        fcgi_request.keepConnection = 0;  // the rest unread: the connection cannot carry another
        break;
      }
      continue;
    }
    request.body.append(buffer, static_cast<std::size_t>(n));
  }
  if (FCGX_GetError(fcgi_request.in) != 0) return false;
  // A refused request whose body was read to its end leaves the connection in step: it stays open
  // if the web server asked for that (FCGI_KEEP_CONN). Closing it instead would race a web server
  // that pools connections: Apache's mod_proxy_fcgi (enablereuse=on) may already have handed it
  // to its next request, which then fails with a 503.
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
