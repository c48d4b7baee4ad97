#include "operator/common/compact_map.h"

#include <gtest/gtest.h>

#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace certstore {
namespace {

using Map = std::map<std::string, std::string>;

Map Annotations() {
  return {{"certstore.dev/certstore", "mtls-server"},
          {"certstore.dev/identity-hash", std::string(64, 'a')},
          {"certstore.dev/issuer", "CertIssuer/team-ca"},
          {"certstore.dev/render-hash", std::string(64, 'b')},
          {"certstore.dev/revision", "3"},
          {"certstore.dev/seal", "v1." + std::string(64, 'c')}};
}

TEST(CompactStringMapTest, ReadsLikeTheMapItWasBuiltFrom) {
  const std::vector<Map> cases = {
      {},
      {{"", ""}},
      {{"a", "1"}},
      {{"k", std::string("v\0w", 3)}, {std::string("k\0", 2), "nul key"}},
      Annotations(),
      // Well-known keys (held as codes) among others, one a prefix of a
      // known key and one a known key with more after it.
      {{"app.kubernetes.io/managed-by", "certstore-operator"},
       {"certstore.dev/sea", "not a known key"},
       {"certstore.dev/seal", ""},
       {"certstore.dev/seal2", "not a known key either"},
       {"z", "last"}},
  };
  for (const Map& m : cases) {
    CompactStringMap c(m);
    EXPECT_EQ(c.size(), m.size());
    EXPECT_EQ(c.empty(), m.empty());
    EXPECT_EQ(c.ToMap(), m);
    std::vector<std::string> order;
    for (const auto& e : c) order.emplace_back(e.first);
    std::vector<std::string> want;
    for (const auto& [k, v] : m) want.push_back(k);
    EXPECT_EQ(order, want);
    for (const auto& [k, v] : m) {
      ASSERT_EQ(c.count(k), 1u) << k;
      EXPECT_EQ(c.find(k)->second, v);
      EXPECT_EQ(c.at(k), v);
    }
  }
}

TEST(CompactStringMapTest, AbsentKeysAreNotFound) {
  CompactStringMap c(Annotations());
  for (std::string k : {"", "certstore.dev", "certstore.dev/seal ",
                        "certstore.dev/sea", "zzz", "a"}) {
    EXPECT_EQ(c.count(k), 0u) << k;
    EXPECT_TRUE(c.find(k) == c.end()) << k;
    EXPECT_THROW(c.at(k), std::out_of_range) << k;
  }
  EXPECT_EQ(CompactStringMap().count("x"), 0u);
}

TEST(CompactStringMapTest, SetAndEraseKeepItSortedAndEqualToAFreshBuild) {
  Map m = Annotations();
  CompactStringMap c(m);
  struct Step {
    const char* key;
    const char* value;  // nullptr: erase
  };
  const std::vector<Step> steps = {{"certstore.dev/revision", "4"},
                                   {"a-first", "x"},
                                   {"zz-last", "y"},
                                   {"certstore.dev/seal", nullptr},
                                   {"not-there", nullptr},
                                   {"certstore.dev/issuer", ""}};
  for (const Step& s : steps) {
    if (s.value) {
      c.Set(s.key, s.value);
      m[s.key] = s.value;
    } else {
      c.Erase(s.key);
      m.erase(s.key);
    }
    EXPECT_EQ(c.ToMap(), m) << s.key;
    EXPECT_TRUE(c == CompactStringMap(m)) << s.key;
  }
  c.clear();
  EXPECT_TRUE(c.empty());
  EXPECT_TRUE(c == CompactStringMap());
}

TEST(CompactStringMapTest, EqualityComparesEntries) {
  EXPECT_TRUE(CompactStringMap({{"a", "1"}}) == CompactStringMap({{"a", "1"}}));
  EXPECT_TRUE(CompactStringMap({{"a", "1"}}) != CompactStringMap({{"a", "2"}}));
  EXPECT_TRUE(CompactStringMap({{"a", "1"}}) != CompactStringMap({{"b", "1"}}));
  EXPECT_TRUE(CompactStringMap({{"a", "1"}}) != CompactStringMap());
}

// The reason it exists: a managed Secret's annotations in one block of
// about their own size, not six map nodes and a dozen strings, behind one
// pointer (a cache holds an object's labels and annotations).
TEST(CompactStringMapTest, HoldsAManagedSecretsAnnotationsInOneSmallBlock) {
  const Map m = Annotations();
  size_t chars = 0;
  for (const auto& [k, v] : m) chars += k.size() + v.size();
  CompactStringMap c(m);
  // The entries' bytes, 12 bytes of offset and lengths each, the count and
  // the block's size.
  EXPECT_LE(c.HeapBytes(), chars + 12 * m.size() + 4 + 4);
  EXPECT_EQ(CompactStringMap().HeapBytes(), 0u);
  EXPECT_EQ(sizeof(CompactStringMap), sizeof(void*));
}

// A managed Secret's keys are the operator's own: the map holds codes for
// them, not their bytes, and reads them back as given.
TEST(CompactStringMapTest, HoldsWellKnownKeysAsCodes) {
  const Map known = Annotations();
  Map unknown;
  for (const auto& [k, v] : known) {
    EXPECT_TRUE(CompactStringMap::IsWellKnownKey(k)) << k;
    unknown.emplace("x" + k, v);
    EXPECT_FALSE(CompactStringMap::IsWellKnownKey("x" + k));
  }
  size_t key_chars = 0;
  for (const auto& [k, v] : known) key_chars += k.size();
  const CompactStringMap a(known), b(unknown);
  EXPECT_EQ(a.HeapBytes() + key_chars + known.size(), b.HeapBytes());
  EXPECT_EQ(a.ToMap(), known);
  EXPECT_EQ(a.find("certstore.dev/seal")->second, "v1." + std::string(64, 'c'));
  EXPECT_TRUE(a.find("certstore.dev/sea") == a.end());
}

TEST(CompactStringMapTest, CopiesAreIndependent) {
  CompactStringMap a(Annotations());
  CompactStringMap b = a;
  EXPECT_TRUE(a == b);
  b.Set("certstore.dev/revision", "4");
  EXPECT_EQ(a.at("certstore.dev/revision"), "3");
  EXPECT_EQ(b.at("certstore.dev/revision"), "4");
  a = b;
  EXPECT_TRUE(a == b);
  b.clear();
  EXPECT_EQ(a.at("certstore.dev/revision"), "4");
  CompactStringMap moved = std::move(a);
  EXPECT_EQ(moved.ToMap().size(), Annotations().size());
  a = moved;  // a moved-from map can be assigned again
  EXPECT_TRUE(a == moved);
}

}  // namespace
}  // namespace certstore
