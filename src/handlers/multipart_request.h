// What a request to a multipart route asks for: the call (from the method and the path under the
// route's prefix), its query (key, partNumbers) and the parts of a complete. Pure functions; the
// handler acts only on what came out of these.
//
// The routes, under the route's prefix P (e.g. "/s3/multipart/"), as @uppy/aws-s3 and Companion
// call them:
//   POST   P                     create           JSON {"filename"|"name", "type", "metadata"}
//   GET    P<uploadId>/<n>?key=  sign part n      -> {"url", "expires"}
//   GET    P<uploadId>/batch?key=&partNumbers=1,2,3  -> {"presignedUrls": {"1": url, ...}}
//   GET    P<uploadId>?key=      list parts       -> [{"PartNumber", "Size", "ETag", ...}]
//   POST   P<uploadId>/complete?key=  JSON {"parts": [{"PartNumber", "ETag"}]}
//                                                 -> {"location", "key", "bucket"}
//   DELETE P<uploadId>?key=      abort            -> {}
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "s3upload/config.h"
#include "s3upload/http.h"

namespace s3upload::handlers::internal {

// A refused multipart request: the rule and detail go to the log, the message to the client.
struct MultipartRefusal {
  int status = 400;
  std::string rule;
  std::string detail;
  std::string message;
  std::string allow;  // 405 only: the Allow header
};

enum class MultipartAction { kCreate, kSignPart, kBatch, kList, kComplete, kAbort };

struct MultipartCall {
  MultipartAction action = MultipartAction::kCreate;
  std::string upload_id;          // the token from the path (all but create)
  std::uint32_t part_number = 0;  // kSignPart
};

// The call for `method` on `path` under the route's prefix `route_path` (ending in '/'; the path
// matched it, see routing.h).
std::variant<MultipartCall, MultipartRefusal> ParseMultipartCall(std::string_view method,
                                                                 std::string_view path,
                                                                 std::string_view route_path);

// A part number as text: digits, no sign or leading zero, 1..max_parts (at most 10000).
std::optional<std::uint32_t> ParsePartNumber(std::string_view text, std::uint32_t max_parts);

// The query of every call but create: `key` (required, at most verify::kMaxKeyBytes) and, for a
// batch, `partNumbers` (comma-separated, each valid, none twice, at most max_parts of them). Any
// other parameter, or one given twice, is refused.
struct MultipartQuery {
  std::string key;
  std::vector<std::uint32_t> part_numbers;  // batch only
};
std::variant<MultipartQuery, MultipartRefusal> ReadMultipartQuery(std::string_view query,
                                                                  bool batch,
                                                                  std::uint32_t max_parts);

// The body of a complete: {"parts": [{"PartNumber": n, "ETag": "..."}, ...]}: 1..max_parts parts
// in strictly ascending order, each number 1..max_parts, each ETag 1-128 characters of
// [A-Za-z0-9-] (the quotes S3 puts around it are taken off). "Size" in a part is accepted and
// ignored (Uppy's AwsS3Part); any other member, a member twice, or another shape is refused.
struct ClientPart {
  std::uint32_t part_number = 0;
  std::string etag;  // without quotes
};
std::variant<std::vector<ClientPart>, MultipartRefusal> ReadCompleteBody(std::string_view body,
                                                                         std::uint32_t max_parts);

// An ETag without the double quotes around it (if it has them).
std::string_view UnquotedEtag(std::string_view etag);

}  // namespace s3upload::handlers::internal
