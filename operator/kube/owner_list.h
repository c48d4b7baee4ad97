// An object's metadata.ownerReferences as a cache holds them: every entry in
// one buffer. A std::vector<ObjectOwner> costs a block for the vector plus
// one per apiVersion and uid (longer than std::string's inline storage): for
// each of the 10,000 Secrets an operator caches, about 220 bytes in four
// blocks; this is one block of about 100.
//
// Read like a std::vector of owners (size, [], iteration in the order
// given, ==); entries are views into the buffer, valid until the list is
// changed or destroyed. Meant for lists built once, as an object is
// decoded, and read often.
#ifndef CERTSTORE_KUBE_OWNER_LIST_H_
#define CERTSTORE_KUBE_OWNER_LIST_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "operator/common/packed_buffer.h"

namespace certstore::kube {

// One entry of metadata.ownerReferences, as given to OwnerList::push_back.
struct ObjectOwner {
  std::string api_version, kind, name, uid;
  bool controller = false;
};

class OwnerList {
 public:
  // One entry, read from the list.
  struct Owner {
    std::string_view api_version, kind, name, uid;
    bool controller = false;
  };

  using const_iterator = packed::IndexIterator<OwnerList, Owner>;

  size_t size() const;
  bool empty() const { return buf_.empty(); }
  // REQUIRES: i < size().
  Owner operator[](size_t i) const { return ValueAt(i); }
  const_iterator begin() const { return const_iterator(this, 0); }
  const_iterator end() const { return const_iterator(this, size()); }

  OwnerList() = default;
  // The list of `owners`, in order, built in one pass (what a decoder uses:
  // a tenant's object can carry thousands of ownerReferences). Throws
  // std::length_error past 4 GiB.
  explicit OwnerList(const std::vector<Owner>& owners);

  // Appends `o`, rebuilding the buffer: O(size()) per call, for building a
  // short list by hand. Throws std::length_error past 4 GiB.
  void push_back(const Owner& o);
  void push_back(const ObjectOwner& o) {
    push_back(Owner{o.api_version, o.kind, o.name, o.uid, o.controller});
  }
  void clear() { buf_.clear(); }

  // Heap bytes held (0 when empty).
  size_t HeapBytes() const;

  bool operator==(const OwnerList& o) const { return buf_ == o.buf_; }
  bool operator!=(const OwnerList& o) const { return buf_ != o.buf_; }

 private:
  // buf_: [u32 n][n x u32 offset of entry i] then each entry as
  // [u8 controller][4 x u32 length: apiVersion, kind, name, uid][the four
  // strings' bytes]; "" when empty. The same entries in the same order
  // always give the same bytes (== compares them).
  friend const_iterator;
  Owner ValueAt(size_t i) const;
  packed::Buffer buf_;
};

}  // namespace certstore::kube

#endif  // CERTSTORE_KUBE_OWNER_LIST_H_
