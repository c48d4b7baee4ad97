// spec.export: the public certificate of a CertStore, for partners, in a
// ConfigMap of its namespace ("send the public cert to the client").
#ifndef CERTSTORE_ENGINE_EXPORT_H_
#define CERTSTORE_ENGINE_EXPORT_H_

#include <openssl/x509.h>

#include <optional>
#include <vector>

#include "operator/api/types.h"

namespace certstore::engine {

// The export ConfigMap of `cs` for the certificate `leaf` with its
// intermediates `chain` (nearest first) and the issuer's `root`: data
// tls.crt (leaf + intermediates, PEM) and, with includeRoot, ca.crt (the
// root, PEM); tls.cer (the leaf, DER; written as binaryData). Never a key.
// Labels and annotations as on the CertStore's Secrets (secretTemplate's,
// then ours). REQUIRES: cs.spec.export_spec.
api::ConfigMapObject ExportConfigMap(const api::CertStore& cs, X509* leaf,
                                     const std::vector<X509*>& chain,
                                     X509* root);

// The export as it must be when `current` (the ConfigMap as it is now)
// already holds the certificate whose SHA-256 fingerprint (status form) is
// `fingerprint`, issued under `chain` and `root`: rebuilt from current's own
// leaf, so that a caller can compare without the stores. nullopt when
// current holds no parsable leaf with that fingerprint.
std::optional<api::ConfigMapObject> ExportFromCurrent(
    const api::CertStore& cs, const api::ConfigMapObject& current,
    const std::string& fingerprint, const std::vector<X509*>& chain,
    X509* root);

// True for the keys written as binaryData.
bool IsBinaryExportKey(const std::string& key);

}  // namespace certstore::engine

#endif  // CERTSTORE_ENGINE_EXPORT_H_
