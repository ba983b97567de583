// http: the Request and Response values that travel through the responder, and the small parsers
// and JSON helpers every handler needs.
//
// Contract
// - Request is what the web server told us, already copied out of libfcgi (whose strings die at
//   the next accept): method, path, query, selected CGI variables, HTTP_* headers and the body.
// - Response is what goes back: a status, headers and a body. Every response we build ourselves
//   is JSON with Content-Type application/json, and never echoes raw input unescaped.
// - log_fields are annotations for the one log line per request (profile, refusing rule, ...);
//   they are never sent to the client.
//
// Thread-safety: plain values and pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace s3upload::http {

using Fields = std::vector<std::pair<std::string, std::string>>;

// A request's HTTP headers: lower-case names, values as sent, in the order received, repeats
// kept. All of them share one buffer: copying a request's headers out of libfcgi costs one
// allocation, where a string per name and per value cost up to two per header (a browser sends 10
// to 20, and this is on the path of every request).
class Headers {
 public:
  // Appends a header; `lower_name` is taken as is.
  void Add(std::string_view lower_name, std::string_view value);
  // Appends a header named by the rest of its CGI param after "HTTP_": X_CSRF_TOKEN ->
  // x-csrf-token.
  void AddFromCgi(std::string_view cgi_name, std::string_view value);
  // The value of the first header with this lower-case name, or nullopt.
  std::optional<std::string_view> Find(std::string_view lower_name) const;
  std::size_t size() const { return count_; }
  bool empty() const { return count_ == 0; }
  void clear();

 private:
  // Appends the two sizes and room for the name and the value; returns where the name goes.
  char* Append(std::size_t name_size, std::string_view value);

  // Per header: the name's and the value's sizes (std::uint32_t each), then the name and the value.
  std::string packed_;
  std::size_t count_ = 0;
};

struct Request {
  std::string method;        // REQUEST_METHOD, upper case as sent
  std::string path;          // DOCUMENT_URI, else SCRIPT_NAME + PATH_INFO, else REQUEST_URI's path
  std::string query;         // QUERY_STRING, raw
  std::string content_type;  // CONTENT_TYPE
  std::optional<std::uint64_t> content_length;  // CONTENT_LENGTH, if present and numeric
  std::string remote_user;  // REMOTE_USER (set by the web server's authentication)
  std::string remote_addr;  // REMOTE_ADDR
  std::string request_id;   // REQUEST_ID param if the web server passes one, else generated
  // HTTP_* params as header names: HTTP_X_CSRF_TOKEN -> "x-csrf-token". Lower case.
  Headers headers;
  std::string body;
  // True when the body was longer than the limit: `body` then holds nothing useful.
  bool body_too_large = false;
  // Set when the params broke one of the FastCGI layer's limits (fcgi::kMaxParams and the sizes
  // beside it): the request is to be refused 431 with this rule, and nothing else done. Only the
  // params that route it (method, path, REQUEST_ID) were copied, and the body was discarded.
  struct LimitBreach {
    std::string rule;    // "fcgi.params.count", ...
    std::string detail;  // for the log
  };
  std::optional<LimitBreach> params_refused;

  // The value of the first header with this lower-case name, or nullopt.
  std::optional<std::string_view> Header(std::string_view lower_name) const;
};

struct Response {
  int status = 200;
  Fields headers;  // each written as "Name: value"; Content-Type included here
  std::string body;
  Fields log_fields;  // for the request log line only
};

// "OK", "Not Found", ... for the Status line; "Unknown" for codes we never send.
std::string_view ReasonPhrase(int status);

// A JSON string literal (with the quotes) exactly as JavaScript's JSON.stringify writes the string:
// '"' and '\' escaped, \b \f \n \r \t for those controls, \u00xx for the other controls,
// everything else as is. Ill-formed UTF-8 becomes U+FFFD, one per maximal ill-formed subpart (as
// TextDecoder and Python's errors="replace" do), so every receiver decodes the same text.
std::string JsonStringify(std::string_view text);

// JsonStringify, and also DEL, <, >, & and U+2028/U+2029 escaped (\u00xx, \u2028): for replies to
// browsers, so that client input can be quoted safely (a reply sniffed as HTML carries no markup;
// old eval-based JSON parsers do not break).
std::string JsonQuote(std::string_view text);
// JsonQuote appended to `out`: replies are built in one buffer.
void AppendJsonQuote(std::string& out, std::string_view text);

// A response with a JSON body and Content-Type: application/json.
Response JsonResponse(int status, std::string json_body);
// {"error": "<message>"} with the given status.
Response JsonError(int status, std::string_view message);

// application/x-www-form-urlencoded (also query strings): '&'-separated, '+' is a space, %XX
// decoded. A malformed escape makes the whole parse fail (nullopt), so input is never half-read.
std::optional<Fields> ParseFormUrlEncoded(std::string_view text);
// The first value of `name` in a query string; nullopt if absent or the query is malformed.
std::optional<std::string> QueryValue(std::string_view query, std::string_view name);

}  // namespace s3upload::http
