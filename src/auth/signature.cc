// The two signature checks and the key loading, on OpenSSL 3's EVP APIs. Nothing cryptographic
// is computed here: JOSE's encodings are adapted to what OpenSSL expects (R || S -> DER), and the
// results compared in constant time.
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/params.h>
#include <openssl/pem.h>

#include <climits>
#include <string>
#include <vector>

#include "auth/internal.h"

namespace s3upload::auth::internal {
namespace {

constexpr std::size_t kHs256Size = 32;
constexpr std::size_t kEs256CoordinateSize = 32;

const unsigned char* Bytes(std::string_view text) {
  return reinterpret_cast<const unsigned char*>(text.data());
}

// Fetched once per process (thread-safe static initialisation); null if OpenSSL is broken.
const EVP_MAC* HmacAlgorithm() {
  static const EvpMacPtr mac(EVP_MAC_fetch(nullptr, "HMAC", nullptr));
  return mac.get();
}

EvpMacCtxPtr NewHmacSha256Context() {
  const EVP_MAC* mac = HmacAlgorithm();
  if (mac == nullptr) return nullptr;
  EvpMacCtxPtr ctx(EVP_MAC_CTX_new(const_cast<EVP_MAC*>(mac)));
  if (!ctx) return nullptr;
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                         OSSL_PARAM_construct_end()};
  if (EVP_MAC_CTX_set_params(ctx.get(), params) != 1) return nullptr;
  return ctx;
}

// Never prompt: OpenSSL's default asks the terminal for a pass phrase when a PEM block says it is
// encrypted, which a key file must not be able to make a daemon do.
int NoPassphrase(char* /*buf*/, int /*size*/, int /*rwflag*/, void* /*userdata*/) { return 0; }

}  // namespace

SignatureCheck CheckHs256(std::string_view key, std::string_view signing_input,
                          std::string_view signature) {
  if (signature.size() != kHs256Size) return SignatureCheck::kInvalid;
  // One context per thread, created with its digest once and re-keyed per call:
  // no allocation and no algorithm lookup per token.
  thread_local const EvpMacCtxPtr ctx = NewHmacSha256Context();
  if (!ctx) return SignatureCheck::kError;
  static const unsigned char kNoKey = 0;  // EVP_MAC_init refuses a null key even for length 0
  unsigned char mac[kHs256Size];
  std::size_t mac_size = 0;
  if (EVP_MAC_init(ctx.get(), key.empty() ? &kNoKey : Bytes(key), key.size(), nullptr) != 1 ||
      EVP_MAC_update(ctx.get(), Bytes(signing_input), signing_input.size()) != 1 ||
      EVP_MAC_final(ctx.get(), mac, &mac_size, sizeof mac) != 1 || mac_size != kHs256Size) {
    ERR_clear_error();
    return SignatureCheck::kError;
  }
  const bool equal = CRYPTO_memcmp(mac, signature.data(), kHs256Size) == 0;
  OPENSSL_cleanse(mac, sizeof mac);
  return equal ? SignatureCheck::kValid : SignatureCheck::kInvalid;
}

SignatureCheck CheckEs256(EVP_PKEY* public_key, std::string_view signing_input,
                          std::string_view signature) {
  if (signature.size() != 2 * kEs256CoordinateSize) return SignatureCheck::kInvalid;
  // JOSE carries R and S as two 32-byte big-endian integers; EVP_DigestVerify wants the DER
  // ECDSA-Sig-Value. Building the DER from the two numbers (instead of accepting DER from the
  // token) leaves exactly one accepted encoding per (R, S).
  BignumPtr r(BN_bin2bn(Bytes(signature), kEs256CoordinateSize, nullptr));
  BignumPtr s(BN_bin2bn(Bytes(signature) + kEs256CoordinateSize, kEs256CoordinateSize, nullptr));
  EcdsaSigPtr sig(ECDSA_SIG_new());
  if (!r || !s || !sig || ECDSA_SIG_set0(sig.get(), r.get(), s.get()) != 1) {
    ERR_clear_error();
    return SignatureCheck::kError;
  }
  (void)r.release();  // owned by sig now
  (void)s.release();
  const int der_size = i2d_ECDSA_SIG(sig.get(), nullptr);
  if (der_size <= 0) {
    ERR_clear_error();
    return SignatureCheck::kError;
  }
  std::vector<unsigned char> der(static_cast<std::size_t>(der_size));
  unsigned char* out = der.data();
  if (i2d_ECDSA_SIG(sig.get(), &out) != der_size) {
    ERR_clear_error();
    return SignatureCheck::kError;
  }
  // A context per call: EVP_PKEY is shared read-only between threads, which OpenSSL 3 allows; the
  // per-operation state lives in this context.
  EvpMdCtxPtr md(EVP_MD_CTX_new());
  if (!md || EVP_DigestVerifyInit_ex(md.get(), nullptr, "SHA256", nullptr, nullptr, public_key,
                                     nullptr) != 1) {
    ERR_clear_error();
    return SignatureCheck::kError;
  }
  const int verified = EVP_DigestVerify(md.get(), der.data(), der.size(), Bytes(signing_input),
                                        signing_input.size());
  ERR_clear_error();  // a failed verification leaves an error on this thread's queue
  return verified == 1 ? SignatureCheck::kValid : SignatureCheck::kInvalid;
}

StatusOr<EvpPkeyPtr> LoadP256PublicKey(std::string_view pem) {
  if (pem.size() > INT_MAX) return Status::Error("ES256 public key: file too large");
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return Status::Error("ES256 public key: out of memory");
  EvpPkeyPtr key(PEM_read_bio_PUBKEY(bio.get(), nullptr, NoPassphrase, nullptr));
  ERR_clear_error();
  if (!key) {
    return Status::Error("ES256 public key: no PEM public key (-----BEGIN PUBLIC KEY-----)");
  }
  if (EVP_PKEY_is_a(key.get(), "EC") != 1) {
    return Status::Error("ES256 public key: not an EC key (ES256 needs a P-256 key)");
  }
  char group[64] = {};
  std::size_t group_size = 0;
  if (EVP_PKEY_get_group_name(key.get(), group, sizeof group, &group_size) != 1 ||
      std::string_view(group, group_size) != "prime256v1") {
    ERR_clear_error();
    return Status::Error("ES256 public key: not on the P-256 curve (prime256v1)");
  }
  EvpPkeyCtxPtr check(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
  if (!check || EVP_PKEY_public_check(check.get()) != 1) {
    ERR_clear_error();
    return Status::Error("ES256 public key: not a valid P-256 point");
  }
  return key;
}

}  // namespace s3upload::auth::internal
