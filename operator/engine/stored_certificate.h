// Reading the certificate and key a CertStore's main Secret holds now.
#ifndef CERTSTORE_ENGINE_STORED_CERTIFICATE_H_
#define CERTSTORE_ENGINE_STORED_CERTIFICATE_H_

#include <optional>

#include "operator/api/types.h"
#include "operator/common/secret.h"
#include "operator/engine/issuance_policy.h"
#include "operator/engine/object_source.h"
#include "operator/engine/verified_stores.h"

namespace certstore::engine {

// The certificate, key and stored chain in Secret `s`, with its identity
// hash annotation. Tried in order: the entry `verified` (optional) remembers
// for exactly these bytes (no decryption); tls.crt + tls.key; keystore.p12;
// keystore.jks — each store opened with `password`, then with the passwords
// it may have been written with before (PreviousStorePasswords). nullopt
// when nothing readable holds a key with its certificate: the caller
// issues anew. Never logs; no error escapes (unreadable means "none").
std::optional<CurrentCertificate> ReadStoredCertificate(
    const api::SecretObject& s, const SecretBytes& password,
    const ObjectSource& objects, const VerifiedStores* verified);

}  // namespace certstore::engine

#endif  // CERTSTORE_ENGINE_STORED_CERTIFICATE_H_
