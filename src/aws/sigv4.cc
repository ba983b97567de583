// Signature Version 4, one function per step of the algorithm as AWS documents it.
#include <openssl/crypto.h>

#include <algorithm>
#include <string>
#include <vector>

#include "s3upload/aws.h"

namespace s3upload::aws {
namespace {

bool IsHeaderSpace(char c) { return c == ' ' || c == '\t'; }

// Appends `value` trimmed, with runs of spaces/tabs collapsed into one space (SigV4 "Trimall"):
// the words between the runs, one append each, joined by single spaces.
void AppendTrimmed(std::string& out, std::string_view value) {
  bool first = true;
  for (std::size_t i = 0; i < value.size();) {
    while (i < value.size() && IsHeaderSpace(value[i])) ++i;
    if (i == value.size()) break;
    std::size_t end = i;
    while (end < value.size() && !IsHeaderSpace(value[end])) ++end;
    if (!first) out += ' ';
    out.append(value.substr(i, end - i));
    first = false;
    i = end;
  }
}

char LowerAscii(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// Copied in one append and lower-cased in place: cheaper than appending byte by byte.
void AppendLower(std::string& out, std::string_view text) {
  const std::size_t start = out.size();
  out.append(text);
  for (std::size_t i = start; i < out.size(); ++i) out[i] = LowerAscii(out[i]);
}

// The order of the lower-cased texts (std::string's), without lower-casing copies.
bool LessIgnoringCase(std::string_view a, std::string_view b) {
  const std::size_t common = std::min(a.size(), b.size());
  for (std::size_t i = 0; i < common; ++i) {
    const char x = LowerAscii(a[i]);
    const char y = LowerAscii(b[i]);
    if (x != y) return static_cast<unsigned char>(x) < static_cast<unsigned char>(y);
  }
  return a.size() < b.size();
}

bool EqualIgnoringCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (LowerAscii(a[i]) != LowerAscii(b[i])) return false;
  }
  return true;
}

std::string NormalizePath(std::string_view path) {
  std::vector<std::string_view> segments;
  std::size_t start = 0;
  while (start <= path.size()) {
    const std::size_t slash = path.find('/', start);
    const std::size_t end = slash == std::string_view::npos ? path.size() : slash;
    const std::string_view segment = path.substr(start, end - start);
    if (segment == "..") {
      if (!segments.empty()) segments.pop_back();
    } else if (!segment.empty() && segment != ".") {
      segments.push_back(segment);
    }
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  std::string out = "/";
  for (std::size_t i = 0; i < segments.size(); ++i) {
    if (i > 0) out += '/';
    out += segments[i];
  }
  // A trailing slash names a "directory" and is kept, unless the path collapsed to the root.
  if (!path.empty() && path.back() == '/' && !segments.empty()) out += '/';
  return out;
}

}  // namespace

std::string CanonicalUri(std::string_view path, bool normalize, bool encode) {
  std::string result = normalize ? NormalizePath(path) : std::string(path);
  if (result.empty()) result = "/";
  return encode ? UriEncode(result, /*encode_slash=*/false) : result;
}

std::string CanonicalQueryString(const std::vector<QueryParam>& params) {
  std::vector<std::pair<std::string, std::string>> encoded;
  encoded.reserve(params.size());
  for (const QueryParam& p : params) {
    encoded.emplace_back(UriEncode(p.name, true), UriEncode(p.value, true));
  }
  std::sort(encoded.begin(), encoded.end());
  std::string out;
  std::size_t size = 0;
  for (const auto& [name, value] : encoded) size += name.size() + value.size() + 2;
  out.reserve(size);
  for (const auto& [name, value] : encoded) {
    if (!out.empty()) out += '&';
    out += name;
    out += '=';
    out += value;
  }
  return out;
}

CanonicalHeaderBlock CanonicalHeaders(const std::vector<Header>& headers) {
  // The headers are put in order through a list of indices compared case-insensitively, and each
  // name and value is lower-cased and trimmed straight into the block: no lower-cased copy of every
  // header is made first. stable_sort keeps repeated headers in the order given, which is the order
  // their values join.
  std::vector<std::size_t> order(headers.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&headers](std::size_t a, std::size_t b) {
    return LessIgnoringCase(headers[a].name, headers[b].name);
  });
  CanonicalHeaderBlock block;
  std::size_t size = 0;
  for (const Header& h : headers) size += h.name.size() + h.value.size() + 2;
  block.canonical_headers.reserve(size);
  block.signed_headers.reserve(size);
  for (std::size_t i = 0; i < order.size(); ++i) {
    const Header& header = headers[order[i]];
    const bool continues = i > 0 && EqualIgnoringCase(header.name, headers[order[i - 1]].name);
    if (continues) {
      block.canonical_headers.pop_back();  // the '\n' of the previous value of this name
      block.canonical_headers += ',';
    } else {
      if (!block.signed_headers.empty()) block.signed_headers += ';';
      AppendLower(block.signed_headers, header.name);
      AppendLower(block.canonical_headers, header.name);
      block.canonical_headers += ':';
    }
    AppendTrimmed(block.canonical_headers, header.value);
    block.canonical_headers += '\n';
  }
  return block;
}

std::string CanonicalRequest(std::string_view method, std::string_view canonical_uri,
                             std::string_view canonical_query, const CanonicalHeaderBlock& headers,
                             std::string_view payload_hash) {
  std::string out;
  out.reserve(method.size() + canonical_uri.size() + canonical_query.size() +
              headers.canonical_headers.size() + headers.signed_headers.size() +
              payload_hash.size() + 5);
  out.append(method).append("\n");
  out.append(canonical_uri).append("\n");
  out.append(canonical_query).append("\n");
  out.append(headers.canonical_headers).append("\n");
  out.append(headers.signed_headers).append("\n");
  out.append(payload_hash);
  return out;
}

std::string CredentialScope(std::string_view day, std::string_view region,
                            std::string_view service) {
  constexpr std::string_view kTerminator = "/aws4_request";
  std::string out;
  out.reserve(day.size() + region.size() + service.size() + 2 + kTerminator.size());
  out.append(day).append("/").append(region).append("/").append(service).append(kTerminator);
  return out;
}

std::string StringToSign(std::string_view amz_date, std::string_view scope,
                         std::string_view canonical_request_hash) {
  std::string out;
  out.reserve(kSigV4Algorithm.size() + amz_date.size() + scope.size() +
              canonical_request_hash.size() + 3);
  out.append(kSigV4Algorithm).append("\n");
  out.append(amz_date).append("\n");
  out.append(scope).append("\n");
  out.append(canonical_request_hash);
  return out;
}

SigningKey DeriveSigningKey(const SecretKey& secret, std::string_view day, std::string_view region,
                            std::string_view service) {
  std::string seed = "AWS4";
  seed += secret.reveal();
  const Sha256Digest date_key = HmacSha256(std::string_view(seed), day);
  // The seed contains the secret. Cleansed in place: moving it into a SecretKey would leave a
  // short seed's bytes behind in this string's inline buffer.
  OPENSSL_cleanse(seed.data(), seed.size());
  const Sha256Digest region_key = HmacSha256(date_key, region);
  const Sha256Digest service_key = HmacSha256(region_key, service);
  return HmacSha256(service_key, "aws4_request");
}

std::string Signature(const SigningKey& signing_key, std::string_view string_to_sign) {
  return HexEncode(HmacSha256(signing_key, string_to_sign));
}

std::string AuthorizationHeader(std::string_view access_key_id, std::string_view scope,
                                std::string_view signed_headers, std::string_view signature) {
  std::string out;
  out.append(kSigV4Algorithm).append(" Credential=").append(access_key_id).append("/");
  out.append(scope).append(", SignedHeaders=").append(signed_headers);
  out.append(", Signature=").append(signature);
  return out;
}

std::vector<QueryParam> PresignQueryParams(std::string_view access_key_id, std::string_view scope,
                                           std::string_view amz_date, std::chrono::seconds expires,
                                           std::string_view signed_headers,
                                           std::string_view session_token) {
  std::vector<QueryParam> params = {
      {"X-Amz-Algorithm", std::string(kSigV4Algorithm)},
      {"X-Amz-Credential", std::string(access_key_id) + "/" + std::string(scope)},
      {"X-Amz-Date", std::string(amz_date)},
      {"X-Amz-Expires", std::to_string(expires.count())},
      {"X-Amz-SignedHeaders", std::string(signed_headers)},
  };
  if (!session_token.empty())
    params.push_back({"X-Amz-Security-Token", std::string(session_token)});
  return params;
}

}  // namespace s3upload::aws
