// Turning one accepted libfcgi request into an http::Request, and an http::Response back into
// FastCGI stdout records.
#pragma once

#include <fcgiapp.h>

#include <cstddef>

#include "s3upload/http.h"

namespace s3upload::fcgi::internal {

// Copies the params and reads the body to its end. A body longer than max_body_bytes is read and
// discarded (so that a kept-alive connection stays in step) up to a fixed cap; beyond that the
// connection is marked to close. Returns false when the connection failed while reading.
bool ReadRequest(FCGX_Request& fcgi_request, std::size_t max_body_bytes, http::Request& request);

// Writes "Status:", the headers, a blank line and the body.
void WriteResponse(FCGX_Request& fcgi_request, const http::Request& request,
                   const http::Response& response);

}  // namespace s3upload::fcgi::internal
