// HTML pages for browsers without script (routes with `reply: html`): the params handler's upload
// form and the success handler's result. Every value that goes into a page goes through
// HtmlEscape; every page forbids script entirely by its Content-Security-Policy, is never cached
// (it carries a signed upload, or a presigned URL) and sends no Referer (its URL names the key).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "s3upload/http.h"

namespace s3upload::handlers::internal {

// `text` for an HTML text node or a quoted attribute value: & < > " ' as character references
// (&amp; &lt; &gt; &quot; &#39;); C0 controls other than tab, LF and CR, and DEL, as U+FFFD; text
// that is not valid UTF-8 has every byte above 0x7F replaced by U+FFFD too. Everything else,
// other characters included, is kept as it is (the page is UTF-8).
std::string HtmlEscape(std::string_view text);

// The origin of an http(s) URL, "scheme://host[:port]" as a CSP source expression: scheme and
// host lower case. Empty when the URL is not http(s) or its host has characters other than
// letters, digits, '.', '-', ':', '[' and ']' (so nothing is allowed for it).
std::string UrlOrigin(std::string_view url);

// "20 MiB", "512 KiB", "1000 bytes": a size for people (exact: MiB and KiB only when whole).
std::string HumanSize(std::uint64_t bytes);

struct HtmlPage {
  std::string title;                     // text (escaped here)
  std::string body;                      // HTML, every value in it already escaped
  std::vector<std::string> form_action;  // origins (UrlOrigin) the page's form may go to
  std::vector<std::string> img_src;      // origins of the page's images
};

// The page as a complete HTML5 document: Content-Type text/html; charset=utf-8, Cache-Control:
// no-store, Content-Security-Policy "default-src 'none'; style-src 'sha256-...' (the page's own
// style sheet); img-src <img_src>; form-action <form_action>; base-uri 'none'; frame-ancestors
// 'none'" (img-src and form-action 'none' when empty), X-Content-Type-Options: nosniff,
// Referrer-Policy: no-referrer, X-Frame-Options: DENY.
http::Response HtmlResponse(int status, const HtmlPage& page);

// A page that only says what happened: a heading and a message (refusals and failures).
http::Response HtmlMessage(int status, std::string_view title, std::string_view message);

}  // namespace s3upload::handlers::internal
