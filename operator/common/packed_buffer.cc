#include "operator/common/packed_buffer.h"

namespace certstore::packed {

Buffer::Buffer(size_t size, const char* container) {
  if (size == 0) return;
  if (size > std::numeric_limits<uint32_t>::max() - kHeader)
    throw std::length_error(std::string(container) + ": entry too large");
  block_.reset(new char[kHeader + size]());
  const auto n = static_cast<uint32_t>(size);
  std::memcpy(block_.get(), &n, sizeof(n));
}

Buffer::Buffer(const Buffer& o) {
  if (o.empty()) return;
  block_.reset(new char[o.HeapBytes()]);
  std::memcpy(block_.get(), o.block_.get(), o.HeapBytes());
}

Buffer& Buffer::operator=(const Buffer& o) {
  if (this != &o) {
    Buffer copy(o);
    swap(copy);
  }
  return *this;
}

size_t Buffer::size() const {
  if (!block_) return 0;
  uint32_t n;
  std::memcpy(&n, block_.get(), sizeof(n));
  return n;
}

}  // namespace certstore::packed
