#include "operator/api/json_node.h"

#include <string>

namespace certstore::api {
namespace {

// JSON types are explicit: a string is a string, 42 an integer, 1.5 a
// number, true a boolean — never guessed from the text.
class JsonView final : public Node {
 public:
  explicit JsonView(json::Value v) : v_(v) {}

  bool IsNull() const override { return v_.IsNull(); }
  bool IsObject() const override { return v_.IsObject(); }
  bool IsArray() const override { return v_.IsArray(); }
  bool IsScalar() const override {
    return v_.IsString() || v_.IsNumber() || v_.IsBool();
  }

  bool Has(std::string_view key) const override { return v_[key].Exists(); }
  NodePtr Get(std::string_view key) const override { return JsonNode(v_[key]); }
  std::vector<std::pair<std::string, NodePtr>> Members() const override {
    std::vector<std::pair<std::string, NodePtr>> out;
    for (const auto& [k, v] : v_.Members())
      out.emplace_back(std::string(k), JsonNode(v));
    return out;
  }
  std::vector<NodePtr> Elements() const override {
    std::vector<NodePtr> out;
    for (const auto& e : v_.Elements()) out.push_back(JsonNode(e));
    return out;
  }

  std::string Text() const override {
    if (v_.IsString()) return std::string(v_.String());
    if (auto i = v_.Int()) return std::to_string(*i);
    if (v_.IsNumber()) return v_.Serialize();
    if (v_.IsBool()) return v_.Bool() ? "true" : "false";
    return "";
  }
  const char* NonStringType() const override {
    if (v_.IsBool()) return "a boolean";
    if (v_.Int()) return "an integer";
    if (v_.IsNumber()) return "a number";
    return nullptr;
  }
  bool IsExplicitString() const override { return v_.IsString(); }
  std::optional<bool> Boolean() const override {
    if (!v_.IsBool()) return std::nullopt;
    return v_.Bool();
  }
  bool IsTrue() const override { return v_.IsBool() && v_.Bool(); }

 private:
  json::Value v_;
};

}  // namespace

NodePtr JsonNode(json::Value value) {
  return std::make_unique<JsonView>(value);
}

bool StartsLikeJson(std::string_view text) {
  size_t i = text.find_first_not_of(" \t\r\n");
  return i != std::string_view::npos && text[i] == '{';
}

}  // namespace certstore::api
