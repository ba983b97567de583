// Routes with reply: html: the escaping and page helpers, the params handler's form page (the
// signed fields as hidden inputs, in order, then the file) and the success handler's result page
// (the same checks as the JSON reply; a refusal is never a 200 page).
#include <gtest/gtest.h>

#include <regex>

#include "handlers/handler_test_support.h"
#include "handlers/html_page.h"
#include "handlers/upload_plan.h"

namespace s3upload::handlers {
namespace {

using namespace handlers_test;
using internal::HtmlEscape;

std::string Header(const http::Response& response, std::string_view name) {
  for (const auto& [n, v] : response.headers) {
    if (n == name) return v;
  }
  return "";
}

// ----- helpers ---------------------------------------------------------------------------------

TEST(HtmlEscape, EscapesMarkupAndQuotesKeepsText) {
  EXPECT_EQ(HtmlEscape(""), "");
  EXPECT_EQ(HtmlEscape("plain text/ok 123"), "plain text/ok 123");
  EXPECT_EQ(HtmlEscape("<script>alert(\"x\")</script>"),
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
  EXPECT_EQ(HtmlEscape("a & b && c"), "a &amp; b &amp;&amp; c");
  EXPECT_EQ(HtmlEscape("it's \"quoted\""), "it&#39;s &quot;quoted&quot;");
  EXPECT_EQ(HtmlEscape("&amp;"), "&amp;amp;");  // escaped again: text, not a reference
  EXPECT_EQ(HtmlEscape("\" onmouseover='x'"), "&quot; onmouseover=&#39;x&#39;");
  // Characters beyond ASCII are kept as UTF-8.
  EXPECT_EQ(HtmlEscape("Ünïcödé 写真 🎉"), "Ünïcödé 写真 🎉");
  EXPECT_EQ(HtmlEscape("a\tb\nc\r"), "a\tb\nc\r");
  // Controls and ill-formed UTF-8 become U+FFFD.
  EXPECT_EQ(HtmlEscape(std::string("a\0b\x01\x7f", 5)),
            "a\xEF\xBF\xBD"
            "b\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(HtmlEscape("x\xC3<\xFF"), "x\xEF\xBF\xBD&lt;\xEF\xBF\xBD");
}

TEST(HtmlPage, UrlOriginAndHumanSize) {
  EXPECT_EQ(internal::UrlOrigin("https://mybucket.s3.eu-west-1.amazonaws.com/"),
            "https://mybucket.s3.eu-west-1.amazonaws.com");
  EXPECT_EQ(internal::UrlOrigin("http://Demo-Uploads.localhost:7480/k?x=1"),
            "http://demo-uploads.localhost:7480");
  EXPECT_EQ(internal::UrlOrigin("HTTP://[::1]:8080"), "http://[::1]:8080");
  EXPECT_EQ(internal::UrlOrigin("https://user:pw@example.com/"), "");
  EXPECT_EQ(internal::UrlOrigin("https://a.example;script-src *"), "");
  EXPECT_EQ(internal::UrlOrigin("javascript:alert(1)"), "");
  EXPECT_EQ(internal::UrlOrigin("ftp://example.com/"), "");
  EXPECT_EQ(internal::UrlOrigin("https:///x"), "");
  EXPECT_EQ(internal::HumanSize(20 * 1024 * 1024), "20 MiB");
  EXPECT_EQ(internal::HumanSize(512 * 1024), "512 KiB");
  EXPECT_EQ(internal::HumanSize(1000), "1000 bytes");
  EXPECT_EQ(internal::HumanSize(1), "1 byte");
}

TEST(HtmlPage, DocumentAndHeaders) {
  internal::HtmlPage page;
  page.title = "A <title> & more";
  page.body = "<p>body</p>\n";
  page.form_action = {"https://s3.example", "", "https://s3.example", "https://app.example"};
  const http::Response response = internal::HtmlResponse(200, page);
  EXPECT_EQ(response.status, 200);
  EXPECT_TRUE(response.body.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"));
  EXPECT_NE(response.body.find("<title>A &lt;title&gt; &amp; more</title>"), std::string::npos);
  EXPECT_NE(response.body.find("<p>body</p>"), std::string::npos);
  EXPECT_TRUE(response.body.ends_with("</html>\n"));
  EXPECT_EQ(Header(response, "Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(Header(response, "Cache-Control"), "no-store");
  EXPECT_EQ(Header(response, "X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(Header(response, "Referrer-Policy"), "no-referrer");
  const std::string csp = Header(response, "Content-Security-Policy");
  EXPECT_TRUE(std::regex_match(
      csp, std::regex("default-src 'none'; style-src 'sha256-[A-Za-z0-9+/]{43}='; img-src "
                      "'none'; form-action https://s3.example https://app.example; base-uri "
                      "'none'; frame-ancestors 'none'")))
      << csp;
  EXPECT_EQ(csp.find("script"), std::string::npos);
  EXPECT_EQ(response.body.find("<script"), std::string::npos);

  const http::Response message = internal::HtmlMessage(403, "No", "files of type \"<x>\"");
  EXPECT_EQ(message.status, 403);
  EXPECT_NE(message.body.find("<p id=\"message\">files of type &quot;&lt;x&gt;&quot;</p>"),
            std::string::npos);
  EXPECT_NE(Header(message, "Content-Security-Policy").find("form-action 'none'"),
            std::string::npos);
}

// ----- the form page (params, reply: html) ---------------------------------------------------

using verify::verify_test::kSecret;

class FormPage : public ::testing::Test {
 protected:
  void SetUp() override {
    profile_.rules.key.shapes = {verify::KeyRules::Shape::kUuidWithExtension};
    profile_.params->success_action_redirects = {
        "https://app.example.com/s3/done?from=form&x=\"<y>\""};
    route_.path = "/s3/form";
    route_.methods = {"GET"};
    route_.handler = config::HandlerKind::kParams;
    route_.reply = config::Route::Reply::kHtml;
    route_.profile = &profile_;
    caller_.user = "alice";
  }

  http::Response Get(const std::string& query) {
    http::Request request;
    request.method = "GET";
    request.path = route_.path;
    request.query = query;
    return Params(request, Context{snapshot_, route_, caller_, Now(), 1, &services_});
  }

  static aws::TimePoint Now() { return *aws::ParseAmzDate("20261121T200000Z"); }

  // The (name, value) of every <input type="hidden">, in document order (values unescaped for
  // the few references the page uses).
  static std::vector<std::pair<std::string, std::string>> HiddenInputs(const std::string& html) {
    std::vector<std::pair<std::string, std::string>> inputs;
    const std::regex input("<input type=\"hidden\" name=\"([^\"]*)\" value=\"([^\"]*)\">");
    for (auto it = std::sregex_iterator(html.begin(), html.end(), input);
         it != std::sregex_iterator(); ++it) {
      std::string value = (*it)[2];
      for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
               {"&quot;", "\""}, {"&lt;", "<"}, {"&gt;", ">"}, {"&#39;", "'"}, {"&amp;", "&"}}) {
        for (std::size_t at = value.find(from); at != std::string::npos;
             at = value.find(from, at + to.size())) {
          value.replace(at, from.size(), to);
        }
      }
      inputs.emplace_back((*it)[1], value);
    }
    return inputs;
  }

  config::Snapshot snapshot_;
  config::Profile profile_ =
      ServerBuiltProfile({"jpeg", "jpg", "png", "txt"}, {"image/*", "text/plain"});
  config::Route route_;
  verify::Caller caller_;
  FakeServices services_;
};

TEST_F(FormPage, TheSignedFieldsAsHiddenInputsThenTheFile) {
  const http::Response response = Get("type=image%2Fjpeg");
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(Header(response, "Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(Header(response, "Cache-Control"), "no-store");
  const std::string csp = Header(response, "Content-Security-Policy");
  EXPECT_NE(csp.find("form-action https://mybucket.s3.eu-west-1.amazonaws.com "
                     "https://app.example.com;"),
            std::string::npos)
      << csp;
  const std::string& html = response.body;
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_NE(
      html.find("<form method=\"post\" action=\"https://mybucket.s3.eu-west-1.amazonaws.com/\" "
                "enctype=\"multipart/form-data\">"),
      std::string::npos)
      << html;

  const auto inputs = HiddenInputs(html);
  std::vector<std::string> names;
  for (const auto& [name, value] : inputs) names.push_back(name);
  // No x-amz-meta-filename: the file is chosen after the page is made.
  EXPECT_EQ(names, (std::vector<std::string>{"key", "Content-Type", "success_action_redirect",
                                             "x-amz-algorithm", "x-amz-credential", "x-amz-date",
                                             "policy", "x-amz-signature"}));
  const std::string& key = inputs[0].second;
  // The extension comes from the type: the first of key.extensions the table gives image/jpeg.
  EXPECT_TRUE(std::regex_match(
      key, std::regex("uploads/alice/[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-"
                      "[0-9a-f]{12}\\.jpeg")))
      << key;
  EXPECT_EQ(inputs[1].second, "image/jpeg");
  // A value with quotes and markup arrives exactly, escaped in the attribute.
  EXPECT_EQ(inputs[2].second, "https://app.example.com/s3/done?from=form&x=\"<y>\"");
  EXPECT_NE(html.find("value=\"https://app.example.com/s3/done?from=form&amp;x=&quot;&lt;y&gt;"
                      "&quot;\""),
            std::string::npos);

  // The policy signed is the one in the page, and holds the key, the type and the redirect.
  const std::string policy = aws::Base64Decode(inputs[6].second).value();
  EXPECT_NE(policy.find("{\"Content-Type\": \"image/jpeg\"}"), std::string::npos) << policy;
  EXPECT_NE(policy.find("{\"key\": \"" + key + "\"}"), std::string::npos) << policy;
  EXPECT_NE(policy.find("success_action_redirect"), std::string::npos) << policy;
  EXPECT_NE(policy.find("[\"content-length-range\", 1, 1000]"), std::string::npos) << policy;
  EXPECT_EQ(inputs[7].second,
            aws::Signature(aws::DeriveSigningKey(aws::SecretKey(std::string(kSecret)), "20261121",
                                                 "eu-west-1", "s3"),
                           inputs[6].second));

  // The file input comes after every field, then the button; nothing else is posted.
  const std::size_t file = html.find(
      "<input type=\"file\" id=\"file\" name=\"file\" "
      "accept=\"image/jpeg\" required>");
  ASSERT_NE(file, std::string::npos) << html;
  EXPECT_GT(file, html.rfind("type=\"hidden\""));
  EXPECT_LT(file, html.find("<button type=\"submit\">"));
  EXPECT_EQ(LogField(response, "signed"), "params-post");
  EXPECT_EQ(LogField(response, "reply"), "html");
  EXPECT_EQ(LogField(response, "key"), key);
}

TEST_F(FormPage, ANamedFileAndOtherTypes) {
  // text/plain -> .txt; a name, when a page gives one, works as in the JSON reply.
  auto inputs = HiddenInputs(Get("type=text%2Fplain").body);
  ASSERT_FALSE(inputs.empty());
  EXPECT_TRUE(inputs[0].second.ends_with(".txt")) << inputs[0].second;
  const http::Response named = Get("filename=my%20photo.PNG");
  ASSERT_EQ(named.status, 200) << named.body;
  inputs = HiddenInputs(named.body);
  EXPECT_TRUE(inputs[0].second.ends_with(".png"));
  EXPECT_EQ(inputs[1].second, "image/png");
  EXPECT_EQ(inputs[3].first, "x-amz-meta-filename");
  EXPECT_EQ(inputs[3].second, "my%20photo.PNG");
}

TEST_F(FormPage, RefusalsArePagesThatSignNothing) {
  struct Case {
    std::string query;
    int status;
    std::string rule;
  };
  const std::vector<Case> cases = {
      {"", 403, "params.content-type.unknown"},
      {"type=text%2Fhtml", 403, "params.content-type.not-allowed"},
      {"type=%3Cb%3E", 400, "params.content-type.syntax"},
      // Allowed (image/*) but no extension of key.extensions has it, and keys need one.
      {"type=image%2Fgif", 403, "params.extension"},
      {"type=image%2Fpng&evil=1", 400, "params.field.unknown"},
      {"type=image%2Fpng&size=5000", 403, "params.size.too-large"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.query);
    const http::Response response = Get(c.query);
    EXPECT_EQ(response.status, c.status) << response.body;
    EXPECT_EQ(LogField(response, "refused"), c.rule);
    EXPECT_EQ(Header(response, "Content-Type"), "text/html; charset=utf-8");
    EXPECT_EQ(Header(response, "Cache-Control"), "no-store");
    EXPECT_EQ(response.body.find("<form"), std::string::npos);
    EXPECT_EQ(response.body.find("policy"), std::string::npos);
    EXPECT_EQ(response.body.find("<b>"), std::string::npos);  // client input escaped
    EXPECT_NE(response.body.find("<p id=\"message\">"), std::string::npos);
  }
}

TEST_F(FormPage, TheJsonReplyIsUnchangedAndStillNeedsAName) {
  route_.reply = config::Route::Reply::kJson;
  const http::Response response = Get("type=image%2Fjpeg");
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(LogField(response, "refused"), "params.name.missing");
  EXPECT_EQ(Header(response, "Content-Type"), "application/json");
}

// PlanUpload for a file chosen later: no name needed, the type required, no name metadata.
TEST(PlanUploadChosenLater, TypeGivesTheExtension) {
  config::Profile profile = UserProfile();
  profile.rules.key.shapes = {verify::KeyRules::Shape::kUuidWithExtension,
                              verify::KeyRules::Shape::kUuid};
  profile.rules.key.extensions = {"jpg", "jpeg"};
  profile.rules.content_types = {"image/*"};
  config::ParamsSettings params;
  params.key_template = "uploads/{user}/{uuid}{ext}";
  profile.params = params;
  verify::Caller caller;
  caller.user = "alice";
  internal::FileDescription file;
  file.type = "Image/JPEG";
  auto planned =
      internal::PlanUpload(file, profile, caller, kUuid, internal::FileNaming::kChosenLater);
  ASSERT_TRUE(std::holds_alternative<internal::UploadPlan>(planned));
  const auto& plan = std::get<internal::UploadPlan>(planned);
  EXPECT_EQ(plan.key, AliceKey("jpg"));
  EXPECT_TRUE(plan.name_metadata.empty());
  EXPECT_TRUE(plan.name_metadata_value.empty());
  // A type without a listed extension: a bare uuid, which these key rules allow.
  file.type = "image/png";
  planned = internal::PlanUpload(file, profile, caller, kUuid, internal::FileNaming::kChosenLater);
  ASSERT_TRUE(std::holds_alternative<internal::UploadPlan>(planned));
  EXPECT_EQ(std::get<internal::UploadPlan>(planned).key, "uploads/alice/" + std::string(kUuid));
  // Named requests still need their name.
  planned = internal::PlanUpload(file, profile, caller, kUuid);
  ASSERT_TRUE(std::holds_alternative<internal::ParamsRefusal>(planned));
  EXPECT_EQ(std::get<internal::ParamsRefusal>(planned).rule, "params.name.missing");
}

// ----- the success page (success, reply: html) -----------------------------------------------

class SuccessPage : public ::testing::Test {
 protected:
  void SetUp() override {
    route_.path = "/s3/done";
    route_.methods = {"GET"};
    route_.handler = config::HandlerKind::kSuccess;
    route_.reply = config::Route::Reply::kHtml;
    route_.profile = &profile_;
    caller_.user = "alice";
    services_.store.objects[AliceKey()] =
        s3::ObjectHead{500, "\"d41d8cd98f00b204e9800998ecf8427e\"", "image/jpeg"};
  }

  // What S3 redirects to: ?bucket=...&key=...&etag=... (the ETag with its quotes).
  http::Response Get(const std::string& query) {
    http::Request request;
    request.method = "GET";
    request.path = route_.path;
    request.query = query;
    return Success(request,
                   Context{snapshot_, route_, caller_, verify::verify_test::Now(), 1, &services_});
  }

  static std::string Redirect(const std::string& key, const std::string& bucket = "mybucket",
                              const std::string& etag = "%22d41d8cd98f00b204e9800998ecf8427e%22") {
    return "bucket=" + bucket + "&key=" + aws::UriEncode(key, true) + "&etag=" + etag;
  }

  config::Snapshot snapshot_;
  config::Profile profile_ = UserProfile();
  config::Route route_;
  verify::Caller caller_;
  FakeServices services_;
};

TEST_F(SuccessPage, AVerifiedUploadShowsKeySizeLinkAndPreview) {
  profile_.success.presigned_get = std::chrono::seconds(900);
  profile_.success.thumbnail = config::SuccessSettings::Thumbnail::kPresigned;
  const http::Response response = Get(Redirect(AliceKey()));
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(Header(response, "Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(Header(response, "Cache-Control"), "no-store");
  const std::string& html = response.body;
  EXPECT_NE(html.find("<title>Upload complete</title>"), std::string::npos);
  EXPECT_NE(html.find("<code id=\"key\">" + AliceKey() + "</code>"), std::string::npos) << html;
  EXPECT_NE(html.find("<span id=\"size\">500</span>"), std::string::npos);
  EXPECT_NE(html.find("<code id=\"content-type\">image/jpeg</code>"), std::string::npos);
  const std::string url = "https://presigned.example/" + AliceKey() + "?expires=900";
  EXPECT_NE(html.find("<a id=\"link\" href=\"" + url + "\""), std::string::npos) << html;
  EXPECT_NE(html.find("<img id=\"preview\" src=\"" + url + "\""), std::string::npos);
  EXPECT_NE(Header(response, "Content-Security-Policy").find("img-src https://presigned.example;"),
            std::string::npos);
  EXPECT_EQ(services_.store.calls, std::vector<std::string>{"HEAD " + AliceKey()});
  EXPECT_EQ(LogField(response, "profile"), "photos");
  EXPECT_EQ(LogField(response, "key"), AliceKey());
}

TEST_F(SuccessPage, RefusalsKeepTheirStatusAndSayWhy) {
  struct Case {
    std::string query, user;
    int status;
    std::string rule;
  };
  const std::vector<Case> cases = {
      {Redirect(AliceKey(), "otherbucket"), "alice", 403, "success.bucket"},
      {Redirect("uploads/bob/" + std::string(kUuid) + ".jpg"), "alice", 403, "key.prefix"},
      {Redirect(AliceKey()), "", 403, "key.user"},
      {"bucket=mybucket", "alice", 400, ""},
      {Redirect(AliceKey()) + "&key=x", "alice", 400, ""},
      {"key=%zz", "alice", 400, ""},
      {Redirect(AliceKey("png")), "alice", 404, "success.missing"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.query);
    caller_.user = c.user;
    const http::Response response = Get(c.query);
    EXPECT_EQ(response.status, c.status) << response.body;
    EXPECT_EQ(LogField(response, "refused"), c.rule);
    EXPECT_EQ(Header(response, "Content-Type"), "text/html; charset=utf-8");
    EXPECT_NE(response.body.find("<title>The upload was not accepted</title>"), std::string::npos);
    EXPECT_EQ(response.body.find("id=\"key\""), std::string::npos);
  }
}

TEST_F(SuccessPage, AnObjectBreakingARuleIsDeletedAndRefused) {
  services_.store.objects[AliceKey()] = {5000, "\"d41d8cd98f00b204e9800998ecf8427e\"",
                                         "image/jpeg"};
  http::Response response = Get(Redirect(AliceKey()));
  EXPECT_EQ(response.status, 422);
  EXPECT_EQ(LogField(response, "refused"), "success.size");
  EXPECT_NE(response.body.find("the file is too large (5000 bytes; at most 1000 are allowed)"),
            std::string::npos)
      << response.body;
  EXPECT_EQ(services_.store.calls,
            (std::vector<std::string>{"HEAD " + AliceKey(), "DELETE " + AliceKey()}));

  // S3's ETag is not the one of the link: refused, but a GET link deletes nothing for that (the
  // object keeps the rules; any site can make a browser follow a link).
  services_.store.calls.clear();
  services_.store.objects[AliceKey()] = {500, "\"abc\"", "image/jpeg"};
  response = Get(Redirect(AliceKey()));
  EXPECT_EQ(response.status, 422);
  EXPECT_EQ(LogField(response, "refused"), "success.etag");
  EXPECT_EQ(services_.store.calls, std::vector<std::string>{"HEAD " + AliceKey()});
  EXPECT_TRUE(services_.store.objects.contains(AliceKey()));

  services_.store.objects[AliceKey()] = {500, "\"abc\"", "text/html"};
  response = Get(Redirect(AliceKey(), "mybucket", ""));
  EXPECT_EQ(response.status, 422);
  EXPECT_EQ(LogField(response, "refused"), "success.content-type");
  EXPECT_NE(response.body.find("files of type &quot;text/html&quot; are not allowed"),
            std::string::npos);
}

TEST_F(SuccessPage, StorageFailuresAre502Or503) {
  services_.store.failure = s3::Error{s3::Error::Kind::kUnavailable, 0, "connection refused"};
  http::Response response = Get(Redirect(AliceKey()));
  EXPECT_EQ(response.status, 502);
  EXPECT_NE(response.body.find("The upload could not be checked"), std::string::npos);
  services_.store.failure = s3::Error{s3::Error::Kind::kBusy, 0, "busy"};
  EXPECT_EQ(Get(Redirect(AliceKey())).status, 503);
}

TEST_F(SuccessPage, TheWebhookIsNotifiedAndMayRefuse) {
  config::WebhookSettings webhook;
  webhook.url = "https://app.example.com/hook";
  profile_.success.webhook = webhook;
  services_.notifier.result = notify::ReplyMembers{{"url", "\"https://cdn.example/x.jpg\""}};
  http::Response response = Get(Redirect(AliceKey()));
  ASSERT_EQ(response.status, 200) << response.body;
  ASSERT_EQ(services_.notifier.events.size(), 1u);
  EXPECT_EQ(services_.notifier.events[0].key, AliceKey());
  EXPECT_EQ(services_.notifier.events[0].uuid, std::string(kUuid));
  EXPECT_EQ(services_.notifier.events[0].user, "alice");
  EXPECT_NE(response.body.find("href=\"https://cdn.example/x.jpg\""), std::string::npos);

  services_.notifier.result =
      notify::ReplyMembers{{"success", "false"}, {"error", "\"quota <exceeded>\""}};
  response = Get(Redirect(AliceKey()));
  EXPECT_EQ(response.status, 422);
  EXPECT_NE(response.body.find("quota &lt;exceeded&gt;"), std::string::npos) << response.body;
  EXPECT_EQ(LogField(response, "application_refused"), "true");

  services_.notifier.result = notify::WebhookFailure{"timeout"};
  response = Get(Redirect(AliceKey()));
  EXPECT_EQ(response.status, 502);
}

}  // namespace
}  // namespace s3upload::handlers
