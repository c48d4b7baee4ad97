// The operator's Prometheus metrics (names are a contract; README
// "Metrics"). Counters and histograms live in a prometheus-cpp registry and
// are fed by the Manager (ManagerObserver), the work queue and the API
// transport; per-object series (CertStores, truststore entries, issuers) are
// written at scrape time straight from the Manager's Inventory (exposition.h),
// so a deleted object leaves no stale series. Thread-safe.
#ifndef CERTSTORE_METRICS_OPERATOR_METRICS_H_
#define CERTSTORE_METRICS_OPERATOR_METRICS_H_

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <atomic>
#include <memory>
#include <string>

#include "operator/controller/runtime_view.h"
#include "operator/kube/transport.h"
#include "operator/metrics/exposition.h"

namespace certstore::metrics {

class OperatorMetrics : public controller::ManagerObserver {
 public:
  explicit OperatorMetrics(const std::string& version);

  // Where series come from: the running operator (runtime series: queue,
  // leader, watch restarts, caches) and its Inventory (per-object series).
  // REQUIRES: the sources outlive this object. AttachInventory alone is for
  // benchmarks.
  void Attach(const controller::RuntimeView* runtime) {
    inventory_.store(&runtime->inventory());
    runtime_.store(runtime);
  }
  void AttachInventory(const controller::Inventory* inventory) {
    inventory_.store(inventory);
  }

  // ManagerObserver.
  void Issued(const std::string& reason) override;
  void Reencoded() override;
  void IssuanceFailed(const std::string& reason) override;
  void PolicyDenied(const std::string& issuer_kind,
                    const std::string& issuer_name,
                    const std::string& field) override;
  void Reconciled(const std::string& controller, const std::string& result,
                  double seconds) override;

  void QueueWait(double seconds);
  // One API request finished: `verb` GET/LIST/WATCH/POST/PUT/PATCH/DELETE,
  // `code` the HTTP status or "error" when no response came.
  void ApiRequest(const std::string& verb, const std::string& code);

  // The text exposition format (version 0.0.4) of every series, handed to
  // `sink` in pieces as it is written: the per-object families are walked a
  // page of kScrapePage objects (or kScrapePageBytes of text) at a time, so a
  // scrape of 10,000 CertStores holds a page of text, not 80,000 samples. False
  // when the sink refused a piece (the client went away); nothing more is
  // written then.
  bool ScrapeTo(const ExpositionSink& sink) const;
  static constexpr size_t kScrapePage = 256;
  static constexpr size_t kScrapePageBytes = 256 * 1024;
  // The whole exposition as one string (tests, benchmarks).
  std::string Scrape() const;

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>& reconcile_total_;
  prometheus::Family<prometheus::Histogram>& reconcile_duration_;
  prometheus::Family<prometheus::Counter>& issuance_total_;
  prometheus::Family<prometheus::Counter>& issuance_failures_;
  prometheus::Family<prometheus::Counter>& policy_denials_;
  prometheus::Counter& reencodes_;
  prometheus::Histogram& queue_wait_;
  prometheus::Family<prometheus::Counter>& api_requests_;
  std::string version_;
  std::atomic<const controller::RuntimeView*> runtime_{nullptr};
  std::atomic<const controller::Inventory*> inventory_{nullptr};
};

// Wraps `inner` so that every request is counted in `metrics`.
kube::TransportPtr CountingTransport(kube::TransportPtr inner,
                                     OperatorMetrics* metrics);

}  // namespace certstore::metrics

#endif  // CERTSTORE_METRICS_OPERATOR_METRICS_H_
