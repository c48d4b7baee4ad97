// EncodeStores and CheckStores: what each file holds, and the reason a
// stored file no longer matches.
#include "operator/engine/store_files.h"

#include <gtest/gtest.h>

#include <functional>

#include "tests/engine/engine_fixture.h"

namespace certstore::engine {
namespace {
using namespace testing;  // NOLINT

Keys AllKeys() {
  return {"keystore.p12", "keystore.jks", "truststore.p12", "truststore.jks",
          "tls.crt",      "tls.key",      "ca.crt",         "password"};
}

class StoreCheckTest : public ::testing::Test {
 protected:
  StoreCheckTest()
      : clock_(TestNow()), ca_(MustRoot(clock_)), password_("Passw0rd") {
    d_.alias = "app";
    d_.key = MustKey();
    d_.leaf = pki::testing::MustLeaf(ca_, pki::testing::ServerSpec(),
                                     d_.key.get(), clock_);
    d_.root = pki::ShareCert(ca_.cert.get());
    d_.trust.push_back(pki::ShareCert(ca_.cert.get()));
    d_.main_keys = AllKeys();
  }

  std::map<std::string, std::string> Encode(const Keys& keys,
                                            bool is_main = true) {
    auto data =
        EncodeStores(d_, keys, password_, pki::Pkcs12Profile::kModern2023,
                     clock_.Now(), is_main);
    EXPECT_TRUE(data.ok()) << data.status();
    return data.ok() ? *data : std::map<std::string, std::string>{};
  }

  FakeClock clock_;
  pki::CaMaterial ca_;
  SecretBytes password_;
  DesiredStores d_;
};

TEST_F(StoreCheckTest, FreshlyEncodedStoresPass) {
  auto data = Encode(AllKeys());
  EXPECT_EQ(KeysOf(MakeSecret("x", data)), AllKeys());
  EXPECT_EQ(data.at("password"), "Passw0rd");
  EXPECT_EQ(CheckStores(data, AllKeys(), d_, password_, true), "");
}

TEST_F(StoreCheckTest, EncodingIsDeterministicWhereTheFormatAllows) {
  auto a = Encode(AllKeys()), b = Encode(AllKeys());
  for (const char* k : {"tls.crt", "tls.key", "ca.crt", "password"})
    EXPECT_EQ(a[k], b[k]) << k;
}

struct Tamper {
  const char* name;
  std::function<void(std::map<std::string, std::string>&, DesiredStores&)>
      apply;
  const char* want;
};

std::vector<Tamper> Tampers() {
  return {
      {"MissingKey", [](auto& data, auto&) { data.erase("tls.key"); },
       "tls.key missing"},
      {"UnexpectedKey", [](auto& data, auto&) { data["tls.der"] = "x"; },
       "unexpected key tls.der"},
      // Not one of ours: the user's, not checked.
      {"UserKeyIgnored", [](auto& data, auto&) { data["notes.txt"] = "x"; },
       ""},
      {"CorruptP12", [](auto& data, auto&) { data["keystore.p12"][30] ^= 1; },
       "keystore.p12 does not open with the password"},
      {"CorruptJks",
       [](auto& data, auto&) { data["truststore.jks"].back() ^= 1; },
       "truststore.jks does not open with the password"},
      {"AliasChanged", [](auto&, DesiredStores& d) { d.alias = "other"; },
       "keystore.jks alias changed"},  // keys are checked in name order
      {"OtherKey",
       [](auto& data, auto&) { data["tls.key"] = KeyPem(MustKey().get()); },
       "tls.key was modified"},
      {"TlsCrtEdited", [](auto& data, auto&) { data["tls.crt"] += " "; },
       "tls.crt was modified"},
      {"CaCrtEdited", [](auto& data, auto&) { data["ca.crt"] = ""; },
       "ca.crt was modified"},
      {"PasswordEdited", [](auto& data, auto&) { data["password"] = "x"; },
       "password was modified"},
  };
}

class StoreTamperTest : public StoreCheckTest,
                        public ::testing::WithParamInterface<Tamper> {};

TEST_P(StoreTamperTest, NamesTheFirstProblem) {
  auto data = Encode(AllKeys());
  GetParam().apply(data, d_);
  EXPECT_EQ(CheckStores(data, AllKeys(), d_, password_, true), GetParam().want);
}

INSTANTIATE_TEST_SUITE_P(Tampers, StoreTamperTest,
                         ::testing::ValuesIn(Tampers()), [](const auto& info) {
                           return std::string(info.param.name);
                         });

TEST_F(StoreCheckTest, TruststoreMustHoldExactlyTheTrustAnchors) {
  Keys keys = {"truststore.p12"};
  auto data = Encode(keys, false);
  d_.trust.push_back(pki::ShareCert(MustRoot(clock_, "Partner").cert.get()));
  EXPECT_EQ(CheckStores(data, keys, d_, password_, false),
            "truststore.p12 holds different trusted certificates");
}

// ca.crt is the trust bundle where the truststore lives, the issuer's root
// next to a keystore whose truststore lives elsewhere.
TEST_F(StoreCheckTest, CaCrtIsTheBundleWhereTheTruststoreLives) {
  pki::CaMaterial partner = MustRoot(clock_, "Partner");
  d_.trust.push_back(pki::ShareCert(partner.cert.get()));
  std::string bundle =
      pki::EncodeCertificatesPem({ca_.cert.get(), partner.cert.get()});
  Keys pem = {"tls.crt", "tls.key", "ca.crt"};
  EXPECT_EQ(Encode(pem)["ca.crt"], bundle);  // one Secret, PEM only

  d_.trust_keys = {"ca.crt"};  // a separate truststore Secret
  EXPECT_EQ(Encode(pem)["ca.crt"], CertPem(ca_.cert.get()));
  EXPECT_EQ(Encode({"ca.crt"}, false)["ca.crt"], bundle);
  EXPECT_EQ(
      CheckStores(Encode({"ca.crt"}, false), {"ca.crt"}, d_, password_, false),
      "");
  EXPECT_EQ(
      CheckStores(Encode({"ca.crt"}, false), {"ca.crt"}, d_, password_, true),
      "ca.crt was modified");
}

TEST_F(StoreCheckTest, WrongPasswordFailsEveryStore) {
  auto data = Encode({"keystore.jks"});
  EXPECT_EQ(CheckStores(data, {"keystore.jks"}, d_, SecretBytes("other"), true),
            "keystore.jks does not open with the password");
}

}  // namespace
}  // namespace certstore::engine
