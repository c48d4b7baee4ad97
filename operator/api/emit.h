// Writing core objects back out as YAML manifests.
#ifndef CERTSTORE_API_EMIT_H_
#define CERTSTORE_API_EMIT_H_

#include <string>

#include "operator/api/types.h"

namespace certstore::api {

// A `kind: Secret` manifest (apiVersion v1, type Opaque unless set) with
// `data` base64-encoded and keys sorted, so the output is stable.
std::string SecretManifest(const SecretObject& secret);

}  // namespace certstore::api

#endif  // CERTSTORE_API_EMIT_H_
