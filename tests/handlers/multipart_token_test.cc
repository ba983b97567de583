// Tests for src/handlers/multipart_token.cc: the upload token that binds a multipart upload to
// its profile, user, key, S3 upload id and expiry. A table of tamperings, each refused; expiry at
// the second; malformed tokens refused before any MAC; an independent MAC computation.
#include "handlers/multipart_token.h"

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "s3upload/verify.h"

namespace s3upload::handlers::internal {
namespace {

using std::chrono::seconds;

constexpr std::string_view kSecret = "0123456789abcdef0123456789abcdef";
constexpr std::string_view kUploadId =
    "VXBsb2FkIElEIGZvciA2aWWpbmcncyBteS1tb3ZpZS5tMnRzIHVwbG9hZA";  // S3's documentation's
const aws::TimePoint kNow = aws::TimePoint(seconds(1'800'000'000));
const aws::TimePoint kExpires = kNow + seconds(3600);

const UploadBinding kAlice{"photos", "alice",
                           "uploads/alice/a5d3c3c2-5b1e-4c43-9f1e-2d0c8a7b6e41.jpg"};

aws::SecretKey Secret(std::string_view text = kSecret) { return aws::SecretKey(std::string(text)); }

std::string Mint(const UploadBinding& binding = kAlice, std::string_view upload_id = kUploadId,
                 aws::TimePoint expires = kExpires) {
  return MintUploadToken(Secret(), binding, upload_id, expires);
}

std::string RuleOf(const std::variant<std::string, TokenRefusal>& result) {
  if (const auto* refusal = std::get_if<TokenRefusal>(&result)) return refusal->rule;
  return "accepted";
}

TEST(UploadTokenTest, RoundTrip) {
  const std::string token = Mint();
  // Path- and URL-safe: encodeURIComponent leaves it as it is, and it has no "/".
  for (char c : token) {
    EXPECT_TRUE((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                c == '-' || c == '_' || c == '.')
        << token;
  }
  const auto result = VerifyUploadToken(Secret(), kAlice, token, kNow);
  ASSERT_TRUE(std::holds_alternative<std::string>(result)) << RuleOf(result);
  EXPECT_EQ(std::get<std::string>(result), kUploadId);
}

TEST(UploadTokenTest, FormatIsTheDocumentedOne) {
  // base64url(upload id) "." expiry "." base64url(HMAC-SHA256 over the length-prefixed fields),
  // recomputed here from the definition.
  const std::string token = Mint();
  std::string message = "s3-upload-signer multipart upload v1";
  for (std::string_view field :
       {kAlice.profile, kAlice.user, kAlice.key, kUploadId, std::string_view("1800003600")}) {
    message += "\n" + std::to_string(field.size()) + ":" + std::string(field);
  }
  const aws::Sha256Digest mac = aws::HmacSha256(kSecret, message);
  const std::string expected =
      aws::Base64UrlEncode(kUploadId) + ".1800003600." +
      aws::Base64UrlEncode(std::string_view(reinterpret_cast<const char*>(mac.data()), mac.size()));
  EXPECT_EQ(token, expected);
}

TEST(UploadTokenTest, EveryBoundFieldMatters) {
  const std::string token = Mint();
  struct Case {
    const char* name;
    std::string profile, user, key;
  };
  const std::string key(kAlice.key);
  const std::vector<Case> cases = {
      {"other user", "photos", "bob", key},
      {"anonymous", "photos", "", key},
      {"user differing in case", "photos", "Alice", key},
      {"other profile", "documents", "alice", key},
      {"other key", "photos", "alice", "uploads/alice/other.jpg"},
      {"key with a suffix", "photos", "alice", key + "x"},
      // Moving bytes from one field to the next is no use: each field carries its length.
      {"shifted boundary", "photos\n5:alice", "", key},
  };
  for (const Case& c : cases) {
    const UploadBinding binding{c.profile, c.user, c.key};
    EXPECT_EQ(RuleOf(VerifyUploadToken(Secret(), binding, token, kNow)), "multipart.token.invalid")
        << c.name;
  }
  EXPECT_EQ(RuleOf(VerifyUploadToken(Secret("another secret of at least 32 bytes!"), kAlice, token,
                                     kNow)),
            "multipart.token.invalid");
}

TEST(UploadTokenTest, TamperingWithTheTokenItself) {
  const std::string token = Mint();
  const std::size_t first = token.find('.');
  const std::size_t second = token.find('.', first + 1);
  const std::string id_part = token.substr(0, first);
  const std::string expiry = token.substr(first + 1, second - first - 1);
  const std::string mac = token.substr(second + 1);

  // Another upload id (someone else's), a later expiry, a flipped MAC bit.
  EXPECT_EQ(RuleOf(VerifyUploadToken(
                Secret(), kAlice,
                aws::Base64UrlEncode("someone-elses-upload") + "." + expiry + "." + mac, kNow)),
            "multipart.token.invalid");
  EXPECT_EQ(RuleOf(VerifyUploadToken(Secret(), kAlice, id_part + ".1900000000." + mac, kNow)),
            "multipart.token.invalid");
  std::string flipped = mac;
  flipped[3] = flipped[3] == 'A' ? 'B' : 'A';
  EXPECT_EQ(
      RuleOf(VerifyUploadToken(Secret(), kAlice, id_part + "." + expiry + "." + flipped, kNow)),
      "multipart.token.invalid");
  // A token minted for another upload id, with this one's id put in front.
  const std::string other = Mint(kAlice, "other-upload-id");
  EXPECT_EQ(
      RuleOf(VerifyUploadToken(Secret(), kAlice, id_part + other.substr(other.find('.')), kNow)),
      "multipart.token.invalid");
}

TEST(UploadTokenTest, ExpiryToTheSecond) {
  const std::string token = Mint();
  EXPECT_EQ(RuleOf(VerifyUploadToken(Secret(), kAlice, token, kExpires - seconds(1))), "accepted");
  EXPECT_EQ(RuleOf(VerifyUploadToken(Secret(), kAlice, token, kExpires)),
            "multipart.token.expired");
  EXPECT_EQ(RuleOf(VerifyUploadToken(Secret(), kAlice, token, kExpires + seconds(86400))),
            "multipart.token.expired");
  // An expired token that is also forged is reported as forged.
  EXPECT_EQ(RuleOf(VerifyUploadToken(Secret(), {kAlice.profile, "bob", kAlice.key}, token,
                                     kExpires + seconds(1))),
            "multipart.token.invalid");
}

TEST(UploadTokenTest, MalformedTokensAreRefusedBeforeAnyMac) {
  const std::string token = Mint();
  const std::size_t first = token.find('.');
  const std::size_t second = token.find('.', first + 1);
  const std::string id_part = token.substr(0, first);
  const std::string mac = token.substr(second + 1);
  const std::vector<std::string> malformed = {
      "",
      "abc",
      "a.b",
      token + ".x",
      "." + token.substr(first + 1),             // no upload id
      id_part + "..." + mac,                     // no expiry
      id_part + ".01800003600." + mac,           // a leading zero
      id_part + ".+1800003600." + mac,           // a sign
      id_part + ".-1." + mac,                    //
      id_part + ".18000036000." + mac,           // 11 digits
      id_part + ".18a." + mac,                   //
      id_part + ".1800003600." + mac.substr(1),  // a MAC of the wrong length
      id_part + ".1800003600." + mac + "=",      // padding
      id_part + "=.1800003600." + mac,           //
      "VXBs+G9h.1800003600." + mac,              // the standard alphabet
      "VXBs/G9h.1800003600." + mac,              //
      "VXBsb2FkIElEIGZvciA2aWWpbmcncyBteS1tb3ZpZS5tMnRzIHVwbG9hZB.1800003600." + mac,  // bits
      std::string(kMaxUploadTokenBytes + 1, 'A'),
  };
  for (const std::string& text : malformed) {
    EXPECT_EQ(RuleOf(VerifyUploadToken(Secret(), kAlice, text, kNow)), "multipart.token.malformed")
        << text;
  }
}

TEST(UploadTokenTest, LongestUploadIdFits) {
  const std::string upload_id(verify::kMaxUploadIdBytes, 'x');
  const std::string token = Mint(kAlice, upload_id);
  EXPECT_LE(token.size(), kMaxUploadTokenBytes);
  EXPECT_EQ(RuleOf(VerifyUploadToken(Secret(), kAlice, token, kNow)), "accepted");
}

// Timing is not measured reliably in a unit test; the source of the check is read instead: the
// MAC is compared with CRYPTO_memcmp over its 32 bytes, and with nothing else.
TEST(UploadTokenTest, MacIsComparedWithCryptoMemcmp) {
  std::ifstream in(std::string(S3US_TEST_DATA_DIR) + "/../../src/handlers/multipart_token.cc");
  ASSERT_TRUE(in.good());
  const std::string source{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  const std::size_t begin = source.find("VerifyUploadToken(const aws::SecretKey&");
  ASSERT_NE(begin, std::string::npos);
  const std::string body = source.substr(begin, source.find("\n}\n", begin) - begin);
  EXPECT_NE(body.find("CRYPTO_memcmp(expected.data(), mac->data(), kMacBytes)"), std::string::npos)
      << body;
  EXPECT_EQ(body.find("*mac =="), std::string::npos);
  EXPECT_EQ(body.find("== *mac"), std::string::npos);
}

}  // namespace
}  // namespace s3upload::handlers::internal
