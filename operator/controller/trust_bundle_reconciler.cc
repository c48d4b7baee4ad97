#include "operator/controller/trust_bundle_reconciler.h"

#include <algorithm>
#include <set>

#include "operator/api/defaults.h"
#include "operator/api/label_selector.h"
#include "operator/api/validate.h"
#include "operator/common/sha256.h"
#include "operator/common/time_format.h"
#include "operator/controller/api_object_source.h"
#include "operator/controller/cached_kinds.h"
#include "operator/controller/issuer_lookup.h"
#include "operator/controller/secret_writer.h"
#include "operator/controller/status_writer.h"
#include "operator/controller/trust_bundle_lookup.h"
#include "operator/engine/reasons.h"
#include "operator/pki/certificate.h"

namespace certstore::controller {
namespace {

constexpr size_t kMaxListed = 100;  // namespaces / conflicts named in status

bool OwnedBy(const api::ObjectMeta& m, const std::string& uid) {
  const api::OwnerReference* c = api::ControllerOf(m);
  return c && c->kind == "TrustBundle" && c->uid == uid;
}

// The metadata of the objects of `r` the bundle `uid` controls, in the
// namespaces served: a metadata-only list (anyone can put the label on
// anything, and its data is never read here), in pages, keeping only what
// carries the bundle's controller ownerReference.
StatusOr<std::vector<api::ObjectMeta>> ListTargets(const ReconcilerDeps& d,
                                                   const kube::Resource& r,
                                                   const std::string& uid) {
  std::vector<api::ObjectMeta> out;
  kube::ListOptions opts;
  opts.label_selector = std::string(engine::kTrustBundleUidLabel) + "=" + uid;
  opts.metadata_only = true;
  opts.limit = 50;  // anyone can label: a page of them bounds the cost
  std::vector<std::string> nss = d.watched_namespaces;
  if (nss.empty()) nss.push_back("");
  for (const auto& ns : nss) {
    opts.continue_token.clear();
    do {
      ASSIGN_OR_RETURN(std::string json, d.client.List(r, ns, opts));
      ASSIGN_OR_RETURN(api::MetadataList page, api::ParseMetadataList(json));
      for (auto& m : page.items) {
        if (!OwnedBy(m, uid)) continue;
        // Kept small: what Run() and Remove() read.
        api::ObjectMeta kept;
        kept.name = std::move(m.name);
        kept.namespace_ = std::move(m.namespace_);
        kept.uid = std::move(m.uid);
        kept.resource_version = std::move(m.resource_version);
        if (m.annotations.count(engine::kIssuerUidAnnotation))
          kept.annotations[engine::kIssuerUidAnnotation] = "";
        out.push_back(std::move(kept));
      }
      opts.continue_token = page.continue_token;
    } while (!opts.continue_token.empty());
  }
  return out;
}

// The namespaces the bundle writes into, sorted.
std::vector<std::string> SelectedNamespaces(const ReconcilerDeps& d,
                                            const api::BundleTarget& t) {
  std::vector<std::string> out;
  if (!t.namespace_selector || !d.namespaces) return out;
  const auto& served = d.watched_namespaces;
  for (const auto& ns : d.namespaces->List()) {
    const std::string& n = ns->meta.name;
    if (!served.empty() &&
        std::find(served.begin(), served.end(), n) == served.end())
      continue;
    if (api::SelectorMatches(*t.namespace_selector, ns->meta.labels.ToMap()))
      out.push_back(n);
  }
  std::sort(out.begin(), out.end());
  return out;
}

void WriteEntries(json::Writer& w, const char* key,
                  const std::vector<api::BundleEntryStatus>& entries) {
  w.Key(key).BeginArray();
  for (const auto& e : entries) {
    w.BeginObject()
        .Field("subject", e.subject)
        .Field("fingerprintSHA256", e.fingerprint_sha256);
    if (!e.not_after.empty()) w.Field("notAfter", e.not_after);
    if (!e.reason.empty()) w.Field("reason", e.reason);
    w.EndObject();
  }
  w.EndArray();
}

void WriteList(json::Writer& w, const char* key,
               const std::vector<std::string>& v) {
  w.Key(key).BeginArray();
  for (const auto& s : v) w.String(s);
  w.EndArray();
}

// What one pass wrote, removed, refused and failed to write.
struct TargetReport {
  std::vector<std::string> written_namespaces;  // every selected, not refused
  std::vector<std::string> conflicts;           // "ns/Kind/name: why"
  std::vector<std::string> failures;            // "ns/Kind/name: error"
  std::vector<std::string> changed;             // "ns/Kind/name" written
  std::vector<std::string> removed;             // "ns/Kind/name" deleted
};

// At most `n` bytes of `s` (status and Events quote other people's text).
std::string Capped(const std::string& s, size_t n = 256) {
  return s.size() <= n ? s : s.substr(0, n) + "...";
}

class BundleTargets {
 public:
  BundleTargets(const ReconcilerDeps& d, const api::TrustBundle& tb,
                const engine::BundleContent& content, TimePoint now)
      : d_(d),
        tb_(tb),
        content_(content),
        now_(now),
        content_digest_(Sha256Hex(content.pem)) {
    owner_ = {api::kApiVersion, "TrustBundle", tb.metadata.name,
              tb.metadata.uid};
  }

  // Writes and removes. A namespace that cannot be written is reported
  // (failures) and does not hold up the others; listing errors end the pass.
  Status Run(TargetReport* report) {
    const std::string& uid = tb_.metadata.uid;
    ASSIGN_OR_RETURN(auto maps,
                     ListTargets(d_, kube::ConfigMapsResource(), uid));
    ASSIGN_OR_RETURN(auto secrets,
                     ListTargets(d_, kube::SecretsResource(), uid));
    std::vector<std::string> selected;
    if (tb_.spec.target) selected = SelectedNamespaces(d_, *tb_.spec.target);
    const api::BundleTarget* t = tb_.spec.target ? &*tb_.spec.target : nullptr;
    for (const auto& ns : selected) {
      bool refused = false, ok = true;
      if (t->config_map) {
        const std::string& name = t->config_map->name;
        Status st = WriteMap(ns, Find(maps, ns, name), report, &refused);
        ok = Failed(ns, "ConfigMap", name, st, report) && ok;
      }
      if (t->secret) {
        const std::string& name = t->secret->name;
        Status st = WriteStores(ns, Find(secrets, ns, name), report, &refused);
        ok = Failed(ns, "Secret", name, st, report) && ok;
      }
      if (!refused && ok) report->written_namespaces.push_back(ns);
    }
    std::set<std::string> keep(selected.begin(), selected.end());
    for (const auto& m : maps) {
      bool wanted = keep.count(m.namespace_) && t && t->config_map &&
                    t->config_map->name == m.name;
      if (!wanted)
        Failed(m.namespace_, "ConfigMap", m.name,
               Remove(kube::ConfigMapsResource(), "ConfigMap", m, report),
               report);
    }
    for (const auto& m : secrets) {
      bool wanted = keep.count(m.namespace_) && t && t->secret &&
                    t->secret->name == m.name;
      if (!wanted)
        Failed(m.namespace_, "Secret", m.name,
               Remove(kube::SecretsResource(), "Secret", m, report), report);
    }
    return OkStatus();
  }

 private:
  static const api::ObjectMeta* Find(const std::vector<api::ObjectMeta>& v,
                                     const std::string& ns,
                                     const std::string& name) {
    for (const auto& m : v)
      if (m.namespace_ == ns && m.name == name) return &m;
    return nullptr;
  }

  // True when `st` is OK; else the failure is reported.
  static bool Failed(const std::string& ns, const char* kind,
                     const std::string& name, const Status& st,
                     TargetReport* report) {
    if (st.ok()) return true;
    report->failures.push_back(
        Capped(ns + "/" + kind + "/" + name + ": " + st.message()));
    return false;
  }

  // A refusal of ns/kind/name for `why` (someone else's object).
  void Refuse(const std::string& ns, const char* kind, const std::string& name,
              const std::string& why, TargetReport* report, bool* refused) {
    report->conflicts.push_back(
        Capped(ns + "/" + kind + "/" + name + ": exists and " + why));
    *refused = true;
  }

  // Whether `listed` (the target as listed, our own) is exactly the version
  // this process last found right: then it is not read again.
  bool Unchanged(const api::ObjectMeta* listed, const char* kind) const {
    return listed && d_.bundle_targets &&
           d_.bundle_targets->Verified(MemoKey(*listed, kind),
                                       listed->resource_version);
  }
  // What a target was right for: this bundle, its spec and its content.
  std::string MemoKey(const api::ObjectMeta& m, const char* kind) const {
    return tb_.metadata.uid + "/" + std::to_string(tb_.metadata.generation) +
           "/" + content_digest_ + "/" + kind + "/" + m.namespace_ + "/" +
           m.name;
  }

  Status WriteMap(const std::string& ns, const api::ObjectMeta* listed,
                  TargetReport* report, bool* refused) {
    if (Unchanged(listed, "ConfigMap")) return OkStatus();
    api::ConfigMapObject want = engine::BundleConfigMap(tb_, ns, content_);
    engine::MapObjectSource current;
    RETURN_IF_ERROR(Read(ns, want.metadata.name, /*secret=*/false, &current));
    auto have = current.GetConfigMap(ns, want.metadata.name);
    if (have) {
      std::string why = ForeignOwner(have->metadata, owner_);
      if (!why.empty()) {
        Refuse(ns, "ConfigMap", want.metadata.name, why, report, refused);
        return OkStatus();
      }
    }
    ASSIGN_OR_RETURN(WriteResult r,
                     WriteConfigMap(d_.client, want, owner_, current));
    if (r != WriteResult::kUnchanged)
      report->changed.push_back(ns + "/ConfigMap/" + want.metadata.name);
    else if (have && d_.bundle_targets)
      d_.bundle_targets->Remember(MemoKey(have->metadata, "ConfigMap"),
                                  have->metadata.resource_version);
    return OkStatus();
  }

  Status WriteStores(const std::string& ns, const api::ObjectMeta* listed,
                     TargetReport* report, bool* refused) {
    if (Unchanged(listed, "Secret")) return OkStatus();
    const std::string& name = tb_.spec.target->secret->name;
    engine::MapObjectSource current;
    RETURN_IF_ERROR(Read(ns, name, /*secret=*/true, &current));
    std::optional<api::SecretObject> have = current.GetSecret(ns, name);
    if (have) {
      std::string why = ForeignOwner(*have, owner_);
      if (!why.empty()) {
        Refuse(ns, "Secret", name, why, report, refused);
        return OkStatus();
      }
    }
    const engine::SealKey* seal = d_.seal.load();
    ASSIGN_OR_RETURN(api::SecretObject want,
                     engine::BundleSecret(tb_, ns, content_, have, now_,
                                          seal ? &seal->bytes() : nullptr));
    ASSIGN_OR_RETURN(WriteResult r,
                     WriteSecret(d_.client, want, owner_, &current));
    if (r != WriteResult::kUnchanged)
      report->changed.push_back(ns + "/Secret/" + name);
    else if (have && d_.bundle_targets)
      d_.bundle_targets->Remember(MemoKey(have->metadata, "Secret"),
                                  have->metadata.resource_version);
    return OkStatus();
  }

  // Reads ns/name (a GET) into `out` when it exists.
  Status Read(const std::string& ns, const std::string& name, bool secret,
              engine::MapObjectSource* out) {
    const kube::Resource& r =
        secret ? kube::SecretsResource() : kube::ConfigMapsResource();
    auto got = d_.client.Get(r, ns, name);
    if (!got.ok())
      return got.status().code() == StatusCode::kNotFound ? OkStatus()
                                                          : got.status();
    if (secret) {
      ASSIGN_OR_RETURN(api::SecretObject s, api::ParseSecret(*got));
      out->PutSecret(std::move(s));
    } else {
      ASSIGN_OR_RETURN(api::ConfigMapObject c, api::ParseConfigMap(*got));
      out->PutConfigMap(std::move(c));
    }
    return OkStatus();
  }

  // Deletes a target this bundle owns (UID precondition). A CA Secret is
  // never deleted, whatever its ownerReferences say.
  Status Remove(const kube::Resource& r, const char* kind,
                const api::ObjectMeta& m, TargetReport* report) {
    if (m.annotations.count(engine::kIssuerUidAnnotation)) return OkStatus();
    kube::DeleteOptions opts;
    opts.precondition_uid = m.uid;
    // Exactly the version listed as ours: a changed owner is not deleted.
    opts.precondition_resource_version = m.resource_version;
    Status st = d_.client.Delete(r, m.namespace_, m.name, opts);
    if (!st.ok() && st.code() != StatusCode::kNotFound) return st;
    report->removed.push_back(m.namespace_ + "/" + kind + "/" + m.name);
    return OkStatus();
  }

  const ReconcilerDeps& d_;
  const api::TrustBundle& tb_;
  const engine::BundleContent& content_;
  TimePoint now_;
  std::string content_digest_;  // of the bundle's PEM
  OwnerRef owner_;
};

std::string Joined(const std::vector<std::string>& v, size_t max) {
  std::string out;
  for (size_t i = 0; i < v.size() && i < max; ++i)
    out += (i ? ", " : "") + v[i];
  if (v.size() > max) out += " and " + std::to_string(v.size() - max) + " more";
  return out;
}

std::vector<std::string> FirstOnes(std::vector<std::string> v) {
  if (v.size() > kMaxListed) v.resize(kMaxListed);
  return v;
}

}  // namespace

ReconcileResult ReconcileTrustBundle(const ReconcilerDeps& d,
                                     const std::string& name) {
  kube::ObjectPtr obj = d.trust_bundles->Get("", name);
  if (!obj) return {};  // deleted: the garbage collector takes its targets
  TimePoint now = d.clock.Now();
  auto cached = TrustBundleOf(*obj);
  const api::ObservedStatus& prev = cached->status;
  kube::ObjectReference ref{api::kApiVersion, "TrustBundle", "", name,
                            obj->meta.uid.str()};
  // Writes status unless it already says exactly this.
  auto report = [&](const Condition& c, const engine::BundleContent* content,
                    const TargetReport* targets) -> Status {
    std::vector<api::BundleEntryStatus> entries, dropped;
    if (content) {
      for (const auto& x : content->certificates)
        entries.push_back({pki::SubjectText(x.get()),
                           pki::FingerprintSha256(x.get()),
                           FormatRfc3339(pki::NotAfter(x.get())), ""});
      for (const auto& x : content->dropped)
        dropped.push_back({x.subject, x.fingerprint, "", x.reason});
    }
    std::vector<std::string> nss, conflicts, failures;
    if (targets) {
      nss = FirstOnes(targets->written_namespaces);
      conflicts = FirstOnes(targets->conflicts);
      failures = FirstOnes(targets->failures);
    }
    bool lists = content != nullptr;  // else: keep what status says
    bool same =
        prev.ready && prev.ready->status == c.status &&
        prev.ready->reason == c.reason && prev.ready->message == c.message &&
        prev.observed_generation == obj->meta.generation &&
        (!lists ||
         (prev.bundle_entries == entries && prev.bundle_dropped == dropped &&
          prev.bundle_namespaces == nss && prev.bundle_conflicts == conflicts &&
          prev.bundle_failures == failures));
    if (same) return OkStatus();
    StatusUpdate u;
    u.ready = c;
    if (lists)
      u.extra = [&](json::Writer& w) {
        w.Field("certificates", static_cast<int64_t>(entries.size()));
        if (content->earliest_not_after)
          w.Field("earliestNotAfter",
                  FormatRfc3339(*content->earliest_not_after));
        WriteEntries(w, "entries", entries);
        WriteEntries(w, "dropped", dropped);
        w.Field("namespaceCount",
                static_cast<int64_t>(targets->written_namespaces.size()));
        WriteList(w, "namespaces", nss);
        WriteList(w, "conflicts", conflicts);
        WriteList(w, "failures", failures);
      };
    Status st = PatchStatus(d.client, kube::TrustBundlesResource(), "", name,
                            prev, obj->meta.resource_version.str(),
                            obj->meta.generation, u, now);
    if (!st.ok() && st.code() != StatusCode::kNotFound) return st;
    if (c.status != "True" && !(prev.ready && prev.ready->reason == c.reason &&
                                prev.ready->message == c.message))
      d.events.Post(ref, "Warning", c.reason, c.message);
    return OkStatus();
  };
  auto failed = [&](const std::string& reason, const std::string& message) {
    Status st = report({"False", reason, message}, nullptr, nullptr);
    if (!st.ok()) return ReconcileResult{st, std::nullopt};
    return RetryAfterFailure(prev.ready && prev.ready->reason == reason ? 4
                                                                        : 1);
  };

  if (!cached->bundle.ok())
    return failed(engine::kReasonInvalidSpec,
                  cached->bundle.status().message());
  api::TrustBundle tb = *cached->bundle;
  tb.metadata.name = name;
  tb.metadata.uid = obj->meta.uid.str();
  api::ApplyDefaults(&tb);
  if (Status bad = api::Validate(tb).ToStatus(); !bad.ok())
    return failed(engine::kReasonInvalidSpec, bad.message());

  ApiObjectSource objects(d.client);
  auto content = ResolveTrustBundle(d, tb, objects, now);
  if (!objects.error().ok()) return {objects.error(), std::nullopt};
  if (!content.ok())
    return failed(
        engine::kReasonSourceUnavailable,
        content.status().message() + " (targets are left as they are)");

  TargetReport targets;
  Status run = BundleTargets(d, tb, *content, now).Run(&targets);
  if (!targets.changed.empty())
    d.events.Post(ref, "Normal", engine::kEventTargetWritten,
                  "wrote " + Joined(targets.changed, 10));
  if (!targets.removed.empty())
    d.events.Post(ref, "Normal", engine::kEventTargetRemoved,
                  "removed " + Joined(targets.removed, 10));
  if (!run.ok()) return {run, std::nullopt};

  Condition ready{
      "True", engine::kReasonReady,
      std::to_string(content->certificates.size()) + " certificates in " +
          std::to_string(targets.written_namespaces.size()) + " namespaces"};
  if (!content->dropped.empty())
    ready.message += "; " + std::to_string(content->dropped.size()) +
                     " dropped by spec.filter";
  if (!targets.conflicts.empty())
    ready = {"False", engine::kReasonTargetConflict,
             std::to_string(targets.conflicts.size()) +
                 " targets refused (objects this TrustBundle does not own): " +
                 Joined(targets.conflicts, 3)};
  if (!targets.failures.empty())
    ready = {"False", engine::kReasonTargetWriteFailed,
             std::to_string(targets.failures.size()) +
                 " targets could not be written (retried): " +
                 Joined(targets.failures, 3)};
  Status st = report(ready, &*content, &targets);
  if (!st.ok()) return {st, std::nullopt};
  // Look again before an entry expires (filter, status) and hourly: a
  // conflict resolved by a deletion is seen through the watch at once.
  ReconcileResult r;
  auto next = std::chrono::seconds(3600);
  if (content->earliest_not_after && *content->earliest_not_after > now) {
    auto until = std::chrono::duration_cast<std::chrono::seconds>(
        *content->earliest_not_after - now);
    next = std::clamp(until + std::chrono::seconds(1), std::chrono::seconds(30),
                      next);
  }
  // A namespace that could not be written is tried again soon; the others
  // are done.
  if (!targets.failures.empty()) next = std::chrono::seconds(30);
  r.requeue_after = next;
  return r;
}

}  // namespace certstore::controller
