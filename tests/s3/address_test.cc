// address.cc: URL, Host and canonical URI of an object, virtual-hosted and path-style, on AWS and
// on custom endpoints with ports, for keys that need encoding.
#include <gtest/gtest.h>

#include <string>

#include "s3upload/s3.h"

namespace s3upload::s3 {
namespace {

BucketLocation Location(std::string endpoint, verify::Addressing addressing,
                        std::string bucket = "examplebucket") {
  return BucketLocation{std::move(endpoint), addressing, std::move(bucket), "us-east-1"};
}

constexpr auto kVirtual = verify::Addressing::kVirtualHosted;
constexpr auto kPath = verify::Addressing::kPathStyle;

TEST(AddressOfTest, VirtualHostedOnAws) {
  const ObjectAddress address =
      AddressOf(Location("https://s3.amazonaws.com", kVirtual), "test.txt");
  EXPECT_EQ(address.url, "https://examplebucket.s3.amazonaws.com/test.txt");
  EXPECT_EQ(address.host, "examplebucket.s3.amazonaws.com");
  EXPECT_EQ(address.canonical_uri, "/test.txt");
}

TEST(AddressOfTest, PathStyleOnAws) {
  const ObjectAddress address =
      AddressOf(Location("https://s3.eu-west-1.amazonaws.com", kPath), "test.txt");
  EXPECT_EQ(address.url, "https://s3.eu-west-1.amazonaws.com/examplebucket/test.txt");
  EXPECT_EQ(address.host, "s3.eu-west-1.amazonaws.com");
  EXPECT_EQ(address.canonical_uri, "/examplebucket/test.txt");
}

TEST(AddressOfTest, CustomEndpointWithPortKeepsThePortInTheHost) {
  const ObjectAddress path = AddressOf(Location("http://127.0.0.1:7480", kPath, "uploads"), "a");
  EXPECT_EQ(path.url, "http://127.0.0.1:7480/uploads/a");
  EXPECT_EQ(path.host, "127.0.0.1:7480");
  EXPECT_EQ(path.canonical_uri, "/uploads/a");

  const ObjectAddress virtual_hosted =
      AddressOf(Location("http://localhost:7480", kVirtual, "uploads"), "a");
  EXPECT_EQ(virtual_hosted.url, "http://uploads.localhost:7480/a");
  EXPECT_EQ(virtual_hosted.host, "uploads.localhost:7480");
  EXPECT_EQ(virtual_hosted.canonical_uri, "/a");
}

TEST(AddressOfTest, KeyIsEncodedOnceWithSlashesKept) {
  const std::string key = "user 1/photos/a+b=c?d#e%f&g.jpg";
  const std::string encoded = "user%201/photos/a%2Bb%3Dc%3Fd%23e%25f%26g.jpg";
  const ObjectAddress path = AddressOf(Location("https://minio.example:9000", kPath), key);
  EXPECT_EQ(path.url, "https://minio.example:9000/examplebucket/" + encoded);
  EXPECT_EQ(path.canonical_uri, "/examplebucket/" + encoded);

  const ObjectAddress virtual_hosted =
      AddressOf(Location("https://s3.amazonaws.com", kVirtual), key);
  EXPECT_EQ(virtual_hosted.url, "https://examplebucket.s3.amazonaws.com/" + encoded);
  EXPECT_EQ(virtual_hosted.canonical_uri, "/" + encoded);
}

TEST(AddressOfTest, UnicodeKeyIsPercentEncodedUtf8) {
  const ObjectAddress address =
      AddressOf(Location("https://s3.amazonaws.com", kVirtual), "Fotos/Grüße 日本.png");
  EXPECT_EQ(address.canonical_uri, "/Fotos/Gr%C3%BC%C3%9Fe%20%E6%97%A5%E6%9C%AC.png");
  EXPECT_EQ(address.url, "https://examplebucket.s3.amazonaws.com" + address.canonical_uri);
}

TEST(AddressOfTest, UnreservedCharactersAndDotSegmentsStayAsTheyAre) {
  // S3 keys are names, not paths: "." and ".." are not normalised away.
  const ObjectAddress address =
      AddressOf(Location("https://s3.amazonaws.com", kPath), "a/./b/../c~d_e-f.g");
  EXPECT_EQ(address.canonical_uri, "/examplebucket/a/./b/../c~d_e-f.g");
}

TEST(AddressOfTest, LeadingAndDoubleSlashesArePartOfTheKey) {
  const ObjectAddress address = AddressOf(Location("https://s3.amazonaws.com", kVirtual), "/a//b");
  EXPECT_EQ(address.canonical_uri, "//a//b");
  EXPECT_EQ(address.url, "https://examplebucket.s3.amazonaws.com//a//b");
}

}  // namespace
}  // namespace s3upload::s3
