// SortedViews against std::set<std::string_view>, the structure it
// replaces in the informer's indexes: the same views in the same order
// after any mix of inserts and erases, in order, reversed or shuffled,
// across many chunks.
#include "operator/kube/sorted_views.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace certstore::kube {
namespace {

std::vector<std::string_view> Views(const SortedViews& s) {
  std::vector<std::string_view> out;
  s.ForEach([&](std::string_view v) { out.push_back(v); });
  return out;
}

// The shape SortedViews promises: no chunk empty or past kChunk, in views
// or in room, and any two neighbouring chunks holding more than half a
// chunk between them. Returns the room all chunks have.
size_t ExpectShape(const SortedViews& s, const std::string& what) {
  auto shapes = s.ChunkShapes();
  size_t room = 0;
  for (size_t i = 0; i < shapes.size(); ++i) {
    const auto [size, capacity] = shapes[i];
    EXPECT_GE(size, 1u) << what << " chunk " << i;
    EXPECT_LE(capacity, SortedViews::kChunk) << what << " chunk " << i;
    if (i > 0) {
      EXPECT_GT(shapes[i - 1].first + size, SortedViews::kChunk / 2)
          << what << " chunks " << i - 1 << " and " << i;
    }
    room += capacity;
  }
  return room;
}

// Keys longer than a std::string's inline buffer, as object keys are.
std::vector<std::string> Keys(size_t n) {
  std::vector<std::string> out;
  for (size_t i = 0; i < n; ++i)
    out.push_back("team-namespace/app-" + std::to_string(100000 + i));
  return out;
}

TEST(SortedViewsTest, HoldsWhatASetWouldInWhateverOrderViewsArrive) {
  const size_t n = 3 * SortedViews::kChunk + 17;  // several chunks
  std::vector<std::string> keys = Keys(n);
  struct Case {
    const char* what;
    std::vector<size_t> order;
  };
  std::vector<size_t> in_order(n);
  for (size_t i = 0; i < n; ++i) in_order[i] = i;
  std::vector<size_t> reversed(in_order.rbegin(), in_order.rend());
  std::vector<size_t> shuffled = in_order;
  std::shuffle(shuffled.begin(), shuffled.end(), std::mt19937(7));
  std::vector<size_t> ends_first;  // alternately from both ends
  for (size_t lo = 0, hi = n; lo < hi;) {
    ends_first.push_back(lo++);
    if (lo < hi) ends_first.push_back(--hi);
  }
  // In order, after the last: each lands just before the largest view.
  std::vector<size_t> before_last = {n - 1};
  for (size_t i = 0; i + 1 < n; ++i) before_last.push_back(i);
  const Case cases[] = {{"in order (a list)", in_order},
                        {"reversed", reversed},
                        {"shuffled", shuffled},
                        {"from both ends", ends_first},
                        {"in order, before the largest", before_last}};
  for (const auto& c : cases) {
    SortedViews s;
    std::set<std::string_view> want;
    for (size_t i : c.order) {
      s.Insert(keys[i]);
      want.insert(keys[i]);
    }
    EXPECT_EQ(s.size(), n) << c.what;
    EXPECT_EQ(Views(s), std::vector<std::string_view>(want.begin(), want.end()))
        << c.what;
    // Room for at most twice the views; views arriving in one direction
    // fill their chunks, leaving room only in the chunks they end in.
    const size_t room = ExpectShape(s, c.what);
    EXPECT_LE(room, 2 * n) << c.what;
    if (c.order == in_order || c.order == reversed || c.order == before_last) {
      EXPECT_LE(room, n + 2 * SortedViews::kChunk) << c.what;
    }
    // Erase every third in the same order, and one that was never there.
    s.Erase("team-namespace/absent");
    for (size_t k = 0; k < c.order.size(); k += 3) {
      s.Erase(keys[c.order[k]]);
      want.erase(keys[c.order[k]]);
    }
    EXPECT_EQ(Views(s), std::vector<std::string_view>(want.begin(), want.end()))
        << c.what;
    ExpectShape(s, c.what + std::string(", a third erased"));
    // Then all of them: nothing is left, and the set is usable again.
    for (const auto& k : keys) s.Erase(k);
    EXPECT_TRUE(s.empty()) << c.what;
    s.Insert(keys[5]);
    EXPECT_EQ(Views(s), std::vector<std::string_view>{keys[5]}) << c.what;
  }
}

TEST(SortedViewsTest, RandomInsertsAndErasesMatchASet) {
  std::vector<std::string> keys = Keys(2000);
  std::mt19937 rng(42);
  SortedViews s;
  std::set<std::string_view> want;
  for (int step = 0; step < 20000; ++step) {
    const std::string& k = keys[rng() % keys.size()];
    if (rng() % 3 == 0) {
      s.Erase(k);
      want.erase(k);
    } else {
      s.Insert(k);
      want.insert(k);
    }
    if (step % 1000 == 0) {
      ASSERT_EQ(Views(s),
                std::vector<std::string_view>(want.begin(), want.end()))
          << "step " << step;
      ExpectShape(s, "step " + std::to_string(step));
    }
  }
  EXPECT_EQ(Views(s), std::vector<std::string_view>(want.begin(), want.end()));
  EXPECT_EQ(s.size(), want.size());
  // Then most of them go, at random: what is left joins up into few chunks.
  std::vector<std::string_view> held(want.begin(), want.end());
  std::shuffle(held.begin(), held.end(), rng);
  held.resize(held.size() * 9 / 10);
  for (std::string_view k : held) {
    s.Erase(k);
    want.erase(k);
  }
  EXPECT_EQ(Views(s), std::vector<std::string_view>(want.begin(), want.end()));
  ExpectShape(s, "most erased");
  EXPECT_LE(s.ChunkShapes().size(),
            2 * want.size() / (SortedViews::kChunk / 2) + 1);
}

// One view, the common case (an index value naming one object), is held
// without a block; a set that grows to two and back returns to that form.
TEST(SortedViewsTest, OneViewIsHeldWithoutABlock) {
  std::string a = "team-namespace/app-a", b = "team-namespace/app-b";
  SortedViews s;
  s.Insert(b);
  EXPECT_EQ(s.size(), 1u);
  EXPECT_TRUE(s.ChunkShapes().empty());
  s.Insert(a);
  EXPECT_EQ(Views(s), (std::vector<std::string_view>{a, b}));
  EXPECT_EQ(s.ChunkShapes().size(), 1u);
  s.Erase(a);
  EXPECT_EQ(Views(s), std::vector<std::string_view>{b});
  EXPECT_TRUE(s.ChunkShapes().empty());
  s.Erase(a);  // not held: nothing changes
  EXPECT_EQ(s.size(), 1u);
  s.Erase(b);
  EXPECT_TRUE(s.empty());
  EXPECT_EQ(s.size(), 0u);
}

// Inserting a view equal to one held replaces it: the set then points at
// the new bytes (the informer re-adds a key as a view of its cache node).
TEST(SortedViewsTest, AnEqualViewReplacesTheOneHeld) {
  std::string first = "team-namespace/app-1", second = first;
  SortedViews s;
  s.Insert(first);
  s.Insert(second);
  std::vector<std::string_view> v = Views(s);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].data(), second.data());
  s.Erase(std::string("team-namespace/app-1"));  // by content
  EXPECT_TRUE(s.empty());
}

}  // namespace
}  // namespace certstore::kube
