// A string-to-string map in one allocation, for what caches hold per object
// (an object's labels and annotations): std::map spends a node of about
// 100 bytes per entry plus a heap block per key or value longer than 15
// bytes; this keeps the entries, sorted by key, in one buffer (12 bytes of
// offsets and lengths per entry plus the bytes themselves; empty: no
// allocation) behind one pointer.
//
// Read like a std::map<std::string, std::string> (find, count, at, size,
// iteration in key order, ==); entries are std::string_view pairs into the
// buffer, valid until the map is changed or destroyed. Changing it (Set,
// Erase) rebuilds the buffer: meant for maps built once and read often.
#ifndef CERTSTORE_COMMON_COMPACT_MAP_H_
#define CERTSTORE_COMMON_COMPACT_MAP_H_

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <iterator>
#include <map>
#include <string>
#include <string_view>
#include <utility>

#include "operator/common/packed_buffer.h"

namespace certstore {

class CompactStringMap {
 public:
  struct Entry {
    std::string_view first;   // key
    std::string_view second;  // value
  };

  using const_iterator = packed::IndexIterator<CompactStringMap, Entry>;

  CompactStringMap() = default;
  // From a std::map (implicit: `meta.labels = parsed_map;`).
  CompactStringMap(  // NOLINT(runtime/explicit)
      const std::map<std::string, std::string>& from);
  CompactStringMap(
      std::initializer_list<std::pair<const std::string, std::string>> from)
      : CompactStringMap(std::map<std::string, std::string>(from)) {}

  size_t size() const;
  bool empty() const { return buf_.empty(); }
  const_iterator begin() const { return const_iterator(this, 0); }
  const_iterator end() const { return const_iterator(this, size()); }
  const_iterator find(std::string_view key) const;
  size_t count(std::string_view key) const { return find(key) != end(); }
  // REQUIRES: count(key) == 1 (throws std::out_of_range otherwise, as
  // std::map::at does).
  std::string_view at(std::string_view key) const;

  // Adds or replaces one entry / removes one if present (rebuilds).
  void Set(std::string_view key, std::string_view value);
  void Erase(std::string_view key);
  void clear() { buf_.clear(); }

  std::map<std::string, std::string> ToMap() const;
  // Whether `key` is one of the label and annotation keys most cached
  // objects carry (Kubernetes' recommended ones, the operator's own), which
  // a map holds as a 4-byte code instead of the key's bytes.
  static bool IsWellKnownKey(std::string_view key);

  // Heap bytes held (0 when empty).
  size_t HeapBytes() const;

  bool operator==(const CompactStringMap& o) const { return buf_ == o.buf_; }
  bool operator!=(const CompactStringMap& o) const { return buf_ != o.buf_; }

 private:
  // buf_: [u32 n][n x u32 offset of entry i] then each entry as
  // [u32 key length][u32 value length][key bytes][value bytes], where a
  // well-known key's length field is its code (high bit set) and no key
  // bytes follow; no block when empty. The same entries always give the same
  // bytes (== compares them).
  friend const_iterator;
  Entry ValueAt(size_t i) const;
  packed::Buffer buf_;
};

}  // namespace certstore

#endif  // CERTSTORE_COMMON_COMPACT_MAP_H_
