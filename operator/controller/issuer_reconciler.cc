#include "operator/controller/issuer_reconciler.h"

#include <algorithm>
#include <set>

#include "operator/api/defaults.h"
#include "operator/api/parse.h"
#include "operator/common/time_format.h"
#include "operator/controller/api_object_source.h"
#include "operator/controller/cached_kinds.h"
#include "operator/controller/event_routing.h"
#include "operator/controller/issuer_lookup.h"
#include "operator/controller/secret_writer.h"
#include "operator/controller/status_writer.h"
#include "operator/engine/ca_rotation.h"
#include "operator/engine/issuer_ca.h"
#include "operator/engine/issuer_policy.h"
#include "operator/engine/reasons.h"
#include "operator/pki/certificate.h"

namespace certstore::controller {
namespace {

// The CertStores using an issuer, as a CA rotation sees them.
// Members are the CertStores of namespaces the issuer serves that its
// policy does not refuse: a tenant the issuer does not serve can never hold
// its rotation up, nor appear in its status.
std::vector<engine::RotationMember> RotationMembers(const ReconcilerDeps& d,
                                                    const api::Issuer& issuer,
                                                    bool cluster,
                                                    const std::string& ns,
                                                    const std::string& name) {
  std::vector<engine::RotationMember> out;
  for (const auto& obj : d.certstores.ByIndex(
           kIssuerIndex, IssuerIndexValue(cluster, ns, name))) {
    auto cached = CertStoreOf(*obj, /*remember=*/false);  // a scan
    if (!cached->certstore.ok()) continue;
    api::CertStore cs = *cached->certstore;
    api::ApplyDefaults(&cs);
    const api::ObservedStatus& st = cached->status;
    if (st.ready && st.ready->reason == engine::kReasonPolicyDenied) continue;
    if (!NamespaceVerdict(d, issuer, obj->meta.ns).allowed) continue;
    engine::RotationMember m;
    m.name = obj->meta.ns + "/" + obj->meta.name;
    m.ready = st.ready && st.ready->status == "True";
    m.write_failing = st.ready && st.ready->status == "False" &&
                      st.ready->reason == engine::kReasonSecretWriteFailed;
    m.has_keystore = cs.spec.keystore.has_value();
    if (cs.spec.truststore)
      for (const auto& src : cs.spec.truststore->sources)
        m.trusts_issuer =
            m.trusts_issuer || src.type == api::TrustSource::Type::kIssuer;
    m.truststore_issuer_cas = st.truststore_issuer_cas;
    m.issuer_ca_fingerprint = st.issuer_ca_fingerprint;
    out.push_back(std::move(m));
  }
  return out;
}

// After a rotation from a renewed root, the selfSigned issuer's CA Secret's
// ca.crt still holds the previous root next to the current one (see
// engine::RenewedRoot): once the rotation is over it holds the root alone.
// Only in the issuer's own Secret (its UID annotation), at the version read.
Status TrimRenewedCaBundle(const ReconcilerDeps& d, const api::Issuer& issuer,
                           const std::string& ca_namespace,
                           const engine::ObjectSource& objects,
                           const std::string& root_pem) {
  auto secret =
      objects.GetSecret(ca_namespace, api::IssuerSecretName(issuer.spec));
  if (!secret || issuer.metadata.uid.empty()) return OkStatus();
  auto uid = secret->metadata.annotations.find(engine::kIssuerUidAnnotation);
  auto bundle = secret->data.find(api::kCaCrtKey);
  auto crt = secret->data.find(api::kTlsCrtKey);
  if (uid == secret->metadata.annotations.end() ||
      uid->second != issuer.metadata.uid || bundle == secret->data.end() ||
      crt == secret->data.end() || bundle->second == root_pem ||
      secret->immutable)
    return OkStatus();
  // tls.crt ends with this root (the CA itself, or an intermediate's chain).
  auto chain = pki::ParseCertificatesPem(crt->second);
  if (!chain.ok() || chain->empty() ||
      pki::EncodeCertificatePem(chain->back().get()) != root_pem)
    return OkStatus();
  api::SecretObject change;
  change.metadata.namespace_ = secret->metadata.namespace_;
  change.metadata.name = secret->metadata.name;
  change.metadata.resource_version = secret->metadata.resource_version;
  change.data[api::kCaCrtKey] = root_pem;
  Status st = PatchSecretAt(d.client, change);
  return st.code() == StatusCode::kNotFound ? OkStatus() : st;
}

// An intermediate's parent, resolved for signing: its CA as its status
// vouches for it, and what the intermediate may carry.
struct Parent {
  IssuerLookup lookup;
  pki::CaMaterial ca;
  engine::IntermediateGrant grant;
};

// Why the chain of parents above intermediate `child` (from the caches) is
// unusable: it comes back to `child` or an issuer twice, or runs longer
// than nine CAs; "" otherwise (a missing link is reported by FindIssuer).
std::string ParentChainProblem(const ReconcilerDeps& d,
                               const api::Issuer& child) {
  bool cluster = child.kind == api::IssuerKind::kClusterCertIssuer;
  std::string ns = child.metadata.namespace_;
  std::set<std::string> seen{
      IssuerIndexValue(cluster, ns, child.metadata.name)};
  api::IssuerRef ref = child.spec.intermediate->issuer_ref;
  for (int depth = 0; depth < 9; ++depth) {
    cluster = ref.kind == api::IssuerKind::kClusterCertIssuer;
    if (cluster) ns.clear();
    kube::ObjectPtr obj = cluster ? d.cluster_issuers.Get("", ref.name)
                                  : d.issuers.Get(ns, ref.name);
    if (!obj) return "";
    auto cached = IssuerOf(*obj);
    if (!cached->issuer.ok()) return "";
    if (!seen.insert(IssuerIndexValue(cluster, ns, ref.name)).second)
      return "spec.intermediate.issuerRef: the chain of parents comes back "
             "to " +
             std::string(api::IssuerKindName(ref.kind)) + " " + ref.name +
             " (a loop); end it at a root (ca or selfSigned)";
    if (!cached->issuer->spec.intermediate) return "";
    ref = cached->issuer->spec.intermediate->issuer_ref;
  }
  return "spec.intermediate.issuerRef: the chain of parents is longer than 9 "
         "CAs";
}

// `problem` is set when the intermediate cannot be (re-)issued now.
std::optional<Parent> ResolveParent(const ReconcilerDeps& d,
                                    const api::Issuer& child,
                                    const ApiObjectSource& objects,
                                    Condition* problem, Status* error) {
  const api::IssuerRef& ref = child.spec.intermediate->issuer_ref;
  const std::string& ns = child.metadata.namespace_;
  std::string loop = ParentChainProblem(d, child);
  if (!loop.empty()) {
    *problem = {"False", engine::kReasonIssuerNotReady, loop};
    return std::nullopt;
  }
  Parent p;
  p.lookup = FindIssuer(d, ref, ns);
  std::string what =
      std::string("parent ") + api::IssuerKindName(ref.kind) + " " +
      (ns.empty() || ref.kind == api::IssuerKind::kClusterCertIssuer
           ? ref.name
           : ns + "/" + ref.name);
  if (!p.lookup.issuer) {
    *problem = {"False", p.lookup.problem.reason,
                "spec.intermediate.issuerRef: " + p.lookup.problem.message};
    return std::nullopt;
  }
  const api::ObservedStatus& st = p.lookup.status;
  if (!st.ready || st.ready->status != "True") {
    *problem = {"False", engine::kReasonIssuerNotReady,
                what + " is not Ready" +
                    (st.ready ? ": " + st.ready->message : std::string())};
    return std::nullopt;
  }
  engine::PolicyVerdict verdict;
  if (ref.kind == api::IssuerKind::kClusterCertIssuer && !ns.empty())
    verdict = NamespaceVerdict(d, *p.lookup.issuer, ns);
  auto grant = engine::GrantIntermediate(*p.lookup.issuer, child, verdict);
  if (!grant.ok()) {
    *problem = {"False", engine::kReasonPolicyDenied, grant.status().message()};
    return std::nullopt;
  }
  p.grant = std::move(grant).value();
  engine::CaResolveOptions options;
  options.cache = d.ca_cache;
  options.recorded_fingerprint = RecordedRoot(st);
  auto ca = engine::ResolveIssuerCa(*p.lookup.issuer, p.lookup.ca_namespace,
                                    objects, d.clock, options);
  if (!objects.error().ok()) {
    *error = objects.error();
    return std::nullopt;
  }
  if (!ca.ok() ||
      pki::FingerprintSha256(ca->ca.cert.get()) != st.fingerprint_sha256) {
    *problem = {"False", engine::kReasonIssuerNotReady,
                what + "'s CA is not usable yet: " +
                    (ca.ok() ? "its status has not caught up with its Secret"
                             : ca.status().message())};
    return std::nullopt;
  }
  p.ca = std::move(ca->ca);
  return p;
}

// Right before an intermediate is signed under a ClusterCertIssuer: the
// parent and the namespace as the API server has them now, so informer lag
// never signs under an old policy. Aborted (re-read) when the parent moved.
Status CheckParentLive(const ReconcilerDeps& d, const api::Issuer& child,
                       const api::Issuer& cached_parent) {
  if (cached_parent.kind != api::IssuerKind::kClusterCertIssuer ||
      child.kind != api::IssuerKind::kCertIssuer)
    return OkStatus();
  auto json = d.client.Get(kube::ClusterCertIssuersResource(), "",
                           cached_parent.metadata.name);
  if (!json.ok()) return json.status();
  auto live = api::ParseIssuer(*json);
  if (!live.ok() || live->metadata.uid != cached_parent.metadata.uid ||
      live->metadata.generation != cached_parent.metadata.generation)
    return AbortedError("the parent issuer changed; re-reading");
  auto nsjson =
      d.client.Get(kube::NamespacesResource(), "", child.metadata.namespace_);
  if (!nsjson.ok() && nsjson.status().code() != StatusCode::kNotFound)
    return nsjson.status();
  std::optional<api::NamespaceObject> nsobj;
  if (nsjson.ok()) {
    auto parsed = api::ParseNamespace(*nsjson);
    if (parsed.ok()) nsobj = std::move(parsed).value();
  }
  engine::PolicyVerdict v =
      engine::CheckNamespace(cached_parent, child.metadata.namespace_,
                             nsobj ? &nsobj->metadata.labels : nullptr);
  if (!v.allowed) return PermissionDeniedError(v.message);
  return OkStatus();
}

}  // namespace

ReconcileResult ReconcileIssuer(const ReconcilerDeps& d, bool cluster,
                                const std::string& key) {
  auto [ns, name] = SplitKey(key);
  const kube::Resource& res = cluster ? kube::ClusterCertIssuersResource()
                                      : kube::CertIssuersResource();
  kube::ObjectPtr obj =
      cluster ? d.cluster_issuers.Get("", name) : d.issuers.Get(ns, name);
  if (!obj) return {};
  TimePoint now = d.clock.Now();
  api::IssuerRef ref{cluster ? api::IssuerKind::kClusterCertIssuer
                             : api::IssuerKind::kCertIssuer,
                     name};
  IssuerLookup il = FindIssuer(d, ref, ns);
  auto cached = IssuerOf(*obj);
  const api::ObservedStatus& prev = cached->status;
  auto patch = [&](const Condition& c, std::function<void(json::Writer&)> extra,
                   const std::string& fingerprint = "",
                   bool other_change = false) -> ReconcileResult {
    StatusUpdate u;
    u.ready = c;
    u.extra = std::move(extra);
    bool same = prev.ready && prev.ready->status == c.status &&
                prev.ready->reason == c.reason &&
                prev.ready->message == c.message &&
                prev.observed_generation == obj->meta.generation &&
                prev.fingerprint_sha256 == fingerprint && !other_change;
    if (!same) {
      Status st = PatchStatus(d.client, res, ns, name, prev,
                              obj->meta.resource_version.str(),
                              obj->meta.generation, u, now);
      if (!st.ok() && st.code() != StatusCode::kNotFound)
        return {st, std::nullopt};
    }
    if (c.status != "True") {
      // Issuers keep no attempt count; back off from the condition's age.
      return RetryAfterFailure(
          prev.ready && prev.ready->status == c.status ? 4 : 1);
    }
    return {};
  };
  if (!il.issuer) return patch(il.problem, nullptr);
  ApiObjectSource objects(d.client);
  engine::CaResolveOptions ca_options;
  ca_options.allow_create = true;
  ca_options.cache = d.ca_cache;
  ca_options.recorded_fingerprint = RecordedRoot(prev);
  auto accept = obj->meta.annotations.find(engine::kAcceptNewRootAnnotation);
  ca_options.accept_new_root =
      accept != obj->meta.annotations.end() &&
      !ca_options.recorded_fingerprint.empty() &&
      accept->second == ca_options.recorded_fingerprint;
  // A root renews itself only between rotations (the renewal starts one).
  ca_options.allow_renew = !prev.rotation.has_value();
  std::optional<Parent> parent;
  if (il.issuer->spec.intermediate) {
    Condition problem;
    Status error;
    parent = ResolveParent(d, *il.issuer, objects, &problem, &error);
    if (!error.ok()) return {error, std::nullopt};
    if (!parent) {
      // Without its parent nothing is created or re-issued; an existing
      // intermediate that its parent no longer vouches for is not Ready.
      return patch(problem, nullptr);
    }
    ca_options.parent = &parent->ca;
    ca_options.grant = &parent->grant;
    const api::Issuer& governing = *parent->lookup.issuer;
    ca_options.authorize_key = [&governing](EVP_PKEY* key) {
      engine::PolicyVerdict v = engine::CheckKey(governing, key);
      return v.allowed ? OkStatus() : PermissionDeniedError(v.message);
    };
  }
  bool ca_missing = false;
  auto ca = engine::ResolveIssuerCa(*il.issuer, il.ca_namespace, objects,
                                    d.clock, ca_options, &ca_missing);
  if (!objects.error().ok()) return {objects.error(), std::nullopt};
  if (!ca.ok())
    return patch({"False",
                  ca_missing ? engine::kReasonCaSecretMissing
                  : ca.status().code() == StatusCode::kPermissionDenied
                      ? engine::kReasonPolicyDenied
                      : engine::kReasonCaNotReady,
                  ca.status().message()},
                 nullptr);
  kube::ObjectReference issuer_ref{api::kApiVersion,
                                   cluster ? "ClusterCertIssuer" : "CertIssuer",
                                   ns, name, obj->meta.uid.str()};
  if (ca->created_secret || ca->renewed) {
    // A root is irreversible: re-read the issuer first, so a cached status
    // that has not caught up yet can never stand in for "no root recorded"
    // (or, for a renewal, for "no rotation running").
    auto live = d.client.Get(res, ns, name);
    if (!live.ok()) return {live.status(), std::nullopt};
    api::ObservedStatus live_status = api::ParseObservedStatus(*live);
    if (RecordedRoot(live_status) != ca_options.recorded_fingerprint ||
        (ca->renewed && live_status.rotation))
      return {AbortedError(
                  "issuer status changed while making its root; re-reading"),
              std::nullopt};
    if (parent) {
      Status live_parent =
          CheckParentLive(d, *il.issuer, *parent->lookup.issuer);
      if (live_parent.code() == StatusCode::kPermissionDenied)
        return patch(
            {"False", engine::kReasonPolicyDenied, live_parent.message()},
            nullptr);
      if (!live_parent.ok()) return {live_parent, std::nullopt};
    }
  }
  if (ca->created_secret && parent) {
    Status w = CreateSecretOnce(d.client, *ca->created_secret);
    if (!w.ok()) return {w, std::nullopt};
    d.events.Post(issuer_ref, "Normal", engine::kEventIntermediateIssued,
                  "issued intermediate CA \"" +
                      pki::SubjectText(ca->ca.cert.get()) + "\" from " +
                      engine::IssuerDisplayName(*parent->lookup.issuer) +
                      " into Secret " + il.ca_namespace + "/" +
                      ca->created_secret->metadata.name + ", valid until " +
                      FormatRfc3339(pki::NotAfter(ca->ca.cert.get())));
  } else if (ca->created_secret) {
    Status w = CreateSecretOnce(d.client, *ca->created_secret);
    if (!w.ok()) return {w, std::nullopt};
    d.events.Post(
        issuer_ref,
        ca_options.recorded_fingerprint.empty() ? "Normal" : "Warning",
        engine::kEventRootCreated,
        ca_options.recorded_fingerprint.empty()
            ? "created root CA in Secret " + il.ca_namespace + "/" +
                  ca->created_secret->metadata.name
            : "created a NEW root CA in Secret " + il.ca_namespace + "/" +
                  ca->created_secret->metadata.name + " as " +
                  engine::kAcceptNewRootAnnotation +
                  " asked; a CA rotation follows");
  }
  if (ca->renewed) {
    Status w = PatchSecretAt(d.client, ca->renewed->secret);
    if (!w.ok()) {
      // A conflict is re-read at once; anything else is a renewal that
      // failed (the old root keeps working): say so, and back off.
      if (w.code() != StatusCode::kAborted)
        d.events.Post(issuer_ref, "Warning", engine::kEventRootRenewalFailed,
                      "could not write the renewed root CA into Secret " +
                          il.ca_namespace + "/" +
                          ca->renewed->secret.metadata.name + ": " +
                          w.message());
      return {w, std::nullopt};
    }
    if (parent)
      d.events.Post(
          issuer_ref, "Normal", engine::kEventIntermediateRenewed,
          "re-issued the intermediate CA in Secret " + il.ca_namespace + "/" +
              ca->renewed->secret.metadata.name + " (new key) because " +
              ca->renewed->why + "; valid until " +
              FormatRfc3339(pki::NotAfter(ca->ca.cert.get())) +
              "; its certificates are re-issued");
    else
      d.events.Post(
          issuer_ref, "Normal", engine::kEventRootRenewed,
          "renewed the root CA in Secret " + il.ca_namespace + "/" +
              ca->renewed->secret.metadata.name + " (new key; the old root, " +
              "SHA-256 " + ca->renewed->old_fingerprint.substr(0, 16) +
              "..., expires " + FormatRfc3339(ca->renewed->old_not_after) +
              "); the new root is valid until " +
              FormatRfc3339(pki::NotAfter(ca->ca.cert.get())) +
              "; a CA rotation follows");
  }
  X509* cert = ca->ca.cert.get();
  X509* root = ca->ca.Root();
  std::string root_pem = pki::EncodeCertificatePem(root);
  // A CA rotation only needs the CertStores' view while one is possible.
  std::vector<engine::RotationMember> members;
  bool may_rotate =
      prev.rotation.has_value() ||
      (!prev.ca_certificate.empty() && prev.ca_certificate != root_pem);
  if (may_rotate) members = RotationMembers(d, *il.issuer, cluster, ns, name);
  engine::RotationLimits limits;
  limits.propagation_delay = d.rotation_propagation_delay;
  limits.member_deadline = d.rotation_member_deadline;
  auto proceed = obj->meta.annotations.find(engine::kRotationProceedAnnotation);
  limits.proceed_now = prev.rotation &&
                       proceed != obj->meta.annotations.end() &&
                       proceed->second == prev.rotation->started_at;
  engine::RotationStep step =
      engine::AdvanceRotation(prev, root, members, now, limits);
  std::string renewal_text =
      ca->renewal_time ? FormatRfc3339(*ca->renewal_time) : "";
  bool rotation_changed = prev.ca_certificate != root_pem ||
                          engine::RotationJson(prev.rotation) !=
                              engine::RotationJson(step.rotation) ||
                          prev.renewal_time != renewal_text;
  auto extra = [&](json::Writer& w) {
    w.Field("notAfter", FormatRfc3339(pki::NotAfter(cert)))
        .Field("fingerprintSHA256", pki::FingerprintSha256(cert))
        .Field("caCertificate", root_pem);
    // selfSigned: when the root renews itself (null removes it otherwise).
    if (ca->renewal_time)
      w.Field("renewalTime", renewal_text);
    else
      w.Key("renewalTime").Null();
    engine::WriteRotation(w, step.rotation);
  };
  std::string message = "CA \"" + pki::SubjectText(cert) + "\" ready";
  if (!step.progress.empty()) message += "; " + step.progress;
  if (!ca->renewal_blocked.empty())
    message += "; root renewal overdue: " + ca->renewal_blocked;
  ReconcileResult r = patch({"True", engine::kReasonReady, message}, extra,
                            pki::FingerprintSha256(cert), rotation_changed);
  if (!r.error.ok()) return r;
  if (!step.rotation &&
      (il.issuer->spec.self_signed || il.issuer->spec.intermediate)) {
    Status trimmed =
        TrimRenewedCaBundle(d, *il.issuer, il.ca_namespace, objects, root_pem);
    if (!trimmed.ok()) return {trimmed, std::nullopt};
  }
  if (!ca->renewal_blocked.empty() &&
      (!prev.ready || prev.ready->message != message))
    d.events.Post(issuer_ref, "Warning", engine::kEventRootRenewalBlocked,
                  ca->renewal_blocked);
  if (!step.event_reason.empty())
    d.events.Post(issuer_ref, "Normal", step.event_reason, step.event_message);
  if (!step.warning_reason.empty())
    d.events.Post(issuer_ref, "Warning", step.warning_reason,
                  step.warning_message);
  // Look again before the CA expires so status flips in time.
  auto until = std::chrono::duration_cast<std::chrono::seconds>(
      pki::NotAfter(cert) - now);
  r.requeue_after = std::clamp(until, std::chrono::seconds(60),
                               std::chrono::seconds(3600 * 24));
  if (step.recheck && *step.recheck < *r.requeue_after)
    r.requeue_after = step.recheck;
  // And when the root is due for renewal (a blocked renewal waits for a
  // change to the Secret or the issuer, or the next regular look).
  if (ca->renewal_time && *ca->renewal_time > now) {
    auto to_renewal = std::chrono::duration_cast<std::chrono::seconds>(
                          *ca->renewal_time - now) +
                      std::chrono::seconds(1);
    if (to_renewal < *r.requeue_after) r.requeue_after = to_renewal;
  }
  return r;
}

}  // namespace certstore::controller
