// How an S3 answer or a failed call becomes an s3::Error, shared by the object calls (client.cc)
// and the multipart calls (multipart_calls.cc), so that every S3 call is classified and logged
// alike: 403 denied, 5xx (still, after the retries) unavailable, any other non-2xx rejected.
//
// Thread-safety: free functions without state.
#pragma once

#include <string>
#include <string_view>

#include "s3upload/outbound.h"
#include "s3upload/s3.h"

namespace s3upload::s3::internal {

inline bool IsSuccess(long status) { return status >= 200 && status <= 299; }

// The text of the first <tag>...</tag> in `xml` (at most 200 bytes), or "": a plain search, as
// the result only goes to the log and a malformed body just yields less detail.
std::string_view XmlElementText(std::string_view xml, std::string_view tag);

// The error for an HTTP answer that is neither success nor an outcome the caller handles itself
// ("not found"): "S3 DELETE answered 403 (AccessDenied: Access Denied)".
Error AnswerError(std::string_view operation, const outbound::HttpResponse& response);

// The error for a call that got no answer: busy (the outbound cap, never tried) or unavailable.
Error CallFailure(std::string_view operation, const outbound::CallOutcome& outcome);

}  // namespace s3upload::s3::internal
