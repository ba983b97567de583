// CheckKey: the always-on rules, the {user} prefix, the shapes and extensions.
#include <gtest/gtest.h>

#include <string>

#include "verify/verify_test_support.h"

namespace s3upload::verify::verify_test {
namespace {

std::string KeyRule(std::string_view key, const KeyRules& rules, const Caller& caller = {}) {
  const std::optional<Refusal> refusal = CheckKey(key, rules, caller);
  return refusal ? refusal->rule : "<accepted>";
}

KeyRules Any() {
  KeyRules rules;
  rules.shapes = {KeyRules::Shape::kAnyName};
  return rules;
}

std::string Repeat(std::string_view text, std::size_t times) {
  std::string out;
  for (std::size_t i = 0; i < times; ++i) out += text;
  return out;
}

TEST(KeyRulesTest, AlwaysOnRules) {
  const KeyRules any = Any();
  struct Case {
    std::string key;
    std::string_view rule;
  };
  const Case cases[] = {
      {"photo.jpg", "<accepted>"},
      {"dir/sub/photo.jpg", "<accepted>"},
      {"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80.jpg", "<accepted>"},  // é € 😀
      {"a..b/c.d", "<accepted>"},
      {"", "key.empty"},
      {std::string(kMaxKeyBytes, 'a'), "<accepted>"},
      {std::string(kMaxKeyBytes + 1, 'a'), "key.too-long"},
      {Repeat("\xc3\xa9", kMaxKeyBytes / 2), "<accepted>"},  // bytes are counted, not characters
      {Repeat("\xc3\xa9", kMaxKeyBytes / 2) + "a", "key.too-long"},
      {"\xc0\xae\xc0\xae/x", "key.utf8"},  // overlong '.'
      {"\xe0\x80\xaf", "key.utf8"},        // overlong '/'
      {"\xed\xa0\x80", "key.utf8"},        // surrogate U+D800
      {"\xf4\x90\x80\x80", "key.utf8"},    // above U+10FFFF
      {"\xc3", "key.utf8"},                // truncated
      {"\x80", "key.utf8"},                // lone continuation
      {"\xff", "key.utf8"},
      {std::string("a\0b", 3), "key.control"},
      {"a\nb", "key.control"},
      {"a\tb", "key.control"},
      {"a\x7f", "key.control"},
      {"a\xc2\x85", "key.control"},  // NEL, C1
      {"a\xc2\x9f", "key.control"},
      {"a\xc2\xa0", "<accepted>"},  // NBSP is not a control character
      {"/photo.jpg", "key.leading-slash"},
      {"a\\b", "key.backslash"},
      {"a//b", "key.empty-segment"},
      {"dir/", "key.empty-segment"},
      {"./a", "key.dot-segment"},
      {"a/./b", "key.dot-segment"},
      {"a/../b", "key.dot-segment"},
      {"..", "key.dot-segment"},
      {"a/..", "key.dot-segment"},
      {"uploads/${filename}", "key.variable"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(KeyRule(c.key, any), c.rule) << c.key;
  }
  KeyRules short_keys = any;
  short_keys.max_length = 9;
  EXPECT_EQ(KeyRule("photo.jpg", short_keys), "<accepted>");
  EXPECT_EQ(KeyRule("photo.jpeg", short_keys), "key.too-long");
}

TEST(KeyRulesTest, Shapes) {
  KeyRules rules;  // default: uuid.ext, any extension
  EXPECT_EQ(KeyRule("a5d3c3c2-5b1e-4c43-9f1e-2d0c8a7b6e41.jpg", rules), "<accepted>");
  EXPECT_EQ(KeyRule("A5D3C3C2-5B1E-4C43-9F1E-2D0C8A7B6E41.JPG", rules), "<accepted>");
  EXPECT_EQ(KeyRule("a5d3c3c2-5b1e-4c43-9f1e-2d0c8a7b6e41.abcdefghij123456", rules), "<accepted>");
  EXPECT_EQ(KeyRule("a5d3c3c2-5b1e-4c43-9f1e-2d0c8a7b6e41.abcdefghij1234567", rules),
            "key.extension");
  EXPECT_EQ(KeyRule("a5d3c3c2-5b1e-4c43-9f1e-2d0c8a7b6e41", rules), "key.shape");
  EXPECT_EQ(KeyRule("a5d3c3c2-5b1e-4c43-9f1e-2d0c8a7b6e41.", rules), "key.shape");
  EXPECT_EQ(KeyRule("a5d3c3c2-5b1e-4c43-9f1e-2d0c8a7b6e41.tar.gz", rules), "key.extension");
  EXPECT_EQ(KeyRule("a5d3c3c2-5b1e-4c43-9f1e-2d0c8a7b6e41.j-g", rules), "key.extension");
  EXPECT_EQ(KeyRule("g5d3c3c2-5b1e-4c43-9f1e-2d0c8a7b6e41.jpg", rules), "key.shape");
  EXPECT_EQ(KeyRule("a5d3c3c25b1e-4c43-9f1e-2d0c8a7b6e41.jpg", rules), "key.shape");
  EXPECT_EQ(KeyRule("a5d3c3c2-5b1e-4c43-9f1e-2d0c8a7b6e4.jpg", rules), "key.shape");
  EXPECT_EQ(KeyRule("x/a5d3c3c2-5b1e-4c43-9f1e-2d0c8a7b6e41.jpg", rules), "key.shape");
  EXPECT_EQ(KeyRule("3f1c1f7e-uuid.jpg", rules), "key.shape");

  rules.extensions = {"jpg", "png"};
  EXPECT_EQ(KeyRule("a5d3c3c2-5b1e-4c43-9f1e-2d0c8a7b6e41.JPG", rules), "<accepted>");
  EXPECT_EQ(KeyRule("a5d3c3c2-5b1e-4c43-9f1e-2d0c8a7b6e41.png", rules), "<accepted>");
  EXPECT_EQ(KeyRule("a5d3c3c2-5b1e-4c43-9f1e-2d0c8a7b6e41.html", rules), "key.extension");

  rules.shapes = {KeyRules::Shape::kUuid};
  EXPECT_EQ(KeyRule("a5d3c3c2-5b1e-4c43-9f1e-2d0c8a7b6e41", rules), "<accepted>");
  EXPECT_EQ(KeyRule("a5d3c3c2-5b1e-4c43-9f1e-2d0c8a7b6e41.jpg", rules), "key.shape");

  rules.shapes = {KeyRules::Shape::kUuid, KeyRules::Shape::kUuidWithExtension};
  EXPECT_EQ(KeyRule("a5d3c3c2-5b1e-4c43-9f1e-2d0c8a7b6e41", rules), "<accepted>");
  EXPECT_EQ(KeyRule("a5d3c3c2-5b1e-4c43-9f1e-2d0c8a7b6e41.png", rules), "<accepted>");

  rules.shapes = {};  // nothing allowed
  EXPECT_EQ(KeyRule("a5d3c3c2-5b1e-4c43-9f1e-2d0c8a7b6e41.png", rules), "key.shape");
}

TEST(KeyRulesTest, PrefixAndUser) {
  KeyRules rules;
  rules.prefix = "uploads/{user}/";
  const std::string key = "uploads/alice/a5d3c3c2-5b1e-4c43-9f1e-2d0c8a7b6e41.jpg";
  EXPECT_EQ(KeyRule(key, rules, AsUser("alice")), "<accepted>");
  EXPECT_EQ(KeyRule(key, rules, AsUser("alic")), "key.prefix");
  EXPECT_EQ(KeyRule(key, rules, AsUser("alice/")), "key.user");
  EXPECT_EQ(KeyRule(key, rules, Caller{}), "key.user");
  EXPECT_EQ(KeyRule(key, rules, AsUser("..")), "key.user");
  EXPECT_EQ(KeyRule(key, rules, AsUser(std::string(65, 'a'))), "key.user");
  EXPECT_EQ(KeyRule("uploads/" + std::string(64, 'a') + "/a5d3c3c2-5b1e-4c43-9f1e-2d0c8a7b6e41.jpg",
                    rules, AsUser(std::string(64, 'a'))),
            "<accepted>");
  EXPECT_EQ(KeyRule("uploads/a.b_c@d+e-f/a5d3c3c2-5b1e-4c43-9f1e-2d0c8a7b6e41.jpg", rules,
                    AsUser("a.b_c@d+e-f")),
            "<accepted>");
  EXPECT_EQ(
      KeyRule("uploads/al ice/a5d3c3c2-5b1e-4c43-9f1e-2d0c8a7b6e41.jpg", rules, AsUser("al ice")),
      "key.user");
  // The name after the prefix is matched whole: no sub-folder below the user's.
  EXPECT_EQ(
      KeyRule("uploads/alice/x/a5d3c3c2-5b1e-4c43-9f1e-2d0c8a7b6e41.jpg", rules, AsUser("alice")),
      "key.shape");

  // Two placeholders, and no placeholder (the caller does not matter then).
  rules.prefix = "{user}/in/{user}-";
  EXPECT_EQ(KeyRule("bob/in/bob-a5d3c3c2-5b1e-4c43-9f1e-2d0c8a7b6e41.jpg", rules, AsUser("bob")),
            "<accepted>");
  rules.prefix = "uploads/";
  EXPECT_EQ(KeyRule("uploads/a5d3c3c2-5b1e-4c43-9f1e-2d0c8a7b6e41.jpg", rules, Caller{}),
            "<accepted>");
  EXPECT_EQ(KeyRule("Uploads/a5d3c3c2-5b1e-4c43-9f1e-2d0c8a7b6e41.jpg", rules, Caller{}),
            "key.prefix");
}

}  // namespace
}  // namespace s3upload::verify::verify_test
