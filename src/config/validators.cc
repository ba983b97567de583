// Value checks; see validators.h. Everything here is pure string work, tested on its own.
#include "config/validators.h"

#include <algorithm>
#include <array>
#include <cctype>

#include "config/sizes_durations.h"
#include "config/yaml_reader.h"
#include "text/utf8.h"

namespace s3upload::config::internal {
namespace {

bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlnum(char c) { return IsAlpha(c) || IsDigit(c); }
char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string ToLower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), Lower);
  return out;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [](char x, char y) { return Lower(x) == Lower(y); });
}

bool HasControl(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte < 0x20 || byte == 0x7f;
  });
}

// A DNS host name (or dotted IPv4 address): labels of [a-z0-9-], not starting or ending in '-'.
bool IsHostName(std::string_view host) {
  if (host.empty() || host.size() > 253) {
    return false;
  }
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = host.find('.', start);
    const std::string_view label =
        host.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
      return false;
    }
    for (char c : label) {
      if (!IsAlnum(c) && c != '-') {
        return false;
      }
    }
    if (dot == std::string_view::npos) {
      return true;
    }
    start = dot + 1;
  }
}

bool IsIpv4(std::string_view host) {
  int parts = 0;
  std::size_t start = 0;
  while (start <= host.size()) {
    const std::size_t dot = host.find('.', start);
    const std::string_view part =
        host.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    StatusOr<std::uint64_t> value = ParseUnsigned(part);
    if (!value.ok() || *value > 255) {
      return false;
    }
    ++parts;
    if (dot == std::string_view::npos) {
      break;
    }
    start = dot + 1;
  }
  return parts == 4;
}

// "[v6]" with hex digits, ':' and '.' (embedded IPv4) inside; not a full RFC 4291 check.
bool IsBracketedIpv6(std::string_view host) {
  if (host.size() < 4 || host.front() != '[' || host.back() != ']') {
    return false;
  }
  const std::string_view inner = host.substr(1, host.size() - 2);
  if (inner.find(':') == std::string_view::npos) {
    return false;
  }
  return std::all_of(inner.begin(), inner.end(), [](char c) {
    return std::isxdigit(static_cast<unsigned char>(c)) != 0 || c == ':' || c == '.';
  });
}

struct Authority {
  std::string host;
  std::optional<std::uint16_t> port;
  bool is_ip = false;
};

StatusOr<Authority> ParseAuthority(std::string_view text) {
  if (text.empty()) {
    return Status::Error("the host is missing");
  }
  if (text.find('@') != std::string_view::npos) {
    return Status::Error("user names or passwords in the URL are not supported");
  }
  std::string_view host = text;
  std::optional<std::string_view> port_text;
  if (text.front() == '[') {
    const std::size_t close = text.find(']');
    if (close == std::string_view::npos) {
      return Status::Error("unterminated IPv6 address");
    }
    host = text.substr(0, close + 1);
    const std::string_view rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') {
        return Status::Error("unexpected text after the IPv6 address");
      }
      port_text = rest.substr(1);
    }
  } else if (const std::size_t colon = text.rfind(':'); colon != std::string_view::npos) {
    host = text.substr(0, colon);
    port_text = text.substr(colon + 1);
  }
  Authority out;
  out.host = ToLower(host);
  if (IsBracketedIpv6(out.host)) {
    out.is_ip = true;
  } else if (IsHostName(out.host)) {
    out.is_ip = IsIpv4(out.host);
  } else {
    return Status::Error("invalid host name " + Quote(host));
  }
  if (port_text) {
    StatusOr<std::uint64_t> port = ParseUnsigned(*port_text);
    if (!port.ok() || *port == 0 || *port > 65535) {
      return Status::Error("invalid port " + Quote(*port_text) + " (1-65535)");
    }
    out.port = static_cast<std::uint16_t>(*port);
  }
  return out;
}

bool IsMediaTypeName(std::string_view name) {
  // RFC 6838 restricted-name.
  if (name.empty() || name.size() > 127 || !IsAlnum(name[0])) {
    return false;
  }
  return std::all_of(name.begin(), name.end(), [](char c) {
    return IsAlnum(c) || std::string_view("!#$&-^_.+").find(c) != std::string_view::npos;
  });
}

bool IsToken(std::string_view text) {
  // RFC 9110 token.
  if (text.empty()) {
    return false;
  }
  return std::all_of(text.begin(), text.end(), [](char c) {
    return IsAlnum(c) || std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
  });
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
    text.remove_prefix(1);
  }
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) {
    text.remove_suffix(1);
  }
  return text;
}

// An absolute http:// or https:// URL with a valid host, of printable ASCII without spaces. `what`
// names it in messages ("redirect URL") and `shown` is the text quoted there (the URL itself, or
// the template it was made from).
Status CheckHttpUrl(std::string_view url, std::string_view what, std::string_view shown) {
  const std::string invalid = "invalid " + std::string(what) + " " + Quote(shown);
  std::size_t scheme_end = 0;
  if (url.starts_with("https://")) {
    scheme_end = 8;
  } else if (url.starts_with("http://")) {
    scheme_end = 7;
  } else {
    return Status::Error(invalid + " (expected an absolute http:// or https:// URL)");
  }
  for (char c : url) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte >= 0x7f) {
      return Status::Error(invalid +
                           ": spaces, control and non-ASCII characters must be percent-encoded");
    }
  }
  const std::string_view rest = url.substr(scheme_end);
  const std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  StatusOr<Authority> parsed = ParseAuthority(authority);
  if (!parsed.ok()) {
    return Status::Error(invalid + ": " + parsed.status().message());
  }
  return Status::Ok();
}

}  // namespace

Status CheckName(std::string_view name) {
  if (name.empty() || name.size() > 64) {
    return Status::Error("a name must be 1-64 characters");
  }
  for (char c : name) {
    if (!IsAlnum(c) && c != '.' && c != '_' && c != '-') {
      return Status::Error("invalid name " + Quote(name) +
                           ": use letters, digits, '.', '_' and '-'");
    }
  }
  return Status::Ok();
}

std::string Endpoint::Authority() const { return port ? host + ":" + std::to_string(*port) : host; }

StatusOr<Endpoint> ParseEndpoint(std::string_view text) {
  constexpr std::string_view kForm =
      " (expected scheme://host[:port], e.g. https://s3.eu-west-1.amazonaws.com)";
  const std::size_t separator = text.find("://");
  if (separator == std::string_view::npos) {
    return Status::Error("not a URL: " + Quote(text) + std::string(kForm));
  }
  Endpoint endpoint;
  endpoint.scheme = ToLower(text.substr(0, separator));
  if (endpoint.scheme != "http" && endpoint.scheme != "https") {
    return Status::Error("the scheme must be http or https, got " +
                         Quote(text.substr(0, separator)));
  }
  std::string_view rest = text.substr(separator + 3);
  if (!rest.empty() && rest.back() == '/') {
    rest.remove_suffix(1);
  }
  if (rest.find_first_of("/?#") != std::string_view::npos) {
    return Status::Error("must not have a path, query or fragment: " + Quote(text) +
                         std::string(kForm));
  }
  StatusOr<Authority> authority = ParseAuthority(rest);
  if (!authority.ok()) {
    return Status::Error(authority.status().message() + std::string(kForm));
  }
  endpoint.host = authority->host;
  endpoint.host_is_ip = authority->is_ip;
  const std::uint16_t default_port = endpoint.scheme == "https" ? 443 : 80;
  if (authority->port && *authority->port != default_port) {
    endpoint.port = authority->port;
  }
  return endpoint;
}

StatusOr<std::string> NormaliseHostHeader(std::string_view text) {
  if (text.find('/') != std::string_view::npos) {
    return Status::Error(Quote(text) + " is a URL or path; expected host[:port] only");
  }
  StatusOr<Authority> authority = ParseAuthority(text);
  if (!authority.ok()) {
    return Status::Error(authority.status().message() + " (expected host[:port])");
  }
  return authority->port ? authority->host + ":" + std::to_string(*authority->port)
                         : authority->host;
}

Status CheckRegion(std::string_view region) {
  const bool ok = !region.empty() && region.size() <= 64 &&
                  std::all_of(region.begin(), region.end(),
                              [](char c) { return IsAlnum(c) || c == '-' || c == '_'; });
  if (!ok) {
    return Status::Error("invalid region " + Quote(region) +
                         ": 1-64 letters, digits, '-' and '_' (e.g. eu-west-1)");
  }
  return Status::Ok();
}

Status CheckBucket(std::string_view bucket, verify::Addressing addressing) {
  if (addressing == verify::Addressing::kVirtualHosted) {
    // The bucket becomes a DNS label sequence in the host name.
    const bool ok =
        bucket.size() >= 3 && bucket.size() <= 63 && IsHostName(bucket) &&
        std::none_of(bucket.begin(), bucket.end(), [](char c) { return c >= 'A' && c <= 'Z'; }) &&
        !IsIpv4(bucket);
    if (!ok) {
      return Status::Error(
          "invalid bucket name " + Quote(bucket) +
          " for virtual-hosted addressing: 3-63 lower-case letters, digits, '.' and '-', "
          "starting and ending with a letter or digit (use addressing: path for other names)");
    }
    return Status::Ok();
  }
  const bool ok =
      !bucket.empty() && bucket.size() <= 255 &&
      std::all_of(bucket.begin(), bucket.end(),
                  [](char c) { return IsAlnum(c) || c == '.' || c == '-' || c == '_'; }) &&
      bucket != "." && bucket != "..";
  if (!ok) {
    return Status::Error("invalid bucket name " + Quote(bucket) +
                         ": 1-255 letters, digits, '.', '-' and '_'");
  }
  return Status::Ok();
}

Status CheckAccessKeyId(std::string_view id) {
  const bool ok = !id.empty() && id.size() <= 128 && std::all_of(id.begin(), id.end(), IsAlnum);
  if (!ok) {
    return Status::Error("invalid access key id: 1-128 letters and digits");
  }
  return Status::Ok();
}

StatusOr<std::string> NormaliseContentType(std::string_view text) {
  const std::string_view form =
      " (expected \"type/subtype\", \"type/*\" or \"*/*\", e.g. \"image/*\")";
  const std::size_t semicolon = text.find(';');
  const std::string_view media = Trim(text.substr(0, semicolon));
  const std::size_t slash = media.find('/');
  if (slash == std::string_view::npos) {
    return Status::Error("invalid content type " + Quote(text) + std::string(form));
  }
  const std::string_view type = media.substr(0, slash);
  const std::string_view subtype = media.substr(slash + 1);
  const bool wildcard = subtype == "*";
  const bool ok = (type == "*" && wildcard) ||
                  (IsMediaTypeName(type) && (wildcard || IsMediaTypeName(subtype)));
  if (!ok) {
    return Status::Error("invalid content type " + Quote(text) + std::string(form));
  }
  std::string out = ToLower(media);
  if (semicolon == std::string_view::npos) {
    return out;
  }
  if (wildcard) {
    return Status::Error("content type " + Quote(text) + ": a wildcard cannot have parameters");
  }
  std::string_view params = text.substr(semicolon + 1);
  while (true) {
    const std::size_t next = params.find(';');
    const std::string_view param = Trim(params.substr(0, next));
    const std::size_t equals = param.find('=');
    const std::string_view name =
        equals == std::string_view::npos ? param : param.substr(0, equals);
    const std::string_view value =
        equals == std::string_view::npos ? std::string_view() : param.substr(equals + 1);
    const bool quoted =
        value.size() >= 2 && value.front() == '"' && value.back() == '"' && !HasControl(value);
    if (!IsToken(name) || !(IsToken(value) || quoted)) {
      return Status::Error("invalid parameter " + Quote(param) + " in content type " + Quote(text));
    }
    out += ";" + ToLower(name) + "=" + std::string(value);
    if (next == std::string_view::npos) {
      break;
    }
    params = params.substr(next + 1);
  }
  return out;
}

Status CheckCannedAcl(std::string_view acl) {
  static constexpr std::array<std::string_view, 7> kCannedAcls = {
      "private",       "public-read",       "public-read-write",        "authenticated-read",
      "aws-exec-read", "bucket-owner-read", "bucket-owner-full-control"};
  if (std::find(kCannedAcls.begin(), kCannedAcls.end(), acl) != kCannedAcls.end()) {
    return Status::Ok();
  }
  return Status::Error("unknown canned ACL " + Quote(acl) + " " +
                       Alternatives(acl, kCannedAcls, "allowed"));
}

Status CheckRedirectUrl(std::string_view url) { return CheckHttpUrl(url, "redirect URL", url); }

Status CheckWebhookUrl(std::string_view url) {
  const std::size_t scheme_end = url.find("://");
  const std::string_view rest =
      scheme_end == std::string_view::npos ? url : url.substr(scheme_end + 3);
  // Checked first, and without showing the URL: the part before '@' is a password.
  if (rest.substr(0, rest.find_first_of("/?#")).find('@') != std::string_view::npos) {
    return Status::Error(
        "the webhook URL must not contain a user name or password (user:password@); the "
        "application authenticates the call by its X-Upload-Signature header");
  }
  if (Status status = CheckHttpUrl(url, "webhook URL", url); !status.ok()) {
    return status;
  }
  if (url.find('#') != std::string_view::npos) {
    return Status::Error("invalid webhook URL " + Quote(url) +
                         ": a fragment (#...) is never sent to the server; remove it");
  }
  return Status::Ok();
}

Status CheckOrigin(std::string_view origin) {
  const auto fail = [&](std::string_view why) {
    return Status::Error("invalid origin " + Quote(origin) + ": " + std::string(why) +
                         " (expected scheme://host[:port] as browsers send it, e.g. "
                         "\"https://app.example.com\")");
  };
  std::string_view rest;
  if (origin.starts_with("https://")) {
    rest = origin.substr(8);
  } else if (origin.starts_with("http://")) {
    rest = origin.substr(7);
  } else {
    return fail("the scheme must be http:// or https:// (lower case)");
  }
  std::string_view host = rest;
  std::string_view port;
  if (rest.starts_with('[')) {
    const std::size_t close = rest.find(']');
    if (close == std::string_view::npos) {
      return fail("\"[\" without \"]\"");
    }
    host = rest.substr(0, close + 1);
    const std::string_view after = rest.substr(close + 1);
    if (!after.empty() && !after.starts_with(':')) {
      return fail("nothing may follow the host but :port");
    }
    port = after.empty() ? after : after.substr(1);
    if (host.size() < 3 ||
        host.substr(1, host.size() - 2).find_first_not_of("0123456789abcdef:.") !=
            std::string_view::npos) {
      return fail("an IPv6 address is lower-case hex digits and colons");
    }
  } else {
    const std::size_t colon = rest.find(':');
    host = rest.substr(0, colon);
    port = colon == std::string_view::npos ? std::string_view() : rest.substr(colon + 1);
    if (colon != std::string_view::npos && port.empty()) {
      return fail("\":\" without a port");
    }
    if (host.empty()) {
      return fail("no host");
    }
    for (char c : host) {
      const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-';
      if (!ok) {
        return fail(c >= 'A' && c <= 'Z' ? "browsers send the host in lower case"
                                         : "a host is letters, digits, \".\" and \"-\"; nothing "
                                           "may follow it but :port (no \"/\")");
      }
    }
  }
  if (!port.empty() || rest.ends_with(':')) {
    if (port.empty() || port.size() > 5 || port.front() == '0' ||
        port.find_first_not_of("0123456789") != std::string_view::npos ||
        std::stoul(std::string(port)) > 65535) {
      return fail("the port must be 1-65535, without leading zeros");
    }
  }
  return Status::Ok();
}

Status CheckThumbnailTemplate(std::string_view url_template) {
  static constexpr std::array<std::string_view, 3> kPlaceholders = {"bucket", "key", "uuid"};
  const std::string_view allowed = " (allowed: {bucket}, {key}, {uuid})";
  // Each placeholder is replaced by a value of its kind, and the result must be a valid URL.
  std::string sample;
  for (std::size_t i = 0; i < url_template.size(); ++i) {
    const char c = url_template[i];
    if (c == '}') {
      return Status::Error("thumbnail URL template " + Quote(url_template) +
                           ": \"}\" without \"{\"" + std::string(allowed));
    }
    if (c != '{') {
      sample += c;
      continue;
    }
    const std::size_t close = url_template.find('}', i);
    const std::size_t next_open = url_template.find('{', i + 1);
    if (close == std::string_view::npos || next_open < close) {
      return Status::Error("thumbnail URL template " + Quote(url_template) +
                           ": \"{\" without \"}\"" + std::string(allowed));
    }
    const std::string_view name = url_template.substr(i + 1, close - i - 1);
    if (std::find(kPlaceholders.begin(), kPlaceholders.end(), name) == kPlaceholders.end()) {
      std::string message = "thumbnail URL template " + Quote(url_template) +
                            ": unknown placeholder {" + std::string(name) + "}";
      if (auto match = ClosestMatch(name, kPlaceholders)) {
        message += " (did you mean {" + std::string(*match) + "}?";
        message += " allowed: {bucket}, {key}, {uuid})";
      } else {
        message += allowed;
      }
      return Status::Error(message);
    }
    sample += name == "uuid" ? "a5d3c3c2-5b1e-4c43-9f1e-2d0c8a7b6e41" : std::string(name);
    i = close;
  }
  if (Status status = CheckHttpUrl(sample, "thumbnail URL template", url_template); !status.ok()) {
    return status;
  }
  const std::size_t scheme_end = url_template.find("://") + 3;
  const std::string_view authority =
      url_template.substr(scheme_end, url_template.find_first_of("/?#", scheme_end) - scheme_end);
  if (authority.find("{key}") != std::string_view::npos) {
    return Status::Error("thumbnail URL template " + Quote(url_template) +
                         ": {key} cannot be part of the host (a key contains \"/\"); put it in "
                         "the path or query");
  }
  return Status::Ok();
}

StatusOr<std::string> NormaliseMetadataName(std::string_view name) {
  std::string lower = ToLower(name);
  if (lower.starts_with("x-amz-meta-")) {
    return Status::Error("metadata name " + Quote(name) +
                         ": write it without the \"x-amz-meta-\" prefix");
  }
  const bool ok =
      !lower.empty() && lower.size() <= 128 && std::all_of(lower.begin(), lower.end(), [](char c) {
        return IsAlnum(c) || c == '-' || c == '_' || c == '.';
      });
  if (!ok) {
    return Status::Error("invalid metadata name " + Quote(name) +
                         ": 1-128 letters, digits, '-', '_' and '.'");
  }
  return lower;
}

Status CheckStorageClass(std::string_view storage_class) {
  // S3-compatible stores define their own classes, so only the form is checked.
  const bool ok = !storage_class.empty() && storage_class.size() <= 64 &&
                  std::all_of(storage_class.begin(), storage_class.end(), [](char c) {
                    return (c >= 'A' && c <= 'Z') || IsDigit(c) || c == '_';
                  });
  if (!ok) {
    return Status::Error("invalid storage class " + Quote(storage_class) +
                         ": upper-case letters, digits and '_' (e.g. STANDARD)");
  }
  return Status::Ok();
}

Status CheckServerSideEncryption(std::string_view value) {
  static constexpr std::array<std::string_view, 3> kValues = {"AES256", "aws:kms", "aws:kms:dsse"};
  if (std::find(kValues.begin(), kValues.end(), value) != kValues.end()) {
    return Status::Ok();
  }
  return Status::Error("unknown server-side encryption " + Quote(value) + " " +
                       Alternatives(value, kValues, "allowed"));
}

StatusOr<std::string> CanonicalObjectHeader(std::string_view name) {
  static constexpr std::array<std::string_view, 3> kHeaders = {
      "Cache-Control", "Content-Disposition", "Content-Encoding"};
  for (std::string_view header : kHeaders) {
    if (EqualsIgnoreCase(name, header)) {
      return std::string(header);
    }
  }
  return Status::Error("object header " + Quote(name) + " cannot be allowed " +
                       Alternatives(name, kHeaders, "allowed"));
}

Status CheckHeaderValue(std::string_view value) {
  if (value.empty()) {
    return Status::Error("an allowed header value must not be empty");
  }
  if (HasControl(value) || Trim(value) != value) {
    return Status::Error("invalid header value " + Quote(value) +
                         ": no control characters, no leading or trailing spaces");
  }
  return Status::Ok();
}

StatusOr<std::string> NormaliseExtension(std::string_view extension) {
  if (!extension.empty() && extension.front() == '.') {
    return Status::Error("extension " + Quote(extension) + ": write it without the dot");
  }
  const bool ok = !extension.empty() && extension.size() <= 16 &&
                  std::all_of(extension.begin(), extension.end(), IsAlnum);
  if (!ok) {
    return Status::Error("invalid extension " + Quote(extension) + ": 1-16 letters and digits");
  }
  return ToLower(extension);
}

Status CheckKeyPrefix(std::string_view prefix) {
  // C1 controls are U+0080-U+009F, encoded as C2 80 to C2 9F.
  bool has_c1 = false;
  for (std::size_t i = 0; i + 1 < prefix.size(); ++i) {
    const auto lead = static_cast<unsigned char>(prefix[i]);
    const auto next = static_cast<unsigned char>(prefix[i + 1]);
    if (lead == 0xc2 && next >= 0x80 && next <= 0x9f) {
      has_c1 = true;
    }
  }
  if (!text::IsValidUtf8(prefix) || HasControl(prefix) || has_c1) {
    return Status::Error("key prefix " + Quote(prefix) +
                         " must be valid UTF-8 without control characters");
  }
  // Placeholders: "{user}" only; any other brace is most likely a typo such as "{User}".
  std::string expanded;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (prefix.substr(i).starts_with("{user}")) {
      expanded += "u";
      i += 5;
    } else if (prefix[i] == '{' || prefix[i] == '}') {
      return Status::Error("key prefix " + Quote(prefix) +
                           ": the only placeholder is {user}; braces are not allowed otherwise");
    } else {
      expanded += prefix[i];
    }
  }
  if (expanded.starts_with("/")) {
    return Status::Error("key prefix " + Quote(prefix) + " must not start with \"/\"");
  }
  if (expanded.find('\\') != std::string::npos) {
    return Status::Error("key prefix " + Quote(prefix) + " must not contain a backslash");
  }
  // Whole segments only (each followed by '/'): the last one continues into the file name.
  std::size_t start = 0;
  for (std::size_t slash = expanded.find('/'); slash != std::string::npos;
       slash = expanded.find('/', start)) {
    const std::string_view segment = std::string_view(expanded).substr(start, slash - start);
    if (segment.empty() || segment == "." || segment == "..") {
      return Status::Error("key prefix " + Quote(prefix) +
                           " must not contain an empty, \".\" or \"..\" segment");
    }
    start = slash + 1;
  }
  return Status::Ok();
}

}  // namespace s3upload::config::internal
