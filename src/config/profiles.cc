// The `profiles` section: each profile becomes a Profile with its verify::UploadRules. Lists given
// in the file replace the defaults of UploadRules entirely (acls: [public-read] does not keep
// private).
#include <algorithm>
#include <array>
#include <functional>
#include <limits>
#include <utility>

#include "config/sections.h"
#include "config/validators.h"

namespace s3upload::config::internal {
namespace {

constexpr std::array<std::string_view, 24> kProfileKeys = {"credentials",
                                                           "bucket",
                                                           "region",
                                                           "endpoint",
                                                           "addressing",
                                                           "host",
                                                           "signature_versions",
                                                           "key",
                                                           "size",
                                                           "content_types",
                                                           "require_content_type",
                                                           "acls",
                                                           "max_policy_lifetime",
                                                           "max_clock_skew",
                                                           "success_action_status",
                                                           "success_action_redirect",
                                                           "metadata",
                                                           "storage_classes",
                                                           "server_side_encryption",
                                                           "object_headers",
                                                           "server_credentials",
                                                           "success",
                                                           "params",
                                                           "multipart"};
constexpr std::array<std::string_view, 2> kAddressings = {"virtual", "path"};

constexpr std::chrono::seconds kMaxWindow{7 * 24 * 3600};
constexpr std::uint64_t kMaxU64 = std::numeric_limits<std::uint64_t>::max();

using Normaliser = std::function<StatusOr<std::string>(std::string_view)>;

// Adapts a plain check into a Normaliser that keeps the text as written.
Normaliser Checked(Status (*check)(std::string_view)) {
  return [check](std::string_view text) -> StatusOr<std::string> {
    Status status = check(text);
    if (!status.ok()) {
      return status;
    }
    return std::string(text);
  };
}

Normaliser OneOf(std::string_view what, std::vector<std::string_view> allowed) {
  return [what, allowed = std::move(allowed)](std::string_view text) -> StatusOr<std::string> {
    if (std::find(allowed.begin(), allowed.end(), text) != allowed.end()) {
      return std::string(text);
    }
    return Status::Error("unknown " + std::string(what) + " " + Quote(text) + " " +
                         Alternatives(text, allowed, "allowed"));
  };
}

// Reads a list of scalars, each normalised; duplicates are dropped (they change nothing). `out`
// is replaced only when every item is valid.
bool ReadList(const Field& field, bool allow_empty, const Normaliser& normalise,
              std::vector<std::string>& out, Diagnostics& diag) {
  std::optional<std::vector<Item>> items = ReadScalarList(field, diag);
  if (!items) {
    return false;
  }
  if (items->empty() && !allow_empty) {
    ValueError(field, "must not be empty", diag);
    return false;
  }
  std::vector<std::string> result;
  bool ok = true;
  for (const Item& item : *items) {
    StatusOr<std::string> value = normalise(item.text);
    if (!value.ok()) {
      ItemError(field, item, value.status().message(), diag);
      ok = false;
      continue;
    }
    if (std::find(result.begin(), result.end(), *value) == result.end()) {
      result.push_back(std::move(*value));
    }
  }
  if (ok) {
    out = std::move(result);
  }
  return ok;
}

std::string DefinedHint(std::string_view word, const NameSet& names) {
  if (names.empty()) {
    return "(none are defined)";
  }
  std::vector<std::string_view> candidates(names.begin(), names.end());
  return Alternatives(word, candidates, "defined");
}

// The key pair a field names (from the `credentials` section). Null after reporting an undefined
// name, and also for a defined but broken key pair, which has its own errors already.
std::shared_ptr<const aws::Credentials> LookUpCredentials(const Field& field,
                                                          const CredentialTable& credentials,
                                                          Diagnostics& diag) {
  std::optional<std::string> name = ReadString(field, diag);
  if (!name) {
    return nullptr;
  }
  if (!credentials.declared.contains(*name)) {
    ValueError(
        field,
        "no credentials named " + Quote(*name) + " " + DefinedHint(*name, credentials.declared),
        diag);
    return nullptr;
  }
  auto built = credentials.built.find(*name);
  if (built == credentials.built.end()) {
    return nullptr;
  }
  return built->second;
}

// credentials: the key pair that signs for the profile. server_credentials: the one for the
// responder's own S3 calls, by default the same. False when either is unusable.
bool ReadProfileCredentials(const MapReader& map, const CredentialTable& credentials,
                            Profile& profile, Diagnostics& diag) {
  bool ok = false;
  if (std::optional<Field> field = map.Require("credentials")) {
    if (auto signing = LookUpCredentials(*field, credentials, diag)) {
      profile.signing_credentials = signing;
      profile.rules.access_key_id = signing->access_key_id();
      ok = true;
    }
  }
  if (std::optional<Field> field = map.Get("server_credentials")) {
    profile.server_credentials = LookUpCredentials(*field, credentials, diag);
    ok = ok && profile.server_credentials != nullptr;
  } else {
    profile.server_credentials = profile.signing_credentials;
  }
  return ok;
}

// bucket, region, addressing, endpoint and host, which depend on each other.
void ReadLocation(const MapReader& map, Profile& profile, Diagnostics& diag) {
  verify::UploadRules& rules = profile.rules;

  bool addressing_known = true;
  std::optional<Field> addressing_field = map.Get("addressing");
  if (addressing_field) {
    std::optional<std::string> text = ReadString(*addressing_field, diag);
    if (text && *text == "virtual") {
      rules.addressing = verify::Addressing::kVirtualHosted;
    } else if (text && *text == "path") {
      rules.addressing = verify::Addressing::kPathStyle;
    } else {
      addressing_known = false;
      if (text) {
        ValueError(*addressing_field,
                   "unknown addressing " + Quote(*text) + " " +
                       Alternatives(*text, kAddressings, "allowed"),
                   diag);
      }
    }
  }

  std::optional<std::string> bucket;
  if (std::optional<Field> field = map.Require("bucket")) {
    bucket = ReadString(*field, diag);
    // With an unusable addressing value, check only what any addressing requires.
    const auto addressing = addressing_known ? rules.addressing : verify::Addressing::kPathStyle;
    if (bucket) {
      if (Status status = CheckBucket(*bucket, addressing); !status.ok()) {
        ValueError(*field, status.message(), diag);
        bucket.reset();
      } else {
        rules.bucket = *bucket;
      }
    }
  }

  std::optional<std::string> region;
  if (std::optional<Field> field = map.Require("region")) {
    region = ReadString(*field, diag);
    if (region) {
      if (Status status = CheckRegion(*region); !status.ok()) {
        ValueError(*field, status.message(), diag);
        region.reset();
      } else {
        rules.region = *region;
      }
    }
  }

  std::optional<Endpoint> endpoint;
  std::optional<Field> endpoint_field = map.Get("endpoint");
  if (endpoint_field) {
    if (std::optional<std::string> text = ReadString(*endpoint_field, diag)) {
      StatusOr<Endpoint> parsed = ParseEndpoint(*text);
      if (parsed.ok()) {
        endpoint = std::move(*parsed);
      } else {
        ValueError(*endpoint_field, parsed.status().message(), diag);
      }
    }
  } else if (region) {
    StatusOr<Endpoint> parsed = ParseEndpoint("https://s3." + *region + ".amazonaws.com");
    if (parsed.ok()) {
      endpoint = std::move(*parsed);
    } else {
      diag.Error(map.mark(), map.scope().Describe() + ": region " + Quote(*region) +
                                 " does not make a valid default endpoint; set endpoint");
    }
  }
  if (endpoint) {
    profile.endpoint = endpoint->Url();
  }

  if (std::optional<Field> field = map.Get("host")) {
    if (std::optional<std::string> text = ReadString(*field, diag)) {
      StatusOr<std::string> host = NormaliseHostHeader(*text);
      if (host.ok()) {
        rules.host = std::move(*host);
      } else {
        ValueError(*field, host.status().message(), diag);
      }
    }
  } else if (endpoint && bucket && addressing_known) {
    if (rules.addressing == verify::Addressing::kPathStyle) {
      rules.host = endpoint->Authority();
    } else if (endpoint->host_is_ip) {
      const std::string message =
          "virtual-hosted addressing puts the bucket in the host name, which is impossible with "
          "the IP address " +
          endpoint->host + " in endpoint; use addressing: path, or set host";
      if (endpoint_field) {
        ValueError(*endpoint_field, message, diag);
      } else {
        diag.Error(map.mark(), map.scope().Describe() + ": " + message);
      }
    } else {
      rules.host = *bucket + "." + endpoint->Authority();
    }
  }
}

void ReadSignatureVersions(const MapReader& map, verify::UploadRules& rules, Diagnostics& diag) {
  std::optional<Field> field = map.Get("signature_versions");
  if (!field) {
    return;
  }
  std::vector<std::string> versions;
  if (!ReadList(*field, /*allow_empty=*/false, OneOf("signature version", {"v2", "v4"}), versions,
                diag)) {
    return;
  }
  rules.allow_v2 = std::find(versions.begin(), versions.end(), "v2") != versions.end();
  rules.allow_v4 = std::find(versions.begin(), versions.end(), "v4") != versions.end();
}

void ReadKeyRules(const MapReader& profile_map, verify::KeyRules& key, Diagnostics& diag) {
  std::optional<Field> section = profile_map.Get("key");
  if (!section) {
    return;
  }
  const MapReader map =
      MapReader::Of(*section, {"prefix", "shapes", "extensions", "max_length"}, diag);
  if (!map.valid()) {
    return;
  }

  std::optional<Field> prefix_field = map.Get("prefix");
  bool prefix_ok = false;
  if (prefix_field) {
    if (std::optional<std::string> prefix = ReadString(*prefix_field, diag)) {
      if (Status status = CheckKeyPrefix(*prefix); !status.ok()) {
        ValueError(*prefix_field, status.message(), diag);
      } else {
        key.prefix = std::move(*prefix);
        prefix_ok = true;
      }
    }
  }

  if (std::optional<Field> field = map.Get("shapes")) {
    std::vector<std::string> shapes;
    if (ReadList(*field, /*allow_empty=*/false, OneOf("key shape", {"uuid.ext", "uuid", "any"}),
                 shapes, diag)) {
      key.shapes.clear();
      for (const std::string& shape : shapes) {
        key.shapes.push_back(shape == "uuid.ext" ? verify::KeyRules::Shape::kUuidWithExtension
                             : shape == "uuid"   ? verify::KeyRules::Shape::kUuid
                                                 : verify::KeyRules::Shape::kAnyName);
      }
    }
  }

  if (std::optional<Field> field = map.Get("extensions")) {
    ReadList(*field, /*allow_empty=*/true, NormaliseExtension, key.extensions, diag);
  }

  bool max_length_ok = true;
  if (std::optional<Field> field = map.Get("max_length")) {
    std::optional<std::uint64_t> value = ReadUnsigned(*field, 1, verify::kMaxKeyBytes, diag);
    if (value) {
      key.max_length = static_cast<std::size_t>(*value);
    } else {
      max_length_ok = false;
    }
  }

  if (prefix_ok && max_length_ok) {
    // {user} expands to at least one byte; everything else is literal.
    std::size_t literal = key.prefix.size();
    for (std::size_t at = key.prefix.find("{user}"); at != std::string::npos;
         at = key.prefix.find("{user}", at + 6)) {
      literal -= 5;
    }
    if (literal >= key.max_length) {
      ValueError(*prefix_field,
                 "the prefix is " + std::to_string(literal) +
                     " bytes or more, which leaves no room for a name within max_length " +
                     std::to_string(key.max_length),
                 diag);
    }
  }
}

void ReadSizeRange(const MapReader& profile_map, verify::UploadRules& rules, Diagnostics& diag) {
  std::optional<Field> section = profile_map.Require("size");
  if (!section) {
    return;
  }
  const MapReader map = MapReader::Of(*section, {"min", "max"}, diag);
  if (!map.valid()) {
    return;
  }
  std::optional<std::uint64_t> max;
  if (std::optional<Field> field = map.Require("max")) {
    max = ReadSize(*field, 1, kMaxU64, diag);
    if (max) {
      rules.max_size = *max;
    }
  }
  if (std::optional<Field> field = map.Get("min")) {
    std::optional<std::uint64_t> min = ReadSize(*field, 0, kMaxU64, diag);
    if (min && max && *min > *max) {
      ValueError(*field,
                 "min (" + std::to_string(*min) + " bytes) is larger than max (" +
                     std::to_string(*max) + " bytes)",
                 diag);
    } else if (min) {
      rules.min_size = *min;
    }
  }
}

void ReadMetadata(const MapReader& profile_map, verify::UploadRules& rules, Diagnostics& diag) {
  std::optional<Field> section = profile_map.Get("metadata");
  if (!section) {
    return;
  }
  const MapReader map = MapReader::Of(*section, {"names", "max_size"}, diag);
  if (!map.valid()) {
    return;
  }
  if (std::optional<Field> field = map.Get("names")) {
    ReadList(*field, /*allow_empty=*/true, NormaliseMetadataName, rules.metadata_names, diag);
  }
  if (std::optional<Field> field = map.Get("max_size")) {
    // S3 refuses more than 2 KiB of user metadata: a larger budget could only fail there.
    if (auto value = ReadSize(*field, 0, verify::kMaxMetadataBytes, diag)) {
      rules.max_metadata_bytes = static_cast<std::size_t>(*value);
    }
  }
}

void ReadObjectHeaders(const MapReader& profile_map, verify::UploadRules& rules,
                       Diagnostics& diag) {
  std::optional<Field> section = profile_map.Get("object_headers");
  if (!section) {
    return;
  }
  const MapReader map = MapReader::OpenOf(*section, diag);
  for (const Field& field : map.fields()) {
    StatusOr<std::string> name = CanonicalObjectHeader(field.key);
    if (!name.ok()) {
      diag.Error(field.KeyMark(), field.label + ": " + name.status().message());
      continue;
    }
    // Header names are case-insensitive, so "cache-control" repeats "Cache-Control".
    if (rules.object_headers.contains(*name)) {
      diag.Error(field.KeyMark(), field.label + ": " + *name + " is listed twice");
      continue;
    }
    std::vector<std::string> values;
    if (ReadList(field, /*allow_empty=*/true, Checked(CheckHeaderValue), values, diag)) {
      rules.object_headers.emplace(std::move(*name), std::move(values));
    }
  }
}

std::optional<Profile> ReadProfile(const Field& entry, const CredentialTable& credentials,
                                   const std::string& base_dir, const EnvironmentLookup& env,
                                   Diagnostics& diag) {
  const std::size_t errors_before = diag.count();
  const MapReader map = MapReader::Of(entry, {kProfileKeys.begin(), kProfileKeys.end()}, diag,
                                      Scope{"profile " + Quote(entry.key), ""});
  if (!map.valid()) {
    return std::nullopt;
  }

  Profile profile;
  profile.name = entry.key;
  verify::UploadRules& rules = profile.rules;
  rules.profile = entry.key;

  const bool credentials_ok = ReadProfileCredentials(map, credentials, profile, diag);
  ReadLocation(map, profile, diag);
  ReadSignatureVersions(map, rules, diag);
  ReadKeyRules(map, rules.key, diag);
  ReadSizeRange(map, rules, diag);

  if (std::optional<Field> field = map.Require("content_types")) {
    ReadList(*field, /*allow_empty=*/false, NormaliseContentType, rules.content_types, diag);
  }
  if (std::optional<Field> field = map.Get("require_content_type")) {
    if (auto value = ReadBool(*field, diag)) {
      rules.require_content_type = *value;
    }
  }
  if (std::optional<Field> field = map.Get("acls")) {
    ReadList(*field, /*allow_empty=*/true, Checked(CheckCannedAcl), rules.acls, diag);
  }
  if (std::optional<Field> field = map.Get("max_policy_lifetime")) {
    if (auto value = ReadDuration(*field, std::chrono::seconds{1}, kMaxWindow, diag)) {
      rules.max_policy_lifetime = *value;
    }
  }
  if (std::optional<Field> field = map.Get("max_clock_skew")) {
    if (auto value = ReadDuration(*field, std::chrono::seconds{1}, kMaxWindow, diag)) {
      rules.max_clock_skew = *value;
    }
  }
  if (std::optional<Field> field = map.Get("success_action_status")) {
    // 200 and "200" read the same: scalars are text.
    ReadList(*field, /*allow_empty=*/true, OneOf("success_action_status", {"200", "201", "204"}),
             rules.success_action_statuses, diag);
  }
  if (std::optional<Field> field = map.Get("success_action_redirect")) {
    ReadList(*field, /*allow_empty=*/true, Checked(CheckRedirectUrl),
             rules.success_action_redirects, diag);
  }
  ReadMetadata(map, rules, diag);
  if (std::optional<Field> field = map.Get("storage_classes")) {
    ReadList(*field, /*allow_empty=*/true, Checked(CheckStorageClass), rules.storage_classes, diag);
  }
  if (std::optional<Field> field = map.Get("server_side_encryption")) {
    ReadList(*field, /*allow_empty=*/true, Checked(CheckServerSideEncryption),
             rules.server_side_encryption, diag);
  }
  ReadObjectHeaders(map, rules, diag);
  ReadSuccessSettings(map, base_dir, env, profile.success, diag);
  // Last: the key template is checked against the key rules and metadata read above.
  ReadParamsSettings(map, rules, /*rules_ok=*/diag.count() == errors_before, profile.params, diag);
  ReadMultipartSettings(map, base_dir, env, profile.multipart, diag);

  if (!credentials_ok || diag.count() != errors_before) {
    return std::nullopt;
  }
  return profile;
}

}  // namespace

NameSet ReadProfilesSection(const std::optional<Field>& section, const CredentialTable& credentials,
                            const std::string& base_dir, const EnvironmentLookup& env,
                            Diagnostics& diag, ProfileMap& profiles) {
  NameSet declared;
  if (!section) {
    return declared;
  }
  const MapReader map = MapReader::OpenOf(*section, diag, /*null_is_empty=*/true);
  for (const Field& entry : map.fields()) {
    // Declared even when misnamed: routes naming it should not get a second error.
    declared.insert(entry.key);
    if (Status status = CheckName(entry.key); !status.ok()) {
      diag.Error(entry.KeyMark(), "profiles: " + status.message());
      continue;
    }
    if (std::optional<Profile> profile = ReadProfile(entry, credentials, base_dir, env, diag)) {
      profiles.emplace(entry.key, std::move(*profile));
    }
  }
  return declared;
}

}  // namespace s3upload::config::internal
