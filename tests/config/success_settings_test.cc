// Tests for src/config/success_settings.cc: a profile's `success` map (delete_invalid, check_etag,
// presigned_get, thumbnail) and its webhook, including where each error is reported and that the
// webhook secret follows the same rules as the credentials' secrets.
#include <gtest/gtest.h>

#include "config/test_support.h"

namespace s3upload::config {
namespace {

using config_test::ErrorsToString;
using config_test::HasError;
using config_test::kTestSecret;
using config_test::Load;
using config_test::MapEnvironment;
using config_test::OnlyProfile;
using config_test::ProfileYaml;
using config_test::TempDir;
using std::chrono::milliseconds;
using std::chrono::seconds;
using Thumbnail = SuccessSettings::Thumbnail;

constexpr std::string_view kWebhookSecret = "whsec-3f9a1c0e8b7d4a2f9e6c5b4a3d2e1f0a";

// The environment of the tests: the signing secret and a webhook secret.
EnvironmentLookup Environment() {
  return MapEnvironment(
      {{"TEST_SECRET", std::string(kTestSecret)}, {"HOOK_SECRET", std::string(kWebhookSecret)}});
}

// Profile "p" with `success` (its lines, indented by six spaces) from line 12 on: "success:" is
// line 12 and the first line of `body` line 13.
std::string SuccessYaml(std::string_view body) {
  return ProfileYaml("    success:\n" + std::string(body));
}

// Like SuccessYaml, with "webhook:" on line 13 and the first line of `body` (indented by eight
// spaces) on line 14.
std::string WebhookYaml(std::string_view body) {
  return SuccessYaml("      webhook:\n" + std::string(body));
}

bool NoErrorShows(const LoadResult& result, std::string_view secret) {
  return ErrorsToString(result).find(secret) == std::string::npos;
}

// --- defaults and every key ----------------------------------------------------------------------

TEST(SuccessSettingsTest, DefaultsWhenAbsent) {
  LoadResult result = Load(ProfileYaml());
  const SuccessSettings& success = OnlyProfile(result).success;
  EXPECT_TRUE(success.delete_invalid);
  EXPECT_TRUE(success.check_etag);
  EXPECT_EQ(success.presigned_get, std::nullopt);
  EXPECT_EQ(success.thumbnail, Thumbnail::kNone);
  EXPECT_EQ(success.thumbnail_template, "");
  EXPECT_FALSE(success.webhook.has_value());
}

TEST(SuccessSettingsTest, EmptySectionKeepsDefaults) {
  for (const std::string& yaml : {ProfileYaml("    success:\n"), ProfileYaml("    success: {}\n"),
                                  SuccessYaml("      # presigned_get: 15m\n")}) {
    LoadResult result = Load(yaml);
    const SuccessSettings& success = OnlyProfile(result).success;
    EXPECT_TRUE(success.delete_invalid) << yaml;
    EXPECT_TRUE(success.check_etag) << yaml;
    EXPECT_EQ(success.presigned_get, std::nullopt) << yaml;
    EXPECT_EQ(success.thumbnail, Thumbnail::kNone) << yaml;
    EXPECT_FALSE(success.webhook.has_value()) << yaml;
  }
}

TEST(SuccessSettingsTest, EveryKey) {
  LoadResult result = Load(SuccessYaml("      delete_invalid: false\n"
                                       "      check_etag: False\n"
                                       "      presigned_get: 1h\n"
                                       "      thumbnail: https://img.example.com/{bucket}/{key}\n"
                                       "      webhook:\n"
                                       "        url: https://app.example.com/hooks/upload\n"
                                       "        secret_env: HOOK_SECRET\n"
                                       "        timeout: 2500ms\n"
                                       "        retries: 0\n"
                                       "        required: false\n"),
                           Environment());
  const SuccessSettings& success = OnlyProfile(result).success;
  EXPECT_FALSE(success.delete_invalid);
  EXPECT_FALSE(success.check_etag);
  EXPECT_EQ(success.presigned_get, seconds(3600));
  EXPECT_EQ(success.thumbnail, Thumbnail::kTemplate);
  EXPECT_EQ(success.thumbnail_template, "https://img.example.com/{bucket}/{key}");
  ASSERT_TRUE(success.webhook.has_value());
  const WebhookSettings& webhook = *success.webhook;
  EXPECT_EQ(webhook.url, "https://app.example.com/hooks/upload");
  ASSERT_NE(webhook.secret, nullptr);
  EXPECT_EQ(webhook.secret->reveal(), kWebhookSecret);
  EXPECT_EQ(webhook.timeout, milliseconds(2500));
  EXPECT_EQ(webhook.retries, 0);
  EXPECT_FALSE(webhook.required);
}

TEST(SuccessSettingsTest, WebhookDefaults) {
  LoadResult result = Load(WebhookYaml("        url: http://127.0.0.1:8080/hook\n"
                                       "        secret_env: HOOK_SECRET\n"),
                           Environment());
  const SuccessSettings& success = OnlyProfile(result).success;
  ASSERT_TRUE(success.webhook.has_value());
  EXPECT_EQ(success.webhook->url, "http://127.0.0.1:8080/hook");
  EXPECT_EQ(success.webhook->timeout, seconds(5));
  EXPECT_EQ(success.webhook->retries, 2);
  EXPECT_TRUE(success.webhook->required);
  // The rest of `success` keeps its defaults.
  EXPECT_TRUE(success.delete_invalid);
  EXPECT_EQ(success.presigned_get, std::nullopt);
}

TEST(SuccessSettingsTest, WrongTypes) {
  LoadResult result =
      Load(SuccessYaml("      delete_invalid: yes\n"
                       "      check_etag: [true]\n"
                       "      presigned_get: soon\n"
                       "      thumbnail: {url: x}\n"));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.errors.size(), 4u) << ErrorsToString(result);
  EXPECT_TRUE(
      HasError(result, 13, 23,
               "profile \"p\": success.delete_invalid: expected true or false, got \"yes\""));
  EXPECT_TRUE(HasError(result, 14, 19,
                       "profile \"p\": success.check_etag: expected true or false, got a list"));
  EXPECT_TRUE(
      HasError(result, 15, 22, "profile \"p\": success.presigned_get: expected a duration"));
  EXPECT_TRUE(
      HasError(result, 16, 18, "profile \"p\": success.thumbnail: expected a string, got a map"));

  EXPECT_TRUE(HasError(Load(ProfileYaml("    success: true\n")), 12, 14,
                       "section \"success\" of profile \"p\": expected a map (key: value lines), "
                       "got \"true\""));
  EXPECT_TRUE(HasError(Load(SuccessYaml("      webhook: https://app.example.com/hook\n")), 13, 16,
                       "section \"success.webhook\" of profile \"p\": expected a map (key: value "
                       "lines), got \"https://app.example.com/hook\""));
  EXPECT_TRUE(HasError(Load(SuccessYaml("      webhook:\n")), 13, 7,
                       "section \"success.webhook\" of profile \"p\": expected a map (key: value "
                       "lines), got nothing (null)"));
  LoadResult webhook = Load(WebhookYaml("        url: [https://app.example.com/hook]\n"
                                        "        secret_env: HOOK_SECRET\n"
                                        "        timeout: {s: 1}\n"
                                        "        retries: 1.5\n"
                                        "        required: no\n"),
                            Environment());
  EXPECT_EQ(webhook.errors.size(), 4u) << ErrorsToString(webhook);
  EXPECT_TRUE(HasError(webhook, 14, 14, "success.webhook.url: expected a string, got a list"));
  EXPECT_TRUE(HasError(webhook, 16, 18, "success.webhook.timeout: expected a duration"));
  EXPECT_TRUE(HasError(webhook, 17, 18, "success.webhook.retries: expected a whole number"));
  EXPECT_TRUE(
      HasError(webhook, 18, 19, "success.webhook.required: expected true or false, got \"no\""));
}

TEST(SuccessSettingsTest, UnknownKeysAtTheirPosition) {
  LoadResult result = Load(SuccessYaml("      delete_invalids: true\n"
                                       "      thumbnails: presigned\n"
                                       "      webhook:\n"
                                       "        url: https://app.example.com/hook\n"
                                       "        secret_env: HOOK_SECRET\n"
                                       "        secret: abc\n"
                                       "        time_out: 5s\n"),
                           Environment());
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.errors.size(), 4u) << ErrorsToString(result);
  EXPECT_TRUE(HasError(result, 13, 7,
                       "unknown key \"delete_invalids\" in section \"success\" of profile \"p\" "
                       "(did you mean \"delete_invalid\"? known: delete_invalid, check_etag, "
                       "presigned_get, thumbnail, webhook)"));
  EXPECT_TRUE(HasError(result, 14, 7,
                       "unknown key \"thumbnails\" in section \"success\" of profile \"p\" (did "
                       "you mean \"thumbnail\"?"));
  EXPECT_TRUE(HasError(result, 18, 9,
                       "unknown key \"secret\" in section \"success.webhook\" of profile \"p\" "
                       "(known: url, secret_file, secret_credential, secret_env, timeout, "
                       "retries, required)"));
  EXPECT_TRUE(HasError(result, 19, 9,
                       "unknown key \"time_out\" in section \"success.webhook\" of profile \"p\" "
                       "(did you mean \"timeout\"?"));
  // The unknown key's value is never shown, whatever it is.
  EXPECT_TRUE(NoErrorShows(result, "abc"));

  EXPECT_TRUE(HasError(Load(ProfileYaml("    sucess: {}\n")), 12, 5,
                       "unknown key \"sucess\" in profile \"p\" (did you mean \"success\"?"));
}

TEST(SuccessSettingsTest, DuplicateKeys) {
  EXPECT_TRUE(HasError(Load(SuccessYaml("      check_etag: true\n      check_etag: false\n")), 14,
                       7,
                       "duplicate key \"check_etag\" in section \"success\" of profile \"p\" "
                       "(first at line 13)"));
  EXPECT_TRUE(HasError(Load(WebhookYaml("        url: https://a.example.com/\n"
                                        "        secret_env: HOOK_SECRET\n"
                                        "        url: https://b.example.com/\n"),
                            Environment()),
                       16, 9,
                       "duplicate key \"url\" in section \"success.webhook\" of profile \"p\" "
                       "(first at line 14)"));
}

TEST(SuccessSettingsTest, AnErrorInSuccessRejectsTheFile) {
  LoadResult result = Load(SuccessYaml("      presigned_get: 8d\n"));
  EXPECT_FALSE(result.ok());
  EXPECT_EQ(result.snapshot, nullptr);
}

// --- presigned_get -------------------------------------------------------------------------------

TEST(SuccessSettingsTest, PresignedGetBounds) {
  EXPECT_EQ(OnlyProfile(Load(SuccessYaml("      presigned_get: 1s\n"))).success.presigned_get,
            seconds(1));
  EXPECT_EQ(OnlyProfile(Load(SuccessYaml("      presigned_get: 168h\n"))).success.presigned_get,
            seconds(604800));
  EXPECT_EQ(OnlyProfile(Load(SuccessYaml("      presigned_get: 900\n"))).success.presigned_get,
            seconds(900));
  EXPECT_EQ(OnlyProfile(Load(SuccessYaml("      presigned_get: 3000ms\n"))).success.presigned_get,
            seconds(3));

  EXPECT_TRUE(HasError(Load(SuccessYaml("      presigned_get: 604801\n")), 13, 22,
                       "profile \"p\": success.presigned_get: must be between 1s and 604800s, "
                       "got 604801"));
  EXPECT_TRUE(HasError(Load(SuccessYaml("      presigned_get: 0\n")), 13, 22,
                       "must be between 1s and 604800s, got 0"));
  EXPECT_TRUE(HasError(Load(SuccessYaml("      presigned_get: 500ms\n")), 13, 22,
                       "must be between 1s and 604800s, got 500ms"));
  EXPECT_TRUE(HasError(Load(SuccessYaml("      presigned_get: 1500ms\n")), 13, 22,
                       "success.presigned_get: must be a whole number of seconds"));
  EXPECT_TRUE(HasError(Load(SuccessYaml("      presigned_get: 7d\n")), 13, 22,
                       "success.presigned_get: expected a duration"));
}

// --- thumbnail -----------------------------------------------------------------------------------

TEST(SuccessSettingsTest, ThumbnailPresignedNeedsPresignedGet) {
  LoadResult ok = Load(SuccessYaml("      presigned_get: 15m\n      thumbnail: presigned\n"));
  EXPECT_EQ(OnlyProfile(ok).success.thumbnail, Thumbnail::kPresigned);
  EXPECT_EQ(OnlyProfile(ok).success.thumbnail_template, "");
  // Order does not matter.
  LoadResult reversed = Load(SuccessYaml("      thumbnail: presigned\n      presigned_get: 15m\n"));
  EXPECT_EQ(OnlyProfile(reversed).success.thumbnail, Thumbnail::kPresigned);

  LoadResult missing = Load(SuccessYaml("      thumbnail: presigned\n"));
  ASSERT_EQ(missing.errors.size(), 1u) << ErrorsToString(missing);
  EXPECT_TRUE(HasError(missing, 13, 18,
                       "profile \"p\": success.thumbnail: \"presigned\" uses the presigned GET "
                       "URL, which needs success.presigned_get (its lifetime, e.g. 15m)"));

  // A presigned_get with a bad value is the one error, not the thumbnail too.
  LoadResult bad = Load(SuccessYaml("      presigned_get: forever\n      thumbnail: presigned\n"));
  ASSERT_EQ(bad.errors.size(), 1u) << ErrorsToString(bad);
  EXPECT_TRUE(HasError(bad, 13, 22, "success.presigned_get: expected a duration"));
}

TEST(SuccessSettingsTest, ThumbnailTemplates) {
  for (const char* url :
       {"https://cdn.example.com/{key}", "https://{bucket}.s3.amazonaws.com/{key}",
        "http://resizer.local:8080/thumb?b={bucket}&k={key}&id={uuid}&w=200",
        "https://{uuid}.previews.example.com/x.png", "https://static.example.com/file-icon.png"}) {
    LoadResult result = Load(SuccessYaml("      thumbnail: \"" + std::string(url) + "\"\n"));
    const SuccessSettings& success = OnlyProfile(result).success;
    EXPECT_EQ(success.thumbnail, Thumbnail::kTemplate) << url;
    EXPECT_EQ(success.thumbnail_template, url);
    EXPECT_EQ(success.presigned_get, std::nullopt);  // a template needs no presigned URL
  }
}

TEST(SuccessSettingsTest, ThumbnailTemplateErrorsAtTheValue) {
  struct Case {
    std::string value;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"https://cdn.example.com/{name}",
       "success.thumbnail: thumbnail URL template \"https://cdn.example.com/{name}\": unknown "
       "placeholder {name} (allowed: {bucket}, {key}, {uuid})"},
      {"https://cdn.example.com/{Key}",
       "unknown placeholder {Key} (did you mean {key}? allowed: {bucket}, {key}, {uuid})"},
      {"https://cdn.example.com/{user}/{key}", "unknown placeholder {user}"},
      {"https://cdn.example.com/{}", "unknown placeholder {}"},
      {"https://cdn.example.com/{key", "\"{\" without \"}\""},
      {"https://cdn.example.com/{ke{key}", "\"{\" without \"}\""},
      {"https://cdn.example.com/key}", "\"}\" without \"{\""},
      {"https://{key}.example.com/", "{key} cannot be part of the host"},
      {"ftp://cdn.example.com/{key}",
       "expected \"presigned\" or an http:// or https:// URL template (placeholders {bucket}, "
       "{key}, {uuid}), got \"ftp://cdn.example.com/{key}\""},
      {"/thumbs/{key}", "expected \"presigned\" or an http:// or https:// URL template"},
      {"Presigned", "got \"Presigned\" (did you mean \"presigned\"?)"},
      {"none", "expected \"presigned\" or an http:// or https:// URL template"},
      {"HTTPS://cdn.example.com/{key}", "expected \"presigned\" or an http:// or https://"},
      {"https://cdn.example.com/a b/{key}",
       "invalid thumbnail URL template \"https://cdn.example.com/a b/{key}\": spaces"},
      {"https:///{key}", "invalid thumbnail URL template \"https:///{key}\": the host is missing"},
      {"https://user:pw@cdn.example.com/{key}", "user names or passwords"},
  };
  for (const Case& c : cases) {
    LoadResult result = Load(SuccessYaml("      thumbnail: \"" + c.value + "\"\n"));
    ASSERT_EQ(result.errors.size(), 1u) << c.value << "\n" << ErrorsToString(result);
    EXPECT_TRUE(HasError(result, 13, 18, c.message)) << c.value;
  }
}

// --- webhook -------------------------------------------------------------------------------------

TEST(SuccessSettingsTest, WebhookUrlIsRequiredAndChecked) {
  LoadResult missing = Load(WebhookYaml("        secret_env: HOOK_SECRET\n"), Environment());
  ASSERT_EQ(missing.errors.size(), 1u) << ErrorsToString(missing);
  EXPECT_TRUE(
      HasError(missing, 14, 9,
               "section \"success.webhook\" of profile \"p\": missing required key \"url\""));

  const std::vector<std::pair<std::string, std::string>> cases = {
      {"ftp://app.example.com/hook",
       "invalid webhook URL \"ftp://app.example.com/hook\" "
       "(expected an absolute http:// or https:// URL)"},
      {"/hooks/upload", "expected an absolute http:// or https:// URL"},
      {"app.example.com/hook", "expected an absolute http:// or https:// URL"},
      {"https://", "the host is missing"},
      {"https://app.example.com:0/hook", "invalid port"},
      {"https://app.example.com/a hook", "spaces, control and non-ASCII characters"},
      {"https://app.example.com/hook#frag", "a fragment (#...) is never sent"},
  };
  for (const auto& [url, message] : cases) {
    LoadResult result =
        Load(WebhookYaml("        url: \"" + url + "\"\n" + "        secret_env: HOOK_SECRET\n"),
             Environment());
    ASSERT_EQ(result.errors.size(), 1u) << url << "\n" << ErrorsToString(result);
    EXPECT_TRUE(HasError(result, 14, 14,
                         "profile \"p\": success.webhook.url: invalid webhook URL \"" + url + "\""))
        << url;
    EXPECT_TRUE(HasError(result, 14, 14, message)) << url;
  }
  // Query strings and ports are fine.
  LoadResult ok = Load(WebhookYaml("        url: https://app.example.com:8443/hooks/upload?v=2\n"
                                   "        secret_env: HOOK_SECRET\n"),
                       Environment());
  EXPECT_EQ(OnlyProfile(ok).success.webhook->url, "https://app.example.com:8443/hooks/upload?v=2");
}

TEST(SuccessSettingsTest, WebhookUrlWithAPasswordIsRefusedWithoutShowingIt) {
  for (const char* url : {"https://hook:s3cr3tpw@app.example.com/hook", "http://s3cr3tpw@app/x",
                          "s3cr3tpw@app.example.com/hook"}) {
    LoadResult result = Load(WebhookYaml("        url: \"" + std::string(url) + "\"\n" +
                                         "        secret_env: HOOK_SECRET\n"),
                             Environment());
    ASSERT_EQ(result.errors.size(), 1u) << url << "\n" << ErrorsToString(result);
    EXPECT_TRUE(HasError(result, 14, 14,
                         "success.webhook.url: the webhook URL must not contain a user name or "
                         "password (user:password@)"))
        << url;
    EXPECT_TRUE(NoErrorShows(result, "s3cr3tpw")) << ErrorsToString(result);
  }
  // An '@' in the path or query is not a password.
  LoadResult ok = Load(WebhookYaml("        url: https://app.example.com/hooks/@team?to=a@b\n"
                                   "        secret_env: HOOK_SECRET\n"),
                       Environment());
  EXPECT_TRUE(ok.ok()) << ErrorsToString(ok);
}

TEST(SuccessSettingsTest, WebhookTimeoutAndRetriesBounds) {
  const auto webhook = [](std::string_view lines) {
    return Load(WebhookYaml("        url: https://app.example.com/hook\n"
                            "        secret_env: HOOK_SECRET\n" +
                            std::string(lines)),
                Environment());
  };
  EXPECT_EQ(OnlyProfile(webhook("        timeout: 100ms\n")).success.webhook->timeout,
            milliseconds(100));
  EXPECT_EQ(OnlyProfile(webhook("        timeout: 1m\n")).success.webhook->timeout, seconds(60));
  EXPECT_EQ(OnlyProfile(webhook("        timeout: 30\n")).success.webhook->timeout, seconds(30));
  EXPECT_EQ(OnlyProfile(webhook("        retries: 10\n")).success.webhook->retries, 10);

  LoadResult result = webhook(
      "        timeout: 99ms\n"
      "        retries: 11\n");
  ASSERT_EQ(result.errors.size(), 2u) << ErrorsToString(result);
  EXPECT_TRUE(HasError(result, 16, 18,
                       "profile \"p\": success.webhook.timeout: must be between 100ms and 60s, got "
                       "99ms"));
  EXPECT_TRUE(HasError(result, 17, 18,
                       "profile \"p\": success.webhook.retries: must be between 0 and 10, got 11"));
  EXPECT_TRUE(HasError(webhook("        timeout: 61s\n"), 16, 18,
                       "must be between 100ms and 60s, got 61s"));
  EXPECT_TRUE(HasError(webhook("        retries: -1\n"), 16, 18, "must not be negative"));
}

// --- webhook secret: the same sources and rules as the credentials -------------------------------

TEST(SuccessSettingsTest, WebhookSecretFromAFileRelativeToTheConfigDirectory) {
  TempDir dir;
  dir.Write("webhook.secret", std::string(kWebhookSecret) + "\n", 0600);
  LoadResult result = Load(WebhookYaml("        url: https://app.example.com/hook\n"
                                       "        secret_file: webhook.secret\n"),
                           Environment(), dir.path());
  const SuccessSettings& success = OnlyProfile(result).success;
  ASSERT_TRUE(success.webhook.has_value());
  ASSERT_NE(success.webhook->secret, nullptr);
  EXPECT_EQ(success.webhook->secret->reveal(), kWebhookSecret);  // one trailing newline stripped
}

TEST(SuccessSettingsTest, WebhookSecretFileAbsoluteAndGroupReadable) {
  TempDir dir;
  const std::string path = dir.Write("hook", std::string(kWebhookSecret) + "\r\n", 0640);
  LoadResult result = Load(WebhookYaml("        url: https://app.example.com/hook\n"
                                       "        secret_file: " +
                                       path + "\n"),
                           Environment(), "/nonexistent");
  EXPECT_EQ(OnlyProfile(result).success.webhook->secret->reveal(), kWebhookSecret);
}

TEST(SuccessSettingsTest, WebhookSecretFileReadableByOthersIsRefused) {
  TempDir dir;
  const std::string path = dir.Write("hook", kWebhookSecret, 0644);
  LoadResult result = Load(WebhookYaml("        url: https://app.example.com/hook\n"
                                       "        secret_file: " +
                                       path + "\n"),
                           Environment());
  ASSERT_EQ(result.errors.size(), 1u) << ErrorsToString(result);
  EXPECT_TRUE(HasError(result, 15, 22,
                       "profile \"p\": success.webhook.secret_file: secret file \"" + path +
                           "\" is readable or writable by others (mode 0644)"));
  EXPECT_TRUE(HasError(result, 15, 22, "chmod 600 " + path));
  EXPECT_TRUE(NoErrorShows(result, kWebhookSecret));

  const std::string writable = dir.Write("hook2", kWebhookSecret, 0602);
  EXPECT_TRUE(HasError(Load(WebhookYaml("        url: https://app.example.com/hook\n"
                                        "        secret_file: " +
                                        writable + "\n"),
                            Environment()),
                       15, 22, "is readable or writable by others (mode 0602)"));
}

TEST(SuccessSettingsTest, WebhookSecretFileMissingIsRelativeToTheConfigDirectory) {
  LoadResult result = Load(WebhookYaml("        url: https://app.example.com/hook\n"
                                       "        secret_file: webhook.secret\n"),
                           Environment(), "/nonexistent/dir");
  EXPECT_TRUE(HasError(result, 15, 22,
                       "success.webhook.secret_file: cannot open secret file "
                       "\"/nonexistent/dir/webhook.secret\": No such file"));
}

TEST(SuccessSettingsTest, WebhookSecretFromASystemdCredential) {
  TempDir dir;
  dir.Write("webhook-secret", kWebhookSecret, 0400);
  const std::string yaml = WebhookYaml(
      "        url: https://app.example.com/hook\n"
      "        secret_credential: webhook-secret\n");
  LoadResult result = Load(yaml, MapEnvironment({{"TEST_SECRET", std::string(kTestSecret)},
                                                 {"CREDENTIALS_DIRECTORY", dir.path()}}));
  EXPECT_EQ(OnlyProfile(result).success.webhook->secret->reveal(), kWebhookSecret);

  LoadResult unset = Load(yaml, Environment());
  ASSERT_EQ(unset.errors.size(), 1u) << ErrorsToString(unset);
  EXPECT_TRUE(HasError(unset, 15, 28,
                       "success.webhook.secret_credential: CREDENTIALS_DIRECTORY is not set, so "
                       "the systemd credential \"webhook-secret\" cannot be read"));

  LoadResult path = Load(WebhookYaml("        url: https://app.example.com/hook\n"
                                     "        secret_credential: ../webhook-secret\n"),
                         Environment());
  EXPECT_TRUE(HasError(path, 15, 28, "must be a plain file name"));
}

TEST(SuccessSettingsTest, WebhookSecretFromTheEnvironment) {
  const std::string yaml = WebhookYaml(
      "        url: https://app.example.com/hook\n"
      "        secret_env: HOOK_SECRET\n");
  LoadResult unset = Load(yaml, MapEnvironment({{"TEST_SECRET", std::string(kTestSecret)}}));
  ASSERT_EQ(unset.errors.size(), 1u) << ErrorsToString(unset);
  EXPECT_TRUE(HasError(unset, 15, 21,
                       "profile \"p\": success.webhook.secret_env: environment variable "
                       "HOOK_SECRET is not set"));

  LoadResult empty = Load(
      yaml, MapEnvironment({{"TEST_SECRET", std::string(kTestSecret)}, {"HOOK_SECRET", "\n"}}));
  EXPECT_TRUE(HasError(empty, 15, 21, "success.webhook.secret_env: the secret is empty"));

  const std::string broken = std::string(kWebhookSecret) + "\nsecond line";
  LoadResult control = Load(
      yaml, MapEnvironment({{"TEST_SECRET", std::string(kTestSecret)}, {"HOOK_SECRET", broken}}));
  EXPECT_TRUE(HasError(control, 15, 21, "control character"));
  EXPECT_TRUE(NoErrorShows(control, kWebhookSecret));
  EXPECT_TRUE(NoErrorShows(control, "second line"));

  EXPECT_TRUE(HasError(Load(WebhookYaml("        url: https://app.example.com/hook\n"
                                        "        secret_env: ''\n"),
                            Environment()),
                       15, 21, "success.webhook.secret_env: must not be empty"));
  EXPECT_TRUE(HasError(Load(WebhookYaml("        url: https://app.example.com/hook\n"
                                        "        secret_env: HOOK-SECRET\n"),
                            Environment()),
                       15, 21, "environment variable name \"HOOK-SECRET\""));
}

TEST(SuccessSettingsTest, WebhookNeedsExactlyOneSecretSource) {
  LoadResult none = Load(WebhookYaml("        url: https://app.example.com/hook\n"), Environment());
  ASSERT_EQ(none.errors.size(), 1u) << ErrorsToString(none);
  EXPECT_TRUE(HasError(none, 14, 9,
                       "section \"success.webhook\" of profile \"p\": missing the secret: give one "
                       "of secret_file, secret_credential or secret_env"));

  LoadResult two = Load(WebhookYaml("        url: https://app.example.com/hook\n"
                                    "        secret_env: HOOK_SECRET\n"
                                    "        timeout: 1s\n"
                                    "        secret_file: /x\n"
                                    "        secret_credential: y\n"),
                        Environment());
  ASSERT_EQ(two.errors.size(), 2u) << ErrorsToString(two);
  EXPECT_TRUE(
      HasError(two, 17, 9,
               "section \"success.webhook\" of profile \"p\": give only one of secret_file, "
               "secret_credential or secret_env (secret_env is already given)"));
  EXPECT_TRUE(HasError(two, 18, 9, "give only one of"));

  LoadResult typed = Load(WebhookYaml("        url: https://app.example.com/hook\n"
                                      "        secret_file: [a, b]\n"),
                          Environment());
  EXPECT_TRUE(
      HasError(typed, 15, 22, "success.webhook.secret_file: expected a string, got a list"));
}

TEST(SuccessSettingsTest, WebhookSecretIsNotACredentialsReference) {
  // secret_credential is a systemd credential, not a name from the `credentials` section.
  LoadResult result = Load(WebhookYaml("        url: https://app.example.com/hook\n"
                                       "        secret_credential: main\n"),
                           Environment());
  EXPECT_TRUE(HasError(result, 15, 28, "CREDENTIALS_DIRECTORY is not set"));
}

TEST(SuccessSettingsTest, AllErrorsOfTheSectionAtOnce) {
  LoadResult result = Load(SuccessYaml("      delete_invalid: maybe\n"
                                       "      thumbnail: presigned\n"
                                       "      webhook:\n"
                                       "        url: ftp://x\n"
                                       "        timeout: 0\n"),
                           Environment());
  EXPECT_EQ(result.errors.size(), 5u) << ErrorsToString(result);
  EXPECT_TRUE(HasError(result, 13, 23, "success.delete_invalid"));
  EXPECT_TRUE(HasError(result, 14, 18, "success.thumbnail"));
  EXPECT_TRUE(HasError(result, 16, 9, "missing the secret"));
  EXPECT_TRUE(HasError(result, 16, 14, "success.webhook.url"));
  EXPECT_TRUE(HasError(result, 17, 18, "success.webhook.timeout"));
}

}  // namespace
}  // namespace s3upload::config
