// routing: method + path -> the configured route, or why there is none.
//
// Contract
// - A path matches a route when it equals the route's path exactly, or, for a prefix route
//   ("/s3/delete/*"), when it starts with the prefix and has at least one more byte, or when it is
//   the prefix without its final '/' ("/s3/delete": Fine Uploader's POST deletes go there). Exact
//   routes win over prefix routes; among prefix routes the longest wins. No normalisation happens here:
//   the web server has already decoded and normalised DOCUMENT_URI.
// - A matching path with a method no route for that path allows is MethodNotAllowed, carrying the
//   methods that are allowed (for the Allow header), sorted and without duplicates.
//
// Thread-safety: Match is const and re-entrant. A Router refers into a config::Snapshot and must
// not outlive it.
#pragma once

#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "s3upload/config.h"

namespace s3upload::routing {

struct NotFound {};
struct MethodNotAllowed {
  std::vector<std::string> allowed;
};
using Match = std::variant<const config::Route*, NotFound, MethodNotAllowed>;

Match MatchRoute(const config::Snapshot& snapshot, std::string_view method, std::string_view path);

}  // namespace s3upload::routing
