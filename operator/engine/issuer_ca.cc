#include "operator/engine/issuer_ca.h"

#include "operator/engine/conversions.h"
#include "operator/engine/renewal.h"
#include "operator/engine/verified_stores.h"
#include "operator/pki/certificate.h"
#include "operator/pki/intermediate.h"
#include "operator/pki/key.h"

namespace certstore::engine {
namespace {

std::string Where(const std::string& ns, const std::string& name) {
  return "Secret " + ns + "/" + name;
}

StatusOr<pki::CaMaterial> LoadFromSecret(const api::SecretObject& s,
                                         const Clock& clock,
                                         CaMaterialCache* cache) {
  std::string where = Where(s.metadata.namespace_, s.metadata.name);
  std::string key_name = s.metadata.namespace_ + "/" + s.metadata.name;
  std::string digest = cache ? DataDigest(s.data) : std::string();
  if (cache) {
    if (auto hit = cache->Find(key_name, digest)) {
      Status valid = pki::CheckCaValidAt(hit->cert.get(), clock.Now());
      if (!valid.ok()) return valid.WithContext(where);
      return pki::ShareCa(*hit);
    }
  }
  auto crt = s.data.find(api::kTlsCrtKey);
  auto key = s.data.find(api::kTlsKeyKey);
  if (crt == s.data.end() || key == s.data.end())
    return NotFoundError(where + " must hold tls.crt and tls.key");
  auto ca = pki::LoadCa(crt->second, SecretBytes(key->second), clock);
  if (!ca.ok()) return ca.status().WithContext(where);
  if (cache)
    cache->Remember(key_name, digest,
                    std::make_shared<const pki::CaMaterial>(pki::ShareCa(*ca)));
  return ca;
}

struct NewRoot {
  pki::CaMaterial ca;
  api::SecretObject secret;
};

const api::CaCertificateSpec& OwnCa(const api::Issuer& issuer) {
  if (issuer.spec.self_signed) return *issuer.spec.self_signed;
  return *issuer.spec.intermediate;
}

// A new key and CA for a selfSigned (a root) or intermediate (signed by
// options.parent with options.grant) issuer, in the Secret that holds it
// (tls.crt: the CA and its chain; tls.key; ca.crt: the root; labelled,
// annotated with the issuer).
StatusOr<NewRoot> MakeRoot(const api::Issuer& issuer,
                           const std::string& ca_namespace, const Clock& clock,
                           const CaResolveOptions& options = {}) {
  const api::CaCertificateSpec& ss = OwnCa(issuer);
  NewRoot out;
  ASSIGN_OR_RETURN(pki::KeySpec key_spec, ToKeySpec(ss.private_key));
  ASSIGN_OR_RETURN(pki::RootSpec root_spec, ToRootSpec(ss));
  ASSIGN_OR_RETURN(pki::EvpPkeyPtr key, pki::GenerateKey(key_spec));
  if (options.authorize_key) RETURN_IF_ERROR(options.authorize_key(key.get()));
  if (issuer.spec.intermediate) {
    if (options.parent == nullptr || options.grant == nullptr)
      return FailedPreconditionError("the parent CA is not resolved");
    pki::IntermediateSpec im;
    im.subject = root_spec.subject;
    im.duration = root_spec.duration;
    im.path_len = EffectivePathLen(*options.grant, options.parent->cert.get());
    im.name_constraints = options.grant->name_constraints;
    ASSIGN_OR_RETURN(out.ca, pki::IssueIntermediateCa(*options.parent, im,
                                                      key.get(), clock));
  } else {
    ASSIGN_OR_RETURN(out.ca,
                     pki::CreateSelfSignedCa(root_spec, key.get(), clock));
  }
  ASSIGN_OR_RETURN(SecretBytes key_pem, pki::EncodePrivateKeyPem(key.get()));
  api::SecretObject& s = out.secret;
  s.metadata.name = ss.secret_name;
  s.metadata.namespace_ = ca_namespace;
  s.metadata.labels[api::kManagedByLabel] = api::kManagedByValue;
  s.metadata.annotations[kIssuerAnnotation] =
      std::string(api::IssuerKindName(issuer.kind)) + "/" +
      issuer.metadata.name;
  if (!issuer.metadata.uid.empty())
    s.metadata.annotations[kIssuerUidAnnotation] = issuer.metadata.uid;
  s.type = "kubernetes.io/tls";
  std::vector<X509*> chain{out.ca.cert.get()};
  for (const auto& c : out.ca.chain) chain.push_back(c.get());
  s.data[api::kTlsCrtKey] = pki::EncodeCertificatesPem(chain);
  s.data[api::kTlsKeyKey] = key_pem.reveal();
  s.data[api::kCaCrtKey] = pki::EncodeCertificatePem(out.ca.Root());
  return out;
}

// Why the intermediate in `ca` must be re-issued now ("" when it is what
// options.parent and options.grant say).
struct Staleness {
  std::string why;
};
Staleness IntermediateStale(const pki::CaMaterial& ca,
                            const CaResolveOptions& options) {
  if (options.parent == nullptr || options.grant == nullptr) return {};
  X509* cert = ca.cert.get();
  if (!pki::SignedBy(cert, options.parent->cert.get()))
    return {"its parent's CA changed"};
  std::string want_nc;
  if (options.grant->name_constraints) {
    auto der = pki::EncodeNameConstraints(*options.grant->name_constraints);
    if (!der.ok())
      return {"its name constraints cannot be encoded: " +
              der.status().message()};
    want_nc = *der;
  }
  std::optional<int> path_len =
      EffectivePathLen(*options.grant, options.parent->cert.get());
  if (pki::PathLenConstraint(cert) != path_len.value_or(-1) ||
      pki::NameConstraintsDer(cert) != want_nc)
    return {"its parent's policy changed (path length or name constraints)"};
  if (options.grant->max_duration &&
      pki::NotAfter(cert) - pki::NotBefore(cert) >
          *options.grant->max_duration + pki::kClockSkewAllowance)
    return {"its lifetime exceeds its parent's spec.policy.maxDuration"};
  if (options.authorize_key) {
    Status key = options.authorize_key(ca.key.get());
    if (!key.ok())
      return {"its key no longer passes its parent's policy: " + key.message()};
  }
  return {};
}

// Whether the root in `secret` is due for renewal and may be renewed; sets
// out->renewal_time and, when due but not allowed, out->renewal_blocked.
bool RenewalDue(const api::Issuer& issuer, const api::SecretObject& secret,
                const CaResolveOptions& options, TimePoint now, IssuerCa* out,
                const std::string& stale = "") {
  auto crt = secret.data.find(api::kTlsCrtKey);
  if (crt == secret.data.end()) return false;
  auto certs = pki::ParseCertificatesPem(crt->second);
  if (!certs.ok() || certs->empty()) return false;
  X509* root = certs->front().get();
  out->renewal_time = CaRenewalTime(root, OwnCa(issuer));
  if (now < *out->renewal_time && stale.empty()) return false;
  // The status must record this very root first: a renewal never follows
  // another before its rotation has begun.
  if (pki::FingerprintSha256(root) != options.recorded_fingerprint)
    return false;
  std::string where = Where(secret.metadata.namespace_, secret.metadata.name);
  auto uid = secret.metadata.annotations.find(kIssuerUidAnnotation);
  if (issuer.metadata.uid.empty() || uid == secret.metadata.annotations.end() ||
      uid->second != issuer.metadata.uid) {
    out->renewal_blocked =
        where + " does not carry this issuer's UID in annotation " +
        kIssuerUidAnnotation +
        ", so its root is not replaced: annotate it with " +
        kIssuerUidAnnotation + "=" + issuer.metadata.uid +
        " to let the issuer renew it, or replace the root yourself (a "
        "changed CA Secret starts a CA rotation)";
    return false;
  }
  if (secret.immutable) {
    out->renewal_blocked =
        where +
        " is immutable, so its root cannot be replaced; make it "
        "mutable (recreate it without immutable: true)";
    return false;
  }
  return true;
}

}  // namespace

TimePoint CaRenewalTime(X509* root, const api::CaCertificateSpec& spec) {
  return RenewalTime(pki::NotBefore(root), pki::NotAfter(root),
                     spec.renew_before, std::nullopt);
}

std::shared_ptr<const pki::CaMaterial> CaMaterialCache::Find(
    const std::string& key, const std::string& digest) const {
  std::lock_guard<std::mutex> l(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end() || it->second.first != digest) return nullptr;
  return it->second.second;
}

void CaMaterialCache::Remember(const std::string& key,
                               const std::string& digest,
                               std::shared_ptr<const pki::CaMaterial> ca) {
  std::lock_guard<std::mutex> l(mu_);
  if (entries_.size() >= capacity_ && !entries_.count(key)) entries_.clear();
  entries_[key] = {digest, std::move(ca)};
}

StatusOr<IssuerCa> ResolveIssuerCa(const api::Issuer& issuer,
                                   const std::string& ca_namespace,
                                   const ObjectSource& objects,
                                   const Clock& clock,
                                   const CaResolveOptions& options,
                                   bool* ca_secret_missing) {
  IssuerCa out;
  auto missing_recorded = [&](const std::string& name) {
    if (ca_secret_missing) *ca_secret_missing = true;
    return Where(ca_namespace, name) +
           " holding the issuer's root CA (SHA-256 " +
           options.recorded_fingerprint.substr(0, 16) +
           "...) is gone. Restore it from a backup to resume with the same "
           "root";
  };
  if (issuer.spec.ca) {
    const std::string& name = issuer.spec.ca->secret_name;
    auto secret = objects.GetSecret(ca_namespace, name);
    if (!secret && !options.recorded_fingerprint.empty())
      return NotFoundError(missing_recorded(name) +
                           ", or point spec.ca.secretName at the new CA");
    if (!secret) return NotFoundError(Where(ca_namespace, name) + " not found");
    ASSIGN_OR_RETURN(out.ca, LoadFromSecret(*secret, clock, options.cache));
    return out;
  }
  if (!issuer.spec.self_signed && !issuer.spec.intermediate)
    return InvalidArgumentError(
        "issuer has none of ca, selfSigned or intermediate");
  const api::CaCertificateSpec& ss = OwnCa(issuer);
  const bool intermediate = issuer.spec.intermediate.has_value();
  auto secret = objects.GetSecret(ca_namespace, ss.secret_name);
  if (secret) {
    Staleness stale;
    bool recorded = false;  // the certificate is the one the status records
    bool at_parent_end = false;  // cut off at its parent's notAfter
    if (intermediate) {
      auto current = LoadFromSecret(*secret, clock, options.cache);
      if (current.ok()) {
        stale = IntermediateStale(*current, options);
        recorded = pki::FingerprintSha256(current->cert.get()) ==
                   options.recorded_fingerprint;
        at_parent_end = options.parent != nullptr &&
                        pki::NotAfter(current->cert.get()) >=
                            pki::NotAfter(options.parent->cert.get());
      }
    }
    // Its notAfter is its parent's: a new one would be no longer-lived (and
    // due again at once). The parent's renewal re-issues it.
    if (at_parent_end && stale.why.empty()) {
      auto ca = LoadFromSecret(*secret, clock, options.cache);
      if (ca.ok()) {
        out.ca = std::move(ca).value();
        out.renewal_time = CaRenewalTime(out.ca.cert.get(), ss);
        return out;
      }
    }
    // While a rotation runs nothing is re-issued, but a CA its parent did
    // not sign and the status does not record is never taken up.
    if (!stale.why.empty() && !options.allow_renew && !recorded)
      return PermissionDeniedError(
          Where(ca_namespace, ss.secret_name) +
          " holds a CA its parent did not sign and this issuer did not make");
    if (options.allow_renew &&
        RenewalDue(issuer, *secret, options, clock.Now(), &out, stale.why)) {
      ASSIGN_OR_RETURN(NewRoot root,
                       MakeRoot(issuer, ca_namespace, clock, options));
      auto old = pki::ParseCertificatesPem(secret->data.at(api::kTlsCrtKey));
      RenewedRoot renewed;
      renewed.old_fingerprint = options.recorded_fingerprint;
      renewed.old_not_after = pki::NotAfter(old->front().get());
      renewed.why = stale.why.empty() ? "its renewal time came" : stale.why;
      // Only what changes, at the version read: the new CA and key, and in
      // ca.crt the previous root too (when it changed) while the rotation
      // runs (readers of ca.crt, e.g. a TrustBundle's secret source, keep
      // trusting certificates it signed; the issuer trims it when the
      // rotation ends).
      api::SecretObject& change = renewed.secret;
      change.metadata.namespace_ = secret->metadata.namespace_;
      change.metadata.name = secret->metadata.name;
      change.metadata.resource_version = secret->metadata.resource_version;
      change.metadata.labels = root.secret.metadata.labels;
      change.metadata.annotations = root.secret.metadata.annotations;
      change.data[api::kTlsCrtKey] = root.secret.data[api::kTlsCrtKey];
      change.data[api::kTlsKeyKey] =
          std::move(root.secret.data[api::kTlsKeyKey]);
      std::string old_root = pki::EncodeCertificatePem(old->back().get());
      change.data[api::kCaCrtKey] = root.secret.data[api::kCaCrtKey];
      if (old_root != change.data[api::kCaCrtKey])
        change.data[api::kCaCrtKey] += old_root;
      out.ca = std::move(root.ca);
      out.renewal_time = CaRenewalTime(out.ca.cert.get(), ss);
      out.renewed = std::move(renewed);
      return out;
    }
    // An intermediate its parent does not vouch for (now) is never used:
    // replaced above when it may be, refused otherwise. While a CA rotation
    // runs nothing is re-issued, and the intermediate keeps serving until
    // the rotation ends (refusing it would stop the rotation that must end
    // first): a policy change takes effect after it.
    if (!stale.why.empty() && options.allow_renew)
      return PermissionDeniedError(
          "the intermediate CA must be re-issued (" + stale.why + ") but " +
          (!out.renewal_blocked.empty()
               ? out.renewal_blocked
               : Where(ca_namespace, ss.secret_name) +
                     " holds a CA this issuer's status does not record (not "
                     "one it made): delete that Secret, or choose another "
                     "secretName"));
    auto ca = LoadFromSecret(*secret, clock, options.cache);
    if (!ca.ok())
      return FailedPreconditionError(
          ca.status().message() +
          (out.renewal_blocked.empty()
               ? std::string(" (the issuer will not overwrite it; delete the "
                             "Secret to create a new CA)")
               : "; " + out.renewal_blocked));
    out.ca = std::move(ca).value();
    out.renewal_time = CaRenewalTime(out.ca.cert.get(), ss);
    return out;
  }
  if (!options.recorded_fingerprint.empty() && !options.accept_new_root)
    return FailedPreconditionError(missing_recorded(ss.secret_name) +
                                   ". No new root is created by itself: every "
                                   "truststore and certificate from the old "
                                   "root would stop working together. To start "
                                   "over with a new root (and a CA rotation), "
                                   "annotate the issuer with " +
                                   std::string(kAcceptNewRootAnnotation) + "=" +
                                   options.recorded_fingerprint);
  if (!options.allow_create)
    return NotFoundError(
        Where(ca_namespace, ss.secret_name) + " not found yet: waiting for " +
        api::IssuerKindName(issuer.kind) + " " + issuer.metadata.name +
        " to create its " + (intermediate ? "intermediate CA" : "root CA"));
  ASSIGN_OR_RETURN(NewRoot root,
                   MakeRoot(issuer, ca_namespace, clock, options));
  out.ca = std::move(root.ca);
  out.renewal_time = CaRenewalTime(out.ca.cert.get(), ss);
  out.created_secret = std::move(root.secret);
  return out;
}

}  // namespace certstore::engine
