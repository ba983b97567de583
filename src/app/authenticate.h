// Authenticate: who is asking, decided once per request from the route's `auth` and `origins`,
// before any handler runs. Handlers only ever see the resulting verify::Caller.
//
// Contract
// - First, a request the FastCGI layer found over its limits (Request::params_refused) is refused
//   431 with that rule (fcgi.params.*), whatever the route: its params were not all copied.
// - origins (when the route lists some): a request whose Origin header is not listed is refused
//   403 (rule auth.origin); one without Origin passes this step.
// - auth remote_user: REMOTE_USER must be set (401, rule auth.remote-user.missing).
// - auth <authenticator>: "Authorization: Bearer <JWT>" checked by the route's verifier at `now`
//   (401 with WWW-Authenticate, rules auth.token.missing / auth.token.invalid); the caller is the
//   token's "sub" (empty without one) with the token's narrowing. REMOTE_USER is ignored.
// - auth none: the caller is REMOTE_USER when the web server sets one, else anonymous.
// - A refusal's body is {"error": m, "message": m, "preventRetry": true} ("message" is what Uppy
//   shows); the reason goes to the log fields (refused, detail), never the token.
//
// Thread-safety: a pure function of its arguments.
#pragma once

#include <variant>

#include "s3upload/aws.h"
#include "s3upload/config.h"
#include "s3upload/http.h"
#include "s3upload/verify.h"

namespace s3upload::app {

std::variant<verify::Caller, http::Response> Authenticate(const http::Request& request,
                                                          const config::Route& route,
                                                          aws::TimePoint now);

}  // namespace s3upload::app
