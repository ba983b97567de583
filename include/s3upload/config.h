// config: the one YAML file, turned into an immutable Snapshot.
//
// Contract
// - LoadFile reads the file once and returns either a complete Snapshot or every error found, each
//   with file:line:column (1-based, like `nginx -t`). An unknown key, a wrong type, a missing
//   required field, a bad value, a reference to an undefined profile or credential, an unreadable
//   secret or a secret file readable by others is an error: a typo never silently weakens a rule.
// - Secrets are read here (from a file such as a systemd credential, or from an environment
//   variable) and handed to aws::Credentials; nothing else in the program reads the environment
//   or parses YAML.
// - A Snapshot never changes after it is built. A reload builds a new one; the application swaps
//   it atomically and requests in flight keep the one they started with (shared_ptr).
//
// Thread-safety: loading is re-entrant; a Snapshot is immutable and safe to share.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "s3upload/auth.h"
#include "s3upload/aws.h"
#include "s3upload/verify.h"

namespace s3upload::config {

inline constexpr std::string_view kDefaultConfigPath = "/etc/s3-upload-signer/config.yaml";

enum class HandlerKind { kSign, kSuccess, kDelete, kHealth, kMetrics, kParams, kMultipart };
// "sign", "success", "delete", "health", "metrics", "params", "multipart"
std::string_view HandlerName(HandlerKind kind);

// The webhook the success handler calls after a confirmed upload (see notify.h for the format).
struct WebhookSettings {
  std::string url;  // http(s)
  std::shared_ptr<const aws::SecretKey> secret;
  std::chrono::milliseconds timeout{5000};  // the whole call, retries included
  int retries = 2;                          // extra attempts on failures and 5xx
  bool required = true;                     // a failed webhook fails the success call
};

// What the success handler does besides checking the object.
struct SuccessSettings {
  bool delete_invalid = true;  // delete an object that breaks the rules
  bool check_etag = true;      // compare the ETag the client sent (simple uploads) with S3's
  // Lifetime of a presigned GET URL added to the reply as "url"; none when absent.
  std::optional<std::chrono::seconds> presigned_get;
  // thumbnailUrl for image types: none, the presigned GET URL, or a template in which {bucket},
  // {key} (percent-encoded, '/' kept) and {uuid} are replaced.
  enum class Thumbnail { kNone, kPresigned, kTemplate };
  Thumbnail thumbnail = Thumbnail::kNone;
  std::string thumbnail_template;
  std::optional<WebhookSettings> webhook;
};

// What the params handler builds for a profile (its `params` section): a whole upload (POST
// policy and form fields, or a presigned PUT URL), every condition chosen here and none by the
// client, which only names its file (name, type, size).
struct ParamsSettings {
  enum class Method { kPost, kPut };
  Method method = Method::kPost;
  // The object key: literal text and the placeholders {user} (only within key.prefix, which the
  // template starts with), {uuid} (exactly once: a fresh random UUID) and {ext} (at the end: "."
  // and the file's extension, lower case, when key.extensions lists it; else nothing). Checked at
  // load time against the profile's key rules.
  std::string key_template;
  // How long the policy or URL is valid.
  std::chrono::seconds expires{300};
  // Narrow the size range to the size the client declares (which it must then declare). A PUT
  // always binds the exact size.
  bool exact_size = false;
  // POST only: what S3 answers after the upload. A redirect (for a form without script) replaces
  // the status; the first one is used unless the request names another of the list.
  std::string success_action_status = "201";
  std::vector<std::string> success_action_redirects;
  // x-amz-meta-<name> holding the original file name, percent-encoded (UTF-8, RFC 3986
  // unreserved characters kept); empty: none.
  std::string name_metadata = "filename";
};

// What the multipart handler allows for a profile (its `multipart` section): Uppy's
// Companion-compatible multipart routes. The key comes from the profile's params template; every
// call after the create must present the upload token issued at create (carried in the uploadId
// the client echoes back), an HMAC-SHA256 with `token_secret` over the profile, user, key, S3
// upload id and expiry.
struct MultipartSettings {
  std::shared_ptr<const aws::SecretKey> token_secret;  // at least 32 bytes
  // Lifetime of a presigned part URL.
  std::chrono::seconds part_expires{300};
  // How long after the create the token is accepted (sign, list, complete, abort).
  std::chrono::seconds upload_expires{24 * 3600};
  // Most parts an upload may have (S3's limit is 10000); the part numbers are 1..max_parts.
  std::uint32_t max_parts = 1000;
};

// `key_template` with {user}, {uuid} and {ext} replaced (`ext` with its dot, or empty). No checks:
// the caller checks the key it gets (verify::CheckKey).
std::string ExpandKeyTemplate(std::string_view key_template, std::string_view user,
                              std::string_view uuid, std::string_view ext);

struct Profile {
  std::string name;
  verify::UploadRules rules;
  // scheme://host[:port] of the S3 API, e.g. "https://s3.eu-west-1.amazonaws.com".
  std::string endpoint;
  std::shared_ptr<const aws::Credentials> signing_credentials;
  // The key pair for the responder's own S3 calls (HEAD, DELETE): `server_credentials` in the
  // profile, else the signing credentials. A separate key keeps the signing key's IAM policy to
  // PutObject only.
  std::shared_ptr<const aws::Credentials> server_credentials;
  SuccessSettings success;
  // Needed by a params route; none when the profile has no `params` section.
  std::optional<ParamsSettings> params;
  // Needed by a multipart route (with `params`, for the key template); none when absent.
  std::optional<MultipartSettings> multipart;
};

// Who may call a route of kind sign, params, success or delete (`auth` of a route).
// Authentication is required unless a route says `auth: none`.
struct RouteAuth {
  enum class Kind {
    kRemoteUser,  // the default: the user the web server authenticated (REMOTE_USER), else 401
    kToken,       // a bearer token checked by `verifier` (Authorization: Bearer ...), else 401
    kNone,        // anyone; REMOTE_USER is still used when the web server sets one
  };
  Kind kind = Kind::kRemoteUser;
  std::string authenticator;                      // kToken: its name under `authenticators`
  const auth::TokenVerifier* verifier = nullptr;  // kToken: into the same Snapshot
};

struct Route {
  // Exact path, or a prefix when the configured path ends in "/*" (stored without the '*';
  // used by delete, whose path carries the file's uuid).
  std::string path;
  bool is_prefix = false;
  std::vector<std::string> methods;  // upper case, e.g. {"POST"}
  HandlerKind handler = HandlerKind::kSign;
  const Profile* profile = nullptr;  // into the same Snapshot; null for health and metrics
  RouteAuth auth;                    // health and metrics: kNone (the web server guards them)
  // When not empty, a request carrying an Origin header not in this list is refused (403): a
  // second line against cross-site requests. Each "scheme://host[:port]", lower case, as browsers
  // send it. A request without Origin (not from a browser's cross-origin fetch) is not refused.
  std::vector<std::string> origins;
  // What params and success answer (`reply`): JSON (the default), or an HTML page for a browser
  // without script (GET only): params the upload form with the signed fields as hidden inputs
  // (its profile's params redirect to a success route), success the page S3 redirects to.
  enum class Reply { kJson, kHtml };
  Reply reply = Reply::kJson;
};

// The responder's own calls to S3.
struct S3Settings {
  std::chrono::milliseconds connect_timeout{2000};
  std::chrono::milliseconds timeout{10000};  // one operation, retries included
  int retries = 2;                           // extra attempts on failures, timeouts and 5xx
};

struct ServerSettings {
  // Worker threads that serve requests at once (overridden by --threads). Unset: one per CPU the
  // process may run on, at least 2 (fcgi::DefaultThreads).
  std::optional<int> threads;
  // Larger request bodies are answered 413.
  std::size_t max_body_bytes = std::size_t{64} * 1024;
  // A read or write on a connection that stalls this long fails.
  std::chrono::seconds io_timeout{30};
  // An idle kept-alive connection is closed after this.
  std::chrono::seconds idle_timeout{300};
  // Outbound calls (S3, webhooks) in progress at once; beyond it a request gets 503 at once. Each
  // call waits on a standby thread of its own, never on one of the `threads` (fcgi.h).
  int max_outbound_calls = 8;
  // Info log lines are buffered up to this many bytes and written together, at the latest half a
  // second later (log::SetBufferSize); 0 writes each line at once.
  std::size_t log_buffer_bytes = 0;
};

inline constexpr std::size_t kMaxLogBufferBytes = std::size_t{1024} * 1024;

struct Snapshot {
  Snapshot() = default;
  Snapshot(const Snapshot&) = delete;  // Route::profile points into `profiles`
  Snapshot& operator=(const Snapshot&) = delete;

  std::string source_path;
  ServerSettings server;
  S3Settings s3;
  std::map<std::string, Profile, std::less<>> profiles;
  // Bearer-token checkers by name (the `authenticators` section); routes point into it.
  std::map<std::string, auth::TokenVerifier, std::less<>> authenticators;
  std::vector<Route> routes;
};

struct ConfigError {
  std::string file;
  int line = 0;    // 1-based; 0 when the error is about the file as a whole
  int column = 0;  // 1-based
  std::string message;
  // "file:line:column: message" (or "file: message" when line is 0)
  std::string ToString() const;
};

struct LoadResult {
  std::shared_ptr<const Snapshot> snapshot;  // null when errors is not empty
  std::vector<ConfigError> errors;
  bool ok() const { return snapshot != nullptr; }
};

// How the loader looks up environment variables (secret_env); tests pass their own.
using EnvironmentLookup = std::function<std::optional<std::string>(const std::string& name)>;
// getenv(). A secret_env value, once read from the process environment, is overwritten there in
// place (secure::ScrubEnvironmentSecret: /proc/<pid>/environ no longer shows it); this keeps
// returning it, from secure memory, for the reloads.
std::optional<std::string> ProcessEnvironment(const std::string& name);

LoadResult LoadFile(const std::string& path, const EnvironmentLookup& env = ProcessEnvironment);

// What a valid configuration still lacks before it can serve uploads ("no profile is configured",
// ...), one sentence each; empty when it can. The package ships a file like that on purpose: it
// starts safely and refuses to sign until an operator fills it in.
std::vector<std::string> StillToFillIn(const Snapshot& snapshot);
// What an operator should know about a valid configuration at every start and reload, one
// sentence each: today, every sign, success or delete route with `auth: none`.
std::vector<std::string> Warnings(const Snapshot& snapshot);
// The same from text; `file_name` is used in errors, `base_dir` resolves relative secret files.
LoadResult LoadString(std::string_view yaml, const std::string& file_name,
                      const std::string& base_dir,
                      const EnvironmentLookup& env = ProcessEnvironment);

}  // namespace s3upload::config
