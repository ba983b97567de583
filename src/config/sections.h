// The readers of the six top-level sections, called in order by the loader. Each reads everything
// it can, records every problem in Diagnostics and returns only what was read without error.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "config/diagnostics.h"
#include "config/yaml_reader.h"
#include "s3upload/auth.h"
#include "s3upload/aws.h"
#include "s3upload/config.h"

namespace s3upload::config::internal {

using NameSet = std::set<std::string, std::less<>>;
using ProfileMap = std::map<std::string, Profile, std::less<>>;

struct CredentialTable {
  // Every name defined, also those with errors, so that a reference to a broken credential is not
  // reported a second time as a reference to an undefined one.
  NameSet declared;
  std::map<std::string, std::shared_ptr<const aws::Credentials>, std::less<>> built;
};

// `section` is the top-level field, absent when the file has none.
ServerSettings ReadServerSection(const std::optional<Field>& section, Diagnostics& diag);

S3Settings ReadS3Section(const std::optional<Field>& section, Diagnostics& diag);

// `base_dir` resolves relative secret_file paths.
CredentialTable ReadCredentialsSection(const std::optional<Field>& section,
                                       const std::string& base_dir, const EnvironmentLookup& env,
                                       Diagnostics& diag);

// Fills `profiles` with the profiles that have no error and returns the names of all profiles
// defined (for the routes' references). `base_dir` and `env` are for webhook secrets.
NameSet ReadProfilesSection(const std::optional<Field>& section, const CredentialTable& credentials,
                            const std::string& base_dir, const EnvironmentLookup& env,
                            Diagnostics& diag, ProfileMap& profiles);

// The `success` map of a profile (absent: the defaults). Problems are only reported; the caller
// knows from the error count whether `success` is usable.
void ReadSuccessSettings(const MapReader& profile_map, const std::string& base_dir,
                         const EnvironmentLookup& env, SuccessSettings& success, Diagnostics& diag);

// The `params` map of a profile (absent: none), read after its key rules and metadata, which the
// key template is checked against (unless `rules_ok` is false: they had errors of their own).
// Problems are only reported; the caller knows from the error count whether `params` is usable.
void ReadParamsSettings(const MapReader& profile_map, const verify::UploadRules& rules,
                        bool rules_ok, std::optional<ParamsSettings>& params, Diagnostics& diag);

// The `multipart` map of a profile (absent: none). `base_dir` and `env` are for its token secret.
// Problems are only reported; the caller knows from the error count whether it is usable.
void ReadMultipartSettings(const MapReader& profile_map, const std::string& base_dir,
                           const EnvironmentLookup& env,
                           std::optional<MultipartSettings>& multipart, Diagnostics& diag);

using AuthenticatorMap = std::map<std::string, auth::TokenVerifier, std::less<>>;

// Fills `authenticators` with the ones that have no error and returns the names of all defined.
// `base_dir` resolves relative secret_file and public_key_file paths.
NameSet ReadAuthenticatorsSection(const std::optional<Field>& section, const std::string& base_dir,
                                  const EnvironmentLookup& env, Diagnostics& diag,
                                  AuthenticatorMap& authenticators);

// Routes refer into `profiles` and `authenticators`, which must not change afterwards.
struct RouteReferences {
  const ProfileMap& profiles;
  const NameSet& declared_profiles;
  const AuthenticatorMap& authenticators;
  const NameSet& declared_authenticators;
};
std::vector<Route> ReadRoutesSection(const std::optional<Field>& section,
                                     const RouteReferences& references, Diagnostics& diag);

// "a, b, c" of the names, or "none" when there are none: for "defined: ..." hints.
std::string ListNames(const NameSet& names);

}  // namespace s3upload::config::internal
