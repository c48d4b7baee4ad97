// Defaulting: fills in what the CRD schema defaults (and the few defaults the
// schema cannot express, such as the key size per algorithm). Idempotent.
#ifndef CERTSTORE_API_DEFAULTS_H_
#define CERTSTORE_API_DEFAULTS_H_

#include "operator/api/types.h"

namespace certstore::api {

constexpr char kDefaultAlias[] = "certificate";
constexpr char kDefaultLeafDuration[] = "2160h";
constexpr char kDefaultCaDuration[] = "87600h";
constexpr char kDefaultIntermediateDuration[] = "8760h";

// CertStore: issuerRef.kind CertIssuer; keystore alias "certificate", usages
// [serverAuth, clientAuth], privateKey ECDSA (RSA 2048 / ECDSA 256 /
// Ed25519 0), rotationPolicy Always, duration 2160h; truststore sources
// [{issuer: {}}], Secret/ConfigMap source key "ca.crt"; formats
// [PKCS12, PEM]; pkcs12.profile Modern2023; password key "password".
void ApplyDefaults(CertStore* cs);

// Issuers: selfSigned privateKey ECDSA P-384 (RSA 3072), duration 87600h.
void ApplyDefaults(Issuer* issuer);

// TrustBundles: Secret / ConfigMap source key "ca.crt" (unless allKeys),
// target configMap key "ca.crt", target secret formats [PKCS12].
void ApplyDefaults(TrustBundle* tb);

}  // namespace certstore::api

#endif  // CERTSTORE_API_DEFAULTS_H_
