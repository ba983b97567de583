// sigv4.cc, one step at a time: CanonicalHeaders, CanonicalQueryString, CanonicalUri,
// CanonicalRequest, CredentialScope, StringToSign, Signature, AuthorizationHeader and
// PresignQueryParams, each checked byte for byte.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "aws/test_support.h"
#include "s3upload/aws.h"

namespace s3upload::aws {
namespace {

// ---------------------------------------------------------------------------------------------
// CanonicalHeaders
// ---------------------------------------------------------------------------------------------

TEST(CanonicalHeadersTest, Empty) {
  const CanonicalHeaderBlock block = CanonicalHeaders({});
  EXPECT_EQ(block.canonical_headers, "");
  EXPECT_EQ(block.signed_headers, "");
}

TEST(CanonicalHeadersTest, LowerCasesNamesOnlyAndEndsWithNewline) {
  const CanonicalHeaderBlock block =
      CanonicalHeaders({{"Host", "Example.AmazonAWS.com"}, {"X-Amz-Date", "20150830T123600Z"}});
  EXPECT_EQ(block.canonical_headers, "host:Example.AmazonAWS.com\nx-amz-date:20150830T123600Z\n");
  EXPECT_EQ(block.signed_headers, "host;x-amz-date");
}

TEST(CanonicalHeadersTest, TrimsValues) {
  const CanonicalHeaderBlock block = CanonicalHeaders({
      {"a", "  leading"},
      {"b", "trailing  "},
      {"c", " \t both \t "},
      {"d", "\tnone"},
  });
  EXPECT_EQ(block.canonical_headers, "a:leading\nb:trailing\nc:both\nd:none\n");
}

TEST(CanonicalHeadersTest, CollapsesRunsOfWhitespaceToOneSpace) {
  const CanonicalHeaderBlock block = CanonicalHeaders({
      {"My-Header1", "    value1"},
      {"My-Header2", "    \"a   b   c\""},
      {"my-header3", "a \t b\t\tc  d"},
      {"x-amz-meta-qqfilename", "my%20photo%20(1).jpg"},
  });
  EXPECT_EQ(block.canonical_headers,
            "my-header1:value1\nmy-header2:\"a b c\"\nmy-header3:a b c d\n"
            "x-amz-meta-qqfilename:my%20photo%20(1).jpg\n");
}

TEST(CanonicalHeadersTest, EmptyAndBlankValues) {
  const CanonicalHeaderBlock block = CanonicalHeaders({{"x-empty", ""}, {"x-blank", "   "}});
  EXPECT_EQ(block.canonical_headers, "x-blank:\nx-empty:\n");
  EXPECT_EQ(block.signed_headers, "x-blank;x-empty");
}

TEST(CanonicalHeadersTest, RepeatedNamesJoinWithCommaInTheOrderGiven) {
  const CanonicalHeaderBlock block = CanonicalHeaders({
      {"My-Header1", "value4"},
      {"Host", "example.amazonaws.com"},
      {"my-header1", " value1 "},
      {"MY-HEADER1", "value3"},
      {"x-amz-date", "20150830T123600Z"},
  });
  EXPECT_EQ(block.canonical_headers,
            "host:example.amazonaws.com\nmy-header1:value4,value1,value3\n"
            "x-amz-date:20150830T123600Z\n");
  EXPECT_EQ(block.signed_headers, "host;my-header1;x-amz-date");
}

TEST(CanonicalHeadersTest, RepeatedNamesWithEmptyValues) {
  const CanonicalHeaderBlock block = CanonicalHeaders({{"x-a", ""}, {"x-a", "b"}, {"x-a", ""}});
  EXPECT_EQ(block.canonical_headers, "x-a:,b,\n");
  EXPECT_EQ(block.signed_headers, "x-a");
}

TEST(CanonicalHeadersTest, SortsByLowerCasedNameBytewise) {
  const CanonicalHeaderBlock block = CanonicalHeaders({
      {"X-Amz-Date", "d"},
      {"x-amz-content-sha256", "c"},
      {"Zeta", "z"},
      {"alpha", "a"},
      {"a-b", "dash"},
      {"ab", "letter"},
      {"Host", "h"},
  });
  EXPECT_EQ(block.canonical_headers,
            "a-b:dash\nab:letter\nalpha:a\nhost:h\nx-amz-content-sha256:c\nx-amz-date:d\nzeta:z\n");
  EXPECT_EQ(block.signed_headers, "a-b;ab;alpha;host;x-amz-content-sha256;x-amz-date;zeta");
}

// ---------------------------------------------------------------------------------------------
// CanonicalQueryString
// ---------------------------------------------------------------------------------------------

TEST(CanonicalQueryStringTest, Empty) { EXPECT_EQ(CanonicalQueryString({}), ""); }

TEST(CanonicalQueryStringTest, EmptyValuesKeepTheEqualsSign) {
  EXPECT_EQ(CanonicalQueryString({{"uploads", ""}}), "uploads=");
  EXPECT_EQ(CanonicalQueryString({{"lifecycle", ""}}), "lifecycle=");
  EXPECT_EQ(CanonicalQueryString({{"b", ""}, {"a", "1"}}), "a=1&b=");
}

TEST(CanonicalQueryStringTest, SortsByNameThenValue) {
  EXPECT_EQ(CanonicalQueryString({{"uploadId", "UPLOADID123"}, {"partNumber", "1"}}),
            "partNumber=1&uploadId=UPLOADID123");
  EXPECT_EQ(CanonicalQueryString({{"Param1", "value2"}, {"Param1", "Value1"}}),
            "Param1=Value1&Param1=value2");
  EXPECT_EQ(CanonicalQueryString({{"b", "1"}, {"a", "2"}, {"A", "3"}}), "A=3&a=2&b=1");
  EXPECT_EQ(CanonicalQueryString({{"k", "b"}, {"k", "a"}, {"k", ""}}), "k=&k=a&k=b");
}

TEST(CanonicalQueryStringTest, SortsByTheEncodedNames) {
  // '.' (0x2e) sorts before '/' (0x2f), but the encoded "%2F" sorts before '.'.
  EXPECT_EQ(CanonicalQueryString({{"a.b", "1"}, {"a/b", "2"}}), "a%2Fb=2&a.b=1");
  // 'ü' (0xc3 0xbc) sorts after '~' (0x7e), but "%C3%BC" sorts before it.
  EXPECT_EQ(CanonicalQueryString({{"~", "1"}, {"\xc3\xbc", "2"}}), "%C3%BC=2&~=1");
  // Likewise for values of the same name.
  EXPECT_EQ(CanonicalQueryString({{"k", "~"}, {"k", "\xc3\xbc"}}), "k=%C3%BC&k=~");
}

TEST(CanonicalQueryStringTest, EncodesNamesAndValuesIncludingSlash) {
  EXPECT_EQ(CanonicalQueryString({{"prefix", "photos/2024 05/"}, {"a b", "c+d=e&f"}}),
            "a%20b=c%2Bd%3De%26f&prefix=photos%2F2024%2005%2F");
  EXPECT_EQ(CanonicalQueryString({{"-._~", "-._~"}}), "-._~=-._~");
}

// ---------------------------------------------------------------------------------------------
// CanonicalUri: normalize x encode
// ---------------------------------------------------------------------------------------------

TEST(CanonicalUriTest, NeitherNormalizedNorEncodedIsTheS3Form) {
  EXPECT_EQ(CanonicalUri("/test%24file.text", false, false), "/test%24file.text");
  EXPECT_EQ(CanonicalUri("/a/./b/../c//d/", false, false), "/a/./b/../c//d/");
  EXPECT_EQ(CanonicalUri("", false, false), "/");
  EXPECT_EQ(CanonicalUri("/", false, false), "/");
  // The key is encoded once by the caller; dot segments in a key are part of the key.
  EXPECT_EQ(CanonicalUri("/" + UriEncode("dir/\xc3\xbc file's (1)*!~.jpg", false), false, false),
            "/dir/%C3%BC%20file%27s%20%281%29%2A%21~.jpg");
  EXPECT_EQ(CanonicalUri("/" + UriEncode("a/../b", false), false, false), "/a/../b");
}

TEST(CanonicalUriTest, EncodedOnly) {
  EXPECT_EQ(CanonicalUri("/example space/", false, true), "/example%20space/");
  EXPECT_EQ(CanonicalUri("/\xe1\x88\xb4", false, true), "/%E1%88%B4");
  EXPECT_EQ(CanonicalUri("/a+b/c~d", false, true), "/a%2Bb/c~d");
  EXPECT_EQ(CanonicalUri("/a%20b", false, true), "/a%2520b");  // what is sent is encoded again
  EXPECT_EQ(CanonicalUri("//a/./b/", false, true), "//a/./b/");
  EXPECT_EQ(CanonicalUri("", false, true), "/");
}

TEST(CanonicalUriTest, NormalizedOnly) {
  EXPECT_EQ(CanonicalUri("/", true, false), "/");
  EXPECT_EQ(CanonicalUri("", true, false), "/");
  EXPECT_EQ(CanonicalUri("/example/..", true, false), "/");
  EXPECT_EQ(CanonicalUri("/example1/example2/../..", true, false), "/");
  EXPECT_EQ(CanonicalUri("/./", true, false), "/");
  EXPECT_EQ(CanonicalUri("/./example", true, false), "/example");
  EXPECT_EQ(CanonicalUri("//example//", true, false), "/example/");
  EXPECT_EQ(CanonicalUri("/a/./b/../c", true, false), "/a/c");
  EXPECT_EQ(CanonicalUri("/a//b///c", true, false), "/a/b/c");
  EXPECT_EQ(CanonicalUri("/a/b/", true, false), "/a/b/");
  EXPECT_EQ(CanonicalUri("/../../a", true, false), "/a");
  EXPECT_EQ(CanonicalUri("a/b", true, false), "/a/b");
  EXPECT_EQ(CanonicalUri("..", true, false), "/");
  // A path ending in a dot segment loses its last slash (as botocore's remove_dot_segments does;
  // RFC 3986 5.2.4 would keep it).
  EXPECT_EQ(CanonicalUri("/a/b/..", true, false), "/a");
  EXPECT_EQ(CanonicalUri("/a/b/.", true, false), "/a/b");
  // Percent escapes are not decoded before normalising.
  EXPECT_EQ(CanonicalUri("/a/%2E%2E/b", true, false), "/a/%2E%2E/b");
}

TEST(CanonicalUriTest, NormalizedAndEncoded) {
  EXPECT_EQ(CanonicalUri("/example space/", true, true), "/example%20space/");
  EXPECT_EQ(CanonicalUri("/a/./b c/../d e", true, true), "/a/d%20e");
  EXPECT_EQ(CanonicalUri("//\xc3\xbc//", true, true), "/%C3%BC/");
  EXPECT_EQ(CanonicalUri("/-._~0aA", true, true), "/-._~0aA");
}

// ---------------------------------------------------------------------------------------------
// CanonicalRequest
// ---------------------------------------------------------------------------------------------

TEST(CanonicalRequestTest, LinesInOrderWithTheBlankLineAfterTheHeaders) {
  const CanonicalHeaderBlock headers =
      CanonicalHeaders({{"Host", "example.amazonaws.com"}, {"X-Amz-Date", "20150830T123600Z"}});
  const std::string canonical = CanonicalRequest("GET", "/", "", headers, kEmptyPayloadHash);
  // The get-vanilla case of the AWS test suite (landscape.md 4.1).
  EXPECT_EQ(canonical,
            "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex(canonical),
            "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63");
}

TEST(CanonicalRequestTest, UnsignedPayloadAndQuery) {
  EXPECT_EQ(
      CanonicalRequest("PUT", "/k", "a=1", CanonicalHeaders({{"host", "h"}}), kUnsignedPayload),
      "PUT\n/k\na=1\nhost:h\n\nhost\nUNSIGNED-PAYLOAD");
}

// ---------------------------------------------------------------------------------------------
// CredentialScope, StringToSign, Signature, AuthorizationHeader
// ---------------------------------------------------------------------------------------------

TEST(CredentialScopeTest, Format) {
  EXPECT_EQ(CredentialScope("20240501", "eu-west-1", "s3"), "20240501/eu-west-1/s3/aws4_request");
  EXPECT_EQ(CredentialScope("20150830", "us-east-1", "service"),
            "20150830/us-east-1/service/aws4_request");
}

TEST(StringToSignTest, Format) {
  EXPECT_EQ(StringToSign("20150830T123600Z", "20150830/us-east-1/service/aws4_request",
                         "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63"),
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
            "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63");
}

TEST(SignatureTest, GetVanilla) {
  const SecretKey secret(std::string("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"));
  const std::string signature =
      Signature(DeriveSigningKey(secret, "20150830", "us-east-1", "service"),
                "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
                "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63");
  EXPECT_EQ(signature, "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
}

TEST(SignatureTest, IsLowerCaseHexOfHmacSha256) {
  const SigningKey key = HmacSha256(std::string_view("key"), "data");
  EXPECT_EQ(Signature(key, "message"), HexEncode(HmacSha256(key, "message")));
  EXPECT_EQ(Signature(key, "message").size(), 64u);
}

TEST(AuthorizationHeaderTest, Format) {
  EXPECT_EQ(AuthorizationHeader("AKIDEXAMPLE", "20150830/us-east-1/service/aws4_request",
                                "host;x-amz-date",
                                "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"),
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
            "SignedHeaders=host;x-amz-date, "
            "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
}

// ---------------------------------------------------------------------------------------------
// PresignQueryParams
// ---------------------------------------------------------------------------------------------

void ExpectParam(const QueryParam& param, const std::string& name, const std::string& value) {
  EXPECT_EQ(param.name, name);
  EXPECT_EQ(param.value, value);
}

TEST(PresignQueryParamsTest, WithoutSessionToken) {
  const std::vector<QueryParam> params =
      PresignQueryParams("AKIDEXAMPLE", "20150830/us-east-1/service/aws4_request",
                         "20150830T123600Z", std::chrono::seconds(3600), "host", "");
  ASSERT_EQ(params.size(), 5u);
  ExpectParam(params[0], "X-Amz-Algorithm", "AWS4-HMAC-SHA256");
  ExpectParam(params[1], "X-Amz-Credential", "AKIDEXAMPLE/20150830/us-east-1/service/aws4_request");
  ExpectParam(params[2], "X-Amz-Date", "20150830T123600Z");
  ExpectParam(params[3], "X-Amz-Expires", "3600");
  ExpectParam(params[4], "X-Amz-SignedHeaders", "host");
  EXPECT_EQ(CanonicalQueryString(params),
            "X-Amz-Algorithm=AWS4-HMAC-SHA256"
            "&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fservice%2Faws4_request"
            "&X-Amz-Date=20150830T123600Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=host");
}

TEST(PresignQueryParamsTest, WithSessionToken) {
  const std::vector<QueryParam> params = PresignQueryParams(
      "AKIDEXAMPLE", "20240501/eu-west-1/s3/aws4_request", "20240501T120000Z",
      std::chrono::seconds(604800), "host;x-amz-acl", "AQoDYXdzEPT//////////wEXAMPLE+token=");
  ASSERT_EQ(params.size(), 6u);
  ExpectParam(params[3], "X-Amz-Expires", "604800");
  ExpectParam(params[4], "X-Amz-SignedHeaders", "host;x-amz-acl");
  ExpectParam(params[5], "X-Amz-Security-Token", "AQoDYXdzEPT//////////wEXAMPLE+token=");
  // X-Amz-Security-Token sorts between X-Amz-Expires and X-Amz-SignedHeaders.
  EXPECT_EQ(CanonicalQueryString(params),
            "X-Amz-Algorithm=AWS4-HMAC-SHA256"
            "&X-Amz-Credential=AKIDEXAMPLE%2F20240501%2Feu-west-1%2Fs3%2Faws4_request"
            "&X-Amz-Date=20240501T120000Z&X-Amz-Expires=604800"
            "&X-Amz-Security-Token=AQoDYXdzEPT%2F%2F%2F%2F%2F%2F%2F%2F%2F%2FwEXAMPLE%2Btoken%3D"
            "&X-Amz-SignedHeaders=host%3Bx-amz-acl");
}

TEST(PresignQueryParamsTest, ExpiresIsAPlainDecimalNumberOfSeconds) {
  const auto expires = [](std::chrono::seconds s) {
    return PresignQueryParams("AK", "scope", "20240501T120000Z", s, "host", "")[3].value;
  };
  EXPECT_EQ(expires(std::chrono::seconds(1)), "1");
  EXPECT_EQ(expires(std::chrono::minutes(15)), "900");
  EXPECT_EQ(expires(std::chrono::hours(24 * 7)), "604800");
}

}  // namespace
}  // namespace s3upload::aws
