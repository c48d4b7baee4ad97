// A sorted set of string views for what a cache holds per object by the
// thousand (an informer index's keys under one value): 16 bytes per view
// in a few large blocks, where a std::set<std::string_view> spends a
// 48-byte node (and a malloc header) per view.
//
// One view is held inline, with no block at all: most index values (the
// Secret a CertStore owns, the Secrets it refers to) name one object.
// From two on, the views are kept in chunks of at most kChunk, each sorted,
// the chunks in order: an insert or erase moves at most one chunk's views
// (4 KiB) plus, when a chunk splits, merges or empties, the chunk list (24
// bytes per chunk), so its cost stays bounded however many views share the
// set and in whatever order they arrive. Appending in order (a list of a
// resource walks the cache in key order) fills each chunk before starting
// the next; a split leaves both halves with no spare room, no chunk grows
// past kChunk, and two neighbouring chunks always hold more than half a
// chunk between them (an erase that leaves less joins them).
//
// It holds views, not strings: the caller keeps what they point at alive
// while they are in the set. Not thread-safe.
#ifndef CERTSTORE_KUBE_SORTED_VIEWS_H_
#define CERTSTORE_KUBE_SORTED_VIEWS_H_

#include <cstddef>
#include <string_view>
#include <utility>
#include <vector>

namespace certstore::kube {

class SortedViews {
 public:
  static constexpr size_t kChunk = 256;

  // Adds `v`; a view equal to it is replaced by `v` (same bytes, maybe
  // another place). REQUIRES: v.data() != nullptr (a view of a string).
  void Insert(std::string_view v);
  // Removes the view equal to `v`, if any.
  void Erase(std::string_view v);
  bool empty() const { return !HasOne() && chunks_.empty(); }
  size_t size() const;

  // Calls f(view) for each view, in order.
  template <class F>
  void ForEach(F f) const {
    if (HasOne()) f(one_);
    for (const auto& c : chunks_)
      for (std::string_view v : c) f(v);
  }

  // For tests: each chunk's (size, capacity), in order; empty while one
  // view or none is held.
  std::vector<std::pair<size_t, size_t>> ChunkShapes() const;

 private:
  using Chunk = std::vector<std::string_view>;

  bool HasOne() const { return one_.data() != nullptr; }
  // The chunk that holds `v` or would: the first whose last view is not
  // less than `v`, else the last. REQUIRES: !chunks_.empty().
  size_t ChunkFor(std::string_view v) const;
  // Splits full chunk i into halves that are each exactly their size and
  // returns the index of the half `v` goes in.
  size_t Split(size_t i, std::string_view v);
  // After an erase from chunk i: drops it if empty, joins it to a
  // neighbour if the two hold at most half a chunk, and goes back to the
  // inline form when one view is left.
  void Settle(size_t i);

  // Exactly one of: nothing (both empty), one view (one_ set, no chunks),
  // two or more views (in chunks_, one_ unset).
  std::string_view one_;
  // Each chunk non-empty and sorted; every view of a chunk sorts before
  // every view of the next.
  std::vector<Chunk> chunks_;
};

}  // namespace certstore::kube

#endif  // CERTSTORE_KUBE_SORTED_VIEWS_H_
