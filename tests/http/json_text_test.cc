// json_text.cc: JSON string literals exactly as JSON.stringify writes them, with ill-formed UTF-8
// replaced by maximal subparts, and the browser-safe JsonQuote on top. Expected strings were made
// with Python's json.dumps(separators=(",", ":"), ensure_ascii=False) and
// bytes.decode("utf-8", "replace").
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "s3upload/http.h"

namespace s3upload::http {
namespace {

TEST(JsonStringifyTest, EscapesLikeJsonStringify) {
  EXPECT_EQ(JsonStringify(""), R"("")");
  EXPECT_EQ(JsonStringify("plain / text <b>&</b>"), R"("plain / text <b>&</b>")");
  EXPECT_EQ(JsonStringify("\"\\"), R"("\"\\")");
  EXPECT_EQ(JsonStringify("\b\f\n\r\t"), R"("\b\f\n\r\t")");
  EXPECT_EQ(JsonStringify(std::string_view("\x00\x01\x0b\x1f", 4)),
            R"("\u0000\u0001\u000b\u001f")");
  EXPECT_EQ(JsonStringify("\x7f"), "\"\x7f\"");  // DEL is not a JSON control character
}

TEST(JsonStringifyTest, KeepsWellFormedUtf8) {
  EXPECT_EQ(JsonStringify("\xc3\xbc \xe1\x88\xb4 \xf0\x9f\x98\x80"),
            "\"\xc3\xbc \xe1\x88\xb4 \xf0\x9f\x98\x80\"");
  // U+2028/U+2029 are valid in JSON (and in JavaScript since ES2019); JSON.stringify keeps them.
  EXPECT_EQ(JsonStringify("\xe2\x80\xa8\xe2\x80\xa9"), "\"\xe2\x80\xa8\xe2\x80\xa9\"");
  // The edges of the ranges: U+0080, U+07FF, U+0800, U+D7FF, U+E000, U+FFFF, U+10000, U+10FFFF.
  const std::string edges =
      "\xc2\x80\xdf\xbf\xe0\xa0\x80\xed\x9f\xbf\xee\x80\x80\xef\xbf\xbf\xf0\x90\x80\x80"
      "\xf4\x8f\xbf\xbf";
  EXPECT_EQ(JsonStringify(edges), "\"" + edges + "\"");
}

TEST(JsonStringifyTest, IllFormedUtf8BecomesReplacementCharacters) {
  const std::string r = "\xef\xbf\xbd";  // U+FFFD
  EXPECT_EQ(JsonStringify("\xff"), "\"" + r + "\"");
  EXPECT_EQ(JsonStringify("\x80"), "\"" + r + "\"");                          // lone continuation
  EXPECT_EQ(JsonStringify("\xc0\xaf"), "\"" + r + r + "\"");                  // overlong '/'
  EXPECT_EQ(JsonStringify("\xe0\x80\xaf"), "\"" + r + r + r + "\"");          // overlong '/'
  EXPECT_EQ(JsonStringify("\xed\xa0\x80"), "\"" + r + r + r + "\"");          // UTF-16 surrogate
  EXPECT_EQ(JsonStringify("\xf4\x90\x80\x80"), "\"" + r + r + r + r + "\"");  // > U+10FFFF
  EXPECT_EQ(JsonStringify("\xf5\x80"), "\"" + r + r + "\"");
  // A truncated sequence is one replacement, and the byte that cut it short is kept.
  EXPECT_EQ(JsonStringify("\xe2\x80"), "\"" + r + "\"");
  EXPECT_EQ(JsonStringify("\xe2\x80\""), "\"" + r + "\\\"\"");
  EXPECT_EQ(JsonStringify("\xf0\x9f\x98"
                          "a"),
            "\"" + r + "a\"");
}

TEST(JsonStringifyTest, MixedInputMatchesPython) {
  // json.dumps(b"a\xff\xe2\x80b\xed\xa0\x80c\xf0\x9f\x98\x80\xc0\xaf\xf4\x90\x80\x80\x7f\x00\x01"
  //            b"\x08\x0c\x1f\xe2\x80\xa8".decode("utf-8", "replace"), ensure_ascii=False)
  static constexpr char kInput[] =
      "a\xff\xe2\x80"
      "b\xed\xa0\x80"
      "c\xf0\x9f\x98\x80\xc0\xaf\xf4\x90\x80\x80\x7f\x00\x01\x08\x0c\x1f\xe2\x80\xa8";
  const std::string input(kInput, sizeof(kInput) - 1);
  EXPECT_EQ(JsonStringify(input),
            "\"a\xef\xbf\xbd\xef\xbf\xbd"
            "b\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
            "c\xf0\x9f\x98\x80\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf"
            "\xbd\x7f\\u0000\\u0001\\b\\f\\u001f\xe2\x80\xa8\"");
}

// Long runs of plain text are skipped eight bytes at a time: every byte value, at every position
// of such a run (and so in every lane of the eight), is escaped exactly as it is on its own.
TEST(JsonStringifyTest, EveryByteAtEveryPositionOfALongRunIsEscapedAsAlone) {
  // `middle` between runs of plain letters, and the same quoted: `quoted_middle` within quotes.
  const auto around = [](std::size_t position, std::string_view middle, std::string_view quote) {
    std::string text(quote);
    text.append(position, 'a').append(middle).append(24 - position, 'z').append(quote);
    return text;
  };
  const auto inner = [](const std::string& quoted) {
    return std::string_view(quoted).substr(1, quoted.size() - 2);
  };
  for (int byte = 0; byte < 256; ++byte) {
    const std::string alone(1, static_cast<char>(byte));
    for (std::size_t position = 0; position < 24; ++position) {
      const std::string text = around(position, alone, "");
      EXPECT_EQ(JsonStringify(text), around(position, inner(JsonStringify(alone)), "\""))
          << byte << " at " << position;
      EXPECT_EQ(JsonQuote(text), around(position, inner(JsonQuote(alone)), "\""))
          << byte << " at " << position;
    }
  }
}

TEST(JsonQuoteTest, AppendJsonQuoteAppendsWhatJsonQuoteReturns) {
  std::string out = "{\"a\":";
  AppendJsonQuote(out, "x<\"y\"> \xe2\x80\xa8");
  EXPECT_EQ(out, "{\"a\":" + JsonQuote("x<\"y\"> \xe2\x80\xa8"));
}

}  // namespace
}  // namespace s3upload::http
