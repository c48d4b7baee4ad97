#include "operator/controller/certstore_reconciler.h"

#include "operator/api/defaults.h"
#include "operator/api/parse.h"
#include "operator/api/validate.h"
#include "operator/common/backoff.h"
#include "operator/common/time_format.h"
#include "operator/controller/api_object_source.h"
#include "operator/controller/ca_rotation.h"
#include "operator/controller/issuer_ca.h"
#include "operator/controller/secret_writer.h"
#include "operator/controller/status_writer.h"
#include "operator/controller/store_renderer.h"
#include "operator/engine/issuer_policy.h"
#include "operator/pki/certificate.h"

namespace certstore::controller {
namespace {

// Retries of problems a user must fix: 5 s, doubling, at most 5 minutes.
// A change to the CertStore, its issuer or any object it reads triggers a
// reconcile at once, so the cap only bounds how stale a silent fix can be.
constexpr std::chrono::milliseconds kFailureBackoffBase{5000};
constexpr std::chrono::milliseconds kFailureBackoffCap{300000};

std::pair<std::string, std::string> SplitKey(const std::string& key) {
  size_t slash = key.find('/');
  if (slash == std::string::npos) return {"", key};
  return {key.substr(0, slash), key.substr(slash + 1)};
}

struct IssuerLookup {
  std::optional<api::Issuer> issuer;  // metadata.uid and generation as cached
  api::ObservedStatus status;         // the issuer's (CA rotation state)
  std::string ca_namespace;
  Condition problem;  // set when !issuer
};

// The ClusterCertIssuer whose CA Secret ns/name is, or "" when none. Such a
// Secret is the cluster's trust anchor: no CertIssuer and no CertStore may
// read it, or its key would sign outside the ClusterCertIssuer's policy.
std::string ClusterIssuerUsing(const ReconcilerDeps& d, const std::string& ns,
                               const std::string& name) {
  if (d.cluster_issuers == nullptr || ns != d.cluster_resource_namespace)
    return "";
  auto users =
      d.cluster_issuers->ByIndex(kRefIndex, "Secret/" + ns + "/" + name);
  return users.empty() ? "" : users.front()->meta.name;
}

// A reference of `cs` to a ClusterCertIssuer's CA Secret, as a message; "".
std::string ReadsClusterCaSecret(const ReconcilerDeps& d,
                                 const api::CertStore& cs) {
  const std::string& ns = cs.metadata.namespace_;
  std::vector<std::pair<std::string, std::string>> refs;  // path, Secret name
  if (cs.spec.password)
    refs.push_back({"spec.password.secretKeyRef", cs.spec.password->name});
  if (cs.spec.truststore)
    for (size_t i = 0; i < cs.spec.truststore->sources.size(); ++i)
      if (cs.spec.truststore->sources[i].type ==
          api::TrustSource::Type::kSecret)
        refs.push_back(
            {"spec.truststore.sources[" + std::to_string(i) + "].secret",
             cs.spec.truststore->sources[i].name});
  for (const auto& [path, secret] : refs) {
    std::string user = ClusterIssuerUsing(d, ns, secret);
    if (!user.empty())
      return path + ": Secret " + ns + "/" + secret +
             " holds the CA of ClusterCertIssuer " + user +
             "; no CertStore may read it (use an issuer: {} trust source for "
             "its root)";
  }
  return "";
}

IssuerLookup FindIssuer(const ReconcilerDeps& d, const api::IssuerRef& ref,
                        const std::string& ns) {
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
    out.problem = {"False", "IssuerNotReady",
                   what + ": " + issuer.status().message()};
    return out;
  }
  api::ApplyDefaults(&*issuer);
  api::FieldErrors fe = api::Validate(*issuer);
  if (!fe.empty()) {
    out.problem = {"False", "IssuerNotReady",
                   what + " is invalid: " + fe.ToStatus().message()};
    return out;
  }
  out.ca_namespace = cluster ? d.cluster_resource_namespace : ns;
  if (!cluster) {
    const api::IssuerSpec& spec = issuer->spec;
    std::string secret = spec.ca            ? spec.ca->secret_name
                         : spec.self_signed ? spec.self_signed->secret_name
                                            : "";
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
  out.status = api::ParseObservedStatus(obj->json);
  out.issuer = std::move(issuer).value();
  return out;
}

// The root an issuer's status records, as the fingerprint a person would
// quote back (kAcceptNewRootAnnotation); empty when none is recorded.
std::string RecordedRoot(const api::ObservedStatus& st) {
  if (st.ca_certificate.empty()) return "";
  return st.fingerprint_sha256.empty() ? "recorded" : st.fingerprint_sha256;
}

// The policy verdict from the caches: cheap, on every reconcile.
engine::PolicyVerdict CachedPolicyVerdict(const ReconcilerDeps& d,
                                          const api::Issuer& issuer,
                                          const api::CertStore& cs) {
  const std::string& ns = cs.metadata.namespace_;
  kube::ObjectPtr nsobj = d.namespaces ? d.namespaces->Get("", ns) : nullptr;
  engine::PolicyVerdict v =
      engine::CheckNamespace(issuer, ns, nsobj ? &nsobj->meta.labels : nullptr);
  if (!v.allowed) return v;
  return engine::CheckCertStore(issuer, cs);
}

// Right before signing: the issuer and the namespace as the API server has
// them now (informer lag must not sign under an old policy), and the key
// about to be certified. A read error lands in `*error` (retry, not deny).
engine::PolicyVerdict LivePolicyVerdict(const ReconcilerDeps& d,
                                        const api::CertStore& cs,
                                        const api::Issuer& cached,
                                        EVP_PKEY* key, Status* error) {
  const api::IssuerRef& ref = cs.spec.issuer_ref;
  const std::string& ns = cs.metadata.namespace_;
  bool cluster = ref.kind == api::IssuerKind::kClusterCertIssuer;
  auto json = d.client->Get(cluster ? kube::ClusterCertIssuersResource()
                                    : kube::CertIssuersResource(),
                            cluster ? "" : ns, ref.name);
  auto deny = [](const std::string& why) {
    return engine::PolicyVerdict{false, "issuer", why};
  };
  if (!json.ok()) {
    if (json.status().code() != StatusCode::kNotFound) *error = json.status();
    return deny("the issuer could not be re-read before signing: " +
                json.status().message());
  }
  auto issuer = api::ParseIssuer(*json);
  if (!issuer.ok())
    return deny("the issuer is unreadable: " + issuer.status().message());
  api::ApplyDefaults(&*issuer);
  // The CA about to sign was resolved from the cached issuer: the policy
  // must be that same issuer's, at that same generation.
  if (issuer->metadata.uid != cached.metadata.uid ||
      issuer->metadata.generation != cached.metadata.generation) {
    *error = AbortedError(
        "the issuer changed while a certificate was being issued; re-reading");
    return deny("the issuer changed while a certificate was being issued");
  }
  std::optional<api::NamespaceObject> nsobj;
  if (cluster) {
    auto nsjson = d.client->Get(kube::NamespacesResource(), "", ns);
    if (!nsjson.ok() && nsjson.status().code() != StatusCode::kNotFound) {
      *error = nsjson.status();
    } else if (nsjson.ok()) {
      auto parsed = api::ParseNamespace(*nsjson);
      if (parsed.ok()) nsobj = std::move(parsed).value();
    }
  }
  engine::PolicyVerdict v = engine::CheckNamespace(
      *issuer, ns, nsobj ? &nsobj->metadata.labels : nullptr);
  if (!v.allowed) return v;
  v = engine::CheckCertStore(*issuer, cs);
  if (!v.allowed) return v;
  return engine::CheckKey(*issuer, key);
}

ReconcileResult RetryAfterFailure(int attempts) {
  ReconcileResult r;
  r.requeue_after =
      std::chrono::duration_cast<std::chrono::seconds>(ExponentialBackoff(
          kFailureBackoffBase, kFailureBackoffCap, attempts - 1));
  return r;
}

std::vector<X509*> Raw(const std::vector<pki::X509Ptr>& v) {
  std::vector<X509*> out;
  for (const auto& c : v) out.push_back(c.get());
  return out;
}

// The CertStores using an issuer, as a CA rotation sees them.
// Members are the CertStores of namespaces the issuer serves that its
// policy does not refuse: a tenant the issuer does not serve can never hold
// its rotation up, nor appear in its status.
std::vector<RotationMember> RotationMembers(const ReconcilerDeps& d,
                                            const api::Issuer& issuer,
                                            bool cluster, const std::string& ns,
                                            const std::string& name) {
  std::vector<RotationMember> out;
  for (const auto& obj : d.certstores->ByIndex(
           kIssuerIndex, IssuerIndexValue(cluster, ns, name))) {
    auto cs = api::ParseCertStore(obj->json);
    if (!cs.ok()) continue;
    api::ApplyDefaults(&*cs);
    api::ObservedStatus st = api::ParseObservedStatus(obj->json);
    if (st.ready && st.ready->reason == engine::kReasonPolicyDenied) continue;
    kube::ObjectPtr nsobj =
        d.namespaces ? d.namespaces->Get("", obj->meta.ns) : nullptr;
    if (!engine::CheckNamespace(issuer, obj->meta.ns,
                                nsobj ? &nsobj->meta.labels : nullptr)
             .allowed)
      continue;
    RotationMember m;
    m.name = obj->meta.ns + "/" + obj->meta.name;
    m.ready = st.ready && st.ready->status == "True";
    m.write_failing = st.ready && st.ready->status == "False" &&
                      st.ready->reason == "SecretWriteFailed";
    m.has_keystore = cs->spec.keystore.has_value();
    if (cs->spec.truststore)
      for (const auto& src : cs->spec.truststore->sources)
        m.trusts_issuer =
            m.trusts_issuer || src.type == api::TrustSource::Type::kIssuer;
    m.truststore_issuer_cas = std::move(st.truststore_issuer_cas);
    m.issuer_ca_fingerprint = std::move(st.issuer_ca_fingerprint);
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace

std::string IssuerIndexValue(bool cluster, const std::string& ns,
                             const std::string& name) {
  return cluster ? "ClusterCertIssuer/" + name
                 : "CertIssuer/" + ns + "/" + name;
}

ReconcileResult CertStoreReconciler::Reconcile(const std::string& key) {
  auto [ns, name] = SplitKey(key);
  const kube::Resource& res = kube::CertStoresResource();
  kube::ObjectPtr obj = d_.certstores->Get(ns, name);
  if (!obj) return {};  // deleted; its Secrets go with it (ownerReferences)
  TimePoint now = d_.clock->Now();
  kube::ObjectReference ref{api::kApiVersion, "CertStore", ns, name,
                            obj->meta.uid};
  int64_t gen = obj->meta.generation;
  api::ObservedStatus prev = api::ParseObservedStatus(obj->json);
  // Ready=False and Issuing=True with the reason, one more failed attempt,
  // a Warning Event when the reason is new, and a retry with backoff.
  auto fail = [&](const Condition& c) -> ReconcileResult {
    StatusUpdate u;
    u.ready = c;
    u.failed_attempts = prev.failed_attempts + 1;
    auto next =
        std::chrono::duration_cast<std::chrono::seconds>(ExponentialBackoff(
            kFailureBackoffBase, kFailureBackoffCap, u.failed_attempts - 1));
    u.issuing =
        Condition{"True", c.reason,
                  "attempt " + std::to_string(u.failed_attempts) +
                      " failed; retrying in " + std::to_string(next.count()) +
                      "s, or at once when the cause is fixed"};
    Status st = PatchStatus(*d_.client, res, ns, name, obj->json, gen, u, now);
    if (!prev.ready || prev.ready->reason != c.reason ||
        prev.ready->status != c.status)
      d_.events->Post(ref, "Warning", c.reason, c.message);
    if (!st.ok() && st.code() != StatusCode::kNotFound)
      return ReconcileResult{st, std::nullopt};
    if (d_.observer) d_.observer->IssuanceFailed(c.reason);
    return RetryAfterFailure(u.failed_attempts);
  };

  auto cs = api::ParseCertStore(obj->json);
  if (!cs.ok()) return fail({"False", "InvalidSpec", cs.status().message()});
  api::ApplyDefaults(&*cs);
  api::FieldErrors cross = api::CrossNamespaceRefs(*cs);
  if (!cross.empty())
    return fail({"False", "CrossNamespaceRefused", cross.ToStatus().message()});
  api::FieldErrors fe = api::Validate(*cs);
  if (!fe.empty())
    return fail({"False", "InvalidSpec", fe.ToStatus().message()});

  std::string reads_cluster_ca = ReadsClusterCaSecret(d_, *cs);
  if (!reads_cluster_ca.empty())
    return fail({"False", engine::kReasonPolicyDenied, reads_cluster_ca});
  IssuerLookup il = FindIssuer(d_, cs->spec.issuer_ref, ns);
  if (!il.issuer) return fail(il.problem);
  // Who may use the issuer, for what: from the caches now, and again from
  // the API server right before signing.
  engine::PolicyVerdict verdict = CachedPolicyVerdict(d_, *il.issuer, *cs);
  auto denied = [&](const engine::PolicyVerdict& v) {
    if (d_.observer)
      d_.observer->PolicyDenied(api::IssuerKindName(il.issuer->kind),
                                il.issuer->metadata.name, v.field);
    return fail({"False", engine::kReasonPolicyDenied, v.message});
  };
  // A namespace the issuer does not serve learns nothing more about it (its
  // CA Secret, root, rotation) and gets nothing written.
  if (!verdict.allowed && verdict.field == "namespaceSelector")
    return denied(verdict);

  ApiObjectSource objects(*d_.client, d_.managed_secrets);
  // A Secret someone else controls is refused before anything is decrypted
  // or generated for it.
  OwnerRef owner{api::kApiVersion, "CertStore", name, obj->meta.uid};
  for (const std::string& secret_name :
       {cs->spec.secret_name, cs->spec.truststore
                                  ? cs->spec.truststore->secret_name
                                  : std::string()}) {
    if (secret_name.empty()) continue;
    auto existing = objects.GetSecret(ns, secret_name);
    if (!objects.error().ok()) return {objects.error(), std::nullopt};
    if (!existing) continue;
    std::string conflict = ConflictMessage(*existing, owner);
    if (!conflict.empty()) return fail({"False", "SecretConflict", conflict});
  }
  CaResolveOptions ca_options;  // a CertStore never creates a root
  ca_options.recorded_fingerprint = RecordedRoot(il.status);
  bool ca_missing = false;
  auto ca = ResolveIssuerCa(*il.issuer, il.ca_namespace, objects, *d_.clock,
                            ca_options, &ca_missing);
  if (!objects.error().ok()) return {objects.error(), std::nullopt};
  if (!ca.ok())
    return fail({"False", ca_missing ? "CASecretMissing" : "IssuerNotReady",
                 ca.status().message()});

  RenderOptions opts;
  Status live_error;
  engine::PolicyVerdict live_verdict;
  if (!verdict.allowed) {
    opts.freeze_keystore = true;
  } else {
    opts.authorize = [&](EVP_PKEY* key) {
      // A ClusterCertIssuer's policy is the boundary between tenants: ask
      // the API server. A CertIssuer's key lives in the CertStore's own
      // namespace, its policy is advisory there, and the cached one serves
      // (an API round trip less per issuance).
      if (il.issuer->kind == api::IssuerKind::kCertIssuer) {
        live_verdict = engine::CheckCertStore(*il.issuer, *cs);
        if (live_verdict.allowed)
          live_verdict = engine::CheckKey(*il.issuer, key);
      } else {
        live_verdict = LivePolicyVerdict(d_, *cs, *il.issuer, key, &live_error);
      }
      return live_verdict;
    };
  }
  opts.system_bundle_path = d_.system_bundle_path;
  PreviousRoots previous = PreviousRootsFor(il.status, ca->ca.Root(), now,
                                            d_.rotation_propagation_delay);
  opts.previous_roots = Raw(previous.roots);
  opts.hold_previous = previous.hold;
  opts.verified = d_.verified;
  auto rendered = RenderCertStore(*cs, ca->ca, objects, *d_.clock, opts);
  if (!objects.error().ok()) return {objects.error(), std::nullopt};
  if (!rendered.ok()) {
    if (rendered.status().code() == StatusCode::kPermissionDenied) {
      if (!live_error.ok()) return {live_error, std::nullopt};
      return denied(live_verdict);
    }
    if (rendered.status().code() == StatusCode::kInternal)
      return {rendered.status(), std::nullopt};
    std::string reason = rendered.status().code() == StatusCode::kNotFound
                             ? "InputNotFound"
                             : "RenderFailed";
    return fail({"False", reason, rendered.status().message()});
  }

  bool wrote = false;
  for (const auto& s : rendered->secrets) {
    auto w = WriteSecret(*d_.client, s, owner, &objects);
    if (!w.ok()) {
      StatusCode code = w.status().code();
      // Denied stays denied: a failing write of a frozen Secret must not
      // make the CertStore a rotation member that is waited for.
      if (!verdict.allowed && code != StatusCode::kAborted)
        return denied(verdict);
      if (code == StatusCode::kFailedPrecondition)
        return fail({"False", "SecretConflict", w.status().message()});
      // The API refuses the write itself (immutable, invalid, forbidden):
      // retrying as is cannot help. Say so; this also stops the CertStore
      // counting as a converged CA rotation member.
      if (code == StatusCode::kInvalidArgument ||
          code == StatusCode::kPermissionDenied)
        return fail({"False", "SecretWriteFailed",
                     "writing Secret " + ns + "/" + s.metadata.name +
                         " failed: " + w.status().message()});
      return {w.status(), std::nullopt};
    }
    wrote = wrote || *w != WriteResult::kUnchanged;
  }
  if (d_.verified)
    for (auto& [key, entry] : rendered->verified)
      d_.verified->Remember(key, std::move(entry));
  if (!verdict.allowed) {
    // Truststore files may have followed their sources above; the
    // certificate stays as it was, and the CertStore says why.
    return denied(verdict);
  }

  const RenderSummary& sum = rendered->summary;
  std::string msg = cs->spec.keystore
                        ? "certificate " + sum.serial_hex + " valid until " +
                              FormatRfc3339(*sum.not_after)
                        : "truststore with " +
                              std::to_string(sum.truststore_certificates) +
                              " certificate(s)";
  if (!sum.warning.empty()) msg += "; " + sum.warning;
  if (sum.held_for_rotation)
    msg += "; CA rotation: kept until every truststore trusts the new CA";
  bool issued = rendered->decision.issue;
  StatusUpdate u;
  u.ready = {"True", issued ? "Issued" : "Ready", msg};
  u.issuing = Condition{"False", issued ? "Issued" : "UpToDate",
                        "the Secret holds the stores the spec asks for"};
  u.extra = SummaryJson(sum);
  // Nothing new to say: skip the write (an idle resync costs no API write).
  bool same =
      !issued && !wrote && prev.failed_attempts == 0 &&
      prev.observed_generation == gen && prev.ready &&
      prev.ready->status == u.ready.status &&
      prev.ready->message == u.ready.message && prev.issuing &&
      prev.issuing->status == "False" && prev.revision == sum.revision &&
      prev.issuer_ca_fingerprint == sum.issuer_ca_fingerprint &&
      prev.truststore_issuer_cas == sum.truststore_issuer_cas &&
      prev.renewal_time == (sum.renewal_time ? FormatRfc3339(*sum.renewal_time)
                                             : std::string()) &&
      prev.truststore_earliest_not_after ==
          (sum.truststore_earliest_not_after
               ? FormatRfc3339(*sum.truststore_earliest_not_after)
               : std::string());
  Status status_write;
  if (!same)
    status_write =
        PatchStatus(*d_.client, res, ns, name, obj->json, gen, u, now);
  // Events after status (Ready is visible one round trip sooner), and even
  // when the status write failed: the Secret is written, the retry will not
  // issue again.
  if (issued) {
    d_.events->Post(ref, "Normal", "Issued",
                    "issued " + msg + " (" + rendered->decision.reason + ": " +
                        rendered->decision.message + ")");
    if (d_.observer) d_.observer->Issued(rendered->decision.reason);
  } else if (wrote) {
    d_.events->Post(ref, "Normal", "StoresUpdated",
                    "Secret updated (" + rendered->reencode_reason + ")");
    if (d_.observer) d_.observer->Reencoded();
  }
  if (!status_write.ok() && status_write.code() != StatusCode::kNotFound)
    return {status_write, std::nullopt};

  ReconcileResult r;
  if (sum.renewal_time) {
    auto until = std::chrono::duration_cast<std::chrono::seconds>(
        *sum.renewal_time - now);
    r.requeue_after = std::max(until, std::chrono::seconds(1));
  }
  if (sum.held_for_rotation) {
    // The issuer's status changes when the rotation moves on (and wakes
    // this CertStore); the timer covers the propagation delay.
    auto until = previous.hold_until
                     ? std::chrono::duration_cast<std::chrono::seconds>(
                           *previous.hold_until - now) +
                           std::chrono::seconds(1)
                     : std::chrono::seconds(30);
    until = std::max(until, std::chrono::seconds(1));
    if (!r.requeue_after || until < *r.requeue_after) r.requeue_after = until;
  }
  return r;
}

ReconcileResult ReconcileIssuer(const ReconcilerDeps& d, bool cluster,
                                const std::string& key) {
  auto [ns, name] = SplitKey(key);
  const kube::Resource& res = cluster ? kube::ClusterCertIssuersResource()
                                      : kube::CertIssuersResource();
  kube::ObjectPtr obj =
      cluster ? d.cluster_issuers->Get("", name) : d.issuers->Get(ns, name);
  if (!obj) return {};
  TimePoint now = d.clock->Now();
  api::IssuerRef ref{cluster ? api::IssuerKind::kClusterCertIssuer
                             : api::IssuerKind::kCertIssuer,
                     name};
  IssuerLookup il = FindIssuer(d, ref, ns);
  api::ObservedStatus prev = api::ParseObservedStatus(obj->json);
  auto patch = [&](const Condition& c, const std::string& extra,
                   const std::string& fingerprint = "",
                   bool rotation_changed = false) -> ReconcileResult {
    StatusUpdate u;
    u.ready = c;
    u.extra = extra;
    bool same = prev.ready && prev.ready->status == c.status &&
                prev.ready->reason == c.reason &&
                prev.ready->message == c.message &&
                prev.observed_generation == obj->meta.generation &&
                prev.fingerprint_sha256 == fingerprint && !rotation_changed;
    if (!same) {
      Status st = PatchStatus(*d.client, res, ns, name, obj->json,
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
  if (!il.issuer) return patch(il.problem, "");
  ApiObjectSource objects(*d.client);
  CaResolveOptions ca_options;
  ca_options.allow_create = true;
  ca_options.recorded_fingerprint = RecordedRoot(prev);
  auto accept = obj->meta.annotations.find(kAcceptNewRootAnnotation);
  ca_options.accept_new_root =
      accept != obj->meta.annotations.end() &&
      !ca_options.recorded_fingerprint.empty() &&
      accept->second == ca_options.recorded_fingerprint;
  bool ca_missing = false;
  auto ca = ResolveIssuerCa(*il.issuer, il.ca_namespace, objects, *d.clock,
                            ca_options, &ca_missing);
  if (!objects.error().ok()) return {objects.error(), std::nullopt};
  if (!ca.ok())
    return patch({"False", ca_missing ? "CASecretMissing" : "CANotReady",
                  ca.status().message()},
                 "");
  if (ca->created_secret) {
    // A root is irreversible: re-read the issuer first, so a cached status
    // that has not caught up yet can never stand in for "no root recorded".
    auto live = d.client->Get(res, ns, name);
    if (!live.ok()) return {live.status(), std::nullopt};
    std::string live_root = RecordedRoot(api::ParseObservedStatus(*live));
    if (live_root != ca_options.recorded_fingerprint)
      return {AbortedError(
                  "issuer status changed while creating its root; re-reading"),
              std::nullopt};
    Status w = CreateSecretOnce(*d.client, *ca->created_secret);
    if (!w.ok()) return {w, std::nullopt};
    d.events->Post(
        kube::ObjectReference{api::kApiVersion,
                              cluster ? "ClusterCertIssuer" : "CertIssuer", ns,
                              name, obj->meta.uid},
        ca_options.recorded_fingerprint.empty() ? "Normal" : "Warning",
        "RootCreated",
        ca_options.recorded_fingerprint.empty()
            ? "created root CA in Secret " + il.ca_namespace + "/" +
                  ca->created_secret->metadata.name
            : "created a NEW root CA in Secret " + il.ca_namespace + "/" +
                  ca->created_secret->metadata.name + " as " +
                  kAcceptNewRootAnnotation + " asked; a CA rotation follows");
  }
  X509* cert = ca->ca.cert.get();
  X509* root = ca->ca.Root();
  std::string root_pem = pki::EncodeCertificatePem(root);
  // A CA rotation only needs the CertStores' view while one is possible.
  std::vector<RotationMember> members;
  bool may_rotate =
      prev.rotation.has_value() ||
      (!prev.ca_certificate.empty() && prev.ca_certificate != root_pem);
  if (may_rotate) members = RotationMembers(d, *il.issuer, cluster, ns, name);
  RotationLimits limits;
  limits.propagation_delay = d.rotation_propagation_delay;
  limits.member_deadline = d.rotation_member_deadline;
  auto proceed = obj->meta.annotations.find(kRotationProceedAnnotation);
  limits.proceed_now = prev.rotation &&
                       proceed != obj->meta.annotations.end() &&
                       proceed->second == prev.rotation->started_at;
  RotationStep step = AdvanceRotation(prev, root, members, now, limits);
  bool rotation_changed =
      prev.ca_certificate != root_pem ||
      RotationJson(prev.rotation) != RotationJson(step.rotation);
  std::string extra =
      "\"notAfter\":" + kube::JsonQuote(FormatRfc3339(pki::NotAfter(cert))) +
      ",\"fingerprintSHA256\":" +
      kube::JsonQuote(pki::FingerprintSha256(cert)) +
      ",\"caCertificate\":" + kube::JsonQuote(root_pem) + "," +
      RotationJson(step.rotation);
  std::string message = "CA \"" + pki::SubjectText(cert) + "\" ready";
  if (!step.progress.empty()) message += "; " + step.progress;
  ReconcileResult r = patch({"True", "Ready", message}, extra,
                            pki::FingerprintSha256(cert), rotation_changed);
  if (!r.error.ok()) return r;
  kube::ObjectReference issuer_ref{api::kApiVersion,
                                   cluster ? "ClusterCertIssuer" : "CertIssuer",
                                   ns, name, obj->meta.uid};
  if (!step.event_reason.empty())
    d.events->Post(issuer_ref, "Normal", step.event_reason, step.event_message);
  if (!step.warning_reason.empty())
    d.events->Post(issuer_ref, "Warning", step.warning_reason,
                   step.warning_message);
  // Look again before the CA expires so status flips in time.
  auto until = std::chrono::duration_cast<std::chrono::seconds>(
      pki::NotAfter(cert) - now);
  r.requeue_after = std::clamp(until, std::chrono::seconds(60),
                               std::chrono::seconds(3600 * 24));
  if (step.recheck && *step.recheck < *r.requeue_after)
    r.requeue_after = step.recheck;
  return r;
}

}  // namespace certstore::controller
