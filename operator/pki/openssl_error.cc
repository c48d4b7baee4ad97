#include "operator/pki/openssl_error.h"

#include <openssl/err.h>

namespace certstore::pki {

Status OpenSslError(const std::string& what, StatusCode code) {
  std::string reasons;
  unsigned long e;
  while ((e = ERR_get_error()) != 0) {
    const char* r = ERR_reason_error_string(e);
    std::string text = r ? r : ("error " + std::to_string(e));
    if (reasons.find(text) != std::string::npos) continue;
    if (!reasons.empty()) reasons += "; ";
    reasons += text;
  }
  if (reasons.empty()) return Status(code, what);
  return Status(code, what + ": " + reasons);
}

void ClearOpenSslErrors() { ERR_clear_error(); }

}  // namespace certstore::pki
