#include "operator/api/emit.h"

#include <yaml-cpp/yaml.h>

#include "operator/common/base64.h"

namespace certstore::api {

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

}  // namespace certstore::api
