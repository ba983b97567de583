// The sign handler: Fine Uploader's signature endpoint. Verify first, sign only what verify
// allowed.
#include <string>
#include <utility>

#include "s3upload/handlers.h"
#include "s3upload/verify.h"

namespace s3upload::handlers {
namespace {

std::string_view OperationName(const verify::SigningTask& task) {
  if (task.kind == verify::SigningTask::Kind::kPolicy) return "policy";
  switch (task.operation.value_or(verify::MultipartOperation::kInitiate)) {
    case verify::MultipartOperation::kInitiate:
      return "initiate";
    case verify::MultipartOperation::kUploadPart:
      return "part";
    case verify::MultipartOperation::kComplete:
      return "complete";
    case verify::MultipartOperation::kAbort:
      return "abort";
  }
  return "rest";
}

}  // namespace

http::Response Sign(const http::Request& request, const Context& context) {
  const config::Profile& profile = *context.route.profile;
  // Fine Uploader marks version 4 only with this query parameter (protocol doc 3.1); whether v4
  // (or v2) is acceptable at all is the profile's decision, checked by verify.
  const auto v4 = http::QueryValue(request.query, "v4");
  const auto version = v4 == "true" ? verify::SignatureVersion::kV4 : verify::SignatureVersion::kV2;
  const verify::Caller& caller = context.caller;

  verify::Verdict verdict =
      verify::VerifySignRequest(request.body, version, profile.rules, caller, context.now);
  if (caller.narrows() && std::holds_alternative<verify::SigningTask>(verdict)) {
    // Allowed by the profile; the token's narrower limits must allow it too, and what gets signed
    // (a size range added to a policy) is the narrower one.
    verdict = verify::VerifySignRequest(
        request.body, version, verify::NarrowedRules(profile.rules, caller), caller, context.now);
  }

  if (const auto* refusal = std::get_if<verify::Refusal>(&verdict)) {
    http::Response response =
        refusal->rule.starts_with("request.")
            // Not a signing request at all (unparseable, wrong shape): say what is wrong.
            ? http::JsonError(400, "malformed signature request: " + refusal->detail)
            // A well-formed request a rule refuses: what Fine Uploader S3 expects (HTTP 500 and
            // {"invalid": true}); the rule goes to the log, not to the client.
            : http::JsonResponse(500, R"({"invalid":true})");
    response.log_fields = {
        {"profile", profile.name}, {"refused", refusal->rule}, {"detail", refusal->detail}};
    return response;
  }

  auto& task = std::get<verify::SigningTask>(verdict);
  const aws::Credentials& credentials = *profile.signing_credentials;
  const bool is_v4 = task.version == verify::SignatureVersion::kV4;
  const std::string signature =
      is_v4 ? credentials.SignV4(task.scope_day, task.region, "s3", task.string_to_sign)
            : credentials.SignV2(task.string_to_sign);

  // Written into one buffer sized up front: the policy is most of the reply.
  std::string body;
  const bool is_policy = task.kind == verify::SigningTask::Kind::kPolicy;
  body.reserve((is_policy ? task.string_to_sign.size() : 0) + signature.size() + 32);
  if (is_policy) {
    body += "{\"policy\":";
    http::AppendJsonQuote(body, task.string_to_sign);
    body += ",\"signature\":";
  } else {
    body += "{\"signature\":";
  }
  http::AppendJsonQuote(body, signature);
  body += '}';
  http::Response response = http::JsonResponse(200, std::move(body));
  // Added one by one: a braced list would be copied, key and all, into the vector.
  response.log_fields.reserve(4);
  response.log_fields.emplace_back("profile", profile.name);
  response.log_fields.emplace_back("signed", OperationName(task));
  response.log_fields.emplace_back("version", is_v4 ? "v4" : "v2");
  response.log_fields.emplace_back("key", std::move(task.key));
  return response;
}

}  // namespace s3upload::handlers
