#include "operator/api/json.h"

#include <nlohmann/json.hpp>

namespace certstore::json {
namespace {

using Json = nlohmann::json;
// Written documents keep their members in the order written (apiVersion,
// kind and metadata first, as people read them in audit logs).
using OrderedJson = nlohmann::ordered_json;

const Json* J(const void* v) { return static_cast<const Json*>(v); }

// The deepest nesting of `text` (brackets outside strings); stops counting
// past `limit`.
int NestingDepth(std::string_view text, int limit) {
  int depth = 0, deepest = 0;
  bool in_string = false, escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > deepest) deepest = depth;
      if (deepest > limit) return deepest;
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return deepest;
}

std::string Dump(const OrderedJson& j) {
  return j.dump(-1, ' ', false, OrderedJson::error_handler_t::replace);
}

}  // namespace

// ---- Writer ----------------------------------------------------------------

struct Writer::Impl {
  OrderedJson root;
  bool has_root = false;
  std::vector<OrderedJson*> open;  // containers being written, innermost last
  std::string key;                 // for the next value in an object

  // Places `v` where the next value goes; returns it.
  OrderedJson* Put(OrderedJson v) {
    if (open.empty()) {
      root = std::move(v);
      has_root = true;
      return &root;
    }
    OrderedJson* c = open.back();
    if (c->is_array()) {
      c->push_back(std::move(v));
      return &c->back();
    }
    // Appended without a lookup (ordered_map's is linear: an object with
    // many members would cost quadratic time). Writers write each key once.
    auto& members = c->get_ref<OrderedJson::object_t&>();
    members.emplace_back(key, std::move(v));
    return &members.back().second;
  }
};

Writer::Writer() : impl_(std::make_unique<Impl>()) {}
Writer::~Writer() = default;

Writer& Writer::BeginObject() {
  impl_->open.push_back(impl_->Put(OrderedJson::object()));
  return *this;
}
Writer& Writer::EndObject() {
  if (!impl_->open.empty()) impl_->open.pop_back();
  return *this;
}
Writer& Writer::BeginArray() {
  impl_->open.push_back(impl_->Put(OrderedJson::array()));
  return *this;
}
Writer& Writer::EndArray() {
  if (!impl_->open.empty()) impl_->open.pop_back();
  return *this;
}
Writer& Writer::Key(std::string_view key) {
  impl_->key.assign(key.data(), key.size());
  return *this;
}
Writer& Writer::String(std::string_view value) {
  impl_->Put(std::string(value));
  return *this;
}
Writer& Writer::Int(int64_t value) {
  impl_->Put(value);
  return *this;
}
Writer& Writer::Bool(bool value) {
  impl_->Put(value);
  return *this;
}
Writer& Writer::Null() {
  impl_->Put(nullptr);
  return *this;
}

Writer& Writer::Copy(const Value& value) {
  if (!value.v_) return Null();
  impl_->Put(OrderedJson(*J(value.v_)));
  return *this;
}

Writer& Writer::StringMap(std::string_view key,
                          const std::map<std::string, std::string>& values) {
  Key(key).BeginObject();
  for (const auto& [k, v] : values) Field(k, v);
  return EndObject();
}

Writer& Writer::StringArray(std::string_view key,
                            const std::vector<std::string>& values) {
  Key(key).BeginArray();
  for (const auto& v : values) String(v);
  return EndArray();
}

std::string Writer::Take() {
  std::string out = impl_->has_root ? Dump(impl_->root) : "null";
  impl_ = std::make_unique<Impl>();
  return out;
}

// ---- Value -----------------------------------------------------------------

bool Value::IsNull() const { return !v_ || J(v_)->is_null(); }
bool Value::IsObject() const { return v_ && J(v_)->is_object(); }
bool Value::IsArray() const { return v_ && J(v_)->is_array(); }
bool Value::IsString() const { return v_ && J(v_)->is_string(); }
bool Value::IsNumber() const { return v_ && J(v_)->is_number(); }
bool Value::IsBool() const { return v_ && J(v_)->is_boolean(); }

Value Value::operator[](std::string_view key) const {
  if (!IsObject()) return Value();
  const Json& o = *J(v_);
  auto it = o.find(key);
  if (it == o.end()) return Value();
  return Value(&*it);
}

Value Value::operator[](size_t i) const {
  if (!IsArray() || i >= J(v_)->size()) return Value();
  return Value(&(*J(v_))[i]);
}

size_t Value::Size() const {
  return IsArray() || IsObject() ? J(v_)->size() : 0;
}

std::vector<Value> Value::Elements() const {
  std::vector<Value> out;
  if (!IsArray()) return out;
  out.reserve(J(v_)->size());
  for (const Json& e : *J(v_)) out.push_back(Value(&e));
  return out;
}

std::vector<std::pair<std::string_view, Value>> Value::Members() const {
  std::vector<std::pair<std::string_view, Value>> out;
  if (!IsObject()) return out;
  out.reserve(J(v_)->size());
  for (auto it = J(v_)->begin(); it != J(v_)->end(); ++it)
    out.emplace_back(std::string_view(it.key()), Value(&it.value()));
  return out;
}

std::string_view Value::String(std::string_view fallback) const {
  if (!IsString()) return fallback;
  return *J(v_)->get_ptr<const Json::string_t*>();
}

std::optional<int64_t> Value::Int() const {
  if (!v_) return std::nullopt;
  const Json& j = *J(v_);
  // (is_number_integer() is true for unsigned values too.)
  if (j.is_number_unsigned()) {
    uint64_t u = j.get<uint64_t>();
    if (u <= static_cast<uint64_t>(INT64_MAX)) return static_cast<int64_t>(u);
    return std::nullopt;
  }
  if (j.is_number_integer()) return j.get<int64_t>();
  return std::nullopt;
}

bool Value::Bool(bool fallback) const {
  return IsBool() ? J(v_)->get<bool>() : fallback;
}

std::map<std::string, std::string> Value::StringMap() const {
  std::map<std::string, std::string> out;
  if (!IsObject()) return out;
  for (auto it = J(v_)->begin(); it != J(v_)->end(); ++it)
    if (it.value().is_string())
      out.emplace(it.key(), *it.value().get_ptr<const Json::string_t*>());
  return out;
}

std::string Value::Serialize() const {
  if (!v_) return "null";
  // Recursion is bounded: documents are at most kMaxDepth deep.
  return J(v_)->dump(-1, ' ', false, Json::error_handler_t::replace);
}

// ---- Document --------------------------------------------------------------

struct Document::Impl {
  Json root;
};

Document::Document() : impl_(std::make_unique<Impl>()) {}
Document::~Document() = default;
Document::Document(Document&&) noexcept = default;
Document& Document::operator=(Document&&) noexcept = default;

std::optional<Document> Document::Parse(std::string_view text,
                                        std::string* error) {
  auto fail = [error](std::string why) -> std::optional<Document> {
    if (error) *error = std::move(why);
    return std::nullopt;
  };
  // A raw NUL is never valid JSON, and the library would take it for the
  // end of the text.
  if (size_t nul = text.find('\0'); nul != std::string_view::npos)
    return fail("JSON at byte " + std::to_string(nul) + ": a NUL byte");
  if (NestingDepth(text, kMaxDepth) > kMaxDepth)
    return fail("JSON nested deeper than " + std::to_string(kMaxDepth) +
                " levels");
  Document d;
  try {
    d.impl_->root = Json::parse(text.begin(), text.end());
  } catch (const Json::parse_error& e) {
    // e.what() quotes the input near the error: never repeat it (it may be
    // a Secret's bytes).
    return fail("JSON at byte " + std::to_string(e.byte) +
                ": not valid JSON (parse error " + std::to_string(e.id) + ")");
  } catch (const Json::exception& e) {
    return fail("not valid JSON (error " + std::to_string(e.id) + ")");
  }
  return d;
}

Value Document::Root() const { return Value(&impl_->root); }

void Document::Clear(Value v) {
  // The view points into this document (REQUIRES), which owns it mutably.
  if (v.v_) *const_cast<Json*>(J(v.v_)) = nullptr;
}

}  // namespace certstore::json
