// signature.cc: RFC 7515 A.1 (HS256) and A.3 (ES256) byte for byte, the JOSE signature forms that
// must be refused, and the public keys LoadP256PublicKey accepts.
#include <gtest/gtest.h>

#include <string>

#include "auth/internal.h"
#include "auth/test_support.h"
#include "s3upload/aws.h"

namespace s3upload::auth::internal {
namespace {

using auth_test::ReadTestFile;
using auth_test::TestEcKey;

// RFC 7515 A.1: the JWK "k" of the HMAC key, and the JWS.
constexpr std::string_view kA1Key =
    "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow";
constexpr std::string_view kA1SigningInput =
    "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9."
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlf"
    "Q";
constexpr std::string_view kA1Signature = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

// RFC 7515 A.3: same payload, header {"alg":"ES256"}.
constexpr std::string_view kA3SigningInput =
    "eyJhbGciOiJFUzI1NiJ9."
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlf"
    "Q";
constexpr std::string_view kA3Signature =
    "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";

std::string Decode(std::string_view text) {
  std::optional<std::string> bytes = aws::Base64UrlDecode(text);
  EXPECT_TRUE(bytes.has_value()) << text;
  return bytes.value_or("");
}

EvpPkeyPtr RfcA3Key() {
  StatusOr<EvpPkeyPtr> key = LoadP256PublicKey(ReadTestFile("rfc7515-a3-public.pem"));
  EXPECT_TRUE(key.ok()) << key.status().message();
  return key.ok() ? std::move(*key) : nullptr;
}

std::string FlipBit(std::string bytes, std::size_t bit) {
  bytes[bit / 8] = static_cast<char>(bytes[bit / 8] ^ (1 << (bit % 8)));
  return bytes;
}

TEST(Hs256Test, Rfc7515A1) {
  const std::string key = Decode(kA1Key);
  ASSERT_EQ(key.size(), 64u);
  EXPECT_EQ(static_cast<unsigned char>(key[0]), 3);  // the RFC's octets start 3, 35, 53, 75
  EXPECT_EQ(static_cast<unsigned char>(key[3]), 75);
  EXPECT_EQ(CheckHs256(key, kA1SigningInput, Decode(kA1Signature)), SignatureCheck::kValid);
}

TEST(Hs256Test, EveryFlippedBitIsInvalid) {
  const std::string key = Decode(kA1Key);
  const std::string signature = Decode(kA1Signature);
  for (std::size_t bit = 0; bit < signature.size() * 8; ++bit) {
    EXPECT_EQ(CheckHs256(key, kA1SigningInput, FlipBit(signature, bit)), SignatureCheck::kInvalid)
        << bit;
  }
  const std::string input(kA1SigningInput);
  for (std::size_t bit = 0; bit < input.size() * 8; bit += 7) {
    EXPECT_EQ(CheckHs256(key, FlipBit(input, bit), signature), SignatureCheck::kInvalid) << bit;
  }
  EXPECT_EQ(CheckHs256(FlipBit(key, 0), kA1SigningInput, signature), SignatureCheck::kInvalid);
}

TEST(Hs256Test, WrongLengthsAreInvalid) {
  const std::string key = Decode(kA1Key);
  const std::string signature = Decode(kA1Signature);
  EXPECT_EQ(CheckHs256(key, kA1SigningInput, ""), SignatureCheck::kInvalid);
  EXPECT_EQ(CheckHs256(key, kA1SigningInput, signature.substr(0, 31)), SignatureCheck::kInvalid);
  EXPECT_EQ(CheckHs256(key, kA1SigningInput, signature + '\0'), SignatureCheck::kInvalid);
}

TEST(Hs256Test, ContextIsRekeyedPerCall) {
  const std::string key = Decode(kA1Key);
  const std::string signature = Decode(kA1Signature);
  EXPECT_EQ(CheckHs256("another key of at least 32 bytes!!", kA1SigningInput, signature),
            SignatureCheck::kInvalid);
  EXPECT_EQ(CheckHs256(key, kA1SigningInput, signature), SignatureCheck::kValid);
  EXPECT_EQ(CheckHs256("", kA1SigningInput, signature), SignatureCheck::kInvalid);
  EXPECT_EQ(CheckHs256(key, kA1SigningInput, signature), SignatureCheck::kValid);
}

TEST(Es256Test, Rfc7515A3) {
  const EvpPkeyPtr key = RfcA3Key();
  ASSERT_NE(key, nullptr);
  EXPECT_EQ(CheckEs256(key.get(), kA3SigningInput, Decode(kA3Signature)), SignatureCheck::kValid);
}

TEST(Es256Test, EveryFlippedBitIsInvalid) {
  const EvpPkeyPtr key = RfcA3Key();
  ASSERT_NE(key, nullptr);
  const std::string signature = Decode(kA3Signature);
  for (std::size_t bit = 0; bit < signature.size() * 8; ++bit) {
    EXPECT_EQ(CheckEs256(key.get(), kA3SigningInput, FlipBit(signature, bit)),
              SignatureCheck::kInvalid)
        << bit;
  }
  EXPECT_EQ(CheckEs256(key.get(), FlipBit(std::string(kA3SigningInput), 9), signature),
            SignatureCheck::kInvalid);
}

TEST(Es256Test, DerSignatureIsInvalid) {
  const TestEcKey key = TestEcKey::Generate();
  const std::string der = key.SignDer("input");
  const std::string jose = TestEcKey::DerToJose(der);
  EXPECT_EQ(CheckEs256(key.get(), "input", jose), SignatureCheck::kValid);
  EXPECT_EQ(CheckEs256(key.get(), "input", der), SignatureCheck::kInvalid);
  // Even a DER signature padded or cut to 64 bytes.
  std::string der64 = der;
  der64.resize(64, '\0');
  EXPECT_EQ(CheckEs256(key.get(), "input", der64), SignatureCheck::kInvalid);
}

TEST(Es256Test, WrongLengthsAndZeroesAreInvalid) {
  const TestEcKey key = TestEcKey::Generate();
  const std::string jose = key.SignJose("input");
  EXPECT_EQ(CheckEs256(key.get(), "input", ""), SignatureCheck::kInvalid);
  EXPECT_EQ(CheckEs256(key.get(), "input", jose.substr(0, 63)), SignatureCheck::kInvalid);
  EXPECT_EQ(CheckEs256(key.get(), "input", jose + '\0'), SignatureCheck::kInvalid);
  EXPECT_EQ(CheckEs256(key.get(), "input", '\0' + jose.substr(0, 63)), SignatureCheck::kInvalid);
  EXPECT_EQ(CheckEs256(key.get(), "input", std::string(64, '\0')), SignatureCheck::kInvalid);
  EXPECT_EQ(CheckEs256(key.get(), "input", std::string(64, '\xff')), SignatureCheck::kInvalid);
}

TEST(Es256Test, HighSTwinIsAccepted) {
  // (R, n - S) verifies whenever (R, S) does (ECDSA malleability). Documented in auth.h: accepted,
  // as by JOSE libraries generally; it is still a signature by the key holder over these bytes.
  const TestEcKey key = TestEcKey::Generate();
  const std::string jose = key.SignJose("input");
  const auto* bytes = reinterpret_cast<const unsigned char*>(jose.data());
  BignumPtr s(BN_bin2bn(bytes + 32, 32, nullptr));
  // n, the order of P-256 (FIPS 186-4 D.1.2.3).
  BIGNUM* n = nullptr;
  ASSERT_GT(BN_hex2bn(&n, "FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551"), 0);
  const BignumPtr order(n);
  BignumPtr high_s(BN_new());
  ASSERT_TRUE(s && high_s);
  ASSERT_EQ(BN_sub(high_s.get(), order.get(), s.get()), 1);
  std::string twin = jose.substr(0, 32) + std::string(32, '\0');
  ASSERT_EQ(BN_bn2binpad(high_s.get(), reinterpret_cast<unsigned char*>(twin.data()) + 32, 32), 32);
  ASSERT_NE(twin, jose);
  EXPECT_EQ(CheckEs256(key.get(), "input", twin), SignatureCheck::kValid);
}

TEST(LoadP256PublicKeyTest, AcceptsP256PublicKeys) {
  EXPECT_TRUE(LoadP256PublicKey(ReadTestFile("rfc7515-a3-public.pem")).ok());
  EXPECT_TRUE(LoadP256PublicKey(TestEcKey::Generate().PublicPem()).ok());
}

TEST(LoadP256PublicKeyTest, RefusesEverythingElse) {
  auto message = [](std::string_view pem) { return LoadP256PublicKey(pem).status().message(); };
  EXPECT_EQ(message(""), "ES256 public key: no PEM public key (-----BEGIN PUBLIC KEY-----)");
  EXPECT_EQ(message("not a key"),
            "ES256 public key: no PEM public key (-----BEGIN PUBLIC KEY-----)");
  EXPECT_EQ(message(TestEcKey::Generate().PrivatePem()),
            "ES256 public key: no PEM public key (-----BEGIN PUBLIC KEY-----)");
  EXPECT_EQ(message(TestEcKey::Generate("P-384").PublicPem()),
            "ES256 public key: not on the P-256 curve (prime256v1)");
  EXPECT_EQ(message(TestEcKey::Generate("secp256k1").PublicPem()),
            "ES256 public key: not on the P-256 curve (prime256v1)");

  internal::EvpPkeyPtr ed25519(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  ASSERT_NE(ed25519, nullptr);
  internal::BioPtr bio(BIO_new(BIO_s_mem()));
  ASSERT_EQ(PEM_write_bio_PUBKEY(bio.get(), ed25519.get()), 1);
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  EXPECT_EQ(message(std::string_view(data, static_cast<std::size_t>(size))),
            "ES256 public key: not an EC key (ES256 needs a P-256 key)");
}

TEST(LoadP256PublicKeyTest, PointNotOnTheCurve) {
  // The RFC key with the last byte of y changed: a well-formed SubjectPublicKeyInfo whose point is
  // not on P-256. OpenSSL refuses it while decoding or in the public check.
  std::string der = Decode(
      "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEf83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEXH8UTNG72bfocs"
      "3"
      "-257rn0s2ldbqkLJK2KRiMohYjlrQ");
  der.back() = static_cast<char>(der.back() ^ 1);
  std::string base64(4 * ((der.size() + 2) / 3) + 1, '\0');
  const int size = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(base64.data()),
                                   reinterpret_cast<const unsigned char*>(der.data()),
                                   static_cast<int>(der.size()));
  base64.resize(static_cast<std::size_t>(size));
  for (std::size_t at = 64; at < base64.size(); at += 65) base64.insert(at, "\n");
  base64 += '\n';
  const std::string pem = "-----BEGIN PUBLIC KEY-----\n" + base64 + "-----END PUBLIC KEY-----\n";
  EXPECT_FALSE(LoadP256PublicKey(pem).ok());
}

TEST(LoadP256PublicKeyTest, EncryptedPemHeaderDoesNotPrompt) {
  // OpenSSL's default pass phrase callback reads the terminal; a key file saying it is encrypted
  // must fail instead.
  const std::string pem =
      "-----BEGIN PUBLIC KEY-----\n"
      "Proc-Type: 4,ENCRYPTED\n"
      "DEK-Info: AES-128-CBC,00112233445566778899AABBCCDDEEFF\n"
      "\n"
      "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEf83OJ3D2xF1Bg8vub9tLe1gHMzV7\n"
      "6e8Tus9uPHvRVEXH8UTNG72bfocs3+257rn0s2ldbqkLJK2KRiMohYjlrQ==\n"
      "-----END PUBLIC KEY-----\n";
  EXPECT_FALSE(LoadP256PublicKey(pem).ok());
}

}  // namespace
}  // namespace s3upload::auth::internal
