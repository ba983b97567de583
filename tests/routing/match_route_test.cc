// Tests for src/routing/match_route.cc: exact and prefix paths, precedence, 404 and 405 with the
// Allow list.
#include <gtest/gtest.h>

#include "s3upload/routing.h"

namespace s3upload::routing {
namespace {

using config::HandlerKind;
using config::Route;
using config::Snapshot;
using Strings = std::vector<std::string>;

class MatchRouteTest : public ::testing::Test {
 protected:
  // Appends a route; `path` ending in "/*" is a prefix route, stored as config/ stores it.
  void Add(std::string path, Strings methods, HandlerKind handler = HandlerKind::kSign) {
    Route route;
    route.is_prefix = path.ends_with("/*");
    if (route.is_prefix) path.pop_back();
    route.path = std::move(path);
    route.methods = std::move(methods);
    route.handler = handler;
    route.profile = handler == HandlerKind::kHealth ? nullptr : &profile_;
    snapshot_.routes.push_back(std::move(route));
  }

  // The index of the matched route, or -1 for NotFound, or -2 for MethodNotAllowed.
  int Index(std::string_view method, std::string_view path) {
    Match match = MatchRoute(snapshot_, method, path);
    if (std::holds_alternative<NotFound>(match)) return -1;
    if (std::holds_alternative<MethodNotAllowed>(match)) return -2;
    const Route* route = std::get<const Route*>(match);
    EXPECT_NE(route, nullptr);
    return static_cast<int>(route - snapshot_.routes.data());
  }

  Strings Allowed(std::string_view method, std::string_view path) {
    Match match = MatchRoute(snapshot_, method, path);
    if (!std::holds_alternative<MethodNotAllowed>(match)) {
      ADD_FAILURE() << method << " " << path << " is not MethodNotAllowed";
      return {};
    }
    return std::get<MethodNotAllowed>(match).allowed;
  }

  config::Profile profile_;
  Snapshot snapshot_;
};

TEST_F(MatchRouteTest, EmptyTableFindsNothing) {
  EXPECT_EQ(Index("GET", "/"), -1);
  EXPECT_EQ(Index("POST", "/s3/signature"), -1);
}

TEST_F(MatchRouteTest, ExactPath) {
  Add("/s3/signature", {"POST"});
  Add("/health", {"GET", "HEAD"}, HandlerKind::kHealth);
  EXPECT_EQ(Index("POST", "/s3/signature"), 0);
  EXPECT_EQ(Index("GET", "/health"), 1);
  EXPECT_EQ(Index("HEAD", "/health"), 1);
  const Match match = MatchRoute(snapshot_, "POST", "/s3/signature");
  EXPECT_EQ(std::get<const Route*>(match)->profile, &profile_);
}

TEST_F(MatchRouteTest, NoNormalisationHere) {
  Add("/s3/signature", {"POST"});
  for (const char* path : {"/s3/signature/", "//s3/signature", "/s3/Signature", "/s3/signature?x",
                           "/s3/signaturex", "/s3/signatur", "", "s3/signature"}) {
    EXPECT_EQ(Index("POST", path), -1) << path;
  }
}

TEST_F(MatchRouteTest, PrefixNeedsAtLeastOneMoreByteOrNoFinalSlash) {
  Add("/s3/delete/*", {"DELETE", "POST"}, HandlerKind::kDelete);
  EXPECT_EQ(Index("DELETE", "/s3/delete/0b2a6c1e-7d1f-4a5e-9c3b-1f2e3d4c5b6a"), 0);
  EXPECT_EQ(Index("POST", "/s3/delete/x"), 0);
  EXPECT_EQ(Index("DELETE", "/s3/delete/a/b"), 0);
  EXPECT_EQ(Index("DELETE", "/s3/delete/"), -1);
  EXPECT_EQ(Index("POST", "/s3/delete"), 0);  // Fine Uploader's POST delete: the bare endpoint
  EXPECT_EQ(Index("DELETE", "/s3/deletex"), -1);
  EXPECT_EQ(Index("DELETE", "/s3/"), -1);
}

TEST_F(MatchRouteTest, RootPrefixMatchesEverythingButTheRoot) {
  Add("/*", {"GET"}, HandlerKind::kHealth);
  EXPECT_EQ(Index("GET", "/anything"), 0);
  EXPECT_EQ(Index("GET", "/"), -1);
}

TEST_F(MatchRouteTest, ExactWinsOverPrefix) {
  Add("/a/*", {"GET"});
  Add("/a/b", {"GET"});
  EXPECT_EQ(Index("GET", "/a/b"), 1);
  EXPECT_EQ(Index("GET", "/a/c"), 0);
}

TEST_F(MatchRouteTest, LongestPrefixWinsWhateverTheOrder) {
  Add("/a/b/*", {"GET"});
  Add("/a/*", {"GET"});
  Add("/a/b/c/*", {"GET"});
  EXPECT_EQ(Index("GET", "/a/b/c/d"), 2);
  EXPECT_EQ(Index("GET", "/a/b/x"), 0);
  EXPECT_EQ(Index("GET", "/a/x"), 1);
}

TEST_F(MatchRouteTest, MethodNotAllowedListsTheAllowedMethodsSortedOnce) {
  Add("/s3/signature", {"POST"});
  Add("/s3/signature", {"PUT", "POST", "OPTIONS"}, HandlerKind::kSuccess);
  EXPECT_EQ(Allowed("GET", "/s3/signature"), (Strings{"OPTIONS", "POST", "PUT"}));
}

TEST_F(MatchRouteTest, MethodsAreCaseSensitive) {
  Add("/s3/signature", {"POST"});
  EXPECT_EQ(Allowed("post", "/s3/signature"), Strings{"POST"});
}

TEST_F(MatchRouteTest, NotAllowedOnAPrefixRoute) {
  Add("/s3/delete/*", {"POST", "DELETE"}, HandlerKind::kDelete);
  EXPECT_EQ(Allowed("GET", "/s3/delete/abc"), (Strings{"DELETE", "POST"}));
  EXPECT_EQ(Index("GET", "/s3/delete/"), -1);
}

// The contract: 405 only when no route for the path allows the method. A less specific route that
// does allow it serves the request, and Allow lists what every matching route would serve.
TEST_F(MatchRouteTest, AMoreSpecificRouteDoesNotHideOneThatAllowsTheMethod) {
  Add("/a/*", {"POST"});
  Add("/a/b", {"GET"}, HandlerKind::kHealth);
  EXPECT_EQ(Index("GET", "/a/b"), 1);
  EXPECT_EQ(Index("POST", "/a/b"), 0);
  EXPECT_EQ(Allowed("PUT", "/a/b"), (Strings{"GET", "POST"}));
  EXPECT_EQ(Allowed("PUT", "/a/c"), Strings{"POST"});
}

TEST_F(MatchRouteTest, RoutesTheExampleConfiguration) {
  Add("/s3/signature", {"POST"});
  Add("/s3/success", {"POST"}, HandlerKind::kSuccess);
  Add("/s3/delete/*", {"DELETE", "POST"}, HandlerKind::kDelete);
  Add("/health", {"GET", "HEAD"}, HandlerKind::kHealth);
  EXPECT_EQ(Index("POST", "/s3/signature"), 0);
  EXPECT_EQ(Index("POST", "/s3/success"), 1);
  EXPECT_EQ(Index("DELETE", "/s3/delete/uuid"), 2);
  EXPECT_EQ(Index("HEAD", "/health"), 3);
  EXPECT_EQ(Allowed("GET", "/s3/signature"), Strings{"POST"});
  EXPECT_EQ(Allowed("POST", "/health"), (Strings{"GET", "HEAD"}));
  EXPECT_EQ(Index("GET", "/favicon.ico"), -1);
}

}  // namespace
}  // namespace s3upload::routing
