#include "operator/engine/trust_sources.h"

#include <set>

#include "operator/common/files.h"
#include "operator/pki/certificate.h"
#include "operator/pki/limits.h"

namespace certstore::engine {

StatusOr<std::vector<pki::X509Ptr>> ResolveTrustSources(
    const api::CertStore& cs, X509* issuer_root, const ObjectSource& objects,
    const std::string& system_bundle_path,
    const std::vector<X509*>& previous_issuer_roots,
    const TrustBundleLookup& bundles) {
  std::vector<pki::X509Ptr> out;
  std::set<std::string> seen;
  auto add = [&](std::vector<pki::X509Ptr> certs) {
    for (auto& c : certs)
      if (seen.insert(pki::FingerprintSha256Hex(c.get())).second)
        out.push_back(std::move(c));
  };
  const std::string& ns = cs.metadata.namespace_;
  const auto& sources = cs.spec.truststore->sources;
  for (size_t i = 0; i < sources.size(); ++i) {
    const api::TrustSource& s = sources[i];
    std::string path = "spec.truststore.sources[" + std::to_string(i) + "]." +
                       api::TrustSourceTypeName(s.type);
    std::string pem;
    std::string where = path;  // the object and key too, once known
    switch (s.type) {
      case api::TrustSource::Type::kIssuer: {
        std::vector<pki::X509Ptr> one;
        one.push_back(pki::ShareCert(issuer_root));
        for (X509* r : previous_issuer_roots) one.push_back(pki::ShareCert(r));
        add(std::move(one));
        continue;
      }
      case api::TrustSource::Type::kSecret:
      case api::TrustSource::Type::kConfigMap: {
        bool secret = s.type == api::TrustSource::Type::kSecret;
        std::optional<std::map<std::string, std::string>> data;
        if (secret) {
          if (auto o = objects.GetSecret(ns, s.name)) data = o->data;
        } else if (auto o = objects.GetConfigMap(ns, s.name)) {
          data = o->data;
        }
        std::string what =
            std::string(secret ? "Secret " : "ConfigMap ") + ns + "/" + s.name;
        if (!data) return NotFoundError(path + ": " + what + " not found");
        auto it = data->find(s.key);
        if (it == data->end())
          return NotFoundError(path + ": " + what + " has no key " + s.key);
        pem = it->second;
        where = path + " (" + what + ", key " + s.key + ")";
        break;
      }
      case api::TrustSource::Type::kInline:
        pem = s.inline_pem;
        break;
      case api::TrustSource::Type::kTrustBundle: {
        if (!bundles)
          return FailedPreconditionError(
              path + ": TrustBundle " + s.name +
              " cannot be read here (TrustBundles are cluster objects)");
        auto certs = bundles(s.name);
        if (!certs.ok()) return certs.status().WithContext(path);
        add(std::move(certs).value());
        if (out.size() > pki::kMaxBundleCertificates)
          return InvalidArgumentError(
              path + ": the truststore would hold more than " +
              std::to_string(pki::kMaxBundleCertificates) + " certificates");
        continue;
      }
      case api::TrustSource::Type::kSystemDefaults: {
        auto bundle = ReadFile(system_bundle_path);
        if (!bundle.ok())
          return FailedPreconditionError(
              path + ": system CA bundle " + system_bundle_path +
              " unreadable: " + bundle.status().message());
        pem = *bundle;
        break;
      }
    }
    auto certs = pki::ParseCertificatesPem(pem);
    if (!certs.ok()) return certs.status().WithContext(where);
    add(std::move(certs).value());
    if (out.size() > pki::kMaxBundleCertificates)
      return InvalidArgumentError(where +
                                  ": the truststore would hold more than " +
                                  std::to_string(pki::kMaxBundleCertificates) +
                                  " certificates (the limit per truststore)");
  }
  return out;
}

}  // namespace certstore::engine
