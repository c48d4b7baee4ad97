// Packing the cache's texts: every text comes back byte for byte, shared
// shape shrinks it, and damaged bytes are an error, never a crash or a
// silent short text.
#include "operator/common/deflate.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

namespace certstore {
namespace {

constexpr char kDictionary[] =
    R"({"kind":"CertStore","status":{"conditions":[{"type":"Ready"}]}})";

TEST(DeflateTest, EveryTextComesBackAsItWas) {
  std::mt19937 rng(7);
  std::string random(70000, '\0');  // incompressible, larger than the window
  for (char& c : random) c = static_cast<char>(rng());
  const std::string texts[] = {
      "",
      "x",
      std::string("\0\xff\0", 3),
      kDictionary,
      std::string(100000, 'a'),  // expands 1000x on inflate
      random,
  };
  for (const std::string& text : texts)
    for (std::string_view dict :
         {std::string_view(), std::string_view(kDictionary)}) {
      std::string packed = DeflateWith(text, dict);
      ASSERT_FALSE(packed.empty()) << text.size();
      // No spare capacity beyond the string's own inline buffer.
      EXPECT_LE(packed.capacity(), std::max<size_t>(packed.size(), 15));
      StatusOr<std::string> back = InflateWith(packed, dict);
      ASSERT_TRUE(back.ok()) << back.status();
      EXPECT_EQ(*back, text) << text.size();
    }
}

TEST(DeflateTest, TheDictionaryShrinksTextsOfItsShape) {
  const std::string text =
      R"({"kind":"CertStore","metadata":{"name":"payments-api"},)"
      R"("status":{"conditions":[{"type":"Ready","status":"True"}]}})";
  const size_t alone = DeflateWith(text, "").size();
  const size_t with = DeflateWith(text, kDictionary).size();
  EXPECT_LT(with, alone * 3 / 4) << alone << " -> " << with;
  EXPECT_LT(with, text.size() / 2);
}

TEST(DeflateTest, DamagedBytesAreAnErrorNotATextCutShort) {
  const std::string text(5000, 'q');
  const std::string packed = DeflateWith(text + "tail", kDictionary);
  struct Case {
    const char* what;
    std::string bytes;
  } cases[] = {
      {"empty", ""},
      {"truncated", packed.substr(0, packed.size() / 2)},
      {"one byte", packed.substr(0, 1)},
      {"trailing bytes", packed + "zz"},
      {"not deflate", std::string(64, '\xff')},
  };
  for (const Case& c : cases) {
    StatusOr<std::string> back = InflateWith(c.bytes, kDictionary);
    EXPECT_FALSE(back.ok()) << c.what;
    if (!back.ok()) {
      EXPECT_EQ(back.status().code(), StatusCode::kInternal) << c.what;
      EXPECT_NE(back.status().message().find("inflate"), std::string::npos);
    }
  }
}

}  // namespace
}  // namespace certstore
