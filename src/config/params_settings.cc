// The `params` map of a profile: what the params handler builds (server-built uploads), and the key
// template, which must make keys the profile's own key rules accept, so that the success and
// delete handlers accept the objects uploaded with it.
#include <algorithm>
#include <array>
#include <chrono>
#include <string>
#include <utility>

#include "config/sections.h"
#include "config/validators.h"

namespace s3upload::config {

namespace {

constexpr std::string_view kUser = "{user}";
constexpr std::string_view kUuid = "{uuid}";
constexpr std::string_view kExt = "{ext}";

}  // namespace

std::string ExpandKeyTemplate(std::string_view key_template, std::string_view user,
                              std::string_view uuid, std::string_view ext) {
  std::string key;
  key.reserve(key_template.size() + user.size() + uuid.size() + ext.size());
  for (std::size_t i = 0; i < key_template.size();) {
    const std::string_view rest = key_template.substr(i);
    if (rest.starts_with(kUser)) {
      key += user;
      i += kUser.size();
    } else if (rest.starts_with(kUuid)) {
      key += uuid;
      i += kUuid.size();
    } else if (rest.starts_with(kExt)) {
      key += ext;
      i += kExt.size();
    } else {
      key += key_template[i++];
    }
  }
  return key;
}

namespace internal {
namespace {

using namespace std::chrono_literals;

// A policy or presigned URL for one upload is meant to be used at once.
constexpr std::chrono::seconds kMaxExpires = 1h;
// What the load-time check puts in a template: the longest user a key segment may be (64 bytes),
// a UUID, and each extension of the allowlist.
constexpr std::string_view kSampleUuid = "00000000-0000-4000-8000-000000000000";
const std::string kLongestUser(64, 'u');

std::size_t Count(std::string_view text, std::string_view word) {
  std::size_t count = 0;
  for (std::size_t at = text.find(word); at != std::string_view::npos;
       at = text.find(word, at + word.size())) {
    ++count;
  }
  return count;
}

// The template's own syntax and its relation to key.prefix; the message for the first problem.
Status CheckKeyTemplateSyntax(std::string_view key_template, const verify::KeyRules& key) {
  for (std::size_t at = key_template.find_first_of("{}"); at != std::string_view::npos;
       at = key_template.find_first_of("{}", at + 1)) {
    const std::string_view rest = key_template.substr(at);
    if (rest.starts_with(kUser) || rest.starts_with(kUuid) || rest.starts_with(kExt)) {
      at = key_template.find('}', at);
      continue;
    }
    const std::size_t end = rest.find('}');
    return Status::Error(
        "unknown placeholder " +
        Quote(rest.substr(0, end == std::string_view::npos ? 1 : end + 1)) +
        " (known: {user}, {uuid}, {ext}; the file's name itself never becomes part of a key)");
  }
  if (Count(key_template, kUuid) != 1) {
    return Status::Error(
        "needs {uuid} exactly once: every upload gets a key of its own, never the client's file "
        "name");
  }
  const std::size_t ext_count = Count(key_template, kExt);
  if (ext_count > 1 || (ext_count == 1 && !key_template.ends_with(kExt))) {
    return Status::Error("{ext} may only be the end of the template, once");
  }
  if (ext_count == 1 && key.extensions.empty()) {
    return Status::Error(
        "{ext} adds the file's extension only when key.extensions lists it, and key.extensions "
        "is empty (any extension): list the allowed ones");
  }
  if (!key_template.starts_with(key.prefix)) {
    return Status::Error("must start with key.prefix " + Quote(key.prefix) +
                         ": the success and delete handlers only accept keys under it");
  }
  if (key_template.substr(key.prefix.size()).find(kUser) != std::string_view::npos) {
    return Status::Error(
        "{user} may only be part of key.prefix (which the template starts with): only there is "
        "the user checked to be one safe path segment");
  }
  return Status::Ok();
}

// The keys the template makes must pass the profile's key rules: with the longest possible user
// and each allowed extension (or none, when the template has no {ext}).
Status CheckKeyTemplateKeys(std::string_view key_template, const verify::KeyRules& key) {
  verify::Caller caller;
  caller.user = kLongestUser;
  std::vector<std::string> extensions;
  if (key_template.ends_with(kExt)) {
    for (const std::string& extension : key.extensions) extensions.push_back("." + extension);
  } else {
    extensions.emplace_back();
  }
  for (const std::string& extension : extensions) {
    const std::string sample = ExpandKeyTemplate(key_template, caller.user, kSampleUuid, extension);
    if (auto refusal = verify::CheckKey(sample, key, caller)) {
      // Shown with "{user}" for the 64 bytes it stood for.
      const std::string shown = ExpandKeyTemplate(key_template, kUser, kSampleUuid, extension);
      return Status::Error("makes keys such as " + Quote(shown) +
                           " that the profile's key rules refuse (" + refusal->rule +
                           (refusal->rule == "key.too-long" ? " with a user of 64 bytes" : "") +
                           "); make key.shapes, key.extensions, key.max_length and the template "
                           "agree");
    }
  }
  return Status::Ok();
}

void ReadKeyTemplate(const MapReader& map, const verify::UploadRules& rules, bool rules_ok,
                     ParamsSettings& params, Diagnostics& diag) {
  std::optional<Field> field = map.Require("key");
  if (!field) {
    return;
  }
  std::optional<std::string> text = ReadString(*field, diag);
  if (!text) {
    return;
  }
  if (!rules_ok) {
    return;  // the key rules have errors of their own; comparing with them would only add noise
  }
  Status status = CheckKeyTemplateSyntax(*text, rules.key);
  if (status.ok()) {
    status = CheckKeyTemplateKeys(*text, rules.key);
  }
  if (!status.ok()) {
    ValueError(*field, status.message(), diag);
    return;
  }
  params.key_template = std::move(*text);
}

// success_action_status or success_action_redirect (POST only, one of the two).
void ReadSuccessAction(const MapReader& map, ParamsSettings& params, Diagnostics& diag) {
  std::optional<Field> status = map.Get("success_action_status");
  std::optional<Field> redirect = map.Get("success_action_redirect");
  for (const std::optional<Field>& field : {status, redirect}) {
    if (field && params.method == ParamsSettings::Method::kPut) {
      diag.Error(
          field->KeyMark(),
          field->label + ": only a POST upload has it (this profile's params.method is put)");
      return;
    }
  }
  if (status && redirect) {
    const Field& later = status->KeyMark().pos > redirect->KeyMark().pos ? *status : *redirect;
    diag.Error(later.KeyMark(),
               map.scope().Describe() +
                   ": give either success_action_status or success_action_redirect, not both");
    return;
  }
  if (status) {
    if (std::optional<std::string> text = ReadString(*status, diag)) {
      constexpr std::array<std::string_view, 3> kStatuses = {"200", "201", "204"};
      if (std::find(kStatuses.begin(), kStatuses.end(), *text) == kStatuses.end()) {
        ValueError(*status,
                   "unknown success_action_status " + Quote(*text) + " " +
                       Alternatives(*text, kStatuses, "allowed"),
                   diag);
      } else {
        params.success_action_status = std::move(*text);
      }
    }
  }
  if (redirect) {
    std::optional<std::vector<Item>> items = ReadScalarList(*redirect, diag);
    if (!items) {
      return;
    }
    if (items->empty()) {
      ValueError(*redirect, "must not be empty (leave it out to answer with a status)", diag);
      return;
    }
    for (Item& item : *items) {
      if (Status check = CheckRedirectUrl(item.text); !check.ok()) {
        ItemError(*redirect, item, check.message(), diag);
      } else if (std::find(params.success_action_redirects.begin(),
                           params.success_action_redirects.end(),
                           item.text) == params.success_action_redirects.end()) {
        params.success_action_redirects.push_back(std::move(item.text));
      }
    }
  }
}

void ReadNameMetadata(const MapReader& map, const verify::UploadRules& rules,
                      ParamsSettings& params, Diagnostics& diag) {
  std::optional<Field> field = map.Get("name_metadata");
  if (!field) {
    return;
  }
  std::optional<std::string> text = ReadString(*field, diag);
  if (!text) {
    return;
  }
  if (text->empty()) {
    params.name_metadata.clear();
    return;
  }
  StatusOr<std::string> name = NormaliseMetadataName(*text);
  if (!name.ok()) {
    ValueError(*field, name.status().message(), diag);
    return;
  }
  // The name alone must leave room for a value within metadata.max_size.
  if (name->size() >= rules.max_metadata_bytes) {
    ValueError(*field,
               "the name alone fills metadata.max_size (" +
                   std::to_string(rules.max_metadata_bytes) + " bytes)",
               diag);
    return;
  }
  params.name_metadata = std::move(*name);
}

}  // namespace

void ReadParamsSettings(const MapReader& profile_map, const verify::UploadRules& rules,
                        bool rules_ok, std::optional<ParamsSettings>& params, Diagnostics& diag) {
  std::optional<Field> section = profile_map.Get("params");
  if (!section) {
    return;
  }
  const MapReader map =
      MapReader::Of(*section,
                    {"method", "key", "expires", "exact_size", "success_action_status",
                     "success_action_redirect", "name_metadata"},
                    diag);
  if (!map.valid()) {
    return;
  }
  ParamsSettings settings;
  if (std::optional<Field> field = map.Get("method")) {
    if (std::optional<std::string> text = ReadString(*field, diag)) {
      if (*text == "post") {
        settings.method = ParamsSettings::Method::kPost;
      } else if (*text == "put") {
        settings.method = ParamsSettings::Method::kPut;
      } else {
        constexpr std::array<std::string_view, 2> kMethods = {"post", "put"};
        ValueError(
            *field,
            "unknown method " + Quote(*text) + " " + Alternatives(*text, kMethods, "allowed"),
            diag);
      }
    }
  }
  ReadKeyTemplate(map, rules, rules_ok, settings, diag);
  if (std::optional<Field> field = map.Get("expires")) {
    if (auto value = ReadDuration(*field, 1s, kMaxExpires, diag)) {
      settings.expires = *value;
    }
  }
  if (std::optional<Field> field = map.Get("exact_size")) {
    if (auto value = ReadBool(*field, diag)) {
      settings.exact_size = *value;
    }
  }
  ReadSuccessAction(map, settings, diag);
  ReadNameMetadata(map, rules, settings, diag);
  params = std::move(settings);
}

}  // namespace internal
}  // namespace s3upload::config
