#include "operator/controller/inventory.h"

#include "operator/api/parse.h"
#include "operator/common/time_format.h"
#include "operator/pki/certificate.h"
#include "operator/pki/store.h"

namespace certstore::controller {
namespace {

std::optional<double> UnixSeconds(const std::string& rfc3339) {
  if (rfc3339.empty()) return std::nullopt;
  auto t = ParseRfc3339(rfc3339);
  if (!t.ok()) return std::nullopt;
  return std::chrono::duration<double>(t->time_since_epoch()).count();
}

std::string Key(const kube::ObjectPtr& o) {
  return kube::ObjectKey(o->meta.ns, o->meta.name);
}

}  // namespace

void Inventory::OnCertStore(const kube::ObjectPtr& old_obj,
                            const kube::ObjectPtr& new_obj) {
  if (!new_obj) {
    std::lock_guard<std::mutex> l(mu_);
    certstores_.erase(Key(old_obj));
    return;
  }
  CertStoreFacts f;
  f.ns = new_obj->meta.ns;
  f.name = new_obj->meta.name;
  auto cs = api::ParseCertStore(new_obj->json);
  if (cs.ok()) {
    f.secret = cs->spec.secret_name;
    f.issuer_kind = api::IssuerKindName(cs->spec.issuer_ref.kind);
    f.issuer_name = cs->spec.issuer_ref.name;
    if (cs->spec.truststore)
      f.truststore_secret = cs->spec.truststore->secret_name.empty()
                                ? cs->spec.secret_name
                                : cs->spec.truststore->secret_name;
  }
  api::ObservedStatus st = api::ParseObservedStatus(new_obj->json);
  if (st.ready) f.ready = st.ready->status;
  f.not_before = UnixSeconds(st.not_before);
  f.not_after = UnixSeconds(st.not_after);
  f.renewal = UnixSeconds(st.renewal_time);
  std::lock_guard<std::mutex> l(mu_);
  certstores_[Key(new_obj)] = std::move(f);
}

void Inventory::OnIssuer(bool cluster, const kube::ObjectPtr& old_obj,
                         const kube::ObjectPtr& new_obj) {
  const kube::ObjectPtr& o = new_obj ? new_obj : old_obj;
  std::string kind = cluster ? "ClusterCertIssuer" : "CertIssuer";
  std::string key = kind + "/" + o->meta.ns + "/" + o->meta.name;
  if (!new_obj) {
    std::lock_guard<std::mutex> l(mu_);
    issuers_.erase(key);
    return;
  }
  IssuerFacts f{kind, o->meta.ns, o->meta.name, "Unknown", std::nullopt};
  api::ObservedStatus st = api::ParseObservedStatus(o->json);
  if (st.ready) f.ready = st.ready->status;
  f.ca_not_after = UnixSeconds(st.not_after);
  std::lock_guard<std::mutex> l(mu_);
  issuers_[key] = std::move(f);
}

void Inventory::OnManagedSecret(const kube::ObjectPtr& old_obj,
                                const kube::ObjectPtr& new_obj) {
  const kube::ObjectPtr& o = new_obj ? new_obj : old_obj;
  std::string key = Key(o);
  auto owner = o->meta.annotations.find("certstore.dev/certstore");
  std::vector<TrustEntryFacts> entries;
  if (new_obj && owner != o->meta.annotations.end()) {
    auto secret = api::ParseSecret(new_obj->json);
    if (secret.ok()) {
      auto bundle = secret->data.find("ca.crt");
      if (bundle != secret->data.end()) {
        auto certs = pki::ParseCertificatesPem(bundle->second);
        if (certs.ok())
          for (const auto& c : *certs)
            entries.push_back({pki::TrustedCertAlias(c.get()),
                               pki::CommonName(c.get()),
                               std::chrono::duration<double>(
                                   pki::NotAfter(c.get()).time_since_epoch())
                                   .count()});
      }
    }
  }
  std::lock_guard<std::mutex> l(mu_);
  if (!new_obj || owner == o->meta.annotations.end()) {
    bundles_.erase(key);
    return;
  }
  bundles_[key] = {owner->second, std::move(entries)};
}

std::vector<CertStoreFacts> Inventory::CertStores() const {
  std::lock_guard<std::mutex> l(mu_);
  std::vector<CertStoreFacts> out;
  out.reserve(certstores_.size());
  for (const auto& [k, f] : certstores_) out.push_back(f);
  return out;
}

std::vector<IssuerFacts> Inventory::Issuers() const {
  std::lock_guard<std::mutex> l(mu_);
  std::vector<IssuerFacts> out;
  for (const auto& [k, f] : issuers_) out.push_back(f);
  return out;
}

std::vector<TruststoreFacts> Inventory::Truststores() const {
  std::lock_guard<std::mutex> l(mu_);
  std::vector<TruststoreFacts> out;
  for (const auto& [k, cs] : certstores_) {
    if (cs.truststore_secret.empty()) continue;
    auto b = bundles_.find(kube::ObjectKey(cs.ns, cs.truststore_secret));
    if (b == bundles_.end() || b->second.first != cs.name) continue;
    out.push_back({cs.ns, cs.name, cs.truststore_secret, b->second.second});
  }
  return out;
}

}  // namespace certstore::controller
