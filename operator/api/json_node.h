// The Node view (node.h) of JSON parsed by json.h: the operator's path for
// everything the API server sends. Uses no yaml-cpp.
#ifndef CERTSTORE_API_JSON_NODE_H_
#define CERTSTORE_API_JSON_NODE_H_

#include <string_view>

#include "operator/api/json.h"
#include "operator/api/node.h"

namespace certstore::api {

// A view of `value`, valid while its json::Document lives.
NodePtr JsonNode(json::Value value);

// Whether `text` is read as JSON: its first non-whitespace byte is '{' (the
// API server always sends one JSON object; a YAML manifest starts with a
// key, a comment or "---", or is a flow mapping, see parse.h).
bool StartsLikeJson(std::string_view text);

}  // namespace certstore::api

#endif  // CERTSTORE_API_JSON_NODE_H_
