#include "operator/api/emit.h"

#include <yaml-cpp/yaml.h>

#include "operator/api/json.h"
#include "operator/common/base64.h"

namespace certstore::api {
namespace {

void EmitValue(YAML::Emitter& out, const json::Value& v) {
  if (v.IsObject()) {
    out << YAML::BeginMap;
    for (const auto& [key, member] : v.Members()) {
      out << YAML::Key << std::string(key) << YAML::Value;
      EmitValue(out, member);
    }
    out << YAML::EndMap;
  } else if (v.IsArray()) {
    out << YAML::BeginSeq;
    for (const json::Value& e : v.Elements()) EmitValue(out, e);
    out << YAML::EndSeq;
  } else if (v.IsString()) {
    out << YAML::DoubleQuoted << std::string(v.String());
  } else if (v.IsBool()) {
    out << v.Bool();
  } else if (auto i = v.Int()) {
    out << *i;
  } else if (v.IsNumber()) {
    out << YAML::DoubleQuoted << v.Serialize();  // not an int64: as text
  } else {
    out << YAML::Null;
  }
}

}  // namespace

// Every string value is double-quoted: kubectl reads YAML 1.1, where an
// unquoted name such as 123 or a base64 value such as 1234 is a number, which
// the API server rejects for a string field.
std::string SecretManifest(const SecretObject& s) {
  YAML::Emitter out;
  out << YAML::BeginMap;
  out << YAML::Key << "apiVersion" << YAML::Value << "v1";
  out << YAML::Key << "kind" << YAML::Value << "Secret";
  out << YAML::Key << "metadata" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "name" << YAML::Value << YAML::DoubleQuoted
      << s.metadata.name;
  if (!s.metadata.namespace_.empty())
    out << YAML::Key << "namespace" << YAML::Value << YAML::DoubleQuoted
        << s.metadata.namespace_;
  if (!s.metadata.labels.empty()) {
    out << YAML::Key << "labels" << YAML::Value << YAML::BeginMap;
    for (const auto& [k, v] : s.metadata.labels)
      out << YAML::Key << k << YAML::Value << YAML::DoubleQuoted << v;
    out << YAML::EndMap;
  }
  if (!s.metadata.annotations.empty()) {
    out << YAML::Key << "annotations" << YAML::Value << YAML::BeginMap;
    for (const auto& [k, v] : s.metadata.annotations)
      out << YAML::Key << k << YAML::Value << YAML::DoubleQuoted << v;
    out << YAML::EndMap;
  }
  out << YAML::EndMap;
  out << YAML::Key << "type" << YAML::Value
      << (s.type.empty() ? std::string("Opaque") : s.type);
  out << YAML::Key << "data" << YAML::Value << YAML::BeginMap;
  for (const auto& [k, v] : s.data)
    out << YAML::Key << k << YAML::Value << YAML::DoubleQuoted
        << Base64Encode(v);
  out << YAML::EndMap;
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

std::string YamlFromJson(const std::string& json_text) {
  auto doc = json::Document::Parse(json_text);
  if (!doc) return "";
  YAML::Emitter out;
  EmitValue(out, doc->Root());
  return std::string(out.c_str()) + "\n";
}

}  // namespace certstore::api
