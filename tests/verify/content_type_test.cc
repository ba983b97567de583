// CheckContentType: media type syntax, exact and wildcard entries, parameters only by exact entry.
#include <gtest/gtest.h>

#include <string>

#include "verify/verify_test_support.h"

namespace s3upload::verify::verify_test {
namespace {

std::string TypeRule(std::string_view value, std::vector<std::string> allowed) {
  UploadRules rules;
  rules.content_types = std::move(allowed);
  const std::optional<Refusal> refusal = CheckContentType(value, rules);
  return refusal ? refusal->rule : "<accepted>";
}

TEST(ContentTypeTest, ExactAndWildcardEntries) {
  EXPECT_EQ(TypeRule("image/jpeg", {"image/jpeg"}), "<accepted>");
  EXPECT_EQ(TypeRule("IMAGE/JPEG", {"image/jpeg"}), "<accepted>");
  EXPECT_EQ(TypeRule("image/jpeg", {"Image/JPEG"}), "<accepted>");
  EXPECT_EQ(TypeRule("image/png", {"image/jpeg"}), "policy.content-type.not-allowed");
  EXPECT_EQ(TypeRule("image/png", {"image/*"}), "<accepted>");
  EXPECT_EQ(TypeRule("image/svg+xml", {"image/*"}), "<accepted>");
  EXPECT_EQ(TypeRule("text/html", {"image/*"}), "policy.content-type.not-allowed");
  EXPECT_EQ(TypeRule("imagex/png", {"image/*"}), "policy.content-type.not-allowed");
  EXPECT_EQ(TypeRule("application/vnd.ms-excel", {"*/*"}), "<accepted>");
  EXPECT_EQ(TypeRule("application/pdf", {"image/*", "application/pdf"}), "<accepted>");
  EXPECT_EQ(TypeRule("image/png", {}), "policy.content-type.not-allowed");
}

TEST(ContentTypeTest, ParametersNeedAnExactEntry) {
  EXPECT_EQ(TypeRule("text/plain; charset=UTF-8", {"text/*"}), "policy.content-type.not-allowed");
  EXPECT_EQ(TypeRule("text/plain; charset=UTF-8", {"*/*"}), "policy.content-type.not-allowed");
  EXPECT_EQ(TypeRule("text/plain; charset=UTF-8", {"text/plain"}),
            "policy.content-type.not-allowed");
  EXPECT_EQ(TypeRule("text/plain; charset=UTF-8", {"text/plain; charset=UTF-8"}), "<accepted>");
  // The configuration normalises entries to "type/subtype;name=value".
  EXPECT_EQ(TypeRule("text/plain; charset=UTF-8", {"text/plain;charset=UTF-8"}), "<accepted>");
  EXPECT_EQ(TypeRule("text/plain;charset=UTF-8", {"text/plain; charset=UTF-8"}), "<accepted>");
  EXPECT_EQ(TypeRule("Text/Plain; Charset=UTF-8", {"text/plain;charset=UTF-8"}), "<accepted>");
  EXPECT_EQ(TypeRule("text/plain; charset=utf-8", {"text/plain;charset=UTF-8"}),
            "policy.content-type.not-allowed");
  EXPECT_EQ(TypeRule("text/plain; charset=UTF-8; x=y", {"text/plain;charset=UTF-8"}),
            "policy.content-type.not-allowed");
  EXPECT_EQ(TypeRule("text/plain", {"text/plain;charset=UTF-8"}),
            "policy.content-type.not-allowed");
  EXPECT_EQ(TypeRule("text/plain; charset=\"UTF-8\"", {"text/plain;charset=\"UTF-8\""}),
            "<accepted>");
}

TEST(ContentTypeTest, Syntax) {
  for (const std::string& value : std::vector<std::string>{"",
                                                           "image",
                                                           "image/",
                                                           "/jpeg",
                                                           "image/jpeg/x",
                                                           "image /jpeg",
                                                           "image/ jpeg",
                                                           " image/jpeg",
                                                           "image/jpeg ",
                                                           "*/*",
                                                           "image/*",
                                                           "-image/jpeg",
                                                           "image/jp eg",
                                                           "image/jpeg;",
                                                           "image/jpeg; ",
                                                           "image/jpeg; charset",
                                                           "image/jpeg; charset=",
                                                           "image/jpeg; =x",
                                                           "image/jpeg; a=b c",
                                                           "image/jpeg; a=\"b\"c\"",
                                                           "image/jpeg; a=\"b\\\"",
                                                           "image/jpeg\r\n",
                                                           "image/jpeg\x01",
                                                           "image/j\xc3\xa9g",
                                                           "image/jpeg;;a=b",
                                                           std::string("image/jpeg\0", 11)}) {
    EXPECT_EQ(TypeRule(value, {"*/*"}), "policy.content-type.syntax") << value;
  }
  EXPECT_EQ(TypeRule("image/jpeg ; a=b", {"image/jpeg;a=b"}), "<accepted>");
  EXPECT_EQ(TypeRule(std::string(127, 'a') + "/" + std::string(127, 'b'), {"*/*"}), "<accepted>");
  EXPECT_EQ(TypeRule(std::string(128, 'a') + "/b", {"*/*"}), "policy.content-type.syntax");
  EXPECT_EQ(TypeRule("application/vnd.a+b!c#d$e&f^g_h", {"*/*"}), "<accepted>");
}

}  // namespace
}  // namespace s3upload::verify::verify_test
