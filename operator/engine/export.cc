#include "operator/engine/export.h"

#include "operator/engine/secret_layout.h"
#include "operator/pki/certificate.h"

namespace certstore::engine {

bool IsBinaryExportKey(const std::string& key) {
  return key == api::kTlsCerKey;
}

api::ConfigMapObject ExportConfigMap(const api::CertStore& cs, X509* leaf,
                                     const std::vector<X509*>& chain,
                                     X509* root) {
  const api::ExportSpec& spec = *cs.spec.export_spec;
  api::ConfigMapObject c;
  c.metadata = ManagedMetadata(cs, spec.config_map_name);
  std::vector<X509*> certs{leaf};
  certs.insert(certs.end(), chain.begin(), chain.end());
  c.data[api::kTlsCrtKey] = pki::EncodeCertificatesPem(certs);
  c.data[api::kTlsCerKey] = pki::EncodeCertificateDer(leaf);
  if (spec.include_root && root)
    c.data[api::kCaCrtKey] = pki::EncodeCertificatePem(root);
  return c;
}

std::optional<api::ConfigMapObject> ExportFromCurrent(
    const api::CertStore& cs, const api::ConfigMapObject& current,
    const std::string& fingerprint, const std::vector<X509*>& chain,
    X509* root) {
  auto it = current.data.find(api::kTlsCrtKey);
  if (it == current.data.end()) return std::nullopt;
  auto certs = pki::ParseCertificatesPem(it->second);
  if (!certs.ok() || certs->empty() ||
      pki::FingerprintSha256(certs->front().get()) != fingerprint)
    return std::nullopt;
  return ExportConfigMap(cs, certs->front().get(), chain, root);
}

}  // namespace certstore::engine
