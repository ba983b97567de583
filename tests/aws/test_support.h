// Helpers shared by the aws tests: test data files, hex <-> bytes, and the example credentials the
// published vectors use.
#pragma once

#include <gtest/gtest.h>

#include <cstddef>
#include <filesystem>
#include <fstream>
#include <span>
#include <sstream>
#include <string>
#include <string_view>

namespace s3upload::aws::aws_test {

// The example secret of the AWS S3 documentation and of the Fine Uploader protocol doc.
inline constexpr std::string_view kExampleAccessKeyId = "AKIAIOSFODNN7EXAMPLE";
inline constexpr std::string_view kExampleSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

inline std::filesystem::path TestDataPath(std::string_view relative) {
  return std::filesystem::path(S3US_TEST_DATA_DIR) / relative;
}

// The file's bytes exactly as stored (no newline added or stripped). Fails the test if unreadable.
inline std::string ReadTestFile(std::string_view relative) {
  const std::filesystem::path path = TestDataPath(relative);
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot read " << path;
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// "0b0b0b" -> "\x0b\x0b\x0b". The input is trusted test data (even length, hex digits only).
inline std::string HexToBytes(std::string_view hex) {
  auto nibble = [](char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return c - 'A' + 10;
  };
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    out += static_cast<char>(nibble(hex[i]) * 16 + nibble(hex[i + 1]));
  }
  return out;
}

inline std::span<const unsigned char> AsBytes(std::string_view text) {
  return {reinterpret_cast<const unsigned char*>(text.data()), text.size()};
}

}  // namespace s3upload::aws::aws_test
