// Reading secret access keys from files, systemd credentials and the environment. No error message
// ever contains a secret's bytes.
#pragma once

#include <array>
#include <string>
#include <string_view>

#include "config/diagnostics.h"
#include "config/yaml_reader.h"
#include "s3upload/aws.h"
#include "s3upload/config.h"
#include "s3upload/secure.h"
#include "s3upload/status.h"

namespace s3upload::config::internal {

// Secret bytes in transit to aws::SecretKey or an authenticator, in secure memory
// (secure::SecureBuffer: out of core dumps, locked in RAM, wiped when released). Neither copyable
// nor movable.
class SecretBuffer {
 public:
  SecretBuffer() = default;
  SecretBuffer(const SecretBuffer&) = delete;
  SecretBuffer& operator=(const SecretBuffer&) = delete;
  ~SecretBuffer() = default;

  std::string_view view() const { return value_.view(); }
  std::size_t size() const { return value_.size(); }
  bool empty() const { return value_.empty(); }
  // Replaces the content with `text`, wiping `text` (which the caller gives up).
  void Assign(std::string& text);
  // Replaces the content with `size` zero bytes and returns them, to be read into.
  char* Allocate(std::size_t size);
  // Cuts the content to its first `size` bytes, wiping the rest.
  void Shrink(std::size_t size) { value_.Shrink(size); }
  void Wipe() { value_.Reset(); }
  aws::SecretKey ToSecretKey() const { return aws::SecretKey(secure::SecureBuffer(view())); }

 private:
  secure::SecureBuffer value_;
};

// Secrets larger than this are surely the wrong file.
inline constexpr std::size_t kMaxSecretFileBytes = std::size_t{64} * 1024;

// Reads a secret file. It must be a regular file that "others" can neither read nor write
// (st_mode & 0006); the message then names the file and the chmod that fixes it.
Status ReadSecretFile(const std::string& path, SecretBuffer& out);
// $CREDENTIALS_DIRECTORY/<name>, the way systemd's LoadCredential= hands secrets to a service.
Status ReadSystemdCredential(const std::string& name, const EnvironmentLookup& env,
                             SecretBuffer& out);
// The value of `variable`. When it comes from the process environment (`env` is
// ProcessEnvironment, or finds the same value there), it is then scrubbed from it in place
// (secure::ScrubEnvironmentSecret): /proc/<pid>/environ no longer shows it, and ProcessEnvironment
// serves it from secure memory at the next reload.
Status ReadSecretEnv(const std::string& variable, const EnvironmentLookup& env, SecretBuffer& out);

// Strips one trailing "\n" or "\r\n" (editors and `echo` add one), then refuses an empty secret
// or one with control characters left in it (a second newline would otherwise be signed with).
Status NormaliseSecret(SecretBuffer& secret);

// The keys that name where a configured secret comes from; a map gives exactly one of them.
inline constexpr std::array<std::string_view, 3> kSecretSourceKeys = {
    "secret_file", "secret_credential", "secret_env"};

// Reads the secret of `map` (a credential, a webhook) from its one source among
// kSecretSourceKeys: secret_file (a relative path is relative to `base_dir`), secret_credential
// (systemd) or secret_env, then NormaliseSecret. On any problem (no source, more than one, an
// unreadable or badly protected file, ...) it reports at the map or the source's value and returns
// false. Messages never contain the secret.
bool ReadConfiguredSecret(const MapReader& map, const std::string& base_dir,
                          const EnvironmentLookup& env, Diagnostics& diag, SecretBuffer& out);

}  // namespace s3upload::config::internal
