// Leaf certificate issuance from CA material.
#ifndef CERTSTORE_PKI_ISSUER_H_
#define CERTSTORE_PKI_ISSUER_H_

#include <string>
#include <vector>

#include "operator/common/clock.h"
#include "operator/common/status.h"
#include "operator/pki/ca.h"
#include "operator/pki/certificate_spec.h"
#include "operator/pki/openssl_ptr.h"

namespace certstore::pki {

struct IssuedCertificate {
  X509Ptr cert;
  // Set when notAfter was clamped to the CA's notAfter; says so in words.
  std::string warning;
};

// Issues a leaf for `leaf_key`'s public key, signed by `ca`:
//   subject from spec (CN, O, OU, C, L, ST); SANs DNS/IP/URI/email
//   (critical when the subject is empty); keyUsage digitalSignature, plus
//   keyEncipherment for RSA (critical); extendedKeyUsage serverAuth and/or
//   clientAuth; basicConstraints CA:FALSE (critical); SKI and AKI; a random
//   positive 128-bit serial; notBefore = now - kClockSkewAllowance (never
//   before the CA's notBefore); notAfter = now + duration, clamped to the CA's
//   notAfter; SHA-256 (SHA-384 for a P-384 CA key, none for Ed25519).
// Errors: InvalidArgument naming the bad SAN or subject field, or when the
// spec asks for neither serverAuth nor clientAuth; FailedPrecondition when
// the CA has expired. Thread-safe for distinct outputs; `ca` is read only.
StatusOr<IssuedCertificate> IssueLeaf(const CaMaterial& ca,
                                      const LeafSpec& spec, EVP_PKEY* leaf_key,
                                      const Clock& clock);

}  // namespace certstore::pki

#endif  // CERTSTORE_PKI_ISSUER_H_
