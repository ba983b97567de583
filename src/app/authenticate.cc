// Authenticate: the route's origins and auth, turned into a verify::Caller or a refusal.
#include "app/authenticate.h"

#include <algorithm>
#include <string>
#include <utility>

namespace s3upload::app {
namespace {

constexpr std::string_view kChallenge = R"(Bearer realm="s3-upload-signer")";

http::Response Refusal(int status, std::string_view message, std::string_view rule,
                       std::string detail) {
  const std::string quoted = http::JsonQuote(message);
  http::Response response = http::JsonResponse(
      status, "{\"error\":" + quoted + ",\"message\":" + quoted + ",\"preventRetry\":true}");
  response.log_fields = {{"refused", std::string(rule)}};
  if (!detail.empty()) response.log_fields.emplace_back("detail", std::move(detail));
  return response;
}

http::Response TokenRefusal(std::string_view rule, std::string detail, bool token_given) {
  http::Response response = Refusal(401, "authentication required", rule, std::move(detail));
  // RFC 6750 section 3: a request without a token gets the bare challenge, a bad token the error.
  response.headers.emplace_back("WWW-Authenticate",
                                token_given ? std::string(kChallenge) + R"(, error="invalid_token")"
                                            : std::string(kChallenge));
  return response;
}

}  // namespace

std::variant<verify::Caller, http::Response> Authenticate(const http::Request& request,
                                                          const config::Route& route,
                                                          aws::TimePoint now) {
  if (!route.origins.empty()) {
    if (const auto origin = request.Header("origin")) {
      if (std::find(route.origins.begin(), route.origins.end(), *origin) == route.origins.end()) {
        return Refusal(403, "this origin may not use this endpoint", "auth.origin",
                       std::string(origin->substr(0, 256)));
      }
    }
  }

  verify::Caller caller;
  switch (route.auth.kind) {
    case config::RouteAuth::Kind::kNone:
      caller.user = request.remote_user;
      return caller;
    case config::RouteAuth::Kind::kRemoteUser:
      if (request.remote_user.empty()) {
        return Refusal(401, "authentication required", "auth.remote-user.missing", "");
      }
      caller.user = request.remote_user;
      return caller;
    case config::RouteAuth::Kind::kToken:
      break;
  }

  const auto header = request.Header("authorization");
  if (!header) {
    return TokenRefusal("auth.token.missing", "", false);
  }
  const auto token = auth::BearerToken(*header);
  if (!token) {
    return TokenRefusal("auth.token.invalid", "Authorization is not \"Bearer <token>\"", true);
  }
  if (route.auth.verifier == nullptr) {  // the loader never builds such a route
    return TokenRefusal("auth.token.invalid", "no verifier", true);
  }
  StatusOr<auth::TokenClaims> claims = route.auth.verifier->Verify(*token, now);
  if (!claims.ok()) {
    return TokenRefusal("auth.token.invalid",
                        route.auth.authenticator + ": " + claims.status().message(), true);
  }
  caller.user = claims->subject.value_or("");
  caller.max_size = claims->max_size;
  caller.content_types = std::move(claims->content_types);
  return caller;
}

}  // namespace s3upload::app
