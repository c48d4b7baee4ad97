#include "operator/controller/trust_bundle_lookup.h"

#include "operator/api/defaults.h"
#include "operator/api/validate.h"
#include "operator/controller/cached_kinds.h"
#include "operator/engine/ca_rotation.h"
#include "operator/pki/certificate.h"

namespace certstore::controller {

StatusOr<std::vector<pki::X509Ptr>> ClusterIssuerRoots(const ReconcilerDeps& d,
                                                       const std::string& name,
                                                       TimePoint now) {
  kube::ObjectPtr obj = d.cluster_issuers.Get("", name);
  if (!obj) return NotFoundError("ClusterCertIssuer " + name + " not found");
  auto cached = IssuerOf(*obj);
  const api::ObservedStatus& st = cached->status;
  if (st.ca_certificate.empty())
    return FailedPreconditionError("ClusterCertIssuer " + name +
                                   " has not published a root yet (not Ready)");
  auto certs = pki::ParseCertificatesPem(st.ca_certificate);
  if (!certs.ok() || certs->empty())
    return FailedPreconditionError("ClusterCertIssuer " + name +
                                   ": status.caCertificate is unreadable");
  std::vector<pki::X509Ptr> out;
  out.push_back(std::move(certs->front()));
  engine::PreviousRoots prev = engine::PreviousRootsFor(
      st, out.front().get(), now, d.rotation_propagation_delay);
  for (auto& r : prev.roots) out.push_back(std::move(r));
  return out;
}

StatusOr<engine::BundleContent> ResolveTrustBundle(
    const ReconcilerDeps& d, const api::TrustBundle& tb,
    const engine::ObjectSource& objects, TimePoint now) {
  engine::BundleInputs in;
  in.objects = &objects;
  in.source_namespace = d.cluster_resource_namespace;
  in.forbidden_secret = d.seal_key_secret;
  in.system_bundle_path = d.system_bundle_path;
  in.issuer_roots = [&d, now](const std::string& name) {
    return ClusterIssuerRoots(d, name, now);
  };
  return engine::ResolveBundle(tb, in, now);
}

engine::TrustBundleLookup TrustBundleLookupFor(
    const ReconcilerDeps& d, const engine::ObjectSource& objects,
    TimePoint now) {
  return [&d, &objects,
          now](const std::string& name) -> StatusOr<std::vector<pki::X509Ptr>> {
    kube::ObjectPtr obj =
        d.trust_bundles ? d.trust_bundles->Get("", name) : nullptr;
    if (!obj) return NotFoundError("TrustBundle " + name + " not found");
    auto cached = TrustBundleOf(*obj);
    if (!cached->bundle.ok())
      return InvalidArgumentError("TrustBundle " + name + " is invalid: " +
                                  cached->bundle.status().message());
    api::TrustBundle tb = *cached->bundle;
    api::ApplyDefaults(&tb);
    if (Status bad = api::Validate(tb).ToStatus(); !bad.ok())
      return InvalidArgumentError("TrustBundle " + name +
                                  " is invalid: " + bad.message());
    auto content = ResolveTrustBundle(d, tb, objects, now);
    if (!content.ok())
      return content.status().WithContext("TrustBundle " + name);
    return std::move(content->certificates);
  };
}

}  // namespace certstore::controller
