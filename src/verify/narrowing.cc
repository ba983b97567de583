// NarrowedRules: a bearer token's limits applied on top of a profile.
#include <algorithm>

#include "s3upload/verify.h"

namespace s3upload::verify {

UploadRules NarrowedRules(const UploadRules& rules, const Caller& caller) {
  UploadRules narrowed = rules;
  if (caller.max_size) {
    narrowed.max_size = std::min(rules.max_size, *caller.max_size);
  }
  if (!caller.content_types.empty()) {
    narrowed.content_types = caller.content_types;
  }
  return narrowed;
}

}  // namespace s3upload::verify
