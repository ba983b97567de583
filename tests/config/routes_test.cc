// Tests for src/config/routes.cc: the `routes` section, its references to profiles, overlapping
// routes, and HandlerName.
#include <gtest/gtest.h>

#include "config/test_support.h"

namespace s3upload::config {
namespace {

using config_test::ErrorsToString;
using config_test::HasError;
using config_test::Load;
using Strings = std::vector<std::string>;

// Lines 1-6: a credential and profile "photos"; routes start on line 7 ("routes:"), entries on 8.
std::string WithRoutes(std::string_view routes) {
  return std::string(config_test::kCredentialsBlock) +
         "profiles:\n"
         "  photos: {credentials: main, bucket: mybucket, region: eu-west-1, size: {max: 1}, "
         "content_types: [\"*/*\"]}\n"
         "routes:\n" +
         std::string(routes);
}

TEST(HandlerNameTest, Names) {
  EXPECT_EQ(HandlerName(HandlerKind::kSign), "sign");
  EXPECT_EQ(HandlerName(HandlerKind::kSuccess), "success");
  EXPECT_EQ(HandlerName(HandlerKind::kDelete), "delete");
  EXPECT_EQ(HandlerName(HandlerKind::kHealth), "health");
}

TEST(RoutesTest, AllHandlerKinds) {
  LoadResult result = Load(
      WithRoutes("  - {path: /s3/signature, methods: [POST], handler: sign, profile: photos}\n"
                 "  - {path: /s3/success, methods: [post], handler: success, profile: photos}\n"
                 "  - {path: /s3/delete/*, methods: [DELETE, POST, DELETE], handler: delete, "
                 "profile: photos}\n"
                 "  - {path: /health, method: get, handler: health}\n"));
  ASSERT_TRUE(result.ok()) << ErrorsToString(result);
  const Snapshot& snapshot = *result.snapshot;
  ASSERT_EQ(snapshot.routes.size(), 4u);
  const Profile* photos = &snapshot.profiles.at("photos");

  EXPECT_EQ(snapshot.routes[0].path, "/s3/signature");
  EXPECT_FALSE(snapshot.routes[0].is_prefix);
  EXPECT_EQ(snapshot.routes[0].methods, Strings{"POST"});
  EXPECT_EQ(snapshot.routes[0].handler, HandlerKind::kSign);
  EXPECT_EQ(snapshot.routes[0].profile, photos);

  EXPECT_EQ(snapshot.routes[1].methods, Strings{"POST"});
  EXPECT_EQ(snapshot.routes[1].handler, HandlerKind::kSuccess);

  EXPECT_EQ(snapshot.routes[2].path, "/s3/delete/");
  EXPECT_TRUE(snapshot.routes[2].is_prefix);
  EXPECT_EQ(snapshot.routes[2].methods, (Strings{"DELETE", "POST"}));
  EXPECT_EQ(snapshot.routes[2].handler, HandlerKind::kDelete);
  EXPECT_EQ(snapshot.routes[2].profile, photos);

  EXPECT_EQ(snapshot.routes[3].path, "/health");
  EXPECT_EQ(snapshot.routes[3].methods, Strings{"GET"});
  EXPECT_EQ(snapshot.routes[3].handler, HandlerKind::kHealth);
  EXPECT_EQ(snapshot.routes[3].profile, nullptr);
}

TEST(RoutesTest, PathRules) {
  EXPECT_TRUE(HasError(Load(WithRoutes("  - {path: s3/x, method: POST, handler: health}\n")), 8, 12,
                       "route 1: path: must start with \"/\", got \"s3/x\""));
  EXPECT_TRUE(HasError(Load(WithRoutes("  - {path: /s3/*/x, method: POST, handler: health}\n")), 8,
                       12, "\"*\" is only allowed as the last segment"));
  EXPECT_TRUE(HasError(Load(WithRoutes("  - {path: /s3*, method: POST, handler: health}\n")), 8, 12,
                       "\"*\" is only allowed as the last segment"));
  EXPECT_TRUE(HasError(Load(WithRoutes("  - {path: \"/a b\", method: POST, handler: health}\n")), 8,
                       12, "contains a space or control character"));
  EXPECT_TRUE(HasError(Load(WithRoutes("  - {path: \"/a?b\", method: POST, handler: health}\n")), 8,
                       12, "a route path has no query or fragment"));
  LoadResult root = Load(WithRoutes("  - {path: /*, method: GET, handler: health}\n"));
  ASSERT_TRUE(root.ok()) << ErrorsToString(root);
  EXPECT_EQ(root.snapshot->routes[0].path, "/");
  EXPECT_TRUE(root.snapshot->routes[0].is_prefix);
}

TEST(RoutesTest, Methods) {
  LoadResult both =
      Load(WithRoutes("  - path: /x\n"
                      "    methods: [GET]\n"
                      "    method: GET\n"
                      "    handler: health\n"));
  EXPECT_TRUE(HasError(both, 10, 5, "route 1: give either methods or method, not both"));

  LoadResult neither = Load(WithRoutes("  - path: /x\n    handler: health\n"));
  EXPECT_TRUE(HasError(neither, 8, 5, "route 1: missing required key \"methods\""));

  EXPECT_TRUE(HasError(Load(WithRoutes("  - {path: /x, methods: [], handler: health}\n")), 8, 25,
                       "route 1: methods: must not be empty"));
  EXPECT_TRUE(HasError(Load(WithRoutes("  - {path: /x, methods: [GET, FETCH], handler: health}\n")),
                       8, 31, "route 1: methods: unknown method \"FETCH\""));
  EXPECT_TRUE(HasError(Load(WithRoutes("  - {path: /x, method: PTCH, handler: health}\n")), 8, 24,
                       "unknown method \"PTCH\" (did you mean \"PATCH\"?"));
  EXPECT_TRUE(HasError(Load(WithRoutes("  - {path: /x, method: [GET], handler: health}\n")), 8, 24,
                       "route 1: method: expected a string, got a list"));
  LoadResult all =
      Load(WithRoutes("  - {path: /x, methods: [GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS], "
                      "handler: health}\n"));
  ASSERT_TRUE(all.ok()) << ErrorsToString(all);
  EXPECT_EQ(all.snapshot->routes[0].methods.size(), 7u);
}

TEST(RoutesTest, HandlerAndProfile) {
  EXPECT_TRUE(
      HasError(Load(WithRoutes("  - {path: /x, method: POST, handler: signer, profile: photos}\n")),
               8, 39, "route 1: handler: unknown handler \"signer\" (did you mean \"sign\"?"));
  EXPECT_TRUE(HasError(Load(WithRoutes("  - {path: /x, method: POST, handler: sign}\n")), 8, 5,
                       "route 1: missing required key \"profile\" (a sign route needs one)"));
  EXPECT_TRUE(
      HasError(Load(WithRoutes("  - {path: /x, method: GET, handler: health, profile: photos}\n")),
               8, 46, "route 1: a health route takes no profile"));
  EXPECT_TRUE(
      HasError(Load(WithRoutes("  - {path: /x, method: POST, handler: delete, profile: foto}\n")),
               8, 56, "route 1: profile: no profile named \"foto\" (defined: photos)"));
  EXPECT_TRUE(
      HasError(Load(WithRoutes("  - {path: /x, method: POST, handler: delete, profile: photo}\n")),
               8, 56, "(did you mean \"photos\"? defined: photos)"));
  EXPECT_TRUE(HasError(Load(WithRoutes("  - {path: /x, handler: health, method: GET, extra: 1}\n")),
                       8, 46, "unknown key \"extra\" in route 1"));
}

TEST(RoutesTest, RouteToABrokenProfileIsNotReportedTwice) {
  LoadResult result =
      Load(std::string(config_test::kCredentialsBlock) +
           "profiles:\n"
           "  photos: {credentials: main, bucket: mybucket, region: eu-west-1, size: {max: 1}}\n"
           "routes:\n"
           "  - {path: /x, method: POST, handler: sign, profile: photos}\n");
  ASSERT_EQ(result.errors.size(), 1u) << ErrorsToString(result);
  EXPECT_NE(result.errors[0].message.find("missing required key \"content_types\""),
            std::string::npos);
}

TEST(RoutesTest, OverlappingRoutesAreErrors) {
  LoadResult result = Load(WithRoutes(
      "  - {path: /s3/signature, methods: [POST], handler: sign, profile: photos}\n"
      "  - {path: /s3/signature, methods: [GET, POST], handler: success, profile: photos}\n"));
  EXPECT_TRUE(HasError(result, 9, 5,
                       "route 2: path \"/s3/signature\" with POST is already routed by route 1 "
                       "(line 8)"));
  LoadResult prefix =
      Load(WithRoutes("  - {path: /d/*, methods: [DELETE], handler: delete, profile: photos}\n"
                      "  - {path: /d/*, methods: [DELETE], handler: delete, profile: photos}\n"));
  EXPECT_TRUE(HasError(prefix, 9, 5, "route 2: path \"/d/*\" with DELETE is already routed"));
}

TEST(RoutesTest, SamePathDifferentMethodsOrPrefixnessIsFine) {
  LoadResult result = Load(
      WithRoutes("  - {path: /d/, methods: [GET], handler: health}\n"
                 "  - {path: /d/, methods: [POST], handler: sign, profile: photos}\n"
                 "  - {path: /d/*, methods: [GET, POST], handler: delete, profile: photos}\n"));
  EXPECT_TRUE(result.ok()) << ErrorsToString(result);
}

TEST(RoutesTest, SectionShape) {
  EXPECT_TRUE(HasError(Load("routes: {path: /x}\n"), 1, 9, "routes: expected a list of routes"));
  EXPECT_TRUE(HasError(Load("routes:\n  - /x\n"), 2, 5,
                       "route 1: expected a map (key: value lines), got \"/x\""));
  LoadResult empty = Load("routes:\n");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty.snapshot->routes.empty());
  EXPECT_TRUE(Load("routes: []\n").ok());
}

TEST(RoutesTest, ErrorsInSeveralRoutesAreAllReported) {
  LoadResult result =
      Load(WithRoutes("  - {path: x, method: POST, handler: sign, profile: photos}\n"
                      "  - {path: /y, method: POST, handler: sing, profile: photos}\n"
                      "  - {path: /z, method: POST, handler: sign, profile: fotos}\n"));
  EXPECT_EQ(result.errors.size(), 3u) << ErrorsToString(result);
  EXPECT_TRUE(HasError(result, 8, 12, "route 1: path"));
  EXPECT_TRUE(HasError(result, 9, 39, "route 2: handler"));
  EXPECT_TRUE(HasError(result, 10, 54, "route 3: profile"));
}

}  // namespace
}  // namespace s3upload::config
