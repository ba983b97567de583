// Tests for src/secure/process.cc: core dumps off, and secrets scrubbed from the environment block
// that /proc/<pid>/environ shows.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "s3upload/secure.h"

namespace s3upload::secure {
namespace {

constexpr const char* kChildVariable = "S3US_SECURE_TEST_CHILD";
constexpr const char* kSecretVariable = "S3US_SECURE_TEST_SECRET";
constexpr std::string_view kSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Runs this test binary again with only `test` selected and `environment` as its whole initial
// environment (what the kernel shows in /proc/<pid>/environ); returns its exit status.
int RunInChild(const std::string& test, std::vector<std::string> environment) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    const std::string filter = "--gtest_filter=" + test;
    environment.push_back(std::string(kChildVariable) + "=1");
    std::vector<char*> envp;
    envp.reserve(environment.size() + 1);
    for (std::string& entry : environment) envp.push_back(entry.data());
    envp.push_back(nullptr);
    char arg0[] = "secure_test";
    std::string filter_arg = filter;
    char* argv[] = {arg0, filter_arg.data(), nullptr};
    ::execve("/proc/self/exe", argv, envp.data());
    ::_exit(127);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

bool InChild() { return std::getenv(kChildVariable) != nullptr; }

TEST(DisableCoreDumpsTest, MakesTheProcessNonDumpable) {
  // In a child process: the test binary itself stays as it was.
  EXPECT_EXIT(
      {
        if (!CoreDumpsEnabled()) ::_exit(2);  // already off: the test would prove nothing
        if (!DisableCoreDumps()) ::_exit(3);
        if (CoreDumpsEnabled()) ::_exit(4);
        if (::prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != 0) ::_exit(5);
        // The process itself still reads its own /proc files (the metrics of a process do).
        if (::open("/proc/self/environ", O_RDONLY | O_CLOEXEC) < 0) ::_exit(6);
        if (::open("/proc/self/status", O_RDONLY | O_CLOEXEC) < 0) ::_exit(7);
        ::_exit(0);
      },
      ::testing::ExitedWithCode(0), "");
}

// The child of the test below: its environment block holds the secret when it starts.
TEST(ScrubEnvironmentSecretTest, ChildRemovesTheValueFromProcSelfEnviron) {
  if (!InChild()) GTEST_SKIP() << "runs in the child started by the test below";
  const std::string entry = std::string(kSecretVariable) + "=" + std::string(kSecret);
  const std::string before = ReadFile("/proc/self/environ");
  ASSERT_NE(before.find(entry), std::string::npos) << "the secret is not in the initial block";

  ASSERT_TRUE(ScrubEnvironmentSecret(kSecretVariable, kSecret));

  const std::string after = ReadFile("/proc/self/environ");
  EXPECT_EQ(after.find(kSecret), std::string::npos) << "the secret is still in /proc/self/environ";
  EXPECT_EQ(after.size(), before.size());  // overwritten in place, not moved
  EXPECT_NE(after.find(std::string(kSecretVariable) + std::string("=\0\0\0", 4)),
            std::string::npos);
  EXPECT_STREQ(std::getenv(kSecretVariable), "");
  // Kept for the next reload.
  EXPECT_EQ(ScrubbedEnvironmentSecret(kSecretVariable), std::string(kSecret));
  // Scrubbing again finds "" now: nothing more to do, and the kept value stays.
  EXPECT_FALSE(ScrubEnvironmentSecret(kSecretVariable, kSecret));
  EXPECT_EQ(ScrubbedEnvironmentSecret(kSecretVariable), std::string(kSecret));
}

TEST(ScrubEnvironmentSecretTest, InitialEnvironmentBlockNoLongerShowsTheSecret) {
  if (InChild()) GTEST_SKIP() << "the parent's half";
  EXPECT_EQ(
      RunInChild("ScrubEnvironmentSecretTest.ChildRemovesTheValueFromProcSelfEnviron",
                 {"PATH=/usr/bin:/bin", std::string(kSecretVariable) + "=" + std::string(kSecret)}),
      0);
}

TEST(ScrubEnvironmentSecretTest, OnlyTheExactValueUnderThatName) {
  ASSERT_EQ(::setenv("S3US_SECURE_TEST_OTHER", "value one", 1), 0);
  EXPECT_FALSE(ScrubEnvironmentSecret("S3US_SECURE_TEST_OTHER", "value two"));
  EXPECT_FALSE(ScrubEnvironmentSecret("S3US_SECURE_TEST_OTHER", "value"));
  EXPECT_FALSE(ScrubEnvironmentSecret("S3US_SECURE_TEST_UNSET", "value one"));
  EXPECT_FALSE(ScrubEnvironmentSecret("S3US_SECURE_TEST_OTHER", ""));
  EXPECT_STREQ(std::getenv("S3US_SECURE_TEST_OTHER"), "value one");
  EXPECT_EQ(ScrubbedEnvironmentSecret("S3US_SECURE_TEST_OTHER"), std::nullopt);

  EXPECT_TRUE(ScrubEnvironmentSecret("S3US_SECURE_TEST_OTHER", "value one"));
  EXPECT_STREQ(std::getenv("S3US_SECURE_TEST_OTHER"), "");
  EXPECT_EQ(ScrubbedEnvironmentSecret("S3US_SECURE_TEST_OTHER"), "value one");
  // Set to something else since: that counts, not what was kept.
  ASSERT_EQ(::setenv("S3US_SECURE_TEST_OTHER", "value three", 1), 0);
  EXPECT_EQ(ScrubbedEnvironmentSecret("S3US_SECURE_TEST_OTHER"), std::nullopt);
  ::unsetenv("S3US_SECURE_TEST_OTHER");
}

}  // namespace
}  // namespace s3upload::secure
