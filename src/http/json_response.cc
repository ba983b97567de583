// JSON responses. Every string that may contain client input goes through JsonQuote.
#include <cstdint>
#include <string>

#include "s3upload/http.h"

namespace s3upload::http {
namespace {

// Length of the valid UTF-8 sequence starting at text[i], or 0 if it is not valid (overlong forms,
// surrogates and code points above U+10FFFF are invalid).
std::size_t Utf8SequenceLength(std::string_view text, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char lead = byte(i);
  std::size_t length = 0;
  std::uint32_t code_point = 0;
  if (lead >= 0xc2 && lead <= 0xdf) {
    length = 2;
    code_point = lead & 0x1f;
  } else if (lead >= 0xe0 && lead <= 0xef) {
    length = 3;
    code_point = lead & 0x0f;
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    length = 4;
    code_point = lead & 0x07;
  } else {
    return 0;
  }
  if (i + length > text.size()) return 0;
  for (std::size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xc0) != 0x80) return 0;
    code_point = (code_point << 6) | (byte(i + k) & 0x3f);
  }
  if ((length == 3 && code_point < 0x800) || (length == 4 && code_point < 0x10000) ||
      (code_point >= 0xd800 && code_point <= 0xdfff) || code_point > 0x10ffff) {
    return 0;
  }
  return length;
}

}  // namespace

std::string JsonQuote(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  out.reserve(text.size() + 2);
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80) {
      const std::size_t length = Utf8SequenceLength(text, i);
      if (length == 0) {
        out += "\\ufffd";  // not UTF-8: never pass invalid bytes on to a JSON parser
        ++i;
        continue;
      }
      const std::string_view sequence = text.substr(i, length);
      // U+2028/U+2029 end a statement for old JavaScript eval-based parsers (Fine Uploader falls
      // back to eval on browsers without JSON).
      if (sequence == "\xe2\x80\xa8") {
        out += "\\u2028";
      } else if (sequence == "\xe2\x80\xa9") {
        out += "\\u2029";
      } else {
        out += sequence;
      }
      i += length;
      continue;
    }
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        // <, > and & too, so that a response sniffed as HTML by an old browser cannot carry
        // markup, whatever the client sent.
        if (c < 0x20 || c == 0x7f || c == '<' || c == '>' || c == '&') {
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 0x0f];
        } else {
          out += static_cast<char>(c);
        }
    }
    ++i;
  }
  out += '"';
  return out;
}

Response JsonResponse(int status, std::string json_body) {
  Response response;
  response.status = status;
  response.headers.emplace_back("Content-Type", "application/json");
  // Responses are per request and often carry signatures: never cache them anywhere.
  response.headers.emplace_back("Cache-Control", "no-store");
  response.body = std::move(json_body);
  return response;
}

Response JsonError(int status, std::string_view message) {
  return JsonResponse(status, "{\"error\":" + JsonQuote(message) + "}");
}

std::string_view ReasonPhrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 204:
      return "No Content";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 413:
      return "Payload Too Large";
    case 422:
      return "Unprocessable Content";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return "Unknown";
  }
}

}  // namespace s3upload::http
