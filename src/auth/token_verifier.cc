// TokenVerifier: the order of the checks is the contract in s3upload/auth.h. Everything before the
// signature check reads only the header; the payload is parsed only once its signature is known
// to be good.
#include <openssl/crypto.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>
#include <utility>

#include "auth/internal.h"
#include "s3upload/auth.h"
#include "s3upload/aws.h"
#include "s3upload/secure.h"

namespace s3upload::auth {

struct TokenVerifier::Impl {
  Impl(Algorithm alg, TokenRules token_rules) : algorithm(alg), rules(std::move(token_rules)) {}
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;
  ~Impl() = default;

  Algorithm algorithm;
  TokenRules rules;
  secure::SecureBuffer secret;      // HS256: out of core dumps, wiped when the verifier goes
  internal::EvpPkeyPtr public_key;  // ES256
};

namespace {

using std::chrono::seconds;

// NumericDate bounds: 0 .. 2200-01-01T00:00:00Z, which also keeps every date representable as a
// system_clock time point (nanoseconds since the epoch overflow in 2262).
constexpr std::int64_t kMaxNumericDate = 7258118400;
constexpr seconds kMaxLeeway{3600};
constexpr seconds kMaxLifetime{86400};
constexpr std::size_t kMaxContentTypes = 64;

// Header parameters that are refused: extensions we would have to understand ("crit", and "b64"
// which only means something through it), keys or certificates offered by the token itself
// ("jku", "jwk", "x5u", "x5c"), and nested content ("cty").
constexpr std::string_view kRefusedHeaders[] = {"crit", "jku", "jwk", "x5u", "x5c", "cty", "b64"};

Status Refuse(std::string_view error) { return Status::Error(std::string(error)); }
Status Refuse(std::string_view error, std::string_view detail) {
  std::string message(error);
  message += ": ";
  message += detail;
  return Status::Error(std::move(message));
}

Status CheckRules(const TokenRules& rules) {
  if (rules.audiences.empty()) return Status::Error("token rules: no audience configured");
  for (const std::string& audience : rules.audiences) {
    if (audience.empty()) return Status::Error("token rules: an audience is empty");
  }
  if (rules.issuer && rules.issuer->empty()) return Status::Error("token rules: issuer is empty");
  if (rules.leeway < seconds(0) || rules.leeway > kMaxLeeway) {
    return Status::Error("token rules: leeway must be 0 to 3600 seconds");
  }
  if (rules.max_lifetime < seconds(1) || rules.max_lifetime > kMaxLifetime) {
    return Status::Error("token rules: max_lifetime must be 1 to 86400 seconds");
  }
  return Status::Ok();
}

constexpr char ToLowerAscii(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool EqualsIgnoreAsciiCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return ToLowerAscii(x) == ToLowerAscii(y);
         });
}

bool HasControlCharacter(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte < 0x20 || byte == 0x7f;
  });
}

bool IsPrintableAscii(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return c >= 0x20 && c <= 0x7e; });
}

const rapidjson::Value* Member(const rapidjson::Value& object, std::string_view name) {
  const auto it = object.FindMember(rapidjson::Value(
      rapidjson::StringRef(name.data(), static_cast<rapidjson::SizeType>(name.size()))));
  return it == object.MemberEnd() ? nullptr : &it->value;
}

// ---------------------------------------------------------------------------------------------
// Header
// ---------------------------------------------------------------------------------------------

std::string_view AlgorithmName(Algorithm algorithm) {
  return algorithm == Algorithm::kHs256 ? "HS256" : "ES256";
}

Status CheckHeader(std::string_view header_b64, Algorithm algorithm) {
  const std::optional<std::string> json = aws::Base64UrlDecode(header_b64);
  if (!json) return Refuse(kErrorMalformedToken, "header encoding");
  rapidjson::Document header;
  switch (internal::ParseStrictJson(*json, header)) {
    case internal::JsonProblem::kNone:
      break;
    case internal::JsonProblem::kSyntax:
      return Refuse(kErrorMalformedToken, "header JSON");
    case internal::JsonProblem::kDuplicateKey:
      return Refuse(kErrorMalformedToken, "header repeats a key");
    case internal::JsonProblem::kTooDeep:
      return Refuse(kErrorMalformedToken, "header nested too deeply");
  }
  if (!header.IsObject()) return Refuse(kErrorMalformedToken, "header not an object");
  const rapidjson::Value* alg = Member(header, "alg");
  if (alg == nullptr || !alg->IsString()) return Refuse(kErrorMalformedToken, "header without alg");
  // Exact, case-sensitive (RFC 7515 section 4.1.1): "none", "hs256", the other algorithm and
  // everything else end here, before any key is used.
  if (internal::StringOf(*alg) != AlgorithmName(algorithm)) return Refuse(kErrorAlgorithm);
  for (const std::string_view name : kRefusedHeaders) {
    if (Member(header, name) != nullptr) return Refuse(kErrorUnsupportedHeader, name);
  }
  if (const rapidjson::Value* typ = Member(header, "typ"); typ != nullptr) {
    // A media type, compared case-insensitively (RFC 7515 section 4.1.9). "at+jwt" and other
    // explicitly typed tokens are meant for other verifiers.
    if (!typ->IsString() || !EqualsIgnoreAsciiCase(internal::StringOf(*typ), "JWT")) {
      return Refuse(kErrorUnsupportedHeader, "typ");
    }
  }
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------------
// Claims
// ---------------------------------------------------------------------------------------------

std::optional<std::int64_t> NumericDate(const rapidjson::Value& value) {
  // IsUint64 is false for anything RapidJSON read as a double (1.5, 1e9, 1300819380.0) and for
  // negative numbers.
  if (!value.IsUint64() || value.GetUint64() > static_cast<std::uint64_t>(kMaxNumericDate)) {
    return std::nullopt;
  }
  return static_cast<std::int64_t>(value.GetUint64());
}

struct RawClaims {
  std::optional<std::int64_t> exp;
  std::optional<std::int64_t> nbf;
  std::optional<std::int64_t> iat;
  std::optional<std::string_view> iss;
  std::vector<std::string_view> aud;  // empty: no "aud"
};

// Reads a NumericDate claim if present. false: present with a wrong type or value.
bool ReadDate(const rapidjson::Value& payload, std::string_view name,
              std::optional<std::int64_t>& out) {
  const rapidjson::Value* value = Member(payload, name);
  if (value == nullptr) return true;
  out = NumericDate(*value);
  return out.has_value();
}

// Reads a string claim if present (no control characters). false: present but not such a string.
bool ReadText(const rapidjson::Value& payload, std::string_view name,
              std::optional<std::string_view>& out) {
  const rapidjson::Value* value = Member(payload, name);
  if (value == nullptr) return true;
  if (!value->IsString() || HasControlCharacter(internal::StringOf(*value))) return false;
  out = internal::StringOf(*value);
  return true;
}

bool ReadAudience(const rapidjson::Value& payload, std::vector<std::string_view>& out) {
  const rapidjson::Value* value = Member(payload, "aud");
  if (value == nullptr) return true;
  if (value->IsString()) {
    out.push_back(internal::StringOf(*value));
    return true;
  }
  if (!value->IsArray() || value->Empty()) return false;
  for (const rapidjson::Value& element : value->GetArray()) {
    if (!element.IsString()) return false;
    out.push_back(internal::StringOf(element));
  }
  return true;
}

Status ReadNarrowing(const rapidjson::Value& payload, TokenClaims& claims) {
  const rapidjson::Value* s3u = Member(payload, "s3u");
  if (s3u == nullptr) return Status::Ok();
  if (!s3u->IsObject()) return Refuse(kErrorMalformedClaim, "s3u");
  for (const auto& member : s3u->GetObject()) {
    const std::string_view name = internal::StringOf(member.name);
    const rapidjson::Value& value = member.value;
    if (name == "max_size") {
      if (!value.IsUint64()) return Refuse(kErrorMalformedClaim, "s3u.max_size");
      claims.max_size = value.GetUint64();
    } else if (name == "content_types") {
      if (!value.IsArray() || value.Empty() || value.Size() > kMaxContentTypes) {
        return Refuse(kErrorMalformedClaim, "s3u.content_types");
      }
      for (const rapidjson::Value& element : value.GetArray()) {
        if (!element.IsString() || element.GetStringLength() == 0 ||
            !IsPrintableAscii(internal::StringOf(element))) {
          return Refuse(kErrorMalformedClaim, "s3u.content_types");
        }
        claims.content_types.emplace_back(internal::StringOf(element));
      }
    } else {
      return Refuse(kErrorMalformedClaim, "s3u has an unknown member");
    }
  }
  return Status::Ok();
}

StatusOr<TokenClaims> CheckClaims(const rapidjson::Value& payload, const TokenRules& rules,
                                  TimePoint now) {
  RawClaims raw;
  TokenClaims claims;
  if (!ReadDate(payload, "exp", raw.exp)) return Refuse(kErrorMalformedClaim, "exp");
  if (!ReadDate(payload, "nbf", raw.nbf)) return Refuse(kErrorMalformedClaim, "nbf");
  if (!ReadDate(payload, "iat", raw.iat)) return Refuse(kErrorMalformedClaim, "iat");
  if (!ReadText(payload, "iss", raw.iss)) return Refuse(kErrorMalformedClaim, "iss");
  if (!ReadAudience(payload, raw.aud)) return Refuse(kErrorMalformedClaim, "aud");
  std::optional<std::string_view> sub;
  std::optional<std::string_view> jti;
  if (!ReadText(payload, "sub", sub)) return Refuse(kErrorMalformedClaim, "sub");
  if (!ReadText(payload, "jti", jti)) return Refuse(kErrorMalformedClaim, "jti");
  if (Status narrowing = ReadNarrowing(payload, claims); !narrowing.ok()) return narrowing;

  // Times in whole seconds; every operand is bounded (dates by kMaxNumericDate, leeway and
  // lifetime by CheckRules, `now` by the range of system_clock), so nothing overflows.
  const std::int64_t now_s = std::chrono::floor<seconds>(now).time_since_epoch().count();
  const std::int64_t leeway = rules.leeway.count();
  const std::int64_t max_lifetime = rules.max_lifetime.count();
  if (!raw.exp) return Refuse(kErrorMissingExpiry);
  const std::int64_t exp = *raw.exp;
  if (now_s >= exp + leeway) return Refuse(kErrorExpired);
  if (raw.nbf && now_s < *raw.nbf - leeway) return Refuse(kErrorNotYetValid);
  if (raw.iat && *raw.iat > now_s + leeway) return Refuse(kErrorIssuedInFuture);
  if (raw.iat && exp - *raw.iat > max_lifetime) return Refuse(kErrorLifetime);
  if (exp - now_s > max_lifetime + leeway) return Refuse(kErrorLifetime);

  if (rules.issuer) {
    if (!raw.iss) return Refuse(kErrorMissingIssuer);
    if (*raw.iss != *rules.issuer) return Refuse(kErrorWrongIssuer);
  }
  if (raw.aud.empty()) return Refuse(kErrorMissingAudience);
  const bool audience_ok =
      std::any_of(raw.aud.begin(), raw.aud.end(), [&rules](std::string_view a) {
        return std::find(rules.audiences.begin(), rules.audiences.end(), a) !=
               rules.audiences.end();
      });
  if (!audience_ok) return Refuse(kErrorWrongAudience);

  if (sub) claims.subject = std::string(*sub);
  if (jti) claims.token_id = std::string(*jti);
  claims.expires = TimePoint(seconds(exp));
  return claims;
}

}  // namespace

StatusOr<TokenVerifier> TokenVerifier::Hs256(std::string secret, TokenRules rules) {
  if (secret.size() < kMinHs256SecretSize) {
    OPENSSL_cleanse(secret.data(), secret.size());
    return Status::Error("HS256 secret: shorter than 32 bytes");
  }
  if (Status status = CheckRules(rules); !status.ok()) {
    OPENSSL_cleanse(secret.data(), secret.size());
    return status;
  }
  auto impl = std::make_shared<Impl>(Algorithm::kHs256, std::move(rules));
  impl->secret = secure::SecureBuffer(std::string_view(secret));
  // The whole buffer: a short string keeps its bytes inline, beyond its size once moved from.
  secret.resize(secret.capacity());
  OPENSSL_cleanse(secret.data(), secret.size());
  return TokenVerifier(std::move(impl));
}

StatusOr<TokenVerifier> TokenVerifier::Es256FromPem(std::string_view public_key_pem,
                                                    TokenRules rules) {
  StatusOr<internal::EvpPkeyPtr> key = internal::LoadP256PublicKey(public_key_pem);
  if (!key.ok()) return key.status();
  if (Status status = CheckRules(rules); !status.ok()) return status;
  auto impl = std::make_shared<Impl>(Algorithm::kEs256, std::move(rules));
  impl->public_key = std::move(*key);
  return TokenVerifier(std::move(impl));
}

Algorithm TokenVerifier::algorithm() const { return impl_ ? impl_->algorithm : Algorithm::kHs256; }

StatusOr<TokenClaims> TokenVerifier::Verify(std::string_view compact_token, TimePoint now) const {
  if (!impl_) return Refuse(kErrorInternal);
  if (compact_token.size() > kMaxTokenSize) return Refuse(kErrorTooLarge);

  const std::size_t first_dot = compact_token.find('.');
  const std::size_t second_dot = first_dot == std::string_view::npos
                                     ? std::string_view::npos
                                     : compact_token.find('.', first_dot + 1);
  if (second_dot == std::string_view::npos ||
      compact_token.find('.', second_dot + 1) != std::string_view::npos) {
    return Refuse(kErrorMalformedToken, "not three parts");
  }
  const std::string_view header_b64 = compact_token.substr(0, first_dot);
  const std::string_view payload_b64 =
      compact_token.substr(first_dot + 1, second_dot - first_dot - 1);
  const std::string_view signature_b64 = compact_token.substr(second_dot + 1);
  const std::string_view signing_input = compact_token.substr(0, second_dot);

  if (Status header = CheckHeader(header_b64, impl_->algorithm); !header.ok()) return header;

  const std::optional<std::string> signature = aws::Base64UrlDecode(signature_b64);
  if (!signature) return Refuse(kErrorMalformedToken, "signature encoding");
  const internal::SignatureCheck check =
      impl_->algorithm == Algorithm::kHs256
          ? internal::CheckHs256(impl_->secret.view(), signing_input, *signature)
          : internal::CheckEs256(impl_->public_key.get(), signing_input, *signature);
  if (check == internal::SignatureCheck::kError) return Refuse(kErrorInternal);
  if (check != internal::SignatureCheck::kValid) return Refuse(kErrorBadSignature);

  const std::optional<std::string> payload_json = aws::Base64UrlDecode(payload_b64);
  if (!payload_json) return Refuse(kErrorMalformedToken, "payload encoding");
  rapidjson::Document payload;
  switch (internal::ParseStrictJson(*payload_json, payload)) {
    case internal::JsonProblem::kNone:
      break;
    case internal::JsonProblem::kSyntax:
      return Refuse(kErrorMalformedToken, "payload JSON");
    case internal::JsonProblem::kDuplicateKey:
      return Refuse(kErrorMalformedToken, "payload repeats a key");
    case internal::JsonProblem::kTooDeep:
      return Refuse(kErrorMalformedToken, "payload nested too deeply");
  }
  if (!payload.IsObject()) return Refuse(kErrorMalformedToken, "payload not an object");
  return CheckClaims(payload, impl_->rules, now);
}

}  // namespace s3upload::auth
