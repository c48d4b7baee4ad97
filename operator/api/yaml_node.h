// The Node view (node.h) of YAML documents: manifests given to
// kubectl-certstore and its state files. yaml-cpp stays inside yaml_node.cc
// (it throws, and its headers are slow); nothing on the operator's
// watch/list/reconcile path reaches it (parse.h reads JSON through json.h).
#ifndef CERTSTORE_API_YAML_NODE_H_
#define CERTSTORE_API_YAML_NODE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "operator/api/node.h"
#include "operator/common/status.h"

namespace certstore::api {

// Every document of a YAML stream ("---" separated), null documents
// included (so that positions count as the stream does). The views keep
// their tree alive. InvalidArgument "invalid YAML at line L, column C: why"
// for a syntax error, including the inputs on which yaml-cpp's LoadAll would
// loop forever (yaml_node.cc).
StatusOr<std::vector<NodePtr>> LoadYamlDocuments(const std::string& text);

// The first document of `text`; nullptr when it is not valid YAML.
NodePtr LoadYamlDocument(const std::string& text);

// How many times yaml-cpp was asked to parse text in this process: tests
// prove with it that JSON input never reaches yaml-cpp. Thread-safe.
int64_t YamlParseCount();

}  // namespace certstore::api

#endif  // CERTSTORE_API_YAML_NODE_H_
