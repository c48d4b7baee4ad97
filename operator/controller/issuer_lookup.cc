#include "operator/controller/issuer_lookup.h"

#include <map>

#include "operator/api/defaults.h"
#include "operator/api/parse.h"
#include "operator/api/validate.h"
#include "operator/common/backoff.h"
#include "operator/controller/cached_kinds.h"
#include "operator/controller/event_routing.h"
#include "operator/engine/reasons.h"

namespace certstore::controller {
namespace {

constexpr std::chrono::milliseconds kFailureBackoffBase{5000};
constexpr std::chrono::milliseconds kFailureBackoffCap{300000};

}  // namespace

std::pair<std::string, std::string> SplitKey(const std::string& key) {
  size_t slash = key.find('/');
  if (slash == std::string::npos) return {"", key};
  return {key.substr(0, slash), key.substr(slash + 1)};
}

std::string ClusterIssuerUsing(const ReconcilerDeps& d, const std::string& ns,
                               const std::string& name) {
  if (ns != d.cluster_resource_namespace) return "";
  auto users =
      d.cluster_issuers.ByIndex(kRefIndex, RefIndexValue("Secret", ns, name));
  return users.empty() ? "" : users.front()->meta.name;
}

// Another CertIssuer of `ns` whose intermediate (signed by a
// ClusterCertIssuer) lives in Secret ns/secret, or "": that key must sign
// only under the ClusterCertIssuer's policy, through that issuer.
std::string GovernedIntermediateUsing(const ReconcilerDeps& d,
                                      const std::string& ns,
                                      const std::string& secret,
                                      const std::string& self) {
  for (const auto& o :
       d.issuers.ByIndex(kRefIndex, RefIndexValue("Secret", ns, secret))) {
    if (o->meta.ns != ns || o->meta.name == self) continue;
    auto cached = IssuerOf(*o);
    if (cached->issuer.ok() && cached->issuer->spec.intermediate &&
        cached->issuer->spec.intermediate->issuer_ref.kind ==
            api::IssuerKind::kClusterCertIssuer)
      return o->meta.name;
  }
  return "";
}

IssuerLookup FindIssuer(const ReconcilerDeps& d, const api::IssuerRef& ref,
                        const std::string& ns) {
  IssuerLookup out;
  bool cluster = ref.kind == api::IssuerKind::kClusterCertIssuer;
  kube::ObjectPtr obj = cluster ? d.cluster_issuers.Get("", ref.name)
                                : d.issuers.Get(ns, ref.name);
  std::string what = std::string(api::IssuerKindName(ref.kind)) + " " +
                     (cluster ? ref.name : ns + "/" + ref.name);
  if (!obj) {
    out.problem = {"False", engine::kReasonIssuerNotFound, what + " not found"};
    return out;
  }
  auto cached = IssuerOf(*obj);
  if (!cached->issuer.ok()) {
    out.problem = {"False", engine::kReasonIssuerNotReady,
                   what + ": " + cached->issuer.status().message()};
    return out;
  }
  api::Issuer issuer = *cached->issuer;
  api::ApplyDefaults(&issuer);
  api::FieldErrors fe = api::Validate(issuer);
  if (!fe.empty()) {
    out.problem = {"False", engine::kReasonIssuerNotReady,
                   what + " is invalid: " + fe.ToStatus().message()};
    return out;
  }
  out.ca_namespace = cluster ? d.cluster_resource_namespace : ns;
  if (!cluster) {
    const std::string& secret = api::IssuerSecretName(issuer.spec);
    std::string governed = GovernedIntermediateUsing(d, ns, secret, ref.name);
    if (!governed.empty()) {
      out.problem = {"False", engine::kReasonPolicyDenied,
                     what + " names Secret " + ns + "/" + secret +
                         ", the intermediate CA of CertIssuer " + governed +
                         "; sign through that issuer (its parent "
                         "ClusterCertIssuer's policy applies there)"};
      return out;
    }
    std::string user = ClusterIssuerUsing(d, ns, secret);
    if (!user.empty()) {
      out.problem = {
          "False", engine::kReasonPolicyDenied,
          what + " names Secret " + ns + "/" + secret +
              ", the CA of ClusterCertIssuer " + user +
              "; a CertIssuer may not sign with a ClusterCertIssuer's key (its "
              "policy would not apply)"};
      return out;
    }
  }
  if (!cluster && issuer.spec.intermediate &&
      issuer.spec.intermediate->issuer_ref.kind ==
          api::IssuerKind::kClusterCertIssuer) {
    IssuerLookup parent =
        FindIssuer(d, issuer.spec.intermediate->issuer_ref, "");
    if (!parent.issuer) {
      out.problem = {"False", engine::kReasonIssuerNotReady,
                     what + "'s parent: " + parent.problem.message};
      return out;
    }
    out.governing_parent = std::move(parent.issuer);
  }
  out.status = cached->status;
  out.issuer = std::move(issuer);
  return out;
}

engine::PolicyVerdict NamespaceVerdict(const ReconcilerDeps& d,
                                       const api::Issuer& issuer,
                                       const std::string& ns) {
  kube::ObjectPtr nsobj = d.namespaces ? d.namespaces->Get("", ns) : nullptr;
  if (!nsobj) return engine::CheckNamespace(issuer, ns, nullptr);
  const std::map<std::string, std::string> labels = nsobj->meta.labels.ToMap();
  return engine::CheckNamespace(issuer, ns, &labels);
}

std::string RecordedRoot(const api::ObservedStatus& st) {
  if (st.ca_certificate.empty()) return "";
  return st.fingerprint_sha256.empty() ? "recorded" : st.fingerprint_sha256;
}

std::chrono::seconds FailureBackoff(int attempts) {
  return std::chrono::duration_cast<std::chrono::seconds>(ExponentialBackoff(
      kFailureBackoffBase, kFailureBackoffCap, attempts - 1));
}

ReconcileResult RetryAfterFailure(int attempts) {
  ReconcileResult r;
  r.requeue_after = FailureBackoff(attempts);
  return r;
}

}  // namespace certstore::controller
