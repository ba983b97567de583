// AddressOf: where an object lives on the wire (URL and Host) and what SigV4 signs as its path.
// Both must come from the same encoded key, or the signature covers another path than the one
// sent.
#include <string>

#include "s3upload/aws.h"
#include "s3upload/s3.h"

namespace s3upload::s3 {

ObjectAddress AddressOf(const BucketLocation& location, const std::string& key) {
  // The endpoint is "scheme://host[:port]" as the configuration stores it (default port already
  // dropped), so host[:port] is exactly what the Host header must say.
  const std::string_view endpoint = location.endpoint;
  const std::size_t separator = endpoint.find("://");
  const std::string_view scheme = separator == std::string_view::npos
                                      ? std::string_view("https")
                                      : endpoint.substr(0, separator);
  const std::string_view host_port =
      separator == std::string_view::npos ? endpoint : endpoint.substr(separator + 3);

  // S3 signs the key encoded exactly once, '/' kept (the path as sent is the canonical URI).
  const std::string encoded_key = aws::UriEncode(key, /*encode_slash=*/false);

  ObjectAddress address;
  if (location.addressing == verify::Addressing::kPathStyle) {
    address.host = std::string(host_port);
    address.canonical_uri = "/" + location.bucket + "/" + encoded_key;
  } else {
    address.host = location.bucket + "." + std::string(host_port);
    address.canonical_uri = "/" + encoded_key;
  }
  address.url = std::string(scheme) + "://" + address.host + address.canonical_uri;
  return address;
}

}  // namespace s3upload::s3
