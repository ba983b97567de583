// digest.cc: SHA-256, HMAC-SHA256 and HMAC-SHA1 against the published vectors (FIPS 180-2
// examples, RFC 4231, RFC 2202), the empty key, re-keying of the per-thread HMAC states, and use
// from many threads at once.
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "aws/test_support.h"
#include "s3upload/aws.h"

namespace s3upload::aws {
namespace {

using aws_test::AsBytes;
using aws_test::HexToBytes;

// ---------------------------------------------------------------------------------------------
// SHA-256
// ---------------------------------------------------------------------------------------------

TEST(Sha256Test, EmptyString) {
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex(std::string_view()), kEmptyPayloadHash);
  EXPECT_EQ(Sha256Hex(""), kEmptyPayloadHash);
}

TEST(Sha256Test, Abc) {
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Sha256Test, TwoBlockMessage) {
  EXPECT_EQ(Sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(Sha256Test, OneMebibyteOfA) {
  // The payload hash of Fine Uploader's "v4 part 2" vector (protocol doc 4.5).
  EXPECT_EQ(Sha256Hex(std::string(1 << 20, 'a')),
            "9bc1b2a288b26af7257a36277ae3816a7d4f16e89c1e7e77d0a5c48bad62b360");
}

TEST(Sha256Test, FiveMebibytesOfA) {
  // The payload hash of Fine Uploader's "v4 part 1" vector (protocol doc 4.4).
  EXPECT_EQ(Sha256Hex(std::string(5 << 20, 'a')),
            "a29968fad2e782aa9f2040a35f05adb97ed8979eb1f572c8c8ea78637e275f3c");
}

TEST(Sha256Test, HashesEmbeddedNulBytes) {
  EXPECT_EQ(Sha256Hex(std::string_view("\0", 1)),
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
}

TEST(Sha256Test, HexIsTheLowerCaseHexOfTheDigest) {
  const Sha256Digest digest = Sha256("abc");
  EXPECT_EQ(digest[0], 0xba);
  EXPECT_EQ(digest[31], 0xad);
  EXPECT_EQ(Sha256Hex("abc"), HexEncode(digest));
}

// ---------------------------------------------------------------------------------------------
// HMAC-SHA256: RFC 4231 test cases 1-4, 6 and 7 (case 5 is a truncated output and says nothing
// about this API).
// ---------------------------------------------------------------------------------------------

struct HmacVector {
  const char* name;
  std::string key;
  std::string data;
  const char* expected_hex;
};

std::vector<HmacVector> Rfc4231Vectors() {
  return {
      {"case1", std::string(20, '\x0b'), "Hi There",
       "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
      {"case2", "Jefe", "what do ya want for nothing?",
       "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
      {"case3", std::string(20, '\xaa'), std::string(50, '\xdd'),
       "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"},
      {"case4", HexToBytes("0102030405060708090a0b0c0d0e0f10111213141516171819"),
       std::string(50, '\xcd'), "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"},
      {"case6_key_longer_than_block", std::string(131, '\xaa'),
       "Test Using Larger Than Block-Size Key - Hash Key First",
       "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
      {"case7_key_and_data_longer_than_block", std::string(131, '\xaa'),
       "This is a test using a larger than block-size key and a larger than block-size data. The "
       "key needs to be hashed before being used by the HMAC algorithm.",
       "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"},
  };
}

TEST(HmacSha256Test, Rfc4231WithStringKey) {
  for (const HmacVector& v : Rfc4231Vectors()) {
    EXPECT_EQ(HexEncode(HmacSha256(std::string_view(v.key), v.data)), v.expected_hex) << v.name;
  }
}

TEST(HmacSha256Test, Rfc4231WithByteKey) {
  for (const HmacVector& v : Rfc4231Vectors()) {
    EXPECT_EQ(HexEncode(HmacSha256(AsBytes(v.key), v.data)), v.expected_hex) << v.name;
  }
}

TEST(HmacSha256Test, DigestKeyOverload) {
  // The SigV4 derivation chains HMACs keyed by the previous 32-byte digest.
  const Sha256Digest key = HmacSha256(std::string_view("Jefe"), "what do ya want for nothing?");
  EXPECT_EQ(
      HmacSha256(key, "data"),
      HmacSha256(std::string_view(reinterpret_cast<const char*>(key.data()), key.size()), "data"));
}

TEST(HmacSha256Test, EmptyKey) {
  EXPECT_EQ(HexEncode(HmacSha256(std::string_view(), "")),
            "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
  EXPECT_EQ(HexEncode(HmacSha256(std::span<const unsigned char>(),
                                 "The quick brown fox jumps over the lazy dog")),
            "fb011e6154a19b9a4c767373c305275a5a69e8b68b0b4c9200c383dced19a416");
}

// The per-thread HMAC states are re-keyed on every call: a key must never leak into the next MAC,
// including the switch from a long (hashed) key to a short one and to the empty key.
TEST(HmacSha256Test, ReKeyingBetweenCallsOnOneThread) {
  const std::vector<HmacVector> vectors = Rfc4231Vectors();
  for (int round = 0; round < 3; ++round) {
    for (auto it = vectors.rbegin(); it != vectors.rend(); ++it) {
      EXPECT_EQ(HexEncode(HmacSha256(std::string_view(it->key), it->data)), it->expected_hex)
          << it->name;
      EXPECT_EQ(HexEncode(HmacSha256(std::string_view(), "")),
                "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
    }
  }
}

// ---------------------------------------------------------------------------------------------
// HMAC-SHA1: RFC 2202 test cases 1-7 (case 5 checked on the full, untruncated output).
// ---------------------------------------------------------------------------------------------

std::vector<HmacVector> Rfc2202Vectors() {
  return {
      {"case1", std::string(20, '\x0b'), "Hi There", "b617318655057264e28bc0b6fb378c8ef146be00"},
      {"case2", "Jefe", "what do ya want for nothing?", "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"},
      {"case3", std::string(20, '\xaa'), std::string(50, '\xdd'),
       "125d7342b9ac11cd91a39af48aa17b4f63f175d3"},
      {"case4", HexToBytes("0102030405060708090a0b0c0d0e0f10111213141516171819"),
       std::string(50, '\xcd'), "4c9007f4026250c6bc8414f9bf50c86c2d7235da"},
      {"case5", std::string(20, '\x0c'), "Test With Truncation",
       "4c1a03424b55e07fe7f27be1d58bb9324a9a5a04"},
      {"case6_key_longer_than_block", std::string(80, '\xaa'),
       "Test Using Larger Than Block-Size Key - Hash Key First",
       "aa4ae5e15272d00e95705637ce8a3b55ed402112"},
      {"case7_key_and_data_longer_than_block", std::string(80, '\xaa'),
       "Test Using Larger Than Block-Size Key and Larger Than One Block-Size Data",
       "e8e99d0f45237d786d6bbaa7965c7808bbff1a91"},
  };
}

TEST(HmacSha1Test, Rfc2202) {
  for (const HmacVector& v : Rfc2202Vectors()) {
    EXPECT_EQ(HexEncode(HmacSha1(v.key, v.data)), v.expected_hex) << v.name;
  }
}

TEST(HmacSha1Test, EmptyKey) {
  EXPECT_EQ(HexEncode(HmacSha1("", "")), "fbdb1d1b18aa6c08324b7d64b71fb76370690e1d");
}

TEST(HmacTest, Sha1AndSha256ContextsDoNotInterfere) {
  const std::vector<HmacVector> sha256 = Rfc4231Vectors();
  const std::vector<HmacVector> sha1 = Rfc2202Vectors();
  for (std::size_t i = 0; i < sha1.size(); ++i) {
    const HmacVector& v1 = sha1[i];
    const HmacVector& v256 = sha256[i % sha256.size()];
    EXPECT_EQ(HexEncode(HmacSha1(v1.key, v1.data)), v1.expected_hex) << v1.name;
    EXPECT_EQ(HexEncode(HmacSha256(std::string_view(v256.key), v256.data)), v256.expected_hex)
        << v256.name;
  }
}

// ---------------------------------------------------------------------------------------------
// Threads: every thread has its own HMAC states (thread_local); results must not depend on
// which thread computes them or on what the other threads do meanwhile.
// ---------------------------------------------------------------------------------------------

// Every MAC and digest of the vectors above, computed in an order rotated by `rotation` (so that
// concurrent callers use different keys and digests at the same moment) but returned in the
// vectors' order.
std::string AllResults(std::size_t rotation) {
  const std::vector<HmacVector> sha256 = Rfc4231Vectors();
  const std::vector<HmacVector> sha1 = Rfc2202Vectors();
  std::vector<std::string> results(sha256.size() + sha1.size() + 1);
  for (std::size_t k = 0; k < results.size(); ++k) {
    const std::size_t i = (k + rotation) % results.size();
    if (i < sha256.size()) {
      results[i] = HexEncode(HmacSha256(std::string_view(sha256[i].key), sha256[i].data));
    } else if (i < sha256.size() + sha1.size()) {
      const HmacVector& v = sha1[i - sha256.size()];
      results[i] = HexEncode(HmacSha1(v.key, v.data));
    } else {
      results[i] = Sha256Hex("abc");
    }
  }
  std::string all;
  for (const std::string& r : results) all += r + "\n";
  return all;
}

TEST(DigestConcurrencyTest, EightThreadsGetTheSameResults) {
  std::string expected;
  for (const HmacVector& v : Rfc4231Vectors()) expected += std::string(v.expected_hex) + "\n";
  for (const HmacVector& v : Rfc2202Vectors()) expected += std::string(v.expected_hex) + "\n";
  expected += "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\n";
  ASSERT_EQ(AllResults(0), expected);

  constexpr std::size_t kThreads = 8;
  constexpr int kRounds = 300;
  std::vector<int> mismatches(kThreads, 0);
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < kThreads; ++t) {
    threads.emplace_back([&expected, &mismatches, t] {
      for (int round = 0; round < kRounds; ++round) {
        if (AllResults(t + static_cast<std::size_t>(round)) != expected) ++mismatches[t];
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (std::size_t t = 0; t < kThreads; ++t) EXPECT_EQ(mismatches[t], 0) << "thread " << t;
}

}  // namespace
}  // namespace s3upload::aws
