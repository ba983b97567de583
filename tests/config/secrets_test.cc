// Tests for src/config/secrets.cc: secret files and their modes, systemd credentials, environment
// variables, normalisation, and that no message ever shows a secret.
#include "config/secrets.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

#include "config/test_support.h"
#include "secure/vm_flags.h"

namespace s3upload::config::internal {
namespace {

using config_test::MapEnvironment;
using config_test::TempDir;

constexpr std::string_view kSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

std::string ReadOk(const std::string& path) {
  SecretBuffer buffer;
  Status status = ReadSecretFile(path, buffer);
  EXPECT_TRUE(status.ok()) << status.message();
  return std::string(buffer.view());
}

TEST(ReadSecretFileTest, Mode0600IsAccepted) {
  TempDir dir;
  EXPECT_EQ(ReadOk(dir.Write("s", std::string(kSecret) + "\n", 0600)), std::string(kSecret) + "\n");
}

TEST(ReadSecretFileTest, GroupReadableIsAccepted) {
  TempDir dir;
  EXPECT_EQ(ReadOk(dir.Write("s", kSecret, 0640)), kSecret);
  EXPECT_EQ(ReadOk(dir.Write("t", kSecret, 0400)), kSecret);
}

TEST(ReadSecretFileTest, Mode0644IsRefusedNamingTheFileAndTheFix) {
  TempDir dir;
  const std::string path = dir.Write("s", kSecret, 0644);
  SecretBuffer buffer;
  Status status = ReadSecretFile(path, buffer);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find(path), std::string::npos) << status.message();
  EXPECT_NE(status.message().find("readable or writable by others"), std::string::npos);
  EXPECT_NE(status.message().find("mode 0644"), std::string::npos) << status.message();
  EXPECT_NE(status.message().find("chmod 600 " + path), std::string::npos) << status.message();
  EXPECT_EQ(status.message().find(kSecret), std::string::npos);
  EXPECT_TRUE(buffer.empty());
}

TEST(ReadSecretFileTest, WritableByOthersIsRefusedToo) {
  TempDir dir;
  SecretBuffer buffer;
  EXPECT_FALSE(ReadSecretFile(dir.Write("w", kSecret, 0602), buffer).ok());
  EXPECT_FALSE(ReadSecretFile(dir.Write("r", kSecret, 0604), buffer).ok());
}

TEST(ReadSecretFileTest, MissingFile) {
  SecretBuffer buffer;
  Status status = ReadSecretFile("/nonexistent/s3us/secret", buffer);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.message(),
            "cannot open secret file \"/nonexistent/s3us/secret\": No such file or directory");
}

TEST(ReadSecretFileTest, DirectoryIsRefused) {
  TempDir dir;
  ::chmod(dir.path().c_str(), 0700);
  SecretBuffer buffer;
  Status status = ReadSecretFile(dir.path(), buffer);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("not a regular file"), std::string::npos) << status.message();
}

TEST(ReadSecretFileTest, FifoIsRefusedWithoutBlocking) {
  TempDir dir;
  const std::string path = dir.path() + "/fifo";
  ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0);
  SecretBuffer buffer;
  Status status = ReadSecretFile(path, buffer);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("not a regular file"), std::string::npos) << status.message();
}

TEST(ReadSecretFileTest, UnreadableFile) {
  if (::geteuid() == 0) GTEST_SKIP() << "root reads any file";
  TempDir dir;
  SecretBuffer buffer;
  Status status = ReadSecretFile(dir.Write("s", kSecret, 0000), buffer);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("Permission denied"), std::string::npos) << status.message();
}

TEST(ReadSecretFileTest, HugeFileIsRefused) {
  TempDir dir;
  SecretBuffer buffer;
  Status status =
      ReadSecretFile(dir.Write("big", std::string(kMaxSecretFileBytes + 1, 'a'), 0600), buffer);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("too large"), std::string::npos);
  EXPECT_TRUE(
      ReadSecretFile(dir.Write("ok", std::string(kMaxSecretFileBytes, 'a'), 0600), buffer).ok());
}

TEST(ReadSystemdCredentialTest, ReadsFromCredentialsDirectory) {
  TempDir dir;
  dir.Write("aws-signing-secret", kSecret, 0400);
  SecretBuffer buffer;
  Status status = ReadSystemdCredential(
      "aws-signing-secret", MapEnvironment({{"CREDENTIALS_DIRECTORY", dir.path()}}), buffer);
  ASSERT_TRUE(status.ok()) << status.message();
  EXPECT_EQ(buffer.view(), kSecret);
  // A trailing slash in the directory is fine.
  ASSERT_TRUE(ReadSystemdCredential("aws-signing-secret",
                                    MapEnvironment({{"CREDENTIALS_DIRECTORY", dir.path() + "/"}}),
                                    buffer)
                  .ok());
}

TEST(ReadSystemdCredentialTest, NeedsCredentialsDirectory) {
  SecretBuffer buffer;
  Status status = ReadSystemdCredential("aws-signing-secret", MapEnvironment({}), buffer);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("CREDENTIALS_DIRECTORY is not set"), std::string::npos);
  EXPECT_NE(status.message().find("LoadCredential=aws-signing-secret:"), std::string::npos);
  EXPECT_FALSE(
      ReadSystemdCredential("x", MapEnvironment({{"CREDENTIALS_DIRECTORY", ""}}), buffer).ok());
}

TEST(ReadSystemdCredentialTest, NameMustBeAPlainFileName) {
  TempDir dir;
  const EnvironmentLookup env = MapEnvironment({{"CREDENTIALS_DIRECTORY", dir.path()}});
  SecretBuffer buffer;
  for (const char* name : {"", ".", "..", "../etc/shadow", "a/b"}) {
    Status status = ReadSystemdCredential(name, env, buffer);
    ASSERT_FALSE(status.ok()) << name;
    EXPECT_NE(status.message().find("plain file name"), std::string::npos) << status.message();
  }
}

TEST(ReadSystemdCredentialTest, ModeIsCheckedToo) {
  TempDir dir;
  dir.Write("c", kSecret, 0644);
  SecretBuffer buffer;
  EXPECT_FALSE(
      ReadSystemdCredential("c", MapEnvironment({{"CREDENTIALS_DIRECTORY", dir.path()}}), buffer)
          .ok());
}

TEST(ReadSecretEnvTest, ReadsTheVariable) {
  SecretBuffer buffer;
  ASSERT_TRUE(
      ReadSecretEnv("MY_SECRET", MapEnvironment({{"MY_SECRET", std::string(kSecret)}}), buffer)
          .ok());
  EXPECT_EQ(buffer.view(), kSecret);
}

TEST(ReadSecretEnvTest, UnsetAndBadNames) {
  SecretBuffer buffer;
  Status unset = ReadSecretEnv("MY_SECRET", MapEnvironment({}), buffer);
  ASSERT_FALSE(unset.ok());
  EXPECT_EQ(unset.message(), "environment variable MY_SECRET is not set");
  for (const char* name : {"", "1ABC", "A-B", "A B", "A=B"}) {
    EXPECT_FALSE(ReadSecretEnv(name, MapEnvironment({}), buffer).ok()) << name;
  }
}

TEST(ProcessEnvironmentTest, LooksUpTheRealEnvironment) {
  ASSERT_EQ(::setenv("S3US_CONFIG_TEST_VARIABLE", "value", 1), 0);
  EXPECT_EQ(ProcessEnvironment("S3US_CONFIG_TEST_VARIABLE"), "value");
  ::unsetenv("S3US_CONFIG_TEST_VARIABLE");
  EXPECT_EQ(ProcessEnvironment("S3US_CONFIG_TEST_VARIABLE"), std::nullopt);
}

// secret_env from the real environment: taken out of it (the bytes zeroed in place, which is what
// /proc/<pid>/environ shows; tests/secure/process_test.cc checks that file itself) and served from
// secure memory at the next reload.
TEST(ReadSecretEnvTest, TheProcessEnvironmentIsScrubbedAndTheValueKeptForReloads) {
  constexpr const char* kName = "S3US_CONFIG_TEST_ENV_SECRET";
  ASSERT_EQ(::setenv(kName, std::string(kSecret).c_str(), 1), 0);
  SecretBuffer buffer;
  ASSERT_TRUE(ReadSecretEnv(kName, ProcessEnvironment, buffer).ok());
  EXPECT_EQ(buffer.view(), kSecret);
  EXPECT_STREQ(std::getenv(kName), "") << "the secret is still in the environment";

  SecretBuffer reloaded;
  ASSERT_TRUE(ReadSecretEnv(kName, ProcessEnvironment, reloaded).ok());
  EXPECT_EQ(reloaded.view(), kSecret);
  EXPECT_EQ(ProcessEnvironment(kName), std::string(kSecret));
  ::unsetenv(kName);
}

TEST(ReadSecretEnvTest, AnotherLookupLeavesTheProcessEnvironmentAlone) {
  constexpr const char* kName = "S3US_CONFIG_TEST_ENV_OTHER";
  ASSERT_EQ(::setenv(kName, "the process's own value", 1), 0);
  SecretBuffer buffer;
  ASSERT_TRUE(ReadSecretEnv(kName, MapEnvironment({{kName, std::string(kSecret)}}), buffer).ok());
  EXPECT_EQ(buffer.view(), kSecret);
  EXPECT_STREQ(std::getenv(kName), "the process's own value");
  ::unsetenv(kName);
}

TEST(SecretBufferTest, HoldsTheSecretInSecureMemory) {
  TempDir dir;
  SecretBuffer buffer;
  ASSERT_TRUE(ReadSecretFile(dir.Write("s", kSecret, 0600), buffer).ok());
  const auto flags = secure_test::VmFlagsOf(buffer.view().data());
  ASSERT_TRUE(flags.has_value());
  EXPECT_TRUE(flags->contains("dd")) << "a secret read from a file is not excluded from core dumps";
  std::string text(kSecret);
  buffer.Assign(text);
  const auto assigned = secure_test::VmFlagsOf(buffer.view().data());
  ASSERT_TRUE(assigned.has_value());
  EXPECT_TRUE(assigned->contains("dd"));
}

std::string Normalised(std::string text) {
  SecretBuffer buffer;
  buffer.Assign(text);
  EXPECT_TRUE(text.empty());
  Status status = NormaliseSecret(buffer);
  return status.ok() ? std::string(buffer.view()) : "error: " + status.message();
}

TEST(NormaliseSecretTest, StripsOneTrailingNewline) {
  EXPECT_EQ(Normalised("abc"), "abc");
  EXPECT_EQ(Normalised("abc\n"), "abc");
  EXPECT_EQ(Normalised("abc\r\n"), "abc");
  EXPECT_EQ(Normalised("a b"), "a b");
}

TEST(NormaliseSecretTest, RefusesEmptyAndControlCharacters) {
  EXPECT_EQ(Normalised(""), "error: the secret is empty");
  EXPECT_EQ(Normalised("\n"), "error: the secret is empty");
  EXPECT_EQ(Normalised("\r\n"), "error: the secret is empty");
  for (const char* text : {"abc\n\n", "abc\r", "ab\tc", "abc\n\r\n", "\nabc"}) {
    const std::string result = Normalised(text);
    EXPECT_TRUE(result.starts_with("error: the secret contains a control character")) << result;
    EXPECT_EQ(result.find("abc"), std::string::npos);
  }
}

TEST(SecretBufferTest, ToSecretKeyKeepsTheBytes) {
  std::string text(kSecret);
  SecretBuffer buffer;
  buffer.Assign(text);
  aws::SecretKey key = buffer.ToSecretKey();
  EXPECT_EQ(key.reveal(), kSecret);
  buffer.Wipe();
  EXPECT_TRUE(buffer.empty());
  EXPECT_EQ(key.reveal(), kSecret);
}

// ReadConfiguredSecret on its own: the choice of the one source, shared by credentials and
// webhooks (see credentials_test.cc and success_settings_test.cc for them in context).
class ReadConfiguredSecretTest : public ::testing::Test {
 protected:
  bool Read(const std::string& yaml, const EnvironmentLookup& env,
            const std::string& base_dir = "/nonexistent") {
    root_ = YAML::Load(yaml);
    const MapReader map =
        MapReader::Closed(root_, Scope{"webhook \"w\"", ""},
                          {"url", "secret_file", "secret_credential", "secret_env"}, diag_);
    return ReadConfiguredSecret(map, base_dir, env, diag_, secret_);
  }
  std::string Errors() {
    std::string out;
    for (const ConfigError& e : diag_.TakeSorted()) out += e.ToString() + "\n";
    return out;
  }

  YAML::Node root_;
  Diagnostics diag_{"f.yaml"};
  SecretBuffer secret_;
};

TEST_F(ReadConfiguredSecretTest, EachSource) {
  TempDir dir;
  dir.Write("s", std::string(kSecret) + "\n", 0600);
  ASSERT_TRUE(Read("secret_file: s\n", MapEnvironment({}), dir.path())) << Errors();
  EXPECT_EQ(secret_.view(), kSecret);
  ASSERT_TRUE(
      Read("secret_credential: s\n", MapEnvironment({{"CREDENTIALS_DIRECTORY", dir.path()}})))
      << Errors();
  EXPECT_EQ(secret_.view(), kSecret);
  ASSERT_TRUE(Read("url: x\nsecret_env: V\n", MapEnvironment({{"V", std::string(kSecret)}})))
      << Errors();
  EXPECT_EQ(secret_.view(), kSecret);
  EXPECT_TRUE(diag_.empty());
}

TEST_F(ReadConfiguredSecretTest, NoneOrSeveral) {
  EXPECT_FALSE(Read("url: x\n", MapEnvironment({})));
  EXPECT_FALSE(Read("secret_env: V\nsecret_file: s\n", MapEnvironment({{"V", "x"}})));
  EXPECT_EQ(Errors(),
            "f.yaml:1:1: webhook \"w\": missing the secret: give one of secret_file, "
            "secret_credential or secret_env\n"
            "f.yaml:2:1: webhook \"w\": give only one of secret_file, secret_credential or "
            "secret_env (secret_env is already given)\n");
}

TEST_F(ReadConfiguredSecretTest, AFailedReadLeavesNothingBehindAndShowsNothing) {
  EXPECT_FALSE(Read("secret_env: V\n", MapEnvironment({{"V", std::string(kSecret) + "\nmore"}})));
  EXPECT_TRUE(secret_.empty());
  const std::string errors = Errors();
  EXPECT_EQ(errors.find(kSecret), std::string::npos) << errors;
  EXPECT_NE(errors.find("f.yaml:1:13: webhook \"w\": secret_env: the secret contains a control"),
            std::string::npos)
      << errors;
}

}  // namespace
}  // namespace s3upload::config::internal
