// The line the server writes for every request it answered (fcgi.h: one log line per request).
//
// Thread-safety: may be called from any thread (log::Write is).
#pragma once

#include <chrono>

#include "s3upload/http.h"

namespace s3upload::fcgi::internal {

// msg=request with id, method, path, status and duration_ms ("0.690"), then the response's
// log_fields in their order; level warning for a 5xx answer, info otherwise. The line is assembled
// from views of what the request and response hold: nothing is copied but into the line, and
// nothing allocated unless a handler logs unusually many fields.
void LogRequest(const http::Request& request, const http::Response& response,
                std::chrono::steady_clock::duration duration);

}  // namespace s3upload::fcgi::internal
