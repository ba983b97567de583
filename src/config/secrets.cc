// Secret sources. Files are opened once and checked through the open descriptor (fstat), so the
// mode we check is the mode of the file we read.
#include "config/secrets.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <vector>

#include "config/yaml_reader.h"

namespace s3upload::config {

std::optional<std::string> ProcessEnvironment(const std::string& name) {
  // A secret_env variable read before: its bytes in the environment are zero now.
  if (std::optional<std::string> scrubbed = secure::ScrubbedEnvironmentSecret(name)) {
    return scrubbed;
  }
  const char* value = std::getenv(name.c_str());
  if (value == nullptr) {
    return std::nullopt;
  }
  return std::string(value);
}

namespace internal {
namespace {

std::string ErrnoText(int error) { return std::generic_category().message(error); }

class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  ~FileDescriptor() {
    if (fd_ >= 0) {
      ::close(fd_);
    }
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

std::string OctalMode(mode_t mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
}

bool IsEnvironmentName(std::string_view name) {
  if (name.empty() || (name[0] >= '0' && name[0] <= '9')) {
    return false;
  }
  for (char c : name) {
    const bool ok =
        (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) {
      return false;
    }
  }
  return true;
}

}  // namespace

void SecretBuffer::Assign(std::string& text) {
  value_ = secure::SecureBuffer(std::string_view(text));
  // Overwrite the caller's copy, including any capacity beyond its size.
  text.resize(text.capacity());
  explicit_bzero(text.data(), text.size());
  text.clear();
}

char* SecretBuffer::Allocate(std::size_t size) {
  value_ = secure::SecureBuffer(size);
  return value_.data();
}

Status ReadSecretFile(const std::string& path, SecretBuffer& out) {
  // O_NONBLOCK: a FIFO put in place of the file must not hang start-up; it is refused below.
  FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  if (fd.get() < 0) {
    const int error = errno;
    return Status::Error("cannot open secret file " + Quote(path) + ": " + ErrnoText(error));
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) {
    const int error = errno;
    return Status::Error("cannot stat secret file " + Quote(path) + ": " + ErrnoText(error));
  }
  if (!S_ISREG(st.st_mode)) {
    return Status::Error("secret file " + Quote(path) + " is not a regular file");
  }
  if ((st.st_mode & 0006) != 0) {
    return Status::Error("secret file " + Quote(path) +
                         " is readable or writable by others (mode " + OctalMode(st.st_mode) +
                         "); refusing to use it. Fix: chmod 600 " + path + " (or chmod o-rwx " +
                         path + ")");
  }
  if (static_cast<std::uint64_t>(st.st_size) > kMaxSecretFileBytes) {
    return Status::Error("secret file " + Quote(path) + " is too large to hold a secret key (" +
                         std::to_string(st.st_size) + " bytes)");
  }
  // One allocation of the final size, in secure memory, so no reallocation leaves copies of the
  // secret behind; one byte more than the size fstat gave, to notice a file that grew meanwhile.
  const std::size_t capacity = static_cast<std::size_t>(st.st_size) + 1;
  char* const buffer = out.Allocate(capacity);
  std::size_t used = 0;
  while (used < capacity) {
    const ssize_t n = ::read(fd.get(), buffer + used, capacity - used);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      const int error = errno;
      out.Wipe();
      return Status::Error("cannot read secret file " + Quote(path) + ": " + ErrnoText(error));
    }
    if (n == 0) {
      break;
    }
    used += static_cast<std::size_t>(n);
  }
  if (used == capacity) {
    out.Wipe();
    return Status::Error("secret file " + Quote(path) + " changed while it was being read");
  }
  out.Shrink(used);
  return Status::Ok();
}

Status ReadSystemdCredential(const std::string& name, const EnvironmentLookup& env,
                             SecretBuffer& out) {
  if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos) {
    return Status::Error("credential name " + Quote(name) +
                         " must be a plain file name (no \"/\", not \".\" or \"..\")");
  }
  std::optional<std::string> directory = env("CREDENTIALS_DIRECTORY");
  if (!directory || directory->empty()) {
    return Status::Error("CREDENTIALS_DIRECTORY is not set, so the systemd credential " +
                         Quote(name) + " cannot be read (add LoadCredential=" + name +
                         ":/path/to/secret to the service unit, or use secret_file)");
  }
  std::string path = *directory;
  if (path.back() != '/') {
    path += '/';
  }
  path += name;
  return ReadSecretFile(path, out);
}

Status ReadSecretEnv(const std::string& variable, const EnvironmentLookup& env, SecretBuffer& out) {
  if (!IsEnvironmentName(variable)) {
    return Status::Error("environment variable name " + Quote(variable) +
                         " must be letters, digits and '_', not starting with a digit");
  }
  std::optional<std::string> value = env(variable);
  if (!value) {
    return Status::Error("environment variable " + variable + " is not set");
  }
  out.Assign(*value);
  // The initial environment block stays readable in /proc/<pid>/environ (by root: the process is
  // not dumpable) for the life of the process: overwrite the value there.
  secure::ScrubEnvironmentSecret(variable, out.view());
  return Status::Ok();
}

Status NormaliseSecret(SecretBuffer& secret) {
  std::string_view value = secret.view();
  if (!value.empty() && value.back() == '\n') {
    value.remove_suffix(1);
    if (!value.empty() && value.back() == '\r') {
      value.remove_suffix(1);
    }
    secret.Shrink(value.size());
  }
  if (value.empty()) {
    return Status::Error("the secret is empty");
  }
  for (char c : value) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) {
      return Status::Error(
          "the secret contains a control character or line break (only one trailing newline is "
          "ignored)");
    }
  }
  return Status::Ok();
}

bool ReadConfiguredSecret(const MapReader& map, const std::string& base_dir,
                          const EnvironmentLookup& env, Diagnostics& diag, SecretBuffer& out) {
  // In document order, so that the extra ones are reported against the first one given.
  std::vector<const Field*> sources;
  for (const Field& field : map.fields()) {
    if (std::find(kSecretSourceKeys.begin(), kSecretSourceKeys.end(), field.key) !=
        kSecretSourceKeys.end()) {
      sources.push_back(&field);
    }
  }
  if (sources.empty()) {
    diag.Error(map.mark(), map.scope().Describe() +
                               ": missing the secret: give one of secret_file, secret_credential "
                               "or secret_env");
    return false;
  }
  for (std::size_t i = 1; i < sources.size(); ++i) {
    diag.Error(sources[i]->KeyMark(), map.scope().Describe() + ": give only one of secret_file, " +
                                          "secret_credential or secret_env (" + sources[0]->key +
                                          " is already given)");
  }
  if (sources.size() > 1) {
    return false;
  }

  const Field& source = *sources.front();
  std::optional<std::string> reference = ReadString(source, diag);
  if (!reference) {
    return false;
  }
  if (reference->empty()) {
    ValueError(source, "must not be empty", diag);
    return false;
  }
  Status status = Status::Ok();
  if (source.key == "secret_file") {
    std::filesystem::path path(*reference);
    if (path.is_relative() && !base_dir.empty()) {
      path = std::filesystem::path(base_dir) / path;
    }
    status = ReadSecretFile(path.string(), out);
  } else if (source.key == "secret_credential") {
    status = ReadSystemdCredential(*reference, env, out);
  } else {
    status = ReadSecretEnv(*reference, env, out);
  }
  if (status.ok()) {
    status = NormaliseSecret(out);
  }
  if (!status.ok()) {
    out.Wipe();
    ValueError(source, status.message(), diag);
    return false;
  }
  return true;
}

}  // namespace internal
}  // namespace s3upload::config
