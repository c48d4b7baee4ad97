// Sealed renders (engine/seal.h, engine/sealed_render.h): a CertStore whose
// Secrets carry the operator's seal for exactly the current inputs and
// status is checked without reading or opening them; any difference —
// tampered bytes, a copied, forged or stale seal, another key, a changed
// CA, trust source, password, label or status — falls back to the full
// render, which repairs what it must.
#include "operator/engine/sealed_render.h"

#include <gtest/gtest.h>

#include <functional>

#include "operator/common/time_format.h"
#include "operator/engine/reasons.h"
#include "operator/engine/seal.h"
#include "tests/engine/engine_fixture.h"

namespace certstore::engine {
namespace {
using namespace testing;  // NOLINT

// A MapObjectSource that counts reads of the CertStore's own Secrets
// ("app-..."; a referenced password Secret is the user's and is read).
class CountingSource : public MapObjectSource {
 public:
  std::optional<api::SecretObject> GetSecret(
      const std::string& ns, const std::string& name) const override {
    if (name.rfind("app-", 0) == 0) ++reads;
    return MapObjectSource::GetSecret(ns, name);
  }
  // Outlines without counting a read (as the operator's cache does).
  std::optional<SecretOutline> OutlineSecret(
      const std::string& ns, const std::string& name) const override {
    auto s = MapObjectSource::GetSecret(ns, name);
    if (!s) return std::nullopt;
    return SecretOutline{s->metadata, s->type, DataDigest(s->data)};
  }
  mutable int reads = 0;
};

SealKey MustSealKey() {
  auto k = SealKey::Generate();
  EXPECT_TRUE(k.ok()) << k.status();
  return std::move(k).value();
}

// The status the operator writes for `sum` (status_writer.cc), as read back.
api::ObservedStatus StatusOf(const RenderSummary& sum) {
  api::ObservedStatus st;
  auto t = [](const std::optional<TimePoint>& x) {
    return x ? FormatRfc3339(*x) : std::string();
  };
  st.revision = sum.revision;
  st.not_before = t(sum.not_before);
  st.not_after = t(sum.not_after);
  st.renewal_time = t(sum.renewal_time);
  st.serial_number = sum.serial_hex;
  st.fingerprint_sha256 = sum.fingerprint_sha256;
  st.issuer_ca_fingerprint = sum.issuer_ca_fingerprint;
  st.truststore_certificates = sum.truststore_certificates;
  st.truststore_earliest_not_after = t(sum.truststore_earliest_not_after);
  st.truststore_issuer_cas = sum.truststore_issuer_cas;
  return st;
}

class SealedRenderTest : public ::testing::Test {
 protected:
  SealedRenderTest()
      : clock_(TestNow()), ca_(MustRoot(clock_)), key_(MustSealKey()) {}

  static api::CertStore WithUid(api::CertStore cs) {
    cs.metadata.uid = "uid-app";
    return cs;
  }
  RenderOptions Options() {
    RenderOptions o;
    o.seal = &key_;
    o.status = &status_;
    return o;
  }
  // Renders, stores the Secrets and the status, as a reconcile would.
  RenderResult Reconcile(const api::CertStore& cs) {
    RenderResult r = MustRender(cs, ca_, objects_, clock_, Options());
    Store(r, &objects_);
    status_ = StatusOf(r.summary);
    return r;
  }
  // Renders once more and says whether the Secrets' data was read.
  RenderResult Again(const api::CertStore& cs, bool* read) {
    objects_.reads = 0;
    RenderResult r = MustRender(cs, ca_, objects_, clock_, Options());
    *read = objects_.reads > 0;
    return r;
  }

  FakeClock clock_;
  pki::CaMaterial ca_;
  SealKey key_;
  CountingSource objects_;
  api::ObservedStatus status_;
};

const char kBoth[] =
    "  keystore: {commonName: app, dnsNames: [app.demo.svc], usages: "
    "[serverAuth]}\n  truststore: {secretName: app-trust}\n";

TEST_F(SealedRenderTest, SealedSecretsAreCheckedWithoutReadingThem) {
  api::CertStore cs = WithUid(MakeCertStore(Spec(kBoth)));
  RenderResult first = Reconcile(cs);
  ASSERT_EQ(first.secrets.size(), 2u);
  for (const auto& s : first.secrets)
    EXPECT_EQ(s.metadata.annotations.at(kSealAnnotation).rfind("v1.", 0), 0u)
        << s.metadata.name;
  bool read = true;
  RenderResult r = Again(cs, &read);
  EXPECT_FALSE(read) << "a sealed Secret was read";
  EXPECT_TRUE(r.secrets.empty());  // nothing to write
  EXPECT_FALSE(r.decision.issue);
  EXPECT_EQ(r.decision.reason, kReasonUpToDate);
  EXPECT_EQ(r.summary.serial_hex, first.summary.serial_hex);
  EXPECT_EQ(r.summary.renewal_time, first.summary.renewal_time);
  EXPECT_EQ(r.summary.truststore_certificates,
            first.summary.truststore_certificates);
  // The truststore's anchors, for the metrics inventory.
  ASSERT_EQ(r.verified.size(), 1u);
  EXPECT_EQ(r.verified[0].first, "demo/app-trust");
  EXPECT_EQ(r.verified[0].second.trust.size(), 1u);
  EXPECT_TRUE(r.verified[0].second.desired_digest.empty());
}

TEST_F(SealedRenderTest, SealsAreDeterministicSoARenderChangesNothing) {
  api::CertStore cs = WithUid(MakeCertStore(Spec(kBoth)));
  RenderResult first = Reconcile(cs);
  // The full render (no status: no shortcut) seals the same bytes the same.
  RenderOptions o = Options();
  o.status = nullptr;
  RenderResult full = MustRender(cs, ca_, objects_, clock_, o);
  ASSERT_EQ(full.secrets.size(), 2u);
  EXPECT_FALSE(full.reencoded) << full.reencode_reason;
  for (size_t i = 0; i < 2; ++i)
    EXPECT_EQ(full.secrets[i].metadata.annotations.at(kSealAnnotation),
              first.secrets[i].metadata.annotations.at(kSealAnnotation));
}

// An operator without a key (or an older version) left Secrets unsealed:
// checked in full, and the render adds the seal without changing a byte.
TEST_F(SealedRenderTest, UnsealedSecretsAreCheckedInFullAndSealed) {
  api::CertStore cs = WithUid(MakeCertStore(Spec(kBoth)));
  RenderResult plain = MustRender(cs, ca_, objects_, clock_, RenderOptions());
  Store(plain, &objects_);
  status_ = StatusOf(plain.summary);
  bool read = false;
  RenderResult r = Again(cs, &read);
  EXPECT_TRUE(read);
  EXPECT_FALSE(r.decision.issue);
  EXPECT_FALSE(r.reencoded) << r.reencode_reason;
  ASSERT_EQ(r.secrets.size(), 2u);
  EXPECT_EQ(r.secrets[0].data, plain.secrets[0].data);
  EXPECT_TRUE(r.secrets[0].metadata.annotations.count(kSealAnnotation));
  Store(r, &objects_);
  Again(cs, &read);
  EXPECT_FALSE(read);
}

TEST_F(SealedRenderTest, FrozenRendersAreNotSealed) {
  api::CertStore cs = WithUid(MakeCertStore(Spec(kBoth)));
  Reconcile(cs);
  RenderOptions o = Options();
  o.freeze_keystore = true;
  objects_.reads = 0;
  RenderResult r = MustRender(cs, ca_, objects_, clock_, o);
  EXPECT_GT(objects_.reads, 0);  // no shortcut while frozen
}

// Everything that must send the CertStore through the full render, and what
// that render then does.
struct Change {
  const char* name;
  std::function<void(SealedRenderTest&, api::CertStore&)> apply;
  bool issues;     // a new certificate
  bool reencodes;  // the stores are written again
};

class SealedRenderChangeTest : public SealedRenderTest,
                               public ::testing::WithParamInterface<Change> {
 public:
  CountingSource& objects() { return objects_; }
  api::ObservedStatus& status() { return status_; }
  pki::CaMaterial& ca() { return ca_; }
  SealKey& key() { return key_; }
  FakeClock& clock() { return clock_; }
};

api::SecretObject StoredSecret(SealedRenderChangeTest& t,
                               const std::string& name) {
  auto s = t.objects().MapObjectSource::GetSecret("demo", name);
  EXPECT_TRUE(s.has_value()) << name;
  return s ? *s : api::SecretObject();
}

// Reads stored Secret `name`, applies `edit` and stores it back.
void EditSecret(SealedRenderTest& base, const std::string& name,
                const std::function<void(api::SecretObject&)>& edit) {
  auto& t = static_cast<SealedRenderChangeTest&>(base);
  api::SecretObject s = StoredSecret(t, name);
  edit(s);
  t.objects().PutSecret(s);
}

const Change kChanges[] = {
    {"one of our data keys added to the sealed Secret",
     [](SealedRenderTest& base, api::CertStore&) {
       EditSecret(base, "app-stores",
                  [](api::SecretObject& s) { s.data["tls.der"] = "x"; });
     },
     false, true},
    {"a user's own data key added (checked, kept, nothing re-encoded)",
     [](SealedRenderTest& base, api::CertStore&) {
       EditSecret(base, "app-stores", [](api::SecretObject& s) {
         s.data["application.properties"] = "x";
       });
     },
     false, false},
    {"tampered truststore Secret",
     [](SealedRenderTest& base, api::CertStore&) {
       EditSecret(base, "app-trust", [](api::SecretObject& s) {
         s.data["truststore.p12"] = "not a store";
       });
     },
     false, true},
    {"seal removed",
     [](SealedRenderTest& base, api::CertStore&) {
       EditSecret(base, "app-stores", [](api::SecretObject& s) {
         s.metadata.annotations.erase(kSealAnnotation);
       });
     },
     false, false},
    {"seal forged (hex flipped)",
     [](SealedRenderTest& base, api::CertStore&) {
       EditSecret(base, "app-stores", [](api::SecretObject& s) {
         std::string& seal = s.metadata.annotations[kSealAnnotation];
         seal.back() = seal.back() == '0' ? '1' : '0';
       });
     },
     false, false},
    {"data and seal copied from the truststore Secret",
     [](SealedRenderTest& base, api::CertStore&) {
       auto& t = static_cast<SealedRenderChangeTest&>(base);
       api::SecretObject main = StoredSecret(t, "app-stores");
       api::SecretObject trust = StoredSecret(t, "app-trust");
       main.data = trust.data;
       main.metadata.annotations[kSealAnnotation] =
           trust.metadata.annotations.at(kSealAnnotation);
       t.objects().PutSecret(main);
     },
     true, true},
    {"sealed under another operator's key",
     [](SealedRenderTest& base, api::CertStore&) {
       auto& t = static_cast<SealedRenderChangeTest&>(base);
       t.key() = MustSealKey();
     },
     false, false},
    {"a CertStore of the same name with another UID",
     [](SealedRenderTest&, api::CertStore& cs) { cs.metadata.uid = "uid-2"; },
     false, false},
    {"status names another serial (an older version restored)",
     [](SealedRenderTest& base, api::CertStore&) {
       static_cast<SealedRenderChangeTest&>(base).status().serial_number = "01";
     },
     false, false},
    {"status revision differs",
     [](SealedRenderTest& base, api::CertStore&) {
       static_cast<SealedRenderChangeTest&>(base).status().revision += 1;
     },
     false, false},
    {"managed-by label removed",
     [](SealedRenderTest& base, api::CertStore&) {
       EditSecret(base, "app-stores",
                  [](api::SecretObject& s) { s.metadata.labels.clear(); });
     },
     false, false},
    {"Secret type changed",
     [](SealedRenderTest& base, api::CertStore&) {
       EditSecret(base, "app-stores",
                  [](api::SecretObject& s) { s.type = "Opaque"; });
     },
     false, false},
    {"issuer CA replaced",
     [](SealedRenderTest& base, api::CertStore&) {
       auto& t = static_cast<SealedRenderChangeTest&>(base);
       t.ca() = MustRoot(t.clock());
     },
     true, true},
    {"renewal time reached",
     [](SealedRenderTest& base, api::CertStore&) {
       auto& t = static_cast<SealedRenderChangeTest&>(base);
       t.clock().Advance(std::chrono::hours(24 * 80));
     },
     true, true},
    {"trust source added",
     [](SealedRenderTest& base, api::CertStore& cs) {
       auto& t = static_cast<SealedRenderChangeTest&>(base);
       pki::CaMaterial other = MustRoot(t.clock());
       api::TrustSource src;
       src.type = api::TrustSource::Type::kInline;
       src.inline_pem = pki::EncodeCertificatePem(other.cert.get());
       cs.spec.truststore->sources.push_back(src);
     },
     false, true},
    {"renewal requested",
     [](SealedRenderTest& base, api::CertStore& cs) {
       cs.metadata.annotations[kRenewRequestAnnotation] = "r1";
       static_cast<SealedRenderChangeTest&>(base).clock().Advance(
           std::chrono::seconds(60));
     },
     true, true},
    {"malformed renewal request (reported by the full render)",
     [](SealedRenderTest&, api::CertStore& cs) {
       cs.metadata.annotations[kRenewRequestAnnotation] = "no spaces";
     },
     false, false},
    {"alias changed",
     [](SealedRenderTest&, api::CertStore& cs) {
       cs.spec.keystore->alias = "other";
     },
     false, true},
};

TEST_P(SealedRenderChangeTest, FallsBackToTheFullRender) {
  const Change& c = GetParam();
  api::CertStore cs = WithUid(MakeCertStore(Spec(kBoth)));
  RenderResult first = Reconcile(cs);
  c.apply(*this, cs);
  bool read = false;
  RenderResult r = Again(cs, &read);
  EXPECT_TRUE(read) << c.name << ": taken as sealed";
  EXPECT_FALSE(r.secrets.empty()) << c.name;
  EXPECT_EQ(r.decision.issue, c.issues) << c.name << ": " << r.decision.reason;
  EXPECT_EQ(r.reencoded, c.reencodes) << c.name << ": " << r.reencode_reason;
  if (!c.issues) {
    EXPECT_EQ(r.summary.serial_hex, first.summary.serial_hex) << c.name;
  }
}

INSTANTIATE_TEST_SUITE_P(Changes, SealedRenderChangeTest,
                         ::testing::ValuesIn(kChanges),
                         [](const ::testing::TestParamInfo<Change>& i) {
                           std::string n;
                           for (const char* p = i.param.name; *p; ++p)
                             n += std::isalnum(static_cast<unsigned char>(*p))
                                      ? *p
                                      : '_';
                           return n;
                         });

TEST_F(SealedRenderTest, AnsweredRenewRequestStaysSealed) {
  api::CertStore cs = WithUid(MakeCertStore(Spec(kBoth)));
  cs.metadata.annotations[kRenewRequestAnnotation] = "r1";
  RenderResult first = Reconcile(cs);
  EXPECT_EQ(first.summary.renew_request, "r1");
  bool read = true;
  RenderResult r = Again(cs, &read);
  EXPECT_FALSE(read) << "an answered request re-opened the stores";
  EXPECT_FALSE(r.decision.issue);
  EXPECT_EQ(r.summary.renew_request, "r1");
  // The request removed from the CertStore: still sealed, still reported.
  cs.metadata.annotations.clear();
  r = Again(cs, &read);
  EXPECT_FALSE(read);
  EXPECT_EQ(r.summary.renew_request, "r1");
}

TEST_F(SealedRenderTest, ReferencedPasswordChangeIsNotSealed) {
  api::CertStore cs = WithUid(MakeCertStore(
      Spec(kBoth + std::string("  password: {secretKeyRef: {name: pw, key: "
                               "password}}\n"))));
  objects_.PutSecret(MakeSecret("pw", {{"password", "first-password"}}));
  Reconcile(cs);
  bool read = true;
  Again(cs, &read);
  EXPECT_FALSE(read);  // sealed for this password
  objects_.PutSecret(MakeSecret("pw", {{"password", "second-password"}}));
  RenderResult r = Again(cs, &read);
  EXPECT_TRUE(read);
  EXPECT_TRUE(r.reencoded) << "stores not re-encoded for the new password";
}

TEST(SealKeyTest, EveryFactIsBound) {
  SealKey key = MustSealKey();
  SealFacts base;
  base.ns = "demo";
  base.secret = "app-stores";
  base.owner_uid = "uid";
  base.type = "Opaque";
  base.data_digest = std::string(64, 'a');
  base.identity_hash = "identity";
  base.render_hash = "render";
  base.content.alias = "app";
  base.content.keys = {"keystore.p12"};
  base.content.leaf = "leaf";
  base.content.chain = {"mid"};
  base.content.root = "root";
  base.content.trust = {"root"};
  base.content.password = "generated";
  base.summary = "s";
  std::string seal = key.Seal(base);
  EXPECT_TRUE(key.Verifies(base, seal));
  std::vector<std::function<void(SealFacts&)>> changes = {
      [](SealFacts& f) { f.ns = "demo2"; },
      [](SealFacts& f) { f.secret = "app-stores2"; },
      [](SealFacts& f) { f.owner_uid = "uid2"; },
      [](SealFacts& f) { f.is_main = false; },
      [](SealFacts& f) { f.type = "kubernetes.io/tls"; },
      [](SealFacts& f) { f.data_digest = std::string(64, 'b'); },
      [](SealFacts& f) { f.identity_hash = "identity2"; },
      [](SealFacts& f) { f.render_hash = "render2"; },
      [](SealFacts& f) { f.content.alias = "app2"; },
      [](SealFacts& f) { f.content.keys.insert("keystore.jks"); },
      [](SealFacts& f) { f.content.profile = 1; },
      [](SealFacts& f) { f.content.leaf = "leaf2"; },
      [](SealFacts& f) { f.content.chain.clear(); },
      [](SealFacts& f) { f.content.root = "root2"; },
      [](SealFacts& f) { f.content.trust.push_back("x"); },
      [](SealFacts& f) { f.content.password = "pw-digest"; },
      [](SealFacts& f) { f.summary = "t"; },
      // Moving text between neighbouring fields is a different message.
      [](SealFacts& f) {
        f.ns = "demoa";
        f.secret = "pp-stores";
      },
  };
  for (size_t i = 0; i < changes.size(); ++i) {
    SealFacts f = base;
    changes[i](f);
    EXPECT_FALSE(key.Verifies(f, seal)) << "change " << i << " not bound";
  }
  EXPECT_FALSE(MustSealKey().Verifies(base, seal)) << "another key verified";
}

// Without a real data digest (a failed hash) nothing is sealed, and no
// annotation verifies: the check fails closed.
TEST(SealKeyTest, FailsClosedWithoutADigest) {
  SealKey key = MustSealKey();
  SealFacts f;
  f.data_digest = "";
  EXPECT_EQ(key.Seal(f), "");
  for (const char* forged : {"", "v1.", "v1.0"})
    EXPECT_FALSE(key.Verifies(f, forged)) << "'" << forged << "' verified";
}

TEST(SealKeyTest, KeyMustHaveTheRightSize) {
  auto short_key = SealKey::FromBytes(SecretBytes("short"));
  ASSERT_FALSE(short_key.ok());
  EXPECT_EQ(short_key.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(short_key.status().message().find("32 bytes, got 5"),
            std::string::npos)
      << short_key.status();
  EXPECT_TRUE(SealKey::FromBytes(SecretBytes(std::string(32, 'k'))).ok());
}

}  // namespace
}  // namespace certstore::engine
