#include "operator/common/files.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

namespace certstore {
namespace {
namespace fs = std::filesystem;

class FilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("files_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(FilesTest, WriteAtomicThenRead) {
  std::string p = (dir_ / "a" / "b.txt").string();
  ASSERT_TRUE(WriteFileAtomic(p, "hello", 0600).ok());
  auto r = ReadFile(p);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, "hello");
  struct stat st;
  ASSERT_EQ(stat(p.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(FilesTest, ReadMissingIsNotFound) {
  EXPECT_EQ(ReadFile((dir_ / "nope").string()).status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(ReadFile(dir_.string()).status().code(),
            StatusCode::kInvalidArgument);
}

TEST_F(FilesTest, ReplaceDirectoryReplacesWhole) {
  std::string out = (dir_ / "out").string();
  ASSERT_TRUE(ReplaceDirectory(out, {{"x", "1"}, {"y", "2"}}).ok());
  ASSERT_TRUE(ReplaceDirectory(out, {{"z", "3"}}).ok());
  EXPECT_FALSE(PathExists(out + "/x"));
  EXPECT_EQ(*ReadFile(out + "/z"), "3");
  // No temporary siblings are left behind.
  int n = 0;
  for (auto& e : fs::directory_iterator(dir_)) (void)e, ++n;
  EXPECT_EQ(n, 1);
}

TEST_F(FilesTest, ReplaceDirectoryFailureLeavesOldContents) {
  std::string out = (dir_ / "out").string();
  ASSERT_TRUE(ReplaceDirectory(out, {{"keep", "1"}}).ok());
  Status st = ReplaceDirectory(out, {{"ok", "1"}, {"../evil", "2"}});
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(*ReadFile(out + "/keep"), "1");
  int n = 0;
  for (auto& e : fs::directory_iterator(dir_)) (void)e, ++n;
  EXPECT_EQ(n, 1);
}

}  // namespace
}  // namespace certstore
