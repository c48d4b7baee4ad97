#include "operator/engine/secret_layout.h"

#include <algorithm>
#include <string>
#include <vector>

#include "operator/api/hash.h"
#include "operator/engine/reasons.h"

namespace certstore::engine {
namespace {

bool Has(const std::vector<std::string>& v, const char* x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

}  // namespace

bool HasSeparateTruststore(const api::CertStore& cs) {
  return cs.spec.truststore && !cs.spec.truststore->secret_name.empty();
}

SecretLayout LayoutFor(const api::CertStore& cs) {
  const api::CertStoreSpec& spec = cs.spec;
  bool want_p12 = Has(spec.formats, "PKCS12");
  bool want_jks = Has(spec.formats, "JKS");
  bool want_pem = Has(spec.formats, "PEM");
  bool separate_trust = HasSeparateTruststore(cs);
  SecretLayout l;
  if (spec.keystore) {
    if (want_p12) l.main_keys.insert(api::kKeystoreP12Key);
    if (want_jks) l.main_keys.insert(api::kKeystoreJksKey);
    if (want_pem) {
      l.main_keys.insert(api::kTlsCrtKey);
      l.main_keys.insert(api::kTlsKeyKey);
      l.main_keys.insert(api::kCaCrtKey);
    }
    if (Has(spec.additional_formats, "CombinedPEM"))
      l.main_keys.insert(api::kTlsCombinedPemKey);
    if (Has(spec.additional_formats, "DER")) {
      l.main_keys.insert(api::kTlsDerKey);
      l.main_keys.insert(api::kKeyDerKey);
    }
  }
  std::set<std::string>& trust = separate_trust ? l.trust_keys : l.main_keys;
  if (spec.truststore) {
    if (want_p12) trust.insert(api::kTruststoreP12Key);
    if (want_jks) trust.insert(api::kTruststoreJksKey);
    if (want_pem) trust.insert(api::kCaCrtKey);
  }
  if (!spec.password && (want_p12 || want_jks))
    l.main_keys.insert(api::kPasswordKey);
  // The separate truststore Secret has a password of its own, generated
  // unless spec.truststore.password names one.
  if (separate_trust && !spec.truststore->password && (want_p12 || want_jks))
    l.trust_keys.insert(api::kPasswordKey);
  return l;
}

bool IsOperatorKey(const std::string& key) {
  static const char* const kOwn[] = {
      api::kKeystoreP12Key,   api::kTruststoreP12Key, api::kKeystoreJksKey,
      api::kTruststoreJksKey, api::kTlsCrtKey,        api::kTlsKeyKey,
      api::kCaCrtKey,         api::kPasswordKey,      api::kTlsCombinedPemKey,
      api::kTlsDerKey,        api::kKeyDerKey};
  for (const char* k : kOwn)
    if (key == k) return true;
  return false;
}

std::string CertStoreLabelValue(const std::string& name) {
  // A label value: at most 63 characters; object names are DNS subdomains,
  // whose characters are all allowed in label values.
  return name.size() <= 63 ? name : "";
}

api::ObjectMeta ManagedMetadata(const api::CertStore& cs,
                                const std::string& name) {
  api::ObjectMeta m;
  m.name = name;
  m.namespace_ = cs.metadata.namespace_;
  // The template first: our own labels and annotations win.
  if (cs.spec.secret_template) {
    m.labels = cs.spec.secret_template->labels;
    m.annotations = cs.spec.secret_template->annotations;
  }
  m.labels[api::kManagedByLabel] = api::kManagedByValue;
  std::string label = CertStoreLabelValue(cs.metadata.name);
  if (!label.empty()) m.labels[kCertStoreLabel] = label;
  m.annotations[kCertStoreAnnotation] = cs.metadata.name;
  m.annotations[kIssuerAnnotation] =
      std::string(api::IssuerKindName(cs.spec.issuer_ref.kind)) + "/" +
      cs.spec.issuer_ref.name;
  return m;
}

api::SecretObject NewManagedSecret(const api::CertStore& cs,
                                   const std::string& name) {
  api::SecretObject s;
  s.metadata = ManagedMetadata(cs, name);
  s.type = "Opaque";
  return s;
}

api::SecretObject MainSecretShell(const api::CertStore& cs, int64_t revision,
                                  const std::string& renew_request) {
  const api::CertStoreSpec& spec = cs.spec;
  api::SecretObject main = NewManagedSecret(cs, spec.secret_name);
  if (!spec.secret_type.empty()) main.type = spec.secret_type;
  auto& ann = main.metadata.annotations;
  ann[kIdentityHashAnnotation] = api::IdentityHash(cs);
  ann[kRenderHashAnnotation] = api::RenderHash(cs);
  ann[kRevisionAnnotation] = std::to_string(revision);
  if (!renew_request.empty()) ann[kRenewRequestAnnotation] = renew_request;
  if (spec.password)
    ann[kPasswordRefAnnotation] =
        spec.password->name + "/" + spec.password->key;
  return main;
}

api::SecretObject TrustSecretShell(const api::CertStore& cs) {
  api::SecretObject trust =
      NewManagedSecret(cs, cs.spec.truststore->secret_name);
  trust.metadata.annotations[kRenderHashAnnotation] = api::RenderHash(cs);
  const auto& pw = cs.spec.truststore->password;
  if (pw && pw->secret_key_ref)
    trust.metadata.annotations[kPasswordRefAnnotation] =
        pw->secret_key_ref->name + "/" + pw->secret_key_ref->key;
  return trust;
}

}  // namespace certstore::engine
