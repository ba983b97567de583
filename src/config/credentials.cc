// The `credentials` section: named key pairs, each secret read from exactly one source.
#include <utility>

#include "config/secrets.h"
#include "config/sections.h"
#include "config/validators.h"

namespace s3upload::config::internal {
namespace {

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

  SecretBuffer secret;
  if (!ReadConfiguredSecret(map, base_dir, env, diag, secret)) {
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
