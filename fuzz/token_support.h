// Minting JWTs in the fuzz targets (jwt, request): base64url and HMAC-SHA256, written on OpenSSL
// directly rather than with auth/'s own helpers, so that the code under test does not check itself.
#pragma once

#include <openssl/evp.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace s3upload::fuzz {

// RFC 7515 section 2 base64url: URL-safe alphabet, no padding.
inline std::string Base64Url(std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  std::size_t i = 0;
  auto at = [&](std::size_t n) {
    return static_cast<unsigned>(static_cast<unsigned char>(bytes[n]));
  };
  for (; i + 3 <= bytes.size(); i += 3) {
    const unsigned v = (at(i) << 16) | (at(i + 1) << 8) | at(i + 2);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (bytes.size() - i == 1) {
    const unsigned v = at(i) << 16;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
  } else if (bytes.size() - i == 2) {
    const unsigned v = (at(i) << 16) | (at(i + 1) << 8);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
  }
  return out;
}

inline std::string HmacSha256(std::string_view key, std::string_view data) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  std::size_t size = 0;
  if (EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, key.data(), key.size(),
                reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac, sizeof mac,
                &size) == nullptr) {
    std::fprintf(stderr, "HMAC-SHA256 failed\n");
    std::abort();
  }
  return {reinterpret_cast<const char*>(mac), size};
}

// header.payload.signature: the two JSON texts as given, MACed with `secret`.
inline std::string MintHs256(std::string_view header_json, std::string_view payload_json,
                             std::string_view secret) {
  const std::string input = Base64Url(header_json) + "." + Base64Url(payload_json);
  return input + "." + Base64Url(HmacSha256(secret, input));
}

}  // namespace s3upload::fuzz
