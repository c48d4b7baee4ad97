// The one JSON library of the project (nlohmann/json, chosen by measurement:
// docs/benchmarks.md "JSON library choice") behind a small interface: a
// writer and a parsed document with read-only views. Everything that goes
// over the wire is read and written through here; nothing else includes the
// library, no exception of it leaves this file, and no JSON is built by
// string concatenation anywhere.
//
// Hostile input is bounded: the whole document is validated (UTF-8
// included), nesting deeper than kMaxDepth is refused before parsing, and
// errors name the byte offset, never the bytes.
//
// A leaf library (std and nlohmann/json only): everything else may use it,
// common's logger included, so it reports errors as text, not Status.
#ifndef CERTSTORE_API_JSON_H_
#define CERTSTORE_API_JSON_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace certstore::json {

// Deeper documents are refused (Kubernetes objects the operator reads nest
// fewer than 20 levels).
constexpr int kMaxDepth = 64;

class Value;

// Compact JSON, members in the order written. Strings are escaped; invalid
// UTF-8 in keys or values is replaced by U+FFFD (the API server refuses
// invalid UTF-8). REQUIRES: calls balanced as JSON requires (a Key before
// each value in an object); Take() when the outermost value is complete.
class Writer {
 public:
  Writer();
  ~Writer();
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  Writer& BeginObject();
  Writer& EndObject();
  Writer& BeginArray();
  Writer& EndArray();
  Writer& Key(std::string_view key);
  Writer& String(std::string_view value);
  Writer& Int(int64_t value);
  Writer& Bool(bool value);
  Writer& Null();
  // A copy of `value` (from a parsed Document).
  Writer& Copy(const Value& value);

  // Key and value in one call.
  Writer& Field(std::string_view key, std::string_view value) {
    return Key(key).String(value);
  }
  Writer& Field(std::string_view key, const char* value) {
    return Key(key).String(value);
  }
  Writer& Field(std::string_view key, const std::string& value) {
    return Key(key).String(value);
  }
  Writer& Field(std::string_view key, int64_t value) {
    return Key(key).Int(value);
  }
  Writer& Field(std::string_view key, int value) { return Key(key).Int(value); }
  Writer& Field(std::string_view key, bool value) {
    return Key(key).Bool(value);
  }
  // An object of strings.
  Writer& StringMap(std::string_view key,
                    const std::map<std::string, std::string>& values);
  // An array of strings.
  Writer& StringArray(std::string_view key,
                      const std::vector<std::string>& values);

  // The text written so far; the writer is empty afterwards.
  std::string Take();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A read-only view of one value inside a Document; valid while the
// Document lives. A missing member or element is a null view, so paths
// can be followed without checks: doc.Root()["metadata"]["name"].String().
class Value {
 public:
  friend class Writer;
  Value() = default;
  bool IsNull() const;  // also true for a missing value
  bool IsObject() const;
  bool IsArray() const;
  bool IsString() const;
  bool IsNumber() const;
  bool IsBool() const;
  bool Exists() const { return v_ != nullptr; }

  // Member `key` of an object (null view otherwise).
  Value operator[](std::string_view key) const;
  // Element `i` of an array (null view otherwise).
  Value operator[](size_t i) const;
  // Elements of an array / members of an object (0 otherwise).
  size_t Size() const;
  std::vector<Value> Elements() const;
  std::vector<std::pair<std::string_view, Value>> Members() const;

  // The string (`fallback` when not a string).
  std::string_view String(std::string_view fallback = "") const;
  // An integer that fits int64 (nullopt otherwise, e.g. 1.5 or "1").
  std::optional<int64_t> Int() const;
  bool Bool(bool fallback = false) const;
  // An object of strings as a map; members that are not strings are left out.
  std::map<std::string, std::string> StringMap() const;

  // This value as compact JSON.
  std::string Serialize() const;

 private:
  friend class Document;
  explicit Value(const void* v) : v_(v) {}
  const void* v_ = nullptr;  // a const nlohmann::json*
};

class Document {
 public:
  Document();
  ~Document();
  Document(Document&&) noexcept;
  Document& operator=(Document&&) noexcept;

  // nullopt for text that is not one valid JSON value, with `*error` (if
  // given) naming the byte offset ("JSON at byte 17: not valid JSON (parse
  // error 101)") or the depth. The message never quotes the input.
  static std::optional<Document> Parse(std::string_view text,
                                       std::string* error = nullptr);
  Value Root() const;
  // Frees `v` (a value inside this document; it reads as null afterwards):
  // a large page can shrink while it is read.
  void Clear(Value v);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace certstore::json

#endif  // CERTSTORE_API_JSON_H_
