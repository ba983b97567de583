// Tests for src/config/profiles.cc: YAML profile -> Profile / verify::UploadRules, defaults,
// derived host and endpoint, and every value check with its position.
#include <gtest/gtest.h>

#include "config/test_support.h"

namespace s3upload::config {
namespace {

using config_test::ErrorsToString;
using config_test::HasError;
using config_test::Load;
using config_test::OnlyProfile;
using config_test::ProfileYaml;
using config_test::RulesOf;
using std::chrono::seconds;
using Shape = verify::KeyRules::Shape;
using Strings = std::vector<std::string>;

TEST(ProfilesTest, MinimalProfileGetsTheDocumentedDefaults) {
  LoadResult result = Load(ProfileYaml());
  const Profile& profile = OnlyProfile(result);
  const verify::UploadRules& rules = profile.rules;
  EXPECT_EQ(profile.name, "p");
  EXPECT_EQ(profile.endpoint, "https://s3.eu-west-1.amazonaws.com");
  EXPECT_EQ(rules.profile, "p");
  EXPECT_EQ(rules.bucket, "mybucket");
  EXPECT_EQ(rules.region, "eu-west-1");
  EXPECT_EQ(rules.addressing, verify::Addressing::kVirtualHosted);
  EXPECT_EQ(rules.host, "mybucket.s3.eu-west-1.amazonaws.com");
  EXPECT_EQ(rules.access_key_id, "AKIDEXAMPLE");
  EXPECT_FALSE(rules.allow_v2);
  EXPECT_TRUE(rules.allow_v4);
  EXPECT_EQ(rules.key.prefix, "");
  EXPECT_EQ(rules.key.shapes, std::vector<Shape>{Shape::kUuidWithExtension});
  EXPECT_TRUE(rules.key.extensions.empty());
  EXPECT_EQ(rules.key.max_length, 1024u);
  EXPECT_EQ(rules.min_size, 0u);
  EXPECT_EQ(rules.max_size, 1024u * 1024);
  EXPECT_EQ(rules.content_types, Strings{"image/*"});
  EXPECT_TRUE(rules.require_content_type);
  EXPECT_EQ(rules.acls, Strings{"private"});
  EXPECT_EQ(rules.max_policy_lifetime, seconds(900));
  EXPECT_EQ(rules.max_clock_skew, seconds(900));
  EXPECT_EQ(rules.success_action_statuses, (Strings{"200", "201", "204"}));
  EXPECT_TRUE(rules.success_action_redirects.empty());
  EXPECT_EQ(rules.metadata_names, Strings{"qqfilename"});
  EXPECT_EQ(rules.max_metadata_bytes, 2048u);
  EXPECT_EQ(rules.storage_classes, Strings{"STANDARD"});
  EXPECT_EQ(rules.server_side_encryption, Strings{"AES256"});
  EXPECT_TRUE(rules.object_headers.empty());
  ASSERT_NE(profile.signing_credentials, nullptr);
  EXPECT_EQ(profile.signing_credentials->access_key_id(), "AKIDEXAMPLE");
  EXPECT_EQ(profile.server_credentials, profile.signing_credentials);
}

TEST(ProfilesTest, EveryKeyMapsToItsRule) {
  LoadResult result =
      Load(ProfileYaml("    endpoint: http://MinIO.local:9000/\n"
                       "    addressing: path\n"
                       "    signature_versions: [v2, v4]\n"
                       "    key:\n"
                       "      prefix: \"uploads/{user}/\"\n"
                       "      shapes: [uuid, any, uuid]\n"
                       "      extensions: [JPG, png]\n"
                       "      max_length: 512\n"
                       "    require_content_type: false\n"
                       "    acls: [public-read, bucket-owner-full-control]\n"
                       "    max_policy_lifetime: 5m\n"
                       "    max_clock_skew: 60\n"
                       "    success_action_status: [201, \"204\"]\n"
                       "    success_action_redirect: [\"https://example.com/blank.html\"]\n"
                       "    metadata:\n"
                       "      names: [QQFilename, project-id]\n"
                       "      max_size: 1KiB\n"
                       "    storage_classes: [STANDARD, STANDARD_IA]\n"
                       "    server_side_encryption: [aws:kms, AES256]\n"
                       "    object_headers:\n"
                       "      cache-control: [\"max-age=3600\", \"no-cache\"]\n"
                       "      Content-Disposition: [attachment]\n"));
  const Profile& profile = OnlyProfile(result);
  const verify::UploadRules& rules = profile.rules;
  EXPECT_EQ(profile.endpoint, "http://minio.local:9000");
  EXPECT_EQ(rules.addressing, verify::Addressing::kPathStyle);
  EXPECT_EQ(rules.host, "minio.local:9000");
  EXPECT_TRUE(rules.allow_v2);
  EXPECT_TRUE(rules.allow_v4);
  EXPECT_EQ(rules.key.prefix, "uploads/{user}/");
  EXPECT_EQ(rules.key.shapes, (std::vector<Shape>{Shape::kUuid, Shape::kAnyName}));
  EXPECT_EQ(rules.key.extensions, (Strings{"jpg", "png"}));
  EXPECT_EQ(rules.key.max_length, 512u);
  EXPECT_FALSE(rules.require_content_type);
  EXPECT_EQ(rules.acls, (Strings{"public-read", "bucket-owner-full-control"}));
  EXPECT_EQ(rules.max_policy_lifetime, seconds(300));
  EXPECT_EQ(rules.max_clock_skew, seconds(60));
  EXPECT_EQ(rules.success_action_statuses, (Strings{"201", "204"}));
  EXPECT_EQ(rules.success_action_redirects, Strings{"https://example.com/blank.html"});
  EXPECT_EQ(rules.metadata_names, (Strings{"qqfilename", "project-id"}));
  EXPECT_EQ(rules.max_metadata_bytes, 1024u);
  EXPECT_EQ(rules.storage_classes, (Strings{"STANDARD", "STANDARD_IA"}));
  EXPECT_EQ(rules.server_side_encryption, (Strings{"aws:kms", "AES256"}));
  ASSERT_EQ(rules.object_headers.size(), 2u);
  EXPECT_EQ(rules.object_headers.at("Cache-Control"), (Strings{"max-age=3600", "no-cache"}));
  EXPECT_EQ(rules.object_headers.at("Content-Disposition"), Strings{"attachment"});
}

// --- bucket, region, endpoint, addressing, host ------------------------------------------------

struct HostCase {
  std::string extra;
  std::string endpoint;
  std::string host;
};

TEST(ProfilesTest, HostDerivation) {
  const std::vector<HostCase> cases = {
      {"", "https://s3.eu-west-1.amazonaws.com", "mybucket.s3.eu-west-1.amazonaws.com"},
      {"    addressing: path\n", "https://s3.eu-west-1.amazonaws.com",
       "s3.eu-west-1.amazonaws.com"},
      {"    endpoint: https://s3.example.com:8443\n", "https://s3.example.com:8443",
       "mybucket.s3.example.com:8443"},
      {"    endpoint: https://s3.example.com:8443\n    addressing: path\n",
       "https://s3.example.com:8443", "s3.example.com:8443"},
      {"    endpoint: https://s3.example.com:443/\n", "https://s3.example.com",
       "mybucket.s3.example.com"},
      {"    endpoint: http://127.0.0.1:7480\n    addressing: path\n", "http://127.0.0.1:7480",
       "127.0.0.1:7480"},
      {"    endpoint: http://[::1]:9000\n    addressing: path\n", "http://[::1]:9000",
       "[::1]:9000"},
      {"    endpoint: http://localhost\n    addressing: virtual\n", "http://localhost",
       "mybucket.localhost"},
      {"    host: MyBucket.S3.amazonaws.com\n", "https://s3.eu-west-1.amazonaws.com",
       "mybucket.s3.amazonaws.com"},
      {"    endpoint: http://127.0.0.1:7480\n    host: uploads.example.com:7480\n",
       "http://127.0.0.1:7480", "uploads.example.com:7480"},
  };
  for (const HostCase& c : cases) {
    LoadResult result = Load(ProfileYaml(c.extra));
    const Profile& profile = OnlyProfile(result);
    EXPECT_EQ(profile.endpoint, c.endpoint) << c.extra;
    EXPECT_EQ(profile.rules.host, c.host) << c.extra;
  }
}

TEST(ProfilesTest, VirtualHostedNeedsAHostName) {
  LoadResult result = Load(ProfileYaml("    endpoint: http://127.0.0.1:7480\n"));
  EXPECT_TRUE(HasError(result, 12, 15,
                       "profile \"p\": endpoint: virtual-hosted addressing puts the bucket in the "
                       "host name, which is impossible with the IP address 127.0.0.1"));
}

TEST(ProfilesTest, EndpointErrors) {
  EXPECT_TRUE(HasError(Load(ProfileYaml("    endpoint: https://s3.amazonaws.com/mybucket\n")), 12,
                       15, "profile \"p\": endpoint: must not have a path"));
  EXPECT_TRUE(HasError(Load(ProfileYaml("    endpoint: s3.amazonaws.com\n")), 12, 15,
                       "profile \"p\": endpoint: not a URL"));
  EXPECT_TRUE(HasError(Load(ProfileYaml("    endpoint: ftp://s3.amazonaws.com\n")), 12, 15,
                       "the scheme must be http or https"));
}

TEST(ProfilesTest, AddressingErrors) {
  LoadResult result = Load(ProfileYaml("    addressing: virtual-hosted\n"));
  EXPECT_TRUE(HasError(result, 12, 17,
                       "profile \"p\": addressing: unknown addressing \"virtual-hosted\" "
                       "(allowed: virtual, path)"));
  EXPECT_EQ(result.errors.size(), 1u) << ErrorsToString(result);
}

TEST(ProfilesTest, BucketNameDependsOnAddressing) {
  const std::string yaml = std::string(config_test::kCredentialsBlock) +
                           "profiles:\n"
                           "  p:\n"
                           "    credentials: main\n"
                           "    bucket: My_Bucket\n"
                           "    region: us-east-1\n"
                           "    size: {max: 1}\n"
                           "    content_types: [\"*/*\"]\n";
  EXPECT_TRUE(HasError(Load(yaml), 8, 13, "invalid bucket name \"My_Bucket\" for virtual-hosted"));
  LoadResult path = Load(yaml + "    addressing: path\n");
  EXPECT_EQ(OnlyProfile(path).rules.host, "s3.us-east-1.amazonaws.com");
  EXPECT_EQ(OnlyProfile(path).rules.bucket, "My_Bucket");
}

TEST(ProfilesTest, RegionErrorsDoNotCascade) {
  const std::string yaml = std::string(config_test::kCredentialsBlock) +
                           "profiles:\n"
                           "  p:\n"
                           "    credentials: main\n"
                           "    bucket: mybucket\n"
                           "    region: eu/west\n"
                           "    size: {max: 1}\n"
                           "    content_types: [\"*/*\"]\n";
  LoadResult result = Load(yaml);
  EXPECT_TRUE(HasError(result, 9, 13, "profile \"p\": region: invalid region \"eu/west\""));
  EXPECT_EQ(result.errors.size(), 1u) << ErrorsToString(result);
}

TEST(ProfilesTest, RegionThatMakesNoDefaultEndpoint) {
  const std::string yaml = std::string(config_test::kCredentialsBlock) +
                           "profiles:\n"
                           "  p:\n"
                           "    credentials: main\n"
                           "    bucket: mybucket\n"
                           "    region: my_zone\n"
                           "    size: {max: 1}\n"
                           "    content_types: [\"*/*\"]\n";
  EXPECT_TRUE(HasError(Load(yaml), 7, 5,
                       "profile \"p\": region \"my_zone\" does not make a valid default endpoint; "
                       "set endpoint"));
  EXPECT_TRUE(Load(yaml + "    endpoint: http://ceph.local:7480\n").ok());
}

TEST(ProfilesTest, HostOverrideErrors) {
  EXPECT_TRUE(HasError(Load(ProfileYaml("    host: https://mybucket.s3.amazonaws.com\n")), 12, 11,
                       "profile \"p\": host: \"https://mybucket.s3.amazonaws.com\" is a URL or "
                       "path; expected host[:port] only"));
}

// --- required keys, references ----------------------------------------------------------------

TEST(ProfilesTest, MissingRequiredKeysAtTheProfile) {
  LoadResult result = Load(std::string(config_test::kCredentialsBlock) +
                           "profiles:\n"
                           "  photos:\n"
                           "    region: eu-west-1\n");
  ASSERT_FALSE(result.ok());
  for (const char* key : {"credentials", "bucket", "size", "content_types"}) {
    EXPECT_TRUE(HasError(result, 7, 5,
                         std::string("profile \"photos\": missing required key \"") + key + "\""));
  }
  EXPECT_EQ(result.errors.size(), 4u) << ErrorsToString(result);
}

TEST(ProfilesTest, UndefinedCredentialsAtTheValue) {
  const std::string yaml = std::string(config_test::kCredentialsBlock) +
                           "profiles:\n"
                           "  p:\n"
                           "    credentials: mian\n"
                           "    bucket: mybucket\n"
                           "    region: eu-west-1\n"
                           "    size: {max: 1}\n"
                           "    content_types: [\"*/*\"]\n";
  EXPECT_TRUE(HasError(Load(yaml), 7, 18,
                       "profile \"p\": credentials: no credentials named \"mian\" (did you mean "
                       "\"main\"? defined: main)"));
}

TEST(ProfilesTest, NoCredentialsDefinedAtAll) {
  LoadResult result = Load(
      "profiles:\n"
      "  p: {credentials: x, bucket: mybucket, region: r, size: {max: 1}, content_types: [a/b]}\n");
  EXPECT_TRUE(HasError(result, 2, 20, "no credentials named \"x\" (none are defined)"));
}

TEST(ProfilesTest, MisspelledKeyReportsExactPosition) {
  LoadResult result = Load(ProfileYaml("    max_polcy_lifetime: 5m\n"));
  ASSERT_EQ(result.errors.size(), 1u) << ErrorsToString(result);
  EXPECT_EQ(result.errors[0].line, 12);
  EXPECT_EQ(result.errors[0].column, 5);
  EXPECT_TRUE(result.errors[0].message.starts_with(
      "unknown key \"max_polcy_lifetime\" in profile \"p\" (did you mean "
      "\"max_policy_lifetime\"? known: credentials, bucket, region,"))
      << result.errors[0].message;
}

TEST(ProfilesTest, DuplicateKeyInAProfile) {
  LoadResult result = Load(ProfileYaml("    bucket: otherbucket\n"));
  EXPECT_TRUE(
      HasError(result, 12, 5, "duplicate key \"bucket\" in profile \"p\" (first at line 8)"));
}

TEST(ProfilesTest, ProfileMustBeAMapAndWellNamed) {
  EXPECT_TRUE(HasError(Load("profiles:\n  p: [a]\n"), 2, 6,
                       "profile \"p\": expected a map (key: value lines), got a list"));
  EXPECT_TRUE(HasError(Load("profiles:\n  p:\n"), 2, 3,
                       "profile \"p\": expected a map (key: value lines), got nothing (null)"));
  EXPECT_TRUE(HasError(Load("profiles:\n  \"my profile\": {}\n"), 2, 3,
                       "profiles: invalid name \"my profile\""));
}

// --- server_credentials ------------------------------------------------------------------------

// Credential "main" (lines 2-4) and "server" (lines 5-7), then profile "p" from line 8, whose
// `extra` keys start at line 15.
std::string TwoCredentialsYaml(std::string_view extra) {
  return "credentials:\n"                        // 1
         "  main:\n"                             // 2
         "    access_key_id: AKIDEXAMPLE\n"      // 3
         "    secret_env: TEST_SECRET\n"         // 4
         "  server:\n"                           // 5
         "    access_key_id: AKIDSERVER\n"       // 6
         "    secret_env: TEST_SECRET\n"         // 7
         "profiles:\n"                           // 8
         "  p:\n"                                // 9
         "    credentials: main\n"               // 10
         "    bucket: mybucket\n"                // 11
         "    region: eu-west-1\n"               // 12
         "    size: {max: 1MiB}\n"               // 13
         "    content_types: [\"image/*\"]\n" +  // 14
         std::string(extra);
}

TEST(ProfilesTest, ServerCredentialsDefaultToTheSigningCredentials) {
  LoadResult result = Load(TwoCredentialsYaml(""));
  const Profile& profile = OnlyProfile(result);
  ASSERT_NE(profile.server_credentials, nullptr);
  EXPECT_EQ(profile.server_credentials, profile.signing_credentials);
  EXPECT_EQ(profile.server_credentials->access_key_id(), "AKIDEXAMPLE");
}

TEST(ProfilesTest, ServerCredentialsByName) {
  LoadResult result = Load(TwoCredentialsYaml("    server_credentials: server\n"));
  const Profile& profile = OnlyProfile(result);
  ASSERT_NE(profile.server_credentials, nullptr);
  EXPECT_EQ(profile.server_credentials->access_key_id(), "AKIDSERVER");
  ASSERT_NE(profile.signing_credentials, nullptr);
  EXPECT_EQ(profile.signing_credentials->access_key_id(), "AKIDEXAMPLE");
  // The policy names the signing key, never the server key.
  EXPECT_EQ(profile.rules.access_key_id, "AKIDEXAMPLE");

  // Naming the signing key pair again is allowed (and the same as leaving it out).
  LoadResult same = Load(TwoCredentialsYaml("    server_credentials: main\n"));
  EXPECT_EQ(OnlyProfile(same).server_credentials, OnlyProfile(same).signing_credentials);
}

TEST(ProfilesTest, ServerCredentialsAreSharedBetweenProfiles) {
  LoadResult result = Load(TwoCredentialsYaml(
      "    server_credentials: server\n"
      "  q: {credentials: main, server_credentials: server, bucket: other, region: r, "
      "size: {max: 1}, content_types: [\"*/*\"]}\n"));
  ASSERT_TRUE(result.ok()) << ErrorsToString(result);
  EXPECT_EQ(result.snapshot->profiles.at("p").server_credentials,
            result.snapshot->profiles.at("q").server_credentials);
}

TEST(ProfilesTest, UndefinedServerCredentialsAtTheValue) {
  LoadResult result = Load(TwoCredentialsYaml("    server_credentials: sever\n"));
  ASSERT_EQ(result.errors.size(), 1u) << ErrorsToString(result);
  EXPECT_TRUE(HasError(result, 15, 25,
                       "profile \"p\": server_credentials: no credentials named \"sever\" (did "
                       "you mean \"server\"? defined: main, server)"));
  EXPECT_TRUE(HasError(Load("profiles:\n  p: {credentials: x, server_credentials: y, bucket: b1b, "
                            "region: r, size: {max: 1}, content_types: [a/b]}\n"),
                       2, 43, "server_credentials: no credentials named \"y\" (none are defined)"));
}

TEST(ProfilesTest, ServerCredentialsWrongType) {
  LoadResult list = Load(TwoCredentialsYaml("    server_credentials: [server]\n"));
  EXPECT_TRUE(
      HasError(list, 15, 25, "profile \"p\": server_credentials: expected a string, got a list"));
  LoadResult empty = Load(TwoCredentialsYaml("    server_credentials:\n"));
  EXPECT_TRUE(
      HasError(empty, 15, 5, "profile \"p\": server_credentials: expected a string, got nothing"));
  LoadResult misspelled = Load(TwoCredentialsYaml("    server_credential: server\n"));
  EXPECT_TRUE(HasError(misspelled, 15, 5,
                       "unknown key \"server_credential\" in profile \"p\" (did you mean "
                       "\"server_credentials\"?"));
}

TEST(ProfilesTest, BrokenServerCredentialIsNotReportedTwice) {
  // The key pair's own error is enough: the reference to it is not blamed too.
  const std::string yaml =
      "credentials:\n"
      "  main: {access_key_id: AKIDEXAMPLE, secret_env: TEST_SECRET}\n"
      "  server: {access_key_id: AKIDSERVER, secret_env: MISSING}\n"
      "profiles:\n"
      "  p: {credentials: main, server_credentials: server, bucket: b1b, region: r, size: {max: "
      "1}, content_types: [a/b]}\n";
  LoadResult result = Load(yaml);
  ASSERT_EQ(result.errors.size(), 1u) << ErrorsToString(result);
  EXPECT_TRUE(HasError(result, 3, 51, "environment variable MISSING is not set"));
}

// --- signature versions ------------------------------------------------------------------------

TEST(ProfilesTest, SignatureVersions) {
  const verify::UploadRules v2 = RulesOf(ProfileYaml("    signature_versions: [v2]\n"));
  EXPECT_TRUE(v2.allow_v2);
  EXPECT_FALSE(v2.allow_v4);
  const verify::UploadRules v4 = RulesOf(ProfileYaml("    signature_versions: [v4]\n"));
  EXPECT_FALSE(v4.allow_v2);
  EXPECT_TRUE(v4.allow_v4);
  EXPECT_TRUE(HasError(Load(ProfileYaml("    signature_versions: []\n")), 12, 25,
                       "profile \"p\": signature_versions: must not be empty"));
  EXPECT_TRUE(HasError(Load(ProfileYaml("    signature_versions: [v4, 4]\n")), 12, 30,
                       "unknown signature version \"4\" (did you mean \"v4\"? allowed: v2, v4)"));
  EXPECT_TRUE(HasError(Load(ProfileYaml("    signature_versions: v4\n")), 12, 25,
                       "profile \"p\": signature_versions: expected a list"));
}

// --- key ---------------------------------------------------------------------------------------

TEST(ProfilesTest, KeyRuleErrors) {
  LoadResult result =
      Load(ProfileYaml("    key:\n"
                       "      prefix: /uploads/\n"
                       "      shapes: [uuid.ext, uuid-ext]\n"
                       "      extensions: [.jpg, tar.gz]\n"
                       "      max_length: 2048\n"
                       "      maxlength: 1\n"));
  EXPECT_TRUE(HasError(result, 13, 15,
                       "profile \"p\": key.prefix: key prefix \"/uploads/\" must "
                       "not start with \"/\""));
  EXPECT_TRUE(HasError(result, 14, 26,
                       "profile \"p\": key.shapes: unknown key shape \"uuid-ext\" (did you mean "
                       "\"uuid.ext\"? allowed: uuid.ext, uuid, any)"));
  EXPECT_TRUE(
      HasError(result, 15, 20, "key.extensions: extension \".jpg\": write it without the dot"));
  EXPECT_TRUE(HasError(result, 15, 26, "key.extensions: invalid extension \"tar.gz\""));
  EXPECT_TRUE(HasError(result, 16, 19, "key.max_length: must be between 1 and 1024, got 2048"));
  EXPECT_TRUE(
      HasError(result, 17, 7,
               "unknown key \"maxlength\" in section \"key\" of profile \"p\" (did you mean "
               "\"max_length\"?"));
  EXPECT_EQ(result.errors.size(), 6u) << ErrorsToString(result);
}

TEST(ProfilesTest, KeyShapesMustNotBeEmpty) {
  EXPECT_TRUE(HasError(Load(ProfileYaml("    key: {shapes: []}\n")), 12, 19,
                       "key.shapes: must not be empty"));
}

TEST(ProfilesTest, KeyPrefixMustLeaveRoom) {
  EXPECT_TRUE(HasError(Load(ProfileYaml("    key: {prefix: abcd, max_length: 4}\n")), 12, 19,
                       "key.prefix: the prefix is 4 bytes or more, which leaves no room"));
  EXPECT_TRUE(Load(ProfileYaml("    key: {prefix: abc, max_length: 4}\n")).ok());
  // {user} counts as one byte at least.
  EXPECT_TRUE(Load(ProfileYaml("    key: {prefix: \"{user}/\", max_length: 3}\n")).ok());
}

TEST(ProfilesTest, ExtensionsMayBeEmptyMeaningAny) {
  const verify::UploadRules rules = RulesOf(ProfileYaml("    key: {extensions: []}\n"));
  EXPECT_TRUE(rules.key.extensions.empty());
}

// --- size --------------------------------------------------------------------------------------

TEST(ProfilesTest, SizeRange) {
  const std::string head = std::string(config_test::kCredentialsBlock) +
                           "profiles:\n"
                           "  p:\n"
                           "    credentials: main\n"
                           "    bucket: mybucket\n"
                           "    region: eu-west-1\n"
                           "    content_types: [\"*/*\"]\n";
  const verify::UploadRules rules = RulesOf(head + "    size: {min: 1, max: 20MB}\n");
  EXPECT_EQ(rules.min_size, 1u);
  EXPECT_EQ(rules.max_size, 20'000'000u);
  EXPECT_TRUE(Load(head + "    size: {min: 5GiB, max: 5GiB}\n").ok());

  EXPECT_TRUE(HasError(Load(head + "    size: {min: 2MB, max: 1MB}\n"), 11, 17,
                       "profile \"p\": size.min: min (2000000 bytes) is larger than max (1000000 "
                       "bytes)"));
  EXPECT_TRUE(HasError(Load(head + "    size:\n      min: 1\n"), 12, 7,
                       "section \"size\" of profile \"p\": missing required key \"max\""));
  EXPECT_TRUE(
      HasError(Load(head + "    size: {max: 0}\n"), 11, 17, "size.max: must be between 1 and"));
  EXPECT_TRUE(
      HasError(Load(head + "    size: {max: 20 MB}\n"), 11, 17, "size.max: expected a size"));
  EXPECT_TRUE(HasError(Load(head + "    size: {max: -1}\n"), 11, 17,
                       "size.max: size must not be negative"));
  EXPECT_TRUE(HasError(Load(head + "    size: 20MB\n"), 11, 11,
                       "section \"size\" of profile \"p\": expected a map"));
}

// --- content types and the rest ----------------------------------------------------------------

TEST(ProfilesTest, ContentTypes) {
  const verify::UploadRules rules = RulesOf(ProfileYaml(""));
  EXPECT_EQ(rules.content_types, Strings{"image/*"});

  const std::string head = std::string(config_test::kCredentialsBlock) +
                           "profiles:\n"
                           "  p:\n"
                           "    credentials: main\n"
                           "    bucket: mybucket\n"
                           "    region: eu-west-1\n"
                           "    size: {max: 1}\n";
  EXPECT_EQ(RulesOf(head + "    content_types: [Image/PNG, application/pdf]\n").content_types,
            (Strings{"image/png", "application/pdf"}));
  EXPECT_TRUE(HasError(Load(head + "    content_types: []\n"), 11, 20,
                       "profile \"p\": content_types: must not be empty"));
  EXPECT_TRUE(HasError(Load(head + "    content_types: [image/png, jpeg]\n"), 11, 32,
                       "profile \"p\": content_types: invalid content type \"jpeg\""));
  EXPECT_TRUE(HasError(Load(head + "    content_types: image/png\n"), 11, 20,
                       "content_types: expected a list"));
}

TEST(ProfilesTest, RequireContentTypeIsABoolean) {
  EXPECT_FALSE(RulesOf(ProfileYaml("    require_content_type: false\n")).require_content_type);
  EXPECT_TRUE(HasError(Load(ProfileYaml("    require_content_type: no\n")), 12, 27,
                       "require_content_type: expected true or false, got \"no\""));
}

TEST(ProfilesTest, AclsAreCannedAcls) {
  EXPECT_TRUE(HasError(Load(ProfileYaml("    acls: [private, publicread]\n")), 12, 21,
                       "profile \"p\": acls: unknown canned ACL \"publicread\" (did you mean "
                       "\"public-read\"?"));
  EXPECT_TRUE(RulesOf(ProfileYaml("    acls: []\n")).acls.empty());
}

TEST(ProfilesTest, Windows) {
  const verify::UploadRules rules =
      RulesOf(ProfileYaml("    max_policy_lifetime: 168h\n    max_clock_skew: 1s\n"));
  EXPECT_EQ(rules.max_policy_lifetime, seconds(7 * 24 * 3600));
  EXPECT_EQ(rules.max_clock_skew, seconds(1));
  EXPECT_TRUE(HasError(Load(ProfileYaml("    max_policy_lifetime: 169h\n")), 12, 26,
                       "max_policy_lifetime: must be between 1s and 604800s"));
  EXPECT_TRUE(HasError(Load(ProfileYaml("    max_clock_skew: 0\n")), 12, 21,
                       "max_clock_skew: must be between 1s and 604800s"));
  EXPECT_TRUE(HasError(Load(ProfileYaml("    max_clock_skew: 15min\n")), 12, 21,
                       "max_clock_skew: expected a duration"));
}

TEST(ProfilesTest, SuccessActionStatus) {
  EXPECT_EQ(RulesOf(ProfileYaml("    success_action_status: [200]\n")).success_action_statuses,
            Strings{"200"});
  EXPECT_EQ(RulesOf(ProfileYaml("    success_action_status: [\"204\", 201, 204]\n"))
                .success_action_statuses,
            (Strings{"204", "201"}));
  EXPECT_TRUE(HasError(Load(ProfileYaml("    success_action_status: [200, 302]\n")), 12, 34,
                       "unknown success_action_status \"302\" (allowed: 200, 201, 204)"));
  EXPECT_TRUE(HasError(Load(ProfileYaml("    success_action_status: 200\n")), 12, 28,
                       "success_action_status: expected a list"));
}

TEST(ProfilesTest, SuccessActionRedirect) {
  EXPECT_TRUE(HasError(Load(ProfileYaml("    success_action_redirect: [/blank.html]\n")), 12, 31,
                       "invalid redirect URL \"/blank.html\""));
}

TEST(ProfilesTest, Metadata) {
  const verify::UploadRules rules = RulesOf(ProfileYaml("    metadata: {names: []}\n"));
  EXPECT_TRUE(rules.metadata_names.empty());
  EXPECT_EQ(rules.max_metadata_bytes, 2048u);
  LoadResult result =
      Load(ProfileYaml("    metadata:\n"
                       "      names: [qqfilename, x-amz-meta-foo, \"a b\"]\n"
                       "      max_size: big\n"
                       "      max: 1\n"));
  EXPECT_TRUE(HasError(result, 13, 27,
                       "metadata.names: metadata name \"x-amz-meta-foo\": write "
                       "it without the \"x-amz-meta-\" prefix"));
  EXPECT_TRUE(HasError(result, 13, 43, "metadata.names: invalid metadata name \"a b\""));
  EXPECT_TRUE(HasError(result, 14, 17, "metadata.max_size: expected a size"));
  EXPECT_TRUE(HasError(result, 15, 7, "unknown key \"max\" in section \"metadata\""));
}

// S3's limits are the largest values: 1024-byte keys, 2 KiB of user metadata.
TEST(ProfilesTest, KeyLengthAndMetadataSizeAtMostS3s) {
  EXPECT_EQ(RulesOf(ProfileYaml("    key: {max_length: 1024}\n")).key.max_length, 1024u);
  EXPECT_TRUE(HasError(Load(ProfileYaml("    key: {max_length: 1025}\n")), 12, 23,
                       "key.max_length: must be between 1 and 1024, got 1025"));
  EXPECT_EQ(RulesOf(ProfileYaml("    metadata: {max_size: 2KiB}\n")).max_metadata_bytes, 2048u);
  EXPECT_EQ(RulesOf(ProfileYaml("    metadata: {max_size: 0}\n")).max_metadata_bytes, 0u);
  EXPECT_TRUE(HasError(Load(ProfileYaml("    metadata: {max_size: 2049}\n")), 12, 26,
                       "metadata.max_size: must be between 0 and 2048 bytes, got 2049"));
}

TEST(ProfilesTest, StorageClassesAndEncryption) {
  LoadResult result =
      Load(ProfileYaml("    storage_classes: [standard]\n"
                       "    server_side_encryption: [AES256, aws:kms:dsse, kms]\n"));
  EXPECT_TRUE(HasError(result, 12, 23, "storage_classes: invalid storage class \"standard\""));
  EXPECT_TRUE(
      HasError(result, 13, 52, "server_side_encryption: unknown server-side encryption \"kms\""));
  EXPECT_EQ(result.errors.size(), 2u) << ErrorsToString(result);
}

TEST(ProfilesTest, ObjectHeaders) {
  LoadResult result =
      Load(ProfileYaml("    object_headers:\n"
                       "      Cache-Control: [\"max-age=60\"]\n"
                       "      cache-control: [\"no-store\"]\n"
                       "      Content-Type: [image/png]\n"
                       "      Content-Encoding: gzip\n"
                       "      Content-Disposition: [\" x\"]\n"));
  EXPECT_TRUE(HasError(
      result, 14, 7, "profile \"p\": object_headers.cache-control: Cache-Control is listed twice"));
  EXPECT_TRUE(HasError(result, 15, 7,
                       "object_headers.Content-Type: object header \"Content-Type\" cannot be "
                       "allowed (allowed: Cache-Control, Content-Disposition, Content-Encoding)"));
  EXPECT_TRUE(HasError(result, 16, 25, "object_headers.Content-Encoding: expected a list"));
  EXPECT_TRUE(HasError(result, 17, 29, "object_headers.Content-Disposition: invalid header value"));
  EXPECT_EQ(result.errors.size(), 4u) << ErrorsToString(result);
}

TEST(ProfilesTest, ManyErrorsInOneProfileAreAllReported) {
  LoadResult result =
      Load(ProfileYaml("    addressing: sideways\n"
                       "    acls: [privat]\n"
                       "    require_content_type: maybe\n"
                       "    storage_class: [STANDARD]\n"));
  EXPECT_EQ(result.errors.size(), 4u) << ErrorsToString(result);
  EXPECT_TRUE(HasError(result, 15, 5,
                       "unknown key \"storage_class\" in profile \"p\" (did you mean "
                       "\"storage_classes\"?"));
}

}  // namespace
}  // namespace s3upload::config
