// Object properties a client may ask for, whether as POST policy conditions or as headers of a
// multipart initiate: canned ACL, storage class, server-side encryption and user metadata. Both
// paths create the same object, so they share the same rules; only the rule family differs.
#include <string>

#include "verify/internal.h"

namespace s3upload::verify::internal {
namespace {

std::string Rule(std::string_view family, std::string_view name) {
  std::string rule(family);
  rule += '.';
  rule += name;
  return rule;
}

}  // namespace

std::optional<Refusal> CheckAcl(std::string_view family, std::string_view value,
                                const UploadRules& rules) {
  if (Contains(rules.acls, value)) return std::nullopt;
  return Refuse(Rule(family, "acl"), "ACL " + Quote(value) + " is not allowed");
}

std::optional<Refusal> CheckStorageClass(std::string_view family, std::string_view value,
                                         const UploadRules& rules) {
  if (Contains(rules.storage_classes, value)) return std::nullopt;
  return Refuse(Rule(family, "storage-class"), "storage class " + Quote(value) + " is not allowed");
}

std::optional<Refusal> CheckServerSideEncryption(std::string_view family, std::string_view value,
                                                 const UploadRules& rules) {
  if (Contains(rules.server_side_encryption, value)) return std::nullopt;
  return Refuse(Rule(family, "sse"), "server-side encryption " + Quote(value) + " is not allowed");
}

std::optional<Refusal> RefuseSseVariant(std::string_view family, std::string_view lower_name) {
  // SSE-C: the client's own key would make the object unreadable to the operator (and every later
  // HEAD by this server fails); KMS key ids choose whose key encrypts, which no profile allows.
  if (lower_name.starts_with("x-amz-server-side-encryption-customer-")) {
    return Refuse(Rule(family, "sse-c"), Quote(lower_name) + ": customer-provided keys refused");
  }
  if (lower_name == "x-amz-server-side-encryption-aws-kms-key-id") {
    return Refuse(Rule(family, "sse-kms-key-id"), "KMS key ids are not allowed");
  }
  return std::nullopt;
}

std::optional<Refusal> MetadataBudget::Add(std::string_view name, std::string_view value) {
  // The allowed names are lower case; compared without a lower-cased copy of the name.
  if (!ContainsIgnoringCase(rules_.metadata_names, name)) {
    return Refuse(Rule(family_, "meta.name"),
                  "metadata " + Quote("x-amz-meta-" + ToLowerAscii(name)) + " is not allowed");
  }
  // S3 counts the UTF-8 bytes of every name (without the prefix) and value.
  used_ += name.size() + value.size();
  if (used_ > rules_.max_metadata_bytes) {
    return Refuse(Rule(family_, "meta.size"),
                  "metadata exceeds " + std::to_string(rules_.max_metadata_bytes) + " bytes");
  }
  return std::nullopt;
}

}  // namespace s3upload::verify::internal
