#include "operator/engine/render.h"

#include <map>
#include <set>

#include "operator/api/hash.h"
#include "operator/common/duration.h"
#include "operator/common/time_format.h"
#include "operator/engine/conversions.h"
#include "operator/engine/export.h"
#include "operator/engine/reasons.h"
#include "operator/engine/reencode_policy.h"
#include "operator/engine/renewal.h"
#include "operator/engine/renewal_window.h"
#include "operator/engine/sealed_render.h"
#include "operator/engine/secret_layout.h"
#include "operator/engine/store_files.h"
#include "operator/engine/store_password.h"
#include "operator/engine/stored_certificate.h"
#include "operator/engine/trust_sources.h"
#include "operator/pki/certificate.h"
#include "operator/pki/certificate_spec.h"
#include "operator/pki/issuer.h"
#include "operator/pki/key.h"

namespace certstore::engine {
namespace {

// What one render works from: the CertStore, its CA, what is stored now.
struct RenderInput {
  RenderInput(const api::CertStore& cs, const pki::CaMaterial& ca,
              const ObjectSource& objects, const Clock& clock,
              const RenderOptions& options)
      : cs(cs),
        ca(ca),
        objects(objects),
        clock(clock),
        options(options),
        now(clock.Now()) {}
  const api::CertStore& cs;
  const pki::CaMaterial& ca;
  const ObjectSource& objects;
  const Clock& clock;
  const RenderOptions& options;
  TimePoint now;
  std::optional<api::SecretObject> current;        // spec.secretName
  std::optional<api::SecretObject> current_trust;  // truststore.secretName
  SecretBytes password;
  // The separate truststore Secret's own password (ResolveTruststorePassword).
  SecretBytes trust_password;
  pki::Pkcs12Profile profile = pki::Pkcs12Profile::kModern2023;
  std::string render_hash;  // api::RenderHash(cs)

  const SecretBytes& PasswordOf(bool is_main) const {
    return is_main ? password : trust_password;
  }
};

// The user's own keys of `stored` (not IsOperatorKey) into `data`: we own
// exactly our keys, and a re-encode keeps the rest.
void KeepUserKeys(const std::optional<api::SecretObject>& stored,
                  std::map<std::string, std::string>* data) {
  if (!stored) return;
  for (const auto& [k, v] : stored->data)
    if (!IsOperatorKey(k)) (*data)[k] = v;
}

int64_t StoredRevision(const std::optional<api::SecretObject>& s) {
  if (!s) return 0;
  auto it = s->metadata.annotations.find(kRevisionAnnotation);
  if (it == s->metadata.annotations.end()) return 0;
  return std::strtoll(it->second.c_str(), nullptr, 10);
}

Status Denied(const PolicyVerdict& v) {
  return PermissionDeniedError(std::string(kReasonPolicyDenied) + ": " +
                               v.message);
}

// The key to certify: the stored one when rotationPolicy is Never and it
// still matches the spec and the policy; otherwise a new one. A stored key
// the policy refuses is replaced; any other refusal stops here.
StatusOr<pki::EvpPkeyPtr> KeyToCertify(const RenderInput& in,
                                       CurrentCertificate* cur) {
  const api::KeystoreSpec& ks = *in.cs.spec.keystore;
  ASSIGN_OR_RETURN(pki::KeySpec key_spec, ToKeySpec(ks.private_key));
  bool keep = cur && ks.private_key.rotation_policy == "Never" &&
              pki::KeyMatchesCertificate(cur->key.get(), cur->cert.get());
  if (keep) {
    auto have = pki::DescribeKey(cur->key.get());
    keep = have.ok() && *have == key_spec;
  }
  if (keep && in.options.authorize) {
    PolicyVerdict v = in.options.authorize(cur->key.get());
    if (!v.allowed && v.field != "privateKey") return Denied(v);
    keep = v.allowed;
  }
  if (keep) return std::move(cur->key);
  return pki::GenerateKey(key_spec);
}

// A new certificate into `desired` (leaf, key; the chain comes from the CA).
Status IssueCertificate(const RenderInput& in, CurrentCertificate* cur,
                        DesiredStores* desired, RenderResult* result) {
  ASSIGN_OR_RETURN(pki::LeafSpec leaf_spec, ToLeafSpec(*in.cs.spec.keystore));
  ASSIGN_OR_RETURN(pki::EvpPkeyPtr key, KeyToCertify(in, cur));
  if (in.options.authorize) {
    PolicyVerdict v = in.options.authorize(key.get());
    if (!v.allowed) return Denied(v);
  }
  ASSIGN_OR_RETURN(pki::IssuedCertificate issued,
                   pki::IssueLeaf(in.ca, leaf_spec, key.get(), in.clock));
  result->summary.warning = issued.warning;
  desired->key = std::move(key);
  desired->leaf = std::move(issued.cert);
  return OkStatus();
}

// The stored certificate kept in `desired`. During a CA rotation it may
// still come from a previous root (`held`), and a frozen (PolicyDenied) one
// from any root: then it keeps the chain it was stored with. Returns whether
// the stored chain was kept; sets *root_unknown when a frozen certificate
// from another root was stored without its chain.
bool KeepCertificate(const RenderInput& in, CurrentCertificate* cur,
                     const std::vector<X509*>& held, DesiredStores* desired,
                     RenderResult* result, bool* root_unknown) {
  X509* old_root = nullptr;
  if (!held.empty() && SigningRoot(*cur, {in.ca.cert.get()}) == nullptr)
    old_root = SigningRoot(*cur, held);
  bool frozen_elsewhere = in.options.freeze_keystore && !old_root &&
                          SigningRoot(*cur, {in.ca.Root()}) == nullptr;
  *root_unknown = frozen_elsewhere && cur->chain.empty();
  frozen_elsewhere = frozen_elsewhere && !*root_unknown;
  desired->key = std::move(cur->key);
  desired->leaf = std::move(cur->cert);
  if (old_root) {
    for (auto& c : cur->chain)
      if (!pki::SameCertificate(c.get(), old_root))
        desired->chain.push_back(std::move(c));
    desired->root = pki::ShareCert(old_root);
    result->summary.held_for_rotation = true;
    return true;
  }
  if (frozen_elsewhere) {
    for (auto& c : cur->chain) desired->chain.push_back(std::move(c));
    desired->root = std::move(desired->chain.back());
    desired->chain.pop_back();
    return true;
  }
  return false;
}

// Step 1, the certificate: keep or issue (issuance_policy.h decides).
// Sets *nothing_to_keep when the keystore is frozen and none is stored.
Status DecideCertificate(const RenderInput& in, DesiredStores* desired,
                         RenderResult* result, int64_t* revision,
                         bool* nothing_to_keep) {
  std::optional<CurrentCertificate> cur;
  if (in.current)
    cur = ReadStoredCertificate(*in.current, in.password, in.objects,
                                in.options.verified);
  std::vector<X509*> held;
  if (in.options.hold_previous) held = in.options.previous_roots;
  result->decision =
      DecideIssuance(cur ? &*cur : nullptr, in.current.has_value(), in.cs,
                     in.ca, in.now, held);
  if (result->decision.issue && result->decision.reason == kReasonRequested &&
      cur) {
    TimePoint next = pki::NotBefore(cur->cert.get()) +
                     pki::kClockSkewAllowance +
                     in.options.renew_request_interval;
    if (in.now < next) {
      result->decision = {
          false, kReasonUpToDate,
          "renewal requested; at most one requested renewal "
          "per " +
              FormatGoDuration(in.options.renew_request_interval) +
              ": issues at " + FormatRfc3339(next)};
      result->decision.recheck_at = next;
    }
  }
  bool request_pending = cur && !RenewRequest(in.cs).empty() &&
                         RenewRequest(in.cs) != cur->renew_request;
  if (result->decision.issue && result->decision.reason == kReasonRenewal &&
      cur && in.cs.spec.renewal && !request_pending) {
    // A due renewal waits for a maintenance window unless it is urgent (or
    // someone asked for a renewal: kubectl certstore renew never waits).
    X509* c = cur->cert.get();
    TimePoint not_after = pki::NotAfter(c);
    std::string fingerprint = pki::FingerprintSha256(c);
    RenewalGate gate =
        GateRenewal(&*in.cs.spec.renewal,
                    JitteredRenewalTime(pki::NotBefore(c), not_after,
                                        *in.cs.spec.keystore, fingerprint),
                    not_after, in.now, fingerprint);
    if (gate.wait) {
      result->decision = {false, kReasonWaitingForWindow, gate.message};
      result->decision.recheck_at = gate.until;
    } else if (!gate.message.empty()) {
      result->decision.message += "; " + gate.message;
    }
  }
  if (in.options.freeze_keystore) {
    result->decision = {false, kReasonPolicyDenied,
                        "the issuer's policy refuses the spec; the stored "
                        "certificate is kept"};
    // Nothing certified to keep: no main Secret is written. Otherwise
    // whatever it chains to is what it keeps.
    if (!cur) *nothing_to_keep = true;
    held = in.options.previous_roots;
  }
  // A new certificate answers the pending request, whatever its reason; a
  // kept one (or a new one without a request pending) still answers what the
  // stored one answered, so re-applying an old value never issues again.
  std::string pending = RenewRequest(in.cs);
  std::string answered = cur ? cur->renew_request : "";
  result->summary.renew_request =
      result->decision.issue && !pending.empty() ? pending : answered;
  if (result->decision.issue) {
    RETURN_IF_ERROR(
        IssueCertificate(in, cur ? &*cur : nullptr, desired, result));
    ++*revision;
  }
  std::string problem = RenewRequestProblem(in.cs);
  if (!problem.empty())
    result->summary.warning +=
        (result->summary.warning.empty() ? "" : "; ") + problem;
  bool kept_chain = false, root_unknown = false;
  if (!result->decision.issue && cur)
    kept_chain =
        KeepCertificate(in, &*cur, held, desired, result, &root_unknown);
  if (!kept_chain) {
    for (X509* c : in.ca.Intermediates())
      desired->chain.push_back(pki::ShareCert(c));
    desired->root = pki::ShareCert(in.ca.Root());
  }
  if (!root_unknown)
    result->summary.issuer_ca_fingerprint =
        pki::FingerprintSha256(desired->root.get());
  return OkStatus();
}

// Step 2, the trust bundle.
Status ResolveTrust(const RenderInput& in, DesiredStores* desired,
                    RenderResult* result) {
  const RenderOptions& o = in.options;
  ASSIGN_OR_RETURN(
      desired->trust,
      ResolveTrustSources(in.cs, in.ca.Root(), in.objects,
                          o.system_bundle_path.empty() ? kDefaultSystemBundle
                                                       : o.system_bundle_path,
                          o.previous_roots, o.trust_bundles));
  result->summary.truststore_issuer_cas =
      TruststoreIssuerCas(in.cs, in.ca.Root(), o.previous_roots);
  if (desired->trust.empty())
    return InvalidArgumentError(
        "spec.truststore.sources: no certificates found");
  return OkStatus();
}

ReencodeInput ReencodeFor(const RenderInput& in,
                          const std::optional<api::SecretObject>& stored,
                          const DesiredStores& desired, bool is_main) {
  ReencodeInput r;
  r.stored = stored ? &*stored : nullptr;
  r.keys = is_main ? &desired.main_keys : &desired.trust_keys;
  r.desired = &desired;
  r.password = &in.PasswordOf(is_main);
  r.profile = in.profile;
  r.is_main = is_main;
  r.render_hash = in.render_hash;
  r.verified = in.options.verified;
  return r;
}

// Step 3 (PolicyDenied): the stored Secret with its keystore files as they
// are; the truststore files it carries are re-encoded only when their
// sources changed (e.g. a CA rotation added a root).
StatusOr<api::SecretObject> FrozenMainSecret(const RenderInput& in,
                                             const DesiredStores& desired,
                                             RenderResult* result) {
  const api::SecretObject& current = *in.current;
  api::SecretObject main = NewManagedSecret(in.cs, current.metadata.name);
  main.type = current.type;  // migrated once the CertStore is allowed again
  main.data = current.data;
  for (const auto& [k, v] : current.metadata.annotations)
    main.metadata.annotations[k] = v;
  main.metadata.annotations[kCertStoreAnnotation] = in.cs.metadata.name;
  if (HasSeparateTruststore(in.cs) || !in.cs.spec.truststore) return main;
  std::map<std::string, std::string> trust_now;
  std::set<std::string> trust_keys;
  for (const char* k :
       {api::kTruststoreP12Key, api::kTruststoreJksKey, api::kCaCrtKey}) {
    if (!desired.main_keys.count(k)) continue;
    trust_keys.insert(k);
    auto it = current.data.find(k);
    if (it != current.data.end()) trust_now[k] = it->second;
  }
  std::string why = CheckStores(trust_now, trust_keys, desired, in.password,
                                /*is_main=*/true);
  if (why.empty()) return main;
  ASSIGN_OR_RETURN(auto fresh, EncodeStores(desired, trust_keys, in.password,
                                            in.profile, in.now,
                                            /*is_main=*/true));
  for (auto& [k, v] : fresh) main.data[k] = std::move(v);
  result->reencoded = true;
  result->reencode_reason = "truststore: " + why;
  return main;
}

// Step 3: one Secret's data, kept byte for byte or encoded afresh
// (reencode_policy.h).
Status FillSecret(const RenderInput& in,
                  const std::optional<api::SecretObject>& stored,
                  const DesiredStores& desired, bool is_main,
                  api::SecretObject* out, RenderResult* result) {
  ReencodeInput r = ReencodeFor(in, stored, desired, is_main);
  r.new_certificate = is_main && result->decision.issue;
  std::string why = ReencodeReason(r);
  if (why.empty()) {
    out->data = stored->data;
    return OkStatus();
  }
  ASSIGN_OR_RETURN(out->data,
                   EncodeStores(desired, *r.keys, in.PasswordOf(is_main),
                                in.profile, in.now, is_main));
  KeepUserKeys(stored, &out->data);
  result->reencoded = true;
  if (result->reencode_reason.empty()) result->reencode_reason = why;
  return OkStatus();
}

StatusOr<api::SecretObject> MainSecret(const RenderInput& in,
                                       const DesiredStores& desired,
                                       int64_t revision, RenderResult* result) {
  api::SecretObject main =
      MainSecretShell(in.cs, revision, result->summary.renew_request);
  RETURN_IF_ERROR(
      FillSecret(in, in.current, desired, /*is_main=*/true, &main, result));
  return main;
}

StatusOr<api::SecretObject> TrustSecret(const RenderInput& in,
                                        const DesiredStores& desired,
                                        RenderResult* result) {
  api::SecretObject trust = TrustSecretShell(in.cs);
  RETURN_IF_ERROR(FillSecret(in, in.current_trust, desired,
                             /*is_main=*/false, &trust, result));
  return trust;
}

// Step 4: what to remember for each Secret once it is written.
void RememberRendered(const RenderInput& in, const DesiredStores& desired,
                      RenderResult* result) {
  const api::CertStoreSpec& spec = in.cs.spec;
  bool separate_trust = HasSeparateTruststore(in.cs);
  for (const auto& sec : result->secrets) {
    bool is_main = sec.metadata.name == spec.secret_name;
    VerifiedEntry e;
    e.data_digest = DataDigest(sec.data);
    e.desired_digest =
        DesiredDigest(desired, is_main ? desired.main_keys : desired.trust_keys,
                      in.PasswordOf(is_main), in.profile, is_main);
    if (is_main && desired.leaf && desired.key) {
      e.cert = pki::ShareCert(desired.leaf.get());
      e.key = pki::ShareKey(desired.key.get());
      e.chain = pki::ShareCerts(desired.chain);
      if (desired.root) e.chain.push_back(pki::ShareCert(desired.root.get()));
    }
    if (spec.truststore && (!is_main || !separate_trust))
      e.trust = pki::ShareCerts(desired.trust);
    result->verified.emplace_back(
        in.cs.metadata.namespace_ + "/" + sec.metadata.name, std::move(e));
  }
}

// Step 5: what status reports.
void Summarize(const api::CertStore& cs, const DesiredStores& desired,
               int64_t revision, RenderSummary* sum) {
  sum->revision = revision;
  if (desired.leaf) {
    X509* leaf = desired.leaf.get();
    sum->not_before = pki::NotBefore(leaf);
    sum->not_after = pki::NotAfter(leaf);
    sum->fingerprint_sha256 = pki::FingerprintSha256(leaf);
    sum->renewal_time =
        JitteredRenewalTime(*sum->not_before, *sum->not_after,
                            *cs.spec.keystore, sum->fingerprint_sha256);
    sum->serial_hex = pki::SerialHex(leaf);
  }
  sum->truststore_certificates = static_cast<int>(desired.trust.size());
  for (const auto& c : desired.trust) {
    TimePoint na = pki::NotAfter(c.get());
    if (!sum->truststore_earliest_not_after ||
        na < *sum->truststore_earliest_not_after)
      sum->truststore_earliest_not_after = na;
  }
}

}  // namespace

StatusOr<RenderResult> RenderCertStore(const api::CertStore& cs,
                                       const pki::CaMaterial& ca,
                                       const ObjectSource& objects,
                                       const Clock& clock,
                                       const RenderOptions& options) {
  const api::CertStoreSpec& spec = cs.spec;
  const std::string& ns = cs.metadata.namespace_;
  if (auto sealed = SealedRender(cs, ca, objects, clock.Now(), options))
    return std::move(*sealed);
  RenderInput in(cs, ca, objects, clock, options);
  in.current = objects.GetSecret(ns, spec.secret_name);
  if (HasSeparateTruststore(cs))
    in.current_trust = objects.GetSecret(ns, spec.truststore->secret_name);
  ASSIGN_OR_RETURN(in.password, ResolveStorePassword(cs, in.current, objects));
  if (HasSeparateTruststore(cs)) {
    ASSIGN_OR_RETURN(
        in.trust_password,
        ResolveTruststorePassword(cs, in.current_trust, in.password, objects));
  }
  in.profile = ToPkcs12Profile(spec.pkcs12_profile);
  in.render_hash = api::RenderHash(cs);

  RenderResult result;
  DesiredStores desired;
  desired.alias = spec.keystore ? spec.keystore->alias : "";
  int64_t revision = StoredRevision(in.current);
  bool nothing_to_keep = false;
  if (spec.keystore)
    RETURN_IF_ERROR(
        DecideCertificate(in, &desired, &result, &revision, &nothing_to_keep));
  if (spec.truststore) RETURN_IF_ERROR(ResolveTrust(in, &desired, &result));
  SecretLayout layout = LayoutFor(cs);
  desired.main_keys = std::move(layout.main_keys);
  desired.trust_keys = std::move(layout.trust_keys);

  if (options.freeze_keystore) {
    if (nothing_to_keep || !in.current) return result;  // no writes
    ASSIGN_OR_RETURN(api::SecretObject main,
                     FrozenMainSecret(in, desired, &result));
    result.secrets.push_back(std::move(main));
  } else {
    ASSIGN_OR_RETURN(api::SecretObject main,
                     MainSecret(in, desired, revision, &result));
    result.secrets.push_back(std::move(main));
  }
  if (HasSeparateTruststore(cs)) {
    ASSIGN_OR_RETURN(api::SecretObject trust,
                     TrustSecret(in, desired, &result));
    result.secrets.push_back(std::move(trust));
  }
  Summarize(cs, desired, revision, &result.summary);
  if (spec.export_spec && desired.leaf && !options.freeze_keystore) {
    std::vector<X509*> chain;
    for (const auto& c : desired.chain) chain.push_back(c.get());
    result.export_config_map =
        ExportConfigMap(cs, desired.leaf.get(), chain, desired.root.get());
  }
  if (options.seal && !options.freeze_keystore)
    SealRenderedSecrets(cs, desired, in.password, in.trust_password,
                        *options.seal, &result);
  if (options.verified) RememberRendered(in, desired, &result);
  // A renewal waiting for a maintenance window happens when it stops
  // waiting: that is the renewal time status and metrics report. (The
  // seals above carry the certificate's own renewal time: entering a wait
  // rewrites no Secret.)
  if (result.decision.reason == kReasonWaitingForWindow &&
      result.decision.recheck_at)
    result.summary.renewal_time = result.decision.recheck_at;
  return result;
}

}  // namespace certstore::engine
