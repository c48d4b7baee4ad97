// Heap accounting for the memory columns. alloc_counter.cc replaces the
// global operator new/delete (every variant), so allocations made inside
// shared libraries (simdjson, cpprestsdk, yaml-cpp) are seen too; RapidJSON
// allocates with malloc and is counted through CountingMallocAllocator.
// Sizes are malloc_usable_size(), i.e. what the allocator really hands out.
// Counting is off unless a HeapProbe is alive, so the speed benchmarks pay
// one relaxed load per allocation. Not for concurrent use.
#ifndef CERTSTORE_TESTS_BENCH_JSON_ALLOC_COUNTER_H_
#define CERTSTORE_TESTS_BENCH_JSON_ALLOC_COUNTER_H_

#include <cstddef>
#include <cstdint>

namespace jsonbench {

// Called by allocators that bypass operator new (RapidJSON's).
void CountAllocated(void* p);
void CountFreed(void* p);

// Counts from construction to destruction. Bytes freed inside the window
// that were allocated before it are subtracted too, so Live() can dip below
// zero for a moment; the probes measure a parse, which frees little it did
// not allocate.
class HeapProbe {
 public:
  HeapProbe();
  ~HeapProbe();
  HeapProbe(const HeapProbe&) = delete;
  HeapProbe& operator=(const HeapProbe&) = delete;

  int64_t Live() const;  // bytes allocated and not freed since construction
  int64_t Peak() const;  // highest Live() so far
  int64_t Allocations() const;
  // glibc's own view (mallinfo2 in-use bytes incl. mmapped chunks), as a
  // cross-check of Live(): the change since construction.
  int64_t MallinfoDelta() const;

 private:
  int64_t mallinfo_start_;
};

// A RapidJSON base allocator (the CrtAllocator concept) that counts.
class CountingMallocAllocator {
 public:
  static const bool kNeedFree = true;
  void* Malloc(size_t size);
  void* Realloc(void* p, size_t old_size, size_t new_size);
  static void Free(void* p);
  bool operator==(const CountingMallocAllocator&) const { return true; }
  bool operator!=(const CountingMallocAllocator&) const { return false; }
};

}  // namespace jsonbench

#endif  // CERTSTORE_TESTS_BENCH_JSON_ALLOC_COUNTER_H_
