// credentials.cc and secret_key.cc: the signing-key cache (derive once per scope, then hit;
// counters; correctness under eviction and from many threads), SignV4/SignV2 through Credentials,
// and SecretKey's move and wipe behaviour.
#include <gtest/gtest.h>

#include <cstddef>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "aws/test_support.h"
#include "s3upload/aws.h"
#include "secure/vm_flags.h"

namespace s3upload::aws {
namespace {

using aws_test::kExampleAccessKeyId;
using aws_test::kExampleSecret;

Credentials ExampleCredentials() {
  return Credentials(std::string(kExampleAccessKeyId), SecretKey(std::string(kExampleSecret)));
}

SigningKey Derived(std::string_view day, std::string_view region, std::string_view service) {
  return DeriveSigningKey(SecretKey(std::string(kExampleSecret)), day, region, service);
}

// ---------------------------------------------------------------------------------------------
// DeriveSigningKey: the AWS documentation's worked example (IAM, 2012-02-15)
// ---------------------------------------------------------------------------------------------

TEST(DeriveSigningKeyTest, AwsDocumentationExample) {
  const SecretKey secret(std::string("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"));
  EXPECT_EQ(HexEncode(DeriveSigningKey(secret, "20120215", "us-east-1", "iam")),
            "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d");
}

TEST(DeriveSigningKeyTest, IsTheHmacChain) {
  const Sha256Digest date_key =
      HmacSha256(std::string_view("AWS4" + std::string(kExampleSecret)), "20240501");
  const Sha256Digest region_key = HmacSha256(date_key, "eu-west-1");
  const Sha256Digest service_key = HmacSha256(region_key, "s3");
  EXPECT_EQ(Derived("20240501", "eu-west-1", "s3"), HmacSha256(service_key, "aws4_request"));
}

// ---------------------------------------------------------------------------------------------
// Credentials::SigningKeyFor and its cache
// ---------------------------------------------------------------------------------------------

TEST(CredentialsTest, AccessKeyId) {
  EXPECT_EQ(ExampleCredentials().access_key_id(), "AKIAIOSFODNN7EXAMPLE");
}

TEST(CredentialsTest, DerivesOnceThenServesFromTheCache) {
  const Credentials credentials = ExampleCredentials();
  EXPECT_EQ(credentials.signing_key_derivations(), 0u);
  EXPECT_EQ(credentials.signing_key_cache_hits(), 0u);

  const SigningKey first = credentials.SigningKeyFor("20240501", "eu-west-1", "s3");
  EXPECT_EQ(first, Derived("20240501", "eu-west-1", "s3"));
  EXPECT_EQ(credentials.signing_key_derivations(), 1u);
  EXPECT_EQ(credentials.signing_key_cache_hits(), 0u);

  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(credentials.SigningKeyFor("20240501", "eu-west-1", "s3"), first);
  }
  EXPECT_EQ(credentials.signing_key_derivations(), 1u);
  EXPECT_EQ(credentials.signing_key_cache_hits(), 5u);
}

TEST(CredentialsTest, EveryScopeComponentSelectsItsOwnKey) {
  const Credentials credentials = ExampleCredentials();
  const std::vector<std::tuple<std::string, std::string, std::string>> scopes = {
      {"20240501", "eu-west-1", "s3"},
      {"20240502", "eu-west-1", "s3"},   // another day
      {"20240501", "us-east-1", "s3"},   // another region
      {"20240501", "eu-west-1", "sts"},  // another service
  };
  std::set<SigningKey> keys;
  for (const auto& [day, region, service] : scopes) {
    const SigningKey key = credentials.SigningKeyFor(day, region, service);
    EXPECT_EQ(key, Derived(day, region, service)) << day << " " << region << " " << service;
    keys.insert(key);
  }
  EXPECT_EQ(keys.size(), scopes.size());
  EXPECT_EQ(credentials.signing_key_derivations(), scopes.size());
  EXPECT_EQ(credentials.signing_key_cache_hits(), 0u);

  // A second pass hits the cache for every scope and returns the same keys.
  for (const auto& [day, region, service] : scopes) {
    EXPECT_EQ(credentials.SigningKeyFor(day, region, service), Derived(day, region, service));
  }
  EXPECT_EQ(credentials.signing_key_derivations(), scopes.size());
  EXPECT_EQ(credentials.signing_key_cache_hits(), scopes.size());
}

// The cache must tell scopes apart by all three components, whatever bytes they contain: two
// different scopes whose components happen to join to the same text are still different keys.
TEST(CredentialsTest, ScopesThatJoinToTheSameTextAreDifferentKeys) {
  const Credentials credentials = ExampleCredentials();
  const std::vector<std::tuple<std::string, std::string, std::string>> scopes = {
      {"20240501/eu", "west-1", "s3"},
      {"20240501", "eu/west-1", "s3"},
      {"20240501", "eu", "west-1/s3"},
  };
  for (const auto& [day, region, service] : scopes) {
    EXPECT_EQ(credentials.SigningKeyFor(day, region, service), Derived(day, region, service))
        << day << " | " << region << " | " << service;
  }
  EXPECT_EQ(credentials.signing_key_derivations(), scopes.size());
}

TEST(CredentialsTest, StaysCorrectWhenTheCacheEvicts) {
  const Credentials credentials = ExampleCredentials();
  // Far more scopes than the cache keeps, twice over.
  std::size_t calls = 0;
  for (int pass = 0; pass < 2; ++pass) {
    for (int day = 1; day <= 28; ++day) {
      const std::string date = "202402" + std::string(day < 10 ? "0" : "") + std::to_string(day);
      EXPECT_EQ(credentials.SigningKeyFor(date, "us-east-1", "s3"),
                Derived(date, "us-east-1", "s3"))
          << date;
      ++calls;
    }
  }
  EXPECT_EQ(credentials.signing_key_derivations() + credentials.signing_key_cache_hits(), calls);
  EXPECT_GE(credentials.signing_key_derivations(), 28u);
}

// ---------------------------------------------------------------------------------------------
// SignV4 / SignV2 through Credentials
// ---------------------------------------------------------------------------------------------

constexpr std::string_view kGetRangeStringToSign =
    "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n"
    "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972";

TEST(CredentialsTest, SignV4IsSignatureWithTheDerivedKey) {
  const Credentials credentials = ExampleCredentials();
  EXPECT_EQ(credentials.SignV4("20130524", "us-east-1", "s3", kGetRangeStringToSign),
            "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
  EXPECT_EQ(credentials.SignV4("20240501", "eu-west-1", "s3", "anything"),
            Signature(Derived("20240501", "eu-west-1", "s3"), "anything"));
  EXPECT_EQ(credentials.signing_key_derivations(), 2u);
  EXPECT_EQ(credentials.SignV4("20130524", "us-east-1", "s3", kGetRangeStringToSign),
            "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
  EXPECT_EQ(credentials.signing_key_derivations(), 2u);
  EXPECT_EQ(credentials.signing_key_cache_hits(), 1u);
}

TEST(CredentialsTest, SignV2EqualsSignV2WithTheSecretKey) {
  const Credentials credentials = ExampleCredentials();
  const SecretKey secret{std::string(kExampleSecret)};
  for (const std::string_view string_to_sign :
       {std::string_view("GET\n\n\nTue, 27 Mar 2007 19:36:42 +0000\n/johnsmith/photos/puppy.jpg"),
        std::string_view(""),
        std::string_view("eyJleHBpcmF0aW9uIjoiMjAyNC0wNS0wMVQxMjowNTowMC4wMDBa")}) {
    EXPECT_EQ(credentials.SignV2(string_to_sign), SignV2(secret, string_to_sign));
  }
  EXPECT_EQ(
      credentials.SignV2("GET\n\n\nTue, 27 Mar 2007 19:36:42 +0000\n/johnsmith/photos/puppy.jpg"),
      "bWq2s1WEIj+Ydj0vQ697zp+IXMU=");
  // SignV2 does not touch the SigV4 key cache.
  EXPECT_EQ(credentials.signing_key_derivations(), 0u);
  EXPECT_EQ(credentials.signing_key_cache_hits(), 0u);
}

// A thread re-uses its keyed HMAC context for consecutive signatures under the same key (and
// SignV4 skips the cache for a thread's repeated scope): whatever else the thread MACs in between,
// with other keys, other credentials or another secret at the same address, every signature is
// the one of its own key.
TEST(CredentialsTest, RepeatedSignaturesStayCorrectWhateverIsMacedInBetween) {
  const std::string_view other_secret = "another/secret/of+the/same/length/000000";
  const std::string expected_v4 = Signature(Derived("20240501", "eu-west-1", "s3"), "policy");
  const std::string expected_v2 = SignV2(SecretKey(std::string(kExampleSecret)), "policy");
  const Credentials credentials = ExampleCredentials();
  const Credentials other{std::string(kExampleAccessKeyId), SecretKey{std::string(other_secret)}};
  const std::string other_v4 = Signature(
      DeriveSigningKey(SecretKey(std::string(other_secret)), "20240501", "eu-west-1", "s3"),
      "policy");
  for (int round = 0; round < 3; ++round) {
    EXPECT_EQ(credentials.SignV4("20240501", "eu-west-1", "s3", "policy"), expected_v4);
    EXPECT_EQ(credentials.SignV4("20240501", "eu-west-1", "s3", "policy"), expected_v4);
    EXPECT_EQ(credentials.SignV2("policy"), expected_v2);
    EXPECT_EQ(credentials.SignV2("policy"), expected_v2);
    // The same scope under other credentials, and plain MACs that re-key the thread's contexts.
    EXPECT_EQ(other.SignV4("20240501", "eu-west-1", "s3", "policy"), other_v4);
    EXPECT_EQ(credentials.SignV4("20240501", "eu-west-1", "s3", "policy"), expected_v4);
    EXPECT_EQ(other.SignV2("policy"), SignV2(SecretKey(std::string(other_secret)), "policy"));
    EXPECT_EQ(credentials.SignV2("policy"), expected_v2);
    HmacSha256(std::string_view("some key"), "data");
    HmacSha1("some key", "data");
    EXPECT_EQ(credentials.SignV4("20240501", "eu-west-1", "s3", "policy"), expected_v4);
    EXPECT_EQ(credentials.SignV2("policy"), expected_v2);
    Derived("20240502", "eu-west-1", "s3");
    EXPECT_EQ(credentials.SignV4("20240501", "eu-west-1", "s3", "policy"), expected_v4);
  }
  // A thread's repeated scope is served without the cache: one derivation, the other calls
  // counted as hits only when another scope or credential was signed in between.
  EXPECT_EQ(credentials.signing_key_derivations(), 1u);
}

TEST(CredentialsTest, NewCredentialsInTheSamePlaceSignWithTheirOwnKey) {
  // Credentials built one after the other in the same storage: a thread must not take the second
  // for the first it signed with before.
  for (const std::string_view secret : {kExampleSecret, std::string_view("a-different-secret")}) {
    std::optional<Credentials> credentials;
    credentials.emplace(std::string(kExampleAccessKeyId), SecretKey(std::string(secret)));
    EXPECT_EQ(
        credentials->SignV4("20240501", "eu-west-1", "s3", "policy"),
        Signature(DeriveSigningKey(SecretKey(std::string(secret)), "20240501", "eu-west-1", "s3"),
                  "policy"));
    EXPECT_EQ(credentials->SignV2("policy"), SignV2(SecretKey(std::string(secret)), "policy"));
  }
}

// ---------------------------------------------------------------------------------------------
// Threads: 8 threads x 1000 calls share one Credentials
// ---------------------------------------------------------------------------------------------

// Each thread signs one scope over and over (the responder's usual case, served from the thread's
// keyed context), all threads at once, some with another credential in between.
TEST(CredentialsConcurrencyTest, RepeatedScopesOnManyThreadsAgree) {
  constexpr std::size_t kThreads = 8;
  constexpr int kCallsPerThread = 500;
  const Credentials credentials = ExampleCredentials();
  const Credentials other{std::string(kExampleAccessKeyId), SecretKey{"another secret"}};
  const std::string expected = Signature(Derived("20240501", "eu-west-1", "s3"), "x");
  const std::string expected_other =
      Signature(DeriveSigningKey(SecretKey("another secret"), "20240501", "eu-west-1", "s3"), "x");
  std::vector<int> mismatches(kThreads, 0);
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kCallsPerThread; ++i) {
        if (credentials.SignV4("20240501", "eu-west-1", "s3", "x") != expected) ++mismatches[t];
        if (t % 2 == 1 && i % 7 == 0 &&
            other.SignV4("20240501", "eu-west-1", "s3", "x") != expected_other) {
          ++mismatches[t];
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (std::size_t t = 0; t < kThreads; ++t) EXPECT_EQ(mismatches[t], 0) << "thread " << t;
}

TEST(CredentialsConcurrencyTest, EightThreadsAgree) {
  constexpr std::size_t kThreads = 8;
  constexpr int kCallsPerThread = 1000;
  const std::vector<std::pair<std::string, std::string>> scopes = {
      {"20240501", "eu-west-1"}, {"20240502", "eu-west-1"}, {"20240501", "us-east-1"}};
  std::vector<SigningKey> expected_keys;
  std::vector<std::string> expected_signatures;
  for (const auto& [day, region] : scopes) {
    expected_keys.push_back(Derived(day, region, "s3"));
    expected_signatures.push_back(Signature(expected_keys.back(), day + "/" + region));
  }

  const Credentials credentials = ExampleCredentials();
  std::vector<int> mismatches(kThreads, 0);
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kCallsPerThread; ++i) {
        const std::size_t s = (t + static_cast<std::size_t>(i)) % scopes.size();
        const auto& [day, region] = scopes[s];
        if (i % 2 == 0) {
          if (credentials.SigningKeyFor(day, region, "s3") != expected_keys[s]) ++mismatches[t];
        } else if (credentials.SignV4(day, region, "s3", day + "/" + region) !=
                   expected_signatures[s]) {
          ++mismatches[t];
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (std::size_t t = 0; t < kThreads; ++t) EXPECT_EQ(mismatches[t], 0) << "thread " << t;

  const std::uint64_t derivations = credentials.signing_key_derivations();
  EXPECT_EQ(derivations + credentials.signing_key_cache_hits(), kThreads * kCallsPerThread);
  // At least one derivation per scope; at most one per scope and thread (a thread that missed
  // inserts the key, and nothing is evicted with this few scopes).
  EXPECT_GE(derivations, scopes.size());
  EXPECT_LE(derivations, scopes.size() * kThreads);
}

// ---------------------------------------------------------------------------------------------
// SecretKey
// ---------------------------------------------------------------------------------------------

TEST(SecretKeyTest, HoldsTheSecret) {
  const SecretKey key{std::string(kExampleSecret)};
  EXPECT_EQ(key.reveal(), kExampleSecret);
  EXPECT_FALSE(key.empty());
  EXPECT_TRUE(SecretKey(std::string()).empty());
}

TEST(SecretKeyTest, MoveConstructionLeavesTheSourceEmpty) {
  for (const std::string& secret : {std::string(kExampleSecret), std::string("short")}) {
    SecretKey source{std::string(secret)};
    const SecretKey moved(std::move(source));
    EXPECT_EQ(moved.reveal(), secret);
    EXPECT_TRUE(source.empty());  // NOLINT(bugprone-use-after-move): the behaviour under test
    EXPECT_EQ(source.reveal(), "");
  }
}

TEST(SecretKeyTest, MoveAssignmentLeavesTheSourceEmpty) {
  for (const std::string& secret : {std::string(kExampleSecret), std::string("short")}) {
    SecretKey source{std::string(secret)};
    SecretKey target{std::string("previous secret that is long enough for the heap")};
    target = std::move(source);
    EXPECT_EQ(target.reveal(), secret);
    EXPECT_TRUE(source.empty());  // NOLINT(bugprone-use-after-move): the behaviour under test
  }
}

TEST(SecretKeyTest, SelfMoveAssignmentKeepsTheSecret) {
  SecretKey key{std::string(kExampleSecret)};
  SecretKey& alias = key;
  key = std::move(alias);
  EXPECT_EQ(key.reveal(), kExampleSecret);
}

// The bytes live in pages of their own (secure::SecureBuffer), whatever their length: a move hands
// the pages over and leaves no copy behind (a std::string would keep a short secret in its inline
// buffer), and the pages are out of core dumps.
TEST(SecretKeyTest, LivesInSecureMemoryThatAMoveHandsOver) {
  for (const std::string& secret : {std::string("shortsecret123"), std::string(kExampleSecret)}) {
    SecretKey source{std::string(secret)};
    const char* const buffer = source.reveal().data();
    EXPECT_TRUE(source.storage().excluded_from_core_dumps());
    const auto flags = secure_test::VmFlagsOf(buffer);
    ASSERT_TRUE(flags.has_value());
    EXPECT_TRUE(flags->contains("dd")) << "the secret's pages are not excluded from core dumps";

    const SecretKey moved(std::move(source));
    EXPECT_EQ(moved.reveal().data(), buffer);
    EXPECT_EQ(source.reveal().data(), nullptr);  // NOLINT(bugprone-use-after-move): under test

    SecretKey target{std::string("x")};
    const char* const replaced = target.reveal().data();
    SecretKey assign_source{std::string(secret)};
    target = std::move(assign_source);
    EXPECT_EQ(target.reveal(), secret);
    EXPECT_FALSE(secure_test::IsMapped(replaced)) << "the replaced secret is still mapped";
  }
}

}  // namespace
}  // namespace s3upload::aws
