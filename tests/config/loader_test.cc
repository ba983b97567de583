// Tests for src/config/loader.cc: whole files, the example configuration, file errors, YAML syntax
// errors, and that all errors of a file are reported together.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <stdexcept>

#include "config/test_support.h"

namespace s3upload::config {
namespace {

using config_test::ErrorsToString;
using config_test::HasError;
using config_test::kTestSecret;
using config_test::Load;
using config_test::MapEnvironment;
using config_test::TempDir;
using std::chrono::seconds;
using Strings = std::vector<std::string>;

const std::string kDataDir = std::string(S3US_TEST_DATA_DIR) + "/config/";
const std::string kExampleConfig =
    std::string(S3US_TEST_DATA_DIR) + "/../../conf/s3-upload-signer.yaml";

EnvironmentLookup FixtureEnvironment() {
  return MapEnvironment({{"S3US_TEST_SECRET", std::string(kTestSecret)}});
}

constexpr std::string_view kServerSecret = "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY";

// A $CREDENTIALS_DIRECTORY with the two systemd credentials the example configuration names.
void WriteExampleCredentials(const TempDir& credentials) {
  credentials.Write("aws-signing-secret", std::string(kTestSecret) + "\n", 0600);
  credentials.Write("aws-server-secret", std::string(kServerSecret) + "\n", 0600);
}

std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

TEST(LoaderTest, TheExampleConfigurationLoads) {
  TempDir credentials;
  WriteExampleCredentials(credentials);
  LoadResult result =
      LoadFile(kExampleConfig, MapEnvironment({{"CREDENTIALS_DIRECTORY", credentials.path()}}));
  ASSERT_TRUE(result.ok()) << ErrorsToString(result);
  const Snapshot& snapshot = *result.snapshot;
  EXPECT_EQ(snapshot.source_path, kExampleConfig);

  EXPECT_EQ(snapshot.server.threads, std::nullopt);  // one per CPU (fcgi::DefaultThreads)
  EXPECT_EQ(snapshot.server.max_body_bytes, 64u * 1024);
  EXPECT_EQ(snapshot.server.io_timeout, seconds(30));
  EXPECT_EQ(snapshot.server.idle_timeout, seconds(300));
  EXPECT_EQ(snapshot.server.max_outbound_calls, 8);

  EXPECT_EQ(snapshot.s3.connect_timeout, seconds(2));
  EXPECT_EQ(snapshot.s3.timeout, seconds(10));
  EXPECT_EQ(snapshot.s3.retries, 2);

  ASSERT_EQ(snapshot.profiles.size(), 1u);
  const Profile& photos = snapshot.profiles.at("photos");
  EXPECT_EQ(photos.name, "photos");
  EXPECT_EQ(photos.endpoint, "https://s3.eu-west-1.amazonaws.com");
  ASSERT_NE(photos.signing_credentials, nullptr);
  EXPECT_EQ(photos.signing_credentials->access_key_id(), "AKIAIOSFODNN7EXAMPLE");
  ASSERT_NE(photos.server_credentials, nullptr);
  EXPECT_EQ(photos.server_credentials->access_key_id(), "AKIAI44QH8DHBEXAMPLE");
  EXPECT_TRUE(photos.success.delete_invalid);
  EXPECT_TRUE(photos.success.check_etag);
  EXPECT_EQ(photos.success.presigned_get, seconds(900));
  EXPECT_EQ(photos.success.thumbnail, SuccessSettings::Thumbnail::kPresigned);
  EXPECT_FALSE(photos.success.webhook.has_value());
  ASSERT_TRUE(photos.params.has_value());
  EXPECT_EQ(photos.params->method, ParamsSettings::Method::kPost);
  EXPECT_EQ(photos.params->key_template, "uploads/{user}/{uuid}{ext}");
  EXPECT_EQ(photos.params->expires, seconds(300));
  EXPECT_FALSE(photos.params->exact_size);
  EXPECT_EQ(photos.params->success_action_status, "201");
  EXPECT_TRUE(photos.params->success_action_redirects.empty());
  EXPECT_EQ(photos.params->name_metadata, "filename");
  const verify::UploadRules& rules = photos.rules;
  EXPECT_EQ(rules.profile, "photos");
  EXPECT_EQ(rules.bucket, "mybucket");
  EXPECT_EQ(rules.region, "eu-west-1");
  EXPECT_EQ(rules.host, "mybucket.s3.amazonaws.com");
  EXPECT_EQ(rules.addressing, verify::Addressing::kVirtualHosted);
  EXPECT_EQ(rules.access_key_id, "AKIAIOSFODNN7EXAMPLE");
  EXPECT_FALSE(rules.allow_v2);
  EXPECT_TRUE(rules.allow_v4);
  EXPECT_EQ(rules.key.prefix, "uploads/{user}/");
  EXPECT_EQ(rules.key.shapes,
            std::vector<verify::KeyRules::Shape>{verify::KeyRules::Shape::kUuidWithExtension});
  EXPECT_EQ(rules.key.extensions, (Strings{"jpg", "jpeg", "png", "gif", "webp", "pdf"}));
  EXPECT_EQ(rules.key.max_length, 1024u);
  EXPECT_EQ(rules.min_size, 1u);
  EXPECT_EQ(rules.max_size, 20'000'000u);
  EXPECT_EQ(rules.content_types, (Strings{"image/*", "application/pdf"}));
  EXPECT_TRUE(rules.require_content_type);
  EXPECT_EQ(rules.acls, Strings{"private"});
  EXPECT_EQ(rules.max_policy_lifetime, seconds(900));
  EXPECT_EQ(rules.max_clock_skew, seconds(900));
  EXPECT_EQ(rules.success_action_statuses, Strings{"200"});
  EXPECT_TRUE(rules.success_action_redirects.empty());
  EXPECT_EQ(rules.metadata_names, Strings{"qqfilename"});
  EXPECT_EQ(rules.max_metadata_bytes, 2048u);
  EXPECT_EQ(rules.storage_classes, Strings{"STANDARD"});
  EXPECT_EQ(rules.server_side_encryption, Strings{"AES256"});
  ASSERT_EQ(rules.object_headers.size(), 1u);
  EXPECT_EQ(rules.object_headers.at("Cache-Control"), Strings{"max-age=3600"});

  ASSERT_EQ(snapshot.routes.size(), 4u);
  EXPECT_EQ(snapshot.routes[0].path, "/s3/signature");
  EXPECT_EQ(snapshot.routes[0].handler, HandlerKind::kSign);
  EXPECT_EQ(snapshot.routes[0].profile, &photos);
  EXPECT_EQ(snapshot.routes[1].path, "/s3/success");
  EXPECT_EQ(snapshot.routes[1].handler, HandlerKind::kSuccess);
  EXPECT_EQ(snapshot.routes[2].path, "/s3/delete/");
  EXPECT_TRUE(snapshot.routes[2].is_prefix);
  EXPECT_EQ(snapshot.routes[2].methods, (Strings{"DELETE", "POST"}));
  EXPECT_EQ(snapshot.routes[3].path, "/health");
  EXPECT_EQ(snapshot.routes[3].methods, (Strings{"GET", "HEAD"}));
  EXPECT_EQ(snapshot.routes[3].profile, nullptr);
}

TEST(LoaderTest, TheExampleConfigurationNeedsItsSystemdCredentials) {
  LoadResult result = LoadFile(kExampleConfig, MapEnvironment({}));
  ASSERT_FALSE(result.ok());
  ASSERT_EQ(result.errors.size(), 2u) << ErrorsToString(result);
  for (const ConfigError& error : result.errors) {
    EXPECT_NE(error.message.find("CREDENTIALS_DIRECTORY is not set"), std::string::npos);
    EXPECT_EQ(error.file, kExampleConfig);
    EXPECT_GT(error.line, 0);
  }
  EXPECT_NE(result.errors[0].message.find("credential \"signing\""), std::string::npos);
  EXPECT_NE(result.errors[1].message.find("credential \"server\""), std::string::npos);
}

// The keys the example documents but leaves commented out load as written once uncommented.
TEST(LoaderTest, TheExampleConfigurationsCommentedOutKeysLoad) {
  TempDir dir;
  WriteExampleCredentials(dir);
  const std::string webhook_secret = dir.Write("webhook.secret", "whsec-example\n", 0600);
  std::istringstream in(ReadText(kExampleConfig));
  std::string text;
  bool in_webhook = false;
  int uncommented = 0;
  for (std::string line; std::getline(in, line);) {
    if (line == "  # threads: 4") {
      line = "  threads: 4";
      ++uncommented;
    } else if (line == "      # webhook:") {
      line = "      webhook:";
      in_webhook = true;
      ++uncommented;
    } else if (in_webhook && line.starts_with("      #   ")) {
      line = "      " + line.substr(8);  // "      #   url: ..." -> "        url: ..."
      ++uncommented;
    } else {
      in_webhook = false;
    }
    const std::string example_path = "/etc/s3-upload-signer/webhook.secret";
    if (const std::size_t at = line.find(example_path); at != std::string::npos) {
      line.replace(at, example_path.size(), webhook_secret);
    }
    text += line + "\n";
  }
  EXPECT_GT(uncommented, 6);
  LoadResult result = LoadString(text, "uncommented.yaml", dir.path(),
                                 MapEnvironment({{"CREDENTIALS_DIRECTORY", dir.path()}}));
  ASSERT_TRUE(result.ok()) << ErrorsToString(result) << text;
  EXPECT_EQ(result.snapshot->server.threads, 4);
  const SuccessSettings& success = result.snapshot->profiles.at("photos").success;
  ASSERT_TRUE(success.webhook.has_value());
  EXPECT_EQ(success.webhook->url, "https://app.example.com/hooks/upload");
  EXPECT_EQ(success.webhook->secret->reveal(), "whsec-example");
  EXPECT_EQ(success.webhook->timeout, seconds(5));
  EXPECT_EQ(success.webhook->retries, 2);
  EXPECT_TRUE(success.webhook->required);
}

TEST(LoaderTest, MisspelledKeyReportsExactLineAndColumn) {
  LoadResult result = LoadFile(kDataDir + "misspelled_key.yaml", FixtureEnvironment());
  ASSERT_EQ(result.errors.size(), 1u) << ErrorsToString(result);
  const ConfigError& error = result.errors[0];
  EXPECT_EQ(error.line, 14);
  EXPECT_EQ(error.column, 5);
  EXPECT_EQ(error.file, kDataDir + "misspelled_key.yaml");
  EXPECT_TRUE(error.message.starts_with("unknown key \"max_sise\" in profile \"photos\" (known: "))
      << error.message;
  EXPECT_EQ(error.ToString().rfind(kDataDir + "misspelled_key.yaml:14:5: unknown key", 0), 0u)
      << error.ToString();
}

TEST(LoaderTest, AllErrorsOfAFileAtOnceInFileOrder) {
  LoadResult result = LoadFile(kDataDir + "many_errors.yaml", FixtureEnvironment());
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.snapshot, nullptr);
  EXPECT_EQ(ErrorsToString(result),
            kDataDir +
                "many_errors.yaml:3:12: server.threads: expected a whole number, got "
                "\"lots\"\n" +
                kDataDir +
                "many_errors.yaml:10:5: profile \"photos\": missing required key "
                "\"bucket\"\n" +
                kDataDir +
                "many_errors.yaml:14:21: profile \"photos\": acls: unknown canned ACL "
                "\"public\" (allowed: private, public-read, public-read-write, "
                "authenticated-read, aws-exec-read, bucket-owner-read, "
                "bucket-owner-full-control)\n" +
                kDataDir +
                "many_errors.yaml:15:5: duplicate key \"acls\" in profile \"photos\" "
                "(first at line 14)\n" +
                kDataDir +
                "many_errors.yaml:20:14: route 1: profile: no profile named "
                "\"fotos\" (did you mean \"photos\"? defined: photos)\n");
}

TEST(LoaderTest, YamlSyntaxErrorHasItsPosition) {
  LoadResult result = LoadFile(kDataDir + "syntax_error.yaml", FixtureEnvironment());
  ASSERT_EQ(result.errors.size(), 1u) << ErrorsToString(result);
  EXPECT_GT(result.errors[0].line, 3);
  EXPECT_GT(result.errors[0].column, 0);
  EXPECT_TRUE(result.errors[0].message.starts_with("YAML syntax error: "))
      << ErrorsToString(result);
}

TEST(LoaderTest, YamlSyntaxErrorsFromText) {
  LoadResult tab = Load("server:\n\tthreads: 2\n");
  ASSERT_EQ(tab.errors.size(), 1u) << ErrorsToString(tab);
  EXPECT_EQ(tab.errors[0].line, 2);
  EXPECT_EQ(tab.errors[0].column, 9);  // where yaml-cpp gives up on "\tthreads: 2"
  EXPECT_EQ(tab.errors[0].message, "YAML syntax error: illegal map value");

  LoadResult indent = Load("server:\n  threads: 2\n io_timeout: 3\n");
  ASSERT_EQ(indent.errors.size(), 1u) << ErrorsToString(indent);
  EXPECT_EQ(indent.errors[0].line, 3);
  EXPECT_EQ(indent.errors[0].column, 2);
}

TEST(LoaderTest, EmptyConfigurationsAreValid) {
  for (const char* name : {"empty.yaml", "no_routes.yaml"}) {
    LoadResult result = LoadFile(kDataDir + name, FixtureEnvironment());
    ASSERT_TRUE(result.ok()) << ErrorsToString(result);
    EXPECT_TRUE(result.snapshot->profiles.empty());
    EXPECT_TRUE(result.snapshot->routes.empty());
  }
  EXPECT_TRUE(Load("").ok());
  EXPECT_TRUE(Load("{}").ok());
  EXPECT_TRUE(Load("~").ok());
}

TEST(LoaderTest, TopLevelMustBeAMapOfKnownSections) {
  EXPECT_TRUE(HasError(Load("- a\n"), 1, 1, "the document: expected a map"));
  EXPECT_TRUE(HasError(Load("just text\n"), 1, 1, "the document: expected a map"));
  LoadResult unknown = Load("profile: {}\n");
  EXPECT_TRUE(HasError(unknown, 1, 1,
                       "unknown key \"profile\" in the top level (did you mean \"profiles\"? "
                       "known: server, s3, credentials, profiles, authenticators, routes)"));
  EXPECT_TRUE(HasError(Load("routes: []\nroutes: []\n"), 2, 1,
                       "duplicate key \"routes\" in the top level (first at line 1)"));
}

TEST(LoaderTest, OnlyOneDocument) {
  EXPECT_TRUE(
      HasError(Load("routes: []\n---\nroutes: []\n"), 3, 1, "only one YAML document is allowed"));
}

// Found by fuzz/config_fuzzer (fuzz/corpus/config/regression-yaml-stray-comma-loop.yaml): yaml-cpp
// 0.7's LoadAll looped forever, allocating, on a ',' (or ']', '}') where a document starts.
TEST(LoaderTest, StrayFlowIndicatorIsASyntaxErrorNotAnEndlessLoop) {
  EXPECT_TRUE(HasError(Load(std::string(", HErs: [GE\t, HEA\0 health\n", 26)), 1, 1,
                       "YAML syntax error: unexpected ',' where a document should start"));
  EXPECT_TRUE(HasError(Load(",\n"), 1, 1, "YAML syntax error: unexpected ','"));
  EXPECT_TRUE(HasError(Load("{routes: []}\n,\n"), 2, 1, "YAML syntax error: unexpected ','"));
  // A real second document is still reported as one, at its root.
  EXPECT_TRUE(HasError(Load("routes: []\n---\n,\n"), 3, 1, "only one YAML document is allowed"));
}

TEST(LoaderTest, AliasesAreResolved) {
  LoadResult result = Load(std::string(config_test::kCredentialsBlock) +
                           "profiles:\n"
                           "  a: &base {credentials: main, bucket: aaa, region: r, "
                           "size: {max: 1}, content_types: [\"*/*\"]}\n"
                           "  b: *base\n");
  ASSERT_TRUE(result.ok()) << ErrorsToString(result);
  EXPECT_EQ(result.snapshot->profiles.size(), 2u);
  EXPECT_EQ(result.snapshot->profiles.at("b").rules.profile, "b");
}

TEST(LoaderTest, FileThatDoesNotExist) {
  LoadResult result = LoadFile("/nonexistent/s3us/config.yaml");
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_EQ(result.errors[0].line, 0);
  EXPECT_EQ(result.errors[0].ToString(),
            "/nonexistent/s3us/config.yaml: cannot open /nonexistent/s3us/config.yaml: No such "
            "file or directory");
}

TEST(LoaderTest, DirectoryIsNotAFile) {
  TempDir dir;
  LoadResult result = LoadFile(dir.path());
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_EQ(result.errors[0].line, 0);
  EXPECT_NE(result.errors[0].message.find("Is a directory"), std::string::npos)
      << ErrorsToString(result);
}

TEST(LoaderTest, RelativeSecretFileIsRelativeToTheConfigFile) {
  TempDir dir;
  dir.Write("signing.secret", std::string(kTestSecret) + "\n", 0600);
  const std::string config = dir.Write("config.yaml",
                                       "credentials:\n"
                                       "  c: {access_key_id: AKID, secret_file: signing.secret}\n"
                                       "profiles:\n"
                                       "  p: {credentials: c, bucket: mybucket, region: r, "
                                       "size: {max: 1}, content_types: [\"*/*\"]}\n",
                                       0644);
  LoadResult result = LoadFile(config, MapEnvironment({}));
  ASSERT_TRUE(result.ok()) << ErrorsToString(result);
  EXPECT_NE(result.snapshot->profiles.at("p").signing_credentials, nullptr);
}

TEST(LoaderTest, SecretFileModeIsEnforcedThroughLoadFile) {
  TempDir dir;
  const std::string secret = dir.Write("signing.secret", kTestSecret, 0644);
  const std::string config = dir.Write("config.yaml",
                                       "credentials:\n"
                                       "  c:\n"
                                       "    access_key_id: AKID\n"
                                       "    secret_file: signing.secret\n",
                                       0644);
  LoadResult result = LoadFile(config, MapEnvironment({}));
  ASSERT_EQ(result.errors.size(), 1u) << ErrorsToString(result);
  EXPECT_EQ(result.errors[0].line, 4);
  EXPECT_EQ(result.errors[0].column, 18);
  EXPECT_NE(result.errors[0].message.find(secret), std::string::npos);
  EXPECT_NE(result.errors[0].message.find("chmod 600"), std::string::npos);
  EXPECT_EQ(result.errors[0].message.find(kTestSecret), std::string::npos);

  ASSERT_EQ(::chmod(secret.c_str(), 0600), 0);
  EXPECT_TRUE(LoadFile(config, MapEnvironment({})).ok());
}

TEST(LoaderTest, NoExceptionEscapes) {
  const EnvironmentLookup throwing = [](const std::string&) -> std::optional<std::string> {
    throw std::runtime_error("environment exploded");
  };
  LoadResult result = Load(std::string(config_test::kCredentialsBlock), throwing);
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_EQ(result.errors[0].line, 0);
  EXPECT_NE(result.errors[0].message.find("environment exploded"), std::string::npos);
}

TEST(LoaderTest, SnapshotRecordsItsSource) {
  LoadResult result = LoadString("", "/etc/s3-upload-signer/config.yaml", "/etc/s3-upload-signer");
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result.snapshot->source_path, "/etc/s3-upload-signer/config.yaml");
  EXPECT_EQ(result.errors.size(), 0u);
}

}  // namespace
}  // namespace s3upload::config
