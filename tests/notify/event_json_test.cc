// event.cc: the exact bytes of the webhook event (key order, JSON.stringify escaping, U+FFFD for
// ill-formed UTF-8, null user) and the signature header against independently computed MACs.
// Expected strings were produced with Python's json.dumps(separators=(",", ":"),
// ensure_ascii=False), which escapes as JSON.stringify does, and bytes.decode("utf-8", "replace").
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "s3upload/notify.h"

namespace s3upload::notify {
namespace {

UploadEvent SampleEvent() {
  UploadEvent event;
  event.profile = "photos";
  event.bucket = "uploads-bucket";
  event.key = "users/alice/0b1c/R\xc3\xa9\"sum\xc3\xa9\\.pdf";
  event.uuid = "0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0";
  event.name = "R\xc3\xa9\"sum\xc3\xa9\\.pdf";
  event.size = 1048576;
  event.etag = "9b2cf535f27731c974343645a3985328";
  event.content_type = "application/pdf";
  event.user = "alice";
  return event;
}

// ---------------------------------------------------------------------------------------------
// EventJson
// ---------------------------------------------------------------------------------------------

TEST(EventJsonTest, ExactBytesInContractOrder) {
  EXPECT_EQ(EventJson(SampleEvent()),
            "{\"event\":\"upload.confirmed\",\"profile\":\"photos\",\"bucket\":\"uploads-bucket\","
            "\"key\":\"users/alice/0b1c/R\xc3\xa9\\\"sum\xc3\xa9\\\\.pdf\","
            "\"uuid\":\"0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0\","
            "\"name\":\"R\xc3\xa9\\\"sum\xc3\xa9\\\\.pdf\",\"size\":1048576,"
            "\"etag\":\"9b2cf535f27731c974343645a3985328\",\"content_type\":\"application/pdf\","
            "\"user\":\"alice\"}");
}

TEST(EventJsonTest, AnonymousUserIsNull) {
  UploadEvent event;
  EXPECT_EQ(EventJson(event),
            R"({"event":"upload.confirmed","profile":"","bucket":"","key":"","uuid":"","name":"",)"
            R"("size":0,"etag":"","content_type":"","user":null})");
}

TEST(EventJsonTest, SizeIsAnExactJsonNumber) {
  UploadEvent event;
  event.size = 18446744073709551615u;  // written as is, not through a double
  EXPECT_NE(EventJson(event).find(R"("size":18446744073709551615,)"), std::string::npos);
}

TEST(EventJsonTest, EveryStringFieldIsEscaped) {
  UploadEvent event;
  event.profile = "p\"";
  event.bucket = "b\\";
  event.key = "k\n";
  event.uuid = "u\t";
  event.name = "n\x01";
  event.etag = "e\r";
  event.content_type = "c\x1f";
  event.user = "u\b\f";
  EXPECT_EQ(EventJson(event),
            R"({"event":"upload.confirmed","profile":"p\"","bucket":"b\\","key":"k\n",)"
            R"("uuid":"u\t","name":"n\u0001","size":0,"etag":"e\r","content_type":"c\u001f",)"
            R"("user":"u\b\f"})");
}

TEST(EventJsonTest, HostileFileNameStaysInsideItsString) {
  UploadEvent event;
  event.name = "\",\"size\":0,\"user\":\"root";
  const std::string json = EventJson(event);
  EXPECT_NE(json.find(R"("name":"\",\"size\":0,\"user\":\"root",)"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("user":null})"), std::string::npos) << json;
}

// ---------------------------------------------------------------------------------------------
// String literals (the escaping EventJson uses)
// ---------------------------------------------------------------------------------------------

// ---------------------------------------------------------------------------------------------
// SignatureHeaderValue
// ---------------------------------------------------------------------------------------------

TEST(SignatureHeaderValueTest, MatchesPythonHmac) {
  // python3 -c "import hmac,hashlib;
  //   print(hmac.new(b'secret',b'1700000000.{}',hashlib.sha256).hexdigest())"
  EXPECT_EQ(SignatureHeaderValue(aws::SecretKey("secret"), 1700000000, "{}"),
            "t=1700000000,v1=b8569b78799ff9e3cbff0fc2d63a33a2b57f3282abd07c37ae5e8e7d79a5f163");
}

TEST(SignatureHeaderValueTest, CoversTheEventBody) {
  // hmac.new(b"whsec_test", b"1714564800." + <the body of ExactBytesInContractOrder>, sha256)
  EXPECT_EQ(
      SignatureHeaderValue(aws::SecretKey("whsec_test"), 1714564800, EventJson(SampleEvent())),
      "t=1714564800,v1=5d3d34858c7a0df7c3bb649c6bfc65af24a505908bfc44ccb99a2dbb91adde25");
}

TEST(SignatureHeaderValueTest, TimestampIsInsideTheMac) {
  // hmac.new(b"secret", b"1700000001.{}", sha256): a replay with a fresh "t=" does not verify.
  EXPECT_EQ(SignatureHeaderValue(aws::SecretKey("secret"), 1700000001, "{}"),
            "t=1700000001,v1=d8852b947962e1140a9c783987325ad24c45fe0cb635b74b12638edf56ef795f");
}

TEST(SignatureHeaderValueTest, BodyAndSecretMatter) {
  const aws::SecretKey secret("secret");
  const std::string base = SignatureHeaderValue(secret, 1700000000, "{}");
  EXPECT_NE(SignatureHeaderValue(secret, 1700000000, "{} "), base);
  EXPECT_NE(SignatureHeaderValue(aws::SecretKey("secreT"), 1700000000, "{}"), base);
}

TEST(SignatureHeaderValueTest, NegativeAndZeroTimesAreWrittenAsIntegers) {
  EXPECT_EQ(SignatureHeaderValue(aws::SecretKey("secret"), 0, "").substr(0, 6), "t=0,v1");
  EXPECT_EQ(SignatureHeaderValue(aws::SecretKey("secret"), -5, "").substr(0, 7), "t=-5,v1");
}

}  // namespace
}  // namespace s3upload::notify
