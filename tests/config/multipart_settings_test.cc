// Tests for src/config/multipart_settings.cc: a profile's `multipart` map (the upload token
// secret, part URL lifetime, token lifetime, part count) and what a multipart route needs.
#include <gtest/gtest.h>

#include "config/test_support.h"

namespace s3upload::config {
namespace {

using config_test::ErrorsToString;
using config_test::HasError;
using config_test::Load;
using config_test::MapEnvironment;
using config_test::OnlyProfile;
using config_test::ProfileYaml;
using std::chrono::seconds;

constexpr std::string_view kTokenSecret = "0123456789abcdef0123456789abcdef";

EnvironmentLookup Environment(std::string token_secret = std::string(kTokenSecret)) {
  return MapEnvironment({{"TEST_SECRET", std::string(config_test::kTestSecret)},
                         {"TOKEN_SECRET", std::move(token_secret)}});
}

// Profile "p" with per-user keys and a params template (lines 12-17), then "multipart:" on line
// 18 and `body` (indented by six spaces) from line 19 on, then `routes`.
std::string MultipartYaml(std::string_view body, std::string_view routes = "") {
  return ProfileYaml(
             "    key:\n"                                   // 12
             "      prefix: \"uploads/{user}/\"\n"          // 13
             "      shapes: [uuid.ext, uuid]\n"             // 14
             "      extensions: [jpg, png]\n"               // 15
             "    params:\n"                                // 16
             "      key: \"uploads/{user}/{uuid}{ext}\"\n"  // 17
             "    multipart:\n" +                           // 18
             std::string(body)) +
         std::string(routes);
}

TEST(MultipartSettingsTest, AbsentByDefault) {
  EXPECT_FALSE(OnlyProfile(Load(ProfileYaml())).multipart.has_value());
}

TEST(MultipartSettingsTest, DefaultsWithJustASecret) {
  LoadResult result = Load(MultipartYaml("      secret_env: TOKEN_SECRET\n"), Environment());
  const Profile& profile = OnlyProfile(result);
  ASSERT_TRUE(profile.multipart.has_value());
  const MultipartSettings& multipart = *profile.multipart;
  ASSERT_NE(multipart.token_secret, nullptr);
  EXPECT_EQ(multipart.token_secret->reveal(), kTokenSecret);
  EXPECT_EQ(multipart.part_expires, seconds(300));
  EXPECT_EQ(multipart.upload_expires, seconds(24 * 3600));
  EXPECT_EQ(multipart.max_parts, 1000U);
}

TEST(MultipartSettingsTest, EveryKey) {
  LoadResult result = Load(MultipartYaml("      secret_env: TOKEN_SECRET\n"
                                         "      part_expires: 2m\n"
                                         "      upload_expires: 2h\n"
                                         "      max_parts: 10000\n"),
                           Environment());
  const MultipartSettings& multipart = *OnlyProfile(result).multipart;
  EXPECT_EQ(multipart.part_expires, seconds(120));
  EXPECT_EQ(multipart.upload_expires, seconds(7200));
  EXPECT_EQ(multipart.max_parts, 10000U);
}

TEST(MultipartSettingsTest, SecretFromAFile) {
  config_test::TempDir dir;
  dir.Write("token.secret", std::string(kTokenSecret) + "\n");
  LoadResult result =
      Load(MultipartYaml("      secret_file: token.secret\n"), Environment(), dir.path());
  ASSERT_TRUE(result.ok()) << ErrorsToString(result);
  EXPECT_EQ(OnlyProfile(result).multipart->token_secret->reveal(), kTokenSecret);
}

TEST(MultipartSettingsTest, Refusals) {
  // No secret at all.
  EXPECT_TRUE(
      HasError(Load(MultipartYaml("      max_parts: 10\n"), Environment()), 19, 7, "secret"))
      << ErrorsToString(Load(MultipartYaml("      max_parts: 10\n"), Environment()));
  // A short secret.
  LoadResult result = Load(MultipartYaml("      secret_env: TOKEN_SECRET\n"), Environment("short"));
  EXPECT_FALSE(result.ok());
  EXPECT_NE(ErrorsToString(result).find("at least 32"), std::string::npos)
      << ErrorsToString(result);
  // Out of range.
  EXPECT_TRUE(HasError(Load(MultipartYaml("      secret_env: TOKEN_SECRET\n"
                                          "      max_parts: 10001\n"),
                            Environment()),
                       20, 18, ""));
  EXPECT_TRUE(HasError(Load(MultipartYaml("      secret_env: TOKEN_SECRET\n"
                                          "      max_parts: 0\n"),
                            Environment()),
                       20, 18, ""));
  EXPECT_TRUE(HasError(Load(MultipartYaml("      secret_env: TOKEN_SECRET\n"
                                          "      part_expires: 2h\n"),
                            Environment()),
                       20, 21, ""));
  EXPECT_TRUE(HasError(Load(MultipartYaml("      secret_env: TOKEN_SECRET\n"
                                          "      upload_expires: 8d\n"),
                            Environment()),
                       20, 23, ""));
  // An unknown key.
  EXPECT_TRUE(HasError(Load(MultipartYaml("      secret_env: TOKEN_SECRET\n"
                                          "      max_part: 10\n"),
                            Environment()),
                       20, 7, "max_part"));
}

TEST(MultipartRouteTest, NeedsAPrefixAndBothSections) {
  const std::string route =
      "routes:\n"
      "  - {path: /s3/multipart/*, methods: [GET, POST, DELETE], handler: multipart, profile: "
      "p}\n";
  LoadResult ok = Load(MultipartYaml("      secret_env: TOKEN_SECRET\n", route), Environment());
  ASSERT_TRUE(ok.ok()) << ErrorsToString(ok);
  EXPECT_EQ(ok.snapshot->routes.at(0).handler, HandlerKind::kMultipart);
  EXPECT_EQ(HandlerName(HandlerKind::kMultipart), "multipart");
  // A multipart route can serve uploads (StillToFillIn), and auth: none is warned about.
  EXPECT_TRUE(StillToFillIn(*ok.snapshot).empty());
  LoadResult open =
      Load(MultipartYaml("      secret_env: TOKEN_SECRET\n",
                         "routes:\n"
                         "  - {path: /s3/multipart/*, methods: [GET, POST, DELETE], handler: "
                         "multipart, profile: p, auth: none}\n"),
           Environment());
  ASSERT_TRUE(open.ok()) << ErrorsToString(open);
  ASSERT_EQ(Warnings(*open.snapshot).size(), 1U);
  EXPECT_NE(Warnings(*open.snapshot)[0].find("multipart"), std::string::npos);

  // Not a prefix.
  LoadResult exact = Load(
      MultipartYaml("      secret_env: TOKEN_SECRET\n",
                    "routes:\n"
                    "  - {path: /s3/multipart, methods: [POST], handler: multipart, profile: p}\n"),
      Environment());
  EXPECT_FALSE(exact.ok());
  EXPECT_NE(ErrorsToString(exact).find("prefix"), std::string::npos) << ErrorsToString(exact);

  // A profile without a multipart section.
  LoadResult bare = Load(ProfileYaml("    key:\n"
                                     "      prefix: \"uploads/{user}/\"\n"
                                     "      shapes: [uuid]\n"
                                     "    params:\n"
                                     "      key: \"uploads/{user}/{uuid}\"\n") +
                         route);
  EXPECT_FALSE(bare.ok());
  EXPECT_NE(ErrorsToString(bare).find("`multipart` section"), std::string::npos)
      << ErrorsToString(bare);
}

}  // namespace
}  // namespace s3upload::config
