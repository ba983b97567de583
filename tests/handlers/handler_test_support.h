// Fakes for the handlers that call out (success, delete): an object store and a webhook notifier
// that record every call, and a profile and route to run them with.
#pragma once

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "s3upload/handlers.h"
#include "verify/verify_test_support.h"

namespace s3upload::handlers::handlers_test {

class FakeObjectStore final : public s3::ObjectStore {
 public:
  s3::HeadResult Head(const std::string& key) override {
    calls.push_back("HEAD " + key);
    if (failure) return *failure;
    const auto it = objects.find(key);
    if (it == objects.end()) return s3::NotFound{};
    return it->second;
  }
  s3::DeleteResult Delete(const std::string& key) override {
    calls.push_back("DELETE " + key);
    if (failure) return *failure;
    objects.erase(key);
    return s3::Deleted{};
  }
  std::string PresignGet(const std::string& key, std::chrono::seconds expires,
                         aws::TimePoint /*now*/) override {
    return "https://presigned.example/" + key + "?expires=" + std::to_string(expires.count());
  }

  std::map<std::string, s3::ObjectHead> objects;
  std::optional<s3::Error> failure;
  std::vector<std::string> calls;
};

class FakeNotifier final : public notify::Notifier {
 public:
  notify::WebhookResult Notify(const notify::WebhookTarget& target,
                               const notify::UploadEvent& event, aws::TimePoint /*now*/) override {
    targets.push_back(target);
    events.push_back(event);
    return result;
  }
  notify::WebhookResult result = notify::ReplyMembers{};
  std::vector<notify::WebhookTarget> targets;
  std::vector<notify::UploadEvent> events;
};

class FakeServices final : public Services {
 public:
  s3::ObjectStore& StoreFor(const config::Profile& /*profile*/) override { return store; }
  notify::Notifier& Notifier() override { return notifier; }
  const metrics::Registry& Metrics() override { return metrics; }
  FakeObjectStore store;
  FakeNotifier notifier;
  metrics::Registry metrics;
};

inline constexpr std::string_view kUuid = "a5d3c3c2-5b1e-4c43-9f1e-2d0c8a7b6e41";

// The document's profile with a per-user prefix: keys are uploads/<user>/<uuid>.<ext>.
inline config::Profile UserProfile() {
  config::Profile profile;
  profile.name = "photos";
  profile.endpoint = "https://s3.eu-west-1.amazonaws.com";
  profile.rules = verify::verify_test::DocRules();
  profile.rules.profile = profile.name;
  profile.rules.key.prefix = "uploads/{user}/";
  profile.rules.max_size = 1000;
  return profile;
}

// UserProfile() for server-built uploads (params and multipart routes): keys from the template
// uploads/{user}/{uuid}{ext}, a uuid with or without one of `extensions`, the given content types,
// signed with AWS's example key.
inline config::Profile ServerBuiltProfile(std::vector<std::string> extensions,
                                          std::vector<std::string> content_types) {
  config::Profile profile = UserProfile();
  profile.rules.key.shapes = {verify::KeyRules::Shape::kUuidWithExtension,
                              verify::KeyRules::Shape::kUuid};
  profile.rules.key.extensions = std::move(extensions);
  profile.rules.content_types = std::move(content_types);
  profile.signing_credentials = std::make_shared<const aws::Credentials>(
      std::string(verify::verify_test::kAccessKey),
      aws::SecretKey(std::string(verify::verify_test::kSecret)));
  config::ParamsSettings params;
  params.key_template = "uploads/{user}/{uuid}{ext}";
  profile.params = params;
  return profile;
}

// The body of a JSON answer (a test failure when it is not JSON).
inline rapidjson::Document Json(const http::Response& response) {
  rapidjson::Document doc;
  doc.Parse(response.body.data(), response.body.size());
  EXPECT_FALSE(doc.HasParseError()) << response.body;
  return doc;
}

inline std::string AliceKey(std::string_view extension = "jpg") {
  return "uploads/alice/" + std::string(kUuid) + "." + std::string(extension);
}

inline std::string LogField(const http::Response& response, std::string_view name) {
  for (const auto& [key, value] : response.log_fields) {
    if (key == name) return value;
  }
  return "";
}

}  // namespace s3upload::handlers::handlers_test
