// Tests for src/config/credentials.cc: the `credentials` section and the secret sources as
// configured.
#include <gtest/gtest.h>

#include "config/test_support.h"

namespace s3upload::config {
namespace {

using config_test::ErrorsToString;
using config_test::HasError;
using config_test::kTestSecret;
using config_test::Load;
using config_test::MapEnvironment;
using config_test::OnlyProfile;
using config_test::TempDir;

// A profile "p" using credential "c", which is defined by `credential` (lines 2-...).
std::string WithCredential(std::string_view credential) {
  return "credentials:\n" + std::string(credential) +
         "profiles:\n"
         "  p: {credentials: c, bucket: mybucket, region: eu-west-1, size: {max: 1}, "
         "content_types: [\"*/*\"]}\n";
}

bool NoErrorShowsTheSecret(const LoadResult& result) {
  return ErrorsToString(result).find(kTestSecret) == std::string::npos;
}

TEST(CredentialsTest, SecretEnv) {
  LoadResult result = Load(WithCredential("  c: {access_key_id: AKIDEXAMPLE, secret_env: S}\n"),
                           MapEnvironment({{"S", std::string(kTestSecret) + "\n"}}));
  const Profile& profile = OnlyProfile(result);
  ASSERT_NE(profile.signing_credentials, nullptr);
  EXPECT_EQ(profile.signing_credentials->access_key_id(), "AKIDEXAMPLE");
  EXPECT_EQ(profile.rules.access_key_id, "AKIDEXAMPLE");
}

TEST(CredentialsTest, SecretEnvUnsetOrEmpty) {
  const std::string yaml = WithCredential("  c:\n    access_key_id: AKID\n    secret_env: S\n");
  LoadResult unset = Load(yaml, MapEnvironment({}));
  EXPECT_TRUE(
      HasError(unset, 4, 17, "credential \"c\": secret_env: environment variable S is not set"));
  EXPECT_EQ(unset.errors.size(), 1u) << ErrorsToString(unset);  // the profile is not blamed too
  LoadResult empty = Load(yaml, MapEnvironment({{"S", "\n"}}));
  EXPECT_TRUE(HasError(empty, 4, 17, "credential \"c\": secret_env: the secret is empty"));
}

TEST(CredentialsTest, SecretFileRelativeToTheConfigDirectory) {
  TempDir dir;
  dir.Write("signing.secret", std::string(kTestSecret) + "\n", 0600);
  LoadResult result =
      Load(WithCredential("  c: {access_key_id: AKID, secret_file: signing.secret}\n"),
           MapEnvironment({}), dir.path());
  EXPECT_NE(OnlyProfile(result).signing_credentials, nullptr);
}

TEST(CredentialsTest, SecretFileAbsolute) {
  TempDir dir;
  const std::string path = dir.Write("s", kTestSecret, 0640);
  LoadResult result =
      Load(WithCredential("  c: {access_key_id: AKID, secret_file: " + path + "}\n"),
           MapEnvironment({}), "/nonexistent");
  EXPECT_NE(OnlyProfile(result).signing_credentials, nullptr);
}

TEST(CredentialsTest, SecretFileReadableByOthersIsRefused) {
  TempDir dir;
  const std::string path = dir.Write("s", kTestSecret, 0644);
  LoadResult result =
      Load(WithCredential("  c:\n    access_key_id: AKID\n    secret_file: " + path + "\n"),
           MapEnvironment({}));
  ASSERT_FALSE(result.ok());
  ASSERT_EQ(result.errors.size(), 1u) << ErrorsToString(result);
  EXPECT_TRUE(HasError(result, 4, 18, "is readable or writable by others (mode 0644)"));
  EXPECT_TRUE(HasError(result, 4, 18, "chmod 600 " + path));
  EXPECT_TRUE(NoErrorShowsTheSecret(result));
}

TEST(CredentialsTest, SecretFileMissing) {
  LoadResult result =
      Load(WithCredential("  c: {access_key_id: AKID, secret_file: missing.secret}\n"),
           MapEnvironment({}), "/nonexistent/dir");
  EXPECT_TRUE(HasError(
      result, 2, 41, "cannot open secret file \"/nonexistent/dir/missing.secret\": No such file"));
}

TEST(CredentialsTest, SecretCredential) {
  TempDir dir;
  dir.Write("aws-secret", kTestSecret, 0400);
  LoadResult result =
      Load(WithCredential("  c: {access_key_id: AKID, secret_credential: aws-secret}\n"),
           MapEnvironment({{"CREDENTIALS_DIRECTORY", dir.path()}}));
  EXPECT_NE(OnlyProfile(result).signing_credentials, nullptr);

  LoadResult unset =
      Load(WithCredential("  c: {access_key_id: AKID, secret_credential: aws-secret}\n"),
           MapEnvironment({}));
  EXPECT_TRUE(HasError(unset, 2, 47, "CREDENTIALS_DIRECTORY is not set"));
}

TEST(CredentialsTest, SecretWithAStrayLineBreakIsRefusedWithoutShowingIt) {
  LoadResult result = Load(WithCredential("  c: {access_key_id: AKID, secret_env: S}\n"),
                           MapEnvironment({{"S", std::string(kTestSecret) + "\n\n"}}));
  EXPECT_TRUE(HasError(result, 2, 40, "control character"));
  EXPECT_TRUE(NoErrorShowsTheSecret(result));
}

TEST(CredentialsTest, ExactlyOneSecretSource) {
  LoadResult none = Load(WithCredential("  c:\n    access_key_id: AKID\n"));
  EXPECT_TRUE(HasError(none, 3, 5,
                       "credential \"c\": missing the secret: give one of secret_file, "
                       "secret_credential or secret_env"));
  LoadResult two = Load(WithCredential(
      "  c:\n    access_key_id: AKID\n    secret_env: TEST_SECRET\n    secret_file: /x\n"
      "    secret_credential: y\n"));
  EXPECT_TRUE(HasError(two, 5, 5,
                       "give only one of secret_file, secret_credential or "
                       "secret_env (secret_env is already given)"));
  EXPECT_TRUE(HasError(two, 6, 5, "give only one of"));
  EXPECT_EQ(two.errors.size(), 2u) << ErrorsToString(two);
}

TEST(CredentialsTest, AccessKeyIdRequiredAndChecked) {
  LoadResult missing = Load(WithCredential("  c:\n    secret_env: TEST_SECRET\n"));
  EXPECT_TRUE(HasError(missing, 3, 5, "credential \"c\": missing required key \"access_key_id\""));
  LoadResult bad =
      Load(WithCredential("  c:\n    access_key_id: AK/ID\n    secret_env: TEST_SECRET\n"));
  EXPECT_TRUE(HasError(bad, 3, 20, "credential \"c\": access_key_id: invalid access key id"));
  LoadResult empty =
      Load(WithCredential("  c:\n    access_key_id: ''\n    secret_env: TEST_SECRET\n"));
  EXPECT_TRUE(HasError(empty, 3, 20, "invalid access key id"));
}

TEST(CredentialsTest, UnknownKeyAndBadName) {
  LoadResult result = Load(WithCredential(
      "  c:\n    access_key_id: AKID\n    secret_env: TEST_SECRET\n    secret_fil: x\n"
      "  bad name:\n    access_key_id: AKID\n    secret_env: TEST_SECRET\n"));
  EXPECT_TRUE(HasError(result, 5, 5,
                       "unknown key \"secret_fil\" in credential \"c\" (did you mean "
                       "\"secret_file\"?"));
  EXPECT_TRUE(HasError(result, 6, 3, "credentials: invalid name \"bad name\""));
}

TEST(CredentialsTest, UnusedCredentialsAreFine) {
  LoadResult result =
      Load(WithCredential("  c: {access_key_id: AKID, secret_env: TEST_SECRET}\n"
                          "  spare: {access_key_id: OTHER, secret_env: TEST_SECRET}\n"));
  EXPECT_TRUE(result.ok()) << ErrorsToString(result);
}

TEST(CredentialsTest, SharedBetweenProfiles) {
  LoadResult result = Load(std::string(config_test::kCredentialsBlock) +
                           "profiles:\n"
                           "  a: {credentials: main, bucket: aaa, region: r, size: {max: 1}, "
                           "content_types: [\"*/*\"]}\n"
                           "  b: {credentials: main, bucket: bbb, region: r, size: {max: 1}, "
                           "content_types: [\"*/*\"]}\n");
  ASSERT_TRUE(result.ok()) << ErrorsToString(result);
  EXPECT_EQ(result.snapshot->profiles.at("a").signing_credentials,
            result.snapshot->profiles.at("b").signing_credentials);
}

TEST(CredentialsTest, SectionMustBeAMap) {
  LoadResult result = Load("credentials: [a, b]\n");
  EXPECT_TRUE(HasError(result, 1, 14, "section \"credentials\": expected a map"));
  EXPECT_TRUE(Load("credentials:\n").ok());
}

}  // namespace
}  // namespace s3upload::config
