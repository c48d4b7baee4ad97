// Writing core objects (and the plugin's reports) out as YAML.
#ifndef CERTSTORE_API_EMIT_H_
#define CERTSTORE_API_EMIT_H_

#include <string>

#include "operator/api/types.h"

namespace certstore::api {

// A `kind: Secret` manifest (apiVersion v1, type Opaque unless set) with
// `data` base64-encoded and keys sorted, so the output is stable.
std::string SecretManifest(const SecretObject& secret);

// A JSON document (operator/api/json.h) as block YAML, members in their
// order, strings double-quoted (as SecretManifest says why), numbers,
// booleans and null as themselves. "" when `json_text` is not valid JSON.
std::string YamlFromJson(const std::string& json_text);

}  // namespace certstore::api

#endif  // CERTSTORE_API_EMIT_H_
