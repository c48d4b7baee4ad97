#include "operator/common/packed_buffer.h"

#include <gtest/gtest.h>

#include <limits>
#include <stdexcept>
#include <string>

namespace certstore::packed {
namespace {

TEST(PackedBufferTest, HoldsZeroedBytesOfItsSize) {
  Buffer b(10, "Test");
  ASSERT_EQ(b.size(), 10u);
  EXPECT_EQ(b.view(), std::string(10, '\0'));
  EXPECT_EQ(b.HeapBytes(), 14u);  // the size, then the bytes
  PutU32(&b, 2, 0xA1B2C3D4u, "Test");
  EXPECT_EQ(ReadU32(b, 2), 0xA1B2C3D4u);
  EXPECT_EQ(sizeof(Buffer), sizeof(void*));
}

TEST(PackedBufferTest, EmptyHoldsNoBlock) {
  for (const Buffer& b : {Buffer(), Buffer(0, "Test")}) {
    EXPECT_TRUE(b.empty());
    EXPECT_EQ(b.size(), 0u);
    EXPECT_EQ(b.HeapBytes(), 0u);
    EXPECT_EQ(b.view(), "");
    EXPECT_TRUE(b == Buffer());
  }
}

TEST(PackedBufferTest, CopiesAreIndependentAndCompareByBytes) {
  Buffer a(8, "Test");
  PutU32(&a, 0, 7, "Test");
  Buffer b = a;
  EXPECT_TRUE(a == b);
  PutU32(&b, 0, 8, "Test");
  EXPECT_TRUE(a != b);
  EXPECT_EQ(ReadU32(a, 0), 7u);
  a = b;
  EXPECT_EQ(ReadU32(a, 0), 8u);
  const Buffer& self = a;
  a = self;  // self-assignment keeps the bytes
  EXPECT_EQ(ReadU32(a, 0), 8u);
  Buffer moved = std::move(b);
  EXPECT_EQ(ReadU32(moved, 0), 8u);
  EXPECT_TRUE(Buffer(4, "Test") != Buffer(5, "Test"));
}

TEST(PackedBufferTest, RefusesWhatItsSizeFieldCannotHold) {
  const size_t too_big = size_t{std::numeric_limits<uint32_t>::max()};
  try {
    Buffer b(too_big, "CompactStringMap");
    FAIL() << "no error for " << too_big << " bytes";
  } catch (const std::length_error& e) {
    EXPECT_NE(std::string(e.what()).find("CompactStringMap"), std::string::npos)
        << e.what();
  }
  Buffer small(4, "Test");
  EXPECT_THROW(PutU32(&small, 0, too_big + 1, "Test"), std::length_error);
}

}  // namespace
}  // namespace certstore::packed
