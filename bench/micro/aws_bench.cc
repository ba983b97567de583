// The signing primitives: the SigV4 signing-key cache (hit, miss, and hits from several threads),
// the REST canonical request hash, and plain SHA-256 / HMAC-SHA256 / HMAC-SHA1 of small inputs as
// reference points for what one OpenSSL call costs.
#include <benchmark/benchmark.h>

#include <array>
#include <string>

#include "fixtures.h"

namespace s3upload::bench {
namespace {

constexpr std::string_view kAccessKey = "AKIAIOSFODNN7EXAMPLE";
constexpr std::string_view kSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
// 64 bytes: about a StringToSign line, or a short policy condition.
constexpr std::string_view kSmallInput =
    "AWS4-HMAC-SHA256\n20240501T120000Z\n20240501/eu-west-1/s3/aws4_re";

// The canonical request inside the v4 REST bodies: everything after the third line of the
// "headers" string (what verify hashes for the StringToSign).
std::string CanonicalRequestOf(std::string_view kind_name) {
  const std::string& body = KindNamed(kind_name).body;
  // The body is {"headers":"..."} with "\n" escapes and no other escapes in these vectors.
  std::string headers = body.substr(12, body.size() - 14);
  for (std::size_t at = headers.find("\\n"); at != std::string::npos;
       at = headers.find("\\n", at)) {
    headers.replace(at, 2, "\n");
    at += 1;
  }
  std::size_t start = 0;
  for (int line = 0; line < 3; ++line) start = headers.find('\n', start) + 1;
  return headers.substr(start);
}

// A shared Credentials, so that the multi-threaded variant measures the contention on its cache.
const aws::Credentials& SharedCredentials() {
  static const aws::Credentials credentials{std::string(kAccessKey),
                                            aws::SecretKey{std::string(kSecret)}};
  return credentials;
}

void BM_SigningKeyCacheHit(benchmark::State& state) {
  const aws::Credentials& credentials = SharedCredentials();
  benchmark::DoNotOptimize(credentials.SigningKeyFor("20240501", "eu-west-1", "s3"));
  for (auto _ : state) {
    benchmark::DoNotOptimize(credentials.SigningKeyFor("20240501", "eu-west-1", "s3"));
  }
}
BENCHMARK(BM_SigningKeyCacheHit)
    ->Threads(1)
    ->Threads(2)
    ->Threads(8)
    ->UseRealTime()
    ->Apply(Configure);

// Every call misses: the days cycle through more entries than the cache keeps.
void BM_SigningKeyCacheMiss(benchmark::State& state) {
  const aws::Credentials credentials{std::string(kAccessKey), aws::SecretKey{std::string(kSecret)}};
  std::array<std::string, 64> days;
  for (std::size_t i = 0; i < days.size(); ++i) {
    days[i] = aws::FormatAmzDay(DocumentClock() + std::chrono::days(i));
  }
  std::size_t next = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(credentials.SigningKeyFor(days[next], "eu-west-1", "s3"));
    next = (next + 1) % days.size();
  }
  if (credentials.signing_key_cache_hits() != 0) FixtureFailure("cache miss benchmark hit");
}
BENCHMARK(BM_SigningKeyCacheMiss)->Apply(Configure);

// The derivation alone (four HMAC-SHA256), without the cache around it.
void BM_DeriveSigningKey(benchmark::State& state) {
  const aws::SecretKey secret{std::string(kSecret)};
  for (auto _ : state) {
    benchmark::DoNotOptimize(aws::DeriveSigningKey(secret, "20240501", "eu-west-1", "s3"));
  }
}
BENCHMARK(BM_DeriveSigningKey)->Apply(Configure);

// SHA-256 hex of a v4 REST canonical request (part upload: 3 headers; initiate: 8).
void BM_CanonicalRequestHash(benchmark::State& state, std::string_view kind_name) {
  const std::string canonical = CanonicalRequestOf(kind_name);
  for (auto _ : state) benchmark::DoNotOptimize(aws::Sha256Hex(canonical));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * canonical.size()));
}
BENCHMARK_CAPTURE(BM_CanonicalRequestHash, rest_v4_part, "rest_v4_part")->Apply(Configure);
BENCHMARK_CAPTURE(BM_CanonicalRequestHash, rest_v4_initiate, "rest_v4_initiate")->Apply(Configure);

void BM_Sha256Small(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(aws::Sha256(kSmallInput));
}
BENCHMARK(BM_Sha256Small)->Apply(Configure);

void BM_HmacSha256Small(benchmark::State& state) {
  const aws::SigningKey key = aws::Sha256("key");
  for (auto _ : state) benchmark::DoNotOptimize(aws::HmacSha256(key, kSmallInput));
}
BENCHMARK(BM_HmacSha256Small)->Apply(Configure);

void BM_HmacSha1Small(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(aws::HmacSha1(kSecret, kSmallInput));
}
BENCHMARK(BM_HmacSha1Small)->Apply(Configure);

// A whole v4 signature from a cached key: cache lookup + HMAC + hex (what SignV4 costs).
void BM_SignV4CachedKey(benchmark::State& state) {
  const aws::Credentials& credentials = SharedCredentials();
  const std::string string_to_sign(kSmallInput);
  for (auto _ : state) {
    benchmark::DoNotOptimize(credentials.SignV4("20240501", "eu-west-1", "s3", string_to_sign));
  }
}
BENCHMARK(BM_SignV4CachedKey)->Apply(Configure)->Threads(1)->Threads(2)->Threads(8)->UseRealTime();

}  // namespace
}  // namespace s3upload::bench
