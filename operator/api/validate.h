// Semantic validation of defaulted objects. The rules mirror the CRD schema
// and its CEL rules in crds/ (a test feeds the same corpus to both); messages
// name the field path the API server would name.
#ifndef CERTSTORE_API_VALIDATE_H_
#define CERTSTORE_API_VALIDATE_H_

#include "operator/api/field_error.h"
#include "operator/api/types.h"

namespace certstore::api {

// REQUIRES: ApplyDefaults() was called. Returns every problem found.
FieldErrors Validate(const CertStore& cs);
FieldErrors Validate(const Issuer& issuer);
FieldErrors Validate(const TrustBundle& tb);

// References (trust sources, password) that name a namespace other than
// the CertStore's own. The operator never reads across namespaces on a
// user's behalf; the CRD cannot check this (CEL does not see
// metadata.namespace), so the operator refuses such a CertStore with its
// own reason. Validate() includes these errors.
FieldErrors CrossNamespaceRefs(const CertStore& cs);

// Building blocks shared with other validators.
bool IsDnsSubdomain(const std::string& s);  // Kubernetes object names
bool IsSanDnsName(const std::string& s);    // lower-case, optional "*." prefix
bool IsIpAddress(const std::string& s);     // as Go's netip / CEL isIP()

}  // namespace certstore::api

#endif  // CERTSTORE_API_VALIDATE_H_
