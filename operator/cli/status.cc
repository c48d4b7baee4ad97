// `kubectl certstore status`: one CertStore in depth (certstore_report.h),
// a table of many sorted by expiry, or an issuer with its CA, rotation,
// members and policy. Text, or -o json|yaml for scripts.
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <iomanip>
#include <iostream>

#include "operator/api/emit.h"
#include "operator/api/json.h"
#include "operator/api/parse.h"
#include "operator/cli/certstore_report.h"
#include "operator/cli/cluster.h"
#include "operator/cli/commands.h"
#include "operator/cli/printable.h"
#include "operator/common/time_format.h"
#include "operator/kube/resource.h"
#include "operator/pki/certificate.h"

namespace certstore::cli {
namespace {

struct Row {
  std::string ns, name, ready, reason, issuer, not_after, renewal;
  std::optional<TimePoint> expires, renews;
};

std::vector<Row> Rows(const json::Value& items) {
  std::vector<Row> rows;
  for (const json::Value& item : items.Elements()) {
    Row r;
    r.ns = item["metadata"]["namespace"].String();
    r.name = item["metadata"]["name"].String();
    const json::Value ref = item["spec"]["issuerRef"];
    r.issuer = std::string(ref["kind"].String("CertIssuer")) + "/" +
               std::string(ref["name"].String());
    api::ObservedStatus st = api::ParseObservedStatus(item.Serialize());
    if (st.ready) {
      r.ready = st.ready->status;
      r.reason = st.ready->reason;
    }
    r.not_after = st.not_after;
    r.renewal = st.renewal_time;
    if (auto t = ParseRfc3339(st.not_after); t.ok()) r.expires = *t;
    if (auto t = ParseRfc3339(st.renewal_time); t.ok()) r.renews = *t;
    rows.push_back(std::move(r));
  }
  // Soonest expiry first; nothing issued (truststores) last.
  std::stable_sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
    if (a.expires && b.expires) return *a.expires < *b.expires;
    return a.expires.has_value() && !b.expires.has_value();
  });
  return rows;
}

// "expired", "renewal due" or "".
std::string Window(const Row& r, TimePoint now) {
  if (r.expires && now >= *r.expires) return "expired";
  if (r.renews && now >= *r.renews) return "renewal due";
  return "";
}

void PrintTable(const std::vector<Row>& rows, bool all_ns, TimePoint now,
                bool colour) {
  std::vector<std::vector<std::string>> cells;
  cells.push_back({"NAME", "READY", "REASON", "ISSUER", "EXPIRES", "IN",
                   "RENEWAL", "WINDOW"});
  if (all_ns) cells.back().insert(cells.back().begin(), "NAMESPACE");
  for (const Row& r : rows) {
    cells.push_back({r.name, r.ready.empty() ? "Unknown" : r.ready, r.reason,
                     r.issuer, r.not_after.empty() ? "-" : r.not_after,
                     r.expires ? FormatRelative(*r.expires, now) : "-",
                     r.renews ? FormatRelative(*r.renews, now) : "-",
                     Window(r, now)});
    if (all_ns) cells.back().insert(cells.back().begin(), r.ns);
  }
  for (auto& row : cells)
    for (auto& cell : row) cell = Printable(cell);
  std::vector<size_t> width(cells.front().size(), 0);
  for (const auto& row : cells)
    for (size_t i = 0; i < row.size(); ++i)
      width[i] = std::max(width[i], row[i].size());
  size_t ready_col = all_ns ? 2 : 1;
  for (const auto& row : cells) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      std::string cell = row[i];
      std::string pad(width[i] - cell.size() + (i + 1 < row.size() ? 3 : 0),
                      ' ');
      if (i == ready_col) cell = Coloured(cell, colour);
      line += cell + (i + 1 < row.size() ? pad : "");
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    std::cout << line << "\n";
  }
}

void WriteRows(json::Writer& w, const std::vector<Row>& rows, TimePoint now) {
  w.BeginObject().Key("items").BeginArray();
  for (const Row& r : rows) {
    w.BeginObject()
        .Field("namespace", r.ns)
        .Field("name", r.name)
        .Field("ready", r.ready)
        .Field("reason", r.reason)
        .Field("issuer", r.issuer)
        .Field("notAfter", r.not_after);
    if (r.expires) w.Field("expiresIn", FormatRelative(*r.expires, now));
    w.Field("renewalTime", r.renewal)
        .Field("window", Window(r, now))
        .EndObject();
  }
  w.EndArray().EndObject();
}

// Prints `json` as the -o format asks.
void Emit(const std::string& format, const std::string& json) {
  if (format == "yaml")
    std::cout << api::YamlFromJson(json);
  else
    std::cout << json << "\n";
}

int Fail(const Status& st) {
  std::cerr << "status: " << st.message() << "\n";
  return ExitCodeFor(st);
}

int Table(Cluster& cluster, bool all_ns, const std::string& format,
          TimePoint now, bool colour) {
  auto list = cluster.client().List(kube::CertStoresResource(),
                                    all_ns ? "" : cluster.ns());
  if (!list.ok()) return Fail(list.status());
  auto doc = json::Document::Parse(*list);
  if (!doc) return Fail(InternalError("the CertStore list does not parse"));
  std::vector<Row> rows = Rows(doc->Root()["items"]);
  if (!format.empty()) {
    json::Writer w;
    WriteRows(w, rows, now);
    Emit(format, w.Take());
    return kExitOk;
  }
  if (rows.empty()) {
    std::cerr << "No CertStores found"
              << (all_ns ? "" : " in namespace " + cluster.ns()) << ".\n";
    return kExitOk;
  }
  PrintTable(rows, all_ns, now, colour);
  return kExitOk;
}

int OneCertStore(Cluster& cluster, const std::string& name,
                 const std::string& format, TimePoint now, bool colour) {
  if (Status bad = CheckObjectName(name); !bad.ok()) return Fail(bad);
  auto report = GatherCertStore(cluster, name, now);
  if (!report.ok()) return Fail(report.status());
  if (!format.empty()) {
    json::Writer w;
    WriteCertStore(w, *report, now);
    Emit(format, w.Take());
  } else {
    PrintCertStore(std::cout, *report, now, colour);
  }
  // Scripts: 0 only when Ready and the Secret holds what status says.
  bool healthy = report->status.ready &&
                 report->status.ready->status == "True" &&
                 report->secret_error.empty() && report->mismatches.empty();
  return healthy ? kExitOk : kExitFailed;
}

int OneIssuer(Cluster& cluster, bool cluster_scoped, const std::string& name,
              const std::string& format, TimePoint now, bool colour) {
  if (Status bad = CheckObjectName(name); !bad.ok()) return Fail(bad);
  const char* kind = cluster_scoped ? "ClusterCertIssuer" : "CertIssuer";
  auto got =
      cluster.client().Get(cluster_scoped ? kube::ClusterCertIssuersResource()
                                          : kube::CertIssuersResource(),
                           cluster_scoped ? "" : cluster.ns(), name);
  if (!got.ok()) return Fail(got.status());
  auto doc = json::Document::Parse(*got);
  if (!doc) return Fail(InternalError("the issuer does not parse"));
  api::ObservedStatus st = api::ParseObservedStatus(*got);
  std::vector<CertSummary> ca;
  if (!st.ca_certificate.empty()) {
    auto certs = pki::ParseCertificatesPem(st.ca_certificate);
    if (certs.ok())
      for (const auto& c : *certs) {
        pki::CertificateInfo i = pki::DescribeCertificate(c.get());
        CertSummary s;
        s.subject = i.subject;
        s.not_after = i.not_after;
        s.not_after_time = pki::NotAfter(c.get());
        s.fingerprint = i.fingerprint_sha256;
        ca.push_back(std::move(s));
      }
  }
  // Members: the CertStores that name it (in its namespace, or anywhere for
  // a ClusterCertIssuer; a user who may not list them sees none).
  std::vector<Row> members;
  auto list = cluster.client().List(kube::CertStoresResource(),
                                    cluster_scoped ? "" : cluster.ns());
  if (list.ok())
    if (auto l = json::Document::Parse(*list))
      for (Row& r : Rows(l->Root()["items"]))
        if (r.issuer == std::string(kind) + "/" + name)
          members.push_back(std::move(r));
  std::string policy = doc->Root()["spec"]["policy"].Exists()
                           ? doc->Root()["spec"]["policy"].Serialize()
                           : "";
  std::string where = cluster_scoped ? name : cluster.ns() + "/" + name;
  if (!format.empty()) {
    json::Writer w;
    w.BeginObject().Field("kind", kind).Field("name", name);
    if (!cluster_scoped) w.Field("namespace", cluster.ns());
    if (st.ready)
      w.Key("ready")
          .BeginObject()
          .Field("status", st.ready->status)
          .Field("reason", st.ready->reason)
          .Field("message", st.ready->message)
          .EndObject();
    w.Key("ca").BeginArray();
    for (const CertSummary& c : ca) {
      w.BeginObject()
          .Field("subject", c.subject)
          .Field("notAfter", c.not_after);
      if (c.not_after_time)
        w.Field("expiresIn", FormatRelative(*c.not_after_time, now));
      w.Field("fingerprintSHA256", c.fingerprint).EndObject();
    }
    w.EndArray();
    if (st.rotation) WriteRotation(w, *st.rotation);
    w.Key("members").BeginArray();
    for (const Row& m : members)
      w.BeginObject()
          .Field("namespace", m.ns)
          .Field("name", m.name)
          .Field("ready", m.ready)
          .Field("notAfter", m.not_after)
          .EndObject();
    w.EndArray();
    if (!policy.empty()) w.Key("policy").Copy(doc->Root()["spec"]["policy"]);
    w.EndObject();
    Emit(format, w.Take());
    return kExitOk;
  }
  const auto P = [](const std::string& x) { return Printable(x); };
  std::cout << kind << " " << P(where) << "\n";
  if (st.ready)
    std::cout << "Ready:     " << Coloured(P(st.ready->status), colour) << " "
              << P(st.ready->reason) << ": " << P(st.ready->message) << "\n";
  for (const CertSummary& c : ca)
    std::cout << "CA:        " << P(c.subject) << ", expires " << c.not_after
              << (c.not_after_time
                      ? " (" + FormatRelative(*c.not_after_time, now) + ")"
                      : "")
              << ", SHA-256 " << c.fingerprint.substr(0, 23) << "...\n";
  if (st.rotation) {
    std::cout << "Rotation:  started " << P(st.rotation->started_at);
    if (!st.rotation->trust_distributed_at.empty())
      std::cout << ", trust distributed "
                << P(st.rotation->trust_distributed_at);
    if (!st.rotation->reissued_at.empty())
      std::cout << ", re-issued " << P(st.rotation->reissued_at);
    std::cout << "\n";
    if (st.rotation->waiting_count > 0) {
      std::cout << "  Waiting for " << st.rotation->waiting_count << ":";
      for (const auto& m : st.rotation->waiting_for) std::cout << " " << P(m);
      std::cout << "\n";
    }
  } else {
    std::cout << "Rotation:  none\n";
  }
  std::cout << "Policy:    "
            << (!policy.empty() ? policy
                : cluster_scoped
                    ? std::string("none: serves no namespace")
                    : std::string("none: its own namespace, any identity"))
            << "\n";
  std::cout << "Members:   " << members.size() << " CertStore(s)\n";
  for (const Row& m : members)
    std::cout << "  " << P(m.ns) << "/" << P(m.name) << "  "
              << (m.ready.empty() ? "Unknown" : P(m.ready)) << " "
              << P(m.reason)
              << (m.expires ? "  expires " + FormatRelative(*m.expires, now)
                            : "")
              << "\n";
  return kExitOk;
}

}  // namespace

int RunStatus(const std::vector<std::string>& argv) {
  auto args = ParseArgs(argv, WithClusterFlags({{"all-namespaces", 'A', false},
                                                {"output", 'o'}}));
  if (!args.ok()) {
    std::cerr << "status: " << args.status().message() << "\n";
    return kExitUsage;
  }
  std::string format = args->Get("output");
  if (!format.empty() && format != "json" && format != "yaml") {
    std::cerr << "status: -o: json or yaml, not \"" << format << "\"\n";
    return kExitUsage;
  }
  bool all_ns = args->Has("all-namespaces");
  if (args->positional.size() > 1 || (all_ns && !args->positional.empty())) {
    std::cerr << "status: at most one NAME (or issuer/NAME, "
                 "clusterissuer/NAME), and no NAME with -A\n";
    return kExitUsage;
  }
  auto cluster = Cluster::Connect(*args);
  if (!cluster.ok()) return Fail(cluster.status());
  bool colour = format.empty() && isatty(STDOUT_FILENO) &&
                std::getenv("NO_COLOR") == nullptr;
  TimePoint now = std::chrono::system_clock::now();
  if (args->positional.empty())
    return Table(**cluster, all_ns, format, now, colour);
  std::string target = args->positional[0];
  for (const auto& [prefix, cluster_scoped] :
       {std::pair<std::string, bool>{"issuer/", false},
        {"certissuer/", false},
        {"clusterissuer/", true},
        {"clustercertissuer/", true}})
    if (target.rfind(prefix, 0) == 0)
      return OneIssuer(**cluster, cluster_scoped, target.substr(prefix.size()),
                       format, now, colour);
  for (const std::string prefix : {"certstore/", "cstore/"})
    if (target.rfind(prefix, 0) == 0) target = target.substr(prefix.size());
  return OneCertStore(**cluster, target, format, now, colour);
}

}  // namespace certstore::cli
