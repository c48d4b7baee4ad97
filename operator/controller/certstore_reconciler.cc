#include "operator/controller/certstore_reconciler.h"

#include "operator/api/defaults.h"
#include "operator/api/parse.h"
#include "operator/api/validate.h"
#include "operator/common/time_format.h"
#include "operator/controller/api_object_source.h"
#include "operator/controller/issuer_ca.h"
#include "operator/controller/secret_writer.h"
#include "operator/controller/status_writer.h"
#include "operator/controller/store_renderer.h"
#include "operator/pki/certificate.h"

namespace certstore::controller {
namespace {

// How long to wait before looking again at a problem only a user can fix
// (changes to our own objects trigger a reconcile sooner).
constexpr std::chrono::seconds kUserFixRecheck{300};
// Trust sources and password Secrets belong to users and are not watched.
constexpr std::chrono::seconds kMissingInputRecheck{60};

std::pair<std::string, std::string> SplitKey(const std::string& key) {
  size_t slash = key.find('/');
  if (slash == std::string::npos) return {"", key};
  return {key.substr(0, slash), key.substr(slash + 1)};
}

struct IssuerLookup {
  std::optional<api::Issuer> issuer;
  std::string ca_namespace;
  Condition problem;  // set when !issuer
};

IssuerLookup FindIssuer(const ReconcilerDeps& d, const api::IssuerRef& ref, const std::string& ns) {
  IssuerLookup out;
  bool cluster = ref.kind == api::IssuerKind::kClusterCertIssuer;
  kube::ObjectPtr obj = cluster ? d.cluster_issuers->Get("", ref.name)
                                : d.issuers->Get(ns, ref.name);
  std::string what = std::string(api::IssuerKindName(ref.kind)) + " " +
                     (cluster ? ref.name : ns + "/" + ref.name);
  if (!obj) {
    out.problem = {"False", "IssuerNotFound", what + " not found"};
    return out;
  }
  auto issuer = api::ParseIssuer(obj->json);
  if (!issuer.ok()) {
    out.problem = {"False", "IssuerNotReady", what + ": " + issuer.status().message()};
    return out;
  }
  api::ApplyDefaults(&*issuer);
  api::FieldErrors fe = api::Validate(*issuer);
  if (!fe.empty()) {
    out.problem = {"False", "IssuerNotReady", what + " is invalid: " + fe.ToStatus().message()};
    return out;
  }
  out.ca_namespace = cluster ? d.cluster_resource_namespace : ns;
  out.issuer = std::move(issuer).value();
  return out;
}

ReconcileResult UserProblem(std::chrono::seconds recheck) {
  ReconcileResult r;
  r.requeue_after = recheck;
  return r;
}

}  // namespace

ReconcileResult CertStoreReconciler::Reconcile(const std::string& key) {
  auto [ns, name] = SplitKey(key);
  const kube::Resource& res = kube::CertStoresResource();
  kube::ObjectPtr obj = d_.certstores->Get(ns, name);
  if (!obj) return {};  // deleted; its Secrets go with it (ownerReferences)
  TimePoint now = d_.clock->Now();
  kube::ObjectReference ref{api::kApiVersion, "CertStore", ns, name, obj->meta.uid};
  int64_t gen = obj->meta.generation;
  auto fail = [&](const Condition& c, std::chrono::seconds recheck) {
    Status st = PatchStatus(*d_.client, res, ns, name, obj->json, gen, c, "", now);
    auto prev = api::ParseReadyCondition(obj->json);
    if (!prev || prev->reason != c.reason || prev->status != c.status)
      (void)d_.events->Record(ref, "Warning", c.reason, c.message);
    if (!st.ok() && st.code() != StatusCode::kNotFound) return ReconcileResult{st, std::nullopt};
    return UserProblem(recheck);
  };

  auto cs = api::ParseCertStore(obj->json);
  if (!cs.ok()) return fail({"False", "InvalidSpec", cs.status().message()}, kUserFixRecheck);
  api::ApplyDefaults(&*cs);
  api::FieldErrors fe = api::Validate(*cs);
  if (!fe.empty()) return fail({"False", "InvalidSpec", fe.ToStatus().message()}, kUserFixRecheck);

  IssuerLookup il = FindIssuer(d_, cs->spec.issuer_ref, ns);
  if (!il.issuer) return fail(il.problem, kUserFixRecheck);

  ApiObjectSource objects(*d_.client);
  auto ca = ResolveIssuerCa(*il.issuer, il.ca_namespace, objects, *d_.clock);
  if (!objects.error().ok()) return {objects.error(), std::nullopt};
  if (!ca.ok())
    return fail({"False", "IssuerNotReady", ca.status().message()}, kMissingInputRecheck);
  if (ca->created_secret) {
    // The issuer's reconciler normally creates it; whoever is first wins,
    // the other re-reads.
    auto w = WriteSecret(*d_.client, *ca->created_secret, OwnerRef{});
    if (!w.ok()) return {w.status(), std::nullopt};
  }

  RenderOptions opts;
  opts.system_bundle_path = d_.system_bundle_path;
  auto rendered = RenderCertStore(*cs, ca->ca, objects, *d_.clock, opts);
  if (!objects.error().ok()) return {objects.error(), std::nullopt};
  if (!rendered.ok()) {
    std::string reason = rendered.status().code() == StatusCode::kNotFound ? "InputNotFound"
                                                                           : "RenderFailed";
    if (rendered.status().code() == StatusCode::kInternal)
      return {rendered.status(), std::nullopt};
    return fail({"False", reason, rendered.status().message()}, kMissingInputRecheck);
  }

  OwnerRef owner{api::kApiVersion, "CertStore", name, obj->meta.uid};
  bool wrote = false;
  for (const auto& s : rendered->secrets) {
    auto w = WriteSecret(*d_.client, s, owner);
    if (!w.ok()) {
      if (w.status().code() == StatusCode::kFailedPrecondition)
        return fail({"False", "SecretConflict", w.status().message()}, kUserFixRecheck);
      return {w.status(), std::nullopt};
    }
    wrote = wrote || *w != WriteResult::kUnchanged;
  }

  const RenderSummary& sum = rendered->summary;
  std::string msg = cs->spec.keystore
                        ? "certificate " + sum.serial_hex + " valid until " +
                              FormatRfc3339(*sum.not_after)
                        : "truststore with " + std::to_string(sum.truststore_certificates) +
                              " certificate(s)";
  if (!sum.warning.empty()) msg += "; " + sum.warning;
  if (rendered->decision.issue) {
    (void)d_.events->Record(ref, "Normal", "Issued",
                            "issued " + msg + " (" + rendered->decision.reason + ": " +
                                rendered->decision.message + ")");
  } else if (wrote) {
    (void)d_.events->Record(ref, "Normal", "StoresUpdated",
                            "Secret updated (" + rendered->reencode_reason + ")");
  }
  Status st = PatchStatus(*d_.client, res, ns, name, obj->json, gen,
                          {"True", rendered->decision.issue ? "Issued" : "Ready", msg},
                          SummaryJson(sum), now);
  if (!st.ok() && st.code() != StatusCode::kNotFound) return {st, std::nullopt};

  ReconcileResult r;
  if (sum.renewal_time) {
    auto until = std::chrono::duration_cast<std::chrono::seconds>(*sum.renewal_time - now);
    r.requeue_after = std::max(until, std::chrono::seconds(1));
  }
  return r;
}

ReconcileResult ReconcileIssuer(const ReconcilerDeps& d, bool cluster, const std::string& key) {
  auto [ns, name] = SplitKey(key);
  const kube::Resource& res =
      cluster ? kube::ClusterCertIssuersResource() : kube::CertIssuersResource();
  kube::ObjectPtr obj = cluster ? d.cluster_issuers->Get("", name) : d.issuers->Get(ns, name);
  if (!obj) return {};
  TimePoint now = d.clock->Now();
  api::IssuerRef ref{cluster ? api::IssuerKind::kClusterCertIssuer : api::IssuerKind::kCertIssuer,
                     name};
  IssuerLookup il = FindIssuer(d, ref, ns);
  auto patch = [&](const Condition& c, const std::string& extra) -> ReconcileResult {
    Status st = PatchStatus(*d.client, res, ns, name, obj->json, obj->meta.generation, c, extra, now);
    if (!st.ok() && st.code() != StatusCode::kNotFound) return {st, std::nullopt};
    if (c.status != "True") return UserProblem(kMissingInputRecheck);
    return {};
  };
  if (!il.issuer) return patch(il.problem, "");
  ApiObjectSource objects(*d.client);
  auto ca = ResolveIssuerCa(*il.issuer, il.ca_namespace, objects, *d.clock);
  if (!objects.error().ok()) return {objects.error(), std::nullopt};
  if (!ca.ok()) return patch({"False", "CANotReady", ca.status().message()}, "");
  if (ca->created_secret) {
    auto w = WriteSecret(*d.client, *ca->created_secret, OwnerRef{});
    if (!w.ok()) return {w.status(), std::nullopt};
  }
  X509* cert = ca->ca.cert.get();
  std::string extra = "\"notAfter\":" + kube::JsonQuote(FormatRfc3339(pki::NotAfter(cert))) +
                      ",\"fingerprintSHA256\":" + kube::JsonQuote(pki::FingerprintSha256(cert));
  ReconcileResult r = patch({"True", "Ready", "CA \"" + pki::SubjectText(cert) + "\" ready"}, extra);
  // Look again before the CA expires so status flips in time.
  auto until = std::chrono::duration_cast<std::chrono::seconds>(pki::NotAfter(cert) - now);
  r.requeue_after = std::clamp(until, std::chrono::seconds(60), std::chrono::seconds(3600 * 24));
  return r;
}

}  // namespace certstore::controller
