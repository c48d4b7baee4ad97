// A read-only view of one node of a parsed document, the same for YAML
// manifests (yaml_node.h, over yaml-cpp) and the JSON the API server sends
// (json_node.h, over json.h), so that one walker (parse.cc) checks both with
// the same paths and messages.
//
// The two formats differ only in what a scalar is. JSON says it: a string,
// a number or a boolean. A YAML scalar is read as kubectl reads it (YAML
// 1.1): quoted or tagged scalars are strings, unquoted ones may be numbers
// or booleans (`123`, `yes`). The leaf queries below answer in those terms.
//
// Views are cheap and never throw. A view is valid while the document it
// came from lives (the loaders below keep it alive for YAML; for JSON, while
// the json::Document lives).
#ifndef CERTSTORE_API_NODE_H_
#define CERTSTORE_API_NODE_H_

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace certstore::api {

class Node;
using NodePtr = std::unique_ptr<const Node>;

class Node {
 public:
  virtual ~Node() = default;

  virtual bool IsNull() const = 0;  // null, or absent
  virtual bool IsObject() const = 0;
  virtual bool IsArray() const = 0;
  virtual bool IsScalar() const = 0;  // a string, number or boolean

  // Whether an object has member `key` (even a null one).
  virtual bool Has(std::string_view key) const = 0;
  // Member `key` of an object; a null node when absent or not an object.
  // Never nullptr.
  virtual NodePtr Get(std::string_view key) const = 0;
  // An object's members in document order (empty for anything else). A
  // YAML key that is not a scalar reads as "".
  virtual std::vector<std::pair<std::string, NodePtr>> Members() const = 0;
  // An array's elements (empty for anything else).
  virtual std::vector<NodePtr> Elements() const = 0;

  // A scalar's text: a string's characters, a number or boolean as written
  // (YAML) or printed (JSON: 42, 1.5, true). "" for anything else.
  virtual std::string Text() const = 0;
  // For a scalar where a string belongs: what a JSON reader (the API
  // server, kubectl) takes it for when it is not a string — "an integer",
  // "a number" or "a boolean"; nullptr for a string.
  virtual const char* NonStringType() const = 0;
  // For a scalar where an integer belongs: true when it is explicitly a
  // string (a JSON string; a quoted or tagged YAML scalar other than
  // !!int), which an integer field refuses even when it holds digits.
  virtual bool IsExplicitString() const = 0;
  // A boolean (JSON true/false; an unquoted YAML true/false); nullopt for
  // anything else.
  virtual std::optional<bool> Boolean() const = 0;
  // Lenient, for server-populated flags (ownerReferences[].controller,
  // immutable): true for a JSON true, or a YAML scalar "true".
  virtual bool IsTrue() const = 0;
};

}  // namespace certstore::api

#endif  // CERTSTORE_API_NODE_H_
