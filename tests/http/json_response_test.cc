#include <gtest/gtest.h>

#include "s3upload/http.h"

namespace s3upload::http {
namespace {

TEST(JsonQuote, PlainTextIsQuotedUnchanged) { EXPECT_EQ(JsonQuote("abc 123"), "\"abc 123\""); }

TEST(JsonQuote, EscapesQuotesBackslashesAndControlCharacters) {
  EXPECT_EQ(JsonQuote("a\"b\\c\nd\re\tf"), R"("a\"b\\c\nd\re\tf")");
  EXPECT_EQ(JsonQuote(std::string_view("\x01\x1f\x7f", 3)), R"("\u0001\u001f\u007f")");
  EXPECT_EQ(JsonQuote(std::string_view("a\0b", 3)), R"("a\u0000b")");
}

TEST(JsonQuote, EscapesMarkupCharacters) {
  EXPECT_EQ(JsonQuote("<script>&"), R"("\u003cscript\u003e\u0026")");
}

TEST(JsonQuote, KeepsValidUtf8AndReplacesInvalidBytes) {
  const std::string r = "\xef\xbf\xbd";  // U+FFFD, one per maximal ill-formed subpart
  EXPECT_EQ(JsonQuote("ü ሴ 😀"), "\"ü ሴ 😀\"");
  EXPECT_EQ(JsonQuote("\xff"), "\"" + r + "\"");
  EXPECT_EQ(JsonQuote("\xc0\xaf"), "\"" + r + r + "\"");          // overlong '/'
  EXPECT_EQ(JsonQuote("\xed\xa0\x80"), "\"" + r + r + r + "\"");  // UTF-16 surrogate
  EXPECT_EQ(JsonQuote("\xe2\x80"), "\"" + r + "\"");              // truncated
}

TEST(JsonQuote, EscapesJavaScriptLineSeparators) {
  EXPECT_EQ(JsonQuote("a\xe2\x80\xa8"
                      "b\xe2\x80\xa9"),
            R"("a\u2028b\u2029")");
}

TEST(JsonResponse, SetsJsonContentTypeAndNoStore) {
  const Response response = JsonResponse(201, "{}");
  EXPECT_EQ(response.status, 201);
  EXPECT_EQ(response.body, "{}");
  ASSERT_EQ(response.headers.size(), 2u);
  EXPECT_EQ(response.headers[0],
            (std::pair<std::string, std::string>("Content-Type", "application/json")));
  EXPECT_EQ(response.headers[1],
            (std::pair<std::string, std::string>("Cache-Control", "no-store")));
}

TEST(JsonError, QuotesTheMessage) {
  EXPECT_EQ(JsonError(404, "no \"x\"").body, R"({"error":"no \"x\""})");
  EXPECT_EQ(JsonError(404, "x").status, 404);
}

TEST(ReasonPhrase, KnownAndUnknown) {
  EXPECT_EQ(ReasonPhrase(200), "OK");
  EXPECT_EQ(ReasonPhrase(405), "Method Not Allowed");
  EXPECT_EQ(ReasonPhrase(413), "Payload Too Large");
  EXPECT_EQ(ReasonPhrase(422), "Unprocessable Content");
  EXPECT_EQ(ReasonPhrase(431), "Request Header Fields Too Large");
  EXPECT_EQ(ReasonPhrase(299), "Unknown");
}

}  // namespace
}  // namespace s3upload::http
