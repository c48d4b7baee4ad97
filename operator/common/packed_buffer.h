// What the one-buffer containers (CompactStringMap, kube::OwnerList) share:
// 32-bit lengths and offsets read from and written into a std::string, the
// heap bytes such a buffer holds, and a forward iterator over a container
// read by index.
#ifndef CERTSTORE_COMMON_PACKED_BUFFER_H_
#define CERTSTORE_COMMON_PACKED_BUFFER_H_

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <limits>
#include <stdexcept>
#include <string>

namespace certstore::packed {

// REQUIRES: at + 4 <= buf.size().
inline uint32_t ReadU32(const std::string& buf, size_t at) {
  uint32_t v;
  std::memcpy(&v, buf.data() + at, sizeof(v));
  return v;
}

// Writes `v` at `at` (REQUIRES: at + 4 <= buf->size()). Throws
// std::length_error naming `container` when `v` does not fit 32 bits.
inline void PutU32(std::string* buf, size_t at, size_t v,
                   const char* container) {
  if (v > std::numeric_limits<uint32_t>::max())
    throw std::length_error(std::string(container) + ": entry too large");
  const auto u = static_cast<uint32_t>(v);
  std::memcpy(&(*buf)[at], &u, sizeof(u));
}

// Heap bytes `buf` holds (0 while it fits std::string's inline storage).
inline size_t HeapBytes(const std::string& buf) {
  return buf.capacity() > std::string().capacity() ? buf.capacity() + 1 : 0;
}

// An iterator over the entries of a `Container` read by index: it holds the
// entry it points at, made by `container->ValueAt(i)` (a friend may call a
// private one), for i < container->size(). `*it` is a reference into the
// iterator itself, valid while it is and until it moves on (so it is an
// input iterator: copy an entry, or its views, to keep it).
template <class Container, class Value>
class IndexIterator {
 public:
  using iterator_category = std::input_iterator_tag;
  using value_type = Value;
  using difference_type = std::ptrdiff_t;
  using pointer = const Value*;
  using reference = const Value&;

  IndexIterator() = default;
  IndexIterator(const Container* container, size_t index)
      : container_(container) {
    Load(index);
  }
  const Value& operator*() const { return value_; }
  const Value* operator->() const { return &value_; }
  IndexIterator& operator++() {
    Load(index_ + 1);
    return *this;
  }
  IndexIterator operator++(int) {
    IndexIterator old = *this;
    ++*this;
    return old;
  }
  bool operator==(const IndexIterator& o) const {
    return container_ == o.container_ && index_ == o.index_;
  }
  bool operator!=(const IndexIterator& o) const { return !(*this == o); }

 private:
  void Load(size_t index) {
    index_ = index;
    if (container_ != nullptr && index < container_->size())
      value_ = container_->ValueAt(index);
  }

  const Container* container_ = nullptr;
  size_t index_ = 0;
  Value value_{};
};

}  // namespace certstore::packed

#endif  // CERTSTORE_COMMON_PACKED_BUFFER_H_
