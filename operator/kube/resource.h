// Which API resource a request is about, and how its URL is built.
#ifndef CERTSTORE_KUBE_RESOURCE_H_
#define CERTSTORE_KUBE_RESOURCE_H_

#include <string>

namespace certstore::kube {

struct Resource {
  std::string group;    // "" for the core API
  std::string version;  // "v1"
  std::string plural;   // "secrets"
  std::string kind;     // "Secret"
  bool namespaced = true;

  // "/api/v1/namespaces/ns/secrets/name/status" (parts omitted when empty).
  // A cluster-scoped resource ignores `ns`.
  std::string Path(const std::string& ns, const std::string& name = "",
                   const std::string& subresource = "") const;
  // "secrets" or "certstores.certstore.dev", as RBAC messages name them.
  std::string Qualified() const;
};

// Resources this project uses.
const Resource& SecretsResource();
const Resource& ConfigMapsResource();
const Resource& EventsResource();
const Resource& LeasesResource();
const Resource& NamespacesResource();
const Resource& CertStoresResource();
const Resource& CertIssuersResource();
const Resource& ClusterCertIssuersResource();
const Resource& TrustBundlesResource();

// Percent-encodes a query parameter value.
std::string UrlEncode(const std::string& s);

}  // namespace certstore::kube

#endif  // CERTSTORE_KUBE_RESOURCE_H_
