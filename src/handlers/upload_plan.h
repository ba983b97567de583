// The params handler's decisions, apart from signing: what the client says about its file (read
// from the query string and the body), and the upload built from it and the profile, or the rule
// that refuses it. Pure functions; the handler signs only a plan that came out of PlanUpload.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "s3upload/config.h"
#include "s3upload/http.h"
#include "s3upload/verify.h"

namespace s3upload::handlers::internal {

// A refused params request: the rule and detail go to the log, the message to the client.
struct ParamsRefusal {
  int status = 400;
  std::string rule;
  std::string detail;
  std::string message;
};

// What the client names: its file. Nothing else of the request reaches the upload.
struct FileDescription {
  std::string name;                     // the file's name, as the user's system gave it
  std::string type;                     // its media type; empty: derive it from the extension
  std::optional<std::uint64_t> size;    // declared size in bytes
  std::optional<std::string> redirect;  // one of the profile's success_action_redirect URLs
};

// The longest file name accepted, in bytes (its metadata must also fit metadata.max_size).
inline constexpr std::size_t kMaxNameBytes = 4096;

// Reads the fields of the query string and of the body (a JSON object, or a urlencoded form):
// filename or name, type, size, success_action_redirect, and metadata[...] (Uppy's, ignored).
// A field given twice (also once as filename and once as name) or any other field is refused.
std::variant<FileDescription, ParamsRefusal> ReadFileDescription(const http::Request& request);

// What gets signed for one upload.
struct UploadPlan {
  std::string key;
  std::string content_type;                  // exact
  std::uint64_t min_size = 0, max_size = 0;  // inclusive; equal when the size is bound
  std::string name_metadata;                 // x-amz-meta-<this>; empty: none
  std::string name_metadata_value;           // the file name, percent-encoded
  std::string success_action_status;         // POST: one of the two is set
  std::string success_action_redirect;
};

// Whether the request must name its file. A form page (a params route with reply: html) is built
// before the user chooses the file: it may name none, and then must give the type, the key's
// {ext} comes from the type (the first of key.extensions that the built-in table gives this type)
// and no name is stored.
enum class FileNaming { kNamed, kChosenLater };

// The upload for `file` under the profile's params settings (which it must have) and key rules,
// for `caller` (whose token may narrow size and types), with `uuid` as the key's {uuid}. Every
// check comes before anything is signed: name, size, Content-Type (the request's, else the
// extension's), redirect, key (verify::CheckKey), metadata size.
std::variant<UploadPlan, ParamsRefusal> PlanUpload(const FileDescription& file,
                                                   const config::Profile& profile,
                                                   const verify::Caller& caller,
                                                   std::string_view uuid,
                                                   FileNaming naming = FileNaming::kNamed);

// The file name as stored in metadata: its UTF-8 bytes percent-encoded, RFC 3986 unreserved
// characters kept (what encodeURIComponent gives but for !'()*, which are encoded too; what
// decodeURIComponent, urllib.parse.unquote and rawurldecode decode).
std::string EncodeFileName(std::string_view name);

}  // namespace s3upload::handlers::internal
