// MatchRoute: a linear scan over the snapshot's routes. Route tables are a handful of entries, so
// a scan is both fast enough and obviously correct.
#include <algorithm>

#include "s3upload/routing.h"

namespace s3upload::routing {
namespace {

bool PathMatches(const config::Route& route, std::string_view path) {
  if (!route.is_prefix) {
    return path == route.path;
  }
  if (path.size() > route.path.size() && path.starts_with(route.path)) return true;
  // "/s3/delete/*" also serves "/s3/delete": Fine Uploader's POST deletes (Internet Explorer 9 and
  // older) go to the bare endpoint, without the uuid its DELETE requests add.
  return !path.empty() && route.path.ends_with('/') && path.size() + 1 == route.path.size() &&
         route.path.starts_with(path);
}

bool AllowsMethod(const config::Route& route, std::string_view method) {
  return std::find(route.methods.begin(), route.methods.end(), method) != route.methods.end();
}

// Exact beats prefix; a longer prefix beats a shorter one. Ties keep the earlier route (config/
// refuses two routes that could tie).
bool MoreSpecific(const config::Route& candidate, const config::Route& best) {
  if (candidate.is_prefix != best.is_prefix) {
    return !candidate.is_prefix;
  }
  return candidate.path.size() > best.path.size();
}

}  // namespace

Match MatchRoute(const config::Snapshot& snapshot, std::string_view method, std::string_view path) {
  const config::Route* best = nullptr;
  bool path_known = false;
  for (const config::Route& route : snapshot.routes) {
    if (!PathMatches(route, path)) {
      continue;
    }
    path_known = true;
    if (!AllowsMethod(route, method)) {
      continue;
    }
    if (best == nullptr || MoreSpecific(route, *best)) {
      best = &route;
    }
  }
  if (best != nullptr) {
    return best;
  }
  if (!path_known) {
    return NotFound{};
  }

  // The Allow header lists every method some route for this path would serve.
  MethodNotAllowed not_allowed;
  for (const config::Route& route : snapshot.routes) {
    if (!PathMatches(route, path)) {
      continue;
    }
    not_allowed.allowed.insert(not_allowed.allowed.end(), route.methods.begin(),
                               route.methods.end());
  }
  std::sort(not_allowed.allowed.begin(), not_allowed.allowed.end());
  not_allowed.allowed.erase(std::unique(not_allowed.allowed.begin(), not_allowed.allowed.end()),
                            not_allowed.allowed.end());
  return not_allowed;
}

}  // namespace s3upload::routing
