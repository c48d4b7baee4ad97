// CA material: a signing certificate, its chain and its key.
#ifndef CERTSTORE_PKI_CA_H_
#define CERTSTORE_PKI_CA_H_

#include <vector>

#include "operator/common/clock.h"
#include "operator/common/secret.h"
#include "operator/common/status.h"
#include "operator/pki/certificate_spec.h"
#include "operator/pki/openssl_ptr.h"

namespace certstore::pki {

struct CaMaterial {
  X509Ptr cert;                // the certificate that signs leaves
  std::vector<X509Ptr> chain;  // its issuers, nearest first (may be empty)
  EvpPkeyPtr key;              // the private key of `cert`

  // The top of the chain: the last self-signed certificate, or the last
  // certificate when the chain stops below a root. This is what truststores
  // hold and what `ca.crt` contains.
  X509* Root() const;
  // Certificates a leaf must be sent with: `cert` and every chain member that
  // is not self-issued (IsSelfIssued), nearest first. Empty when `cert` is
  // itself a root.
  std::vector<X509*> Intermediates() const;
};

// Loads and checks CA material from PEM. `cert_pem` holds the CA certificate
// first, optionally followed by its issuers; `key_pem` its private key
// (PKCS#8, PKCS#1 or SEC1). Refuses, with InvalidArgument or
// FailedPrecondition naming the problem:
//   - garbage or empty PEM (either input),
//   - a certificate that is not a CA (basicConstraints CA:TRUE missing, or a
//     keyUsage extension without keyCertSign),
//   - a key that does not match the certificate,
//   - a CA that is expired or not yet valid at clock.Now()
//   (FailedPrecondition),
//   - a chain whose members do not each sign the previous one.
StatusOr<CaMaterial> LoadCa(const std::string& cert_pem,
                            const SecretBytes& key_pem, const Clock& clock);

// FailedPrecondition when CA certificate `c` is not valid at `now` (the
// time check of LoadCa, for material loaded earlier).
Status CheckCaValidAt(X509* c, TimePoint now);

// Another reference to the same certificates and key (no copy).
CaMaterial ShareCa(const CaMaterial& ca);

// Creates a self-signed root CA with `key`: basicConstraints CA:TRUE
// (critical), keyUsage keyCertSign+cRLSign+digitalSignature (critical),
// SKI, AKI, random 128-bit serial, notBefore backdated by
// kClockSkewAllowance. Takes shared ownership of `key`.
StatusOr<CaMaterial> CreateSelfSignedCa(const RootSpec& spec, EVP_PKEY* key,
                                        const Clock& clock);

}  // namespace certstore::pki

#endif  // CERTSTORE_PKI_CA_H_
