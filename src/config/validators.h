// Syntax checks and normalisation of single configuration values (URLs, hosts, bucket names, media
// types, ACLs, ...). Each returns the normalised value or a message for the operator.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "s3upload/status.h"
#include "s3upload/verify.h"

namespace s3upload::config::internal {

// Names the operator gives profiles and credentials: [A-Za-z0-9._-], 1-64 bytes.
Status CheckName(std::string_view name);

struct Endpoint {
  std::string scheme;                 // "http" or "https"
  std::string host;                   // lower case; an IPv6 literal keeps its brackets
  std::optional<std::uint16_t> port;  // only when not the scheme's default
  bool host_is_ip = false;

  // "host[:port]": what a browser or HTTP client puts in the Host header.
  std::string Authority() const;
  // "scheme://host[:port]".
  std::string Url() const { return scheme + "://" + Authority(); }
};
// scheme://host[:port] with scheme http or https and nothing after it but an optional "/".
// A default port (:443 for https, :80 for http) is dropped, as clients leave it out of Host.
StatusOr<Endpoint> ParseEndpoint(std::string_view text);
// host[:port] as sent in a Host header; returned lower case.
StatusOr<std::string> NormaliseHostHeader(std::string_view text);

Status CheckRegion(std::string_view region);
Status CheckBucket(std::string_view bucket, verify::Addressing addressing);
Status CheckAccessKeyId(std::string_view id);

// "type/subtype", "type/*" or "*/*", lower-cased; an exact type may carry parameters, serialised
// as "type/subtype;name=value" (name lower-cased, value kept).
StatusOr<std::string> NormaliseContentType(std::string_view text);
Status CheckCannedAcl(std::string_view acl);
// An absolute http:// or https:// URL with a host, of printable ASCII.
Status CheckRedirectUrl(std::string_view url);
// The application's webhook: an absolute http:// or https:// URL of printable ASCII with a host,
// without user:password (the message then does not repeat the URL) and without a fragment.
Status CheckWebhookUrl(std::string_view url);
// An allowed Origin of a route: "scheme://host[:port]" exactly as a browser sends it (RFC 6454
// serialisation): http or https, a lower-case host of [a-z0-9.-] or a bracketed IPv6 address, a
// port of 1-65535 without leading zeros, nothing after it (no "/", path, query or user).
Status CheckOrigin(std::string_view origin);
// A thumbnail URL template: an absolute http:// or https:// URL once its placeholders {bucket},
// {key} and {uuid} are filled in; any other "{...}" is refused, and {key} (which holds "/") cannot
// be part of the host.
Status CheckThumbnailTemplate(std::string_view url_template);
// An x-amz-meta-* name without the prefix; lower-cased; [a-z0-9-_.].
StatusOr<std::string> NormaliseMetadataName(std::string_view name);
Status CheckStorageClass(std::string_view storage_class);
Status CheckServerSideEncryption(std::string_view value);
// Cache-Control, Content-Disposition or Content-Encoding, in any case; returned in that spelling.
StatusOr<std::string> CanonicalObjectHeader(std::string_view name);
Status CheckHeaderValue(std::string_view value);
// A file extension without the dot, lower-cased, 1-16 letters and digits.
StatusOr<std::string> NormaliseExtension(std::string_view extension);
// The fixed start of keys: must not break the always-on key rules by itself, and "{user}" is the
// only placeholder.
Status CheckKeyPrefix(std::string_view prefix);

}  // namespace s3upload::config::internal
