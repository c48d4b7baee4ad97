// Internal helpers shared by CA creation and leaf issuance. Not a public
// interface: callers use ca.h and issuer.h.
#ifndef CERTSTORE_PKI_CERT_BUILDER_H_
#define CERTSTORE_PKI_CERT_BUILDER_H_

#include "operator/common/clock.h"
#include "operator/common/status.h"
#include "operator/pki/certificate_spec.h"
#include "operator/pki/openssl_ptr.h"

namespace certstore::pki::internal {

// Builds an X509_NAME from `dn`. InvalidArgument naming the field when a
// value is empty or a country is not two letters.
StatusOr<X509NamePtr> BuildName(const DistinguishedName& dn);

// A random positive 128-bit serial number.
StatusOr<Asn1IntegerPtr> RandomSerial();

// Sets version 3, serial, subject, issuer name, public key and validity.
Status SetBasics(X509* cert, const X509_NAME* subject, const X509_NAME* issuer,
                 EVP_PKEY* pubkey, TimePoint not_before, TimePoint not_after);

// Adds basicConstraints (critical); a CA with `path_len` >= 0 also gets
// pathLenConstraint (how many CAs may follow it in a path).
Status AddBasicConstraints(X509* cert, bool ca, int path_len = -1);
// Adds keyUsage (critical) with the KU_* bits in `bits`.
Status AddKeyUsage(X509* cert, uint32_t bits);
// Adds subjectKeyIdentifier (hash of the public key) and
// authorityKeyIdentifier (keyid of `issuer`, which may be `cert` itself).
Status AddKeyIdentifiers(X509* cert, X509* issuer);

// Signs with the digest right for the signing key.
Status Sign(X509* cert, EVP_PKEY* signing_key);

}  // namespace certstore::pki::internal

#endif  // CERTSTORE_PKI_CERT_BUILDER_H_
