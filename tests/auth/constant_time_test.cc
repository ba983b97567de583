// The HS256 check compares the MAC it computed with the token's in constant time (CRYPTO_memcmp).
// A compare that stops at the first differing byte (memcmp, ==, std::equal) tells an attacker, by
// how long a refusal takes, how many leading bytes of a forged signature are right, and so lets
// them find a valid one byte by byte. Timing is not measured reliably in a unit test; this test
// reads the function's source instead. That the comparison covers every byte is
// Hs256Test.EveryFlippedBitIsInvalid's job.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>

namespace s3upload::auth {
namespace {

std::string FunctionBody(const std::string& path, const std::string& signature) {
  std::ifstream in(path);
  const std::string source{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  const std::size_t begin = source.find(signature);
  if (begin == std::string::npos) return "";
  const std::size_t end = source.find("\n}\n", begin);
  return source.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
}

TEST(ConstantTimeCompareTest, Hs256MacIsComparedWithCryptoMemcmp) {
  const std::string body =
      FunctionBody(S3US_TEST_DATA_DIR "/../../src/auth/signature.cc", "SignatureCheck CheckHs256(");
  ASSERT_FALSE(body.empty()) << "CheckHs256 not found in src/auth/signature.cc";
  EXPECT_NE(body.find("CRYPTO_memcmp(mac, signature.data(), kHs256Size)"), std::string::npos)
      << body;
  std::string without_crypto_memcmp = body;
  for (std::size_t at; (at = without_crypto_memcmp.find("CRYPTO_memcmp")) != std::string::npos;) {
    without_crypto_memcmp.erase(at, 13);
  }
  for (const char* early_exit : {"memcmp", "std::equal", "strncmp", "mismatch", "== signature",
                                 "signature ==", "!= signature", "signature !="}) {
    EXPECT_EQ(without_crypto_memcmp.find(early_exit), std::string::npos)
        << "CheckHs256 compares with " << early_exit;
  }
}

}  // namespace
}  // namespace s3upload::auth
