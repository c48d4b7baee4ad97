// Intermediate CAs, one per team namespace under one cluster root, against
// the real API server with the chart's RBAC: root -> intermediate -> leaf
// in every keystore (keytool: chain length 3), the root alone in the
// truststores, a real Java mutual-TLS handshake; the intermediate's key,
// which sits in the tenant's namespace, cannot mint another namespace's
// identity (name constraints, checked by openssl and by JSSE) nor a further
// CA (pathLen 0); renewing one intermediate re-issues its own certificates
// and touches neither the root nor the root's other intermediates.
#include <filesystem>
#include <thread>

#include "operator/common/files.h"
#include "operator/pki/certificate.h"
#include "tests/integration/operator_fixture.h"

namespace certstore {
namespace {

std::string ClusterRoot(const std::string& name, const std::string& ns,
                        bool allow_intermediates) {
  return "apiVersion: certstore.dev/v1alpha1\nkind: ClusterCertIssuer\n"
         "metadata: {name: " +
         name + "}\nspec:\n  selfSigned: {secretName: " + name +
         ", commonName: Cluster Root}\n  policy:\n"
         "    namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: " +
         ns + "}}\n    allowIntermediates: " +
         (allow_intermediates ? "true" : "false") +
         "\n    dnsNames: ['*.$(namespace).svc']\n";
}

std::string Intermediate(const std::string& name, const std::string& root,
                         const std::string& renew_before) {
  return "---\napiVersion: certstore.dev/v1alpha1\nkind: CertIssuer\n"
         "metadata: {name: " +
         name +
         "}\nspec:\n  intermediate:\n    issuerRef: {kind: "
         "ClusterCertIssuer, name: " +
         root + "}\n    secretName: " + name + "-ca\n    commonName: " + name +
         " intermediate\n    duration: 1h\n    renewBefore: " + renew_before +
         "\n";
}

// A CertStore of intermediate `issuer` with PKCS12 stores and a truststore
// trusting the issuer; DNS name <name>.<ns>.svc (no CN: a test namespace's
// name alone nearly fills the 64 characters a CN may have).
std::string Store(const std::string& name, const std::string& issuer,
                  const std::string& ns, const std::string& usage) {
  std::string host = name + "." + ns + ".svc";
  return "---\napiVersion: certstore.dev/v1alpha1\nkind: CertStore\n"
         "metadata: {name: " +
         name + "}\nspec:\n  issuerRef: {name: " + issuer +
         "}\n  secretName: " + name + "-stores\n  keystore:\n    dnsNames: [" +
         host + "]\n    usages: [" + usage + "]\n  truststore: {}\n";
}

std::string KeytoolList(const std::string& file, const std::string& password) {
  CommandResult r =
      RunCommand({"keytool", "-list", "-v", "-storetype", "PKCS12", "-keystore",
                  file, "-storepass", password});
  EXPECT_TRUE(r.ok()) << r.output;
  return r.output;
}

// Signs a client certificate for `dns` with the intermediate CA in
// `dir`/im.crt + im.key (as a tenant holding that Secret could), and writes
// it as `dir`/<prefix>.p12 with `password`, the chain included.
void ForgeClient(const std::string& dir, const std::string& prefix,
                 const std::string& dns, const std::string& password,
                 const std::string& extra_ext = "") {
  std::string key = dir + "/" + prefix + ".key",
              csr = dir + "/" + prefix + ".csr",
              crt = dir + "/" + prefix + ".crt",
              ext = dir + "/" + prefix + ".ext";
  ASSERT_TRUE(WriteFileAtomic(ext, "subjectAltName=DNS:" + dns +
                                       "\nextendedKeyUsage=clientAuth\n" +
                                       extra_ext)
                  .ok());
  CommandResult r =
      RunCommand({"openssl", "req", "-new", "-newkey", "ec", "-pkeyopt",
                  "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out",
                  csr, "-subj", "/CN=forged"});
  ASSERT_TRUE(r.ok()) << r.output;
  r = RunCommand({"openssl", "x509", "-req", "-in", csr, "-CA", dir + "/im.crt",
                  "-CAkey", dir + "/im.key", "-days", "1", "-extfile", ext,
                  "-out", crt});
  ASSERT_TRUE(r.ok()) << r.output;
  r = RunCommand({"openssl", "pkcs12", "-export", "-inkey", key, "-in", crt,
                  "-certfile", dir + "/im.crt", "-out",
                  dir + "/" + prefix + ".p12", "-passout", "pass:" + password});
  ASSERT_TRUE(r.ok()) << r.output;
}

// `openssl verify` of `leaf` (a file) sent with the intermediate, against
// the root alone.
CommandResult OpensslVerify(const std::string& dir, const std::string& leaf) {
  return RunCommand({"openssl", "verify", "-CAfile", dir + "/root.crt",
                     "-untrusted", dir + "/im.crt", leaf});
}

TEST_F(OperatorIT,
       IntermediatePerTeamChainsToTheClusterRootAndStaysInItsNames) {
  std::string dir = "/tmp/operator-intermediate-" + std::to_string(getpid());
  std::filesystem::create_directories(dir);
  const std::string root = "root-" + ns_;
  // 1. The root does not allow intermediates yet: refused, nothing written.
  Apply(ClusterRoot(root, ns_, false) + Intermediate("team", root, "59m"));
  auto team = [&](const std::string& path) {
    return Jsonpath("certissuer.certstore.dev", "team", path);
  };
  auto team_ready = [&] {
    return team("{.status.conditions[?(@.type==\"Ready\")].status}");
  };
  ASSERT_TRUE(Eventually(
      [&] {
        return team("{.status.conditions[?(@.type==\"Ready\")].reason}") ==
               "PolicyDenied";
      },
      std::chrono::seconds(60)))
      << OperatorLog();
  EXPECT_NE(team("{.status.conditions[?(@.type==\"Ready\")].message}")
                .find("allowIntermediates"),
            std::string::npos);
  EXPECT_FALSE(Secret("team-ca").has_value());

  // 2. Allowed: the intermediate is issued, and a second one beside it.
  Apply(ClusterRoot(root, ns_, true) + Intermediate("team2", root, "20m") +
        Store("server", "team", ns_, "serverAuth") +
        Store("client", "team", ns_, "clientAuth") +
        Store("other", "team2", ns_, "serverAuth"));
  ASSERT_TRUE(Eventually([&] { return team_ready() == "True"; },
                         std::chrono::seconds(60)))
      << team("{.status.conditions}") << OperatorLog();
  for (const char* cs : {"server", "client", "other"})
    ASSERT_TRUE(WaitReady(cs, "True"))
        << cs << ": " << Condition(cs, "Ready", "message");

  auto ca = Secret("team-ca");
  ASSERT_TRUE(ca.has_value());
  auto chain = pki::ParseCertificatesPem(ca->data.at("tls.crt"));
  ASSERT_TRUE(chain.ok() && chain->size() == 2u) << ca->data.at("tls.crt");
  X509* im = (*chain)[0].get();
  X509* root_cert = (*chain)[1].get();
  EXPECT_TRUE(pki::IsSelfSigned(root_cert));
  EXPECT_EQ(ca->data.at("ca.crt"), pki::EncodeCertificatePem(root_cert));
  ASSERT_TRUE(
      WriteFileAtomic(dir + "/root.crt", pki::EncodeCertificatePem(root_cert))
          .ok());
  ASSERT_TRUE(
      WriteFileAtomic(dir + "/im.crt", pki::EncodeCertificatePem(im)).ok());
  ASSERT_TRUE(WriteFileAtomic(dir + "/im.key", ca->data.at("tls.key")).ok());
  CommandResult text = RunCommand(
      {"openssl", "x509", "-noout", "-text", "-in", dir + "/im.crt"});
  ASSERT_TRUE(text.ok()) << text.output;
  EXPECT_NE(text.output.find("CA:TRUE, pathlen:0"), std::string::npos)
      << text.output;
  EXPECT_NE(text.output.find("DNS:" + ns_ + ".svc"), std::string::npos)
      << text.output;

  // 3. keytool: the keystore's chain is leaf, intermediate, root; the
  //    truststore holds the root alone.
  auto server = Secret("server-stores");
  auto client = Secret("client-stores");
  ASSERT_TRUE(server && client);
  passwords_.push_back(server->data.at("password"));
  passwords_.push_back(client->data.at("password"));
  WriteStores(*server, dir, "server");
  WriteStores(*client, dir, "client");
  std::string ks = KeytoolList(dir + "/server.p12", server->data["password"]);
  EXPECT_NE(ks.find("Certificate chain length: 3"), std::string::npos) << ks;
  std::string ts =
      KeytoolList(dir + "/server-trust.p12", server->data["password"]);
  EXPECT_NE(ts.find("Your keystore contains 1 entry"), std::string::npos) << ts;
  EXPECT_NE(ts.find("Owner: CN=Cluster Root"), std::string::npos) << ts;
  EXPECT_EQ(ts.find("intermediate"), std::string::npos) << ts;

  // 4. A real JSSE mutual-TLS handshake.
  JavaServer java = StartJavaServer(dir, "server", 120);
  ASSERT_FALSE(java.port.empty());
  std::string host = "server." + ns_ + ".svc";
  CommandResult ok = JavaClient(dir, "client", host, java.port);
  EXPECT_TRUE(ok.ok()) << ok.output;

  // 5. The tenant signs with the intermediate's key. Inside its names: a
  //    client JSSE accepts (the harness can fail). Another namespace's
  //    name: openssl and JSSE refuse it. A further CA: refused (pathLen 0).
  std::string pw = client->data["password"];
  ASSERT_TRUE(WriteFileAtomic(dir + "/inside-trust.p12",
                              client->data.at("truststore.p12"))
                  .ok());
  ASSERT_TRUE(WriteFileAtomic(dir + "/inside.password", pw).ok());
  ForgeClient(dir, "inside", "forged." + ns_ + ".svc", pw);
  EXPECT_TRUE(OpensslVerify(dir, dir + "/inside.crt").ok());
  CommandResult inside = JavaClient(dir, "inside", host, java.port);
  EXPECT_TRUE(inside.ok()) << inside.output;

  ASSERT_TRUE(WriteFileAtomic(dir + "/outside-trust.p12",
                              client->data.at("truststore.p12"))
                  .ok());
  ASSERT_TRUE(WriteFileAtomic(dir + "/outside.password", pw).ok());
  ForgeClient(dir, "outside", "api.kube-system.svc", pw);
  CommandResult verify = OpensslVerify(dir, dir + "/outside.crt");
  EXPECT_FALSE(verify.ok()) << verify.output;
  EXPECT_NE(verify.output.find("subtree violation"), std::string::npos)
      << verify.output;
  CommandResult outside = JavaClient(dir, "outside", host, java.port);
  EXPECT_FALSE(outside.ok()) << outside.output;
  StopJavaServer(&java);

  ForgeClient(dir, "subca", "x." + ns_ + ".svc", pw,
              "basicConstraints=critical,CA:TRUE\n"
              "keyUsage=critical,keyCertSign\n");
  CommandResult subca =
      RunCommand({"openssl", "verify", "-CAfile", dir + "/root.crt",
                  "-untrusted", dir + "/im.crt", dir + "/subca.crt"});
  // The sub-CA itself chains, but nothing it signs does.
  ASSERT_TRUE(subca.ok()) << subca.output;
  {
    std::string k = dir + "/deep.key", c = dir + "/deep.csr",
                crt = dir + "/deep.crt", ext = dir + "/deep.ext";
    ASSERT_TRUE(WriteFileAtomic(ext, "subjectAltName=DNS:deep." + ns_ +
                                         ".svc\nextendedKeyUsage=clientAuth\n")
                    .ok());
    ASSERT_TRUE(RunCommand({"openssl", "req", "-new", "-newkey", "ec",
                            "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                            "-keyout", k, "-out", c, "-subj", "/CN=deep"})
                    .ok());
    ASSERT_TRUE(RunCommand({"openssl", "x509", "-req", "-in", c, "-CA",
                            dir + "/subca.crt", "-CAkey", dir + "/subca.key",
                            "-days", "1", "-extfile", ext, "-out", crt})
                    .ok());
    std::string untrusted = dir + "/both.crt";
    ASSERT_TRUE(WriteFileAtomic(untrusted, *ReadFile(dir + "/subca.crt") +
                                               *ReadFile(dir + "/im.crt"))
                    .ok());
    CommandResult deep =
        RunCommand({"openssl", "verify", "-CAfile", dir + "/root.crt",
                    "-untrusted", untrusted, crt});
    EXPECT_FALSE(deep.ok()) << deep.output;
    EXPECT_NE(deep.output.find("path length"), std::string::npos)
        << deep.output;
  }

  // 6. The intermediate renews (renewBefore 59m of 1h: about a minute after
  //    it was made): its certificates are re-issued under the same root; the
  //    other intermediate and its certificate are untouched.
  std::string old_fp = team("{.status.fingerprintSHA256}");
  auto other_ca = Secret("team2-ca");
  auto other = Secret("other-stores");
  ASSERT_TRUE(other_ca && other);
  std::string server_serial =
      CertStoreField("server", "{.status.serialNumber}");
  ASSERT_TRUE(Eventually(
      [&] {
        std::string fp = team("{.status.fingerprintSHA256}");
        return !fp.empty() && fp != old_fp;
      },
      std::chrono::seconds(150)))
      << "the intermediate did not renew\n"
      << OperatorLog();
  CommandResult patched = env->Kubectl(
      {"-n", ns_, "patch", "certissuer", "team", "--type=merge", "-p",
       R"({"spec":{"intermediate":{"renewBefore":"20m"}}})"});
  ASSERT_TRUE(patched.ok()) << patched.output;
  std::string new_fp = team("{.status.fingerprintSHA256}");
  auto renewed = Secret("team-ca");
  ASSERT_TRUE(renewed.has_value());
  EXPECT_NE(renewed->data.at("tls.key"), ca->data.at("tls.key"));
  EXPECT_EQ(renewed->data.at("ca.crt"), ca->data.at("ca.crt"))
      << "the root did not change";
  // Each certificate is re-issued by the new intermediate (tls.crt: leaf,
  // then the intermediate that signed it).
  auto signed_by_new = [&](const std::string& secret) {
    auto s = Secret(secret);
    if (!s) return false;
    auto certs = pki::ParseCertificatesPem(s->data["tls.crt"]);
    return certs.ok() && certs->size() >= 2 &&
           pki::FingerprintSha256((*certs)[1].get()) == new_fp &&
           pki::SignedBy((*certs)[0].get(), (*certs)[1].get());
  };
  for (const char* cs : {"server", "client"})
    EXPECT_TRUE(Eventually(
        [&] {
          return signed_by_new(std::string(cs) + "-stores") &&
                 Condition(cs, "Ready", "status") == "True";
        },
        std::chrono::seconds(60)))
        << cs << " was not re-issued from the renewed intermediate";
  EXPECT_NE(CertStoreField("server", "{.status.serialNumber}"), server_serial);
  auto other_after = Secret("other-stores");
  auto other_ca_after = Secret("team2-ca");
  ASSERT_TRUE(other_after && other_ca_after);
  EXPECT_EQ(other_ca_after->metadata.resource_version,
            other_ca->metadata.resource_version);
  EXPECT_EQ(other_after->data.at("keystore.p12"),
            other->data.at("keystore.p12"));
  std::string events = EventsMentioning(
      {"IntermediateIssued", "IntermediateRenewed", "its renewal time came"});
  EXPECT_NE(events.find("IntermediateRenewed"), std::string::npos) << events;

  // After the renewal the pair still completes a JSSE handshake.
  server = Secret("server-stores");
  client = Secret("client-stores");
  ASSERT_TRUE(server && client);
  WriteStores(*server, dir, "server");
  WriteStores(*client, dir, "client");
  EXPECT_NE(KeytoolList(dir + "/server.p12", server->data["password"])
                .find("Certificate chain length: 3"),
            std::string::npos);
  java = StartJavaServer(dir, "server");
  ASSERT_FALSE(java.port.empty());
  CommandResult after = JavaClient(dir, "client", host, java.port);
  EXPECT_TRUE(after.ok()) << after.output;
  StopJavaServer(&java);
  std::filesystem::remove_all(dir);
}

// A policy pattern a name constraint would widen into other tenants' names
// refuses the intermediate, naming the pattern; so does a CertIssuer parent
// in another namespace.
TEST_F(OperatorIT, IntermediateRefusedWhenItsNamesCannotBeBound) {
  const std::string root = "wide-" + ns_;
  Apply(
      "apiVersion: certstore.dev/v1alpha1\nkind: ClusterCertIssuer\n"
      "metadata: {name: " +
      root + "}\nspec:\n  selfSigned: {secretName: " + root +
      ", commonName: Wide Root}\n  policy:\n"
      "    namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: " +
      ns_ +
      "}}\n    allowIntermediates: true\n"
      "    dnsNames: ['*.svc.cluster.local']\n" +
      Intermediate("wide", root, "20m"));
  auto reason = [&] {
    return Jsonpath("certissuer.certstore.dev", "wide",
                    "{.status.conditions[?(@.type==\"Ready\")].reason}");
  };
  ASSERT_TRUE(Eventually([&] { return reason() == "PolicyDenied"; },
                         std::chrono::seconds(60)))
      << OperatorLog();
  std::string message =
      Jsonpath("certissuer.certstore.dev", "wide",
               "{.status.conditions[?(@.type==\"Ready\")].message}");
  EXPECT_NE(message.find("spec.policy.dnsNames[0] \"*.svc.cluster.local\""),
            std::string::npos)
      << message;
  EXPECT_FALSE(Secret("wide-ca").has_value());
}

}  // namespace
}  // namespace certstore
