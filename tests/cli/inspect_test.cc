// `kubectl-certstore inspect` on rendered stores, and the promise that
// neither render nor inspect ever prints a password or a private key: every
// test's output is checked in TearDown.
#include <gtest/gtest.h>

#include <sstream>

#include "operator/api/parse.h"
#include "tests/cli/cli_runner.h"

namespace certstore::cli {
namespace {
using namespace testing;  // NOLINT

class CliInspectTest : public ::testing::Test {
 protected:
  void SetUp() override {
    RunResult r = Run({"render", "-f", LabYaml(), "--out", out_});
    ASSERT_EQ(r.code, 0) << r.All();
    outputs_.push_back(r);
  }
  RunResult Run(const std::vector<std::string>& args) {
    return RunCli(args, capture_.path());
  }

  // Nothing any test printed holds a password or a line of a private key
  // that is on disk (stores, the files layout, the root CA in the state).
  void TearDown() override {
    std::vector<std::string> secrets;
    auto forbid_key = [&](const std::string& pem) {
      std::istringstream in(pem);
      for (std::string line; std::getline(in, line);)
        if (line.size() >= 8 && line.rfind("-----", 0) != 0)
          secrets.push_back(line);
    };
    for (const std::string who : {"server", "client"}) {
      secrets.push_back(Slurp(out_ + "/mtls-" + who + "-stores/password"));
      forbid_key(Slurp(out_ + "/mtls-" + who + "-stores/tls.key"));
      if (fs::exists(lab_)) {
        secrets.push_back(Slurp(lab_ + "/" + who + ".password"));
        forbid_key(Slurp(lab_ + "/" + who + ".key"));
      }
    }
    auto ca = api::ParseSecret(
        Slurp(out_ + "/.certstore-state/default/lab-root-ca.yaml"));
    ASSERT_TRUE(ca.ok()) << ca.status();
    forbid_key(ca->data.at("tls.key"));
    ASSERT_GE(secrets.size(), 8u);
    for (const auto& s : secrets) ASSERT_GE(s.size(), 8u);
    for (const RunResult& r : outputs_)
      for (const auto& s : secrets)
        EXPECT_EQ(r.All().find(s), std::string::npos) << "printed a secret:\n"
                                                      << r.All();
  }

  TempDir dir_, capture_;
  std::string out_ = dir_ / "out";
  std::string lab_ = dir_ / "lab";
  std::string server_ = out_ + "/mtls-server-stores";
  std::vector<RunResult> outputs_;  // everything printed, for the leak check
};

void ExpectContains(const std::string& text,
                    const std::vector<std::string>& wants) {
  for (const auto& w : wants)
    EXPECT_NE(text.find(w), std::string::npos) << "want \"" << w << "\" in:\n"
                                               << text;
}

TEST_F(CliInspectTest, DirectoryShowsEveryStore) {
  RunResult r = Run({"inspect", server_});
  ASSERT_EQ(r.code, 0) << r.All();
  outputs_.push_back(r);
  ExpectContains(
      r.out, {"== " + server_ + "/keystore.p12",
              "== " + server_ + "/truststore.jks", "Type: PKCS12", "Type: JKS",
              "Type: PEM certificates", "Type: PEM private key",
              "alias \"server\", PrivateKeyEntry", "trustedCertEntry",
              "Private key: ECDSA P-256", "Certificate chain length: 2",
              "Subject:     CN=mtls-server.lab.local,O=Lab,C=US",
              "Issuer:      CN=Lab mTLS Root CA,O=Lab,C=US",
              "DNS:mtls-server.lab.local", "DNS:localhost", "IP:127.0.0.1",
              "Ext. usage:  serverAuth", "AES-256-CBC"});
  EXPECT_EQ(r.out.find("== " + server_ + "/password"), std::string::npos);
}

TEST_F(CliInspectTest, SingleFileWithPasswordFile) {
  RunResult r = Run({"inspect", out_ + "/mtls-client-stores/keystore.jks",
                     "--password-file", out_ + "/mtls-client-stores/password"});
  ASSERT_EQ(r.code, 0) << r.All();
  outputs_.push_back(r);
  ExpectContains(
      r.out, {"Type: JKS", "Entries: 1", "alias \"client\", PrivateKeyEntry",
              "Ext. usage:  clientAuth", "CN=mtls-client"});
  RunResult trust =
      Run({"inspect", out_ + "/mtls-client-stores/truststore.p12", "--password",
           Slurp(out_ + "/mtls-client-stores/password")});
  ASSERT_EQ(trust.code, 0) << trust.All();
  outputs_.push_back(trust);
  ExpectContains(trust.out, {"Entries: 1", "trustedCertEntry", "(CA)"});
  EXPECT_EQ(trust.out.find("PrivateKeyEntry"), std::string::npos);
}

// The password need not be in argv (where ps shows it): standard input or
// an environment variable work too.
TEST_F(CliInspectTest, PasswordFromStandardInputOrEnvironment) {
  std::string store = out_ + "/mtls-client-stores/keystore.p12";
  std::string pwfile = out_ + "/mtls-client-stores/password";
  RunResult from_stdin = RunCli({"inspect", store, "--password-file", "-"},
                                capture_.path(), pwfile);
  ASSERT_EQ(from_stdin.code, 0) << from_stdin.All();
  outputs_.push_back(from_stdin);
  ExpectContains(from_stdin.out, {"alias \"client\", PrivateKeyEntry"});
  ASSERT_EQ(::setenv("CERTSTORE_TEST_PW", Slurp(pwfile).c_str(), 1), 0);
  RunResult from_env =
      Run({"inspect", store, "--password-env", "CERTSTORE_TEST_PW"});
  ::unsetenv("CERTSTORE_TEST_PW");
  ASSERT_EQ(from_env.code, 0) << from_env.All();
  outputs_.push_back(from_env);
  ExpectContains(from_env.out, {"alias \"client\", PrivateKeyEntry"});
  RunResult unset =
      Run({"inspect", store, "--password-env", "CERTSTORE_TEST_UNSET"});
  EXPECT_EQ(unset.code, 1);
  EXPECT_NE(
      unset.err.find("environment variable CERTSTORE_TEST_UNSET is not set"),
      std::string::npos)
      << unset.err;
}

TEST_F(CliInspectTest, WrongPasswordFailsClearly) {
  for (const char* f :
       {"keystore.p12", "keystore.jks", "truststore.p12", "truststore.jks"}) {
    SCOPED_TRACE(f);
    RunResult r =
        Run({"inspect", server_ + "/" + f, "--password", "not-the-password"});
    outputs_.push_back(r);
    EXPECT_EQ(r.code, 1) << r.All();
    ExpectContains(r.err, {"inspect: " + server_ + "/" + f, "wrong password"});
    EXPECT_EQ(r.out.find("Entry 1"), std::string::npos) << r.out;
  }
  RunResult dir = Run({"inspect", server_, "--password", "not-the-password"});
  outputs_.push_back(dir);
  EXPECT_EQ(dir.code, 1);
  ExpectContains(dir.err, {"keystore.p12: wrong password"});
  ExpectContains(dir.out,
                 {"Type: PEM certificates"});  // the rest is still shown
}

TEST_F(CliInspectTest, NotAStore) {
  Spit(dir_ / "notes.txt", "hello");
  RunResult r = Run({"inspect", dir_ / "notes.txt"});
  EXPECT_EQ(r.code, 1);
  ExpectContains(r.err, {"not a PKCS12, JKS or PEM file"});
  EXPECT_EQ(Run({"inspect", dir_ / "missing.p12"}).code, 1);
  EXPECT_EQ(Run({"inspect"}).code, 2);
}

// More output for the leak check in TearDown: the files layout, re-runs,
// inspect of every file.
TEST_F(CliInspectTest, NothingPrintedLeaksASecret) {
  for (int i = 0; i < 2; ++i) {
    outputs_.push_back(
        Run({"render", "-f", LabYaml(), "--out", lab_, "--layout", "files"}));
    outputs_.push_back(Run({"render", "-f", LabYaml(), "--out", out_}));
  }
  outputs_.push_back(Run({"inspect", lab_}));
  for (const std::string who : {"server", "client"}) {
    for (const char* f : {".p12", ".jks", "-trust.p12", ".key", ".password"})
      outputs_.push_back(
          Run({"inspect", lab_ + "/" + who + f, "--password-file",
               lab_ + "/" + who + ".password"}));
    outputs_.push_back(Run({"inspect", out_ + "/mtls-" + who + "-stores"}));
  }
  EXPECT_GT(outputs_.size(), 15u);
}

}  // namespace
}  // namespace certstore::cli
