// LoadFile / LoadString: parse the YAML, read the sections, and hand out a Snapshot only when no
// error at all was found.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <exception>
#include <filesystem>
#include <optional>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "config/diagnostics.h"
#include "config/sections.h"
#include "config/yaml_reader.h"

namespace s3upload::config {
namespace {

using internal::Diagnostics;

// A configuration file larger than this is not one.
constexpr std::size_t kMaxConfigBytes = std::size_t{16} * 1024 * 1024;

LoadResult Fail(Diagnostics& diag) { return LoadResult{nullptr, diag.TakeSorted()}; }

LoadResult Build(std::string_view yaml, const std::string& file_name, const std::string& base_dir,
                 const EnvironmentLookup& env, Diagnostics& diag) {
  std::vector<YAML::Node> documents;
  try {
    documents = YAML::LoadAll(std::string(yaml));
  } catch (const YAML::ParserException& e) {
    diag.Error(e.mark, "YAML syntax error: " + e.msg);
    return Fail(diag);
  }
  if (documents.size() > 1) {
    diag.Error(documents[1].Mark(),
               "only one YAML document is allowed; this \"---\" starts a second one");
  }
  const YAML::Node root = documents.empty() ? YAML::Node() : documents.front();
  const internal::MapReader top = internal::MapReader::Closed(
      root, internal::Scope{}, {"server", "s3", "credentials", "profiles", "authenticators", "routes"}, diag,
      /*null_is_empty=*/true);

  // Built in place: routes point into `profiles`, and Snapshot can be neither copied nor moved.
  auto snapshot = std::make_shared<Snapshot>();
  snapshot->source_path = file_name;
  snapshot->server = internal::ReadServerSection(top.Get("server"), diag);
  snapshot->s3 = internal::ReadS3Section(top.Get("s3"), diag);
  const internal::CredentialTable credentials =
      internal::ReadCredentialsSection(top.Get("credentials"), base_dir, env, diag);
  const internal::NameSet declared_profiles = internal::ReadProfilesSection(
      top.Get("profiles"), credentials, base_dir, env, diag, snapshot->profiles);
  const internal::NameSet declared_authenticators = internal::ReadAuthenticatorsSection(
      top.Get("authenticators"), base_dir, env, diag, snapshot->authenticators);
  snapshot->routes = internal::ReadRoutesSection(
      top.Get("routes"),
      {snapshot->profiles, declared_profiles, snapshot->authenticators, declared_authenticators},
      diag);
  if (!diag.empty()) {
    return Fail(diag);
  }
  return LoadResult{std::move(snapshot), {}};
}

// Reads the whole file; nullopt after recording why it could not.
std::optional<std::string> ReadConfigFile(const std::string& path, Diagnostics& diag) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    const int error = errno;
    diag.FileError("cannot open " + path + ": " + std::generic_category().message(error));
    return std::nullopt;
  }
  std::string text;
  std::vector<char> buffer(std::size_t{64} * 1024);
  int error = 0;
  while (text.size() <= kMaxConfigBytes) {
    const ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      error = errno;
      break;
    }
    if (n == 0) {
      break;
    }
    text.append(buffer.data(), static_cast<std::size_t>(n));
  }
  ::close(fd);
  if (error != 0) {
    diag.FileError("cannot read " + path + ": " + std::generic_category().message(error));
    return std::nullopt;
  }
  if (text.size() > kMaxConfigBytes) {
    diag.FileError("larger than " + std::to_string(kMaxConfigBytes / (std::size_t{1024} * 1024)) +
                   " MiB: not a configuration file");
    return std::nullopt;
  }
  return text;
}

}  // namespace

LoadResult LoadString(std::string_view yaml, const std::string& file_name,
                      const std::string& base_dir, const EnvironmentLookup& env) {
  Diagnostics diag(file_name);
  // yaml-cpp reports through exceptions, and allocation can fail: nothing may escape the module.
  try {
    return Build(yaml, file_name, base_dir, env, diag);
  } catch (const std::exception& e) {
    diag.FileError(std::string("unexpected error while reading the configuration: ") + e.what());
  } catch (...) {
    diag.FileError("unexpected error while reading the configuration");
  }
  return Fail(diag);
}

LoadResult LoadFile(const std::string& path, const EnvironmentLookup& env) {
  Diagnostics diag(path);
  try {
    std::optional<std::string> text = ReadConfigFile(path, diag);
    if (!text) {
      return Fail(diag);
    }
    // Relative secret files are relative to the configuration file, wherever the process runs
    // from, and stay so across a reload after a chdir.
    std::error_code ignored;
    std::filesystem::path absolute = std::filesystem::absolute(path, ignored);
    if (absolute.empty()) {
      absolute = path;
    }
    return LoadString(*text, path, absolute.parent_path().string(), env);
  } catch (const std::exception& e) {
    diag.FileError(std::string("unexpected error while reading the configuration: ") + e.what());
  }
  return Fail(diag);
}

}  // namespace s3upload::config
