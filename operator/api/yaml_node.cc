// yaml-cpp stays inside this file: it throws, and its headers are slow.
#include "operator/api/yaml_node.h"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <atomic>
#include <set>
#include <sstream>
#include <string_view>

namespace certstore::api {
namespace {

std::atomic<int64_t> yaml_parses{0};

// YAML 1.1 integers and floats, as the regular expressions
//   int:   [-+]?([0-9][0-9_]*|0x[0-9a-fA-F_]+|0o[0-7_]+|0b[01_]+)
//   float: [-+]?(\.[0-9]+|[0-9][0-9_]*(\.[0-9_]*)?)([eE][-+]?[0-9]+)?
//          | [-+]?\.(inf|Inf|INF) | \.(nan|NaN|NAN)
// would match the whole scalar. Written out by hand: libstdc++'s std::regex
// recurses once per character, and a long unquoted digit string in a
// manifest (tests/fuzz/regressions/api) overflowed the stack.
size_t SpanOf(std::string_view s, size_t i, std::string_view chars) {
  while (i < s.size() && chars.find(s[i]) != std::string_view::npos) ++i;
  return i;
}

std::string_view WithoutSign(std::string_view s) {
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) s.remove_prefix(1);
  return s;
}

bool IsYamlInt(std::string_view s) {
  constexpr std::string_view kDigits = "0123456789";
  s = WithoutSign(s);
  if (s.size() > 2 && s[0] == '0') {
    std::string_view set = s[1] == 'x'   ? "0123456789abcdefABCDEF_"
                           : s[1] == 'o' ? "01234567_"
                           : s[1] == 'b' ? "01_"
                                         : "";
    if (!set.empty()) return SpanOf(s, 2, set) == s.size();
  }
  return !s.empty() && kDigits.find(s[0]) != std::string_view::npos &&
         SpanOf(s, 1, "0123456789_") == s.size();
}

bool IsYamlFloat(std::string_view s) {
  constexpr std::string_view kDigits = "0123456789";
  constexpr std::string_view kDigitsOrUnderscore = "0123456789_";
  if (s == ".nan" || s == ".NaN" || s == ".NAN") return true;
  s = WithoutSign(s);
  if (s == ".inf" || s == ".Inf" || s == ".INF") return true;
  size_t i = 0;
  if (!s.empty() && s[0] == '.') {
    i = SpanOf(s, 1, kDigits);
    if (i == 1) return false;
  } else {
    if (s.empty() || kDigits.find(s[0]) == std::string_view::npos) return false;
    i = SpanOf(s, 1, kDigitsOrUnderscore);
    if (i < s.size() && s[i] == '.') i = SpanOf(s, i + 1, kDigitsOrUnderscore);
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
    size_t digits = i;
    i = SpanOf(s, i, kDigits);
    if (i == digits) return false;
  }
  return i == s.size();
}

// What an unquoted scalar is to kubectl, whose YAML-to-JSON conversion
// (sigs.k8s.io/yaml, YAML 1.1) turns `123`, `1.5`, `yes` or `NO` into numbers
// and booleans that the API server then rejects for a string field. Returns
// nullptr for a string. Quoted, block and !!str scalars are always strings.
const char* PlainScalarType(const YAML::Node& n) {
  if (n.Tag() != "?") return nullptr;
  static const std::set<std::string> kBools = {
      "y",  "Y",  "yes",  "Yes",  "YES",  "n",     "N",     "no",
      "No", "NO", "true", "True", "TRUE", "false", "False", "FALSE",
      "on", "On", "ON",   "off",  "Off",  "OFF"};
  const std::string& s = n.Scalar();
  if (kBools.count(s)) return "a boolean";
  if (IsYamlInt(s)) return "an integer";
  if (IsYamlFloat(s)) return "a number";
  return nullptr;
}

// A view of a yaml-cpp node. A missing member reads as a null node (never
// yaml-cpp's "zombie", whose accessors throw), and members are looked up
// only in maps (a scalar's operator[] throws): no accessor used here can
// throw once the document is loaded.
class YamlView final : public Node {
 public:
  explicit YamlView(YAML::Node n)
      : n_(n.IsDefined() ? std::move(n) : YAML::Node()) {}

  bool IsNull() const override { return n_.IsNull(); }
  bool IsObject() const override { return n_.IsMap(); }
  bool IsArray() const override { return n_.IsSequence(); }
  bool IsScalar() const override { return n_.IsScalar(); }

  bool Has(std::string_view key) const override {
    if (!n_.IsMap()) return false;
    const YAML::Node& n = n_;
    return n[std::string(key)].IsDefined();
  }
  NodePtr Get(std::string_view key) const override {
    if (!n_.IsMap()) return std::make_unique<YamlView>(YAML::Node());
    const YAML::Node& n = n_;
    return std::make_unique<YamlView>(n[std::string(key)]);
  }
  std::vector<std::pair<std::string, NodePtr>> Members() const override {
    std::vector<std::pair<std::string, NodePtr>> out;
    if (!n_.IsMap()) return out;
    for (auto it = n_.begin(); it != n_.end(); ++it)
      out.emplace_back(it->first.Scalar(),
                       std::make_unique<YamlView>(it->second));
    return out;
  }
  std::vector<NodePtr> Elements() const override {
    std::vector<NodePtr> out;
    if (!n_.IsSequence()) return out;
    for (auto it = n_.begin(); it != n_.end(); ++it)
      out.push_back(std::make_unique<YamlView>(*it));
    return out;
  }

  std::string Text() const override { return n_.Scalar(); }
  const char* NonStringType() const override {
    return n_.IsScalar() ? PlainScalarType(n_) : nullptr;
  }
  bool IsExplicitString() const override {
    return n_.Tag() != "?" && n_.Tag() != "tag:yaml.org,2002:int";
  }
  // Unquoted true/false; a !!bool tag counts as unquoted, a quoted "true"
  // does not.
  std::optional<bool> Boolean() const override {
    if (!n_.IsScalar() || n_.Tag() == "!") return std::nullopt;
    if (n_.Scalar() == "true") return true;
    if (n_.Scalar() == "false") return false;
    return std::nullopt;
  }
  bool IsTrue() const override {
    return n_.IsScalar() && n_.Scalar() == "true";
  }

 private:
  YAML::Node n_;
};

// yaml-cpp 0.7 and 0.8 (Debian's is 0.7) loop forever in LoadAll, adding a
// null document per turn until memory runs out, when a document starts with
// a token no node can start with: a stray "," at block level (yaml-cpp issue
// #1040; fixed upstream after 0.8). The parser then reports each new document
// at the same position, which no real stream does. This handler only watches
// document starts, so a pass over the events finds the loop cheaply before
// LoadAll builds anything.
class DocumentProgress : public YAML::EventHandler {
 public:
  bool stuck() const { return stuck_; }
  YAML::Mark mark() const { return last_; }

  void OnDocumentStart(const YAML::Mark& mark) override {
    if (started_ && mark.pos == last_.pos) stuck_ = true;
    started_ = true;
    last_ = mark;
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}

 private:
  bool started_ = false;
  bool stuck_ = false;
  YAML::Mark last_ = YAML::Mark::null_mark();
};

// Throws YAML::ParserException where LoadAll would loop (see above), and
// for any syntax error LoadAll would throw for.
void CheckDocumentsProgress(const std::string& text) {
  std::istringstream in(text);
  YAML::Parser parser(in);
  DocumentProgress progress;
  while (parser.HandleNextDocument(progress)) {
    if (progress.stuck())
      throw YAML::ParserException(progress.mark(),
                                  "unexpected token where a node should start");
  }
}

std::string YamlError(const YAML::Exception& e) {
  std::string out = "invalid YAML";
  if (!e.mark.is_null())
    out += " at line " + std::to_string(e.mark.line + 1) + ", column " +
           std::to_string(e.mark.column + 1);
  return out + ": " + e.msg;
}

}  // namespace

StatusOr<std::vector<NodePtr>> LoadYamlDocuments(const std::string& text) {
  ++yaml_parses;
  std::vector<YAML::Node> nodes;
  try {
    CheckDocumentsProgress(text);
    nodes = YAML::LoadAll(text);
  } catch (const YAML::Exception& e) {
    return InvalidArgumentError(YamlError(e));
  }
  std::vector<NodePtr> out;
  out.reserve(nodes.size());
  for (auto& n : nodes) out.push_back(std::make_unique<YamlView>(n));
  return out;
}

NodePtr LoadYamlDocument(const std::string& text) {
  ++yaml_parses;
  try {
    return std::make_unique<YamlView>(YAML::Load(text));
  } catch (const YAML::Exception&) {
    return nullptr;
  }
}

int64_t YamlParseCount() { return yaml_parses.load(); }

}  // namespace certstore::api
