// s3 (multipart): the responder's own multipart calls on one bucket (CreateMultipartUpload,
// ListParts, CompleteMultipartUpload, AbortMultipartUpload), the presigned UploadPart URLs it
// hands to browsers, and the readers of S3's XML answers. Part of the s3 module (src/s3/), like
// s3.h: requests signed with aws/ (the one SigV4 implementation) and sent through outbound/.
//
// Contract
// - MultipartStore is what the multipart handler sees; MultipartClient is the real one (one per
//   profile, with the profile's signing credentials: creating and completing an upload is
//   s3:PutObject, listing its parts s3:ListMultipartUploadParts, aborting it
//   s3:AbortMultipartUpload); tests use fakes.
// - Every call is one logical call through outbound::CallWithRetries (re-signed per attempt, the
//   deadline and the concurrency cap of the s3 settings); ListParts reads one page (the caller
//   pages, so that it bounds how many it reads).
// - S3's answers are parsed strictly (ParseXml: elements, text, the five predefined entities and
//   character references; no DTD, no CDATA beyond what S3 sends, bounded depth and size). A 200
//   answer to CompleteMultipartUpload that carries an <Error> (S3 does that when it fails after
//   it has started answering) is an error, never a success.
// - Failures are s3::Error values, as for HEAD and DELETE: kUnavailable (no answer, 5xx after the
//   retries, or an answer that cannot be read), kBusy, kDenied (403), kRejected (other 4xx:
//   NoSuchUpload, InvalidPart, EntityTooSmall, ...); `message` names S3's error code.
//
// Thread-safety: MultipartClient is safe to use from many threads at once; the free functions are
// pure.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "s3upload/aws.h"
#include "s3upload/outbound.h"
#include "s3upload/s3.h"

namespace s3upload::s3 {

// ---------------------------------------------------------------------------------------------
// Values
// ---------------------------------------------------------------------------------------------

struct CreatedUpload {
  std::string upload_id;  // S3's, opaque
};

struct UploadedPart {
  std::uint32_t part_number = 0;  // 1..10000
  std::string etag;               // as S3 lists it, with its double quotes when it has them
  std::uint64_t size = 0;
  std::string last_modified;  // as S3 writes it (ISO 8601); may be empty
};

// One page of ListParts.
struct PartsPage {
  std::vector<UploadedPart> parts;
  bool truncated = false;
  std::uint32_t next_part_number_marker = 0;  // when truncated: where the next page starts
};

struct CompletedUpload {
  std::string location;
  std::string bucket;
  std::string key;
  std::string etag;  // may be empty (radosgw 16 sends none in this answer)
};

// The parts to complete with, in order: part number and ETag (as S3 listed it).
struct PartToComplete {
  std::uint32_t part_number = 0;
  std::string etag;
};

struct Aborted {};

using CreateResult = std::variant<CreatedUpload, Error>;
using ListPartsResult = std::variant<PartsPage, Error>;
using CompleteResult = std::variant<CompletedUpload, Error>;
using AbortResult = std::variant<Aborted, Error>;

// What the object gets at creation: its Content-Type and x-amz-meta-* headers (the browser's
// part uploads carry none).
struct NewObject {
  std::string key;
  std::string content_type;
  std::vector<aws::Header> metadata;  // full names, "x-amz-meta-filename"
};

class MultipartStore {
 public:
  virtual ~MultipartStore() = default;
  virtual CreateResult Create(const NewObject& object) = 0;
  // One page of at most `max_parts` parts (1..1000), starting after `part_number_marker`.
  virtual ListPartsResult ListParts(const std::string& key, const std::string& upload_id,
                                    std::uint32_t part_number_marker, std::uint32_t max_parts) = 0;
  virtual CompleteResult Complete(const std::string& key, const std::string& upload_id,
                                  const std::vector<PartToComplete>& parts) = 0;
  // A missing upload (NoSuchUpload, or radosgw's NoSuchKey after an abort) counts as aborted.
  virtual AbortResult Abort(const std::string& key, const std::string& upload_id) = 0;
  // A presigned UploadPart URL (no network call).
  virtual std::string PresignPart(const std::string& key, const std::string& upload_id,
                                  std::uint32_t part_number, std::chrono::seconds expires,
                                  aws::TimePoint now) = 0;
  virtual const BucketLocation& location() const = 0;
};

// ---------------------------------------------------------------------------------------------
// Requests (exposed for tests: compared with botocore's)
// ---------------------------------------------------------------------------------------------

// PUT <object>?partNumber=N&uploadId=ID&X-Amz-...: SigV4 query signing, Host signed only,
// UNSIGNED-PAYLOAD (a browser part upload; its size is checked when the upload is completed).
std::string PresignedUploadPartUrl(const BucketLocation& location, const std::string& key,
                                   const std::string& upload_id, std::uint32_t part_number,
                                   const aws::Credentials& credentials, aws::TimePoint now,
                                   std::chrono::seconds expires);

// The CompleteMultipartUpload body: <CompleteMultipartUpload xmlns=...><Part><PartNumber>
// <ETag> ...</CompleteMultipartUpload>, ETags XML-escaped.
std::string CompleteMultipartUploadBody(const std::vector<PartToComplete>& parts);

// ---------------------------------------------------------------------------------------------
// XML answers
// ---------------------------------------------------------------------------------------------

// A parsed XML element: its name (any namespace prefix kept, attributes dropped), its text (the
// concatenated character data directly inside it, entities decoded) and its child elements.
struct XmlElement {
  std::string name;
  std::string text;
  std::vector<XmlElement> children;

  // The first child with this name, or null.
  const XmlElement* Child(std::string_view child_name) const;
};

// Limits of ParseXml: larger documents or deeper nesting are refused.
inline constexpr std::size_t kMaxXmlBytes = std::size_t{4} * 1024 * 1024;
inline constexpr std::size_t kMaxXmlDepth = 16;
inline constexpr std::size_t kMaxXmlElements = 200000;

// The document's root element, or an error message. Accepts an XML declaration, comments,
// processing instructions and whitespace around the root; refuses DOCTYPE (no entity
// definitions), unknown entities, mismatched tags, text outside the root and trailing content.
std::variant<XmlElement, std::string> ParseXml(std::string_view xml);

// The answers, from S3's documented result elements; an <Error> root or a missing required
// element is an error message.
std::variant<CreatedUpload, std::string> ParseInitiateMultipartUploadResult(std::string_view xml);
std::variant<PartsPage, std::string> ParseListPartsResult(std::string_view xml);
std::variant<CompletedUpload, std::string> ParseCompleteMultipartUploadResult(std::string_view xml);

// ---------------------------------------------------------------------------------------------
// The client
// ---------------------------------------------------------------------------------------------

class MultipartClient final : public MultipartStore {
 public:
  MultipartClient(BucketLocation location, std::shared_ptr<const aws::Credentials> credentials,
                  outbound::Transport& transport, outbound::Limiter& limiter,
                  outbound::CallOptions options, std::function<aws::TimePoint()> clock = nullptr);

  CreateResult Create(const NewObject& object) override;
  ListPartsResult ListParts(const std::string& key, const std::string& upload_id,
                            std::uint32_t part_number_marker, std::uint32_t max_parts) override;
  CompleteResult Complete(const std::string& key, const std::string& upload_id,
                          const std::vector<PartToComplete>& parts) override;
  AbortResult Abort(const std::string& key, const std::string& upload_id) override;
  std::string PresignPart(const std::string& key, const std::string& upload_id,
                          std::uint32_t part_number, std::chrono::seconds expires,
                          aws::TimePoint now) override;
  const BucketLocation& location() const override { return caller_.location(); }

 private:
  SignedCaller caller_;
};

}  // namespace s3upload::s3
