// JSON responses. Every string that may contain client input goes through JsonQuote.
#include <string>

#include "s3upload/http.h"

namespace s3upload::http {
Response JsonResponse(int status, std::string json_body) {
  Response response;
  response.status = status;
  response.headers.reserve(3);  // room for one more (Allow, WWW-Authenticate) without growing
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
    case 431:
      return "Request Header Fields Too Large";
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
