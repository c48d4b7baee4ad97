// `kubectl certstore renew`: asks the operator for a new certificate now,
// through the CertStore's renewal-request annotation
// (engine::kRenewRequestAnnotation), and optionally waits for it.
#include <chrono>
#include <cstdio>
#include <iostream>
#include <thread>

#include "operator/api/json.h"
#include "operator/api/parse.h"
#include "operator/cli/cluster.h"
#include "operator/cli/commands.h"
#include "operator/cli/printable.h"
#include "operator/common/duration.h"
#include "operator/engine/reasons.h"
#include "operator/kube/resource.h"

namespace certstore::cli {
namespace {

constexpr std::chrono::seconds kDefaultWait{120};

// A new request value: the time to the nanosecond (two requests in the same
// second stay two requests).
std::string NewRequestValue() {
  auto now = std::chrono::system_clock::now();
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                now.time_since_epoch())
                .count();
  std::time_t secs = static_cast<std::time_t>(ns / 1000000000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(
      buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%09lldZ",
      tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
      tm.tm_sec,
      static_cast<long long>(ns % 1000000000));  // NOLINT(runtime/int)
  return buf;
}

struct Target {
  std::string name;
  std::string serial_before;
  bool done = false;
};

// The CertStores --all means: every one in the namespace with a keystore.
StatusOr<std::vector<std::string>> AllNames(Cluster& cluster) {
  ASSIGN_OR_RETURN(
      std::string list,
      cluster.client().List(kube::CertStoresResource(), cluster.ns()));
  std::string error;
  auto doc = json::Document::Parse(list, &error);
  if (!doc) return InternalError("list certstores: " + error);
  std::vector<std::string> names;
  for (const json::Value& item : doc->Root()["items"].Elements())
    names.emplace_back(item["metadata"]["name"].String());
  return names;
}

// Sets the annotation. kExitOk, or the exit code with the message printed.
int Request(Cluster& cluster, const std::string& value, bool skip_truststores,
            Target* t) {
  if (Status bad = CheckObjectName(t->name); !bad.ok()) {
    std::cerr << "renew: " << bad.message() << "\n";
    return kExitUsage;
  }
  const std::string where = cluster.ns() + "/" + t->name;
  auto got =
      cluster.client().Get(kube::CertStoresResource(), cluster.ns(), t->name);
  if (!got.ok()) {
    std::cerr << "renew: " << got.status().message() << "\n";
    return ExitCodeFor(got.status());
  }
  auto cs = api::ParseCertStore(*got);
  if (!cs.ok()) {
    std::cerr << "renew: certstore " << where << ": " << cs.status().message()
              << "\n";
    return kExitFailed;
  }
  if (!cs->spec.keystore) {
    if (skip_truststores) {
      t->done = true;
      std::cout << "certstore " << where
                << " skipped: truststore only, no certificate to renew\n";
      return kExitOk;
    }
    std::cerr << "renew: certstore " << where
              << " has no keystore: there is no certificate to renew (a "
                 "truststore follows its sources; change a source instead)\n";
    return kExitFailed;
  }
  t->serial_before = api::ParseObservedStatus(*got).serial_number;
  json::Writer w;
  w.BeginObject().Key("metadata").BeginObject().Key("annotations");
  w.BeginObject().Field(engine::kRenewRequestAnnotation, value).EndObject();
  w.EndObject().EndObject();
  auto patched =
      cluster.client().Patch(kube::CertStoresResource(), cluster.ns(), t->name,
                             kube::PatchType::kMerge, w.Take());
  if (!patched.ok()) {
    std::cerr << "renew: " << patched.status().message() << "\n";
    return ExitCodeFor(patched.status());
  }
  std::cout << "certstore " << where << " renewal requested ("
            << engine::kRenewRequestAnnotation << "=" << value << ")\n";
  return kExitOk;
}

// True once the operator answered `value` for t, with Ready=True (the new
// serial printed); *last_state says where the CertStore is otherwise.
bool Answered(Cluster& cluster, const std::string& value, Target* t,
              std::string* last_state) {
  auto got =
      cluster.client().Get(kube::CertStoresResource(), cluster.ns(), t->name);
  if (!got.ok()) {
    *last_state = got.status().message();
    return false;
  }
  api::ObservedStatus st = api::ParseObservedStatus(*got);
  if (st.ready)
    *last_state = Printable("Ready=" + st.ready->status + " " +
                            st.ready->reason + ": " + st.ready->message);
  // Answered, Ready, and a new certificate: the Secret's annotation is
  // anyone's to edit, the serial is the proof.
  if (st.last_renew_request != value || !st.ready ||
      st.ready->status != "True" || st.serial_number.empty() ||
      st.serial_number == t->serial_before)
    return false;
  std::cout << "certstore " << cluster.ns() << "/" << t->name
            << " renewed: serial " << Printable(st.serial_number) << " (was "
            << (t->serial_before.empty() ? "none" : Printable(t->serial_before))
            << "), valid until " << Printable(st.not_after) << "\n";
  return true;
}

}  // namespace

int RunRenew(const std::vector<std::string>& argv) {
  auto args = ParseArgs(
      argv, WithClusterFlags({{"all", 0, false}, {"wait", 0, true, true}}));
  if (!args.ok()) {
    std::cerr << "renew: " << args.status().message() << "\n";
    return kExitUsage;
  }
  bool all = args->Has("all");
  if (all == !args->positional.empty()) {
    std::cerr << "renew: name one or more CertStores, or --all\n";
    return kExitUsage;
  }
  bool wait = args->Has("wait") || !args->Get("wait").empty();
  std::chrono::seconds timeout = kDefaultWait;
  if (!args->Get("wait").empty()) {
    auto d = ParseGoDuration(args->Get("wait"));
    if (!d.ok() || d->count() <= 0) {
      std::cerr << "renew: --wait: a duration such as 90s or 5m\n";
      return kExitUsage;
    }
    timeout = *d;
  }
  auto cluster = Cluster::Connect(*args);
  if (!cluster.ok()) {
    std::cerr << "renew: " << cluster.status().message() << "\n";
    return kExitUsage;
  }
  std::vector<std::string> names = args->positional;
  if (all) {
    auto listed = AllNames(**cluster);
    if (!listed.ok()) {
      std::cerr << "renew: " << listed.status().message() << "\n";
      return ExitCodeFor(listed.status());
    }
    names = std::move(listed).value();
  }
  const std::string value = NewRequestValue();
  std::vector<Target> targets;
  int rc = kExitOk;
  for (const std::string& n : names) {
    Target t;
    t.name = n;
    int r = Request(**cluster, value, all, &t);
    if (r != kExitOk) {
      rc = std::max(rc, r);
      continue;
    }
    if (!t.done) targets.push_back(std::move(t));
  }
  if (!wait) return rc;

  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::vector<std::string> state(targets.size());
  for (;;) {
    bool pending = false;
    for (size_t i = 0; i < targets.size(); ++i) {
      if (targets[i].done) continue;
      targets[i].done = Answered(**cluster, value, &targets[i], &state[i]);
      pending = pending || !targets[i].done;
    }
    if (!pending) return rc;
    if (std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
  for (size_t i = 0; i < targets.size(); ++i)
    if (!targets[i].done)
      std::cerr << "renew: certstore " << (*cluster)->ns() << "/"
                << targets[i].name << " not renewed within "
                << FormatGoDuration(timeout) << " (" << state[i] << ")\n";
  return kExitFailed;
}

}  // namespace certstore::cli
