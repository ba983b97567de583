// Tests for src/config/diagnostics.cc: error positions and their rendering.
#include "config/diagnostics.h"

#include <gtest/gtest.h>

namespace s3upload::config::internal {
namespace {

YAML::Mark MarkAt(int line, int column) {
  YAML::Mark mark;
  mark.pos = 0;
  mark.line = line;
  mark.column = column;
  return mark;
}

TEST(ConfigErrorTest, ToStringWithAndWithoutPosition) {
  EXPECT_EQ((ConfigError{"/etc/c.yaml", 3, 7, "bad"}).ToString(), "/etc/c.yaml:3:7: bad");
  EXPECT_EQ((ConfigError{"/etc/c.yaml", 0, 0, "cannot open"}).ToString(),
            "/etc/c.yaml: cannot open");
}

TEST(DiagnosticsTest, MarksBecomeOneBased) {
  Diagnostics diag("f.yaml");
  diag.Error(MarkAt(0, 0), "first");
  std::vector<ConfigError> errors = diag.TakeSorted();
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].file, "f.yaml");
  EXPECT_EQ(errors[0].line, 1);
  EXPECT_EQ(errors[0].column, 1);
  EXPECT_EQ(errors[0].message, "first");
}

TEST(DiagnosticsTest, UnknownMarkIsAFileLevelError) {
  Diagnostics diag("f.yaml");
  diag.Error(YAML::Mark::null_mark(), "somewhere");
  std::vector<ConfigError> errors = diag.TakeSorted();
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].line, 0);
  EXPECT_EQ(errors[0].ToString(), "f.yaml: somewhere");
}

TEST(DiagnosticsTest, SortedByPositionStableWithinOne) {
  Diagnostics diag("f.yaml");
  diag.Error(MarkAt(5, 2), "c");
  diag.Error(MarkAt(1, 9), "b");
  diag.Error(MarkAt(5, 2), "d");
  diag.FileError("a");
  diag.Error(MarkAt(1, 0), "a2");
  EXPECT_EQ(diag.count(), 5u);
  std::vector<std::string> order;
  for (const ConfigError& e : diag.TakeSorted()) order.push_back(e.message);
  EXPECT_EQ(order, (std::vector<std::string>{"a", "a2", "b", "c", "d"}));
  EXPECT_TRUE(diag.empty());
}

}  // namespace
}  // namespace s3upload::config::internal
