// The inventory behind the per-object metrics: a truststore that must be
// decrypted is read off the informer's thread, and a hostile one (iteration
// counts a tenant planted) never stalls the handler.
#include "operator/controller/inventory.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <optional>
#include <set>
#include <thread>

#include "operator/common/base64.h"
#include "operator/controller/cached_kinds.h"
#include "operator/pki/pkcs12.h"
#include "tests/engine/engine_fixture.h"
#include "tests/pki/pki_fixture.h"
#include "tests/support/inventory_fleet.h"

namespace certstore::controller {
namespace {
using namespace engine::testing;  // NOLINT

// CertStore demo/app, its stores (and truststore) in Secret `secret`.
kube::ObjectPtr CertStoreObject(const std::string& secret = "app-stores") {
  auto o = std::make_shared<kube::CachedObject>();
  o->meta.ns = "demo";
  o->meta.name = "app";
  o->json =
      "{\"apiVersion\":\"certstore.dev/"
      "v1alpha1\",\"kind\":\"CertStore\",\"metadata\":{\"name\":"
      "\"app\",\"namespace\":\"demo\"},\"spec\":{\"issuerRef\":{\"name\":"
      "\"ca\"},\"secretName\":\"" +
      secret + "\",\"truststore\":{},\"formats\":[\"PKCS12\"]}}";
  return o;
}

kube::ObjectPtr SecretWith(const std::string& p12, const std::string& password,
                           const std::string& name = "app-stores") {
  auto o = std::make_shared<kube::CachedObject>();
  o->meta.ns = "demo";
  o->meta.name = name;
  o->meta.annotations.Set("certstore.dev/certstore", "app");
  o->json =
      "{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"name\":\"" +
      name +
      "\","
      "\"namespace\":\"demo\",\"annotations\":{\"certstore.dev/"
      "certstore\":\"app\"}},"
      "\"data\":{\"truststore.p12\":\"" +
      Base64Encode(p12) + "\",\"password\":\"" + Base64Encode(password) +
      "\"}}";
  return o;
}

// A truststore of the test root CA, locked with "pw" (empty on failure).
std::string TestTruststore() {
  FakeClock clock(TestNow());
  pki::CaMaterial root = MustRoot(clock);
  auto p12 = pki::EncodePkcs12Truststore({root.cert.get()}, SecretBytes("pw"),
                                         pki::Pkcs12Profile::kModern2023);
  EXPECT_TRUE(p12.ok()) << p12.status();
  return p12.ok() ? *p12 : "";
}

// `full` as the operator caches its own Secrets: a digest, not the data.
kube::ObjectPtr AsCached(const kube::ObjectPtr& full) {
  auto decoded = std::make_shared<kube::CachedObject>(*full);
  decoded->typed = DecodeManagedSecret(*decoded, /*complete=*/false);
  decoded->json.clear();
  return decoded;
}

size_t Entries(const Inventory& inv) {
  auto t = inv.Truststores();
  return t.empty() ? 0 : t[0].entries.size();
}

TEST(InventoryTest, ATruststoreToDecryptIsReadOffTheInformerThread) {
  std::string p12 = TestTruststore();
  ASSERT_FALSE(p12.empty());
  Inventory inv;
  inv.OnCertStore(nullptr, CertStoreObject());
  inv.OnManagedSecret(nullptr, SecretWith(p12, "pw"));
  // The entries appear once the reader has opened the store.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (Entries(inv) == 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_EQ(Entries(inv), 1u);
  EXPECT_EQ(inv.Truststores()[0].entries[0].subject_cn, "Test Root CA");
}

TEST(InventoryTest, AHostileTruststoreNeverStallsTheHandler) {
  std::string p12 = TestTruststore();
  ASSERT_FALSE(p12.empty());
  // 2^31-1 MAC iterations: about ten minutes of PBKDF2 if anyone derived.
  std::string hostile = pki::testing::WithMacIterations(p12, 2147483647);
  Inventory inv;
  inv.OnCertStore(nullptr, CertStoreObject());
  for (int i = 0; i < 4; ++i)
    inv.OnManagedSecret(nullptr, SecretWith(hostile, "pw"));
  // A good version afterwards is read (the reader was not pinned).
  inv.OnManagedSecret(nullptr, SecretWith(p12, "pw"));
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (Entries(inv) == 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(Entries(inv), 1u);
}

// A labelled, annotated Secret the operator did not write (cached partial,
// without data) is not a truststore of ours: no entries, nothing to read.
TEST(InventoryTest, APartialSecretIsNotCounted) {
  std::string p12 = TestTruststore();
  ASSERT_FALSE(p12.empty());
  Inventory inv;
  inv.OnCertStore(nullptr, CertStoreObject());
  auto ours = SecretWith(p12, "pw");
  inv.OnManagedSecret(nullptr, ours);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (Entries(inv) == 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_EQ(Entries(inv), 1u);
  // The same Secret, now foreign (e.g. its controller reference changed):
  auto foreign = std::make_shared<kube::CachedObject>(*ours);
  foreign->partial = true;
  EXPECT_FALSE(inv.OnManagedSecret(ours, foreign));
  EXPECT_EQ(Entries(inv), 0u);
}

// As the operator caches its own Secrets: a digest, not the store and its
// password. The reader then reads the Secret, and uses it only if it is the
// version the cache announced.
TEST(InventoryTest, ATruststoreTheCacheDoesNotHoldIsReadFromTheApiServer) {
  std::string p12 = TestTruststore();
  ASSERT_FALSE(p12.empty());
  auto full = SecretWith(p12, "pw");
  kube::ObjectPtr decoded = AsCached(full);
  ASSERT_NE(decoded->As<CachedSecret>(), nullptr);
  ASSERT_FALSE(decoded->As<CachedSecret>()->complete);

  for (bool same_version : {true, false}) {
    SCOPED_TRACE(same_version ? "the version cached" : "a newer version");
    std::atomic<int> reads{0};
    Inventory inv;
    inv.SetSecretFetch(
        [&](const std::string& ns,
            const std::string& name) -> StatusOr<api::SecretObject> {
          ++reads;
          EXPECT_EQ(ns + "/" + name, "demo/app-stores");
          auto s = SecretOf(*full);
          api::SecretObject out = *s->whole;
          if (!same_version) out.data["password"] = "changed since";
          return out;
        });
    inv.OnCertStore(nullptr, CertStoreObject());
    inv.OnManagedSecret(nullptr, decoded);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while ((Entries(inv) == 0 || reads == 0) &&
           std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    EXPECT_EQ(reads, 1);
    if (same_version) {
      ASSERT_EQ(Entries(inv), 1u);
      EXPECT_EQ(inv.Truststores()[0].entries[0].subject_cn, "Test Root CA");
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      EXPECT_EQ(Entries(inv), 0u);  // not the bytes the cache announced
    }
  }
}

// The API server failing a read is not the end of the truststore's
// metrics: the reader tries again (after Inventory::kFetchRetry).
TEST(InventoryTest, ATruststoreReadTheServerFailedIsReadAgain) {
  std::string p12 = TestTruststore();
  ASSERT_FALSE(p12.empty());
  auto full = SecretWith(p12, "pw");
  kube::ObjectPtr decoded = AsCached(full);
  std::atomic<int> reads{0};
  Inventory inv;
  inv.SetSecretFetch([&](const std::string&,
                         const std::string&) -> StatusOr<api::SecretObject> {
    if (++reads == 1) return UnavailableError("connection refused");
    return *SecretOf(*full)->whole;
  });
  inv.OnCertStore(nullptr, CertStoreObject());
  inv.OnManagedSecret(nullptr, decoded);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (Entries(inv) == 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(Entries(inv), 1u);
  EXPECT_EQ(reads, 2);
}

// A truststore a reconcile has checked meanwhile (a sealed Secret: the
// reconcile knows its anchors without opening it) is not opened by the
// reader: Learn takes it off the queue and sets its entries.
TEST(InventoryTest, ATruststoreAReconcileCheckedIsNotOpened) {
  std::string p12 = TestTruststore();
  ASSERT_FALSE(p12.empty());
  auto first = AsCached(SecretWith(p12, "pw", "first"));
  auto second = AsCached(SecretWith(p12, "pw", "second"));
  std::atomic<bool> known{false}, release{false};
  std::atomic<int> first_reads{0}, second_reads{0};
  Inventory inv;
  inv.SetTrustLookup(
      [&](const std::string& key,
          const std::string&) -> std::optional<std::vector<TrustEntryFacts>> {
        if (key != "demo/second" || !known) return std::nullopt;
        return std::vector<TrustEntryFacts>{{"learned", "Learned CA", 1.0}};
      });
  inv.SetSecretFetch([&](const std::string&, const std::string& name)
                         -> StatusOr<api::SecretObject> {
    if (name == "first") {
      ++first_reads;
      auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
      while (!release && std::chrono::steady_clock::now() < until)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    } else {
      ++second_reads;
    }
    return UnavailableError("not in this test");
  });
  inv.OnCertStore(nullptr, CertStoreObject("second"));
  inv.OnManagedSecret(nullptr, first);  // the reader blocks on it
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (first_reads == 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ASSERT_EQ(first_reads, 1);
  inv.OnManagedSecret(nullptr, second);  // queued behind it
  known = true;
  auto second_entries = [&] {
    for (const auto& t : inv.Truststores())
      if (t.secret == "second") return t.entries.size();
    return size_t{0};
  };
  // A digest other than the cached one's teaches nothing.
  inv.Learn("demo/second", "another version");
  EXPECT_EQ(second_entries(), 0u);
  inv.Learn("demo/second", SecretOf(*second)->data_digest.Hex());
  release = true;
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  inv.Stop();
  EXPECT_EQ(second_reads, 0) << "a checked truststore was opened";
  bool found = false;
  for (const auto& t : inv.Truststores()) {
    if (t.secret != "second") continue;
    found = true;
    ASSERT_EQ(t.entries.size(), 1u);
    EXPECT_EQ(t.entries[0].subject_cn, "Learned CA");
  }
  EXPECT_TRUE(found);
}

// A scrape walks the inventory in pages: every CertStore once, in key
// order, and a CertStore removed or added between pages neither shifts the
// walk nor makes it visit one twice.
TEST(InventoryTest, PagedWalksVisitEachCertStoreOnce) {
  auto inv = certstore::testing::MakeInventory(10);
  std::vector<std::string> visited;
  auto page = [&](std::string* cursor) {
    return inv->VisitCertStores(cursor, 3, [&](const CertStoreFacts& f) {
      visited.push_back(std::string(f.ns) + "/" + std::string(f.name));
      return true;
    });
  };
  std::string cursor;
  EXPECT_TRUE(page(&cursor));
  ASSERT_EQ(visited.size(), 3u);
  EXPECT_EQ(cursor, visited.back());
  // team-0/app-0 (visited) leaves; team-10/app-10 arrives behind the
  // walk's position (it sorts before team-2/app-2) and team-99/app-99 ahead
  // of it.
  EXPECT_EQ(cursor, "team-2/app-2");
  inv->OnCertStore(certstore::testing::CertStoreObject(0), nullptr);
  inv->OnCertStore(nullptr, certstore::testing::CertStoreObject(10));
  inv->OnCertStore(nullptr, certstore::testing::CertStoreObject(99));
  while (page(&cursor)) {
  }
  std::set<std::string> unique(visited.begin(), visited.end());
  EXPECT_EQ(unique.size(), visited.size()) << "a CertStore visited twice";
  EXPECT_TRUE(std::is_sorted(visited.begin(), visited.end()));
  // The ten, and the one that arrived ahead.
  EXPECT_EQ(visited.size(), 11u);
  EXPECT_EQ(visited.back(), "team-99/app-99");
  EXPECT_EQ(inv->CertStoreCount(), 11u);

  // Truststores walk the CertStores in the same pages.
  std::string tcursor;
  size_t with_entries = 0;
  while (inv->VisitTruststores(
      &tcursor, 4,
      [&](const CertStoreFacts&, const std::vector<TrustEntryFacts>& entries) {
        if (entries.size() == 2) ++with_entries;
        return true;
      })) {
  }
  EXPECT_EQ(with_entries, 9u);  // app-0 is gone; 10 and 99 have no Secret

  // A visitor can end a page early (its text is long enough): the walk
  // goes on from there.
  std::string early;
  size_t calls = 0;
  EXPECT_TRUE(inv->VisitCertStores(&early, 100, [&](const CertStoreFacts&) {
    ++calls;
    return false;
  }));
  EXPECT_EQ(calls, 1u);
  EXPECT_EQ(early, "team-1/app-1");  // team-0/app-0 left above
}

// What a scrape reads of each CertStore is what its object said, however
// the inventory packs it, and a change replaces it (one entry per
// CertStore).
TEST(InventoryTest, EachCertStoreReadsBackAsItsObjectSaid) {
  auto inv = certstore::testing::MakeInventory(3);
  // The facts of `key`, copied out while the visitor runs (its views are
  // valid only then).
  struct Copied {
    std::string secret, issuer_kind, issuer_name, truststore_secret, ready;
    std::optional<double> not_before, not_after, renewal;
  };
  auto facts = [&](const std::string& key) {
    std::optional<Copied> out;
    std::string cursor;
    inv->VisitCertStores(&cursor, 100, [&](const CertStoreFacts& f) {
      if (std::string(f.ns) + "/" + std::string(f.name) == key)
        out = Copied{std::string(f.secret),
                     std::string(f.issuer_kind),
                     std::string(f.issuer_name),
                     std::string(f.truststore_secret),
                     std::string(f.ready),
                     f.not_before,
                     f.not_after,
                     f.renewal};
      return true;
    });
    return out;
  };
  auto f = facts("team-1/app-1");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->secret, "app-1-stores");
  EXPECT_EQ(f->issuer_kind, "ClusterCertIssuer");
  EXPECT_EQ(f->issuer_name, "lab");
  EXPECT_EQ(f->truststore_secret, "app-1-stores");
  EXPECT_EQ(f->ready, "True");
  ASSERT_TRUE(f->not_before && f->not_after && f->renewal);
  EXPECT_EQ(*f->not_after - *f->not_before, 90 * 86400.0);
  EXPECT_EQ(*f->renewal, *f->not_after - 30 * 86400.0);

  struct Case {
    const char* what;
    std::string spec_and_status;
    std::string secret, issuer_kind, issuer_name, truststore, ready;
    bool times;
  } cases[] = {
      {"a namespaced issuer, no truststore, not yet reconciled",
       R"("spec":{"issuerRef":{"name":"team-ca"},"secretName":"s1"})", "s1",
       "CertIssuer", "team-ca", "", "Unknown", false},
      {"a truststore in a Secret of its own, not Ready",
       R"("spec":{"issuerRef":{"name":"ca"},"secretName":"s2",)"
       R"("truststore":{"secretName":"trust"}},"status":{"conditions":[)"
       R"({"type":"Ready","status":"False","reason":"IssuerNotReady"}]})",
       "s2", "CertIssuer", "ca", "trust", "False", false},
      {"a Ready status the API does not define matches none of the three",
       R"("spec":{"issuerRef":{"name":"ca"},"secretName":"s3"},)"
       R"("status":{"conditions":[{"type":"Ready","status":"Maybe"}],)"
       R"("notAfter":"2027-02-21T12:00:00Z"})",
       "s3", "CertIssuer", "ca", "", "", true},
      {"a spec that does not parse: its series carry empty labels",
       R"("spec":{"issuerRef":"not an object"})", "", "", "", "", "Unknown",
       false},
      {"a NUL inside a name cannot shift the fields after it",
       R"("spec":{"issuerRef":{"name":"ca"},"secretName":"a\u0000b"})", "a",
       "CertIssuer", "ca", "", "Unknown", false},
  };
  for (const auto& c : cases) {
    auto o = std::make_shared<kube::CachedObject>();
    o->meta.ns = "team-1";
    o->meta.name = "app-1";
    o->json = R"({"apiVersion":"certstore.dev/v1alpha1","kind":"CertStore",)"
              R"("metadata":{"name":"app-1","namespace":"team-1"},)" +
              c.spec_and_status + "}";
    inv->OnCertStore(certstore::testing::CertStoreObject(1), o);
    EXPECT_EQ(inv->CertStoreCount(), 3u) << c.what;
    auto got = facts("team-1/app-1");
    ASSERT_TRUE(got) << c.what;
    EXPECT_EQ(got->secret, c.secret) << c.what;
    EXPECT_EQ(got->issuer_kind, c.issuer_kind) << c.what;
    EXPECT_EQ(got->issuer_name, c.issuer_name) << c.what;
    EXPECT_EQ(got->truststore_secret, c.truststore) << c.what;
    EXPECT_EQ(got->ready, c.ready) << c.what;
    EXPECT_EQ(got->not_after.has_value(), c.times) << c.what;
    EXPECT_FALSE(got->not_before) << c.what;
    EXPECT_FALSE(got->renewal) << c.what;
  }
  inv->OnCertStore(certstore::testing::CertStoreObject(1), nullptr);
  EXPECT_FALSE(facts("team-1/app-1"));
  EXPECT_TRUE(facts("team-2/app-2"));
  EXPECT_EQ(inv->CertStoreCount(), 2u);
}

// Secrets holding the same trust anchors share one copy of their entries;
// one of them changing or going leaves the others' entries as they were.
TEST(InventoryTest, SecretsWithTheSameTrustKeepTheirOwnEntries) {
  auto inv = certstore::testing::MakeInventory(3);
  auto entries = [&](const std::string& certstore) {
    for (const auto& t : inv->Truststores())
      if (t.certstore == certstore) return t.entries;
    return std::vector<TrustEntryFacts>();
  };
  ASSERT_EQ(entries("app-1").size(), 2u);
  EXPECT_EQ(entries("app-1")[0].subject_cn, entries("app-2")[0].subject_cn);
  EXPECT_EQ(inv->SharedEntryLists(), 1u);  // one copy for the three

  // app-1's Secret now holds one CA only.
  auto one = certstore::testing::SecretObject(1);
  auto changed = std::make_shared<kube::CachedObject>(*one);
  std::string pem = certstore::testing::TrustBundlePem();
  std::string first = pem.substr(0, pem.find("-----END CERTIFICATE-----") +
                                        sizeof("-----END CERTIFICATE-----"));
  changed->json =
      "{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"name\":"
      "\"app-1-stores\",\"namespace\":\"team-1\"},\"data\":{\"ca.crt\":\"" +
      Base64Encode(first) + "\"}}";
  inv->OnManagedSecret(one, changed);
  EXPECT_EQ(entries("app-1").size(), 1u);
  EXPECT_EQ(entries("app-2").size(), 2u);
  EXPECT_EQ(entries("app-0").size(), 2u);
  EXPECT_EQ(inv->SharedEntryLists(), 2u);

  // app-0's Secret goes: app-2 keeps the entries they shared.
  inv->OnManagedSecret(certstore::testing::SecretObject(0), nullptr);
  EXPECT_EQ(entries("app-0").size(), 0u);
  EXPECT_EQ(entries("app-2").size(), 2u);
  // And app-1 goes back to both: the same entries as app-2 again.
  inv->OnManagedSecret(changed, one);
  auto back = entries("app-1");
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[1].subject_cn, entries("app-2")[1].subject_cn);
  EXPECT_EQ(inv->SharedEntryLists(), 1u);  // the one-CA list is gone
  // The same version again (a resync) holds the same copy.
  inv->OnManagedSecret(one, one);
  EXPECT_EQ(inv->SharedEntryLists(), 1u);
  // Every Secret gone: nothing is held.
  inv->OnManagedSecret(one, nullptr);
  inv->OnManagedSecret(certstore::testing::SecretObject(2), nullptr);
  EXPECT_EQ(inv->SharedEntryLists(), 0u);
  EXPECT_EQ(entries("app-2").size(), 0u);
}

}  // namespace
}  // namespace certstore::controller
