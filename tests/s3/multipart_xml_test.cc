// multipart_xml.cc: ParseXml and the readers of S3's multipart answers, on the example responses
// of the Amazon S3 API reference (CreateMultipartUpload, ListParts, CompleteMultipartUpload, and
// the 200-with-<Error> answer CompleteMultipartUpload can give), radosgw's own answers, and the
// documents a reader must refuse.
#include <gtest/gtest.h>

#include <string>
#include <variant>

#include "s3upload/s3_multipart.h"

namespace s3upload::s3 {
namespace {

// "Examples", CreateMultipartUpload, Amazon S3 API Reference.
constexpr std::string_view kInitiateExample = R"(<?xml version="1.0" encoding="UTF-8"?>
<InitiateMultipartUploadResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Bucket>example-bucket</Bucket>
  <Key>example-object</Key>
  <UploadId>VXBsb2FkIElEIGZvciA2aWWpbmcncyBteS1tb3ZpZS5tMnRzIHVwbG9hZA</UploadId>
</InitiateMultipartUploadResult>)";

// "Examples", ListParts (the second page of a listing with max-parts=2).
constexpr std::string_view kListPartsExample = R"(<?xml version="1.0" encoding="UTF-8"?>
<ListPartsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Bucket>example-bucket</Bucket>
  <Key>example-object</Key>
  <UploadId>XXBsb2FkIElEIGZvciBlbHZpbmcncyVcdS1tb3ZpZS5tMnRzEEEwbG9hZA</UploadId>
  <Initiator>
      <ID>arn:aws:iam::111122223333:user/some-user-11116a31-17b5-4fb7-9df5-b288870f11xx</ID>
      <DisplayName>umat-user-11116a31-17b5-4fb7-9df5-b288870f11xx</DisplayName>
  </Initiator>
  <Owner>
    <ID>75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a</ID>
    <DisplayName>someName</DisplayName>
  </Owner>
  <StorageClass>STANDARD</StorageClass>
  <PartNumberMarker>1</PartNumberMarker>
  <NextPartNumberMarker>3</NextPartNumberMarker>
  <MaxParts>2</MaxParts>
  <IsTruncated>true</IsTruncated>
  <Part>
    <PartNumber>2</PartNumber>
    <LastModified>2010-11-10T20:48:34.000Z</LastModified>
    <ETag>"7778aef83f66abc1fa1e8477f296d394"</ETag>
    <Size>10485760</Size>
  </Part>
  <Part>
    <PartNumber>3</PartNumber>
    <LastModified>2010-11-10T20:48:33.000Z</LastModified>
    <ETag>"aaaa18db4cc2f85cedef654fccc4a4x8"</ETag>
    <Size>10485760</Size>
  </Part>
</ListPartsResult>)";

// What S3 itself sends: the ETag's quotes as entities, on one line.
constexpr std::string_view kListPartsS3Style =
    R"(<?xml version="1.0" encoding="UTF-8"?>)"
    "\n"
    R"(<ListPartsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Bucket>b</Bucket>)"
    R"(<Key>k</Key><UploadId>u</UploadId><PartNumberMarker>0</PartNumberMarker>)"
    R"(<NextPartNumberMarker>1</NextPartNumberMarker><MaxParts>1000</MaxParts>)"
    R"(<IsTruncated>false</IsTruncated><Part><PartNumber>1</PartNumber>)"
    R"(<LastModified>2026-11-21T20:00:00.000Z</LastModified>)"
    R"(<ETag>&quot;a54357aff0632cce46d942af68356b38&quot;</ETag><Size>5242880</Size></Part>)"
    R"(</ListPartsResult>)";

// "Examples", CompleteMultipartUpload (the <Region> placeholder of the page filled in).
constexpr std::string_view kCompleteExample = R"(<?xml version="1.0" encoding="UTF-8"?>
<CompleteMultipartUploadResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Location>http://Example-Bucket.s3.us-east-1.amazonaws.com/Example-Object</Location>
  <Bucket>Example-Bucket</Bucket>
  <Key>Example-Object</Key>
  <ETag>"3858f62230ac3c915f300c664312c11f-9"</ETag>
</CompleteMultipartUploadResult>)";

// The same page: "a 200 OK response can contain valid or invalid XML" with an error inside.
constexpr std::string_view kCompleteErrorIn200 = R"(<?xml version="1.0" encoding="UTF-8"?>

<Error>
<Code>InternalError</Code>
<Message>We encountered an internal error. Please try again.</Message>
<RequestId>656c76696e6727732072657175657374</RequestId>
<HostId>Uuag1LuByRx9e6j5Onimru9pO4ZVKnJ2Qz7/C1NPcfTWAtRPfTaOFg==</HostId>
</Error>)";

// radosgw 16: an empty ETag in the complete answer (see docs/s3-test-servers.md).
constexpr std::string_view kCompleteRadosgw =
    R"(<?xml version="1.0" encoding="UTF-8"?><CompleteMultipartUploadResult )"
    R"(xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Location>localhost:7480/b/k</Location>)"
    R"(<Bucket>b</Bucket><Key>k</Key><ETag></ETag></CompleteMultipartUploadResult>)";

// The value (a copy: the variant is a temporary of the caller's expression).
template <typename T>
T Ok(const std::variant<T, std::string>& result) {
  if (const auto* message = std::get_if<std::string>(&result)) {
    ADD_FAILURE() << *message;
    return T{};
  }
  return std::get<T>(result);
}

template <typename T>
std::string ErrorOf(const std::variant<T, std::string>& result) {
  if (const auto* message = std::get_if<std::string>(&result)) return *message;
  return "parsed";
}

TEST(MultipartXmlTest, InitiateExample) {
  EXPECT_EQ(Ok(ParseInitiateMultipartUploadResult(kInitiateExample)).upload_id,
            "VXBsb2FkIElEIGZvciA2aWWpbmcncyBteS1tb3ZpZS5tMnRzIHVwbG9hZA");
  EXPECT_EQ(
      ErrorOf(ParseInitiateMultipartUploadResult("<InitiateMultipartUploadResult><Bucket>b</Bucket>"
                                                 "</InitiateMultipartUploadResult>")),
      "InitiateMultipartUploadResult without an UploadId");
  EXPECT_EQ(ErrorOf(ParseInitiateMultipartUploadResult(
                "<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>")),
            "S3 error AccessDenied: Access Denied");
}

TEST(MultipartXmlTest, ListPartsExample) {
  const PartsPage page = Ok(ParseListPartsResult(kListPartsExample));
  EXPECT_TRUE(page.truncated);
  EXPECT_EQ(page.next_part_number_marker, 3U);
  ASSERT_EQ(page.parts.size(), 2U);
  EXPECT_EQ(page.parts[0].part_number, 2U);
  EXPECT_EQ(page.parts[0].etag, "\"7778aef83f66abc1fa1e8477f296d394\"");
  EXPECT_EQ(page.parts[0].size, 10485760U);
  EXPECT_EQ(page.parts[0].last_modified, "2010-11-10T20:48:34.000Z");
  EXPECT_EQ(page.parts[1].part_number, 3U);

  const PartsPage s3 = Ok(ParseListPartsResult(kListPartsS3Style));
  EXPECT_FALSE(s3.truncated);
  ASSERT_EQ(s3.parts.size(), 1U);
  EXPECT_EQ(s3.parts[0].etag, "\"a54357aff0632cce46d942af68356b38\"");
  EXPECT_EQ(s3.parts[0].size, 5242880U);

  // No parts yet.
  EXPECT_TRUE(Ok(ParseListPartsResult("<ListPartsResult><IsTruncated>false</IsTruncated>"
                                      "</ListPartsResult>"))
                  .parts.empty());
}

TEST(MultipartXmlTest, ListPartsRefusals) {
  for (std::string_view xml : {
           "<ListPartsResult><Part><PartNumber>0</PartNumber><ETag>e</ETag><Size>1</Size></Part>"
           "</ListPartsResult>",
           "<ListPartsResult><Part><PartNumber>10001</PartNumber><ETag>e</ETag><Size>1</Size>"
           "</Part></ListPartsResult>",
           "<ListPartsResult><Part><PartNumber>1</PartNumber><Size>1</Size></Part>"
           "</ListPartsResult>",
           "<ListPartsResult><Part><PartNumber>1</PartNumber><ETag>e</ETag><Size>-1</Size>"
           "</Part></ListPartsResult>",
           "<ListPartsResult><Part><PartNumber>1</PartNumber><ETag>e</ETag>"
           "<Size>99999999999999999999999</Size></Part></ListPartsResult>",
           "<ListPartsResult><IsTruncated>yes</IsTruncated></ListPartsResult>",
           "<ListPartsResult><IsTruncated>true</IsTruncated></ListPartsResult>",  // no marker
           "<ListPartsResult><IsTruncated>true</IsTruncated><NextPartNumberMarker>x"
           "</NextPartNumberMarker></ListPartsResult>",
           "<ListMultipartUploadsResult></ListMultipartUploadsResult>",
       }) {
    EXPECT_NE(ErrorOf(ParseListPartsResult(xml)), "parsed") << xml;
  }
}

TEST(MultipartXmlTest, CompleteExamples) {
  const CompletedUpload done = Ok(ParseCompleteMultipartUploadResult(kCompleteExample));
  EXPECT_EQ(done.location, "http://Example-Bucket.s3.us-east-1.amazonaws.com/Example-Object");
  EXPECT_EQ(done.bucket, "Example-Bucket");
  EXPECT_EQ(done.key, "Example-Object");
  EXPECT_EQ(done.etag, "\"3858f62230ac3c915f300c664312c11f-9\"");
  EXPECT_EQ(Ok(ParseCompleteMultipartUploadResult(kCompleteRadosgw)).etag, "");
  // The error inside a 200 is an error.
  EXPECT_EQ(ErrorOf(ParseCompleteMultipartUploadResult(kCompleteErrorIn200)),
            "S3 error InternalError: We encountered an internal error. Please try again.");
  // So is a 200 whose body was cut off.
  EXPECT_NE(ErrorOf(ParseCompleteMultipartUploadResult(kCompleteExample.substr(0, 150))), "parsed");
  EXPECT_NE(ErrorOf(ParseCompleteMultipartUploadResult("")), "parsed");
}

TEST(ParseXmlTest, TextEntitiesAndStructure) {
  const auto parsed = ParseXml(
      "\xEF\xBB\xBF<?xml version=\"1.0\"?><!-- hi --><a x=\"1\" y='2>'>"
      "t&lt;&gt;&amp;&quot;&apos;&#65;&#x42;&#xe9;<b/><c>1<!-- inner --><![CDATA[<&>]]></c>"
      "</a>\n<!-- after -->\n");
  ASSERT_TRUE(std::holds_alternative<XmlElement>(parsed)) << std::get<std::string>(parsed);
  const XmlElement& a = std::get<XmlElement>(parsed);
  EXPECT_EQ(a.name, "a");
  EXPECT_EQ(a.text, "t<>&\"'AB\xC3\xA9");
  ASSERT_EQ(a.children.size(), 2U);
  EXPECT_EQ(a.children[0].name, "b");
  EXPECT_EQ(a.Child("c")->text, "1<&>");
  EXPECT_EQ(a.Child("d"), nullptr);
}

TEST(ParseXmlTest, Refusals) {
  const std::string deep = [] {
    std::string text;
    for (std::size_t i = 0; i <= kMaxXmlDepth; ++i) text += "<a>";
    for (std::size_t i = 0; i <= kMaxXmlDepth; ++i) text += "</a>";
    return text;
  }();
  for (const std::string& xml : std::vector<std::string>{
           "",
           "   ",
           "text",
           "<a>",
           "<a></b>",
           "<a><b></a></b>",
           "<a></a><b></b>",
           "<a></a>trailing",
           "<a>&unknown;</a>",
           "<a>&amp</a>",
           "<a>&#0;</a>",
           "<a>&#xD800;</a>",
           "<a>&#x110000;</a>",
           "<a>&#;</a>",
           "<!DOCTYPE a [<!ENTITY x \"y\">]><a>&x;</a>",
           "<a><!DOCTYPE b></a>",
           "<a x=1></a>",
           "<a x=\"1></a>",
           "<a x=\"1\"y=\"2\"></a>",
           "<a><!-- unterminated </a>",
           "<a><![CDATA[ unterminated </a>",
           "<?xml unterminated",
           "< a></a>",
           deep,
       }) {
    EXPECT_TRUE(std::holds_alternative<std::string>(ParseXml(xml))) << xml;
  }
  // At the limit: fine.
  std::string ok;
  for (std::size_t i = 0; i < kMaxXmlDepth; ++i) ok += "<a>";
  for (std::size_t i = 0; i < kMaxXmlDepth; ++i) ok += "</a>";
  EXPECT_TRUE(std::holds_alternative<XmlElement>(ParseXml(ok)));
}

}  // namespace
}  // namespace s3upload::s3
