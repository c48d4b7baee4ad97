// Field-level errors: "spec.keystore.dnsNames[1]: must be a DNS name".
#ifndef CERTSTORE_API_FIELD_ERROR_H_
#define CERTSTORE_API_FIELD_ERROR_H_

#include <string>
#include <vector>

#include "operator/common/status.h"

namespace certstore::api {

struct FieldError {
  std::string path;     // "spec.keystore.dnsNames[1]"
  std::string message;  // "must be a DNS name (got \"a_b\")"
};

// Collects errors while walking an object.
class FieldErrors {
 public:
  void Add(const std::string& path, const std::string& message) {
    errors_.push_back({path, message});
  }
  bool empty() const { return errors_.empty(); }
  const std::vector<FieldError>& errors() const { return errors_; }
  // OK when empty; otherwise InvalidArgument listing every error, one per
  // "; ", each "path: message".
  Status ToStatus() const;

 private:
  std::vector<FieldError> errors_;
};

}  // namespace certstore::api

#endif  // CERTSTORE_API_FIELD_ERROR_H_
