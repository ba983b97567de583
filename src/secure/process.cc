// The process-wide part: core dumps off, and secrets taken out of the environment block.
#include <openssl/crypto.h>
#include <sys/prctl.h>

#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <string>

#include "s3upload/secure.h"

namespace s3upload::secure {
namespace {

// Secrets scrubbed from the environment, by variable name; wiped at exit like every SecureBuffer.
struct ScrubbedSecrets {
  std::mutex mutex;
  std::map<std::string, SecureBuffer, std::less<>> values;
};

ScrubbedSecrets& Scrubbed() {
  static ScrubbedSecrets scrubbed;
  return scrubbed;
}

}  // namespace

bool DisableCoreDumps() { return ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == 0; }

bool CoreDumpsEnabled() { return ::prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) > 0; }

bool ScrubEnvironmentSecret(std::string_view name, std::string_view value) {
  if (value.empty() || name.empty()) return false;
  ScrubbedSecrets& scrubbed = Scrubbed();
  std::lock_guard lock(scrubbed.mutex);
  const std::string variable(name);
  // getenv() points into the entry "NAME=value" itself: for the environment the process was
  // started with, that is the block the kernel shows in /proc/<pid>/environ.
  char* current = std::getenv(variable.c_str());
  if (current == nullptr) return false;
  const std::size_t length = std::strlen(current);
  if (std::string_view(current, length) != value) return false;
  SecureBuffer kept(value);
  scrubbed.values.insert_or_assign(variable, std::move(kept));
  OPENSSL_cleanse(current, length);  // zero bytes: the value reads as "" from here on
  return true;
}

std::optional<std::string> ScrubbedEnvironmentSecret(const std::string& name) {
  ScrubbedSecrets& scrubbed = Scrubbed();
  std::lock_guard lock(scrubbed.mutex);
  const auto found = scrubbed.values.find(name);
  if (found == scrubbed.values.end()) return std::nullopt;
  // Set again since (only a test does that): the new value counts, not the one we kept.
  const char* current = std::getenv(name.c_str());
  if (current == nullptr || *current != '\0') return std::nullopt;
  return std::string(found->second.view());
}

}  // namespace s3upload::secure
