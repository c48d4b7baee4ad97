// What the one-buffer containers (CompactStringMap, kube::OwnerList) share:
// the buffer itself, 32-bit lengths and offsets read from and written into
// it, and an input iterator over a container read by index.
#ifndef CERTSTORE_COMMON_PACKED_BUFFER_H_
#define CERTSTORE_COMMON_PACKED_BUFFER_H_

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

namespace certstore::packed {

// An owned, copyable run of bytes behind one pointer: 8 bytes in the object
// that holds it (a std::string is 32, and a cache holds three such buffers
// per object). The block keeps the size in its first 4 bytes. Empty: no
// block.
class Buffer {
 public:
  Buffer() = default;
  // `size` zero bytes (no block for 0). Throws std::length_error naming
  // `container` past 4 GiB.
  Buffer(size_t size, const char* container);
  Buffer(const Buffer& o);
  Buffer& operator=(const Buffer& o);
  Buffer(Buffer&&) noexcept = default;
  Buffer& operator=(Buffer&&) noexcept = default;

  bool empty() const { return block_ == nullptr; }
  size_t size() const;
  const char* data() const { return block_ ? block_.get() + kHeader : nullptr; }
  char* data() { return block_ ? block_.get() + kHeader : nullptr; }
  std::string_view view() const { return std::string_view(data(), size()); }
  // Bytes of the block (0 when empty).
  size_t HeapBytes() const { return block_ ? kHeader + size() : 0; }
  void clear() { block_.reset(); }
  void swap(Buffer& o) noexcept { block_.swap(o.block_); }

  bool operator==(const Buffer& o) const { return view() == o.view(); }
  bool operator!=(const Buffer& o) const { return !(*this == o); }

 private:
  static constexpr size_t kHeader = 4;
  std::unique_ptr<char[]> block_;
};

// REQUIRES: at + 4 <= buf.size().
inline uint32_t ReadU32(const Buffer& buf, size_t at) {
  uint32_t v;
  std::memcpy(&v, buf.data() + at, sizeof(v));
  return v;
}

// Writes `v` at `at` (REQUIRES: at + 4 <= buf->size()). Throws
// std::length_error naming `container` when `v` does not fit 32 bits.
inline void PutU32(Buffer* buf, size_t at, size_t v, const char* container) {
  if (v > std::numeric_limits<uint32_t>::max())
    throw std::length_error(std::string(container) + ": entry too large");
  const auto u = static_cast<uint32_t>(v);
  std::memcpy(buf->data() + at, &u, sizeof(u));
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
