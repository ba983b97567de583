// The kernel's VmFlags of the mapping that holds an address (/proc/self/smaps): "dd" = not in a
// core dump (MADV_DONTDUMP), "lo" = locked in RAM (mlock). For tests of where secrets live.
#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <string>

namespace s3upload::secure_test {

inline std::optional<std::set<std::string>> VmFlagsOf(const void* address) {
  const auto target = reinterpret_cast<std::uintptr_t>(address);
  std::ifstream smaps("/proc/self/smaps");
  std::string line;
  bool inside = false;
  while (std::getline(smaps, line)) {
    unsigned long long start = 0;
    unsigned long long end = 0;
    // A mapping's first line: "start-end perms offset dev inode [path]" (hex addresses).
    if (std::sscanf(line.c_str(), "%llx-%llx ", &start, &end) == 2 &&
        line.find('-') < line.find(' ')) {
      inside = target >= start && target < end;
      continue;
    }
    if (inside && line.starts_with("VmFlags:")) {
      std::set<std::string> flags;
      std::istringstream words(line.substr(8));
      for (std::string flag; words >> flag;) flags.insert(flag);
      return flags;
    }
  }
  return std::nullopt;
}

// Whether the page holding `address` is mapped (mincore fails with ENOMEM for an unmapped one).
// Allocates nothing, so no allocation can map something new there while it looks.
inline bool IsMapped(const void* address) {
  const auto page = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
  const std::uintptr_t start = reinterpret_cast<std::uintptr_t>(address) / page * page;
  unsigned char resident = 0;
  // NOLINTNEXTLINE(performance-no-int-to-ptr): an address from the kernel's own page arithmetic
  return ::mincore(reinterpret_cast<void*>(start), 1, &resident) == 0 || errno != ENOMEM;
}

}  // namespace s3upload::secure_test
