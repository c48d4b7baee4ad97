// The Grafana dashboard (deploy/grafana/certstore-dashboard.json) against a
// live Prometheus scraping the suite's operator. The test namespace holds
// CertStores in the states the dashboard is for (Ready, Ready=False for a
// missing input, refused by a ClusterCertIssuer's policy) and a CA rotation
// runs; then every query of every panel, with Grafana's variables filled
// in, must be valid PromQL and return data, sent as Grafana sends it (a
// range query for a graph, an instant query for a table or stat), and the
// panels about those states must show them. The namespace variable's
// label_values() must list the test namespace.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <iostream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "operator/api/json.h"
#include "operator/common/files.h"
#include "tests/integration/operator_fixture.h"
#include "tests/integration/prometheus_server.h"

namespace certstore {
namespace {

// The panels the dashboard must have (issue 16), by title.
const char* const kRequiredPanels[] = {
    "Certificates by time to expiry",
    "CertStores by Ready state",
    "CertStores not Ready",
    "Issuances by reason",
    "Issuance failures by reason",
    "Policy denials by issuer and field",
    "Issuer CA expiry",
    "Earliest truststore entry expiry",
    "CA rotation progress",
    "Leader status by replica",
    "Work queue depth",
    "Reconcile latency",
    "Reconciles by controller and result",
    "API requests by verb and code",
    "API error ratio",
};

// One target of a panel.
struct PanelQuery {
  std::string panel, ref_id, expr;
  bool instant = false;  // Grafana sends an instant query, else a range one
};

struct Panel {
  std::string title, type, datasource_uid;
  std::vector<PanelQuery> queries;
};

// Every panel that is not a row, including those nested in (collapsed) rows.
void CollectPanels(const json::Value& panels, std::vector<Panel>* out) {
  for (const json::Value& p : panels.Elements()) {
    if (p["type"].String() == "row") {
      CollectPanels(p["panels"], out);
      continue;
    }
    Panel panel{std::string(p["title"].String()),
                std::string(p["type"].String()),
                std::string(p["datasource"]["uid"].String()),
                {}};
    for (const json::Value& t : p["targets"].Elements())
      panel.queries.push_back({panel.title, std::string(t["refId"].String()),
                               std::string(t["expr"].String()),
                               t["instant"].Bool()});
    out->push_back(std::move(panel));
  }
}

// `expr` with Grafana's variables replaced as Grafana does when namespace
// `ns` is selected and the scrape interval is short.
std::string Substitute(std::string expr, const std::string& ns) {
  const std::pair<const char*, std::string> vars[] = {
      {"${namespace}", ns},         {"$namespace", ns},
      {"${__rate_interval}", "1m"}, {"$__rate_interval", "1m"},
      {"${__interval}", "1m"},      {"$__interval", "1m"}};
  for (const auto& [name, value] : vars) {
    const std::string from = name;
    for (size_t at = expr.find(from); at != std::string::npos;
         at = expr.find(from, at + value.size()))
      expr.replace(at, from.size(), value);
  }
  return expr;
}

// What Prometheus said about a query.
struct Verdict {
  bool data = false;     // status success with at least one series
  bool invalid = false;  // refused as bad PromQL: retrying cannot help
  std::string why;       // when !data
};
Verdict Judge(const std::string& answer) {
  std::string error;
  auto doc = json::Document::Parse(answer, &error);
  if (!doc) return {false, false, "no JSON answer (" + error + ")"};
  json::Value root = doc->Root();
  if (root["status"].String() != "success")
    return {false, root["errorType"].String() == "bad_data",
            "status " + std::string(root["status"].String("?")) + ": " +
                std::string(root["errorType"].String()) + ": " +
                std::string(root["error"].String())};
  if (root["data"]["result"].Size() == 0)
    return {false, false, "an empty result"};
  return {true, false, ""};
}

TEST_F(OperatorIT, DashboardPanelsQueryLiveMetrics) {
  // 1. The dashboard's shape: variables, required panels, a query in each.
  const std::string path =
      KubeTestEnv::SourceDir() + "/deploy/grafana/certstore-dashboard.json";
  auto text = ReadFile(path);
  ASSERT_TRUE(text.ok()) << path;
  std::string parse_error;
  auto dashboard = json::Document::Parse(*text, &parse_error);
  ASSERT_TRUE(dashboard.has_value()) << path << ": " << parse_error;
  json::Value root = dashboard->Root();
  EXPECT_GE(root["schemaVersion"].Int().value_or(0), 36);
  std::map<std::string, json::Value> vars;
  for (const json::Value& v : root["templating"]["list"].Elements())
    vars[std::string(v["name"].String())] = v;
  ASSERT_TRUE(vars.count("datasource") && vars.count("namespace"))
      << root["templating"].Serialize();
  EXPECT_EQ(vars["datasource"]["type"].String(), "datasource");
  EXPECT_EQ(vars["datasource"]["query"].String(), "prometheus");
  EXPECT_EQ(vars["namespace"]["type"].String(), "query");
  EXPECT_TRUE(vars["namespace"]["includeAll"].Bool());
  // label_values(SELECTOR, LABEL)
  const std::string ns_query(vars["namespace"]["definition"].String());
  size_t lparen = ns_query.find('('), comma = ns_query.rfind(','),
         rparen = ns_query.rfind(')');
  ASSERT_TRUE(ns_query.rfind("label_values(", 0) == 0 &&
              comma != std::string::npos && rparen > comma)
      << ns_query;
  const std::string ns_selector =
      ns_query.substr(lparen + 1, comma - lparen - 1);
  std::string ns_label = ns_query.substr(comma + 1, rparen - comma - 1);
  ns_label.erase(0, ns_label.find_first_not_of(' '));
  EXPECT_EQ(ns_label, "namespace");

  std::vector<Panel> panels;
  CollectPanels(root["panels"], &panels);
  std::set<std::string> titles;
  std::vector<PanelQuery> queries;
  for (const Panel& p : panels) {
    titles.insert(p.title);
    EXPECT_EQ(p.datasource_uid, "${datasource}") << p.title;
    bool has_expr = false;
    for (const PanelQuery& q : p.queries) {
      has_expr = has_expr || !q.expr.empty();
      if (q.expr.empty()) continue;
      queries.push_back(q);
      queries.back().expr = Substitute(q.expr, ns_);
      EXPECT_EQ(queries.back().expr.find('$'), std::string::npos)
          << "panel \"" << p.title << "\": a variable the test does not "
          << "know: " << q.expr;
    }
    EXPECT_TRUE(has_expr) << "panel \"" << p.title << "\" has no query";
  }
  for (const char* want : kRequiredPanels)
    EXPECT_TRUE(titles.count(want)) << "no panel \"" << want << "\"";

  // 2. A Prometheus scraping the operator from now on, so that rate()
  //    sees the counters move and the range queries cover the rotation.
  PrometheusServer prometheus("127.0.0.1:" + std::to_string(metrics_port_));

  // 3. CertStores in the states the dashboard shows.
  std::string dir = "/tmp/operator-dashboard-" + std::to_string(getpid());
  std::filesystem::create_directories(dir);
  MakeOpensslRoot(dir, "Dashboard Root One");
  MakeOpensslRoot(dir, "Dashboard Root Two");
  auto ca_secret = [&](const std::string& cn) {
    CommandResult y =
        env->Kubectl({"-n", ns_, "create", "secret", "tls", "team-ca", "--cert",
                      dir + "/" + cn + ".crt", "--key", dir + "/" + cn + ".key",
                      "--dry-run=client", "-o", "yaml"});
    ASSERT_TRUE(y.ok()) << y.output;
    Apply(y.output);
  };
  ca_secret("Dashboard Root One");
  const std::string guarded = "dashboard-" + ns_;  // cluster-scoped
  auto certstore = [](const std::string& name, const std::string& issuer_ref,
                      const std::string& extra) {
    return "---\napiVersion: certstore.dev/v1alpha1\nkind: CertStore\n"
           "metadata: {name: " +
           name + "}\nspec:\n  issuerRef: " + issuer_ref +
           "\n  secretName: " + name +
           "-stores\n  keystore: {commonName: " + name + "}\n" + extra;
  };
  Apply(
      "apiVersion: certstore.dev/v1alpha1\nkind: CertIssuer\nmetadata: "
      "{name: team}\nspec:\n  ca: {secretName: team-ca}\n"
      "---\napiVersion: certstore.dev/v1alpha1\nkind: ClusterCertIssuer\n"
      "metadata: {name: " +
      guarded + "}\nspec:\n  selfSigned: {secretName: " + guarded +
      ", commonName: Dashboard Shared Root}\n" +
      certstore("ready", "{name: team}",
                "  truststore: {}\n  formats: [PKCS12, PEM]\n") +
      certstore("nopass", "{name: team}",
                "  password: {secretKeyRef: {name: missing}}\n") +
      certstore("denied", "{kind: ClusterCertIssuer, name: " + guarded + "}",
                ""));
  ASSERT_TRUE(WaitReady("ready", "True")) << OperatorLog();
  ASSERT_TRUE(WaitReady("nopass", "False", "InputNotFound"))
      << Condition("nopass", "Ready", "message");
  ASSERT_TRUE(WaitReady("denied", "False", "PolicyDenied"))
      << Condition("denied", "Ready", "message");
  auto stores = Secret("ready-stores");
  ASSERT_TRUE(stores.has_value());
  passwords_.push_back(stores->data["password"]);
  ASSERT_TRUE(Eventually(
      [&] {
        return !Jsonpath("certissuer.certstore.dev", "team",
                         "{.status.caCertificate}")
                    .empty();
      },
      std::chrono::seconds(30)));
  // A CA rotation: the issuer's CA Secret replaced.
  ca_secret("Dashboard Root Two");
  ASSERT_TRUE(Eventually(
      [&] {
        return !Jsonpath("certissuer.certstore.dev", "team",
                         "{.status.rotation}")
                    .empty();
      },
      std::chrono::seconds(30), std::chrono::milliseconds(200)))
      << OperatorLog();

  // 4. What the panels must show about those states (in the answer's
  //    labels), beyond returning data.
  const std::map<std::string, std::vector<std::string>> shows = {
      {"Certificates by time to expiry", {"\"name\":\"ready\""}},
      {"CertStores by Ready state",
       {"\"condition\":\"True\"", "\"condition\":\"False\""}},
      {"CertStores not Ready", {"\"name\":\"nopass\"", "\"name\":\"denied\""}},
      {"Issuance failures by reason", {"InputNotFound", "PolicyDenied"}},
      {"Policy denials by issuer and field", {"\"issuer_name\":\"" + guarded}},
      {"Issuer CA expiry", {"\"name\":\"team\""}},
      {"Earliest truststore entry expiry", {"\"name\":\"ready\""}},
      {"CA rotation progress", {"\"name\":\"team\""}},
  };

  // 5. Every query until it returns data (and shows what it must), 90 s in
  //    all. Graphs as Grafana asks for them: a range over the last 5
  //    minutes, which covers the whole test.
  std::map<size_t, std::string> pending;  // query index -> why not yet
  for (size_t i = 0; i < queries.size(); ++i) pending[i] = "not asked";
  std::vector<std::string> invalid;
  Eventually(
      [&] {
        const int64_t now =
            std::chrono::duration_cast<std::chrono::seconds>(
                std::chrono::system_clock::now().time_since_epoch())
                .count();
        for (auto it = pending.begin(); it != pending.end();) {
          const PanelQuery& q = queries[it->first];
          std::string answer =
              q.instant ? prometheus.Query(q.expr)
                        : prometheus.QueryRange(q.expr, now - 300, now, 2);
          Verdict v = Judge(answer);
          std::string missing;
          auto want = shows.find(q.panel);
          if (v.data && want != shows.end())
            for (const std::string& needle : want->second)
              if (answer.find(needle) == std::string::npos)
                missing += (missing.empty() ? "" : ", ") + needle;
          if (v.invalid) {
            invalid.push_back("panel \"" + q.panel + "\" (" + q.ref_id +
                              "): " + q.expr + ": " + v.why);
            it = pending.erase(it);
          } else if (v.data && missing.empty()) {
            it = pending.erase(it);
          } else {
            it->second = v.data ? "data without " + missing
                                : v.why + ": " + answer.substr(0, 300);
            ++it;
          }
        }
        return pending.empty();
      },
      std::chrono::seconds(90), std::chrono::milliseconds(1000));
  std::cout << "dashboard: " << queries.size() - pending.size() - invalid.size()
            << " of " << queries.size() << " queries (" << panels.size()
            << " panels) returned data\n";
  for (const std::string& i : invalid) ADD_FAILURE() << "invalid query: " << i;
  for (const auto& [i, why] : pending)
    ADD_FAILURE() << "panel \"" << queries[i].panel << "\" ("
                  << queries[i].ref_id << "): " << queries[i].expr
                  << "\n  returned no data within 90 s: " << why;

  // 6. The namespace variable offers the test namespace.
  std::string values;
  EXPECT_TRUE(Eventually(
      [&] {
        values = prometheus.LabelValues(ns_label, ns_selector);
        auto doc = json::Document::Parse(values);
        if (!doc || doc->Root()["status"].String() != "success") return false;
        for (const json::Value& v : doc->Root()["data"].Elements())
          if (v.String() == ns_) return true;
        return false;
      },
      std::chrono::seconds(30)))
      << ns_query << ": " << values;
  if (HasFailure()) {
    std::string log = prometheus.Log();
    std::cerr << "Prometheus log (tail):\n"
              << (log.size() > 4000 ? log.substr(log.size() - 4000) : log);
  }

  env->Kubectl({"delete", "clustercertissuer", guarded, "--wait=false"});
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace certstore
