// The HTML pages of reply: html routes: escaping, the document around a body, and its headers.
#include "handlers/html_page.h"

#include <algorithm>
#include <string>

#include "s3upload/aws.h"
#include "text/utf8.h"

namespace s3upload::handlers::internal {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// The pages' one style sheet; its SHA-256 is the only style the CSP allows.
constexpr std::string_view kStyle =
    "body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;"
    "line-height:1.5;color:#1b1b1b}"
    "h1{font-size:1.5rem}code{background:#f2f2f2;padding:0 .25rem;word-break:break-all}"
    "form p{margin:1rem 0}button{font-size:1rem;padding:.4rem 1.2rem}"
    "img{max-width:100%;height:auto;border:1px solid #ccc}"
    ".failed h1{color:#a00}.note{color:#555;font-size:.9rem}";

const std::string& StyleHash() {
  static const std::string hash = [] {
    const aws::Sha256Digest digest = aws::Sha256(kStyle);
    return "'sha256-" +
           aws::Base64Encode(
               std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size())) +
           "'";
  }();
  return hash;
}

std::string Sources(const std::vector<std::string>& origins) {
  std::string out;
  for (std::size_t i = 0; i < origins.size(); ++i) {
    const std::string& origin = origins[i];
    if (origin.empty() || std::find(origins.begin(), origins.begin() + i, origin) !=
                              origins.begin() + static_cast<std::ptrdiff_t>(i)) {
      continue;
    }
    out += (out.empty() ? "" : " ") + origin;
  }
  return out.empty() ? "'none'" : out;
}

char Lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

}  // namespace

std::string HtmlEscape(std::string_view text) {
  const bool valid = text::IsValidUtf8(text);
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    switch (c) {
      case '&':
        out += "&amp;";
        continue;
      case '<':
        out += "&lt;";
        continue;
      case '>':
        out += "&gt;";
        continue;
      case '"':
        out += "&quot;";
        continue;
      case '\'':
        out += "&#39;";
        continue;
      case '\t':
      case '\n':
      case '\r':
        out += c;
        continue;
      default:
        break;
    }
    if (byte < 0x20 || byte == 0x7f || (!valid && byte >= 0x80)) {
      out += kReplacement;
    } else {
      out += c;
    }
  }
  return out;
}

std::string UrlOrigin(std::string_view url) {
  std::string scheme;
  if (url.size() >= 7 && Lower(url[0]) == 'h' && Lower(url[1]) == 't' && Lower(url[2]) == 't' &&
      Lower(url[3]) == 'p') {
    scheme = (url.size() > 4 && Lower(url[4]) == 's') ? "https" : "http";
  }
  if (scheme.empty() || !url.substr(scheme.size()).starts_with("://")) return "";
  const std::string_view rest = url.substr(scheme.size() + 3);
  const std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  if (authority.empty()) return "";
  std::string origin = scheme + "://";
  for (const char c : authority) {
    const bool allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                         (c >= '0' && c <= '9') || c == '.' || c == '-' || c == ':' || c == '[' ||
                         c == ']';
    if (!allowed) return "";  // also '@' (user information): never a source
    origin += Lower(c);
  }
  return origin;
}

std::string HumanSize(std::uint64_t bytes) {
  constexpr std::uint64_t kKiB = 1024;
  constexpr std::uint64_t kMiB = kKiB * kKiB;
  if (bytes >= kMiB && bytes % kMiB == 0) return std::to_string(bytes / kMiB) + " MiB";
  if (bytes >= kKiB && bytes % kKiB == 0) return std::to_string(bytes / kKiB) + " KiB";
  return std::to_string(bytes) + (bytes == 1 ? " byte" : " bytes");
}

http::Response HtmlResponse(int status, const HtmlPage& page) {
  http::Response response;
  response.status = status;
  response.body =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>" +
      HtmlEscape(page.title) + "</title>\n<style>" + std::string(kStyle) +
      "</style>\n</head>\n<body" + (status >= 400 ? " class=\"failed\"" : "") + ">\n<main>\n<h1>" +
      HtmlEscape(page.title) + "</h1>\n" + page.body + "</main>\n</body>\n</html>\n";
  response.headers = {
      {"Content-Type", "text/html; charset=utf-8"},
      {"Cache-Control", "no-store"},
      {"Content-Security-Policy", "default-src 'none'; style-src " + StyleHash() + "; img-src " +
                                      Sources(page.img_src) + "; form-action " +
                                      Sources(page.form_action) +
                                      "; base-uri 'none'; frame-ancestors 'none'"},
      {"X-Content-Type-Options", "nosniff"},
      {"Referrer-Policy", "no-referrer"},
      {"X-Frame-Options", "DENY"},
  };
  return response;
}

http::Response HtmlMessage(int status, std::string_view title, std::string_view message) {
  HtmlPage page;
  page.title = std::string(title);
  page.body = "<p id=\"message\">" + HtmlEscape(message) + "</p>\n";
  return HtmlResponse(status, page);
}

}  // namespace s3upload::handlers::internal
