#include "operator/metrics/operator_metrics.h"

#include <malloc.h>
#include <prometheus/text_serializer.h>

namespace certstore::metrics {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

const prometheus::Histogram::BucketBoundaries kDurationBuckets = {
    0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

MetricFamily Gauge(const std::string& name, const std::string& help) {
  MetricFamily f;
  f.name = name;
  f.help = help;
  f.type = MetricType::Gauge;
  return f;
}

void Add(MetricFamily* f, std::vector<ClientMetric::Label> labels,
         double value) {
  ClientMetric m;
  m.label = std::move(labels);
  m.gauge.value = value;
  f->metric.push_back(std::move(m));
}

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

std::string OperatorMetrics::Scrape() const {
  std::vector<MetricFamily> families = registry_->Collect();
  MetricFamily build =
      Gauge("certstore_build_info", "Always 1; the version label says which");
  Add(&build, {{"version", version_}}, 1);
  families.push_back(std::move(build));

  const controller::Inventory* inv = inventory_.load();
  if (inv) {
    MetricFamily not_after =
        Gauge("certstore_certificate_not_after_timestamp_seconds",
              "When the CertStore's certificate expires (unix seconds)");
    MetricFamily not_before =
        Gauge("certstore_certificate_not_before_timestamp_seconds",
              "When the CertStore's certificate became valid");
    MetricFamily renewal =
        Gauge("certstore_certificate_renewal_timestamp_seconds",
              "When the operator renews the CertStore's certificate");
    MetricFamily ready =
        Gauge("certstore_ready_status",
              "The CertStore's Ready condition: 1 for the current status");
    for (const auto& f : inv->CertStores()) {
      std::vector<ClientMetric::Label> labels = {
          {"namespace", f.ns},
          {"name", f.name},
          {"secret", f.secret},
          {"issuer_kind", f.issuer_kind},
          {"issuer_name", f.issuer_name}};
      if (f.not_after) Add(&not_after, labels, *f.not_after);
      if (f.not_before) Add(&not_before, labels, *f.not_before);
      if (f.renewal) Add(&renewal, labels, *f.renewal);
      for (const char* c : {"True", "False", "Unknown"}) {
        auto l = labels;
        l.push_back({"condition", c});
        Add(&ready, l, f.ready == c ? 1 : 0);
      }
    }
    MetricFamily trust =
        Gauge("certstore_truststore_certificate_not_after_timestamp_seconds",
              "When each certificate written in a truststore expires");
    for (const auto& t : inv->Truststores())
      for (const auto& e : t.entries)
        Add(&trust,
            {{"namespace", t.ns},
             {"name", t.certstore},
             {"secret", t.secret},
             {"alias", e.alias},
             {"subject_cn", e.subject_cn}},
            e.not_after);
    MetricFamily issuer_ready =
        Gauge("certstore_issuer_ready_status",
              "The issuer's Ready condition: 1 for the current status");
    MetricFamily ca_not_after =
        Gauge("certstore_issuer_ca_not_after_timestamp_seconds",
              "When the issuer's CA certificate expires");
    MetricFamily ca_renewal = Gauge(
        "certstore_issuer_ca_renewal_timestamp_seconds",
        "selfSigned issuers: when the root CA renews itself (a time in the "
        "past: the renewal is overdue)");
    MetricFamily rotation_waiting =
        Gauge("certstore_issuer_ca_rotation_waiting_members",
              "While the issuer's CA rotates: the CertStores its current step "
              "waits for "
              "(0 = moving on); absent when no rotation runs");
    for (const auto& f : inv->Issuers()) {
      std::vector<ClientMetric::Label> labels = {
          {"kind", f.kind}, {"namespace", f.ns}, {"name", f.name}};
      for (const char* c : {"True", "False", "Unknown"}) {
        auto l = labels;
        l.push_back({"condition", c});
        Add(&issuer_ready, l, f.ready == c ? 1 : 0);
      }
      if (f.ca_not_after) Add(&ca_not_after, labels, *f.ca_not_after);
      if (f.ca_renewal) Add(&ca_renewal, labels, *f.ca_renewal);
      if (f.rotation_waiting)
        Add(&rotation_waiting, labels,
            static_cast<double>(*f.rotation_waiting));
    }
    for (auto* f :
         {&not_after, &not_before, &renewal, &ready, &trust, &issuer_ready,
          &ca_not_after, &ca_renewal, &rotation_waiting})
      families.push_back(std::move(*f));
  }
  const controller::RuntimeView* m = runtime_.load();
  if (m) {
    MetricFamily depth = Gauge("certstore_workqueue_depth",
                               "Keys ready and waiting for a worker");
    Add(&depth, {}, static_cast<double>(m->QueueDepth()));
    MetricFamily leader =
        Gauge("certstore_leader_status",
              "1 when this replica reconciles (holds the Lease, or runs "
              "without leader election)");
    Add(&leader, {}, m->Leading() ? 1 : 0);
    MetricFamily restarts;
    restarts.name = "certstore_watch_restarts_total";
    restarts.help = "Watches restarted after the first, by resource";
    restarts.type = MetricType::Counter;
    for (const auto& [resource, n] : m->WatchRestarts()) {
      ClientMetric c;
      c.label = {{"resource", resource}};
      c.counter.value = n;
      restarts.metric.push_back(std::move(c));
    }
    MetricFamily cached = Gauge(
        "certstore_cached_objects",
        "Objects in the operator's caches, by resource and payload "
        "(digest: CertStore Secrets, kept as a digest of their data; "
        "metadata: labelled Secrets it did not write, kept without data)");
    for (const auto& [key, n] : m->CachedObjects())
      Add(&cached, {{"resource", key.first}, {"payload", key.second}},
          static_cast<double>(n));
    MetricFamily longest =
        Gauge("certstore_reconcile_longest_running_seconds",
              "Age of the longest reconcile now running (0 when none); "
              "past the reconcile budget /healthz fails");
    Add(&longest, {}, m->LongestReconcileSeconds());
    MetricFamily bundle_entry =
        Gauge("certstore_trustbundle_certificate_not_after_timestamp_seconds",
              "When each certificate a TrustBundle distributes expires (a "
              "corporate root expiring pages someone)");
    MetricFamily bundle_ready = Gauge(
        "certstore_trustbundle_ready_status",
        "1 when the TrustBundle's Ready condition is True (sources resolved, "
        "every target written), else 0");
    MetricFamily bundle_ns =
        Gauge("certstore_trustbundle_target_namespaces",
              "Namespaces the TrustBundle's targets are written in");
    for (const auto& b : m->TrustBundles()) {
      Add(&bundle_ready, {{"trustbundle", b.name}}, b.ready ? 1 : 0);
      Add(&bundle_ns, {{"trustbundle", b.name}},
          static_cast<double>(b.namespaces));
      for (const auto& e : b.entries)
        Add(&bundle_entry,
            {{"trustbundle", b.name},
             {"subject", e.subject},
             {"fingerprint_sha256", e.fingerprint_sha256}},
            e.not_after_seconds);
    }
    MetricFamily restart_pending = Gauge(
        "certstore_workload_restart_pending",
        "Workloads annotated certstore.dev/restart-on-change: 1 while some "
        "of their pods may still run stores older than the Secrets they "
        "read (restart due, or rollout not finished)");
    for (const auto& w : m->WorkloadRestarts())
      Add(&restart_pending,
          {{"kind", w.kind}, {"namespace", w.ns}, {"name", w.name}},
          w.pending ? 1 : 0);
    for (auto* f : {&depth, &leader, &restarts, &cached, &longest,
                    &bundle_entry, &bundle_ready, &bundle_ns, &restart_pending})
      families.push_back(std::move(*f));
  }
  // The C++ counterpart of go_memstats: how much of the resident memory is
  // live objects and how much is free heap the allocator still holds.
  struct mallinfo2 heap = mallinfo2();
  MetricFamily heap_bytes =
      Gauge("certstore_heap_bytes",
            "malloc heap: in_use = live allocations (incl. mmapped), free = "
            "held by the allocator, not in use");
  Add(&heap_bytes, {{"state", "in_use"}},
      static_cast<double>(heap.uordblks + heap.hblkhd));
  Add(&heap_bytes, {{"state", "free"}}, static_cast<double>(heap.fordblks));
  families.push_back(std::move(heap_bytes));
  return prometheus::TextSerializer().Serialize(families);
}

kube::TransportPtr CountingTransport(kube::TransportPtr inner,
                                     OperatorMetrics* metrics) {
  return std::make_unique<Counting>(std::move(inner), metrics);
}

}  // namespace certstore::metrics
