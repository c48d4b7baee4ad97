// What the informer keeps of an object: list items get the kind and
// apiVersion the API server leaves off them (so the cache can be parsed
// without another GET), managedFields and last-applied go, and an object
// with very many annotations or owner references is copied in linear time.
#include "operator/kube/object_decode.h"

#include <gtest/gtest.h>

#include "operator/api/parse.h"

namespace certstore::kube {
namespace {

json::Document MustParse(const std::string& text) {
  auto d = json::Document::Parse(text);
  EXPECT_TRUE(d.has_value());
  return d ? std::move(*d) : json::Document();
}

TEST(ObjectDecodeTest, AListItemGetsTheListsKindAndParses) {
  json::Document d = MustParse(
      R"({"metadata":{"name":"s","namespace":"demo","resourceVersion":"7",)"
      R"("managedFields":[{"manager":"x"}],"annotations":{"a":"1",)"
      R"("kubectl.kubernetes.io/last-applied-configuration":"{}"}},)"
      R"("type":"Opaque","data":{"k":"eA=="}})");
  DecodedObject o = DecodeForCache(d.Root(), nullptr, "v1", "Secret");
  EXPECT_EQ(o.json.find("managedFields"), std::string::npos) << o.json;
  EXPECT_EQ(o.json.find("last-applied"), std::string::npos) << o.json;
  auto s = api::ParseSecret(o.json);
  ASSERT_TRUE(s.ok()) << s.status() << "\n" << o.json;
  EXPECT_EQ(s->metadata.name, "s");
  EXPECT_EQ(s->data.at("k"), "x");
  EXPECT_EQ(s->metadata.annotations.size(), 1u);
  // An object that says its own kind keeps it.
  json::Document e = MustParse(
      R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"}})");
  DecodedObject c = DecodeForCache(e.Root(), nullptr, "v1", "Secret");
  EXPECT_NE(c.json.find("\"kind\":\"ConfigMap\""), std::string::npos);
  EXPECT_EQ(c.json.find("Secret"), std::string::npos);
}

TEST(ObjectDecodeTest, ManyAnnotationsAreAllKept) {
  json::Writer w;
  w.BeginObject().Key("metadata").BeginObject().Field("name", "x");
  w.Key("annotations").BeginObject();
  for (int i = 0; i < 50000; ++i) w.Field("k" + std::to_string(i), "v");
  w.EndObject().EndObject().EndObject();
  json::Document d = MustParse(w.Take());
  DecodedObject o = DecodeForCache(d.Root(), nullptr, "v1", "ConfigMap");
  EXPECT_EQ(o.meta.annotations.size(), 50000u);
  EXPECT_EQ(MustParse(o.json).Root()["metadata"]["annotations"].Size(), 50000u);
}

// A tenant's object can carry ownerReferences by the ten thousand (1.5 MB
// of metadata): every one is kept, in order, and the list is built in one
// pass (appending one at a time copied the list each time: quadratic).
TEST(ObjectDecodeTest, ManyOwnerReferencesAreAllKeptInOrder) {
  constexpr int kOwners = 15000;
  json::Writer w;
  w.BeginObject().Key("metadata").BeginObject().Field("name", "x");
  w.Key("ownerReferences").BeginArray();
  for (int i = 0; i < kOwners; ++i)
    w.BeginObject()
        .Field("apiVersion", "v1")
        .Field("kind", "ConfigMap")
        .Field("name", "owner-" + std::to_string(i))
        .Field("uid", "uid-" + std::to_string(i))
        .Field("controller", i == kOwners - 1)
        .EndObject();
  w.EndArray().EndObject().EndObject();
  json::Document d = MustParse(w.Take());
  DecodedObject o = DecodeForCache(d.Root(), nullptr, "v1", "Secret");
  ASSERT_EQ(o.meta.owners.size(), static_cast<size_t>(kOwners));
  int i = 0;
  for (const OwnerList::Owner& owner : o.meta.owners) {
    ASSERT_EQ(owner.name, "owner-" + std::to_string(i));
    ASSERT_EQ(owner.uid, "uid-" + std::to_string(i));
    ASSERT_EQ(owner.controller, i == kOwners - 1);
    ++i;
  }
}

TEST(ObjectDecodeTest, AGenerationPastAMillionParses) {
  auto cs = api::ParseCertStore(
      R"({"apiVersion":"certstore.dev/v1alpha1","kind":"CertStore",)"
      R"("metadata":{"name":"a","namespace":"d","generation":5000000000},)"
      R"("spec":{"issuerRef":{"name":"ca"},"secretName":"s"}})");
  ASSERT_TRUE(cs.ok()) << cs.status();
  EXPECT_EQ(cs->metadata.generation, 5000000000);
}

}  // namespace
}  // namespace certstore::kube
