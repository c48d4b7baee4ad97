#include "operator/kube/resource.h"

#include <cstdio>

namespace certstore::kube {

std::string Resource::Path(const std::string& ns, const std::string& name,
                           const std::string& subresource) const {
  std::string p =
      group.empty() ? "/api/" + version : "/apis/" + group + "/" + version;
  if (namespaced && !ns.empty()) p += "/namespaces/" + ns;
  p += "/" + plural;
  if (!name.empty()) p += "/" + name;
  if (!subresource.empty()) p += "/" + subresource;
  return p;
}

std::string Resource::Qualified() const {
  return group.empty() ? plural : plural + "." + group;
}

const Resource& SecretsResource() {
  static const Resource r{"", "v1", "secrets", "Secret", true};
  return r;
}
const Resource& ConfigMapsResource() {
  static const Resource r{"", "v1", "configmaps", "ConfigMap", true};
  return r;
}
const Resource& EventsResource() {
  static const Resource r{"", "v1", "events", "Event", true};
  return r;
}
const Resource& LeasesResource() {
  static const Resource r{"coordination.k8s.io", "v1", "leases", "Lease", true};
  return r;
}
const Resource& NamespacesResource() {
  static const Resource r{"", "v1", "namespaces", "Namespace", false};
  return r;
}
const Resource& CertStoresResource() {
  static const Resource r{"certstore.dev", "v1alpha1", "certstores",
                          "CertStore", true};
  return r;
}
const Resource& CertIssuersResource() {
  static const Resource r{"certstore.dev", "v1alpha1", "certissuers",
                          "CertIssuer", true};
  return r;
}
const Resource& ClusterCertIssuersResource() {
  static const Resource r{"certstore.dev", "v1alpha1", "clustercertissuers",
                          "ClusterCertIssuer", false};
  return r;
}

const Resource& TrustBundlesResource() {
  static const Resource r{"certstore.dev", "v1alpha1", "trustbundles",
                          "TrustBundle", false};
  return r;
}

std::string UrlEncode(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof(buf), "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

}  // namespace certstore::kube
