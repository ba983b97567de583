// Typed access to yaml-cpp nodes with positions; see yaml_reader.h.
#include "config/yaml_reader.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <utility>

#include "config/sizes_durations.h"

namespace s3upload::config::internal {
namespace {

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// Optimal string alignment distance: a transposition ("buckte") is one typo, not two.
std::size_t EditDistance(std::string_view a, std::string_view b) {
  const std::size_t n = a.size();
  const std::size_t m = b.size();
  std::vector<std::vector<std::size_t>> d(n + 1, std::vector<std::size_t>(m + 1));
  for (std::size_t i = 0; i <= n; ++i) {
    d[i][0] = i;
  }
  for (std::size_t j = 0; j <= m; ++j) {
    d[0][j] = j;
  }
  for (std::size_t i = 1; i <= n; ++i) {
    for (std::size_t j = 1; j <= m; ++j) {
      const std::size_t cost = Lower(a[i - 1]) == Lower(b[j - 1]) ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && Lower(a[i - 1]) == Lower(b[j - 2]) &&
          Lower(a[i - 2]) == Lower(b[j - 1])) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[n][m];
}

// Scalars carry "?" (plain) or "!" (quoted or block) as their tag. Anything else is an explicit
// tag such as !!int or !secret, which we do not interpret: refuse rather than guess.
bool HasSupportedTag(const YAML::Node& node) {
  const std::string& tag = node.Tag();
  return tag == "?" || tag == "!" || tag.empty();
}

// The text of a scalar node, or an error message about why it is not one.
std::optional<std::string> ScalarText(const YAML::Node& node, std::string_view expected,
                                      std::string* error) {
  if (!node.IsScalar()) {
    *error = "expected " + std::string(expected) + ", got " + DescribeNode(node);
    return std::nullopt;
  }
  if (!HasSupportedTag(node)) {
    *error = "YAML tags are not supported here (" + Quote(node.Tag()) + "); write the plain value";
    return std::nullopt;
  }
  return node.Scalar();
}

}  // namespace

std::string Quote(std::string_view text) {
  // Messages go to a terminal or a log: show control bytes escaped and keep them short.
  constexpr std::size_t kMaxShown = 120;
  std::string out = "\"";
  for (std::size_t i = 0; i < text.size() && i < kMaxShown; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  if (text.size() > kMaxShown) {
    out += "...";
  }
  out += '"';
  return out;
}

std::string Join(std::span<const std::string_view> words, std::string_view separator) {
  std::string out;
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (i > 0) {
      out += separator;
    }
    out += words[i];
  }
  return out;
}

std::optional<std::string_view> ClosestMatch(std::string_view word,
                                             std::span<const std::string_view> candidates) {
  std::optional<std::string_view> best;
  std::size_t best_distance = 0;
  for (std::string_view candidate : candidates) {
    const std::size_t distance = EditDistance(word, candidate);
    // Two edits at most, and not more than half the word: "x" is not a typo of "max".
    if (distance > 2 || 2 * distance > std::max(word.size(), candidate.size())) {
      continue;
    }
    if (!best || distance < best_distance) {
      best = candidate;
      best_distance = distance;
    }
  }
  return best;
}

std::string Alternatives(std::string_view word, std::span<const std::string_view> candidates,
                         std::string_view list_name) {
  std::string out = "(";
  if (auto match = ClosestMatch(word, candidates)) {
    out += "did you mean " + Quote(*match) + "? ";
  }
  out += std::string(list_name) + ": " + Join(candidates) + ")";
  return out;
}

std::string Scope::Describe() const {
  if (owner.empty() && path.empty()) {
    return "the top level";
  }
  if (owner.empty()) {
    return "section " + Quote(path);
  }
  if (path.empty()) {
    return owner;
  }
  return "section " + Quote(path) + " of " + owner;
}

std::string Scope::Label(std::string_view key) const {
  const std::string dotted = path.empty() ? std::string(key) : path + "." + std::string(key);
  return owner.empty() ? dotted : owner + ": " + dotted;
}

Scope Scope::Child(std::string_view key) const {
  return Scope{owner, path.empty() ? std::string(key) : path + "." + std::string(key)};
}

YAML::Mark Field::ValueMark() const {
  if (!value.IsDefined() || value.IsNull()) {
    return key_node.Mark();
  }
  return value.Mark();
}

std::string DescribeNode(const YAML::Node& node) {
  if (!node.IsDefined()) {
    return "nothing";
  }
  switch (node.Type()) {
    case YAML::NodeType::Null:
      return "nothing (null)";
    case YAML::NodeType::Scalar:
      return Quote(node.Scalar());
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Map:
      return "a map";
    case YAML::NodeType::Undefined:
      break;
  }
  return "nothing";
}

MapReader MapReader::Closed(const YAML::Node& node, Scope scope,
                            std::vector<std::string_view> known, Diagnostics& diag,
                            bool null_is_empty) {
  return MapReader(node, node.Mark(), std::move(scope), std::move(known), diag, false,
                   null_is_empty);
}

MapReader MapReader::Open(const YAML::Node& node, Scope scope, Diagnostics& diag,
                          bool null_is_empty) {
  return MapReader(node, node.Mark(), std::move(scope), {}, diag, true, null_is_empty);
}

MapReader MapReader::Of(const Field& field, std::vector<std::string_view> known, Diagnostics& diag,
                        std::optional<Scope> scope, bool null_is_empty) {
  return MapReader(field.value, field.ValueMark(),
                   scope ? std::move(*scope) : field.scope.Child(field.key), std::move(known), diag,
                   false, null_is_empty);
}

MapReader MapReader::OpenOf(const Field& field, Diagnostics& diag, bool null_is_empty) {
  return MapReader(field.value, field.ValueMark(), field.scope.Child(field.key), {}, diag, true,
                   null_is_empty);
}

MapReader::MapReader(const YAML::Node& node, const YAML::Mark& error_mark, Scope scope,
                     std::vector<std::string_view> known, Diagnostics& diag, bool open,
                     bool null_is_empty)
    : node_(node), scope_(std::move(scope)), diag_(&diag) {
  if (null_is_empty && (!node.IsDefined() || node.IsNull())) {
    valid_ = true;
    return;
  }
  if (!node.IsMap()) {
    const std::string what = scope_.owner.empty() && scope_.path.empty()
                                 ? std::string("the document")
                                 : scope_.Describe();
    diag.Error(error_mark, what + ": expected a map (key: value lines), got " + DescribeNode(node));
    return;
  }
  valid_ = true;
  std::map<std::string, YAML::Mark, std::less<>> seen;
  for (auto it = node.begin(); it != node.end(); ++it) {
    const YAML::Node key_node = it->first;
    if (!key_node.IsScalar()) {
      diag.Error(key_node.Mark(), "in " + scope_.Describe() + ": a key must be a plain name, got " +
                                      DescribeNode(key_node));
      continue;
    }
    const std::string& key = key_node.Scalar();
    if (auto previous = seen.find(key); previous != seen.end()) {
      diag.Error(key_node.Mark(), "duplicate key " + Quote(key) + " in " + scope_.Describe() +
                                      " (first at line " +
                                      std::to_string(previous->second.line + 1) + ")");
      continue;
    }
    seen.emplace(key, key_node.Mark());
    if (!open && std::find(known.begin(), known.end(), key) == known.end()) {
      diag.Error(key_node.Mark(), "unknown key " + Quote(key) + " in " + scope_.Describe() + " " +
                                      Alternatives(key, known));
      continue;
    }
    fields_.emplace_back(key, key_node, it->second, scope_);
  }
}

std::optional<Field> MapReader::Get(std::string_view key) const {
  for (const Field& field : fields_) {
    if (field.key == key) {
      return field;
    }
  }
  return std::nullopt;
}

std::optional<Field> MapReader::Require(std::string_view key) const {
  std::optional<Field> field = Get(key);
  if (!field && valid_) {
    diag_->Error(node_.Mark(), scope_.Describe() + ": missing required key " + Quote(key));
  }
  return field;
}

void ValueError(const Field& field, const std::string& message, Diagnostics& diag) {
  diag.Error(field.ValueMark(), field.label + ": " + message);
}

void ItemError(const Field& field, const Item& item, const std::string& message,
               Diagnostics& diag) {
  diag.Error(item.mark, field.label + ": " + message);
}

std::optional<std::string> ReadString(const Field& field, Diagnostics& diag) {
  std::string error;
  std::optional<std::string> text = ScalarText(field.value, "a string", &error);
  if (!text) {
    ValueError(field, error, diag);
  }
  return text;
}

std::optional<bool> ReadBool(const Field& field, Diagnostics& diag) {
  std::string error;
  std::optional<std::string> text = ScalarText(field.value, "true or false", &error);
  if (!text) {
    ValueError(field, error, diag);
    return std::nullopt;
  }
  // YAML 1.2 booleans only: "yes", "on", "y" are YAML 1.1 and too easy to write by accident.
  if (*text == "true" || *text == "True" || *text == "TRUE") {
    return true;
  }
  if (*text == "false" || *text == "False" || *text == "FALSE") {
    return false;
  }
  ValueError(field, "expected true or false, got " + Quote(*text), diag);
  return std::nullopt;
}

std::optional<std::uint64_t> ReadUnsigned(const Field& field, std::uint64_t min, std::uint64_t max,
                                          Diagnostics& diag) {
  std::string error;
  std::optional<std::string> text = ScalarText(field.value, "an integer", &error);
  if (!text) {
    ValueError(field, error, diag);
    return std::nullopt;
  }
  StatusOr<std::uint64_t> value = ParseUnsigned(*text);
  if (!value.ok()) {
    ValueError(field, value.status().message(), diag);
    return std::nullopt;
  }
  if (*value < min || *value > max) {
    ValueError(
        field,
        "must be between " + std::to_string(min) + " and " + std::to_string(max) + ", got " + *text,
        diag);
    return std::nullopt;
  }
  return *value;
}

std::optional<std::uint64_t> ReadSize(const Field& field, std::uint64_t min, std::uint64_t max,
                                      Diagnostics& diag) {
  std::string error;
  std::optional<std::string> text = ScalarText(field.value, "a size (e.g. 64KiB)", &error);
  if (!text) {
    ValueError(field, error, diag);
    return std::nullopt;
  }
  StatusOr<std::uint64_t> value = ParseSize(*text);
  if (!value.ok()) {
    ValueError(field, value.status().message(), diag);
    return std::nullopt;
  }
  if (*value < min || *value > max) {
    ValueError(field,
               "must be between " + std::to_string(min) + " and " + std::to_string(max) +
                   " bytes, got " + *text,
               diag);
    return std::nullopt;
  }
  return *value;
}

std::optional<std::chrono::milliseconds> ReadDurationMs(const Field& field,
                                                        std::chrono::milliseconds min,
                                                        std::chrono::milliseconds max,
                                                        Diagnostics& diag) {
  std::string error;
  std::optional<std::string> text = ScalarText(field.value, "a duration (e.g. 15m)", &error);
  if (!text) {
    ValueError(field, error, diag);
    return std::nullopt;
  }
  StatusOr<std::chrono::milliseconds> value = ParseDuration(*text);
  if (!value.ok()) {
    ValueError(field, value.status().message(), diag);
    return std::nullopt;
  }
  if (*value < min || *value > max) {
    ValueError(
        field,
        "must be between " + FormatDuration(min) + " and " + FormatDuration(max) + ", got " + *text,
        diag);
    return std::nullopt;
  }
  return *value;
}

std::optional<std::chrono::seconds> ReadDuration(const Field& field, std::chrono::seconds min,
                                                 std::chrono::seconds max, Diagnostics& diag) {
  std::optional<std::chrono::milliseconds> value = ReadDurationMs(field, min, max, diag);
  if (!value) {
    return std::nullopt;
  }
  // Rounding "1500ms" either way would silently change what the operator wrote.
  if (value->count() % 1000 != 0) {
    ValueError(field,
               "must be a whole number of seconds (this setting has no finer resolution), got " +
                   field.value.Scalar(),
               diag);
    return std::nullopt;
  }
  return std::chrono::duration_cast<std::chrono::seconds>(*value);
}

std::optional<std::vector<Item>> ReadScalarList(const Field& field, Diagnostics& diag) {
  if (!field.value.IsSequence()) {
    ValueError(field, "expected a list (e.g. [a, b]), got " + DescribeNode(field.value), diag);
    return std::nullopt;
  }
  std::vector<Item> items;
  bool ok = true;
  for (const YAML::Node& node : field.value) {
    std::string error;
    std::optional<std::string> text = ScalarText(node, "a string", &error);
    if (!text) {
      // An empty item ("- ") has no useful mark of its own; the list's start is close enough.
      diag.Error(node.IsNull() ? field.ValueMark() : node.Mark(), field.label + ": " + error);
      ok = false;
      continue;
    }
    items.push_back(Item{std::move(*text), node.Mark()});
  }
  if (!ok) {
    return std::nullopt;
  }
  return items;
}

}  // namespace s3upload::config::internal
