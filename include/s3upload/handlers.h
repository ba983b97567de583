// handlers: one function per handler kind: request -> verify -> act -> response.
//
// Contract
// - A handler gets the request and everything it may use (the snapshot, the matched route, the
// current
//   time) in a Context; it reads nothing else: no environment, no files, no YAML.
// - sign: Fine Uploader's signature endpoint. Verifies the whole request with verify/ before any
//   signature is computed; a refusal answers HTTP 500 {"invalid": true} (what Fine Uploader S3
//   expects) and names the refusing rule in the log fields, never in the body.
// - params: a whole upload built by the server (Uppy's, Shrine's and Dropzone's upload parameters,
//   plain forms): the client names its file (name, type, size; query string, JSON body or form);
//   the key (from the profile's template, never the file name), the exact Content-Type, the size
//   range, the metadata and the success action come from the profile. Every check comes before
//   anything is signed; a refusal answers 4xx {"error": ..., "message": ...} and names the rule in
//   the log. The answer: {"method": "POST", "url", "fields" (the form's, in order; the file goes
//   last), "expires", "key"} for a POST policy, or {"method": "PUT", "url" (presigned, binding
//   Content-Length, Content-Type and the metadata), "fields": {}, "headers", "expires", "key"}.
// - success: Fine Uploader's uploadSuccess endpoint. Parses the urlencoded body, refuses (without
// any
//   S3 call) a bucket or key the profile's rules do not allow for this caller, HEADs the object
//   with the server key and checks it exists, its size, content type and (simple uploads) ETag; a
//   violation deletes the object (success.delete_invalid) and answers a non-2xx
//   {"error": ..., "preventRetry": true}. Then the webhook, if any, and 200 {"success": true, ...}
//   with the webhook's members merged in.
// - delete: Fine Uploader's deleteFile endpoint, DELETE <route>/<uuid>?key&bucket or POST with
//   _method=DELETE; the same rules on bucket and key (refused without any S3 call); a missing
//   object answers 204 like a deleted one; an S3 failure 502 with a JSON error.
// - multipart: Uppy's Companion-compatible multipart routes under the route's prefix (create,
//   sign a part, list, complete, abort, batch; see handlers/multipart.cc for the exact shapes).
//   The server creates the upload (key from the profile's params template) and answers an
//   uploadId that carries an HMAC token binding profile, user, key, S3 upload id and expiry; every
//   later call must present it, for the same key, as the same user, before its expiry, or is
//   refused (403) without any S3 call or signature. Complete lists the parts in S3 first and
//   refuses and aborts an upload over the profile's size or part count. Refusals answer 4xx
//   {"error": ..., "message": ...} and name the rule in the log.
// - health: 200 {"status":"ok","version":...,"generation":N}; 503 {"status":"unconfigured",...}
//   while the configuration cannot serve uploads (no profile, or no sign route: the shipped
//   default).
// - metrics: the counters of metrics::Registry in the Prometheus text format (text/plain).
// - reply: html (params and success routes, GET): the same checks, answered as pages for a browser
//   without script: params the upload form (the signed fields as hidden inputs, then the file;
//   the request may name no file, then gives the type), success the page S3 redirects to after
//   the upload (?bucket&key&etag). Every value HTML-escaped; a CSP that allows no script; a
//   refusal keeps the status the JSON answer has, never 200.
// - Every other response is JSON; log_fields always carry "profile" when the route has one, and
//   "refused" plus "detail" for a refusal.
//
// Thread-safety: handlers are re-entrant; Context is read-only.
#pragma once

#include <cstdint>

#include "s3upload/aws.h"
#include "s3upload/config.h"
#include "s3upload/http.h"
#include "s3upload/metrics.h"
#include "s3upload/notify.h"
#include "s3upload/s3.h"
#include "s3upload/s3_multipart.h"

namespace s3upload::handlers {

// What handlers may call out to. The application provides the real ones; tests provide fakes.
class Services {
 public:
  virtual ~Services() = default;
  // The object store of a profile of the snapshot the request runs on (server credentials).
  virtual s3::ObjectStore& StoreFor(const config::Profile& profile) = 0;
  // The multipart calls of a profile that has a `multipart` section (signing credentials); null
  // when there are none.
  virtual s3::MultipartStore* MultipartStoreFor(const config::Profile& /*profile*/) {
    return nullptr;
  }
  virtual notify::Notifier& Notifier() = 0;
  virtual const metrics::Registry& Metrics() = 0;
};

struct Context {
  const config::Snapshot& config;
  const config::Route& route;
  // Who is asking, as the route's auth established it (the application authenticates before any
  // handler runs; a handler never reads REMOTE_USER or Authorization itself).
  verify::Caller caller;
  aws::TimePoint now;
  std::uint64_t config_generation = 0;
  Services* services = nullptr;  // required by success, delete and metrics
};

http::Response Sign(const http::Request& request, const Context& context);
http::Response Params(const http::Request& request, const Context& context);
http::Response Multipart(const http::Request& request, const Context& context);
http::Response Success(const http::Request& request, const Context& context);
http::Response Delete(const http::Request& request, const Context& context);
http::Response Health(const http::Request& request, const Context& context);
http::Response Metrics(const http::Request& request, const Context& context);

}  // namespace s3upload::handlers
