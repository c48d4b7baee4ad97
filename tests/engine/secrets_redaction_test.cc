// Private keys and passwords never reach a status message, a decision, a
// render summary or a warning: every success and error path is run and its
// text searched for the secrets in play.
#include <gtest/gtest.h>

#include <sstream>

#include "operator/engine/issuer_ca.h"
#include "operator/engine/render.h"
#include "tests/engine/engine_fixture.h"

namespace certstore::engine {
namespace {
using namespace testing;  // NOLINT

constexpr char kUserPassword[] = "S3cr3t-User-Passw0rd-4711";

class SecretsRedactionTest : public ::testing::Test {
 protected:
  SecretsRedactionTest() : clock_(TestNow()), ca_(MustRoot(clock_)) {
    Forbid(kUserPassword);
    ForbidPem(KeyPem(ca_.key.get()));
  }

  void Forbid(const std::string& s) { secrets_.push_back(s); }
  // Every body line of a PEM private key (the BEGIN/END lines are public).
  void ForbidPem(const std::string& pem) {
    std::istringstream in(pem);
    for (std::string line; std::getline(in, line);)
      if (line.size() >= 8 && line.rfind("-----", 0) != 0) Forbid(line);
  }
  // Forbids the secrets a rendered Secret holds.
  void ForbidSecretsOf(const api::SecretObject& s) {
    if (s.data.count("password")) Forbid(s.data.at("password"));
    if (s.data.count("tls.key")) ForbidPem(s.data.at("tls.key"));
  }

  void Record(const std::string& what, const std::string& text) {
    texts_.push_back({what, text});
  }
  void Record(const std::string& what, const Status& st) {
    Record(what, st.ToString());
    std::ostringstream os;
    os << st;
    Record(what + " (streamed)", os.str());
  }
  void Record(const std::string& what, const RenderResult& r) {
    Record(what + " reason", r.decision.reason);
    Record(what + " message", r.decision.message);
    Record(what + " reencode", r.reencode_reason);
    Record(what + " serial", r.summary.serial_hex);
    Record(what + " fingerprint", r.summary.fingerprint_sha256);
    Record(what + " warning", r.summary.warning);
    for (const auto& s : r.secrets)
      for (const auto& [k, v] : s.metadata.annotations) {
        std::string label = what;
        label.append(": ").append(k);
        Record(label, v);
      }
  }
  // Renders; records the outcome either way.
  std::optional<RenderResult> Try(const std::string& what,
                                  const api::CertStore& cs,
                                  const pki::CaMaterial& ca) {
    auto r = RenderCertStore(cs, ca, objects_, clock_);
    if (!r.ok()) {
      Record(what, r.status());
      return std::nullopt;
    }
    Record(what, *r);
    for (const auto& s : r->secrets) ForbidSecretsOf(s);
    return std::move(r).value();
  }
  void ExpectError(const std::string& what, const api::CertStore& cs) {
    EXPECT_FALSE(Try(what, cs, ca_)) << what;
  }

  void TearDown() override {
    ASSERT_GT(secrets_.size(), 5u);
    ASSERT_GT(texts_.size(), 10u);
    for (const auto& [what, text] : texts_)
      for (const auto& secret : secrets_)
        EXPECT_EQ(text.find(secret), std::string::npos)
            << what << " leaks a secret: " << text;
  }

  FakeClock clock_;
  pki::CaMaterial ca_;
  MapObjectSource objects_;
  std::vector<std::string> secrets_;
  std::vector<std::pair<std::string, std::string>> texts_;
};

std::string AllFormats() { return "  formats: [PKCS12, JKS, PEM]\n"; }
std::string Trust() { return "  truststore: {}\n"; }

TEST_F(SecretsRedactionTest, RenderPaths) {
  // Success, re-render, drift, renewal, with a generated password.
  api::CertStore cs =
      MakeCertStore(Spec(KeystoreYaml() + Trust() + AllFormats()));
  auto first = Try("initial", cs, ca_);
  ASSERT_TRUE(first);
  Store(*first, &objects_);
  Try("unchanged", cs, ca_);
  api::SecretObject edited = first->secrets[0];
  edited.data["keystore.p12"][40] ^= 1;
  edited.data["password"] = "Hand-Edited-Passw0rd-0815";
  Forbid("Hand-Edited-Passw0rd-0815");
  edited.data["tls.key"] = KeyPem(MustKey().get());
  ForbidPem(edited.data["tls.key"]);
  objects_.PutSecret(edited);
  auto repaired = Try("drift", cs, ca_);
  ASSERT_TRUE(repaired);
  Store(*repaired, &objects_);
  clock_.Advance(std::chrono::hours(2000));
  Try("renewal", cs, ca_);
  Try("issuer changed", cs, MustRoot(clock_, "Other CA"));

  // A user-supplied password: missing Secret, missing key, then present.
  api::CertStore with_pw = MakeCertStore(
      Spec(KeystoreYaml() + Trust() + AllFormats() +
           "  password: {secretKeyRef: {name: store-pass, key: pw}}\n"));
  ExpectError("password Secret missing", with_pw);
  objects_.PutSecret(MakeSecret("store-pass", {{"other", kUserPassword}}));
  ExpectError("password key missing", with_pw);
  objects_.PutSecret(MakeSecret("store-pass", {{"pw", ""}}));
  ExpectError("password empty", with_pw);
  objects_.PutSecret(MakeSecret("store-pass", {{"pw", kUserPassword}}));
  EXPECT_TRUE(Try("user password", with_pw, ca_));

  // Trust sources that point at secret data instead of certificates.
  const std::string stores = first->secrets[0].metadata.name;
  for (const char* key :
       {"tls.key", "password", "keystore.p12", "keystore.jks"}) {
    api::CertStore cs2 = MakeCertStore(
        Spec("  truststore:\n    sources:\n      - secret: {name: " + stores +
             ", key: " + key + "}\n"));
    ExpectError(std::string("trust source ") + key, cs2);
  }
  objects_.PutSecret(MakeSecret("pw-as-ca", {{"ca.crt", kUserPassword}}));
  ExpectError(
      "trust source password",
      MakeCertStore(
          Spec("  truststore:\n    sources: [{secret: {name: pw-as-ca}}]\n")));
}

TEST_F(SecretsRedactionTest, IssuerPaths) {
  pki::EvpPkeyPtr stray = MustKey();
  std::string stray_pem = KeyPem(stray.get());
  ForbidPem(stray_pem);
  std::string ca_key = KeyPem(ca_.key.get());
  std::string ca_crt = CertPem(ca_.cert.get());
  const struct {
    const char* name;
    std::map<std::string, std::string> data;
  } secrets[] = {
      {"keyAsCert", {{"tls.crt", ca_key}, {"tls.key", ca_key}}},
      {"passwordAsKey", {{"tls.crt", ca_crt}, {"tls.key", kUserPassword}}},
      {"wrongKey", {{"tls.crt", ca_crt}, {"tls.key", stray_pem}}},
      {"truncatedKey",
       {{"tls.crt", ca_crt}, {"tls.key", ca_key.substr(0, ca_key.size() / 2)}}},
      {"keyOnly", {{"tls.key", ca_key}}},
      {"certAfterKey", {{"tls.crt", ca_crt + ca_key}, {"tls.key", ca_key}}},
  };
  for (const char* kind :
       {"ca: {secretName: corp-ca}",
        "selfSigned: {secretName: corp-ca, commonName: Corp}"}) {
    auto issuer = api::ParseIssuer(
        std::string("apiVersion: certstore.dev/v1alpha1\nkind: CertIssuer\n"
                    "metadata: {name: corp}\nspec: {") +
        kind + "}\n");
    ASSERT_TRUE(issuer.ok()) << issuer.status();
    api::ApplyDefaults(&*issuer);
    for (const auto& s : secrets) {
      MapObjectSource objects;
      objects.PutSecret(MakeSecret("corp-ca", s.data));
      auto r = ResolveIssuerCa(*issuer, "demo", objects, clock_);
      Record(std::string(kind) + " " + s.name, r.ok() ? Status() : r.status());
    }
    // A newly created CA: its key is in the Secret to write, nowhere else.
    MapObjectSource none;
    CaResolveOptions create;
    create.allow_create = true;
    auto created = ResolveIssuerCa(*issuer, "demo", none, clock_, create);
    if (created.ok() && created->created_secret) {
      ForbidPem(created->created_secret->data.at("tls.key"));
      Record("created", pki::SubjectText(created->ca.cert.get()));
    }
  }
  // SecretBytes itself never prints.
  std::ostringstream os;
  os << SecretBytes(kUserPassword);
  Record("SecretBytes", os.str());
  EXPECT_EQ(os.str(), "[redacted]");
}

}  // namespace
}  // namespace certstore::engine
