// The informer with the shared fake API server: list, then watch events,
// each object decoded once as it enters the cache (InformerOptions::decode)
// and seen decoded by index functions, handlers and readers.
#include "operator/kube/informer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <new>
#include <thread>

#include "operator/kube/resource.h"
#include "tests/support/eventually.h"
#include "tests/support/fake_transport.h"

namespace certstore::kube {
namespace {

using certstore::testing::FakeTransport;

// What the test's decoder makes of an object: its spec.secretName.
struct Decoded : TypedObject {
  explicit Decoded(std::string s) : secret(std::move(s)) {}
  std::string secret;
};

std::string CertStore(const std::string& name, const std::string& rv,
                      const std::string& secret) {
  return "{\"apiVersion\":\"certstore.dev/v1alpha1\",\"kind\":\"CertStore\","
         "\"metadata\":{\"name\":\"" +
         name + "\",\"namespace\":\"demo\",\"resourceVersion\":\"" + rv +
         "\"},\"spec\":{\"secretName\":\"" + secret + "\"}}";
}

std::string ListPage(const std::vector<std::string>& items) {
  std::string out =
      "{\"kind\":\"CertStoreList\",\"apiVersion\":\"certstore.dev/v1alpha1\","
      "\"metadata\":{\"resourceVersion\":\"10\"},\"items\":[";
  for (size_t i = 0; i < items.size(); ++i) out += (i ? "," : "") + items[i];
  return out + "]}";
}

std::string Event(const std::string& type, const std::string& object) {
  return "{\"type\":\"" + type + "\",\"object\":" + object + "}\n";
}

// Decodes by finding the secretName (the test's stand-in for a parser) and
// counts its calls; returns null for objects named "undecodable".
struct CountingDecoder {
  std::shared_ptr<std::atomic<int>> calls =
      std::make_shared<std::atomic<int>>(0);
  std::shared_ptr<const TypedObject> operator()(const CachedObject& o) const {
    ++*calls;
    if (o.meta.name == "undecodable") return nullptr;
    const std::string key = "\"secretName\":\"";
    size_t at = o.json.find(key);
    if (at == std::string::npos) return std::make_shared<Decoded>("");
    at += key.size();
    return std::make_shared<Decoded>(
        o.json.substr(at, o.json.find('"', at) - at));
  }
};

template <class Pred>
bool WaitFor(Pred p) {
  return Eventually(p, std::chrono::seconds(10), std::chrono::milliseconds(5));
}

struct Harness {
  explicit Harness(bool drop_json) {
    auto t = std::make_unique<FakeTransport>();
    transport = t.get();
    transport->responses.push_back(
        {200,
         ListPage({CertStore("a", "5", "a-stores"),
                   CertStore("undecodable", "6", "u-stores")}),
         {}});
    transport->stream_chunks = {
        Event("MODIFIED", CertStore("a", "11", "a-renamed")),
        Event("ADDED", CertStore("b", "12", "b-stores")),
        Event("DELETED", CertStore("b", "13", "b-stores"))};
    InformerOptions o;
    o.decode = decoder;
    o.drop_json = drop_json;
    o.backoff_base = std::chrono::seconds(5);  // one watch is enough
    informer = std::make_unique<Informer>(std::move(t), CertStoresResource(),
                                          std::move(o));
    informer->AddIndex("secret", [this](const CachedObject& obj) {
      ++index_calls;
      const Decoded* d = obj.As<Decoded>();
      return d ? std::vector<std::string>{d->secret}
               : std::vector<std::string>{};
    });
    informer->AddHandler([this](const ObjectPtr& old_obj,
                                const ObjectPtr& new_obj) {
      std::lock_guard<std::mutex> l(mu);
      const ObjectPtr& o = new_obj ? new_obj : old_obj;
      const Decoded* d = o->As<Decoded>();
      seen.push_back(
          std::string(new_obj ? (old_obj ? "update " : "add ") : "delete ") +
          o->meta.name + "=" + (d ? d->secret : "(none)"));
    });
  }
  std::vector<std::string> Seen() {
    std::lock_guard<std::mutex> l(mu);
    return seen;
  }

  CountingDecoder decoder;
  FakeTransport* transport;
  std::unique_ptr<Informer> informer;
  std::atomic<int> index_calls{0};
  std::mutex mu;
  std::vector<std::string> seen;
};

TEST(InformerTest, DecodesEachObjectOnceAndEveryReaderSeesTheDecodedForm) {
  Harness h(/*drop_json=*/true);
  h.informer->Start();
  ASSERT_TRUE(h.informer->WaitForSync(std::chrono::seconds(10)));
  ASSERT_TRUE(WaitFor([&] { return h.Seen().size() == 5; }))
      << ::testing::PrintToString(h.Seen());
  h.informer->Stop();

  EXPECT_EQ(h.Seen(),
            (std::vector<std::string>{
                "add a=a-stores", "add undecodable=(none)",
                "update a=a-renamed", "add b=b-stores", "delete b=b-stores"}));
  // One decode per object per event that is cached: 2 listed + 2 watched
  // (a deletion hands out the cached object). The index functions and the
  // handlers did not decode again.
  EXPECT_EQ(*h.decoder.calls, 4);

  // The cache holds the decoded form, indexed by it; the JSON text is
  // gone where the decoder made something, kept where it did not.
  ObjectPtr a = h.informer->Get("demo", "a");
  ASSERT_NE(a, nullptr);
  ASSERT_NE(a->As<Decoded>(), nullptr);
  EXPECT_EQ(a->As<Decoded>()->secret, "a-renamed");
  EXPECT_TRUE(a->json.empty());
  EXPECT_EQ(a->meta.resource_version, "11");
  EXPECT_EQ(h.informer->ByIndex("secret", "a-renamed").size(), 1u);
  EXPECT_TRUE(h.informer->ByIndex("secret", "a-stores").empty());
  EXPECT_TRUE(h.informer->ByIndex("secret", "b-stores").empty());  // deleted
  // Every index answers with the objects cached now (listed, updated in
  // place, added and deleted since).
  std::vector<ObjectPtr> in_ns =
      h.informer->ByIndex(Informer::kNamespaceIndex, "demo");
  ASSERT_EQ(in_ns.size(), 2u);
  EXPECT_EQ(in_ns[0], a);
  EXPECT_EQ(in_ns[1]->meta.name, "undecodable");
  ObjectPtr u = h.informer->Get("demo", "undecodable");
  ASSERT_NE(u, nullptr);
  EXPECT_EQ(u->As<Decoded>(), nullptr);
  EXPECT_NE(u->json.find("u-stores"), std::string::npos);
  EXPECT_EQ(h.informer->Get("demo", "b"), nullptr);
  EXPECT_EQ(h.informer->Size(), 2u);
}

// Index values shared by many objects: objects listed, then added by watch
// events before, between and after them, moved to another value and
// deleted; every value answers with exactly the objects cached under it
// now, in key order.
TEST(InformerTest, AnIndexValueSharedByManyAnswersWithExactlyItsObjects) {
  // Names longer than a std::string's inline buffer: a view of a freed key
  // would then read freed heap (and fail under ASan).
  auto n = [](const std::string& x) { return "application-" + x; };
  auto t = std::make_unique<FakeTransport>();
  t->responses.push_back({200,
                          ListPage({CertStore(n("d"), "1", "shared"),
                                    CertStore(n("h"), "2", "shared"),
                                    CertStore(n("p"), "3", "own-p")}),
                          {}});
  t->stream_chunks = {
      Event("ADDED", CertStore(n("z"), "11", "shared")),
      Event("ADDED", CertStore(n("a"), "12", "shared")),
      Event("ADDED", CertStore(n("f"), "13", "shared")),
      Event("MODIFIED", CertStore(n("h"), "14", "own-h")),
      Event("DELETED", CertStore(n("d"), "15", "shared")),
      Event("MODIFIED", CertStore(n("p"), "16", "shared")),
      Event("ADDED", CertStore(n("b"), "17", "shared")),
      Event("MODIFIED", CertStore(n("b"), "18", "shared")),  // value kept
  };
  InformerOptions o;
  o.decode = CountingDecoder();
  o.backoff_base = std::chrono::seconds(5);
  Informer informer(std::move(t), CertStoresResource(), std::move(o));
  informer.AddIndex("secret", [](const CachedObject& obj) {
    const Decoded* d = obj.As<Decoded>();
    return d ? std::vector<std::string>{d->secret} : std::vector<std::string>{};
  });
  // An index function that names one value twice, and a value of its own
  // only while an object's resourceVersion is below 14: an update keeps
  // the values it still has, drops the ones it lost.
  informer.AddIndex("twice", [](const CachedObject& obj) {
    const Decoded* d = obj.As<Decoded>();
    if (!d) return std::vector<std::string>{};
    std::vector<std::string> out = {d->secret, d->secret};
    if (std::stoi(obj.meta.resource_version.str()) < 14) out.push_back("early");
    return out;
  });
  informer.Start();
  ASSERT_TRUE(informer.WaitForSync(std::chrono::seconds(10)));
  ASSERT_TRUE(WaitFor([&] { return informer.LastResourceVersion() == "18"; }));
  informer.Stop();

  auto names = [&](const std::string& index, const std::string& value) {
    std::vector<std::string> out;
    for (const auto& obj : informer.ByIndex(index, value))
      out.push_back(obj->meta.name);
    return out;
  };
  const std::vector<std::string> shared = {n("a"), n("b"), n("f"), n("p"),
                                           n("z")};
  for (const char* index : {"secret", "twice"}) {
    EXPECT_EQ(names(index, "shared"), shared) << index;
    EXPECT_EQ(names(index, "own-h"), std::vector<std::string>{n("h")}) << index;
    EXPECT_TRUE(names(index, "own-p").empty()) << index;  // p moved
  }
  // d is gone, h and p changed at 14 and 16: the values they lost.
  EXPECT_EQ(names("twice", "early"),
            (std::vector<std::string>{n("a"), n("f"), n("z")}));
  EXPECT_EQ(names(Informer::kNamespaceIndex, "demo"),
            (std::vector<std::string>{n("a"), n("b"), n("f"), n("h"), n("p"),
                                      n("z")}));
  EXPECT_EQ(informer.Size(), 6u);
}

// An event whose index change fails part way (an allocation failure, here
// made by the test seam) cannot be repaired by replaying it: the informer
// relists, rebuilds its indexes and tells the handlers about every object,
// so none misses the event that failed.
TEST(InformerTest, AnEventWhoseIndexChangeFailsIsRepairedByARelist) {
  auto t = std::make_unique<FakeTransport>();
  t->responses.push_back({200, ListPage({CertStore("a", "5", "shared")}), {}});
  t->stream_chunks = {Event("ADDED", CertStore("b", "11", "shared")),
                      Event("ADDED", CertStore("c", "12", "own-c"))};
  // The relist: the server's state after both events.
  t->responses.push_back(
      {200,
       ListPage({CertStore("a", "5", "shared"), CertStore("b", "11", "shared"),
                 CertStore("c", "12", "own-c")}),
       {}});
  auto inserts = std::make_shared<std::atomic<int>>(0);
  InformerOptions o;
  o.decode = CountingDecoder();
  o.backoff_base = std::chrono::milliseconds(10);
  // Entries added: a's two (namespace, secret) by the list, then b's: its
  // second (the "secret" index) fails once.
  o.before_index_insert = [inserts] {
    if (++*inserts == 4) throw std::bad_alloc();
  };
  Informer informer(std::move(t), CertStoresResource(), std::move(o));
  informer.AddIndex("secret", [](const CachedObject& obj) {
    const Decoded* d = obj.As<Decoded>();
    return d ? std::vector<std::string>{d->secret} : std::vector<std::string>{};
  });
  std::mutex mu;
  std::vector<std::string> seen;
  informer.AddHandler([&](const ObjectPtr&, const ObjectPtr& new_obj) {
    std::lock_guard<std::mutex> l(mu);
    if (new_obj) seen.push_back(new_obj->meta.name);
  });
  informer.Start();
  ASSERT_TRUE(WaitFor([&] { return informer.Stats().lists == 2; }));
  ASSERT_TRUE(WaitFor([&] {
    std::lock_guard<std::mutex> l(mu);
    return std::count(seen.begin(), seen.end(), "c") == 1;
  }));
  informer.Stop();

  auto names = [&](const std::string& value) {
    std::vector<std::string> out;
    for (const auto& obj : informer.ByIndex("secret", value))
      out.push_back(obj->meta.name);
    return out;
  };
  EXPECT_EQ(names("shared"), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(names("own-c"), std::vector<std::string>{"c"});
  EXPECT_EQ(informer.Size(), 3u);
  // b's failed event reached no handler; the relist reported it (and the
  // others, whose entries it rebuilt too). c came once: by the relist, as
  // the watch ended at b.
  std::lock_guard<std::mutex> l(mu);
  EXPECT_EQ(seen, (std::vector<std::string>{"a", "a", "b", "c"}));
  EXPECT_GE(informer.Stats().errors, 1);
}

TEST(InformerTest, KeepsTheJsonBesideTheDecodedFormUnlessToldToDropIt) {
  Harness h(/*drop_json=*/false);
  h.informer->Start();
  ASSERT_TRUE(WaitFor([&] { return h.Seen().size() == 5; }));
  h.informer->Stop();
  ObjectPtr a = h.informer->Get("demo", "a");
  ASSERT_NE(a, nullptr);
  ASSERT_NE(a->As<Decoded>(), nullptr);
  EXPECT_NE(a->json.find("a-renamed"), std::string::npos);
}

// A list of many pages: the next page is asked for while this one is still
// being decoded (the API server encodes it meanwhile), and every object of
// every page is cached.
TEST(InformerTest, TheNextListPageIsRequestedWhileThisOneIsDecoded) {
  auto owned = std::make_unique<FakeTransport>();
  FakeTransport* transport = owned.get();
  std::string first = ListPage({CertStore("a", "5", "a-stores")});
  first.replace(first.find("\"resourceVersion\":\"10\""), 0,
                "\"continue\":\"page-2\",");
  transport->responses.push_back({200, first, {}});
  transport->responses.push_back(
      {200, ListPage({CertStore("b", "6", "b-stores")}), {}});
  std::atomic<bool> asked_while_decoding{false};
  InformerOptions o;
  o.decode = [&](const CachedObject& obj) -> std::shared_ptr<TypedObject> {
    if (obj.meta.name == "a")
      asked_while_decoding = WaitFor([&] { return transport->Sent() >= 2; });
    return std::make_shared<Decoded>(obj.meta.name);
  };
  Informer informer(std::move(owned), CertStoresResource(), o);
  informer.Start();
  ASSERT_TRUE(informer.WaitForSync(std::chrono::seconds(10)));
  informer.Stop();
  EXPECT_TRUE(asked_while_decoding);
  EXPECT_NE(informer.Get("demo", "a"), nullptr);
  EXPECT_NE(informer.Get("demo", "b"), nullptr);
  std::vector<HttpRequest> sent = transport->Requests();
  ASSERT_GE(sent.size(), 2u);
  EXPECT_EQ(sent[0].path.find("continue="), std::string::npos);
  EXPECT_NE(sent[1].path.find("continue=page-2"), std::string::npos)
      << sent[1].path;
}

}  // namespace
}  // namespace certstore::kube
