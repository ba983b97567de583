// Typed, position-aware access to a yaml-cpp tree. Every read either returns a value or records an
// error at the offending node, so section parsers can check everything and report it all at once.
#pragma once

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/diagnostics.h"

namespace s3upload::config::internal {

// Where in the document a map lives, for messages: an owner such as `profile "photos"` and the
// dotted keys below it ("size").
struct Scope {
  std::string owner;  // empty for the document's top level sections
  std::string path;

  // `profile "photos"`, `section "size" of profile "photos"`, `section "server"`, `the top level`.
  std::string Describe() const;
  // The prefix of a message about the value of `key`: `profile "photos": size.max`,
  // `server.threads`.
  std::string Label(std::string_view key) const;
  Scope Child(std::string_view key) const;
};

// One key of a map and its value. Copyable but not assignable: assigning to a YAML::Node that
// already refers to a node rebinds that node inside the document (yaml-cpp's Node::operator=), so
// sorting or reassigning Fields would silently rewrite the tree being checked.
struct Field {
  // YAML::Node has no move constructor: nodes are taken by reference and copied (a cheap handle).
  Field(std::string key_text, const YAML::Node& key_yaml, const YAML::Node& value_yaml,
        Scope map_scope)
      : key(std::move(key_text)),
        key_node(key_yaml),
        value(value_yaml),
        scope(std::move(map_scope)),
        label(scope.Label(key)) {}
  Field(const Field&) = default;
  Field(Field&&) = default;
  Field& operator=(const Field&) = delete;
  Field& operator=(Field&&) = delete;
  ~Field() = default;

  std::string key;
  YAML::Node key_node;
  YAML::Node value;
  Scope scope;        // of the map holding the field
  std::string label;  // scope.Label(key)

  // Where to report a problem with the value. yaml-cpp places an empty value at the next token,
  // often on another line, so a null value is reported at its key.
  YAML::Mark ValueMark() const;
  YAML::Mark KeyMark() const { return key_node.Mark(); }
};

// A scalar or list item, with its position.
struct Item {
  std::string text;
  YAML::Mark mark;
};

// Reads a YAML map. A closed map (a `known` list) reports unknown keys, suggesting the nearest
// known one; an open map (names chosen by the operator) accepts any key. Both report non-scalar
// keys and duplicate keys, which yaml-cpp itself silently collapses on lookup.
class MapReader {
 public:
  // A closed map: keys must be among `known`. A null node is an error unless `null_is_empty`
  // (a section whose entries are all commented out).
  static MapReader Closed(const YAML::Node& node, Scope scope, std::vector<std::string_view> known,
                          Diagnostics& diag, bool null_is_empty = false);
  // An open map: keys are names the operator chooses; the caller checks them.
  static MapReader Open(const YAML::Node& node, Scope scope, Diagnostics& diag,
                        bool null_is_empty = false);
  // The value of `field` as a closed map, scoped below the field unless `scope` is given. A value
  // that is not a map is reported at the field (see Field::ValueMark).
  static MapReader Of(const Field& field, std::vector<std::string_view> known, Diagnostics& diag,
                      std::optional<Scope> scope = std::nullopt, bool null_is_empty = false);
  // The value of `field` as an open map, scoped below the field.
  static MapReader OpenOf(const Field& field, Diagnostics& diag, bool null_is_empty = false);

  // Not assignable, for the same reason as Field.
  MapReader(const MapReader&) = default;
  MapReader(MapReader&&) = default;
  MapReader& operator=(const MapReader&) = delete;
  MapReader& operator=(MapReader&&) = delete;
  ~MapReader() = default;

  // False when the node was not a map (already reported).
  bool valid() const { return valid_; }
  const Scope& scope() const { return scope_; }
  YAML::Mark mark() const { return node_.Mark(); }

  // The first occurrence of `key`, if present.
  std::optional<Field> Get(std::string_view key) const;
  // Like Get, but records `<scope>: missing required key "<key>"` at the map when absent.
  std::optional<Field> Require(std::string_view key) const;
  // All distinct keys in document order (later duplicates are left out; they are errors).
  const std::vector<Field>& fields() const { return fields_; }

 private:
  MapReader(const YAML::Node& node, const YAML::Mark& error_mark, Scope scope,
            std::vector<std::string_view> known, Diagnostics& diag, bool open, bool null_is_empty);

  YAML::Node node_;
  Scope scope_;
  Diagnostics* diag_;
  bool valid_ = false;
  std::vector<Field> fields_;
};

// What a node is, for "expected X, got Y" messages: "a list", "a map", "nothing (null)", ...
std::string DescribeNode(const YAML::Node& node);

// Typed reads of a field's value. On a wrong type or bad value they record an error (at the value)
// and return nullopt. Scalars are read as text: quoting does not matter ("8" and 8 are the same).
std::optional<std::string> ReadString(const Field& field, Diagnostics& diag);
std::optional<bool> ReadBool(const Field& field, Diagnostics& diag);
std::optional<std::uint64_t> ReadUnsigned(const Field& field, std::uint64_t min, std::uint64_t max,
                                          Diagnostics& diag);
std::optional<std::uint64_t> ReadSize(const Field& field, std::uint64_t min, std::uint64_t max,
                                      Diagnostics& diag);
// A duration for a setting kept in whole seconds: "1500ms" is refused, "2000ms" is 2s.
std::optional<std::chrono::seconds> ReadDuration(const Field& field, std::chrono::seconds min,
                                                 std::chrono::seconds max, Diagnostics& diag);
// A duration for a setting kept in milliseconds ("500ms", "2s", ...).
std::optional<std::chrono::milliseconds> ReadDurationMs(const Field& field,
                                                        std::chrono::milliseconds min,
                                                        std::chrono::milliseconds max,
                                                        Diagnostics& diag);
// A list of scalars. Each non-scalar item is an error; the list is returned only if all are fine.
std::optional<std::vector<Item>> ReadScalarList(const Field& field, Diagnostics& diag);

// Reports `message` about the value of `field`: "<label>: <message>" at the value.
void ValueError(const Field& field, const std::string& message, Diagnostics& diag);
// Reports `message` about one list item of `field` at the item.
void ItemError(const Field& field, const Item& item, const std::string& message, Diagnostics& diag);

// The candidate closest to `word` by edit distance (case-insensitive), if it is close enough to be
// a likely typo.
std::optional<std::string_view> ClosestMatch(std::string_view word,
                                             std::span<const std::string_view> candidates);
// `(did you mean "x"? known: a, b, c)`, the first part only when ClosestMatch finds one.
std::string Alternatives(std::string_view word, std::span<const std::string_view> candidates,
                         std::string_view list_name = "known");
std::string Quote(std::string_view text);
std::string Join(std::span<const std::string_view> words, std::string_view separator = ", ");

}  // namespace s3upload::config::internal
