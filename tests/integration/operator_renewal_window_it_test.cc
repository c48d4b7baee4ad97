// Maintenance windows for renewals (spec.renewal.windows) on the real API
// server: a renewal due outside every window waits and status says until
// when, one inside a window proceeds, and one that became urgent proceeds
// outside the window and says so. The certificates live an hour and are
// due a minute after issue (renewBefore 59m).
#include <thread>

#include "operator/common/time_format.h"
#include "tests/integration/operator_fixture.h"

namespace certstore {
namespace {

// "HH:MM" (UTC) of now + `offset`.
std::string ClockTime(std::chrono::minutes offset) {
  return FormatRfc3339(std::chrono::system_clock::now() + offset).substr(11, 5);
}

std::string WindowedStore(const std::string& name, const std::string& start,
                          const std::string& duration,
                          const std::string& urgent) {
  return "---\napiVersion: certstore.dev/v1alpha1\nkind: CertStore\n"
         "metadata: {name: " +
         name + "}\nspec:\n  issuerRef: {name: team}\n  secretName: " + name +
         "-stores\n  keystore: {commonName: " + name +
         ", duration: 1h, renewBefore: 59m}\n  formats: [PEM]\n"
         "  renewal:\n    windows:\n    - {start: \"" +
         start + "\", duration: " + duration + "}\n" + urgent;
}

TEST_F(OperatorIT, RenewalsWaitForMaintenanceWindowsUnlessUrgent) {
  // A window opened 10 minutes ago and open for 2 hours; one 3 hours away.
  std::string open_now = ClockTime(std::chrono::minutes(-10));
  std::string later = ClockTime(std::chrono::minutes(180));
  Apply(Issuer("team") + WindowedStore("inside", open_now, "2h", "") +
        WindowedStore("outside", later, "1h", "") +
        WindowedStore("urgent", later, "1h", "    urgentBefore: 58m30s\n"));
  std::map<std::string, std::string> serial;
  for (const char* cs : {"inside", "outside", "urgent"}) {
    ASSERT_TRUE(WaitReady(cs, "True")) << cs << OperatorLog();
    serial[cs] = CertStoreField(cs, "{.status.serialNumber}");
    ASSERT_FALSE(serial[cs].empty()) << cs;
  }
  auto renewed = [&](const char* cs) {
    std::string s = CertStoreField(cs, "{.status.serialNumber}");
    return !s.empty() && s != serial[cs];
  };
  auto issuing = [&](const char* cs, const char* field) {
    return Condition(cs, "Issuing", field);
  };

  // Inside its window: renewed when due (about a minute after issue).
  ASSERT_TRUE(
      Eventually([&] { return renewed("inside"); }, std::chrono::seconds(150)))
      << CertStoreField("inside", "{.status}") << OperatorLog();

  // Outside: due too, and waiting; status says until when, and reports that
  // as the renewal time (no renewal-overdue alert for a planned wait).
  ASSERT_TRUE(Eventually(
      [&] { return issuing("outside", "reason") == "WaitingForWindow"; },
      std::chrono::seconds(30)))
      << CertStoreField("outside", "{.status}");
  std::string message = issuing("outside", "message");
  EXPECT_NE(message.find("waits for the next maintenance window (opens at "),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("T" + later + ":00Z)"), std::string::npos) << message;
  EXPECT_NE(message.find("renews at " +
                         CertStoreField("outside", "{.status.renewalTime}")),
            std::string::npos)
      << message;
  auto renewal_time =
      ParseRfc3339(CertStoreField("outside", "{.status.renewalTime}"));
  ASSERT_TRUE(renewal_time.ok());
  EXPECT_GT(*renewal_time,
            std::chrono::system_clock::now() + std::chrono::minutes(20));
  EXPECT_NE(Condition("outside", "Ready", "message").find("waits for"),
            std::string::npos);

  // Urgent 90 s after issue: renewed outside the window, and it says so.
  ASSERT_TRUE(
      Eventually([&] { return renewed("urgent"); }, std::chrono::seconds(90)))
      << CertStoreField("urgent", "{.status}") << OperatorLog();
  std::string events = EventsMentioning({"urgent"});
  EXPECT_NE(events.find("outside the maintenance windows, but urgent"),
            std::string::npos)
      << events;
  EXPECT_NE(events.find("inside a maintenance window"), std::string::npos)
      << events;
  // The waiting one still has its first certificate.
  EXPECT_FALSE(renewed("outside"));
  EXPECT_EQ(issuing("outside", "reason"), "WaitingForWindow");
}

}  // namespace
}  // namespace certstore
