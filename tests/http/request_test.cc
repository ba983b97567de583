#include <gtest/gtest.h>

#include "s3upload/http.h"

namespace s3upload::http {
namespace {

TEST(Request, HeaderFindsTheFirstValueByLowerCaseName) {
  Request request;
  request.headers = {{"origin", "https://a.example"}, {"x-csrf-token", "1"}, {"origin", "other"}};
  EXPECT_EQ(request.Header("origin"), "https://a.example");
  EXPECT_EQ(request.Header("x-csrf-token"), "1");
  EXPECT_FALSE(request.Header("authorization"));
}

}  // namespace
}  // namespace s3upload::http
