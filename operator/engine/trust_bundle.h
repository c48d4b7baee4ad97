// TrustBundle: certificates an administrator chose (ClusterCertIssuer roots,
// Secrets and ConfigMaps of the cluster resource namespace, inline PEM, the
// system CAs), filtered, and the ConfigMap / Secret written with them into
// every selected namespace. Pure: the caller reads objects and writes.
#ifndef CERTSTORE_ENGINE_TRUST_BUNDLE_H_
#define CERTSTORE_ENGINE_TRUST_BUNDLE_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "operator/api/types.h"
#include "operator/common/clock.h"
#include "operator/common/secret.h"
#include "operator/common/status.h"
#include "operator/engine/object_source.h"
#include "operator/pki/openssl_ptr.h"

namespace certstore::engine {

struct BundleInputs {
  // Reads Secrets and ConfigMaps; only `source_namespace` is asked.
  const ObjectSource* objects = nullptr;
  std::string source_namespace;  // the cluster resource namespace
  // A Secret no bundle may read (the operator's seal key): refused with
  // FailedPrecondition naming it.
  std::string forbidden_secret;
  // The roots ClusterCertIssuer `name` asks truststores to hold: its root,
  // then the previous roots a CA rotation still trusts. An error (issuer
  // missing, not ready) is reported with the source's path.
  std::function<StatusOr<std::vector<pki::X509Ptr>>(const std::string& name)>
      issuer_roots;
  std::string system_bundle_path;  // empty: kDefaultSystemBundle
};

// A certificate spec.filter left out.
struct DroppedCertificate {
  std::string subject;      // RFC 2253 text
  std::string fingerprint;  // SHA-256, status form
  std::string reason;       // "Expired" | "NotCA"
};

struct BundleContent {
  std::vector<pki::X509Ptr> certificates;  // distinct, in source order
  std::vector<DroppedCertificate> dropped;
  std::optional<TimePoint> earliest_not_after;
  std::string pem;  // every certificate, PEM, in order
};

// Resolves spec.sources in order (first occurrence of a certificate wins),
// then applies spec.filter at `now`. Errors name the source
// ("spec.sources[1].configMap: ConfigMap certstore-system/corp not
// found"); InvalidArgument when no certificate is left or more than
// pki::kMaxBundleCertificates would be. REQUIRES: tb defaulted and valid.
StatusOr<BundleContent> ResolveBundle(const api::TrustBundle& tb,
                                      const BundleInputs& in, TimePoint now);

// The labels of the objects a bundle writes: managed-by, kTrustBundleLabel
// (omitted when the name is too long for a label value) and
// kTrustBundleUidLabel.
std::map<std::string, std::string> BundleLabels(const api::TrustBundle& tb);

// The target ConfigMap in `ns`: spec.target.configMap.key -> the PEM.
// REQUIRES: tb.spec.target->config_map.
api::ConfigMapObject BundleConfigMap(const api::TrustBundle& tb,
                                     const std::string& ns,
                                     const BundleContent& content);

// The target Secret in `ns`: truststore.p12 / truststore.jks (trusted
// certificate entries only), ca.crt (the PEM) and `password`. `current` is
// the Secret as it is now when this bundle owns it: its password is kept
// (Generated) and its stores are kept byte for byte when they already hold
// exactly these certificates under that password. Errors: Internal for
// encoder failures. REQUIRES: tb.spec.target->secret.
// `mac_key` (the operator's seal key; may be empty) keys the digest in
// kBundleContentAnnotation, so that a forged annotation does not keep a
// tampered store.
StatusOr<api::SecretObject> BundleSecret(
    const api::TrustBundle& tb, const std::string& ns,
    const BundleContent& content,
    const std::optional<api::SecretObject>& current, TimePoint now,
    const SecretBytes* mac_key = nullptr);

}  // namespace certstore::engine

#endif  // CERTSTORE_ENGINE_TRUST_BUNDLE_H_
