// Tests for src/config/authenticators.cc (the `authenticators` section) and for what routes take
// from it (src/config/routes.cc: auth, origins), and src/config/warnings.cc.
#include <gtest/gtest.h>

#include <chrono>

#include "config/test_support.h"

namespace s3upload::config {
namespace {

using config_test::ErrorsToString;
using config_test::HasError;
using config_test::Load;
using config_test::MapEnvironment;
using config_test::TempDir;
using namespace std::chrono_literals;

constexpr std::string_view kJwtSecret = "0123456789abcdef0123456789abcdef";  // 32 bytes

// RFC 7515 appendix A.3's P-256 public key (also in tests/data/auth).
constexpr std::string_view kPublicKeyPem =
    "-----BEGIN PUBLIC KEY-----\n"
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEf83OJ3D2xF1Bg8vub9tLe1gHMzV7\n"
    "6e8Tus9uPHvRVEXH8UTNG72bfocs3+257rn0s2ldbqkLJK2KRiMohYjlrQ==\n"
    "-----END PUBLIC KEY-----\n";

EnvironmentLookup Environment() {
  return MapEnvironment({{"TEST_SECRET", std::string(config_test::kTestSecret)},
                         {"JWT_SECRET", std::string(kJwtSecret)},
                         {"SHORT_SECRET", "too-short"}});
}

// Lines 1-6: a credential and profile "photos"; line 7 "authenticators:", entries from line 8;
// then "routes:" and `routes`.
std::string Config(std::string_view authenticators, std::string_view routes) {
  return std::string(config_test::kCredentialsBlock) +
         "profiles:\n"
         "  photos: {credentials: main, bucket: mybucket, region: eu-west-1, size: {max: 1}, "
         "content_types: [\"*/*\"]}\n"
         "authenticators:\n" +
         std::string(authenticators) + "routes:\n" + std::string(routes);
}

constexpr std::string_view kHs256 =
    "  app:\n"
    "    type: jwt\n"
    "    algorithm: HS256\n"
    "    secret_env: JWT_SECRET\n"
    "    audience: uploads\n";

constexpr std::string_view kSignRoute =
    "  - {path: /s3/signature, methods: [POST], handler: sign, profile: photos}\n";

TEST(AuthenticatorsTest, Hs256AndRouteReference) {
  LoadResult result =
      Load(Config(kHs256,
                  "  - {path: /s3/signature, methods: [POST], handler: sign, profile: photos, "
                  "auth: app}\n"),
           Environment());
  ASSERT_TRUE(result.ok()) << ErrorsToString(result);
  const Snapshot& snapshot = *result.snapshot;
  ASSERT_EQ(snapshot.authenticators.size(), 1u);
  const auth::TokenVerifier& verifier = snapshot.authenticators.at("app");
  EXPECT_EQ(verifier.algorithm(), auth::Algorithm::kHs256);
  ASSERT_EQ(snapshot.routes.size(), 1u);
  EXPECT_EQ(snapshot.routes[0].auth.kind, RouteAuth::Kind::kToken);
  EXPECT_EQ(snapshot.routes[0].auth.authenticator, "app");
  EXPECT_EQ(snapshot.routes[0].auth.verifier, &verifier);
}

TEST(AuthenticatorsTest, Es256FromPublicKeyFileRelativeToTheConfig) {
  TempDir dir;
  dir.Write("jwt.pem", kPublicKeyPem, 0644);  // a public key may be readable by all
  LoadResult result = Load(Config("  app:\n"
                                  "    type: jwt\n"
                                  "    algorithm: ES256\n"
                                  "    public_key_file: jwt.pem\n"
                                  "    audience: [uploads, other]\n"
                                  "    issuer: https://app.example.com\n"
                                  "    leeway: 10s\n"
                                  "    max_lifetime: 10m\n",
                                  kSignRoute),
                           Environment(), dir.path());
  ASSERT_TRUE(result.ok()) << ErrorsToString(result);
  EXPECT_EQ(result.snapshot->authenticators.at("app").algorithm(), auth::Algorithm::kEs256);
}

TEST(AuthenticatorsTest, RouteAuthDefaultsToRemoteUser) {
  LoadResult result = Load(Config("", kSignRoute), Environment());
  ASSERT_TRUE(result.ok()) << ErrorsToString(result);
  EXPECT_EQ(result.snapshot->routes[0].auth.kind, RouteAuth::Kind::kRemoteUser);
  EXPECT_EQ(result.snapshot->routes[0].auth.verifier, nullptr);
  EXPECT_TRUE(Warnings(*result.snapshot).empty());
}

TEST(AuthenticatorsTest, ExplicitRemoteUserAndNone) {
  LoadResult result = Load(
      Config("",
             "  - {path: /a, methods: [POST], handler: sign, profile: photos, auth: remote_user}\n"
             "  - {path: /b, methods: [POST], handler: success, profile: photos, auth: none}\n"
             "  - {path: /health, methods: [GET], handler: health}\n"),
      Environment());
  ASSERT_TRUE(result.ok()) << ErrorsToString(result);
  EXPECT_EQ(result.snapshot->routes[0].auth.kind, RouteAuth::Kind::kRemoteUser);
  EXPECT_EQ(result.snapshot->routes[1].auth.kind, RouteAuth::Kind::kNone);
  EXPECT_EQ(result.snapshot->routes[2].auth.kind, RouteAuth::Kind::kNone);
  const std::vector<std::string> warnings = Warnings(*result.snapshot);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(warnings[0],
            "route 2 (/b, success) has auth: none: anyone who can reach it may confirm uploads "
            "within profile \"photos\"");
}

TEST(AuthenticatorsTest, UnknownAuthenticatorSuggestsTheNearest) {
  LoadResult result =
      Load(Config(kHs256,
                  "  - {path: /a, methods: [POST], handler: sign, profile: photos, auth: apq}\n"),
           Environment());
  ASSERT_FALSE(result.ok());
  EXPECT_TRUE(
      HasError(result, 14, 71, "expected remote_user, none or the name of an authenticator"))
      << ErrorsToString(result);
  EXPECT_TRUE(HasError(result, 14, 71, "did you mean \"app\"?"));
}

TEST(AuthenticatorsTest, HealthAndMetricsTakeNoAuth) {
  LoadResult result =
      Load(Config("", "  - {path: /health, methods: [GET], handler: health, auth: none}\n"),
           Environment());
  ASSERT_FALSE(result.ok());
  EXPECT_TRUE(HasError(result, 9, 54, "a health route takes no auth")) << ErrorsToString(result);
}

TEST(AuthenticatorsTest, BuiltInNamesAreReserved) {
  LoadResult result = Load(Config("  none: {type: jwt, algorithm: HS256, secret_env: JWT_SECRET, "
                                  "audience: x}\n",
                                  kSignRoute),
                           Environment());
  ASSERT_FALSE(result.ok());
  EXPECT_TRUE(HasError(result, 8, 3, "\"none\" is a built-in value")) << ErrorsToString(result);
}

TEST(AuthenticatorsTest, Errors) {
  struct Case {
    std::string_view entry;  // the authenticator "app", on line 8
    int line;
    int column;
    std::string_view message;
  };
  const Case cases[] = {
      {"  app: {type: jwt, algorithm: none, secret_env: JWT_SECRET, audience: x}\n", 8, 31,
       "unknown algorithm \"none\""},
      {"  app: {type: jwt, algorithm: RS256, secret_env: JWT_SECRET, audience: x}\n", 8, 31,
       "unknown algorithm \"RS256\""},
      {"  app: {type: saml, algorithm: HS256, secret_env: JWT_SECRET, audience: x}\n", 8, 15,
       "unknown type \"saml\""},
      {"  app: {type: jwt, algorithm: HS256, secret_env: JWT_SECRET}\n", 8, 8,
       "missing required key \"audience\""},
      {"  app: {type: jwt, algorithm: HS256, secret_env: JWT_SECRET, audience: []}\n", 8, 72,
       "at least one audience"},
      {"  app: {type: jwt, algorithm: HS256, secret_env: SHORT_SECRET, audience: x}\n", 8, 8,
       "at least 32 are needed"},
      {"  app: {type: jwt, algorithm: HS256, audience: x}\n", 8, 8, "secret_file"},
      {"  app: {type: jwt, algorithm: HS256, public_key_file: k.pem, audience: x}\n", 8, 38,
       "public_key_file is for ES256"},
      {"  app: {type: jwt, algorithm: ES256, secret_env: JWT_SECRET, audience: x}\n", 8, 8,
       "not a secret"},
      {"  app: {type: jwt, algorithm: ES256, audience: x}\n", 8, 8,
       "missing required key \"public_key_file\""},
      {"  app: {type: jwt, algorithm: ES256, public_key_file: /nonexistent/k.pem, audience: x}\n",
       8, 55, "cannot read \"/nonexistent/k.pem\""},
      {"  app: {type: jwt, algorithm: HS256, secret_env: JWT_SECRET, audience: x, leeway: 2h}\n", 8,
       83, "leeway"},
      {"  app: {type: jwt, algorithm: HS256, secret_env: JWT_SECRET, audience: x, "
       "max_lifetime: 25h}\n",
       8, 89, "max_lifetime"},
      {"  app: {type: jwt, algorithm: HS256, secret_env: JWT_SECRET, audience: x, issuer: \"\"}\n",
       8, 83, "must not be empty"},
      {"  app: {type: jwt, algorithm: HS256, secret_env: JWT_SECRET, audience: x, algo: 1}\n", 8,
       75, "unknown key \"algo\""},
  };
  for (const Case& c : cases) {
    LoadResult result = Load(Config(c.entry, kSignRoute), Environment());
    ASSERT_FALSE(result.ok()) << c.entry;
    EXPECT_TRUE(HasError(result, c.line, c.column, c.message)) << c.entry;
  }
}

TEST(AuthenticatorsTest, AnInvalidPublicKeyIsReportedAtItsPath) {
  TempDir dir;
  dir.Write("k.pem", "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n", 0644);
  LoadResult result =
      Load(Config("  app: {type: jwt, algorithm: ES256, public_key_file: k.pem, audience: x}\n",
                  kSignRoute),
           Environment(), dir.path());
  ASSERT_FALSE(result.ok());
  ASSERT_EQ(result.errors.size(), 1u) << ErrorsToString(result);
  EXPECT_EQ(result.errors[0].line, 8);
  EXPECT_EQ(result.errors[0].column, 55);
}

TEST(AuthenticatorsTest, ARouteOfABrokenAuthenticatorFailsToo) {
  LoadResult result =
      Load(Config("  app: {type: jwt, algorithm: HS256, secret_env: SHORT_SECRET, audience: x}\n",
                  "  - {path: /a, methods: [POST], handler: sign, profile: photos, auth: app}\n"),
           Environment());
  ASSERT_FALSE(result.ok());
  EXPECT_TRUE(HasError(result, 10, 71, "authenticator \"app\" has errors"))
      << ErrorsToString(result);
}

TEST(RouteOriginsTest, Accepted) {
  LoadResult result =
      Load(Config("",
                  "  - {path: /a, methods: [POST], handler: sign, profile: photos, "
                  "origins: [\"https://app.example.com\", \"http://localhost:8080\", "
                  "\"http://[::1]:3000\"]}\n"),
           Environment());
  ASSERT_TRUE(result.ok()) << ErrorsToString(result);
  EXPECT_EQ(result.snapshot->routes[0].origins,
            (std::vector<std::string>{"https://app.example.com", "http://localhost:8080",
                                      "http://[::1]:3000"}));
}

TEST(RouteOriginsTest, Refused) {
  const std::string_view bad[] = {
      "https://app.example.com/",
      "https://App.example.com",
      "ftp://x",
      "app.example.com",
      "https://",
      "https://x:",
      "https://x:0",
      "https://x:65536",
      "https://x:080",
      "https://user@x",
      "https://x/path",
      "null",
      "*",
      "https://[::1",
      "HTTPS://x",
  };
  for (std::string_view origin : bad) {
    LoadResult result =
        Load(Config("",
                    "  - {path: /a, methods: [POST], handler: sign, profile: photos, "
                    "origins: [\"" +
                        std::string(origin) + "\"]}\n"),
             Environment());
    ASSERT_FALSE(result.ok()) << origin;
    EXPECT_TRUE(HasError(result, 9, 75, "invalid origin")) << origin << "\n"
                                                           << ErrorsToString(result);
  }
  LoadResult empty = Load(
      Config("", "  - {path: /a, methods: [POST], handler: sign, profile: photos, origins: []}\n"),
      Environment());
  ASSERT_FALSE(empty.ok());
  EXPECT_TRUE(HasError(empty, 9, 74, "must not be empty")) << ErrorsToString(empty);
}

}  // namespace
}  // namespace s3upload::config
