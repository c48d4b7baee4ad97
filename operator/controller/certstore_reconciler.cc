#include "operator/controller/certstore_reconciler.h"

#include <algorithm>
#include <memory>

#include "operator/api/defaults.h"
#include "operator/api/parse.h"
#include "operator/api/validate.h"
#include "operator/common/time_format.h"
#include "operator/controller/api_object_source.h"
#include "operator/controller/cached_kinds.h"
#include "operator/controller/event_routing.h"
#include "operator/controller/issuer_lookup.h"
#include "operator/controller/secret_writer.h"
#include "operator/controller/status_writer.h"
#include "operator/controller/trust_bundle_lookup.h"
#include "operator/engine/ca_rotation.h"
#include "operator/engine/issuer_ca.h"
#include "operator/engine/issuer_policy.h"
#include "operator/engine/reasons.h"
#include "operator/engine/render.h"
#include "operator/pki/certificate.h"

namespace certstore::controller {
namespace {

// A reference of `cs` to a ClusterCertIssuer's CA Secret, as a message; "".
std::string ReadsClusterCaSecret(const ReconcilerDeps& d,
                                 const api::CertStore& cs) {
  const std::string& ns = cs.metadata.namespace_;
  std::vector<std::pair<std::string, std::string>> refs;  // path, Secret name
  if (cs.spec.password)
    refs.push_back({"spec.password.secretKeyRef", cs.spec.password->name});
  if (cs.spec.truststore && cs.spec.truststore->password &&
      cs.spec.truststore->password->secret_key_ref)
    refs.push_back({"spec.truststore.password.secretKeyRef",
                    cs.spec.truststore->password->secret_key_ref->name});
  if (cs.spec.truststore)
    for (size_t i = 0; i < cs.spec.truststore->sources.size(); ++i)
      if (cs.spec.truststore->sources[i].type ==
          api::TrustSource::Type::kSecret)
        refs.push_back(
            {"spec.truststore.sources[" + std::to_string(i) + "].secret",
             cs.spec.truststore->sources[i].name});
  for (const auto& [path, secret] : refs) {
    if (ns == d.cluster_resource_namespace && !d.seal_key_secret.empty() &&
        secret == d.seal_key_secret)
      return path + ": Secret " + ns + "/" + secret +
             " holds the operator's seal key; no CertStore may read it";
    std::string user = ClusterIssuerUsing(d, ns, secret);
    if (!user.empty())
      return path + ": Secret " + ns + "/" + secret +
             " holds the CA of ClusterCertIssuer " + user +
             "; no CertStore may read it (use an issuer: {} trust source for "
             "its root)";
  }
  return "";
}

// The policy verdict from the caches: cheap, on every reconcile.
engine::PolicyVerdict CachedPolicyVerdict(const ReconcilerDeps& d,
                                          const IssuerLookup& il,
                                          const api::CertStore& cs) {
  for (const api::Issuer* issuer :
       {&*il.issuer, il.governing_parent ? &*il.governing_parent : nullptr}) {
    if (issuer == nullptr) continue;
    engine::PolicyVerdict v =
        NamespaceVerdict(d, *issuer, cs.metadata.namespace_);
    if (!v.allowed) return v;
    v = engine::CheckCertStore(*issuer, cs);
    if (!v.allowed) return v;
  }
  return {};
}

// Right before signing: the issuer and the namespace as the API server has
// them now (informer lag must not sign under an old policy), and the key
// about to be certified. A read error lands in `*error` (retry, not deny).
engine::PolicyVerdict LivePolicyVerdict(const ReconcilerDeps& d,
                                        const api::CertStore& cs,
                                        const api::IssuerRef& ref,
                                        const api::Issuer& cached,
                                        EVP_PKEY* key, Status* error) {
  const std::string& ns = cs.metadata.namespace_;
  bool cluster = ref.kind == api::IssuerKind::kClusterCertIssuer;
  auto json = d.client.Get(cluster ? kube::ClusterCertIssuersResource()
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
    auto nsjson = d.client.Get(kube::NamespacesResource(), "", ns);
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

std::vector<X509*> Raw(const std::vector<pki::X509Ptr>& v) {
  std::vector<X509*> out;
  for (const auto& c : v) out.push_back(c.get());
  return out;
}

// One reconcile of one CertStore (see the header for the steps). Each step
// returns a result to end with, or nullopt to go on.
class CertStoreRun {
 public:
  CertStoreRun(const ReconcilerDeps& d, kube::ObjectPtr obj)
      : d_(d),
        obj_(std::move(obj)),
        ns_(obj_->meta.ns),
        name_(obj_->meta.name),
        now_(d.clock.Now()),
        ref_{api::kApiVersion, "CertStore", ns_, name_, obj_->meta.uid.str()},
        cached_(CertStoreOf(*obj_)),
        prev_(cached_->status),
        objects_(d.client, d.managed_secrets) {}

  ReconcileResult Run() {
    if (auto r = Gather()) return *r;
    if (auto r = Render()) return *r;
    if (auto r = Write()) return *r;
    return Report();
  }

 private:
  std::optional<ReconcileResult> Gather();
  std::optional<ReconcileResult> Render();
  std::optional<ReconcileResult> Write();
  ReconcileResult Report();
  // Ready=False with the reason, one more failed attempt, a Warning Event
  // when the reason is new, and a retry with backoff.
  ReconcileResult Fail(const Condition& c);
  ReconcileResult Denied(const engine::PolicyVerdict& v);
  ReconcileResult Retry(const Status& error) { return {error, std::nullopt}; }
  // A failed write of `what`: `conflict_reason` for an object someone else
  // owns, SecretWriteFailed when the API refuses the write itself, else a
  // retry.
  ReconcileResult WriteFailed(const Status& s, const char* conflict_reason,
                              const std::string& what);

  const ReconcilerDeps& d_;
  const kube::ObjectPtr obj_;
  const std::string ns_, name_;
  const TimePoint now_;
  const kube::ObjectReference ref_;
  // The parsed object and its status, as cached (held for the run).
  const std::shared_ptr<const CachedCertStore> cached_;
  const api::ObservedStatus& prev_;
  ApiObjectSource objects_;
  // Gathered.
  api::CertStore cs_;
  IssuerLookup il_;
  engine::PolicyVerdict verdict_;
  std::optional<engine::IssuerCa> ca_;
  engine::PreviousRoots previous_;
  // Rendered and written.
  std::optional<engine::RenderResult> rendered_;
  bool wrote_ = false;
};

ReconcileResult CertStoreRun::Fail(const Condition& c) {
  StatusUpdate u;
  u.ready = c;
  u.failed_attempts = prev_.failed_attempts + 1;
  std::chrono::seconds next = FailureBackoff(u.failed_attempts);
  u.issuing =
      Condition{"True", c.reason,
                "attempt " + std::to_string(u.failed_attempts) +
                    " failed; retrying in " + std::to_string(next.count()) +
                    "s, or at once when the cause is fixed"};
  Status st = PatchStatus(d_.client, kube::CertStoresResource(), ns_, name_,
                          prev_, obj_->meta.resource_version.str(),
                          obj_->meta.generation, u, now_);
  if (!prev_.ready || prev_.ready->reason != c.reason ||
      prev_.ready->status != c.status)
    d_.events.Post(ref_, "Warning", c.reason, c.message);
  if (!st.ok() && st.code() != StatusCode::kNotFound) return Retry(st);
  if (d_.observer) d_.observer->IssuanceFailed(c.reason);
  return RetryAfterFailure(u.failed_attempts);
}

ReconcileResult CertStoreRun::Denied(const engine::PolicyVerdict& v) {
  if (d_.observer)
    d_.observer->PolicyDenied(api::IssuerKindName(il_.issuer->kind),
                              il_.issuer->metadata.name, v.field);
  return Fail({"False", engine::kReasonPolicyDenied, v.message});
}

std::optional<ReconcileResult> CertStoreRun::Gather() {
  const auto& cs = cached_->certstore;
  if (!cs.ok())
    return Fail({"False", engine::kReasonInvalidSpec, cs.status().message()});
  cs_ = *cs;
  // The cache keeps annotations in `meta` only; the engine reads this one.
  auto request = obj_->meta.annotations.find(engine::kRenewRequestAnnotation);
  if (request != obj_->meta.annotations.end())
    cs_.metadata.annotations[engine::kRenewRequestAnnotation] = request->second;
  api::ApplyDefaults(&cs_);
  api::FieldErrors cross = api::CrossNamespaceRefs(cs_);
  if (!cross.empty())
    return Fail({"False", engine::kReasonCrossNamespaceRefused,
                 cross.ToStatus().message()});
  api::FieldErrors fe = api::Validate(cs_);
  if (!fe.empty())
    return Fail({"False", engine::kReasonInvalidSpec, fe.ToStatus().message()});
  std::string reads_cluster_ca = ReadsClusterCaSecret(d_, cs_);
  if (!reads_cluster_ca.empty())
    return Fail({"False", engine::kReasonPolicyDenied, reads_cluster_ca});

  il_ = FindIssuer(d_, cs_.spec.issuer_ref, ns_);
  if (!il_.issuer) return Fail(il_.problem);
  // Who may use the issuer, for what: from the caches now, and again from
  // the API server right before signing (Render).
  verdict_ = CachedPolicyVerdict(d_, il_, cs_);
  // A namespace the issuer does not serve learns nothing more about it (its
  // CA Secret, root, rotation) and gets nothing written.
  if (!verdict_.allowed && verdict_.field == "namespaceSelector")
    return Denied(verdict_);

  // A Secret someone else controls is refused before anything is decrypted
  // or generated for it.
  OwnerRef owner{api::kApiVersion, "CertStore", name_, obj_->meta.uid.str()};
  for (const std::string& secret_name :
       {cs_.spec.secret_name, cs_.spec.truststore
                                  ? cs_.spec.truststore->secret_name
                                  : std::string()}) {
    if (secret_name.empty()) continue;
    // The cached metadata serves (no GET); a Secret the cache does not
    // hold is read.
    std::optional<api::SecretObject> existing;
    if (auto outline = objects_.OutlineSecret(ns_, secret_name)) {
      existing.emplace();
      existing->metadata = std::move(outline->metadata);
    } else {
      existing = objects_.GetSecret(ns_, secret_name);
    }
    if (!objects_.error().ok()) return Retry(objects_.error());
    if (!existing) continue;
    std::string conflict = ConflictMessage(*existing, owner);
    if (!conflict.empty())
      return Fail({"False", engine::kReasonSecretConflict, conflict});
  }

  engine::CaResolveOptions ca_options;  // a CertStore never creates a root
  ca_options.recorded_fingerprint = RecordedRoot(il_.status);
  ca_options.cache = d_.ca_cache;
  bool ca_missing = false;
  auto ca = engine::ResolveIssuerCa(*il_.issuer, il_.ca_namespace, objects_,
                                    d_.clock, ca_options, &ca_missing);
  if (!objects_.error().ok()) return Retry(objects_.error());
  if (!ca.ok())
    return Fail({"False",
                 ca_missing ? engine::kReasonCaSecretMissing
                            : engine::kReasonIssuerNotReady,
                 ca.status().message()});
  // An intermediate signs only once its issuer has checked it against its
  // parent and the parent's policy: the status names the very certificate.
  if (il_.issuer->spec.intermediate) {
    const auto& ready = il_.status.ready;
    if (!ready || ready->status != "True")
      return Fail({"False", engine::kReasonIssuerNotReady,
                   engine::IssuerDisplayName(*il_.issuer) +
                       ": its intermediate CA is not Ready yet" +
                       (ready ? " (" + ready->message + ")" : std::string())});
    // Re-issued a moment ago: its status follows (and wakes us).
    if (il_.status.fingerprint_sha256 !=
        pki::FingerprintSha256(ca->ca.cert.get()))
      return Retry(AbortedError(
          "the intermediate CA changed; waiting for its issuer's status"));
  }
  ca_ = std::move(ca).value();
  previous_ = engine::PreviousRootsFor(il_.status, ca_->ca.Root(), now_,
                                       d_.rotation_propagation_delay);
  return std::nullopt;
}

std::optional<ReconcileResult> CertStoreRun::Render() {
  engine::RenderOptions opts;
  Status live_error;
  engine::PolicyVerdict live_verdict;
  if (!verdict_.allowed) {
    opts.freeze_keystore = true;
  } else {
    opts.authorize = [&](EVP_PKEY* key) {
      // A ClusterCertIssuer's policy is the boundary between tenants: ask
      // the API server. A CertIssuer's key lives in the CertStore's own
      // namespace, its policy is advisory there, and the cached one serves
      // (an API round trip less per issuance).
      if (il_.issuer->kind == api::IssuerKind::kCertIssuer) {
        live_verdict = engine::CheckCertStore(*il_.issuer, cs_);
        if (live_verdict.allowed)
          live_verdict = engine::CheckKey(*il_.issuer, key);
        // An intermediate's parent ClusterCertIssuer: its name constraints
        // bind the key's holder; its policy, as the API server has it now,
        // binds what the operator signs.
        if (live_verdict.allowed && il_.governing_parent)
          live_verdict = LivePolicyVerdict(
              d_, cs_, il_.issuer->spec.intermediate->issuer_ref,
              *il_.governing_parent, key, &live_error);
      } else {
        live_verdict = LivePolicyVerdict(d_, cs_, cs_.spec.issuer_ref,
                                         *il_.issuer, key, &live_error);
      }
      return live_verdict;
    };
  }
  opts.system_bundle_path = d_.system_bundle_path;
  opts.previous_roots = Raw(previous_.roots);
  opts.hold_previous = previous_.hold;
  opts.verified = d_.verified;
  opts.seal = d_.seal.load();
  opts.status = &prev_;
  opts.renew_request_interval = d_.renew_request_interval;
  opts.trust_bundles = TrustBundleLookupFor(d_, objects_, now_);
  auto rendered =
      engine::RenderCertStore(cs_, ca_->ca, objects_, d_.clock, opts);
  if (!objects_.error().ok()) return Retry(objects_.error());
  if (rendered.ok()) {
    rendered_ = std::move(rendered).value();
    return std::nullopt;
  }
  StatusCode code = rendered.status().code();
  if (code == StatusCode::kPermissionDenied) {
    if (!live_error.ok()) return Retry(live_error);
    return Denied(live_verdict);
  }
  if (code == StatusCode::kInternal) return Retry(rendered.status());
  return Fail({"False",
               code == StatusCode::kNotFound ? engine::kReasonInputNotFound
                                             : engine::kReasonRenderFailed,
               rendered.status().message()});
}

ReconcileResult CertStoreRun::WriteFailed(const Status& s,
                                          const char* conflict_reason,
                                          const std::string& what) {
  StatusCode code = s.code();
  if (code == StatusCode::kFailedPrecondition)
    return Fail({"False", conflict_reason, s.message()});
  // The API refuses the write itself (immutable, invalid, forbidden):
  // retrying as is cannot help. Say so; this also stops the CertStore
  // counting as a converged CA rotation member.
  if (code == StatusCode::kInvalidArgument ||
      code == StatusCode::kPermissionDenied)
    return Fail({"False", engine::kReasonSecretWriteFailed,
                 "writing " + what + " failed: " + s.message()});
  return Retry(s);
}

std::optional<ReconcileResult> CertStoreRun::Write() {
  OwnerRef owner{api::kApiVersion, "CertStore", name_, obj_->meta.uid.str()};
  for (const auto& s : rendered_->secrets) {
    auto w = WriteSecret(d_.client, s, owner, &objects_);
    if (!w.ok()) {
      StatusCode code = w.status().code();
      // Denied stays denied: a failing write of a frozen Secret must not
      // make the CertStore a rotation member that is waited for.
      if (!verdict_.allowed && code != StatusCode::kAborted)
        return Denied(verdict_);
      return WriteFailed(w.status(), engine::kReasonSecretConflict,
                         "Secret " + ns_ + "/" + s.metadata.name);
    }
    wrote_ = wrote_ || *w != WriteResult::kUnchanged;
    if (*w == WriteResult::kReplaced)
      d_.events.Post(ref_, "Normal", engine::kEventSecretTypeChanged,
                     "Secret " + ns_ + "/" + s.metadata.name +
                         " re-created as type " + s.type +
                         " (a Secret's type cannot change in place)");
  }
  if (rendered_->export_config_map) {
    const api::ConfigMapObject& c = *rendered_->export_config_map;
    auto w = WriteConfigMap(d_.client, c, owner, objects_);
    if (!w.ok())
      return WriteFailed(
          w.status(), engine::kReasonExportConflict,
          "ConfigMap " + ns_ + "/" + c.metadata.name + " (spec.export)");
    if (*w != WriteResult::kUnchanged)
      d_.events.Post(ref_, "Normal", engine::kEventExported,
                     "ConfigMap " + ns_ + "/" + c.metadata.name +
                         " holds the public certificate " +
                         rendered_->summary.serial_hex + " (spec.export)");
  }
  if (d_.verified)
    for (auto& [key, entry] : rendered_->verified)
      d_.verified->Remember(key, std::move(entry));
  // Truststore files may have followed their sources above; the certificate
  // stays as it was, and the CertStore says why.
  if (!verdict_.allowed) return Denied(verdict_);
  return std::nullopt;
}

ReconcileResult CertStoreRun::Report() {
  const engine::RenderSummary& sum = rendered_->summary;
  std::string msg = cs_.spec.keystore
                        ? "certificate " + sum.serial_hex + " valid until " +
                              FormatRfc3339(*sum.not_after)
                        : "truststore with " +
                              std::to_string(sum.truststore_certificates) +
                              " certificate(s)";
  if (!sum.warning.empty()) msg += "; " + sum.warning;
  if (sum.held_for_rotation)
    msg += "; CA rotation: kept until every truststore trusts the new CA";
  bool issued = rendered_->decision.issue;
  bool waiting =
      !issued && rendered_->decision.reason == engine::kReasonWaitingForWindow;
  if (waiting) msg += "; " + rendered_->decision.message;
  StatusUpdate u;
  u.ready = {"True", issued ? engine::kReasonIssued : engine::kReasonReady,
             msg};
  // Issued: why (Initial, Renewal, Requested, ...), as the Event says.
  u.issuing = waiting
                  ? Condition{"False", engine::kReasonWaitingForWindow,
                              rendered_->decision.message}
                  : Condition{"False",
                              issued ? rendered_->decision.reason
                                     : engine::kReasonUpToDate,
                              "the Secret holds the stores the spec asks for"};
  u.extra = [&sum](json::Writer& w) { WriteSummary(w, sum); };
  // Nothing new to say: skip the write (an idle resync costs no API write).
  bool same =
      !issued && !wrote_ && prev_.failed_attempts == 0 &&
      prev_.observed_generation == obj_->meta.generation && prev_.ready &&
      prev_.ready->status == u.ready.status &&
      prev_.ready->message == u.ready.message && prev_.issuing &&
      prev_.issuing->status == "False" && prev_.revision == sum.revision &&
      prev_.issuer_ca_fingerprint == sum.issuer_ca_fingerprint &&
      prev_.truststore_issuer_cas == sum.truststore_issuer_cas &&
      prev_.renewal_time == (sum.renewal_time ? FormatRfc3339(*sum.renewal_time)
                                              : std::string()) &&
      prev_.truststore_earliest_not_after ==
          (sum.truststore_earliest_not_after
               ? FormatRfc3339(*sum.truststore_earliest_not_after)
               : std::string());
  Status status_write;
  if (!same)
    status_write = PatchStatus(d_.client, kube::CertStoresResource(), ns_,
                               name_, prev_, obj_->meta.resource_version.str(),
                               obj_->meta.generation, u, now_);
  // Events after status (Ready is visible one round trip sooner), and even
  // when the status write failed: the Secret is written, the retry will not
  // issue again.
  if (issued) {
    d_.events.Post(ref_, "Normal", engine::kReasonIssued,
                   "issued " + msg + " (" + rendered_->decision.reason + ": " +
                       rendered_->decision.message + ")");
    if (d_.observer) d_.observer->Issued(rendered_->decision.reason);
  } else if (wrote_ && rendered_->reencoded) {
    d_.events.Post(ref_, "Normal", engine::kEventStoresUpdated,
                   "Secret updated (" + rendered_->reencode_reason + ")");
    if (d_.observer) d_.observer->Reencoded();
  } else if (wrote_) {
    // The stores as they were; their labels or annotations (e.g. the seal
    // of a certificate first written unsealed) were brought up to date.
    d_.events.Post(ref_, "Normal", engine::kEventStoresUpdated,
                   "Secret labels and annotations updated (the stores are "
                   "unchanged)");
  }
  if (!status_write.ok() && status_write.code() != StatusCode::kNotFound)
    return Retry(status_write);

  ReconcileResult r;
  // While a renewal waits for a window, recheck_at is the timer.
  if (sum.renewal_time && !waiting) {
    auto until = std::chrono::duration_cast<std::chrono::seconds>(
        *sum.renewal_time - now_);
    r.requeue_after = std::max(until, std::chrono::seconds(1));
  }
  if (rendered_->decision.recheck_at) {
    // A renewal request waiting for its minimum interval, or a renewal
    // waiting for a maintenance window.
    auto until = std::chrono::duration_cast<std::chrono::seconds>(
                     *rendered_->decision.recheck_at - now_) +
                 std::chrono::seconds(1);
    until = std::max(until, std::chrono::seconds(1));
    if (!r.requeue_after || until < *r.requeue_after) r.requeue_after = until;
  }
  if (sum.held_for_rotation) {
    // The issuer's status changes when the rotation moves on (and wakes
    // this CertStore); the timer covers the propagation delay.
    auto until = previous_.hold_until
                     ? std::chrono::duration_cast<std::chrono::seconds>(
                           *previous_.hold_until - now_) +
                           std::chrono::seconds(1)
                     : std::chrono::seconds(30);
    until = std::max(until, std::chrono::seconds(1));
    if (!r.requeue_after || until < *r.requeue_after) r.requeue_after = until;
  }
  return r;
}

}  // namespace

ReconcileResult CertStoreReconciler::Reconcile(const std::string& key) {
  auto [ns, name] = SplitKey(key);
  kube::ObjectPtr obj = d_.certstores.Get(ns, name);
  if (!obj) return {};  // deleted; its Secrets go with it (ownerReferences)
  return CertStoreRun(d_, std::move(obj)).Run();
}

}  // namespace certstore::controller
