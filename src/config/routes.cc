// The `routes` section: path + methods -> handler (+ profile), and the handler names.
#include <algorithm>
#include <array>
#include <utility>

#include "config/sections.h"
#include "config/validators.h"
#include "s3upload/status.h"

namespace s3upload::config {

std::string_view HandlerName(HandlerKind kind) {
  switch (kind) {
    case HandlerKind::kSign:
      return "sign";
    case HandlerKind::kSuccess:
      return "success";
    case HandlerKind::kDelete:
      return "delete";
    case HandlerKind::kHealth:
      return "health";
    case HandlerKind::kMetrics:
      return "metrics";
    case HandlerKind::kParams:
      return "params";
    case HandlerKind::kMultipart:
      return "multipart";
  }
  return "unknown";
}

namespace internal {
namespace {

constexpr std::array<std::string_view, 7> kMethods = {"GET",   "HEAD",   "POST",   "PUT",
                                                      "PATCH", "DELETE", "OPTIONS"};
constexpr std::array<std::string_view, 7> kHandlers = {"sign",   "params", "multipart", "success",
                                                       "delete", "health", "metrics"};

struct ReadRoute {
  Route route;
  int number = 0;  // 1-based position in the list, as messages name it
  YAML::Mark mark;
};

std::string ToUpper(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') {
      c = static_cast<char>(c - 'a' + 'A');
    }
  }
  return out;
}

// A path as the web server passes it in DOCUMENT_URI (decoded, normalised), "/*" at the end
// making it a prefix.
Status ParseRoutePath(std::string_view text, Route& route) {
  if (text.empty() || text.front() != '/') {
    return Status::Error("must start with \"/\", got " + Quote(text));
  }
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte == 0x7f) {
      return Status::Error(Quote(text) + " contains a space or control character");
    }
    if (c == '?' || c == '#') {
      return Status::Error(Quote(text) + ": a route path has no query or fragment");
    }
  }
  std::string_view path = text;
  route.is_prefix = path.ends_with("/*");
  if (route.is_prefix) {
    path.remove_suffix(1);
  }
  if (path.find('*') != std::string_view::npos) {
    return Status::Error(Quote(text) +
                         ": \"*\" is only allowed as the last segment (\"/prefix/*\")");
  }
  route.path = std::string(path);
  return Status::Ok();
}

// methods: [POST, ...] or method: POST.
bool ReadMethods(const MapReader& map, Route& route, Diagnostics& diag) {
  std::optional<Field> list = map.Get("methods");
  std::optional<Field> single = map.Get("method");
  if (list && single) {
    const Field& later = list->KeyMark().pos > single->KeyMark().pos ? *list : *single;
    diag.Error(later.KeyMark(),
               map.scope().Describe() + ": give either methods or method, not both");
    return false;
  }
  if (!list && !single) {
    map.Require("methods");
    return false;
  }
  const Field& field = list ? *list : *single;
  std::vector<Item> items;
  if (list) {
    std::optional<std::vector<Item>> read = ReadScalarList(field, diag);
    if (!read) {
      return false;
    }
    if (read->empty()) {
      ValueError(field, "must not be empty", diag);
      return false;
    }
    items = std::move(*read);
  } else {
    std::optional<std::string> text = ReadString(field, diag);
    if (!text) {
      return false;
    }
    items.push_back(Item{std::move(*text), field.ValueMark()});
  }
  bool ok = true;
  for (const Item& item : items) {
    std::string method = ToUpper(item.text);
    if (std::find(kMethods.begin(), kMethods.end(), method) == kMethods.end()) {
      ItemError(
          field, item,
          "unknown method " + Quote(item.text) + " " + Alternatives(method, kMethods, "allowed"),
          diag);
      ok = false;
      continue;
    }
    if (std::find(route.methods.begin(), route.methods.end(), method) == route.methods.end()) {
      route.methods.push_back(std::move(method));
    }
  }
  return ok;
}

// auth: remote_user (the default), none, or the name of an authenticator.
void ReadAuth(const MapReader& map, std::optional<HandlerKind> handler,
              const RouteReferences& references, Route& route, Diagnostics& diag) {
  std::optional<Field> field = map.Get("auth");
  if (handler == HandlerKind::kHealth || handler == HandlerKind::kMetrics) {
    route.auth.kind = RouteAuth::Kind::kNone;
    if (field) {
      diag.Error(field->KeyMark(), map.scope().Describe() + ": a " +
                                       std::string(HandlerName(*handler)) +
                                       " route takes no auth (let the web server guard it)");
    }
    return;
  }
  if (!field) {
    return;  // kRemoteUser
  }
  std::optional<std::string> text = ReadString(*field, diag);
  if (!text) {
    return;
  }
  if (*text == "remote_user") {
    route.auth.kind = RouteAuth::Kind::kRemoteUser;
  } else if (*text == "none") {
    route.auth.kind = RouteAuth::Kind::kNone;
  } else if (auto it = references.authenticators.find(*text);
             it != references.authenticators.end()) {
    route.auth.kind = RouteAuth::Kind::kToken;
    route.auth.authenticator = *text;
    route.auth.verifier = &it->second;
  } else if (!references.declared_authenticators.contains(*text)) {
    std::vector<std::string_view> candidates = {"remote_user", "none"};
    for (const std::string& name : references.declared_authenticators) {
      candidates.push_back(name);
    }
    ValueError(*field,
               "expected remote_user, none or the name of an authenticator, got " + Quote(*text) +
                   " " + Alternatives(*text, candidates, "allowed"),
               diag);
  } else {
    // Defined, but broken: reported with the authenticator. Still an error for this route.
    ValueError(*field, "authenticator " + Quote(*text) + " has errors (see above)", diag);
  }
}

// origins: ["https://app.example.com", ...], exactly as browsers send Origin.
void ReadOrigins(const MapReader& map, Route& route, Diagnostics& diag) {
  std::optional<Field> field = map.Get("origins");
  if (!field) {
    return;
  }
  std::optional<std::vector<Item>> items = ReadScalarList(*field, diag);
  if (!items) {
    return;
  }
  if (items->empty()) {
    ValueError(*field, "must not be empty (leave it out to accept any Origin)", diag);
    return;
  }
  for (Item& item : *items) {
    if (Status status = CheckOrigin(item.text); !status.ok()) {
      ItemError(*field, item, status.message(), diag);
      continue;
    }
    route.origins.push_back(std::move(item.text));
  }
}

// reply: json (the default) or html: a page for a browser without script (params, success).
void ReadReply(const MapReader& map, std::optional<HandlerKind> handler, Route& route,
               Diagnostics& diag) {
  std::optional<Field> field = map.Get("reply");
  if (!field) {
    return;
  }
  std::optional<std::string> text = ReadString(*field, diag);
  if (!text) {
    return;
  }
  if (*text == "json") {
    return;
  }
  if (*text != "html") {
    constexpr std::array<std::string_view, 2> kReplies = {"json", "html"};
    ValueError(*field,
               "unknown reply " + Quote(*text) + " " + Alternatives(*text, kReplies, "allowed"),
               diag);
    return;
  }
  if (handler != HandlerKind::kParams && handler != HandlerKind::kSuccess) {
    ValueError(*field, "only params and success routes have an HTML reply", diag);
    return;
  }
  if (route.methods != std::vector<std::string>{"GET"}) {
    ValueError(*field,
               "an HTML reply answers a browser's navigation, not a script: give the route "
               "methods [GET] (S3 redirects to the success page with GET)",
               diag);
    return;
  }
  const Profile* profile = route.profile;
  if (handler == HandlerKind::kParams && profile != nullptr && profile->params &&
      (profile->params->method != ParamsSettings::Method::kPost ||
       profile->params->success_action_redirects.empty())) {
    ValueError(*field,
               "the form page needs profile " + Quote(profile->name) +
                   "'s params to have method post and success_action_redirect (the reply: html "
                   "success route S3 sends the browser to after the upload)",
               diag);
    return;
  }
  route.reply = Route::Reply::kHtml;
}

std::optional<ReadRoute> ReadOneRoute(const YAML::Node& node, int number,
                                      const RouteReferences& references, Diagnostics& diag) {
  const ProfileMap& profiles = references.profiles;
  const NameSet& declared = references.declared_profiles;
  const std::size_t errors_before = diag.count();
  const MapReader map = MapReader::Closed(
      node, Scope{"route " + std::to_string(number), ""},
      {"path", "methods", "method", "handler", "profile", "auth", "origins", "reply"}, diag);
  if (!map.valid()) {
    return std::nullopt;
  }
  ReadRoute read;
  read.number = number;
  read.mark = map.mark();
  Route& route = read.route;

  if (std::optional<Field> field = map.Require("path")) {
    if (std::optional<std::string> text = ReadString(*field, diag)) {
      if (Status status = ParseRoutePath(*text, route); !status.ok()) {
        ValueError(*field, status.message(), diag);
      }
    }
  }
  ReadMethods(map, route, diag);

  std::optional<HandlerKind> handler;
  if (std::optional<Field> field = map.Require("handler")) {
    if (std::optional<std::string> text = ReadString(*field, diag)) {
      for (HandlerKind kind : {HandlerKind::kSign, HandlerKind::kParams, HandlerKind::kMultipart,
                               HandlerKind::kSuccess, HandlerKind::kDelete, HandlerKind::kHealth,
                               HandlerKind::kMetrics}) {
        if (*text == HandlerName(kind)) {
          handler = kind;
        }
      }
      if (!handler) {
        ValueError(
            *field,
            "unknown handler " + Quote(*text) + " " + Alternatives(*text, kHandlers, "allowed"),
            diag);
      }
    }
  }
  if (handler) {
    route.handler = *handler;
  }
  if (handler == HandlerKind::kMultipart && !route.path.empty() && !route.is_prefix) {
    if (std::optional<Field> field = map.Get("path")) {
      ValueError(*field,
                 "a multipart route serves a whole tree (create, parts, list, complete, abort): "
                 "give a prefix such as \"/s3/multipart/*\"",
                 diag);
    }
  }

  std::optional<Field> profile_field = map.Get("profile");
  bool profile_ok = true;
  if (handler == HandlerKind::kHealth || handler == HandlerKind::kMetrics) {
    if (profile_field) {
      diag.Error(profile_field->KeyMark(), map.scope().Describe() + ": a " +
                                               std::string(HandlerName(*handler)) +
                                               " route takes no profile");
    }
  } else if (!profile_field) {
    if (handler) {
      diag.Error(map.mark(), map.scope().Describe() + ": missing required key \"profile\" (a " +
                                 std::string(HandlerName(*handler)) + " route needs one)");
    }
  } else if (std::optional<std::string> name = ReadString(*profile_field, diag)) {
    if (auto it = profiles.find(*name); it != profiles.end()) {
      route.profile = &it->second;
      if (handler == HandlerKind::kParams && !it->second.params) {
        ValueError(*profile_field,
                   "profile " + Quote(*name) +
                       " has no `params` section, which a params route needs (the key template "
                       "and what to build)",
                   diag);
      }
      if (handler == HandlerKind::kMultipart && (!it->second.params || !it->second.multipart)) {
        ValueError(*profile_field,
                   "profile " + Quote(*name) +
                       " needs a `params` section (the key template) and a `multipart` section "
                       "(the upload token secret, part URL lifetime, part count), which a "
                       "multipart route needs",
                   diag);
      }
    } else if (!declared.contains(*name)) {
      std::string hint = "(none are defined)";
      if (!declared.empty()) {
        hint = Alternatives(*name, std::vector<std::string_view>(declared.begin(), declared.end()),
                            "defined");
      }
      ValueError(*profile_field, "no profile named " + Quote(*name) + " " + hint, diag);
    } else {
      profile_ok = false;  // defined, but broken: reported with the profile
    }
  }
  ReadAuth(map, handler, references, route, diag);
  ReadOrigins(map, route, diag);
  ReadReply(map, handler, route, diag);
  if (!profile_ok || diag.count() != errors_before) {
    return std::nullopt;
  }
  return read;
}

// Two routes for the same path (and prefix-ness) must not both claim a method: which one would
// serve it would depend on the order in the file.
void CheckOverlaps(const std::vector<ReadRoute>& routes, Diagnostics& diag) {
  for (std::size_t j = 0; j < routes.size(); ++j) {
    for (std::size_t i = 0; i < j; ++i) {
      const Route& a = routes[i].route;
      const Route& b = routes[j].route;
      if (a.path != b.path || a.is_prefix != b.is_prefix) {
        continue;
      }
      std::vector<std::string> shared;
      for (const std::string& method : b.methods) {
        if (std::find(a.methods.begin(), a.methods.end(), method) != a.methods.end()) {
          shared.push_back(method);
        }
      }
      if (shared.empty()) {
        continue;
      }
      std::string methods;
      for (const std::string& method : shared) {
        methods += (methods.empty() ? "" : ", ") + method;
      }
      diag.Error(routes[j].mark, "route " + std::to_string(routes[j].number) + ": path " +
                                     Quote(a.path + (a.is_prefix ? "*" : "")) + " with " + methods +
                                     " is already routed by route " +
                                     std::to_string(routes[i].number) + " (line " +
                                     std::to_string(routes[i].mark.line + 1) + ")");
      break;
    }
  }
}

}  // namespace

std::vector<Route> ReadRoutesSection(const std::optional<Field>& section,
                                     const RouteReferences& references, Diagnostics& diag) {
  if (!section || section->value.IsNull()) {
    return {};
  }
  if (!section->value.IsSequence()) {
    ValueError(*section,
               "expected a list of routes (lines starting with \"- path: ...\"), got " +
                   DescribeNode(section->value),
               diag);
    return {};
  }
  std::vector<ReadRoute> read;
  int number = 0;
  for (const YAML::Node& node : section->value) {
    ++number;
    if (auto route = ReadOneRoute(node, number, references, diag)) {
      read.push_back(std::move(*route));
    }
  }
  CheckOverlaps(read, diag);
  std::vector<Route> routes;
  routes.reserve(read.size());
  for (ReadRoute& route : read) {
    routes.push_back(std::move(route.route));
  }
  return routes;
}

}  // namespace internal
}  // namespace s3upload::config
