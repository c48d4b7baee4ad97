#include "operator/kube/sorted_views.h"

#include <algorithm>
#include <iterator>
#include <utility>

namespace certstore::kube {

size_t SortedViews::ChunkFor(std::string_view v) const {
  auto it = std::lower_bound(
      chunks_.begin(), chunks_.end(), v,
      [](const Chunk& c, std::string_view x) { return c.back() < x; });
  if (it == chunks_.end()) --it;
  return static_cast<size_t>(it - chunks_.begin());
}

size_t SortedViews::size() const {
  if (HasOne()) return 1;
  size_t n = 0;
  for (const auto& c : chunks_) n += c.size();
  return n;
}

std::vector<std::pair<size_t, size_t>> SortedViews::ChunkShapes() const {
  std::vector<std::pair<size_t, size_t>> out;
  for (const auto& c : chunks_) out.emplace_back(c.size(), c.capacity());
  return out;
}

size_t SortedViews::Split(size_t i, std::string_view v) {
  // Allocate first (the right half, then its place in the list): if either
  // throws, the set is as it was.
  const size_t half = chunks_[i].size() / 2;
  Chunk right(chunks_[i].begin() + half, chunks_[i].end());
  chunks_.insert(chunks_.begin() + i + 1, std::move(right));
  Chunk& left = chunks_[i];
  left.erase(left.begin() + half, left.end());
  left.shrink_to_fit();  // no-op if it cannot allocate
  return v > left.back() ? i + 1 : i;
}

void SortedViews::Insert(std::string_view v) {
  if (empty()) {
    one_ = v;
    return;
  }
  if (HasOne()) {
    if (one_ == v) {
      one_ = v;
      return;
    }
    Chunk c = v < one_ ? Chunk{v, one_} : Chunk{one_, v};
    chunks_.push_back(std::move(c));
    one_ = {};
    return;
  }
  size_t i = ChunkFor(v);
  Chunk* c = &chunks_[i];
  auto at = std::lower_bound(c->begin(), c->end(), v);
  if (at != c->end() && *at == v) {
    *at = v;
    return;
  }
  if (c->size() >= kChunk) {
    // Past the end of the last chunk (views arriving in order): start the
    // next chunk and leave this one full.
    if (at == c->end() && i + 1 == chunks_.size()) {
      chunks_.push_back(Chunk{v});
      return;
    }
    i = Split(i, v);
    c = &chunks_[i];
    at = std::lower_bound(c->begin(), c->end(), v);
  }
  if (c->size() == c->capacity()) {  // grow, but never past kChunk
    const size_t offset = static_cast<size_t>(at - c->begin());
    c->reserve(std::min(kChunk, std::max<size_t>(4, 2 * c->size())));
    at = c->begin() + offset;
  }
  c->insert(at, v);
}

void SortedViews::Settle(size_t i) {
  if (chunks_[i].empty()) {
    chunks_.erase(chunks_.begin() + i);
  } else {
    // Join the neighbour with which it makes the smaller chunk, if that is
    // at most half full: every two neighbours then hold more than half a
    // chunk between them (an erase lowers only the two sums it is part of,
    // and checks both).
    const size_t n = chunks_[i].size();
    size_t into = chunks_.size(), best = kChunk / 2 + 1;
    if (i > 0 && chunks_[i - 1].size() + n < best) {
      into = i - 1;
      best = chunks_[i - 1].size() + n;
    }
    if (i + 1 < chunks_.size() && chunks_[i + 1].size() + n < best)
      into = i + 1;
    if (into < chunks_.size()) {
      const size_t first = std::min(i, into), second = std::max(i, into);
      Chunk& a = chunks_[first];
      const Chunk& b = chunks_[second];
      a.reserve(a.size() + b.size());
      a.insert(a.end(), b.begin(), b.end());
      chunks_.erase(chunks_.begin() + second);
    } else if (n < chunks_[i].capacity() / 4) {
      chunks_[i].shrink_to_fit();
    }
  }
  if (chunks_.size() == 1 && chunks_[0].size() == 1) {
    one_ = chunks_[0][0];
    chunks_.clear();
    chunks_.shrink_to_fit();
  } else if (chunks_.empty()) {
    chunks_.shrink_to_fit();
  }
}

void SortedViews::Erase(std::string_view v) {
  if (HasOne()) {
    if (one_ == v) one_ = {};
    return;
  }
  if (chunks_.empty()) return;
  const size_t i = ChunkFor(v);
  Chunk& c = chunks_[i];
  auto at = std::lower_bound(c.begin(), c.end(), v);
  if (at == c.end() || *at != v) return;
  c.erase(at);
  Settle(i);
}

}  // namespace certstore::kube
