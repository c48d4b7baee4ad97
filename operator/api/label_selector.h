// Kubernetes label selectors (metav1.LabelSelector) as a policy's
// namespaceSelector uses them: checked like the API server checks them, and
// matched against an object's labels.
#ifndef CERTSTORE_API_LABEL_SELECTOR_H_
#define CERTSTORE_API_LABEL_SELECTOR_H_

#include <map>
#include <string>

#include "operator/api/field_error.h"
#include "operator/api/types.h"

namespace certstore::api {

// Adds an error under `path` for every malformed part: unknown operator,
// In/NotIn without values, Exists/DoesNotExist with values, empty key.
void CheckLabelSelector(const LabelSelector& s, const std::string& path,
                        FieldErrors* errs);

// True when `labels` satisfy every matchLabels entry and matchExpressions
// requirement. The empty selector matches everything.
bool SelectorMatches(const LabelSelector& s,
                     const std::map<std::string, std::string>& labels);

}  // namespace certstore::api

#endif  // CERTSTORE_API_LABEL_SELECTOR_H_
