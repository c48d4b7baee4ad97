#include "operator/common/compact_map.h"

#include <cstring>
#include <limits>
#include <stdexcept>
#include <vector>

namespace certstore {

namespace {

using packed::ReadU32;

void PutU32(packed::Buffer* buf, size_t at, size_t v) {
  packed::PutU32(buf, at, v, "CompactStringMap");
}

// Lays out `entries` (sorted by key, keys unique) as CompactStringMap's
// buffer.
packed::Buffer Build(
    const std::vector<std::pair<std::string_view, std::string_view>>& entries) {
  if (entries.empty()) return packed::Buffer();
  const size_t n = entries.size();
  size_t total = 4 + 4 * n;
  for (const auto& [k, v] : entries) total += 8 + k.size() + v.size();
  packed::Buffer buf(total, "CompactStringMap");
  PutU32(&buf, 0, n);
  size_t at = 4 + 4 * n;
  for (size_t i = 0; i < n; ++i) {
    const auto& [k, v] = entries[i];
    PutU32(&buf, 4 + 4 * i, at);
    PutU32(&buf, at, k.size());
    PutU32(&buf, at + 4, v.size());
    char* p = buf.data() + at + 8;
    if (!k.empty()) std::memcpy(p, k.data(), k.size());
    if (!v.empty()) std::memcpy(p + k.size(), v.data(), v.size());
    at += 8 + k.size() + v.size();
  }
  return buf;
}

}  // namespace

CompactStringMap::CompactStringMap(
    const std::map<std::string, std::string>& from) {
  std::vector<std::pair<std::string_view, std::string_view>> entries;
  entries.reserve(from.size());
  for (const auto& [k, v] : from) entries.emplace_back(k, v);
  buf_ = Build(entries);
}

size_t CompactStringMap::size() const {
  return buf_.empty() ? 0 : ReadU32(buf_, 0);
}

CompactStringMap::Entry CompactStringMap::ValueAt(size_t i) const {
  const size_t at = ReadU32(buf_, 4 + 4 * i);
  const size_t klen = ReadU32(buf_, at), vlen = ReadU32(buf_, at + 4);
  const char* p = buf_.data() + at + 8;
  return {std::string_view(p, klen), std::string_view(p + klen, vlen)};
}

CompactStringMap::const_iterator CompactStringMap::find(
    std::string_view key) const {
  size_t lo = 0, hi = size();
  while (lo < hi) {
    const size_t mid = lo + (hi - lo) / 2;
    const std::string_view k = ValueAt(mid).first;
    if (k == key) return const_iterator(this, mid);
    if (k < key)
      lo = mid + 1;
    else
      hi = mid;
  }
  return end();
}

std::string_view CompactStringMap::at(std::string_view key) const {
  auto it = find(key);
  if (it == end())
    throw std::out_of_range("CompactStringMap::at: no key " + std::string(key));
  return it->second;
}

void CompactStringMap::Set(std::string_view key, std::string_view value) {
  std::vector<std::pair<std::string_view, std::string_view>> entries;
  entries.reserve(size() + 1);
  bool placed = false;
  for (const Entry& e : *this) {
    if (!placed && key <= e.first) {
      entries.emplace_back(key, value);
      placed = true;
      if (key == e.first) continue;
    }
    entries.emplace_back(e.first, e.second);
  }
  if (!placed) entries.emplace_back(key, value);
  buf_ = Build(entries);  // the views read the old buffer until replaced
}

void CompactStringMap::Erase(std::string_view key) {
  if (find(key) == end()) return;
  std::vector<std::pair<std::string_view, std::string_view>> entries;
  for (const Entry& e : *this)
    if (e.first != key) entries.emplace_back(e.first, e.second);
  buf_ = Build(entries);
}

std::map<std::string, std::string> CompactStringMap::ToMap() const {
  std::map<std::string, std::string> out;
  for (const Entry& e : *this)
    out.emplace_hint(out.end(), std::string(e.first), std::string(e.second));
  return out;
}

size_t CompactStringMap::HeapBytes() const { return buf_.HeapBytes(); }

}  // namespace certstore
