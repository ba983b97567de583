// The `authenticators` section: named bearer-token (JWT) checkers that routes refer to by `auth`.
#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <utility>

#include "config/secrets.h"
#include "config/sections.h"
#include "config/validators.h"

namespace s3upload::config::internal {
namespace {

using namespace std::chrono_literals;

constexpr std::array<std::string_view, 1> kTypes = {"jwt"};
constexpr std::array<std::string_view, 2> kAlgorithms = {"HS256", "ES256"};
// A PEM public key is a few hundred bytes; anything this large is the wrong file.
constexpr std::size_t kMaxPublicKeyFileBytes = std::size_t{64} * 1024;

std::string Resolve(const std::string& path, const std::string& base_dir) {
  if (path.empty() || path.front() == '/' || base_dir.empty()) {
    return path;
  }
  return base_dir + "/" + path;
}

// A public key is no secret: no permission check, only a size limit.
StatusOr<std::string> ReadPublicKeyFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Status::Error("cannot read " + Quote(path) + ": " + std::strerror(errno));
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    return Status::Error("cannot read " + Quote(path));
  }
  std::string pem = std::move(text).str();
  if (pem.size() > kMaxPublicKeyFileBytes) {
    return Status::Error(Quote(path) + " is larger than 64 KiB; not a PEM public key");
  }
  return pem;
}

// audience: one string or a non-empty list of strings.
std::optional<std::vector<std::string>> ReadAudiences(const Field& field, Diagnostics& diag) {
  std::vector<std::string> audiences;
  if (field.value.IsSequence()) {
    std::optional<std::vector<Item>> items = ReadScalarList(field, diag);
    if (!items) {
      return std::nullopt;
    }
    for (Item& item : *items) {
      audiences.push_back(std::move(item.text));
    }
  } else if (std::optional<std::string> text = ReadString(field, diag)) {
    audiences.push_back(std::move(*text));
  } else {
    return std::nullopt;
  }
  if (audiences.empty()) {
    ValueError(field, "must name at least one audience (the \"aud\" the application mints)", diag);
    return std::nullopt;
  }
  for (const std::string& audience : audiences) {
    if (audience.empty()) {
      ValueError(field, "an audience must not be empty", diag);
      return std::nullopt;
    }
  }
  return audiences;
}

std::optional<auth::TokenVerifier> ReadAuthenticator(const Field& entry,
                                                     const std::string& base_dir,
                                                     const EnvironmentLookup& env,
                                                     Diagnostics& diag) {
  const std::size_t errors_before = diag.count();
  const MapReader map =
      MapReader::Of(entry,
                    {"type", "algorithm", "secret_file", "secret_credential", "secret_env",
                     "public_key_file", "audience", "issuer", "leeway", "max_lifetime"},
                    diag, Scope{"authenticator " + Quote(entry.key), ""});
  if (!map.valid()) {
    return std::nullopt;
  }
  if (std::optional<Field> field = map.Require("type")) {
    if (std::optional<std::string> type = ReadString(*field, diag)) {
      if (*type != "jwt") {
        ValueError(*field,
                   "unknown type " + Quote(*type) + " " + Alternatives(*type, kTypes, "allowed"),
                   diag);
      }
    }
  }
  std::optional<auth::Algorithm> algorithm;
  std::optional<Field> algorithm_field = map.Require("algorithm");
  if (algorithm_field) {
    if (std::optional<std::string> text = ReadString(*algorithm_field, diag)) {
      if (*text == "HS256") {
        algorithm = auth::Algorithm::kHs256;
      } else if (*text == "ES256") {
        algorithm = auth::Algorithm::kEs256;
      } else {
        ValueError(*algorithm_field,
                   "unknown algorithm " + Quote(*text) + " " +
                       Alternatives(*text, kAlgorithms, "allowed") +
                       " (\"none\" and the others are never accepted)",
                   diag);
      }
    }
  }

  auth::TokenRules rules;
  if (std::optional<Field> field = map.Require("audience")) {
    if (auto audiences = ReadAudiences(*field, diag)) {
      rules.audiences = std::move(*audiences);
    }
  }
  if (std::optional<Field> field = map.Get("issuer")) {
    if (std::optional<std::string> issuer = ReadString(*field, diag)) {
      if (issuer->empty()) {
        ValueError(*field, "must not be empty (leave it out to accept any issuer)", diag);
      } else {
        rules.issuer = std::move(*issuer);
      }
    }
  }
  if (std::optional<Field> field = map.Get("leeway")) {
    if (auto value = ReadDuration(*field, 0s, 1h, diag)) {
      rules.leeway = *value;
    }
  }
  if (std::optional<Field> field = map.Get("max_lifetime")) {
    if (auto value = ReadDuration(*field, 1s, 24h, diag)) {
      rules.max_lifetime = *value;
    }
  }

  // The key: a shared secret for HS256, a public key for ES256; the wrong kind is an error, since
  // it means the operator and the application disagree on the algorithm.
  const bool has_secret =
      map.Get("secret_file") || map.Get("secret_credential") || map.Get("secret_env");
  const std::optional<Field> public_key_field = map.Get("public_key_file");
  SecretBuffer secret;
  std::string public_key_pem;
  bool key_ok = false;
  if (algorithm == auth::Algorithm::kHs256) {
    if (public_key_field) {
      diag.Error(public_key_field->KeyMark(),
                 map.scope().Describe() +
                     ": public_key_file is for ES256; HS256 takes secret_file, "
                     "secret_credential or secret_env");
    } else {
      key_ok = ReadConfiguredSecret(map, base_dir, env, diag, secret);
      if (key_ok && secret.size() < auth::kMinHs256SecretSize) {
        diag.Error(map.mark(), map.scope().Describe() + ": the HS256 secret has " +
                                   std::to_string(secret.size()) +
                                   " bytes; at least 32 are needed (make one with: openssl "
                                   "rand -hex 32)");
        key_ok = false;
      }
    }
  } else if (algorithm == auth::Algorithm::kEs256) {
    if (has_secret) {
      diag.Error(map.mark(), map.scope().Describe() +
                                 ": ES256 checks tokens with a public key (public_key_file), "
                                 "not a secret");
    } else if (!public_key_field) {
      map.Require("public_key_file");
    } else if (std::optional<std::string> path = ReadString(*public_key_field, diag)) {
      StatusOr<std::string> pem = ReadPublicKeyFile(Resolve(*path, base_dir));
      if (!pem.ok()) {
        ValueError(*public_key_field, pem.status().message(), diag);
      } else {
        public_key_pem = std::move(*pem);
        key_ok = true;
      }
    }
  }
  if (!key_ok || diag.count() != errors_before) {
    return std::nullopt;
  }

  StatusOr<auth::TokenVerifier> verifier =
      *algorithm == auth::Algorithm::kHs256
          ? auth::TokenVerifier::Hs256(std::string(secret.view()), std::move(rules))
          : auth::TokenVerifier::Es256FromPem(public_key_pem, std::move(rules));
  if (!verifier.ok()) {
    const YAML::Mark mark = public_key_field ? public_key_field->ValueMark() : map.mark();
    diag.Error(mark, map.scope().Describe() + ": " + verifier.status().message());
    return std::nullopt;
  }
  return std::move(*verifier);
}

}  // namespace

NameSet ReadAuthenticatorsSection(const std::optional<Field>& section, const std::string& base_dir,
                                  const EnvironmentLookup& env, Diagnostics& diag,
                                  AuthenticatorMap& authenticators) {
  NameSet declared;
  if (!section) {
    return declared;
  }
  const MapReader map = MapReader::OpenOf(*section, diag, /*null_is_empty=*/true);
  for (const Field& entry : map.fields()) {
    declared.insert(entry.key);
    if (Status status = CheckName(entry.key); !status.ok()) {
      diag.Error(entry.KeyMark(), "authenticators: " + status.message());
      continue;
    }
    if (entry.key == "none" || entry.key == "remote_user") {
      diag.Error(entry.KeyMark(),
                 "authenticators: " + Quote(entry.key) +
                     " is a built-in value of a route's auth; choose another name");
      continue;
    }
    if (auto verifier = ReadAuthenticator(entry, base_dir, env, diag)) {
      authenticators.emplace(entry.key, std::move(*verifier));
    }
  }
  return declared;
}

}  // namespace s3upload::config::internal
