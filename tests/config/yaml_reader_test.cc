// Tests for src/config/yaml_reader.cc: maps with unknown and duplicate keys, typed reads, and where
// each error is reported.
#include "config/yaml_reader.h"

#include <gtest/gtest.h>

#include <deque>

namespace s3upload::config::internal {
namespace {

using std::chrono::seconds;

class YamlReaderTest : public ::testing::Test {
 protected:
  // Each document stays alive (and is never assigned over: see Field) for the whole test.
  const YAML::Node& Parse(const std::string& yaml) { return roots_.emplace_back(YAML::Load(yaml)); }
  MapReader Read(const std::string& yaml, std::vector<std::string_view> known) {
    return MapReader::Closed(Parse(yaml), Scope{"profile \"p\"", ""}, std::move(known), diag_);
  }
  Field FieldOf(const std::string& yaml, std::string_view key) {
    MapReader map = Read(yaml, {key});
    EXPECT_TRUE(map.Get(key).has_value()) << yaml;
    return *map.Get(key);
  }
  std::string Errors() {
    std::string out;
    for (const ConfigError& e : diag_.TakeSorted()) out += e.ToString() + "\n";
    return out;
  }

  std::deque<YAML::Node> roots_;
  Diagnostics diag_{"f.yaml"};
};

TEST_F(YamlReaderTest, UnknownKeyAtItsPositionWithSuggestion) {
  MapReader map = Read("bucket: b\nmax_sise: 3\n", {"bucket", "max_size"});
  EXPECT_TRUE(map.valid());
  EXPECT_TRUE(map.Get("bucket"));
  EXPECT_FALSE(map.Get("max_sise"));
  EXPECT_EQ(Errors(),
            "f.yaml:2:1: unknown key \"max_sise\" in profile \"p\" (did you mean \"max_size\"? "
            "known: bucket, max_size)\n");
}

TEST_F(YamlReaderTest, NoSuggestionForDistantWords) {
  Read("zzz: 1\n", {"bucket", "max_size"});
  EXPECT_EQ(Errors(),
            "f.yaml:1:1: unknown key \"zzz\" in profile \"p\" (known: bucket, max_size)\n");
}

TEST_F(YamlReaderTest, DuplicateKeysAreErrorsAndTheFirstIsKept) {
  MapReader map = Read("bucket: one\nregion: r\nbucket: two\n", {"bucket", "region"});
  ASSERT_TRUE(map.Get("bucket"));
  EXPECT_EQ(map.Get("bucket")->value.Scalar(), "one");
  EXPECT_EQ(map.fields().size(), 2u);
  EXPECT_EQ(Errors(), "f.yaml:3:1: duplicate key \"bucket\" in profile \"p\" (first at line 1)\n");
}

TEST_F(YamlReaderTest, DuplicateKeysInFlowMaps) {
  Read("{a: 1, b: 2, a: 3}", {"a", "b"});
  EXPECT_EQ(Errors(), "f.yaml:1:14: duplicate key \"a\" in profile \"p\" (first at line 1)\n");
}

TEST_F(YamlReaderTest, NonScalarKeyIsAnError) {
  Read("? [a, b]\n: 1\n", {"a"});
  EXPECT_NE(Errors().find("f.yaml:1:3: in profile \"p\": a key must be a plain name"),
            std::string::npos);
}

TEST_F(YamlReaderTest, NotAMap) {
  MapReader map = Read("- a\n- b\n", {"a"});
  EXPECT_FALSE(map.valid());
  EXPECT_EQ(Errors(), "f.yaml:1:1: profile \"p\": expected a map (key: value lines), got a list\n");
}

TEST_F(YamlReaderTest, NullIsEmptyOnlyWhenAsked) {
  YAML::Node null_node = YAML::Load("~");
  EXPECT_TRUE(MapReader::Open(null_node, Scope{"", "profiles"}, diag_, true).valid());
  EXPECT_TRUE(diag_.empty());
  EXPECT_FALSE(MapReader::Open(null_node, Scope{"", "profiles"}, diag_).valid());
  EXPECT_EQ(diag_.count(), 1u);
}

TEST_F(YamlReaderTest, OpenMapsAcceptAnyKeyButNotDuplicates) {
  MapReader map = MapReader::Open(Parse("x: 1\ny: 2\nx: 3\n"), Scope{"", "profiles"}, diag_);
  ASSERT_EQ(map.fields().size(), 2u);
  EXPECT_EQ(map.fields()[0].key, "x");
  EXPECT_EQ(map.fields()[1].key, "y");
  EXPECT_EQ(Errors(),
            "f.yaml:3:1: duplicate key \"x\" in section \"profiles\" (first at line 1)\n");
}

TEST_F(YamlReaderTest, RequireReportsAtTheMap) {
  MapReader map = Read("\n\n  bucket: b\n  other: c\n", {"bucket", "other", "region"});
  EXPECT_FALSE(map.Require("region"));
  EXPECT_TRUE(map.Require("bucket"));
  EXPECT_EQ(Errors(), "f.yaml:3:3: profile \"p\": missing required key \"region\"\n");
}

TEST_F(YamlReaderTest, NestedScopesInMessages) {
  MapReader map =
      MapReader::Closed(Parse("size:\n  mx: 1\n"), Scope{"profile \"p\"", ""}, {"size"}, diag_);
  MapReader size = MapReader::Of(*map.Get("size"), {"min", "max"}, diag_);
  EXPECT_FALSE(size.Require("max"));
  EXPECT_EQ(size.scope().Label("max"), "profile \"p\": size.max");
  EXPECT_EQ(Errors(),
            "f.yaml:2:3: unknown key \"mx\" in section \"size\" of profile \"p\" (did you mean "
            "\"max\"? known: min, max)\n"
            "f.yaml:2:3: section \"size\" of profile \"p\": missing required key \"max\"\n");
}

TEST(ScopeTest, DescribeAndLabel) {
  EXPECT_EQ(Scope{}.Describe(), "the top level");
  EXPECT_EQ((Scope{"", "server"}).Describe(), "section \"server\"");
  EXPECT_EQ((Scope{"", "server"}).Label("threads"), "server.threads");
  EXPECT_EQ((Scope{"route 2", ""}).Describe(), "route 2");
  EXPECT_EQ((Scope{"route 2", ""}).Label("path"), "route 2: path");
  EXPECT_EQ((Scope{"profile \"p\"", ""}).Child("key").Child("prefix").path, "key.prefix");
}

TEST_F(YamlReaderTest, ReadStringAcceptsAnyScalar) {
  EXPECT_EQ(*ReadString(FieldOf("a: hello\n", "a"), diag_), "hello");
  EXPECT_EQ(*ReadString(FieldOf("a: 'quoted'\n", "a"), diag_), "quoted");
  EXPECT_EQ(*ReadString(FieldOf("a: 123\n", "a"), diag_), "123");
  EXPECT_EQ(*ReadString(FieldOf("a: \"\"\n", "a"), diag_), "");
  EXPECT_TRUE(diag_.empty());
}

TEST_F(YamlReaderTest, ReadStringWrongTypesAtTheValue) {
  EXPECT_FALSE(ReadString(FieldOf("a: [x, y]\n", "a"), diag_));
  EXPECT_FALSE(ReadString(FieldOf("a: {x: y}\n", "a"), diag_));
  EXPECT_EQ(Errors(),
            "f.yaml:1:4: profile \"p\": a: expected a string, got a list\n"
            "f.yaml:1:4: profile \"p\": a: expected a string, got a map\n");
}

TEST_F(YamlReaderTest, NullValueIsReportedAtItsKey) {
  // yaml-cpp puts an empty value at the next token (line 3 here): the key is the useful place.
  EXPECT_FALSE(ReadString(FieldOf("\n  a:\nb: 1\n", "a"), diag_));
  EXPECT_EQ(Errors(), "f.yaml:2:3: profile \"p\": a: expected a string, got nothing (null)\n");
}

TEST_F(YamlReaderTest, ExplicitTagsAreRefused) {
  EXPECT_FALSE(ReadString(FieldOf("a: !!str x\n", "a"), diag_));
  EXPECT_FALSE(ReadString(FieldOf("a: !secret x\n", "a"), diag_));
  EXPECT_EQ(diag_.count(), 2u);
  EXPECT_NE(Errors().find("YAML tags are not supported"), std::string::npos);
}

TEST_F(YamlReaderTest, ReadBoolIsStrict) {
  EXPECT_EQ(ReadBool(FieldOf("a: true\n", "a"), diag_), true);
  EXPECT_EQ(ReadBool(FieldOf("a: False\n", "a"), diag_), false);
  EXPECT_EQ(ReadBool(FieldOf("a: \"TRUE\"\n", "a"), diag_), true);
  EXPECT_TRUE(diag_.empty());
  EXPECT_FALSE(ReadBool(FieldOf("a: yes\n", "a"), diag_));
  EXPECT_FALSE(ReadBool(FieldOf("a: 1\n", "a"), diag_));
  EXPECT_FALSE(ReadBool(FieldOf("a: [true]\n", "a"), diag_));
  EXPECT_EQ(Errors(),
            "f.yaml:1:4: profile \"p\": a: expected true or false, got \"yes\"\n"
            "f.yaml:1:4: profile \"p\": a: expected true or false, got \"1\"\n"
            "f.yaml:1:4: profile \"p\": a: expected true or false, got a list\n");
}

TEST_F(YamlReaderTest, ReadUnsignedChecksTypeAndRange) {
  EXPECT_EQ(ReadUnsigned(FieldOf("n: 8\n", "n"), 1, 10, diag_), 8u);
  EXPECT_EQ(ReadUnsigned(FieldOf("n: \"8\"\n", "n"), 1, 10, diag_), 8u);
  EXPECT_TRUE(diag_.empty());
  EXPECT_FALSE(ReadUnsigned(FieldOf("n:   abc\n", "n"), 1, 10, diag_));
  EXPECT_FALSE(ReadUnsigned(FieldOf("n: 0\n", "n"), 1, 10, diag_));
  EXPECT_FALSE(ReadUnsigned(FieldOf("n: 11\n", "n"), 1, 10, diag_));
  EXPECT_FALSE(ReadUnsigned(FieldOf("n: -1\n", "n"), 1, 10, diag_));
  EXPECT_FALSE(ReadUnsigned(FieldOf("n: 1.5\n", "n"), 1, 10, diag_));
  // Sorted by position: the value of "n:   abc" is at column 6.
  EXPECT_EQ(Errors(),
            "f.yaml:1:4: profile \"p\": n: must be between 1 and 10, got 0\n"
            "f.yaml:1:4: profile \"p\": n: must be between 1 and 10, got 11\n"
            "f.yaml:1:4: profile \"p\": n: must not be negative, got \"-1\"\n"
            "f.yaml:1:4: profile \"p\": n: expected a whole number, got \"1.5\"\n"
            "f.yaml:1:6: profile \"p\": n: expected a whole number, got \"abc\"\n");
}

TEST_F(YamlReaderTest, ReadSizeAndDuration) {
  EXPECT_EQ(ReadSize(FieldOf("s: 64KiB\n", "s"), 1, 1 << 20, diag_), 65536u);
  EXPECT_EQ(ReadSize(FieldOf("s: '2MB'\n", "s"), 1, 1 << 30, diag_), 2'000'000u);
  EXPECT_EQ(ReadDuration(FieldOf("d: 15m\n", "d"), seconds(1), seconds(3600), diag_), seconds(900));
  EXPECT_TRUE(diag_.empty());
  EXPECT_FALSE(ReadSize(FieldOf("s: 2MiB\n", "s"), 1, 1 << 20, diag_));
  EXPECT_FALSE(ReadDuration(FieldOf("d: 2h\n", "d"), seconds(1), seconds(3600), diag_));
  EXPECT_FALSE(ReadDuration(FieldOf("d: 0\n", "d"), seconds(1), seconds(3600), diag_));
  EXPECT_FALSE(ReadDuration(FieldOf("d: 5 min\n", "d"), seconds(1), seconds(3600), diag_));
  const std::string errors = Errors();
  EXPECT_NE(errors.find("s: must be between 1 and 1048576 bytes, got 2MiB"), std::string::npos)
      << errors;
  EXPECT_NE(errors.find("d: must be between 1s and 3600s, got 2h"), std::string::npos) << errors;
  EXPECT_NE(errors.find("d: must be between 1s and 3600s, got 0"), std::string::npos) << errors;
  EXPECT_NE(errors.find("d: expected a duration"), std::string::npos) << errors;
}

TEST_F(YamlReaderTest, ReadDurationTakesMillisecondsOnlyInWholeSeconds) {
  EXPECT_EQ(ReadDuration(FieldOf("d: 2000ms\n", "d"), seconds(1), seconds(3600), diag_),
            seconds(2));
  EXPECT_TRUE(diag_.empty());
  EXPECT_FALSE(ReadDuration(FieldOf("d: 1500ms\n", "d"), seconds(1), seconds(3600), diag_));
  // Out of range is said first: "between 1s and ..." is the more useful message.
  EXPECT_FALSE(ReadDuration(FieldOf("d: 500ms\n", "d"), seconds(1), seconds(3600), diag_));
  EXPECT_EQ(Errors(),
            "f.yaml:1:4: profile \"p\": d: must be a whole number of seconds (this setting has "
            "no finer resolution), got 1500ms\n"
            "f.yaml:1:4: profile \"p\": d: must be between 1s and 3600s, got 500ms\n");
}

TEST_F(YamlReaderTest, ReadDurationMs) {
  using std::chrono::milliseconds;
  EXPECT_EQ(ReadDurationMs(FieldOf("d: 250ms\n", "d"), milliseconds(100), seconds(60), diag_),
            milliseconds(250));
  EXPECT_EQ(ReadDurationMs(FieldOf("d: 2\n", "d"), milliseconds(100), seconds(60), diag_),
            seconds(2));
  EXPECT_EQ(ReadDurationMs(FieldOf("d: 1m\n", "d"), milliseconds(100), seconds(60), diag_),
            seconds(60));
  EXPECT_EQ(ReadDurationMs(FieldOf("d: 100ms\n", "d"), milliseconds(100), seconds(60), diag_),
            milliseconds(100));
  EXPECT_TRUE(diag_.empty());
  EXPECT_FALSE(ReadDurationMs(FieldOf("d: 99ms\n", "d"), milliseconds(100), seconds(60), diag_));
  EXPECT_FALSE(ReadDurationMs(FieldOf("d: 60001ms\n", "d"), milliseconds(100), seconds(60), diag_));
  EXPECT_FALSE(ReadDurationMs(FieldOf("d: [1s]\n", "d"), milliseconds(100), seconds(60), diag_));
  EXPECT_EQ(Errors(),
            "f.yaml:1:4: profile \"p\": d: must be between 100ms and 60s, got 99ms\n"
            "f.yaml:1:4: profile \"p\": d: must be between 100ms and 60s, got 60001ms\n"
            "f.yaml:1:4: profile \"p\": d: expected a duration (e.g. 15m), got a list\n");
}

TEST_F(YamlReaderTest, ReadScalarListKeepsItemPositions) {
  std::optional<std::vector<Item>> items = ReadScalarList(FieldOf("l: [a, 'b', 3]\n", "l"), diag_);
  ASSERT_TRUE(items);
  ASSERT_EQ(items->size(), 3u);
  EXPECT_EQ((*items)[1].text, "b");
  EXPECT_EQ((*items)[1].mark.column, 7);
  EXPECT_EQ((*items)[2].text, "3");
  EXPECT_TRUE(diag_.empty());
}

TEST_F(YamlReaderTest, ReadScalarListErrors) {
  EXPECT_FALSE(ReadScalarList(FieldOf("l: a\n", "l"), diag_));
  EXPECT_FALSE(ReadScalarList(FieldOf("l:\n  - a\n  - [b]\n  - c\n", "l"), diag_));
  EXPECT_EQ(Errors(),
            "f.yaml:1:4: profile \"p\": l: expected a list (e.g. [a, b]), got \"a\"\n"
            "f.yaml:3:5: profile \"p\": l: expected a string, got a list\n");
}

TEST(ClosestMatchTest, FindsLikelyTypos) {
  const std::vector<std::string_view> keys = {"bucket", "region", "max_size", "min", "max"};
  EXPECT_EQ(ClosestMatch("buckt", keys), "bucket");
  EXPECT_EQ(ClosestMatch("buckte", keys), "bucket");  // transposition
  EXPECT_EQ(ClosestMatch("Bucket", keys), "bucket");
  EXPECT_EQ(ClosestMatch("mx", keys), "max");
  EXPECT_EQ(ClosestMatch("x", keys), std::nullopt);
  EXPECT_EQ(ClosestMatch("endpoint", keys), std::nullopt);
}

TEST(QuoteTest, EscapesAndShortens) {
  EXPECT_EQ(Quote("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(Quote(std::string_view("\n\x01\x7f", 3)), "\"\\x0a\\x01\\x7f\"");
  const std::string quoted = Quote(std::string(500, 'a'));
  EXPECT_LT(quoted.size(), 130u);
  EXPECT_TRUE(quoted.ends_with("...\""));
}

}  // namespace
}  // namespace s3upload::config::internal
