// The params handler's decisions: reading the file description (Uppy's query, a JSON body, a
// form), and the upload planned from it: key, Content-Type, size range, metadata, success action;
// every refusal with its rule.
#include "handlers/upload_plan.h"

#include <gtest/gtest.h>

#include "handlers/handler_test_support.h"

namespace s3upload::handlers::internal {
namespace {

using handlers_test::kUuid;

const std::string kPrefix = "uploads/alice/";

config::Profile ParamsProfile() {
  config::Profile profile = handlers_test::UserProfile();
  profile.rules.key.shapes = {verify::KeyRules::Shape::kUuidWithExtension,
                              verify::KeyRules::Shape::kUuid};
  profile.rules.key.extensions = {"jpg", "jpeg", "png", "pdf", "txt"};
  profile.rules.content_types = {"image/*", "application/pdf", "text/plain"};
  profile.rules.min_size = 1;
  profile.rules.max_size = 1000;
  config::ParamsSettings params;
  params.key_template = "uploads/{user}/{uuid}{ext}";
  profile.params = params;
  return profile;
}

verify::Caller Alice() {
  verify::Caller caller;
  caller.user = "alice";
  return caller;
}

http::Request Get(std::string query) {
  http::Request request;
  request.method = "GET";
  request.query = std::move(query);
  return request;
}

http::Request PostJson(std::string body, std::string query = "") {
  http::Request request;
  request.method = "POST";
  request.content_type = "application/json";
  request.query = std::move(query);
  request.body = std::move(body);
  return request;
}

FileDescription Read(const http::Request& request) {
  auto read = ReadFileDescription(request);
  if (const auto* refusal = std::get_if<ParamsRefusal>(&read)) {
    ADD_FAILURE() << refusal->rule << ": " << refusal->detail;
    return {};
  }
  return std::get<FileDescription>(read);
}

std::string ReadRule(const http::Request& request) {
  auto read = ReadFileDescription(request);
  const auto* refusal = std::get_if<ParamsRefusal>(&read);
  return refusal ? refusal->rule : "accepted";
}

FileDescription File(std::string name, std::string type = "",
                     std::optional<std::uint64_t> size = std::nullopt) {
  FileDescription file;
  file.name = std::move(name);
  file.type = std::move(type);
  file.size = size;
  return file;
}

class PlanTest : public ::testing::Test {
 protected:
  UploadPlan Plan(const FileDescription& file) {
    auto planned = PlanUpload(file, profile_, caller_, kUuid);
    if (const auto* refusal = std::get_if<ParamsRefusal>(&planned)) {
      ADD_FAILURE() << refusal->rule << ": " << refusal->detail;
      return {};
    }
    return std::get<UploadPlan>(planned);
  }
  ParamsRefusal Refusal(const FileDescription& file) {
    auto planned = PlanUpload(file, profile_, caller_, kUuid);
    if (const auto* refusal = std::get_if<ParamsRefusal>(&planned)) return *refusal;
    ADD_FAILURE() << "planned " << std::get<UploadPlan>(planned).key;
    return {};
  }

  config::Profile profile_ = ParamsProfile();
  verify::Caller caller_ = Alice();
};

// --- reading the request ---------------------------------------------------------------------

TEST(ReadFileDescriptionTest, UppyQuery) {
  // What @uppy/aws-s3 sends: filename, type and the file's metadata, which is not stored.
  const FileDescription file = Read(
      Get("filename=my%20photo%20(1).jpg&type=image%2Fjpeg&metadata%5Bname%5D=my%20photo%20(1).jpg"
          "&metadata%5Btype%5D=image%2Fjpeg&metadata%5BrelativePath%5D=null"));
  EXPECT_EQ(file.name, "my photo (1).jpg");
  EXPECT_EQ(file.type, "image/jpeg");
  EXPECT_EQ(file.size, std::nullopt);
  EXPECT_EQ(file.redirect, std::nullopt);
}

TEST(ReadFileDescriptionTest, PlainQueryJsonAndFormBodies) {
  const FileDescription query = Read(Get("name=a+b.png&size=12&success_action_redirect=x"));
  EXPECT_EQ(query.name, "a b.png");
  EXPECT_EQ(query.type, "");
  EXPECT_EQ(query.size, 12u);
  EXPECT_EQ(query.redirect, "x");

  const FileDescription json = Read(
      PostJson(R"({"filename": "r\u00e9sum\u00e9.pdf", "type": "application/pdf", "size": 999,)"
               R"( "metadata": {"name": "x"}})"));
  EXPECT_EQ(json.name, "résumé.pdf");
  EXPECT_EQ(json.type, "application/pdf");
  EXPECT_EQ(json.size, 999u);

  const FileDescription json_strings =
      Read(PostJson(R"({"name": "a.txt", "size": "5", "type": null})"));
  EXPECT_EQ(json_strings.size, 5u);
  EXPECT_EQ(json_strings.type, "");

  // A JSON body without its Content-Type (Dropzone's and fetch's defaults vary).
  http::Request untyped = PostJson(R"({"name": "a.txt"})");
  untyped.content_type = "text/plain;charset=UTF-8";
  EXPECT_EQ(Read(untyped).name, "a.txt");

  http::Request form;
  form.method = "POST";
  form.content_type = "application/x-www-form-urlencoded";
  form.body = "name=a.txt&type=text%2Fplain&size=3";
  const FileDescription from_form = Read(form);
  EXPECT_EQ(from_form.name, "a.txt");
  EXPECT_EQ(from_form.type, "text/plain");
  EXPECT_EQ(from_form.size, 3u);
}

TEST(ReadFileDescriptionTest, RefusesStrangersRepeatsAndMalformedInput) {
  EXPECT_EQ(ReadRule(Get("filename=a.jpg&key=uploads/bob/x.jpg")), "params.field.unknown");
  EXPECT_EQ(ReadRule(Get("filename=a.jpg&acl=public-read")), "params.field.unknown");
  EXPECT_EQ(ReadRule(Get("filename=a.jpg&filename=b.jpg")), "params.field.repeated");
  EXPECT_EQ(ReadRule(Get("filename=a.jpg&name=b.jpg")), "params.field.repeated");
  EXPECT_EQ(ReadRule(PostJson(R"({"name": "b.jpg"})", "filename=a.jpg")), "params.field.repeated");
  EXPECT_EQ(ReadRule(PostJson(R"({"name": "a.jpg", "name": "b.jpg"})")), "params.field.repeated");
  EXPECT_EQ(ReadRule(Get("filename=a%zz.jpg")), "params.request.form");
  for (const char* size : {"-1", "1.5", "1e3", "", "01", "0x10", "18446744073709551616", " 1"}) {
    EXPECT_EQ(ReadRule(Get("filename=a.jpg&size=" + aws::UriEncode(size, true))),
              "params.size.malformed")
        << size;
  }
  EXPECT_EQ(ReadRule(PostJson(R"({"name": "a.jpg", "size": -1})")), "params.size.malformed");
  EXPECT_EQ(ReadRule(PostJson(R"({"name": "a.jpg", "size": 2.5})")), "params.size.malformed");
  EXPECT_EQ(ReadRule(PostJson(R"({"name": 5})")), "params.request.json");
  EXPECT_EQ(ReadRule(PostJson(R"({"name": "a.jpg", "metadata": "x"})")), "params.request.json");
  EXPECT_EQ(ReadRule(PostJson(R"({"name": "a.jpg", "bucket": "other"})")), "params.field.unknown");
  EXPECT_EQ(ReadRule(PostJson(R"({"name": "a.jpg"} trailing)")), "params.request.json");
  EXPECT_EQ(ReadRule(PostJson(R"(["a.jpg"])")), "params.request.json");
  EXPECT_EQ(ReadRule(PostJson("{\"name\": \"a\xff.jpg\"}")), "params.request.json");
}

// --- planning --------------------------------------------------------------------------------

TEST_F(PlanTest, PostWithTheRequestsType) {
  const UploadPlan plan = Plan(File("my photo (1).JPG", "image/jpeg"));
  EXPECT_EQ(plan.key, kPrefix + std::string(kUuid) + ".jpg");
  EXPECT_EQ(plan.content_type, "image/jpeg");
  EXPECT_EQ(plan.min_size, 1u);
  EXPECT_EQ(plan.max_size, 1000u);
  EXPECT_EQ(plan.name_metadata, "filename");
  EXPECT_EQ(plan.name_metadata_value, "my%20photo%20%281%29.JPG");
  EXPECT_EQ(plan.success_action_status, "201");
  EXPECT_EQ(plan.success_action_redirect, "");
}

TEST_F(PlanTest, TypeDerivedFromTheExtensionWhenTheRequestHasNone) {
  EXPECT_EQ(Plan(File("scan.PDF")).content_type, "application/pdf");
  EXPECT_EQ(Plan(File("notes.txt")).content_type, "text/plain");
  // Known to the table but not allowed by the profile.
  ParamsRefusal refusal = Refusal(File("page.html"));
  EXPECT_EQ(refusal.rule, "params.content-type.not-allowed");
  EXPECT_EQ(refusal.status, 403);
  EXPECT_EQ(refusal.message, "files of type \"text/html\" are not allowed");
  // Unknown to the table.
  EXPECT_EQ(Refusal(File("setup.exe")).rule, "params.content-type.unknown");
  EXPECT_EQ(Refusal(File("README")).rule, "params.content-type.unknown");
}

TEST_F(PlanTest, TheRequestsTypeMustBeAllowedAndWellFormed) {
  EXPECT_EQ(Refusal(File("a.jpg", "text/html")).rule, "params.content-type.not-allowed");
  EXPECT_EQ(Refusal(File("a.jpg", "image/svg+xml; charset=utf-8")).rule,
            "params.content-type.not-allowed");
  EXPECT_EQ(Refusal(File("a.jpg", "image")).rule, "params.content-type.syntax");
  EXPECT_EQ(Refusal(File("a.jpg", "image/jpeg\r\nx-amz-acl: public-read")).rule,
            "params.content-type.syntax");
  // Exact, as sent: a type the profile allows by its wildcard.
  EXPECT_EQ(Plan(File("a.jpg", "image/WebP")).content_type, "image/WebP");
}

TEST_F(PlanTest, ExtensionOnlyFromTheAllowlist) {
  // Allowed type, extension not listed: the key has none (the key rules allow a bare uuid).
  EXPECT_EQ(Plan(File("a.gif")).key, kPrefix + std::string(kUuid));
  EXPECT_EQ(Plan(File("a.gif")).content_type, "image/gif");
  EXPECT_EQ(Plan(File("a", "image/png")).key, kPrefix + std::string(kUuid));
  // With uuid.ext as the only shape, such a file is refused.
  profile_.rules.key.shapes = {verify::KeyRules::Shape::kUuidWithExtension};
  const ParamsRefusal refusal = Refusal(File("a.gif"));
  EXPECT_EQ(refusal.rule, "params.extension");
  EXPECT_EQ(refusal.message, "files ending in \".gif\" are not allowed");
  EXPECT_EQ(Refusal(File("a", "image/png")).message, "files without an extension are not allowed");
  EXPECT_EQ(Plan(File("a.png")).key, kPrefix + std::string(kUuid) + ".png");
}

TEST_F(PlanTest, OddNamesMakeSafeKeysAndExactMetadata) {
  struct Case {
    std::string name, extension, encoded;
  };
  const std::vector<Case> cases = {
      {"my photo.jpg", ".jpg", "my%20photo.jpg"},
      {"Ünïcödé 写真 🎉.png", ".png",
       "%C3%9Cn%C3%AFc%C3%B6d%C3%A9%20%E5%86%99%E7%9C%9F%20%F0%9F%8E%89.png"},
      {"../../etc/passwd.txt", ".txt", "..%2F..%2Fetc%2Fpasswd.txt"},
      {"..\\..\\boot.ini.txt", ".txt", "..%5C..%5Cboot.ini.txt"},
      {"\"quoted\" 'name'.pdf", ".pdf", "%22quoted%22%20%27name%27.pdf"},
      {"a+b=c&d?e#f%20.txt", ".txt", "a%2Bb%3Dc%26d%3Fe%23f%2520.txt"},
      {"${filename}.jpg", ".jpg", "%24%7Bfilename%7D.jpg"},
      {std::string(996, 'n') + ".txt", ".txt", std::string(996, 'n') + ".txt"},
  };
  for (const Case& c : cases) {
    const UploadPlan plan = Plan(File(c.name));
    EXPECT_EQ(plan.key, kPrefix + std::string(kUuid) + c.extension) << c.name;
    EXPECT_EQ(plan.name_metadata_value, c.encoded) << c.name;
    EXPECT_EQ(aws::UriDecode(plan.name_metadata_value), c.name);
  }
}

TEST_F(PlanTest, NameRules) {
  EXPECT_EQ(Refusal(File("")).rule, "params.name.missing");
  EXPECT_EQ(Refusal(File("a\nb.jpg")).rule, "params.name.control");
  EXPECT_EQ(Refusal(File("a\x7f.jpg")).rule, "params.name.control");
  EXPECT_EQ(Refusal(File("a\xc3.jpg")).rule, "params.name.utf8");
  EXPECT_EQ(Refusal(File("a\xed\xa0\x80.jpg")).rule, "params.name.utf8");  // a surrogate
  EXPECT_EQ(Refusal(File(std::string(kMaxNameBytes, 'a') + ".jpg")).rule, "params.name.too-long");
  // The encoded name must fit metadata.max_size with its name: 2048 - 8 ("filename") bytes.
  EXPECT_EQ(Plan(File(std::string(2036, 'a') + ".jpg")).name_metadata_value.size(), 2040u);
  const ParamsRefusal too_long = Refusal(File(std::string(2037, 'a') + ".jpg"));
  EXPECT_EQ(too_long.rule, "params.name.too-long");
  EXPECT_EQ(too_long.status, 400);
  // 700 characters of two bytes each, six once encoded.
  std::string accented;
  for (int i = 0; i < 700; ++i) accented += "\xc3\xa9";
  EXPECT_EQ(Refusal(File(accented + ".jpg")).rule, "params.name.too-long");
  // Without name metadata, only the byte limit applies.
  profile_.params->name_metadata = "";
  const UploadPlan plan = Plan(File(std::string(3000, 'a') + ".jpg"));
  EXPECT_EQ(plan.name_metadata, "");
  EXPECT_EQ(plan.name_metadata_value, "");
}

TEST_F(PlanTest, SizeChecksAndExactSize) {
  EXPECT_EQ(Plan(File("a.jpg", "", 1000)).max_size, 1000u);
  EXPECT_EQ(Plan(File("a.jpg", "", 1000)).min_size, 1u);  // not narrowed by default
  EXPECT_EQ(Refusal(File("a.jpg", "", 1001)).rule, "params.size.too-large");
  EXPECT_EQ(Refusal(File("a.jpg", "", 1001)).status, 403);
  EXPECT_EQ(Refusal(File("a.jpg", "", 0)).rule, "params.size.too-small");
  profile_.params->exact_size = true;
  const UploadPlan exact = Plan(File("a.jpg", "", 512));
  EXPECT_EQ(exact.min_size, 512u);
  EXPECT_EQ(exact.max_size, 512u);
  EXPECT_EQ(Refusal(File("a.jpg")).rule, "params.size.missing");
}

TEST_F(PlanTest, PutBindsTheSizeAndHasNoSuccessAction) {
  profile_.params->method = config::ParamsSettings::Method::kPut;
  const UploadPlan plan = Plan(File("a.png", "image/png", 77));
  EXPECT_EQ(plan.min_size, 77u);
  EXPECT_EQ(plan.max_size, 77u);
  EXPECT_EQ(plan.success_action_status, "");
  EXPECT_EQ(plan.success_action_redirect, "");
  EXPECT_EQ(Refusal(File("a.png", "image/png")).rule, "params.size.missing");
  FileDescription redirect = File("a.png", "image/png", 77);
  redirect.redirect = "https://app.example.com/done";
  EXPECT_EQ(Refusal(redirect).rule, "params.redirect.not-allowed");
}

TEST_F(PlanTest, Redirects) {
  FileDescription file = File("a.png");
  file.redirect = "https://app.example.com/done";
  EXPECT_EQ(Refusal(file).rule, "params.redirect.not-allowed");  // none configured
  profile_.params->success_action_redirects = {"https://app.example.com/done",
                                               "https://app.example.com/other"};
  EXPECT_EQ(Plan(file).success_action_redirect, "https://app.example.com/done");
  EXPECT_EQ(Plan(file).success_action_status, "");
  file.redirect = "https://app.example.com/other";
  EXPECT_EQ(Plan(file).success_action_redirect, "https://app.example.com/other");
  file.redirect = "https://app.example.com/other?x";
  EXPECT_EQ(Refusal(file).rule, "params.redirect.not-allowed");
  file.redirect.reset();
  EXPECT_EQ(Plan(file).success_action_redirect, "https://app.example.com/done");  // the first
}

TEST_F(PlanTest, TheCallerNarrowsAndNamesTheFolder) {
  caller_.max_size = 100;
  caller_.content_types = {"application/pdf"};
  EXPECT_EQ(Plan(File("a.pdf")).max_size, 100u);
  EXPECT_EQ(Refusal(File("a.pdf", "", 101)).rule, "params.size.too-large");
  EXPECT_EQ(Refusal(File("a.png")).rule, "params.content-type.not-allowed");  // profile: yes
  caller_.content_types = {"text/html"};  // never wider than the profile
  EXPECT_EQ(Refusal(File("a.html")).rule, "params.content-type.not-allowed");

  verify::Caller anonymous;
  auto planned = PlanUpload(File("a.png"), profile_, anonymous, kUuid);
  ASSERT_TRUE(std::holds_alternative<ParamsRefusal>(planned));
  EXPECT_EQ(std::get<ParamsRefusal>(planned).rule, "key.user");
  EXPECT_EQ(std::get<ParamsRefusal>(planned).message, "uploads here need a signed-in user");
  verify::Caller climber;
  for (const char* user : {"..", "a/b", "a b", "."}) {
    climber.user = user;
    planned = PlanUpload(File("a.png"), profile_, climber, kUuid);
    ASSERT_TRUE(std::holds_alternative<ParamsRefusal>(planned)) << user;
    EXPECT_TRUE(std::get<ParamsRefusal>(planned).rule.starts_with("key.")) << user;
  }
}

TEST(EncodeFileNameTest, PercentEncodesEverythingButUnreserved) {
  EXPECT_EQ(EncodeFileName("AZaz09-._~"), "AZaz09-._~");
  EXPECT_EQ(EncodeFileName(" !\"#$%&'()*+,/:;<=>?@[\\]^`{|}"),
            "%20%21%22%23%24%25%26%27%28%29%2A%2B%2C%2F%3A%3B%3C%3D%3E%3F%40%5B%5C%5D%5E%60%7B%7C%"
            "7D");
  EXPECT_EQ(EncodeFileName("é"), "%C3%A9");
}

}  // namespace
}  // namespace s3upload::handlers::internal
