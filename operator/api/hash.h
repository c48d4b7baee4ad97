// The two hashes that decide what a change to a CertStore costs.
//
//   IdentityHash: inputs that end up inside the certificate or its key
//     (issuer, names, usages, key algorithm/size, duration). A change means
//     "issue a new certificate".
//   RenderHash: inputs that only shape the files (alias, formats, PKCS12
//     profile, password reference, trust sources, Secret names). A change
//     means "re-encode the stores with the same certificate".
//
// Both are stable across processes and versions of this library for the
// same defaulted spec (they are written to annotations), and insensitive to
// the order of usages and formats, which are sets.
#ifndef CERTSTORE_API_HASH_H_
#define CERTSTORE_API_HASH_H_

#include <string>

#include "operator/api/types.h"

namespace certstore::api {

// REQUIRES: ApplyDefaults() was called. 64 hex digits.
std::string IdentityHash(const CertStore& cs);
std::string RenderHash(const CertStore& cs);

}  // namespace certstore::api

#endif  // CERTSTORE_API_HASH_H_
