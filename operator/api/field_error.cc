#include "operator/api/field_error.h"

namespace certstore::api {

Status FieldErrors::ToStatus() const {
  if (errors_.empty()) return OkStatus();
  std::string msg;
  for (const auto& e : errors_) {
    if (!msg.empty()) msg += "; ";
    msg += e.path.empty() ? e.message : e.path + ": " + e.message;
  }
  return InvalidArgumentError(msg);
}

}  // namespace certstore::api
