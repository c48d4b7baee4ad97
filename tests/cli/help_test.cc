// kubectl certstore --help and per-command help, as kubectl plugins do.
#include <gtest/gtest.h>

#include "tests/cli/cli_runner.h"

namespace certstore::cli {
namespace {
using namespace testing;  // NOLINT

TEST(CliHelpTest, EveryCommandHasHelpWithAnExample) {
  TempDir dir;
  RunResult all = RunCli({"--help"}, dir.path());
  EXPECT_EQ(all.code, 0) << all.All();
  for (const std::string cmd :
       {"render", "inspect", "status", "renew", "diagnose"}) {
    SCOPED_TRACE(cmd);
    EXPECT_NE(all.out.find("kubectl-certstore " + cmd), std::string::npos);
    RunResult one = RunCli({cmd, "--help"}, dir.path());
    EXPECT_EQ(one.code, 0) << one.All();
    EXPECT_EQ(one.out.rfind("Usage:\n  kubectl-certstore " + cmd, 0), 0u)
        << one.out;
    // Only this command's paragraphs.
    for (const std::string other : {"render", "status", "renew", "diagnose"}) {
      if (other == cmd) continue;
      EXPECT_EQ(one.out.find("  kubectl-certstore " + other + " "),
                std::string::npos)
          << other << " in:\n"
          << one.out;
    }
    if (cmd == "render") continue;
    EXPECT_NE(one.out.find("kubectl certstore " + cmd), std::string::npos)
        << "no example:\n"
        << one.out;
    EXPECT_NE(one.out.find("--kubeconfig"), std::string::npos) << one.out;
  }
  RunResult unknown = RunCli({"frobnicate"}, dir.path());
  EXPECT_EQ(unknown.code, 2);
  EXPECT_NE(unknown.err.find("unknown command \"frobnicate\""),
            std::string::npos);
}

}  // namespace
}  // namespace certstore::cli
