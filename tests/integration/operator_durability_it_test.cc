// Crash safety and API outages with a batch of issuances in flight:
// - the operator SIGKILLed at many points and restarted: every CertStore
//   ends Ready, every Secret's key matches its certificate at every moment
//   we look, and no certificate that was once stored is ever replaced
//   (nothing valid is re-keyed);
// - kube-apiserver SIGKILLed and restarted mid-batch: the same operator
//   process converges without a restart;
// - sealed Secrets across a restart (engine/seal.h): untouched ones are not
//   written, while a tampered store and a seal copied from another Secret
//   are each checked in full and repaired.
#include <map>
#include <thread>

#include "operator/common/base64.h"
#include "operator/pki/certificate.h"
#include "operator/pki/key.h"
#include "operator/pki/pkcs12.h"
#include "tests/integration/operator_fixture.h"

namespace certstore {
namespace {

// What a managed Secret holds right now.
struct Stored {
  std::string crt, key, revision, owner;
};

// Every managed Secret in namespace `ns`, by name (one kubectl call).
std::map<std::string, Stored> ManagedSecrets(const std::string& ns) {
  CommandResult r =
      env->Kubectl({"-n", ns, "get", "secrets", "-l",
                    "app.kubernetes.io/managed-by=certstore-operator", "-o",
                    "jsonpath={range .items[*]}{.metadata.name}{\" "
                    "\"}{.data.tls\\.crt}{\" \"}"
                    "{.data.tls\\.key}{\" "
                    "\"}{.metadata.annotations.certstore\\.dev/revision}{\" \"}"
                    "{.metadata.ownerReferences[0].kind}{\"\\n\"}{end}"});
  std::map<std::string, Stored> out;
  if (!r.ok()) return out;
  std::istringstream in(r.output);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream f(line);
    std::string name, crt, key, rev, owner;
    f >> name >> crt >> key >> rev >> owner;
    if (name.empty()) continue;
    out[name] = {Base64Decode(crt).value_or(""), Base64Decode(key).value_or(""),
                 rev, owner};
  }
  return out;
}

// Whether the Secret's key belongs to its certificate.
::testing::AssertionResult KeyMatches(const std::string& name,
                                      const Stored& s) {
  auto certs = pki::ParseCertificatesPem(s.crt);
  auto key = pki::ParsePrivateKeyPem(SecretBytes(s.key));
  if (!certs.ok() || !key.ok())
    return ::testing::AssertionFailure()
           << name << ": tls.crt or tls.key unreadable";
  if (!pki::KeyMatchesCertificate(key->get(), certs->front().get()))
    return ::testing::AssertionFailure()
           << name << ": key does not match certificate";
  return ::testing::AssertionSuccess();
}

// `n` CertStores c0..c<n-1> of issuer "batch" (PKCS12 + PEM); every
// `rsa_every`th with an RSA-2048 key (slow: a wider window to kill in), every
// third with a separate truststore Secret (an issuance of two writes).
std::string Batch(const std::string& issuer_yaml, int n, int rsa_every) {
  std::string yaml = issuer_yaml;
  for (int i = 0; i < n; ++i) {
    std::string name = "c" + std::to_string(i);
    bool rsa = rsa_every > 0 && i % rsa_every == 0;
    yaml +=
        "---\napiVersion: certstore.dev/v1alpha1\nkind: CertStore\nmetadata: "
        "{name: " +
        name + "}\nspec:\n  issuerRef: {name: batch}\n  secretName: " + name +
        "-stores\n  keystore:\n    commonName: " + name +
        "\n    privateKey: {algorithm: " +
        (rsa ? "RSA, size: 2048" : "ECDSA, size: 256") +
        "}\n  formats: [PKCS12, PEM]\n";
    if (i % 3 == 0) yaml += "  truststore: {secretName: " + name + "-trust}\n";
  }
  return yaml;
}

bool AllReady(const std::string& ns, int n) {
  CommandResult r =
      env->Kubectl({"-n", ns, "get", "certstores.certstore.dev", "-o",
                    "jsonpath={range "
                    ".items[*]}{.status.conditions[?(@.type==\"Ready\")]."
                    "status}{\"\\n\"}{end}"});
  if (!r.ok()) return false;
  int ready = 0;
  std::istringstream in(r.output);
  std::string line;
  while (std::getline(in, line)) ready += line == "True";
  return ready == n;
}

TEST_F(OperatorIT, SigkillAtManyPointsLeavesNoBrokenSecretAndReKeysNothing) {
  // The suite operator steps aside (SIGTERM releases its Lease).
  kill(pid_, SIGTERM);
  waitpid(pid_, nullptr, 0);
  constexpr int kStores = 30;
  Apply(Batch(Issuer("batch"), kStores, /*rsa_every=*/4));
  // Without --leader-elect: a killed leader's Lease would make each restart
  // wait for it to expire instead of racing into the batch.
  std::vector<std::string> args;
  for (const auto& a : operator_args_)
    if (a != "--leader-elect") args.push_back(a);
  std::string log = log_ + ".crash";
  std::map<std::string, std::string>
      first_cert;  // Secret -> first certificate seen
  auto check = [&](const char* when) {
    for (const auto& [name, s] : ManagedSecrets(ns_)) {
      if (name.find("-trust") != std::string::npos)
        continue;  // no key in there
      EXPECT_TRUE(KeyMatches(name, s)) << when;
      // The selfSigned root (created once, never owned) is checked as well:
      // it must never be replaced either.
      if (name != "batch-ca") {
        EXPECT_EQ(s.owner, "CertStore") << name << " has no owner " << when;
      }
      auto [it, fresh] = first_cert.emplace(name, s.crt);
      EXPECT_EQ(it->second, s.crt) << name << " was re-keyed " << when;
    }
  };
  // Each round: start the operator, wait until it has issued something new
  // (it is inside the batch; start-up takes seconds under sanitizers), let
  // it run a little longer (0-0.25 s, different each round: key generation,
  // between the Secret and status writes, between the two Secrets of a
  // split truststore), then SIGKILL.
  auto issued_keystores = [&] {
    int n = 0;
    for (const auto& [name, s] : ManagedSecrets(ns_))
      n += name.find("-stores") != std::string::npos;
    return n;
  };
  int kills = 0, before = 0;
  bool partial = false;  // a kill landed with the batch part done
  for (int round = 0; round < 5 && !AllReady(ns_, kStores); ++round) {
    pid_t op = SpawnOperator(args, log);
    bool progressed =
        Eventually([&] { return issued_keystores() > before; },
                   std::chrono::seconds(90), std::chrono::milliseconds(50));
    std::this_thread::sleep_for(std::chrono::milliseconds((round * 73) % 250));
    kill(op, SIGKILL);
    waitpid(op, nullptr, 0);
    ++kills;
    check(("after kill " + std::to_string(kills)).c_str());
    before = issued_keystores();
    partial = partial || (before > 0 && before < kStores);
    std::string text = ReadFile(log).value_or("");
    EXPECT_EQ(text.find("PRIVATE KEY"), std::string::npos);
    if (!progressed) break;  // the rest is checked below
  }
  EXPECT_GE(kills, 2) << "the batch finished too fast to be interrupted";
  EXPECT_TRUE(partial) << "no kill landed in the middle of the batch";
  // A last run finishes the batch.
  pid_t op = SpawnOperator(args, log);
  EXPECT_TRUE(Eventually([&] { return AllReady(ns_, kStores); },
                         std::chrono::seconds(180)))
      << ReadFile(log).value_or("");
  check("at the end");
  auto secrets = ManagedSecrets(ns_);
  int keystores = 0;
  for (const auto& [name, s] : secrets) {
    if (name.find("-stores") == std::string::npos) continue;
    ++keystores;
    EXPECT_EQ(s.revision, "1") << name << " was issued more than once";
  }
  EXPECT_EQ(keystores, kStores);
  // Keystores, separate truststores and the root: nothing orphaned, nothing
  // missing.
  EXPECT_EQ(static_cast<int>(secrets.size()), kStores + (kStores + 2) / 3 + 1)
      << "orphaned or missing Secrets";
  EXPECT_TRUE(secrets.count("batch-ca"));
  kill(op, SIGTERM);
  int status = 0;
  waitpid(op, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
      << "operator exit " << status << "; log tail:\n"
      << LogTail(log);
  std::string text = ReadFile(log).value_or("");
  EXPECT_EQ(text.find("PRIVATE KEY"), std::string::npos);
  std::remove(log.c_str());
  pid_ = SpawnOperator(operator_args_, log_);  // back for the other tests
  ASSERT_GT(pid_, 0);
}

TEST_F(OperatorIT, ConvergesAcrossAnApiServerRestartWithoutAnOperatorRestart) {
  ASSERT_FALSE(env->state_dir().empty());
  constexpr int kFirst = 20, kMore = 10;
  Apply(Batch(Issuer("batch"), kFirst, /*rsa_every=*/2));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  // The outage must hit the batch in the middle.
  EXPECT_FALSE(AllReady(ns_, kFirst))
      << "the batch finished before the API server went away";
  auto cluster = [](const std::vector<std::string>& args) {
    std::vector<std::string> argv{KubeTestEnv::SourceDir() +
                                  "/hack/cluster.sh"};
    argv.insert(argv.end(), args.begin(), args.end());
    return RunCommand(argv, "", std::chrono::seconds(120));
  };
  CommandResult stop = cluster({"stop-apiserver", env->state_dir(), "hard"});
  ASSERT_TRUE(stop.ok()) << stop.output;
  // The outage is real: the API server does not answer.
  EXPECT_FALSE(
      env->Kubectl({"get", "--raw", "/readyz"}, "", std::chrono::seconds(5))
          .ok());
  std::this_thread::sleep_for(
      std::chrono::seconds(5));  // watches and writes fail
  CommandResult start = cluster({"start-apiserver", env->state_dir()});
  ASSERT_TRUE(start.ok()) << start.output;
  // New work after the restart reaches the operator through its watches.
  std::string more;
  for (int i = kFirst; i < kFirst + kMore; ++i) {
    std::string name = "c" + std::to_string(i);
    more +=
        "---\napiVersion: certstore.dev/v1alpha1\nkind: CertStore\nmetadata: "
        "{name: " +
        name + "}\nspec:\n  issuerRef: {name: batch}\n  secretName: " + name +
        "-stores\n  keystore: {commonName: " + name + "}\n";
  }
  Apply(more);
  EXPECT_TRUE(Eventually([&] { return AllReady(ns_, kFirst + kMore); },
                         std::chrono::seconds(180)))
      << OperatorLog();
  EXPECT_EQ(kill(pid_, 0), 0) << "the operator process is gone";
  for (const auto& [name, s] : ManagedSecrets(ns_)) {
    if (name.find("-stores") == std::string::npos) continue;
    EXPECT_TRUE(KeyMatches(name, s));
    EXPECT_EQ(s.revision, "1") << name;
  }
}

TEST_F(OperatorIT, SealsSurviveARestartAndForgedOrTamperedOnesAreRepaired) {
  Apply(Issuer("sealer") +
        "---\napiVersion: certstore.dev/v1alpha1\nkind: CertStore\nmetadata: "
        "{name: a}\nspec:\n  issuerRef: {name: sealer}\n  secretName: "
        "a-stores\n  keystore: {commonName: a}\n  truststore: {}\n"
        "  formats: [PKCS12]\n"
        "---\napiVersion: certstore.dev/v1alpha1\nkind: CertStore\nmetadata: "
        "{name: b}\nspec:\n  issuerRef: {name: sealer}\n  secretName: "
        "b-stores\n  keystore: {commonName: b}\n"
        "---\napiVersion: certstore.dev/v1alpha1\nkind: CertStore\nmetadata: "
        "{name: c}\nspec:\n  issuerRef: {name: sealer}\n  secretName: "
        "c-stores\n  keystore: {commonName: c}\n");
  for (const char* n : {"a", "b", "c"})
    ASSERT_TRUE(WaitReady(n, "True")) << n << "\n" << OperatorLog();
  auto seal_of = [&](const std::string& secret) {
    return Jsonpath("secret", secret,
                    "{.metadata.annotations.certstore\\.dev/seal}");
  };
  std::map<std::string, std::string> seals, versions;
  for (const char* s : {"a-stores", "b-stores", "c-stores"}) {
    // Settled: the seal is there and the Secret no longer changes.
    ASSERT_TRUE(Eventually([&] { return !seal_of(s).empty(); },
                           std::chrono::seconds(30)))
        << s << " has no seal";
    seals[s] = seal_of(s);
    EXPECT_EQ(seals[s].rfind("v1.", 0), 0u) << seals[s];
    versions[s] = Jsonpath("secret", s, "{.metadata.resourceVersion}");
  }
  EXPECT_NE(seals["b-stores"], seals["c-stores"]);

  // The seal key: created once, immutable, 32 bytes, in the cluster
  // resource namespace; never in the log.
  CommandResult key =
      env->Kubectl({"-n", crns_, "get", "secret", "certstore-operator-seal-key",
                    "-o", "jsonpath={.immutable} {.data.seal\\.key}"});
  ASSERT_TRUE(key.ok()) << key.output;
  std::string key_b64 = key.output.substr(key.output.find(' ') + 1);
  EXPECT_EQ(key.output.substr(0, key.output.find(' ')), "true");
  EXPECT_EQ(Base64Decode(key_b64).value_or("").size(), 32u);
  EXPECT_EQ(OperatorLog().find(key_b64), std::string::npos);

  kill(pid_, SIGTERM);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  // While the operator is down: a's truststore replaced (its seal kept), and
  // c's seal copied onto b (its data kept).
  std::string tampered = Base64Encode("not the truststore that was sealed");
  CommandResult patch = env->Kubectl(
      {"-n", ns_, "patch", "secret", "a-stores", "--type=json", "-p",
       "[{\"op\":\"replace\",\"path\":\"/data/truststore.p12\",\"value\":\"" +
           tampered + "\"}]"});
  ASSERT_TRUE(patch.ok()) << patch.output;
  CommandResult copy =
      env->Kubectl({"-n", ns_, "annotate", "--overwrite", "secret", "b-stores",
                    "certstore.dev/seal=" + seals["c-stores"]});
  ASSERT_TRUE(copy.ok()) << copy.output;
  std::string b_crt = Jsonpath("secret", "b-stores", "{.data.tls\\.crt}");

  pid_ = SpawnOperator(operator_args_, log_);
  ASSERT_GT(pid_, 0);
  // a: checked in full, its truststore written again (and sealed anew).
  EXPECT_TRUE(Eventually(
      [&] {
        std::string now =
            Jsonpath("secret", "a-stores", "{.data.truststore\\.p12}");
        return !now.empty() && now != tampered;
      },
      std::chrono::seconds(60)))
      << OperatorLog();
  auto a = Secret("a-stores");
  ASSERT_TRUE(a.has_value());
  auto opened = pki::ParsePkcs12(a->data.at("truststore.p12"),
                                 SecretBytes(a->data.at("password")));
  EXPECT_TRUE(opened.ok()) << opened.status();
  EXPECT_NE(seal_of("a-stores"), seals["a-stores"]);
  // b: the copied seal does not verify; the full check finds the stores
  // right and seals them again as they were.
  EXPECT_TRUE(
      Eventually([&] { return seal_of("b-stores") == seals["b-stores"]; },
                 std::chrono::seconds(60)))
      << "b's copied seal was taken: " << seal_of("b-stores");
  EXPECT_EQ(Jsonpath("secret", "b-stores", "{.data.tls\\.crt}"), b_crt)
      << "b was re-issued";
  // c: sealed and untouched, not written.
  ASSERT_TRUE(WaitReady("c", "True"));
  std::this_thread::sleep_for(std::chrono::seconds(3));
  EXPECT_EQ(Jsonpath("secret", "c-stores", "{.metadata.resourceVersion}"),
            versions["c-stores"]);
  EXPECT_EQ(OperatorLog().find("running without a seal key"),
            std::string::npos);
}

TEST_F(OperatorIT, SigtermExitsInTimeWithTheApiServerFrozenMidBurst) {
  ASSERT_FALSE(env->state_dir().empty());
  // The suite operator steps aside (SIGTERM releases its Lease).
  kill(pid_, SIGTERM);
  waitpid(pid_, nullptr, 0);
  constexpr int kStores = 20;
  Apply(Batch(Issuer("batch"), kStores, /*rsa_every=*/2));
  std::vector<std::string> args;
  for (const auto& a : operator_args_)
    if (a != "--leader-elect") args.push_back(a);
  std::string log = log_ + ".burst";
  pid_t op = SpawnOperator(args, log);
  ProcessGuard guard(op);
  auto issued = [&] {
    int n = 0;
    for (const auto& [name, s] : ManagedSecrets(ns_))
      n += name.find("-stores") != std::string::npos;
    return n;
  };
  ASSERT_TRUE(Eventually([&] { return issued() > 0; }, std::chrono::seconds(90),
                         std::chrono::milliseconds(50)))
      << LogTail(log);
  int status = 0;
  bool exited = false;
  std::chrono::steady_clock::duration took{};
  {
    // Frozen mid-burst: requests in flight hang rather than fail.
    FrozenApiServer frozen;
    ASSERT_TRUE(frozen.ok());
    std::this_thread::sleep_for(std::chrono::seconds(1));
    auto sent = std::chrono::steady_clock::now();
    kill(op, SIGTERM);
    exited = Eventually([&] { return waitpid(op, &status, WNOHANG) == op; },
                        std::chrono::seconds(kShutdownTimeoutSeconds + 10),
                        std::chrono::milliseconds(20));
    took = std::chrono::steady_clock::now() - sent;
    if (exited) guard.Release();
  }
  EXPECT_TRUE(exited) << LogTail(log);
  // The documented bound: --shutdown-timeout, plus scheduling slack.
  EXPECT_LT(took, std::chrono::seconds(kShutdownTimeoutSeconds + 2))
      << std::chrono::duration_cast<std::chrono::milliseconds>(took).count()
      << " ms\n"
      << LogTail(log);
  std::string text = ReadFile(log).value_or("");
  EXPECT_EQ(text.find("PRIVATE KEY"), std::string::npos);
  std::remove(log.c_str());
  // A fresh operator converges once the API server is back.
  pid_ = SpawnOperator(operator_args_, log_);
  ASSERT_GT(pid_, 0);
  EXPECT_TRUE(Eventually([&] { return AllReady(ns_, kStores); },
                         std::chrono::seconds(180)))
      << OperatorLog();
}

}  // namespace
}  // namespace certstore
