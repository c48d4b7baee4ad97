// Turns OpenSSL's thread-local error queue into a Status.
#ifndef CERTSTORE_PKI_OPENSSL_ERROR_H_
#define CERTSTORE_PKI_OPENSSL_ERROR_H_

#include <string>

#include "operator/common/status.h"

namespace certstore::pki {

// Drains the error queue and returns a Status with code `code` and message
// "<what>: <reason>[; <reason>...]". The queue is empty afterwards, so one
// failure never leaks into the next call's message.
Status OpenSslError(const std::string& what,
                    StatusCode code = StatusCode::kInternal);

// Empties the error queue (before an operation whose failure we will report).
void ClearOpenSslErrors();

}  // namespace certstore::pki

#endif  // CERTSTORE_PKI_OPENSSL_ERROR_H_
