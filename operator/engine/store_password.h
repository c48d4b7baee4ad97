// The password that locks a CertStore's keystores and truststores.
#ifndef CERTSTORE_ENGINE_STORE_PASSWORD_H_
#define CERTSTORE_ENGINE_STORE_PASSWORD_H_

#include <optional>
#include <vector>

#include "operator/api/types.h"
#include "operator/common/secret.h"
#include "operator/common/status.h"
#include "operator/engine/object_source.h"

namespace certstore::engine {

// The password for cs's stores: the value of spec.password's Secret key
// (trailing line breaks removed: people create these with `echo`), else the
// generated one already stored in `current`'s `password` key, else a new
// one. Errors: NotFound naming spec.password.secretKeyRef when the Secret or
// a non-empty key is missing; InvalidArgument when the value is longer than
// pki::kMaxPasswordBytes. Messages never contain the password.
StatusOr<SecretBytes> ResolveStorePassword(
    const api::CertStore& cs, const std::optional<api::SecretObject>& current,
    const ObjectSource& objects);

// The password of the stores in cs's separate truststore Secret: the
// literal spec.truststore.password.value, the value of its secretKeyRef
// (errors as above, naming that field), else the generated one stored in
// `current`'s `password` key unless it equals `keystore_password` (a Secret
// written before truststores had passwords of their own), else a new one
// that differs from it. REQUIRES: cs.spec.truststore.
StatusOr<SecretBytes> ResolveTruststorePassword(
    const api::CertStore& cs, const std::optional<api::SecretObject>& current,
    const SecretBytes& keystore_password, const ObjectSource& objects);

// Passwords the stores in `s` may have been written with: its own generated
// `password`, and the value behind the password reference recorded when it
// was written (kPasswordRefAnnotation). Lets a password change re-encode the
// stores instead of re-issuing their certificate.
std::vector<SecretBytes> PreviousStorePasswords(const api::SecretObject& s,
                                                const ObjectSource& objects);

}  // namespace certstore::engine

#endif  // CERTSTORE_ENGINE_STORE_PASSWORD_H_
