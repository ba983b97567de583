// Tests for src/secure/secure_buffer.cc: where secret bytes live (pages of their own, not in a core
// dump, locked in RAM when the limit allows) and that they are wiped.
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdint>
#include <string>
#include <utility>

#include "s3upload/secure.h"
#include "secure/vm_flags.h"

namespace s3upload::secure {
namespace {

using secure_test::VmFlagsOf;

constexpr std::string_view kSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

std::uintptr_t Address(const void* p) { return reinterpret_cast<std::uintptr_t>(p); }

TEST(SecureBufferTest, HoldsACopyOfTheBytes) {
  const SecureBuffer buffer(kSecret);
  EXPECT_EQ(buffer.view(), kSecret);
  EXPECT_EQ(buffer.size(), kSecret.size());
  EXPECT_FALSE(buffer.empty());
  const SecureBuffer zeros(std::size_t{5});
  EXPECT_EQ(zeros.view(), std::string(5, '\0'));
}

TEST(SecureBufferTest, EmptyHasNoMapping) {
  const SecureBuffer empty;
  EXPECT_TRUE(empty.empty());
  EXPECT_EQ(empty.data(), nullptr);
  EXPECT_EQ(empty.view(), "");
  EXPECT_FALSE(empty.locked());
  EXPECT_FALSE(empty.excluded_from_core_dumps());
  EXPECT_EQ(SecureBuffer(std::string_view()).data(), nullptr);
}

TEST(SecureBufferTest, PagesOfItsOwnExcludedFromCoreDumps) {
  const SecureBuffer buffer(kSecret);
  EXPECT_EQ(Address(buffer.data()) % static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE)), 0U);
  EXPECT_TRUE(buffer.excluded_from_core_dumps());
  const auto flags = VmFlagsOf(buffer.data());
  ASSERT_TRUE(flags.has_value()) << "no mapping in /proc/self/smaps holds the buffer";
  EXPECT_TRUE(flags->contains("dd")) << "MADV_DONTDUMP is not set on the mapping";
  // Locked when RLIMIT_MEMLOCK allows a page; the kernel's flag says the same as locked().
  EXPECT_EQ(flags->contains("lo"), buffer.locked());
  rlimit limit{};
  ASSERT_EQ(::getrlimit(RLIMIT_MEMLOCK, &limit), 0);
  if (limit.rlim_cur >= rlim_t{1024} * 1024) {
    EXPECT_TRUE(buffer.locked()) << "RLIMIT_MEMLOCK allows 1 MiB, yet mlock failed";
  }
}

TEST(SecureBufferTest, ShrinkWipesWhatItCutsOff) {
  SecureBuffer buffer(kSecret);
  const char* const data = buffer.data();
  buffer.Shrink(4);
  EXPECT_EQ(buffer.view(), kSecret.substr(0, 4));
  EXPECT_EQ(std::string_view(data + 4, kSecret.size() - 4), std::string(kSecret.size() - 4, '\0'));
  buffer.Shrink(10);  // not shorter: nothing happens
  EXPECT_EQ(buffer.view(), kSecret.substr(0, 4));
  buffer.Shrink(0);
  EXPECT_EQ(std::string_view(data, kSecret.size()), std::string(kSecret.size(), '\0'));
  EXPECT_TRUE(buffer.empty());
}

TEST(SecureBufferTest, ResetReleasesTheMapping) {
  SecureBuffer buffer(kSecret);
  const char* const data = buffer.data();
  buffer.Reset();
  EXPECT_TRUE(buffer.empty());
  EXPECT_EQ(buffer.data(), nullptr);
  EXPECT_FALSE(secure_test::IsMapped(data)) << "still mapped after Reset()";
  buffer.Reset();  // twice is fine
}

TEST(SecureBufferTest, MoveHandsOverThePagesAndLeavesTheSourceEmpty) {
  SecureBuffer source(kSecret);
  const char* const data = source.data();
  SecureBuffer moved(std::move(source));
  EXPECT_EQ(moved.data(), data);
  EXPECT_EQ(moved.view(), kSecret);
  EXPECT_TRUE(source.empty());  // NOLINT(bugprone-use-after-move): the behaviour under test
  EXPECT_EQ(source.data(), nullptr);

  SecureBuffer target(std::string_view("previous"));
  const char* const previous = target.data();
  target = std::move(moved);
  EXPECT_EQ(target.view(), kSecret);
  EXPECT_TRUE(moved.empty());  // NOLINT(bugprone-use-after-move): the behaviour under test
  EXPECT_FALSE(secure_test::IsMapped(previous)) << "the replaced buffer is still mapped";

  SecureBuffer& alias = target;
  target = std::move(alias);
  EXPECT_EQ(target.view(), kSecret);
}

TEST(SecureBufferTest, LargerThanAPage) {
  const std::string big(3 * static_cast<std::size_t>(::sysconf(_SC_PAGESIZE)) + 1, 'k');
  const SecureBuffer buffer{std::string_view(big)};
  EXPECT_EQ(buffer.view(), big);
  const auto last = VmFlagsOf(buffer.data() + big.size() - 1);
  ASSERT_TRUE(last.has_value());
  EXPECT_TRUE(last->contains("dd"));
}

}  // namespace
}  // namespace s3upload::secure
