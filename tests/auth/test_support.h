// Helpers shared by the auth tests: test data files, and tokens minted here with OpenSSL (HMAC and
// EVP_DigestSign with a P-256 key generated per test run), so that every refusal can be shown on
// a token that is otherwise correctly signed.
#pragma once

#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

#include "auth/internal.h"
#include "s3upload/auth.h"
#include "s3upload/aws.h"

namespace s3upload::auth::auth_test {

inline std::filesystem::path TestDataPath(std::string_view relative) {
  return std::filesystem::path(S3US_TEST_DATA_DIR) / "auth" / relative;
}

// The file's bytes exactly as stored. Fails the test if unreadable.
inline std::string ReadTestFile(std::string_view relative) {
  const std::filesystem::path path = TestDataPath(relative);
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot read " << path;
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

inline std::string B64(std::string_view bytes) { return aws::Base64UrlEncode(bytes); }

inline TimePoint At(std::int64_t seconds_since_epoch) {
  return TimePoint(std::chrono::seconds(seconds_since_epoch));
}

// "ok", or the refusal's message: lets EXPECT_EQ show the message when a test fails.
inline std::string Outcome(const StatusOr<TokenClaims>& result) {
  return result.ok() ? "ok" : result.status().message();
}

inline std::string HmacSha256(std::string_view key, std::string_view data) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  std::size_t size = 0;
  EXPECT_NE(EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, key.data(), key.size(),
                      reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac,
                      sizeof mac, &size),
            nullptr);
  return {reinterpret_cast<const char*>(mac), size};
}

// header.payload.signature with HS256 over the two parts exactly as given (already encoded).
inline std::string SignHs256Parts(std::string_view header_b64, std::string_view payload_b64,
                                  std::string_view secret) {
  std::string input = std::string(header_b64) + "." + std::string(payload_b64);
  return input + "." + B64(HmacSha256(secret, input));
}

inline std::string MintHs256(std::string_view header_json, std::string_view payload_json,
                             std::string_view secret) {
  return SignHs256Parts(B64(header_json), B64(payload_json), secret);
}

// A P-256 key pair for one test binary run.
class TestEcKey {
 public:
  static TestEcKey Generate(const char* curve = "P-256") {
    TestEcKey key;
    key.key_.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", curve));
    EXPECT_NE(key.key_, nullptr);
    return key;
  }

  EVP_PKEY* get() const { return key_.get(); }

  std::string PublicPem() const {
    internal::BioPtr bio(BIO_new(BIO_s_mem()));
    EXPECT_EQ(PEM_write_bio_PUBKEY(bio.get(), key_.get()), 1);
    return BioText(bio.get());
  }

  std::string PrivatePem() const {
    internal::BioPtr bio(BIO_new(BIO_s_mem()));
    EXPECT_EQ(
        PEM_write_bio_PrivateKey(bio.get(), key_.get(), nullptr, nullptr, 0, nullptr, nullptr), 1);
    return BioText(bio.get());
  }

  // ECDSA-SHA256 over `data`, as OpenSSL returns it: DER ECDSA-Sig-Value.
  std::string SignDer(std::string_view data) const {
    internal::EvpMdCtxPtr md(EVP_MD_CTX_new());
    EXPECT_EQ(
        EVP_DigestSignInit_ex(md.get(), nullptr, "SHA256", nullptr, nullptr, key_.get(), nullptr),
        1);
    std::size_t size = 0;
    const auto* in = reinterpret_cast<const unsigned char*>(data.data());
    EXPECT_EQ(EVP_DigestSign(md.get(), nullptr, &size, in, data.size()), 1);
    std::string der(size, '\0');
    EXPECT_EQ(EVP_DigestSign(md.get(), reinterpret_cast<unsigned char*>(der.data()), &size, in,
                             data.size()),
              1);
    der.resize(size);
    return der;
  }

  // The same, in JOSE's form: R || S, 32 bytes each.
  std::string SignJose(std::string_view data) const { return DerToJose(SignDer(data)); }

  static std::string DerToJose(std::string_view der) {
    const auto* p = reinterpret_cast<const unsigned char*>(der.data());
    internal::EcdsaSigPtr sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
    EXPECT_NE(sig, nullptr);
    std::string out(64, '\0');
    auto* bytes = reinterpret_cast<unsigned char*>(out.data());
    EXPECT_EQ(BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), bytes, 32), 32);
    EXPECT_EQ(BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), bytes + 32, 32), 32);
    return out;
  }

 private:
  static std::string BioText(BIO* bio) {
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio, &data);
    return {data, static_cast<std::size_t>(size)};
  }

  internal::EvpPkeyPtr key_;
};

inline std::string SignEs256Parts(std::string_view header_b64, std::string_view payload_b64,
                                  const TestEcKey& key) {
  std::string input = std::string(header_b64) + "." + std::string(payload_b64);
  return input + "." + B64(key.SignJose(input));
}

inline std::string MintEs256(std::string_view header_json, std::string_view payload_json,
                             const TestEcKey& key) {
  return SignEs256Parts(B64(header_json), B64(payload_json), key);
}

}  // namespace s3upload::auth::auth_test
