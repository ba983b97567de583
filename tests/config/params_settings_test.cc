// Tests for src/config/params_settings.cc: a profile's `params` map (what the params handler
// builds), the key template (its syntax, its relation to key.prefix and the key rules), a params
// route's need for it, and ExpandKeyTemplate.
#include <gtest/gtest.h>

#include "config/test_support.h"

namespace s3upload::config {
namespace {

using config_test::ErrorsToString;
using config_test::HasError;
using config_test::Load;
using config_test::OnlyProfile;
using config_test::ProfileYaml;
using std::chrono::seconds;
using Method = ParamsSettings::Method;

// Profile "p" with per-user keys <uuid>.<ext> or <uuid> (lines 12-15), then "params:" on line 16
// and the first line of `body` (indented by six spaces) on line 17.
std::string ParamsYaml(std::string_view body) {
  return ProfileYaml(
      "    key:\n"                           // 12
      "      prefix: \"uploads/{user}/\"\n"  // 13
      "      shapes: [uuid.ext, uuid]\n"     // 14
      "      extensions: [jpg, png, pdf]\n"  // 15
      "    params:\n" +                      // 16
      std::string(body));
}

TEST(ExpandKeyTemplateTest, ReplacesEveryPlaceholder) {
  EXPECT_EQ(ExpandKeyTemplate("uploads/{user}/{uuid}{ext}", "alice", "U", ".jpg"),
            "uploads/alice/U.jpg");
  EXPECT_EQ(ExpandKeyTemplate("uploads/{user}/{uuid}{ext}", "alice", "U", ""), "uploads/alice/U");
  EXPECT_EQ(ExpandKeyTemplate("{user}/{user}/x-{uuid}", "b", "U", ".png"), "b/b/x-U");
  // Only the three placeholders; anything else is text (the loader refuses it anyway).
  EXPECT_EQ(ExpandKeyTemplate("{name}{uuid", "b", "U", ""), "{name}{uuid");
  EXPECT_EQ(ExpandKeyTemplate("", "b", "U", ".x"), "");
}

TEST(ParamsSettingsTest, AbsentByDefault) {
  EXPECT_FALSE(OnlyProfile(Load(ProfileYaml())).params.has_value());
}

TEST(ParamsSettingsTest, DefaultsWithJustAKey) {
  LoadResult result = Load(ParamsYaml("      key: \"uploads/{user}/{uuid}{ext}\"\n"));
  const Profile& profile = OnlyProfile(result);
  ASSERT_TRUE(profile.params.has_value());
  const ParamsSettings& params = *profile.params;
  EXPECT_EQ(params.method, Method::kPost);
  EXPECT_EQ(params.key_template, "uploads/{user}/{uuid}{ext}");
  EXPECT_EQ(params.expires, seconds(300));
  EXPECT_FALSE(params.exact_size);
  EXPECT_EQ(params.success_action_status, "201");
  EXPECT_TRUE(params.success_action_redirects.empty());
  EXPECT_EQ(params.name_metadata, "filename");
}

TEST(ParamsSettingsTest, EveryKey) {
  LoadResult result =
      Load(ParamsYaml("      method: post\n"
                      "      key: \"uploads/{user}/{uuid}\"\n"
                      "      expires: 90s\n"
                      "      exact_size: true\n"
                      "      success_action_redirect: [\"https://app.example.com/done\", "
                      "\"https://app.example.com/other\"]\n"
                      "      name_metadata: Original-Name\n"));
  const Profile& profile = OnlyProfile(result);
  ASSERT_TRUE(profile.params.has_value()) << ErrorsToString(result);
  const ParamsSettings& params = *profile.params;
  EXPECT_EQ(params.key_template, "uploads/{user}/{uuid}");
  EXPECT_EQ(params.expires, seconds(90));
  EXPECT_TRUE(params.exact_size);
  EXPECT_EQ(
      params.success_action_redirects,
      (std::vector<std::string>{"https://app.example.com/done", "https://app.example.com/other"}));
  EXPECT_EQ(params.name_metadata, "original-name");

  LoadResult put =
      Load(ParamsYaml("      method: put\n"
                      "      key: \"uploads/{user}/{uuid}{ext}\"\n"
                      "      success_action_status: \"204\"\n"));
  EXPECT_TRUE(HasError(put, 19, 7, "only a POST upload has it")) << ErrorsToString(put);

  LoadResult put_ok =
      Load(ParamsYaml("      method: put\n"
                      "      key: \"uploads/{user}/{uuid}{ext}\"\n"
                      "      name_metadata: \"\"\n"));
  ASSERT_TRUE(OnlyProfile(put_ok).params.has_value());
  EXPECT_EQ(OnlyProfile(put_ok).params->method, Method::kPut);
  EXPECT_EQ(OnlyProfile(put_ok).params->name_metadata, "");
}

TEST(ParamsSettingsTest, ValueErrorsAtTheirPlace) {
  // Each case: the lines after `key:` (line 17, so the first of them is line 18) and the error.
  struct Case {
    std::string_view lines;
    int line, column;
    std::string_view error;
  };
  const Case cases[] = {
      {"      method: patch\n", 18, 15, "unknown method \"patch\""},
      {"      expires: 2h\n", 18, 16, "params.expires"},
      {"      expires: 0s\n", 18, 16, "params.expires"},
      {"      exact_size: maybe\n", 18, 19, "params.exact_size"},
      {"      success_action_status: \"302\"\n", 18, 30, "unknown success_action_status \"302\""},
      {"      success_action_redirect: [\"ftp://x\"]\n", 18, 33, "redirect URL"},
      {"      success_action_redirect: []\n", 18, 32, "must not be empty"},
      {"      success_action_status: \"201\"\n"
       "      success_action_redirect: [\"https://a.example/\"]\n",
       19, 7, "not both"},
      {"      name_metadata: \"x-amz-meta-name\"\n", 18, 22, "without the \"x-amz-meta-\" prefix"},
      {"      nmae_metadata: x\n", 18, 7, "name_metadata"},
  };
  for (const Case& c : cases) {
    LoadResult result =
        Load(ParamsYaml("      key: \"uploads/{user}/{uuid}\"\n" + std::string(c.lines)));
    EXPECT_TRUE(HasError(result, c.line, c.column, c.error)) << c.lines << ErrorsToString(result);
  }
  EXPECT_TRUE(HasError(Load(ParamsYaml("      method: post\n")), 17, 7, "\"key\""));
}

TEST(ParamsSettingsTest, KeyTemplateSyntax) {
  struct Case {
    std::string_view key;
    std::string_view error;
  };
  const Case cases[] = {
      {"uploads/{user}/{name}{ext}", "unknown placeholder \"{name}\""},
      {"uploads/{user}/{uuid}{ext", "unknown placeholder \"{\""},
      {"uploads/{user}/{uuid}}", "unknown placeholder \"}\""},
      {"uploads/{user}/${filename}", "unknown placeholder \"{filename}\""},
      {"uploads/{user}/x{ext}", "needs {uuid} exactly once"},
      {"uploads/{user}/{uuid}{uuid}", "needs {uuid} exactly once"},
      {"uploads/{user}/{ext}{uuid}", "{ext} may only be the end"},
      {"uploads/{user}/{uuid}{ext}{ext}", "{ext} may only be the end"},
      {"files/{user}/{uuid}{ext}", "must start with key.prefix \"uploads/{user}/\""},
      {"uploads/{user}/{user}-{uuid}", "{user} may only be part of key.prefix"},
  };
  for (const Case& c : cases) {
    LoadResult result = Load(ParamsYaml("      key: \"" + std::string(c.key) + "\"\n"));
    EXPECT_TRUE(HasError(result, 17, 12, c.error)) << c.key;
  }
}

TEST(ParamsSettingsTest, KeyTemplateMustMakeKeysTheKeyRulesAccept) {
  // A name of another shape than the key rules allow (uuid.ext, uuid).
  EXPECT_TRUE(HasError(Load(ParamsYaml("      key: \"uploads/{user}/x-{uuid}\"\n")), 17, 12,
                       "the profile's key rules refuse (key.shape"));
  // {ext} needs an allowlist: with any extension allowed, it would take anything from the name.
  const std::string no_extensions = ProfileYaml(
      "    key: {prefix: \"u/\", shapes: [uuid.ext]}\n"
      "    params: {key: \"u/{uuid}{ext}\"}\n");
  EXPECT_TRUE(HasError(Load(no_extensions), 13, 19, "key.extensions is empty"));
  // Without {ext}, shapes [uuid.ext] refuse every key the template makes.
  const std::string only_with_extension = ProfileYaml(
      "    key: {prefix: \"u/\", shapes: [uuid.ext], extensions: [png]}\n"
      "    params: {key: \"u/{uuid}\"}\n");
  EXPECT_TRUE(HasError(Load(only_with_extension), 13, 19, "key.shape"));
  // ... but with {ext} they are fine (a file without an allowed extension is then refused).
  const std::string with_extension = ProfileYaml(
      "    key: {prefix: \"u/\", shapes: [uuid.ext], extensions: [png]}\n"
      "    params: {key: \"u/{uuid}{ext}\"}\n");
  EXPECT_TRUE(OnlyProfile(Load(with_extension)).params.has_value());
  // The longest user (64 bytes) must fit key.max_length.
  const std::string too_long = ProfileYaml(
      "    key: {prefix: \"{user}/\", shapes: [uuid], max_length: 100}\n"
      "    params: {key: \"{user}/{uuid}\"}\n");
  EXPECT_TRUE(HasError(Load(too_long), 13, 19, "key.too-long"));
}

TEST(ParamsSettingsTest, BrokenKeyRulesAreNotReportedTwice) {
  LoadResult result =
      Load(ProfileYaml("    key: {prefix: \"/abs/\", shapes: [uuid]}\n"
                       "    params: {key: \"x/{uuid}\"}\n"));
  EXPECT_FALSE(result.ok());
  EXPECT_EQ(ErrorsToString(result).find("params.key"), std::string::npos) << ErrorsToString(result);
}

TEST(ParamsSettingsTest, ParamsRouteNeedsTheSection) {
  const std::string routes =
      "routes:\n"
      "  - {path: /s3/params, methods: [GET, POST], handler: params, profile: p}\n";
  LoadResult without = Load(ProfileYaml() + routes);
  EXPECT_TRUE(HasError(without, 13, 72, "has no `params` section")) << ErrorsToString(without);

  LoadResult with = Load(ParamsYaml("      key: \"uploads/{user}/{uuid}{ext}\"\n") + routes);
  ASSERT_TRUE(with.ok()) << ErrorsToString(with);
  ASSERT_EQ(with.snapshot->routes.size(), 1u);
  EXPECT_EQ(with.snapshot->routes[0].handler, HandlerKind::kParams);
  EXPECT_EQ(HandlerName(HandlerKind::kParams), "params");
  // A params route is a signing route: the configuration can serve uploads.
  EXPECT_TRUE(StillToFillIn(*with.snapshot).empty());
}

TEST(ParamsSettingsTest, AnonymousParamsRouteIsWarnedAbout) {
  LoadResult result =
      Load(ParamsYaml("      key: \"uploads/{user}/{uuid}{ext}\"\n") +
           "routes:\n"
           "  - {path: /s3/params, methods: [GET], handler: params, profile: p, auth: none}\n");
  ASSERT_TRUE(result.ok()) << ErrorsToString(result);
  const std::vector<std::string> warnings = Warnings(*result.snapshot);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("params) has auth: none"), std::string::npos) << warnings[0];
}

// reply: html (a form page and a success page for browsers without script): only for params and
// success routes, GET only, and a form page's profile must post and redirect.
TEST(ParamsSettingsTest, HtmlReplyRoutes) {
  const std::string redirecting = ParamsYaml(
      "      key: \"uploads/{user}/{uuid}{ext}\"\n"
      "      success_action_redirect: [\"https://app.example.com/s3/done\"]\n");
  LoadResult ok = Load(redirecting +
                       "routes:\n"
                       "  - {path: /s3/form, methods: [GET], handler: params, profile: p, "
                       "reply: html}\n"
                       "  - {path: /s3/done, methods: [GET], handler: success, profile: p, "
                       "reply: html}\n"
                       "  - {path: /s3/params, methods: [GET], handler: params, profile: p, "
                       "reply: json}\n"
                       "  - {path: /s3/success, methods: [POST], handler: success, profile: p}\n");
  ASSERT_TRUE(ok.ok()) << ErrorsToString(ok);
  ASSERT_EQ(ok.snapshot->routes.size(), 4u);
  EXPECT_EQ(ok.snapshot->routes[0].reply, Route::Reply::kHtml);
  EXPECT_EQ(ok.snapshot->routes[1].reply, Route::Reply::kHtml);
  EXPECT_EQ(ok.snapshot->routes[2].reply, Route::Reply::kJson);
  EXPECT_EQ(ok.snapshot->routes[3].reply, Route::Reply::kJson);

  struct Case {
    std::string yaml, route, message;
  };
  const std::vector<Case> cases = {
      {redirecting, "{path: /a, methods: [GET], handler: params, profile: p, reply: xml}",
       "unknown reply \"xml\""},
      {redirecting, "{path: /a, methods: [POST], handler: sign, profile: p, reply: html}",
       "only params and success routes have an HTML reply"},
      {redirecting, "{path: /a, methods: [GET, POST], handler: success, profile: p, reply: html}",
       "give the route methods [GET]"},
      {ParamsYaml("      key: \"uploads/{user}/{uuid}{ext}\"\n"),
       "{path: /a, methods: [GET], handler: params, profile: p, reply: html}",
       "method post and success_action_redirect"},
      {ParamsYaml("      key: \"uploads/{user}/{uuid}{ext}\"\n      method: put\n"),
       "{path: /a, methods: [GET], handler: params, profile: p, reply: html}",
       "method post and success_action_redirect"},
  };
  for (const Case& c : cases) {
    LoadResult result = Load(c.yaml + "routes:\n  - " + c.route + "\n");
    EXPECT_FALSE(result.ok()) << c.route;
    EXPECT_NE(ErrorsToString(result).find(c.message), std::string::npos) << c.route << "\n"
                                                                         << ErrorsToString(result);
  }
}

}  // namespace
}  // namespace s3upload::config
