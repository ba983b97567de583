// Signature Version 4, one function per step of the algorithm as AWS documents it.
#include <openssl/crypto.h>

#include <algorithm>
#include <string>
#include <vector>

#include "s3upload/aws.h"

namespace s3upload::aws {
namespace {

bool IsHeaderSpace(char c) { return c == ' ' || c == '\t'; }

// Trims and collapses runs of spaces/tabs into one space (SigV4 "Trimall").
std::string TrimAll(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  bool pending_space = false;
  for (const char c : value) {
    if (IsHeaderSpace(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out += ' ';
    pending_space = false;
    out += c;
  }
  return out;
}

std::string ToLower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
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
  for (const auto& [name, value] : encoded) {
    if (!out.empty()) out += '&';
    out += name;
    out += '=';
    out += value;
  }
  return out;
}

CanonicalHeaderBlock CanonicalHeaders(const std::vector<Header>& headers) {
  // stable_sort keeps repeated headers in the order given, which is the order their values join.
  std::vector<std::pair<std::string, std::string>> lowered;
  lowered.reserve(headers.size());
  for (const Header& h : headers) lowered.emplace_back(ToLower(h.name), TrimAll(h.value));
  std::stable_sort(lowered.begin(), lowered.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  CanonicalHeaderBlock block;
  for (std::size_t i = 0; i < lowered.size(); ++i) {
    const bool continues = i > 0 && lowered[i].first == lowered[i - 1].first;
    if (continues) {
      block.canonical_headers.pop_back();  // the '\n' of the previous value of this name
      block.canonical_headers += ',';
    } else {
      if (!block.signed_headers.empty()) block.signed_headers += ';';
      block.signed_headers += lowered[i].first;
      block.canonical_headers += lowered[i].first;
      block.canonical_headers += ':';
    }
    block.canonical_headers += lowered[i].second;
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
  std::string out;
  out.append(day).append("/").append(region).append("/").append(service).append("/aws4_request");
  return out;
}

std::string StringToSign(std::string_view amz_date, std::string_view scope,
                         std::string_view canonical_request_hash) {
  std::string out;
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
