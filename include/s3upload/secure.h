// secure: keeping secret bytes where nothing else can read them: out of core dumps, swap and freed
// memory, out of /proc/<pid>/environ, and out of reach of other processes of the same user.
//
// Contract
// - SecureBuffer holds secret bytes (a secret access key, its derived SigV4 signing keys, a webhook
//   or JWT secret) in an anonymous mapping of whole pages of its own: excluded from core dumps
//   (madvise MADV_DONTDUMP), locked in RAM so that it is never swapped out when RLIMIT_MEMLOCK
//   allows it (mlock, best effort: locked() says whether it is), and wiped (OPENSSL_cleanse) before
//   it is unmapped. Move-only; a moved-from buffer is empty.
// - DisableCoreDumps() makes the process non-dumpable (prctl PR_SET_DUMPABLE 0): the kernel writes
//   no core dump of it, processes of the same user cannot ptrace it or read its memory, and
//   /proc/<pid>/{environ,mem,maps,fd,...} belong to root. main() calls it first thing, unless
//   --allow-core-dumps.
// - The environment: a secret named by `secret_env` is in the process's initial environment block,
//   which the kernel shows in /proc/<pid>/environ for the life of the process (unsetenv only
//   unlinks the entry; the bytes stay). ScrubEnvironmentSecret keeps the value in a SecureBuffer
//   and overwrites its bytes in that block with NUL bytes, in place; ScrubbedEnvironmentSecret
//   serves it from then on, so that a reload reads the same value.
//
// Thread-safety: a SecureBuffer like a std::string (const use from any number of threads). The
// functions below are safe to call from any thread; the two environment functions serialise among
// themselves, and the scrub writes only bytes after the '=' of the one variable it scrubs, which a
// concurrent getenv() of another name never reads.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace s3upload::secure {

class SecureBuffer {
 public:
  SecureBuffer() noexcept = default;
  // `size` zero bytes. Throws std::bad_alloc when the mapping cannot be made.
  explicit SecureBuffer(std::size_t size);
  // A copy of `bytes` (the caller wipes its own copy).
  explicit SecureBuffer(std::string_view bytes);
  SecureBuffer(SecureBuffer&& other) noexcept;
  SecureBuffer& operator=(SecureBuffer&& other) noexcept;
  SecureBuffer(const SecureBuffer&) = delete;
  SecureBuffer& operator=(const SecureBuffer&) = delete;
  ~SecureBuffer();

  char* data() { return data_; }
  const char* data() const { return data_; }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  std::string_view view() const { return {data_, size_}; }

  // Cuts the content to its first `size` bytes (no-op if it is not shorter), wiping the rest.
  void Shrink(std::size_t size);
  // Wipes every byte and releases the mapping: empty afterwards.
  void Reset() noexcept;

  // Whether the pages are locked in RAM (mlock succeeded) / excluded from core dumps (madvise
  // succeeded). Both false for an empty buffer.
  bool locked() const { return locked_; }
  bool excluded_from_core_dumps() const { return dont_dump_; }

 private:
  char* data_ = nullptr;
  std::size_t size_ = 0;
  std::size_t mapped_ = 0;  // bytes mapped (whole pages); 0 when nothing is
  bool locked_ = false;
  bool dont_dump_ = false;
};

// prctl(PR_SET_DUMPABLE, 0). Returns false (errno set) if the kernel refused.
bool DisableCoreDumps();
// prctl(PR_GET_DUMPABLE) != 0.
bool CoreDumpsEnabled();

// If the process environment holds exactly `value` under `name`: keeps a copy of it in a
// SecureBuffer and overwrites the value's bytes in the environment with NUL bytes, in place (the
// variable is then set and empty: getenv() gives ""). Returns whether it did; false also for an
// empty value.
bool ScrubEnvironmentSecret(std::string_view name, std::string_view value);
// The value ScrubEnvironmentSecret took from variable `name`, if it did and the variable has not
// been set to something else since (getenv() gives "" for it); else nullopt.
std::optional<std::string> ScrubbedEnvironmentSecret(const std::string& name);

}  // namespace s3upload::secure
