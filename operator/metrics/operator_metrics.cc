#include "operator/metrics/operator_metrics.h"

#include <malloc.h>
#include <prometheus/text_serializer.h>

namespace certstore::metrics {
namespace {

const prometheus::Histogram::BucketBoundaries kDurationBuckets = {
    0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

class Counting : public kube::Transport {
 public:
  Counting(kube::TransportPtr inner, OperatorMetrics* m)
      : inner_(std::move(inner)), m_(m) {}
  StatusOr<kube::HttpResponse> Do(const kube::HttpRequest& req) override {
    auto r = inner_->Do(req);
    std::string verb = req.verb.empty() ? req.method : req.verb;
    m_->ApiRequest(verb, r.ok() ? std::to_string(r->status) : "error");
    return r;
  }
  Status Stream(
      const kube::HttpRequest& req, const std::function<void(int)>& on_status,
      const std::function<bool(const std::string&)>& on_data) override {
    int code = 0;
    Status st = inner_->Stream(
        req,
        [&](int s) {
          code = s;
          on_status(s);
        },
        on_data);
    m_->ApiRequest("WATCH", code ? std::to_string(code) : "error");
    return st;
  }
  void Cancel() override { inner_->Cancel(); }

 private:
  kube::TransportPtr inner_;
  OperatorMetrics* m_;
};

}  // namespace

OperatorMetrics::OperatorMetrics(const std::string& version)
    : registry_(std::make_shared<prometheus::Registry>()),
      reconcile_total_(
          prometheus::BuildCounter()
              .Name("certstore_reconcile_total")
              .Help("Reconciles by controller (certstore, issuer) and result "
                    "(success, error = retried with backoff)")
              .Register(*registry_)),
      reconcile_duration_(
          prometheus::BuildHistogram()
              .Name("certstore_reconcile_duration_seconds")
              .Help("Time spent in one reconcile, by controller")
              .Register(*registry_)),
      issuance_total_(
          prometheus::BuildCounter()
              .Name("certstore_issuance_total")
              .Help(
                  "Certificates issued, by reason (Initial, Renewal, Expired, "
                  "SpecChanged, IssuerChanged, CertificateMissing, "
                  "KeyMismatch)")
              .Register(*registry_)),
      issuance_failures_(
          prometheus::BuildCounter()
              .Name("certstore_issuance_failures_total")
              .Help(
                  "Reconciles that ended with Ready=False, by condition reason")
              .Register(*registry_)),
      policy_denials_(prometheus::BuildCounter()
                          .Name("certstore_policy_denials_total")
                          .Help("CertStore reconciles an issuer's spec.policy "
                                "refused, by issuer and "
                                "the policy field that refused "
                                "(namespaceSelector, dnsNames, ...)")
                          .Register(*registry_)),
      reencodes_(
          prometheus::BuildCounter()
              .Name("certstore_reencodes_total")
              .Help(
                  "Stores rewritten without a new certificate (drift repaired, "
                  "password, format, alias or trust change)")
              .Register(*registry_)
              .Add({})),
      queue_wait_(
          prometheus::BuildHistogram()
              .Name("certstore_workqueue_latency_seconds")
              .Help(
                  "Time a key waited in the work queue before a worker took it")
              .Register(*registry_)
              .Add({}, kDurationBuckets)),
      api_requests_(
          prometheus::BuildCounter()
              .Name("certstore_api_requests_total")
              .Help(
                  "Requests to the Kubernetes API by verb and HTTP status code")
              .Register(*registry_)),
      version_(version) {}

void OperatorMetrics::Issued(const std::string& reason) {
  issuance_total_.Add({{"reason", reason}}).Increment();
}
void OperatorMetrics::Reencoded() { reencodes_.Increment(); }
void OperatorMetrics::IssuanceFailed(const std::string& reason) {
  issuance_failures_.Add({{"reason", reason}}).Increment();
}
void OperatorMetrics::PolicyDenied(const std::string& issuer_kind,
                                   const std::string& issuer_name,
                                   const std::string& field) {
  policy_denials_
      .Add({{"issuer_kind", issuer_kind},
            {"issuer_name", issuer_name},
            {"field", field}})
      .Increment();
}
void OperatorMetrics::Reconciled(const std::string& controller,
                                 const std::string& result, double seconds) {
  reconcile_total_.Add({{"controller", controller}, {"result", result}})
      .Increment();
  reconcile_duration_.Add({{"controller", controller}}, kDurationBuckets)
      .Observe(seconds);
}
void OperatorMetrics::QueueWait(double seconds) {
  queue_wait_.Observe(seconds);
}
void OperatorMetrics::ApiRequest(const std::string& verb,
                                 const std::string& code) {
  api_requests_.Add({{"verb", verb}, {"code", code}}).Increment();
}

bool OperatorMetrics::ScrapeTo(const ExpositionSink& sink) const {
  ExpositionWriter w(sink);
  // The registry's few counters and histograms, as prometheus-cpp writes
  // them.
  w.Raw(prometheus::TextSerializer().Serialize(registry_->Collect()));
  w.Family("certstore_build_info", "Always 1; the version label says which",
           "gauge");
  w.Sample("certstore_build_info", {{"version", version_}}, 1);
  if (!w.Flush()) return false;

  const controller::Inventory* inv = inventory_.load();
  if (inv) {
    // Each family is one walk over the inventory, a page at a time, the
    // page's text handed to the client between pages (never under the
    // inventory's lock). A page ends after kScrapePage objects or once its
    // text passes kScrapePageBytes (a truststore can hold a thousand
    // certificates).
    auto walk = [&](auto visit) {
      std::string cursor;
      bool more;
      do {
        more = visit(&cursor);
        if (!w.Flush()) return false;
      } while (more);
      return true;
    };
    auto room = [&] { return w.buffered() < kScrapePageBytes; };
    auto certstores = [&](const char* name, const char* help, auto sample) {
      w.Family(name, help, "gauge");
      return walk([&](std::string* cursor) {
        return inv->VisitCertStores(
            cursor, kScrapePage, [&](const controller::CertStoreFacts& f) {
              sample(
                  name, f,
                  std::initializer_list<Label>{{"namespace", f.ns},
                                               {"name", f.name},
                                               {"secret", f.secret},
                                               {"issuer_kind", f.issuer_kind},
                                               {"issuer_name", f.issuer_name}});
              return room();
            });
      });
    };
    auto timestamp =
        [&](std::optional<double> controller::CertStoreFacts::*field) {
          return
              [&w, field](const char* name, const controller::CertStoreFacts& f,
                          std::initializer_list<Label> labels) {
                if (f.*field) w.Sample(name, labels, *(f.*field));
              };
        };
    if (!certstores("certstore_certificate_not_after_timestamp_seconds",
                    "When the CertStore's certificate expires (unix seconds)",
                    timestamp(&controller::CertStoreFacts::not_after)) ||
        !certstores("certstore_certificate_not_before_timestamp_seconds",
                    "When the CertStore's certificate became valid",
                    timestamp(&controller::CertStoreFacts::not_before)) ||
        !certstores("certstore_certificate_renewal_timestamp_seconds",
                    "When the operator renews the CertStore's certificate",
                    timestamp(&controller::CertStoreFacts::renewal)) ||
        !certstores(
            "certstore_ready_status",
            "The CertStore's Ready condition: 1 for the current status",
            [&](const char* name, const controller::CertStoreFacts& f,
                std::initializer_list<Label> labels) {
              for (const char* c : {"True", "False", "Unknown"})
                w.Sample(name, labels, f.ready == c ? 1 : 0, {"condition", c});
            }))
      return false;

    const char* trust =
        "certstore_truststore_certificate_not_after_timestamp_seconds";
    w.Family(trust, "When each certificate written in a truststore expires",
             "gauge");
    if (!walk([&](std::string* cursor) {
          return inv->VisitTruststores(
              cursor, kScrapePage,
              [&](const controller::CertStoreFacts& cs,
                  const std::vector<controller::TrustEntryFacts>& entries) {
                for (const auto& e : entries)
                  w.Sample(trust,
                           {{"namespace", cs.ns},
                            {"name", cs.name},
                            {"secret", cs.truststore_secret},
                            {"alias", e.alias},
                            {"subject_cn", e.subject_cn}},
                           e.not_after);
                return room();
              });
        }))
      return false;

    // Issuers: one walk per family as well (a tenant can create many).
    auto issuers = [&](const char* name, const char* help, auto sample) {
      w.Family(name, help, "gauge");
      return walk([&](std::string* cursor) {
        return inv->VisitIssuers(
            cursor, kScrapePage, [&](const controller::IssuerFacts& f) {
              sample(
                  name, f,
                  std::initializer_list<Label>{
                      {"kind", f.kind}, {"namespace", f.ns}, {"name", f.name}});
              return room();
            });
      });
    };
    if (!issuers(
            "certstore_issuer_ready_status",
            "The issuer's Ready condition: 1 for the current status",
            [&](const char* name, const controller::IssuerFacts& f,
                std::initializer_list<Label> labels) {
              for (const char* c : {"True", "False", "Unknown"})
                w.Sample(name, labels, f.ready == c ? 1 : 0, {"condition", c});
            }) ||
        !issuers("certstore_issuer_ca_not_after_timestamp_seconds",
                 "When the issuer's CA certificate expires",
                 [&](const char* name, const controller::IssuerFacts& f,
                     std::initializer_list<Label> labels) {
                   if (f.ca_not_after) w.Sample(name, labels, *f.ca_not_after);
                 }) ||
        !issuers("certstore_issuer_ca_renewal_timestamp_seconds",
                 "selfSigned issuers: when the root CA renews itself (a time "
                 "in the past: the renewal is overdue)",
                 [&](const char* name, const controller::IssuerFacts& f,
                     std::initializer_list<Label> labels) {
                   if (f.ca_renewal) w.Sample(name, labels, *f.ca_renewal);
                 }) ||
        !issuers("certstore_issuer_ca_rotation_waiting_members",
                 "While the issuer's CA rotates: the CertStores its current "
                 "step waits for (0 = moving on); absent when no rotation runs",
                 [&](const char* name, const controller::IssuerFacts& f,
                     std::initializer_list<Label> labels) {
                   if (f.rotation_waiting)
                     w.Sample(name, labels,
                              static_cast<double>(*f.rotation_waiting));
                 }))
      return false;
  }

  const controller::RuntimeView* m = runtime_.load();
  if (m) {
    w.Family("certstore_workqueue_depth", "Keys ready and waiting for a worker",
             "gauge");
    w.Sample("certstore_workqueue_depth", {},
             static_cast<double>(m->QueueDepth()));
    w.Family("certstore_leader_status",
             "1 when this replica reconciles (holds the Lease, or runs "
             "without leader election)",
             "gauge");
    w.Sample("certstore_leader_status", {}, m->Leading() ? 1 : 0);
    w.Family("certstore_watch_restarts_total",
             "Watches restarted after the first, by resource", "counter");
    for (const auto& [resource, n] : m->WatchRestarts())
      w.Sample("certstore_watch_restarts_total", {{"resource", resource}},
               static_cast<double>(n));
    w.Family("certstore_cached_objects",
             "Objects in the operator's caches, by resource and payload "
             "(digest: CertStore Secrets, kept as a digest of their data; "
             "metadata: labelled Secrets it did not write, kept without data)",
             "gauge");
    for (const auto& [key, n] : m->CachedObjects())
      w.Sample("certstore_cached_objects",
               {{"resource", key.first}, {"payload", key.second}},
               static_cast<double>(n));
    w.Family("certstore_reconcile_longest_running_seconds",
             "Age of the longest reconcile now running (0 when none); "
             "past the reconcile budget /healthz fails",
             "gauge");
    w.Sample("certstore_reconcile_longest_running_seconds", {},
             m->LongestReconcileSeconds());
    if (!w.Flush()) return false;

    std::vector<controller::TrustBundleFacts> bundles = m->TrustBundles();
    const char* bundle_entry =
        "certstore_trustbundle_certificate_not_after_timestamp_seconds";
    w.Family(bundle_entry,
             "When each certificate a TrustBundle distributes expires (a "
             "corporate root expiring pages someone)",
             "gauge");
    for (const auto& b : bundles)
      for (const auto& e : b.entries)
        w.Sample(bundle_entry,
                 {{"trustbundle", b.name},
                  {"subject", e.subject},
                  {"fingerprint_sha256", e.fingerprint_sha256}},
                 e.not_after_seconds);
    w.Family("certstore_trustbundle_ready_status",
             "1 when the TrustBundle's Ready condition is True (sources "
             "resolved, every target written), else 0",
             "gauge");
    for (const auto& b : bundles)
      w.Sample("certstore_trustbundle_ready_status", {{"trustbundle", b.name}},
               b.ready ? 1 : 0);
    w.Family("certstore_trustbundle_target_namespaces",
             "Namespaces the TrustBundle's targets are written in", "gauge");
    for (const auto& b : bundles)
      w.Sample("certstore_trustbundle_target_namespaces",
               {{"trustbundle", b.name}}, static_cast<double>(b.namespaces));
    if (!w.Flush()) return false;
    w.Family("certstore_workload_restart_pending",
             "Workloads annotated certstore.dev/restart-on-change: 1 while "
             "some of their pods may still run stores older than the Secrets "
             "they read (restart due, or rollout not finished)",
             "gauge");
    for (const auto& wr : m->WorkloadRestarts())
      w.Sample("certstore_workload_restart_pending",
               {{"kind", wr.kind}, {"namespace", wr.ns}, {"name", wr.name}},
               wr.pending ? 1 : 0);
  }
  // The C++ counterpart of go_memstats: how much of the resident memory is
  // live objects and how much is free heap the allocator still holds.
  struct mallinfo2 heap = mallinfo2();
  w.Family("certstore_heap_bytes",
           "malloc heap: in_use = live allocations (incl. mmapped), free = "
           "held by the allocator, not in use",
           "gauge");
  w.Sample("certstore_heap_bytes", {{"state", "in_use"}},
           static_cast<double>(heap.uordblks + heap.hblkhd));
  w.Sample("certstore_heap_bytes", {{"state", "free"}},
           static_cast<double>(heap.fordblks));
  return w.Flush();
}

std::string OperatorMetrics::Scrape() const {
  std::string out;
  ScrapeTo([&](std::string_view piece) {
    out += piece;
    return true;
  });
  return out;
}

kube::TransportPtr CountingTransport(kube::TransportPtr inner,
                                     OperatorMetrics* metrics) {
  return std::make_unique<Counting>(std::move(inner), metrics);
}

}  // namespace certstore::metrics
