// The shared Fine Uploader vectors (tests/data/fineuploader/vectors.json, the exact bodies of the
// protocol document with their signatures): every Fine Uploader body is accepted by the profile of
// the document's example configuration and signs to the recorded signature.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <fstream>
#include <sstream>
#include <string>

#include "verify/verify_test_support.h"

namespace s3upload::verify::verify_test {
namespace {

const char kVectorsPath[] = S3US_TEST_DATA_DIR "/fineuploader/vectors.json";

struct Vector {
  std::string name;
  std::string kind;
  int version = 0;
  std::string body;
  std::string signature;
  std::string canonical_hash;
};

std::optional<std::vector<Vector>> LoadVectors() {
  std::ifstream in(kVectorsPath, std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  const std::string json = text.str();
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  if (doc.HasParseError() || !doc.IsArray()) {
    ADD_FAILURE() << kVectorsPath << " is not a JSON array";
    return std::vector<Vector>{};
  }
  std::vector<Vector> vectors;
  for (const auto& entry : doc.GetArray()) {
    Vector v;
    auto text_of = [&](const char* name) {
      return entry.HasMember(name) && entry[name].IsString()
                 ? std::string(entry[name].GetString(), entry[name].GetStringLength())
                 : std::string();
    };
    v.name = text_of("name");
    v.kind = text_of("kind");
    v.version =
        entry.HasMember("version") && entry["version"].IsInt() ? entry["version"].GetInt() : 0;
    v.body = text_of("body");
    v.signature = text_of("signature");
    v.canonical_hash = text_of("canonical_hash");
    vectors.push_back(std::move(v));
  }
  return vectors;
}

// The profile matching each documented configuration (protocol 3.3, 3.5, 4.3, 4.4).
UploadRules RulesFor(const Vector& v) {
  if (v.name.find("prefixed") != std::string::npos) return PrefixedAnyRules();
  if (v.name.find("iframe") != std::string::npos) return IframeRules();
  return DocRules();
}

std::string HeadersOf(std::string_view body) {
  rapidjson::Document doc;
  doc.Parse(body.data(), body.size());
  if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("headers")) return {};
  return std::string(doc["headers"].GetString(), doc["headers"].GetStringLength());
}

TEST(FineUploaderVectorsTest, EveryFineUploaderBodyIsAcceptedAndSignsAsRecorded) {
  const std::optional<std::vector<Vector>> vectors = LoadVectors();
  if (!vectors) GTEST_SKIP() << kVectorsPath << " does not exist yet";
  EXPECT_GE(vectors->size(), 16u);
  std::size_t checked = 0;
  for (const Vector& v : *vectors) {
    SCOPED_TRACE(v.name);
    const SignatureVersion version = v.version == 4 ? SignatureVersion::kV4 : SignatureVersion::kV2;
    const Verdict verdict = VerifySignRequest(v.body, version, RulesFor(v), {}, Now());

    // AWS's GET Object example is valid SigV4 but not a Fine Uploader upload: never signed.
    if (v.name.find("aws-get") != std::string::npos) {
      EXPECT_NE(RuleOf(verdict), "<accepted>");
      continue;
    }
    const SigningTask task = Accepted(verdict);
    if (!std::holds_alternative<SigningTask>(verdict)) continue;
    ++checked;
    const std::string actual_signature =
        version == SignatureVersion::kV4 ? SignV4(task) : SignV2(task.string_to_sign);
    if (v.kind == "policy") {
      if (v.body.find("content-length-range") != std::string::npos) {
        EXPECT_EQ(task.string_to_sign, aws::Base64Encode(v.body));
        EXPECT_EQ(actual_signature, v.signature);
      } else {
        // No size range in the body: the profile's range is added (protocol 11.7), so the
        // signature is ours, not the one computed over the untightened body.
        EXPECT_EQ(*aws::Base64Decode(task.string_to_sign),
                  Replace(v.body, "}]}", R"(},["content-length-range","1","20000000"]]})"));
      }
    } else {
      ASSERT_EQ(v.kind, "rest");
      const std::string headers = HeadersOf(v.body);
      if (version == SignatureVersion::kV2) {
        EXPECT_EQ(task.string_to_sign, headers);
      } else {
        EXPECT_EQ(LastLine(task.string_to_sign), v.canonical_hash);
        EXPECT_EQ(LastLine(task.string_to_sign),
                  aws::Sha256Hex(headers.substr(headers.find("aws4_request\n") + 13)));
      }
      EXPECT_EQ(actual_signature, v.signature);
    }
  }
  EXPECT_GE(checked, 15u);
}

}  // namespace
}  // namespace s3upload::verify::verify_test
