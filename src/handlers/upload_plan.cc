// ReadFileDescription and PlanUpload: the params handler's checks, all made before anything is
// signed. The client only describes its file; the key, the exact Content-Type, the size range,
// the metadata and what S3 answers afterwards are chosen here from the profile.
#include "handlers/upload_plan.h"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <algorithm>
#include <charconv>
#include <utility>
#include <vector>

#include "handlers/mime_types.h"
#include "handlers/replies.h"
#include "s3upload/aws.h"
#include "text/utf8.h"

namespace s3upload::handlers::internal {
namespace {

constexpr std::string_view kMetadataPrefix = "metadata[";
// A JSON body with more members than this is not a file description.
constexpr std::size_t kMaxJsonMembers = 16;

ParamsRefusal Refuse(int status, std::string rule, std::string detail, std::string message) {
  return ParamsRefusal{status, std::move(rule), std::move(detail), std::move(message)};
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
    return lower(x) == lower(y);
  });
}

// Collects the fields of a request, whatever their source, refusing repeats and strangers.
class FieldReader {
 public:
  std::optional<ParamsRefusal> Add(std::string_view name, std::string value) {
    if (name.starts_with(kMetadataPrefix) && name.ends_with("]")) {
      return std::nullopt;  // Uppy's metadata[...]: nothing of it is stored (see README)
    }
    std::optional<std::string>* slot = nullptr;
    if (name == "filename" || name == "name") {
      slot = &name_;
    } else if (name == "type") {
      slot = &type_;
    } else if (name == "size") {
      slot = &size_;
    } else if (name == "success_action_redirect") {
      slot = &redirect_;
    } else {
      return Refuse(400, "params.field.unknown", "field " + Quoted(name),
                    "unknown parameter \"" + std::string(name.substr(0, 64)) +
                        "\" (expected filename or name, type, size)");
    }
    if (slot->has_value()) {
      return Refuse(400, "params.field.repeated", "field " + Quoted(name),
                    "the parameter \"" + std::string(name) + "\" is given twice");
    }
    *slot = std::move(value);
    return std::nullopt;
  }

  // The size as sent in a query or form (a JSON number is turned into these digits first).
  std::variant<FileDescription, ParamsRefusal> Finish() && {
    FileDescription file;
    file.name = name_.value_or("");
    file.type = type_.value_or("");
    file.redirect = std::move(redirect_);
    if (size_) {
      std::uint64_t value = 0;
      const char* end = size_->data() + size_->size();
      const auto [stop, error] = std::from_chars(size_->data(), end, value);
      const bool leading_zero = size_->size() > 1 && size_->front() == '0';
      if (size_->empty() || error != std::errc() || stop != end || leading_zero) {
        return Refuse(400, "params.size.malformed", "size " + Quoted(*size_),
                      "size must be a number of bytes");
      }
      file.size = value;
    }
    return file;
  }

 private:
  std::optional<std::string> name_, type_, size_, redirect_;
};

std::optional<ParamsRefusal> AddForm(std::string_view text, FieldReader& fields) {
  const std::optional<http::Fields> form = http::ParseFormUrlEncoded(text);
  if (!form) {
    return Refuse(400, "params.request.form", "malformed percent-encoding",
                  "the request's parameters are not properly encoded");
  }
  for (const auto& [name, value] : *form) {
    if (auto refusal = fields.Add(name, value)) return refusal;
  }
  return std::nullopt;
}

ParamsRefusal JsonRefusal(std::string detail) {
  return Refuse(400, "params.request.json", std::move(detail),
                "the request body is not a JSON object describing a file");
}

std::optional<ParamsRefusal> AddJson(std::string_view text, FieldReader& fields) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseValidateEncodingFlag>(text.data(), text.size());
  if (doc.HasParseError()) {
    return JsonRefusal(std::string(rapidjson::GetParseError_En(doc.GetParseError())) + " at " +
                       std::to_string(doc.GetErrorOffset()));
  }
  if (!doc.IsObject()) return JsonRefusal("not an object");
  if (doc.MemberCount() > kMaxJsonMembers) return JsonRefusal("too many members");
  // By index: RapidJSON's member iterators make clang warn that C++20 finds their != ambiguous.
  const auto members = doc.MemberBegin();
  const auto name_of = [&members](rapidjson::SizeType i) {
    return std::string_view(members[i].name.GetString(), members[i].name.GetStringLength());
  };
  for (rapidjson::SizeType i = 0; i < doc.MemberCount(); ++i) {
    const std::string_view name = name_of(i);
    const rapidjson::Value& value = members[i].value;
    if (name == "metadata") {
      if (!value.IsObject()) return JsonRefusal("metadata is not an object");
      continue;  // as Uppy's metadata[...] in a query: not stored
    }
    for (rapidjson::SizeType earlier = 0; earlier < i; ++earlier) {
      if (name == name_of(earlier)) {
        return Refuse(400, "params.field.repeated", "member " + Quoted(name),
                      "the parameter \"" + std::string(name.substr(0, 64)) + "\" is given twice");
      }
    }
    std::string text_value;
    if (value.IsString()) {
      text_value.assign(value.GetString(), value.GetStringLength());
    } else if (name == "size" && value.IsUint64()) {
      text_value = std::to_string(value.GetUint64());
    } else if (name == "type" && value.IsNull()) {
      continue;  // no type: derived from the extension
    } else {
      // Also a negative or fractional size: fields.Add reports a stranger first.
      if (auto refusal = fields.Add(name, "")) return refusal;
      return Refuse(400, name == "size" ? "params.size.malformed" : "params.request.json",
                    "member " + Quoted(name) + " has the wrong type",
                    name == "size" ? "size must be a number of bytes"
                                   : "\"" + std::string(name) + "\" must be a string");
    }
    if (auto refusal = fields.Add(name, std::move(text_value))) return refusal;
  }
  return std::nullopt;
}

bool IsJsonBody(const http::Request& request) {
  const std::string_view type = request.content_type;
  if (EqualsIgnoreCase(type.substr(0, type.find(';')), "application/json")) return true;
  const std::size_t first = request.body.find_first_not_of(" \t\r\n");
  return first != std::string::npos && request.body[first] == '{';
}

bool HasControlCharacter(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte < 0x20 || byte == 0x7f;
  });
}

// CheckContentType's refusal under this handler's rule names and with a message for the user.
std::optional<ParamsRefusal> CheckType(std::string_view type, const verify::UploadRules& rules,
                                       const verify::UploadRules* narrowed) {
  std::optional<verify::Refusal> refusal = verify::CheckContentType(type, rules);
  if (!refusal && narrowed != nullptr) refusal = verify::CheckContentType(type, *narrowed);
  if (!refusal) return std::nullopt;
  const bool syntax = refusal->rule.ends_with(".syntax");
  return Refuse(
      syntax ? 400 : 403, syntax ? "params.content-type.syntax" : "params.content-type.not-allowed",
      std::move(refusal->detail),
      syntax ? "the file type is not a media type"
             : "files of type \"" + std::string(type.substr(0, 100)) + "\" are not allowed");
}

bool ListsExtension(const verify::KeyRules& key, std::string_view extension) {
  return std::find(key.extensions.begin(), key.extensions.end(), extension) != key.extensions.end();
}

// The first extension of key.extensions whose type (built-in table) is `type`; empty if none.
std::string ExtensionForType(std::string_view type, const verify::KeyRules& key) {
  for (const std::string& extension : key.extensions) {
    const std::optional<std::string_view> known = MediaTypeForExtension(extension);
    if (known && EqualsIgnoreCase(*known, type)) return extension;
  }
  return "";
}

}  // namespace

std::string EncodeFileName(std::string_view name) {
  return aws::UriEncode(name, /*encode_slash=*/true);
}

std::variant<FileDescription, ParamsRefusal> ReadFileDescription(const http::Request& request) {
  FieldReader fields;
  if (auto refusal = AddForm(request.query, fields)) return *refusal;
  if (!request.body.empty()) {
    auto refusal =
        IsJsonBody(request) ? AddJson(request.body, fields) : AddForm(request.body, fields);
    if (refusal) return *refusal;
  }
  return std::move(fields).Finish();
}

std::variant<UploadPlan, ParamsRefusal> PlanUpload(const FileDescription& file,
                                                   const config::Profile& profile,
                                                   const verify::Caller& caller,
                                                   std::string_view uuid, FileNaming naming) {
  const config::ParamsSettings& settings = *profile.params;
  const verify::UploadRules& rules = profile.rules;
  const std::optional<verify::UploadRules> narrowed =
      caller.narrows() ? std::optional(verify::NarrowedRules(rules, caller)) : std::nullopt;
  const verify::UploadRules& limits = narrowed ? *narrowed : rules;
  const bool put = settings.method == config::ParamsSettings::Method::kPut;

  // The name: only described, never used as a path. A form page's file has none yet.
  const std::string& name = file.name;
  const bool unnamed = name.empty() && naming == FileNaming::kChosenLater;
  if (name.empty() && !unnamed) {
    return Refuse(400, "params.name.missing", "no filename or name",
                  "the request names no file (filename or name)");
  }
  if (name.size() > kMaxNameBytes) {
    return Refuse(400, "params.name.too-long", std::to_string(name.size()) + " bytes",
                  "the file name is too long");
  }
  if (!text::IsValidUtf8(name)) {
    return Refuse(400, "params.name.utf8", "the name is not valid UTF-8",
                  "the file name is not valid UTF-8");
  }
  if (HasControlCharacter(name)) {
    return Refuse(400, "params.name.control", "control character in the name",
                  "the file name contains control characters");
  }

  // The size: checked when declared, required when it is to be bound.
  UploadPlan plan;
  plan.min_size = rules.min_size;
  plan.max_size = limits.max_size;
  if (file.size) {
    if (*file.size > limits.max_size) {
      return Refuse(
          403, "params.size.too-large",
          std::to_string(*file.size) + " bytes, at most " + std::to_string(limits.max_size),
          "the file is too large (at most " + std::to_string(limits.max_size) +
              " bytes are allowed)");
    }
    if (*file.size < rules.min_size) {
      return Refuse(
          403, "params.size.too-small",
          std::to_string(*file.size) + " bytes, at least " + std::to_string(rules.min_size),
          "the file is too small (at least " + std::to_string(rules.min_size) +
              " bytes are needed)");
    }
    if (put || settings.exact_size) plan.min_size = plan.max_size = *file.size;
  } else if (put || settings.exact_size) {
    return Refuse(400, "params.size.missing", put ? "method put" : "exact_size",
                  "the request must give the file's size");
  }

  // The Content-Type: exact, the request's or the extension's, and allowed.
  std::string extension = FileExtension(name);
  if (!file.type.empty()) {
    plan.content_type = file.type;
  } else if (unnamed) {
    return Refuse(403, "params.content-type.unknown", "no type and no name",
                  "the request gives no file type: choose one");
  } else if (auto derived = MediaTypeForExtension(extension)) {
    plan.content_type = std::string(*derived);
  } else {
    return Refuse(403, "params.content-type.unknown", "no type, extension " + Quoted(extension),
                  "the request gives no file type, and none is known for this file name");
  }
  if (auto refusal = CheckType(plan.content_type, rules, narrowed ? &*narrowed : nullptr)) {
    return *refusal;
  }
  if (unnamed) extension = ExtensionForType(plan.content_type, rules.key);

  // What S3 answers after a POST upload.
  if (file.redirect) {
    const auto& allowed = settings.success_action_redirects;
    if (put || std::find(allowed.begin(), allowed.end(), *file.redirect) == allowed.end()) {
      return Refuse(403, "params.redirect.not-allowed", "redirect " + Quoted(*file.redirect),
                    "this success_action_redirect is not allowed");
    }
    plan.success_action_redirect = *file.redirect;
  } else if (!put && !settings.success_action_redirects.empty()) {
    plan.success_action_redirect = settings.success_action_redirects.front();
  } else if (!put) {
    plan.success_action_status = settings.success_action_status;
  }

  // The key: the template's, with the extension only when the allowlist has it. A user the key
  // needs must be there (CheckKey would first see the empty segment it leaves).
  if (caller.user.empty() && settings.key_template.find("{user}") != std::string::npos) {
    return Refuse(403, "key.user", "the key prefix needs an authenticated user",
                  "uploads here need a signed-in user");
  }
  const bool wants_extension = settings.key_template.ends_with("{ext}");
  const bool extension_listed = !extension.empty() && ListsExtension(rules.key, extension);
  plan.key = config::ExpandKeyTemplate(settings.key_template, caller.user, uuid,
                                       extension_listed ? "." + extension : "");
  if (auto refusal = verify::CheckKey(plan.key, rules.key, caller)) {
    if (wants_extension && !extension_listed &&
        (refusal->rule == "key.shape" || refusal->rule == "key.extension")) {
      // The key rules want an extension of the list, and the file has none of them.
      if (unnamed) {
        return Refuse(403, "params.extension",
                      "no listed extension for type " + Quoted(plan.content_type),
                      "files of type \"" + plan.content_type.substr(0, 100) +
                          "\" cannot be stored here (no file extension is allowed for it)");
      }
      return Refuse(403, "params.extension", "extension " + Quoted(extension),
                    extension.empty()
                        ? "files without an extension are not allowed"
                        : "files ending in \"." + extension.substr(0, 16) + "\" are not allowed");
    }
    const bool user = refusal->rule == "key.user";
    return Refuse(403, std::move(refusal->rule), std::move(refusal->detail),
                  user ? "uploads here need a signed-in user" : "no key can be made for this file");
  }

  // The original name, encoded, within the profile's metadata budget (a form page knows none).
  if (!settings.name_metadata.empty() && !unnamed) {
    plan.name_metadata = settings.name_metadata;
    plan.name_metadata_value = EncodeFileName(name);
    const std::size_t used = plan.name_metadata.size() + plan.name_metadata_value.size();
    if (used > rules.max_metadata_bytes) {
      return Refuse(400, "params.name.too-long",
                    "encoded name and metadata name " + std::to_string(used) + " bytes, at most " +
                        std::to_string(rules.max_metadata_bytes),
                    "the file name is too long");
    }
  }
  return plan;
}

}  // namespace s3upload::handlers::internal
