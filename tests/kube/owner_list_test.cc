#include "operator/kube/owner_list.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace certstore::kube {
namespace {

// What a test expects to read back: the owners as given, in order.
void ExpectReadsBack(const OwnerList& list,
                     const std::vector<ObjectOwner>& want) {
  ASSERT_EQ(list.size(), want.size());
  EXPECT_EQ(list.empty(), want.empty());
  size_t i = 0;
  for (const OwnerList::Owner& got : list) {
    ASSERT_LT(i, want.size());
    const OwnerList::Owner by_index = list[i];
    for (const OwnerList::Owner& o : {got, by_index}) {
      EXPECT_EQ(o.api_version, want[i].api_version) << "owner " << i;
      EXPECT_EQ(o.kind, want[i].kind) << "owner " << i;
      EXPECT_EQ(o.name, want[i].name) << "owner " << i;
      EXPECT_EQ(o.uid, want[i].uid) << "owner " << i;
      EXPECT_EQ(o.controller, want[i].controller) << "owner " << i;
    }
    ++i;
  }
  EXPECT_EQ(i, want.size());
}

TEST(OwnerListTest, ReadsBackEveryOwnerInTheOrderGiven) {
  const ObjectOwner certstore{"certstore.dev/v1alpha1", "CertStore", "web",
                              "0b4c5a5e-6a8e-4d6f-9d3e-2f6b1c7a9e01", true};
  const ObjectOwner deployment{"apps/v1", "Deployment", "web",
                               "5d0c3b7e-1111-4c1a-8f7e-000000000002", false};
  const std::vector<std::vector<ObjectOwner>> cases = {
      {},
      {certstore},
      {deployment, certstore},
      // Empty fields, and bytes a tenant could send (a NUL, non-ASCII).
      {{"", "", "", "", false},
       {std::string("v\0w", 3), "K", "n\xc3\xa9", "u"}},
      std::vector<ObjectOwner>(40, deployment),
  };
  for (size_t c = 0; c < cases.size(); ++c) {
    SCOPED_TRACE("case " + std::to_string(c));
    OwnerList appended;
    std::vector<OwnerList::Owner> views;
    for (const auto& o : cases[c]) {
      appended.push_back(o);
      views.push_back({o.api_version, o.kind, o.name, o.uid, o.controller});
    }
    ExpectReadsBack(appended, cases[c]);
    const OwnerList at_once(views);
    ExpectReadsBack(at_once, cases[c]);
    EXPECT_EQ(at_once, appended);
  }
}

TEST(OwnerListTest, EqualListsCompareEqualAndACopyOwnsItsBytes) {
  OwnerList a, b;
  EXPECT_EQ(a, b);
  a.push_back(ObjectOwner{"v1", "ConfigMap", "x", "u1", false});
  EXPECT_NE(a, b);
  b.push_back(ObjectOwner{"v1", "ConfigMap", "x", "u1", false});
  EXPECT_EQ(a, b);
  b.push_back(ObjectOwner{"v1", "ConfigMap", "x", "u1", true});
  EXPECT_NE(a, b);

  OwnerList copy = b;
  b.clear();
  EXPECT_TRUE(b.empty());
  ExpectReadsBack(copy, {{"v1", "ConfigMap", "x", "u1", false},
                         {"v1", "ConfigMap", "x", "u1", true}});
}

// The reason for the type: a managed Secret's controller reference in one
// block of about 100 bytes (a vector of ObjectOwner: about 220 in four).
TEST(OwnerListTest, AControllerReferenceTakesOneSmallBlock) {
  OwnerList list;
  EXPECT_EQ(list.HeapBytes(), 0u);
  const ObjectOwner ref{"certstore.dev/v1alpha1", "CertStore", "cs-00001",
                        "0b4c5a5e-6a8e-4d6f-9d3e-2f6b1c7a9e01", true};
  list.push_back(ref);
  const size_t bytes = ref.api_version.size() + ref.kind.size() +
                       ref.name.size() + ref.uid.size();
  EXPECT_GE(list.HeapBytes(), bytes);
  EXPECT_LE(list.HeapBytes(), bytes + 32);
}

}  // namespace
}  // namespace certstore::kube
