// Tests for src/config/validators.cc: the syntax of single values and their normal forms.
#include "config/validators.h"

#include <gtest/gtest.h>

namespace s3upload::config::internal {
namespace {

using verify::Addressing;

TEST(CheckNameTest, LettersDigitsDotDashUnderscore) {
  EXPECT_TRUE(CheckName("photos").ok());
  EXPECT_TRUE(CheckName("Photos_2.v-1").ok());
  EXPECT_TRUE(CheckName(std::string(64, 'a')).ok());
  EXPECT_FALSE(CheckName("").ok());
  EXPECT_FALSE(CheckName(std::string(65, 'a')).ok());
  EXPECT_FALSE(CheckName("a b").ok());
  EXPECT_FALSE(CheckName("a/b").ok());
  EXPECT_FALSE(CheckName("ä").ok());
}

TEST(ParseEndpointTest, HostAndPort) {
  StatusOr<Endpoint> e = ParseEndpoint("https://s3.eu-west-1.amazonaws.com");
  ASSERT_TRUE(e.ok()) << e.status().message();
  EXPECT_EQ(e->scheme, "https");
  EXPECT_EQ(e->host, "s3.eu-west-1.amazonaws.com");
  EXPECT_EQ(e->port, std::nullopt);
  EXPECT_FALSE(e->host_is_ip);
  EXPECT_EQ(e->Url(), "https://s3.eu-west-1.amazonaws.com");

  e = ParseEndpoint("http://127.0.0.1:7480");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->Authority(), "127.0.0.1:7480");
  EXPECT_TRUE(e->host_is_ip);
  EXPECT_EQ(e->Url(), "http://127.0.0.1:7480");

  e = ParseEndpoint("http://[::1]:9000/");
  ASSERT_TRUE(e.ok()) << e.status().message();
  EXPECT_EQ(e->Authority(), "[::1]:9000");
  EXPECT_TRUE(e->host_is_ip);
}

TEST(ParseEndpointTest, NormalisesCaseTrailingSlashAndDefaultPorts) {
  EXPECT_EQ(ParseEndpoint("HTTPS://S3.Example.COM/")->Url(), "https://s3.example.com");
  EXPECT_EQ(ParseEndpoint("https://s3.example.com:443")->Url(), "https://s3.example.com");
  EXPECT_EQ(ParseEndpoint("http://s3.example.com:80")->Url(), "http://s3.example.com");
  EXPECT_EQ(ParseEndpoint("http://s3.example.com:443")->Url(), "http://s3.example.com:443");
  EXPECT_EQ(ParseEndpoint("https://minio:9000")->Authority(), "minio:9000");
}

TEST(ParseEndpointTest, RefusesAnythingElse) {
  for (const char* text : {"",
                           "s3.amazonaws.com",
                           "ftp://s3.amazonaws.com",
                           "https://",
                           "https:///",
                           "https://s3.amazonaws.com/bucket",
                           "https://s3.amazonaws.com//",
                           "https://h?x=1",
                           "https://h#f",
                           "https://user:pw@h",
                           "https://h:0",
                           "https://h:65536",
                           "https://h:abc",
                           "https://h:",
                           "https://-h",
                           "https://h_h",
                           "https://h..com",
                           "https://[::1",
                           "https://[zz]",
                           "https://h com"}) {
    EXPECT_FALSE(ParseEndpoint(text).ok()) << text;
  }
}

TEST(ParseEndpointTest, PathMessageSaysSo) {
  const std::string message = ParseEndpoint("https://s3.amazonaws.com/bucket").status().message();
  EXPECT_NE(message.find("must not have a path"), std::string::npos) << message;
}

TEST(NormaliseHostHeaderTest, LowerCasesAndKeepsPort) {
  EXPECT_EQ(*NormaliseHostHeader("MyBucket.S3.amazonaws.com"), "mybucket.s3.amazonaws.com");
  EXPECT_EQ(*NormaliseHostHeader("localhost:9000"), "localhost:9000");
  EXPECT_FALSE(NormaliseHostHeader("https://x").ok());
  EXPECT_FALSE(NormaliseHostHeader("x/y").ok());
  EXPECT_FALSE(NormaliseHostHeader("").ok());
}

TEST(CheckRegionTest, Form) {
  EXPECT_TRUE(CheckRegion("eu-west-1").ok());
  EXPECT_TRUE(CheckRegion("default").ok());
  EXPECT_FALSE(CheckRegion("").ok());
  EXPECT_FALSE(CheckRegion("eu/west").ok());
  EXPECT_FALSE(CheckRegion("eu west").ok());
  EXPECT_FALSE(CheckRegion("eu.west").ok());
}

TEST(CheckBucketTest, VirtualHostedNeedsDnsNames) {
  EXPECT_TRUE(CheckBucket("mybucket", Addressing::kVirtualHosted).ok());
  EXPECT_TRUE(CheckBucket("my.bucket-1", Addressing::kVirtualHosted).ok());
  for (const char* name : {"ab", "MyBucket", "my_bucket", "-bucket", "bucket-", "my..bucket",
                           "192.168.1.1", "my/bucket"}) {
    EXPECT_FALSE(CheckBucket(name, Addressing::kVirtualHosted).ok()) << name;
  }
  EXPECT_FALSE(CheckBucket(std::string(64, 'a'), Addressing::kVirtualHosted).ok());
}

TEST(CheckBucketTest, PathStyleAllowsLegacyNames) {
  EXPECT_TRUE(CheckBucket("My_Bucket", Addressing::kPathStyle).ok());
  EXPECT_TRUE(CheckBucket("ab", Addressing::kPathStyle).ok());
  EXPECT_FALSE(CheckBucket("", Addressing::kPathStyle).ok());
  EXPECT_FALSE(CheckBucket("a/b", Addressing::kPathStyle).ok());
  EXPECT_FALSE(CheckBucket("..", Addressing::kPathStyle).ok());
  EXPECT_FALSE(CheckBucket("a b", Addressing::kPathStyle).ok());
}

TEST(CheckAccessKeyIdTest, AlphanumericUpTo128) {
  EXPECT_TRUE(CheckAccessKeyId("AKIAIOSFODNN7EXAMPLE").ok());
  EXPECT_TRUE(CheckAccessKeyId("minioadmin").ok());
  EXPECT_TRUE(CheckAccessKeyId(std::string(128, 'A')).ok());
  EXPECT_FALSE(CheckAccessKeyId(std::string(129, 'A')).ok());
  EXPECT_FALSE(CheckAccessKeyId("").ok());
  EXPECT_FALSE(CheckAccessKeyId("AKIA/X").ok());
  EXPECT_FALSE(CheckAccessKeyId("AKIA X").ok());
}

TEST(NormaliseContentTypeTest, ExactAndWildcards) {
  EXPECT_EQ(*NormaliseContentType("image/jpeg"), "image/jpeg");
  EXPECT_EQ(*NormaliseContentType("Image/JPEG"), "image/jpeg");
  EXPECT_EQ(*NormaliseContentType("image/*"), "image/*");
  EXPECT_EQ(*NormaliseContentType("*/*"), "*/*");
  EXPECT_EQ(
      *NormaliseContentType("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
      "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
  EXPECT_EQ(*NormaliseContentType("image/svg+xml"), "image/svg+xml");
}

TEST(NormaliseContentTypeTest, Parameters) {
  EXPECT_EQ(*NormaliseContentType("text/plain; Charset=UTF-8"), "text/plain;charset=UTF-8");
  EXPECT_EQ(*NormaliseContentType("text/plain;a=1; b=\"x y\""), "text/plain;a=1;b=\"x y\"");
  EXPECT_FALSE(NormaliseContentType("image/*; q=1").ok());
  EXPECT_FALSE(NormaliseContentType("text/plain;").ok());
  EXPECT_FALSE(NormaliseContentType("text/plain; charset").ok());
  EXPECT_FALSE(NormaliseContentType("text/plain; =x").ok());
}

TEST(NormaliseContentTypeTest, RefusesOtherForms) {
  for (const char* text :
       {"", "image", "image/", "/jpeg", "*/jpeg", "*", "image/jp eg", "image/jpeg/x", "ima ge/jpeg",
        "image/**", "image/*x", "-image/x", "image/(jpeg)"}) {
    EXPECT_FALSE(NormaliseContentType(text).ok()) << text;
  }
}

TEST(CheckCannedAclTest, OnlyS3CannedAcls) {
  for (const char* acl : {"private", "public-read", "public-read-write", "authenticated-read",
                          "aws-exec-read", "bucket-owner-read", "bucket-owner-full-control"}) {
    EXPECT_TRUE(CheckCannedAcl(acl).ok()) << acl;
  }
  EXPECT_FALSE(CheckCannedAcl("Private").ok());
  EXPECT_FALSE(CheckCannedAcl("log-delivery-write").ok());
  const std::string message = CheckCannedAcl("privat").message();
  EXPECT_NE(message.find("did you mean \"private\"?"), std::string::npos) << message;
}

TEST(CheckRedirectUrlTest, AbsoluteHttpUrls) {
  EXPECT_TRUE(CheckRedirectUrl("https://example.com/blank.html").ok());
  EXPECT_TRUE(CheckRedirectUrl("http://localhost:8080/x?y=1").ok());
  EXPECT_TRUE(CheckRedirectUrl("https://example.com").ok());
  for (const char* url : {"", "/blank.html", "example.com/x", "ftp://example.com/", "https://",
                          "https:///x", "https://exa mple.com/", "https://e.com/a b",
                          "https://u@e.com/", "javascript:alert(1)", "HTTPS://e.com/"}) {
    EXPECT_FALSE(CheckRedirectUrl(url).ok()) << url;
  }
}

TEST(CheckRedirectUrlTest, MessagesNameTheUrl) {
  EXPECT_EQ(CheckRedirectUrl("/blank.html").message(),
            "invalid redirect URL \"/blank.html\" (expected an absolute http:// or https:// URL)");
  EXPECT_EQ(CheckRedirectUrl("https://e.com/a b").message(),
            "invalid redirect URL \"https://e.com/a b\": spaces, control and non-ASCII characters "
            "must be percent-encoded");
  EXPECT_EQ(CheckRedirectUrl("https:///x").message(),
            "invalid redirect URL \"https:///x\": the host is missing");
}

TEST(CheckWebhookUrlTest, AbsoluteHttpUrlsWithPathAndQuery) {
  for (const char* url : {"https://app.example.com/hooks/upload", "http://127.0.0.1:8080/hook",
                          "https://app", "https://app.example.com:8443/a/b?c=d&e=f",
                          "http://[::1]:9000/hook", "https://app.example.com/hooks/@team?to=a@b"}) {
    EXPECT_TRUE(CheckWebhookUrl(url).ok()) << url << ": " << CheckWebhookUrl(url).message();
  }
}

TEST(CheckWebhookUrlTest, RefusesAnythingElse) {
  for (const char* url :
       {"", "/hook", "app.example.com/hook", "ftp://app.example.com/", "https://", "https:///x",
        "https://app.example.com/a b", "https://app.example.com/\x01", "https://app.example.com/ä",
        "https://app.example.com:99999/", "https://bad_host.example.com/", "HTTPS://app/",
        "https://app.example.com/#x", "https://app.example.com/hook#"}) {
    EXPECT_FALSE(CheckWebhookUrl(url).ok()) << url;
  }
}

TEST(CheckWebhookUrlTest, UserInfoIsRefusedWithoutRepeatingIt) {
  for (const char* url : {"https://user:hunter2@app.example.com/hook", "https://hunter2@app/",
                          "http://u:hunter2@[::1]:80/", "user:hunter2@app.example.com/hook"}) {
    const Status status = CheckWebhookUrl(url);
    ASSERT_FALSE(status.ok()) << url;
    EXPECT_NE(status.message().find("must not contain a user name or password"), std::string::npos)
        << status.message();
    EXPECT_EQ(status.message().find("hunter2"), std::string::npos) << status.message();
  }
}

TEST(CheckThumbnailTemplateTest, AcceptsTheThreePlaceholdersAnywhereSensible) {
  for (const char* url :
       {"https://cdn.example.com/{key}", "https://{bucket}.s3.amazonaws.com/{key}",
        "https://cdn.example.com/{bucket}/{key}?id={uuid}", "https://{uuid}.example.com/",
        "http://127.0.0.1:8080/t/{key}{uuid}", "https://cdn.example.com/icon.png",
        "https://cdn.example.com/{key}#x"}) {
    EXPECT_TRUE(CheckThumbnailTemplate(url).ok())
        << url << ": " << CheckThumbnailTemplate(url).message();
  }
}

TEST(CheckThumbnailTemplateTest, RefusesUnknownPlaceholdersAndBadUrls) {
  struct Case {
    const char* url;
    const char* message;
  };
  for (const Case& c : std::initializer_list<Case>{
           {"https://cdn.example.com/{name}",
            "unknown placeholder {name} (allowed: {bucket}, "
            "{key}, {uuid})"},
           {"https://cdn.example.com/{bucke}",
            "unknown placeholder {bucke} (did you mean {bucket}?"},
           {"https://cdn.example.com/{UUID}", "(did you mean {uuid}?"},
           {"https://cdn.example.com/{user}", "unknown placeholder {user}"},
           {"https://cdn.example.com/{ key }", "unknown placeholder { key }"},
           {"https://cdn.example.com/{}", "unknown placeholder {}"},
           {"https://cdn.example.com/{{key}}", "\"{\" without \"}\""},
           {"https://cdn.example.com/{key", "\"{\" without \"}\""},
           {"https://cdn.example.com/}", "\"}\" without \"{\""},
           {"https://{key}/", "{key} cannot be part of the host"},
           {"https://x{key}y.example.com/a", "{key} cannot be part of the host"},
           {"{bucket}://cdn.example.com/", "expected an absolute http:// or https:// URL"},
           {"//cdn.example.com/{key}", "expected an absolute http:// or https:// URL"},
           {"https://cdn.example.com/{key} x", "spaces, control and non-ASCII"},
           {"https://{bucket}_x.example.com/", "invalid host name"},
           {"https://u:p@cdn.example.com/{key}", "user names or passwords"},
       }) {
    const Status status = CheckThumbnailTemplate(c.url);
    ASSERT_FALSE(status.ok()) << c.url;
    EXPECT_NE(status.message().find(c.message), std::string::npos)
        << c.url << ": " << status.message();
    // Messages quote the template as written, not the URL it was checked as.
    EXPECT_NE(status.message().find(std::string("\"") + c.url), std::string::npos)
        << status.message();
  }
}

TEST(NormaliseMetadataNameTest, LowerCasedWithoutPrefix) {
  EXPECT_EQ(*NormaliseMetadataName("qqfilename"), "qqfilename");
  EXPECT_EQ(*NormaliseMetadataName("QQFileName"), "qqfilename");
  EXPECT_EQ(*NormaliseMetadataName("my-field_1.x"), "my-field_1.x");
  EXPECT_FALSE(NormaliseMetadataName("").ok());
  EXPECT_FALSE(NormaliseMetadataName("a b").ok());
  EXPECT_FALSE(NormaliseMetadataName("a:b").ok());
  const std::string message = NormaliseMetadataName("x-amz-meta-foo").status().message();
  EXPECT_NE(message.find("without the \"x-amz-meta-\" prefix"), std::string::npos) << message;
}

TEST(CheckStorageClassTest, UpperCaseNames) {
  EXPECT_TRUE(CheckStorageClass("STANDARD").ok());
  EXPECT_TRUE(CheckStorageClass("STANDARD_IA").ok());
  EXPECT_TRUE(CheckStorageClass("GLACIER_IR").ok());
  EXPECT_FALSE(CheckStorageClass("standard").ok());
  EXPECT_FALSE(CheckStorageClass("").ok());
  EXPECT_FALSE(CheckStorageClass("STAND ARD").ok());
}

TEST(CheckServerSideEncryptionTest, KnownValues) {
  EXPECT_TRUE(CheckServerSideEncryption("AES256").ok());
  EXPECT_TRUE(CheckServerSideEncryption("aws:kms").ok());
  EXPECT_TRUE(CheckServerSideEncryption("aws:kms:dsse").ok());
  EXPECT_FALSE(CheckServerSideEncryption("aes256").ok());
  EXPECT_FALSE(CheckServerSideEncryption("kms").ok());
}

TEST(CanonicalObjectHeaderTest, ThreeHeadersInAnyCase) {
  EXPECT_EQ(*CanonicalObjectHeader("Cache-Control"), "Cache-Control");
  EXPECT_EQ(*CanonicalObjectHeader("cache-control"), "Cache-Control");
  EXPECT_EQ(*CanonicalObjectHeader("CONTENT-DISPOSITION"), "Content-Disposition");
  EXPECT_EQ(*CanonicalObjectHeader("content-encoding"), "Content-Encoding");
  EXPECT_FALSE(CanonicalObjectHeader("Content-Type").ok());
  EXPECT_FALSE(CanonicalObjectHeader("Expires").ok());
  EXPECT_FALSE(CanonicalObjectHeader("x-amz-acl").ok());
}

TEST(CheckHeaderValueTest, PrintableAndTrimmed) {
  EXPECT_TRUE(CheckHeaderValue("max-age=3600").ok());
  EXPECT_TRUE(CheckHeaderValue("attachment; filename=\"a b.pdf\"").ok());
  EXPECT_FALSE(CheckHeaderValue("").ok());
  EXPECT_FALSE(CheckHeaderValue(" x").ok());
  EXPECT_FALSE(CheckHeaderValue("x\r\nSet-Cookie: a").ok());
}

TEST(NormaliseExtensionTest, LowerCaseLettersAndDigits) {
  EXPECT_EQ(*NormaliseExtension("JPG"), "jpg");
  EXPECT_EQ(*NormaliseExtension("mp4"), "mp4");
  EXPECT_FALSE(NormaliseExtension("").ok());
  EXPECT_FALSE(NormaliseExtension("tar.gz").ok());
  EXPECT_FALSE(NormaliseExtension(std::string(17, 'a')).ok());
  const std::string message = NormaliseExtension(".jpg").status().message();
  EXPECT_NE(message.find("without the dot"), std::string::npos) << message;
}

TEST(CheckKeyPrefixTest, AcceptsUsualPrefixes) {
  for (const char* prefix : {"", "uploads/", "uploads/{user}/", "{user}/", "a/b-", "x/.hidden",
                             "photos/{user}/{user}-", "fotos/ä/"}) {
    EXPECT_TRUE(CheckKeyPrefix(prefix).ok()) << prefix;
  }
}

TEST(CheckKeyPrefixTest, RefusesPrefixesNoKeyCouldPass) {
  for (const char* prefix :
       {"/uploads/", "uploads//", "./x/", "a/../b/", "a/./", "a\\b", "{User}/", "{user", "x}",
        "{uid}/", "a\nb", "a\x7f", "\xc2\x85x", "\xff", "\xc0\xaf"}) {
    EXPECT_FALSE(CheckKeyPrefix(prefix).ok()) << prefix;
  }
}

}  // namespace
}  // namespace s3upload::config::internal
