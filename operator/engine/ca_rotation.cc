#include "operator/engine/ca_rotation.h"

#include <algorithm>

#include "operator/common/time_format.h"
#include "operator/pki/certificate.h"

namespace certstore::engine {
namespace {

constexpr std::chrono::seconds kPoll{2};

std::optional<TimePoint> At(const std::string& rfc3339) {
  if (rfc3339.empty()) return std::nullopt;
  auto t = ParseRfc3339(rfc3339);
  if (!t.ok()) return std::nullopt;
  return *t;
}

pki::X509Ptr FirstCert(const std::string& pem) {
  auto certs = pki::ParseCertificatesPem(pem);
  if (!certs.ok() || certs->empty()) return nullptr;
  return std::move(certs->front());
}

// What a rotation keeps for re-issuing every certificate, besides the two
// propagation delays, before a previous root expires.
constexpr std::chrono::minutes kReissueReserve{10};

std::string Plural(size_t n, const std::string& what) {
  return std::to_string(n) + " " + what + (n == 1 ? "" : "s");
}

std::chrono::seconds Until(TimePoint t, TimePoint now) {
  auto s = std::chrono::duration_cast<std::chrono::seconds>(t - now);
  return std::max(s + std::chrono::seconds(1), std::chrono::seconds(1));
}

// The step's Event, unless an earlier one in the same step (a rotation
// that just started) already says more.
void Announce(RotationStep* step, const char* reason,
              const std::string& message) {
  if (!step->event_reason.empty()) return;
  step->event_reason = reason;
  step->event_message = message;
}

// Members a step waits for. Past the deadline (or when told to), the step
// goes on without them and says so; until then the rotation names them.
// True when the step must keep waiting.
// `cutoff`, when set, ends the wait earlier than the member deadline (the
// previous root would otherwise expire before the rotation could finish).
bool WaitFor(const std::vector<const RotationMember*>& lagging,
             const char* what, const char* to_do, TimePoint step_started,
             TimePoint now, const RotationLimits& limits,
             const api::CaRotation& before, api::CaRotation* r,
             RotationStep* step,
             std::optional<TimePoint> cutoff = std::nullopt) {
  r->waiting_for.clear();
  r->waiting_count = 0;
  if (lagging.empty()) return false;
  std::string names;
  for (size_t i = 0; i < lagging.size(); ++i) {
    if (i < 5) r->waiting_for.push_back(lagging[i]->name);
    if (i < 5) names += (i ? ", " : "") + lagging[i]->name;
  }
  if (lagging.size() > 5)
    names += " and " + std::to_string(lagging.size() - 5) + " more";
  TimePoint deadline = step_started + limits.member_deadline;
  bool cut = cutoff && *cutoff < deadline;
  if (cut) deadline = *cutoff;
  if (limits.proceed_now || now >= deadline) {
    r->waiting_for.clear();
    step->warning_reason = kEventCaRotationProceeded;
    step->warning_message =
        std::string("went on without ") + Plural(lagging.size(), what) + " (" +
        names + ") " +
        (limits.proceed_now
             ? "as " + std::string(kRotationProceedAnnotation) + " asked"
         : cut ? "so that certificates move to the new CA before the "
                 "previous root expires"
               : "after the member deadline") +
        "; they keep working with the previous root until they are fixed";
    return false;
  }
  r->waiting_count = static_cast<int64_t>(lagging.size());
  step->progress = "CA rotation: waiting for " + Plural(lagging.size(), what) +
                   to_do + " (" + names + "); goes on without them at " +
                   FormatRfc3339(deadline);
  if (before.waiting_for != r->waiting_for) {
    step->warning_reason = kEventCaRotationWaiting;
    step->warning_message = step->progress;
  }
  step->recheck = std::min<std::chrono::seconds>(kPoll, Until(deadline, now));
  return true;
}

}  // namespace

RotationStep AdvanceRotation(const api::ObservedStatus& prev, X509* root,
                             const std::vector<RotationMember>& members,
                             TimePoint now, const RotationLimits& limits) {
  const std::chrono::seconds delay = limits.propagation_delay;
  const api::CaRotation before = prev.rotation.value_or(api::CaRotation{});
  RotationStep step;
  step.rotation = prev.rotation;
  const std::string new_fp = pki::FingerprintSha256(root);
  pki::X509Ptr old = FirstCert(prev.ca_certificate);
  if (old && pki::FingerprintSha256(old.get()) != new_fp) {
    api::CaRotation r = step.rotation.value_or(api::CaRotation{});
    r.started_at = FormatRfc3339(now);
    r.trust_distributed_at.clear();
    r.reissued_at.clear();
    std::string old_fp = pki::FingerprintSha256(old.get());
    bool known = std::any_of(r.previous_cas.begin(), r.previous_cas.end(),
                             [&](const api::PreviousCa& p) {
                               return p.fingerprint_sha256 == old_fp;
                             });
    if (!known)
      r.previous_cas.push_back({old_fp, pki::EncodeCertificatePem(old.get())});
    step.rotation = std::move(r);
    step.event_reason = kEventCaRotationStarted;
    step.event_message =
        "CA changed from \"" + pki::SubjectText(old.get()) + "\" to \"" +
        pki::SubjectText(root) +
        "\": truststores keep both roots until every certificate is "
        "re-issued from the new CA";
  }
  if (!step.rotation) return step;
  api::CaRotation& r = *step.rotation;
  // Roots worth trusting: not the current one, still parseable and valid.
  r.previous_cas.erase(
      std::remove_if(r.previous_cas.begin(), r.previous_cas.end(),
                     [&](const api::PreviousCa& p) {
                       pki::X509Ptr c = FirstCert(p.certificate);
                       return !c || pki::FingerprintSha256(c.get()) == new_fp ||
                              pki::NotAfter(c.get()) <= now;
                     }),
      r.previous_cas.end());
  auto complete = [&](const std::string& why) {
    step.rotation.reset();
    step.event_reason = kEventCaRotationComplete;
    step.event_message = why;
    step.progress.clear();
    step.recheck.reset();
    return step;
  };
  if (r.previous_cas.empty())
    return complete("no previous root left to trust (expired or rolled back)");

  if (r.trust_distributed_at.empty()) {
    std::vector<const RotationMember*> lagging;
    for (const auto& m : members)
      if ((m.ready || m.write_failing) && m.trusts_issuer &&
          std::find(m.truststore_issuer_cas.begin(),
                    m.truststore_issuer_cas.end(),
                    new_fp) == m.truststore_issuer_cas.end())
        lagging.push_back(&m);
    TimePoint started = At(r.started_at).value_or(now);
    // Certificates must move to the new CA before the previous root
    // expires: the trust step never waits past its expiry less the time
    // the later steps need (a self-renewing root with a short renewBefore,
    // or a tenant whose Secret cannot be written).
    TimePoint earliest = TimePoint::max();
    for (const auto& p : r.previous_cas)
      if (pki::X509Ptr c = FirstCert(p.certificate))
        earliest = std::min(earliest, pki::NotAfter(c.get()));
    std::optional<TimePoint> cutoff;
    if (earliest != TimePoint::max())
      cutoff = earliest - 2 * delay - kReissueReserve;
    if (WaitFor(lagging, "truststore", " to trust the new root", started, now,
                limits, before, &r, &step, cutoff))
      return step;
    r.trust_distributed_at = FormatRfc3339(now);
    Announce(&step, kEventTrustDistributed,
             "every truststore trusts the new root; certificates are re-issued "
             "from the new "
             "CA after the propagation delay (" +
                 std::to_string(delay.count()) + "s)");
  }
  TimePoint distributed = At(r.trust_distributed_at).value_or(now);
  if (r.reissued_at.empty()) {
    if (now < distributed + delay) {
      step.progress =
          "CA rotation: every truststore trusts the new root; re-issuing at " +
          FormatRfc3339(distributed + delay);
      step.recheck = Until(distributed + delay, now);
      return step;
    }
    std::vector<const RotationMember*> lagging;
    for (const auto& m : members)
      if ((m.ready || m.write_failing) && m.has_keystore &&
          m.issuer_ca_fingerprint != new_fp)
        lagging.push_back(&m);
    if (WaitFor(lagging, "certificate", " to be re-issued from the new CA",
                distributed + delay, now, limits, before, &r, &step))
      return step;
    r.reissued_at = FormatRfc3339(now);
    Announce(
        &step, kEventCertificatesReissued,
        "every certificate comes from the new CA; the previous root leaves the "
        "truststores after the propagation delay (" +
            std::to_string(delay.count()) + "s)");
  }
  TimePoint reissued = At(r.reissued_at).value_or(now);
  if (now < reissued + delay) {
    step.progress = "CA rotation: previous root leaves the truststores at " +
                    FormatRfc3339(reissued + delay);
    step.recheck = Until(reissued + delay, now);
    return step;
  }
  return complete(
      "every certificate comes from the new CA; previous root removed from "
      "truststores");
}

void WriteRotation(json::Writer& w,
                   const std::optional<api::CaRotation>& rotation) {
  w.Key("rotation");
  if (!rotation) {
    w.Null();
    return;
  }
  const api::CaRotation& r = *rotation;
  w.BeginObject().Field("startedAt", r.started_at);
  if (!r.trust_distributed_at.empty())
    w.Field("trustDistributedAt", r.trust_distributed_at);
  if (!r.reissued_at.empty()) w.Field("reissuedAt", r.reissued_at);
  w.Field("waitingCount", static_cast<int64_t>(r.waiting_count))
      .StringArray("waitingFor", r.waiting_for);
  w.Key("previousCAs").BeginArray();
  for (const auto& ca : r.previous_cas)
    w.BeginObject()
        .Field("fingerprintSHA256", ca.fingerprint_sha256)
        .Field("certificate", ca.certificate)
        .EndObject();
  w.EndArray().EndObject();
}

std::string RotationJson(const std::optional<api::CaRotation>& rotation) {
  json::Writer w;
  w.BeginObject();
  WriteRotation(w, rotation);
  return w.EndObject().Take();
}

PreviousRoots PreviousRootsFor(const api::ObservedStatus& issuer_status,
                               X509* root, TimePoint now,
                               std::chrono::seconds delay) {
  PreviousRoots out;
  const std::string new_fp = pki::FingerprintSha256(root);
  // The usual case, without parsing a PEM on every reconcile: no rotation
  // runs and the issuer's status records this very root, byte for byte as
  // its reconciler writes it (EncodeCertificatePem of the root; its
  // fingerprintSHA256 is of the signing certificate, which may be an
  // intermediate). Anything else takes the full path below.
  if (!issuer_status.rotation && !issuer_status.ca_certificate.empty() &&
      issuer_status.ca_certificate == pki::EncodeCertificatePem(root))
    return out;
  auto add = [&](const std::string& pem) {
    pki::X509Ptr c = FirstCert(pem);
    if (!c || pki::NotAfter(c.get()) <= now) return;
    std::string fp = pki::FingerprintSha256(c.get());
    if (fp == new_fp) return;
    for (const auto& have : out.roots)
      if (pki::FingerprintSha256(have.get()) == fp) return;
    out.roots.push_back(std::move(c));
  };
  // Recorded for another root: the issuer's reconciler has yet to start
  // the rotation.
  bool unrecorded = false;
  if (pki::X509Ptr recorded = FirstCert(issuer_status.ca_certificate))
    unrecorded = pki::FingerprintSha256(recorded.get()) != new_fp;
  if (unrecorded) add(issuer_status.ca_certificate);
  if (issuer_status.rotation)
    for (const auto& p : issuer_status.rotation->previous_cas)
      add(p.certificate);
  if (out.roots.empty()) return out;
  if (unrecorded || !issuer_status.rotation) {
    out.hold = true;
    return out;
  }
  auto distributed = At(issuer_status.rotation->trust_distributed_at);
  if (!distributed) {
    out.hold = true;
  } else if (now < *distributed + delay) {
    out.hold = true;
    out.hold_until = *distributed + delay;
  }
  return out;
}

}  // namespace certstore::engine
