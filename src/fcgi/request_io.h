// Turning one accepted libfcgi request into an http::Request, and an http::Response back into
// FastCGI stdout records.
#pragma once

#include <fcgiapp.h>

#include <cstddef>

#include "s3upload/http.h"

namespace s3upload::fcgi::internal {

// Copies the params (an environment as libfcgi builds it: "NAME=value" strings, then nullptr) into
// `request`, within kMaxParams, kMaxParamNameBytes, kMaxParamValueBytes and kMaxParamsBytes. On
// the first limit broken, sets request.params_refused and from then on copies only what routes
// the request and names it in the log (method, path, REQUEST_ID), each if within the size limits.
void CopyParams(char** envp, http::Request& request);

// Copies the params and reads the body to its end. A body longer than max_body_bytes is read and
// discarded (so that a kept-alive connection stays in step) up to a fixed cap; beyond that the
// connection is marked to close. Params over the limits: the body is discarded in the same way and
// the connection is not kept alive. Returns false when the connection failed while reading.
bool ReadRequest(FCGX_Request& fcgi_request, std::size_t max_body_bytes, http::Request& request);

// Writes "Status:", the headers, a blank line and the body.
void WriteResponse(FCGX_Request& fcgi_request, const http::Request& request,
                   const http::Response& response);

}  // namespace s3upload::fcgi::internal
