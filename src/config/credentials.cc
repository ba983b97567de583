// The `credentials` section: named key pairs, each secret read from exactly one source.
#include <algorithm>
#include <array>
#include <filesystem>
#include <utility>

#include "config/secrets.h"
#include "config/sections.h"
#include "config/validators.h"

namespace s3upload::config::internal {
namespace {

constexpr std::array<std::string_view, 3> kSecretSources = {"secret_file", "secret_credential",
                                                            "secret_env"};

std::shared_ptr<const aws::Credentials> ReadCredential(const Field& entry,
                                                       const std::string& base_dir,
                                                       const EnvironmentLookup& env,
                                                       Diagnostics& diag) {
  const std::size_t errors_before = diag.count();
  const MapReader map =
      MapReader::Of(entry, {"access_key_id", "secret_file", "secret_credential", "secret_env"},
                    diag, Scope{"credential " + Quote(entry.key), ""});
  if (!map.valid()) {
    return nullptr;
  }

  std::optional<std::string> access_key_id;
  if (auto field = map.Require("access_key_id")) {
    access_key_id = ReadString(*field, diag);
    if (access_key_id) {
      if (Status status = CheckAccessKeyId(*access_key_id); !status.ok()) {
        ValueError(*field, status.message(), diag);
      }
    }
  }

  // In document order, so that the extra ones are reported against the first one given.
  std::vector<const Field*> sources;
  for (const Field& field : map.fields()) {
    if (std::find(kSecretSources.begin(), kSecretSources.end(), field.key) !=
        kSecretSources.end()) {
      sources.push_back(&field);
    }
  }
  if (sources.empty()) {
    diag.Error(map.mark(), map.scope().Describe() +
                               ": missing the secret: give one of secret_file, secret_credential "
                               "or secret_env");
    return nullptr;
  }
  for (std::size_t i = 1; i < sources.size(); ++i) {
    diag.Error(sources[i]->KeyMark(), map.scope().Describe() + ": give only one of secret_file, " +
                                          "secret_credential or secret_env (" + sources[0]->key +
                                          " is already given)");
  }
  if (sources.size() > 1) {
    return nullptr;
  }

  const Field& source = *sources.front();
  std::optional<std::string> reference = ReadString(source, diag);
  if (!reference) {
    return nullptr;
  }
  if (reference->empty()) {
    ValueError(source, "must not be empty", diag);
    return nullptr;
  }
  SecretBuffer secret;
  Status status = Status::Ok();
  if (source.key == "secret_file") {
    std::filesystem::path path(*reference);
    if (path.is_relative() && !base_dir.empty()) {
      path = std::filesystem::path(base_dir) / path;
    }
    status = ReadSecretFile(path.string(), secret);
  } else if (source.key == "secret_credential") {
    status = ReadSystemdCredential(*reference, env, secret);
  } else {
    status = ReadSecretEnv(*reference, env, secret);
  }
  if (status.ok()) {
    status = NormaliseSecret(secret);
  }
  if (!status.ok()) {
    ValueError(source, status.message(), diag);
    return nullptr;
  }
  if (!access_key_id || diag.count() != errors_before) {
    return nullptr;
  }
  return std::make_shared<const aws::Credentials>(*access_key_id, secret.ToSecretKey());
}

}  // namespace

std::string ListNames(const NameSet& names) {
  if (names.empty()) {
    return "none";
  }
  std::string out;
  for (const std::string& name : names) {
    if (!out.empty()) {
      out += ", ";
    }
    out += name;
  }
  return out;
}

CredentialTable ReadCredentialsSection(const std::optional<Field>& section,
                                       const std::string& base_dir, const EnvironmentLookup& env,
                                       Diagnostics& diag) {
  CredentialTable table;
  if (!section) {
    return table;
  }
  const MapReader map = MapReader::OpenOf(*section, diag, /*null_is_empty=*/true);
  for (const Field& entry : map.fields()) {
    // Declared even when misnamed: its references should not be reported as undefined too.
    table.declared.insert(entry.key);
    if (Status status = CheckName(entry.key); !status.ok()) {
      diag.Error(entry.KeyMark(), "credentials: " + status.message());
      continue;
    }
    if (auto credentials = ReadCredential(entry, base_dir, env, diag)) {
      table.built.emplace(entry.key, std::move(credentials));
    }
  }
  return table;
}

}  // namespace s3upload::config::internal
