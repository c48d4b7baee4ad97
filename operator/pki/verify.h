// Chain verification with purpose and host name checks, reporting failures
// in the words people search for (Java's and OpenSSL's).
#ifndef CERTSTORE_PKI_VERIFY_H_
#define CERTSTORE_PKI_VERIFY_H_

#include <optional>
#include <string>
#include <vector>

#include "operator/common/clock.h"
#include "operator/common/status.h"
#include "operator/pki/openssl_ptr.h"

namespace certstore::pki {

enum class Purpose { kAny, kTlsServer, kTlsClient };

struct VerifyOptions {
  Purpose purpose = Purpose::kAny;
  // Host name or IP address the leaf must match (server side). Empty: none.
  std::string host;
  // Verification time; unset means the clock passed to VerifyChain.
};

// Verifies that `leaf`, sent together with `intermediates`, chains to one of
// `trust_anchors` at clock.Now(), with the purpose and host in `options`.
// Returns OK, or FailedPrecondition whose message names the certificate and
// the problem:
//   "PKIX path building failed: ..."  issuer not trusted or chain incomplete
//   "certificate expired: ..." / "certificate not yet valid: ..."
//   "... lacks extended key usage serverAuth|clientAuth ..."
//   "No subject alternative DNS name matching <host> found" (or IP address)
//   "signature verification failed ..."
Status VerifyChain(X509* leaf, const std::vector<X509*>& intermediates,
                   const std::vector<X509*>& trust_anchors,
                   const VerifyOptions& options, const Clock& clock);

}  // namespace certstore::pki

#endif  // CERTSTORE_PKI_VERIFY_H_
