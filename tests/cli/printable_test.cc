// Printable: tenant text cannot drive the user's terminal.
#include "operator/cli/printable.h"

#include <gtest/gtest.h>

namespace certstore::cli {
namespace {

TEST(PrintableTest, ControlsAreEscapedAndTextIsKept) {
  const struct {
    std::string in, out;
  } cases[] = {
      {"plain ASCII: a-z 0-9 ~!", "plain ASCII: a-z 0-9 ~!"},
      {"\x1b[2Jcleared", "\\x1b[2Jcleared"},
      {"\x1b]52;c;aGk=\x07", "\\x1b]52;c;aGk=\\x07"},  // OSC 52 clipboard
      {"two\nlines\ttab\r", "two\\x0alines\\x09tab\\x0d"},
      {std::string("nul\0byte", 8), "nul\\x00byte"},
      {"del\x7f", "del\\x7f"},
      {"\xc2\x9b"
       "31m",
       "\\xc2\\x9b31m"},  // C1 CSI
      {"caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x94\x91",
       "caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x94\x91"},  // UTF-8 kept
      {"bad \xff\xfe", "bad \\xff\\xfe"},
      {"truncated \xe6\x97", "truncated \\xe6\\x97"},
      {"overlong \xc0\xaf", "overlong \\xc0\\xaf"},
      {"surrogate \xed\xa0\x80", "surrogate \\xed\\xa0\\x80"},
  };
  for (const auto& c : cases) EXPECT_EQ(Printable(c.in), c.out) << c.in;
}

}  // namespace
}  // namespace certstore::cli
