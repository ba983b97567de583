// LoadFile / LoadString: parse the YAML, read the sections, and hand out a Snapshot only when no
// error at all was found.
#include <fcntl.h>
#include <unistd.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <exception>
#include <filesystem>
#include <optional>
#include <sstream>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "config/diagnostics.h"
#include "config/sections.h"
#include "config/yaml_reader.h"

namespace s3upload::config {
namespace {

using internal::Diagnostics;

// A configuration file larger than this is not one.
constexpr std::size_t kMaxConfigBytes = std::size_t{16} * 1024 * 1024;

LoadResult Fail(Diagnostics& diag) { return LoadResult{nullptr, diag.TakeSorted()}; }

// Where each document of a stream starts: its first token, and its root node (what
// YAML::Node::Mark() gives for the document).
class DocumentMarks final : public YAML::EventHandler {
 public:
  struct Document {
    YAML::Mark start;
    std::optional<YAML::Mark> root;
  };
  std::vector<Document> documents;

  void OnDocumentStart(const YAML::Mark& mark) override { documents.push_back({mark, {}}); }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t) override { Node(mark); }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override { Node(mark); }
  void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                const std::string&) override {
    Node(mark);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {
    Node(mark);
  }
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {
    Node(mark);
  }
  void OnMapEnd() override {}

 private:
  void Node(const YAML::Mark& mark) {
    if (!documents.empty() && !documents.back().root) documents.back().root = mark;
  }
};

// The first document of the stream, after checking there is no other. yaml-cpp 0.7's LoadAll never
// returns on a stream with a ',', ']' or '}' where a document should start (", [a", "{a: b}\n,"):
// its parser reports an empty document there without reading on, again and again, until memory
// runs out (yaml-cpp issue #1040, fixed after 0.8.0). So the documents are counted with the parser
// alone, three at most, and one that starts where the one before it started is that loop: a
// syntax error. nullopt when an error was recorded.
std::optional<YAML::Node> LoadOneDocument(const std::string& text, Diagnostics& diag) {
  std::istringstream stream(text);
  YAML::Parser parser(stream);
  DocumentMarks marks;
  while (marks.documents.size() < 3 && parser.HandleNextDocument(marks)) {
  }
  for (std::size_t i = 1; i < marks.documents.size(); ++i) {
    const YAML::Mark& start = marks.documents[i].start;
    if (start.pos != marks.documents[i - 1].start.pos) continue;
    const auto at = static_cast<std::size_t>(start.pos);
    const unsigned char c = at < text.size() ? static_cast<unsigned char>(text[at]) : 0;
    std::string what = "'";
    what += (c >= 0x21 && c <= 0x7e) ? static_cast<char>(c) : '?';
    what += "'";
    diag.Error(start, "YAML syntax error: unexpected " + what + " where a document should start");
    return std::nullopt;
  }
  if (marks.documents.size() > 1) {
    diag.Error(marks.documents[1].root.value_or(marks.documents[1].start),
               "only one YAML document is allowed; this \"---\" starts a second one");
  }
  return YAML::Load(text);
}

LoadResult Build(std::string_view yaml, const std::string& file_name, const std::string& base_dir,
                 const EnvironmentLookup& env, Diagnostics& diag) {
  std::optional<YAML::Node> document;
  try {
    document = LoadOneDocument(std::string(yaml), diag);
  } catch (const YAML::ParserException& e) {
    diag.Error(e.mark, "YAML syntax error: " + e.msg);
    return Fail(diag);
  }
  if (!document) return Fail(diag);
  const YAML::Node root = *document;
  const internal::MapReader top = internal::MapReader::Closed(
      root, internal::Scope{}, {"server", "s3", "credentials", "profiles", "authenticators", "routes"}, diag,
      /*null_is_empty=*/true);

  // Built in place: routes point into `profiles`, and Snapshot can be neither copied nor moved.
  auto snapshot = std::make_shared<Snapshot>();
  snapshot->source_path = file_name;
  snapshot->server = internal::ReadServerSection(top.Get("server"), diag);
  snapshot->s3 = internal::ReadS3Section(top.Get("s3"), diag);
  const internal::CredentialTable credentials =
      internal::ReadCredentialsSection(top.Get("credentials"), base_dir, env, diag);
  const internal::NameSet declared_profiles = internal::ReadProfilesSection(
      top.Get("profiles"), credentials, base_dir, env, diag, snapshot->profiles);
  const internal::NameSet declared_authenticators = internal::ReadAuthenticatorsSection(
      top.Get("authenticators"), base_dir, env, diag, snapshot->authenticators);
  snapshot->routes = internal::ReadRoutesSection(
      top.Get("routes"),
      {snapshot->profiles, declared_profiles, snapshot->authenticators, declared_authenticators},
      diag);
  if (!diag.empty()) {
    return Fail(diag);
  }
  return LoadResult{std::move(snapshot), {}};
}

// Reads the whole file; nullopt after recording why it could not.
std::optional<std::string> ReadConfigFile(const std::string& path, Diagnostics& diag) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    const int error = errno;
    diag.FileError("cannot open " + path + ": " + std::generic_category().message(error));
    return std::nullopt;
  }
  std::string text;
  std::vector<char> buffer(std::size_t{64} * 1024);
  int error = 0;
  while (text.size() <= kMaxConfigBytes) {
    const ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      error = errno;
      break;
    }
    if (n == 0) {
      break;
    }
    text.append(buffer.data(), static_cast<std::size_t>(n));
  }
  ::close(fd);
  if (error != 0) {
    diag.FileError("cannot read " + path + ": " + std::generic_category().message(error));
    return std::nullopt;
  }
  if (text.size() > kMaxConfigBytes) {
    diag.FileError("larger than " + std::to_string(kMaxConfigBytes / (std::size_t{1024} * 1024)) +
                   " MiB: not a configuration file");
    return std::nullopt;
  }
  return text;
}

}  // namespace

LoadResult LoadString(std::string_view yaml, const std::string& file_name,
                      const std::string& base_dir, const EnvironmentLookup& env) {
  Diagnostics diag(file_name);
  // yaml-cpp reports through exceptions, and allocation can fail: nothing may escape the module.
  try {
    return Build(yaml, file_name, base_dir, env, diag);
  } catch (const std::exception& e) {
    diag.FileError(std::string("unexpected error while reading the configuration: ") + e.what());
  } catch (...) {
    diag.FileError("unexpected error while reading the configuration");
  }
  return Fail(diag);
}

LoadResult LoadFile(const std::string& path, const EnvironmentLookup& env) {
  Diagnostics diag(path);
  try {
    std::optional<std::string> text = ReadConfigFile(path, diag);
    if (!text) {
      return Fail(diag);
    }
    // Relative secret files are relative to the configuration file, wherever the process runs
    // from, and stay so across a reload after a chdir.
    std::error_code ignored;
    std::filesystem::path absolute = std::filesystem::absolute(path, ignored);
    if (absolute.empty()) {
      absolute = path;
    }
    return LoadString(*text, path, absolute.parent_path().string(), env);
  } catch (const std::exception& e) {
    diag.FileError(std::string("unexpected error while reading the configuration: ") + e.what());
  }
  return Fail(diag);
}

}  // namespace s3upload::config
