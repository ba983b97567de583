// Helpers shared by the config tests: temporary directories with secret files, a fake environment,
// and loading YAML text with a valid credential in place.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <string_view>

#include "s3upload/config.h"

namespace s3upload::config::config_test {

class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "s3us-config-XXXXXX").string();
    char* made = ::mkdtemp(pattern.data());
    EXPECT_NE(made, nullptr);
    path_ = pattern;
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }

  const std::string& path() const { return path_; }

  // Writes `content` to path()/name with exactly `mode` (umask does not apply) and returns the
  // path.
  std::string Write(const std::string& name, std::string_view content, mode_t mode = 0600) const {
    const std::string file = path_ + "/" + name;
    {
      std::ofstream out(file, std::ios::binary | std::ios::trunc);
      out << content;
    }
    EXPECT_EQ(::chmod(file.c_str(), mode), 0);
    return file;
  }

 private:
  std::string path_;
};

inline EnvironmentLookup MapEnvironment(std::map<std::string, std::string> variables) {
  return [variables = std::move(variables)](const std::string& name) -> std::optional<std::string> {
    auto it = variables.find(name);
    if (it == variables.end()) return std::nullopt;
    return it->second;
  };
}

inline constexpr std::string_view kTestSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

// Lines 1-4: a credential "main" whose secret comes from $TEST_SECRET.
inline constexpr std::string_view kCredentialsBlock =
    "credentials:\n"
    "  main:\n"
    "    access_key_id: AKIDEXAMPLE\n"
    "    secret_env: TEST_SECRET\n";

inline EnvironmentLookup TestEnvironment() {
  return MapEnvironment({{"TEST_SECRET", std::string(kTestSecret)}});
}

inline LoadResult Load(std::string_view yaml, const EnvironmentLookup& env = TestEnvironment(),
                       const std::string& base_dir = "/nonexistent") {
  return LoadString(yaml, "test.yaml", base_dir, env);
}

// kCredentialsBlock, then profile "p" with the required keys on lines 5-11 and `extra` (profile
// keys, indented by four spaces) from line 12 on.
inline std::string ProfileYaml(std::string_view extra = "") {
  return std::string(kCredentialsBlock) +
         "profiles:\n"                         // 5
         "  p:\n"                              // 6
         "    credentials: main\n"             // 7
         "    bucket: mybucket\n"              // 8
         "    region: eu-west-1\n"             // 9
         "    size: {max: 1MiB}\n"             // 10
         "    content_types: [\"image/*\"]\n"  // 11
         + std::string(extra);
}

inline std::string ErrorsToString(const LoadResult& result) {
  std::string out;
  for (const ConfigError& error : result.errors) out += error.ToString() + "\n";
  return out;
}

// The one profile "p" of a successful load, or a failure listing the errors.
inline const Profile& OnlyProfile(const LoadResult& result) {
  static const Profile kNone;
  if (!result.ok()) {
    ADD_FAILURE() << ErrorsToString(result);
    return kNone;
  }
  auto it = result.snapshot->profiles.find("p");
  if (it == result.snapshot->profiles.end()) {
    ADD_FAILURE() << "no profile p";
    return kNone;
  }
  return it->second;
}

// The rules of profile "p" after loading `yaml` (a copy: the snapshot is gone afterwards).
inline verify::UploadRules RulesOf(std::string_view yaml) { return OnlyProfile(Load(yaml)).rules; }

// True when some error is at line:column and contains `text`.
inline ::testing::AssertionResult HasError(const LoadResult& result, int line, int column,
                                           std::string_view text) {
  for (const ConfigError& error : result.errors) {
    if (error.line == line && error.column == column &&
        error.message.find(text) != std::string::npos) {
      return ::testing::AssertionSuccess();
    }
  }
  return ::testing::AssertionFailure()
         << "no error at " << line << ":" << column << " containing \"" << text << "\"; errors:\n"
         << ErrorsToString(result);
}

}  // namespace s3upload::config::config_test
