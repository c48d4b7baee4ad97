#include "operator/kube/uid.h"

#include <gtest/gtest.h>
#include <malloc.h>

#include <sstream>
#include <string>
#include <vector>

namespace certstore::kube {
namespace {

constexpr char kUuid[] = "0b4c5a5e-6a8e-4d6f-9d3e-2f6b1c7a9e01";

// Whatever a server sends reads back exactly: a UUID in the API server's
// form is held as bytes, anything else as text, and neither may turn into
// the other (ownership checks compare UIDs).
TEST(UidTest, ReadsBackExactlyAsSet) {
  for (std::string text :
       {std::string(kUuid), std::string("00000000-0000-0000-0000-000000000000"),
        std::string("ffffffff-ffff-ffff-ffff-ffffffffffff"),
        // Not the API server's form: kept as text.
        std::string("0B4C5A5E-6A8E-4D6F-9D3E-2F6B1C7A9E01"),
        std::string("0b4c5a5e-6a8e-4d6f-9d3e-2f6b1c7a9e0"),
        std::string("0b4c5a5e-6a8e-4d6f-9d3e-2f6b1c7a9e011"),
        std::string("0b4c5a5e6a8e-4d6f-9d3e-2f6b1c7a9e01-"),
        std::string("0b4c5a5e-6a8e-4d6f-9d3e-2f6b1c7a9e0g"),
        std::string("0b4c5a5e-6a8e-4d6f-9d3e_2f6b1c7a9e01"),
        std::string("0b4c5a5e-6a8e-4d6f-9d3e-2f6b1c7a9e\0"
                    "1",
                    36),
        std::string("u1"), std::string()}) {
    const Uid u(text);
    EXPECT_EQ(u.str(), text);
    EXPECT_EQ(u.empty(), text.empty()) << text;
    EXPECT_TRUE(u == text) << text;
    EXPECT_TRUE(u == Uid(text)) << text;
    EXPECT_FALSE(u != text) << text;
    std::ostringstream os;
    os << u;
    EXPECT_EQ(os.str(), text);
  }
}

TEST(UidTest, DifferentTextsAreDifferentUids) {
  const Uid u(kUuid);
  for (const char* other : {"0b4c5a5e-6a8e-4d6f-9d3e-2f6b1c7a9e02",
                            "0B4C5A5E-6A8E-4D6F-9D3E-2F6B1C7A9E01",
                            "1b4c5a5e-6a8e-4d6f-9d3e-2f6b1c7a9e01", "", "u1"}) {
    EXPECT_TRUE(u != other) << other;
    EXPECT_TRUE(u != std::string(other)) << other;
    EXPECT_FALSE(u == Uid(other)) << other;
  }
  EXPECT_TRUE(Uid("u1") != "u2");
  EXPECT_TRUE(Uid() == "");
}

// The reason for the type: an object's UID in 24 bytes of its own, where a
// std::string holding one takes 32 and a heap block of 48.
TEST(UidTest, TakesLessRoomThanAStringAndNoHeap) {
  EXPECT_EQ(sizeof(Uid), 24u);
  constexpr int kCount = 1000;
  const std::string text = kUuid;
  std::vector<Uid> uids;
  uids.reserve(kCount);
  const size_t before = mallinfo2().uordblks;
  for (int i = 0; i < kCount; ++i) uids.emplace_back(text);
  // As std::strings they would hold 48 bytes of heap each.
  EXPECT_LT(mallinfo2().uordblks - before, size_t{kCount});
  EXPECT_EQ(uids.back().str(), text);
}

}  // namespace
}  // namespace certstore::kube
