#include "operator/common/compact_map.h"

#include <algorithm>
#include <cstring>
#include <iterator>
#include <limits>
#include <stdexcept>
#include <vector>

namespace certstore {

namespace {

using packed::ReadU32;

// Label and annotation keys that most cached objects carry, each stored as
// its index here instead of its bytes (about 180 bytes of every managed
// Secret's labels and annotations). Sorted. The coding never leaves the
// process, so the list may change freely between versions.
// The operator's own keys are engine/reasons.h's (a test there checks that
// each is here); the rest are Kubernetes' and Helm's recommended ones.
constexpr std::string_view kWellKnownKeys[] = {
    "app.kubernetes.io/component",
    "app.kubernetes.io/instance",
    "app.kubernetes.io/managed-by",
    "app.kubernetes.io/name",
    "app.kubernetes.io/part-of",
    "app.kubernetes.io/version",
    "certstore.dev/bundle-content",
    "certstore.dev/certstore",
    "certstore.dev/identity-hash",
    "certstore.dev/issuer",
    "certstore.dev/issuer-uid",
    "certstore.dev/password-ref",
    "certstore.dev/purpose",
    "certstore.dev/render-hash",
    "certstore.dev/renew-request",
    "certstore.dev/restart-on-change",
    "certstore.dev/revision",
    "certstore.dev/seal",
    "certstore.dev/trustbundle",
    "certstore.dev/trustbundle-uid",
    "helm.sh/chart",
    "kubernetes.io/metadata.name",
    "meta.helm.sh/release-name",
    "meta.helm.sh/release-namespace",
};
constexpr size_t kWellKnownCount = std::size(kWellKnownKeys);

// A key length with this bit set is the index of a well-known key (no key
// bytes follow). Real keys are far shorter (the API server allows 316).
constexpr uint32_t kCodedKey = 0x80000000u;

// The index of `key` among kWellKnownKeys, or kWellKnownCount.
size_t WellKnownIndex(std::string_view key) {
  const auto* end = std::end(kWellKnownKeys);
  const auto* it = std::lower_bound(std::begin(kWellKnownKeys), end, key);
  return it != end && *it == key
             ? static_cast<size_t>(it - std::begin(kWellKnownKeys))
             : kWellKnownCount;
}

void PutU32(packed::Buffer* buf, size_t at, size_t v) {
  packed::PutU32(buf, at, v, "CompactStringMap");
}

// Lays out `entries` (sorted by key, keys unique) as CompactStringMap's
// buffer.
packed::Buffer Build(
    const std::vector<std::pair<std::string_view, std::string_view>>& entries) {
  if (entries.empty()) return packed::Buffer();
  const size_t n = entries.size();
  // The stored size of each key: 0 for a well-known one.
  std::vector<size_t> codes(n);
  size_t total = 4 + 4 * n;
  for (size_t i = 0; i < n; ++i) {
    const auto& [k, v] = entries[i];
    codes[i] = WellKnownIndex(k);
    if (codes[i] == kWellKnownCount && k.size() >= kCodedKey)
      throw std::length_error("CompactStringMap: key too long");
    total += 8 + (codes[i] < kWellKnownCount ? 0 : k.size()) + v.size();
  }
  packed::Buffer buf(total, "CompactStringMap");
  PutU32(&buf, 0, n);
  size_t at = 4 + 4 * n;
  for (size_t i = 0; i < n; ++i) {
    const auto& [k, v] = entries[i];
    const bool coded = codes[i] < kWellKnownCount;
    const size_t stored = coded ? 0 : k.size();
    PutU32(&buf, 4 + 4 * i, at);
    PutU32(&buf, at, coded ? (kCodedKey | codes[i]) : k.size());
    PutU32(&buf, at + 4, v.size());
    char* p = buf.data() + at + 8;
    if (stored != 0) std::memcpy(p, k.data(), stored);
    if (!v.empty()) std::memcpy(p + stored, v.data(), v.size());
    at += 8 + stored + v.size();
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
  const uint32_t klen = ReadU32(buf_, at);
  const size_t vlen = ReadU32(buf_, at + 4);
  const char* p = buf_.data() + at + 8;
  if (klen & kCodedKey)
    return {kWellKnownKeys[klen & ~kCodedKey], std::string_view(p, vlen)};
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

bool CompactStringMap::IsWellKnownKey(std::string_view key) {
  return WellKnownIndex(key) < kWellKnownCount;
}

size_t CompactStringMap::HeapBytes() const { return buf_.HeapBytes(); }

}  // namespace certstore
