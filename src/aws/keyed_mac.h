// MACs under keys that sign again and again: a day's SigV4 signing key, a credential's secret.
// Each such key gets an id no other key of the process ever gets; a thread that MACs under the
// same id as its previous MAC re-uses its keyed HMAC state instead of keying it anew (which hashes
// the padded key twice). The key bytes are never copied for this: the id alone tells that the
// state holds them.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "s3upload/aws.h"

namespace s3upload::aws::internal {

// A fresh key id (never 0, never returned twice).
std::uint64_t NewMacKeyId();

// HMAC-SHA256 / HMAC-SHA1 of `data` under `key`, whose id is `key_id`: the caller promises that an
// id always comes with the same key bytes.
Sha256Digest HmacSha256(std::uint64_t key_id, std::span<const unsigned char> key,
                        std::string_view data);
Sha1Digest HmacSha1(std::uint64_t key_id, std::string_view key, std::string_view data);

// The MAC under key `key_id` if this thread's HMAC state still holds that key; nullopt otherwise
// (then the caller must supply the key to the functions above).
std::optional<Sha256Digest> HmacSha256IfKeyed(std::uint64_t key_id, std::string_view data);

}  // namespace s3upload::aws::internal
