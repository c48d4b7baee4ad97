#include "operator/api/label_selector.h"

#include <algorithm>

namespace certstore::api {

void CheckLabelSelector(const LabelSelector& s, const std::string& path,
                        FieldErrors* errs) {
  for (size_t i = 0; i < s.match_expressions.size(); ++i) {
    const LabelSelectorRequirement& r = s.match_expressions[i];
    std::string p = path + ".matchExpressions[" + std::to_string(i) + "]";
    if (r.key.empty()) errs->Add(p + ".key", "Required value");
    if (r.op == "In" || r.op == "NotIn") {
      if (r.values.empty())
        errs->Add(p + ".values",
                  "must be specified when `operator` is 'In' or 'NotIn'");
    } else if (r.op == "Exists" || r.op == "DoesNotExist") {
      if (!r.values.empty())
        errs->Add(p + ".values",
                  "may not be specified when `operator` is 'Exists' or "
                  "'DoesNotExist'");
    } else {
      errs->Add(p + ".operator", "not a valid selector operator: \"" + r.op +
                                     "\" (In, NotIn, Exists, DoesNotExist)");
    }
  }
  for (const auto& [k, v] : s.match_labels)
    if (k.empty()) errs->Add(path + ".matchLabels", "keys must not be empty");
}

bool SelectorMatches(const LabelSelector& s,
                     const std::map<std::string, std::string>& labels) {
  for (const auto& [k, v] : s.match_labels) {
    auto it = labels.find(k);
    if (it == labels.end() || it->second != v) return false;
  }
  for (const LabelSelectorRequirement& r : s.match_expressions) {
    auto it = labels.find(r.key);
    bool has = it != labels.end();
    bool in = has && std::find(r.values.begin(), r.values.end(), it->second) !=
                         r.values.end();
    if (r.op == "In" && !in) return false;
    if (r.op == "NotIn" && in) return false;
    if (r.op == "Exists" && !has) return false;
    if (r.op == "DoesNotExist" && has) return false;
    if (r.op != "In" && r.op != "NotIn" && r.op != "Exists" &&
        r.op != "DoesNotExist")
      return false;  // malformed: never widens
  }
  return true;
}

}  // namespace certstore::api
