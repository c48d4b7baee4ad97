#include "operator/cli/certstore_report.h"

#include <algorithm>
#include <sstream>

#include "operator/cli/printable.h"
#include "operator/cli/secret_password.h"
#include "operator/cli/store_report.h"
#include "operator/common/time_format.h"
#include "operator/engine/reasons.h"
#include "operator/kube/resource.h"
#include "operator/pki/certificate.h"

namespace certstore::cli {
namespace {

constexpr size_t kEventsShown = 5;

CertSummary Summarize(X509* c) {
  pki::CertificateInfo i = pki::DescribeCertificate(c);
  CertSummary s;
  s.subject = i.subject;
  s.issuer = i.issuer;
  s.serial = i.serial_hex;
  s.not_after = i.not_after;
  s.not_after_time = pki::NotAfter(c);
  s.fingerprint = i.fingerprint_sha256;
  s.sans = std::move(i.sans);
  s.extended_key_usage = std::move(i.extended_key_usage);
  return s;
}

// The certificates of the first of `keys` that `secret` holds: a PEM file
// as is, a keystore opened with the Secret's password. *source names the
// key read; "" when none is there.
Status ReadStore(Cluster& cluster, const api::SecretObject& secret,
                 std::initializer_list<const char*> keys, bool key_chain,
                 std::string* source, std::vector<CertSummary>* out) {
  for (const char* key : keys) {
    auto it = secret.data.find(key);
    if (it == secret.data.end()) continue;
    *source = key;
    std::string from;
    SecretBytes password;
    if (it->second.find("-----BEGIN") == std::string::npos) {
      ASSIGN_OR_RETURN(password, PasswordOf(cluster, secret, &from));
    }
    std::ostringstream ignored;
    StoreFacts facts;
    Status st = DescribeStore(key, it->second, password, ignored, &facts);
    if (!st.ok())
      return Status(st.code(), "Secret " + cluster.ns() + "/" +
                                   secret.metadata.name + " key " + key + ": " +
                                   std::string(st.message()));
    for (const auto& c : key_chain ? facts.key_chain : facts.trusted)
      out->push_back(Summarize(c.get()));
    return OkStatus();
  }
  return OkStatus();
}

void ReadSecrets(Cluster& cluster, CertStoreReport* r) {
  auto main = GetSecret(cluster, r->secret_name);
  if (!main.ok()) {
    r->secret_error = std::string(main.status().message());
    return;
  }
  if (r->has_keystore) {
    Status st =
        ReadStore(cluster, *main,
                  {api::kTlsCrtKey, api::kKeystoreP12Key, api::kKeystoreJksKey},
                  true, &r->keystore_source, &r->chain);
    if (!st.ok()) r->secret_error = std::string(st.message());
  }
  if (!r->has_truststore || !r->secret_error.empty()) return;
  std::optional<api::SecretObject> trust_secret;
  if (r->trust_secret_name != r->secret_name) {
    auto t = GetSecret(cluster, r->trust_secret_name);
    if (!t.ok()) {
      r->secret_error = std::string(t.status().message());
      return;
    }
    trust_secret = std::move(t).value();
  }
  Status st = ReadStore(
      cluster, trust_secret ? *trust_secret : *main,
      {api::kCaCrtKey, api::kTruststoreP12Key, api::kTruststoreJksKey}, false,
      &r->truststore_source, &r->trust);
  if (!st.ok()) r->secret_error = std::string(st.message());
}

// What the Secret holds against what status says.
void CompareWithStatus(CertStoreReport* r) {
  if (!r->secret_error.empty()) return;
  const api::ObservedStatus& st = r->status;
  if (r->has_keystore) {
    if (r->chain.empty()) {
      r->mismatches.push_back("the Secret holds no certificate");
    } else if (!st.serial_number.empty() &&
               r->chain.front().serial != st.serial_number) {
      r->mismatches.push_back(
          "the Secret's certificate has serial " + r->chain.front().serial +
          ", status says " + st.serial_number +
          " (the Secret was changed or restored after the operator wrote "
          "it; the operator repairs it on its next reconcile)");
    }
  }
  if (r->has_truststore && st.truststore_certificates > 0 &&
      static_cast<int64_t>(r->trust.size()) != st.truststore_certificates)
    r->mismatches.push_back("the Secret's truststore holds " +
                            std::to_string(r->trust.size()) +
                            " certificate(s), status says " +
                            std::to_string(st.truststore_certificates));
}

void ReadRotation(Cluster& cluster, CertStoreReport* r) {
  bool cluster_scoped = r->issuer_kind == "ClusterCertIssuer";
  auto issuer =
      cluster.client().Get(cluster_scoped ? kube::ClusterCertIssuersResource()
                                          : kube::CertIssuersResource(),
                           cluster_scoped ? "" : cluster.ns(), r->issuer_name);
  if (!issuer.ok()) return;  // e.g. no RBAC on issuers: shown as unknown
  r->rotation = api::ParseObservedStatus(*issuer).rotation;
}

void ReadEvents(Cluster& cluster, CertStoreReport* r) {
  kube::ListOptions opts;
  opts.field_selector =
      "involvedObject.kind=CertStore,involvedObject.name=" + r->name;
  auto list = cluster.client().List(kube::EventsResource(), cluster.ns(), opts);
  if (!list.ok()) return;
  auto doc = json::Document::Parse(*list);
  if (!doc) return;
  for (const json::Value& e : doc->Root()["items"].Elements()) {
    EventSummary s;
    s.type = e["type"].String();
    s.reason = e["reason"].String();
    s.message = e["message"].String();
    s.count = e["count"].Int().value_or(1);
    for (const json::Value& t :
         {e["series"]["lastObservedTime"], e["lastTimestamp"], e["eventTime"],
          e["metadata"]["creationTimestamp"]})
      if (s.last_seen.empty() && t.IsString()) s.last_seen = t.String();
    r->events.push_back(std::move(s));
  }
  std::stable_sort(r->events.begin(), r->events.end(),
                   [](const EventSummary& a, const EventSummary& b) {
                     return a.last_seen < b.last_seen;
                   });
  if (r->events.size() > kEventsShown)
    r->events.erase(r->events.begin(), r->events.end() - kEventsShown);
}

std::string When(const std::string& rfc3339, TimePoint now) {
  auto t = ParseRfc3339(rfc3339);
  return t.ok() ? rfc3339 + " (" + FormatRelative(*t, now) + ")" : rfc3339;
}

std::string Join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out.empty() ? "-" : out;
}

std::string PolicyOutcome(const CertStoreReport& r) {
  const auto& ready = r.status.ready;
  if (!ready) return "unknown";
  if (ready->reason == engine::kReasonPolicyDenied)
    return "denied: " + ready->message;
  return ready->status == "True" ? "allowed" : "unknown";
}

bool RenewalDue(const CertStoreReport& r, TimePoint now) {
  auto t = ParseRfc3339(r.status.renewal_time);
  return t.ok() && now >= *t;
}

void WriteCert(json::Writer& w, const CertSummary& c, TimePoint now) {
  w.BeginObject()
      .Field("subject", c.subject)
      .Field("issuer", c.issuer)
      .Field("serialNumber", c.serial)
      .Field("notAfter", c.not_after);
  if (c.not_after_time)
    w.Field("expiresIn", FormatRelative(*c.not_after_time, now));
  w.Field("fingerprintSHA256", c.fingerprint)
      .StringArray("subjectAltNames", c.sans)
      .StringArray("extendedKeyUsage", c.extended_key_usage)
      .EndObject();
}

void WriteCondition(json::Writer& w, const char* key,
                    const std::optional<api::ReadyCondition>& c) {
  if (!c) return;
  w.Key(key)
      .BeginObject()
      .Field("status", c->status)
      .Field("reason", c->reason)
      .Field("message", c->message)
      .EndObject();
}

}  // namespace

void WriteRotation(json::Writer& w, const api::CaRotation& rot) {
  w.Key("rotation")
      .BeginObject()
      .Field("startedAt", rot.started_at)
      .Field("trustDistributedAt", rot.trust_distributed_at)
      .Field("reissuedAt", rot.reissued_at)
      .StringArray("waitingFor", rot.waiting_for)
      .Field("waitingCount", rot.waiting_count)
      .EndObject();
}

std::string Coloured(const std::string& status, bool colour) {
  if (!colour) return status;
  if (status == "True") return "\033[32m" + status + "\033[0m";
  if (status == "False") return "\033[31m" + status + "\033[0m";
  return status;
}

StatusOr<CertStoreReport> GatherCertStore(Cluster& cluster,
                                          const std::string& name,
                                          TimePoint /*now*/) {
  ASSIGN_OR_RETURN(
      std::string json,
      cluster.client().Get(kube::CertStoresResource(), cluster.ns(), name));
  CertStoreReport r;
  r.ns = cluster.ns();
  r.name = name;
  r.status = api::ParseObservedStatus(json);
  auto cs = api::ParseCertStore(json);
  if (!cs.ok()) {
    r.secret_error =
        "the spec does not parse: " + std::string(cs.status().message());
  } else {
    const api::CertStoreSpec& spec = cs->spec;
    r.issuer_kind = api::IssuerKindName(spec.issuer_ref.kind);
    r.issuer_name = spec.issuer_ref.name;
    r.has_keystore = spec.keystore.has_value();
    r.has_truststore = spec.truststore.has_value();
    r.secret_name = spec.secret_name;
    r.trust_secret_name =
        spec.truststore && !spec.truststore->secret_name.empty()
            ? spec.truststore->secret_name
            : spec.secret_name;
    ReadSecrets(cluster, &r);
    CompareWithStatus(&r);
    ReadRotation(cluster, &r);
  }
  ReadEvents(cluster, &r);
  return r;
}

void PrintCertStore(std::ostream& os, const CertStoreReport& r, TimePoint now,
                    bool colour) {
  const auto P = [](const std::string& s) { return Printable(s); };
  const api::ObservedStatus& st = r.status;
  os << "CertStore " << P(r.ns) << "/" << P(r.name) << "\n";
  if (st.ready)
    os << "Ready:        " << Coloured(P(st.ready->status), colour) << " "
       << P(st.ready->reason) << ": " << P(st.ready->message) << "\n";
  else
    os << "Ready:        unknown (no status yet)\n";
  if (st.issuing)
    os << "Issuing:      " << P(st.issuing->status) << " "
       << P(st.issuing->reason) << "\n";
  os << "Issuer:       " << P(r.issuer_kind) << "/" << P(r.issuer_name)
     << " (policy: " << P(PolicyOutcome(r)) << ")\n";
  if (r.has_keystore && !st.serial_number.empty()) {
    os << "Certificate:  serial " << P(st.serial_number) << "\n"
       << "  Expires:    " << P(When(st.not_after, now)) << "\n"
       << "  Renewal:    " << P(When(st.renewal_time, now))
       << (RenewalDue(r, now) ? "  RENEWAL DUE" : "") << "\n";
  }
  os << "Failures:     "
     << (st.failed_attempts == 0
             ? std::string("none")
             : std::to_string(st.failed_attempts) + " failed attempt(s)")
     << "\n";
  if (!st.last_renew_request.empty())
    os << "Last renewal request answered: " << P(st.last_renew_request) << "\n";
  os << "Secret:       " << P(r.ns) << "/" << P(r.secret_name);
  if (r.trust_secret_name != r.secret_name)
    os << " (truststore: " << P(r.ns) << "/" << P(r.trust_secret_name) << ")";
  os << "\n";
  if (!r.secret_error.empty()) {
    os << "  Cannot read the stores: " << P(r.secret_error) << "\n";
  } else {
    if (r.has_keystore) {
      os << "  Keystore (" << r.keystore_source << "), chain of "
         << r.chain.size() << ":\n";
      for (size_t i = 0; i < r.chain.size(); ++i) {
        const CertSummary& c = r.chain[i];
        os << "    [" << i + 1 << "] " << P(c.subject) << ", expires "
           << c.not_after
           << (c.not_after_time
                   ? " (" + FormatRelative(*c.not_after_time, now) + ")"
                   : "")
           << "\n";
        if (i == 0)
          os << "        SANs: " << P(Join(c.sans))
             << "; extended key usage: " << P(Join(c.extended_key_usage))
             << "\n";
      }
    }
    if (r.has_truststore) {
      os << "  Truststore (" << r.truststore_source << "), " << r.trust.size()
         << " certificate(s):\n";
      for (const CertSummary& c : r.trust)
        os << "    " << P(c.subject) << ", expires " << c.not_after
           << (c.not_after_time
                   ? " (" + FormatRelative(*c.not_after_time, now) + ")"
                   : "")
           << ", SHA-256 " << c.fingerprint.substr(0, 23) << "...\n";
    }
    if (r.mismatches.empty()) {
      os << "  Matches status: yes\n";
    } else {
      for (const auto& m : r.mismatches) os << "  MISMATCH: " << P(m) << "\n";
    }
  }
  if (r.rotation) {
    const api::CaRotation& rot = *r.rotation;
    os << "CA rotation:  started " << P(When(rot.started_at, now)) << "; "
       << (rot.trust_distributed_at.empty()
               ? "distributing the new root to truststores"
           : rot.reissued_at.empty()
               ? "trust distributed " + P(When(rot.trust_distributed_at, now)) +
                     ", re-issuing certificates"
               : "certificates re-issued " + P(When(rot.reissued_at, now)) +
                     ", removing the previous root")
       << "\n";
    if (rot.waiting_count > 0)
      os << "  Waiting for " << rot.waiting_count
         << " member(s): " << P(Join(rot.waiting_for)) << "\n";
  }
  os << "Events:" << (r.events.empty() ? " none" : "") << "\n";
  for (const EventSummary& e : r.events) {
    auto t = ParseRfc3339(e.last_seen);
    os << "  " << (t.ok() ? FormatRelative(*t, now) : P(e.last_seen)) << "  "
       << P(e.type) << "  " << P(e.reason);
    if (e.count > 1) os << " (x" << e.count << ")";
    os << "  " << P(e.message) << "\n";
  }
}

void WriteCertStore(json::Writer& w, const CertStoreReport& r, TimePoint now) {
  const api::ObservedStatus& st = r.status;
  w.BeginObject().Field("namespace", r.ns).Field("name", r.name);
  WriteCondition(w, "ready", st.ready);
  WriteCondition(w, "issuing", st.issuing);
  w.Key("issuer")
      .BeginObject()
      .Field("kind", r.issuer_kind)
      .Field("name", r.issuer_name)
      .EndObject();
  w.Field("policy", PolicyOutcome(r));
  if (r.has_keystore && !st.serial_number.empty()) {
    w.Key("certificate").BeginObject().Field("serialNumber", st.serial_number);
    w.Field("notAfter", st.not_after);
    if (auto t = ParseRfc3339(st.not_after); t.ok())
      w.Field("expiresIn", FormatRelative(*t, now));
    w.Field("renewalTime", st.renewal_time)
        .Field("renewalDue", RenewalDue(r, now))
        .Field("fingerprintSHA256", st.fingerprint_sha256)
        .EndObject();
  }
  w.Field("failedIssuanceAttempts", st.failed_attempts);
  if (!st.last_renew_request.empty())
    w.Field("lastRenewRequest", st.last_renew_request);
  w.Key("secret").BeginObject().Field("name", r.secret_name);
  if (r.trust_secret_name != r.secret_name)
    w.Field("truststoreSecretName", r.trust_secret_name);
  w.Field("readable", r.secret_error.empty());
  if (!r.secret_error.empty()) w.Field("error", r.secret_error);
  if (r.secret_error.empty() && r.has_keystore) {
    w.Key("keystore").BeginObject().Field("source", r.keystore_source);
    w.Key("chain").BeginArray();
    for (const CertSummary& c : r.chain) WriteCert(w, c, now);
    w.EndArray().EndObject();
  }
  if (r.secret_error.empty() && r.has_truststore) {
    w.Key("truststore").BeginObject().Field("source", r.truststore_source);
    w.Key("certificates").BeginArray();
    for (const CertSummary& c : r.trust) WriteCert(w, c, now);
    w.EndArray().EndObject();
  }
  w.Field("matchesStatus", r.secret_error.empty() && r.mismatches.empty());
  w.StringArray("mismatches", r.mismatches);
  w.EndObject();
  if (r.rotation) WriteRotation(w, *r.rotation);
  w.Key("events").BeginArray();
  for (const EventSummary& e : r.events)
    w.BeginObject()
        .Field("type", e.type)
        .Field("reason", e.reason)
        .Field("message", e.message)
        .Field("count", e.count)
        .Field("lastSeen", e.last_seen)
        .EndObject();
  w.EndArray().EndObject();
}

}  // namespace certstore::cli
