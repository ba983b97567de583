// SecureBuffer: secret bytes in pages of their own, kept out of core dumps and swap, wiped before
// they are given back.
#include <openssl/crypto.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <new>
#include <utility>

#include "s3upload/secure.h"

namespace s3upload::secure {
namespace {

std::size_t PageSize() {
  static const std::size_t page = [] {
    const long size = ::sysconf(_SC_PAGESIZE);
    return size > 0 ? static_cast<std::size_t>(size) : std::size_t{4096};
  }();
  return page;
}

}  // namespace

SecureBuffer::SecureBuffer(std::size_t size) {
  if (size == 0) return;
  const std::size_t page = PageSize();
  if (size > SIZE_MAX - page) throw std::bad_alloc();
  const std::size_t mapped = (size + page - 1) / page * page;
  void* memory =
      ::mmap(nullptr, mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (memory == MAP_FAILED) throw std::bad_alloc();
  data_ = static_cast<char*>(memory);
  size_ = size;
  mapped_ = mapped;
  // Both before any secret byte is written. Failures are not fatal: the bytes are still wiped,
  // and the process is normally not dumpable at all (DisableCoreDumps).
  dont_dump_ = ::madvise(memory, mapped, MADV_DONTDUMP) == 0;
  // The system call itself: AddressSanitizer's mlock() does nothing and says it worked (it must not
  // lock the shadow memory), which would leave secrets swappable in the builds the tests run.
  locked_ = ::syscall(SYS_mlock, memory, mapped) == 0;
}

SecureBuffer::SecureBuffer(std::string_view bytes) : SecureBuffer(bytes.size()) {
  if (!bytes.empty()) std::memcpy(data_, bytes.data(), bytes.size());
}

SecureBuffer::SecureBuffer(SecureBuffer&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)),
      size_(std::exchange(other.size_, 0)),
      mapped_(std::exchange(other.mapped_, 0)),
      locked_(std::exchange(other.locked_, false)),
      dont_dump_(std::exchange(other.dont_dump_, false)) {}

SecureBuffer& SecureBuffer::operator=(SecureBuffer&& other) noexcept {
  if (this != &other) {
    Reset();
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
    mapped_ = std::exchange(other.mapped_, 0);
    locked_ = std::exchange(other.locked_, false);
    dont_dump_ = std::exchange(other.dont_dump_, false);
  }
  return *this;
}

SecureBuffer::~SecureBuffer() { Reset(); }

void SecureBuffer::Shrink(std::size_t size) {
  if (size >= size_) return;
  OPENSSL_cleanse(data_ + size, size_ - size);
  size_ = size;
}

void SecureBuffer::Reset() noexcept {
  if (mapped_ == 0) return;
  // The whole mapping, not only size() bytes: Shrink() leaves nothing behind, but this costs
  // nothing and does not depend on it.
  OPENSSL_cleanse(data_, mapped_);
  if (locked_) ::syscall(SYS_munlock, data_, mapped_);
  ::munmap(data_, mapped_);
  data_ = nullptr;
  size_ = 0;
  mapped_ = 0;
  locked_ = false;
  dont_dump_ = false;
}

}  // namespace s3upload::secure
